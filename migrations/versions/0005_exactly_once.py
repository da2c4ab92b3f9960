"""exactly once: idempotency keys on what updates store, leases on what jobs send

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-06 16:00:00

Telegram delivers an update again when the bot died before confirming it. What an update stores
carries a key from the flow run that stored it (bot.telegram.flows.request_key) under a unique
constraint, so the second delivery finds the first one's row. Rows stored before this revision
keep NULL keys: no update from before the upgrade is still waiting to be delivered again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("request_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
        batch_op.create_unique_constraint("uq_observation_request", ["person_id", "request_key"])


def downgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_constraint("uq_observation_request", type_="unique")
        batch_op.drop_column("request_key")
