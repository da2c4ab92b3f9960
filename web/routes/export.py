"""The inbox's current filter as a file: /export.csv and /export.xlsx, with the inbox's query
string (the links under the inbox's count carry it).

Only the wijken the coach handles, read as the inbox reads them (bot/desk/inbox.py
`allowed_wijken`); a wijk in the query that the coach does not handle is refused (403) rather
than quietly left out, so the file never holds more or other than the coach asked for. The rows
come from bot/desk/export.py: names only where the sender shared theirs, no formulas.

The CSV streams as the rows are read (its session lives as long as the response). The XLSX is
written by openpyxl into a temporary file in a worker thread (a zip is finished at its end),
then streamed from there in pieces.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from typing import IO

import anyio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bot.desk import export
from bot.desk.inbox import InboxFilter, allowed_wijken
from web.auth import Coach, current_coach, desk, other_wijk

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
CHUNK = 64 * 1024
SPOOL_BYTES = 4 * 1024 * 1024  # an XLSX up to this size stays in memory, a larger one on disk


def _filter(request: Request, coach: Coach) -> InboxFilter:
    """The inbox's filter from the query string; Refusal when it names another wijk."""
    config = desk(request).services.config
    flt = InboxFilter.from_query(request.query_params, themes=[t.slug for t in config.themes])
    handled, allowed = allowed_wijken(coach.actor, flt)
    if allowed.wijken != flt.wijken or not handled:
        raise other_wijk(coach)
    return flt


def _headers(request: Request, coach: Coach, extension: str) -> dict[str, str]:
    services = desk(request).services
    name = export.filename(coach.lang, extension, services.clock.now(), services.config.general.tz)
    safe = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "-._")) or "export"
    return {
        "Content-Disposition": f'attachment; filename="{safe}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def _theme_label(request: Request, lang: str) -> Callable[[str], str]:
    config = desk(request).services.config

    def label(slug: str) -> str:
        theme = config.theme(slug)
        return theme.label(lang) if theme is not None else slug

    return label


async def export_csv(request: Request) -> Response:
    coach = current_coach(request)
    flt = _filter(request, coach)
    services = desk(request).services
    tz, now = services.config.general.tz, services.clock.now()
    theme_label = _theme_label(request, coach.lang)

    def body() -> Iterator[bytes]:
        with services.db.session() as session:
            rows = export.export_rows(session, coach.actor, flt, now=now, tz=tz)
            yield from export.csv_chunks(rows, coach.lang, tz=tz, theme_label=theme_label)

    return StreamingResponse(body(), media_type=CSV_TYPE, headers=_headers(request, coach, "csv"))


async def export_xlsx(request: Request) -> Response:
    coach = current_coach(request)
    flt = _filter(request, coach)
    services = desk(request).services
    tz, now = services.config.general.tz, services.clock.now()
    theme_label = _theme_label(request, coach.lang)
    out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115

    def write() -> None:
        with services.db.session() as session:
            rows = export.export_rows(session, coach.actor, flt, now=now, tz=tz)
            export.write_xlsx(rows, coach.lang, out, tz=tz, theme_label=theme_label)
        out.seek(0)

    try:
        await anyio.to_thread.run_sync(write)
    except BaseException:
        out.close()
        raise

    async def body() -> AsyncIterator[bytes]:
        try:
            while chunk := await anyio.to_thread.run_sync(out.read, CHUNK):
                yield chunk
        finally:
            out.close()

    return StreamingResponse(body(), media_type=XLSX_TYPE, headers=_headers(request, coach, "xlsx"))


routes = [
    Route("/export.csv", export_csv, methods=["GET"]),
    Route("/export.xlsx", export_xlsx, methods=["GET"]),
]
