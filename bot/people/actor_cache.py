"""Who someone is, remembered between updates.

Every update needs the sender's person row and roles; they change rarely (consent, choosing a
wijk, an invite, erasure, the language). Loading them through the ORM cost about as much as the
whole of a bare PTB bot's answer, so this process keeps them, and forgets them whenever a session
of this process writes a person or a membership or rolls back (bot/core/table_changes.py). Writes
from another process (the command line marks people unreachable) are seen after at most `ttl`
seconds; so is an erasure (`wijkbot person erase`), after which the bot must also drop the
person's flow and draft: their first update once `ttl` has passed since the last read asks
`erased` (handlers/common.py `update_arrived`), one cheap read, never on every update.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.core.database import Database
from bot.core.table_changes import WatchedCache
from bot.people.permissions import Actor, load_actor, may_exist, person_id_of

# The tables bot.people.permissions.load_actor reads (models.Person, models.Membership).
TABLES = ("person", "membership")


class ActorCache:
    """Person and roles per Telegram id (None for someone not known yet), for this process.

    Beside it, each person's language as last read: kept when the roles are forgotten, so that
    the error path can answer in the person's language while the database is away (it must not
    query it). Dropped when a read finds no person (erased), bounded like the cache."""

    def __init__(
        self,
        *,
        ttl: float = 30.0,
        max_entries: int = 10_000,
        max_languages: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cache: WatchedCache[int, Actor | None] = WatchedCache(
            TABLES, ttl=ttl, max_entries=max_entries, clock=clock
        )
        self._languages: dict[int, str] = {}
        self._max_languages = max_languages

    def get(self, db: Database, telegram_id: int) -> Actor | None:
        def load() -> Actor | None:
            # Someone not read since the start (mostly a newcomer's /start): first the cheap
            # question whether they exist at all.
            if telegram_id not in self._languages and not may_exist(db, telegram_id):
                return None
            with db.session() as session:
                actor = load_actor(session, telegram_id)
            self._languages.pop(telegram_id, None)
            if actor is not None:
                if len(self._languages) >= self._max_languages:
                    self._languages.pop(next(iter(self._languages)))  # the longest unseen
                self._languages[telegram_id] = actor.person.language
            return actor

        return self._cache.get(telegram_id, load)

    def cached(self, telegram_id: int) -> Actor | None:
        """The person and roles as last read, without a query, however old."""
        return self._cache.peek(telegram_id)

    def language_of(self, telegram_id: int) -> str | None:
        """The language this person had when last read, without a query (None: not read since
        the start, or no person)."""
        return self._languages.get(telegram_id)

    def erased(self, db: Database, telegram_id: int) -> bool:
        """Whether the person this process last read for `telegram_id` is no longer there
        (erased by another process; or never read, and not there), and then what is kept for
        them is forgotten. For the start of an update from someone the process holds something
        for, so that it does not act on the memory of a person who is gone. Read at most once
        per `ttl` per person, like every other write of another process: a read on every
        update cost a reaction 0.1-0.4 ms on PostgreSQL (bench/observation_flow.py), so an
        erasure in the last `ttl` seconds of someone typing is seen after them."""
        if self._cache.read_lately(telegram_id):
            return False
        found = person_id_of(db, telegram_id)
        held = self._cache.peek(telegram_id)
        if found is not None and (held is None or held.person.id == found):
            return False
        self._cache.forget(telegram_id)
        self._languages.pop(telegram_id, None)
        return True

    def forget(self, telegram_id: int | None = None) -> None:
        self._cache.forget(telegram_id)

    def __len__(self) -> int:
        return len(self._cache)
