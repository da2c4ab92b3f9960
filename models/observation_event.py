"""ObservationEvent: one step in the history of an observation (bot/observations/workflow.py)."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow


class ObservationEvent(SQLModel, table=True):
    __tablename__ = "observation_event"
    __table_args__ = (
        # The history of one observation, in order.
        Index("ix_observation_event_observation_at", "observation_id", "at"),
        # The notices still to send (bot/observations/notice_delivery.py): few rows match.
        Index("ix_observation_event_pending", "notify", "notified_at"),
        # One event per key and observation: a press delivered twice (a reopen) finds the first;
        # an answer or reply keeps its flow run's key here, also after a reopen took it off the
        # observation (bot/observations/coach.py StoredBefore).
        UniqueConstraint("observation_id", "key", name="uq_observation_event_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    observation_id: int = Field(foreign_key="observation.id", ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow)
    # Who did it; NULL for the sender's own reopen or reply, the system, or an erased person.
    actor_id: int | None = Field(
        default=None, foreign_key="person.id", ondelete="SET NULL", index=True
    )
    kind: str = Field(max_length=16)  # models.enums.EventKind
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    # The partner's name, the duplicate's reference, the hiding or reopening reason; for an
    # answer or a reply, its words once a reopen took them off the observation (as long as
    # the observation's own columns: bot/observations/workflow.py `reopen`).
    detail: str | None = Field(default=None, max_length=4000)
    # Whether the sender (and supporters) should hear of it, and when that notice went out
    # (claimed before sending: at most once).
    notify: bool = False
    notified_at: datetime | None = None
    # What makes it once: "reopen:<event id>" for a reopen, the flow run's key
    # (bot.telegram.flows.request_key, a desk form's) for an answer or a reply.
    key: str | None = Field(default=None, max_length=40)
