"""The digest on the calendar's hard days: ISO week 53 at the year change (weekly and biweekly)
and both DST nights of 2027 in Europe/Amsterdam.

2026 has an ISO week 53 (Monday 28 December 2026 to Sunday 3 January 2027). Summer time starts on
Sunday 28 March 2027 (02:00 -> 03:00: a local 02:30 does not exist, the day has 23 hours) and ends
on Sunday 31 October 2027 (03:00 -> 02:00: a local 02:30 happens twice, the day has 25 hours).

Every moment comes from a FrozenClock and every row carries explicit times, so these tests pass on
any wall-clock date (WIJKBOT_TEST_SHIFT_DAYS, WIJKBOT_TEST_NOW).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.context import Services
from bot.core.clock import Clock, FrozenClock, as_utc
from bot.digest import jobs, periods
from bot.fake_telegram import FakeTelegram, Harness
from bot.fake_telegram.users import BotMessage
from bot.fake_telegram.users import Person as FakePerson
from models import Digest, DigestSetting, Membership, Person, Role
from tests.conftest import make_app
from tests.digest.test_digest import observe, person
from tests.digest.test_digest_delivery import started
from tests.helpers import join_as

AMS = ZoneInfo("Europe/Amsterdam")
# Monday 4 January 2027, 08:00 in Amsterdam: the digest of 2026-W53 is due.
W53_DUE = datetime(2027, 1, 4, 8, 0, tzinfo=AMS)
W01_DUE = datetime(2027, 1, 11, 8, 0, tzinfo=AMS)
WEEKLY = periods.Schedule(0, time(8), "weekly", False)
BIWEEKLY = periods.Schedule(0, time(8), "biweekly", False)
SECOND = timedelta(seconds=1)


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(W53_DUE - timedelta(days=1))


def frozen(services: Services) -> FrozenClock:
    assert isinstance(services.clock, FrozenClock)
    return services.clock


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0
) -> datetime:
    """A wall-clock time in Amsterdam; fold=1 is the second of a time the autumn night has twice."""
    return datetime(year, month, day, hour, minute, tzinfo=AMS, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def walk(
    plan: periods.Schedule, start: datetime, end: datetime, step: timedelta = timedelta(hours=1)
) -> list[tuple[datetime, periods.Period]]:
    """Every distinct (due time, period) that latest_due gives, asked every `step`."""
    seen: list[tuple[datetime, periods.Period]] = []
    now = start
    while now < end:
        found = periods.latest_due(plan, now, AMS)
        assert found is not None
        if not seen or seen[-1] != found:
            assert all(found[1].key != p.key for _, p in seen), f"{found[1].key} came back"
            seen.append(found)
        now += step
    return seen


def local_days(period: periods.Period) -> int:
    return (period.end.astimezone(AMS).date() - period.start.astimezone(AMS).date()).days


def coach(bot: Harness, services: Services, tg: int, since: datetime) -> FakePerson:
    fake_person = bot.user(tg, f"Coach{tg}")
    person(services, tg, role=Role.COACH, since=since)
    return fake_person


def headers(fake_person: FakePerson) -> list[str]:
    """The period line under each digest's title
    ("28 dec 2026 tot en met 3 jan 2027 · week 53")."""
    return [
        m.plain_text.splitlines()[1]
        for m in fake_person.messages
        if m.plain_text.startswith("Wijkoverzicht")
    ]


def csv_rows(message: BotMessage) -> list[list[str]]:
    assert message.kind == "document"
    text = (message.file_bytes or b"").decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))[1:]  # a Dutch coach's


def digests(services: Services) -> list[Digest]:
    with services.db.session() as session:
        return list(session.exec(select(Digest).order_by(Digest.id)).all())  # type: ignore[arg-type]


async def run_at(services: Services, bot: Harness, moment: datetime) -> int:
    frozen(services).set(moment)
    return await jobs.send_due(services, bot.app.bot)


# --- ISO week 53, the calendar alone ------------------------------------------------------------


def test_week_53_is_a_period_of_its_own() -> None:
    due_at, period = periods.latest_due(WEEKLY, W53_DUE, AMS)  # type: ignore[misc]
    assert due_at == W53_DUE
    assert period.key == "2026-W53"
    assert period.start == local(2026, 12, 28) and period.end == local(2027, 1, 4)
    assert period.prev_start == local(2026, 12, 21)
    assert periods.parse_period_key("2026-W53", AMS) == period
    # One second earlier the latest due digest is still week 52's; the next one is week 1's,
    # starting where week 53 ends.
    _, before = periods.latest_due(WEEKLY, W53_DUE - SECOND, AMS)  # type: ignore[misc]
    assert before.key == "2026-W52" and before.end == period.start
    assert periods.next_due(WEEKLY, W53_DUE, AMS) == W01_DUE
    _, after = periods.latest_due(WEEKLY, W01_DUE, AMS)  # type: ignore[misc]
    assert after.key == "2027-W01" and after.start == period.end
    assert periods.parse_period_key("2027-W01", AMS) == after


@pytest.mark.parametrize("weekday", range(7), ids=periods.WEEKDAYS)
def test_weekly_periods_run_on_across_the_year_change(weekday: int) -> None:
    plan = periods.Schedule(weekday, time(8), "weekly", False)
    seen = walk(plan, local(2026, 12, 1), local(2027, 2, 1))
    for (due_a, a), (due_b, b) in pairwise(seen):
        assert a.end == b.start and b.prev_start == a.start  # no gap, no overlap
        assert due_b.astimezone(AMS) == due_a.astimezone(AMS) + timedelta(days=7)
    assert all(local_days(p) == 7 for _, p in seen)
    assert all(due.astimezone(AMS).time() == time(8) for due, _ in seen)
    # Exactly one period is named for week 53: the one whose last day lies in it.
    (w53,) = [p for _, p in seen if p.key == "2026-W53"]
    last_day = w53.end.astimezone(AMS).date() - timedelta(days=1)
    assert last_day.isocalendar()[:2] == (2026, 53)
    assert [p.key for _, p in seen].count("2027-W01") == 1


def test_biweekly_pairs_run_on_across_the_year_change() -> None:
    seen = walk(BIWEEKLY, local(2026, 12, 1), local(2027, 2, 15))
    # The pairs are counted from 1970, not from the ISO year: week 53 pairs with week 52, and
    # 2027 starts a pair of its own. Nothing is skipped or sent twice at the year change.
    assert [(due.astimezone(AMS).date(), p.key) for due, p in seen] == [
        (date(2026, 11, 23), "2026-W46+47"),
        (date(2026, 12, 7), "2026-W48+49"),
        (date(2026, 12, 21), "2026-W50+51"),
        (date(2027, 1, 4), "2026-W52+53"),
        (date(2027, 1, 18), "2027-W01+02"),
        (date(2027, 2, 1), "2027-W03+04"),
    ]
    for (_, a), (_, b) in pairwise(seen):
        assert a.end == b.start and b.prev_start == a.start
    for _, period in seen:
        assert local_days(period) == 14
        assert periods.parse_period_key(period.key, AMS) == period
    _, year_end = seen[3]
    assert year_end.start == local(2026, 12, 21) and year_end.end == local(2027, 1, 4)


@pytest.mark.parametrize("weekday", range(7), ids=periods.WEEKDAYS)
def test_biweekly_on_any_weekday_runs_on_across_the_year_change(weekday: int) -> None:
    plan = periods.Schedule(weekday, time(20), "biweekly", False)
    seen = walk(plan, local(2026, 11, 15), local(2027, 2, 15))
    assert len(seen) >= 6
    for (due_a, a), (due_b, b) in pairwise(seen):
        assert a.end == b.start
        assert due_b.astimezone(AMS) == due_a.astimezone(AMS) + timedelta(days=14)
    assert all(local_days(p) == 14 and "+" in p.key for _, p in seen)


# --- DST, the calendar alone --------------------------------------------------------------------


def test_weeks_with_a_23_and_a_25_hour_day_end_at_local_midnight() -> None:
    spring = periods.parse_period_key("2027-W12", AMS)  # Monday 22 to Sunday 28 March
    assert spring.start == utc(2027, 3, 21, 23) and spring.end == utc(2027, 3, 28, 22)
    assert spring.end - spring.start == timedelta(days=7, hours=-1)
    autumn = periods.parse_period_key("2027-W43", AMS)  # Monday 25 to Sunday 31 October
    assert autumn.start == utc(2027, 10, 24, 22) and autumn.end == utc(2027, 10, 31, 23)
    assert autumn.end - autumn.start == timedelta(days=7, hours=1)
    for period in (spring, autumn):
        assert period.start.astimezone(AMS).time() == period.end.astimezone(AMS).time() == time(0)
    # The Monday digests after those weeks: 08:00 on the wall clock, in summer and in winter time.
    due_spring, _ = periods.latest_due(WEEKLY, utc(2027, 3, 29, 6), AMS)  # type: ignore[misc]
    due_autumn, _ = periods.latest_due(WEEKLY, utc(2027, 11, 1, 7), AMS)  # type: ignore[misc]
    assert due_spring == utc(2027, 3, 29, 6) and due_autumn == utc(2027, 11, 1, 7)


def test_a_0230_schedule_on_the_dst_nights() -> None:
    sunday_0230 = periods.Schedule(6, time(2, 30), "weekly", False)
    # Spring: 02:30 does not exist. It is read as winter time, 01:30 UTC, which the clocks show as
    # 03:30 summer time: never before the chosen time, and once.
    assert periods.next_due(sunday_0230, local(2027, 3, 27, 12), AMS) == utc(2027, 3, 28, 1, 30)
    _, week_before = periods.latest_due(sunday_0230, utc(2027, 3, 28, 1, 29), AMS)  # type: ignore[misc]
    assert week_before.key == "2027-W11"
    due_at, period = periods.latest_due(sunday_0230, utc(2027, 3, 28, 1, 30), AMS)  # type: ignore[misc]
    assert due_at == utc(2027, 3, 28, 1, 30) and due_at.astimezone(AMS).time() == time(3, 30)
    assert period.key == "2027-W12" and period.end == local(2027, 3, 28)
    # Autumn: 02:30 happens twice; the first (summer time, 00:30 UTC) is the due time, and at the
    # second the same digest is still the latest due one: it is due once.
    assert periods.next_due(sunday_0230, local(2027, 10, 30, 12), AMS) == utc(2027, 10, 31, 0, 30)
    first, in_autumn = periods.latest_due(sunday_0230, utc(2027, 10, 31, 0, 30), AMS)  # type: ignore[misc]
    second = periods.latest_due(sunday_0230, local(2027, 10, 31, 2, 30, fold=1), AMS)
    assert first == utc(2027, 10, 31, 0, 30) and second == (first, in_autumn)
    assert in_autumn.key == "2027-W43" and in_autumn.end == local(2027, 10, 31)


# --- through the job, on both databases --------------------------------------------------------


async def test_week_53_digest_is_sent_once_and_the_next_covers_week_1(
    bot: Harness, services: Services
) -> None:
    await started(services)
    anna = coach(bot, services, 5001, since=local(2026, 12, 28, 9))  # after week 52's was due
    # Around the edges of week 53 in local time; the UTC dates differ from the local ones.
    observe(services, "W52 zondagavond", at=local(2026, 12, 27, 23, 30))
    observe(services, "W53 maandag vroeg", at=local(2026, 12, 28, 0, 30))  # 27 Dec in UTC
    observe(services, "W53 oudejaarsavond", at=local(2026, 12, 31, 23, 30))
    observe(services, "W53 nieuwjaarsnacht", at=local(2027, 1, 1, 0, 30))  # 2026 in UTC
    observe(services, "W53 zondagavond laat", at=local(2027, 1, 3, 23, 59))
    observe(services, "W01 maandag vroeg", at=local(2027, 1, 4, 0, 30))  # a Sunday in UTC

    assert await run_at(services, bot, W53_DUE - SECOND) == 0
    assert anna.messages == []
    assert await run_at(services, bot, W53_DUE) == 1
    for later in (W53_DUE + timedelta(minutes=1), W53_DUE + timedelta(hours=12), W01_DUE - SECOND):
        assert await run_at(services, bot, later) == 0
    assert headers(anna) == ["28 dec 2026 tot en met 3 jan 2027 · week 53"]
    title = next(m for m in anna.messages if m.plain_text.startswith("Wijkoverzicht"))
    assert "Meldingen: 4 (vorige keer: 1)" in title.plain_text
    document = anna.messages[-1]
    assert document.filename == "meldingen-elsrijk-2026-W53.csv"
    assert [(r[1], r[4]) for r in csv_rows(document)] == [
        ("2026-12-28 00:30", "W53 maandag vroeg"),
        ("2026-12-31 23:30", "W53 oudejaarsavond"),
        ("2027-01-01 00:30", "W53 nieuwjaarsnacht"),
        ("2027-01-03 23:59", "W53 zondagavond laat"),
    ]
    (row,) = digests(services)
    assert (row.period_key, row.status) == ("2026-W53", "sent")
    assert as_utc(row.period_start) == utc(2026, 12, 27, 23)
    assert as_utc(row.period_end) == utc(2027, 1, 3, 23)

    assert await run_at(services, bot, W01_DUE) == 1
    assert await run_at(services, bot, W01_DUE + timedelta(minutes=1)) == 0
    assert headers(anna) == [
        "28 dec 2026 tot en met 3 jan 2027 · week 53",
        "4 jan 2027 tot en met 10 jan 2027 · week 1",
    ]
    assert [r[4] for r in csv_rows(anna.messages[-1])] == ["W01 maandag vroeg"]
    assert [(d.period_key, d.status) for d in digests(services)] == [
        ("2026-W53", "sent"),
        ("2027-W01", "sent"),
    ]


async def test_biweekly_digests_pair_the_weeks_across_the_year_change(
    bot: Harness, services: Services
) -> None:
    await started(services)
    # A coach since after the digest of weeks 48+49 was due (Monday 7 December, 08:00).
    anna = coach(bot, services, 5001, since=local(2026, 12, 8))
    with services.db.session() as session:
        anna_id = session.exec(select(Person.id).where(Person.telegram_id == 5001)).one()
        assert anna_id is not None
        session.add(
            DigestSetting(person_id=anna_id, frequency="biweekly", updated_at=local(2026, 12, 8))
        )
        session.commit()
    for week, day in (("W51", 16), ("W52", 23), ("W53", 30)):
        observe(services, f"Melding in {week}", at=local(2026, 12, day, 12))
    observe(services, "Melding in W01", at=local(2027, 1, 6, 12))
    # Every day from 14 December to 25 January, just before and at 08:00, and in the evening.
    for n in range(43):
        today = date(2026, 12, 14) + timedelta(days=n)
        eight = local(today.year, today.month, today.day, 8)
        for moment in (eight - SECOND, eight, eight + timedelta(hours=12)):
            await run_at(services, bot, moment)
    assert headers(anna) == [
        "7 dec 2026 tot en met 20 dec 2026 · week 50 en 51",
        "21 dec 2026 tot en met 3 jan 2027 · week 52 en 53",
        "4 jan 2027 tot en met 17 jan 2027 · week 1 en 2",
    ]
    rows = digests(services)
    assert [(d.period_key, d.status) for d in rows] == [
        ("2026-W50+51", "sent"),
        ("2026-W52+53", "sent"),
        ("2027-W01+02", "sent"),
    ]
    for a, b in pairwise(rows):
        assert as_utc(a.period_end) == as_utc(b.period_start)  # no gap, no overlap
    assert [as_utc(d.sent_at).astimezone(AMS) for d in rows if d.sent_at is not None] == [
        local(2026, 12, 21, 8),
        local(2027, 1, 4, 8),
        local(2027, 1, 18, 8),
    ]
    documents = [m for m in anna.messages if m.kind == "document"]
    assert [d.filename for d in documents] == [
        "meldingen-elsrijk-2026-W50-51.csv",
        "meldingen-elsrijk-2026-W52-53.csv",
        "meldingen-elsrijk-2027-W01-02.csv",
    ]
    assert [[r[4] for r in csv_rows(d)] for d in documents] == [
        ["Melding in W51"],
        ["Melding in W52", "Melding in W53"],
        ["Melding in W01"],
    ]


async def test_who_joins_as_coach_after_the_due_time_gets_the_next_period_first(
    bot: Harness, services: Services
) -> None:
    """Joined through an invite: the membership is as old as the project's clock says, so a coach
    since Sunday gets week 53's digest and a coach since Monday 09:00 starts with week 1's."""
    await started(services)
    frozen(services).set(local(2027, 1, 3, 12))
    sunday = await join_as(bot, services, 5001, "Sanne", Role.COACH, "elsrijk")
    frozen(services).set(local(2027, 1, 4, 9))
    monday = await join_as(bot, services, 5002, "Mo", Role.COACH, "elsrijk")
    observe(services, "In week 53", at=local(2027, 1, 2, 12))
    observe(services, "In week 1", at=local(2027, 1, 5, 12))
    with services.db.session() as session:
        since = {
            tg: as_utc(created)
            for tg, created in session.exec(
                select(Person.telegram_id, Membership.created_at)
                .join(Membership, Membership.person_id == Person.id)  # type: ignore[arg-type]
                .where(Membership.role == Role.COACH.value)
            ).all()
        }
    assert since == {5001: local(2027, 1, 3, 12), 5002: local(2027, 1, 4, 9)}

    assert await run_at(services, bot, local(2027, 1, 4, 9, 1)) == 1
    assert headers(sunday) == ["28 dec 2026 tot en met 3 jan 2027 · week 53"]
    assert headers(monday) == []
    assert await run_at(services, bot, W01_DUE) == 2
    assert headers(monday) == ["4 jan 2027 tot en met 10 jan 2027 · week 1"]
    assert headers(sunday)[-1] == "4 jan 2027 tot en met 10 jan 2027 · week 1"


@dataclass(frozen=True)
class Night:
    name: str
    due: datetime  # the Monday 08:00 digest after the week with the DST Sunday
    key: str
    header: str
    start: datetime  # UTC
    end: datetime  # UTC
    inside: tuple[tuple[str, datetime, str], ...]  # text, moment, as the CSV shows it
    outside: tuple[tuple[str, datetime], ...]


NIGHTS = [
    Night(
        "spring",
        due=local(2027, 3, 29, 8),
        key="2027-W12",
        header="22 mrt 2027 tot en met 28 mrt 2027 · week 12",
        start=utc(2027, 3, 21, 23),
        end=utc(2027, 3, 28, 22),
        inside=(
            ("Maandag net na middernacht", local(2027, 3, 22, 0, 30), "2027-03-22 00:30"),
            ("Zondag vlak voor de klok", local(2027, 3, 28, 1, 59), "2027-03-28 01:59"),
            ("Zondag net na de klok", local(2027, 3, 28, 3, 0), "2027-03-28 03:00"),
            ("Zondag laat", local(2027, 3, 28, 23, 30), "2027-03-28 23:30"),
        ),
        outside=(
            ("Zondag ervoor laat", local(2027, 3, 21, 23, 30)),
            ("Maandag erna vroeg", local(2027, 3, 29, 0, 30)),
        ),
    ),
    Night(
        "autumn",
        due=local(2027, 11, 1, 8),
        key="2027-W43",
        header="25 okt 2027 tot en met 31 okt 2027 · week 43",
        start=utc(2027, 10, 24, 22),
        end=utc(2027, 10, 31, 23),
        inside=(
            ("Maandag net na middernacht", local(2027, 10, 25, 0, 30), "2027-10-25 00:30"),
            ("Zondag half drie zomertijd", local(2027, 10, 31, 2, 30), "2027-10-31 02:30"),
            ("Zondag half drie wintertijd", local(2027, 10, 31, 2, 30, fold=1), "2027-10-31 02:30"),
            ("Zondag laat", local(2027, 10, 31, 23, 30), "2027-10-31 23:30"),
        ),
        outside=(
            ("Zondag ervoor laat", local(2027, 10, 24, 23, 30)),
            ("Maandag erna vroeg", local(2027, 11, 1, 0, 30)),
        ),
    ),
]


@pytest.mark.parametrize("night", NIGHTS, ids=[n.name for n in NIGHTS])
async def test_monday_digest_of_a_week_with_a_dst_sunday(
    bot: Harness, services: Services, night: Night
) -> None:
    await started(services)
    anna = coach(bot, services, 5001, since=night.due - timedelta(days=6))  # after last week's
    for text, at, _ in night.inside:
        observe(services, text, at=at)
    for text, at in night.outside:
        observe(services, text, at=at)
    assert await run_at(services, bot, night.due - SECOND) == 0
    assert headers(anna) == []
    assert await run_at(services, bot, night.due) == 1
    for later in (timedelta(minutes=1), timedelta(hours=1), timedelta(days=6, hours=23)):
        assert await run_at(services, bot, night.due + later) == 0
    assert headers(anna) == [night.header]
    assert [(r[1], r[4]) for r in csv_rows(anna.messages[-1])] == [
        (shown, text) for text, _, shown in night.inside
    ]
    (row,) = [d for d in digests(services) if d.period_key == night.key]
    assert (as_utc(row.period_start), as_utc(row.period_end)) == (night.start, night.end)
    assert row.status == "sent" and row.sent_at is not None
    assert as_utc(row.sent_at) == night.due
    assert as_utc(row.sent_at).astimezone(AMS).time() == time(8)


@pytest.fixture
def sunday_0230(services: Services) -> Services:
    """The operator's default schedule: Sundays at 02:30 (config.toml [digest] weekday, time;
    the settings menu offers no time in the night)."""
    digest = replace(services.config.digest, weekday="sunday", time="02:30")
    services.config = replace(services.config, digest=digest)
    return services


async def test_a_0230_digest_on_the_spring_night_comes_once_at_0330_summer_time(
    sunday_0230: Services, fake: FakeTelegram
) -> None:
    services = sunday_0230
    frozen(services).set(local(2027, 3, 27, 12))
    async with Harness(make_app(services, fake), fake) as bot:
        await started(services)
        anna = coach(bot, services, 5001, since=local(2027, 3, 21, 12))
        observe(services, "Zaterdagavond", at=local(2027, 3, 27, 22))
        observe(services, "Zondag in het gat", at=local(2027, 3, 28, 3, 10))  # next period
        await anna.send("/menu")
        await anna.press("Wijkoverzicht instellen")
        shown = anna.last.plain_text
        assert "Dag: zondag" in shown and "Tijd: 02:30" in shown
        assert "zondag 28 maart, 03:30" in shown  # what the coach is told to expect
        for moment in (local(2027, 3, 28, 1, 59), utc(2027, 3, 28, 1), utc(2027, 3, 28, 1, 29)):
            assert await run_at(services, bot, moment) == 0, moment
        assert headers(anna) == []
        assert await run_at(services, bot, utc(2027, 3, 28, 1, 30)) == 1
        for moment in (utc(2027, 3, 28, 1, 31), local(2027, 3, 28, 12), local(2027, 4, 4, 2)):
            assert await run_at(services, bot, moment) == 0, moment
    assert headers(anna) == ["21 mrt 2027 tot en met 27 mrt 2027 · week 12"]
    assert [r[4] for r in csv_rows(anna.messages[-1])] == ["Zaterdagavond"]
    (row,) = digests(services)
    assert (as_utc(row.period_start), as_utc(row.period_end)) == (
        utc(2027, 3, 20, 23),
        utc(2027, 3, 27, 23),
    )
    assert row.sent_at is not None and as_utc(row.sent_at) == utc(2027, 3, 28, 1, 30)


async def test_a_0230_digest_on_the_autumn_night_comes_once_at_the_first_0230(
    sunday_0230: Services, fake: FakeTelegram
) -> None:
    services = sunday_0230
    frozen(services).set(local(2027, 10, 30, 12))
    async with Harness(make_app(services, fake), fake) as bot:
        await started(services)
        anna = coach(bot, services, 5001, since=local(2027, 10, 24, 12))
        observe(services, "Zaterdagavond", at=local(2027, 10, 30, 22))
        observe(services, "Zondag het eerste half drie", at=local(2027, 10, 31, 2, 30))
        await anna.send("/menu")
        await anna.press("Wijkoverzicht instellen")
        assert "zondag 31 oktober, 02:30" in anna.last.plain_text
        assert await run_at(services, bot, utc(2027, 10, 31, 0, 29)) == 0
        assert await run_at(services, bot, utc(2027, 10, 31, 0, 30)) == 1  # 02:30 summer time
        # The clocks go back; 02:30 comes again (winter time) and nothing more is sent.
        for moment in (utc(2027, 10, 31, 1), utc(2027, 10, 31, 1, 30), utc(2027, 10, 31, 1, 31)):
            assert await run_at(services, bot, moment) == 0, moment
        assert await run_at(services, bot, local(2027, 10, 31, 12)) == 0
    assert headers(anna) == ["24 okt 2027 tot en met 30 okt 2027 · week 43"]
    assert [r[4] for r in csv_rows(anna.messages[-1])] == ["Zaterdagavond"]
    (row,) = digests(services)
    assert (as_utc(row.period_start), as_utc(row.period_end)) == (
        utc(2027, 10, 23, 22),
        utc(2027, 10, 30, 22),
    )
    assert row.sent_at is not None and as_utc(row.sent_at) == utc(2027, 10, 31, 0, 30)
