"""When a coach's digest is due, which period it covers, and the one repeating job that sends it.

Periods are computed in local time (Europe/Amsterdam by default) and stored in UTC, so a week
that contains a DST change is still "Monday 00:00 to Monday 00:00" on the wall clock.

A digest due on day D at the coach's time covers the full period that ends at D 00:00 local:
7 days (weekly) or 14 days (biweekly). The period key is the ISO week of the period's last day
("2026-W47"); biweekly keys name both weeks ("2026-W46+47") and are anchored on the number of
weeks since 1970, so every biweekly period is the same pair of weeks for every coach and restart.
Keying on the last day means a changed weekday can at worst give one overlapping digest, never a
gap (a collision would skip a period).

What is due lives in the database: the job asks "what is the latest due period of every coach
and wijk, and is there a Digest row for it?" every minute and once at start-up. That makes it
immune to APScheduler's misfire_grace_time: a missed run is simply caught up by the next one.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.clock import as_utc
from bot.core.config import Config, DigestConfig

if TYPE_CHECKING:
    from telegram.ext import Application

_log = logging.getLogger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FREQUENCIES = ("weekly", "biweekly", "off")
# Times a coach can pick in the settings menu (a fixed list keeps callback data short).
SEND_TIMES = ("07:00", "08:00", "09:00", "12:00", "17:00", "20:00")
JOB_INTERVAL_SECONDS = 60
JOB_NAME = "digest-due"
_EPOCH_MONDAY = date(1970, 1, 5)
_KEY_RE = re.compile(r"^(\d{4})-W(\d{2})(?:\+(\d{2}))?$")


@dataclass(frozen=True)
class Schedule:
    weekday: int  # 0 = Monday
    send_time: time
    frequency: str  # weekly | biweekly | off
    skip_quiet: bool

    @classmethod
    def default(cls, config: DigestConfig) -> Schedule:
        return cls(
            WEEKDAYS.index(config.weekday), config.send_time, config.frequency, config.skip_quiet
        )

    @property
    def days(self) -> int:
        return 14 if self.frequency == "biweekly" else 7


@dataclass(frozen=True)
class Period:
    key: str
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    prev_start: datetime  # the previous period of the same length, for the changes
    partial: bool = False  # "so far": an on-demand digest of the running period

    @property
    def prev_end(self) -> datetime:
        return self.start


# --- calendar arithmetic in local time ---------------------------------------------------------


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def week_index(day: date) -> int:
    """Weeks since Monday 5 January 1970: the anchor of biweekly periods."""
    return (day - _EPOCH_MONDAY).days // 7


def _iso_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def period_ending(
    end_day: date, days: int, tz: ZoneInfo, *, partial_end: datetime | None = None
) -> Period:
    """The period of `days` days that ends at `end_day` 00:00 local time."""
    last_day = end_day - timedelta(days=1)
    if days == 14:
        first_week = last_day - timedelta(days=7)
        key = f"{_iso_key(first_week)}+{last_day.isocalendar()[1]:02d}"
    else:
        key = _iso_key(last_day)
    start_day = end_day - timedelta(days=days)
    start = local_midnight(start_day, tz)
    return Period(
        key=key,
        start=start,
        end=partial_end if partial_end is not None else local_midnight(end_day, tz),
        prev_start=local_midnight(start_day - timedelta(days=days), tz),
        partial=partial_end is not None,
    )


def _is_send_day(day: date, schedule: Schedule) -> bool:
    if day.weekday() != schedule.weekday:
        return False
    if schedule.frequency == "biweekly":
        # The period that ends at `day` must end in an odd week: periods are (even, odd) pairs.
        return week_index(day - timedelta(days=1)) % 2 == 1
    return True


def latest_due(schedule: Schedule, now: datetime, tz: ZoneInfo) -> tuple[datetime, Period] | None:
    """The most recent due time at or before `now` and the period it covers (None when off)."""
    if schedule.frequency == "off":
        return None
    today = now.astimezone(tz).date()
    for back in range(0, 15):
        day = today - timedelta(days=back)
        if not _is_send_day(day, schedule):
            continue
        due = datetime.combine(day, schedule.send_time, tzinfo=tz).astimezone(UTC)
        if due <= now:
            return due, period_ending(day, schedule.days, tz)
    return None  # pragma: no cover - a send day is always within 14 days


def next_due(schedule: Schedule, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The first due time after `now` (what the settings menu shows)."""
    if schedule.frequency == "off":
        return None
    today = now.astimezone(tz).date()
    for ahead in range(0, 16):
        day = today + timedelta(days=ahead)
        if not _is_send_day(day, schedule):
            continue
        due = datetime.combine(day, schedule.send_time, tzinfo=tz).astimezone(UTC)
        if due > now:
            return due
    return None  # pragma: no cover


def current_period(schedule: Schedule, now: datetime, tz: ZoneInfo) -> Period:
    """The running period "so far": what the next scheduled digest will cover, up to now."""
    weekly = (
        schedule
        if schedule.frequency != "off"
        else Schedule(schedule.weekday, schedule.send_time, "weekly", schedule.skip_quiet)
    )
    today = now.astimezone(tz).date()
    for ahead in range(1, 16):
        day = today + timedelta(days=ahead)
        if _is_send_day(day, weekly):
            return period_ending(day, weekly.days, tz, partial_end=now)
    raise AssertionError("no send day ahead")  # pragma: no cover


def parse_period_key(key: str, tz: ZoneInfo) -> Period:
    """A key such as 2026-W47 (Monday to Monday) or 2026-W46+47 (two weeks) to its period."""
    match = _KEY_RE.match(key.strip())
    if match is None:
        raise ValueError(f"expected a period like 2026-W47 or 2026-W46+47, got {key!r}")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"week {week} does not exist in {year}") from None
    if match.group(3) is None:
        return period_ending(monday + timedelta(days=7), 7, tz)
    period = period_ending(monday + timedelta(days=14), 14, tz)
    if period.key != key.strip():
        raise ValueError(f"{key!r} is not a two-week period; try {period.key}")
    return period


def schedule_for(session: Any, person_id: int, config: Config) -> Schedule:
    from models import DigestSetting

    setting = session.get(DigestSetting, person_id)
    if setting is None:
        return Schedule.default(config.digest)
    hour, minute = setting.send_time.split(":")
    return Schedule(
        setting.weekday, time(int(hour), int(minute)), setting.frequency, setting.skip_quiet
    )


# --- the repeating job ---------------------------------------------------------------------------


def install(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """One run at start-up, then one every minute."""
    if app.job_queue is None:
        _log.warning(
            "no JobQueue: digests will not be sent (install python-telegram-bot[job-queue])"
        )
        return
    # A late run must still run: what is due comes from the database, not from the timer.
    late_is_fine = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
    # The start-up run. (An interval trigger whose start lies before the scheduler starts would
    # first fire one interval later; a date trigger in the past fires at once.)
    app.job_queue.run_once(_tick, when=0, name=f"{JOB_NAME}-startup", job_kwargs=late_is_fine)
    app.job_queue.run_repeating(
        _tick,
        interval=JOB_INTERVAL_SECONDS,
        first=JOB_INTERVAL_SECONDS,
        name=JOB_NAME,
        job_kwargs=late_is_fine,
    )


async def _tick(context: Any) -> None:
    services = context.application.services
    try:
        await send_due(services, context.bot)
    except Exception:  # a broken run must not stop the next one
        _log.exception("digest run failed")
    finally:
        # How many runs finished: lets a test (or an operator) see the start-up run happened.
        services.digest_runs += 1


# --- delivery ------------------------------------------------------------------------------------

MAX_ATTEMPTS = 5
RETRY_AFTER_TRIES = 3
_PROGRESS = re.compile(r"^(\d+)/\d+")


@dataclass(frozen=True)
class Due:
    coach_id: int
    telegram_id: int
    lang: str
    wijk_id: int
    period: Period
    skip_quiet: bool


@dataclass
class Outgoing:
    """One digest ready to send: its messages, the chart and the list."""

    texts: list[str]
    chart: bytes
    csv: bytes
    csv_name: str
    lang: str
    attention_message: int | None = None
    attention_ids: list[int] | None = None
    quiet: bool = False

    @property
    def total(self) -> int:
        return len(self.texts) + 2


class DeliveryError(Exception):
    def __init__(self, sent: int, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.sent, self.cause = sent, cause


def find_due(session: Any, config: Config, now: datetime) -> list[Due]:
    """Every (coach, wijk) whose latest due period has no finished Digest row yet."""
    from sqlmodel import col, select

    from models import Digest, DigestStatus, Membership, Person, Role, Wijk

    tz = config.general.tz
    rows = session.exec(
        select(Membership.person_id, Membership.wijk_id, Membership.created_at, Person)
        .join(Person, col(Person.id) == Membership.person_id)
        .join(Wijk, col(Wijk.id) == Membership.wijk_id)
        .where(
            Membership.role == Role.COACH.value,
            col(Person.unreachable_at).is_(None),
            col(Wijk.active).is_(True),
        )
        .order_by(col(Membership.person_id), col(Membership.wijk_id))
    ).all()
    due: list[Due] = []
    for person_id, wijk_id, since, person in rows:
        schedule = schedule_for(session, person_id, config)
        latest = latest_due(schedule, now, tz)
        if latest is None:
            continue
        due_at, period = latest
        if as_utc(since) > due_at:
            continue  # a coach since after the due time: their first digest is the next one
        done = session.exec(
            select(Digest.status, Digest.attempts).where(
                Digest.coach_id == person_id,
                Digest.wijk_id == wijk_id,
                Digest.period_key == period.key,
            )
        ).first()
        if done is not None and (done[0] != DigestStatus.FAILED.value or done[1] >= MAX_ATTEMPTS):
            continue
        due.append(
            Due(
                person_id, person.telegram_id, person.language, wijk_id, period, schedule.skip_quiet
            )
        )
    return due


def claim(db: Any, coach_id: int | None, wijk_id: int, period: Period) -> tuple[int, int] | None:
    """Claim the right to send: (digest id, parts already sent) for the winner, None otherwise.

    A new period: INSERT the row and commit; the unique constraint lets exactly one of any number
    of racing runs (threads, processes, a restarted bot) succeed. A failed earlier attempt: an
    UPDATE that only matches while the row is still "failed", so again one winner.
    """
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError
    from sqlmodel import col, select

    from models import Digest, DigestStatus

    with db.session() as session:
        try:
            row = Digest(
                coach_id=coach_id,
                wijk_id=wijk_id,
                period_key=period.key,
                period_start=period.start,
                period_end=period.end,
                status=DigestStatus.PENDING.value,
            )
            session.add(row)
            session.commit()
            assert row.id is not None
            return row.id, 0
        except IntegrityError:
            session.rollback()
        existing = session.exec(
            select(Digest).where(
                Digest.coach_id == coach_id,
                Digest.wijk_id == wijk_id,
                Digest.period_key == period.key,
            )
        ).first()
        if (
            existing is None
            or existing.id is None
            or existing.status != DigestStatus.FAILED.value
            or existing.attempts >= MAX_ATTEMPTS
        ):
            return None
        result = session.exec(
            update(Digest)
            .where(
                col(Digest.id) == existing.id,
                col(Digest.status) == DigestStatus.FAILED.value,
                col(Digest.attempts) == existing.attempts,
            )
            .values(status=DigestStatus.PENDING.value)
        )
        session.commit()
        if result.rowcount != 1:
            return None
        match = _PROGRESS.match(existing.error or "")
        return existing.id, int(match.group(1)) if match else 0


def finish(db: Any, digest_id: int, status: str, now: datetime, error: str | None = None) -> None:
    from models import Digest, DigestStatus

    with db.session() as session:
        row = session.get(Digest, digest_id)
        if row is None:
            return
        row.status = status
        row.error = error[:400] if error else None
        if status == DigestStatus.SENT.value:
            row.sent_at = now
        if status == DigestStatus.FAILED.value:
            row.attempts += 1
        session.add(row)
        session.commit()


def prepare(services: Any, wijk_id: int, period: Period, lang: str) -> Outgoing:
    """Build and render (blocking: database and matplotlib; run it in a thread)."""
    from bot.digest import builder
    from bot.digest import chart as digest_chart
    from bot.digest import render as digest_render
    from models import Wijk

    with services.db.session() as session:
        wijk = session.get(Wijk, wijk_id)
        if wijk is None:
            raise LookupError(f"no wijk {wijk_id}")
        grouper = services.digest_grouper
        data = builder.build(
            session, services.config, wijk, period, services.clock.now(), grouper=grouper
        )
    narrator = services.digest_narrator
    if narrator is not None:
        try:
            data.narratives.update(narrator(data, lang) or {})
        except Exception:  # the narrative is optional: the digest goes without it
            _log.warning("digest narrative failed", exc_info=True)
    rendered = digest_render.render_html(data, lang, services.config)
    return Outgoing(
        texts=rendered.messages,
        chart=digest_chart.render_chart(data, lang),
        csv=digest_render.render_csv(data, lang, services.config),
        csv_name=digest_render.csv_filename(data),
        lang=lang,
        attention_message=rendered.attention_message,
        attention_ids=rendered.attention_ids,
        quiet=data.quiet,
    )


def closing_keyboard(lang: str) -> Any:
    """Every message has a way on: the menu, and the digest settings."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    from bot.core.i18n import t
    from bot.telegram.callbacks import Kind, encode

    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(lang, "digest.settings_button"),
                    callback_data=encode(Kind.MENU, "digest_settings"),
                ),
                InlineKeyboardButton(
                    t(lang, "menu.back_to_menu"), callback_data=encode(Kind.MENU, "main")
                ),
            ]
        ]
    )


def open_buttons(lang: str, observation_ids: list[int]) -> list[list[Any]]:
    """Buttons under "needs attention": the coach's feature opens `co:<id>:open`."""
    from telegram import InlineKeyboardButton

    from bot.core.i18n import t
    from bot.telegram.callbacks import Kind, encode

    buttons = [
        InlineKeyboardButton(
            t(lang, "digest.open_ref", ref=f"M-{i}"), callback_data=encode(Kind.COACH, i, "open")
        )
        for i in observation_ids
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def deliver(
    bot: Any,
    chat_id: int,
    outgoing: Outgoing,
    *,
    skip: int = 0,
) -> None:
    """Send the texts, the chart and the CSV; raises DeliveryError with how many parts went out.

    `skip` parts are not sent again (a retry after a failure half-way never repeats a part).
    A RetryAfter that reaches us (the rate limiter gave up, or there is none) is waited out here.
    """
    from telegram import InputFile
    from telegram.constants import ParseMode
    from telegram.error import RetryAfter

    from bot.core.i18n import t

    lang = outgoing.lang
    steps: list[Any] = []
    for index, text in enumerate(outgoing.texts):
        markup = None
        if index == outgoing.attention_message:
            rows = open_buttons(lang, list(outgoing.attention_ids or []))
            if rows:
                from telegram import InlineKeyboardMarkup

                markup = InlineKeyboardMarkup(rows)
        steps.append(
            lambda text=text, markup=markup: bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        )
    steps.append(
        lambda: bot.send_photo(
            chat_id,
            InputFile(outgoing.chart, filename="digest.png"),
            caption=t(lang, "digest.chart_caption"),
            parse_mode=ParseMode.HTML,
        )
    )
    steps.append(
        lambda: bot.send_document(
            chat_id,
            InputFile(outgoing.csv, filename=outgoing.csv_name),
            caption=t(lang, "digest.csv_caption"),
            parse_mode=ParseMode.HTML,
            reply_markup=closing_keyboard(lang),
        )
    )
    import asyncio

    for index, step in enumerate(steps):
        if index < skip:
            continue
        for attempt in range(RETRY_AFTER_TRIES + 1):
            try:
                await step()
                break
            except RetryAfter as exc:
                if attempt == RETRY_AFTER_TRIES:
                    raise DeliveryError(index, exc) from exc
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                _log.info("Telegram asks to wait %.0f s before the next digest part", seconds)
                await asyncio.sleep(seconds)
            except Exception as exc:
                raise DeliveryError(index, exc) from exc


async def send_due(services: Any, bot: Any) -> int:
    """Send every digest that is due now. Returns how many went out."""
    import asyncio

    from telegram.error import Forbidden

    from models import DigestStatus, Person

    now = services.clock.now()
    with services.db.session() as session:
        due = find_due(session, services.config, now)
    sent = 0
    for item in due:
        claimed = claim(services.db, item.coach_id, item.wijk_id, item.period)
        if claimed is None:
            continue
        digest_id, skip = claimed
        try:
            outgoing = await asyncio.to_thread(
                prepare, services, item.wijk_id, item.period, item.lang
            )
        except Exception as exc:
            _log.exception("could not build digest %s", digest_id)
            finish(services.db, digest_id, DigestStatus.FAILED.value, now, f"0/0: build: {exc}")
            continue
        if item.skip_quiet and outgoing.quiet:
            finish(services.db, digest_id, DigestStatus.SKIPPED.value, now)
            continue
        try:
            await deliver(bot, item.telegram_id, outgoing, skip=skip)
        except DeliveryError as exc:
            progress = f"{exc.sent}/{outgoing.total}"
            if isinstance(exc.cause, Forbidden):
                _log.info("coach %s blocked the bot: marked unreachable", item.coach_id)
                with services.db.session() as session:
                    person = session.get(Person, item.coach_id)
                    if person is not None:
                        person.unreachable_at = now
                        session.add(person)
                        session.commit()
                finish(
                    services.db, digest_id, DigestStatus.FAILED.value, now, f"{progress}: blocked"
                )
            else:
                _log.warning("digest %s to coach %s failed: %s", digest_id, item.coach_id, exc)
                finish(
                    services.db,
                    digest_id,
                    DigestStatus.FAILED.value,
                    now,
                    f"{progress}: {type(exc.cause).__name__}: {exc.cause}",
                )
            continue
        finish(services.db, digest_id, DigestStatus.SENT.value, services.clock.now())
        sent += 1
    return sent
