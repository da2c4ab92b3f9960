"""next year's edition names the coach's press that made it

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-09 12:00:00

"Ja, begin <year>" makes next year's edition of a wijk's spiegel once (one per wijk and year).
The edition now keeps the key of the coach's flow run that made it, with their person id
(bot.spiegel.editing.run_key): that press delivered again shows the edition as made by it,
while an older message's press, or one after the command line made the edition, is told that
the edition was made before. Editions made before this revision keep NULL: no press from before
the upgrade is taken for the one that made them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "request_key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.drop_column("request_key")
