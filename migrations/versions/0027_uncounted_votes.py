"""uncounted_vote: why an answer in a BIG group's Telegram poll does not count

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-11 09:00:00

Someone known to the bot who answers a group's Telegram poll and may not vote in it (another
wijk, a partner, no wijk yet) gets a row with the reason, so the group's result says how many
answers it did not count and why, never who. The row goes when the answer is taken back or
counts after all, and when the poll's results have gone out.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "uncounted_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("poll_id", "person_id", name="uq_uncounted_vote"),
    )
    with op.batch_alter_table("uncounted_vote", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_uncounted_vote_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("uncounted_vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uncounted_vote_person_id"))
    op.drop_table("uncounted_vote")
