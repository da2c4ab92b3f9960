"""/mijngegevens: a JSON file with everything stored about the person asking."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.context import WijkContext
from bot.privacy import personal_data
from bot.privacy.export_file import export_file
from handlers.common import Who, menu_keyboard, private_handler, reply
from handlers.privacy import views


@private_handler(needs_wijk=False)
async def export_command(update: Update, context: WijkContext, who: Who) -> None:
    await send_export(update, context, who)


async def send_export(update: Update, context: WijkContext, who: Who) -> None:
    services = context.services
    assert who.actor is not None
    with services.db.session() as session:
        file = export_file(
            session, who.actor.id, who.lang, now=services.clock.now(), tz=services.tz
        )
        # As /vergeetmij counts them: a vote is one per poll, the file has a row per option.
        counts = personal_data.count_contributions(session, who.actor.id)
    chat = update.effective_chat
    if chat is None:
        return
    await chat.send_document(
        InputFile(file.content, filename=file.filename, attach=False),
        caption=who.t("privacy.export_caption"),
        reply_markup=menu_keyboard(who),
    )
    shown = views.export_explained(who, counts.observations, counts.reactions, counts.votes)
    await reply(update, *shown)
