"""an event's detail holds a whole answer or reply

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 08:30:00

When the sender reopens an observation that was answered, the answer (and their reply to it)
moves from the observation into its history, so that a coach can answer again: the answer
event's detail holds it, up to 4,000 characters like the observation's own columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("observation_event", schema=None) as batch_op:
        batch_op.alter_column(
            "detail",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=400),
            type_=sqlmodel.sql.sqltypes.AutoString(length=4000),
            existing_nullable=True,
        )


def downgrade() -> None:
    # A longer detail than the old column holds is cut to fit.
    op.execute(
        sa.text("UPDATE observation_event SET detail = substr(detail, 1, 400) WHERE length(detail) > 400")
    )
    with op.batch_alter_table("observation_event", schema=None) as batch_op:
        batch_op.alter_column(
            "detail",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=4000),
            type_=sqlmodel.sql.sqltypes.AutoString(length=400),
            existing_nullable=True,
        )
