"""Text a coach types on the desk (a note, a template, an answer): cleaned and checked once.

No Telegram, no web. Refusals carry the catalogue key of the message to show; a text that is too
long also carries the values that message names (`errors.too_long`: length, limit).
"""

from __future__ import annotations

from bot.core.text import clean_input
from bot.observations.coach import Refused


class TooLong(Refused):
    """The text is longer than `limit` characters (`errors.too_long` with `values`)."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__("errors.too_long", length=length, limit=limit)
        self.length = length
        self.limit = limit


def checked(text: str | None, *, limit: int, empty_key: str, multiline: bool = True) -> str:
    """The text as the project stores typed text (`clean_input`), or Refused: nothing visible
    (`empty_key`), or more than `limit` characters (TooLong)."""
    cleaned = clean_input(text, multiline=multiline)
    if not cleaned:
        raise Refused(empty_key)
    if len(cleaned) > limit:
        raise TooLong(len(cleaned), limit)
    return cleaned
