"""supporters ("ik ook") and the concept an observation's matter rests on

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-13 10:00:00

When a resident files an observation about something already filed in their wijk, the bot asks
whether theirs is about it; "ja" stores them as a supporter of that observation
(observation_supporter) instead of a new observation. Which observations are about the same
thing is looked up by observation.grouping_concept, "<vocabulary fingerprint>:<concept index>".
Existing rows get it from their stored grouping_matter, in batches; rows whose matter rests on
no concept (or that have none) keep NULL and are never suggested.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000


def _concept_key(matter: str) -> str | None:
    # The same rule as bot.grouping.signatures.concept_key on a matter key
    # ("fingerprint|votes|concept|scores|places"), written out: a migration must not change when
    # the code it would import changes later.
    fields = matter.split("|")
    if len(fields) != 5 or not fields[2].isdigit():
        return None
    return f"{fields[0]}:{fields[2]}"


def upgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "grouping_concept", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
            )
        )
        batch_op.create_index(
            "ix_observation_wijk_concept_created",
            ["wijk_id", "grouping_concept", "created_at"],
            unique=False,
        )
    op.create_table(
        "observation_supporter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("request_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("answer_sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["observation_id"], ["observation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("observation_id", "person_id", name="uq_supporter_person"),
        sa.UniqueConstraint("person_id", "request_key", name="uq_supporter_request"),
    )
    connection = op.get_bind()
    observation = sa.table(
        "observation",
        sa.column("id", sa.Integer()),
        sa.column("grouping_matter", sa.String()),
        sa.column("grouping_concept", sa.String()),
    )
    update = (
        sa.update(observation)
        .where(observation.c.id == sa.bindparam("oid"))
        .values(grouping_concept=sa.bindparam("key"))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(observation.c.id, observation.c.grouping_matter)
            .where(observation.c.id > last, observation.c.grouping_matter.is_not(None))
            .order_by(observation.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        keys = [{"oid": oid, "key": key} for oid, matter in rows if (key := _concept_key(matter))]
        if keys:
            connection.execute(update, keys)


def downgrade() -> None:
    op.drop_table("observation_supporter")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_index("ix_observation_wijk_concept_created")
        batch_op.drop_column("grouping_concept")
