"""Benchmark: a poll to N private chats through the real Application and bot.polls.delivery.

A FakeTelegram enforces Telegram's limits (30 messages/s overall, 1/s per chat, 20/min per
group) on messages *and edits* and answers 429 with retry_after over them. Its overall bucket
holds one second's worth of tokens (a burst of 30 at the start), like Telegram tolerates; a chat's
holds one message. The creator's chat gets the progress message and its edits, so it is the one
chat where the per-chat limit bites. The bot's ChatRateLimiter (bot/app.py,
bot/telegram/rate_limit.py) is configured to the same rates. `--scale 10` runs 10x faster
(300/s, 10/s per chat, progress edits 10x as often) with the same shape; the output says so.

Prints the sustained rate as a fraction of the limit (target >= 0.90), the 429 answers (target 0,
also counted for the creator's chat alone), the recipients not reached (target 0) and the
progress edits, then one JSON line.

    .venv/bin/python bench/broadcast.py [--recipients 1000] [--scale 1]
    .venv/bin/python bench/broadcast.py --recipients 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert
from sqlmodel import select

from bot.app import build_application
from bot.context import Services
from bot.core import migrate
from bot.core.config import DatabaseConfig, TelegramConfig, load_config
from bot.core.database import Database
from bot.fake_telegram import FakeTelegram, Harness
from bot.people import persons
from bot.people.permissions import load_actor
from bot.polls import delivery, voting
from models import DeliveryStatus, Membership, Person, PollDelivery, Role

REPO = Path(__file__).resolve().parent.parent
TELEGRAM_OVERALL = 30.0
TELEGRAM_PER_CHAT = 1.0
TELEGRAM_PER_GROUP_PER_MINUTE = 20
FIRST_ID = 10_000_000


def seed(db: Database, wijk_id: int, recipients: int) -> int:
    """Recipients as BIG members (bulk insert), plus the creator. Returns the creator's id."""
    now = datetime.now(UTC)
    rows = [
        {
            "telegram_id": FIRST_ID + i,
            "language": "nl",
            "consent_at": now,
            "pseudonym": f"Buur-{i}",
            "share_name": False,
            "current_wijk_id": wijk_id,
            "created_at": now,
        }
        for i in range(recipients + 1)
    ]
    with db.session() as session:
        session.execute(insert(Person), rows)
        ids = session.exec(select(Person.id, Person.telegram_id)).all()
        session.execute(
            insert(Membership),
            [
                {"person_id": pid, "wijk_id": wijk_id, "role": Role.BIG.value, "created_at": now}
                for pid, _ in ids
            ],
        )
        session.commit()
    return FIRST_ID + recipients  # the last one creates the poll


async def run(recipients: int, scale: float) -> dict[str, object]:
    overall = TELEGRAM_OVERALL * scale
    workdir = Path(tempfile.mkdtemp(prefix="wijkbot-bench-"))
    url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    base = load_config(REPO / "config.example.toml", env={}, require_token=False)
    config = replace(
        base,
        database=DatabaseConfig(url=url),
        telegram=replace(
            TelegramConfig(),
            rate_overall_per_second=overall,
            rate_chat_per_second=TELEGRAM_PER_CHAT * scale,
            progress_edit_seconds=TelegramConfig().progress_edit_seconds / scale,
        ),
    )
    db = Database.from_url(url)
    migrate.upgrade(db.engine)
    services = Services(config=config, db=db)
    fake = FakeTelegram(bot_username="wijkspiegel_bot")
    for i in range(recipients + 1):  # seeded below: members who started the bot long ago
        fake.add_user(FIRST_ID + i, f"Lid{i}", language_code="nl", started=True)
    app = build_application(services, request=fake.request(), get_updates_request=fake.request())
    with db.session() as session:
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None and wijk.id is not None
        wijk_id = wijk.id
    creator_tid = seed(db, wijk_id, recipients)

    async with Harness(app, fake):
        fake.set_limits(
            overall_per_second=overall,
            per_chat_per_second=TELEGRAM_PER_CHAT * scale,
            per_group_per_minute=TELEGRAM_PER_GROUP_PER_MINUTE,
        )
        fake.reset_calls()
        with db.session() as session:
            actor = load_actor(session, creator_tid)
            assert actor is not None
            draft = voting.PollDraft(
                wijk_id=wijk_id,
                question="Wat pakken we eerst aan?",
                options=["Speeltuin", "Bankjes", "Straatlicht"],
                kind="single",
                audience="big",
                closes_at=services.clock.now() + timedelta(days=7),
            )
            poll = voting.create_poll(session, actor, draft, services.clock.now())
        assert poll.id is not None
        delivery.start_broadcast(app, poll.id, creator_tid)
        await delivery.wait_idle(app)

    sends = [
        c
        for c in fake.calls
        if c.method == "sendMessage" and c.status == 200 and c.params.get("chat_id") != creator_tid
    ]
    times = sorted(c.time for c in sends)
    elapsed = times[-1] - times[0] if len(times) > 1 else 0.0
    overall_rate = (len(times) - 1) / elapsed if elapsed else 0.0
    # Sustained: the second half of the sends, well after the start burst (both buckets start
    # full with one second's worth, and refill while the burst goes out).
    after_burst = times[len(times) // 2 :]
    sustained_span = after_burst[-1] - after_burst[0] if len(after_burst) > 1 else 0.0
    sustained = (len(after_burst) - 1) / sustained_span if sustained_span else 0.0
    with db.session() as session:
        statuses = session.exec(
            select(PollDelivery.status).where(PollDelivery.poll_id == poll.id)
        ).all()
    not_reached = sum(1 for s in statuses if s != DeliveryStatus.SENT.value)
    edits = len([c for c in fake.calls if c.method == "editMessageText" and c.status == 200])
    refused = [c for c in fake.calls if c.status == 429]
    in_creator_chat = sum(1 for c in refused if c.params.get("chat_id") == creator_tid)
    db.dispose()
    return {
        "recipients": recipients,
        "scale": scale,
        "limit_per_second": overall,
        "elapsed_seconds": round(elapsed, 2),
        "rate_per_second": round(overall_rate, 2),
        "sustained_per_second": round(sustained, 2),
        "rate_fraction": round(sustained / overall, 3),
        "rate_fraction_incl_burst": round(overall_rate / overall, 3),
        "retry_after_answers": fake.retry_after_answers,
        "retry_after_in_creator_chat": in_creator_chat,
        "not_reached": not_reached,
        "progress_edits": edits,
        "progress_edit_seconds": config.telegram.progress_edit_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(run(args.recipients, args.scale))
    if args.scale != 1:
        print(
            f"Time scaled x{args.scale:g}: fake limits {result['limit_per_second']}/s overall and "
            f"{TELEGRAM_PER_CHAT * args.scale:g}/s per chat, ChatRateLimiter at the same rates."
        )
    print(f"Recipients: {result['recipients']}, sent in {result['elapsed_seconds']} s")
    print(
        "Sustained rate (second half of the sends): "
        f"{result['sustained_per_second']}/s = {result['rate_fraction']:.1%} of "
        f"{result['limit_per_second']}/s (target >= 90%); including the start burst "
        f"{result['rate_fraction_incl_burst']:.1%}"
    )
    print(
        f"429 answers: {result['retry_after_answers']} (target 0), of which in the creator's "
        f"chat: {result['retry_after_in_creator_chat']}"
    )
    print(f"Not reached: {result['not_reached']} (target 0)")
    print(
        f"Progress message edits: {result['progress_edits']} (at most one per "
        f"{result['progress_edit_seconds']:g} s, plus the final one; each counts in the "
        "creator's chat and overall)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
