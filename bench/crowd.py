"""Benchmark: 100 people onboarding at once, at Telegram's limits, in real time.

Every person sends /start at the same moment, reads the privacy statement, presses Akkoord,
looks for their wijk in the list and presses it, through the real Application (build_application,
polling the fake's getUpdates like production, one update after another) on a FakeTelegram that
enforces Telegram's limits: 30 messages/s overall, one per second in a chat, 20 per minute in a
group, for messages and edits alike, answering 429 with retry_after over them. Nothing is scaled:
the sleeps are real.

People take their time like people: reading the privacy statement takes a median 4 s, choosing a
wijk 2.5 s (log-normal, sigma 0.6, at least 0.6 s: a few press within a second of the answer),
drawn from a seeded random generator. A reply time is from an update being queued for
getUpdates until the person sees the bot's whole answer (the privacy statement; the wijk list;
the menu). Prints p50/p95/max per step and over all steps, and the 429 answers, for the bot's own
rate limiter and, as the baseline in the same run, PTB's AIORateLimiter with the same settings;
then one JSON line.

    .venv/bin/python bench/crowd.py [--people 100] [--seed 1] [--only ours|ptb]
                                    [--reading 4] [--choosing 2.5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram.ext import AIORateLimiter

from bot.app import build_application
from bot.context import Services
from bot.core import migrate
from bot.core.config import DatabaseConfig, load_config
from bot.core.database import Database
from bot.fake_telegram import FakeTelegram, Harness
from bot.fake_telegram.users import Person

REPO = Path(__file__).resolve().parent.parent
FIRST_ID = 20_000_000
READING_MEDIAN = 4.0  # seconds to read the privacy statement and press Akkoord (--reading)
CHOOSING_MEDIAN = 2.5  # seconds to find one's wijk in the list (--choosing)
SIGMA = 0.6
FASTEST = 0.6
TARGET_P95 = 10.0
MENU_TITLE = "Wat wil je doen?"


class WatchedFake(FakeTelegram):
    """The fake, telling whoever waits on a chat that something happened there."""

    def __init__(self) -> None:
        super().__init__(bot_username="wijkspiegel_bot")
        self.changed: dict[int, asyncio.Event] = {}

    async def handle(self, method: str, params: Any) -> tuple[int, bytes]:
        answer = await super().handle(method, params)
        chat_id = params.get("chat_id")
        event = self.changed.get(int(chat_id)) if isinstance(chat_id, int | str) else None
        if event is not None:
            event.set()
        return answer


@dataclass
class Run:
    limiter: str
    steps: dict[str, list[float]] = field(default_factory=dict)
    wall_seconds: float = 0.0
    retry_after_answers: int = 0
    message_calls: int = 0
    stuck: int = 0


@dataclass(frozen=True)
class Pace:
    """How long people take (medians in seconds; the least anyone takes is FASTEST)."""

    reading: float = READING_MEDIAN
    choosing: float = CHOOSING_MEDIAN


def think(rng: random.Random, median: float) -> float:
    return max(FASTEST, rng.lognormvariate(math.log(median), SIGMA))


async def one_person(
    h: Harness,
    fake: WatchedFake,
    run: Run,
    index: int,
    wijken: list[str],
    rng: random.Random,
    pace: Pace,
) -> None:
    person = h.user(FIRST_ID + index, f"Buur{index}", language_code="nl")
    event = fake.changed[person.id] = asyncio.Event()
    wijk = rng.choice(wijken)
    reading, choosing = think(rng, pace.reading), think(rng, pace.choosing)
    loop = asyncio.get_running_loop()

    async def step(name: str, act: Callable[[], int], seen: Callable[[Person], bool]) -> None:
        event.clear()
        start = loop.time()
        act()
        while not seen(person):
            await asyncio.wait_for(event.wait(), timeout=120)
            event.clear()
        run.steps.setdefault(name, []).append(loop.time() - start)

    def shows(label: str) -> Callable[[Person], bool]:
        return lambda p: label in _buttons(p)

    await step("/start", lambda: person.queue_text("/start"), shows("Akkoord"))
    await asyncio.sleep(reading)
    await step("Akkoord", lambda: person.queue_press("Akkoord"), shows(wijk))
    await asyncio.sleep(choosing)
    await step("wijk", lambda: person.queue_press(wijk), _menu_shown)


def _buttons(person: Person) -> list[str]:
    messages = [m for m in person.messages if not m.deleted]
    return messages[-1].button_texts if messages else []


def _menu_shown(person: Person) -> bool:
    messages = [m for m in person.messages if not m.deleted]
    return bool(messages) and MENU_TITLE in messages[-1].plain_text


def ptb_limiter(**kwargs: Any) -> AIORateLimiter:
    """PTB's limiter with the same settings (it has no per-chat rate: it paces groups only)."""
    kwargs.pop("chat_max_rate", None)
    kwargs.pop("chat_time_period", None)
    return AIORateLimiter(**kwargs)


async def run_crowd(people: int, seed: int, limiter: str, pace: Pace) -> Run:
    workdir = Path(tempfile.mkdtemp(prefix="wijkbot-crowd-"))
    url = f"sqlite:///{workdir / 'crowd.sqlite3'}"
    base = load_config(REPO / "config.example.toml", env={}, require_token=False)
    config = replace(base, database=DatabaseConfig(url=url))
    db = Database.from_url(url)
    migrate.upgrade(db.engine)
    services = Services(config=config, db=db)
    fake = WatchedFake()
    if limiter == "ptb":
        with mock.patch("bot.app.ChatRateLimiter", ptb_limiter):
            app = build_application(
                services, request=fake.request(), get_updates_request=fake.request()
            )
    else:
        app = build_application(
            services, request=fake.request(), get_updates_request=fake.request()
        )
    run = Run(limiter="PTB AIORateLimiter" if limiter == "ptb" else "ChatRateLimiter")
    wijken = [w.name for w in config.wijken]
    rng = random.Random(seed)
    rngs = [random.Random(rng.random()) for _ in range(people)]
    async with Harness(app, fake) as h:
        await h.start_polling()
        fake.set_limits(overall_per_second=30, per_chat_per_second=1, per_group_per_minute=20)
        fake.reset_calls()
        start = time.perf_counter()
        outcomes = await asyncio.gather(
            *(one_person(h, fake, run, i, wijken, rngs[i], pace) for i in range(people)),
            return_exceptions=True,
        )
        run.wall_seconds = time.perf_counter() - start
        run.stuck = sum(isinstance(o, BaseException) for o in outcomes)
    run.retry_after_answers = fake.retry_after_answers
    run.message_calls = sum(
        1
        for c in fake.calls
        if c.method.startswith(("send", "edit")) and c.method != "sendChatAction"
    )
    db.dispose()
    return run


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def summary(run: Run) -> dict[str, Any]:
    every = [s for seconds in run.steps.values() for s in seconds]
    result: dict[str, Any] = {
        "limiter": run.limiter,
        "reply_p50_s": round(statistics.median(every), 2) if every else None,
        "reply_p95_s": round(percentile(every, 0.95), 2) if every else None,
        "reply_max_s": round(max(every), 2) if every else None,
        "retry_after_answers": run.retry_after_answers,
        "message_calls": run.message_calls,
        "not_finished": run.stuck,
        "wall_seconds": round(run.wall_seconds, 1),
        "steps": {
            name: {
                "p50_s": round(statistics.median(seconds), 2),
                "p95_s": round(percentile(seconds, 0.95), 2),
            }
            for name, seconds in run.steps.items()
        },
    }
    return result


def show(result: dict[str, Any]) -> None:
    print(
        f"{result['limiter']}: reply p50 {result['reply_p50_s']} s, p95 {result['reply_p95_s']} s,"
        f" max {result['reply_max_s']} s; 429 answers {result['retry_after_answers']};"
        f" {result['message_calls']} messages and edits; not finished {result['not_finished']};"
        f" {result['wall_seconds']} s in all"
    )
    for name, figures in result["steps"].items():
        print(f"    {name:<8} p50 {figures['p50_s']:>6} s   p95 {figures['p95_s']:>6} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=["ours", "ptb"])
    parser.add_argument("--reading", type=float, default=READING_MEDIAN, help="median seconds")
    parser.add_argument("--choosing", type=float, default=CHOOSING_MEDIAN, help="median seconds")
    args = parser.parse_args()
    pace = Pace(args.reading, args.choosing)
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    logging.basicConfig(level=logging.WARNING)
    print(
        f"{args.people} people onboarding at once; Telegram's limits enforced by the fake; "
        f"real time (reading median {pace.reading} s, choosing a wijk {pace.choosing} s, "
        f"nobody under {FASTEST} s)"
    )
    results: dict[str, Any] = {
        "people": args.people,
        "seed": args.seed,
        "reading_median_s": pace.reading,
        "choosing_median_s": pace.choosing,
    }
    for which in ("ours", "ptb"):
        if args.only and args.only != which:
            continue
        result = summary(asyncio.run(run_crowd(args.people, args.seed, which, pace)))
        show(result)
        results["baseline" if which == "ptb" else "ours"] = result
    ours = results.get("ours")
    if ours is not None:
        ok = (
            ours["reply_p95_s"] is not None
            and ours["reply_p95_s"] <= TARGET_P95
            and ours["retry_after_answers"] == 0
            and ours["not_finished"] == 0
        )
        print(f"Target: p95 <= {TARGET_P95} s with 0 x 429: {'met' if ok else 'NOT met'}")
        results["target_met"] = ok
    print(json.dumps(results))


if __name__ == "__main__":
    main()
