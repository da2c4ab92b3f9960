"""The inbox: / lists the observations of the coach's wijken, newest first, 50 a page, with the
filter form (GET: the filter is the query string, so a view can be bookmarked), the counts per
filter value and the pages. The query and its counts are bot/desk/inbox.py's.

`show_inbox` also answers the bulk form (web/routes/actions.py) when it refuses a choice
before touching anything: the same view, with the same ticks, action and fields."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.core.i18n import t
from bot.desk.inbox import NO_THEME, PRESET_DAYS, STATUSES, SWOTS, AuthorKind, InboxFilter
from bot.desk.inbox import inbox_page as load_page
from bot.observations import answer_templates, statuses
from models import ObservationStatus as S
from models import Wijk
from web.auth import Coach, current_coach, desk
from web.flash import Notice, take
from web.render import render

# What the bulk form offers: mark read, a status, or an answer template.
BULK_STATUSES = tuple(s for s in statuses.COACH if s != S.NEW.value)


@dataclass(frozen=True)
class BulkChoice:
    """What the coach chose in the bulk form: the ticked ids, the action and its fields (kept
    when the choice is refused, so nothing is picked or typed twice)."""

    ids: frozenset[int] = frozenset()
    action: str = ""
    partner: str = ""
    duplicate: str = ""
    reason: str = ""
    template: str = ""


def show_inbox(
    request: Request,
    coach: Coach,
    flt: InboxFilter,
    *,
    status: int = 200,
    chosen: BulkChoice | None = None,
    problem: str | None = None,
) -> Response:
    """The inbox of this filter; `chosen` and `problem`: a refused bulk choice and why."""
    services = desk(request).services
    config = services.config
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

    notices = take(request)
    if problem is not None:
        notices.append(Notice(problem, "problem"))
    if flt.dates_swapped:
        notices.append(Notice(t(coach.lang, "desk.dates_swapped"), "problem"))
    chosen = chosen or BulkChoice()
    return render(
        request,
        "inbox.html",
        coach.lang,
        status=status,
        notices=notices,
        inbox=page,
        flt=applied,
        rows=page.rows,
        total=page.total,
        page=page.page,
        pages=page.pages,
        wijken=sorted(wijken, key=lambda item: item[1]),
        swots=SWOTS,
        themes=[(theme.slug, theme.label(coach.lang)) for theme in config.themes],
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
        chosen=chosen,
        bulk_open=select_all or bool(chosen.ids) or problem is not None,
    )


async def inbox(request: Request) -> Response:
    coach = current_coach(request)
    config = desk(request).services.config
    themes = [theme.slug for theme in config.themes]
    flt = InboxFilter.from_query(request.query_params, themes=themes)
    return show_inbox(request, coach, flt)


routes = [Route("/", inbox, methods=["GET"])]
