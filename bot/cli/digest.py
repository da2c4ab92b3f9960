"""`wijkbot digest --wijk SLUG [--period 2026-W47] [--format text|html|json] [--send]`.

Without --period: the last full week (Monday to Monday). --send delivers it to each coach of the
wijk through the Bot API and records Digest rows exactly like the job, so neither the job nor a
second --send sends that period to them again.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.cli import common as cli
from bot.digest.schedule import Period, parse_period_key, period_ending


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = "Build a wijk's digest for one period (and optionally send it)."
    parser.add_argument("--wijk", required=True, help="the wijk's slug, e.g. elsrijk")
    parser.add_argument("--period", default=None, help="e.g. 2026-W47 (default: last full week)")
    parser.add_argument("--format", choices=("text", "html", "json"), default="text")
    parser.add_argument("--lang", choices=("nl", "en"), default=None)
    parser.add_argument(
        "--send", action="store_true", help="send it to the wijk's coaches (needs a bot token)"
    )


def run(args: argparse.Namespace) -> int:
    from bot.digest import builder, render
    from bot.people import persons

    config = cli.config_from(args, require_token=bool(args.send))
    services = cli.open_services(config)
    tz = config.general.tz
    lang = args.lang or config.general.default_language
    try:
        period = _period(args.period, services.clock.now(), tz)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    with services.db.session() as session:
        persons.sync_wijken(session, config)
        found = cli.find_wijken(session, [args.wijk], active_only=False)
        if isinstance(found, str):
            print(found, file=sys.stderr)
            return 2
        wijk = found[0]
        data = builder.build(session, config, wijk, period, services.clock.now())
    if args.format == "json":
        print(render.render_json(data))
    elif args.format == "html":
        rendered = render.render_html(data, lang, config)
        print("\n\n<!-- next message -->\n\n".join(rendered.messages))
    else:
        print(render.render_text(data, lang, config), end="")
    if args.send:
        assert wijk.id is not None
        return asyncio.run(_send(services, wijk.id, period))
    return 0


def _period(key: str | None, now: Any, tz: Any) -> Period:
    if key:
        return parse_period_key(key, tz)
    today = now.astimezone(tz).date()
    monday = today.toordinal() - today.weekday()
    from datetime import date

    return period_ending(date.fromordinal(monday), 7, tz)


async def _send(services: Any, wijk_id: int, period: Period) -> int:
    from sqlmodel import col, select
    from telegram import Bot
    from telegram.error import Forbidden

    from bot.digest import schedule
    from models import DigestStatus, Membership, Person, Role

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
    async with Bot(
        config.telegram.token,
        base_url=config.telegram.bot_api_url,
        base_file_url=config.telegram.bot_api_file_url,
    ) as bot:
        for coach in coaches:
            assert coach.id is not None
            claimed = schedule.claim(services.db, coach.id, wijk_id, period)
            if claimed is None:
                print(f"coach {coach.pseudonym}: already sent for {period.key}", file=sys.stderr)
                continue
            digest_id, skip = claimed
            now = services.clock.now()
            try:
                outgoing = await asyncio.to_thread(
                    schedule.prepare, services, wijk_id, period, coach.language
                )
            except Exception as exc:
                problems += 1
                schedule.finish(
                    services.db, digest_id, DigestStatus.FAILED.value, now, f"0/0: build: {exc}"
                )
                print(f"coach {coach.pseudonym}: not built ({exc})", file=sys.stderr)
                continue
            try:
                await schedule.deliver(bot, coach.telegram_id, outgoing, skip=skip)
            except schedule.DeliveryError as exc:
                problems += 1
                blocked = isinstance(exc.cause, Forbidden)
                if blocked:
                    with services.db.session() as session:
                        person = session.get(Person, coach.id)
                        if person is not None:
                            person.unreachable_at = now
                            session.add(person)
                            session.commit()
                reason = "blocked" if blocked else f"{type(exc.cause).__name__}: {exc.cause}"
                schedule.finish(
                    services.db,
                    digest_id,
                    DigestStatus.FAILED.value,
                    now,
                    f"{exc.sent}/{outgoing.total}: {reason}",
                )
                print(f"coach {coach.pseudonym}: not sent ({reason})", file=sys.stderr)
                continue
            schedule.finish(services.db, digest_id, DigestStatus.SENT.value, services.clock.now())
            print(f"coach {coach.pseudonym}: sent {period.key}", file=sys.stderr)
    return 1 if problems else 0
