"""grouplink.language: the language the bot writes to a BIG's group in

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-11 10:00:00

A group has no language of its own in Telegram. What the bot writes to the whole group (its
polls, their notes and results, a cancelled poll) is in the language of the person who linked
the group with /verbind (/link), kept here when they link it. Links from before this revision
keep NULL: the municipality's language, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("grouplink", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("grouplink", schema=None) as batch_op:
        batch_op.drop_column("language")
