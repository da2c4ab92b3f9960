"""about you: what a person chose to tell about themselves (age group, household, years in the wijk)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 19:30:00

Stored apart from observations and reactions; every answer may be empty (skipped). The row is
made when the bot first asks, so it asks once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("age_group", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("household", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("years_in_wijk", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("asked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", name="uq_person_profile_person"),
    )


def downgrade() -> None:
    op.drop_table("person_profile")
