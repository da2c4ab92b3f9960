"""observation: a partial index on the urgent ones, for the digest's "needs attention"

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 14:00:00

The digest lists a wijk's urgent observations that wait for an answer first under "needs
attention", whatever their age. Found through the wijk's index on status, that read every new or
read observation of the wijk from the table to see whether it was urgent; this index holds the
urgent ones only (a few), so it is small and other inserts do not pay for it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_observation_wijk_urgent_waiting",
            ["wijk_id", "status", "answered_at"],
            unique=False,
            postgresql_where=sa.text("urgent_kind IS NOT NULL"),
            sqlite_where=sa.text("urgent_kind IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_index("ix_observation_wijk_urgent_waiting")
