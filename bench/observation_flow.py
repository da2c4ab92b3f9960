"""Cost per update of the residents' path, against a bare PTB echo bot on the same fake transport.

Usage: .venv/bin/python bench/observation_flow.py [--n 50] [--backend sqlite|postgresql|both]

N simulated residents each go through onboarding (/start, Akkoord, wijk), three reactions to the
wijk's spiegel (menu → spiegel, a category, three statement buttons) and one full observation
(/melding, text, kind, theme, skip location, pseudonym, send), through the real Application built
by bot.app.build_application on the fake Bot API (bot.fake_telegram), on SQLite and on PostgreSQL (a
database created for this run and dropped at the end). Beside it (after each resident, in the
same seconds: `Baselines`) a bare PTB Application (one MessageHandler echoing text, one
CallbackQueryHandler answering) processes as many updates, of the same kinds, through the same
Harness and fake transport. Each update is timed on its own
(perf_counter), from handing it over as Telegram's JSON until its handlers are done, including every
Bot API call they make and the harness reading back what the bot sent. The figure is the median.
(Timing only inside `Application.process_update` is no fair yardstick: the echo bot's answer to a
button then costs 0.03 ms, less than any database query.)
The wijkbot keeps its ChatRateLimiter, set to a rate the fake never reaches and without its second
between two messages in a chat: the fake Bot API has no flood limit, and waiting for Telegram's 30
messages a second (or for one message a second in a chat) is not a cost of our code
(`--telegram-rate` puts Telegram's real limits back, to see that). A third bot, the floor, makes
for each update the very Bot API calls the wijkbot made, with no logic and no database: the least
any bot showing these steps costs. Prints readable figures (by kind of update, and per step the
wijkbot, the floor and the echo bot side by side), then exactly one line of JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import filing_checks  # noqa: E402  (bench/filing_checks.py)
import psycopg  # noqa: E402
from sqlmodel import select  # noqa: E402
from telegram import InlineKeyboardMarkup, Update  # noqa: E402
from telegram.constants import ParseMode  # noqa: E402
from telegram.error import BadRequest  # noqa: E402
from telegram.ext import (  # noqa: E402
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import OFFLINE_TOKEN, build_application  # noqa: E402
from bot.context import Services  # noqa: E402
from bot.core import migrate  # noqa: E402
from bot.core.config import Config, DatabaseConfig, load_config  # noqa: E402
from bot.core.database import Database, create_db_engine  # noqa: E402
from bot.fake_telegram import BotMessage, FakeTelegram, Harness  # noqa: E402
from bot.fake_telegram.users import Person as FakePerson  # noqa: E402
from bot.people import persons  # noqa: E402
from bot.telegram.rate_limit import ChatRateLimiter  # noqa: E402
from models import Edition, ItemKind, Observation, Reaction, SpiegelItem  # noqa: E402

# ratio_vs_floor_<backend>: the wijkbot's median update against the floor's, on both databases.
TARGET_RATIO_VS_FLOOR = 2.0
TARGET_CHECKS_MS = 2.0  # what the checks at Versturen may add, with 100,000 stored in the wijk
PG_ADMIN_URL = os.environ.get(
    "WIJKBOT_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
WIJK_NAME, WIJK_SLUG = "Elsrijk", "elsrijk"

Step = Callable[[], Awaitable[list[BotMessage]]]


class Timer:
    """Times each update on its own inside Application.process_update; the kinds are kept so the
    echo bot gets the same mix."""

    def __init__(self, fake: FakeTelegram | None = None, after: Baselines | None = None) -> None:
        self.after = after
        self.seconds: list[float] = []
        self.cpu_seconds: list[float] = []
        self.kinds: list[str] = []
        # What the resident did ("/start", "Akkoord", "reaction", ...): the per-step table.
        self.steps: list[str] = []
        # Per update, the Bot API calls it caused (method, parameters): the floor bot replays them.
        self.fake = fake
        self.calls: list[list[tuple[str, dict[str, Any]]]] = []

    async def __call__(self, kind: str, step: Step, label: str = "") -> list[BotMessage]:
        mark = len(self.fake.calls) if self.fake is not None else 0
        start, cpu_start = time.perf_counter(), time.process_time()
        result = await step()
        self.seconds.append(time.perf_counter() - start)
        # CPU time leaves out waiting (e.g. in the outgoing rate limiter's sleep).
        self.cpu_seconds.append(time.process_time() - cpu_start)
        self.kinds.append(kind)
        self.steps.append(label or kind)
        if self.fake is not None:
            self.calls.append([(c.method, c.params) for c in self.fake.calls[mark:]])
        if self.after is not None:
            self.after.queue(kind, self.calls[-1])
        return result


# --- databases ---------------------------------------------------------------------------------


def sqlite_database(directory: Path) -> Database:
    path = directory / "bench.sqlite3"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return Database.from_url(f"sqlite:///{path}")


def create_pg_database() -> str:
    name = f"wijkbot_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_spiegel(db: Database, config: Config) -> None:
    """One edition for the residents' wijk, written directly as rows (no importer needed)."""
    with db.session() as session:
        persons.sync_wijken(session, config)
        wijk = persons.wijk_by_slug(session, WIJK_SLUG)
        assert wijk is not None and wijk.id is not None
        edition = Edition(wijk_id=wijk.id, year=2025, title="Wijkspiegel Elsrijk")
        session.add(edition)
        session.flush()
        assert edition.id is not None
        texts = [
            "Veel bewoners kennen hun buren.",
            "Er zijn genoeg plekken om te spelen.",
            "Het wijkcentrum is goed bereikbaar.",
            "Bewoners helpen elkaar bij klusjes.",
        ]
        for position, text in enumerate(texts):
            session.add(
                SpiegelItem(
                    edition_id=edition.id,
                    key=f"sterkte-{position}",
                    kind=ItemKind.STRENGTH.value,
                    theme="betrokkenheid",
                    text=text,
                    position=position,
                )
            )
        session.commit()


# --- the residents' path -----------------------------------------------------------------------


def reaction_buttons(messages: list[BotMessage]) -> list[tuple[BotMessage, str]]:
    """The "recognise" button of each statement message (rx:<item>:y)."""
    found = []
    for message in messages:
        for row in message.buttons:
            for b in row:
                if (
                    b.callback_data
                    and b.callback_data.startswith("rx:")
                    and b.callback_data.endswith(":y")
                ):
                    found.append((message, b.callback_data))
    return found


def spiegel_entry(menu: BotMessage) -> str | None:
    for row in menu.buttons:
        for b in row:
            if b.callback_data == "mn:spiegel":
                return b.text
    return None


async def tap(
    timer: Timer, p: FakePerson, label: str, message: BotMessage | None = None, step: str = ""
) -> list[BotMessage]:
    """Press a button by its label. The button is found before the clock starts: looking through
    the chat is the simulated person's work, not the bot's (the echo bot's button is found once,
    too)."""
    target, data = p.find_button(label, message=message)
    return await timer("press", lambda: p.press_data(data, message=target), step or label)


async def resident(h: Harness, timer: Timer, user_id: int, *, react: bool) -> None:
    p: FakePerson = h.user(user_id, f"Bewoner{user_id}")
    await timer("text", lambda: p.send("/start"), "/start")
    await tap(timer, p, "Akkoord")
    await tap(timer, p, WIJK_NAME, step="wijk")
    menu = p.last
    label = spiegel_entry(menu) if react else None
    if label is not None:
        await tap(timer, p, label, menu, step="Spiegel")
        category = next(
            b.text
            for row in p.last.buttons
            for b in row
            if b.callback_data
            and b.callback_data.startswith("sp:")
            and b.callback_data.count(":") == 3
        )
        shown = await tap(timer, p, category, step="category")
        targets = reaction_buttons(shown)[:3]
        if len(targets) < 3:
            raise SystemExit(f"expected 3 statements with buttons, got {len(targets)}")
        for message, data in targets:
            await timer("press", lambda m=message, d=data: p.press_data(d, message=m), "reaction")  # type: ignore[misc]
    else:
        # No spiegel feature: three menu navigations instead (reported in the output).
        for _ in range(3):
            await tap(timer, p, "Mijn meldingen")
            await tap(timer, p, "Naar het menu")
    await timer("text", lambda: p.send("/melding"), "/melding")
    await timer("text", lambda: p.send(f"De stoep bij nummer {user_id} is kapot"), "its text")
    for label in ("Wat kan beter?", "Buiten", "Overslaan", "Nee, alleen", "Versturen"):
        await tap(timer, p, label)
    if "M-" not in p.last.plain_text:
        raise SystemExit(f"resident {user_id}: no confirmation, got {p.last.plain_text!r}")


async def run_wijkbot(
    config: Config,
    db: Database,
    n: int,
    *,
    rate_limiter: bool = True,
    beside: Baselines | None = None,
) -> tuple[Timer, bool]:
    services = Services(
        config=replace(config, database=DatabaseConfig(url=str(db.engine.url))), db=db
    )
    seed_spiegel(db, config)
    fake = FakeTelegram(bot_username="wijkspiegel_bot")
    app = build_application(
        services,
        request=fake.request(),
        get_updates_request=fake.request(),
        rate_limiter=rate_limiter,
    )
    timer = Timer(fake, after=beside)
    async with Harness(app, fake) as h:
        # Decided once, from the live menu: does the spiegel feature exist in this build?
        probe = h.user(1, "Probe")
        await probe.send("/start")
        await probe.press("Akkoord")
        await probe.press(WIJK_NAME)
        react = spiegel_entry(probe.last) is not None
        for i in range(n):
            await resident(h, timer, 10_000 + i, react=react)
            if beside is not None:
                # The floor and the echo bot take the same updates now, in the same seconds of
                # this shared machine, whose speed drifts between runs and within one.
                await beside.catch_up()
    with db.session() as session:
        stored = len(session.exec(select(Observation)).all())
        reactions = len(session.exec(select(Reaction)).all())
    if stored != n or (react and reactions != 3 * n):
        raise SystemExit(
            f"expected {n} observations and {3 * n} reactions, got {stored} and {reactions}"
        )
    return timer, react


# --- the bare echo bot -------------------------------------------------------------------------


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message is not None and update.message.text is not None:
        await update.message.reply_text(update.message.text)


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


def echo_app() -> tuple[Any, FakeTelegram]:
    fake = FakeTelegram(bot_username="echo_bot")
    app = (
        ApplicationBuilder()
        .token(OFFLINE_TOKEN)
        .request(fake.request())
        .get_updates_request(fake.request())
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(answer))
    return app, fake


# --- the floor: the same Bot API calls, no logic -------------------------------------------------


def _markup(params: dict[str, Any]) -> InlineKeyboardMarkup | None:
    raw = params.get("reply_markup")
    if isinstance(raw, str):
        raw = json.loads(raw)
    if not isinstance(raw, dict) or "inline_keyboard" not in raw:
        return None
    return InlineKeyboardMarkup.de_json(raw, None)


class Replay:
    """Makes, for each update, the Bot API calls the wijkbot made for it, with the same texts and
    keyboards, through the same PTB machinery (defaults, rate limiter) but without any handler
    logic or database."""

    def __init__(self, plan: list[list[tuple[str, dict[str, Any]]]]) -> None:
        self.plan = iter(plan)
        self.skipped: dict[str, int] = {}

    async def __call__(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        query = update.callback_query
        assert chat is not None
        for method, params in next(self.plan):
            text = params.get("text")
            if method == "sendMessage":
                await chat.send_message(str(text), reply_markup=_markup(params))
            elif method == "editMessageText" and query is not None and query.message is not None:
                # "Not modified": the floor's message may already say this.
                with contextlib.suppress(BadRequest):
                    await context.bot.edit_message_text(
                        str(text),
                        chat_id=chat.id,
                        message_id=query.message.message_id,
                        reply_markup=_markup(params),
                    )
            elif (
                method == "editMessageReplyMarkup"
                and query is not None
                and query.message is not None
            ):
                with contextlib.suppress(BadRequest):
                    await context.bot.edit_message_reply_markup(
                        chat_id=chat.id,
                        message_id=query.message.message_id,
                        reply_markup=_markup(params),
                    )
            elif method == "answerCallbackQuery" and query is not None:
                await query.answer(
                    params.get("text"), show_alert=bool(params.get("show_alert", False))
                )
            else:
                self.skipped[method] = self.skipped.get(method, 0) + 1


def floor_app(
    replay: Replay, rate: float, chat_rate: float, rate_limiter: bool
) -> tuple[Any, FakeTelegram]:
    fake = FakeTelegram(bot_username="floor_bot")
    builder = (
        ApplicationBuilder()
        .token(OFFLINE_TOKEN)
        .request(fake.request())
        .get_updates_request(fake.request())
        .defaults(Defaults(parse_mode=ParseMode.HTML))
    )
    if rate_limiter:
        builder = builder.rate_limiter(
            ChatRateLimiter(overall_max_rate=rate, chat_max_rate=chat_rate)  # type: ignore[arg-type]
        )
    app = builder.build()
    app.add_handler(TypeHandler(Update, replay))
    return app, fake


class Baselines:
    """The echo bot and the floor, run beside the wijkbot in the same process and event loop:
    after each resident's path through the wijkbot (15 updates), the same kinds of update to the
    floor (replaying the Bot API calls the wijkbot made) and then to the echo bot, each in a chat
    of its own per resident as the wijkbot has, each update timed on its own. A bot takes a
    resident's updates one after the other, so none runs with caches cooled by another bot's
    update in between. Why beside and not one whole run after the other: this shared machine's
    speed drifts over seconds, and bots timed a minute apart met different speeds (the floor's
    median swung between 1.1 and 2.4 ms from run to run, and the ratio with it)."""

    def __init__(self, rate: float, chat_rate: float, rate_limiter: bool) -> None:
        self.plan: list[list[tuple[str, dict[str, Any]]]] = []
        self.replay = Replay(self.plan)
        self.echo, self.floor = Timer(), Timer()
        self._kinds: list[str] = []
        self._residents = 0
        self._echo_app, self._echo_fake = echo_app()
        self._floor_app, self._floor_fake = floor_app(self.replay, rate, chat_rate, rate_limiter)
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> Baselines:
        echo_harness = await self._stack.enter_async_context(
            Harness(self._echo_app, self._echo_fake)
        )
        floor_harness = await self._stack.enter_async_context(
            Harness(self._floor_app, self._floor_fake)
        )
        self._echo_harness, self._floor_harness = echo_harness, floor_harness
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    def queue(self, kind: str, calls: list[tuple[str, dict[str, Any]]]) -> None:
        """An update the wijkbot handled (its kind and the Bot API calls it made)."""
        self.plan.append(calls)
        self._kinds.append(kind)

    async def catch_up(self) -> None:
        """The queued updates to the floor, then to the echo bot: in a chat of their own per
        resident, as the wijkbot has (reading back what a bot sent reads its whole chat)."""
        kinds, self._kinds = self._kinds, []
        self._residents += 1
        floor = self._floor_harness.user(20_000 + self._residents, "Floor")
        echo = self._echo_harness.user(30_000 + self._residents, "Echo")
        await echo.send("hallo")  # a bot message to press buttons on (not timed)
        echo_target = echo.last
        for kind in kinds:
            i = len(self.floor.seconds)
            if kind == "text":
                await self.floor("text", lambda i=i: floor.send(f"bericht {i}"))  # type: ignore[misc]
            else:
                # Pressed on the floor bot's newest message, which carries the keyboard last
                # sent (found before the clock starts, as for the wijkbot).
                target = floor.last
                await self.floor("press", lambda m=target: floor.press_data("x:1", message=m))  # type: ignore[misc]
        for i, kind in enumerate(kinds):
            if kind == "text":
                await self.echo("text", lambda i=i: echo.send(f"bericht {i}"))  # type: ignore[misc]
            else:
                await self.echo("press", lambda: echo.press_data("x:1", message=echo_target))


# --- main --------------------------------------------------------------------------------------


def median_ms(timer: Timer) -> float:
    return statistics.median(timer.seconds) * 1000


def kind_median_ms(timer: Timer, kind: str) -> float:
    return (
        statistics.median(s for s, k in zip(timer.seconds, timer.kinds, strict=True) if k == kind)
        * 1000
    )


def print_steps(bot: Timer, floor: Timer, echo: Timer) -> None:
    """Per step of the residents' path: the wijkbot, the floor and the echo bot (the floor and the
    echo bot got the same kinds of update in the same order, so their i-th update stands for the
    wijkbot's i-th step). Shows where the floor itself is far from the echo bot."""
    columns: dict[str, tuple[list[float], list[float], list[float]]] = {}
    calls: dict[str, list[str]] = {}
    for i, step in enumerate(bot.steps):
        b, f, e = columns.setdefault(step, ([], [], []))
        b.append(bot.seconds[i])
        f.append(floor.seconds[i])
        e.append(echo.seconds[i])
        calls.setdefault(step, [method for method, _ in bot.calls[i]])
    print(
        f"{'':>10}  per step, median ms: wijkbot / floor / echo bot (floor ÷ echo), "
        "the Bot API calls it makes"
    )
    for step, (b, f, e) in columns.items():
        fm, em = statistics.median(f) * 1000, statistics.median(e) * 1000
        print(
            f"{'':>12}{step:<15} {statistics.median(b) * 1000:6.2f} / {fm:5.2f} / {em:5.2f} "
            f"({fm / em:4.1f}x)  {', '.join(calls[step])}"
        )


async def measure(
    backend: str, config: Config, n: int, workdir: Path, *, rate_limiter: bool
) -> dict[str, Any]:
    pg_url = None
    if backend == "sqlite":
        db = sqlite_database(workdir)
    else:
        pg_url = create_pg_database()
        db = Database.from_url(pg_url)
    baselines = Baselines(
        config.telegram.rate_overall_per_second, config.telegram.rate_chat_per_second, rate_limiter
    )
    try:
        async with baselines:
            bot_timer, react = await run_wijkbot(
                config, db, n, rate_limiter=rate_limiter, beside=baselines
            )
    finally:
        db.dispose()
        if pg_url is not None:
            drop_pg_database(pg_url)
    echo_timer, floor_timer, replay = baselines.echo, baselines.floor, baselines.replay
    bot_ms, echo_ms = median_ms(bot_timer), median_ms(echo_timer)
    floor_ms = median_ms(floor_timer)
    bot_cpu = statistics.median(bot_timer.cpu_seconds) * 1000
    echo_cpu = statistics.median(echo_timer.cpu_seconds) * 1000
    by_kind = {kind: kind_median_ms(bot_timer, kind) for kind in ("text", "press")}
    floor_by_kind = {kind: kind_median_ms(floor_timer, kind) for kind in ("text", "press")}
    echo_by_kind = {kind: kind_median_ms(echo_timer, kind) for kind in ("text", "press")}
    print(
        f"{backend:>10}: {len(bot_timer.seconds)} updates; wijkbot median {bot_ms:.2f} ms/update "
        f"(text {by_kind['text']:.2f}, button {by_kind['press']:.2f}; p90 "
        f"{statistics.quantiles(bot_timer.seconds, n=10)[-1] * 1000:.2f}); echo bot median "
        f"{echo_ms:.2f} ms/update; ratio {bot_ms / echo_ms:.2f}"
        + ("" if react else "  [no spiegel feature: 3 menu navigations instead of reactions]")
    )
    print(
        f"{'':>10}  floor (a bare PTB bot making the same Bot API calls with the same texts and "
        f"keyboards, no logic, no database): median {floor_ms:.2f} ms/update = "
        f"{floor_ms / echo_ms:.2f}x the echo bot; the wijkbot is {bot_ms / floor_ms:.2f}x the floor"
        + (f" (not replayed: {replay.skipped})" if replay.skipped else "")
    )
    print(
        f"{'':>10}  by kind: a button costs the floor {floor_by_kind['press']:.2f} ms and the echo "
        f"bot {echo_by_kind['press']:.2f} ms "
        f"({floor_by_kind['press'] / echo_by_kind['press']:.1f}x), "
        f"a text {floor_by_kind['text']:.2f} / {echo_by_kind['text']:.2f} ms "
        f"({floor_by_kind['text'] / echo_by_kind['text']:.1f}x)"
    )
    print_steps(bot_timer, floor_timer, echo_timer)
    print(
        f"{'':>10}  CPU time only (leaves out waiting, e.g. in the rate limiter): wijkbot "
        f"{bot_cpu:.2f} ms, echo bot {echo_cpu:.2f} ms, ratio {bot_cpu / echo_cpu:.2f}"
    )
    return {
        "updates": len(bot_timer.seconds),
        "bot_ms": bot_ms,
        "echo_ms": echo_ms,
        "floor_ms": floor_ms,
        "bot_cpu_ms": bot_cpu,
        "echo_cpu_ms": echo_cpu,
        "react": react,
        "floor_ratio_press": floor_by_kind["press"] / echo_by_kind["press"],
        "floor_ratio_text": floor_by_kind["text"] / echo_by_kind["text"],
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="simulated residents per database")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--telegram-rate",
        action="store_true",
        help="set the rate limiter to Telegram's 30 msg/s (the fake answers instantly, so this "
        "measures the limiter's waiting)",
    )
    parser.add_argument(
        "--no-rate-limiter",
        action="store_true",
        help="diagnosis only: build the wijkbot without its outgoing rate limiter (30 msg/s)",
    )
    parser.add_argument(
        "--stored",
        type=int,
        default=100_000,
        help="observations in the wijk when measuring what Versturen's checks add (0: skip)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    config = load_config(REPO / "config.example.toml", env={}, require_token=False)
    if not args.telegram_rate:
        # The fake has no flood limit; keep the limiter's code path without its waiting.
        telegram = replace(
            config.telegram, rate_overall_per_second=1_000_000.0, rate_chat_per_second=0.0
        )
        config = replace(config, telegram=telegram)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results: dict[str, dict[str, Any]] = {}
    rate_limiter = not args.no_rate_limiter
    print(
        f"observation flow: {args.n} residents per database, median cost per update; wijkbot "
        f"{'with' if rate_limiter else 'WITHOUT'} its outgoing rate limiter"
        + (
            " at Telegram's 30 msg/s and 1/s per chat"
            if args.telegram_rate
            else " (not binding: the fake has no limit)"
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            results[backend] = await measure(
                backend, config, args.n, Path(tmp), rate_limiter=rate_limiter
            )
    summary: dict[str, Any] = {"bench": "observation_flow", "n": args.n}
    for backend, r in results.items():
        summary[f"updates_{backend}"] = r["updates"]
        summary[f"median_ms_{backend}"] = round(r["bot_ms"], 3)
        summary[f"median_ms_echo_{backend}"] = round(r["echo_ms"], 3)
        summary[f"ratio_{backend}"] = round(r["bot_ms"] / r["echo_ms"], 2)
        summary[f"median_ms_floor_{backend}"] = round(r["floor_ms"], 3)
        summary[f"floor_ratio_{backend}"] = round(r["floor_ms"] / r["echo_ms"], 2)
        summary[f"ratio_vs_floor_{backend}"] = round(r["bot_ms"] / r["floor_ms"], 2)
        summary[f"floor_ratio_press_{backend}"] = round(r["floor_ratio_press"], 2)
        summary[f"floor_ratio_text_{backend}"] = round(r["floor_ratio_text"], 2)
        summary[f"cpu_median_ms_{backend}"] = round(r["bot_cpu_ms"], 3)
        summary[f"cpu_median_ms_echo_{backend}"] = round(r["echo_cpu_ms"], 3)
        summary[f"cpu_ratio_{backend}"] = round(r["bot_cpu_ms"] / r["echo_cpu_ms"], 2)
    summary["reactions"] = all(r["react"] for r in results.values())
    summary["rate_limiter"] = rate_limiter
    summary["telegram_rate"] = args.telegram_rate
    summary["target_ratio_vs_floor"] = TARGET_RATIO_VS_FLOOR
    if args.stored:
        checks = filing_checks.measure(args.stored)
        print(
            f"{'':>10}  Versturen's checks on SQLite with {args.stored:,} observations in the wijk "
            f'(signature, "ik ook" look-up, urgent check, wijkspiegel statement): '
            f"{checks['checks_added_ms_median']:.2f} ms median, p95 "
            f"{checks['checks_added_ms_p95']:.2f} (target <= {TARGET_CHECKS_MS} ms); each: "
            + ", ".join(
                f"{name} {checks[f'checks_{name}_ms']:.3f}"
                for name in ("signature", "same", "urgent", "spiegel")
            )
        )
        summary |= checks | {"target_checks_ms": TARGET_CHECKS_MS}
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main())
