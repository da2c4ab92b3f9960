"""`wijkbot digest --wijk SLUG [--period 2026-W47] [--format text|html|json] [--send]`.

Without --period: the last full week (Monday to Monday). A week not over yet is shown until
now, and never sent; a week not begun is refused. --send delivers it to each coach of the
wijk through the Bot API and records Digest rows exactly like the job, so neither the job nor a
second --send sends that period to them again.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.cli import common as cli
from bot.digest.periods import Period, last_full_week, parse_period_key

if TYPE_CHECKING:
    from bot.context import Services

# `wijkbot` loads this module for its parser whatever the command: the digest's building and
# sending (SQL, Telegram) are imported when this command runs.


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = "Build a wijk's digest for one period (and optionally send it)."
    parser.add_argument("--wijk", required=True, help="the wijk's slug, e.g. elsrijk")
    parser.add_argument(
        "--period",
        default=None,
        help="e.g. 2026-W47 (default: the last full week); a week not over yet is shown until "
        "now, and never sent",
    )
    parser.add_argument("--format", choices=("text", "html", "json"), default="text")
    parser.add_argument("--lang", choices=("nl", "en"), default=None)
    parser.add_argument(
        "--send", action="store_true", help="send it to the wijk's coaches (needs a bot token)"
    )


def run(args: argparse.Namespace) -> int:
    from bot.digest import builder, render

    config = cli.config_from(args, require_token=bool(args.send))
    services = cli.open_services(config)
    tz = config.general.tz
    lang = args.lang or config.general.default_language
    now = services.clock.now()
    try:
        period = _period(args.period, now, tz)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if period.end > now:
        # A week not over yet: sent, its digest would be partial (or empty) and the period
        # recorded as sent, so its real digest would never go out. Shown, it says "until now".
        start, end = (cli.when(m.astimezone(tz)) for m in (period.start, period.end))
        if period.start > now:
            print(f"{period.key} has not begun yet (it begins {start}, {tz})", file=sys.stderr)
            return 2
        if args.send:
            print(
                f"{period.key} is not over yet (it ends {end}, {tz}): --send sends only a period "
                "that has ended; nothing sent",
                file=sys.stderr,
            )
            return 2
        print(f"{period.key} is not over yet: this is its digest until now", file=sys.stderr)
        period = replace(period, end=now, partial=True)
    with services.db.session() as session:
        wijk = cli.one_wijk(session, config, args.wijk)
        if wijk is None:
            return 2
        data = builder.build(session, config, wijk, period, now)
    if args.format == "json":
        print(render.render_json(data))
    elif args.format == "html":
        rendered = render.render_html(data, lang, config, buttons=False)
        print("\n\n<!-- next message -->\n\n".join(rendered.messages))
    else:
        print(render.render_text(data, lang, config), end="")
    if args.send:
        assert wijk.id is not None
        return asyncio.run(_send(services, wijk.id, period))
    return 0


def _period(key: str | None, now: datetime, tz: ZoneInfo) -> Period:
    return parse_period_key(key, tz) if key else last_full_week(now, tz)


async def _send(services: Services, wijk_id: int, period: Period) -> int:
    from sqlmodel import col, select
    from telegram import Bot
    from telegram.error import TelegramError

    from bot.digest import jobs
    from bot.telegram.sending import retried
    from models import Membership, Person, Role

    config = services.config
    with services.db.session() as session:
        coaches = session.exec(
            select(Person)
            .join(Membership, col(Membership.person_id) == Person.id)
            .where(Membership.wijk_id == wijk_id, Membership.role == Role.COACH.value)
            .order_by(col(Person.id))
        ).all()
    if not coaches:
        print("this wijk has no coach yet", file=sys.stderr)
        return 1
    problems = 0
    bot = Bot(
        config.telegram.token,
        base_url=config.telegram.bot_api_url,
        base_file_url=config.telegram.bot_api_file_url,
    )
    try:
        # The first call (getMe) only reads: a 502 or a timeout is simply tried again.
        await retried(bot.initialize)
    except TelegramError as exc:
        print(f"Telegram is not reachable ({exc}); nothing was sent", file=sys.stderr)
        return 1
    async with bot:
        for coach in coaches:
            assert coach.id is not None
            claimed = jobs.claim(services.db, coach.id, wijk_id, period, services.clock.now())
            if claimed is None:
                print(f"coach {coach.pseudonym}: already sent for {period.key}", file=sys.stderr)
                continue
            due = jobs.Due(coach.id, coach.telegram_id, coach.language, wijk_id, period, False)
            result = await jobs.send_claimed(services, bot, due, claimed)
            if result.outcome is jobs.Outcome.SENT:
                print(f"coach {coach.pseudonym}: sent {period.key}", file=sys.stderr)
            else:
                problems += 1
                print(
                    f"coach {coach.pseudonym}: {result.outcome} ({result.reason})", file=sys.stderr
                )
    return 1 if problems else 0
