"""The language someone chose on the privacy statement, before Akkoord.

Before consent nothing about a person is stored, and a message they type carries no button to
say which language they chose there. So the choice is kept in the process's memory for the chat
(never in the database) until Akkoord stores it, or until the oldest are forgotten beyond
`limit`. After a restart the next answer is in Telegram's language again; the statement's own
buttons still carry the language they were shown in.
"""

from __future__ import annotations

from collections import OrderedDict


class ChosenLanguages:
    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._chosen: OrderedDict[int, str] = OrderedDict()

    def choose(self, telegram_id: int, lang: str) -> None:
        """Remember `lang` for this person until they agree (or it is forgotten)."""
        self._chosen[telegram_id] = lang
        self._chosen.move_to_end(telegram_id)
        while len(self._chosen) > self.limit:
            self._chosen.popitem(last=False)

    def get(self, telegram_id: int) -> str | None:
        return self._chosen.get(telegram_id)

    def forget(self, telegram_id: int) -> None:
        """Akkoord stored the language: the person's row says it from now on."""
        self._chosen.pop(telegram_id, None)
