"""notes and answer templates: the coach's desk

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:10:00

observation_note holds what a wijk's coaches write about an observation for each other (goes with
the observation; the author's link is cleared when they are erased). answer_template holds the
answers a wijk's coaches keep, one title per wijk.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "observation_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["observation_id"], ["observation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("observation_note", schema=None) as batch_op:
        batch_op.create_index(
            "ix_observation_note_observation_created",
            ["observation_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_observation_note_author_id"), ["author_id"], unique=False
        )
    op.create_table(
        "answer_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wijk_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["wijk_id"], ["wijk.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("wijk_id", "title", name="uq_answer_template_title"),
    )
    with op.batch_alter_table("answer_template", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_answer_template_created_by_id"), ["created_by_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("answer_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_template_created_by_id"))
    op.drop_table("answer_template")
    with op.batch_alter_table("observation_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observation_note_author_id"))
        batch_op.drop_index("ix_observation_note_observation_created")
    op.drop_table("observation_note")
