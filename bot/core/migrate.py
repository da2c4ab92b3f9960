"""Schema migrations through Alembic: upgrade, and the check that refuses a database behind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

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


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config()
    with engine.begin() as connection:
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
