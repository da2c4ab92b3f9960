"""Who took part: the one definition that the coach's digest ("Mensen die meededen", and who
took part for the first time), the blind spots' "whose voice is missing" (bot/spiegel/
blind_spots.py, and the supplement through it) and "Over jou" (who is asked about themselves,
bot/people/about_you.py) all use. No Telegram here.

A person took part in a wijk when they sent it an observation that is not hidden or withdrawn,
said "ik ook" to such an observation, reacted to or commented on a statement of its spiegel, or
voted in one of its polls.

Why these, from the method (PRODUCT.md and the seed on the wijkspiegel): it gathers residents'
experiences (an observation, or "ik ook" with one's own words to someone else's), asks how
residents value their own mirror image (a reaction or a comment to a statement), and lets the
wijk decide together where attention goes next (the BIGs' priority polls: a vote). A hidden
observation was abuse, privacy or spam and a withdrawn one its sender took back: neither is a
voice the spiegel keeps, so neither it nor an "ik ook" to it counts (the supporters of a
withdrawn one have their words filed as their own observations). A duplicate repeats what
someone else said: its sender took part, as a supporter does, though it is not counted as an
observation twice (`statuses.VISIBLE`). An erased person's kept rows (person NULL) are nobody.

When: an observation when it was sent, an "ik ook" when it was said, a vote when it was cast,
a reaction when it was first given, when its verdict last changed and when its comment was
last written (its created_at, updated_at and commented_at: a reaction keeps only its latest
change; the first is never later than the other two).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    String,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.engine import Connection
from sqlmodel import Session

from bot.observations import statuses
from models import Observation, Poll, Reaction, Supporter, Vote

_obs = Observation.__table__  # type: ignore[attr-defined]
_supporter = Supporter.__table__  # type: ignore[attr-defined]
_reaction = Reaction.__table__  # type: ignore[attr-defined]
_vote = Vote.__table__  # type: ignore[attr-defined]
_poll = Poll.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Way:
    """One way of taking part: its rows, whose they are, in which wijk, when (every stored
    moment, the earliest first) and what else must hold."""

    rows: FromClause
    person: ColumnElement[int]
    wijk: ColumnElement[int]
    moments: tuple[ColumnElement[datetime], ...]
    holds: tuple[ColumnElement[bool], ...] = ()


_COUNTS = _obs.c.status.in_(statuses.TOOK_PART)
_WAYS = (
    _Way(_obs, _obs.c.person_id, _obs.c.wijk_id, (_obs.c.created_at,), (_COUNTS,)),
    _Way(
        _supporter.join(_obs, _obs.c.id == _supporter.c.observation_id),
        _supporter.c.person_id,
        _obs.c.wijk_id,
        (_supporter.c.created_at,),
        (_COUNTS,),
    ),
    _Way(
        _reaction,
        _reaction.c.person_id,
        _reaction.c.wijk_id,
        (_reaction.c.created_at, _reaction.c.updated_at, _reaction.c.commented_at),
    ),
    _Way(
        _vote.join(_poll, _poll.c.id == _vote.c.poll_id),
        _vote.c.person_id,
        _poll.c.wijk_id,
        (_vote.c.created_at,),
    ),
)


def in_periods(
    conn: Connection | Session, wijk_id: int, bounds: Sequence[datetime]
) -> list[set[int]]:
    """Who took part in the wijk in each period between consecutive `bounds` (ascending; a
    period holds its start, not its end): a set of person ids per period, in one query.
    Each way is read by its wijk and moment (the tables' indexes on those)."""
    assert len(bounds) >= 2 and list(bounds) == sorted(bounds)
    inner = bounds[1:-1]
    parts = []
    for way in _WAYS:
        for moment in way.moments:
            period: ColumnElement[Any] = (
                case(*((moment < bound, i) for i, bound in enumerate(inner)), else_=len(inner))
                if inner
                else literal(0)
            )
            parts.append(
                select(period.label("period"), way.person.label("person"))
                .select_from(way.rows)
                .where(
                    way.wijk == wijk_id,
                    moment >= bounds[0],
                    moment < bounds[-1],
                    way.person.is_not(None),
                    *way.holds,
                )
            )
    # One row per period, its people as text: a worker thread reading this beside the digest's
    # grouping (bot.digest.builder._Beside) waits for the interpreter's lock for every row.
    every = union(*parts).subquery()
    people = func.aggregate_strings(cast(every.c.person, String), ",")
    found: list[set[int]] = [set() for _ in bounds[1:]]
    for number, ids in conn.execute(select(every.c.period, people).group_by(every.c.period)):
        found[number] = set(map(int, ids.split(",")))
    return found


def took_part(
    person: ColumnElement[int], *, wijk_id: int | None = None, before: datetime | None = None
) -> ColumnElement[bool]:
    """The condition that the person whose id is `person` took part: in the wijk `wijk_id`
    (None: in any), before `before` (None: ever). One LIMIT 1 probe per way, each an index
    look-up by person that stops at the first row."""
    probes = []
    for way in _WAYS:
        where = [way.person == person, *way.holds]
        if wijk_id is not None:
            where.append(way.wijk == wijk_id)
        if before is not None:
            where.append(way.moments[0] < before)
        probes.append(
            select(literal(1)).select_from(way.rows).where(*where).limit(1).scalar_subquery()
        )
    return or_(*(probe.is_not(None) for probe in probes))


def ever(session: Session, person_id: int) -> bool:
    """Whether the person took part anywhere, ever."""
    return bool(session.execute(select(took_part(literal(person_id)))).scalar())
