"""Polls: the Peilingen list and voting (`voting`), managing one and linking a group (`manage`),
and the "Nieuwe peiling" wizard (`wizard`, the `poll_wizard` flow whose table draws the diagram in
ARCHITECTURE.md); `views` builds their texts and keyboards."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, PollAnswerHandler

from bot.polls import delivery
from bot.telegram.callbacks import Kind, pattern
from handlers.polls import wizard
from handlers.polls.manage import koppel_command, manage_pressed
from handlers.polls.voting import list_command, open_list, open_poll_link, poll_answer, vote_pressed
from handlers.polls.wizard import FLOW, TABLE

COMMANDS = ("peilingen",)
GROUP_COMMANDS = ("koppel",)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    from handlers.menu import MenuEntry, add_entry

    app.add_handler(CommandHandler("peilingen", list_command))
    app.add_handler(CommandHandler("koppel", koppel_command))
    app.add_handler(CallbackQueryHandler(wizard.pressed, pattern=pattern(Kind.POLL_WIZARD)))
    app.add_handler(CallbackQueryHandler(vote_pressed, pattern=pattern(Kind.POLL_VOTE)))
    app.add_handler(CallbackQueryHandler(manage_pressed, pattern=pattern(Kind.POLL_MANAGE)))
    app.add_handler(PollAnswerHandler(poll_answer))
    add_entry(MenuEntry("polls", "polls.menu", open_list, lambda who: who.known, order=40))
    add_entry(MenuEntry("newpoll", "polls.menu_new", wizard.open_wizard, wizard.can_create, 41))
    delivery.install(app)


__all__ = ["FLOW", "TABLE", "open_poll_link"]
