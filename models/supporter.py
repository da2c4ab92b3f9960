"""Supporter: a resident who said "ik ook" to an observation already filed in their wijk."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow


class Supporter(SQLModel, table=True):
    __tablename__ = "observation_supporter"
    __table_args__ = (
        # One "ik ook" per person and observation (a second one finds the first).
        UniqueConstraint("observation_id", "person_id", name="uq_supporter_person"),
        # One per run of the person's flow (bot.telegram.flows.request_key): a press that
        # Telegram delivers again finds the row the first delivery stored.
        UniqueConstraint("person_id", "request_key", name="uq_supporter_request"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Looked up by observation and by person through the two unique constraints' indexes.
    observation_id: int = Field(foreign_key="observation.id", ondelete="CASCADE")
    # NULL after the supporter was erased and chose to keep their contributions without a link.
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    # What they wrote themselves: kept as an addition the coach sees with the observation.
    text: str = Field(max_length=4000)
    lang: str = Field(default="nl", max_length=5)
    created_at: datetime = Field(default_factory=utcnow)
    request_key: str | None = Field(default=None, max_length=40)
    # When the coach's answer went to this supporter (as Observation.answer_sent_at for the
    # author): a Versturen delivered again sends it only to those it had not reached.
    answer_sent_at: datetime | None = None
