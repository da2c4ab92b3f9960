"""What the spiegel does not know yet: where few people said something, whose voice is missing,
and where figures and voices disagree. For the wijk's coaches; no Telegram here.

- `grid`: per theme and lay question (the four SWOT categories) how many people said something
  in a period: an observation (its theme and category), a "ik ook" to one, a reaction or a
  comment to a statement of the spiegel (the statement's category; its theme when it has one of
  ours, else "no theme"). A recommendation is none of the four questions: reactions ("eens",
  "niet eens") and comments to one count in a column of their own, ADVICE ("Wat raadt de
  wijkcoach aan?"), under the recommendation's theme. People, not messages: one person with ten
  observations is one. Hidden and withdrawn observations do not count. A cell below
  `little_threshold` people (`[spiegel] little_input`, never below SMALL) is marked "we know
  little here"; in the ADVICE column only for the themes the spiegel has advice on
  (`Grid.advice_themes`), since nobody can react to advice that is not there.
- `representation`: the people who took part in the period (bot/people/participation.py:
  also by a vote, which has no place in the grid) and told "Over jou"
  (models/profile.py), per age group and household, beside the wijk's make-up by CBS;
  `under_represented` is the pure comparison. A group CBS leaves empty is unknown, never 0,
  and the others stay shares of the whole wijk (`makeup_from_figures`). Counts are only ever
  shown through `shown`: below 5 it is "fewer than 5" (SMALL), never the number.
- `disagreements`: statements of the current edition with at least
  `[spiegel] disagree_min_reactions` reactions, most of them "herken ik niet"; and groups of
  observations (the digest's grouping) that grew since the previous period of the same length
  while no statement of the spiegel covers them (bot.spiegel.recognised.matching_statement).

Periods are a quarter ("2026-Q4") or a year ("2026") in the configured time zone (`parse_period`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, select
from sqlmodel import Session, col

from bot.core.config import Config
from bot.digest import builder
from bot.digest.periods import Period, local_midnight
from bot.figures.combine import wijk_figures
from bot.grouping.groups import Labels
from bot.people import participation
from bot.spiegel.mirror import current_edition
from bot.spiegel.recognised import RecognisedCache, matching_statement
from models import (
    ItemKind,
    Observation,
    PersonProfile,
    Reaction,
    SpiegelItem,
    Supporter,
    Swot,
    Verdict,
    Wijk,
)
from models.profile import AGE_GROUPS, HOUSEHOLDS, YEARS_IN_WIJK

QUESTIONS: tuple[str, ...] = (
    Swot.STRENGTH.value,
    Swot.WEAKNESS.value,
    Swot.OPPORTUNITY.value,
    Swot.THREAT.value,
)
# Recommendations ("aanbevelingen", the spiegel's advice): a column of the grid beside the four
# questions, for reactions and comments to them.
ADVICE = ItemKind.RECOMMENDATION.value
NO_THEME = ""
# The small-number rule: a count below this is never shown, only "fewer than SMALL".
SMALL = 5
# A group is under-represented when its share among the participants who told "Over jou" is
# below this part of its share in the wijk.
UNDER_RATIO = 0.5

_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


def little_threshold(config: Config) -> int:
    """Below how many people a cell is "we know little here": `[spiegel] little_input`, but never
    below the small-number rule. Every count under SMALL reads "fewer than SMALL", so a lower line
    ("fewer than 3") would tell more than the counts beside it may, and a topic shown as "fewer
    than 5" would be "enough" there."""
    return max(config.spiegel.little_input, SMALL)


# --- periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlindPeriod:
    key: str  # "2026-Q4" or "2026"
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive

    @property
    def previous_start(self) -> datetime:
        """The start of the previous period of the same length."""
        return self.start - (self.end - self.start)


def parse_period(key: str, tz: ZoneInfo) -> BlindPeriod:
    """ "2026-Q4" (a quarter) or "2026" (a year), from local midnight to local midnight."""
    match = _PERIOD.match(key.strip())
    if match is None:
        raise ValueError(f"expected a period like 2026-Q4 or 2026, got {key!r}")
    year = int(match.group(1))
    if not 1970 <= year <= 9998:
        raise ValueError(f"year out of range: {year}")
    if match.group(2) is None:
        first, after = date(year, 1, 1), date(year + 1, 1, 1)
    else:
        quarter = int(match.group(2))
        first = date(year, 3 * quarter - 2, 1)
        after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return BlindPeriod(key.strip(), local_midnight(first, tz), local_midnight(after, tz))


def current_quarter(now: datetime, tz: ZoneInfo) -> BlindPeriod:
    local = now.astimezone(tz)
    return parse_period(f"{local.year}-Q{(local.month - 1) // 3 + 1}", tz)


def previous_quarter(period: BlindPeriod, tz: ZoneInfo) -> BlindPeriod:
    """The quarter before the period begins."""
    return current_quarter(period.start - timedelta(days=1), tz)


# --- the grid ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    theme: str  # a theme slug, or NO_THEME
    question: str  # a Swot value, or ADVICE
    people: int  # distinct people who said something here, whatever way
    observations: int  # of them: people with an observation (or an "ik ook")
    reactions: int  # people with a reaction to a statement (in ADVICE: to a recommendation)
    comments: int  # people with a comment to a statement (in ADVICE: to a recommendation)
    little: bool  # fewer people than little_threshold


@dataclass(frozen=True)
class Grid:
    wijk_id: int
    start: datetime
    end: datetime
    themes: tuple[str, ...]  # the configured themes in their order, then NO_THEME
    threshold: int
    cells: dict[tuple[str, str], Cell]  # (theme, question or ADVICE) -> cell, every combination
    # The themes with advice to react to, in the themes' order: a recommendation of the wijk's
    # current spiegel, or one reacted to or commented on in the period. Empty: no ADVICE column.
    advice_themes: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """The four questions, then ADVICE when there is advice to react to."""
        return (*QUESTIONS, ADVICE) if self.advice_themes else QUESTIONS

    def cell(self, theme: str, question: str) -> Cell:
        return self.cells[(theme, question)]

    def little(self, question: str) -> list[Cell]:
        """The question's (or ADVICE's) cells with little input, in the themes' order."""
        return [self.cells[(t, question)] for t in self.themes if self.cells[(t, question)].little]


# A person is their id; a contribution kept after its author was erased has none and counts as
# one person of its own.
_Someone = tuple[str, int]


def _someone(person_id: int | None, kind: str, row_id: int) -> _Someone:
    return ("p", person_id) if person_id is not None else (kind, row_id)


def _in(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def grid(session: Session, config: Config, wijk_id: int, start: datetime, end: datetime) -> Grid:
    themes = (*(t.slug for t in config.themes), NO_THEME)
    known = set(themes)

    def theme_of(raw: str | None) -> str:
        return raw if raw in known and raw else NO_THEME

    said: dict[tuple[str, str], dict[str, set[_Someone]]] = {
        (t, q): {"observations": set(), "reactions": set(), "comments": set()}
        for t in themes
        for q in (*QUESTIONS, ADVICE)
    }
    visible = and_(
        col(Observation.wijk_id) == wijk_id,
        col(Observation.status).in_(builder.VISIBLE),
    )
    # Who, per category and theme, distinct in SQL; a row kept after its author was erased is
    # its own person (its negated id, "o" for an observation, "s" for an "ik ook").
    seen = func.coalesce(col(Observation.person_id), -col(Observation.id))
    for swot, theme, someone in session.execute(
        select(col(Observation.swot), col(Observation.theme), seen)
        .where(visible, _in(col(Observation.created_at), start, end))
        .distinct()
    ):
        if swot in QUESTIONS:
            said[(theme_of(theme), swot)]["observations"].add(
                ("p", someone) if someone > 0 else ("o", -someone)
            )
    # "Ik ook" to an observation of the wijk that is still shown: said about its theme too.
    backed = func.coalesce(col(Supporter.person_id), -col(Supporter.id))
    for swot, theme, someone in session.execute(
        select(col(Observation.swot), col(Observation.theme), backed)
        .join(Observation, col(Observation.id) == col(Supporter.observation_id))
        .where(visible, _in(col(Supporter.created_at), start, end))
        .distinct()
    ):
        if swot in QUESTIONS:
            said[(theme_of(theme), swot)]["observations"].add(
                ("p", someone) if someone > 0 else ("s", -someone)
            )
    # Reactions and comments: who, per statement kind and theme, counted distinct in SQL (a
    # reaction kept after its author was erased is its own person: its negated id). To a
    # recommendation: in the ADVICE column.
    who = func.coalesce(col(Reaction.person_id), -col(Reaction.id))
    for kind_of_said, when in (
        (
            "reactions",
            and_(col(Reaction.verdict).is_not(None), _in(col(Reaction.updated_at), start, end)),
        ),
        (
            "comments",
            and_(
                col(Reaction.comment).is_not(None),
                col(Reaction.comment) != "",
                _in(col(Reaction.commented_at), start, end),
            ),
        ),
    ):
        for kind, theme, someone in session.execute(
            select(col(SpiegelItem.kind), col(SpiegelItem.theme), who)
            .join(SpiegelItem, col(SpiegelItem.id) == col(Reaction.item_id))
            .where(col(Reaction.wijk_id) == wijk_id, when)
            .distinct()
        ):
            if kind not in (*QUESTIONS, ADVICE):
                continue
            said[(theme_of(theme), kind)][kind_of_said].add(
                ("p", someone) if someone > 0 else ("r", -someone)
            )
    advised = {theme_of(t) for t in _advice_themes(session, wijk_id)}
    advised |= {t for t in themes if any(said[(t, ADVICE)].values())}
    threshold = little_threshold(config)
    cells = {}
    for key, kinds in said.items():
        people = len(kinds["observations"] | kinds["reactions"] | kinds["comments"])
        cells[key] = Cell(
            key[0],
            key[1],
            people,
            len(kinds["observations"]),
            len(kinds["reactions"]),
            len(kinds["comments"]),
            people < threshold and (key[1] != ADVICE or key[0] in advised),
        )
    advice_themes = tuple(t for t in themes if t in advised)
    return Grid(wijk_id, start, end, themes, threshold, cells, advice_themes)


def _advice_themes(session: Session, wijk_id: int) -> set[str | None]:
    """The themes of the recommendations in the wijk's current spiegel (None: no theme)."""
    edition = current_edition(session, wijk_id)
    if edition is None:
        return set()
    rows = session.execute(
        select(col(SpiegelItem.theme))
        .where(
            col(SpiegelItem.edition_id) == edition.id,
            col(SpiegelItem.kind) == ADVICE,
            col(SpiegelItem.retired).is_(False),
        )
        .distinct()
    )
    return {theme for (theme,) in rows}


# --- whose voice is missing ----------------------------------------------------------------------


def shown(count: int) -> int | None:
    """The small-number rule: a count as it may be shown, None for "fewer than 5"."""
    return count if count >= SMALL else None


@dataclass(frozen=True)
class GroupShare:
    dimension: str  # "age", "household" or "years" (years in the wijk: no CBS make-up)
    group: str  # models.profile AGE_GROUPS, HOUSEHOLDS or YEARS_IN_WIJK
    people: int  # participants in this group (never shown below SMALL: see `shown`)
    share: float  # their share among the participants who answered this question
    wijk_share: float | None  # the group's share in the wijk (CBS), None when unknown
    under: bool  # under-represented


@dataclass(frozen=True)
class Representation:
    participants: int  # people who took part in the period
    answered: int  # of them: who told "Over jou" (at least one answer)
    groups: list[GroupShare] = field(default_factory=list)
    makeup_known: bool = False  # CBS gave the wijk's make-up (in part, at least)

    @property
    def makeup_partial(self) -> bool:
        """Some age or household group's share in the wijk is unknown, though CBS gave others:
        its line says so, and "every group is heard enough" cannot be said."""
        return self.makeup_known and any(
            g.wijk_share is None for g in self.groups if g.dimension in ("age", "household")
        )

    @property
    def age_known(self) -> bool:
        """The wijk's age make-up is there (shares of its inhabitants of 15 and older)."""
        return any(g.wijk_share is not None for g in self.groups if g.dimension == "age")


def under_represented(
    counts: Mapping[str, int], makeup: Mapping[str, float | None], *, ratio: float = UNDER_RATIO
) -> dict[str, bool]:
    """Per group: whether its share of `counts` is below `ratio` times its share in `makeup`
    (group -> share of the wijk, None when CBS does not say). A group the wijk has none of, or
    whose share is unknown, never is."""
    total = sum(counts.values())
    result = {}
    for group, wijk_share in makeup.items():
        share = counts.get(group, 0) / total if total else 0.0
        result[group] = wijk_share is not None and wijk_share > 0 and share < ratio * wijk_share
    return result


# CBS measures (table cbs_figure) per group; the age shares are of the inhabitants of 15 and
# older (younger ones do not take part), the household shares of all households.
AGE_MEASURES = {
    "u25": ("age_15_24",),
    "25_44": ("age_25_44",),
    "45_64": ("age_45_64",),
    "65plus": ("age_65_plus",),
}
HOUSEHOLD_MEASURES = {
    "alone": ("households_single",),
    "together": ("households_without_children",),
    "with_children": ("households_with_children",),
}
CBS_TABLE = "cbs_figure"

# A dimension's share of the wijk: of what CBS counts as its whole (minus what it leaves out).
_WHOLES = {
    "age": ("inhabitants", ("age_0_14",)),  # the inhabitants of 15 and older
    "household": ("households", ()),
}


def makeup_from_figures(figures: Mapping[str, float]) -> dict[str, dict[str, float | None]]:
    """{"age": {group: share}, "household": {group: share}} from CBS measures (summed over the
    wijk's codes). A group CBS leaves empty (too few people, not counted yet) has share None:
    unknown, never 0. The shares are of the whole (the inhabitants of 15 and older, all
    households): of the groups' sum when CBS gives every group, else of CBS's own total, so a
    group is never a share of only the groups that happen to be known. A dimension with no
    whole to take a share of, or no group known, is left out."""
    result: dict[str, dict[str, float | None]] = {}
    for dimension, measures in (("age", AGE_MEASURES), ("household", HOUSEHOLD_MEASURES)):
        values: dict[str, float | None] = {}
        for group, names in measures.items():
            found = [figures.get(m) for m in names]
            values[group] = None if any(v is None for v in found) else sum(v or 0.0 for v in found)
        known = [v for v in values.values() if v is not None]
        whole = _whole(figures, dimension) if len(known) < len(values) else sum(known)
        if not known or whole is None or whole <= 0:
            continue
        result[dimension] = {g: (v / whole if v is not None else None) for g, v in values.items()}
    return result


def _whole(figures: Mapping[str, float], dimension: str) -> float | None:
    total, without = _WHOLES[dimension]
    parts = [figures.get(total), *(figures.get(m) for m in without)]
    if any(v is None for v in parts):
        return None
    return (parts[0] or 0.0) - sum(v or 0.0 for v in parts[1:])


def wijk_makeup(session: Session, config: Config, wijk_slug: str) -> dict[str, float]:
    """The spiegel wijk's CBS counts per measure, combined over its CBS areas as the figures
    shown to residents are (bot.figures.combine: buurten instead of their wijk, each measure
    from its newest edition); empty when nothing is stored or the wijk has no CBS mapping."""
    figures = wijk_figures(session, config, wijk_slug)
    if figures is None:
        return {}
    return {m: f.value for m, f in figures.measures.items() if f.value is not None}


def representation(
    session: Session,
    wijk_id: int,
    start: datetime,
    end: datetime,
    makeup: Mapping[str, Mapping[str, float | None]],
) -> Representation:
    """Who took part in the period (bot/people/participation.py), by what they told "Over
    jou", beside the wijk's `makeup` ({"age": {group: share}, "household": {...}}; empty:
    unknown)."""
    (people,) = participation.in_periods(session, wijk_id, (start, end))
    profiles: list[tuple[str | None, str | None, str | None]] = []
    ids = sorted(people)
    for i in range(0, len(ids), 500):
        profiles.extend(
            session.execute(
                select(
                    col(PersonProfile.age_group),
                    col(PersonProfile.household),
                    col(PersonProfile.years_in_wijk),
                ).where(col(PersonProfile.person_id).in_(ids[i : i + 500]))
            ).all()
        )
    answered = sum(1 for row in profiles if any(v is not None for v in row))
    groups: list[GroupShare] = []
    for dimension, names, index in (
        ("age", AGE_GROUPS, 0),
        ("household", HOUSEHOLDS, 1),
        ("years", YEARS_IN_WIJK, 2),
    ):
        counts: Counter[str] = Counter(str(row[index]) for row in profiles if row[index] in names)
        total = sum(counts.values())
        wijk = makeup.get(dimension, {})
        under = under_represented(counts, wijk) if wijk and total else {}
        for group in names:
            groups.append(
                GroupShare(
                    dimension,
                    group,
                    counts[group],
                    counts[group] / total if total else 0.0,
                    wijk.get(group) if wijk else None,
                    under.get(group, False),
                )
            )
    return Representation(len(people), answered, groups, bool(makeup))


# --- where figures and voices disagree -----------------------------------------------------------


@dataclass(frozen=True)
class Contested:
    item_id: int
    text: str
    reactions: int
    not_recognised: int  # on a recommendation: "niet eens", its own words for the same verdict
    recommendation: bool = False


@dataclass(frozen=True)
class Uncovered:
    swot: str
    label: str  # Dutch; in the reader's language through label_in with `labels`
    count: int
    previous: int
    example: str  # the text of the group's representative observation
    labels: Labels = ()  # bot.grouping.groups.Group.labels


@dataclass(frozen=True)
class Disagreements:
    contested: list[Contested]
    uncovered: list[Uncovered]
    minimum: int = 10  # `[spiegel] disagree_min_reactions`: the page says the rule in words


def is_contested(config: Config, reactions: int, not_recognised: int) -> bool:
    """Whether a statement counts as contested: at least `[spiegel] disagree_min_reactions`
    reactions with a verdict, more than half of them "herken ik niet". The one rule, so the
    coach's "Wat weten we nog niet?" and the year's supplement name the same statements."""
    return _contested(reactions, not_recognised, config.spiegel.disagree_min_reactions)


def intro_suffix(recommendations: Iterable[bool]) -> str:
    """The catalogue key's ending for the rule above a list of contested statements, each True
    for a recommendation: a statement has "herken ik niet", a recommendation "niet eens"."""
    kinds = set(recommendations)
    if True not in kinds:
        return ""
    return "_both" if False in kinds else "_advice"


def _contested(reactions: int, not_recognised: int, minimum: int) -> bool:
    return reactions >= minimum and 2 * not_recognised > reactions


def contested_statements(session: Session, wijk_id: int, minimum: int) -> list[Contested]:
    """Statements of the wijk's current edition with at least `minimum` reactions (with a
    verdict), more than half of them "herken ik niet"; most reactions first."""
    edition = current_edition(session, wijk_id)
    if edition is None:
        return []
    item = (col(SpiegelItem.id), col(SpiegelItem.kind), col(SpiegelItem.text))
    rows = session.execute(
        select(*item, col(Reaction.verdict), func.count())
        .join(Reaction, col(Reaction.item_id) == col(SpiegelItem.id))
        .where(
            col(SpiegelItem.edition_id) == edition.id,
            col(SpiegelItem.retired).is_(False),
            col(Reaction.verdict).is_not(None),
        )
        .group_by(*item, col(Reaction.verdict))
    ).all()
    texts: dict[int, str] = {}
    advice: set[int] = set()
    totals: Counter[int] = Counter()
    against: Counter[int] = Counter()
    for item_id, kind, item_text, verdict, count in rows:
        texts[item_id] = item_text
        if kind == ItemKind.RECOMMENDATION.value:
            advice.add(item_id)
        totals[item_id] += int(count)
        if verdict == Verdict.NOT_RECOGNISE.value:
            against[item_id] += int(count)
    found = [
        Contested(i, texts[i], totals[i], against[i], i in advice)
        for i in totals
        if _contested(totals[i], against[i], minimum)
    ]
    return sorted(found, key=lambda c: (-c.reactions, c.item_id))


def uncovered_growth(
    session: Session,
    config: Config,
    wijk: Wijk,
    period: BlindPeriod,
    now: datetime,
    *,
    cache: RecognisedCache | None = None,
) -> list[Uncovered]:
    """The digest's groups of observations that grew since the previous period of the same
    length and that no statement of the wijk's current spiegel covers."""
    assert wijk.id is not None
    digest_period = Period(period.key, period.start, period.end, period.previous_start)
    vocabulary = builder.vocabulary_for(config.digest.vocabulary)
    cache = cache or RecognisedCache()
    found = []
    for group in builder.growing(session, config, wijk, digest_period):
        example = group.representative
        covered = matching_statement(
            session, wijk.id, example.text, group.swot, vocabulary, cache=cache
        )
        if covered is None:
            found.append(
                Uncovered(
                    group.swot,
                    group.label,
                    group.count,
                    group.previous,
                    example.text,
                    group.labels,
                )
            )
    return found


def disagreements(
    session: Session,
    config: Config,
    wijk: Wijk,
    period: BlindPeriod,
    now: datetime,
    *,
    cache: RecognisedCache | None = None,
) -> Disagreements:
    assert wijk.id is not None
    minimum = config.spiegel.disagree_min_reactions
    return Disagreements(
        contested_statements(session, wijk.id, minimum),
        uncovered_growth(session, config, wijk, period, now, cache=cache),
        minimum,
    )


# --- everything for the coach ------------------------------------------------------------------


@dataclass(frozen=True)
class BlindSpots:
    wijk: Wijk
    period: BlindPeriod
    grid: Grid
    representation: Representation
    disagreements: Disagreements


def blind_spots(
    session: Session,
    config: Config,
    wijk: Wijk,
    period: BlindPeriod,
    now: datetime,
    *,
    cache: RecognisedCache | None = None,
) -> BlindSpots:
    assert wijk.id is not None
    makeup = makeup_from_figures(wijk_makeup(session, config, wijk.slug))
    return BlindSpots(
        wijk,
        period,
        grid(session, config, wijk.id, period.start, period.end),
        representation(session, wijk.id, period.start, period.end, makeup),
        disagreements(session, config, wijk, period, now, cache=cache),
    )
