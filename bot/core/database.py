"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import URL, Dialect, Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.sql.expression import Executable
from sqlmodel import Session, create_engine

import models  # noqa: F401  (registers every table on the metadata)

SQLITE_BUSY_TIMEOUT_MS = 5000


_Row = TypeVar("_Row")


def commit_or_stored(
    session: Session, commit: Callable[[], None], stored: Callable[[], _Row | None]
) -> _Row | None:
    """Commit what an update adds; None when it is stored now. When a unique key refuses it
    because the same update stored it before (delivered again after a crash, pressed twice),
    roll back and return that row (`stored` looks only then: the usual write costs no extra
    read). Any other failure is rolled back and raised."""
    try:
        commit()
    except IntegrityError:
        session.rollback()
        found = stored()
        if found is None:
            raise
        return found
    except Exception:
        session.rollback()
        raise
    return None


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here, not SQLAlchemy's default psycopg2."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def create_db_engine(url: str, *, echo: bool = False, state: bool = False) -> Engine:
    """The engine for `url`. `state`: PostgreSQL's second engine, for where a person is in a
    flow (see `Database.state_engine`). `hide_parameters`: a failed statement's error (logged
    with its traceback) and echo would otherwise show the values, i.e. what someone wrote,
    beside their id."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Everything is stored and compared in UTC; with the session in UTC as well, psycopg hands
    # back datetimes in datetime.UTC itself, which need no conversion per row. Options given in
    # the URL are kept (this argument replaces the URL's).
    options = [_url_options(parsed), "-c timezone=UTC"]
    if state:
        # Flow state only: its commits do not wait for the disk (see Database.state_engine).
        options.append("-c synchronous_commit=off")
    engine = create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_size=2 if state else 5,
        max_overflow=5,
        connect_args={"options": " ".join(filter(None, options))},
        # One statement per write, committed by itself: no BEGIN and COMMIT round trips.
        **({"isolation_level": "AUTOCOMMIT"} if state else {}),
    )
    _ping_when_idle(engine)
    if not state:
        _transaction_from_first_write(engine)
    return engine


_READS = ("SELECT", "SHOW")


def _transaction_from_first_write(engine: Engine) -> None:
    """Reads outside a transaction; the first write of a session opens one (psycopg's BEGIN).

    A session that only reads - most of them - then costs no BEGIN and no ROLLBACK: two round
    trips fewer, several per update. Under READ COMMITTED every statement sees a snapshot of
    its own anyway, so a read sees the same inside a transaction or outside one (the code takes
    no row locks). From its first write on a session is one transaction as before: committed
    whole or not at all. A read after the commit leaves the transaction mode again. A streamed
    read (a server-side cursor needs a transaction) and a connection given an isolation level of
    its own are left as they are."""

    def before_execute(
        conn: Any, cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool
    ) -> None:
        if "isolation_level" in conn.get_execution_options():
            return
        streamed = context is not None and context.execution_options.get("stream_results")
        connection = cursor.connection
        reading = not streamed and statement.lstrip()[:6].upper().startswith(_READS)
        if reading == connection.autocommit:
            return
        # autocommit may change only between transactions (nothing is lost: none is open).
        if connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            connection.autocommit = reading

    event.listen(engine, "before_cursor_execute", before_execute)


# A connection used this recently is taken to be alive: pinging it on every checkout (SQLAlchemy's
# pool_pre_ping) costs a round trip per session, several per update. One idle for longer (the
# server may have restarted meanwhile) is pinged first, and replaced when that fails.
PING_AFTER_IDLE_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get("checked_in")
        if last is not None and time.monotonic() - last < PING_AFTER_IDLE_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            if not dbapi_connection.autocommit:
                dbapi_connection.rollback()
        except Exception as exc:
            raise DisconnectionError(str(exc)) from exc

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)


class DriverStatement:
    """A Core statement compiled once for PostgreSQL's driver and run on a pooled connection
    without SQLAlchemy's Connection, outside a transaction (PostgreSQL commits it by itself).

    For the hottest single statements only (a reaction, a flow step's state): per execution the
    Connection's work - its events, setting and resetting autocommit, the result's metadata - cost
    0.1-0.2 ms, as much as the round trip itself. What it keeps: the pool and its checkout ping,
    a connection broken meanwhile being replaced, errors raised as SQLAlchemy's (a failed write
    is an `SQLAlchemyError`, its parameters hidden). Only for statements whose parameters and
    columns psycopg converts by itself (numbers, text, aware datetimes, booleans): no
    SQLAlchemy type processing is applied either way, nor Python-side column defaults (a
    statement that needs one is refused)."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, dict[str, Any]]] = {}

    def _for(self, dialect: Dialect) -> tuple[str, dict[str, Any]]:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)  # type: ignore[attr-defined]
            if compiled.insert_prefetch or compiled.update_prefetch:
                # Filled in by SQLAlchemy's execution context, which is not there.
                names = [c.name for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
                raise ValueError(f"give these columns a value in the statement: {names}")
            # The literal values SQLAlchemy bound itself (e.g. an enum's value in a filter).
            found = (str(compiled), {k: v for k, v in compiled.params.items() if v is not None})
            self._compiled[dialect.name] = found
        return found

    def one(self, engine: Engine, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """Run the statement; its first row (None: it returned none). Committed when it returns
        (on the main engine it waits for the disk, on the state engine it does not)."""
        sql, defaults = self._for(engine.dialect)
        try:
            fairy = engine.raw_connection()
        except psycopg.Error as exc:
            # No connection to be had (the server is away): raised from the pool as the driver's
            # own error, which the error path would not know for the database's.
            raise DBAPIError.instance(
                None,
                None,
                exc,
                psycopg.Error,
                hide_parameters=True,
                dialect=engine.dialect,
                ismulti=False,
            ) from exc
        connection = fairy.driver_connection
        assert isinstance(connection, psycopg.Connection)
        # A connection checked in is never inside a transaction: autocommit may change.
        autocommit = connection.autocommit
        try:
            if not autocommit:
                connection.autocommit = True
            # Prepared on its first run on a connection, not its fifth (psycopg's default):
            # these statements run on every press.
            cursor = connection.execute(sql, {**defaults, **params}, prepare=True)
            return cursor.fetchone() if cursor.description is not None else None
        except psycopg.Error as exc:
            invalidated = engine.dialect.is_disconnect(cast(Any, exc), fairy, None)
            if invalidated:
                fairy.invalidate(exc)
            raise DBAPIError.instance(
                sql,
                params,
                exc,
                psycopg.Error,
                hide_parameters=True,
                connection_invalidated=invalidated,
                dialect=engine.dialect,
                ismulti=False,
            ) from exc
        finally:
            if not autocommit and not connection.closed:
                connection.autocommit = False
            fairy.close()


def _url_options(parsed: URL) -> str:
    value = parsed.query.get("options")
    return " ".join(value) if isinstance(value, tuple) else (value or "")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the digest job read while a resident's observation is being written.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """The one object services get: an engine and a way to open a session."""

    def __init__(self, engine: Engine, state_engine: Engine | None = None) -> None:
        self.engine = engine
        # Where people are in their flows (bot/telegram/persistence.py). On PostgreSQL an
        # engine of its own: autocommit, and commits that do not wait for the disk
        # (synchronous_commit=off). A kill of the bot loses none of them; a crash of the
        # database server or machine may lose the last ~0.6 s of them, never an observation,
        # vote or reaction: those commit on `engine` and wait, and PostgreSQL writes its log in
        # order, so every flow step before a stored observation is kept with it. What a lost
        # step can cost - a press delivered again, an answer to the step before - the
        # idempotency keys absorb (docs/architecture/exactly-once.md).
        self.state_engine = state_engine or engine

    @classmethod
    def from_url(cls, url: str, *, echo: bool = False) -> Database:
        engine = create_db_engine(url, echo=echo)
        if engine.dialect.name != "postgresql":
            return cls(engine)
        return cls(engine, create_db_engine(url, echo=echo, state=True))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that rolls back on error; callers commit explicitly before they confirm."""
        session = Session(self.engine, expire_on_commit=False)
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.state_engine is not self.engine:
            self.state_engine.dispose()
