"""/mijngegevens: a JSON file with everything stored about the person asking."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.context import WijkContext
from bot.privacy import export_guide, personal_data
from handlers.common import Who, menu_keyboard, private_handler, reply
from handlers.privacy import views


@private_handler(needs_wijk=False)
async def export_command(update: Update, context: WijkContext, who: Who) -> None:
    await send_export(update, context, who)


async def send_export(update: Update, context: WijkContext, who: Who) -> None:
    services = context.services
    assert who.actor is not None
    now = services.clock.now()
    with services.db.session() as session:
        data = personal_data.export_person(session, who.actor.id, now=now)
    chat = update.effective_chat
    if chat is None:
        return
    filename = who.t("privacy.export_filename", date=now.astimezone(services.tz).date().isoformat())
    await chat.send_document(
        InputFile(
            personal_data.export_json(export_guide.with_guide(who.lang, data)),
            filename=filename,
            attach=False,
        ),
        caption=who.t("privacy.export_caption"),
        reply_markup=menu_keyboard(who),
    )
    counts = (len(data["observations"]), len(data["reactions"]), len(data["votes"]))
    await reply(update, *views.export_explained(who, *counts))
