"""urgent signal: what was found urgent in an observation, and when its coaches were told

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 18:30:00

Observations stored before this revision keep NULL in both: they were not checked, and nobody is
to be told about them now.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "urgent_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("urgent_alerted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_column("urgent_alerted_at")
        batch_op.drop_column("urgent_kind")
