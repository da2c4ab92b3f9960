"""ObservationNote: what a wijk's coaches write down about an observation for each other.

Internal: never sent to the sender. It concerns what the sender wrote, so it is in the sender's
export (without the coach's name) and goes with the observation when that is erased, and with
the sender when they erase themselves keeping the observation: then the observation's
`notes_removed_at` says when (bot.observations.notes.removed_with_sender).
"""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import utcnow


class ObservationNote(SQLModel, table=True):
    __tablename__ = "observation_note"
    __table_args__ = (
        # One observation's notes, oldest first (the desk's page for one observation).
        Index("ix_observation_note_observation_created", "observation_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    observation_id: int = Field(foreign_key="observation.id", ondelete="CASCADE")
    # NULL after the coach who wrote it was erased: the note stays for the other coaches.
    author_id: int | None = Field(
        default=None, foreign_key="person.id", ondelete="SET NULL", index=True
    )
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
