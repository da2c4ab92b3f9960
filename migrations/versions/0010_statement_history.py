"""statement history: the spiegel as a living document, and "Nieuws uit je wijk"

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 19:30:00

statement_change records every change to a statement (add, reword, retire, carry_over) with who,
when and why; spiegelitem gets retired_at and origin_item_id (the statement of the previous
edition it was carried over from). person.wijk_news is the resident's choice for "Nieuws uit je
wijk" (NULL: not asked yet), wijk_news how far each wijk's residents were told.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("spiegelitem", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("origin_item_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_spiegelitem_origin", "spiegelitem", ["origin_item_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wijk_news", sa.Boolean(), nullable=True))
    op.create_table(
        "statement_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("wijk_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("old_text", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("new_text", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["spiegelitem.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["wijk_id"], ["wijk.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("statement_change", schema=None) as batch_op:
        batch_op.create_index(
            "ix_statement_change_item_created", ["item_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_statement_change_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_statement_change_wijk_id"), ["wijk_id"], unique=False)
    op.create_table(
        "wijk_news",
        sa.Column("wijk_id", sa.Integer(), nullable=False),
        sa.Column("last_change_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["wijk_id"], ["wijk.id"]),
        sa.PrimaryKeyConstraint("wijk_id"),
    )


def downgrade() -> None:
    op.drop_table("wijk_news")
    with op.batch_alter_table("statement_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_change_wijk_id"))
        batch_op.drop_index(batch_op.f("ix_statement_change_person_id"))
        batch_op.drop_index("ix_statement_change_item_created")
    op.drop_table("statement_change")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("wijk_news")
    with op.batch_alter_table("spiegelitem", schema=None) as batch_op:
        batch_op.drop_constraint("fk_spiegelitem_origin", type_="foreignkey")
        batch_op.drop_column("origin_item_id")
        batch_op.drop_column("retired_at")
