"""drop the indexes a unique constraint already covers

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 08:00:00

Eight single-column indexes were the first column of a unique constraint on the same table, whose
own index serves every lookup by that column (on SQLite and on PostgreSQL alike). Each insert paid
for the second copy: a reaction, a vote, a poll's delivery to each member.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column): the index is named ix_<table>_<column>, as the first revision made it.
COVERED = (
    ("edition", "wijk_id"),  # uq_edition_wijk_year
    ("spiegelitem", "edition_id"),  # uq_item_edition_key
    ("reaction", "item_id"),  # uq_reaction_item_person
    ("digest", "coach_id"),  # uq_digest_period
    ("membership", "person_id"),  # uq_membership
    ("polloption", "poll_id"),  # uq_option_poll_position
    ("vote", "poll_id"),  # uq_vote
    ("polldelivery", "poll_id"),  # uq_delivery
)


def upgrade() -> None:
    for table, column in COVERED:
        op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade() -> None:
    for table, column in COVERED:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)
