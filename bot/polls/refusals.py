"""Who has been told that their answer in a group's Telegram poll does not count: once per poll.

Telegram sends an answer again on every change in the group's poll, and when someone takes it
back. Someone known to the bot who may not vote there (of another wijk, a partner) is told why
once per poll, not on every change. Someone who never started the bot is not written to at all
(a bot may not write first); the group's result counts their vote among those not counted.
This is kept in the process's memory only: after a restart someone may be told once more. The
oldest are forgotten first beyond `limit`.
"""

from __future__ import annotations

from collections import OrderedDict


class RefusalsTold:
    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._told: OrderedDict[tuple[int, int], None] = OrderedDict()

    def first_time(self, poll_id: int, telegram_id: int) -> bool:
        """True (and remembered) the first time for this poll and person; False after."""
        key = (poll_id, telegram_id)
        if key in self._told:
            return False
        self._told[key] = None
        while len(self._told) > self.limit:
            self._told.popitem(last=False)
        return True
