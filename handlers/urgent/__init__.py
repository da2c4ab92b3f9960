"""Urgent signals in the bot: the resident's help block, above the answer to any urgent text
(`resident.typed`, before every handler), and confirmation line (`resident.filed`, called by the
observation flow), and the coaches' immediate message (`alert`); texts in `views`."""

from __future__ import annotations

from handlers.urgent.alert import wait_idle
from handlers.urgent.resident import filed, kind_of, note, typed

__all__ = ["filed", "kind_of", "note", "typed", "wait_idle"]
