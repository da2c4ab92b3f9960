"""The digest's calendar: a coach's schedule, when a digest is due and which period it covers.

Pure functions of a schedule, a moment and a time zone: no database, no Telegram.

Periods are computed in local time (Europe/Amsterdam by default) and stored in UTC, so a week
that contains a DST change is still "Monday 00:00 to Monday 00:00" on the wall clock.

A digest due on day D at the coach's time covers the full period that ends at D 00:00 local:
7 days (weekly) or 14 days (biweekly). The period key is the ISO week of the period's last day
("2026-W47"); biweekly keys name both weeks ("2026-W46+47") and are anchored on the number of
weeks since 1970, so every biweekly period is the same pair of weeks for every coach and restart.
Keying on the last day means a changed weekday can at worst give one overlapping digest, never a
gap (a collision would skip a period).

A partial period ("so far") is the running period up to now: what a coach's on-demand digest
covers, never a scheduled one. Such a digest is stored (for the desk's archive) under the
period's key marked as asked for (`Digest.asked`), so asking for one never counts as the
period's scheduled digest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.config import DigestConfig

if TYPE_CHECKING:
    from models import DigestSetting

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FREQUENCIES = ("weekly", "biweekly", "off")
# Times a coach can pick in the settings menu (a fixed list keeps callback data short).
SEND_TIMES = ("07:00", "08:00", "09:00", "12:00", "17:00", "20:00")
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

    @classmethod
    def of(cls, setting: DigestSetting) -> Schedule:
        """A coach's own setting (its time stored as "HH:MM")."""
        hour, minute = setting.send_time.split(":")
        return cls(
            setting.weekday, time(int(hour), int(minute)), setting.frequency, setting.skip_quiet
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


def last_full_week(now: datetime, tz: ZoneInfo) -> Period:
    """The last full week before `now`: Monday 00:00 to Monday 00:00 local time."""
    today = now.astimezone(tz).date()
    return period_ending(today - timedelta(days=today.weekday()), 7, tz)


def week_numbers(key: str) -> tuple[int, ...]:
    """The ISO week numbers a period key names, as a coach reads them ("week 49", "week 50 en
    51"): 2026-W49 gives (49,), 2026-W50+51 gives (50, 51)."""
    match = _KEY_RE.match(key.strip())
    if match is None:
        raise ValueError(f"expected a period like 2026-W47 or 2026-W46+47, got {key!r}")
    first = int(match.group(2))
    return (first,) if match.group(3) is None else (first, int(match.group(3)))


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
