"""Benchmark: a coach's bulk status change of 100 observations on the desk, on SQLite and
PostgreSQL, while Telegram's limits hold.

Usage: .venv/bin/python bench/desk_bulk.py [--quick] [--only sqlite|postgresql] [--pg-url URL]
       [--action referred|in_progress] [--observations 100] [--idle-seconds 4] [--in-process]

The real Application (bot.app.build_application, every handler, the ChatRateLimiter at 30/s
overall and 1/s per chat) on the fake Bot API enforcing the same limits (429 with retry_after
over them), with the desk enabled: its real uvicorn server in the bot's event loop, as in
production. A fresh database per backend: 100 observations ("new") in Elsrijk from 100 different
senders (each a private chat the fake knows), a few more for the baseline, and a coach of
Elsrijk. The coach's browser is a thread of its own (httpx over TCP, logged in with Telegram's
initData), so a blocked event loop shows as a slow answer, not as a late question. Another
thread asks for the inbox page (`/`) every 100 ms throughout.

Measured in one run:
  (a) the POST /bulk (all 100 ticked, --action, referred with a partner) until its answer (303),
      against the median of single status changes (POST /m/{id}/status, same action) made
      before it: desk_bulk_post_ms, desk_single_post_ms, desk_bulk_post_vs_single;
  (b) from sending the POST until the fake Bot API has accepted all 100 notices
      (desk_bulk_notices_s), the rate of the second half of them as a fraction of 30/s
      (desk_bulk_rate_of_limit; with the first second's burst: desk_bulk_rate_incl_burst) and
      the 429 answers (desk_bulk_429, target 0);
  (c) the inbox page's latency: idle (before anything and after the last notice), while the
      POST runs and while the notices go out (after the POST's answer until the last notice):
      desk_page_idle_ms, desk_page_during_bulk_ms (median) and _max_ms,
      desk_page_during_bulk_vs_idle (median / idle median), desk_page_during_post_max_ms, and
      the event loop's longest stall in each (desk_loop_stall_during_post_ms, _notices_ms).
Prints figures, then one JSON line with the figures suffixed _sqlite and _postgresql.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from scratch import scratch_database  # noqa: E402  (bench/scratch.py)
from sqlalchemy import insert  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.context import Services  # noqa: E402
from bot.core import migrate  # noqa: E402
from bot.core.config import DatabaseConfig, load_config  # noqa: E402
from bot.core.database import Database  # noqa: E402
from bot.desk import init_data  # noqa: E402
from bot.fake_telegram import FakeTelegram, Harness  # noqa: E402
from bot.fake_telegram.request import FakeRequest  # noqa: E402
from bot.people import persons  # noqa: E402
from models import Membership, Observation, Person, Role  # noqa: E402

TELEGRAM_OVERALL = 30.0
TELEGRAM_PER_CHAT = 1.0
TELEGRAM_PER_GROUP_PER_MINUTE = 20
COACH_ID = 5001
FIRST_SENDER = 30_000_000
SINGLES = 5  # single status changes, the baseline (each a sender of its own)
PAGE_EVERY = 0.1
WARM_PAGES = 20
PARTNER = "Woonstichting De Key"
WORDS = ["stoep", "lantaarn", "bankje", "speeltuin", "afval", "fietsen", "bomen", "parkeren"]


def now_utc() -> datetime:
    return datetime.now(UTC)


def seed(db: Database, wijk_id: int, senders: int) -> list[int]:
    """The coach, `senders` residents with one new observation each; the observations' ids."""
    at = now_utc()
    people = [
        {
            "telegram_id": FIRST_SENDER + i,
            "language": "nl",
            "consent_at": at,
            "pseudonym": f"Buur-{i}",
            "share_name": False,
            "current_wijk_id": wijk_id,
            "created_at": at,
        }
        for i in range(senders)
    ]
    coach = {**people[0], "telegram_id": COACH_ID, "pseudonym": "Coach"}
    with db.session() as session:
        session.execute(insert(Person), [coach, *people])
        ids = dict(session.exec(select(Person.telegram_id, Person.id)).all())
        session.execute(
            insert(Membership),
            [
                {
                    "person_id": pid,
                    "wijk_id": wijk_id,
                    "role": Role.RESIDENT.value,
                    "created_at": at,
                }
                for tid, pid in ids.items()
                if tid != COACH_ID
            ]
            + [
                {
                    "person_id": ids[COACH_ID],
                    "wijk_id": wijk_id,
                    "role": Role.COACH.value,
                    "created_at": at,
                }
            ],
        )
        session.execute(
            insert(Observation),
            [
                {
                    "wijk_id": wijk_id,
                    "person_id": ids[FIRST_SENDER + i],
                    "author_role": Role.RESIDENT.value,
                    "swot": "weakness",
                    "theme": "buitenruimte",
                    "text": f"Het {WORDS[i % len(WORDS)]} bij nummer {i} moet beter.",
                    "lang": "nl",
                    "share_name": False,
                    "status": "new",
                    "created_at": at,
                    "updated_at": at,
                }
                for i in range(senders)
            ],
        )
        session.commit()
        return list(session.exec(select(Observation.id).order_by(Observation.id)).all())  # type: ignore[arg-type]


@dataclass
class Pages:
    """The inbox page asked for every PAGE_EVERY seconds by a thread of its own."""

    base_url: str
    cookies: httpx.Cookies
    samples: list[tuple[float, float]] = field(default_factory=list)  # (asked at, seconds)
    failures: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, cookies=self.cookies, timeout=60) as client:
            due = time.monotonic()
            while not self.stop.is_set():
                asked = time.monotonic()
                answer = client.get("/", headers={"accept": "text/html"})
                took = time.monotonic() - asked
                if answer.status_code == 200 and "<form" in answer.text:
                    self.samples.append((asked, took))
                else:
                    self.failures += 1
                due += PAGE_EVERY
                time.sleep(max(0.0, due - time.monotonic()))
                due = max(due, time.monotonic() - PAGE_EVERY)  # no catching up after a slow one

    def between(self, start: float, end: float) -> list[float]:
        return [took for asked, took in self.samples if start <= asked < end]


@contextmanager
def paging(pages: Pages) -> Iterator[Pages]:
    thread = threading.Thread(target=pages.run, name="inbox-pages", daemon=True)
    thread.start()
    try:
        yield pages
    finally:
        pages.stop.set()
        thread.join()


def csrf_of(client: httpx.Client) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def log_in(client: httpx.Client, token: str) -> None:
    raw = init_data.sign(init_data.user_fields(COACH_ID, now_utc()), token)
    answer = client.post(
        "/auth/telegram", data={"csrf": csrf_of(client), "init_data": raw, "next": "/"}
    )
    assert answer.status_code == 303, (answer.status_code, answer.text[:500])


def notices_to(fake: FakeTelegram, chats: set[int], since: float) -> list[float]:
    return sorted(
        c.time
        for c in fake.calls
        if c.method == "sendMessage"
        and c.status == 200
        and c.time >= since
        and c.params.get("chat_id") in chats
    )


async def until(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the notices did not all arrive")
        await asyncio.sleep(0.01)


def in_thread(fn: Any, *args: Any) -> Any:
    """Run fn in a thread of its own (the coach's browser), awaited without blocking the loop."""
    return asyncio.to_thread(fn, *args)


class NetworkRequest(FakeRequest):
    """The fake Bot API as the bot meets it over the network: every call gives the event loop a
    turn (a real request waits for its socket). In process, a call the rate limiter lets through
    at once never yields, so the first second's burst of notices (30) can hold the loop as one
    block; no real transport does that. `--in-process` measures that case."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await asyncio.sleep(0)
        return await super().do_request(*args, **kwargs)


@dataclass
class Stalls:
    """How late the event loop comes back to a 5 ms sleep: what blocks every page and update."""

    seen: list[tuple[float, float]] = field(default_factory=list)

    async def watch(self) -> None:
        while True:
            asked = time.monotonic()
            await asyncio.sleep(0.005)
            self.seen.append((asked, time.monotonic() - asked - 0.005))

    def worst(self, start: float, end: float) -> float:
        return max((late for at, late in self.seen if start <= at < end), default=0.0)


def ms(seconds: float) -> float:
    return seconds * 1000


async def measure(
    url: str, action: str, observations: int, idle_seconds: float, in_process: bool
) -> dict[str, Any]:
    base = load_config(REPO / "config.example.toml", env={}, require_token=False)
    config = replace(
        base,
        database=DatabaseConfig(url=url),
        desk=replace(base.desk, enabled=True, port=0),
        telegram=replace(
            base.telegram,
            rate_overall_per_second=TELEGRAM_OVERALL,
            rate_chat_per_second=TELEGRAM_PER_CHAT,
        ),
    )
    db = Database.from_url(url)
    migrate.upgrade(db.engine)
    services = Services(config=config, db=db)
    fake = FakeTelegram(bot_username="wijkspiegel_bot")
    senders = observations + SINGLES
    # Seeded below: people who started the bot long ago, so it may write to them.
    fake.add_user(COACH_ID, "Coach", language_code="nl", started=True)
    for i in range(senders):
        fake.add_user(FIRST_SENDER + i, f"Buur{i}", language_code="nl", started=True)
    request = fake.request() if in_process else NetworkRequest(fake)
    app = build_application(services, request=request, get_updates_request=fake.request())
    with db.session() as session:
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None and wijk.id is not None
        wijk_id = wijk.id
    ids = seed(db, wijk_id, senders)
    singles, bulk_ids = ids[:SINGLES], ids[SINGLES:]
    bulk_chats = {FIRST_SENDER + i for i in range(SINGLES, senders)}
    extra = {"partner": PARTNER} if action == "referred" else {}

    async with Harness(app, fake):
        fake.set_limits(
            overall_per_second=TELEGRAM_OVERALL,
            per_chat_per_second=TELEGRAM_PER_CHAT,
            per_group_per_minute=TELEGRAM_PER_GROUP_PER_MINUTE,
        )
        server = services.desk_server
        assert server is not None, "the desk did not start"
        base_url = f"http://127.0.0.1:{server.port}"
        browser = httpx.Client(base_url=base_url, timeout=60, follow_redirects=False)
        await in_thread(log_in, browser, str(app.bot.token))
        csrf = await in_thread(csrf_of, browser)
        for _ in range(WARM_PAGES):  # the page's statements, templates, the pool
            await in_thread(browser.get, "/")
        await asyncio.sleep(1.0)  # start-up's Bot API calls (menus) are done
        fake.reset_calls()

        stalls = Stalls()
        watcher = asyncio.create_task(stalls.watch())
        pages = Pages(base_url, browser.cookies)
        with paging(pages):
            began = time.monotonic()
            await asyncio.sleep(idle_seconds)  # idle: nothing pending, nothing sent
            idle_end = time.monotonic()

            # The baseline: single changes, each notice delivered before the next.
            single_times = []
            for i, oid in enumerate(singles):
                data = {"csrf": csrf, "seen": "new", "to": action, **extra}

                def one(oid: int = oid, data: dict[str, str] = data) -> float:
                    t0 = time.monotonic()
                    answer = browser.post(f"/m/{oid}/status", data=data)
                    assert answer.status_code == 303, (answer.status_code, answer.text[:300])
                    return time.monotonic() - t0

                single_times.append(await in_thread(one))
                chat = {FIRST_SENDER + i}
                await until(lambda chat=chat: notices_to(fake, chat, began), 10)
            await asyncio.sleep(1.0)
            fake.reset_calls()

            # The bulk of a hundred.
            form = {"csrf": csrf, "id": [str(i) for i in bulk_ids], "action": action, **extra}

            def bulk() -> tuple[float, float]:
                t0 = time.monotonic()
                answer = browser.post("/bulk", data=form)
                assert answer.status_code == 303, (answer.status_code, answer.text[:300])
                return t0, time.monotonic()

            posted, answered = await in_thread(bulk)
            await until(lambda: len(notices_to(fake, bulk_chats, posted)) >= len(bulk_ids), 60)
            after = time.monotonic()
            await asyncio.sleep(idle_seconds)  # idle again: everything sent
            after_end = time.monotonic()
        watcher.cancel()
        times = notices_to(fake, bulk_chats, posted)
        refused = fake.retry_after_answers
        await in_thread(browser.close)

    with db.session() as session:
        changed = session.exec(
            select(Observation.status).where(col(Observation.id).in_(bulk_ids))
        ).all()
    db.dispose()
    assert all(s == action for s in changed), "not every observation was changed"
    assert not pages.failures, f"{pages.failures} inbox pages failed"

    done = times[-1]
    before, afterwards = pages.between(began, idle_end), pages.between(after, after_end)
    idle = before + afterwards
    during_post = pages.between(posted, answered)
    during_notices = pages.between(answered, done)
    span = times[-1] - times[0]
    # Sustained: the second half of the notices, after the first second's burst (both the
    # fake's bucket and the bot's limiter start full with one second's worth).
    later = times[len(times) // 2 :]
    sustained = (len(later) - 1) / (later[-1] - later[0])
    single = statistics.median(single_times)
    post = answered - posted
    result: dict[str, Any] = {
        "desk_bulk_post_ms": ms(post),
        "desk_single_post_ms": ms(single),
        "desk_bulk_post_vs_single": post / single,
        "desk_bulk_notices_s": done - posted,
        "desk_bulk_rate_of_limit": sustained / TELEGRAM_OVERALL,
        "desk_bulk_rate_incl_burst": (len(times) - 1) / span / TELEGRAM_OVERALL,
        "desk_bulk_429": refused,
        "desk_page_idle_ms": ms(statistics.median(idle)),
        "desk_page_during_bulk_ms": ms(statistics.median(during_notices)),
        "desk_page_during_bulk_max_ms": ms(max(during_notices)),
        "desk_page_during_bulk_vs_idle": statistics.median(during_notices)
        / statistics.median(idle),
        "desk_page_during_post_max_ms": ms(max(during_post, default=0.0)),
        "desk_loop_stall_during_post_ms": ms(stalls.worst(posted, answered)),
        "desk_loop_stall_during_notices_ms": ms(stalls.worst(answered, done)),
    }
    print(
        f"  single status change: median {ms(single):.1f} ms of {SINGLES}; bulk of "
        f"{len(bulk_ids)}: {ms(post):.0f} ms ({post / single:.1f}x the single one)"
    )
    print(
        f"  notices: {len(times)}, the first {times[0] - posted:.2f} s and the last "
        f"{done - posted:.2f} s after the POST; {sustained:.1f}/s sustained = "
        f"{sustained / TELEGRAM_OVERALL:.3f} of 30/s (with the first second's burst "
        f"{result['desk_bulk_rate_incl_burst']:.3f}); {refused} x 429"
    )
    print(
        f"  inbox page every {PAGE_EVERY * 1000:.0f} ms: idle median "
        f"{result['desk_page_idle_ms']:.1f} ms ({len(idle)} pages: before "
        f"{ms(statistics.median(before)):.1f}, after {ms(statistics.median(afterwards)):.1f}); "
        "while the POST runs "
        f"{len(during_post)} pages, max {result['desk_page_during_post_max_ms']:.0f} ms; while "
        f"the notices go out median {result['desk_page_during_bulk_ms']:.1f} ms, max "
        f"{result['desk_page_during_bulk_max_ms']:.0f} ms ({len(during_notices)} pages): "
        f"{result['desk_page_during_bulk_vs_idle']:.2f}x idle"
    )
    print(
        f"  the event loop's longest stall: {result['desk_loop_stall_during_post_ms']:.0f} ms "
        f"while the POST runs, {result['desk_loop_stall_during_notices_ms']:.0f} ms while the "
        "notices go out"
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a shorter idle period (2 s)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "WIJKBOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--action", choices=("referred", "in_progress"), default="referred")
    parser.add_argument("--observations", type=int, default=100)
    parser.add_argument("--idle-seconds", type=float, default=None)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="the fake's calls without the network's turn for the event loop (see NetworkRequest)",
    )
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    logging.basicConfig(level=logging.WARNING)
    idle = args.idle_seconds or (2.0 if args.quick else 4.0)

    summary: dict[str, Any] = {"quick": args.quick, "action": args.action}
    for backend in [args.only] if args.only else ["sqlite", "postgresql"]:
        print(f"desk bulk benchmark on {backend} ({args.observations} observations, {args.action})")
        with scratch_database(backend, args.pg_url, "desk_bulk") as url:
            result = asyncio.run(
                measure(url, args.action, args.observations, idle, args.in_process)
            )
        for key, value in result.items():
            summary[f"{key}_{backend}"] = round(value, 3) if isinstance(value, float) else value
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
