"""poll.group_uncounted: how many answers in the group's Telegram poll were not counted, per reason

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 22:00:00

The group's result and the creator's say how many answers in the group's Telegram poll were not
counted, and why; the rows that knew whose answer it was (uncounted_vote) go once the results are
out. The numbers per reason (no person) are kept on the poll, so a member or the creator who looks
at the result again later reads the same line as the group did.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "group_uncounted", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_column("group_uncounted")
