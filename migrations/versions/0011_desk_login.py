"""the coach's desk: one-time login links, used initData, the session key

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 21:10:00

desk_login holds the SHA-256 of each one-time login link /bureau sent (used once, expiring);
desk_init_data the hashes of Telegram initData that opened a session, until they expire;
desk_secret the session cookie's key when the config names none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "desk_login",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("desk_login", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_desk_login_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_desk_login_person_id"), ["person_id"], unique=False)
    op.create_table(
        "desk_init_data",
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("hash"),
    )
    with op.batch_alter_table("desk_init_data", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_init_data_expires_at"), ["expires_at"], unique=False
        )
    op.create_table(
        "desk_secret",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("desk_secret")
    with op.batch_alter_table("desk_init_data", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_init_data_expires_at"))
    op.drop_table("desk_init_data")
    with op.batch_alter_table("desk_login", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_login_person_id"))
        batch_op.drop_index(batch_op.f("ix_desk_login_token_hash"))
    op.drop_table("desk_login")
