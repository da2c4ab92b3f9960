"""Logging in and out.

- POST /auth/telegram: the login page's script (web/static/login.js) posts Telegram's initData
  (and the CSRF token of the login page's session); valid, fresh, never used before and from a
  coach: a session, then the page asked for.
- GET /login/{token}: a one-time link from /bureau; valid and unused: a session, then /.
- GET /login?next=/path: the login page (200); a browser without a session that opens a page
  is sent here (web/app.py not_logged_in). With a session already: on to `next`.
- POST /logout: the session ends, also for every copy of its cookie (web/auth.py log_out).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.core.i18n import pick_language
from bot.core.logs import pseudonym
from bot.desk import init_data, login_links
from models import Person
from web.auth import (
    Refusal,
    browser_language,
    coach_for,
    desk,
    log_in,
    log_out,
    page_language,
    session_user,
)
from web.render import render

_log = logging.getLogger(__name__)


def safe_next(value: object) -> str:
    """Only a path on this site (never //elsewhere or a scheme)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


async def telegram_login(request: Request) -> Response:
    state = desk(request)
    services = state.services
    config = services.config.desk
    async with request.form(max_files=0) as form:
        raw = form.get("init_data")
        target = safe_next(form.get("next"))
    max_age = timedelta(seconds=config.init_data_max_age_seconds)
    now = services.clock.now()
    try:
        data = init_data.validate(
            raw if isinstance(raw, str) else "", state.bot.token, now=now, max_age=max_age
        )
    except init_data.InitDataError as exc:
        _log.info("desk: initData refused (%s)", exc.reason)
        raise Refusal("desk.login_refused") from None
    lang = pick_language(data.language_code, services.config.general.default_language)
    with services.db.session() as session:
        fresh = init_data.claim(session, data, now=now, max_age=max_age)
    if not fresh:
        _log.info("desk: initData of %s used again", pseudonym(data.telegram_id))
        raise Refusal("desk.login_refused", lang=lang)
    try:
        coach = coach_for(services, data.telegram_id)
    except Refusal as refusal:
        raise Refusal(
            refusal.message_key, lang=refusal.lang or lang, reopen=refusal.reopen
        ) from None
    log_in(request, coach.telegram_id, "telegram")
    _log.info("desk: %s logged in through Telegram", pseudonym(coach.telegram_id))
    return RedirectResponse(target, status_code=303)


async def link_login(request: Request) -> Response:
    services = desk(request).services
    token = request.path_params["token"]
    with services.db.session() as session:
        person_id = login_links.use(session, token, now=services.clock.now())
        person = session.get(Person, person_id) if person_id else None
        telegram_id = person.telegram_id if person is not None else None
    if telegram_id is None:
        _log.info("desk: a login link was refused (unknown, used or expired)")
        raise Refusal("desk.link_refused")
    coach = coach_for(services, telegram_id)
    log_in(request, coach.telegram_id, "link")
    _log.info("desk: %s logged in with a link", pseudonym(coach.telegram_id))
    return RedirectResponse("/", status_code=303)


async def login_page(request: Request) -> Response:
    target = safe_next(request.query_params.get("next"))
    if session_user(request) is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "login.html", browser_language(request), next=target)


async def logout(request: Request) -> Response:
    lang = page_language(request)  # the coach's who logs out, read before the session ends
    log_out(request)
    return render(request, "logged_out.html", lang)


routes = [
    Route("/auth/telegram", telegram_login, methods=["POST"]),
    Route("/login", login_page, methods=["GET"]),
    Route("/login/{token}", link_login, methods=["GET"]),
    Route("/logout", logout, methods=["POST"]),
]
