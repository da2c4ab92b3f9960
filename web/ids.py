"""Ids that come from outside: a desk URL's path, a query string or a form field.

The one place the desk turns such text into a row's id. Anything that is no id of a row (not
digits, 0, or beyond what the id columns hold, `models.base.MAX_ID`) is None here, so it never
reaches a query: PostgreSQL refuses a parameter beyond its INTEGER, and answers with a server
error instead of "not found". Every route reads its ids through these functions.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from models.base import MAX_ID
from web.auth import not_there

# ASCII digits only: str.isdigit() also takes "²", which int() refuses. Twenty digits are more
# than any id; leading zeros are allowed.
_DIGITS = r"[0-9]{1,20}"
_ID = re.compile(_DIGITS)
# What a coach types for an observation: "M-12", "m12", "12" (spaces around are fine).
_REFERENCE = re.compile(rf"\s*(?:[mM]\s*-?\s*)?({_DIGITS})\s*")


def in_range(value: int) -> int | None:
    """The value if a row could have it as its id."""
    return value if 1 <= value <= MAX_ID else None


def parse_id(raw: object) -> int | None:
    """ "12" -> 12; anything that is no row's id (other text, 0, too large) None."""
    if not isinstance(raw, str) or not _ID.fullmatch(raw):
        return None
    return in_range(int(raw))


def parse_reference(raw: object) -> int | None:
    """ "M-12", "m12", "12" -> 12; anything else (also an id no row can have) None."""
    found = _REFERENCE.fullmatch(raw) if isinstance(raw, str) else None
    return in_range(int(found.group(1))) if found else None


def number_beyond_ids(raw: object) -> int | None:
    """A number typed as an id but beyond every id (the bulk form reports it as unknown)."""
    if not isinstance(raw, str) or not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if value > MAX_ID else None


def path_id(request: Request, name: str, message_key: str, lang: str | None = None) -> int:
    """The id in the path parameter `name`, asked for by a logged-in coach; a "not found" page
    (404, `message_key`, with the way back to their inbox) for text that is no row's id."""
    found = parse_id(request.path_params[name])
    if found is None:
        raise not_there(message_key, lang)
    return found
