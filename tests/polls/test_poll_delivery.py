"""The private broadcast (403, 429, progress, tally), resuming it and closing after a restart."""

from __future__ import annotations

import asyncio
import itertools
import re
from datetime import timedelta

import pytest
from sqlmodel import col, select, update

from bot.context import Services
from bot.core.clock import FrozenClock
from bot.fake_telegram import Harness, strip_html
from bot.fake_telegram.users import BotMessage
from bot.fake_telegram.users import Person as FakePerson
from bot.people.permissions import load_actor
from bot.polls import delivery, voting
from bot.telegram import broadcast
from handlers.polls import voting as voting_handlers
from models import DeliveryStatus, Person, Poll, PollDelivery, PollVoteMessage, Role, Vote
from tests.conftest import make_app
from tests.helpers import onboard
from tests.polls.test_poll_wizard import create_poll, link_group, member, only_poll


async def test_broadcast_survives_403_and_429(bot: Harness, services: Services) -> None:
    creator = await member(bot, services, 4001, "Bea")
    audience = [await member(bot, services, 4100 + i, f"Lid{i}") for i in range(6)]
    blocked, slowed = audience[2], audience[4]
    bot.fake.block(blocked.id)
    bot.fake.fail_next("sendMessage", chat_id=slowed.id, error="retry_after", retry_after=1)

    await create_poll(bot, creator)

    assert bot.fake.retry_after_answers == 1
    for person in audience:
        got = [m for m in person.messages if "Wat pakken we eerst aan?" in m.plain_text]
        assert len(got) == (0 if person is blocked else 1), person
    with services.db.session() as session:
        rows = session.exec(select(PollDelivery)).all()
        status = {r.person_id: r.status for r in rows}
        blocked_person = session.exec(select(Person).where(Person.telegram_id == blocked.id)).one()
    assert sorted(status.values()) == ["sent"] * 5 + ["unreachable"]
    assert status[blocked_person.id or 0] == DeliveryStatus.UNREACHABLE.value
    assert blocked_person.unreachable_at is not None

    progress = [m for m in creator.messages if "Je stemming is verstuurd" in m.plain_text]
    assert len(progress) == 1 and progress[0].edited
    final = progress[0].plain_text
    assert "Aangekomen: 5" in final and "want ze hebben mij geblokkeerd: 1" in final
    stored = bot.fake.find_message(creator.id, progress[0].message_id)
    assert stored is not None
    earlier = [text or "" for text, _ in stored.history]
    assert "Verstuurd: 0 van 6" in earlier[0]
    assert "Zelf stemmen" in progress[0].button_texts


async def test_a_creator_who_may_not_vote_gets_no_zelf_stemmen(
    bot: Harness, services: Services
) -> None:
    """A coach sends a poll for the BIG, which they are not in: the end of the progress offered
    "Zelf stemmen" all the same. Now only "Naar het menu"; an old "Zelf stemmen" pressed says the
    poll is not theirs to vote in. A BIG member who sends one still gets the button."""
    coach = await member(bot, services, 4001, "Cora", Role.COACH)
    big = await member(bot, services, 4002, "Bram")
    await create_poll(bot, coach)
    (progress,) = [m for m in coach.messages if "Je stemming is verstuurd" in m.plain_text]
    assert "Aangekomen: 1" in progress.plain_text
    assert progress.button_texts == ["Naar het menu"]
    poll = only_poll(services)

    replies = await coach.press_data(f"pl:{poll.id}:show", message=progress)
    assert coach.alerts[-1] == "Deze stemming is niet voor jou. Je kunt hier niet stemmen."
    assert coach.alerts[-1].show_alert
    assert all("Speeltuin" not in m.button_texts for m in replies)
    with services.db.session() as session:
        assert session.exec(select(Vote)).all() == []

    await member(bot, services, 4003, "Bo")
    await create_poll(bot, big, question="En wat daarna?")
    (progress,) = [m for m in big.messages if "Je stemming is verstuurd" in m.plain_text]
    assert progress.button_texts == ["Zelf stemmen", "Naar het menu"]


async def test_progress_is_edited_at_most_once_per_interval(
    bot: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every look at the clock is one second later, one look per recipient sent to: with the
    # default interval of 5 s, edits are at least 5 recipients apart.
    assert services.config.telegram.progress_edit_seconds == 5.0
    ticks = itertools.count()
    monkeypatch.setattr(broadcast, "progress_clock", lambda: float(next(ticks)))
    creator = await member(bot, services, 4001, "Bea")
    for i in range(12):
        await member(bot, services, 4100 + i, f"Lid{i}")

    await create_poll(bot, creator)

    (progress,) = [m for m in creator.messages if "Je stemming is verstuurd" in m.plain_text]
    stored = bot.fake.find_message(creator.id, progress.message_id)
    assert stored is not None
    shown = [strip_html(text or "") for text, _ in stored.history]
    counts = [
        int(m.group(1)) for text in shown if (m := re.search(r"Verstuurd: (\d+) van 12", text))
    ]
    assert counts[0] == 0 and len(counts) >= 2  # the first message and at least one edit
    assert all(later - earlier >= 5 for earlier, later in itertools.pairwise(counts))
    assert "Aangekomen: 12" in progress.plain_text  # and the final edit


async def test_broadcast_resumes_after_restart(bot: Harness, services: Services) -> None:
    creator = await member(bot, services, 4001, "Bea")
    audience = [await member(bot, services, 4100 + i, f"Lid{i}") for i in range(3)]
    # The process died after storing the poll and sending to the first person only.
    with services.db.session() as session:
        actor = load_actor(session, creator.id)
        assert actor is not None
        draft = voting.PollDraft(
            wijk_id=actor.person.current_wijk_id or 0,
            question="Na de herstart?",
            options=["Ja", "Nee"],
            kind="single",
            audience="big",
            closes_at=services.clock.now() + timedelta(days=3),
        )
        poll = voting.create_poll(session, actor, draft, services.clock.now())
        first = voting.pending_recipients(session, poll.id or 0)[0]
        voting.mark_sent(session, first.delivery_id, 1, services.clock.now())

    app2 = make_app(Services(config=services.config, db=services.db), bot.fake)
    async with Harness(app2, bot.fake):
        await _until(lambda: _pending(services) == 0)
        await delivery.wait_idle(app2)
    got = {p.id: sum("Na de herstart?" in m.plain_text for m in p.messages) for p in audience}
    assert got == {p.id: (0 if p.id == first.telegram_id else 1) for p in audience}


async def test_overdue_poll_closes_on_start_and_results_go_once(
    bot: Harness, services: Services
) -> None:
    creator = await member(bot, services, 4001, "Bea")
    voter = await member(bot, services, 4002, "Bram")
    await create_poll(bot, creator, closes="Over 3 dagen")
    await voter.press("Bankjes")
    poll = only_poll(services)

    # The bot was down past the closing time: a new process on the same database.
    later = FrozenClock(services.clock.now() + timedelta(days=4))
    app2 = make_app(Services(config=services.config, db=services.db, clock=later), bot.fake)
    async with Harness(app2, bot.fake):
        await _until(lambda: _results_sent(services, poll.id or 0))  # the start-up run
        await delivery.wait_idle(app2)
        await delivery.sweep(app2)  # the next repeating run finds nothing to do
        await delivery.wait_idle(app2)
    closed = only_poll(services)
    assert closed.status == "closed" and closed.closed_at is not None
    for person in (creator, voter):
        results = [m for m in person.messages if "Uitslag: Wat pakken" in m.plain_text]
        assert len(results) == 1
        assert "Bankjes: 1 (100%)" in results[0].plain_text
    # Closed on time: the vote message says so too, with the vote, without buttons.
    message = vote_message(bot, voter, services)
    assert message.buttons == [] and "Deze stemming is gesloten." in message.plain_text
    assert "Jouw stem: Bankjes" in message.plain_text
    assert closed.vote_messages_closed_at is not None


async def test_the_job_is_database_driven_and_forgiving(bot: Harness) -> None:
    jobs = bot.app.job_queue.get_jobs_by_name("polls-sweep")  # type: ignore[union-attr]
    assert len(jobs) == 1
    assert jobs[0].job.misfire_grace_time is None


def _pending(services: Services) -> int:
    with services.db.session() as session:
        return len(
            session.exec(
                select(PollDelivery).where(PollDelivery.status == DeliveryStatus.PENDING.value)
            ).all()
        )


def _results_sent(services: Services, poll_id: int) -> bool:
    with services.db.session() as session:
        poll = session.get(Poll, poll_id)
        return poll is not None and poll.results_sent_at is not None


async def _until(condition: object, limit: float = 10.0) -> None:
    """Wait for the start-up job (it runs in the event loop) without asserting on time."""
    check = condition if callable(condition) else (lambda: bool(condition))
    for _ in range(int(limit / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the start-up run did not happen")


# --- the vote messages when a poll closes ------------------------------------------------------


def vote_message(bot: Harness, person: FakePerson, services: Services) -> BotMessage:
    """The person's vote message, as the broadcast recorded it (PollDelivery.message_id), now."""
    with services.db.session() as session:
        message_id = session.exec(
            select(PollDelivery.message_id)
            .join(Person, col(Person.id) == PollDelivery.person_id)
            .where(Person.telegram_id == person.id)
        ).one()
    assert message_id is not None
    stored = bot.fake.find_message(person.id, message_id)
    assert stored is not None
    return BotMessage.from_stored(bot.fake, stored)


async def test_vote_messages_lose_their_buttons_when_a_poll_closes_early(
    bot: Harness, services: Services
) -> None:
    """Closed early: each vote message the poll went out as is edited to say it is closed, in
    its member's language, without buttons (their vote stays in it). A member who blocked the
    bot meanwhile, or Telegram's 429 on an edit, does not stop the others or the results."""
    creator = await member(bot, services, 4001, "Bea")
    voter, english, blocked, slowed = [
        await member(bot, services, 4100 + i, f"Lid{i}") for i in range(4)
    ]
    await english.send("/taal")
    await english.press("English")
    await create_poll(bot, creator)
    stale = vote_message(bot, voter, services)
    await voter.press("Bankjes", message=stale)
    assert "Jouw stem: Bankjes" in vote_message(bot, voter, services).plain_text
    bot.fake.block(blocked.id)
    bot.fake.fail_next("editMessageText", chat_id=slowed.id, error="retry_after", retry_after=1)

    await creator.send("/stemmen")
    await creator.press("Beheren")
    await creator.press("Nu sluiten")
    await creator.press("Ja, nu sluiten")
    await delivery.wait_idle(bot.app)

    for person in (voter, slowed):
        message = vote_message(bot, person, services)
        assert message.buttons == [], person
        assert "Wat pakken we eerst aan?" in message.plain_text
        assert "Deze stemming is gesloten. Stemmen kan niet meer." in message.plain_text
        assert "Sluit:" not in message.plain_text
    assert "Jouw stem: Bankjes" in vote_message(bot, voter, services).plain_text
    message = vote_message(bot, english, services)
    assert message.buttons == []
    assert "This poll is closed. You can no longer vote." in message.plain_text
    assert bot.fake.retry_after_answers == 1
    assert vote_message(bot, blocked, services).buttons != []  # 403: left as it is
    with services.db.session() as session:  # ... and they are marked unreachable, as on a send
        unreachable = {p.telegram_id: p.unreachable_at for p in session.exec(select(Person)).all()}
    assert unreachable[blocked.id] is not None
    assert all(unreachable[p.id] is None for p in (creator, voter, english, slowed))
    for person in (creator, voter, english, slowed):  # the results went out all the same
        titles = ("Uitslag: Wat pakken", "Results: Wat pakken")
        assert any(m.plain_text.startswith(titles) for m in person.messages), person
    # The old buttons, pressed all the same (a phone that did not refresh): still why.
    await voter.press_data(stale.buttons[0][0].callback_data or "", message=stale)
    assert voter.alerts[-1] == "Deze stemming is gesloten. Stemmen kan niet meer."
    with services.db.session() as session:
        poll = session.exec(select(Poll)).one()
        assert poll.vote_messages_closed_at is not None
        done = session.exec(select(PollDelivery.buttons_removed_at)).all()
        assert all(at is not None for at in done)


async def test_vote_messages_say_a_cancelled_poll_is_cancelled_once_also_after_a_restart(
    bot: Harness, services: Services
) -> None:
    """Cancelled: the vote messages say so, without buttons. Edited again (a sweep after a
    restart that lost what was done), Telegram's 400 "message is not modified" changes nothing."""
    creator = await member(bot, services, 4001, "Bea")
    audience = [await member(bot, services, 4100 + i, f"Lid{i}") for i in range(2)]
    await create_poll(bot, creator)
    await creator.send("/stemmen")
    await creator.press("Beheren")
    await creator.press("Stemming afbreken")
    await creator.press("Ja, afbreken")
    await delivery.wait_idle(bot.app)
    for person in audience:
        message = vote_message(bot, person, services)
        assert message.buttons == []
        assert "Deze stemming is afgebroken. Stemmen kan niet meer." in message.plain_text

    with services.db.session() as session:
        session.exec(update(PollDelivery).values(buttons_removed_at=None))
        session.exec(update(Poll).values(vote_messages_closed_at=None))
        session.commit()
    edits = len(bot.fake.calls_to("editMessageText"))
    await delivery.sweep(bot.app)
    await delivery.wait_idle(bot.app)
    assert len(bot.fake.calls_to("editMessageText")) > edits  # tried, and refused as unchanged
    assert only_poll(services).vote_messages_closed_at is not None
    for person in audience:
        assert "afgebroken" in vote_message(bot, person, services).plain_text


async def test_a_vote_message_left_for_the_menu_is_not_overwritten_when_the_poll_closes(
    bot: Harness, services: Services
) -> None:
    """Lid presses "Naar het menu" under the poll: that message is his menu now. When the poll
    closes, it stays his menu, with its buttons: only a message that still shows the poll is
    edited to say it closed."""
    creator = await member(bot, services, 4001, "Bea")
    voter = await member(bot, services, 4100, "Lid")
    await create_poll(bot, creator)
    await voter.press("Naar het menu", message=vote_message(bot, voter, services))
    menu = vote_message(bot, voter, services)
    assert "Wat wil je doen?" in menu.plain_text and "Melding doen" in menu.button_texts

    assert await delivery.close_now(bot.app, only_poll(services).id or 0)
    await delivery.wait_idle(bot.app)

    now = vote_message(bot, voter, services)
    assert "gesloten" not in now.plain_text, now.plain_text
    assert (now.plain_text, now.button_texts) == (menu.plain_text, menu.button_texts)
    await voter.press("Melding doen", message=now)  # the menu still works
    assert "melding" in voter.last.plain_text.lower()
    assert any(m.plain_text.startswith("Uitslag: Wat pakken") for m in voter.messages)
    assert only_poll(services).vote_messages_closed_at is not None


async def test_a_member_who_refuses_the_results_is_marked_unreachable(
    bot: Harness, services: Services
) -> None:
    """Lid blocked the bot after his vote message was closed: Telegram answers the results
    with 403. He is marked unreachable, as on any refused send; the others get the results."""
    creator = await member(bot, services, 4001, "Bea")
    voter, blocked = [await member(bot, services, 4100 + i, f"Lid{i}") for i in range(2)]
    await create_poll(bot, creator)
    bot.fake.fail_next("sendMessage", chat_id=blocked.id, error="forbidden")

    assert await delivery.close_now(bot.app, only_poll(services).id or 0)
    await delivery.wait_idle(bot.app)

    assert "gesloten" in vote_message(bot, blocked, services).plain_text  # the edit went
    assert not any(m.plain_text.startswith("Uitslag: Wat pakken") for m in blocked.messages)
    for person in (creator, voter):
        assert any(m.plain_text.startswith("Uitslag: Wat pakken") for m in person.messages)
    assert _results_sent(services, only_poll(services).id or 0)
    with services.db.session() as session:
        unreachable = {p.telegram_id: p.unreachable_at for p in session.exec(select(Person)).all()}
    assert unreachable[blocked.id] is not None
    assert unreachable[creator.id] is None and unreachable[voter.id] is None


def opened_messages(services: Services, person: FakePerson) -> list[int]:
    """The vote messages the person opened themselves, as recorded (PollVoteMessage)."""
    with services.db.session() as session:
        return list(
            session.exec(
                select(PollVoteMessage.message_id)
                .join(Person, col(Person.id) == PollVoteMessage.person_id)
                .where(Person.telegram_id == person.id)
                .order_by(col(PollVoteMessage.message_id))
            ).all()
        )


def shown(bot: Harness, person: FakePerson, message_id: int) -> BotMessage:
    stored = bot.fake.find_message(person.id, message_id)
    assert stored is not None
    return BotMessage.from_stored(bot.fake, stored)


@pytest.mark.parametrize(
    ("how", "said"),
    [
        (("Nu sluiten", "Ja, nu sluiten"), "Deze stemming is gesloten. Stemmen kan niet meer."),
        (("Stemming afbreken", "Ja, afbreken"), "Deze stemming is afgebroken. Stemmen kan niet"),
    ],
)
async def test_a_poll_a_member_opened_themselves_loses_its_buttons_when_it_ends(
    bot: Harness, services: Services, how: tuple[str, str], said: str
) -> None:
    """A ranking poll for the group goes to nobody's chat: Ann opens it from /stemmen, Rik from
    the group's "Stemmen in een eigen chat" (t.me/<bot>?start=poll_N), and that update comes
    twice (a second message with the poll). When the poll closes, or is cancelled, each of
    those messages says so, with their vote and without buttons, as a broadcast one does."""
    bea = await member(bot, services, 4001, "Bea")
    await link_group(bot, bea)
    ann = await member(bot, services, 4100, "Ann")
    rik = await onboard(bot, 4200, "Rik")
    await create_poll(bot, bea, audience="De Telegram-groep", kind="Op volgorde zetten")
    poll_id = only_poll(services).id

    await ann.send("/stemmen")
    await ann.press("Stemmen: Wat pakken")
    for label in ("Bankjes", "Speeltuin", "Straatlicht", "Stem versturen"):
        await ann.press(label)
    (rik_first,) = await rik.send(f"/start poll_{poll_id}")
    opened = bot.last_update or {}
    for label in ("Straatlicht", "Bankjes", "Speeltuin", "Stem versturen"):
        await rik.press(label)
    (rik_again,) = await bot.act(opened, chats=(rik.id,))  # delivered again
    assert rik_again.message_id != rik_first.message_id and rik_again.buttons
    ann_message = ann.last
    assert "Stem veranderen" in ann_message.button_texts

    await bea.send("/stemmen")
    await bea.press("Beheren")
    for label in how:
        await bea.press(label)
    await delivery.wait_idle(bot.app)

    ann_now = shown(bot, ann, ann_message.message_id)
    assert ann_now.buttons == [], ann_now.button_texts
    assert said in ann_now.plain_text
    assert "Jouw stem:\n1. Bankjes\n2. Speeltuin\n3. Straatlicht" in ann_now.plain_text
    for message_id in (rik_first.message_id, rik_again.message_id):
        rik_now = shown(bot, rik, message_id)
        assert rik_now.buttons == [], rik_now.button_texts
        assert said in rik_now.plain_text
        assert "Jouw stem:\n1. Straatlicht\n2. Bankjes\n3. Speeltuin" in rik_now.plain_text
    assert only_poll(services).vote_messages_closed_at is not None
    # Each message once, however often it was shown or pressed.
    assert opened_messages(services, ann) == [ann_message.message_id]
    assert opened_messages(services, rik) == sorted([rik_first.message_id, rik_again.message_id])


async def test_a_vote_cast_while_the_poll_closes_does_not_get_its_buttons_back(
    bot: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lid presses Bankjes in the very moment the poll closes: his vote is stored just before,
    the close edits his vote message (no buttons), and only then does his press answer. The
    message he is left with says the poll is closed, with his vote, without "Stem veranderen"."""
    creator = await member(bot, services, 4001, "Bea")
    voter = await member(bot, services, 4100, "Lid")
    await create_poll(bot, creator)
    poll_id = only_poll(services).id or 0
    answer = voting_handlers.answer_query

    async def closed_meanwhile(update: object, text: str | None = None, **kw: object) -> None:
        if text == "Dank je! Je stem is bewaard.":
            assert await delivery.close_now(bot.app, poll_id)
            await delivery.wait_idle(bot.app)
            assert vote_message(bot, voter, services).buttons == []  # the close came first
        await answer(update, text, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(voting_handlers, "answer_query", closed_meanwhile)
    await voter.press("Bankjes", message=vote_message(bot, voter, services))
    await delivery.wait_idle(bot.app)

    now = vote_message(bot, voter, services)
    assert now.buttons == [], now.button_texts
    assert "Deze stemming is gesloten. Stemmen kan niet meer." in now.plain_text
    assert "Jouw stem: Bankjes" in now.plain_text
