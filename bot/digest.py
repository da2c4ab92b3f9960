"""The coach's digest as data: one wijk, one period. No Telegram, no language: render does that.

Speed: each of the two periods is read in one pass over the (wijk_id, created_at) index: this
period's observations (their count and authors come from the rows read) and, for the previous
period, its counts per category plus the texts of its weaknesses and threats (to see which groups
grew). Stored history beyond the two periods is never read, except through index look-ups that
stop at the first row (is this participant new?) and the unanswered observations (needs
attention). The grouping reads what bot.grouping found in each text when it was stored
(observation.grouping_signature) and matches only texts without one.

Privacy: hidden (moderated) and withdrawn observations never appear, in no count and no list.
An erased person's kept observations (person_id NULL) appear, but never count as a participant.
Names appear only where the author chose to share theirs; otherwise the pseudonym.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import DateTime, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.engine import Connection
from sqlmodel import Session

from bot.clock import as_utc
from bot.config import Config
from bot.digest_schedule import Period
from bot.grouping import Group, Item, Vocabulary, group_items, load_vocabulary
from models import (
    Membership,
    Observation,
    ObservationStatus,
    Person,
    Poll,
    PollStatus,
    Reaction,
    Role,
    Swot,
    Vote,
    Wijk,
)

SWOT_ORDER = (Swot.STRENGTH.value, Swot.WEAKNESS.value, Swot.OPPORTUNITY.value, Swot.THREAT.value)
NEGATIVE = (Swot.WEAKNESS.value, Swot.THREAT.value)
VISIBLE = (
    ObservationStatus.NEW.value,
    ObservationStatus.READ.value,
    ObservationStatus.ANSWERED.value,
)
UNANSWERED = (ObservationStatus.NEW.value, ObservationStatus.READ.value)
ROLE_ORDER = (Role.RESIDENT.value, Role.BIG.value, Role.PARTNER.value, Role.COACH.value)
ATTENTION_LIMIT = 10
SPIEGEL_LIMIT = 3
COMMENT_LIMIT = 5
_CHUNK = 500

Grouper = Callable[[Sequence[Item]], list[Group]]

_obs = Observation.__table__  # type: ignore[attr-defined]
_reaction = Reaction.__table__  # type: ignore[attr-defined]
_vote = Vote.__table__  # type: ignore[attr-defined]
_poll = Poll.__table__  # type: ignore[attr-defined]
_person = Person.__table__  # type: ignore[attr-defined]
_membership = Membership.__table__  # type: ignore[attr-defined]


# --- the data --------------------------------------------------------------------------------


@dataclass
class Counts:
    observations: int = 0
    reactions: int = 0
    votes: int = 0  # ballots: one per person and poll, however many options they ticked
    participants: int = 0
    first_time: int = 0
    # Participants by their strongest role in the wijk: resident, big, partner, coach.
    by_role: dict[str, int] = field(default_factory=dict)

    @property
    def quiet(self) -> bool:
        return self.observations == 0 and self.reactions == 0 and self.votes == 0


@dataclass
class ObservationRef:
    id: int
    reference: str  # "M-<id>": the coach opens it with this
    created_at: datetime
    swot: str
    theme: str | None
    text: str
    status: str


@dataclass
class GroupSummary:
    key: str
    label: str
    count: int
    member_ids: list[int]
    representative: ObservationRef


@dataclass
class SwotSection:
    swot: str
    count: int
    previous: int
    themes: list[tuple[str, int]]  # theme slug (or "" for none), most first
    groups: list[GroupSummary]  # two or more members, largest first
    singletons: list[ObservationRef]


@dataclass
class StatementCount:
    item_id: int
    text: str
    count: int


@dataclass
class CommentSummary:
    item_id: int
    item_text: str
    text: str
    at: datetime


@dataclass
class SpiegelSummary:
    contested: list[StatementCount] = field(default_factory=list)  # most "herken ik niet"
    confirmed: list[StatementCount] = field(default_factory=list)  # most "herken ik"
    comments: list[CommentSummary] = field(default_factory=list)
    comment_count: int = 0


@dataclass
class PollOptionSummary:
    text: str
    votes: int
    percent: float
    borda: int | None = None
    first_places: int | None = None


@dataclass
class PollSummary:
    id: int
    question: str
    kind: str
    opens_at: datetime
    closes_at: datetime
    voters: int
    audience_size: int | None
    options: list[PollOptionSummary]  # best first
    new: bool  # opened in this period


@dataclass
class PollsSummary:
    opened: int = 0  # how many opened in this period (they are in one of the lists, marked new)
    closed: list[PollSummary] = field(default_factory=list)
    still_open: list[PollSummary] = field(default_factory=list)


@dataclass
class GrowingGroup:
    swot: str
    label: str
    count: int
    previous: int
    representative: ObservationRef


@dataclass
class Attention:
    unanswered: list[ObservationRef] = field(default_factory=list)  # oldest first
    unanswered_total: int = 0
    growing: list[GrowingGroup] = field(default_factory=list)
    after_days: int = 7


@dataclass
class CsvRow:
    reference: str
    created_at: datetime
    swot: str
    theme: str | None
    text: str
    status: str
    author: str  # the name if the author shared it, else the pseudonym; "" after erasure


@dataclass
class DigestData:
    wijk_id: int
    wijk_slug: str
    wijk_name: str
    period: Period
    generated_at: datetime
    current: Counts
    previous: Counts
    sections: list[SwotSection]
    spiegel: SpiegelSummary
    polls: PollsSummary
    attention: Attention
    rows: list[CsvRow]
    # Optional narrative per SWOT category (bot/digest_llm.py fills it); rendered when present.
    narratives: dict[str, str] = field(default_factory=dict)

    @property
    def quiet(self) -> bool:
        return self.current.quiet

    def section(self, swot: str) -> SwotSection:
        return next(s for s in self.sections if s.swot == swot)

    def to_json(self) -> dict[str, Any]:
        """The whole digest as plain data (datetimes as ISO 8601 in UTC)."""

        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {str(k): plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        data = plain(asdict(self))
        data["period"]["partial"] = self.period.partial
        return data


# --- building --------------------------------------------------------------------------------


def build(
    session: Session,
    config: Config,
    wijk: Wijk,
    period: Period,
    now: datetime,
    *,
    grouper: Grouper | None = None,
    narratives: dict[str, str] | None = None,
) -> DigestData:
    assert wijk.id is not None
    conn = session.connection()
    wijk_id = wijk.id
    grouper = grouper or _default_grouper(config.digest.vocabulary)

    # The period's rows are read anyway: their count and authors come from them, not from
    # another pass over the same index range.
    rows = _period_rows(conn, wijk_id, period.start, period.end)
    current = _counts(
        conn,
        wijk_id,
        period.start,
        period.end,
        observed=(len(rows), {r.person_id for r in rows if r.person_id is not None}),
    )
    previous_counts, previous_people, previous_negative = _previous_period(
        conn, wijk.slug, wijk_id, period.prev_start, period.prev_end
    )
    previous = _counts(
        conn,
        wijk_id,
        period.prev_start,
        period.prev_end,
        observed=(sum(previous_counts.values()), previous_people),
    )
    sections: list[SwotSection] = []
    growing: list[GrowingGroup] = []
    by_swot: dict[str, list[_Row]] = {s: [] for s in SWOT_ORDER}
    for row in rows:
        by_swot.setdefault(row.swot, []).append(row)
    for swot in SWOT_ORDER:
        mine = by_swot.get(swot, [])
        earlier = previous_negative.get(swot, []) if swot in NEGATIVE else []
        section, grew = _section(
            wijk.slug, swot, mine, earlier, previous_counts.get(swot, 0), grouper
        )
        sections.append(section)
        growing.extend(grew)
    growing.sort(key=lambda g: (-(g.count - g.previous), -g.count, g.label))

    return DigestData(
        wijk_id=wijk_id,
        wijk_slug=wijk.slug,
        wijk_name=wijk.name,
        period=period,
        generated_at=now,
        current=current,
        previous=previous,
        sections=sections,
        spiegel=_spiegel(session, wijk_id, period.start, period.end),
        polls=_polls(session, conn, wijk_id, period.start, period.end),
        attention=Attention(
            unanswered=_unanswered(conn, wijk_id, now, config.digest.attention_after_days),
            unanswered_total=_unanswered_total(
                conn, wijk_id, now, config.digest.attention_after_days
            ),
            growing=growing,
            after_days=config.digest.attention_after_days,
        ),
        rows=[r.csv() for r in rows],
        narratives=dict(narratives or {}),
    )


@lru_cache(maxsize=4)
def vocabulary_for(path: str) -> Vocabulary:
    """The grouping vocabulary a config names (cached): the digest and the write path share it."""
    return load_vocabulary(Path(path) if path else None)


def _default_grouper(vocabulary_path: str) -> Grouper:
    words = vocabulary_for(vocabulary_path)
    return lambda items: group_items(items, words)


# --- counts ----------------------------------------------------------------------------------


def _in(column: Any, start: datetime, end: datetime) -> Any:
    return and_(column >= start, column < end)


def _visible_obs(wijk_id: int, start: datetime, end: datetime) -> Any:
    return and_(
        _obs.c.wijk_id == wijk_id, _in(_obs.c.created_at, start, end), _obs.c.status.in_(VISIBLE)
    )


def _counts(
    conn: Connection,
    wijk_id: int,
    start: datetime,
    end: datetime,
    *,
    observed: tuple[int, set[int]] | None = None,
) -> Counts:
    """`observed`: the period's visible observations and their authors, when already known."""
    if observed is None:
        where_obs = _visible_obs(wijk_id, start, end)
        observed = (
            conn.execute(select(func.count()).select_from(_obs).where(where_obs)).scalar_one(),
            set(
                conn.execute(
                    select(_obs.c.person_id)
                    .where(where_obs, _obs.c.person_id.is_not(None))
                    .distinct()
                ).scalars()
            ),
        )
    observations, obs_people = observed
    where_reaction = and_(_reaction.c.wijk_id == wijk_id, _in(_reaction.c.created_at, start, end))
    reactions = conn.execute(
        select(func.count()).select_from(_reaction).where(where_reaction)
    ).scalar_one()
    reaction_people = set(
        conn.execute(
            select(_reaction.c.person_id)
            .where(where_reaction, _reaction.c.person_id.is_not(None))
            .distinct()
        ).scalars()
    )
    votes_in = and_(_poll.c.wijk_id == wijk_id, _in(_vote.c.created_at, start, end))
    joined = _vote.join(_poll, _poll.c.id == _vote.c.poll_id)
    ballots = conn.execute(
        select(_vote.c.poll_id, _vote.c.person_id)
        .select_from(joined)
        .where(votes_in, _vote.c.person_id.is_not(None))
        .group_by(_vote.c.poll_id, _vote.c.person_id)
    ).all()
    # Kept ballots of erased voters have no person: count ranking ballots by their first place;
    # a several-choice ballot cannot be told apart and counts once per choice.
    anonymous = conn.execute(
        select(func.count())
        .select_from(joined)
        .where(
            votes_in,
            _vote.c.person_id.is_(None),
            or_(_vote.c.rank.is_(None), _vote.c.rank == 1),
        )
    ).scalar_one()
    vote_people = {p for _, p in ballots}
    participants = obs_people | reaction_people | vote_people
    return Counts(
        observations=int(observations),
        reactions=int(reactions),
        votes=len(ballots) + int(anonymous),
        participants=len(participants),
        first_time=len(participants - _earlier(conn, wijk_id, start, participants)),
        by_role=_roles(conn, wijk_id, participants),
    )


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for i in range(0, len(ordered), _CHUNK):
        yield ordered[i : i + _CHUNK]


def _earlier(conn: Connection, wijk_id: int, before: datetime, people: set[int]) -> set[int]:
    """Who of `people` took part in this wijk before `before`.

    One index probe per person that stops at the first earlier row (a LIMIT 1 sub-query, which
    PostgreSQL does not turn into a semi-join over the whole history).
    """
    found: set[int] = set()
    person_id = _person.c.id
    probes = [
        select(literal(1))
        .select_from(_obs)
        .where(
            _obs.c.person_id == person_id,
            _obs.c.wijk_id == wijk_id,
            _obs.c.created_at < before,
            _obs.c.status.in_(VISIBLE),
        )
        .limit(1)
        .scalar_subquery(),
        select(literal(1))
        .select_from(_reaction)
        .where(
            _reaction.c.person_id == person_id,
            _reaction.c.wijk_id == wijk_id,
            _reaction.c.created_at < before,
        )
        .limit(1)
        .scalar_subquery(),
        select(literal(1))
        .select_from(_vote.join(_poll, _poll.c.id == _vote.c.poll_id))
        .where(
            _vote.c.person_id == person_id, _poll.c.wijk_id == wijk_id, _vote.c.created_at < before
        )
        .limit(1)
        .scalar_subquery(),
    ]
    for chunk in _chunks(people):
        found.update(
            conn.execute(
                select(person_id).where(
                    person_id.in_(chunk), or_(*(probe.is_not(None) for probe in probes))
                )
            ).scalars()
        )
    return found


def _roles(conn: Connection, wijk_id: int, people: set[int]) -> dict[str, int]:
    strongest: dict[int, str] = {}
    rank = {role: i for i, role in enumerate(ROLE_ORDER)}
    for chunk in _chunks(people):
        for person_id, role in conn.execute(
            select(_membership.c.person_id, _membership.c.role).where(
                _membership.c.wijk_id == wijk_id, _membership.c.person_id.in_(chunk)
            )
        ):
            if role == Role.ADMIN.value:
                role = Role.COACH.value
            if role in rank and rank[role] > rank[strongest.get(person_id, Role.RESIDENT.value)]:
                strongest[person_id] = role
    # Someone who took part without a role here (moved wijk since) counts as a resident.
    counts = Counter(strongest.get(p, Role.RESIDENT.value) for p in people)
    return {role: counts.get(role, 0) for role in ROLE_ORDER}


# --- observations and their groups -----------------------------------------------------------


class _Row(NamedTuple):
    """One of the period's observations as read; the digest's objects are made from it only
    where they are shown (a group's representative, a single observation, the CSV)."""

    id: int
    created_at: datetime
    swot: str
    theme: str | None
    text: str
    lang: str | None
    status: str
    share_name: bool
    person_id: int | None
    pseudonym: str | None
    display_name: str | None
    signature: str | None

    def ref(self) -> ObservationRef:
        return ObservationRef(
            self.id,
            f"M-{self.id}",
            _utc(self.created_at),
            self.swot,
            self.theme,
            self.text,
            self.status,
        )

    def csv(self) -> CsvRow:
        name, pseudonym = self.display_name, self.pseudonym
        author = (name if self.share_name and name else pseudonym) or ""
        return CsvRow(
            f"M-{self.id}",
            _utc(self.created_at),
            self.swot,
            self.theme,
            self.text,
            self.status,
            author,
        )


def _period_rows(conn: Connection, wijk_id: int, start: datetime, end: datetime) -> list[_Row]:
    query = (
        select(
            _obs.c.id,
            # Plain DateTime: UTCDateTime's per-row conversion costs more than _utc below.
            type_coerce(_obs.c.created_at, _PLAIN_TIME),
            _obs.c.swot,
            _obs.c.theme,
            _obs.c.text,
            _obs.c.lang,
            _obs.c.status,
            _obs.c.share_name,
            _obs.c.person_id,
            _person.c.pseudonym,
            _person.c.display_name,
            _obs.c.grouping_signature,
        )
        .select_from(_obs.outerjoin(_person, _person.c.id == _obs.c.person_id))
        .where(_visible_obs(wijk_id, start, end))
        .order_by(_obs.c.created_at, _obs.c.id)
    )
    return [_Row._make(row) for row in conn.execute(query).all()]


_PLAIN_TIME = DateTime(timezone=True)


def _utc(value: datetime) -> datetime:
    """What UTCDateTime would hand back: aware, in UTC (SQLite keeps naive UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _previous_period(
    conn: Connection, wijk_slug: str, wijk_id: int, start: datetime, end: datetime
) -> tuple[dict[str, int], set[int], dict[str, list[Item]]]:
    """The previous period in one pass: visible observations per SWOT category, their authors,
    and the weaknesses and threats as the grouping needs them (to see which groups grew)."""
    negative = _obs.c.swot.in_(NEGATIVE)
    query = select(
        _obs.c.id,
        _obs.c.swot,
        _obs.c.person_id,
        _obs.c.theme,
        case((negative, _obs.c.text)),  # the other categories' texts are not needed
        _obs.c.lang,
        case((negative, _obs.c.grouping_signature)),
    ).where(_visible_obs(wijk_id, start, end))
    rows = conn.execute(query).all()
    counts = Counter(row[1] for row in rows)
    people = {row[2] for row in rows if row[2] is not None}
    found: dict[str, list[Item]] = {s: [] for s in NEGATIVE}
    for oid, swot, _, theme, text, lang, signature in rows:
        if swot in found:
            found[swot].append(
                Item(str(oid), text, lang or "nl", wijk_slug, swot, theme, signature)
            )
    return dict(counts), people, found


def _section(
    wijk_slug: str,
    swot: str,
    rows: list[_Row],
    earlier: list[Item],
    previous_count: int,
    grouper: Grouper,
) -> tuple[SwotSection, list[GrowingGroup]]:
    """Group this period's observations; for weaknesses and threats the previous period's are
    grouped together with them, so "the same matter" is counted the same way in both periods."""
    by_id = {r.id: r for r in rows}
    items = [
        Item(str(r.id), r.text, r.lang or "nl", wijk_slug, swot, r.theme, r.signature) for r in rows
    ]
    items += earlier
    groups = grouper(items) if items else []
    summaries: list[GroupSummary] = []
    singletons: list[ObservationRef] = []
    grew: list[GrowingGroup] = []
    for group in groups:
        members = [int(m) for m in group.member_ids]
        mine = [m for m in members if m in by_id]
        if not mine:
            continue
        representative_id = int(group.representative_id)
        if representative_id not in by_id:
            representative_id = mine[0]
        representative = by_id[representative_id].ref()
        before = len(members) - len(mine)
        if len(mine) >= 2:
            summaries.append(
                GroupSummary(group.key, group.label, len(mine), sorted(mine), representative)
            )
        else:
            singletons.append(representative)
        if swot in NEGATIVE and len(mine) >= 2 and len(mine) > before:
            grew.append(GrowingGroup(swot, group.label, len(mine), before, representative))
    summaries.sort(key=lambda g: (-g.count, g.label, g.representative.id))
    singletons.sort(key=lambda r: r.id)
    themes = Counter(r.theme or "" for r in rows)
    return (
        SwotSection(
            swot=swot,
            count=len(rows),
            previous=previous_count,
            themes=sorted(themes.items(), key=lambda kv: (-kv[1], kv[0])),
            groups=summaries,
            singletons=singletons,
        ),
        grew,
    )


# --- needs attention -------------------------------------------------------------------------


def _unanswered_where(wijk_id: int, now: datetime, days: int) -> Any:
    return and_(
        _obs.c.status.in_(UNANSWERED),
        _obs.c.created_at < now - timedelta(days=days),
        _obs.c.wijk_id == wijk_id,
        _obs.c.answered_at.is_(None),
    )


def _unanswered(conn: Connection, wijk_id: int, now: datetime, days: int) -> list[ObservationRef]:
    query = (
        select(_obs.c.id, _obs.c.created_at, _obs.c.swot, _obs.c.theme, _obs.c.text, _obs.c.status)
        .where(_unanswered_where(wijk_id, now, days))
        .order_by(_obs.c.created_at, _obs.c.id)
        .limit(ATTENTION_LIMIT)
    )
    return [
        ObservationRef(oid, f"M-{oid}", as_utc(created), swot, theme, text, status)
        for oid, created, swot, theme, text, status in conn.execute(query)
    ]


def _unanswered_total(conn: Connection, wijk_id: int, now: datetime, days: int) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(_obs).where(_unanswered_where(wijk_id, now, days))
        ).scalar_one()
    )


# --- the spiegel and polls -------------------------------------------------------------------


def _spiegel(session: Session, wijk_id: int, start: datetime, end: datetime) -> SpiegelSummary:
    from bot.spiegel import reaction_summary

    items = reaction_summary(session, wijk_id, start, end)
    contested = sorted(
        (i for i in items if i.not_recognise), key=lambda i: (-i.not_recognise, i.item_id)
    )
    confirmed = sorted((i for i in items if i.recognise), key=lambda i: (-i.recognise, i.item_id))
    comments = [
        CommentSummary(i.item_id, i.text, c.text, as_utc(c.at)) for i in items for c in i.comments
    ]
    comments.sort(key=lambda c: c.at, reverse=True)
    return SpiegelSummary(
        contested=[
            StatementCount(i.item_id, i.text, i.not_recognise) for i in contested[:SPIEGEL_LIMIT]
        ],
        confirmed=[
            StatementCount(i.item_id, i.text, i.recognise) for i in confirmed[:SPIEGEL_LIMIT]
        ],
        comments=comments[:COMMENT_LIMIT],
        comment_count=len(comments),
    )


def _polls(
    session: Session, conn: Connection, wijk_id: int, start: datetime, end: datetime
) -> PollsSummary:
    from bot.poll_tally import tally

    closed_in_period = and_(
        _poll.c.status == PollStatus.CLOSED.value, _in(_poll.c.closed_at, start, end)
    )
    open_at_end = and_(
        _poll.c.status != PollStatus.CANCELLED.value,
        _poll.c.opens_at < end,
        or_(_poll.c.closed_at.is_(None), _poll.c.closed_at >= end),
    )
    found = conn.execute(
        select(_poll.c.id, _poll.c.opens_at, _poll.c.closes_at, _poll.c.closed_at)
        .where(
            _poll.c.wijk_id == wijk_id,
            or_(closed_in_period, open_at_end),
            # A poll opened after the period did not exist yet for it.
            _poll.c.opens_at < end,
        )
        .order_by(_poll.c.opens_at, _poll.c.id)
    ).all()
    summary = PollsSummary()
    for poll_id, opens_at, closes_at, closed_at in found:
        result = tally(session, poll_id)
        opened = as_utc(opens_at)
        item = PollSummary(
            id=poll_id,
            question=result.question,
            kind=result.kind,
            opens_at=opened,
            closes_at=as_utc(closes_at),
            voters=result.voters,
            audience_size=result.audience_size,
            options=[
                PollOptionSummary(o.text, o.votes, o.percent, o.borda, o.first_places)
                for o in result.options
            ],
            new=start <= opened < end,
        )
        summary.opened += int(item.new)
        # As the period saw it: a poll closed after the period's end was still open then.
        if closed_at is not None and as_utc(closed_at) < end:
            summary.closed.append(item)
        else:
            summary.still_open.append(item)
    return summary
