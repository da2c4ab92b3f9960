"""digest.asked and observation.notes_removed_at: two facts in columns, not in a value

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-08 01:00:00

A digest asked for with "Wijkoverzicht nu" was kept under its period's key with its number among
those asked for after a slash ("2026-W48/1"); it keeps the period's own key now and `asked` is
set. The claim that sends a scheduled digest once (bot.digest.jobs.claim) rests on a unique
index over the scheduled rows only: any number of asked ones per period. The coach's own rows
get an index of their own (erasure, export, the foreign key), as the wijk's have.

The coaches' notes removed with a sender who erased themselves left one note by nobody with an
empty text (a note a coach writes is never empty) on the observation; the observation's
`notes_removed_at` is that note's time now, and the note goes.

Downgrading writes both back the old way: each asked digest its number in its period (in id
order), each observation with `notes_removed_at` one such note.

On SQLite the digest table is recreated (its unique constraint cannot be dropped otherwise).
Foreign keys are on, and cannot be turned off inside the migration's transaction: dropping the
old table would delete every archived digest through ON DELETE CASCADE, so the archive is kept
aside and put back (`_archive_kept`). The observation's column is dropped in place (SQLite
3.35), not by recreating the table, for the same reason.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ASKED = "/"  # what marked a stored key as one asked for, until this revision


@contextmanager
def _archive_kept() -> Iterator[None]:
    """Around recreating the digest table on SQLite: its archive survives the old table's drop
    (which cascades to it), copied aside and back."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    op.execute("CREATE TEMP TABLE kept_digest_archive AS SELECT * FROM digest_archive")
    yield
    op.execute(
        "INSERT INTO digest_archive SELECT * FROM kept_digest_archive"
        " WHERE id NOT IN (SELECT id FROM digest_archive)"
    )
    op.execute("DROP TABLE kept_digest_archive")


def upgrade() -> None:
    with _archive_kept(), op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.drop_constraint("uq_digest_period", type_="unique")
        batch_op.add_column(
            sa.Column("asked", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    conn = op.get_bind()
    asked = conn.execute(
        sa.text("SELECT id, period_key FROM digest WHERE period_key LIKE :marked"),
        {"marked": f"%{_ASKED}%"},
    ).all()
    for digest_id, key in asked:
        conn.execute(
            sa.text("UPDATE digest SET period_key = :key, asked = :asked WHERE id = :id"),
            {"key": key.split(_ASKED, 1)[0], "asked": True, "id": digest_id},
        )
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_coach_id"), ["coach_id"], unique=False)
        batch_op.create_index(
            "uq_digest_period",
            ["period_key", "coach_id", "wijk_id"],
            unique=True,
            postgresql_where=sa.text("NOT asked"),
            sqlite_where=sa.text("NOT asked"),
        )

    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notes_removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    placeholder = "observation_note.author_id IS NULL AND observation_note.text = ''"
    op.execute(
        "UPDATE observation SET notes_removed_at = ("
        " SELECT min(observation_note.created_at) FROM observation_note"
        f" WHERE observation_note.observation_id = observation.id AND {placeholder})"
        " WHERE EXISTS (SELECT 1 FROM observation_note"
        f" WHERE observation_note.observation_id = observation.id AND {placeholder})"
    )
    op.execute(f"DELETE FROM observation_note WHERE {placeholder}")


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "INSERT INTO observation_note (observation_id, author_id, text, created_at)"
            " SELECT id, NULL, '', notes_removed_at FROM observation"
            " WHERE notes_removed_at IS NOT NULL"
        )
    )
    if conn.dialect.name == "sqlite":
        op.execute("ALTER TABLE observation DROP COLUMN notes_removed_at")
    else:
        op.drop_column("observation", "notes_removed_at")

    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.drop_index("uq_digest_period")
        batch_op.drop_index(batch_op.f("ix_digest_coach_id"))
    asked = conn.execute(
        sa.text(
            "SELECT id, coach_id, wijk_id, period_key FROM digest WHERE asked"
            " ORDER BY coach_id, wijk_id, period_key, id"
        )
    ).all()
    numbers: dict[tuple[int | None, int, str], int] = {}
    for digest_id, coach_id, wijk_id, key in asked:
        number = numbers[coach_id, wijk_id, key] = numbers.get((coach_id, wijk_id, key), 0) + 1
        conn.execute(
            sa.text("UPDATE digest SET period_key = :key WHERE id = :id"),
            {"key": f"{key}{_ASKED}{number}", "id": digest_id},
        )
    with _archive_kept(), op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.drop_column("asked")
        batch_op.create_unique_constraint("uq_digest_period", ["coach_id", "wijk_id", "period_key"])
