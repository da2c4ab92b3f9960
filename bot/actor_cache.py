"""Who someone is, remembered between updates.

Every update needs the sender's person row and roles; they change rarely (consent, choosing a
wijk, an invite, erasure, the language). Loading them through the ORM cost about as much as the
whole of a bare PTB bot's answer, so this process keeps them, and forgets *all* of them whenever a
session of this process writes a person or a membership (flush, ORM bulk statement, commit) or
rolls back (a rollback expires the objects it held). Writes from another process (the command
line marks people unreachable) are seen after at most `ttl` seconds.

The generation is read *before* the database is, so an entry loaded while a write was being
committed is already out of date when it is stored and is never used.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from bot.database import Database
from bot.permissions import Actor, load_actor
from models import Membership, Person

_WATCHED = (Person, Membership)
_WATCHED_TABLES = frozenset({Person.__tablename__, Membership.__tablename__})
_CHANGED = "wijkbot_actors_changed"


class _Generation:
    value = 0

    @classmethod
    def bump(cls) -> None:
        cls.value += 1


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    if any(isinstance(o, _WATCHED) for o in chain(session.new, session.dirty, session.deleted)):
        session.info[_CHANGED] = True
        _Generation.bump()


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _WATCHED_TABLES:
        state.session.info[_CHANGED] = True
        _Generation.bump()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        _Generation.bump()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    _Generation.bump()


def generation() -> int:
    return _Generation.value


class ActorCache:
    """Person and roles per Telegram id (None for someone not known yet), for this process."""

    def __init__(
        self,
        *,
        ttl: float = 30.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[int, tuple[int, float, Actor | None]] = {}

    def get(self, db: Database, telegram_id: int) -> Actor | None:
        now = self._clock()
        found = self._entries.get(telegram_id)
        if found is not None:
            gen, loaded_at, actor = found
            if gen == _Generation.value and now - loaded_at < self.ttl:
                return actor
        gen = _Generation.value
        with db.session() as session:
            actor = load_actor(session, telegram_id)
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[telegram_id] = (gen, now, actor)
        return actor

    def forget(self, telegram_id: int | None = None) -> None:
        """Drop one person (or everyone): for writes this process cannot see, e.g. raw SQL."""
        if telegram_id is None:
            self._entries.clear()
        else:
            self._entries.pop(telegram_id, None)
