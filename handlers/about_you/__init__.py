""" "Over jou": the optional questions about yourself (`answers`), their texts and keyboards
(`views`). The answers are stored by bot/people/about_you.py; bot/wiring.py puts the handlers
named here on the Application, and handlers/main_menu.py asks once."""

from __future__ import annotations

from handlers.about_you.answers import (
    FLOW,
    about_you_pressed,
    open_from_menu,
    shown_again,
    typed,
)

__all__ = ["FLOW", "about_you_pressed", "open_from_menu", "shown_again", "typed"]
