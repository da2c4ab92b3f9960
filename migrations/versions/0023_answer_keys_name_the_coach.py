"""a chat answer's key names its coach

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-09 09:00:00

A chat answer was stored under its flow run's key, "coach_answer:<number>", unique per person
only; an observation's history keeps the answer keys of all its coaches (one per key and
observation). Two coaches' runs of the same number were taken for one: the second coach was
told that their answer "was stored before" when a colleague had answered, and after a reopen
their answer could not be stored at all. The key now ends in the coach's person id
(bot.observations.coach.answer_run_key); this gives the keys stored before the same ending, so
a press of such a run delivered again still finds its answer. Downgrading takes it off again
(where that would give one observation's history the same key twice, the key stays).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The chat's answer keys before this revision: "coach_answer:<number>" (no second colon).
_OLD = "coach_answer:%"
_NEW = "coach_answer:%:%"

_observation = sa.table(
    "observation",
    sa.column("id", sa.Integer()),
    sa.column("answer_key", sa.String()),
    sa.column("answered_by_id", sa.Integer()),
)
_event = sa.table(
    "observation_event",
    sa.column("id", sa.Integer()),
    sa.column("observation_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("key", sa.String()),
    sa.column("actor_id", sa.Integer()),
)


def upgrade() -> None:
    connection = op.get_bind()
    connection.execute(
        sa.update(_observation)
        .where(
            _observation.c.answer_key.like(_OLD),
            _observation.c.answer_key.not_like(_NEW),
            _observation.c.answered_by_id.is_not(None),
        )
        .values(
            answer_key=_observation.c.answer_key
            + ":"
            + sa.cast(_observation.c.answered_by_id, sa.String())
        )
    )
    connection.execute(
        sa.update(_event)
        .where(
            _event.c.kind == "answer",
            _event.c.key.like(_OLD),
            _event.c.key.not_like(_NEW),
            _event.c.actor_id.is_not(None),
        )
        .values(key=_event.c.key + ":" + sa.cast(_event.c.actor_id, sa.String()))
    )


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_observation.c.id, _observation.c.answer_key).where(
            _observation.c.answer_key.like(_NEW)
        )
    ).all()
    for oid, key in rows:
        connection.execute(
            sa.update(_observation)
            .where(_observation.c.id == oid)
            .values(answer_key=key.rsplit(":", 1)[0])
        )
    events = connection.execute(
        sa.select(_event.c.id, _event.c.observation_id, _event.c.key)
        .where(_event.c.kind == "answer", _event.c.key.like(_NEW))
        .order_by(_event.c.id)
    ).all()
    for eid, oid, key in events:
        old = key.rsplit(":", 1)[0]
        taken = connection.execute(
            sa.select(_event.c.id).where(_event.c.observation_id == oid, _event.c.key == old)
        ).first()
        if taken is None:
            connection.execute(sa.update(_event).where(_event.c.id == eid).values(key=old))
