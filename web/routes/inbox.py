"""The inbox: / lists the observations of the coach's wijken, newest first, paged."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import func
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from models import Observation, ObservationStatus
from web.auth import current_coach, desk
from web.render import render

PAGE_SIZE = 50


async def inbox(request: Request) -> Response:
    coach = current_coach(request)
    services = desk(request).services
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    where = (
        col(Observation.wijk_id).in_(coach.wijk_ids),
        col(Observation.status) != ObservationStatus.WITHDRAWN.value,
    )
    with services.db.session() as session:
        total = int(session.exec(select(func.count()).select_from(Observation).where(*where)).one())
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(page, pages)
        rows = list(
            session.exec(
                select(Observation)
                .where(*where)
                .order_by(col(Observation.created_at).desc(), col(Observation.id).desc())
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            ).all()
        )
    return render(
        request,
        "inbox.html",
        coach.lang,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        prev_url="/?" + urlencode({"page": page - 1}) if page > 1 else None,
        next_url="/?" + urlencode({"page": page + 1}) if page < pages else None,
    )


routes = [Route("/", inbox, methods=["GET"])]
