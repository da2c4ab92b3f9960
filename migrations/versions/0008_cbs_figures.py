"""cbs figures: CBS key figures per dataset, region and measure; the figures a statement names

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cbs_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("measure", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("fetched_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dataset", "region_code", "measure", name="uq_cbs_figure"),
    )
    op.create_index(
        "ix_cbs_figure_region_measure_year",
        "cbs_figure",
        ["region_code", "measure", "year"],
        unique=False,
    )
    with op.batch_alter_table("spiegelitem", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("figures", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("spiegelitem", schema=None) as batch_op:
        batch_op.drop_column("figures")
    op.drop_index("ix_cbs_figure_region_measure_year", table_name="cbs_figure")
    op.drop_table("cbs_figure")
