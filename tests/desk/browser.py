"""The desk's tests in a real browser: Debian's headless Chromium driven by Playwright.

Playwright never downloads a browser here: it starts the system's `chromium`
(`shutil.which("chromium")`; the environment's WIJKBOT_CHROMIUM names another executable).
Without one the browser tests skip and say why; with WIJKBOT_REQUIRE_BROWSER=1 (.ci/run sets it)
they fail instead.

What a test gets (tests/desk/conftest.py makes these fixtures available):

- `chromium`: one headless browser for the whole run (session scope, session event loop).
- `browsers`: a factory of browser windows, each with its own cookies, like a person's own
  device: `coach = await browsers.open(base_url, init_data=...)`. No network: a request for the
  configured telegram-web-app.js gets the stand-in (tests/desk/static/telegram-web-app.js) with
  the window's initData in it; every other request that does not go to 127.0.0.1 is aborted and
  fails the test. So do console errors, uncaught exceptions, responses of 500 and up, and
  Content-Security-Policy violations (checked at every screenshot and when the test ends; a
  test that expects a refusal allows its console line with `window.allow(pattern)`).
- `init_data(token, telegram_id, now=...)`: initData as the Telegram client hands it over,
  signed with the bot's token exactly as Telegram does (data_check_string, HMAC-SHA256 keyed
  with HMAC-SHA256("WebAppData", token)); written here, independently of the desk's own check.
- `window.shoot("inbox")`: a phone (360x740) and a desktop (1280x800) screenshot in
  tests/desk/screenshots/ (ignored by git; WIJKBOT_SCREENSHOTS names another directory).

The browser tests run in pytest-asyncio's session event loop, where the browser lives: a test
module says `pytestmark = pytest.mark.asyncio(loop_scope="session")`, and its own async
fixtures take `loop_scope="session"` too (the suite's `bot` fixture runs in the test's own loop:
build the Harness in a session-loop fixture instead, as tests/desk/test_desk_browser.py does).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlencode, urlsplit

import pytest
import pytest_asyncio

HERE = Path(__file__).resolve().parent
STAND_IN_JS = HERE / "static" / "telegram-web-app.js"
TELEGRAM_JS_URL = "https://telegram.org/js/telegram-web-app.js"
CHROMIUM_ENV = "WIJKBOT_CHROMIUM"
REQUIRE_ENV = "WIJKBOT_REQUIRE_BROWSER"
SCREENSHOTS_ENV = "WIJKBOT_SCREENSHOTS"
LOCAL_HOSTS = frozenset({"127.0.0.1"})

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# Chromium as root in a container: no sandbox (it needs user namespaces), no /dev/shm (often
# 64 MB there), no GPU; nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
]

# Reports CSP violations to the test (an init script runs before the page's own and is not
# subject to its CSP).
_REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__wijkbotProblem(
    "CSP violation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline")
      + " in " + event.sourceFile + ":" + event.lineNumber
  );
});
"""

# Form fields a screen reader could not name (no label, aria-label or aria-labelledby; hidden
# fields and buttons with text are fine).
_UNNAMED_CONTROLS = """
() => Array.from(document.querySelectorAll("input, select, textarea, button"))
  .filter((el) => el.type !== "hidden" && el.offsetParent !== null)
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
    && !el.getAttribute("aria-labelledby") && !el.getAttribute("title")
    && !((el.tagName === "BUTTON" || ["submit", "button"].includes(el.type))
         && (el.textContent.trim() || el.value)))
  .map((el) => el.outerHTML.slice(0, 120))
"""


# --- the browser -------------------------------------------------------------------------------


def chromium_executable() -> str | None:
    """The system's Chromium: WIJKBOT_CHROMIUM, or `chromium` on the PATH."""
    named = os.environ.get(CHROMIUM_ENV, "").strip()
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    return shutil.which("chromium") or shutil.which("chromium-browser")


def browser_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0", "false", "no")


def no_browser(reason: str) -> NoReturn:
    """Skip on a developer's machine; fail where a browser is required (CI)."""
    if browser_required():
        pytest.fail(f"{reason} ({REQUIRE_ENV} is set: the browser tests must run)")
    pytest.skip(f"{reason}: install Debian's chromium or set {CHROMIUM_ENV}")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def chromium() -> AsyncIterator[Any]:
    """One headless Chromium for the whole run."""
    executable = chromium_executable()
    if executable is None:
        named = os.environ.get(CHROMIUM_ENV, "").strip()
        no_browser(f"{CHROMIUM_ENV}={named!r} is not a browser" if named else "no chromium")
    try:
        from playwright.async_api import Error, async_playwright
    except ImportError:  # pragma: no cover - a dev dependency
        no_browser("playwright is not installed")
    playwright = await async_playwright().start()
    try:
        browser = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
    except Error as exc:
        await playwright.stop()
        no_browser(f"chromium at {executable} does not start: {str(exc).splitlines()[0]}")
    try:
        yield browser
    finally:
        await browser.close()
        await playwright.stop()


# --- initData ----------------------------------------------------------------------------------


def data_check_string(fields: dict[str, str]) -> str:
    """Telegram's data-check-string: every field but `hash`, sorted, `key=value` per line."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign_init_data(token: str, fields: dict[str, str]) -> str:
    """The fields with the hash Telegram computes for this bot's token, URL-encoded."""
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def init_data(
    token: str,
    telegram_id: int,
    *,
    now: datetime,
    first_name: str = "Test",
    language_code: str = "nl",
    username: str | None = None,
) -> str:
    """initData as the Telegram client hands it to a Mini App opened from the bot's menu
    button, signed at `now` (take it from the project's clock)."""
    user: dict[str, Any] = {
        "id": telegram_id,
        "first_name": first_name,
        "language_code": language_code,
        "allows_write_to_pm": True,
    }
    if username:
        user["username"] = username
    fields = {
        "query_id": f"AAH{telegram_id}test",
        # As Telegram writes it: compact, non-ASCII as it is, slashes escaped.
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False).replace("/", "\\/"),
        "auth_date": str(int(now.timestamp())),
        # Telegram adds an Ed25519 signature for third parties; the bot's HMAC covers it too.
        "signature": "c3RhbmQtaW4tc2lnbmF0dXJlLW5vdC1jaGVja2VkLWJ5LXRoZS1ib3Q",
    }
    return sign_init_data(token, fields)


def forged(init: str) -> str:
    """The same initData with another user id and the old hash: what an attacker could send."""
    return re.sub(r"(%22id%22%3A)(\d+)", lambda m: m.group(1) + str(int(m.group(2)) + 1), init)


# --- one browser window ------------------------------------------------------------------------


@dataclass
class Problems:
    """What went wrong on the pages of one window, and what the test said to expect."""

    found: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.found.append(text)

    def unexpected(self) -> list[str]:
        return [p for p in self.found if not any(a.search(p) for a in self.allowed)]


class Window:
    """A browser window with its own cookies, opened on the desk (or another local server)."""

    def __init__(
        self,
        context: Any,
        page: Any,
        base_url: str,
        *,
        telegram_js_url: str,
        shots: Screenshots,
        name: str,
    ) -> None:
        self.context = context
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.telegram_js_url = telegram_js_url
        self.shots = shots
        self.name = name
        self.problems = Problems()
        #: What the stand-in's WebApp.initData holds ("" as outside Telegram).
        self.init_data = ""
        #: Requests aborted because they left 127.0.0.1.
        self.blocked: list[str] = []
        self.closed = False
        #: The WebApp methods the pages called, in order, across page loads (ready, expand, ...).
        self.telegram_calls: list[str] = []

    # -- set-up (called by Browsers.open) --

    async def _install(self) -> None:
        await self.context.expose_function("__wijkbotProblem", self.problems.add)
        await self.context.expose_function("__wijkbotTelegramCall", self._telegram_call)
        await self.context.add_init_script(_REPORT_CSP)
        await self.context.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.add(f"uncaught: {exc}"))
        self.page.on("response", self._response)

    def _telegram_call(self, name: str) -> None:
        self.telegram_calls.append(name)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.problems.add(f"console error: {message.text} ({where})")

    def _response(self, response: Any) -> None:
        if response.status >= 500:
            self.problems.add(f"HTTP {response.status} from {response.url}")

    async def _route(self, route: Any, request: Any) -> None:
        url = request.url
        if url.split("#", 1)[0] == self.telegram_js_url:
            await route.fulfill(
                status=200,
                content_type="application/javascript; charset=utf-8",
                headers={"Cache-Control": "no-store"},
                body=self.stand_in_js(),
            )
        elif urlsplit(url).hostname in LOCAL_HOSTS:
            await route.continue_()
        else:
            self.blocked.append(url)
            self.problems.add(f"network request outside 127.0.0.1 blocked: {url}")
            await route.abort("blockedbyclient")

    def stand_in_js(self) -> str:
        settings = {"initData": self.init_data, "colorScheme": "light", "platform": "tdesktop"}
        return f"const STAND_IN = {json.dumps(settings)};\n" + STAND_IN_JS.read_text("utf-8")

    # -- what a test does --

    def url(self, path: str = "/") -> str:
        return path if "://" in path else f"{self.base_url}/{path.lstrip('/')}"

    async def goto(self, path: str = "/", *, init_data: str | None = None) -> Any:
        """Open a page (a path on the base URL, or a whole URL); `init_data`: from now on the
        stand-in hands this over, as Telegram would when the Mini App opens."""
        if init_data is not None:
            self.init_data = init_data
        return await self.page.goto(self.url(path), wait_until="load")

    async def forget(self, *, init_data: str = "") -> None:
        """As another device from now on: no cookies, no stored data, this initData (opening a
        window costs Chromium a renderer; a test that tries several people in turn reuses one)."""
        await self.context.clear_cookies()
        if self.page.url.startswith("http"):
            await self.page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
        self.init_data = init_data

    async def text(self) -> str:
        """What the page shows (its body's visible text)."""
        return str(await self.page.inner_text("body"))

    async def download(self, locator: Any) -> tuple[str, bytes]:
        """Clicks what starts a download (an export); its file name and content."""
        async with self.page.expect_download() as started:
            await locator.click()
        download = await started.value
        path = await download.path()
        content = await asyncio.to_thread(Path(path).read_bytes)
        return str(download.suggested_filename), content

    def allow(self, pattern: str) -> None:
        """A problem this test expects (e.g. the console line of a refused page's 403)."""
        self.problems.allowed.append(re.compile(pattern))

    def check(self) -> None:
        unexpected = self.problems.unexpected()
        if unexpected:
            pytest.fail(f"{self.name}: problems on the page:\n  " + "\n  ".join(unexpected))

    async def shoot(self, step: str) -> list[Path]:
        """The page now, phone- and desktop-sized, full length; then checks for problems,
        among them a page wider than the phone and form fields without a name."""
        paths = await self.shots.take(self.page, f"{self.name}-{step}", self._layout_problems)
        for control in await self.page.evaluate(_UNNAMED_CONTROLS):
            self.problems.add(f"{step}: a form field without a label or name: {control}")
        self.check()
        return paths

    async def _layout_problems(self, label: str) -> None:
        if label != "phone":
            return
        width = await self.page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            self.problems.add(
                f"{self.page.url}: {width} px wide on a {PHONE['width']} px phone "
                "(it scrolls sideways)"
            )


class Screenshots:
    """Phone and desktop screenshots of one test, in one directory for the whole run."""

    def __init__(self, directory: Path, test_name: str) -> None:
        self.directory = directory
        self.test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", test_name).strip("-")
        self.taken: list[Path] = []

    async def take(
        self, page: Any, step: str, inspect: Callable[[str], Awaitable[None]] | None = None
    ) -> list[Path]:
        self.directory.mkdir(parents=True, exist_ok=True)
        before = page.viewport_size
        paths = []
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            await page.set_viewport_size(size)
            await settled(page)
            safe_step = re.sub(r"[^A-Za-z0-9_.-]+", "-", step).strip("-")
            path = self.directory / f"{self.test_name}-{safe_step}-{label}.png"
            await page.screenshot(path=str(path), full_page=True)
            paths.append(path)
            if inspect is not None:
                await inspect(label)
        if before:
            await page.set_viewport_size(before)
            # The page's media-query listeners (desk.js folds the filters on a phone) have run
            # before the test goes on to look at it.
            await settled(page)
        self.taken.extend(paths)
        SAVED.extend(paths)
        return paths


async def settled(page: Any) -> None:
    """After a resize: two frames rendered, so media-query change listeners and layout have run
    (they run in a frame's rendering steps, before its animation frame callbacks); at most 1 s."""
    await page.evaluate(
        """() => new Promise((done) => {
            requestAnimationFrame(() => requestAnimationFrame(() => done()));
            setTimeout(done, 1000);
        })"""
    )


#: Every screenshot of this run (tests/desk/conftest.py names their directory at the end).
SAVED: list[Path] = []


def screenshot_dir() -> Path:
    named = os.environ.get(SCREENSHOTS_ENV, "").strip()
    return Path(named) if named else HERE / "screenshots"


class Browsers:
    """Opens windows for one test; closes them and checks each for problems at its end."""

    def __init__(self, chromium: Any, test_name: str) -> None:
        self.chromium = chromium
        self.shots = Screenshots(screenshot_dir(), test_name)
        self.windows: list[Window] = []

    async def open(
        self,
        base_url: str,
        *,
        name: str | None = None,
        init_data: str = "",
        telegram_js_url: str = TELEGRAM_JS_URL,
        locale: str = "nl-NL",
        phone: bool = False,
    ) -> Window:
        """A new window (its own cookies) at the desktop size (or the phone's); nothing loaded
        yet: `await window.goto("/")`."""
        context = await self.chromium.new_context(
            viewport=PHONE if phone else DESKTOP,
            locale=locale,
            timezone_id="Europe/Amsterdam",
            service_workers="block",
        )
        context.set_default_timeout(10_000)
        page = await context.new_page()
        window = Window(
            context,
            page,
            base_url,
            telegram_js_url=telegram_js_url,
            shots=self.shots,
            name=name or f"window{len(self.windows) + 1}",
        )
        window.init_data = init_data
        await window._install()
        self.windows.append(window)
        return window

    async def close(self) -> None:
        """Closes every window (again: nothing happens)."""
        for window in self.windows:
            if not window.closed:
                window.closed = True
                await window.context.close()

    def check(self) -> None:
        for window in self.windows:
            window.check()


@pytest_asyncio.fixture(loop_scope="session")
async def browsers(chromium: Any, request: pytest.FixtureRequest) -> AsyncIterator[Browsers]:
    opened = Browsers(chromium, request.node.name)
    try:
        yield opened
    finally:
        await opened.close()
    opened.check()


def print_screenshots(terminalreporter: Any, paths: Iterable[Path]) -> None:
    saved = sorted(set(paths))
    if not saved:
        return
    folders = sorted({str(p.parent) for p in saved})
    terminalreporter.write_sep("-", "the desk in a browser: screenshots (look at them)")
    terminalreporter.write_line(f"{len(saved)} screenshots in {', '.join(folders)}")


# --- a local server in the test's loop ---------------------------------------------------------


class LocalServer:
    """An ASGI app served by uvicorn on 127.0.0.1 at a free port, in the running event loop."""

    def __init__(self, asgi: Any) -> None:
        self.asgi = asgi
        self.port = 0
        self._server: Any = None
        self._task: Any = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> LocalServer:
        import socket

        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.asgi, loop="none", lifespan="off", log_config=None, access_log=False
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                await self._task  # raises what stopped it
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.should_exit = True
        await self._task


def png(width: int, height: int, rgb: tuple[int, int, int] = (70, 130, 90)) -> bytes:
    """A plain PNG picture (a photo a resident sent, for the fake Bot API to hold)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


# --- the desk itself: the bot on the fake Bot API and its web server ---------------------------


class DeskSite:
    """The real Application (all handlers, on the fake Bot API) with the desk's server on a free
    port of 127.0.0.1, and the test's browser windows on it.

    - `site.bot` (Harness): people in the chat, e.g. `await site.coach()` joins a coach;
      `site.observation(by=resident_id, text=...)` stores one (sent by that person).
    - `await site.in_telegram(telegram_id)`: a window opened from Telegram (the stand-in hands
      over initData signed with the bot's token), at `path` ("/" by default).
    - `await site.with_link(person)`: the person sends /bureau, the window opens the link the
      fake Bot API received.
    - `site.init_data(telegram_id, at=...)`: initData as Telegram signs it (to forge, age or
      replay it).
    - `await site.message_for(person, "M-12")`: what the bot sent that person (waits for it).

    A step in a test, e.g. a status change:

        window = await site.in_telegram(COACH)
        await window.page.get_by_role("link", name=obs.reference, exact=True).click()
        await window.page.get_by_label("Status").select_option("in_progress")
        await window.page.get_by_role("button", name="Opslaan").click()
        await window.shoot("status-changed")
        await site.message_for(resident, obs.reference)
    """

    def __init__(self, desk: Any, base_url: str, browsers: Browsers) -> None:
        self.desk = desk
        self.bot = desk.bot
        self.services = desk.services
        self.base_url = base_url
        self.browsers = browsers

    @property
    def token(self) -> str:
        return str(self.bot.app.bot.token)

    @property
    def telegram_js_url(self) -> str:
        return str(self.services.config.desk.telegram_js_url)

    def init_data(
        self, telegram_id: int, *, at: datetime | None = None, language_code: str = "nl"
    ) -> str:
        moment = at or self.services.clock.now()
        return init_data(self.token, telegram_id, now=moment, language_code=language_code)

    def observation(
        self, *, by: int | None = None, photo: bytes | None = None, **values: Any
    ) -> Any:
        """An observation in the database (tests/desk/conftest.py's Desk.observation), sent by
        the person with Telegram id `by` (onboarded first) so that they can hear of it; with
        `photo` (PNG bytes) held by the fake Bot API."""
        if photo is not None:
            stored = self.bot.fake.new_file(photo, "photo.png", "image/png")
            values["photo_file_id"] = stored.file_id
        if by is not None:
            from bot.people import persons

            with self.services.db.session() as session:
                person = persons.get_person(session, by)
                assert person is not None, f"{by} is not onboarded"
                values.setdefault("person_id", person.id)
                values.setdefault("lang", person.language)
        return self.desk.observation(**values)

    async def message_for(self, person: Any, contains: str, *, within: float = 10.0) -> Any:
        """The bot's message to `person` with `contains` in it, waiting for it to arrive (the
        desk's notices to senders go out in the background)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            for message in reversed(person.messages):
                if contains in message.plain_text:
                    return message
            if loop.time() > deadline:
                seen = [m.plain_text for m in person.messages[-3:]]
                pytest.fail(f"no message with {contains!r} for {person!r}; the last: {seen}")
            await asyncio.sleep(0.05)

    async def window(self, name: str, *, phone: bool = False, init: str = "") -> Window:
        return await self.browsers.open(
            self.base_url,
            name=name,
            init_data=init,
            telegram_js_url=self.telegram_js_url,
            phone=phone,
        )

    async def in_telegram(
        self, telegram_id: int, *, name: str = "telegram", path: str = "/", phone: bool = True
    ) -> Window:
        """Opened from the chat's menu button: the login page posts initData, then `path`."""
        window = await self.window(name, phone=phone, init=self.init_data(telegram_id))
        await window.goto(path)
        await logged_in_or_refused(window)
        return window

    async def login_link(self, person: Any) -> str:
        """The person sends /bureau; the link in the message the fake Bot API received."""
        await person.send("/bureau")
        message = await self.message_for(person, "/login/")
        found = re.search(r"(https?://\S+/login/[A-Za-z0-9_-]+)", message.plain_text)
        assert found, message.plain_text
        return found.group(1)

    async def with_link(self, person: Any, *, name: str = "link", phone: bool = False) -> Window:
        """On a computer: /bureau in the chat, then its link in a browser."""
        link = await self.login_link(person)
        window = await self.window(name, phone=phone)
        await window.goto(link)
        return window


async def logged_in_or_refused(window: Window) -> None:
    """Waits until the login page's script has posted the initData and the answer is shown."""
    await window.page.wait_for_selector("#telegram-login", state="detached")
    await window.page.wait_for_load_state("load")


@pytest_asyncio.fixture(loop_scope="session")
async def site(services: Any, fake: Any, browsers: Browsers) -> AsyncIterator[DeskSite]:
    """The bot with the desk on (tests/desk/conftest.py's `config`), in the browser's loop."""
    from bot.fake_telegram import Harness
    from tests.conftest import make_app
    from tests.desk.conftest import Desk

    assert services.config.desk.enabled, "tests/desk/conftest.py's config turns the desk on"
    app = make_app(services, fake)
    async with Harness(app, fake) as harness:
        server = services.desk_server
        assert server is not None and server.running, "the desk's server did not start"
        desk = Desk(harness, services, None)
        try:
            yield DeskSite(desk, f"http://127.0.0.1:{server.port}", browsers)
        finally:
            # The windows go before the server, so that it stops without waiting for them.
            await browsers.close()
