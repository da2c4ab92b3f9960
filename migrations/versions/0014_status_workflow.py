"""status workflow: new, read, in progress, referred, resolved, duplicate, hidden; the history

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:30:00

observation gets referred_to, duplicate_of_id and status_changed_at; observation_event records
what happened to an observation (status changes, answers, reopenings, replies) and whether the
sender still has to hear of it. "answered" is no status any more: those rows become
"in_progress" (their answer stays in answer_text/answered_at). The history starts with what the
rows already tell: an "answer" event for each answer, a "status" event for each hiding, neither
to be told again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("referred_to", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
        )
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("status_changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_foreign_key(
            "fk_observation_duplicate_of",
            "observation",
            ["duplicate_of_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "observation_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("notified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.ForeignKeyConstraint(["observation_id"], ["observation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("observation_id", "key", name="uq_observation_event_key"),
    )
    with op.batch_alter_table("observation_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_observation_event_observation_at", ["observation_id", "at"], unique=False
        )
        batch_op.create_index(
            "ix_observation_event_pending", ["notify", "notified_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_observation_event_actor_id"), ["actor_id"], unique=False
        )
    # The history the rows already hold, told to nobody again.
    op.execute(
        "INSERT INTO observation_event"
        " (observation_id, at, actor_id, kind, from_status, to_status, detail, notify)"
        " SELECT id, answered_at, answered_by_id, 'answer', NULL, 'in_progress', NULL, false"
        " FROM observation WHERE answered_at IS NOT NULL"
    )
    op.execute(
        "INSERT INTO observation_event"
        " (observation_id, at, actor_id, kind, from_status, to_status, detail, notify)"
        " SELECT id, hidden_at, hidden_by_id, 'status', NULL, 'hidden', hidden_reason, false"
        " FROM observation WHERE status = 'hidden' AND hidden_at IS NOT NULL"
    )
    op.execute(
        "UPDATE observation SET status = 'in_progress', status_changed_at = answered_at"
        " WHERE status = 'answered'"
    )
    op.execute("UPDATE observation SET status_changed_at = hidden_at WHERE status = 'hidden'")
    op.execute("UPDATE observation SET status_changed_at = read_at WHERE status = 'read'")


def downgrade() -> None:
    op.execute(
        "UPDATE observation SET status = CASE WHEN answered_at IS NOT NULL THEN 'answered'"
        " WHEN read_at IS NOT NULL THEN 'read' ELSE 'new' END"
        " WHERE status IN ('in_progress', 'referred', 'resolved', 'duplicate')"
    )
    with op.batch_alter_table("observation_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observation_event_actor_id"))
        batch_op.drop_index("ix_observation_event_pending")
        batch_op.drop_index("ix_observation_event_observation_at")
    op.drop_table("observation_event")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_constraint("fk_observation_duplicate_of", type_="foreignkey")
        batch_op.drop_column("status_changed_at")
        batch_op.drop_column("duplicate_of_id")
        batch_op.drop_column("referred_to")
