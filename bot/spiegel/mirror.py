"""The wijkspiegel: reading a mirror file, importing an edition, and people's reactions to it.

No Telegram here. The file format is described in spiegels/README.md; in short: a TOML file with
an optional `[edition]` table and one array of tables per category (`[[strength]]`,
`[[weakness]]`, `[[opportunity]]`, `[[threat]]`, `[[recommendation]]`), each entry with `text`
and optionally `theme` and `key`.

Stable keys: an entry's `key` when given; otherwise `t-` plus the first 10 hex digits of the
SHA-256 of its normalised text (lower case, only letters and digits, single spaces). So fixing
capitals, spaces or punctuation keeps a statement (and its reactions); changing words makes it a
new statement unless the entry has an explicit key. A position-based key was rejected: inserting
one statement would silently move everyone's reactions to a different statement.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, func, true
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.core.clock import utcnow
from bot.core.database import Database, DriverStatement
from bot.core.table_changes import WatchedCache
from bot.core.text import clean_input
from bot.figures.measures import BY_KEY
from models import Edition, ItemKind, Reaction, SpiegelItem, Verdict, Wijk
from models.base import column_limit

TITLE_LIMIT = column_limit(Edition, "title")
# The overview shows the introduction in one message with the counts: keep it well under 4,096.
INTRODUCTION_LIMIT = 1500
TEXT_LIMIT = column_limit(SpiegelItem, "text")
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
ENTRY_FIELDS = ("text", "theme", "key", "figures")
MEASURE_KEYS = tuple(BY_KEY)
EDITION_FIELDS = ("wijk", "year", "title", "introduction")
# The lay questions' order: how the overview lists the categories.
KINDS: tuple[ItemKind, ...] = (
    ItemKind.STRENGTH,
    ItemKind.WEAKNESS,
    ItemKind.OPPORTUNITY,
    ItemKind.THREAT,
    ItemKind.RECOMMENDATION,
)


class SpiegelFormatError(Exception):
    """A problem in a mirror file, with the line where it is (when it can be known)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message, self.line = message, line
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True)
class ParsedItem:
    kind: ItemKind
    key: str
    text: str
    theme: str | None
    position: int
    line: int | None = None
    explicit_key: bool = False
    figures: tuple[str, ...] = ()  # the CBS figures it rests on (bot/figures/measures.py keys)


@dataclass(frozen=True)
class ParsedEdition:
    items: tuple[ParsedItem, ...]
    title: str = ""
    introduction: str = ""
    wijk: str | None = None  # when the file names its wijk, the import checks it matches
    year: int | None = None


@dataclass(frozen=True)
class ImportResult:
    edition_id: int
    added: int
    updated: int
    unchanged: int
    retired: int


@dataclass(frozen=True)
class ReactionCounts:
    recognise: int = 0
    not_recognise: int = 0
    comments: int = 0

    @property
    def total(self) -> int:
        return self.recognise + self.not_recognise


@dataclass(frozen=True)
class CommentEntry:
    text: str
    at: datetime
    verdict: Verdict | None


@dataclass(frozen=True)
class ItemSummary:
    """One statement as the digest sees it: totals so far, the reactions of the period and its
    comments."""

    item_id: int
    edition_year: int
    kind: ItemKind
    theme: str | None
    text: str
    retired: bool
    recognise: int
    not_recognise: int
    comments: list[CommentEntry] = field(default_factory=list)
    # The period's reactions, by their verdict now: those first given in it (created_at), as
    # the digest's "Reacties op de wijkspiegel" counts them.
    period_recognise: int = 0
    period_not_recognise: int = 0

    @property
    def period_total(self) -> int:
        return self.period_recognise + self.period_not_recognise

    @property
    def total(self) -> int:
        return self.recognise + self.not_recognise

    @property
    def contested(self) -> float:
        """0 when everyone agrees, 1 when opinions are split evenly."""
        return 0.0 if self.total == 0 else 2 * min(self.recognise, self.not_recognise) / self.total


# --- reading a file ----------------------------------------------------------------------------


def derived_key(text: str) -> str:
    normal = unicodedata.normalize("NFKC", text).casefold()
    normal = re.sub(r"[\W_]+", " ", normal).strip()
    return "t-" + hashlib.sha256(normal.encode()).hexdigest()[:10]


def parse_toml(source: str, themes: Collection[str]) -> ParsedEdition:
    """Read and validate a whole file; raises SpiegelFormatError naming the line and the reason."""
    try:
        raw = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(found.group(1)) if found else None
        if line is None and "(at end of document)" in message:
            line = max(1, len(source.splitlines()))
            message = message.replace("(at end of document)", "(at the end of the file)")
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise SpiegelFormatError(f"not valid TOML: {reason}", line) from None
    lines = _Lines(source)
    for name in raw:
        if name != "edition" and name not in {k.value for k in KINDS}:
            expected = ", ".join(["edition", *(k.value for k in KINDS)])
            raise SpiegelFormatError(
                f"unknown section {name!r} (expected one of: {expected})", lines.section(name)
            )
    edition = raw.get("edition", {})
    if not isinstance(edition, dict):
        raise SpiegelFormatError("[edition] must be a table", lines.key_anywhere("edition"))
    _check_edition(edition, lines)
    items: list[ParsedItem] = []
    for kind in KINDS:
        entries = raw.get(kind.value, [])
        if not isinstance(entries, list):
            raise SpiegelFormatError(
                f"{kind.value}: write each statement as its own [[{kind.value}]] entry",
                lines.key_anywhere(kind.value),
            )
        items += [_parse_entry(kind, i, entry, themes, lines) for i, entry in enumerate(entries)]
    # Report a duplicate at the later of the two entries in the file: that is the one to fix.
    seen: dict[str, ParsedItem] = {}
    for item in sorted(items, key=lambda i: i.line or 0):
        other = seen.setdefault(item.key, item)
        if other is not item:
            what = "the same key" if item.explicit_key else "the same text"
            raise SpiegelFormatError(
                f"[[{item.kind.value}]] entry {item.position + 1} has {what} as the "
                f"[[{other.kind.value}]] entry on line {other.line} (key {item.key!r}); "
                "keys must be unique",
                item.line,
            )
    if not items:
        # Importing it would retire the whole edition: that is `wijkbot spiegel retire`, on purpose.
        raise SpiegelFormatError(
            "no statements (an import with none would retire them all; to take statements out, "
            "use `wijkbot spiegel retire ID --reason ...`)",
            None,
        )
    return ParsedEdition(
        items=tuple(items),
        title=str(edition.get("title", "")).strip(),
        introduction=str(edition.get("introduction", "")).strip(),
        wijk=edition.get("wijk"),
        year=edition.get("year"),
    )


def _check_edition(edition: dict[str, Any], lines: _Lines) -> None:
    start = lines.section("edition")
    for name, value in edition.items():
        line = lines.key_in(name, start) if start else None
        if name not in EDITION_FIELDS:
            raise SpiegelFormatError(
                f"[edition]: unknown field {name!r} (expected: {', '.join(EDITION_FIELDS)})", line
            )
        if name == "year":
            if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
                raise SpiegelFormatError("[edition]: year must be a year such as 2026", line)
        elif not isinstance(value, str):
            raise SpiegelFormatError(f"[edition]: {name} must be text in quotes", line)
    limits = {"title": TITLE_LIMIT, "introduction": INTRODUCTION_LIMIT}
    for name, limit in limits.items():
        value = edition.get(name, "")
        if isinstance(value, str) and len(value.strip()) > limit:
            line = lines.key_in(name, start) if start else None
            raise SpiegelFormatError(
                f"[edition]: {name} is {len(value.strip())} characters; at most {limit}", line
            )


def _parse_entry(
    kind: ItemKind, index: int, entry: Any, themes: Collection[str], lines: _Lines
) -> ParsedItem:
    line = lines.entry(kind.value, index)
    where = f"[[{kind.value}]] entry {index + 1}"
    if not isinstance(entry, dict):
        raise SpiegelFormatError(f'{where}: expected a table with text = "..."', line)

    def at(name: str) -> int | None:
        return lines.key_in(name, line) if line else None

    for name in entry:
        if name not in ENTRY_FIELDS:
            raise SpiegelFormatError(
                f"{where}: unknown field {name!r} (expected: {', '.join(ENTRY_FIELDS)})", at(name)
            )
    text = entry.get("text")
    if not isinstance(text, str) or not text.strip():
        raise SpiegelFormatError(f"{where}: text is missing or empty", at("text") or line)
    text = text.strip()
    if len(text) > TEXT_LIMIT:
        raise SpiegelFormatError(
            f"{where}: text is {len(text)} characters; at most {TEXT_LIMIT}", at("text")
        )
    theme = entry.get("theme")
    if theme is not None and (not isinstance(theme, str) or theme not in themes):
        known = ", ".join(sorted(themes)) or "(none configured)"
        raise SpiegelFormatError(f"{where}: unknown theme {theme!r} (known: {known})", at("theme"))
    key = entry.get("key")
    explicit = key is not None
    if key is None:
        key = derived_key(text)
    elif not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise SpiegelFormatError(
            f"{where}: key {key!r} must be 1-60 characters a-z, 0-9, - or _, starting with a "
            "letter or digit",
            at("key"),
        )
    figures = entry.get("figures", [])
    if not isinstance(figures, list) or not all(isinstance(f, str) for f in figures):
        raise SpiegelFormatError(
            f'{where}: figures must be a list of names, e.g. ["age_65_plus"]', at("figures")
        )
    for name in figures:
        if name not in MEASURE_KEYS:
            known = ", ".join(MEASURE_KEYS)
            raise SpiegelFormatError(
                f"{where}: unknown figure {name!r} (known: {known})", at("figures")
            )
    return ParsedItem(
        kind=kind,
        key=key,
        text=text,
        theme=theme,
        position=index,
        line=line,
        explicit_key=explicit,
        figures=tuple(dict.fromkeys(figures)),
    )


class _Lines:
    """Finds where things are in the source: tomllib reports no positions for valid files."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()

    def _find(self, pattern: re.Pattern[str], start: int = 0) -> list[int]:
        return [i + 1 for i, text in enumerate(self.lines) if i >= start and pattern.match(text)]

    def section(self, name: str) -> int | None:
        pattern = re.compile(rf"^\s*\[\[?\s*{re.escape(name)}\s*\]\]?\s*(#.*)?$")
        found = self._find(pattern)
        return found[0] if found else self.key_anywhere(name)

    def entry(self, name: str, index: int) -> int | None:
        found = self._find(re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]\s*(#.*)?$"))
        if index < len(found):
            return found[index]
        return self.key_anywhere(name)  # e.g. `strength = [...]` instead of [[strength]]

    def key_anywhere(self, name: str) -> int | None:
        found = self._find(re.compile(rf"^\s*\"?{re.escape(name)}\"?\s*="))
        return found[0] if found else None

    def key_in(self, name: str, header_line: int | None) -> int | None:
        """The first `name = ...` after a table header and before the next one."""
        if header_line is None:
            return None
        key = re.compile(rf"^\s*\"?{re.escape(name)}\"?\s*=")
        header = re.compile(r"^\s*\[")
        for number in range(header_line + 1, len(self.lines) + 1):
            text = self.lines[number - 1]
            if header.match(text):
                break
            if key.match(text):
                return number
        return header_line


# --- importing ---------------------------------------------------------------------------------


def import_edition(session: Session, wijk: Wijk, year: int, parsed: ParsedEdition) -> ImportResult:
    """Create or update one edition in one transaction: matched by key, updated in place (the
    reactions stay), missing statements retired. Commits at the end; on error nothing stays."""
    assert wijk.id is not None
    now = utcnow()
    edition = session.exec(
        select(Edition).where(Edition.wijk_id == wijk.id, Edition.year == year)
    ).first()
    if edition is None:
        edition = Edition(wijk_id=wijk.id, year=year)
    edition.title = parsed.title
    edition.introduction = parsed.introduction
    edition.imported_at = now
    session.add(edition)
    session.flush()
    assert edition.id is not None
    existing = {
        item.key: item
        for item in session.exec(select(SpiegelItem).where(SpiegelItem.edition_id == edition.id))
    }
    added = updated = unchanged = retired = 0
    for new in parsed.items:
        item = existing.pop(new.key, None)
        if item is None:
            session.add(
                SpiegelItem(
                    edition_id=edition.id,
                    key=new.key,
                    kind=new.kind.value,
                    theme=new.theme,
                    text=new.text,
                    position=new.position,
                    figures=",".join(new.figures) or None,
                )
            )
            added += 1
            continue
        before = (item.kind, item.theme, item.text, item.position, item.retired, item.figures)
        item.kind, item.theme, item.text = new.kind.value, new.theme, new.text
        item.position, item.retired = new.position, False
        item.figures = ",".join(new.figures) or None
        if before == (item.kind, item.theme, item.text, item.position, item.retired, item.figures):
            unchanged += 1
        else:
            updated += 1
            session.add(item)
    for item in existing.values():
        if not item.retired:
            item.retired = True
            session.add(item)
            retired += 1
    session.commit()
    return ImportResult(edition.id, added, updated, unchanged, retired)


# --- reading the mirror ------------------------------------------------------------------------


def current_edition(session: Session, wijk_id: int) -> Edition | None:
    """The newest year's edition of a wijk."""
    return session.exec(
        select(Edition).where(Edition.wijk_id == wijk_id).order_by(col(Edition.year).desc())
    ).first()


def items(session: Session, edition_id: int, kind: ItemKind) -> list[SpiegelItem]:
    """The statements of one category that are in the mirror now (not retired), in file order."""
    return list(
        session.exec(
            select(SpiegelItem)
            .where(
                SpiegelItem.edition_id == edition_id,
                SpiegelItem.kind == kind.value,
                col(SpiegelItem.retired).is_(False),
            )
            .order_by(col(SpiegelItem.position), col(SpiegelItem.id))
        ).all()
    )


def item_counts(session: Session, edition_id: int) -> dict[ItemKind, int]:
    rows = session.exec(
        select(SpiegelItem.kind, func.count())
        .where(SpiegelItem.edition_id == edition_id, col(SpiegelItem.retired).is_(False))
        .group_by(SpiegelItem.kind)
    ).all()
    counts = dict.fromkeys(KINDS, 0)
    for kind, count in rows:
        counts[ItemKind(kind)] = int(count)
    return counts


# Built once, values bound at execution: a reaction runs these on every button press, and on
# SQLite building a statement and its cache key costs more than running it.
_NEWER = aliased(Edition)
_ACTIVE_ITEM = (
    select(SpiegelItem, Edition)
    .join(Edition, col(Edition.id) == col(SpiegelItem.edition_id))
    .where(
        col(SpiegelItem.id) == bindparam("item_id"),
        col(SpiegelItem.retired).is_(False),
        # Only the wijk's current edition takes reactions: a button under last year's
        # statement is an old button.
        ~exists().where(
            col(_NEWER.wijk_id) == col(Edition.wijk_id), col(_NEWER.year) > col(Edition.year)
        ),
    )
)
_SIBLING_IDS = (
    select(SpiegelItem.id)
    .where(
        col(SpiegelItem.edition_id) == bindparam("edition_id"),
        col(SpiegelItem.kind) == bindparam("kind"),
        col(SpiegelItem.retired).is_(False),
    )
    .order_by(col(SpiegelItem.position), col(SpiegelItem.id))
)


def active_item(session: Session, item_id: int) -> tuple[SpiegelItem, Edition] | None:
    """The statement and its edition, or None when it is unknown, retired, or in an edition that
    is no longer the wijk's current one."""
    row = session.exec(_ACTIVE_ITEM, params={"item_id": item_id}).first()
    return None if row is None else (row[0], row[1])


def figure_statements(session: Session, edition_id: int) -> list[SpiegelItem]:
    """The edition's active statements that name CBS figures, in the overview's order."""
    found = session.exec(
        select(SpiegelItem).where(
            SpiegelItem.edition_id == edition_id,
            col(SpiegelItem.retired).is_(False),
            col(SpiegelItem.figures).is_not(None),
        )
    ).all()
    order = {kind.value: i for i, kind in enumerate(KINDS)}
    return sorted(found, key=lambda i: (order.get(i.kind, 9), i.position))


def sibling_ids(session: Session, item: SpiegelItem) -> list[int]:
    """The ids of the statements in the same category of the same edition, in file order."""
    # On the session's connection: plain rows, without the ORM's per-statement work (half the
    # cost on SQLite), inside the same transaction.
    rows = session.connection().execute(
        _SIBLING_IDS, {"edition_id": item.edition_id, "kind": item.kind}
    )
    return [int(i) for (i,) in rows if i is not None]


class StatementCache:
    """Statements, their editions and their categories' order, kept between button presses.

    They change only when an edition is imported. An import in this process is seen at once
    (bot/core/table_changes.py); one from the command line, in another process, after at most `ttl`
    seconds: until then a statement retired by that import can still take reactions."""

    TABLES = ("spiegelitem", "edition")

    def __init__(self, *, ttl: float = 30.0) -> None:
        self._items: WatchedCache[int, tuple[SpiegelItem, Edition] | None] = WatchedCache(
            self.TABLES, ttl=ttl
        )
        self._siblings: WatchedCache[tuple[int, str], list[int]] = WatchedCache(
            self.TABLES, ttl=ttl
        )

    def active_item(self, db: Database, item_id: int) -> tuple[SpiegelItem, Edition] | None:
        def load() -> tuple[SpiegelItem, Edition] | None:
            with db.session() as session:
                return active_item(session, item_id)

        return self._items.get(item_id, load)

    def sibling_ids(self, db: Database, item: SpiegelItem) -> list[int]:
        def load() -> list[int]:
            with db.session() as session:
                return sibling_ids(session, item)

        return self._siblings.get((item.edition_id, item.kind), load)


# --- reactions ---------------------------------------------------------------------------------


def _reaction_for(session: Session, person_id: int, item: SpiegelItem) -> Reaction:
    reaction = session.exec(
        select(Reaction).where(Reaction.item_id == item.id, Reaction.person_id == person_id)
    ).first()
    if reaction is not None:
        return reaction
    edition = session.get(Edition, item.edition_id)
    assert edition is not None and item.id is not None
    return Reaction(item_id=item.id, wijk_id=edition.wijk_id, person_id=person_id)


def _item(session: Session, item_id: int) -> SpiegelItem:
    item = session.get(SpiegelItem, item_id)
    if item is None or item.retired:
        raise LookupError(f"no active statement {item_id}")
    return item


@dataclass(frozen=True)
class Judgement:
    """A person's reaction as the statement's message shows it (what `react` just stored)."""

    verdict: str | None
    comment: str | None


_REACTION = Reaction.__table__  # type: ignore[attr-defined]


def _upsert(dialect: str) -> Any:
    """One statement for "insert, or replace the verdict": no read first, and two presses racing
    cannot both insert (the unique constraint decides)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(_REACTION).values(
        item_id=bindparam("r_item"),
        wijk_id=bindparam("r_wijk"),
        person_id=bindparam("r_person"),
        verdict=bindparam("r_verdict"),
        created_at=bindparam("r_now"),
        updated_at=bindparam("r_now"),
    )
    return stmt.on_conflict_do_update(
        index_elements=["item_id", "person_id"],
        set_={"verdict": stmt.excluded.verdict, "updated_at": stmt.excluded.updated_at},
    ).returning(_REACTION.c.verdict, _REACTION.c.comment)


_UPSERTS = {name: _upsert(name) for name in ("sqlite", "postgresql")}


def react(
    session: Session,
    person_id: int,
    item_id: int,
    verdict: Verdict,
    *,
    wijk_id: int | None = None,
) -> Judgement:
    """One reaction per person and statement: a second verdict replaces the first (and keeps
    the comment). Commits. `wijk_id`: the statement's wijk, when the caller has just checked the
    statement is active (saves a query on every press)."""
    if wijk_id is None:
        found = active_item(session, item_id)
        if found is None:
            raise LookupError(f"no active statement {item_id}")
        wijk_id = found[1].wijk_id
    judgement = _upsert_reaction(session.connection(), person_id, item_id, verdict, wijk_id)
    session.commit()
    return judgement


def react_and_count(
    db: Database, person_id: int, item_id: int, verdict: Verdict, *, wijk_id: int
) -> tuple[Judgement, ReactionCounts]:
    """`react` on a statement the caller has just checked is active, and the statement's counts
    with this reaction in them, read in the same transaction before it commits: one
    transaction on a connection of its own, no ORM session (a press cost two transactions and
    a session, about 0.25 ms more). Committed when it returns."""
    if db.dialect == "postgresql":
        return _react_and_count_postgresql(db, person_id, item_id, verdict, wijk_id)
    with db.engine.begin() as connection:
        judgement = _upsert_reaction(connection, person_id, item_id, verdict, wijk_id)
        counts = _counts(connection, [item_id])[item_id]
    return judgement, counts


def _react_and_count_statement() -> Any:
    """PostgreSQL: the upsert and the counts of everyone else's reactions to the statement in
    one statement. A statement's WITH part does not see what it writes itself, so the press's
    own reaction is added from what the upsert returns (`_react_and_count_postgresql`)."""
    up = _UPSERTS["postgresql"].cte("up")
    r = _REACTION.c
    others = (
        sa_select(
            func.count().filter(r.verdict == Verdict.RECOGNISE.value).label("y"),
            func.count().filter(r.verdict == Verdict.NOT_RECOGNISE.value).label("n"),
            func.count().filter(r.comment.is_not(None)).label("c"),
        )
        .where(
            r.item_id == bindparam("r_item"),
            r.person_id.is_distinct_from(bindparam("r_person")),
        )
        .subquery("others")
    )
    return sa_select(up.c.verdict, up.c.comment, others.c.y, others.c.n, others.c.c).select_from(
        up.join(others, true())
    )


_REACT_AND_COUNT = DriverStatement(_react_and_count_statement())


def _react_and_count_postgresql(
    db: Database, person_id: int, item_id: int, verdict: Verdict, wijk_id: int
) -> tuple[Judgement, ReactionCounts]:
    """One round trip: the statement runs outside a transaction of ours, so PostgreSQL commits
    it by itself before it answers (synchronous_commit on: the answer waits for the disk) - no
    BEGIN, no COMMIT, no second statement for the counts; on the driver's connection, without
    SQLAlchemy's Connection around it (`DriverStatement`)."""
    row = _REACT_AND_COUNT.one(
        db.engine,
        {
            "r_item": item_id,
            "r_wijk": wijk_id,
            "r_person": person_id,
            "r_verdict": verdict.value,
            "r_now": utcnow(),
        },
    )
    assert row is not None  # the upsert always returns its row
    own_verdict, own_comment, recognise, not_recognise, comments = row
    counts = ReactionCounts(
        int(recognise) + (own_verdict == Verdict.RECOGNISE.value),
        int(not_recognise) + (own_verdict == Verdict.NOT_RECOGNISE.value),
        int(comments) + (own_comment is not None),
    )
    return Judgement(own_verdict, own_comment), counts


def _upsert_reaction(
    connection: Connection, person_id: int, item_id: int, verdict: Verdict, wijk_id: int
) -> Judgement:
    row = connection.execute(
        _UPSERTS[connection.dialect.name],
        {
            "r_item": item_id,
            "r_wijk": wijk_id,
            "r_person": person_id,
            "r_verdict": verdict.value,
            "r_now": utcnow(),
        },
    ).one()
    return Judgement(row.verdict, row.comment)


def comment(
    session: Session, person_id: int, item_id: int, text: str, *, request_key: str | None = None
) -> Reaction:
    """Store (or replace) the person's comment on a statement; the verdict is kept.
    ValueError for a text with nothing visible in it: it would wipe out the earlier comment.

    `request_key`: the comment flow run's (bot.telegram.flows.request_key). When the reaction
    holds that run's comment already - its text delivered again after a crash - nothing is
    written: commented_at, by which the digest counts the period's comments, stays."""
    text = clean_input(text)
    if not text:
        raise ValueError("a comment needs text")
    reaction = _reaction_for(session, person_id, _item(session, item_id))
    if request_key is not None and reaction.comment_key == request_key:
        return reaction
    now = utcnow()
    reaction.comment = text
    reaction.comment_key = request_key
    reaction.commented_at = now
    reaction.updated_at = now
    session.add(reaction)
    session.commit()
    return reaction


def comment_stored_by(session: Session, person_id: int, request_key: str) -> Reaction | None:
    """The reaction whose comment the comment flow's run `request_key` stored (None: that run
    stored nothing, or a later comment replaced its text)."""
    return session.exec(
        select(Reaction).where(Reaction.person_id == person_id, Reaction.comment_key == request_key)
    ).first()


def reaction_of(session: Session, person_id: int, item_id: int) -> Reaction | None:
    return session.exec(
        select(Reaction).where(Reaction.item_id == item_id, Reaction.person_id == person_id)
    ).first()


def reactions_of(session: Session, person_id: int, item_ids: Iterable[int]) -> dict[int, Reaction]:
    ids = list(item_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Reaction).where(Reaction.person_id == person_id, col(Reaction.item_id).in_(ids))
    ).all()
    return {r.item_id: r for r in rows}


_ITEM = SpiegelItem.__table__  # type: ignore[attr-defined]
_EDITION = Edition.__table__  # type: ignore[attr-defined]
_REACTION = Reaction.__table__  # type: ignore[attr-defined]

_COUNTS = (
    select(Reaction.item_id, Reaction.verdict, col(Reaction.comment).is_not(None), func.count())
    .where(col(Reaction.item_id).in_(bindparam("ids", expanding=True)))
    .group_by(col(Reaction.item_id), col(Reaction.verdict), col(Reaction.comment).is_not(None))
)
# One statement (every reaction press): no expanding IN, which is rendered anew per execution.
_COUNTS_ONE = (
    select(Reaction.item_id, Reaction.verdict, col(Reaction.comment).is_not(None), func.count())
    .where(col(Reaction.item_id) == bindparam("id"))
    .group_by(col(Reaction.item_id), col(Reaction.verdict), col(Reaction.comment).is_not(None))
)


def reaction_counts(session: Session, item_ids: Iterable[int]) -> dict[int, ReactionCounts]:
    """Counts per statement (never who): every id asked for is in the answer."""
    return _counts(session.connection(), list(item_ids))


def _counts(connection: Connection, ids: list[int]) -> dict[int, ReactionCounts]:
    if not ids:
        return {}
    if len(ids) == 1:
        rows = connection.execute(_COUNTS_ONE, {"id": ids[0]}).all()
    else:
        rows = connection.execute(_COUNTS, {"ids": ids}).all()
    tally: dict[int, list[int]] = {i: [0, 0, 0] for i in ids}
    for item_id, verdict, has_comment, count in rows:
        if verdict == Verdict.RECOGNISE.value:
            tally[item_id][0] += int(count)
        elif verdict == Verdict.NOT_RECOGNISE.value:
            tally[item_id][1] += int(count)
        if has_comment:
            tally[item_id][2] += int(count)
    return {i: ReactionCounts(*t) for i, t in tally.items()}


def reaction_summary(
    session: Session, wijk_id: int, start: datetime, end: datetime
) -> list[ItemSummary]:
    """For the digest: every statement of the wijk's current edition, plus any other statement
    of the wijk that got a reaction in [start, end), with the totals as they are now, the
    reactions first given in [start, end) (as the digest's header counts them) and the comments
    written in [start, end). Most reactions first."""
    # Columns, not ORM objects: this runs for every digest, and none of them is changed.
    conn = session.connection()
    item, edition, reaction = _ITEM.c, _EDITION.c, _REACTION.c
    of_wijk = sa_select(
        item.id, edition.year, item.kind, item.theme, item.text, item.retired
    ).join_from(_ITEM, _EDITION, edition.id == item.edition_id)
    found: dict[int, Any] = {}
    current = current_edition(session, wijk_id)
    if current is not None:
        active = and_(item.edition_id == current.id, item.retired.is_(False))
        found.update((row[0], row) for row in conn.execute(of_wijk.where(active)))
    given: dict[int, list[int]] = {}
    for item_id, verdict, count in conn.execute(
        sa_select(reaction.item_id, reaction.verdict, func.count())
        .where(reaction.wijk_id == wijk_id, reaction.created_at >= start, reaction.created_at < end)
        .group_by(reaction.item_id, reaction.verdict)
    ):
        per_verdict = given.setdefault(item_id, [0, 0])
        if verdict == Verdict.RECOGNISE.value:
            per_verdict[0] += int(count)
        elif verdict == Verdict.NOT_RECOGNISE.value:
            per_verdict[1] += int(count)
    touched = set(given) | set(
        conn.execute(
            sa_select(reaction.item_id)
            .distinct()
            .where(
                reaction.wijk_id == wijk_id, reaction.updated_at >= start, reaction.updated_at < end
            )
        ).scalars()
    )
    others = touched - found.keys()
    if others:
        where = and_(item.id.in_(others), edition.wijk_id == wijk_id)
        found.update((row[0], row) for row in conn.execute(of_wijk.where(where)))
    if not found:
        return []
    ids = set(found)
    counts = reaction_counts(session, ids)
    comments: dict[int, list[CommentEntry]] = {i: [] for i in ids}
    for item_id, comment, at, verdict in conn.execute(
        sa_select(reaction.item_id, reaction.comment, reaction.commented_at, reaction.verdict)
        .where(
            # A statement's reactions are in its wijk: found by wijk and time, not per statement.
            reaction.wijk_id == wijk_id,
            reaction.item_id.in_(ids),
            reaction.comment.is_not(None),
            reaction.commented_at >= start,
            reaction.commented_at < end,
        )
        .order_by(reaction.commented_at)
    ):
        comments[item_id].append(CommentEntry(comment, at, Verdict(verdict) if verdict else None))
    summaries = [
        ItemSummary(
            item_id=item_id,
            edition_year=year,
            kind=ItemKind(kind),
            theme=theme,
            text=text,
            retired=retired,
            recognise=counts[item_id].recognise,
            not_recognise=counts[item_id].not_recognise,
            comments=comments[item_id],
            period_recognise=given.get(item_id, [0, 0])[0],
            period_not_recognise=given.get(item_id, [0, 0])[1],
        )
        for item_id, year, kind, theme, text, retired in found.values()
    ]
    summaries.sort(key=lambda s: (-s.total, -len(s.comments), s.item_id))
    return summaries
