"""What this process wrote, per table: lets a cache forget exactly when its rows may have changed.

Session events count every write: objects flushed (new, changed, deleted), ORM bulk statements
(`session.execute(update(...))`), and again at commit. A rollback counts for every table: it
expires the objects the session held, cached ones included. Writes from other processes (the
command line) are not seen here; caches bound them with a time to live.

A cache reads the version *before* it reads the database and stores it with the value, so a value
read while a write was being committed is already out of date when it is stored.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from itertools import chain
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

_CHANGED = "wijkbot_changed_tables"
_writes: defaultdict[str, int] = defaultdict(int)
_rollbacks = [0]


def _bump(session: Session, tables: Iterable[str]) -> None:
    changed: set[str] = session.info.setdefault(_CHANGED, set())
    for table in tables:
        changed.add(table)
        _writes[table] += 1


def _table_of(obj: object) -> str | None:
    return getattr(type(obj), "__tablename__", None)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    tables = {_table_of(o) for o in chain(session.new, session.dirty, session.deleted)}
    _bump(session, (t for t in tables if t is not None))


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        name = getattr(getattr(state.statement, "table", None), "name", None)
        if isinstance(name, str):
            _bump(state.session, (name,))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for table in session.info.pop(_CHANGED, ()):
        _writes[table] += 1


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    _rollbacks[0] += 1


def version(tables: tuple[str, ...]) -> tuple[int, ...]:
    """Changes whenever this process wrote one of `tables` or rolled anything back."""
    return (_rollbacks[0], *(_writes[t] for t in tables))


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class WatchedCache(Generic[K, V]):
    """Values read from `tables`, kept until this process writes one of them, or `ttl` passes."""

    def __init__(
        self,
        tables: tuple[str, ...],
        *,
        ttl: float = 30.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tables = tables
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[K, tuple[tuple[int, ...], float, V]] = {}

    def get(self, key: K, load: Callable[[], V]) -> V:
        now = self._clock()
        current = version(self.tables)
        found = self._entries.get(key)
        if found is not None and found[0] == current and now - found[1] < self.ttl:
            return found[2]
        value = load()
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (current, now, value)
        return value

    def peek(self, key: K) -> V | None:
        """The value last read for `key`, however old, without reading: for the error path,
        which must work while the database is away (None: nothing read for it)."""
        found = self._entries.get(key)
        return found[2] if found is not None else None

    def read_lately(self, key: K) -> bool:
        """Whether `key`'s value was read less than `ttl` ago (whatever this process wrote
        since): what another process changed in that time is not seen yet anyway."""
        found = self._entries.get(key)
        return found is not None and self._clock() - found[1] < self.ttl

    def forget(self, key: K | None = None) -> None:
        """Drop one entry (or all): for writes this process cannot see, e.g. raw SQL."""
        if key is None:
            self._entries.clear()
        else:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)
