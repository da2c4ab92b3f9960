"""The digest archive: /archief lists the wijkoverzichten sent for the coach's wijken (newest
first, 20 a page, a wijk filter, "only those sent to me"), /archief/{id} shows one as the coach
received it, /archief/{id}/chart.png its chart.

All three check the permission for the digest's own wijk (bot/desk/archive.py: HANDLE_OBSERVATIONS
and VIEW_DIGEST there): another wijk's digest is a refusal page without anything of it, an
unknown one a "not found" page. The messages are Telegram HTML made safe by
bot.desk.archive.safe_fragment (fixed tags, escaped text); only those fragments are put in the
page without escaping (`|safe` in archive_digest.html), everything else is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar
from urllib.parse import urlencode

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.desk import archive
from bot.people.permissions import Actor, PermissionDenied
from models import Wijk
from web.auth import Coach, current_coach, desk, not_there, other_wijk
from web.ids import parse_id, path_id
from web.render import render

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PAGE = 100_000
ONE_SECOND = timedelta(seconds=1)  # a period ends the moment before period_end

T = TypeVar("T")


def _digest_id(request: Request, lang: str) -> int:
    return path_id(request, "digest_id", "desk.archive_unknown", lang)


def _archived(request: Request, coach: Coach, read: Callable[[Session, Actor, int], T]) -> T:
    """What `read` finds of the digest the path names: the refusal for another wijk's digest,
    404 for one that is not there."""
    digest_id = _digest_id(request, coach.lang)
    with desk(request).services.db.session() as session:
        try:
            return read(session, coach.actor, digest_id)
        except PermissionDenied:
            raise other_wijk(coach, "desk.other_wijk_digest") from None
        except archive.NotArchived:
            raise not_there("desk.archive_unknown", coach.lang) from None


async def archive_list(request: Request) -> Response:
    coach = current_coach(request)
    services = desk(request).services
    query = request.query_params
    raw_wijk = query.get("wijk") or None
    wijk_id = parse_id(raw_wijk) if raw_wijk else None
    if raw_wijk and wijk_id is None:
        raise other_wijk(coach)
    only_mine = query.get("mine") == "1"
    page = parse_id(query.get("page")) or 1
    if page > MAX_PAGE:
        page = 1
    with services.db.session() as session:
        try:
            found = archive.list_archive(
                session,
                coach.actor,
                [wijk_id] if wijk_id is not None else None,
                page - 1,
                only_mine=only_mine,
            )
        except PermissionDenied:
            raise other_wijk(coach) from None
        allowed = archive.archive_wijken(coach.actor)
        wijken = (
            [
                (w.id, w.name)
                for w in session.exec(
                    select(Wijk).where(col(Wijk.id).in_(allowed)).order_by(col(Wijk.name))
                )
            ]
            if allowed
            else []
        )

    def page_url(number: int) -> str:
        pairs: list[tuple[str, str]] = []
        if wijk_id is not None:
            pairs.append(("wijk", str(wijk_id)))
        if only_mine:
            pairs.append(("mine", "1"))
        if number > 1:
            pairs.append(("page", str(number)))
        return "/archief" + ("?" + urlencode(pairs) if pairs else "")

    number = found.page + 1
    return render(
        request,
        "archive.html",
        coach.lang,
        found=found,
        entries=found.entries,
        wijken=wijken,
        wijk_id=wijk_id,
        only_mine=only_mine,
        page=number,
        pages=found.pages,
        prev_url=page_url(number - 1) if number > 1 else None,
        next_url=page_url(number + 1) if number < found.pages else None,
        one_second=ONE_SECOND,
    )


async def archive_digest(request: Request) -> Response:
    coach = current_coach(request)
    digest = _archived(request, coach, archive.get_archived)
    # The one place the desk puts HTML in a page as it is (`|safe` in the template):
    # safe_fragment built it from fixed tags and escaped text only.
    fragments = digest.fragments
    return render(
        request,
        "archive_digest.html",
        coach.lang,
        digest=digest,
        entry=digest.entry,
        fragments=fragments,
        one_second=ONE_SECOND,
    )


async def archive_chart(request: Request) -> Response:
    coach = current_coach(request)
    chart = _archived(request, coach, archive.archived_chart)
    if not chart.startswith(PNG_MAGIC):
        raise not_there("desk.archive_unknown", coach.lang)
    return Response(
        chart,
        media_type="image/png",
        headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline"},
    )


routes = [
    Route("/archief", archive_list, methods=["GET"]),
    Route("/archief/{digest_id}", archive_digest, methods=["GET"]),
    Route("/archief/{digest_id}/chart.png", archive_chart, methods=["GET"]),
]
