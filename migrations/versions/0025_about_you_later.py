""" "Over jou" can stop for now: "Later" asks once more after a while

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-10 12:00:00

A question of "Over jou" gets "Later" beside "Nee, vraag het niet meer" (never): what was
answered stays, and the menu asks once more from `ask_again_at`
(bot/people/about_you.py ASK_AGAIN_AFTER). Rows from before this revision keep NULL: not again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person_profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ask_again_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person_profile", schema=None) as batch_op:
        batch_op.drop_column("ask_again_at")
