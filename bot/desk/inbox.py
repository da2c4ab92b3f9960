"""The desk's inbox: the observations of the coach's wijken, newest first, filtered and counted.

`InboxFilter` is what the coach chose (wijk, period, question, theme, status, group, partner or
resident, with photo, with location, a text search, the page); it is read from and written to a
query string, so a view can be bookmarked, and anything a URL may carry is read without an error
(unknown values are dropped, numbers clamped). `inbox_page` returns one page of rows, the total,
and the counts per filter value, each computed with the *other* filters applied (as shops do:
"Wat kan beter? (12)" says how many the coach gets when they pick it now).

Only the wijken the coach may handle (Action.HANDLE_OBSERVATIONS, `coach.handled_wijken`) are
ever read; a wijk id in the URL outside them is ignored. What the sender withdrew is never shown.

How it stays fast over 200,000 stored observations (bench/desk.py): three statements.
1. The counts: one GROUP BY over the facet columns (wijk, question, theme, status, partner,
   photo, location) of the rows that pass the filters no count is shown for (the coach's
   wijken, the period, the text search, the group); each facet's counts and the total are
   folded from those few hundred rows in Python. So the text search runs over the rows once.
2. The top groups: one GROUP BY grouping_matter with all other filters.
3. The page: the 50 rows with the sender's pseudonym or shared name and the supporters' count,
   read only when the page has any.
With a text search the texts are read once: on PostgreSQL through a trigram index (migration
0014) into a materialized set, from which one statement returns the counts (GROUPING SETS) and
the page's ids; on SQLite the rows some count needs come back and are counted here.
The text search is a case-insensitive substring (PostgreSQL ILIKE; SQLite LIKE, which ignores
case for ASCII letters only, as lower() there does), with % and _ in the query taken literally;
a melding's number ("M-12", "m12") finds that melding too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from bot.core.clock import as_utc, utcnow
from bot.core.text import clean_input
from bot.observations.coach import handled_wijken
from bot.people.permissions import Actor
from models import ObservationStatus, Swot
from models.base import MAX_ID
from models.observation import Observation
from models.person import Person
from models.supporter import Supporter
from models.wijk import Wijk

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000
MAX_DAYS = 3660
PRESET_DAYS = (7, 30, 90)
MAX_QUERY = 100
MAX_GROUP_KEY = 400
EXCERPT_CHARS = 160
TOP_GROUPS = 10
NO_THEME = "-"  # the theme filter's value for "no theme chosen"
_FIRST_DAY = date(2000, 1, 1)
_LAST_DAY = date(2999, 12, 31)
_THEME_SLUG = re.compile(r"[a-z][a-z0-9_]{0,39}")
# A whole number as a URL carries it: one optional minus, ASCII digits ("--5" and "²" are not).
_INTEGER = re.compile(r"-?[0-9]{1,30}")
# A melding's number as a coach types it in the search: "M-12", "m12", "M 12".
_REFERENCE = re.compile(r"[mM]\s*-?\s*([0-9]{1,20})")

SWOTS: tuple[str, ...] = tuple(s.value for s in Swot)
# The coach's statuses in the order the desk lists them; whatever the enum adds (or still has,
# such as "answered" before the workflow's migration) comes after them. Withdrawn is never shown.
_WORKFLOW_STATUSES = ("new", "read", "in_progress", "referred", "resolved", "duplicate", "hidden")
WITHDRAWN = ObservationStatus.WITHDRAWN.value
STATUSES: tuple[str, ...] = _WORKFLOW_STATUSES + tuple(
    s.value for s in ObservationStatus if s.value not in _WORKFLOW_STATUSES and s != WITHDRAWN
)


class AuthorKind(StrEnum):
    """Who wrote it: a partner (author_role "partner") or a resident (everyone else: residents,
    BIG members, coaches writing as a neighbour)."""

    PARTNER = "partner"
    RESIDENT = "resident"


@dataclass(frozen=True)
class InboxFilter:
    wijken: tuple[int, ...] = ()  # empty: every wijk the coach handles
    days: int | None = None  # the last N days up to today (wins over date_from/date_to)
    date_from: date | None = None  # Europe/Amsterdam days, both included
    date_to: date | None = None
    swot: tuple[str, ...] = ()
    theme: tuple[str, ...] = ()  # theme slugs; NO_THEME for observations without one
    status: tuple[str, ...] = ()
    group: str | None = None  # Observation.grouping_matter
    author: AuthorKind | None = None
    has_photo: bool | None = None
    has_location: bool | None = None
    q: str = ""
    page: int = 1  # from 1
    page_size: int = PAGE_SIZE
    # The query's "from" was later than its "to": they were swapped (the page says so). Not
    # part of the filter itself: not in its query string, not compared.
    dates_swapped: bool = field(default=False, compare=False)

    @classmethod
    def from_query(
        cls, query: Mapping[str, Any], *, themes: Iterable[str] | None = None
    ) -> InboxFilter:
        """The filter a query string describes. Never raises: anything unknown or malformed is
        left out, numbers are clamped. `query`: a mapping of names to a string or a list of
        strings, or one with `getlist` (Starlette's QueryParams, a MultiDict); repeated names and
        comma-separated values both work. `themes`: the configured theme slugs (others dropped);
        None accepts any well-formed slug."""
        known_themes = None if themes is None else set(themes) | {NO_THEME}

        def values(name: str) -> list[str]:
            try:
                if hasattr(query, "getlist"):
                    raw: Any = query.getlist(name)
                else:
                    raw = query.get(name)
            except Exception:  # a strange mapping: as if the name were absent
                return []
            if raw is None:
                return []
            if isinstance(raw, str | bytes | int):
                raw = [raw]
            out: list[str] = []
            try:
                for item in raw:
                    text = item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
                    out.extend(p.strip() for p in text.split(",") if p.strip())
            except TypeError:
                return []
            return out[:50]

        def one(name: str) -> str | None:
            found = values(name)
            return found[0] if found else None

        def theme_ok(slug: str) -> bool:
            if known_themes is not None:
                return slug in known_themes
            return slug == NO_THEME or bool(_THEME_SLUG.fullmatch(slug))

        wijken = _unique(w for w in (_int(v, 1, MAX_ID) for v in values("wijk")) if w)
        days = _int(one("days"), 1, MAX_DAYS)
        date_from, date_to = _day(one("from")), _day(one("to"))
        swapped = bool(date_from and date_to and date_from > date_to and not days)
        if swapped:
            date_from, date_to = date_to, date_from
        author_raw = one("author")
        group = clean_input(_whole(query, "group"), multiline=False)[:MAX_GROUP_KEY]
        q = clean_input(_whole(query, "q"), multiline=False)
        return cls(
            wijken=tuple(sorted(wijken)),
            days=days,
            date_from=None if days else date_from,
            date_to=None if days else date_to,
            swot=_unique(v for v in values("swot") if v in SWOTS),
            theme=_unique(v for v in values("theme") if theme_ok(v)),
            status=_unique(v for v in values("status") if v in STATUSES),
            group=group or None,
            author=_author_kind(author_raw),
            has_photo=_yes_no(one("photo")),
            has_location=_yes_no(one("location")),
            q=q[:MAX_QUERY].strip(),
            page=_int(one("page"), 1, MAX_PAGE) or 1,
            page_size=_int(one("size"), 1, MAX_PAGE_SIZE) or PAGE_SIZE,
            dates_swapped=swapped,
        )

    @property
    def active_count(self) -> int:
        """How many of the filter's choices are on (the period counts once; page and size not)."""
        period = bool(self.days or self.date_from or self.date_to)
        chosen = (self.wijken, period, self.swot, self.theme, self.status, self.group, self.q)
        flags = (self.author, self.has_photo, self.has_location)
        return sum(1 for c in chosen if c) + sum(1 for f in flags if f is not None)

    def to_query(self) -> str:
        """The query string (without "?") that `from_query` reads back as this filter."""
        pairs: list[tuple[str, str]] = []
        if self.wijken:
            pairs.append(("wijk", ",".join(str(w) for w in self.wijken)))
        if self.days:
            pairs.append(("days", str(self.days)))
        else:
            if self.date_from:
                pairs.append(("from", self.date_from.isoformat()))
            if self.date_to:
                pairs.append(("to", self.date_to.isoformat()))
        for name, chosen in (("swot", self.swot), ("theme", self.theme), ("status", self.status)):
            if chosen:
                pairs.append((name, ",".join(chosen)))
        if self.group:
            pairs.append(("group", self.group))
        if self.author:
            pairs.append(("author", self.author.value))
        if self.has_photo is not None:
            pairs.append(("photo", "1" if self.has_photo else "0"))
        if self.has_location is not None:
            pairs.append(("location", "1" if self.has_location else "0"))
        if self.q:
            pairs.append(("q", self.q))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        if self.page_size != PAGE_SIZE:
            pairs.append(("size", str(self.page_size)))
        return urlencode(pairs)

    def with_(self, **changes: Any) -> InboxFilter:
        """This filter with some fields changed and back on page 1 (a link beside a count)."""
        changes.setdefault("page", 1)
        changes.setdefault("dates_swapped", False)
        return replace(self, **changes)

    def bounds(self, now: datetime, tz: ZoneInfo = AMSTERDAM) -> tuple[datetime | None, ...]:
        """The period as aware UTC bounds [start, end): local midnights in `tz`."""
        if self.days:
            today = now.astimezone(tz).date()
            return _midnight(today - timedelta(days=self.days - 1), tz), None
        start = _midnight(self.date_from, tz) if self.date_from else None
        end = _midnight(self.date_to + timedelta(days=1), tz) if self.date_to else None
        return start, end


def _whole(query: Mapping[str, Any], name: str) -> str:
    """A value as typed: commas in it are part of it (not a list); repeated, the first."""
    try:
        raw = query.getlist(name) if hasattr(query, "getlist") else query.get(name)
    except Exception:
        return ""
    if isinstance(raw, list | tuple):
        raw = raw[0] if raw else ""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    return raw if isinstance(raw, str) else ""


def _int(raw: str | None, low: int, high: int) -> int | None:
    if raw is None or not _INTEGER.fullmatch(raw):
        return None
    return min(max(int(raw), low), high)


def _day(raw: str | None) -> date | None:
    if raw is None or len(raw) != 10:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return min(max(day, _FIRST_DAY), _LAST_DAY)


def _author_kind(raw: str | None) -> AuthorKind | None:
    return AuthorKind(raw) if raw in {k.value for k in AuthorKind} and raw else None


def _yes_no(raw: str | None) -> bool | None:
    if raw is None:
        return None
    lowered = raw.lower()
    if lowered in {"1", "yes", "ja", "true"}:
        return True
    if lowered in {"0", "no", "nee", "false"}:
        return False
    return None


def _unique(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(items))


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    id: int
    reference: str  # M-123
    wijk_id: int
    wijk_name: str
    created_at: datetime  # aware UTC
    swot: str
    theme: str | None
    status: str
    excerpt: str  # the first EXCERPT_CHARS characters (… when cut)
    has_photo: bool
    has_location: bool
    author: str | None  # the shared name or the pseudonym; None: the sender erased their data
    author_kind: AuthorKind
    urgent_kind: str | None
    supporters: int  # "ik ook"
    # The role it was sent in (models.Role value): beside the name when not "resident", as the
    # chat's list and the card show it ("Pieter (partner)").
    author_role: str = "resident"
    sender_id: int | None = None  # the sender's person id (None: erased)
    own: bool = False  # the coach looking sent it (coach.is_own): "Van: jou"


@dataclass(frozen=True)
class GroupCount:
    key: str  # grouping_matter
    count: int
    sample: str  # the excerpt of its last stored observation (a label for the group)


@dataclass(frozen=True)
class Facets:
    """Per filter value: how many rows there are with the other filters applied."""

    wijk: dict[int, int] = field(default_factory=dict)
    swot: dict[str, int] = field(default_factory=dict)
    theme: dict[str, int] = field(default_factory=dict)  # NO_THEME for none
    status: dict[str, int] = field(default_factory=dict)
    author: dict[AuthorKind, int] = field(default_factory=dict)
    has_photo: dict[bool, int] = field(default_factory=dict)
    has_location: dict[bool, int] = field(default_factory=dict)
    groups: list[GroupCount] = field(default_factory=list)  # the largest, most first


@dataclass(frozen=True)
class InboxPage:
    filter: InboxFilter  # as applied: page clamped to the pages there are
    rows: list[InboxRow]
    total: int
    pages: int
    wijken: tuple[int, ...]  # the wijken the coach handles (the wijk facet's choices)
    counts: Facets

    @property
    def page(self) -> int:
        return self.filter.page


# --- the queries -------------------------------------------------------------------------------

_O = Observation.__table__  # type: ignore[attr-defined]
_P = Person.__table__  # type: ignore[attr-defined]
_W = Wijk.__table__  # type: ignore[attr-defined]
_S = Supporter.__table__  # type: ignore[attr-defined]

_FACETS = ("wijk", "swot", "theme", "status", "author", "has_photo", "has_location")


def like_pattern(q: str) -> str:
    """`q` as a LIKE pattern matching it anywhere, its \\, % and _ taken literally."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def reference_id(q: str) -> int | None:
    """The id of the melding whose number `q` is ("M-12", "m12": 12), or None."""
    found = _REFERENCE.fullmatch(q.strip())
    if found is None:
        return None
    value = int(found.group(1))
    return value if 1 <= value <= MAX_ID else None


def text_matches(q: str, dialect: str) -> ColumnElement[bool]:
    """The search: the text holds `q`; a melding's number ("M-12") also finds that melding."""
    if dialect == "postgresql":
        found = _O.c.text.ilike(like_pattern(q), escape="\\")
    else:
        # SQLite's LIKE ignores ASCII case already; ilike would wrap both sides in lower().
        found = _O.c.text.like(like_pattern(q), escape="\\")
    number = reference_id(q)
    return found if number is None else or_(_O.c.id == number, found)


def scope_conditions(
    flt: InboxFilter, wijken: Iterable[int], dialect: str, now: datetime, tz: ZoneInfo
) -> list[ColumnElement[bool]]:
    """What every count shares: the coach's wijken, not withdrawn, the period, the search,
    the group."""
    where: list[ColumnElement[bool]] = [
        _O.c.wijk_id.in_(sorted(wijken)),
        _O.c.status != WITHDRAWN,
    ]
    start, end = flt.bounds(now, tz)
    if start is not None:
        where.append(_O.c.created_at >= start)
    if end is not None:
        where.append(_O.c.created_at < end)
    if flt.q:
        where.append(text_matches(flt.q, dialect))
    if flt.group:
        where.append(_O.c.grouping_matter == flt.group)
    return where


def facet_conditions(flt: InboxFilter) -> dict[str, ColumnElement[bool]]:
    """The filters that have counts, by facet (only those the coach set)."""
    found: dict[str, ColumnElement[bool]] = {}
    if flt.wijken:
        found["wijk"] = _O.c.wijk_id.in_(flt.wijken)
    if flt.swot:
        found["swot"] = _O.c.swot.in_(flt.swot)
    if flt.theme:
        named = [t for t in flt.theme if t != NO_THEME]
        options: list[ColumnElement[bool]] = [_O.c.theme.in_(named)] if named else []
        if NO_THEME in flt.theme:
            options.append(_O.c.theme.is_(None))
        found["theme"] = or_(*options)
    if flt.status:
        found["status"] = _O.c.status.in_(flt.status)
    if flt.author is AuthorKind.PARTNER:
        found["author"] = _O.c.author_role == "partner"
    elif flt.author is AuthorKind.RESIDENT:
        found["author"] = _O.c.author_role != "partner"
    if flt.has_photo is not None:
        photo = _O.c.photo_file_id
        found["has_photo"] = photo.is_not(None) if flt.has_photo else photo.is_(None)
    if flt.has_location is not None:
        lat = _O.c.latitude
        found["has_location"] = lat.is_not(None) if flt.has_location else lat.is_(None)
    return found


def _facet_value_matches(flt: InboxFilter, name: str, value: Any) -> bool:
    if name == "wijk":
        return not flt.wijken or value in flt.wijken
    if name == "swot":
        return not flt.swot or value in flt.swot
    if name == "theme":
        return not flt.theme or value in flt.theme
    if name == "status":
        return not flt.status or value in flt.status
    if name == "author":
        return flt.author is None or value is flt.author
    if name == "has_photo":
        return flt.has_photo is None or value is flt.has_photo
    return flt.has_location is None or value is flt.has_location


def _flags() -> tuple[ColumnElement[int], ColumnElement[int], ColumnElement[int]]:
    """The 0/1 columns of a row's sender being a partner, its photo and its location."""
    return (
        case((_O.c.author_role == "partner", literal(1)), else_=literal(0)),
        case((_O.c.photo_file_id.is_not(None), literal(1)), else_=literal(0)),
        case((_O.c.latitude.is_not(None), literal(1)), else_=literal(0)),
    )


def _cube(session: Session, where: list[ColumnElement[bool]]) -> list[tuple[Any, ...]]:
    partner, photo, located = _flags()
    columns = (_O.c.wijk_id, _O.c.swot, _O.c.theme, _O.c.status, partner, photo, located)
    statement = select(*columns, func.count()).where(*where).group_by(*columns)
    return [tuple(r) for r in session.connection().execute(statement)]


def _facet_values(
    wijk_id: int, swot: Any, theme: Any, status: Any, partner: Any, photo: Any, located: Any
) -> tuple[Any, ...]:
    """A row's value for each of _FACETS, in their order, from its wijk, SWOT, theme and status
    columns and the 0/1 of its sender being a partner, its photo and its location."""
    return (
        wijk_id,
        swot,
        theme if theme is not None else NO_THEME,
        status,
        AuthorKind.PARTNER if partner else AuthorKind.RESIDENT,
        bool(photo),
        bool(located),
    )


def _fold(flt: InboxFilter, cube: list[tuple[Any, ...]]) -> tuple[dict[str, dict[Any, int]], int]:
    """Each facet's counts with the other filters applied, and the total with all of them."""
    counts: dict[str, dict[Any, int]] = {name: {} for name in _FACETS}
    total = 0
    for *columns, n in cube:
        values = _facet_values(*columns)
        ok = [_facet_value_matches(flt, name, v) for name, v in zip(_FACETS, values, strict=True)]
        failing = ok.count(False)
        if failing == 0:
            total += n
        if failing > 1:
            continue
        for i, name in enumerate(_FACETS):
            if failing == 0 or not ok[i]:  # every other facet's filter passes
                bucket = counts[name]
                bucket[values[i]] = bucket.get(values[i], 0) + n
    return counts, total


def _top_groups(
    session: Session, flt: InboxFilter, where: list[ColumnElement[bool]]
) -> list[GroupCount]:
    matter = _O.c.grouping_matter
    statement: Select[Any] = (
        select(matter, func.count(), func.max(_O.c.id))
        .where(*where, matter.is_not(None))
        .group_by(matter)
        .order_by(func.count().desc(), matter)
        .limit(TOP_GROUPS)
    )
    connection = session.connection()
    found = [tuple(r) for r in connection.execute(statement)]
    if flt.group and all(key != flt.group for key, _, _ in found):
        chosen = connection.execute(
            select(matter, func.count(), func.max(_O.c.id))
            .where(*where, matter == flt.group)
            .group_by(matter)
        ).first()
        if chosen is not None and chosen[1]:
            found.append(tuple(chosen))
    return _group_counts(session, [(k, int(n), int(i)) for k, n, i in found])


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


def rows_statement(*columns: Any) -> Select[Any]:
    """Observations newest first: `columns` (of the observation and its wijk), then what names
    the sender (share_name, display_name, pseudonym, author_role), the urgent kind and the
    supporters' count."""
    supporters = (
        select(func.count()).select_from(_S).where(_S.c.observation_id == _O.c.id).scalar_subquery()
    )
    return (
        select(
            *columns,
            _O.c.share_name,
            _P.c.display_name,
            _P.c.pseudonym,
            _O.c.author_role,
            _O.c.urgent_kind,
            supporters,
        )
        .select_from(_O.join(_W, _W.c.id == _O.c.wijk_id).outerjoin(_P, _P.c.id == _O.c.person_id))
        .order_by(_O.c.created_at.desc(), _O.c.id.desc())
    )


def page_statement(where: list[ColumnElement[bool]], limit: int, offset: int) -> Select[Any]:
    """The page's rows with the sender and the supporters' count, newest first."""
    return (
        rows_statement(
            _O.c.id,
            _O.c.wijk_id,
            _W.c.name,
            _O.c.created_at,
            _O.c.swot,
            _O.c.theme,
            _O.c.status,
            func.substr(_O.c.text, 1, EXCERPT_CHARS + 1),
            _O.c.photo_file_id.is_not(None),
            and_(_O.c.latitude.is_not(None), _O.c.longitude.is_not(None)),
            _O.c.person_id,
        )
        .where(*where)
        .limit(limit)
        .offset(offset)
    )


def author_label(share_name: bool, display_name: str | None, pseudonym: str | None) -> str | None:
    """As the chat shows the sender to a coach (coach.author_label): the name only when they
    chose to share it, else the pseudonym; None when they erased their data."""
    if pseudonym is None:
        return None
    if share_name and display_name:
        return display_name
    return pseudonym


def _row(r: Any) -> InboxRow:
    (oid, wijk_id, wijk_name, created, swot, theme, status, text, photo, located, sender) = r[:11]
    share_name, display_name, pseudonym, role, urgent, supporters = r[11:]
    return InboxRow(
        id=oid,
        reference=f"M-{oid}",
        wijk_id=wijk_id,
        wijk_name=wijk_name,
        created_at=as_utc(created),
        swot=swot,
        theme=theme,
        status=status,
        excerpt=_excerpt(text or ""),
        has_photo=bool(photo),
        has_location=bool(located),
        author=author_label(bool(share_name), display_name, pseudonym),
        author_kind=AuthorKind.PARTNER if role == "partner" else AuthorKind.RESIDENT,
        author_role=role,
        urgent_kind=urgent,
        supporters=int(supporters or 0),
        sender_id=sender,
    )


def allowed_wijken(actor: Actor | None, flt: InboxFilter) -> tuple[tuple[int, ...], InboxFilter]:
    """The wijken the actor handles, and the filter with its wijk choice cut to them."""
    handled = tuple(handled_wijken(actor))
    chosen = tuple(w for w in flt.wijken if w in handled)
    return handled, flt if chosen == flt.wijken else replace(flt, wijken=chosen)


def inbox_page(
    session: Session,
    actor: Actor | None,
    flt: InboxFilter,
    *,
    now: datetime | None = None,
    tz: ZoneInfo = AMSTERDAM,
) -> InboxPage:
    """One page of the inbox for this coach. `now` (from the project's clock: services.clock.now())
    places "the last N days"; `tz` makes the days local (config.general.tz)."""
    now = now or utcnow()
    handled, flt = allowed_wijken(actor, flt)
    if not handled:
        return InboxPage(replace(flt, page=1), [], 0, 1, (), Facets())
    dialect = session.get_bind().dialect.name
    if flt.q and dialect == "postgresql":
        counts, total, groups, flt, rows = _searched_in_sql(session, flt, handled, now, tz)
    elif flt.q:
        counts, total, groups, flt, rows = _searched(session, flt, handled, dialect, now, tz)
    else:
        counts, total, groups, flt, rows = _counted(session, flt, handled, dialect, now, tz)
    if actor is not None:
        # The coach's own observations (they live in the wijk) say "Van: jou", as in the chat.
        rows = [
            replace(r, own=True) if r.sender_id is not None and r.sender_id == actor.id else r
            for r in rows
        ]
    pages = max(1, -(-total // flt.page_size))
    facets = Facets(
        wijk=counts["wijk"],
        swot=counts["swot"],
        theme=counts["theme"],
        status=counts["status"],
        author=counts["author"],
        has_photo=counts["has_photo"],
        has_location=counts["has_location"],
        groups=groups,
    )
    return InboxPage(flt, rows, total, pages, handled, facets)


_Result = tuple[dict[str, dict[Any, int]], int, list[GroupCount], InboxFilter, list["InboxRow"]]


def _counted(
    session: Session,
    flt: InboxFilter,
    handled: tuple[int, ...],
    dialect: str,
    now: datetime,
    tz: ZoneInfo,
) -> _Result:
    """Without a text search: the counts grouped in SQL, the page read by itself."""
    scope = scope_conditions(flt, handled, dialect, now, tz)
    facet_where = facet_conditions(flt)
    needed = _at_most_one_fails(list(facet_where.values()))
    counts, total = _fold(flt, _cube(session, [*scope, *needed]))
    without_group = scope_conditions(replace(flt, group=None), handled, dialect, now, tz)
    groups = _top_groups(session, flt, [*without_group, *facet_where.values()])
    flt = _clamp_page(flt, total)
    rows: list[InboxRow] = []
    if total:
        statement = page_statement(
            [*scope, *facet_where.values()], flt.page_size, (flt.page - 1) * flt.page_size
        )
        rows = [_row(r) for r in session.connection().execute(statement)]
    return counts, total, groups, flt, rows


def _a_large_share(session: Session, handled: tuple[int, ...]) -> bool:
    wijken = session.connection().execute(select(func.count()).select_from(_W)).scalar_one()
    return len(handled) * 5 >= int(wijken)


def _at_most_one_fails(tests: list[ColumnElement[bool]]) -> list[ColumnElement[bool]]:
    """A condition that leaves out the rows no count needs: those two or more filters fail."""
    if len(tests) < 2:
        return []
    failed: Any = case((tests[0], literal(0)), else_=literal(1))
    for test in tests[1:]:
        failed = failed + case((test, literal(0)), else_=literal(1))
    return [failed <= 1]


def _clamp_page(flt: InboxFilter, total: int) -> InboxFilter:
    pages = max(1, -(-total // flt.page_size))
    return flt if flt.page <= pages else replace(flt, page=pages)


def _searched(
    session: Session,
    flt: InboxFilter,
    handled: tuple[int, ...],
    dialect: str,
    now: datetime,
    tz: ZoneInfo,
) -> _Result:
    """With a text search (SQLite): the text is read once. The facet columns of every row the search
    finds in the coach's wijken and period come back in one statement; the counts, the groups
    and the page's ids are found from them here, then the page's rows are read by id."""
    # A row is needed only where at most one of the filters with counts fails it (it counts
    # for that filter's values, or for all when none fails); that cheap test goes before the
    # text's, so the search reads only those rows' texts.
    scope = scope_conditions(replace(flt, group=None, q=""), handled, dialect, now, tz)
    if dialect == "sqlite" and _a_large_share(session, handled):
        # SQLite would walk the wijk index and look every row up in the table: where the
        # coach's wijken are a fifth or more of all, reading the table through is several
        # times faster (bench/desk.py: 5.8x the raw query -> 2.5x), and the texts must be read
        # anyway. "+ 0" keeps the index out of it.
        scope[0] = (_O.c.wijk_id + 0).in_(sorted(handled))
    tests = list(facet_conditions(flt).values())
    if flt.group is not None:
        tests.append(_O.c.grouping_matter == flt.group)
    scope.extend(_at_most_one_fails(tests))
    scope.append(text_matches(flt.q, dialect))
    partner, photo, located = _flags()
    statement = select(
        _O.c.id,
        _O.c.created_at,
        _O.c.wijk_id,
        _O.c.swot,
        _O.c.theme,
        _O.c.status,
        partner,
        photo,
        located,
        _O.c.grouping_matter,
    ).where(*scope)
    counts: dict[str, dict[Any, int]] = {name: {} for name in _FACETS}
    groups: dict[str, list[int]] = {}  # matter: [count, last stored id]
    shown: list[tuple[Any, int]] = []
    for (
        oid,
        created,
        wijk_id,
        swot,
        theme,
        status,
        is_partner,
        has_photo,
        has_loc,
        matter,
    ) in session.connection().execute(statement):
        values = _facet_values(wijk_id, swot, theme, status, is_partner, has_photo, has_loc)
        ok = [_facet_value_matches(flt, name, v) for name, v in zip(_FACETS, values, strict=True)]
        failing = ok.count(False)
        if failing > 1:
            continue
        if failing == 0 and matter is not None:
            group = groups.setdefault(matter, [0, 0])
            group[0] += 1
            group[1] = max(group[1], oid)
        if flt.group is not None and matter != flt.group:
            continue
        if failing == 0:
            shown.append((created, oid))
        for i, name in enumerate(_FACETS):
            if failing == 0 or not ok[i]:
                bucket = counts[name]
                bucket[values[i]] = bucket.get(values[i], 0) + 1
    total = len(shown)
    flt = _clamp_page(flt, total)
    shown.sort(reverse=True)
    start = (flt.page - 1) * flt.page_size
    page_ids = [oid for _, oid in shown[start : start + flt.page_size]]
    rows: list[InboxRow] = []
    if page_ids:
        by_id = page_statement([_O.c.id.in_(page_ids)], len(page_ids), 0)
        rows = [_row(r) for r in session.connection().execute(by_id)]
    ranked = sorted(groups.items(), key=lambda item: (-item[1][0], item[0]))
    top = ranked[:TOP_GROUPS]
    if flt.group and flt.group in groups and all(key != flt.group for key, _ in top):
        top.append((flt.group, groups[flt.group]))
    return counts, total, _group_counts(session, [(k, n, i) for k, (n, i) in top]), flt, rows


def _searched_in_sql(
    session: Session,
    flt: InboxFilter,
    handled: tuple[int, ...],
    now: datetime,
    tz: ZoneInfo,
) -> _Result:
    """With a text search, on PostgreSQL: one statement reads the texts once (through the
    trigram index, migration 0014) into a materialized set of the rows some count needs, as
    `_searched` does, and returns from it only what the page shows: each facet's counts and the
    groups (GROUPING SETS, one count per facet with the other filters applied) and the page's
    ids; then the page's rows are read by id."""
    scope = scope_conditions(replace(flt, group=None, q=""), handled, "postgresql", now, tz)
    where = facet_conditions(flt)
    tests = list(where.values())
    if flt.group is not None:
        tests.append(_O.c.grouping_matter == flt.group)
    scope.extend(_at_most_one_fails(tests))
    scope.append(text_matches(flt.q, "postgresql"))
    partner, photo, located = _flags()
    failing: Any = literal(0)
    for test in where.values():
        failing = failing + case((test, literal(0)), else_=literal(1))
    in_group = literal(True) if flt.group is None else _O.c.grouping_matter == flt.group
    oks = {name: func.coalesce(test, False).label(f"ok_{name}") for name, test in where.items()}
    found = (
        select(
            _O.c.id,
            _O.c.created_at,
            _O.c.wijk_id,
            _O.c.swot,
            _O.c.theme,
            _O.c.status,
            partner.label("partner"),
            photo.label("photo"),
            located.label("located"),
            _O.c.grouping_matter,
            failing.label("failing"),
            func.coalesce(in_group, False).label("in_group"),
            *oks.values(),
        )
        .where(*scope)
        .cte("found")
        .prefix_with("MATERIALIZED")
    )
    values = [found.c[c] for c in _FACET_COLUMNS]
    all_pass = and_(found.c.failing == 0, found.c.in_group)
    per_facet = [
        func.count().filter(
            all_pass
            if name not in oks
            else and_(found.c.in_group, or_(found.c.failing == 0, ~found.c[f"ok_{name}"]))
        )
        for name in _FACETS
    ]
    grouped = select(
        func.grouping(*values),
        *values,
        *per_facet,
        func.count().filter(found.c.failing == 0),
        func.max(found.c.id).filter(found.c.failing == 0),
    ).group_by(func.grouping_sets(*[tuple_(v) for v in values]))
    while True:
        counts: dict[str, dict[Any, int]] = {name: {} for name in _FACETS}
        groups: dict[str, tuple[int, int]] = {}  # matter: (count, last stored id)
        start = (flt.page - 1) * flt.page_size
        page_ids = (
            select(
                literal(-1),
                *[cast(null(), v.type).label(f"v{i}") for i, v in enumerate(values)],
                *[cast(null(), Integer).label(f"n{i}") for i in range(len(per_facet) + 1)],
                found.c.id,
            )
            .where(all_pass)
            .order_by(found.c.created_at.desc(), found.c.id.desc())
            .limit(flt.page_size)
            .offset(start)
        )
        statement = union_all(grouped, page_ids.subquery().select())
        result = session.connection().execute(statement).all()
        shown = [r[-1] for r in result if r[0] == -1]
        for r in result:
            if r[0] == -1:
                continue
            which = _SET_OF_MASK[r[0]]
            value = r[1 + which]
            if which == len(_FACETS):  # the groups
                if value is not None and r[-2]:
                    groups[value] = (int(r[-2]), int(r[-1]))
                continue
            n = int(r[1 + len(values) + which])
            if not n:
                continue
            counts[_FACETS[which]][_facet_value(which, value)] = n
        # Every row all filters pass, by wijk (the wijk's own filter applied).
        total = sum(
            n for wijk, n in counts["wijk"].items() if _facet_value_matches(flt, "wijk", wijk)
        )
        clamped = _clamp_page(flt, total)
        if clamped.page == flt.page or not total:
            flt = clamped
            break
        flt = clamped
    rows: list[InboxRow] = []
    if shown and total:
        by_id = page_statement([_O.c.id.in_(shown)], len(shown), 0)
        rows = [_row(r) for r in session.connection().execute(by_id)]
    ranked = sorted(groups.items(), key=lambda item: (-item[1][0], item[0]))
    top = ranked[:TOP_GROUPS]
    if flt.group and flt.group in groups and all(key != flt.group for key, _ in top):
        top.append((flt.group, groups[flt.group]))
    return counts, total, _group_counts(session, [(k, n, i) for k, (n, i) in top]), flt, rows


_FACET_COLUMNS = (
    "wijk_id",
    "swot",
    "theme",
    "status",
    "partner",
    "photo",
    "located",
    "grouping_matter",
)
# GROUPING(...) of the 8 columns: a set of one column has every other column's bit set.
_SET_OF_MASK = {255 - (1 << (7 - i)): i for i in range(len(_FACET_COLUMNS))}


def _facet_value(which: int, value: Any) -> Any:
    name = _FACETS[which]
    if name == "theme":
        return value if value is not None else NO_THEME
    if name == "author":
        return AuthorKind.PARTNER if value else AuthorKind.RESIDENT
    if name in ("has_photo", "has_location"):
        return bool(value)
    return value


def _group_counts(session: Session, found: list[tuple[str, int, int]]) -> list[GroupCount]:
    """The groups with the excerpt of the last stored observation of each as its label."""
    if not found:
        return []
    texts: dict[int, str] = dict(
        session.connection()
        .execute(
            select(_O.c.id, func.substr(_O.c.text, 1, EXCERPT_CHARS + 1)).where(
                _O.c.id.in_([newest for _, _, newest in found])
            )
        )
        .all()
    )
    return [GroupCount(key, int(n), _excerpt(texts.get(i, ""))) for key, n, i in found]
