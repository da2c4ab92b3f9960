"""Short messages for the next page (Post/Redirect/Get): an action stores what the coach should
read in the session, redirects (303), and the page it lands on shows it once.

Stored as text already in the coach's language (the action knows it), at most a few lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

SESSION_FLASH = "flash"
MAX_LINES = 12


@dataclass(frozen=True)
class Notice:
    text: str
    kind: str  # "done" or "problem"


def flash(request: Request, text: str, *, kind: str = "done") -> None:
    """One line for the next page this session opens."""
    stored: list[Any] = list(request.session.get(SESSION_FLASH) or [])[: MAX_LINES - 1]
    stored.append([kind, text])
    request.session[SESSION_FLASH] = stored


def take(request: Request) -> list[Notice]:
    """The lines waiting for this page (and none after it)."""
    if "session" not in request.scope:
        return []
    stored = request.session.pop(SESSION_FLASH, None)
    if not isinstance(stored, list):
        return []
    found = []
    for item in stored:
        if isinstance(item, list) and len(item) == 2 and all(isinstance(p, str) for p in item):
            found.append(Notice(text=item[1], kind=item[0]))
    return found
