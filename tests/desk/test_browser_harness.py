"""The browser tests' own harness (tests/desk/browser.py), on a page of its own: the stand-in
hands over initData the way Telegram signs it, and a page's problems fail the test.

A small Starlette app stands in for the desk here; its check of initData follows Telegram's
documentation line by line, so a mistake in the harness's signing shows up here and not as a
puzzling refusal in the desk's tests."""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.core.clock import Clock
from tests.desk.browser import TELEGRAM_JS_URL, Browsers, LocalServer, forged, init_data

pytestmark = pytest.mark.asyncio(loop_scope="session")

TOKEN = ":".join(("123456789", "FAKE_browser_harness_token_000000"))
CSP = (
    "default-src 'self'; script-src 'self' https://telegram.org; style-src 'self'; "
    "img-src 'self' data:; base-uri 'none'"
)
PAGE = f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Proef</title>
<script src="{TELEGRAM_JS_URL}"></script><script src="/app.js" defer></script></head>
<body><main id="who">...</main></body></html>"""
APP_JS = """
const webApp = window.Telegram.WebApp;
webApp.ready();
webApp.expand();
fetch("/login", {method: "POST", body: webApp.initData})
  .then((response) => response.text())
  .then((text) => { document.getElementById("who").textContent = text; });
"""


def valid(raw: str) -> dict[str, str] | None:
    """core.telegram.org/bots/webapps, "Validating data received via the Mini App"."""
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    received = fields.pop("hash", "")
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return fields if hmac.compare_digest(received, expected) else None


async def page(request: Request) -> Response:
    return HTMLResponse(PAGE, headers={"Content-Security-Policy": CSP})


async def app_js(request: Request) -> Response:
    return Response(APP_JS, media_type="application/javascript")


async def login(request: Request) -> Response:
    fields = valid((await request.body()).decode())
    if fields is None:
        return PlainTextResponse("geweigerd", status_code=403)
    return PlainTextResponse(f"hallo {json.loads(fields['user'])['first_name']}")


async def inline(request: Request) -> Response:
    body = "<!doctype html><title>x</title><script>document.title = 'inline';</script>"
    return HTMLResponse(body, headers={"Content-Security-Policy": CSP})


async def outside(request: Request) -> Response:
    body = '<!doctype html><title>x</title><img src="https://example.org/tracker.png" alt="">'
    return HTMLResponse(body)


async def wide(request: Request) -> Response:
    body = '<!doctype html><title>x</title><div style="width: 600px">breed</div><input name="q">'
    return HTMLResponse(body)


async def export(request: Request) -> Response:
    if request.url.path.endswith(".csv"):
        headers = {"Content-Disposition": 'attachment; filename="meldingen.csv"'}
        return Response("ref;tekst\r\nM-1;stoep\r\n", media_type="text/csv", headers=headers)
    return HTMLResponse('<!doctype html><title>x</title><a href="/export.csv">CSV</a>')


APP = Starlette(
    routes=[
        Route("/", page),
        Route("/app.js", app_js),
        Route("/login", login, methods=["POST"]),
        Route("/inline", inline),
        Route("/outside", outside),
        Route("/wide", wide),
        Route("/export", export),
        Route("/export.csv", export),
    ]
)


def png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


async def test_the_stand_in_hands_over_initdata_signed_as_telegram_does(
    browsers: Browsers,
) -> None:
    now = Clock().now()
    async with LocalServer(APP) as server:
        ans = await browsers.open(
            server.base_url, name="ans", init_data=init_data(TOKEN, 4242, now=now, first_name="Ans")
        )
        await ans.goto("/")
        await ans.page.get_by_text("hallo Ans").wait_for()
        assert ans.telegram_calls == ["ready", "expand"]
        unsafe = await ans.page.evaluate("() => Telegram.WebApp.initDataUnsafe")
        assert unsafe["user"]["id"] == 4242
        assert unsafe["auth_date"] == int(now.timestamp())
        phone, desktop = await ans.shoot("welcome")
        assert png_size(phone)[0] == 360
        assert png_size(desktop) == (1280, 800)

        intruder = await browsers.open(server.base_url, name="intruder")
        intruder.allow(r"status of 403")
        await intruder.goto("/", init_data=forged(init_data(TOKEN, 4242, now=now)))
        await intruder.page.get_by_text("geweigerd").wait_for()
        await intruder.goto("/", init_data=init_data("1:" + "x" * 35, 4242, now=now))
        await intruder.page.get_by_text("geweigerd").wait_for()
        assert intruder.blocked == []

        await ans.goto("/export")
        name, content = await ans.download(ans.page.get_by_role("link", name="CSV"))
        assert (name, content) == ("meldingen.csv", b"ref;tekst\r\nM-1;stoep\r\n")


async def test_csp_violations_requests_leaving_the_machine_and_bad_layout_are_problems(
    browsers: Browsers,
) -> None:
    async with LocalServer(APP) as server:
        window = await browsers.open(server.base_url)
        await window.goto("/inline")
        await window.goto("/outside")
        found = "\n".join(window.problems.found)
        assert "CSP violation: script-src" in found
        assert window.blocked == ["https://example.org/tracker.png"]
        assert "blocked: https://example.org/tracker.png" in found
        with pytest.raises(pytest.fail.Exception, match="problems on the page"):
            window.check()
        window.problems.found.clear()

        await window.goto("/wide")
        with pytest.raises(pytest.fail.Exception, match="problems on the page") as failed:
            await window.shoot("wide")
        assert "px wide on a 360 px phone" in str(failed.value)
        assert 'without a label or name: <input name="q"' in str(failed.value)
        window.problems.found.clear()
