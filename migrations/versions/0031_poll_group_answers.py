"""poll.group_answers: how many answered the group's Telegram poll when it was stopped

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 21:10:00

The group's result says how many answers in its Telegram poll it did not count, and why; the
creator's result in their own chat now says the same. Telegram's count of who answered comes
only once, when the bot stops the poll: it is kept, so a sender that takes over after a crash
between the group's result and the creator's gives the creator the same count.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_answers", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_column("group_answers")
