"""indexes for the digest's participation counts and a person's reactions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 12:00:00

The digest asks per participant whether they took part in the wijk before the period (its
first-time participants). Reactions had no index by person: each probe scanned the reactions.
Observations had one on person_id alone; the composite one answers the probe from the index and
serves look-ups by person as well, so it replaces it. The statements reacted to and the comments
written in a period are found by wijk and time.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_observation_person_wijk_created",
            ["person_id", "wijk_id", "created_at", "status"],
            unique=False,
        )
        batch_op.drop_index("ix_observation_person_id")
    with op.batch_alter_table("reaction", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reaction_person_wijk_created", ["person_id", "wijk_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_reaction_wijk_updated", ["wijk_id", "updated_at"], unique=False)
        batch_op.create_index(
            "ix_reaction_wijk_commented", ["wijk_id", "commented_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reaction", schema=None) as batch_op:
        batch_op.drop_index("ix_reaction_wijk_commented")
        batch_op.drop_index("ix_reaction_wijk_updated")
        batch_op.drop_index("ix_reaction_person_wijk_created")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.create_index("ix_observation_person_id", ["person_id"], unique=False)
        batch_op.drop_index("ix_observation_person_wijk_created")
