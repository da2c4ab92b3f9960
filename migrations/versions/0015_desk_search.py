"""the desk's text search: a trigram index on observation.text (PostgreSQL)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 21:40:00

On PostgreSQL: the pg_trgm extension and a GIN trigram index on observation.text, so the inbox's
search (ILIKE '%...%') finds the rows holding the words without reading every text. Creating the
extension needs a superuser or, since PostgreSQL 13 (pg_trgm is a trusted extension), the
database's owner; where that is not allowed, or pg_trgm is not installed, this logs a warning
and adds nothing (the search works the same, only slower). Nothing on SQLite.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

INDEX = "ix_observation_text_trgm"


def _trigrams_available(connection: sa.engine.Connection) -> bool:
    """Whether pg_trgm is there or could be created here (in a savepoint: a refusal leaves the
    migration's transaction usable)."""
    installed = connection.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if installed is None:
        log.warning("pg_trgm is not installed: no trigram index, the desk's search reads every text")
        return False
    try:
        with connection.begin_nested():
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning(
            "CREATE EXTENSION pg_trgm was refused (%s): no trigram index, the desk's search reads "
            "every text (README, installing: the two statements a superuser can run)",
            type(exc.orig).__name__,
        )
        return False
    return True


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql" or not _trigrams_available(connection):
        return
    op.create_index(
        INDEX,
        "observation",
        ["text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"text": "gin_trgm_ops"},
    )


def downgrade() -> None:
    # The extension stays: other databases' objects or a superuser's choice may rely on it.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"DROP INDEX IF EXISTS {INDEX}"))
