"""Schema migrations through Alembic: upgrade, and the check that refuses a database behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from models.observation import TEXT_TRIGRAM_INDEX

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

# Indexes the models declare for PostgreSQL alone (`.ddl_if(dialect="postgresql")`): the
# migrations create them there only, so comparing models and schema leaves them out elsewhere.
POSTGRESQL_ONLY_INDEXES = frozenset({TEXT_TRIGRAM_INDEX})
# Columns whose declared type only PostgreSQL follows (table, column): SQLite keeps text of any
# length in a VARCHAR(n), and changing the declared type there means copying a table that others
# reference (migration 0019), so SQLite keeps the older type and the comparison skips it there.
POSTGRESQL_ONLY_TYPES = frozenset({("wijk", "cbs_codes")})


class DatabaseBehindError(Exception):
    """The database's schema is older than the code: `wijkbot migrate` fixes it."""


class DanglingLinksError(Exception):
    """A migration left rows whose foreign key points to no row (SQLite): not committed."""


def alembic_config(url: str | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def compared(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """Alembic's `include_object` for a database of this dialect: what autogenerate compares."""

    def include(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
        if dialect == "postgresql":
            return True
        if kind == "column":
            return (obj.table.name, name) not in POSTGRESQL_ONLY_TYPES
        return not (kind == "index" and name in POSTGRESQL_ONLY_INDEXES)

    return include


@contextmanager
def foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite: foreign keys off while migrations run on this connection, on again afterwards.

    Batch mode recreates a table (copy, drop the old one, rename); with foreign keys on, that
    drop deletes every row pointing to the table (ON DELETE CASCADE) or clears its link (SET
    NULL). The pragma does nothing inside a transaction, so it is set before the migrations'
    transaction begins; `check_links` then checks, before that commits, that every link still
    points to a row. PostgreSQL alters tables in place: nothing changes there."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    off = connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
    connection.commit()  # (SQLAlchemy's, opened by the statements: SQLite's is not)
    if not off:
        raise RuntimeError("SQLite kept its foreign keys on: a transaction is open")
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def check_links(connection: Connection) -> None:
    """SQLite: raise DanglingLinksError when a row's foreign key points to no row (what the
    migrations changed with foreign keys off). PostgreSQL checks every change itself."""
    if connection.dialect.name != "sqlite":
        return
    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if dangling:
        tables = sorted({f"{table} -> {parent}" for table, _rowid, parent, _fk in dangling})
        raise DanglingLinksError(
            f"not migrated: {len(dangling)} link(s) point to no row ({', '.join(tables)}); "
            "`PRAGMA foreign_key_check` in sqlite3 lists them: repair them or restore a backup"
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config()
    with engine.connect() as connection, foreign_keys_off(connection), connection.begin():
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "migrations/versions is empty"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def ensure_current(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision()
    if current != head:
        state = "has no schema yet" if current is None else f"is at revision {current}"
        raise DatabaseBehindError(
            f"the database {state}, the code needs {head}: run `wijkbot migrate` first"
        )
