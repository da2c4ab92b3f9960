"""a wijk's CBS codes are unbounded text

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 09:00:00

A wijk made of many CBS buurten (about 37 or more) did not fit the 400 characters of
wijk.cbs_codes: on PostgreSQL every command that mirrors the configured wijken failed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        # SQLite holds text of any length in a VARCHAR(400) column, and would have to copy the
        # table (which others reference) to change its declared type.
        return
    with op.batch_alter_table("wijk", schema=None) as batch_op:
        batch_op.alter_column(
            "cbs_codes",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=400),
            type_=sa.Text(),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The codes are informational (the config holds the mapping): a longer list is cut to fit.
    op.execute(sa.text("UPDATE wijk SET cbs_codes = substr(cbs_codes, 1, 400) WHERE length(cbs_codes) > 400"))
    with op.batch_alter_table("wijk", schema=None) as batch_op:
        batch_op.alter_column(
            "cbs_codes",
            existing_type=sa.Text(),
            type_=sqlmodel.sql.sqltypes.AutoString(length=400),
            existing_nullable=False,
        )
