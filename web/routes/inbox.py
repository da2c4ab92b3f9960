"""The inbox: / lists the observations of the coach's wijken, newest first, 50 a page, with the
filter form (GET: the filter is the query string, so a view can be bookmarked), the counts per
filter value and the pages. The query and its counts are bot/desk/inbox.py's."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.desk.inbox import NO_THEME, PRESET_DAYS, STATUSES, SWOTS, AuthorKind, InboxFilter
from bot.desk.inbox import inbox_page as load_page
from bot.observations import answer_templates
from models import Wijk
from web.auth import current_coach, desk
from web.render import render
from web.routes.actions import BULK_STATUSES


async def inbox(request: Request) -> Response:
    coach = current_coach(request)
    services = desk(request).services
    config = services.config
    flt = InboxFilter.from_query(request.query_params, themes=[t.slug for t in config.themes])
    with services.db.session() as session:
        page = load_page(session, coach.actor, flt, now=services.clock.now(), tz=config.general.tz)
        wijken = [
            (w.id, w.name)
            for w in (session.get(Wijk, wijk_id) for wijk_id in page.wijken)
            if w is not None
        ]
        bulk_templates = []
        for wijk_id, name in sorted(wijken, key=lambda item: item[1]):
            kept = answer_templates.list_for(session, coach.actor, wijk_id or 0)
            if kept:
                bulk_templates.append((name, kept))
    applied = page.filter

    export_query = applied.with_(page=1).to_query()
    here = applied.to_query()
    select_all = request.query_params.get("kies") == "alle"

    def page_url(number: int) -> str:
        query = applied.with_(page=number).to_query()
        return "/?" + query if query else "/"

    return render(
        request,
        "inbox.html",
        coach.lang,
        inbox=page,
        flt=applied,
        rows=page.rows,
        total=page.total,
        page=page.page,
        pages=page.pages,
        wijken=sorted(wijken, key=lambda item: item[1]),
        swots=SWOTS,
        themes=[(t.slug, t.label(coach.lang)) for t in config.themes],
        no_theme=NO_THEME,
        statuses=[s for s in STATUSES if s in page.counts.status or s in applied.status],
        authors=[k.value for k in AuthorKind],
        preset_days=PRESET_DAYS,
        prev_url=page_url(page.page - 1) if page.page > 1 else None,
        next_url=page_url(page.page + 1) if page.page < page.pages else None,
        export_csv="/export.csv" + ("?" + export_query if export_query else ""),
        export_xlsx="/export.xlsx" + ("?" + export_query if export_query else ""),
        back=here,
        bulk_key=secrets.token_urlsafe(18),
        bulk_statuses=[s for s in BULK_STATUSES if s != "read"],
        bulk_templates=bulk_templates,
        select_all=select_all,
        select_all_url="/?" + (here + "&" if here else "") + "kies=alle#bulk",
    )


routes = [Route("/", inbox, methods=["GET"])]
