"""a coach's change to the spiegel carries its flow run's key

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 11:00:00

A statement added, reworded or retired by a coach's typed text is stored by one run of the
`spiegel_edit` flow (bot.telegram.flows.request_key), unique per person: that text delivered
again after a crash finds the change instead of storing (or refusing) a second one. The unique
constraint starts with person_id and serves its lookups, so person_id's own index goes.
Changes stored before this revision keep NULL keys: no update from before the upgrade is still
waiting to be delivered again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("statement_change", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "request_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
            )
        )
        batch_op.drop_index("ix_statement_change_person_id")
        batch_op.create_unique_constraint(
            "uq_statement_change_request", ["person_id", "request_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("statement_change", schema=None) as batch_op:
        batch_op.drop_constraint("uq_statement_change_request", type_="unique")
        batch_op.create_index("ix_statement_change_person_id", ["person_id"], unique=False)
        batch_op.drop_column("request_key")
