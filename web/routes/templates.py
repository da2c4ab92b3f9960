"""Answer templates: /sjablonen lists them per wijk the coach handles, with a form to add one,
to change or delete each, and "Voorbeelden toevoegen" for a wijk that has none yet; the page
explains the placeholders by their names in the coach's language ({melding} and {wijk}, or
{report} and {district}; either is filled in).

bot/observations/answer_templates.py checks HANDLE_OBSERVATIONS for each template's own wijk
(whatever the form said). After a change: back to the page (303) with a short message; after a
refusal: the page with the message and what was typed.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.core.i18n import catalog, t
from bot.observations import answer_templates
from bot.observations.coach import Refused
from bot.people.permissions import PermissionDenied
from models import Wijk
from web.auth import Coach, Refusal, current_coach, desk, other_wijk
from web.flash import Notice, flash
from web.ids import parse_id, path_id
from web.kept import typed_in
from web.render import render
from web.routes.actions import refusal_text

PAGE = "/sjablonen"


def _page(
    request: Request,
    coach: Coach,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    problem: str | None = None,
) -> Response:
    services = desk(request).services
    sections = []
    with services.db.session() as session:
        for wijk_id in coach.wijk_ids:
            wijk = session.get(Wijk, wijk_id)
            if wijk is None:
                continue
            kept = answer_templates.list_for(session, coach.actor, wijk_id)
            sections.append((wijk_id, wijk.name, kept))
    sections.sort(key=lambda section: section[1])
    values: dict[str, Any] = {
        "sections": sections,
        "form": form or {},
        "limit_title": answer_templates.TITLE_LIMIT,
        "limit_body": answer_templates.BODY_LIMIT,
        "placeholders": answer_templates.placeholders(coach.lang),
    }
    if problem is not None:
        values["notices"] = [Notice(problem, "problem")]
    return render(request, "templates.html", coach.lang, status=status, **values)


def _refusal(coach: Coach, refused: Refused) -> str:
    """The refusal in the coach's language; one about the blanks names them as the page does."""
    if refused.message_key == "desk_templates.unknown_blank":
        names = answer_templates.placeholders(coach.lang)
        return t(coach.lang, refused.message_key, **names, **refused.values)
    return refusal_text(coach.lang, refused)


async def templates_page(request: Request) -> Response:
    return _page(request, current_coach(request))


async def _fields(request: Request, *names: str) -> dict[str, str]:
    async with request.form(max_files=0) as form:
        return {name: str(form.get(name) or "") for name in names}


def _wijk(coach: Coach, raw: str) -> int:
    wijk_id = parse_id(raw)
    if wijk_id is None or wijk_id not in coach.wijk_ids:
        raise other_wijk(coach)
    return wijk_id


def _template_id(coach: Coach, request: Request) -> int:
    return path_id(request, "template_id", "desk_templates.unknown", coach.lang)


async def add(request: Request) -> Response:
    coach = current_coach(request)
    services = desk(request).services
    form = await _fields(request, "wijk", "title", "body")
    wijk_id = _wijk(coach, form["wijk"])
    form["target"] = f"new-{wijk_id}"
    try:
        with services.db.session() as session:
            answer_templates.create(
                session, coach.actor, wijk_id, form["title"], form["body"], services.clock.now()
            )
    except PermissionDenied:
        raise other_wijk(coach) from None
    except Refused as refused:
        return _page(request, coach, status=400, form=form, problem=_refusal(coach, refused))
    flash(request, t(coach.lang, "desk_actions.tpl_added"))
    return RedirectResponse(PAGE, status_code=303)


async def add_examples(request: Request) -> Response:
    coach = current_coach(request)
    services = desk(request).services
    form = await _fields(request, "wijk")
    wijk_id = _wijk(coach, form["wijk"])
    try:
        with services.db.session() as session:
            answer_templates.add_defaults(
                session, coach.actor, wijk_id, catalog(), coach.lang, services.clock.now()
            )
    except PermissionDenied:
        raise other_wijk(coach) from None
    except Refused as refused:
        return _page(request, coach, status=400, problem=_refusal(coach, refused))
    flash(request, t(coach.lang, "desk_actions.tpl_defaults_added"))
    return RedirectResponse(PAGE, status_code=303)


async def change(request: Request) -> Response:
    coach = current_coach(request)
    services = desk(request).services
    template_id = _template_id(coach, request)
    form = await _fields(request, "title", "body")
    form["target"] = f"tpl-{template_id}"
    try:
        with services.db.session() as session:
            answer_templates.update(
                session, coach.actor, template_id, form["title"], form["body"], services.clock.now()
            )
    except PermissionDenied:
        raise other_wijk(coach) from None
    except Refused as refused:
        if refused.message_key == "desk_templates.unknown":
            # Deleted meanwhile (by a colleague): what was typed comes back to copy.
            raise Refusal(
                refused.message_key,
                lang=coach.lang,
                status=404,
                coach=True,
                help_key=None,
                typed=typed_in(form),
            ) from None
        return _page(request, coach, status=400, form=form, problem=_refusal(coach, refused))
    flash(request, t(coach.lang, "desk_actions.tpl_saved"))
    return RedirectResponse(f"{PAGE}#tpl-{template_id}", status_code=303)


async def remove(request: Request) -> Response:
    coach = current_coach(request)
    services = desk(request).services
    template_id = _template_id(coach, request)
    try:
        with services.db.session() as session:
            answer_templates.delete(session, coach.actor, template_id)
    except PermissionDenied:
        raise other_wijk(coach) from None
    flash(request, t(coach.lang, "desk_actions.tpl_deleted"))
    return RedirectResponse(PAGE, status_code=303)


routes = [
    Route(PAGE, templates_page, methods=["GET"]),
    Route(PAGE, add, methods=["POST"]),
    Route(f"{PAGE}/voorbeelden", add_examples, methods=["POST"]),
    Route(PAGE + "/{template_id}", change, methods=["POST"]),
    Route(PAGE + "/{template_id}/weg", remove, methods=["POST"]),
]
