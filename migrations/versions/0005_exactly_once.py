"""exactly once: idempotency keys on what updates store, leases on what jobs send

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 16:00:00

Telegram delivers an update again when the bot died before confirming it. What an update stores
carries a key from the flow run that stored it (bot.telegram.flows.request_key) under a unique
constraint, so the second delivery finds the first one's row. Rows stored before this revision
keep NULL keys: no update from before the upgrade is still waiting to be delivered again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _column(name: str, kind: sa.types.TypeEngine[object] | None = None) -> sa.Column[object]:
    return sa.Column(name, kind or sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.add_column(_column("request_key"))
        batch_op.add_column(_column("answer_key"))
        batch_op.add_column(_column("answer_sent_at", sqlmodel.sql.sqltypes.UTCDateTime()))
        batch_op.add_column(_column("reply_key"))
        batch_op.add_column(_column("reply_sent_at", sqlmodel.sql.sqltypes.UTCDateTime()))
        batch_op.create_unique_constraint("uq_observation_request", ["person_id", "request_key"])
        batch_op.create_unique_constraint("uq_observation_answer", ["answered_by_id", "answer_key"])
        batch_op.create_unique_constraint("uq_observation_reply", ["person_id", "reply_key"])
    with op.batch_alter_table("reaction", schema=None) as batch_op:
        batch_op.add_column(_column("comment_key"))
        batch_op.create_unique_constraint("uq_reaction_comment", ["person_id", "comment_key"])
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.add_column(_column("request_key"))
        batch_op.create_unique_constraint("uq_poll_request", ["creator_id", "request_key"])
        batch_op.add_column(_column("results_until", sqlmodel.sql.sqltypes.UTCDateTime()))
        batch_op.add_column(
            sa.Column("results_stage", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("polldelivery", schema=None) as batch_op:
        batch_op.add_column(_column("results_at", sqlmodel.sql.sqltypes.UTCDateTime()))
    # A digest row left pending before this revision has no lease (NULL): the first run after
    # the upgrade takes it over and sends the parts not recorded as sent.
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.add_column(_column("claimed_until", sqlmodel.sql.sqltypes.UTCDateTime()))
    # Answers and replies stored before this revision went out when they were stored (or were
    # told to the coach as not delivered): none of them is to be delivered again.
    observation = sa.table(
        "observation",
        sa.column("answered_at", sa.DateTime()),
        sa.column("answer_sent_at", sa.DateTime()),
        sa.column("replied_at", sa.DateTime()),
        sa.column("reply_sent_at", sa.DateTime()),
    )
    op.execute(
        sa.update(observation)
        .where(observation.c.answered_at.is_not(None))
        .values(answer_sent_at=observation.c.answered_at)
    )
    op.execute(
        sa.update(observation)
        .where(observation.c.replied_at.is_not(None))
        .values(reply_sent_at=observation.c.replied_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
    with op.batch_alter_table("polldelivery", schema=None) as batch_op:
        batch_op.drop_column("results_at")
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_column("results_stage")
        batch_op.drop_column("results_until")
        batch_op.drop_constraint("uq_poll_request", type_="unique")
        batch_op.drop_column("request_key")
    with op.batch_alter_table("reaction", schema=None) as batch_op:
        batch_op.drop_constraint("uq_reaction_comment", type_="unique")
        batch_op.drop_column("comment_key")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_constraint("uq_observation_reply", type_="unique")
        batch_op.drop_constraint("uq_observation_answer", type_="unique")
        batch_op.drop_constraint("uq_observation_request", type_="unique")
        for name in ("reply_sent_at", "reply_key", "answer_sent_at", "answer_key", "request_key"):
            batch_op.drop_column(name)
