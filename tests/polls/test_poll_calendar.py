"""Polls on the calendar's hard days: closing in New Year's night, open over ISO week 53, closing at
a local 02:30 on both DST nights of 2027 in Europe/Amsterdam, and a typed 29 February.

Every poll is made through the wizard and closed by the sweep (the job's run), the way a creator
and the bot do it; every moment comes from a FrozenClock, so these pass on any wall-clock date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.context import Services
from bot.core.clock import Clock, FrozenClock, as_utc
from bot.digest import jobs
from bot.fake_telegram import Harness
from bot.fake_telegram.users import BotMessage
from bot.fake_telegram.users import Person as FakePerson
from bot.polls import delivery, voting
from models import Poll, PollStatus, Role
from tests.digest.test_digest import person
from tests.digest.test_digest_delivery import started
from tests.polls.test_poll_wizard import create_poll, member, only_poll

AMS = ZoneInfo("Europe/Amsterdam")
QUESTION = "Wat doen we met oud en nieuw?"
OPTIONS = ("Schaatsbaan", "Vuurwerkvrije zone")


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(local(2026, 12, 28, 10))


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def frozen(services: Services) -> FrozenClock:
    assert isinstance(services.clock, FrozenClock)
    return services.clock


async def typed_poll(bot: Harness, creator: FakePerson, closes: str) -> str:
    """A single-choice poll for the BIG members that closes at a typed time; returns the preview
    the creator checked before pressing Versturen."""
    await creator.send("/menu")
    await creator.press("Nieuwe stemming")
    await creator.send(QUESTION)
    for option in OPTIONS:
        await creator.send(option)
    await creator.press("Klaar met antwoorden")
    await creator.press("Eén antwoord kiezen")
    await creator.press("Leden van de BIG")
    await creator.send(closes)
    await creator.press("Nee, pas na het sluiten")
    preview = creator.last.plain_text
    assert "Kijk je stemming na" in preview, preview
    await creator.press("Versturen")
    await delivery.wait_idle(bot.app)
    return preview


async def sweep_at(bot: Harness, services: Services, moment: datetime) -> None:
    """The poll job's run at `moment`, and the results it sends."""
    frozen(services).set(moment)
    await delivery.sweep(bot.app)
    await delivery.wait_idle(bot.app)


def results(fake_person: FakePerson, question: str = QUESTION) -> list[str]:
    return [m.plain_text for m in fake_person.messages if f"Uitslag: {question}" in m.plain_text]


def ballot(fake_person: FakePerson, question: str = QUESTION) -> BotMessage:
    return next(m for m in reversed(fake_person.messages) if question in m.plain_text and m.buttons)


async def test_a_poll_closing_in_new_years_night_closes_once(
    bot: Harness, services: Services
) -> None:
    creator = await member(bot, services, 3001, "Bea")
    early, last_minute, too_late = [
        await member(bot, services, 3002 + i, f"Lid{i}") for i in range(3)
    ]
    # Typed on 28 December without a year: 1 January of the year that comes.
    preview = await typed_poll(bot, creator, "1-1 00:30")
    assert "Sluit: vrijdag 1 januari, 00:30" in preview
    poll = only_poll(services)
    assert as_utc(poll.closes_at) == utc(2026, 12, 31, 23, 30)  # still 2026 in UTC
    assert "Sluit: vrijdag 1 januari, 00:30" in early.last.plain_text  # what voters read
    await early.press("Schaatsbaan")

    for moment in (local(2026, 12, 31, 23, 59), local(2027, 1, 1, 0, 29)):
        await sweep_at(bot, services, moment)
        assert only_poll(services).status == PollStatus.OPEN.value, moment
    await last_minute.press("Vuurwerkvrije zone")  # 00:29: still counts
    # 00:30 in Amsterdam, 23:30 UTC on 31 December: closed, even before the job has run.
    frozen(services).set(local(2027, 1, 1, 0, 30))
    await too_late.press("Schaatsbaan", message=ballot(too_late))
    assert too_late.alerts[-1] == "Deze stemming is gesloten. Stemmen kan niet meer."
    for moment in (
        local(2027, 1, 1, 0, 30),
        local(2027, 1, 1, 0, 31),
        local(2027, 1, 1, 12),
        local(2027, 1, 4, 9),
    ):
        await sweep_at(bot, services, moment)

    closed = only_poll(services)
    assert closed.status == PollStatus.CLOSED.value
    assert closed.closed_at is not None and as_utc(closed.closed_at) == utc(2026, 12, 31, 23, 30)
    assert closed.results_sent_at is not None
    assert as_utc(closed.results_sent_at) == utc(2026, 12, 31, 23, 30)
    for who in (creator, early, last_minute, too_late):
        (text,) = results(who)
        assert "Schaatsbaan: 1 (50%)" in text and "Vuurwerkvrije zone: 1 (50%)" in text


async def test_a_poll_over_week_53_closes_once_and_each_digest_tells_its_part(
    bot: Harness, services: Services
) -> None:
    """Opened on Monday of week 53 for a week: week 53's digest (Monday 4 January, 08:00) lists it
    as still open, it closes at 09:00, and week 1's digest lists it with its results."""
    await started(services)  # the digest job's start-up run is over before the week's story
    frozen(services).set(local(2026, 12, 28, 9))
    question = "Wat pakken we in week 53 aan?"
    creator = await member(bot, services, 3001, "Bea")
    voter = await member(bot, services, 3002, "Bram")
    cora = bot.user(5001, "Cora")
    person(services, 5001, role=Role.COACH, since=local(2026, 12, 28, 9))
    await create_poll(bot, creator, question=question, closes="Over een week")
    poll = only_poll(services)
    assert as_utc(poll.closes_at) == local(2027, 1, 4, 9)
    await voter.press("Bankjes")

    frozen(services).set(local(2027, 1, 4, 8))
    assert await jobs.send_due(services, bot.app.bot) == 1
    for moment in (local(2027, 1, 4, 8, 59), local(2027, 1, 4, 9), local(2027, 1, 4, 9, 1)):
        await sweep_at(bot, services, moment)
    frozen(services).set(local(2027, 1, 11, 8))
    assert await jobs.send_due(services, bot.app.bot) == 1
    await sweep_at(bot, services, local(2027, 1, 11, 9))

    closed = only_poll(services)
    assert closed.status == PollStatus.CLOSED.value
    assert closed.closed_at is not None and as_utc(closed.closed_at) == local(2027, 1, 4, 9)
    for who in (creator, voter):
        (text,) = results(who, question)
        assert "Bankjes: 1 (100%)" in text
    w53, w01 = [m.plain_text for m in cora.messages if m.plain_text.startswith("Wijkoverzicht")]
    assert w53.splitlines()[1] == "28 dec 2026 tot en met 3 jan 2027 · week 53"
    assert w01.splitlines()[1] == "4 jan 2027 tot en met 10 jan 2027 · week 1"
    assert "Nog open:" in w53 and question in w53.split("Nog open:")[1]
    assert "Gesloten, met uitslag:" not in w53
    assert "Gesloten, met uitslag:" in w01 and question in w01.split("Gesloten, met uitslag:")[1]
    assert "Bankjes: 1 (100%)" in w01


@dataclass(frozen=True)
class Night:
    name: str
    made: datetime  # when the creator types the closing time
    typed: str
    shown: str  # in the preview
    closes: datetime  # UTC
    still_open: tuple[datetime, ...]
    afterwards: tuple[datetime, ...]


NIGHTS = [
    # 02:00 -> 03:00: 02:30 does not exist. It is read as winter time (01:30 UTC), which the clocks
    # show as 03:30; the creator sees that before sending.
    Night(
        "spring",
        made=local(2027, 3, 26, 12),
        typed="28-03 02:30",
        shown="Sluit: zondag 28 maart, 03:30",
        closes=utc(2027, 3, 28, 1, 30),
        still_open=(local(2027, 3, 28, 1, 59), utc(2027, 3, 28, 1), utc(2027, 3, 28, 1, 29)),
        afterwards=(utc(2027, 3, 28, 1, 30), utc(2027, 3, 28, 1, 31), local(2027, 3, 28, 12)),
    ),
    # 03:00 -> 02:00: 02:30 happens twice. The first one (summer time, 00:30 UTC) closes it; at the
    # second nothing happens again.
    Night(
        "autumn",
        made=local(2027, 10, 29, 12),
        typed="31-10 02:30",
        shown="Sluit: zondag 31 oktober, 02:30",
        closes=utc(2027, 10, 31, 0, 30),
        still_open=(local(2027, 10, 31, 1, 59), utc(2027, 10, 31, 0, 29)),
        afterwards=(
            utc(2027, 10, 31, 0, 30),
            utc(2027, 10, 31, 1),
            local(2027, 10, 31, 2, 30, fold=1),
            local(2027, 10, 31, 12),
        ),
    ),
]


@pytest.mark.parametrize("night", NIGHTS, ids=[n.name for n in NIGHTS])
async def test_a_poll_closing_at_0230_on_a_dst_night_closes_once(
    bot: Harness, services: Services, night: Night
) -> None:
    frozen(services).set(night.made)
    creator = await member(bot, services, 3001, "Bea")
    voter = await member(bot, services, 3002, "Bram")
    preview = await typed_poll(bot, creator, night.typed)
    assert night.shown in preview
    assert as_utc(only_poll(services).closes_at) == night.closes
    await voter.press("Schaatsbaan")
    for moment in night.still_open:
        await sweep_at(bot, services, moment)
        assert only_poll(services).status == PollStatus.OPEN.value, moment
    assert results(creator) == [] and results(voter) == []
    for moment in night.afterwards:
        await sweep_at(bot, services, moment)
        assert only_poll(services).status == PollStatus.CLOSED.value, moment
    closed: Poll = only_poll(services)
    assert closed.closed_at is not None and as_utc(closed.closed_at) == night.closes
    assert closed.results_sent_at is not None and as_utc(closed.results_sent_at) == night.closes
    for who in (creator, voter):
        (text,) = results(who)
        assert "Schaatsbaan: 1 (100%)" in text


async def test_29_february_typed_in_a_year_without_one_is_next_years(
    bot: Harness, services: Services
) -> None:
    frozen(services).set(local(2027, 12, 6, 12))
    creator = await member(bot, services, 3001, "Bea")
    preview = await typed_poll(bot, creator, "29-02 20:00")
    assert "Sluit: dinsdag 29 februari, 20:00" in preview
    assert as_utc(only_poll(services).closes_at) == local(2028, 2, 29, 20)
    await sweep_at(bot, services, local(2028, 2, 29, 19, 59))
    assert only_poll(services).status == PollStatus.OPEN.value
    await sweep_at(bot, services, local(2028, 2, 29, 20))
    assert only_poll(services).status == PollStatus.CLOSED.value
    assert len(results(creator)) == 1


async def test_a_29_february_that_does_not_come_is_refused(
    bot: Harness, services: Services
) -> None:
    frozen(services).set(local(2027, 1, 15, 12))
    creator = await member(bot, services, 3001, "Bea")
    await creator.send("/menu")
    await creator.press("Nieuwe stemming")
    await creator.send(QUESTION)
    for option in OPTIONS:
        await creator.send(option)
    await creator.press("Klaar met antwoorden")
    await creator.press("Eén antwoord kiezen")
    await creator.press("Leden van de BIG")
    # 2027 has no 29 February; the next one (2028) is more than a year ahead.
    for typed, answer in (
        ("29-02-2027 20:00", "Dat begrijp ik niet"),
        ("29-02 20:00", "Die datum is te ver weg"),
    ):
        (reply,) = await creator.send(typed)
        assert answer in reply.plain_text, typed
    assert "Kijk je stemming na" not in creator.last.plain_text


async def test_an_english_creator_types_the_closing_time_the_english_way(
    bot: Harness, services: Services
) -> None:
    """The English wizard gives an English example (28/11, day first as in the Netherlands, or
    28 Nov) and takes what an English speaker types: a month's name, am/pm."""
    creator = await member(bot, services, 3001, "Bob")
    await creator.send("/language")
    await creator.press("English")
    await creator.send("/menu")
    await creator.press("New poll")
    await creator.send("What first?")
    for option in ("Benches", "Lights"):
        await creator.send(option)
    await creator.press("Done with options")
    await creator.press("Pick one option")
    (asked,) = await creator.press("BIG members (each in a private chat)")
    assert "<b>28/11 20:00</b>" in asked.text and "28-11" not in asked.text, asked.text
    (bad,) = await creator.send("sometime tomorrow")
    assert "28/11 20:00" in bad.plain_text and "28 Nov 8 pm" in bad.plain_text, bad.plain_text
    await creator.send("3 Jan 8pm")
    await creator.press("No, only after it closes")
    assert "Check your poll" in creator.last.plain_text, creator.last.plain_text
    await creator.press("Send")
    await delivery.wait_idle(bot.app)
    assert as_utc(only_poll(services).closes_at) == local(2027, 1, 3, 20)


@pytest.mark.parametrize(
    "typed",
    [
        "3-1 20:00",  # as before, in either language
        "3/1 20:00",
        "3.1.2027 20.00",
        "03-01 om 20:00",
        "3 jan 20:00",
        "3 Jan. 2027, 20:00",
        "3 januari 20:00",
        "3rd January at 8pm",
        "Jan 3 8:00 pm",
        "January 3, 2027 8 PM",
        "3 Jan 20:00",
    ],
)
def test_closing_times_as_people_type_them(typed: str) -> None:
    now = local(2026, 12, 28, 10)
    assert voting.parse_closing(typed, now, AMS) == local(2027, 1, 3, 20), typed


@pytest.mark.parametrize(
    "typed", ["3 Foo 20:00", "3 Jan", "3 Jan 20", "13pm 3 Jan", "3 Jan 13 pm", "1/13 20:00"]
)
def test_closing_times_not_understood(typed: str) -> None:
    with pytest.raises(voting.PollError) as refused:
        voting.parse_closing(typed, local(2026, 12, 28, 10), AMS)
    assert refused.value.key == "polls.err_date_format", typed
