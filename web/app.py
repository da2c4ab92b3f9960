"""The desk's web app: `create_app(services, bot)` (Starlette), served by web/server.py in the
bot's own process and event loop.

Adding a page: a module in web/routes/ with its handlers and a `routes` list (Route/Mount),
named in ROUTE_MODULES below; a handler starts with `coach = current_coach(request)` (web/auth),
checks the permission for the wijk of what it shows, and answers with
`render(request, "page.html", coach.lang, ...)` (web/render). A form: `method="post"` with
`<input type="hidden" name="csrf" value="{{ csrf }}">` (web/templates/base.html has a macro);
web/security.py CsrfCheck refuses a POST without it before the route runs. Texts go in
locales/*/desk.toml; scripts and styles in web/static (no inline script or style: CSP).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.context import Services
from bot.desk.session_key import session_secret
from web import kept
from web.auth import (
    Coach,
    DeskState,
    NotLoggedIn,
    Refusal,
    browser_language,
    current_coach,
    page_language,
    session_language,
    session_user,
)
from web.render import STATIC, environment, render
from web.routes import actions as action_routes
from web.routes import archive as archive_routes
from web.routes import auth as auth_routes
from web.routes import export as export_routes
from web.routes import inbox as inbox_routes
from web.routes import observation as observation_routes
from web.routes import templates as template_routes
from web.security import CsrfCheck, SecurityHeaders, ServerErrorPage

_log = logging.getLogger(__name__)

SESSION_COOKIE = "wijkbureau"
LOGIN_FORM = "/auth/telegram"  # the login page's own form: no session before it
# The pages, in the order Starlette tries their routes.
ROUTE_MODULES = (
    auth_routes,
    inbox_routes,
    observation_routes,
    action_routes,
    template_routes,
    export_routes,
    archive_routes,
)


async def refused(request: Request, exc: Exception) -> Response:
    """A refusal: the message only, nothing of any wijk. A coach refused something of another
    wijk keeps the desk's header and a link back to their own inbox."""
    assert isinstance(exc, Refusal)
    lang = page_language(request, exc.lang)
    if exc.coach:
        return render(
            request,
            "refused_coach.html",
            lang,
            status=exc.status,
            message_key=exc.message_key,
            help_key=exc.help_key,
            typed=exc.typed,
        )
    return render(
        request,
        "refused.html",
        lang,
        status=exc.status,
        message_key=exc.message_key,
        typed=exc.typed,
        login_url=None,
        reopen=exc.reopen,
    )


async def not_found(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals: no page here (an unknown path, or a form's address opened as a
    page), or a request it could not read. The desk's own page, with the way back to the inbox
    for a coach."""
    assert isinstance(exc, HTTPException)
    lang = session_language(request)
    coach = getattr(request.state, "coach", None)  # there when the session is a coach's
    # 404 and 405 (a form's address opened as a page): no page here. Anything else Starlette
    # refuses (a malformed form, 400) did not work: the general text.
    message_key = "desk.not_found" if exc.status_code in (404, 405) else "desk.error"
    values: dict[str, Any] = {"status": exc.status_code, "message_key": message_key}
    if isinstance(coach, Coach):
        response = render(
            request, "refused_coach.html", coach.lang, help_key=None, typed=(), **values
        )
    else:
        response = render(
            request,
            "refused.html",
            lang or browser_language(request),
            typed=(),
            login_url=None,
            **values,
        )
    response.headers.update(exc.headers or {})  # e.g. Allow, for a form's address opened as a page
    return response


def wants_page(request: Request) -> bool:
    """A browser opening a page (not a script, a picture or a client that did not ask for HTML)."""
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


async def not_logged_in(request: Request, exc: Exception) -> Response:
    """No session. A browser opening a page goes to the login page (which answers 200 and
    posts Telegram's initData, or says how to get a link), and comes back here after it; a
    form sent after the session ended (logged out in another tab) says so, with what was typed
    in it and the way back in; anything else is refused with 401 (and the login page as its
    body)."""
    if request.method == "POST":
        return await session_ended(request)
    target = request.url.path if request.method == "GET" else "/"
    if request.url.query and request.method == "GET":
        target += "?" + request.url.query
    if wants_page(request):
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
    lang = browser_language(request)  # nobody is logged in
    return render(request, "login.html", lang, status=401, next=target)


async def session_ended(request: Request) -> Response:
    """A coach's form sent without a live session (it ran out while they typed, or they logged
    out elsewhere): nothing done; what they typed, to copy; the way back in (inside Telegram:
    close the desk and open it again, its initData was used; in a browser: a new link)."""
    back = kept.form_page(request.url.path)
    return render(
        request,
        "session_ended.html",
        browser_language(request),  # nobody is logged in
        status=401,
        typed=await kept.typed(request),
        login_url=kept.login_url(back),
    )


async def csrf_refused(request: Request) -> Response:
    """A form without the session's CSRF token. Nobody logged in (the session ran out, its
    cookie is gone): the session ended, say so. A coach whose session has another token now
    (they logged in again): the form is too old, with the way back to its page. Both show
    what was typed."""
    if request.url.path != LOGIN_FORM and session_user(request) is None:
        return await session_ended(request)
    typed = await kept.typed(request)
    coach = known_coach(request)
    if coach is not None:
        return render(
            request,
            "refused_coach.html",
            coach.lang,
            status=403,
            message_key="desk.csrf_refused",
            help_key=None,
            typed=typed,
            again=kept.form_page(request.url.path),
        )
    lang = page_language(request)
    return render(
        request,
        "refused.html",
        lang,
        status=403,
        message_key="desk.csrf_refused",
        typed=typed,
        login_url=None,
    )


def known_coach(request: Request) -> Coach | None:
    try:
        return current_coach(request)
    except (NotLoggedIn, Refusal):
        return None


async def too_large(request: Request) -> Response:
    lang = page_language(request)
    return render(
        request,
        "refused.html",
        lang,
        status=413,
        message_key="desk.too_large",
        typed=(),
        login_url=None,
    )


async def server_error(request: Request) -> Response:
    """Something went wrong that no route expected: the desk's error page, nothing of the error."""
    known = getattr(request.state, "coach", None)
    try:
        lang = page_language(request, known.lang if isinstance(known, Coach) else None)
    except Exception:  # the database may be what failed: the browser's language then
        lang = browser_language(request)
    return render(request, "error.html", lang, status=500)


def create_app(services: Services, bot: Any) -> Starlette:
    """The desk for these services; `bot` (telegram.Bot) fetches photos."""
    config = services.config.desk
    routes: list[BaseRoute] = [route for module in ROUTE_MODULES for route in module.routes]
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders, telegram_js_url=config.telegram_js_url),
            Middleware(
                SessionMiddleware,
                secret_key=session_secret(services.config, services.db),
                session_cookie=SESSION_COOKIE,
                max_age=config.session_hours * 3600,
                same_site="strict",
                https_only=config.https,
            ),
            Middleware(ServerErrorPage, page=server_error),
            Middleware(CsrfCheck, refuse=csrf_refused, too_large=too_large),
        ],
        exception_handlers={
            Refusal: refused,
            NotLoggedIn: not_logged_in,
            HTTPException: not_found,
        },
    )
    app.state.desk = DeskState(services=services, bot=bot, templates=environment())
    return app
