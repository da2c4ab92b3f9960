"""Meldingen for coaches: the inbox (`inbox`: list, card, mark read, photo, location), answering
(`answer`, the coach_answer flow), hiding (`hide`, with the coach_hide flow for a typed reason) and
the sender's one reply (`reply`, the coach_reply flow); the three flows share `drafts`; `views`
builds the texts and keyboards. bot/wiring.py puts the handlers named here on the Application.

Callback data (bot/telegram/callbacks.py, Coach*):
    co:l:<wijk_id>:<filter>:<page>       the list            co:w   choose a wijk
    co:<id>:<action>[:<filter>:<page>]   a coach's action on one observation; the trailing pair is
                                         the list the card came from (for "Terug")
    co:<id>:<step>:<nonce>               a step of a flow (answer, hide reason, reply)
    co:<id>:rp                           the sender's "Reageren" under the coach's answer
"""

from __future__ import annotations

from handlers.coach.answer import FLOW as FLOW_ANSWER
from handlers.coach.answer import TABLE as ANSWER_TABLE
from handlers.coach.answer import answer_typed
from handlers.coach.hide import FLOW as FLOW_HIDE
from handlers.coach.hide import TABLE as HIDE_TABLE
from handlers.coach.hide import hide_reason_typed
from handlers.coach.inbox import (
    coach_pressed,
    is_coach,
    meldingen_command,
    open_meldingen,
    open_observation,
    render_card,
    show_list,
)
from handlers.coach.reply import FLOW as FLOW_REPLY
from handlers.coach.reply import TABLE as REPLY_TABLE
from handlers.coach.reply import replied_to_answer, reply_typed

__all__ = [
    "ANSWER_TABLE",
    "FLOW_ANSWER",
    "FLOW_HIDE",
    "FLOW_REPLY",
    "HIDE_TABLE",
    "REPLY_TABLE",
    "answer_typed",
    "coach_pressed",
    "hide_reason_typed",
    "is_coach",
    "meldingen_command",
    "open_meldingen",
    "open_observation",
    "render_card",
    "replied_to_answer",
    "reply_typed",
    "show_list",
]
