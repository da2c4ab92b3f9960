"""The digest archive on the desk: every digest sent, as the coach received it, with its chart.

A coach sees the digests of the wijken they handle (HANDLE_OBSERVATIONS and VIEW_DIGEST there),
also those sent to the wijk's other coaches (`ArchiveEntry.for_me` tells them apart); newest
first, paged. What is kept is Telegram HTML (bot.digest.archive); `safe_fragment` turns it into
HTML a page can show as it is (in Jinja2: `{{ fragment | safe }}`, or `Markup(fragment)`).

Only digests with status "sent" are shown, the scheduled ones and those a coach asked for with
"Wijkoverzicht nu" (`ArchiveEntry.asked`). Digests sent before the archive existed have no row,
nor those asked for before they were kept.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from bot.core.clock import as_utc
from bot.observations.coach import handled_wijken
from bot.people.permissions import Action, Actor, PermissionDenied
from models import Digest, DigestArchive, DigestStatus, Wijk

PAGE_SIZE = 20


class NotArchived(LookupError):
    """No sent digest with this id has an archive (never was, or was sent before archives)."""


@dataclass(frozen=True)
class ArchiveEntry:
    """One archived digest, as a list shows it."""

    digest_id: int
    wijk_id: int
    wijk_name: str
    period_key: str  # "2026-W47", "2026-W47+48" (two weeks), ...
    period_start: datetime
    period_end: datetime  # exclusive: the moment after the period
    sent_at: datetime | None
    lang: str  # the language it was written in (the receiving coach's)
    for_me: bool  # sent to this coach (else to another coach of the wijk)
    has_chart: bool
    asked: bool = False  # asked for by its coach ("Wijkoverzicht nu"), not a scheduled one


@dataclass(frozen=True)
class ArchivePage:
    entries: list[ArchiveEntry]
    page: int  # counted from 0, within 0..pages-1
    pages: int
    total: int


@dataclass(frozen=True)
class ArchivedDigest:
    """One digest as the coach received it."""

    entry: ArchiveEntry
    messages: list[str]  # Telegram HTML, one per message, exactly as sent (after any redaction)
    redacted_at: datetime | None  # a resident's words were taken out after an erasure

    @property
    def fragments(self) -> list[str]:
        """Each message as safe HTML for a page (see `safe_fragment`)."""
        return [safe_fragment(m) for m in self.messages]


def archive_wijken(actor: Actor | None) -> list[int]:
    """The wijken whose archived digests this actor may read."""
    if actor is None:
        return []
    return [w for w in handled_wijken(actor) if actor.can(Action.VIEW_DIGEST, w)]


def _has_chart() -> ColumnElement[bool]:
    return col(DigestArchive.chart_png).is_not(None)


def _entry(
    digest: Digest, wijk_name: str, lang: str, has_chart: bool, actor: Actor
) -> ArchiveEntry:
    assert digest.id is not None
    return ArchiveEntry(
        digest_id=digest.id,
        wijk_id=digest.wijk_id,
        wijk_name=wijk_name,
        period_key=digest.period_key,
        period_start=as_utc(digest.period_start),
        period_end=as_utc(digest.period_end),
        sent_at=as_utc(digest.sent_at) if digest.sent_at else None,
        lang=lang,
        for_me=digest.coach_id == actor.id,
        has_chart=bool(has_chart),
        asked=digest.asked,
    )


def list_archive(
    session: Session,
    actor: Actor,
    wijk_ids: list[int] | None = None,
    page: int = 0,
    *,
    only_mine: bool = False,
    page_size: int = PAGE_SIZE,
) -> ArchivePage:
    """The sent digests of the actor's wijken (or of `wijk_ids`, all of which they must handle:
    else PermissionDenied), newest first. `only_mine`: only those sent to this actor."""
    allowed = archive_wijken(actor)
    if wijk_ids is None:
        wijken = allowed
    else:
        if any(w not in allowed for w in wijk_ids):
            raise PermissionDenied()
        wijken = sorted(set(wijk_ids))
    if not wijken:
        return ArchivePage([], 0, 1, 0)
    where = [
        col(Digest.wijk_id).in_(wijken),
        col(Digest.status) == DigestStatus.SENT.value,
    ]
    if only_mine:
        where.append(col(Digest.coach_id) == actor.id)
    total = int(
        session.exec(
            select(func.count())
            .select_from(Digest)
            .join(DigestArchive, col(DigestArchive.digest_id) == col(Digest.id))
            .where(*where)
        ).one()
    )
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    rows = session.exec(
        select(Digest, Wijk.name, DigestArchive.lang, _has_chart())
        .join(DigestArchive, col(DigestArchive.digest_id) == col(Digest.id))
        .join(Wijk, col(Wijk.id) == col(Digest.wijk_id))
        .where(*where)
        .order_by(col(Digest.sent_at).desc(), col(Digest.id).desc())
        .offset(page * page_size)
        .limit(page_size)
    ).all()
    entries = [_entry(d, name, lang, chart, actor) for d, name, lang, chart in rows]
    return ArchivePage(entries, page, pages, total)


def _checked(session: Session, actor: Actor, digest_id: int) -> Digest:
    digest = session.get(Digest, digest_id)
    if digest is None or digest.status != DigestStatus.SENT.value:
        raise NotArchived(digest_id)
    if digest.wijk_id not in archive_wijken(actor):
        raise PermissionDenied()
    return digest


def get_archived(session: Session, actor: Actor, digest_id: int) -> ArchivedDigest:
    """One archived digest; PermissionDenied for a digest of a wijk the actor does not handle,
    NotArchived when there is none to show."""
    digest = _checked(session, actor, digest_id)
    row = session.exec(
        select(DigestArchive, Wijk.name, _has_chart())
        .join(Wijk, col(Wijk.id) == digest.wijk_id)
        .where(col(DigestArchive.digest_id) == digest_id)
        .options(defer(DigestArchive.chart_png))  # type: ignore[arg-type]
    ).first()
    if row is None:
        raise NotArchived(digest_id)
    archived, wijk_name, has_chart = row
    entry = _entry(digest, wijk_name, archived.lang, has_chart, actor)
    redacted = as_utc(archived.redacted_at) if archived.redacted_at else None
    return ArchivedDigest(entry, list(archived.messages), redacted)


def archived_chart(session: Session, actor: Actor, digest_id: int) -> bytes:
    """The chart (PNG) the coach received with that digest; same checks as `get_archived`."""
    _checked(session, actor, digest_id)
    chart = session.exec(
        select(DigestArchive.chart_png).where(DigestArchive.digest_id == digest_id)
    ).first()
    if not chart:
        raise NotArchived(digest_id)
    return bytes(chart)


# --- Telegram HTML to safe HTML -----------------------------------------------------------------

# Telegram's tags (https://core.telegram.org/bots/api#html-style), by the name shown on a page.
_TAGS = {
    "b": "b",
    "strong": "b",
    "i": "i",
    "em": "i",
    "u": "u",
    "ins": "u",
    "s": "s",
    "strike": "s",
    "del": "s",
    "a": "a",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
# Whose content is not text for people at all: dropped with the tag.
_DROPPED = {"script", "style", "template", "iframe", "object", "svg", "math", "noscript"}
_SCHEMES = {"http", "https"}


def safe_url(value: str | None) -> str | None:
    """An absolute http(s) URL with a host, else None. Nothing that a browser reads in another
    way: no whitespace or control characters anywhere, no backslashes, no credentials."""
    if not value or len(value) > 2048:
        return None
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c == "\\" for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SCHEMES or not parts.hostname or "@" in parts.netloc:
        return None
    return value


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []  # the tags we wrote and have not closed yet
        self.skipping: list[str] = []  # inside a dropped element: its tag names

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            if tag in _DROPPED:
                self.skipping.append(tag)
            return
        if tag in _DROPPED:
            self.skipping.append(tag)
            return
        if tag == "br":
            self.out.append("<br>")
            return
        name = _TAGS.get(tag)
        if name is None:
            return  # unknown tag: gone, its text stays
        if name == "a":
            if "a" in self.open:
                return  # no link inside a link
            url = safe_url(dict(attrs).get("href"))
            if url is None:
                self.open.append("")  # its text stays, as text; a marker to match its end
                return
            self.out.append(f'<a href="{html.escape(url, quote=True)}" rel="noopener noreferrer">')
            self.open.append("a")
            return
        self.out.append(f"<{name}>")
        self.open.append(name)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skipping and tag == "br":
            self.out.append("<br>")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        name = _TAGS.get(tag)
        if name is None:
            return
        wanted = {name, ""} if name == "a" else {name}
        # Close up to the most recent matching open tag (closing what was left open inside it).
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth] in wanted:
                while len(self.open) > depth:
                    self._close(self.open.pop())
                return

    def _close(self, name: str) -> None:
        if name:
            self.out.append(f"</{name}>")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        text = html.escape(data, quote=True)
        if "pre" not in self.open:
            text = text.replace("\r\n", "\n").replace("\n", "<br>\n")
        self.out.append(text)

    # Comments, <!DOCTYPE>, <?processing?>, <![CDATA[ ]]>: never shown.
    def handle_comment(self, data: str) -> None:
        return

    def handle_decl(self, decl: str) -> None:
        return

    def handle_pi(self, data: str) -> None:
        return

    def unknown_decl(self, data: str) -> None:
        return

    def result(self) -> str:
        self.close()
        while self.open:
            self._close(self.open.pop())
        return "".join(self.out)


def safe_fragment(telegram_html: str) -> str:
    """Telegram HTML as an HTML fragment safe to put in a page as it is.

    Only Telegram's own tags are kept (b, i, u, s, a, code, pre, blockquote; their other names,
    such as strong, become these), without attributes, except a link's href when it is an
    absolute http or https URL (anything else keeps the link's text, without the link). Every
    other tag is dropped and its text kept; script, style and the like go with their content;
    comments and declarations go. All text is escaped again; line breaks become <br> (in <pre>
    they stay); tags left open are closed. What comes out is built only from these fixed tags
    and escaped text, whatever went in.
    """
    parser = _Sanitiser()
    parser.feed(telegram_html)
    return parser.result()
