"""Polls: the Stemmingen list and voting (`voting`), managing one and linking a group (`manage`),
the bot added to, removed from or moved with a group (`group`), and the "Nieuwe stemming" wizard
(`wizard`, the `poll_wizard` flow whose table draws the diagram in docs/flows.md); `views`
builds their texts and keyboards. bot/wiring.py puts the handlers named here (and the wizard's)
on the Application."""

from __future__ import annotations

from handlers.polls import wizard
from handlers.polls.group import group_upgraded, membership_changed, replied_in_group
from handlers.polls.manage import koppel_command, manage_pressed
from handlers.polls.voting import (
    list_command,
    open_list,
    open_poll_link,
    option_typed,
    poll_answer,
    poll_in_link,
    visible,
    vote_pressed,
)

__all__ = [
    "group_upgraded",
    "koppel_command",
    "list_command",
    "manage_pressed",
    "membership_changed",
    "open_list",
    "open_poll_link",
    "option_typed",
    "poll_answer",
    "poll_in_link",
    "replied_in_group",
    "visible",
    "vote_pressed",
    "wizard",
]
