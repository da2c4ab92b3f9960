"""Urgent signals in the bot: the resident's help block and confirmation line (`resident`, called
by the observation flow) and the coaches' immediate message (`alert`); texts in `views`."""

from __future__ import annotations

from handlers.urgent.alert import wait_idle
from handlers.urgent.resident import filed, kind_of, note

__all__ = ["filed", "kind_of", "note", "wait_idle"]
