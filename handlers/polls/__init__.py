"""Polls: the Peilingen list and voting (`voting`), managing one and linking a group (`manage`),
and the "Nieuwe stemming" wizard (`wizard`, the `poll_wizard` flow whose table draws the diagram in
ARCHITECTURE.md); `views` builds their texts and keyboards. bot/wiring.py puts the handlers named
here (and the wizard's) on the Application."""

from __future__ import annotations

from handlers.polls import wizard
from handlers.polls.manage import koppel_command, manage_pressed
from handlers.polls.voting import (
    list_command,
    open_list,
    open_poll_link,
    poll_answer,
    visible,
    vote_pressed,
)

__all__ = [
    "koppel_command",
    "list_command",
    "manage_pressed",
    "open_list",
    "open_poll_link",
    "poll_answer",
    "visible",
    "vote_pressed",
    "wizard",
]
