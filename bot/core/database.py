"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import Session, create_engine

import models  # noqa: F401  (registers every table on the metadata)

SQLITE_BUSY_TIMEOUT_MS = 5000


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here, not SQLAlchemy's default psycopg2."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """`hide_parameters`: a failed statement's error (logged with its traceback) and echo would
    otherwise show the values, i.e. what someone wrote, beside their id."""
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
    return create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        # Everything is stored and compared in UTC; with the session in UTC as well, psycopg
        # hands back datetimes in datetime.UTC itself, which need no conversion per row.
        # Options given in the URL are kept (this argument replaces the URL's).
        connect_args={"options": " ".join(filter(None, (_url_options(parsed), "-c timezone=UTC")))},
    )


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

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str, *, echo: bool = False) -> Database:
        return cls(create_db_engine(url, echo=echo))

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
