"""The coach's digest as data: one wijk, one period. No Telegram, no language: render does that.

Speed: this period's observations are read once, as plain rows (their count and authors come
from them; the authors' names in one look-up per person). The previous period is counted in
SQL: per category and, for weaknesses and threats, per stored matter key
(observation.grouping_matter), by which it is compared with this period's groups (see "which
weakness and threat groups grew"); it is not grouped again. Reactions and votes of both periods
come in one query each, and who took part in each ("Mensen die meededen": the one definition
in bot/people/participation.py) in one more; who took part before, and in which role, is
looked up once for the people of both periods. Stored history beyond the two periods is never read,
except through index look-ups that stop at the first row (is this participant new?) and the
unanswered observations (needs attention; the urgent ones among them, whatever their age, through
an index that holds only urgent observations). The grouping reads what bot.grouping.signatures
found in each text when it was stored (observation.grouping_signature) and matches only
texts without one.
Thousands of rows become few objects (tuples, shared signature parts), and the automatic
garbage collector waits until the build is done (_collector_paused). What needs no grouping is
read on a second connection while this one reads and groups (_Beside: the previous period and
who took part; on PostgreSQL also the counts and the spiegel), unless the build's transaction
has written; on PostgreSQL the period's rows come in binary.

Privacy: hidden (moderated) and withdrawn observations never appear, in no count and no list.
An erased person's kept observations (person_id NULL) appear, but never count as a participant.
Names appear only where the author chose to share theirs; otherwise the pseudonym.
"""

from __future__ import annotations

import gc
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, cast

import psycopg
from sqlalchemy import (
    ColumnElement,
    Dialect,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.pool import SingletonThreadPool, StaticPool
from sqlmodel import Session

from bot.core.clock import as_utc
from bot.core.config import Config
from bot.digest.periods import Period
from bot.grouping.groups import (
    Found,
    Group,
    Item,
    Labels,
    group_observations,
    settled_concepts,
)
from bot.grouping.signatures import Matter, SignatureReader
from bot.grouping.vocabulary import Vocabulary, load_vocabulary
from bot.observations import statuses
from bot.people import participation
from bot.polls.tally import tally
from bot.spiegel.mirror import reaction_summary
from models import (
    ItemKind,
    Membership,
    Observation,
    Person,
    Poll,
    PollStatus,
    Reaction,
    Role,
    Supporter,
    Swot,
    Vote,
    Wijk,
)

_log = logging.getLogger(__name__)
SWOT_ORDER = (Swot.STRENGTH.value, Swot.WEAKNESS.value, Swot.OPPORTUNITY.value, Swot.THREAT.value)
NEGATIVE = (Swot.WEAKNESS.value, Swot.THREAT.value)
VISIBLE = statuses.VISIBLE
# "Not yet handled": nobody picked it up (new or read) and nobody answered. In progress and
# referred ones are in someone's hands, even without a written answer.
UNANSWERED = statuses.UNHANDLED
ROLE_ORDER = (Role.RESIDENT.value, Role.BIG.value, Role.PARTNER.value, Role.COACH.value)
ATTENTION_LIMIT = 10
SPIEGEL_LIMIT = 3
COMMENT_LIMIT = 5
_CHUNK = 500

Grouper = Callable[[Sequence[Item]], list[Group]]

_obs = Observation.__table__  # type: ignore[attr-defined]
_supporter = Supporter.__table__  # type: ignore[attr-defined]
_reaction = Reaction.__table__  # type: ignore[attr-defined]
_vote = Vote.__table__  # type: ignore[attr-defined]
_poll = Poll.__table__  # type: ignore[attr-defined]
_person = Person.__table__  # type: ignore[attr-defined]
_membership = Membership.__table__  # type: ignore[attr-defined]


# --- the data --------------------------------------------------------------------------------


@dataclass
class Counts:
    observations: int = 0
    reactions: int = 0  # with a verdict, first given in the period (a comment alone is none)
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
    # How many residents said "ik ook" to it (bot.observations.same_matter), besides its author.
    supporters: int = 0
    urgent: str | None = None  # bot/urgent's kind: the coach sees "Mogelijk dringend" beside it


@dataclass
class GroupSummary:
    key: str
    label: str
    count: int
    member_ids: list[int]
    representative: ObservationRef
    # A new matter (no concept of the vocabulary): its telling words, and `label` is these
    # words joined; the digest shows "nieuw onderwerp: …" (bot.grouping.groups.Group.words).
    words: list[str] = field(default_factory=list)
    # `label` in other languages (bot.grouping.groups.Group.labels): shown through label_in.
    labels: Labels = ()


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
    """A statement and the period's reactions to it (those first given in the period, as
    Counts.reactions counts them): `count` of the `total` with a verdict said what its list
    is about."""

    item_id: int
    text: str
    count: int
    total: int = 0
    # A recommendation: its list is "niet eens" or "eens", as its buttons say.
    recommendation: bool = False


@dataclass
class CommentSummary:
    item_id: int
    item_text: str
    text: str
    at: datetime


@dataclass
class SpiegelSummary:
    """The period's reactions to the spiegel. A statement is in one list only: "herken ik niet"
    when at least half of the period's reactions to it were that, else "herken ik"."""

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
    labels: Labels = ()  # as GroupSummary.labels


@dataclass
class Attention:
    # Urgent ones (bot/urgent) that wait for an answer, whatever their age: always first.
    urgent: list[ObservationRef] = field(default_factory=list)  # oldest first
    urgent_total: int = 0
    # The others that waited longer than [digest] attention_after_days.
    unanswered: list[ObservationRef] = field(default_factory=list)  # oldest first
    unanswered_total: int = 0
    growing: list[GrowingGroup] = field(default_factory=list)
    after_days: int = 7

    @property
    def waiting(self) -> list[ObservationRef]:
        """Every observation listed as waiting for an answer, in the order shown."""
        return [*self.urgent, *self.unanswered]


class CsvRow(NamedTuple):
    """One line of the CSV. A tuple, not a dataclass: a period has thousands, and a tuple of
    plain values is no work for the garbage collector (it stops tracking it)."""

    reference: str
    created_at: datetime
    swot: str
    theme: str | None
    text: str
    status: str
    author: str  # the name if the author shared it, else the pseudonym; "" after erasure
    urgent: str | None = None  # bot/urgent's kind, when the urgent check found it


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
    # Optional narrative per SWOT category (bot/digest/llm.py fills it); rendered when present.
    narratives: dict[str, str] = field(default_factory=dict)

    @property
    def quiet(self) -> bool:
        """Nothing happened: no observation, reaction or vote, and no comment on the spiegel."""
        return self.current.quiet and not self.spiegel.comment_count

    def section(self, swot: str) -> SwotSection:
        return next(s for s in self.sections if s.swot == swot)

    def to_json(self) -> dict[str, Any]:
        """The whole digest as plain data (datetimes as ISO 8601 in UTC)."""

        def plain(value: object) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {str(k): plain(v) for k, v in value.items()}
            if isinstance(value, CsvRow):  # an object in JSON, like the dataclasses
                return plain(value._asdict())
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
    with _collector_paused():
        return _build(session, config, wijk, period, now, grouper, narratives)


def growing(session: Session, config: Config, wijk: Wijk, period: Period) -> list[GrowingGroup]:
    """Only the digest's growing groups (attention.growing) for the period: its weaknesses and
    threats grouped and compared with the previous period as `build` does, without the rest
    of a digest (for bot.spiegel.blind_spots, which the yearly supplement reads)."""
    assert wijk.id is not None
    with _collector_paused():
        conn = session.connection()
        vocabulary = vocabulary_for(config.digest.vocabulary)
        reader = SignatureReader(vocabulary)
        rows = _period_rows(conn, wijk.id, period.start, period.end)
        _counts, previous = _previous_period(
            conn, reader, wijk.slug, wijk.id, period.prev_start, period.prev_end
        )
        found: list[GrowingGroup] = []
        for swot in NEGATIVE:
            mine = [row for row in rows if row[_SWOT] == swot]
            section, matters = _section(wijk.slug, swot, mine, None, vocabulary, reader)
            found += _grew(swot, section, matters, previous[swot])
    found.sort(key=lambda g: (-(g.count - g.previous), -g.count, g.label))
    return found


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The automatic garbage collector off for one build, and back as it was afterwards.

    A build makes tens of thousands of short-lived objects (rows, strings, tuples) that are
    freed by reference counting; none of them form cycles that need the collector. Yet their
    number triggers collections during the build, and now and then a full one over everything
    the bot process holds (tens of milliseconds, a third of a build). Pausing it for one build
    only postpones that work to a moment nobody waits for; it is never left off (finally), and
    the bot's other work keeps the normal collector. Not gc.freeze() or a global disable: the
    rest of the process is not ours to change.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(
    session: Session,
    config: Config,
    wijk: Wijk,
    period: Period,
    now: datetime,
    grouper: Grouper | None,
    narratives: dict[str, str] | None,
) -> DigestData:
    assert wijk.id is not None
    conn = session.connection()
    wijk_id, wijk_slug = wijk.id, wijk.slug
    days = config.digest.attention_after_days
    vocabulary = vocabulary_for(config.digest.vocabulary)
    reader = SignatureReader(vocabulary)

    # The previous period, the counts and the spiegel are read beside the rest of the build
    # (see _Beside): they need at most this period's count.
    with _Beside.start(session, reader, wijk_slug, wijk_id, period) as beside:
        # The period's rows are read anyway: their count comes from them, not from another
        # pass over the same index range.
        rows = _period_rows(conn, wijk_id, period.start, period.end)
        beside.observed(len(rows))
        people = set(map(itemgetter(_PERSON), rows))
        people.discard(None)  # erased authors
        by_swot: dict[str, list[Any]] = {s: [] for s in SWOT_ORDER}
        for row in rows:
            by_swot.setdefault(row[_SWOT], []).append(row)
        grouped = [
            _section(wijk_slug, swot, by_swot.get(swot, []), grouper, vocabulary, reader)
            for swot in SWOT_ORDER
        ]
        polls = _polls(session, conn, wijk_id, period.start, period.end)
        attention = Attention(
            urgent=_waiting(conn, _urgent_where(wijk_id)),
            urgent_total=_waiting_total(conn, _urgent_where(wijk_id)),
            unanswered=_waiting(conn, _unanswered_where(wijk_id, now, days)),
            unanswered_total=_waiting_total(conn, _unanswered_where(wijk_id, now, days)),
            after_days=days,
        )
        csv_rows = _csv_rows(rows, _authors(conn, people))
        counted, spiegel = beside.result()
    for section, matters in grouped:
        section.previous = counted.previous_counts.get(section.swot, 0)
        if section.swot in NEGATIVE:
            attention.growing += _grew(
                section.swot, section, matters, counted.previous_matters[section.swot]
            )
    attention.growing.sort(key=lambda g: (-(g.count - g.previous), -g.count, g.label))
    _count_supporters(conn, [section for section, _ in grouped], attention)
    return DigestData(
        wijk_id=wijk_id,
        wijk_slug=wijk_slug,
        wijk_name=wijk.name,
        period=period,
        generated_at=now,
        current=counted.current,
        previous=counted.previous,
        sections=[section for section, _ in grouped],
        spiegel=spiegel,
        polls=polls,
        attention=attention,
        rows=csv_rows,
        narratives=dict(narratives or {}),
    )


# --- read beside the grouping ----------------------------------------------------------------


class _Counted(NamedTuple):
    """What _count reads: the previous period (see _previous_period) and both periods' counts."""

    previous_counts: dict[str, int]
    previous_matters: dict[str, Counter[MatterKey]]
    current: Counts
    previous: Counts


def _count(
    conn: Connection,
    wijk_id: int,
    period: Period,
    previous: _Previous,
    observed: int,
    took_part: _TookPart,
) -> _Counted:
    """The counts of both periods, from the previous period, this period's number of visible
    observations (`observed`) and who took part in each."""
    previous_counts, previous_matters = previous
    current, before = _both_counts(
        conn,
        wijk_id,
        period,
        *_activities(conn, wijk_id, period, (sum(previous_counts.values()), observed), took_part),
    )
    return _Counted(previous_counts, previous_matters, current, before)


# Who took part in the previous period and in this one (bot.people.participation).
_TookPart = tuple[set[int], set[int]]


# Threads for _Beside, shared by all builds (started when first needed). A few: builds may run
# at the same time (the schedule's and a coach's "Digest nu").
_BESIDE_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="digest-beside")


class _Abandoned(Exception):
    """The build stopped before its rows were read: what is read beside it is not needed."""


class _Besides(NamedTuple):
    """What a build reads besides its rows (see _Beside)."""

    counted: _Counted
    spiegel: SpiegelSummary


class _Beside:
    """What a build needs besides its rows, read while it reads them and groups them: on a
    connection of its own, in a worker thread, the database works while this thread groups, and
    the worker waits for it with the interpreter's lock released.

    Every answer the worker gets back waits for that lock, which the grouping hands over only
    every few milliseconds (sys.getswitchinterval), so what runs beside is a few round trips,
    each answered at once. On PostgreSQL: the spiegel summary first (the build is waiting for
    its own rows then, and the lock is free), then the previous period, who took part and the
    counts. On SQLite, whose module takes the lock back for every row, the previous period,
    packed into one JSON row (_previous_period), and who took part (a row per period); the
    other counts and the spiegel follow on the build's connection. In a transaction that has
    written something (another connection would not see it), and on a database only one
    connection can see (SQLite in memory), everything is read on the build's connection, in
    turn.
    """

    def __init__(
        self,
        session: Session,
        reader: SignatureReader,
        wijk_slug: str,
        wijk_id: int,
        period: Period,
    ) -> None:
        self._session, self._reader = session, reader
        self._wijk_slug, self._wijk_id, self._period = wijk_slug, wijk_id, period
        self._conn = session.connection()
        self._observed: Future[int] = Future()
        self._worker: Future[Any] | None = None

    @classmethod
    @contextmanager
    def start(
        cls, session: Session, reader: SignatureReader, wijk_slug: str, wijk_id: int, period: Period
    ) -> Iterator[_Beside]:
        beside = cls(session, reader, wijk_slug, wijk_id, period)
        if _may_read_beside(session):
            everything = beside._conn.dialect.name == "postgresql"
            work = beside._everything if everything else beside._previous_beside
            beside._worker = _BESIDE_THREADS.submit(work)
        try:
            yield beside
        finally:
            worker = beside._worker
            if worker is not None and not worker.done():
                if not beside._observed.done():
                    beside._observed.set_exception(_Abandoned())
                if not worker.cancel():
                    wait([worker])  # its connection is back in the pool when the build ends

    def observed(self, count: int) -> None:
        """This period's number of visible observations, as the build read them."""
        self._observed.set_result(count)

    def result(self) -> _Besides:
        assert self._observed.done(), "observed() first"
        if self._worker is None:
            found = self._previous(self._conn, self._reader)
            took_part = self._took_part(self._conn)
        elif self._conn.dialect.name == "postgresql":
            return cast(_Besides, self._worker.result())
        else:
            found, took_part = self._worker.result()
        counted = self._count(self._conn, found, took_part)
        return _Besides(counted, self._spiegel(self._session))

    # In the worker thread, with a SignatureReader of its own (the build's is being filled):

    def _everything(self) -> _Besides:
        with self._conn.engine.connect() as other, Session(bind=other) as session:
            spiegel = self._spiegel(session)
            found = self._previous(other, SignatureReader(self._reader.vocabulary))
            return _Besides(self._count(other, found, self._took_part(other)), spiegel)

    def _previous_beside(self) -> tuple[_Previous, _TookPart]:
        with self._conn.engine.connect() as other:
            found = self._previous(other, SignatureReader(self._reader.vocabulary))
            return found, self._took_part(other)

    # The parts, wherever they are read:

    def _previous(self, conn: Connection, reader: SignatureReader) -> _Previous:
        period = self._period
        return _previous_period(
            conn, reader, self._wijk_slug, self._wijk_id, period.prev_start, period.prev_end
        )

    def _took_part(self, conn: Connection) -> _TookPart:
        period = self._period
        before, during = participation.in_periods(
            conn, self._wijk_id, (period.prev_start, period.start, period.end)
        )
        return before, during

    def _count(self, conn: Connection, found: _Previous, took_part: _TookPart) -> _Counted:
        observed = self._observed.result()
        return _count(conn, self._wijk_id, self._period, found, observed, took_part)

    def _spiegel(self, session: Session) -> SpiegelSummary:
        return _spiegel(session, self._wijk_id, self._period.start, self._period.end)


def _may_read_beside(session: Session) -> bool:
    """Whether another connection sees what the build's does: nothing written in the build's
    transaction, and a database other connections can open (not SQLite in memory)."""
    if session.new or session.dirty or session.deleted:
        return False
    conn = session.connection()
    if isinstance(conn.engine.pool, SingletonThreadPool | StaticPool):
        return False  # SQLite in memory: one connection (per thread), one database
    if conn.dialect.name == "postgresql":  # a transaction gets an id when it first writes
        written = conn.execute(select(func.pg_current_xact_id_if_assigned()))
        return written.scalar() is None
    if conn.dialect.name == "sqlite":  # the driver begins a transaction before it first writes
        return not getattr(conn.connection.dbapi_connection, "in_transaction", True)
    return False


@lru_cache(maxsize=4)
def vocabulary_for(path: str) -> Vocabulary:
    """The grouping vocabulary a config names (cached): the digest and the write path share it."""
    return load_vocabulary(Path(path) if path else None)


def vocabulary_or_shipped(path: str) -> Vocabulary:
    """The vocabulary where a person's text is stored or matched: the configured one, or the
    shipped one when that file cannot be read. Loading the config refuses such a file, but it can
    still go missing while the bot runs, and nothing a person sends may be lost over it (the
    start-up refresh makes the signatures again with the right vocabulary)."""
    try:
        return vocabulary_for(path)
    except Exception:
        _log.exception("the configured vocabulary cannot be read: using the shipped one")
        return vocabulary_for("")


# --- counts ----------------------------------------------------------------------------------


def _in(column: ColumnElement[datetime], start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _visible_obs(wijk_id: int, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(
        _obs.c.wijk_id == wijk_id, _in(_obs.c.created_at, start, end), _obs.c.status.in_(VISIBLE)
    )


class _Activity(NamedTuple):
    """One period's activity: how much, and by whom (person ids)."""

    observations: int
    reactions: int
    votes: int
    participants: set[int]


def _activities(
    conn: Connection,
    wijk_id: int,
    period: Period,
    observed: tuple[int, int],
    took_part: _TookPart,
) -> tuple[_Activity, _Activity]:
    """The period's activity and the previous period's: reactions and votes in one query each
    (a bucket per period). `observed`: the previous period's and this one's number of visible
    observations (read with their rows); `took_part`: who took part in each."""
    assert period.prev_end == period.start
    reactions = [0, 0]
    bucket = case((_reaction.c.created_at < period.start, 0), else_=1)
    for at, count in conn.execute(
        select(bucket, func.count())
        .where(
            _reaction.c.wijk_id == wijk_id,
            _in(_reaction.c.created_at, period.prev_start, period.end),
            # A reaction says "herken ik" or not; a comment alone is no reaction (the glossary,
            # the supplement's and "Wat weten we nog niet?"'s count): it is counted, and
            # quoted, as a comment.
            _reaction.c.verdict.is_not(None),
        )
        .group_by(bucket)
    ):
        reactions[at] += count
    # One ballot per person and poll. Kept ballots of erased voters have no person: count
    # ranking ballots by their first place; a several-choice ballot cannot be told apart and
    # counts once per choice.
    votes = [0, 0]
    bucket = case((_vote.c.created_at < period.start, 0), else_=1)
    first_places = func.sum(case((or_(_vote.c.rank.is_(None), _vote.c.rank == 1), 1), else_=0))
    for at, person, count in conn.execute(
        select(bucket, _vote.c.person_id, first_places)
        .select_from(_vote.join(_poll, _poll.c.id == _vote.c.poll_id))
        .where(_poll.c.wijk_id == wijk_id, _in(_vote.c.created_at, period.prev_start, period.end))
        .group_by(bucket, _vote.c.poll_id, _vote.c.person_id)
    ):
        votes[at] += int(count or 0) if person is None else 1
    return (
        _Activity(observed[1], reactions[1], votes[1], took_part[1]),
        _Activity(observed[0], reactions[0], votes[0], took_part[0]),
    )


def _both_counts(
    conn: Connection, wijk_id: int, period: Period, current: _Activity, previous: _Activity
) -> tuple[Counts, Counts]:
    """The counts of the period and of the previous one, with one look-up of who took part
    before and of roles for the people of both: most take part in both periods.

    Who took part before the period = who took part before the previous period (looked up),
    or in the previous period (known: the same activity, counted the same way; the previous
    period ends where this one starts).
    """
    assert period.prev_end == period.start
    everyone = current.participants | previous.participants
    before_previous = _earlier(conn, wijk_id, period.prev_start, everyone)
    strongest = _strongest_roles(conn, wijk_id, everyone)
    return (
        _counted_activity(current, before_previous | previous.participants, strongest),
        _counted_activity(previous, before_previous, strongest),
    )


def _counted_activity(activity: _Activity, earlier: set[int], strongest: dict[int, str]) -> Counts:
    participants = activity.participants
    # Someone who took part without a role here (moved wijk since) counts as a resident.
    roles = Counter(strongest.get(p, Role.RESIDENT.value) for p in participants)
    return Counts(
        observations=activity.observations,
        reactions=activity.reactions,
        votes=activity.votes,
        participants=len(participants),
        first_time=len(participants - earlier),
        by_role={role: roles.get(role, 0) for role in ROLE_ORDER},
    )


def _chunks(conn: Connection, ids: Iterable[int]) -> Iterable[list[int]]:
    """The ids in lists for _among (or IN): all at once on PostgreSQL, where they go as one
    array; at most _CHUNK at a time on SQLite, which limits the parameters of a statement."""
    ordered = sorted(ids)
    size = len(ordered) if conn.dialect.name == "postgresql" else _CHUNK
    for i in range(0, len(ordered), size or 1):
        yield ordered[i : i + size]


def _among(conn: Connection, column: ColumnElement[int], ids: list[int]) -> ColumnElement[bool]:
    """`column IN ids`, for a plain look-up by key. PostgreSQL gets the ids as one array: with a
    parameter per id (hundreds, for a period's participants) the look-up took three times as
    long. Not for _earlier: there a prepared statement's generic plan for an array of unknown
    size runs its probes for every person in the table."""
    if conn.dialect.name == "postgresql":
        return column == any_(literal(ids, ARRAY(Integer)))
    return column.in_(ids)


def _earlier(conn: Connection, wijk_id: int, before: datetime, people: set[int]) -> set[int]:
    """Who of `people` took part in this wijk before `before`.

    One index probe per person that stops at the first earlier row (a LIMIT 1 sub-query, which
    PostgreSQL does not turn into a semi-join over the whole history). On PostgreSQL the people
    come as one array, unnested: the probes run per id, whatever plan a prepared statement
    gets (`person.id = ANY(array)` could get a generic plan that probes for every person in
    the table). SQLite gets them as IN lists, from the person table.
    """
    if not people:
        return set()
    if conn.dialect.name == "postgresql":
        ids = (
            func.unnest(literal(sorted(people), ARRAY(Integer))).table_valued("id").render_derived()
        )
        person_id = ids.c.id
        took_part = participation.took_part(person_id, wijk_id=wijk_id, before=before)
        query = select(person_id).select_from(ids).where(took_part)
        return set(conn.execute(query).scalars())
    found: set[int] = set()
    person_id = _person.c.id
    for chunk in _chunks(conn, people):
        query = select(person_id).where(
            person_id.in_(chunk),
            participation.took_part(person_id, wijk_id=wijk_id, before=before),
        )
        found.update(conn.execute(query).scalars())
    return found


def _strongest_roles(conn: Connection, wijk_id: int, people: set[int]) -> dict[int, str]:
    """Each person's strongest role in the wijk (an admin counts as coach); people without a
    role here are left out."""
    strongest: dict[int, str] = {}
    rank = {role: i for i, role in enumerate(ROLE_ORDER)}
    for chunk in _chunks(conn, people):
        for person_id, role in conn.execute(
            select(_membership.c.person_id, _membership.c.role).where(
                _membership.c.wijk_id == wijk_id, _among(conn, _membership.c.person_id, chunk)
            )
        ):
            if role == Role.ADMIN.value:
                role = Role.COACH.value
            if role in rank and rank[role] > rank[strongest.get(person_id, Role.RESIDENT.value)]:
                strongest[person_id] = role
    return strongest


# --- observations and their groups -----------------------------------------------------------


# Positions in the rows _period_rows reads: plain rows, not objects (there are thousands, each
# read once or twice, and every object made is one more for the garbage collector to visit).
_ID, _CREATED, _SWOT, _THEME, _TEXT, _LANG, _STATUS, _SHARE, _PERSON, _SIGNATURE, _URGENT = range(
    11
)
# One such row: the database library's own tuple (sqlite3's or psycopg's), its values as read.
_PeriodRow = tuple[Any, ...]


_PERIOD_COLUMNS = (
    _obs.c.id,
    _obs.c.created_at,
    _obs.c.swot,
    _obs.c.theme,
    _obs.c.text,
    _obs.c.lang,
    _obs.c.status,
    _obs.c.share_name,
    _obs.c.person_id,
    _obs.c.grouping_signature,
    _obs.c.urgent_kind,
)


def _period_rows(
    conn: Connection, wijk_id: int, start: datetime, end: datetime
) -> list[_PeriodRow]:
    """The period's visible observations by id, with the positions above; the time as _utc
    reads it."""
    if conn.dialect.name == "postgresql":
        rows = _period_rows_in_binary(conn, wijk_id, start, end)
    else:  # SQLite's time is naive UTC text: made ISO 8601 with its offset
        created = type_coerce(_obs.c.created_at, String) + "+00:00"
        columns = [created if c is _obs.c.created_at else c for c in _PERIOD_COLUMNS]
        # The database library's own rows (plain tuples), not SQLAlchemy's: thousands, and none
        # of its per-row work is needed (the only conversion, the time, is _utc's).
        result = conn.execute(select(*columns).where(_visible_obs(wijk_id, start, end)))
        try:
            rows = list(result.cursor.fetchall())
        finally:
            result.close()
    # Ordered here: PostgreSQL took twice as long to sort rows this wide. By id: the order the
    # grouping works in (bot.grouping.groups sorts by id as text; numbers of equal length, as a
    # period's mostly are, come in the same order, and a sort of what is in order costs little).
    rows.sort(key=itemgetter(_ID))
    return rows


def _period_rows_in_binary(
    conn: Connection, wijk_id: int, start: datetime, end: datetime
) -> list[_PeriodRow]:
    """PostgreSQL's rows in its binary format: times and numbers come as bytes to copy, not
    text to parse (a tenth of the read). SQLAlchemy cannot ask for it, so the statement, made
    once, goes to psycopg's own cursor, on the build's connection (its transaction). The times
    are aware and in UTC (see bot.core.database)."""
    sql, constant = _period_statement(conn.dialect)
    driver = cast(psycopg.Connection[Any], conn.connection.dbapi_connection)
    with driver.cursor(binary=True) as cursor:
        cursor.execute(sql, {**constant, "wijk": wijk_id, "start": start, "end": end})
        return cursor.fetchall()


_PERIOD_PARAMETERS = ("wijk", "start", "end")  # what each call of the statement gives


@lru_cache(maxsize=2)
def _period_statement(dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """The period's query as the driver takes it, and its parameters that never change."""
    some_time = datetime(2000, 1, 1, tzinfo=UTC)  # each call gives its own (_PERIOD_PARAMETERS)
    query = select(*_PERIOD_COLUMNS).where(
        _obs.c.wijk_id == bindparam("wijk", 0),
        _obs.c.created_at >= bindparam("start", some_time),
        _obs.c.created_at < bindparam("end", some_time),
        _obs.c.status.in_(VISIBLE),
    )
    compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    constant = {k: v for k, v in compiled.params.items() if k not in _PERIOD_PARAMETERS}
    return compiled.string, constant


def _utc(value: datetime | str) -> datetime:
    """A time from _period_rows as UTCDateTime would hand it back: aware, in UTC. SQLite's is
    text with its offset ("2026-11-17 12:34:56.123456+00:00"); PostgreSQL's is aware and in UTC
    (its sessions are, see bot.core.database)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    zone = value.tzinfo
    if zone is UTC:
        return value
    return value.replace(tzinfo=UTC) if zone is None else value.astimezone(UTC)


def _ref(row: _PeriodRow) -> ObservationRef:
    oid = row[_ID]
    return ObservationRef(
        oid,
        f"M-{oid}",
        _utc(row[_CREATED]),
        row[_SWOT],
        row[_THEME],
        row[_TEXT],
        row[_STATUS],
        urgent=row[_URGENT],
    )


def _authors(conn: Connection, people: set[int]) -> dict[int, tuple[str | None, str | None]]:
    """(pseudonym, display name) per author: one look-up per person rather than a join per row
    (a period has many observations per author)."""
    found: dict[int, tuple[str | None, str | None]] = {}
    for chunk in _chunks(conn, people):
        query = select(_person.c.id, _person.c.pseudonym, _person.c.display_name).where(
            _among(conn, _person.c.id, chunk)
        )
        for person_id, pseudonym, name in conn.execute(query):
            found[person_id] = (pseudonym, name)
    return found


def _csv_rows(
    rows: list[_PeriodRow], authors: dict[int, tuple[str | None, str | None]]
) -> list[CsvRow]:
    """The author by name where they chose to share it, else the pseudonym; "" after erasure."""
    # What each author shows as, decided once per person rather than once per row.
    by_pseudonym = {person: pseudonym or "" for person, (pseudonym, _) in authors.items()}
    by_name = {person: (name or pseudonym) or "" for person, (pseudonym, name) in authors.items()}
    make = tuple.__new__  # CsvRow's own __new__ is a Python function: one call less per row
    # Oldest first; at the same time, by id (the sort keeps the rows' order by id).
    return [
        make(
            CsvRow,
            (
                f"M-{oid}",
                # PostgreSQL's are aware and in UTC already: no call per row.
                created if type(created) is datetime and created.tzinfo is UTC else _utc(created),
                swot,
                theme,
                text,
                status,
                (by_name if share else by_pseudonym).get(person, ""),
                urgent,
            ),
        )
        for oid, created, swot, theme, text, _, status, share, person, _, urgent in sorted(
            rows, key=itemgetter(_CREATED)
        )
    ]


def _section(
    wijk_slug: str,
    swot: str,
    rows: list[_PeriodRow],
    grouper: Grouper | None,
    vocabulary: Vocabulary,
    reader: SignatureReader,
) -> tuple[SwotSection, list[MatterKey | None]]:
    """Group this period's observations of one category (`previous` is filled in later).
    For weaknesses and threats also returns the matter of each group of two or more, in the
    order of section.groups, for the comparison with the previous period (_grew)."""
    if grouper is None:
        found = group_observations(
            [(str(row[_ID]), row[_TEXT], wijk_slug, swot, row[_SIGNATURE], row) for row in rows],
            vocabulary,
            reader,
        )
    else:
        found = _grouped_by(grouper, wijk_slug, swot, rows, reader)
    summaries: list[tuple[GroupSummary, MatterKey | None]] = []
    singletons: list[ObservationRef] = []
    negative = swot in NEGATIVE
    for group in found:
        representative = _ref(group.representative)
        if len(group.members) >= 2:
            summary = GroupSummary(
                group.key,
                group.label,
                len(group.members),
                sorted([row[_ID] for row in group.members]),
                representative,
                list(group.words),
                group.labels,
            )
            matter = (
                _group_matter(zip(group.concepts, group.places, strict=True)) if negative else None
            )
            summaries.append((summary, matter))
        else:
            singletons.append(representative)
    summaries.sort(key=lambda s: (-s[0].count, s[0].label, s[0].representative.id))
    singletons.sort(key=lambda r: r.id)
    themes: Counter[str] = Counter()
    for theme, count in Counter(map(itemgetter(_THEME), rows)).items():
        themes[theme or ""] += count
    section = SwotSection(
        swot=swot,
        count=len(rows),
        previous=0,
        themes=sorted(themes.items(), key=lambda kv: (-kv[1], kv[0])),
        groups=[summary for summary, _ in summaries],
        singletons=singletons,
    )
    return section, [matter for _, matter in summaries]


def _grouped_by(
    grouper: Grouper, wijk_slug: str, swot: str, rows: list[_PeriodRow], reader: SignatureReader
) -> list[Found]:
    """What another grouper ([digest.embeddings]) found, as group_observations gives it: the
    members' concepts and places read from their signatures (see "which ... grew" below)."""
    if not rows:
        return []
    by_id = {row[_ID]: row for row in rows}
    position = {row[_ID]: index for index, row in enumerate(rows)}
    quick = Item.quick
    items = [
        quick(str(oid), text, lang or "nl", wijk_slug, swot, theme, signature)
        for oid, _, _, theme, text, lang, _, _, _, signature, _ in rows
    ]
    matters = [reader.matter(row[_SIGNATURE], row[_TEXT], wijk_slug) for row in rows]
    concepts = settled_concepts(matters)
    found = []
    for group in grouper(items):
        # A grouper hands back the ids it was given; one from a hook is checked all the same.
        members = [m for m in map(int, group.member_ids) if m in by_id]
        if not members:
            continue
        representative_id = int(group.representative_id)
        if representative_id not in by_id:
            representative_id = members[0]
        at = [position[m] for m in members]
        found.append(
            Found(
                group.key,
                group.label,
                [by_id[m] for m in members],
                by_id[representative_id],
                [concepts[i] for i in at],
                [matters[i].places for i in at],
                group.words,
                group.labels,
            )
        )
    return found


# --- which weakness and threat groups grew ---------------------------------------------------
#
# A group of this period "grew" when it has two or more observations and more than the previous
# period had about the same matter, in the same category. The previous period is not grouped
# again: each observation's signature (stored when it was saved,
# bot.grouping.signatures.signature) holds its concept scores and the places it names; that
# part is stored on its own as well (grouping_matter), and the previous period is counted per
# distinct one, in SQL.
# Both periods settle close calls the way the grouping does, each among its own observations of
# the category (bot.grouping.groups.settled_concepts: a tie goes to the concept more of them are
# about). "The same matter" of a group of this period is, in this order:
#   - the concept most of its members are under (ties: the concept listed first), counted
#     against the previous period's observations under that concept;
#   - for a group about no known concept: the place most of its members name (at least two),
#     counted against the previous period's observations about no known concept naming it;
#   - else (no known concept, no shared place: linked by shared uncommon words) nothing the
#     previous period can be counted by without grouping it again: it counts as new
#     (previous 0), as it did unless last period's texts shared its words.
# A member's concept and places are what its own signature says, its concept settled among the
# category's observations of this period: the built-in grouping hands them back
# (group_observations: Found.concepts, Found.places); for another grouper (the optional
# embeddings grouping, [digest.embeddings]) they are read from the signatures the same way, so
# its groups are compared by the concept (else the place) most of their members are under.

MatterKey = tuple[str, str]  # ("concept", concept index) or ("place", normalised place)
# The previous period as _previous_period reads it: its visible observations per category, and
# for weaknesses and threats how many were about each matter.
_Previous = tuple[dict[str, int], dict[str, Counter[MatterKey]]]


def _counted(pairs: list[tuple[Matter, int]]) -> Counter[MatterKey]:
    """How many of the previous period's observations of one category were about each matter
    (`pairs`: a matter and how many observations had it): their concept settled among them, else
    each place they name."""
    matters = [matter for matter, _ in pairs]
    weights = [count for _, count in pairs]
    counts: Counter[MatterKey] = Counter()
    for matter, count, concept in zip(
        matters, weights, settled_concepts(matters, weights), strict=True
    ):
        if concept is not None:
            counts[("concept", str(concept))] += count
        else:
            for place in matter.places:
                counts[("place", place)] += count
    return counts


def _group_matter(members: Iterable[tuple[int | None, frozenset[str]]]) -> MatterKey | None:
    """The matter of a group of this period (see above) from its members' concepts and places;
    None: no concept, no shared place."""
    concepts: Counter[int] = Counter()
    places: Counter[str] = Counter()
    for concept, named in members:
        if concept is not None:
            concepts[concept] += 1
        else:
            places.update(named)
    if concepts:
        return ("concept", str(min(concepts, key=lambda c: (-concepts[c], c))))
    if places and max(places.values()) >= 2:
        return ("place", min(places, key=lambda p: (-places[p], p)))
    return None


def _grew(
    swot: str,
    section: SwotSection,
    matters: list[MatterKey | None],
    previous: Counter[MatterKey],
) -> list[GrowingGroup]:
    """This period's groups of one category (two or more members) that grew (see above);
    `matters`: each group's matter, in the order of section.groups."""
    grew = []
    for summary, key in zip(section.groups, matters, strict=True):
        before = previous[key] if key is not None else 0
        if summary.count > before:
            grew.append(
                GrowingGroup(
                    swot,
                    summary.label,
                    summary.count,
                    before,
                    summary.representative,
                    summary.labels,
                )
            )
    return grew


def _previous_period(
    conn: Connection,
    reader: SignatureReader,
    wijk_slug: str,
    wijk_id: int,
    start: datetime,
    end: datetime,
) -> _Previous:
    """The previous period, counted in SQL: its visible observations per category, and for
    weaknesses and threats how many were about each matter (see above), by the matter key
    stored with each (observation.grouping_matter). Rows without a usable key (stored before
    it, or by other means, or about nothing the grouping recognises: concepts.matter_key gives
    those none, and they count for no matter) come back one by one and are read from their
    signature, else their text."""
    key = _obs.c.grouping_matter
    negative = _obs.c.swot.in_(NEGATIVE)
    usable = key.startswith(reader.fingerprint + "|")  # NULL when none is stored
    by_key = case((and_(negative, usable), key))
    alone = case((and_(negative, usable), None), (negative, _obs.c.id))
    columns = [_obs.c.swot, by_key, alone]
    query = select(*columns, func.count()).where(_visible_obs(wijk_id, start, end))
    query = query.group_by(*columns)
    rows: Iterable[Any]
    if conn.dialect.name == "sqlite":
        per_group = query.subquery()
        # The groups as one row of JSON: the driver takes the interpreter's lock back for every
        # row, which a worker thread (_Beside) waits for each time while the build groups.
        packed = select(func.json_group_array(func.json_array(*per_group.c)))
        rows = json.loads(conn.execute(packed).scalar_one())
    else:
        rows = conn.execute(query)
    counts: Counter[str] = Counter()
    found: dict[str, list[tuple[Matter, int]]] = {swot: [] for swot in NEGATIVE}
    one_by_one: list[int] = []
    damaged: list[str] = []
    for swot, stored, oid, count in rows:
        counts[swot] += count
        if stored is not None:
            matter = reader.key_matter(stored, wijk_slug)
            if matter is None:
                damaged.append(stored)  # this vocabulary's, but damaged: its texts are matched
            else:
                found[swot].append((matter, count))
        elif oid is not None:
            one_by_one.append(oid)
    texts = select(_obs.c.swot, _obs.c.grouping_signature, _obs.c.text)
    for chunk in _chunks(conn, one_by_one):
        for swot, signature, text in conn.execute(texts.where(_among(conn, _obs.c.id, chunk))):
            found[swot].append((reader.matter(signature, text, wijk_slug), 1))
    if damaged:
        where = and_(_visible_obs(wijk_id, start, end), negative, key.in_(damaged))
        for swot, _, text in conn.execute(texts.where(where)):
            found[swot].append((reader.matter(None, text, wijk_slug), 1))
    return dict(counts), {swot: _counted(pairs) for swot, pairs in found.items()}


# --- supporters ------------------------------------------------------------------------------


def _count_supporters(conn: Connection, sections: list[SwotSection], attention: Attention) -> None:
    """How many said "ik ook" to each observation the digest shows (a few dozen): one query."""
    refs = [
        *(g.representative for s in sections for g in s.groups),
        *(ref for s in sections for ref in s.singletons),
        *attention.urgent,
        *attention.unanswered,
        *(g.representative for g in attention.growing),
    ]
    if not refs:
        return
    ids = sorted({ref.id for ref in refs})
    counts: dict[int, int] = {}
    for chunk in _chunks(conn, set(ids)):
        query = (
            select(_supporter.c.observation_id, func.count())
            .where(_among(conn, _supporter.c.observation_id, chunk))
            .group_by(_supporter.c.observation_id)
        )
        counts.update((oid, int(n)) for oid, n in conn.execute(query))
    for ref in refs:
        ref.supporters = counts.get(ref.id, 0)


# --- needs attention -------------------------------------------------------------------------


def _waits_for_an_answer(wijk_id: int) -> ColumnElement[bool]:
    return and_(
        _obs.c.status.in_(UNANSWERED),
        _obs.c.wijk_id == wijk_id,
        _obs.c.answered_at.is_(None),
    )


def _urgent_where(wijk_id: int) -> ColumnElement[bool]:
    """An urgent observation waiting for an answer needs attention from the start."""
    return and_(_waits_for_an_answer(wijk_id), _obs.c.urgent_kind.is_not(None))


def _unanswered_where(wijk_id: int, now: datetime, days: int) -> ColumnElement[bool]:
    """Any other waits `days` first (the urgent ones are listed apart, not twice)."""
    return and_(
        _waits_for_an_answer(wijk_id),
        _obs.c.urgent_kind.is_(None),
        _obs.c.created_at < now - timedelta(days=days),
    )


def _waiting(conn: Connection, where: ColumnElement[bool]) -> list[ObservationRef]:
    query = (
        select(
            _obs.c.id,
            _obs.c.created_at,
            _obs.c.swot,
            _obs.c.theme,
            _obs.c.text,
            _obs.c.status,
            _obs.c.urgent_kind,
        )
        .where(where)
        .order_by(_obs.c.created_at, _obs.c.id)
        .limit(ATTENTION_LIMIT)
    )
    return [
        ObservationRef(oid, f"M-{oid}", as_utc(created), swot, theme, text, status, urgent=urgent)
        for oid, created, swot, theme, text, status, urgent in conn.execute(query)
    ]


def _waiting_total(conn: Connection, where: ColumnElement[bool]) -> int:
    return int(conn.execute(select(func.count()).select_from(_obs).where(where)).scalar_one())


# --- the spiegel and polls -------------------------------------------------------------------


def _spiegel(session: Session, wijk_id: int, start: datetime, end: datetime) -> SpiegelSummary:
    items = reaction_summary(session, wijk_id, start, end)
    # The period's reactions (the header's count), each statement in one list: a split one
    # among "herken ik niet", where the coach looks first.
    against = [i for i in items if i.period_not_recognise * 2 >= i.period_total > 0]
    contested = sorted(against, key=lambda i: (-i.period_not_recognise, i.item_id))
    confirmed = sorted(
        (i for i in items if i.period_recognise * 2 > i.period_total),
        key=lambda i: (-i.period_recognise, i.item_id),
    )
    comments = [
        CommentSummary(i.item_id, i.text, c.text, as_utc(c.at)) for i in items for c in i.comments
    ]
    comments.sort(key=lambda c: c.at, reverse=True)
    return SpiegelSummary(
        contested=[
            StatementCount(
                i.item_id, i.text, i.period_not_recognise, i.period_total, _advice(i.kind)
            )
            for i in contested[:SPIEGEL_LIMIT]
        ],
        confirmed=[
            StatementCount(i.item_id, i.text, i.period_recognise, i.period_total, _advice(i.kind))
            for i in confirmed[:SPIEGEL_LIMIT]
        ],
        comments=comments[:COMMENT_LIMIT],
        comment_count=len(comments),
    )


def _advice(kind: ItemKind) -> bool:
    return kind is ItemKind.RECOMMENDATION


def _polls(
    session: Session, conn: Connection, wijk_id: int, start: datetime, end: datetime
) -> PollsSummary:
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
