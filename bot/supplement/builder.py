"""The year's supplement to a wijk's spiegel as data: one wijk, one calendar year (the project's
time zone). No Telegram, no language: bot/supplement/render_*.py do that.

Structured like the method (the wijkspiegel and its yearly supplements): the figures and their
change; per question (wat gaat goed / wat kan beter / kansen / zorgen) the statements with how
residents recognised them and what they commented on them, the groups of observations (counts,
one or two short quotes), what was answered; the polls; where figures and voices disagree; what
the spiegel does not know yet and whose voices are missing; proposed changes to the statements.

Parts from other capabilities are optional: `figures` (the wijk's stored CBS figures up to the
year, bot.figures.combine; None when nothing is stored), `blind_spots` (the year's theme ×
question cells with little input) and `missing_voices` ("Over jou" of the year's participants
beside the wijk's CBS make-up), both from bot.spiegel.blind_spots. None means "not known yet",
and the renderers say so in words, never with an empty heading or a zero. `disagreements`,
`growing` and `proposed_changes` are computed here: an empty list means "looked, found none".

Small numbers: a count of people in `missing_voices` is kept for the renderers, which show it
only through bot.spiegel.blind_spots.shown ("minder dan 5"); nothing there is tied to an
observation.

Privacy: hidden and withdrawn observations appear nowhere (no count, no quote). Quotes come only
from observations and comments whose author still exists (person_id set): an erased person's
kept observations and comments count, but are never quoted. No names or pseudonyms are read at all.

Speed: the year's visible observations are read once, as plain columns, and grouped with their
stored signatures (bot.grouping.groups.group_observations, as the digest does); reactions,
supporters and answers are counted in SQL.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, true
from sqlmodel import Session

from bot.core.clock import utcnow
from bot.core.config import Config
from bot.digest.builder import vocabulary_for
from bot.figures.combine import share, wijk_figures
from bot.figures.words import PART_OF
from bot.grouping.groups import Labels, group_observations
from bot.grouping.signatures import SignatureReader
from bot.observations import statuses
from bot.polls.tally import OptionResult, tally
from bot.spiegel import blind_spots as bs
from bot.spiegel.recognised import RecognisedCache, matching_statement
from models import (
    Edition,
    ItemKind,
    Observation,
    ObservationStatus,
    Poll,
    PollStatus,
    Reaction,
    SpiegelItem,
    Supporter,
    Swot,
    Verdict,
    Wijk,
)

QUESTIONS = (Swot.STRENGTH.value, Swot.WEAKNESS.value, Swot.OPPORTUNITY.value, Swot.THREAT.value)
VISIBLE = statuses.VISIBLE
GROUP_LIMIT = 6  # groups shown per question, largest first
NEW_MATTER_LIMIT = 4
QUOTES_PER_GROUP = 2
QUOTE_CHARS = 160
COMMENT_QUOTES = 5  # per statement, newest first
NEW_STATEMENT_MIN = 5  # a group this big without a matching statement: "nieuwe zin?"

_obs = Observation.__table__  # type: ignore[attr-defined]
_reaction = Reaction.__table__  # type: ignore[attr-defined]
_item = SpiegelItem.__table__  # type: ignore[attr-defined]
_edition = Edition.__table__  # type: ignore[attr-defined]
_supporter = Supporter.__table__  # type: ignore[attr-defined]
_poll = Poll.__table__  # type: ignore[attr-defined]


class NoDataForYear(Exception):
    """The wijk has no spiegel, observations, reactions or polls in that year."""


# --- the data --------------------------------------------------------------------------------


@dataclass
class Totals:
    observations: int = 0
    # The reactions (with a verdict) to the statements the year's supplement covers (see
    # "Which statements"): the sum of what its statements show.
    reactions: int = 0
    comments: int = 0  # on those statements, counted apart: a comment alone is no reaction
    supporters: int = 0  # "ik ook" to the year's observations
    answered: int = 0
    polls: int = 0
    # Of the year before: its supplement covered the same statements (no edition of its own
    # since), so its reactions are these; not compared.
    same_statements: bool = False


@dataclass(frozen=True)
class ReactionsElsewhere:
    """Reactions given in the year to the statements of an edition the supplement does not
    cover (next year's, begun in the autumn; last year's, before this year's was begun): they
    are in the supplement of that edition's year."""

    edition_year: int
    reactions: int


@dataclass
class StatementLine:
    item_id: int
    kind: str
    text: str
    recognise: int
    not_recognise: int
    comments: int  # every comment on it so far (a comment alone is no reaction)
    # The newest comments of authors who still exist, shortened as an observation's quote
    # (COMMENT_QUOTES at most); `comments` minus their number is said in words.
    quotes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.recognise + self.not_recognise


@dataclass
class ObservationGroup:
    label: str  # Dutch; in the reader's language through label_in with `labels`
    count: int
    supporters: int
    answered: int
    quotes: list[str]
    new_matter: bool  # no concept of the vocabulary: "nieuw onderwerp"
    statement_id: int | None = None  # the statement it is about, if any
    labels: Labels = ()  # bot.grouping.groups.Group.labels


@dataclass
class QuestionPart:
    swot: str
    statements: list[StatementLine]
    observations: int
    answered: int
    supporters: int
    groups: list[ObservationGroup]  # two or more observations, largest first
    new_matters: list[ObservationGroup]


@dataclass
class PollOutcome:
    """A poll's result as bot.polls.tally counts it, as the digest and the poll's own result
    screen show it: a choice poll by votes, a ranking poll by points (every voter ranks every
    option, so its votes per option say nothing)."""

    question: str
    voters: int
    closed: bool
    kind: str  # PollKind value
    options: tuple[OptionResult, ...]  # best first


@dataclass
class Disagreement:
    item_id: int
    text: str
    recognise: int  # on a recommendation: "eens"; `not_recognise` "niet eens"
    not_recognise: int
    recommendation: bool = False


@dataclass
class ProposedChange:
    action: str  # "revise" (herzien?) or "new" (nieuwe zin?)
    swot: str
    text: str  # the statement, or the group's label
    count: int  # reactions against it, or the group's size
    item_id: int | None = None
    labels: Labels = ()  # a group's label in other languages (a statement has none)


@dataclass(frozen=True)
class FigureLine:
    """One CBS measure of the wijk (bot/figures/measures.py), in `year`."""

    measure: str
    kind: str  # MeasureKind value: count, share, per_area
    year: int
    value: float | None  # None: several CBS areas that cannot be combined (per_area)
    municipality: float | None
    previous: float | None
    previous_year: int | None
    per_area: tuple[tuple[str, float], ...] = ()
    one_in: float | None = None  # a share of people/households (PART_OF): the wijk's ratio
    municipality_one_in: float | None = None


@dataclass(frozen=True)
class LittleInput:
    """A theme × question cell of the year where fewer than `threshold` people said something
    (in the column of recommendations, bs.ADVICE: reacted to or commented on one)."""

    question: str  # a Swot value, or bs.ADVICE
    theme: str  # a theme slug, or "" (no theme)
    labels: tuple[tuple[str, str], ...]  # (lang, the theme's name); empty for no theme
    threshold: int

    def label(self, lang: str) -> str | None:
        return dict(self.labels).get(lang) or dict(self.labels).get("nl")


@dataclass(frozen=True)
class VoiceGroup:
    dimension: str  # "age", "household", "years"
    group: str  # models.profile AGE_GROUPS / HOUSEHOLDS / YEARS_IN_WIJK
    people: int  # never shown below bs.SMALL: render through bs.shown
    wijk_share: float | None  # CBS, None when unknown
    under: bool


@dataclass(frozen=True)
class MissingVoices:
    participants: int  # never shown below bs.SMALL
    answered: int  # of them: who told "Over jou"; never shown below bs.SMALL
    makeup_known: bool  # the wijk's CBS make-up was there to compare with
    groups: tuple[VoiceGroup, ...]  # dimensions someone answered, in the profile's order
    makeup_partial: bool = False  # CBS gave some groups' share in the wijk, not every one

    @property
    def under(self) -> list[VoiceGroup]:
        return [g for g in self.groups if g.under]


@dataclass(frozen=True)
class Growing:
    """A group of observations that grew since the year before and no statement covers."""

    swot: str
    label: str
    count: int
    previous: int
    labels: Labels = ()  # as ObservationGroup.labels


@dataclass
class SupplementData:
    wijk_slug: str
    wijk_name: str
    year: int
    edition_years: list[int]
    totals: Totals
    previous: Totals | None  # the year before, when it had any observations
    questions: list[QuestionPart]
    recommendations: list[StatementLine]
    polls: list[PollOutcome]
    # From other capabilities; None: the section says it is not known yet.
    figures: list[FigureLine] | None = None
    blind_spots: list[LittleInput] | None = None
    missing_voices: MissingVoices | None = None
    disagreements: list[Disagreement] | None = field(default=None)
    growing: list[Growing] | None = field(default=None)
    municipality: str = ""  # its name, beside the municipality's figures
    proposed_changes: list[ProposedChange] | None = field(default=None)
    elsewhere: list[ReactionsElsewhere] = field(default_factory=list)
    # `[spiegel] disagree_min_reactions`: the reactions a statement needs to be contested
    # (bot.spiegel.blind_spots.is_contested); the document says the rule in words.
    disagree_min: int = 10

    def question(self, swot: str) -> QuestionPart:
        return next(q for q in self.questions if q.swot == swot)


# --- building --------------------------------------------------------------------------------


def year_bounds(year: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """1 January 00:00 local time to the next 1 January, as aware datetimes."""
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def build(
    session: Session, config: Config, wijk: Wijk, year: int, now: datetime | None = None
) -> SupplementData:
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(session, config, wijk, year, now or utcnow())
    finally:
        if enabled:
            gc.enable()


def _build(
    session: Session, config: Config, wijk: Wijk, year: int, now: datetime
) -> SupplementData:
    assert wijk.id is not None
    conn = session.connection()
    start, end = year_bounds(year, config.general.tz)
    editions = _editions(session, wijk.id, year)
    covered = [e.id for e in editions if e.id is not None]
    statements = _statements(conn, covered)

    rows = conn.execute(
        select(
            _obs.c.id,
            _obs.c.swot,
            _obs.c.text,
            _obs.c.grouping_signature,
            _obs.c.status,
            _obs.c.person_id.is_not(None),
            _obs.c.answered_at.is_not(None),
        )
        .where(_visible(wijk.id, start, end))
        .order_by(_obs.c.id)
    ).all()
    supporters: dict[int, int] = dict(
        conn.execute(
            select(_supporter.c.observation_id, func.count())
            .join(_obs, _obs.c.id == _supporter.c.observation_id)
            .where(_visible(wijk.id, start, end))
            .group_by(_supporter.c.observation_id)
        ).all()
    )
    reacted = conn.execute(
        select(_reaction.c.id)
        .where(
            _reaction.c.wijk_id == wijk.id,
            _reaction.c.updated_at >= start,
            _reaction.c.updated_at < end,
        )
        .limit(1)
    ).first()
    polls = _polls(session, wijk.id, start, end)
    if not rows and not reacted and not polls and not any(e.year == year for e in editions):
        raise NoDataForYear(f"{wijk.slug} {year}")

    vocabulary = vocabulary_for(config.digest.vocabulary)
    reader = SignatureReader(vocabulary)
    cache = RecognisedCache()
    by_swot: dict[str, list[Any]] = {swot: [] for swot in QUESTIONS}
    for row in rows:
        found = by_swot.get(row[1])
        if found is not None:
            found.append(row)

    questions: list[QuestionPart] = []
    proposed: list[ProposedChange] = []
    for swot in QUESTIONS:
        part = _question(swot, by_swot[swot], statements, supporters, wijk, reader, vocabulary)
        questions.append(part)
        for group in part.groups + part.new_matters:
            if group.count < NEW_STATEMENT_MIN or group.statement_id is not None:
                continue
            if any(p.text == group.label and p.swot == swot for p in proposed):
                continue
            proposed.append(
                ProposedChange("new", swot, group.label, group.count, labels=group.labels)
            )
    _match_statements(session, wijk.id, questions, by_swot, cache, vocabulary)
    proposed = [
        p
        for p in proposed
        if not any(
            g.label == p.text and g.statement_id is not None
            for q in questions
            if q.swot == p.swot
            for g in q.groups + q.new_matters
        )
    ]

    disagreements = [
        Disagreement(
            s.item_id,
            s.text,
            s.recognise,
            s.not_recognise,
            s.kind == ItemKind.RECOMMENDATION.value,
        )
        for s in statements
        if bs.is_contested(config, s.total, s.not_recognise)
    ]
    period = bs.parse_period(str(year), config.general.tz)
    # Of bs.disagreements, the contested statements are the year's disagreements above (its
    # editions, counted here); the groups that grew and no statement covers are added.
    uncovered = bs.uncovered_growth(
        session, config, wijk, period, min(now, period.end), cache=cache
    )
    disagreements.sort(key=lambda d: (-d.not_recognise, d.item_id))
    growing = [
        Growing(u.swot, u.label, u.count, u.previous, u.labels)
        for u in uncovered
        if not any(p.action == "new" and p.text == u.label for p in proposed)
    ]
    revise = [
        ProposedChange("revise", _kind_swot(s.kind), s.text, s.not_recognise, s.item_id)
        for s in statements
        if s.item_id in {d.item_id for d in disagreements}
    ]
    totals = Totals(
        observations=len(rows),
        reactions=sum(s.total for s in statements),
        comments=sum(s.comments for s in statements),
        supporters=sum(q.supporters for q in questions),
        answered=sum(q.answered for q in questions),
        polls=len(polls),
    )
    return SupplementData(
        wijk_slug=wijk.slug,
        wijk_name=wijk.name,
        year=year,
        edition_years=sorted({e.year for e in editions}),
        totals=totals,
        previous=_previous(session, wijk.id, year, config.general.tz, covered),
        questions=questions,
        recommendations=[s for s in statements if s.kind == ItemKind.RECOMMENDATION.value],
        polls=polls,
        figures=_figures(session, config, wijk.slug, year),
        blind_spots=_little_input(session, config, wijk.id, period),
        missing_voices=_voices(session, config, wijk, period),
        disagreements=disagreements,
        growing=growing,
        proposed_changes=revise + proposed,
        elsewhere=_elsewhere(conn, wijk.id, start, end, covered),
        municipality=config.municipality.name,
        disagree_min=config.spiegel.disagree_min_reactions,
    )


def _figures(session: Session, config: Config, slug: str, year: int) -> list[FigureLine] | None:
    """The wijk's CBS measures up to the year, each from its newest stored year."""
    figures = wijk_figures(session, config, slug, year=year)
    if figures is None:
        return None
    lines = []
    for key, m in figures.measures.items():
        ratio = share(figures, key, PART_OF[key]) if key in PART_OF else None
        lines.append(
            FigureLine(
                measure=key,
                kind=m.kind.value,
                year=m.year,
                value=m.value,
                municipality=m.municipality,
                previous=m.previous,
                previous_year=m.previous_year,
                per_area=tuple(m.per_area.items()),
                one_in=ratio[0] if ratio else None,
                municipality_one_in=ratio[1] if ratio else None,
            )
        )
    return lines


def _little_input(
    session: Session, config: Config, wijk_id: int, period: bs.BlindPeriod
) -> list[LittleInput]:
    """The year's theme × question cells with little input, per question in the themes' order;
    then those of the recommendations (bs.ADVICE), as the coach's page has them."""
    found = bs.grid(session, config, wijk_id, period.start, period.end)
    themes = {t.slug: t for t in config.themes}
    langs = ("nl", "en")
    cells = []
    for question in found.columns:
        for cell in found.little(question):
            theme = themes.get(cell.theme)
            labels = tuple((lang, theme.label(lang)) for lang in langs) if theme else ()
            cells.append(LittleInput(question, cell.theme, labels, found.threshold))
    return cells


def _voices(session: Session, config: Config, wijk: Wijk, period: bs.BlindPeriod) -> MissingVoices:
    assert wijk.id is not None
    makeup = bs.makeup_from_figures(bs.wijk_makeup(session, config, wijk.slug))
    rep = bs.representation(session, wijk.id, period.start, period.end, makeup)
    answered_dimensions = {g.dimension for g in rep.groups if g.people}
    groups = tuple(
        VoiceGroup(g.dimension, g.group, g.people, g.wijk_share, g.under)
        for g in rep.groups
        if g.dimension in answered_dimensions
    )
    return MissingVoices(
        rep.participants, rep.answered, rep.makeup_known, groups, rep.makeup_partial
    )


def _kind_swot(kind: str) -> str:
    return kind if kind in QUESTIONS else ItemKind.RECOMMENDATION.value


def _visible(wijk_id: int, start: datetime, end: datetime) -> Any:
    return and_(
        _obs.c.wijk_id == wijk_id,
        _obs.c.status.in_(VISIBLE),
        _obs.c.created_at >= start,
        _obs.c.created_at < end,
    )


# --- which statements -------------------------------------------------------------------------
#
# A year's supplement covers the statements of the year's own edition; a year without one, those
# of the newest edition before it (the spiegel still in force). Each statement shows all its
# reactions so far, as residents and "Wat weten we nog niet?" see them, and "Reacties op zinnen"
# is their sum. So an edition's reactions are in the supplement of its year, also those given
# before that year (next year's edition begun in the autumn). Reactions given in the year to
# another edition's statements are named with that edition (`_elsewhere`), never in the total.
# A comment alone is no reaction (as the digest counts): each statement's comments so far are
# counted apart ("Opmerkingen bij zinnen" their sum) and the newest quoted below it.


def _editions(session: Session, wijk_id: int, year: int) -> list[Edition]:
    """The year's edition(s); without one, the newest before it (the spiegel still in force)."""
    conn = session.connection()
    found = [
        Edition(id=i, wijk_id=wijk_id, year=y)
        for i, y in conn.execute(
            select(_edition.c.id, _edition.c.year).where(
                _edition.c.wijk_id == wijk_id, _edition.c.year == year
            )
        )
    ]
    if found:
        return found
    older = conn.execute(
        select(_edition.c.id, _edition.c.year)
        .where(_edition.c.wijk_id == wijk_id, _edition.c.year < year)
        .order_by(_edition.c.year.desc())
        .limit(1)
    ).first()
    if older is None:
        return []
    return [Edition(id=older[0], wijk_id=wijk_id, year=older[1])]


def _elsewhere(
    conn: Any, wijk_id: int, start: datetime, end: datetime, covered: list[int]
) -> list[ReactionsElsewhere]:
    """Reactions (with a verdict) first given in [start, end) to statements of other editions
    than `covered`, per edition year."""
    rows = conn.execute(
        select(_edition.c.year, func.count())
        .select_from(
            _reaction.join(_item, _item.c.id == _reaction.c.item_id).join(
                _edition, _edition.c.id == _item.c.edition_id
            )
        )
        .where(
            _reaction.c.wijk_id == wijk_id,
            _reaction.c.created_at >= start,
            _reaction.c.created_at < end,
            _reaction.c.verdict.is_not(None),
            _edition.c.id.not_in(covered) if covered else true(),
        )
        .group_by(_edition.c.year)
        .order_by(_edition.c.year)
    ).all()
    return [ReactionsElsewhere(int(y), int(n)) for y, n in rows if n]


def _statements(conn: Any, edition_ids: list[int], *, quotes: bool = True) -> list[StatementLine]:
    """The editions' statements with every reaction and comment so far, and (`quotes`) the
    comments that may be quoted."""
    if not edition_ids:
        return []
    items = conn.execute(
        select(_item.c.id, _item.c.kind, _item.c.text)
        .where(_item.c.edition_id.in_(edition_ids), _item.c.retired.is_(False))
        .order_by(_item.c.edition_id, _item.c.position, _item.c.id)
    ).all()
    counts: dict[int, list[int]] = {row[0]: [0, 0, 0] for row in items}
    for item_id, verdict, commented, count in conn.execute(
        select(
            _reaction.c.item_id,
            _reaction.c.verdict,
            _reaction.c.comment.is_not(None),
            func.count(),
        )
        .where(_reaction.c.item_id.in_(list(counts)))
        .group_by(_reaction.c.item_id, _reaction.c.verdict, _reaction.c.comment.is_not(None))
    ):
        tally_ = counts[item_id]
        if verdict == Verdict.RECOGNISE.value:
            tally_[0] += int(count)
        elif verdict == Verdict.NOT_RECOGNISE.value:
            tally_[1] += int(count)
        if commented:
            tally_[2] += int(count)
    quoted = _comment_quotes(conn, list(counts)) if quotes else {}
    return [
        StatementLine(
            i,
            kind,
            text,
            recognise=counts[i][0],
            not_recognise=counts[i][1],
            comments=counts[i][2],
            quotes=quoted.get(i, []),
        )
        for i, kind, text in items
    ]


def _comment_quotes(conn: Any, item_ids: list[int]) -> dict[int, list[str]]:
    """Per statement, its newest comments (COMMENT_QUOTES at most, the same text once) by
    authors who still exist: an erased person's kept comment counts, but is never quoted."""
    found: dict[int, list[str]] = {}
    if not item_ids:
        return found
    for item_id, comment in conn.execute(
        select(_reaction.c.item_id, _reaction.c.comment)
        .where(
            _reaction.c.item_id.in_(item_ids),
            _reaction.c.comment.is_not(None),
            _reaction.c.person_id.is_not(None),
        )
        .order_by(
            func.coalesce(_reaction.c.commented_at, _reaction.c.updated_at).desc(),
            _reaction.c.id.desc(),
        )
    ):
        kept = found.setdefault(item_id, [])
        quote = _short(comment)
        if quote and len(kept) < COMMENT_QUOTES and quote not in kept:
            kept.append(quote)
    return found


def _question(
    swot: str,
    rows: list[Any],
    statements: list[StatementLine],
    supporters: dict[int, int],
    wijk: Wijk,
    reader: SignatureReader,
    vocabulary: Any,
) -> QuestionPart:
    found = group_observations(
        [(str(row[0]), row[2], wijk.slug, swot, row[3], row) for row in rows], vocabulary, reader
    )
    groups: list[ObservationGroup] = []
    new_matters: list[ObservationGroup] = []

    def answered(row: Any) -> bool:
        """What was answered or solved: an answer was written, or the status is resolved."""
        return bool(row[6]) or row[4] == ObservationStatus.RESOLVED.value

    for group in found:
        if len(group.members) < 2:
            continue
        members = group.members
        quotes: list[str] = []
        for member in [group.representative, *members]:
            if len(quotes) >= QUOTES_PER_GROUP:
                break
            if not member[5]:  # the author was erased: counted, never quoted
                continue
            quote = _short(member[2])
            if quote and quote not in quotes:
                quotes.append(quote)
        summary = ObservationGroup(
            label=group.label,
            count=len(members),
            supporters=sum(supporters.get(m[0], 0) for m in members),
            answered=sum(1 for m in members if answered(m)),
            quotes=quotes,
            new_matter=bool(group.words),
            labels=group.labels,
        )
        (new_matters if group.words else groups).append(summary)
    groups.sort(key=lambda g: (-g.count, g.label))
    new_matters.sort(key=lambda g: (-g.count, g.label))
    return QuestionPart(
        swot=swot,
        statements=[s for s in statements if s.kind == swot],
        observations=len(rows),
        answered=sum(1 for row in rows if answered(row)),
        supporters=sum(supporters.get(row[0], 0) for row in rows),
        groups=groups[:GROUP_LIMIT],
        new_matters=new_matters[:NEW_MATTER_LIMIT],
    )


def _match_statements(
    session: Session,
    wijk_id: int,
    questions: list[QuestionPart],
    by_swot: dict[str, list[Any]],
    cache: RecognisedCache,
    vocabulary: Any,
) -> None:
    """Which statement of the current spiegel each shown group is about (by a quoted or the
    first member's text: the label's concept is the group's)."""
    for part in questions:
        for group in part.groups:
            text = group.quotes[0] if group.quotes else group.label
            found = matching_statement(session, wijk_id, text, part.swot, vocabulary, cache=cache)
            group.statement_id = found.item_id if found is not None else None


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    if len(one_line) <= QUOTE_CHARS:
        return one_line
    cut = one_line[:QUOTE_CHARS].rsplit(" ", 1)[0]
    return f"{cut}…"


def _polls(session: Session, wijk_id: int, start: datetime, end: datetime) -> list[PollOutcome]:
    ids = (
        session.connection()
        .execute(
            select(_poll.c.id, _poll.c.status)
            .where(
                _poll.c.wijk_id == wijk_id,
                _poll.c.status != PollStatus.CANCELLED.value,
                _poll.c.opens_at >= start,
                _poll.c.opens_at < end,
            )
            .order_by(_poll.c.opens_at, _poll.c.id)
        )
        .all()
    )
    outcomes = []
    for poll_id, status in ids:
        result = tally(session, poll_id)
        outcomes.append(
            PollOutcome(
                question=result.question,
                voters=result.voters,
                closed=status == PollStatus.CLOSED.value,
                kind=result.kind,
                options=result.options,
            )
        )
    return outcomes


def _previous(
    session: Session, wijk_id: int, year: int, tz: ZoneInfo, covered: list[int]
) -> Totals | None:
    """The year before as its own supplement counts it: its observations, and the reactions to
    the statements it covers (`covered`: this year's)."""
    start, end = year_bounds(year - 1, tz)
    conn = session.connection()
    observations = int(
        conn.execute(
            select(func.count()).select_from(_obs).where(_visible(wijk_id, start, end))
        ).scalar_one()
    )
    if not observations:
        return None
    answered = int(
        conn.execute(
            select(func.count())
            .select_from(_obs)
            .where(
                _visible(wijk_id, start, end),
                or_(
                    _obs.c.answered_at.is_not(None),
                    _obs.c.status == ObservationStatus.RESOLVED.value,
                ),
            )
        ).scalar_one()
    )
    before = [e.id for e in _editions(session, wijk_id, year - 1) if e.id is not None]
    shown = _statements(conn, before, quotes=False)
    return Totals(
        observations=observations,
        reactions=sum(s.total for s in shown),
        comments=sum(s.comments for s in shown),
        answered=answered,
        same_statements=sorted(before) == sorted(covered),
    )
