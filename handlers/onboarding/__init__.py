"""/start, the privacy statement and consent, invite links, and choosing a wijk (list or postcode).

`start` handles /start and consent (nothing is stored before it), `wijk` is the `wijk` flow (its
table draws the diagram in docs/flows.md; its first step, `ask_wijk`, is in handlers/common.py
because every handler sends a person without a wijk there), `views` builds their texts and
keyboards. bot/wiring.py puts the handlers named here on the Application.
"""

from __future__ import annotations

from handlers.onboarding.start import (
    consent_pressed,
    invite_pressed,
    not_joined,
    show_privacy,
    show_start,
    start_command,
)
from handlers.onboarding.wijk import (
    CHOOSING_WIJK,
    CONFIRMING_WIJK,
    FLOW,
    TABLE,
    TYPING_POSTCODE,
    postcode_typed,
    wijk_command,
    wijk_open,
    wijk_pressed,
)

__all__ = [
    "CHOOSING_WIJK",
    "CONFIRMING_WIJK",
    "FLOW",
    "TABLE",
    "TYPING_POSTCODE",
    "consent_pressed",
    "invite_pressed",
    "not_joined",
    "postcode_typed",
    "show_privacy",
    "show_start",
    "start_command",
    "wijk_command",
    "wijk_open",
    "wijk_pressed",
]
