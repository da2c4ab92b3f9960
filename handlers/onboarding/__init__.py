"""/start, the privacy statement and consent, invite links, and choosing a wijk (list or postcode).

`start` handles /start and consent (nothing is stored before it), `wijk` is the `wijk` flow (its
table draws the diagram in ARCHITECTURE.md), `views` builds their texts and keyboards.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.app import WijkContext
from bot.telegram.callbacks import Kind, pattern
from handlers.common import Who, reply
from handlers.onboarding.start import consent_pressed, show_privacy, show_start, start_command
from handlers.onboarding.wijk import (
    CHOOSING_WIJK,
    CONFIRMING_WIJK,
    FLOW,
    TABLE,
    TYPING_POSTCODE,
    ask_wijk,
    wijk_command,
    wijk_open,
    wijk_pressed,
)


def register(app: Application) -> None:
    from handlers.menu import MenuEntry, add_entry

    app.add_handler(CommandHandler("start", start_command))
    app.add_handler(CommandHandler("wijk", wijk_command))
    app.add_handler(CallbackQueryHandler(consent_pressed, pattern=pattern(Kind.CONSENT)))
    app.add_handler(CallbackQueryHandler(wijk_pressed, pattern=pattern(Kind.WIJK)))
    add_entry(MenuEntry("wijk", "menu.wijk", wijk_open, order=90))
    add_entry(MenuEntry("taal", "menu.language", _language_open, order=95))


async def _language_open(update: Update, context: WijkContext, who: Who) -> None:
    from handlers.menu import language_keyboard

    await reply(update, who.t("language.choose"), language_keyboard(who))


__all__ = [
    "CHOOSING_WIJK",
    "CONFIRMING_WIJK",
    "FLOW",
    "TABLE",
    "TYPING_POSTCODE",
    "ask_wijk",
    "show_privacy",
    "show_start",
]
