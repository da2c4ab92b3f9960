"""digest archive: what a coach received with each digest sent (its messages and chart)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-20 10:00:00

digest_archive holds, per digest, the Telegram HTML messages as sent, the chart (PNG) and the
language, for the coach's desk. Digests sent before this revision have no archive row.
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
        "digest_archive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("chart_png", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("redacted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["digest_id"], ["digest.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest_id"),
    )


def downgrade() -> None:
    op.drop_table("digest_archive")
