"""/spiegel: the wijk's mirror, one category at a time, and reacting to its statements.

`reading` shows editions and statements, `react` takes reactions, `comment` is the
`spiegel_comment` flow (its table draws the diagram in ARCHITECTURE.md), `views` builds the
texts and keyboards.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.telegram.callbacks import Kind, pattern
from handlers.spiegel.comment import FLOW, TABLE
from handlers.spiegel.react import react_pressed
from handlers.spiegel.reading import (
    open_from_menu,
    show_current,
    show_overview,
    spiegel_command,
    spiegel_pressed,
    visible,
)

COMMANDS = ("spiegel",)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    from handlers.menu import MenuEntry, add_entry

    app.add_handler(CommandHandler("spiegel", spiegel_command))
    app.add_handler(CallbackQueryHandler(spiegel_pressed, pattern=pattern(Kind.SPIEGEL)))
    app.add_handler(CallbackQueryHandler(react_pressed, pattern=pattern(Kind.REACT)))
    add_entry(MenuEntry("spiegel", "spiegel.menu", open_from_menu, visible=visible, order=10))


__all__ = ["FLOW", "TABLE", "show_current", "show_overview"]
