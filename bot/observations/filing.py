"""Observations (meldingen): storing what a person sends, listing their own, withdrawing one.

No Telegram here. Handlers validate against the configuration (text limit, themes) and check
permissions; this module guards what the database must never hold (an unknown SWOT category,
empty text) and commits before it returns, so a caller can confirm to the person afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import Session, col, select

from bot.core.database import commit_or_stored
from bot.core.text import clean_input
from bot.grouping import signatures
from bot.grouping.vocabulary import Vocabulary
from bot.observations import statuses
from bot.people import persons
from bot.people.permissions import Actor
from models import Observation, ObservationStatus, Person, Role, Supporter, Swot

# The column's size; the configured text limit (at most 4000) is checked by the handler.
MAX_TEXT = 4000
# An author may withdraw what is still open (not resolved, a duplicate, hidden or withdrawn).
WITHDRAWABLE = statuses.OPEN

_log = logging.getLogger(__name__)


def _commit(session: Session) -> None:
    """The single commit of a new observation (a seam for tests that make the database fail)."""
    session.commit()


def create_observation(
    session: Session,
    *,
    person: Person,
    wijk_id: int,
    author_role: str,
    swot: str,
    theme: str | None,
    text: str,
    lang: str,
    photo_file_id: str | None,
    lat: float | None,
    lon: float | None,
    share_name: bool,
    now: datetime,
    vocabulary: Vocabulary | None = None,
    request_key: str | None = None,
    urgent_kind: str | None = None,
) -> Observation:
    """Insert and commit one observation. Raises ValueError for data that must not be stored.

    `request_key` (the flow run's, bot.telegram.flows.request_key): when this person already
    stored an observation under it - the same press delivered again after a crash - that one is
    returned and nothing new is stored.

    Changes the caller made to `person` in this session (e.g. the display name someone chose to
    share) are committed in the same transaction: both are stored, or neither.

    The grouping signature is found here, once, so the digest need not match every text again
    (`vocabulary`: the configured one; default: the shipped one; the digest re-matches texts
    whose signature was made with another vocabulary).

    `urgent_kind`: what bot.urgent.detect found urgent in the text (None: nothing), stored with it.
    """
    if person.id is None:
        raise ValueError("the person is not stored")
    if swot not in {s.value for s in Swot}:
        raise ValueError(f"unknown SWOT category {swot!r}")
    text = clean_input(text)  # the handlers did; a NUL must never reach the database
    if not text:
        raise ValueError("an observation needs text")
    if len(text) > MAX_TEXT:
        raise ValueError(f"text over {MAX_TEXT} characters")
    if (lat is None) != (lon is None):
        raise ValueError("a location needs both latitude and longitude")
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("location out of range")
    try:
        signature: str | None = signatures.signature(text, vocabulary)
    except Exception:  # never lose an observation over it: the digest matches the text itself
        _log.exception("could not find the grouping signature of an observation")
        signature = None
    observation = Observation(
        wijk_id=wijk_id,
        person_id=person.id,
        author_role=author_role,
        swot=swot,
        theme=theme or None,
        text=text,
        lang=lang,
        photo_file_id=photo_file_id or None,
        latitude=lat,
        longitude=lon,
        share_name=share_name,
        status=ObservationStatus.NEW.value,
        created_at=now,
        updated_at=now,
        grouping_signature=signature,
        grouping_matter=signatures.matter_key(signature) if signature else None,
        grouping_concept=signatures.concept_key(signature) if signature else None,
        request_key=request_key,
        urgent_kind=urgent_kind,
    )
    session.add(observation)
    author = person.id
    stored = commit_or_stored(
        session,
        lambda: _commit(session),
        lambda: by_request_key(session, author, request_key) if request_key else None,
    )
    return stored or observation


def by_request_key(session: Session, person_id: int, request_key: str) -> Observation | None:
    """The observation this person stored in the flow run `request_key`, if any."""
    return session.exec(
        select(Observation).where(
            Observation.person_id == person_id, Observation.request_key == request_key
        )
    ).first()


def _own_or_supported(person_id: int) -> ColumnElement[bool]:
    """The person's own observations and those they said "ik ook" to."""
    supported = select(Supporter.observation_id).where(Supporter.person_id == person_id)
    return or_(col(Observation.person_id) == person_id, col(Observation.id).in_(supported))


def list_for_person(
    session: Session, person_id: int, offset: int = 0, limit: int = 5
) -> list[Observation]:
    """The person's own observations and those they support, newest first (every status: they
    see what became of each)."""
    statement = (
        select(Observation)
        .where(_own_or_supported(person_id))
        .order_by(col(Observation.created_at).desc(), col(Observation.id).desc())
        .offset(max(offset, 0))
        .limit(max(limit, 0))
    )
    return list(session.exec(statement).all())


def wijken_to_name(
    session: Session, actor: Actor, observations: Sequence[Observation]
) -> dict[int, str]:
    """Each listed observation's wijk by name, when the person's reports are not all in their
    own wijk: a partner or coach of several wijken, or someone who moved. Else none (each is
    in the wijk they know is theirs)."""
    own = actor.person.current_wijk_id
    several = len({m.wijk_id for m in actor.memberships}) > 1
    if not several and all(o.wijk_id == own for o in observations):
        return {}
    names: dict[int, str] = {}
    for wijk_id in {o.wijk_id for o in observations}:
        wijk = persons.wijk_by_id(session, wijk_id)
        if wijk is not None:
            names[wijk_id] = wijk.name
    return names


def count_for_person(session: Session, person_id: int) -> int:
    statement = select(func.count()).select_from(Observation).where(_own_or_supported(person_id))
    return int(session.exec(statement).one())


def supported_texts(session: Session, person_id: int, observation_ids: list[int]) -> dict[int, str]:
    """Of these observations, those the person supports, with what they wrote themselves."""
    if not observation_ids:
        return {}
    rows = session.exec(
        select(Supporter.observation_id, Supporter.text).where(
            Supporter.person_id == person_id, col(Supporter.observation_id).in_(observation_ids)
        )
    ).all()
    return {oid: text for oid, text in rows}


def get_own(session: Session, person_id: int, observation_id: int) -> Observation | None:
    """One observation, only if it is this person's: another person's id gives None."""
    observation = session.get(Observation, observation_id)
    if observation is None or observation.person_id != person_id:
        return None
    return observation


@dataclass(frozen=True)
class CarriedOver:
    """A supporter of a withdrawn observation, whose own text became their own observation."""

    telegram_id: int
    language: str
    withdrawn: str  # reference of the withdrawn observation
    reference: str  # reference of their new observation


def withdraw_keeping_supporters(
    session: Session,
    person_id: int,
    observation_id: int,
    *,
    now: datetime,
    vocabulary: Vocabulary | None = None,
) -> list[CarriedOver] | None:
    """Withdraw one's own observation. None when refused (another person's, an unknown id, one
    hidden or withdrawn already): one conditional UPDATE, so a double press cannot withdraw twice.
    What each supporter wrote is filed as their own new observation (same wijk, kind and topic;
    their name not shared) and their supporter row goes, in the same transaction: nothing they
    sent is lost, and only the update that withdrew it gets the list of people to tell (a press
    delivered again gets None). Supporters who erased their data stay as they are (their text an
    addition of the withdrawn one).
    """
    statement = (
        update(Observation)
        .where(
            col(Observation.id) == observation_id,
            col(Observation.person_id) == person_id,
            col(Observation.status).in_(WITHDRAWABLE),
        )
        .values(status=ObservationStatus.WITHDRAWN.value, updated_at=now)
    )
    try:
        if not session.exec(statement).rowcount:
            session.rollback()
            return None
        original = session.get(Observation, observation_id)
        assert original is not None
        made = carry_over_supporters(session, original, now=now, vocabulary=vocabulary)
        carried = [
            CarriedOver(p.telegram_id, p.language, original.reference, o.reference)
            for p, o in made
            if p is not None
        ]
        session.commit()
    except Exception:
        session.rollback()
        raise
    return carried


def carry_over_supporters(
    session: Session,
    original: Observation,
    *,
    now: datetime,
    vocabulary: Vocabulary | None = None,
    unlinked: bool = False,
) -> list[tuple[Person | None, Observation]]:
    """What each supporter of `original` wrote, filed as their own new observation (same wijk,
    kind and topic; their name not shared); their supporter rows go. Flushes, never commits: the
    caller's transaction withdraws or erases `original` with it. `unlinked`: also the rows of
    supporters who erased their data and kept them without a name (filed without a person), for
    when `original` itself goes (its author's erasure); else those stay on it."""
    stmt = (
        select(Supporter, Person)
        .join(Person, col(Person.id) == col(Supporter.person_id), isouter=unlinked)
        .where(Supporter.observation_id == original.id)
        .order_by(col(Supporter.created_at), col(Supporter.id))
    )
    made: list[tuple[Person | None, Observation]] = []
    for supporter, person in session.exec(stmt).all():
        try:
            signature: str | None = signatures.signature(supporter.text, vocabulary)
        except Exception:  # never lose their text over it
            _log.exception("could not find the grouping signature of a carried-over text")
            signature = None
        own = Observation(
            wijk_id=original.wijk_id,
            person_id=person.id if person is not None else None,
            author_role=Role.RESIDENT.value,
            swot=original.swot,
            theme=original.theme,
            text=supporter.text,
            lang=supporter.lang,
            share_name=False,
            status=ObservationStatus.NEW.value,
            created_at=now,
            updated_at=now,
            grouping_signature=signature,
            grouping_matter=signatures.matter_key(signature) if signature else None,
            grouping_concept=signatures.concept_key(signature) if signature else None,
            request_key=f"supporter:{supporter.id}",
        )
        session.add(own)
        session.delete(supporter)
        made.append((person, own))
    session.flush()
    return made
