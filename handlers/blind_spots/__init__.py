""" "Wat weten we nog niet?" for coaches (`coach`), its texts and keyboards (`views`). The figures
come from bot/spiegel/blind_spots.py; bot/wiring.py puts the handlers named here on the
Application."""

from __future__ import annotations

from handlers.blind_spots.coach import blind_spots_pressed, is_coach, open_from_menu

__all__ = ["blind_spots_pressed", "is_coach", "open_from_menu"]
