"""observation.grouping_matter: the "what about" part of the grouping signature

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 10:00:00

The digest counts the previous period's observations per matter in SQL (bot/digest/builder.py,
_previous_period). Existing rows get the key from their stored signature, in batches; rows
without one keep NULL (the digest reads those one by one, as before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000


def _matter_key(stored: str) -> str | None:
    # The same rule as bot.grouping.signatures.matter_key, written out: a migration must not change when
    # the code it would import changes later.
    pieces = stored.rsplit("|", 2)
    return f"{pieces[0]}|{pieces[2]}" if len(pieces) == 3 else None


def upgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("grouping_matter", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    connection = op.get_bind()
    observation = sa.table(
        "observation",
        sa.column("id", sa.Integer()),
        sa.column("grouping_signature", sa.String()),
        sa.column("grouping_matter", sa.String()),
    )
    update = (
        sa.update(observation)
        .where(observation.c.id == sa.bindparam("oid"))
        .values(grouping_matter=sa.bindparam("key"))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(observation.c.id, observation.c.grouping_signature)
            .where(observation.c.id > last, observation.c.grouping_signature.is_not(None))
            .order_by(observation.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        keys = [{"oid": oid, "key": _matter_key(stored)} for oid, stored in rows]
        connection.execute(update, keys)


def downgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_column("grouping_matter")
