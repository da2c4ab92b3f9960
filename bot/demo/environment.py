"""The offline demo: the real bot against a local fake Telegram, no token and no internet needed.

`wijkbot demo` starts the fake Bot API (the test suite's) over HTTP on 127.0.0.1, runs the real
bot against it (its base URL points there) on a fresh SQLite database in a temporary folder, and
plays a scripted week in Stadshart: a coach and a BIG member join by invite links, a spiegel
edition is imported, twenty residents join (some by postcode, answered from recorded-shape PDOK
data), react to statements and send observations, a BIG member runs a ranking poll, the coach
answers an anonymous resident; then the clock moves to Monday 08:00 and the coach's digest is
produced. `--interactive` gives you the same bot to try by hand.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.app import OFFLINE_TOKEN, build_application
from bot.context import Services, WijkApplication
from bot.core import migrate
from bot.core.clock import FrozenClock
from bot.core.config import (
    EXAMPLE_CONFIG_PATH,
    Config,
    DatabaseConfig,
    TelegramConfig,
    default_config_path,
    load_config,
)
from bot.core.database import Database
from bot.fake_telegram import FakeTelegram, FakeTelegramServer, Harness
from bot.fake_telegram.users import BotMessage
from bot.fake_telegram.users import Person as FakePerson
from bot.figures.fetch import load_file as load_figures_file
from bot.opendata.clients import PdokClient, WijkArea, demo_transport
from models.base import use_clock

DEMO_WIJK = "stadshart"
BOT_USERNAME = "wijkspiegel_demo_bot"


@dataclass
class DemoEnvironment:
    """Everything the demo started, so that it can all be stopped again."""

    folder: Path
    services: Services
    fake: FakeTelegram
    server: FakeTelegramServer
    app: WijkApplication
    harness: Harness
    clock: FrozenClock


@dataclass
class Transcript:
    """Who said what and what the bot answered, readable in a terminal."""

    out: TextIO | None = None
    lines: list[str] = field(default_factory=list)
    # While quiet, people's actions are counted, not printed (twenty onboardings read alike).
    quiet: bool = False
    _seen: dict[tuple[int, int], str] = field(default_factory=dict)

    def say(self, text: str = "") -> None:
        self.lines.append(text)
        if self.out is not None:
            print(text, file=self.out, flush=True)

    def heading(self, text: str) -> None:
        self.say()
        self.say(f"=== {text} ===")

    def bot(self, messages: list[BotMessage], *, indent: str = "    ") -> None:
        for message in messages:
            key = (message.chat_id, message.message_id)
            if self._seen.get(key) == message.text and message.edited:
                continue  # only its buttons changed (removed after use): nothing new to read
            self._seen[key] = message.text or ""
            body = message.plain_text if message.kind in ("text", "photo", "document") else ""
            label = {"document": "[file] ", "photo": "[photo] ", "poll": "[poll] "}.get(
                message.kind, ""
            )
            if message.kind == "document" and message.filename:
                label = f"[file {message.filename}] "
            if message.kind == "poll" and message.poll is not None:
                body = message.poll.question + " / " + " / ".join(message.poll.options)
            edited = "(edited) " if message.edited else ""
            first, *rest = (body or "").splitlines() or [""]
            self.say(f"{indent}bot: {edited}{label}{first}")
            for line in rest:
                self.say(f"{indent}     {line}")
            buttons = [b.text for row in message.buttons for b in row]
            if buttons:
                self.say(f"{indent}     [" + "] [".join(buttons) + "]")


class Actor:
    """A person in the demo: every action is written to the transcript with the bot's replies."""

    def __init__(self, person: FakePerson, name: str, transcript: Transcript) -> None:
        self.person, self.name, self.transcript = person, name, transcript

    async def _do(
        self, what: str, action: Callable[[], Awaitable[list[BotMessage]]]
    ) -> list[BotMessage]:
        if self.transcript.quiet:
            replies = await action()
            for message in replies:
                self.transcript._seen[(message.chat_id, message.message_id)] = message.text or ""
            return replies
        self.transcript.say(f"  {self.name}: {what}")
        replies = await action()
        self.transcript.bot(replies)
        return replies

    async def send(self, text: str) -> list[BotMessage]:
        return await self._do(text, lambda: self.person.send(text))

    async def press(self, label: str, *, message: BotMessage | None = None) -> list[BotMessage]:
        return await self._do(f"[{label}]", lambda: self.person.press(label, message=message))

    async def send_photo(self, caption: str) -> list[BotMessage]:
        return await self._do(f"(photo) {caption}", lambda: self.person.send_photo(caption=caption))

    async def send_location(self, lat: float, lon: float) -> list[BotMessage]:
        return await self._do(
            f"(location {lat}, {lon})", lambda: self.person.send_location(lat, lon)
        )

    @property
    def last(self) -> BotMessage:
        return self.person.last


async def start_environment(
    config: Config, folder: Path, *, start: datetime, bot_username: str = BOT_USERNAME
) -> DemoEnvironment:
    fake = FakeTelegram(bot_username=bot_username, bot_first_name="Wijkspiegel (demo)")
    server = FakeTelegramServer(fake, host="127.0.0.1", port=0)
    await server.start()
    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    db = Database.from_url(url)
    migrate.upgrade(db.engine)
    config = replace(
        config,
        database=DatabaseConfig(url=url),
        telegram=replace(
            config.telegram if config.telegram else TelegramConfig(),
            token=OFFLINE_TOKEN,
            bot_api_url=server.base_url,
            bot_api_file_url=server.base_file_url,
            mode="polling",
            # The demo's fake enforces no limits; a second's pause in each chat would only
            # slow the show down.
            rate_chat_per_second=0.0,
        ),
        # The coach's desk on a free port of 127.0.0.1 (plain http: login links, no Mini App).
        desk=replace(config.desk, enabled=True, listen="127.0.0.1", port=0, public_url=""),
    )
    clock = FrozenClock(start)
    # Rows stamped by table defaults must live in the demo's week too.
    use_clock(clock.now)
    # Messages carry the demo's time too, so "today" in the transcript matches the bot's clock.
    fake.wallclock = lambda: clock.now().timestamp()
    services = Services(config=config, db=db, clock=clock)
    services.pdok = PdokClient(
        gemeentecode=config.municipality.gemeentecode or "0362",
        areas=[WijkArea.of(w) for w in config.wijken],
        transport=demo_transport(),
    )
    # CBS figures for Elsrijk from a shipped file; illustrative ones (as shipped) are shown as
    # "voorbeeldcijfers" (bot/demo/data/README.md says how to put CBS's own in it).
    figures_file = resources.files("bot.demo") / "data" / "figures_elsrijk.json"
    services.figures_example = load_figures_file(db, figures_file)
    app = build_application(services)
    harness = Harness(app, fake, settle_timeout=20)
    await harness.__aenter__()
    await harness.start_polling()
    return DemoEnvironment(folder, services, fake, server, app, harness, clock)


def desk_link(env: DemoEnvironment, telegram_id: int) -> str | None:
    """A one-time login link to the desk for this person (None: the desk did not start)."""
    from bot.desk import links, login_links
    from bot.people import persons

    if env.services.desk_server is None:
        return None
    with env.services.db.session() as session:
        person = persons.get_person(session, telegram_id)
        if person is None or person.id is None:
            return None
        token = login_links.create(
            session,
            person.id,
            now=env.clock.now(),
            valid_for=timedelta(minutes=env.services.config.desk.login_link_minutes),
        )
    return links.login_url(env.services.config, token)


async def stop_environment(env: DemoEnvironment) -> None:
    try:
        await env.harness.__aexit__(None, None, None)
    finally:
        if env.services.pdok is not None:
            await env.services.pdok.aclose()
        await env.server.stop()
        env.services.db.dispose()
        use_clock(None)


def demo_observations() -> list[dict[str, Any]]:
    path = resources.files("bot.demo") / "data" / "demo_observations.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def demo_config() -> Config:
    """The example municipality's config, whatever the operator configured: the demo is a script
    for its wijk (Stadshart), themes and spiegel file (`not_your_config` says so)."""
    return load_config(EXAMPLE_CONFIG_PATH, env={}, require_token=False)


def not_your_config(config_path: Path | None, env: Mapping[str, str]) -> str | None:
    """One line for an operator whose own config the demo does not play (a --config, or the
    file WIJKBOT_CONFIG or ./config.toml names); None when theirs is the example."""
    path = config_path or default_config_path(env)
    if path.resolve() == EXAMPLE_CONFIG_PATH.resolve():
        return None
    return (
        f"The offline demo plays the example municipality of {EXAMPLE_CONFIG_PATH.name}, "
        f"not {path}: set WIJKBOT_TOKEN to run your own bot with it."
    )


def last_monday(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    return monday - timedelta(days=7)


def temporary_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="wijkbot-demo-"))


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
