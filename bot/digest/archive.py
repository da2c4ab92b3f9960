"""Keeping what a coach received with a digest: its messages and its chart (DigestArchive).

`record` runs in the transaction that records a digest's first progress (bot.digest.jobs
`progress`), before any part of this attempt goes out: a digest that went out, even in part, has
its archive, also when the sender dies half-way. An attempt that resumes after the parts an
earlier one sent rebuilds the digest; the coach then holds the earlier attempt's first parts and
this attempt's rest, and so does the archive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from bot.core.clock import as_utc
from bot.core.i18n import t
from bot.core.text import esc
from bot.digest.render import BRIEF_LIMIT, QUOTE_LIMIT, brief
from models import Digest, DigestArchive

if TYPE_CHECKING:
    from bot.digest.delivery import Outgoing

_CHART = object()  # the chart's place among the parts
_LIST = object()  # the CSV's place (not kept: see models/digest_archive.py)


def _parts(messages: list[str], chart: bytes | None) -> list[object]:
    """The parts in the order delivery sends them: the messages, the chart, the list."""
    return [*messages, (_CHART, chart), _LIST]


def record(
    session: Session, digest_id: int, outgoing: Outgoing, now: datetime, skip: int = 0
) -> DigestArchive:
    """Store (or bring up to date) the archive of one digest; the caller commits.

    `skip`: how many parts earlier attempts sent; those stay as they were archived, the rest is
    this attempt's. Without an earlier archive (sent before archives existed) this attempt's
    parts stand for all.
    """
    row = session.exec(select(DigestArchive).where(DigestArchive.digest_id == digest_id)).first()
    if row is None:
        row = DigestArchive(
            digest_id=digest_id,
            lang=outgoing.lang,
            messages=list(outgoing.texts),
            chart_png=outgoing.chart,
            created_at=now,
        )
        session.add(row)
        return row
    if skip <= 0:
        row.messages, row.chart_png, row.lang = list(outgoing.texts), outgoing.chart, outgoing.lang
    else:
        before = _parts(list(row.messages), row.chart_png)
        after = _parts(list(outgoing.texts), outgoing.chart)
        combined = before[:skip] + after[skip:]
        row.messages = [p for p in combined if isinstance(p, str)]
        charts = [p[1] for p in combined if isinstance(p, tuple)]
        row.chart_png = charts[0] if charts else None
    session.add(row)
    return row


# --- erasure ------------------------------------------------------------------------------------
#
# The archive quotes what residents wrote: observations (by their number) and comments on the
# spiegel. When a resident has themselves erased with everything they wrote, their words go from
# the archive too, in the erasure's own transaction: each quote of theirs is replaced by a short
# note in the digest's language, the rest of the digest (counts, other people's words, the chart,
# which holds counts only) stays as it was. When they chose to keep their contributions, unlinked
# from them, the quotes stay, as the observations themselves do. What already reached a coach's
# Telegram chat cannot be changed from here.


@dataclass(frozen=True)
class Quoted:
    """Words of one resident that a digest may quote: an observation (with its reference) or a
    comment on the spiegel (reference None), in a wijk, written at a moment."""

    wijk_id: int
    text: str
    at: datetime
    reference: str | None = None


def _forms(text: str) -> set[str]:
    """The text as the digest shows it: cut short at one of its lengths, and escaped."""
    return {esc(brief(text, limit)) for limit in (QUOTE_LIMIT, BRIEF_LIMIT)} - {""}


def _redact_message(message: str, quoted: list[Quoted], note: str) -> str:
    for item in quoted:
        for form in _forms(item.text):
            # Between quotation marks: a group's example, a spiegel comment (both languages;
            # today's catalogues' ‘…’, and those of older digests).
            for opening, closing in (("‘", "’"), ("„", "”"), ("“", "”")):
                message = message.replace(f"{opening}{form}{closing}", f"{opening}{note}{closing}")
            if item.reference is None:
                continue
            ref = re.escape(esc(item.reference))
            # "• <b>M-12</b> text" (a single observation), "<b>M-12</b> · date · kind\n   text"
            # (needs attention): the text right after its own reference, on that line or the next.
            pattern = re.compile(
                rf"(<b>{ref}(?![0-9])[^<\n]*</b>(?: · [^\n]*\n   | ))"
                + re.escape(form)
                + r"(?=$|\n| ·)",
                re.MULTILINE,
            )
            message = pattern.sub(lambda m: m.group(1) + note, message)
    return message


def redact(session: Session, quoted: list[Quoted], now: datetime) -> int:
    """Take these words out of every archived digest that can hold them (their wijk, a period
    that ended after they were written); the caller commits. How many digests changed."""
    by_wijk: dict[int, list[Quoted]] = {}
    for item in quoted:
        if item.text.strip():
            by_wijk.setdefault(item.wijk_id, []).append(item)
    changed = 0
    for wijk_id, items in by_wijk.items():
        since = min(as_utc(i.at) for i in items)
        rows = session.exec(
            select(DigestArchive)
            .join(Digest, col(Digest.id) == col(DigestArchive.digest_id))
            .where(col(Digest.wijk_id) == wijk_id, col(Digest.period_end) > since)
            .options(defer(DigestArchive.chart_png))  # type: ignore[arg-type]
        ).all()
        for row in rows:
            note = esc(t(row.lang, "archive.redacted"))
            messages = [_redact_message(m, items, note) for m in row.messages]
            if messages != row.messages:
                row.messages, row.redacted_at = messages, now
                session.add(row)
                changed += 1
    return changed
