"""The ASGI middlewares every response and every form passes through.

`SecurityHeaders`: the Content-Security-Policy (only the desk's own scripts and styles and
Telegram's telegram-web-app.js; no inline script or style anywhere; framed only by Telegram's
web client), nosniff, no referrer, and `Cache-Control: no-store` on everything but /static.

`ServerErrorPage`: an unexpected error in a route is the desk's own error page (500), inside
`SecurityHeaders` (so it carries them) and the session (so it can be in the coach's language);
the traceback goes to the log, never into the page.

`CsrfCheck`: every POST (PUT, PATCH, DELETE) must carry the session's CSRF token, in the form
field `csrf` or the X-CSRF-Token header; otherwise 403 before any route runs. The body is read
here (at most MAX_BODY_BYTES) and handed on to the route unchanged.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.auth import CSRF_FIELD, CSRF_HEADER, SESSION_CSRF

_log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def content_security_policy(telegram_js_url: str) -> str:
    parts = urlsplit(telegram_js_url)
    script_origin = f"{parts.scheme}://{parts.netloc}"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {script_origin}",
            "style-src 'self'",
            "img-src 'self' data:",
            "frame-ancestors https://web.telegram.org 'self'",
            "form-action 'self'",
            "base-uri 'none'",
        ]
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, telegram_js_url: str) -> None:
        self.app = app
        self.csp = content_security_policy(telegram_js_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = self.csp
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


Refuse = Callable[[Request], Awaitable[Response]]
Page = Callable[[Request], Awaitable[Response]]


class ServerErrorPage:
    """Outside every route, inside the session. Starlette's own handler for a 500 sits outside
    all middleware: its plain English text would carry neither the headers nor the language."""

    def __init__(self, app: ASGIApp, *, page: Page) -> None:
        self.app = app
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            if started:  # part of the answer is on its way: nothing can replace it now
                raise
            # The route's pattern, never the path itself: /login/<token> carries a one-time
            # login that this failure left unused, and a query string what a coach typed.
            _log.exception("desk: %s %s failed", scope["method"], _route_pattern(scope))
            response = await self.page(Request(scope))
            await response(scope, receive, send)


def _route_pattern(scope: Scope) -> str:
    """The matched route's path with its parameters as names ("/login/{token}")."""
    route = scope.get("route")
    pattern = getattr(route, "path", None)
    return pattern if isinstance(pattern, str) else "(no route)"


class CsrfCheck:
    """Inside the SessionMiddleware (it reads `scope["session"]`)."""

    def __init__(self, app: ASGIApp, *, refuse: Refuse, too_large: Refuse) -> None:
        self.app = app
        self.refuse = refuse
        self.too_large = too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY_BYTES:
                # The rest is not read: the page (413) needs only the session's language.
                response = await self.too_large(Request(scope))
                await response(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        request = Request(scope, replay)
        expected = scope.get("session", {}).get(SESSION_CSRF)
        given = request.headers.get(CSRF_HEADER)
        if given is None:
            given = await _form_token(request)
        if not (
            isinstance(expected, str)
            and isinstance(given, str)
            and expected
            and hmac.compare_digest(expected.encode(), given.encode())
        ):
            response = await self.refuse(request)
            await response(scope, receive, send)
            return
        replayed = False  # the route reads the same body again
        await self.app(scope, replay, send)


async def _form_token(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    try:
        async with request.form(max_files=0, max_fields=1000) as form:
            value: Any = form.get(CSRF_FIELD)
    except Exception:  # a malformed body: no token
        return None
    return value if isinstance(value, str) else None
