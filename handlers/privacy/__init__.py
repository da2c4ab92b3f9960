"""/mijngegevens (`export`: a JSON file with everything stored about you) and /vergeetmij
(`erase`: the `privacy` flow, whose table draws the diagram in docs/flows.md); `views` builds
their texts and keyboards. bot/wiring.py puts the handlers named here on the Application."""

from __future__ import annotations

from handlers.privacy.erase import FLOW, TABLE, forget_command, privacy_pressed
from handlers.privacy.export import export_command, send_export

__all__ = ["FLOW", "TABLE", "export_command", "forget_command", "privacy_pressed", "send_export"]
