"""the coach's desk: sessions ended by logging out

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 09:00:00

desk_ended_session holds the id of each desk session its coach ended with "Uitloggen", until
every cookie of it has expired anyway: a copy of the cookie no longer opens the desk.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "desk_ended_session",
        sa.Column("session_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )
    with op.batch_alter_table("desk_ended_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_ended_session_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("desk_ended_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_ended_session_expires_at"))
    op.drop_table("desk_ended_session")
