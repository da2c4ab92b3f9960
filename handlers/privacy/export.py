"""/mijngegevens: a JSON file with everything stored about the person asking."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.context import WijkContext
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
    chat = update.effective_chat
    if chat is None:
        return
    await chat.send_document(
        InputFile(file.content, filename=file.filename, attach=False),
        caption=who.t("privacy.export_caption"),
        reply_markup=menu_keyboard(who),
    )
    data = file.data
    counts = (len(data["observations"]), len(data["reactions"]), len(data["votes"]))
    await reply(update, *views.export_explained(who, *counts))
