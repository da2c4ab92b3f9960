"""Sending the digest through the real Application and the fake Bot API: the job, restarts,
races, blocked coaches, flood control, failures, the settings menu, and on-demand digests."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.context import Services
from bot.core.clock import Clock, FrozenClock
from bot.core.i18n import format_datetime
from bot.digest import jobs, periods
from bot.fake_telegram import FakeTelegram, Harness
from bot.fake_telegram.users import BotMessage
from bot.fake_telegram.users import Person as FakePerson
from bot.people import persons
from models import (
    Digest,
    DigestSetting,
    DigestStatus,
    Edition,
    Person,
    Reaction,
    Role,
    SpiegelItem,
)
from tests.conftest import make_app
from tests.digest.test_digest import AMS, DUE, IN_W47, WORDS, observe, person, wijk, wijk_id
from tests.digest.test_digest_cli import reactions_to_one_statement
from tests.digest.test_digest_new_matter import CARBID
from tests.grouping.test_grouping_language import UNREADABLE

SINCE = DUE - timedelta(days=2)  # coaches since Saturday: week 46's digest is not theirs


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(DUE - timedelta(hours=1))


def frozen(services: Services) -> FrozenClock:
    assert isinstance(services.clock, FrozenClock)
    return services.clock


async def started(services: Services, runs: int = 1) -> None:
    """Wait until the job's start-up run (and `runs` in all) has finished."""
    for _ in range(1000):
        if services.digest_runs >= runs:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the digest job never ran")


def coach(bot: Harness, services: Services, tg: int, *slugs: str, lang: str = "nl") -> FakePerson:
    fake_person = bot.user(tg, f"Coach{tg}", language_code=lang)
    for slug in slugs:
        person(services, tg, role=Role.COACH, slug=slug, since=SINCE, lang=lang)
    return fake_person


def resident(bot: Harness, services: Services, tg: int) -> FakePerson:
    fake_person = bot.user(tg, f"Bewoner{tg}")
    person(services, tg, since=SINCE)
    return fake_person


def digests(services: Services) -> list[Digest]:
    with services.db.session() as session:
        return list(session.exec(select(Digest).order_by(Digest.id)).all())  # type: ignore[arg-type]


def titles(fake_person: FakePerson, wijk_name: str) -> int:
    return sum(f"Wijkoverzicht {wijk_name}" in m.plain_text for m in fake_person.messages)


def kinds(fake_person: FakePerson) -> list[str]:
    return [m.kind for m in fake_person.messages]


# --- the job -----------------------------------------------------------------------------------


async def test_job_sends_once_per_coach_wijk_and_period(bot: Harness, services: Services) -> None:
    assert bot.app.job_queue is not None and bot.app.job_queue.get_jobs_by_name(jobs.JOB_NAME)
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk", "groenelaan")
    bert = coach(bot, services, 5002, "elsrijk")
    observe(services, "Te hard rijden op de Keizer Karelweg")
    observe(services, "Mooi nieuw speelveld", swot="strength", slug="groenelaan")
    assert await jobs.send_due(services, bot.app.bot) == 0  # 07:00: not due yet
    assert anna.messages == [] and bert.messages == []

    frozen(services).set(DUE + timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 3
    assert await jobs.send_due(services, bot.app.bot) == 0
    assert titles(anna, "Elsrijk") == 1 and titles(anna, "Groenelaan") == 1
    assert titles(bert, "Elsrijk") == 1 and titles(bert, "Groenelaan") == 0
    assert kinds(anna).count("photo") == 2 and kinds(anna).count("document") == 2
    rows = digests(services)
    assert [(r.period_key, r.status) for r in rows] == [("2026-W47", "sent")] * 3
    csv_doc = bert.last
    assert csv_doc.kind == "document" and csv_doc.filename == "meldingen-elsrijk-2026-W47.csv"
    assert "Te hard rijden" in (csv_doc.file_bytes or b"").decode("utf-8-sig")
    photo = next(m for m in bert.messages if m.kind == "photo")
    assert (photo.file_bytes or b"").startswith(b"\x89PNG")
    # Every message has a way on: the last one carries the settings and the menu.
    assert csv_doc.button_texts == ["Instellingen", "Naar het menu"]
    await bert.press("Instellingen")
    assert "Je wijkoverzicht" in bert.last.plain_text


async def test_no_digest_for_a_wijk_taken_out_of_the_configuration(
    bot: Harness, services: Services
) -> None:
    """A wijk taken out of config.toml is switched off (persons.sync_wijken) while its coach
    still belongs to it: the coach gets no digest for it, and still gets those of the others."""
    anna = coach(bot, services, 5001, "elsrijk", "groenelaan")
    observe(services, "Te hard rijden op de Keizer Karelweg")
    observe(services, "Mooi nieuw speelveld", swot="strength", slug="groenelaan")
    kept = [w for w in services.config.wijken if w.slug != "groenelaan"]
    with services.db.session() as session:
        persons.sync_wijken(session, dataclasses.replace(services.config, wijken=kept))
    frozen(services).set(DUE + timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 1
    assert titles(anna, "Elsrijk") == 1 and titles(anna, "Groenelaan") == 0
    assert [r.wijk_id for r in digests(services)] == [wijk_id(services, "elsrijk")]


async def test_the_list_opens_in_columns_in_the_coachs_excel(
    bot: Harness, services: Services
) -> None:
    """The CSV "for Excel" was separated by commas: Dutch Excel (whose decimal mark is the
    comma) showed every row in one column. A Dutch coach's file is separated by ";", an English
    coach's by ","; both start with a byte order mark, for the accents."""
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    emma = coach(bot, services, 5002, "elsrijk", lang="en")
    observe(services, "Te hard rijden, ook 's nachts; café-terras te vol")
    frozen(services).set(DUE + timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 2
    for fake_person, separator, header in ((anna, ";", "nummer"), (emma, ",", "number")):
        raw = fake_person.last.file_bytes or b""
        assert raw.startswith("\ufeff".encode())
        text = raw.decode("utf-8-sig")
        assert text.startswith(f"{header}{separator}")
        rows = list(csv.reader(io.StringIO(text), delimiter=separator))
        assert len(rows[0]) == 8 and {len(row) for row in rows} == {8}
        assert rows[1][4] == "Te hard rijden, ook 's nachts; café-terras te vol"


async def test_restart_across_the_due_time_sends_once(
    services: Services, fake: FakeTelegram
) -> None:
    first = make_app(services, fake)
    async with Harness(first, fake) as h:
        await started(services)
        anna = coach(h, services, 5001, "elsrijk")
        observe(services, "Stoep ligt open")
    assert anna.messages == []
    # The bot was down over Monday 08:00 and comes back at 11:00.
    frozen(services).set(DUE + timedelta(hours=3))
    runs = services.digest_runs
    second = make_app(services, fake)
    async with Harness(second, fake) as h:
        await started(services, runs + 1)  # the start-up run, not a timer, caught it up
        assert titles(anna, "Elsrijk") == 1
        assert await jobs.send_due(services, h.app.bot) == 0
    runs = services.digest_runs
    third = make_app(services, fake)
    async with Harness(third, fake) as h:
        await started(services, runs + 1)
    assert titles(anna, "Elsrijk") == 1
    assert [r.status for r in digests(services)] == ["sent"]


def test_two_concurrent_claims_one_winner(services: Services) -> None:
    coach_id = person(services, 5001, role=Role.COACH, since=SINCE)
    district = wijk_id(services)
    period = periods.parse_period_key("2026-W47", AMS)
    barrier = threading.Barrier(4)

    def claim(_: int) -> jobs.Claim | None:
        barrier.wait()
        return jobs.claim(services.db, coach_id, district, period)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(claim, range(4)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    # A failed attempt is claimed again by exactly one run too.
    jobs.finish(
        services.db,
        winners[0][0],
        DigestStatus.FAILED,
        DUE,
        error="NetworkError: boom",
        parts_sent=2,
        parts_total=5,
    )
    barrier.reset()
    with ThreadPoolExecutor(4) as pool:
        again = [r for r in pool.map(claim, range(4)) if r is not None]
    # ... and it resumes after the two parts that went out.
    assert [(c.digest_id, c.parts_sent) for c in again] == [(winners[0][0], 2)]
    assert len(digests(services)) == 1


async def test_two_racing_runs_send_once(bot: Harness, services: Services) -> None:
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    observe(services, "Iets")
    frozen(services).set(DUE + timedelta(minutes=5))
    counts = await asyncio.gather(
        jobs.send_due(services, bot.app.bot), jobs.send_due(services, bot.app.bot)
    )
    assert sorted(counts) == [0, 1]
    assert titles(anna, "Elsrijk") == 1 and kinds(anna).count("document") == 1


async def test_blocked_coach_is_marked_and_others_still_get_theirs(
    bot: Harness, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    bert = coach(bot, services, 5002, "elsrijk")
    observe(services, "Iets")
    bot.fake.block(5001)
    frozen(services).set(DUE + timedelta(minutes=1))
    with caplog.at_level(logging.INFO, logger="bot.digest.jobs"):
        assert await jobs.send_due(services, bot.app.bot) == 1
    assert "blocked the bot" in caplog.text
    assert titles(bert, "Elsrijk") == 1 and anna.messages == []
    with services.db.session() as session:
        blocked = session.exec(select(Person).where(Person.telegram_id == 5001)).one()
        assert blocked.unreachable_at is not None
    failed = next(d for d in digests(services) if d.status == "failed")
    assert failed.attempts == 1 and "blocked" in (failed.error or "")
    assert (failed.error, failed.parts_sent) == ("blocked", 0) and failed.parts_total
    assert await jobs.send_due(services, bot.app.bot) == 0  # an unreachable coach is not tried
    # She unblocks and writes: reachable again, and the week's digest follows once.
    bot.fake.unblock(5001)
    await anna.send("/menu")
    assert await jobs.send_due(services, bot.app.bot) == 1
    assert titles(anna, "Elsrijk") == 1 and titles(bert, "Elsrijk") == 1


async def test_a_coach_who_unblocks_the_bot_gets_the_next_digest(
    bot: Harness, services: Services
) -> None:
    """Telegram tells the bot when someone blocks it and when they unblock it (my_chat_member
    in their private chat). Unblocking from Telegram's settings sends nothing else: the coach
    has not written, yet expects the digest again, as before the block."""
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    observe(services, "Iets")
    await anna.block_bot()
    frozen(services).set(DUE + timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 0
    with services.db.session() as session:
        blocked = session.exec(select(Person).where(Person.telegram_id == 5001)).one()
        assert blocked.unreachable_at is not None
    await anna.unblock_bot()
    with services.db.session() as session:
        unblocked = session.exec(select(Person).where(Person.telegram_id == 5001)).one()
        assert unblocked.unreachable_at is None
    assert await jobs.send_due(services, bot.app.bot) == 1
    assert titles(anna, "Elsrijk") == 1


async def test_flood_control_is_waited_out(bot: Harness, services: Services) -> None:
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    observe(services, "Iets")
    frozen(services).set(DUE + timedelta(minutes=1))
    bot.fake.fail_next(error="retry_after", retry_after=1)
    assert await jobs.send_due(services, bot.app.bot) == 1
    assert bot.fake.retry_after_answers == 1
    assert titles(anna, "Elsrijk") == 1 and kinds(anna).count("document") == 1
    assert digests(services)[0].status == "sent"


async def test_failed_send_is_retried_later_without_repeating_parts(
    bot: Harness, services: Services
) -> None:
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    observe(services, "Iets")
    frozen(services).set(DUE + timedelta(minutes=1))
    bot.fake.fail_next("sendPhoto", error="server_error")
    assert await jobs.send_due(services, bot.app.bot) == 0
    (row,) = digests(services)
    assert row.status == "failed" and row.attempts == 1
    assert titles(anna, "Elsrijk") == 1 and "photo" not in kinds(anna)
    # The progress has a column of its own: the texts went out, the chart and the list did not.
    texts = kinds(anna).count("text")
    assert (row.parts_sent, row.parts_total) == (texts, texts + 2)
    assert row.error == "NetworkError: Internal Server Error"
    frozen(services).advance(timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 1
    assert titles(anna, "Elsrijk") == 1  # the text was not sent a second time
    assert kinds(anna).count("photo") == 1 and kinds(anna).count("document") == 1
    (row,) = digests(services)
    assert row.status == "sent"
    assert (row.parts_sent, row.parts_total, row.error) == (texts + 2, texts + 2, None)


async def test_a_failed_build_keeps_the_parts_already_sent(
    bot: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    observe(services, "Iets")
    frozen(services).set(DUE + timedelta(minutes=1))
    bot.fake.fail_next("sendPhoto", error="server_error")
    assert await jobs.send_due(services, bot.app.bot) == 0
    texts = kinds(anna).count("text")

    def broken(*_: object) -> None:
        raise RuntimeError("no chart today")

    monkeypatch.setattr(jobs, "prepare", broken)
    frozen(services).advance(timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 0
    (row,) = digests(services)
    assert (row.status, row.attempts, row.error) == ("failed", 2, "build: no chart today")
    assert (row.parts_sent, row.parts_total) == (texts, texts + 2)
    monkeypatch.undo()
    frozen(services).advance(timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 1
    assert titles(anna, "Elsrijk") == 1 and kinds(anna).count("text") == texts
    assert kinds(anna).count("photo") == 1 and kinds(anna).count("document") == 1


async def test_escaped_and_split_digest_is_accepted_by_telegram(
    bot: Harness, services: Services
) -> None:
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    words = WORDS
    for swot in ("strength", "weakness", "opportunity", "threat"):
        for i in range(30):
            unique = " ".join(f"{words[(i + k) % len(words)]}{i}{k}" for k in range(20))
            observe(services, f"<b>&</b> {unique} " + "lange tekst " * 30, swot=swot)
    frozen(services).set(DUE + timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 1
    texts = [m for m in anna.messages if m.kind == "text"]
    assert len(texts) >= 2 and all(len(m.plain_text) <= 4096 for m in texts)
    assert any("<b>&</b> fiets" in m.plain_text for m in texts)
    assert all(c.status == 200 for c in bot.fake.calls_to("sendMessage"))


async def test_a_digest_of_emoji_stays_within_a_message_as_telegram_may_count_it(
    bot: Harness, services: Services
) -> None:
    """Texts of 2,000 emoji each: every part of the digest stays within 4,096 UTF-16 code units
    (an emoji is two: some say Telegram counts so; the fake counts code points, as the one
    measurement did, so we check it here), and no emoji is cut in half."""
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    grin, wave = "\N{GRINNING FACE}", "\N{WAVING HAND SIGN}"
    for swot in ("strength", "weakness", "opportunity", "threat"):
        for i in range(12):
            observe(services, f"{grin}{i} " + grin * 2000, swot=swot)
    for i in range(12):
        observe(services, f"{wave}{i} " * 400, at=DUE - timedelta(days=20))
    frozen(services).set(DUE + timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 1
    texts = [m for m in anna.messages if m.kind == "text"]
    for message in texts:
        assert len((message.text or "").encode("utf-16-le")) // 2 <= 4096
        assert "\ufffd" not in message.plain_text
    assert len(texts) >= 2 and any(grin in m.plain_text for m in texts)


# --- settings, quiet periods, off ---------------------------------------------------------------


async def test_settings_menu_changes_the_schedule(bot: Harness, services: Services) -> None:
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    await anna.send("/menu")
    await anna.press("Wijkoverzicht instellen")
    shown = anna.last.plain_text
    assert "Dag: maandag" in shown and "Tijd: 08:00" in shown and "Hoe vaak: elke week" in shown
    assert "maandag 23 november, 08:00" in shown  # the next due time
    await anna.press("Dag kiezen")
    await anna.press("vrijdag")
    assert (
        "Bewaard." in anna.last.plain_text and "vrijdag 27 november, 08:00" in anna.last.plain_text
    )
    await anna.press("Tijd kiezen")
    await anna.press("17:00")
    assert "vrijdag 27 november, 17:00" in anna.last.plain_text
    await anna.press("Hoe vaak")
    await anna.press("elke twee weken")
    plan = periods.Schedule(4, datetime(2026, 1, 1, 17).time(), "biweekly", False)
    expected = periods.next_due(plan, services.clock.now(), services.tz)
    assert expected is not None
    assert format_datetime(expected, "nl", services.tz) in anna.last.plain_text
    await anna.press("Overslaan als het stil was")
    assert "Overslaan als het stil was: ja" in anna.last.plain_text
    with services.db.session() as session:
        setting = session.exec(select(DigestSetting)).one()
    assert (setting.weekday, setting.send_time, setting.frequency, setting.skip_quiet) == (
        4,
        "17:00",
        "biweekly",
        True,
    )
    # The next digest really comes then, not before.
    observe(services, "Iets", at=expected.astimezone(AMS) - timedelta(days=2))
    frozen(services).set(expected - timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 0
    frozen(services).set(expected + timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 1
    assert "+" in digests(services)[0].period_key
    await anna.press("Hoe vaak")
    (edited,) = await anna.press("alleen als je erom vraagt")
    assert "Je krijgt nu geen wijkoverzicht" in edited.plain_text


async def test_forged_settings_values_are_refused(bot: Harness, services: Services) -> None:
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    await anna.send("/menu")
    await anna.press("Wijkoverzicht instellen")
    for data in ("ds:day:9", "ds:time:0330", "ds:freq:x", "ds:skip:2", "ds:nope:1", "ds:menu:x"):
        await anna.press_data(data)
        assert anna.alerts[-1] == "Deze knop werkt niet meer."
    with services.db.session() as session:
        assert session.exec(select(DigestSetting)).first() is None


async def test_quiet_period_skipped_when_chosen(bot: Harness, services: Services) -> None:
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    bert = coach(bot, services, 5002, "elsrijk")
    with services.db.session() as session:
        anna_id = session.exec(select(Person.id).where(Person.telegram_id == 5001)).one()
        assert anna_id is not None
        session.add(DigestSetting(person_id=anna_id, skip_quiet=True))
        session.commit()
    frozen(services).set(DUE + timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 1
    assert anna.messages == []
    assert "Het was stil" in bert.messages[0].plain_text
    statuses = sorted(d.status for d in digests(services))
    assert statuses == ["sent", "skipped"]
    assert await jobs.send_due(services, bot.app.bot) == 0


async def test_frequency_off_sends_nothing(bot: Harness, services: Services) -> None:
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    observe(services, "Iets")
    with services.db.session() as session:
        anna_id = session.exec(select(Person.id).where(Person.telegram_id == 5001)).one()
        assert anna_id is not None
        session.add(DigestSetting(person_id=anna_id, frequency="off"))
        session.commit()
    for day in range(15):
        frozen(services).set(DUE + timedelta(days=day, minutes=1))
        assert await jobs.send_due(services, bot.app.bot) == 0
    assert anna.messages == [] and digests(services) == []


# --- on demand and permissions ------------------------------------------------------------------


async def test_digest_now_for_a_coach_of_two_wijken(bot: Harness, services: Services) -> None:
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk", "groenelaan")
    observe(
        services, "Nieuw bankje <3", swot="strength", slug="groenelaan", at=DUE - timedelta(hours=5)
    )
    await anna.send("/menu")
    await anna.press("Wijkoverzicht nu")
    assert "Van welke wijk" in anna.last.plain_text
    await anna.press("Groenelaan")
    text = next(m for m in anna.messages if "Wijkoverzicht Groenelaan" in m.plain_text)
    assert "tot nu" in text.plain_text and "Nieuw bankje <3" in text.plain_text
    assert anna.last.kind == "document" and anna.last.button_texts[-1] == "Naar het menu"
    # On demand is not the scheduled digest: kept (for the desk) under the period's key, marked
    # as asked for.
    assert [(d.period_key, d.asked) for d in digests(services)] == [("2026-W48", True)]
    await anna.send("/digest elsrijk")
    assert titles(anna, "Elsrijk") == 1


async def test_digest_now_counts_this_periods_reactions_to_the_spiegel(
    bot: Harness, services: Services
) -> None:
    # Six reactions last week; this week so far two "herken ik" and one "herken ik niet". The
    # spiegel part counts this week's, as the header does, and lists the statement once.
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    reactions_to_one_statement(services, [IN_W47] * 6 + [DUE - timedelta(hours=5)] * 3)
    await anna.send("/menu")
    await anna.press("Wijkoverzicht nu")
    text = "\n".join(m.plain_text for m in anna.messages if m.kind == "text")
    assert "Reacties op de wijkspiegel: 3 (vorige keer: 6)" in text
    part = text.split("De wijkspiegel\n", 1)[1].split("\n\n", 1)[0]
    assert part == "Deze keer vaakst ‘herken ik’:\n• Te weinig groen (2 van de 3 mensen)"


async def test_the_digest_file_for_an_english_coach_has_an_english_name(
    bot: Harness, services: Services
) -> None:
    """Chris, a district coach who works in English, asks for the district summary now. Its
    text, chart and caption are English, but the file he downloaded was called
    "meldingen-elsrijk-2026-W48.csv" (the desk's export calls his "reports-….csv"). Now its name
    begins in his language too; a Dutch coach's stays "meldingen-…"."""
    await started(services)
    chris = coach(bot, services, 7001, "elsrijk", lang="en")
    anna = coach(bot, services, 5001, "elsrijk")
    observe(services, "The bins overflow near the school", at=DUE - timedelta(hours=5))
    for who, button in ((chris, "Get the district summary now"), (anna, "Wijkoverzicht nu")):
        await who.send("/menu")
        await who.press(button)

    (english,) = [m for m in chris.messages if m.kind == "document"]
    assert "All reports in this district summary" in english.plain_text
    assert english.filename == "reports-elsrijk-2026-W48.csv"
    assert "The bins overflow" in (english.file_bytes or b"").decode("utf-8-sig")
    assert anna.last.filename == "meldingen-elsrijk-2026-W48.csv"


def _reactions_this_week(services: Services, items: list[tuple[str, str, str]]) -> None:
    """An edition with each (kind, text, verdict) of `items`, and two reactions with that
    verdict to each, this week."""
    at = (DUE - timedelta(hours=5)).astimezone(UTC)
    with services.db.session() as session:
        edition = Edition(wijk_id=wijk_id(services), year=2026)
        session.add(edition)
        session.commit()
        assert edition.id is not None
        for n, (kind, text, verdict) in enumerate(items):
            item = SpiegelItem(edition_id=edition.id, key=f"k{n}", kind=kind, text=text)
            session.add(item)
            session.commit()
            assert item.id is not None
            for i in range(2):
                session.add(
                    Reaction(
                        item_id=item.id,
                        wijk_id=wijk_id(services),
                        person_id=person(services, 100 + 10 * n + i),
                        verdict=verdict,
                        created_at=at,
                        updated_at=at,
                    )
                )
        session.commit()


async def test_digest_names_a_recommendations_reactions_in_its_own_words(
    bot: Harness, services: Services
) -> None:
    """A recommendation has the buttons "Eens / Niet eens". The digest's spiegel part listed it
    under "vaakst ‘herken ik niet’" with the statements; now under its own words."""
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    _reactions_this_week(
        services,
        [
            ("weakness", "Te weinig groen", "not_recognise"),
            ("recommendation", "Vertel meer over het wijkcentrum", "not_recognise"),
            ("recommendation", "Maak een moestuin", "recognise"),
        ],
    )
    await anna.send("/menu")
    await anna.press("Wijkoverzicht nu")
    text = "\n".join(m.plain_text for m in anna.messages if m.kind == "text")
    part = text.split("De wijkspiegel\n", 1)[1].split("\n\n", 1)[0]
    assert part == (
        "Deze keer vaakst ‘herken ik niet’:\n• Te weinig groen (2 mensen)\n"
        "Adviezen, deze keer vaakst ‘niet eens’:\n• Vertel meer over het wijkcentrum (2 mensen)\n"
        "Adviezen, deze keer vaakst ‘eens’:\n• Maak een moestuin (2 mensen)"
    )


async def test_texts_in_a_script_the_grouping_cannot_read_are_no_new_matter(
    bot: Harness, services: Services
) -> None:
    """Arabic, Hebrew and Russian texts about different things, sharing only their commonest
    words ("the street", "our"), were "nieuw onderwerp" in twos and grew; Dutch ones about
    one new matter still are one."""
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    for _, text in UNREADABLE:
        observe(services, text, at=DUE - timedelta(hours=5))
    for text in CARBID[:2]:
        observe(services, text, at=DUE - timedelta(hours=5))
    await anna.send("/digest elsrijk")
    text = next(m for m in anna.messages if "Wijkoverzicht Elsrijk" in m.plain_text).plain_text
    assert text.count("nieuw onderwerp:") == 1 and "nieuw onderwerp: knallen:" in text
    grew = text.split("Dit komt vaker voor dan vorige keer:")[1]
    assert grew.count("(Wat kan beter?):") == 1 and "• knallen (Wat kan beter?)" in grew
    for number, (_, written) in enumerate(UNREADABLE, start=1):
        assert f"• M-{number}: ‘{written}’" in text  # each one on its own


async def test_resident_is_refused(bot: Harness, services: Services) -> None:
    await started(services)
    rita = resident(bot, services, 6001)
    (answer,) = await rita.send("/digest")
    assert "alleen voor wijkcoaches" in answer.plain_text
    assert answer.button_texts == ["Naar het menu"]
    await rita.send("/menu")
    assert "Wijkoverzicht nu" not in rita.last.button_texts
    await rita.press_data(f"dg:{wijk(services).id}:now")
    assert "alleen voor wijkcoaches" in rita.last.plain_text
    await rita.press_data("ds:menu:day")
    assert "alleen voor wijkcoaches" in rita.last.plain_text


async def test_coach_of_another_wijk_is_refused(bot: Harness, services: Services) -> None:
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    observe(services, "GEHEIM uit Groenelaan", slug="groenelaan", at=DUE - timedelta(hours=2))
    await anna.send("/menu")
    await anna.press_data(f"dg:{wijk(services, 'groenelaan').id}:now")
    assert "Dat kan niet met jouw rol" in anna.last.plain_text
    assert all("GEHEIM" not in m.plain_text for m in anna.messages)
    assert "document" not in kinds(anna)
    (answer,) = await anna.send("/digest groenelaan")
    assert "Die wijk ken ik niet" in answer.plain_text
    await anna.press_data("dg:99999:now")
    assert "Dat kan niet met jouw rol" in anna.last.plain_text


async def test_english_coach_gets_english(bot: Harness, services: Services) -> None:
    await started(services)
    emma = coach(bot, services, 5003, "elsrijk", lang="en")
    observe(services, "Too many cars", swot="threat")
    frozen(services).set(DUE + timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 1
    assert any("District summary for Elsrijk" in m.plain_text for m in emma.messages)
    assert emma.last.button_texts[0] == "Settings"


async def test_attention_buttons_open_the_observation(bot: Harness, services: Services) -> None:
    await started(services)
    anna = coach(bot, services, 5001, "elsrijk")
    stale = observe(services, "Put in de weg", at=IN_W47 - timedelta(days=3))
    frozen(services).set(DUE + timedelta(minutes=1))
    assert await jobs.send_due(services, bot.app.bot) == 1
    holder: BotMessage = next(m for m in anna.messages if f"M-{stale} openen" in m.button_texts)
    assert f"<b>M-{stale}</b>" in (holder.text or "")
    assert holder.buttons[0][0].callback_data == f"co:{stale}:open"


def test_due_ignores_periods_before_someone_became_coach(services: Services) -> None:
    person(services, 5001, role=Role.COACH, since=DUE + timedelta(hours=1))
    with services.db.session() as session:
        assert (
            jobs.find_due(session, services.config, DUE.astimezone(UTC) + timedelta(hours=2)) == []
        )
        week_later = DUE.astimezone(UTC) + timedelta(days=7, minutes=1)
        (due,) = jobs.find_due(session, services.config, week_later)
    assert due.period.key == "2026-W48"


async def test_retry_after_that_reaches_us_is_waited_out(
    services: Services, fake: FakeTelegram
) -> None:
    # Without the rate limiter (like `wijkbot digest --send`), RetryAfter surfaces to the sender.
    app = make_app(services, fake, rate_limiter=False)
    async with Harness(app, fake) as h:
        await started(services)
        anna = coach(h, services, 5001, "elsrijk")
        observe(services, "Iets")
        frozen(services).set(DUE + timedelta(minutes=1))
        fake.fail_next("sendPhoto", error="retry_after", retry_after=1)
        assert await jobs.send_due(services, h.app.bot) == 1
    assert fake.retry_after_answers == 1
    assert kinds(anna).count("photo") == 1 and titles(anna, "Elsrijk") == 1
    assert digests(services)[0].status == "sent"
