"""Internal notes: what a wijk's coaches write down about an observation, for each other.

No Telegram, no web. Only those who may handle the observation's own wijk
(Action.HANDLE_OBSERVATIONS, through `coach.get_for_coach`) read and add notes. A note is never
sent to the sender; it is in the sender's /mijngegevens export (bot.privacy.personal_data,
without the coach's name), because it concerns what they wrote, and it goes with the
observation when that is erased. A note can name the sender ("Mevrouw Jansen belde nog"): when
the sender erases themselves and keeps their observation without a name, its notes go with them
and the observation keeps when (`removed_with_sender`, Observation.notes_removed_at), which the
desk shows as one line among its notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from bot.observations import coach
from bot.observations.typed_text import checked
from bot.people.permissions import Actor
from models import Observation, ObservationNote, Person
from models.base import column_limit

NOTE_LIMIT = column_limit(ObservationNote, "text")
EMPTY_KEY = "desk_notes.empty"
# The same text from the same coach within this time is the same form sent again.
RESENT_WITHIN = timedelta(minutes=10)


@dataclass(frozen=True)
class NoteView:
    """One note as the wijk's coaches see it."""

    id: int | None  # None: the line in place of the notes removed with their sender
    text: str
    created_at: datetime
    # The coach who wrote it (their name, else their schuilnaam); None when they were erased:
    # the page shows `desk_notes.author_erased`.
    author: str | None
    mine: bool
    # The line in place of the notes removed when the sender erased themselves (at
    # Observation.notes_removed_at): the page shows `desk_notes.removed_with_sender` (no author,
    # no words).
    removed: bool = False


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


def removed_with_sender(session: Session, observation_ids: list[int], now: datetime) -> int:
    """The notes on these observations (kept without a name by a sender who erased themselves)
    go; each observation that had any keeps when (`notes_removed_at`). Flushes, never commits:
    part of the erasure's transaction. Returns the observations that had notes."""
    had = sorted(
        set(
            session.exec(
                select(ObservationNote.observation_id).where(
                    col(ObservationNote.observation_id).in_(observation_ids)
                )
            ).all()
        )
    )
    if not had:
        return 0
    session.exec(delete(ObservationNote).where(col(ObservationNote.observation_id).in_(had)))
    session.exec(
        update(Observation).where(col(Observation.id).in_(had)).values(notes_removed_at=now)
    )
    session.flush()
    return len(had)


def notes_for(session: Session, actor: Actor, observation_id: int) -> list[NoteView]:
    """The observation's notes, oldest first, for someone who may handle it (else
    PermissionDenied / Refused, as `coach.get_for_coach`); where notes were removed with its
    sender, one line in their place, at that time."""
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
    if observation.notes_removed_at is not None:
        # Before any note written at the same moment or later: those came after the removal.
        at = observation.notes_removed_at
        place = sum(1 for view in views if view.created_at < at)
        views.insert(place, NoteView(None, "", at, None, mine=False, removed=True))
    return views
