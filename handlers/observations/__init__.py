"""Meldingen: a person tells the coach something about their wijk, and sees what became of it.

`flow` is the `observation` flow (its table draws the diagram in ARCHITECTURE.md) and what
happens to loose messages, `mine` is "Mijn meldingen", `draft` the flow's states and draft,
`views` their texts and keyboards.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.telegram.callbacks import Kind, pattern
from handlers import router
from handlers.observations.draft import FLOW, ObservationDraft
from handlers.observations.flow import (
    TABLE,
    file_pressed,
    loose_media,
    loose_text,
    melding_command,
    melding_open,
    observation_pressed,
    start_observation,
)
from handlers.observations.mine import may_send, mine_command, mine_open, mine_pressed, show_mine

COMMANDS = ("melding", "mijnmeldingen")


def register(app: Application) -> None:
    from handlers.menu import MenuEntry, add_entry

    app.add_handler(CommandHandler("melding", melding_command))
    app.add_handler(CommandHandler("mijnmeldingen", mine_command))
    app.add_handler(CallbackQueryHandler(observation_pressed, pattern=pattern(Kind.OBSERVATION)))
    app.add_handler(CallbackQueryHandler(file_pressed, pattern=pattern(Kind.FILE_TEXT)))
    app.add_handler(CallbackQueryHandler(mine_pressed, pattern=pattern(Kind.MY_OBSERVATIONS)))
    add_entry(MenuEntry("melding", "observations.menu_new", melding_open, may_send, order=20))
    add_entry(
        MenuEntry("mijn", "observations.menu_mine", mine_open, lambda who: who.known, order=30)
    )
    router.set_loose_handler("text", loose_text)
    router.set_loose_handler("media", loose_media)


__all__ = ["FLOW", "TABLE", "ObservationDraft", "show_mine", "start_observation"]
