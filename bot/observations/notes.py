"""Internal notes: what a wijk's coaches write down about an observation, for each other.

No Telegram, no web. Only those who may handle the observation's own wijk
(Action.HANDLE_OBSERVATIONS, through `coach.get_for_coach`) read and add notes. A note is never
sent to the sender; it is in the sender's /mijngegevens export (bot.privacy.personal_data,
without the coach's name), because it concerns what they wrote, and it goes with the
observation when that is erased.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.observations import coach
from bot.observations.typed_text import checked
from bot.people.permissions import Actor
from models import ObservationNote, Person
from models.base import column_limit

NOTE_LIMIT = column_limit(ObservationNote, "text")
EMPTY_KEY = "desk_notes.empty"
# The same text from the same coach within this time is the same form sent again.
RESENT_WITHIN = timedelta(minutes=10)


@dataclass(frozen=True)
class NoteView:
    """One note as the wijk's coaches see it."""

    id: int
    text: str
    created_at: datetime
    # The coach who wrote it (their name, else their schuilnaam); None when they were erased:
    # the page shows `desk_notes.author_erased`.
    author: str | None
    mine: bool


def add_note(
    session: Session, actor: Actor, observation_id: int, text: str, now: datetime
) -> ObservationNote:
    """Store a note (committed), or raise PermissionDenied / Refused (unknown or withdrawn
    observation, empty text, TooLong).

    The same text sent twice in a row by the same coach within RESENT_WITHIN (a form sent
    again) is stored once: the note stored the first time is returned."""
    observation = coach.get_for_coach(session, actor, observation_id)
    cleaned = checked(text, limit=NOTE_LIMIT, empty_key=EMPTY_KEY)
    last = session.exec(
        select(ObservationNote)
        .where(
            ObservationNote.observation_id == observation.id,
            ObservationNote.author_id == actor.id,
        )
        .order_by(col(ObservationNote.id).desc())
        .limit(1)
    ).first()
    if last is not None and last.text == cleaned and now - last.created_at < RESENT_WITHIN:
        return last
    assert observation.id is not None
    note = ObservationNote(
        observation_id=observation.id, author_id=actor.id, text=cleaned, created_at=now
    )
    session.add(note)
    session.commit()
    session.refresh(note)
    return note


def notes_for(session: Session, actor: Actor, observation_id: int) -> list[NoteView]:
    """The observation's notes, oldest first, for someone who may handle it (else
    PermissionDenied / Refused, as `coach.get_for_coach`)."""
    observation = coach.get_for_coach(session, actor, observation_id)
    rows = session.exec(
        select(ObservationNote, Person)
        .join(Person, col(Person.id) == col(ObservationNote.author_id), isouter=True)
        .where(ObservationNote.observation_id == observation.id)
        .order_by(col(ObservationNote.created_at), col(ObservationNote.id))
    ).all()
    views = []
    for note, author in rows:
        assert note.id is not None
        views.append(
            NoteView(
                id=note.id,
                text=note.text,
                created_at=note.created_at,
                author=None if author is None else (author.display_name or author.pseudonym),
                mine=note.author_id == actor.id,
            )
        )
    return views
