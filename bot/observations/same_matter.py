""" "Ik ook" when filing: the open observation in the wijk that a new one is about, and the
people who said theirs is about it too (supporters).

No Telegram here. An observation is suggested only when the bot is confident that it is about
the same thing: both texts' matters rest on the same vocabulary concept
(`bot.grouping.signatures.concept_key`, stored as observation.grouping_concept), with the same
polarity (praise and ideas versus complaints and worries, from the SWOT category), naming no
different places. A text about no known concept is never matched: word overlap alone is not
enough to interrupt someone who is filing (bench/same_matter.py measures the precision).
Of those, the one sharing the most matched terms and content words is the closest, then the
newest. Only the newest CANDIDATES of the concept in the window are read
(index ix_observation_wijk_concept_created), so the look-up costs the same with 100,000
observations in the wijk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, delete, func, or_, update
from sqlmodel import Session, col, select

from bot.core.clock import as_utc
from bot.core.database import commit_or_stored
from bot.core.text import clean_input
from bot.grouping import signatures
from bot.grouping.vocabulary import Vocabulary
from bot.grouping.words import tokenize
from bot.observations import statuses
from models import Observation, Person, Supporter, Swot

WINDOW = timedelta(weeks=8)
CANDIDATES = 20  # the newest observations of the concept in the window that are compared
OPEN = statuses.OPEN
_POSITIVE = (Swot.STRENGTH.value, Swot.OPPORTUNITY.value)
_NEGATIVE = (Swot.WEAKNESS.value, Swot.THREAT.value)
MAX_TEXT = 4000


def same_polarity(swot: str) -> tuple[str, ...]:
    """The SWOT categories that say the same kind of thing: praise and ideas, or complaints."""
    return _POSITIVE if swot in _POSITIVE else _NEGATIVE


@dataclass(frozen=True)
class Match:
    """The open observation a new one seems to be about."""

    id: int
    text: str
    created_at: datetime

    @property
    def reference(self) -> str:
        return f"M-{self.id}"


@dataclass(frozen=True)
class Found:
    """What a text's signature says, as far as matching needs it."""

    concept: str | None  # concept_key; None: about nothing the vocabulary knows
    words: frozenset[str]  # matched terms and content-word stems ("t:…", "s:…")
    places: frozenset[str]  # named places, the wijk's own name left out


def read(signature: str | None, wijk_name: str = "") -> Found:
    """The parts of a stored signature that matching uses (an unusable one: no concept)."""
    if not signature:
        return Found(None, frozenset(), frozenset())
    pieces = signature.split("|")
    if len(pieces) != 6:
        return Found(None, frozenset(), frozenset())
    own = " ".join(tokenize(wijk_name)) if wijk_name else ""
    own_words = set(own.split())
    places = frozenset(p for p in pieces[5].split(",") if p and p != own and p not in own_words)
    words = frozenset(w for w in pieces[4].split(",") if w)
    return Found(signatures.concept_key(signature), words, places)


def same_matter(new: Found, earlier: Found) -> bool:
    """Confidently about the same thing (the polarity is checked by the caller): the same
    concept, and no different places named ("stoeptegels in de Olmen" is not "... op het
    Kerkplein")."""
    if new.concept is None or new.concept != earlier.concept:
        return False
    return not (new.places and earlier.places and new.places.isdisjoint(earlier.places))


R = TypeVar("R")


def closest(new: Found, candidates: Iterable[tuple[Found, datetime, int, R]]) -> R | None:
    """The candidate (its last element) sharing the most words with `new`, then the newest;
    None when none is about the same matter."""
    best: tuple[int, datetime, int] | None = None
    chosen: R | None = None
    for found, created_at, oid, ref in candidates:
        if not same_matter(new, found):
            continue
        rank = (len(new.words & found.words), created_at, oid)
        if best is None or rank > best:
            best, chosen = rank, ref
    return chosen


def closest_open(
    session: Session,
    *,
    wijk_id: int,
    text: str,
    swot: str,
    now: datetime,
    exclude_person_id: int | None,
    wijk_name: str = "",
    vocabulary: Vocabulary | None = None,
) -> Match | None:
    """The open observation of the wijk (not hidden or withdrawn, not this person's own nor one
    they support already, from the last WINDOW) that `text` is confidently about, or None."""
    new = read(signatures.signature(text, vocabulary), wijk_name)
    if new.concept is None:
        return None
    params: dict[str, Any] = {
        "wijk_id": wijk_id,
        "concept": new.concept,
        "since": now - WINDOW,
        "statuses": list(OPEN),
        "swots": list(same_polarity(swot)),
        "person_id": exclude_person_id if exclude_person_id is not None else -1,
        "limit": CANDIDATES,
    }
    rows = session.connection().execute(_CANDIDATES_QUERY, params).all()
    return closest(
        new,
        (
            (read(signature, wijk_name), created_at, oid, Match(oid, text, as_utc(created_at)))
            for oid, text, created_at, signature in rows
        ),
    )


def _candidates_query() -> Select[Any]:
    """Built once (building a statement costs more than running it on SQLite): the newest open
    observations of the wijk about one concept, of one polarity, in the window, that are not
    the person's own nor supported by them already (`person_id` -1: anyone's)."""
    obs, sup = _observation, _supporter
    supported = (
        select(sup.c.id)
        .where(sup.c.observation_id == obs.c.id, sup.c.person_id == bindparam("person_id"))
        .exists()
    )
    return (
        select(obs.c.id, obs.c.text, obs.c.created_at, obs.c.grouping_signature)
        .where(
            obs.c.wijk_id == bindparam("wijk_id"),
            obs.c.grouping_concept == bindparam("concept"),
            obs.c.created_at >= bindparam("since"),
            obs.c.status.in_(bindparam("statuses", expanding=True)),
            obs.c.swot.in_(bindparam("swots", expanding=True)),
            or_(obs.c.person_id.is_(None), obs.c.person_id != bindparam("person_id")),
            ~supported,
        )
        .order_by(obs.c.created_at.desc(), obs.c.id.desc())
        .limit(bindparam("limit"))
    )


_observation = Observation.__table__  # type: ignore[attr-defined]
_supporter = Supporter.__table__  # type: ignore[attr-defined]
_CANDIDATES_QUERY = _candidates_query()


# --- supporters ----------------------------------------------------------------------------------


def _commit(session: Session) -> None:
    """The single commit of a new supporter (a seam for tests that make the database fail)."""
    session.commit()


def support(
    session: Session,
    *,
    observation_id: int,
    person: Person,
    text: str,
    lang: str,
    now: datetime,
    request_key: str | None = None,
) -> Supporter | None:
    """Store `person` as a supporter of the observation, with their own text as an addition
    (committed). None when it cannot be supported any more (hidden, withdrawn, gone, or their
    own): the caller files the text as a new observation.

    `request_key` (the flow run's): the row this person stored under it already - the same
    press delivered again - is returned, and nothing new is stored; so is the row of an earlier
    "ik ook" of theirs to the same observation.
    """
    if person.id is None:
        raise ValueError("the person is not stored")
    if request_key is not None and (stored := by_request_key(session, person.id, request_key)):
        return stored
    observation = session.get(Observation, observation_id)
    if (
        observation is None
        or observation.status not in OPEN
        or (observation.person_id is not None and observation.person_id == person.id)
    ):
        return None
    text = clean_input(text)[:MAX_TEXT]
    if not text:
        raise ValueError("a supporter's addition needs text")
    supporter = Supporter(
        observation_id=observation_id,
        person_id=person.id,
        text=text,
        lang=lang,
        created_at=now,
        request_key=request_key,
    )
    session.add(supporter)
    supporter_id = person.id

    def stored_before() -> Supporter | None:
        by_key = by_request_key(session, supporter_id, request_key) if request_key else None
        return (
            by_key
            or session.exec(
                select(Supporter).where(
                    Supporter.observation_id == observation_id, Supporter.person_id == supporter_id
                )
            ).first()
        )

    return commit_or_stored(session, lambda: _commit(session), stored_before) or supporter


def by_request_key(session: Session, person_id: int, request_key: str) -> Supporter | None:
    """The supporter row this person stored in the flow run `request_key`, if any."""
    return session.exec(
        select(Supporter).where(
            Supporter.person_id == person_id, Supporter.request_key == request_key
        )
    ).first()


def supporters(session: Session, observation_id: int) -> list[Supporter]:
    """Who said "ik ook" to the observation, in the order they did (erased ones included)."""
    return list(
        session.exec(
            select(Supporter)
            .where(Supporter.observation_id == observation_id)
            .order_by(col(Supporter.created_at), col(Supporter.id))
        ).all()
    )


def reachable(session: Session, observation_id: int) -> list[tuple[Supporter, Person]]:
    """The supporters who can be told what happens to the observation (not erased)."""
    rows = session.exec(
        select(Supporter, Person)
        .join(Person, col(Person.id) == col(Supporter.person_id))
        .where(Supporter.observation_id == observation_id)
        .order_by(col(Supporter.created_at), col(Supporter.id))
    ).all()
    return [(supporter, person) for supporter, person in rows]


@dataclass(frozen=True)
class Addition:
    """What a supporter wrote, as the coach sees it: by pseudonym (a supporter never chose to
    share their name), None after they erased their data."""

    author: str | None
    created_at: datetime
    text: str


def additions(session: Session, observation_id: int) -> list[Addition]:
    rows = session.exec(
        select(Supporter, Person.pseudonym)
        .join(Person, col(Person.id) == col(Supporter.person_id), isouter=True)
        .where(Supporter.observation_id == observation_id)
        .order_by(col(Supporter.created_at), col(Supporter.id))
    ).all()
    return [Addition(pseudonym, s.created_at, s.text) for s, pseudonym in rows]


def counts(session: Session, observation_ids: Iterable[int]) -> dict[int, int]:
    """How many supporters each observation has (absent: none)."""
    ids = sorted(set(observation_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(Supporter.observation_id, func.count())
        .where(col(Supporter.observation_id).in_(ids))
        .group_by(col(Supporter.observation_id))
    ).all()
    return {oid: int(n) for oid, n in rows}


def mark_answer_sent(session: Session, supporter_id: int, now: datetime) -> None:
    """The coach's answer went to this supporter (or may have: as for the author)."""
    session.exec(
        update(Supporter).where(col(Supporter.id) == supporter_id).values(answer_sent_at=now)
    )
    session.commit()


def supporter_of(session: Session, person_id: int, observation_id: int) -> Supporter | None:
    """This person's "ik ook" to the observation, if they gave one."""
    return session.exec(
        select(Supporter).where(
            Supporter.observation_id == observation_id, Supporter.person_id == person_id
        )
    ).first()


def unsupport(session: Session, person_id: int, observation_id: int) -> bool:
    """The person stops supporting the observation: their row (and their text with it) goes.
    False when they did not support it (another person's row is never touched)."""
    result = session.exec(
        delete(Supporter).where(
            col(Supporter.observation_id) == observation_id,
            col(Supporter.person_id) == person_id,
        )
    )
    session.commit()
    return bool(result.rowcount)
