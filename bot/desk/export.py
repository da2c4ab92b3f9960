"""The inbox's current filter as a file: CSV and XLSX, in the coach's language.

All rows of the filter (every page), read in batches of BATCH newest first (keyset paging on
created_at and id, so a batch costs the same at the end as at the start) and written as they
come: nothing holds the whole export in memory except openpyxl's own temporary file.

- The sender's name only where they chose to share it with that observation; otherwise their
  pseudonym (as the chat shows them to a coach: `inbox.author_label`). The coach's own
  observations (they live in the wijk) say "jou", as the desk and the chat do ("Van: jou").
- Cells that start with = + - @ (or a tab or carriage return) get a leading apostrophe, so that
  a spreadsheet never runs what someone wrote as a formula (CSV/formula injection, OWASP).
  Only text people typed or chose can start so; our own numbers (coordinates) are left as they are.
- CSV: UTF-8 with a byte order mark (Excel otherwise reads it as Windows-1252: "Ã«" for "ë").
  Dutch: `;` between fields and a decimal comma, because Excel with Dutch regional settings uses
  `;` as its list separator (with `,` everything lands in one column) and reads "52.3" as 523
  (the dot separates thousands there). English: `,` and a decimal point, as Excel expects there.
  XLSX has neither problem: real numbers, no separators.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import and_, or_
from sqlmodel import Session

from bot.core.clock import as_utc, utcnow
from bot.core.i18n import catalog, csv_dialect, t
from bot.core.text import xml_text
from bot.desk.inbox import (
    AMSTERDAM,
    NO_THEME,
    AuthorKind,
    InboxFilter,
    allowed_wijken,
    author_label,
    facet_conditions,
    rows_statement,
    scope_conditions,
)
from bot.people.permissions import Actor
from models.observation import Observation
from models.wijk import Wijk

BATCH = 500
COLUMNS = (
    "reference",
    "date",
    "wijk",
    "question",
    "theme",
    "status",
    "author",
    "kind",
    "text",
    "photo",
    "latitude",
    "longitude",
    "supporters",
    "urgent",
)
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")

_O = Observation.__table__  # type: ignore[attr-defined]
_W = Wijk.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ExportRow:
    id: int
    wijk_name: str
    created_at: datetime  # aware UTC
    swot: str
    theme: str | None
    status: str
    text: str
    has_photo: bool
    latitude: float | None
    longitude: float | None
    author: str | None  # shared name or pseudonym; None: erased
    author_kind: AuthorKind
    supporters: int
    urgent_kind: str | None
    own: bool = False  # the coach exporting sent it (coach.is_own): "jou", not their pseudonym


def export_rows(
    session: Session,
    actor: Actor | None,
    flt: InboxFilter,
    *,
    now: datetime | None = None,
    tz: ZoneInfo = AMSTERDAM,
    batch: int = BATCH,
) -> Iterator[ExportRow]:
    """Every row of the filter (its page ignored), newest first, read BATCH at a time. The
    session must stay open while the caller iterates (a streamed response: open it inside)."""
    now = now or utcnow()
    handled, flt = allowed_wijken(actor, replace(flt, page=1))
    if not handled:
        return
    dialect = session.get_bind().dialect.name
    where = [
        *scope_conditions(flt, handled, dialect, now, tz),
        *facet_conditions(flt).values(),
    ]
    base = rows_statement(
        _O.c.id,
        _W.c.name,
        _O.c.created_at,
        _O.c.swot,
        _O.c.theme,
        _O.c.status,
        _O.c.text,
        _O.c.photo_file_id.is_not(None),
        _O.c.latitude,
        _O.c.longitude,
        _O.c.person_id,
    ).limit(batch)
    after: tuple[datetime, int] | None = None
    while True:
        statement = base.where(*where)
        if after is not None:
            at, last_id = after
            statement = statement.where(
                or_(_O.c.created_at < at, and_(_O.c.created_at == at, _O.c.id < last_id))
            )
        found = session.connection().execute(statement).all()
        for r in found:
            yield ExportRow(
                id=r[0],
                wijk_name=r[1],
                created_at=as_utc(r[2]),
                swot=r[3],
                theme=r[4],
                status=r[5],
                text=r[6],
                has_photo=bool(r[7]),
                latitude=r[8],
                longitude=r[9],
                author=author_label(bool(r[11]), r[12], r[13]),
                author_kind=AuthorKind.PARTNER if r[14] == "partner" else AuthorKind.RESIDENT,
                urgent_kind=r[15],
                supporters=int(r[16] or 0),
                own=actor is not None and r[10] is not None and r[10] == actor.id,
            )
        if len(found) < batch:
            return
        after = (found[-1][2], found[-1][0])


def neutralise(value: str) -> str:
    """Text a spreadsheet would read as a formula, made plain text (a leading apostrophe)."""
    return "'" + value if value.startswith(_DANGEROUS_START) else value


def headers(lang: str) -> list[str]:
    return [t(lang, f"desk_export.col_{name}") for name in COLUMNS]


def _label(lang: str, key: str, fallback: str) -> str:
    return t(lang, key) if catalog().has(key) else fallback


Cell = str | int | float | None


def cells(
    row: ExportRow,
    lang: str,
    *,
    tz: ZoneInfo = AMSTERDAM,
    theme_label: Callable[[str], str] | None = None,
) -> list[Cell]:
    """One row's cells in COLUMNS order: text neutralised, numbers as numbers."""
    theme = (
        t(lang, "desk_export.no_theme")
        if row.theme is None or row.theme == NO_THEME
        else (theme_label(row.theme) if theme_label else row.theme)
    )
    yes, no = t(lang, "desk_export.yes"), t(lang, "desk_export.no")
    values: list[Cell] = [
        f"M-{row.id}",
        row.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        row.wijk_name,
        _label(lang, f"coach.swot.{row.swot}", row.swot),
        theme,
        _label(lang, f"status.{row.status}", row.status),
        _author(row, lang),
        t(lang, f"roles.{row.author_kind.value}"),
        row.text,
        yes if row.has_photo else no,
        row.latitude,
        row.longitude,
        row.supporters,
        _label(lang, f"urgent.kind.{row.urgent_kind}", row.urgent_kind) if row.urgent_kind else "",
    ]
    return [neutralise(v) if isinstance(v, str) else v for v in values]


def _author(row: ExportRow, lang: str) -> str:
    """As the desk's page names the sender: "jou" for the coach's own, the shared name or the
    pseudonym, or that they erased their data."""
    if row.own:
        return t(lang, "coach.author_you")
    return row.author if row.author is not None else t(lang, "desk_export.erased")


def csv_chunks(
    rows: Iterable[ExportRow],
    lang: str,
    *,
    tz: ZoneInfo = AMSTERDAM,
    theme_label: Callable[[str], str] | None = None,
) -> Iterator[bytes]:
    """The CSV file in pieces (a streamed response's body): BOM, header, then the rows."""
    separator, decimal = csv_dialect(lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(headers(lang))
    yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for i, row in enumerate(rows, 1):
        values = cells(row, lang, tz=tz, theme_label=theme_label)
        writer.writerow(_csv_value(v, decimal) for v in values)
        if i % 200 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def _csv_value(value: Cell, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", decimal)
    return str(value)


def write_xlsx(
    rows: Iterable[ExportRow],
    lang: str,
    out: str | IO[bytes],
    *,
    tz: ZoneInfo = AMSTERDAM,
    theme_label: Callable[[str], str] | None = None,
) -> None:
    """The XLSX workbook (openpyxl's write-only mode: rows go to a temporary file as they come)
    into `out`, a path or a binary file. Every text cell is stored as text, never as a formula."""
    workbook = Workbook(write_only=True)
    sheet: Any = workbook.create_sheet(t(lang, "desk_export.sheet")[:31])
    sheet.append(headers(lang))
    for row in rows:
        sheet.append(
            [_xlsx_cell(sheet, v) for v in cells(row, lang, tz=tz, theme_label=theme_label)]
        )
    workbook.save(out)


def _xlsx_cell(sheet: Any, value: Cell) -> Any:
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=xml_text(value))
    cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
    return cell


def filename(lang: str, extension: str, now: datetime, tz: ZoneInfo = AMSTERDAM) -> str:
    """meldingen-2026-11-30.xlsx"""
    return f"{t(lang, 'desk_export.filename')}-{now.astimezone(tz):%Y-%m-%d}.{extension}"
