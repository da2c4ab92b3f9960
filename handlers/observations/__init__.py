"""Meldingen: a person tells the coach something about their wijk, and sees what became of it.

`flow` is the `observation` flow (its table draws the diagram in docs/flows.md) and what
happens to loose messages, `mine` is "Mijn meldingen", `draft` the flow's states and draft,
`views` their texts and keyboards. bot/wiring.py puts the handlers named here on the Application.
"""

from __future__ import annotations

from handlers.observations.draft import FLOW, ObservationDraft
from handlers.observations.flow import (
    TABLE,
    file_pressed,
    loose_media,
    loose_text,
    media_in_flow,
    melding_command,
    melding_open,
    observation_pressed,
    start_observation,
    text_in_flow,
)
from handlers.observations.mine import may_send, mine_command, mine_open, mine_pressed, show_mine
from handlers.observations.reopen import reopen_pressed

__all__ = [
    "FLOW",
    "TABLE",
    "ObservationDraft",
    "file_pressed",
    "loose_media",
    "loose_text",
    "may_send",
    "media_in_flow",
    "melding_command",
    "melding_open",
    "mine_command",
    "mine_open",
    "mine_pressed",
    "observation_pressed",
    "reopen_pressed",
    "show_mine",
    "start_observation",
    "text_in_flow",
]
