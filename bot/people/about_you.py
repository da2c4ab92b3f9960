""" "Over jou": what a person chose to tell about themselves (models/profile.py). No Telegram here.

Asked once, after a person first took part (`should_ask`, then `mark_asked`), and once more
`ASK_AGAIN_AFTER` after "Later" at a question (`later`) while an answer is missing;
every answer is optional, changeable (`set_answer`) and erasable (`erase_answers`). Stored apart
from what people said: the coach sees only counts of groups (bot/spiegel/blind_spots.py).
Every write is the same when done twice (a button Telegram delivers again changes nothing).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.core.clock import as_utc, utcnow
from bot.people import participation
from models import Membership, PersonProfile, Role
from models.profile import AGE_GROUPS, HOUSEHOLDS, YEARS_IN_WIJK

FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    # callback code -> (column, its answers)
    "a": ("age_group", AGE_GROUPS),
    "h": ("household", HOUSEHOLDS),
    "y": ("years_in_wijk", YEARS_IN_WIJK),
}
ORDER = ("a", "h", "y")
# "Later" at a question: how long before the menu asks once more.
ASK_AGAIN_AFTER = timedelta(days=14)


def answers(session: Session, person_id: int) -> PersonProfile | None:
    return session.exec(  # type: ignore[call-overload]
        select(PersonProfile).where(col(PersonProfile.person_id) == person_id)
    ).scalar_one_or_none()


def should_ask(session: Session, person_id: int, now: datetime) -> bool:
    """Not asked before, and they took part (bot/people/participation.py: the people whose
    "Over jou" the blind spots count, and the digest's participants); or they said "Later"
    long enough ago and an answer is still missing. Only someone who lives in a wijk (a
    resident or BIG member there): a partner's worker or a coach is asked once they do."""
    if not _lives_in_a_wijk(session, person_id):
        return False
    row = answers(session, person_id)
    if row is not None:
        return (
            row.ask_again_at is not None
            and as_utc(row.ask_again_at) <= now
            and any(getattr(row, FIELDS[f][0]) is None for f in ORDER)
        )
    return participation.ever(session, person_id)


def _lives_in_a_wijk(session: Session, person_id: int) -> bool:
    lives = (Role.RESIDENT.value, Role.BIG.value)
    query = select(col(Membership.id)).where(
        col(Membership.person_id) == person_id, col(Membership.role).in_(lives)
    )
    return session.execute(query.limit(1)).first() is not None


def mark_asked(session: Session, person_id: int) -> PersonProfile:
    """The person's row, made when the bot first asks (so it asks once); asked (or answering)
    again after "Later", not once more. Commits."""
    found = answers(session, person_id)
    if found is not None:
        if found.ask_again_at is not None:
            found.ask_again_at = None
            session.add(found)
            session.commit()
            session.refresh(found)
        return found
    row = PersonProfile(person_id=person_id)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # the same press handled twice at once: the other one made it
        session.rollback()
        found = answers(session, person_id)
        assert found is not None
        return found
    return row


def set_answer(session: Session, person_id: int, field: str, value: str | None) -> PersonProfile:
    """One answer (`field` a key of FIELDS; None clears it). Commits."""
    column, allowed = FIELDS[field]
    if value is not None and value not in allowed:
        raise ValueError(f"{value!r} is not an answer to {column}")
    row = mark_asked(session, person_id)
    setattr(row, column, value)
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def later(session: Session, person_id: int, now: datetime) -> None:
    """ "Later" at a question: what was answered stays, and the menu asks once more
    `ASK_AGAIN_AFTER` from `now`. The same press twice stores the same. Commits."""
    row = mark_asked(session, person_id)
    row.ask_again_at = now + ASK_AGAIN_AFTER
    session.add(row)
    session.commit()


def erase_answers(session: Session, person_id: int) -> None:
    """Every answer cleared; the row stays empty, so they are not asked again. Commits."""
    row = answers(session, person_id)
    if row is None:
        return
    row.age_group = row.household = row.years_in_wijk = None
    row.updated_at = utcnow()
    session.add(row)
    session.commit()


def next_field(field: str) -> str | None:
    """The question after `field`, None after the last."""
    i = ORDER.index(field)
    return ORDER[i + 1] if i + 1 < len(ORDER) else None
