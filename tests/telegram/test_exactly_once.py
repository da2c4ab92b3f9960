"""Exactly once across a kill: every write caused by an update survives the update coming again.

Telegram delivers an update again when the bot died before it was confirmed. These tests "kill"
the Application at the worst moments - a BaseException raised right after a commit, which no
handler catches, and the Application dropped without its final persistence flush - then build a
new Application on the same database and fake Telegram, deliver the same update (same update_id,
same callback query) again and look at what the person sees and what the database holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select

from bot.context import Services
from bot.core.i18n import t, tn
from bot.fake_telegram import FakeTelegram, Harness
from bot.fake_telegram.state import JSONDict, strip_html
from bot.observations import filing
from models import Observation
from tests.conftest import make_app
from tests.helpers import onboard
from tests.observations.test_observations import to_summary
from tests.telegram.test_restart import crash


def saved(text: str) -> bool:
    """The existing confirmation, with the observation's number."""
    return strip_html(t("nl", "observations.saved", reference="M-1")) in text


class Killed(BaseException):
    """kill -9 at this very line: nothing after it runs, no handler or error handler sees it."""


def kill_after(real: Callable[..., Any]) -> Callable[..., Any]:
    """`real`, then death: its effects (a commit) are durable, the rest of the update is not."""

    def dying(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise Killed()

    return dying


def rows(services: Services) -> list[Observation]:
    with services.db.session() as session:
        return list(session.exec(select(Observation)).all())


async def killed_on(harness: Harness, action: Any) -> JSONDict:
    """Run `action` (an awaitable acting as a person) into the kill; the update it delivered."""
    with pytest.raises(Killed):
        await action
    assert harness.last_update is not None
    await crash(harness)
    return harness.last_update


# --- 1. a duplicate observation -----------------------------------------------------------------


async def test_press_delivered_again_after_a_kill_behind_the_commit_stores_once(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await Harness(make_app(services, fake), fake).__aenter__()
    alice = await onboard(first, 1001, "Alice")
    await to_summary(alice)
    summary = alice.last
    monkeypatch.setattr(filing, "_commit", kill_after(filing._commit))
    press = await killed_on(first, alice.press("Versturen"))
    monkeypatch.undo()
    assert len(rows(services)) == 1
    assert "Versturen" in summary.button_texts  # the person still sees the summary

    async with Harness(make_app(services, fake), fake) as second:
        seen = await second.act(press, chats=(1001,))
        assert second.errors == []
    assert len(rows(services)) == 1
    assert any(saved(m.plain_text) for m in seen)


# --- 2. stored, never confirmed -----------------------------------------------------------------


async def test_press_after_a_kill_behind_the_flows_end_shows_the_number(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flow ended (written through) and then the bot died: the old button is not stale."""
    from bot.telegram import flows

    first = await Harness(make_app(services, fake), fake).__aenter__()
    alice = await onboard(first, 1001, "Alice")
    await to_summary(alice)
    summary = alice.last
    monkeypatch.setattr(flows, "save", _dying_coroutine_after(flows.save, ended=True))
    press = await killed_on(first, alice.press("Versturen"))
    monkeypatch.undo()

    async with Harness(make_app(services, fake), fake) as second:
        # The same update again (Telegram), and a fresh press on the old summary (the person).
        seen = await second.act(press, chats=(1001,))
        assert any(saved(m.plain_text) for m in seen)
        alice = second.user(1001, "Alice")
        await alice.press("Versturen", message=summary)
        assert alice.alerts == []
        assert saved(alice.last.plain_text)
        assert "oud bericht" not in alice.last.plain_text
    assert len(rows(services)) == 1


def _dying_coroutine_after(real: Callable[..., Any], *, ended: bool) -> Callable[..., Any]:
    async def dying(context: Any) -> None:
        await real(context)
        if ended and "flow" not in (context.user_data or {}):
            raise Killed()

    return dying


async def test_three_502s_on_the_confirmation_still_show_the_number(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await to_summary(alice)
    summary = alice.last
    bot.fake.fail_next("editMessageText", error="bad_gateway", times=3)
    await alice.press("Versturen")
    assert saved(alice.last.plain_text)
    await alice.press("Versturen", message=summary)
    assert saved(alice.last.plain_text) and alice.alerts == []
    assert len(rows(services)) == 1


# --- every other write caused by an update -------------------------------------------------------


async def restarted(services: Services, fake: FakeTelegram) -> Harness:
    return await Harness(make_app(services, fake), fake).__aenter__()


async def delivered_again(
    services: Services, fake: FakeTelegram, update: JSONDict, chats: tuple[int, ...]
) -> list[Any]:
    """Telegram delivers `update` again to a bot started anew on the same database: what the
    people in `chats` were shown in answer."""
    second = await restarted(services, fake)
    try:
        return list(await second.act(update, chats=chats))
    finally:
        await second.__aexit__(None, None, None)


async def coach_typed_answer(first: Harness, services: Services) -> tuple[Any, Any, Any]:
    """Alice files an observation; Carla, coach in Elsrijk, opens it and types an answer (not
    sent yet)."""
    from models import Role
    from tests.helpers import join_as
    from tests.observations.test_coach import file

    alice = await onboard(first, 1001, "Alice")
    carla = await join_as(first, services, 2001, "Carla", Role.COACH, "elsrijk")
    obs = await file(alice, services, "Lantaarn kapot bij de school")
    await carla.send("/meldingen")
    await carla.press(f"{obs.reference} openen")
    await carla.press("Beantwoorden")
    await carla.send("Dank je, we gaan het maken")
    return alice, carla, obs


async def test_comment_delivered_again_is_written_once(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.spiegel import mirror
    from models import Reaction
    from tests.spiegel.test_spiegel import COMMENT, load, statement

    load(services, "elsrijk")
    first = await restarted(services, fake)
    alice = await onboard(first, 1001, "Alice")
    await alice.send("/spiegel")
    page = await alice.press("Wat kan beter? (2)")
    await alice.press(COMMENT, message=statement(page, "Voor jongeren"))
    monkeypatch.setattr(mirror, "comment", kill_after(mirror.comment))
    text = await killed_on(first, alice.send("Er is geen plek om te voetballen."))
    monkeypatch.undo()
    with services.db.session() as session:
        (before,) = session.exec(select(Reaction)).all()

    (saved,) = await delivered_again(services, fake, text, (1001,))
    assert t("nl", "spiegel.comment_saved") in saved.plain_text
    with services.db.session() as session:
        (after,) = session.exec(select(Reaction)).all()
    # The digest counts a period's comments by commented_at: written once, it does not move.
    assert after.comment == before.comment and after.commented_at == before.commented_at


async def test_comment_delivered_again_after_its_flow_ended_shows_the_comment(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comment stored and its flow's end written through, then the bot died: the same text
    again shows the stored comment, not "send this to the wijkcoach as a report?"."""
    from bot.telegram import flows
    from models import Reaction
    from tests.spiegel.test_spiegel import COMMENT, load, statement

    load(services, "elsrijk")
    first = await restarted(services, fake)
    alice = await onboard(first, 1001, "Alice")
    await alice.send("/spiegel")
    page = await alice.press("Wat kan beter? (2)")
    await alice.press(COMMENT, message=statement(page, "Voor jongeren"))
    monkeypatch.setattr(flows, "save", _dying_coroutine_after(flows.save, ended=True))
    text = await killed_on(first, alice.send("Er is geen plek om te voetballen."))
    monkeypatch.undo()
    with services.db.session() as session:
        (before,) = session.exec(select(Reaction)).all()
    assert before.comment == "Er is geen plek om te voetballen."

    async with Harness(make_app(services, fake), fake) as second:
        (saved,) = await second.act(text, chats=(1001,))
        assert t("nl", "spiegel.comment_saved") in saved.plain_text
        assert "Er is geen plek om te voetballen." in saved.plain_text
        assert t("nl", "observations.file_ask") not in saved.plain_text
        # Later, the same words typed anew are new text: the question whether to report them.
        alice = second.user(1001, "Alice")
        (asked,) = await alice.send("Er is geen plek om te voetballen.")
        assert t("nl", "observations.file_ask") in asked.plain_text
    with services.db.session() as session:
        (after,) = session.exec(select(Reaction)).all()
        assert session.exec(select(Observation)).all() == []
    assert (after.comment, after.commented_at) == (before.comment, before.commented_at)


# A coach's change to the spiegel, typed: (action, the service function the kill follows, what
# is typed, the confirmation's catalogue key, the overview's button after it).
SPIEGEL_EDITS = {
    "add": ("add", "Er zijn te weinig bankjes.", "spiegel_editing.added", "Wat kan beter? (3)"),
    "group": (
        "from_group",
        "Er is te weinig plek om te parkeren.",
        "spiegel_editing.added",
        "Wat kan beter? (3)",
    ),
    "reword": (
        "reword",
        "De stoepen in de Parkstraat zijn ongelijk.",
        "spiegel_editing.reworded",
        "Wat kan beter? (2)",
    ),
    "retire": (
        "retire",
        "De stoepen zijn gemaakt.",
        "spiegel_editing.retired",
        "Wat kan beter? (1)",
    ),
}


async def coach_at_spiegel_prompt(first: Harness, services: Services, action: str) -> Any:
    """Carla, coach in Elsrijk, at the step where she types the statement (or why it goes)."""
    from models import Role
    from tests.helpers import join_as
    from tests.spiegel.test_editing import group_of_this_period
    from tests.spiegel.test_spiegel import load

    load(services, "elsrijk")
    carla = await join_as(first, services, 6001, "Carla", Role.COACH, "elsrijk")
    (overview,) = await carla.send("/spiegel")
    if action == "add":
        await carla.press("Zin toevoegen ➕")
        await carla.press("Wat kan beter?")
    elif action == "group":
        group_of_this_period(services, 6001)
        (listed,) = await carla.press("Zin maken uit meldingen", message=overview)
        (group,) = [b for b in listed.button_texts if b.startswith("Maak hier een zin van: ")]
        await carla.press(group, message=listed)
    else:
        page = await carla.press("Wat kan beter? (2)")
        stoep = next(m for m in page if "De stoepen zijn ongelijk." in m.plain_text)
        button = "Zin aanpassen ✏️" if action == "reword" else "Zin weghalen 🗑️"
        await carla.press(button, message=stoep)
    return carla


def spiegel_changes(services: Services) -> list[tuple[str, str | None, str]]:
    from models import StatementChange

    with services.db.session() as session:
        changes = session.exec(select(StatementChange)).all()
        return [(c.action, c.new_text, c.reason) for c in changes]


def spiegel_confirmed(action: str, seen: list[Any]) -> None:
    """What the coach sees after the change: its confirmation, then the spiegel as it is now."""
    _, typed, done, counted = SPIEGEL_EDITS[action]
    assert [m for m in seen if m.chat_id == 6001] == seen
    assert strip_html(t("nl", done, text=typed)) in seen[0].plain_text
    assert counted in seen[-1].button_texts
    assert all(t("nl", "observations.file_ask") not in m.plain_text for m in seen)
    assert all(
        "staat al in" not in m.plain_text and "dezelfde zin" not in m.plain_text for m in seen
    )


def one_spiegel_change(services: Services, action: str) -> None:
    from bot.spiegel import mirror
    from models import SpiegelItem

    _, typed, _, _ = SPIEGEL_EDITS[action]
    (change,) = spiegel_changes(services)
    if action == "retire":
        assert change == ("retire", None, typed)
    else:
        assert change[:2] == ("reword" if action == "reword" else "add", typed)
    if action in ("add", "group"):
        with services.db.session() as session:
            same = session.exec(select(SpiegelItem).where(SpiegelItem.text == typed)).all()
            assert len(same) == 1 and mirror.active_item(session, same[0].id or 0) is not None


@pytest.mark.parametrize("action", list(SPIEGEL_EDITS))
async def test_spiegel_change_delivered_again_is_stored_once(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    """The change committed, the bot died before the flow ended: the same text again is the
    change's confirmation, not "staat al in de wijkspiegel" or a second change."""
    from bot.spiegel import editing

    first = await restarted(services, fake)
    carla = await coach_at_spiegel_prompt(first, services, action)
    function, typed, _, _ = SPIEGEL_EDITS[action]
    monkeypatch.setattr(editing, function, kill_after(getattr(editing, function)))
    text = await killed_on(first, carla.send(typed))
    monkeypatch.undo()
    one_spiegel_change(services, action)

    seen = await delivered_again(services, fake, text, (6001,))
    spiegel_confirmed(action, seen)
    one_spiegel_change(services, action)


@pytest.mark.parametrize("action", list(SPIEGEL_EDITS))
async def test_spiegel_change_delivered_again_after_its_flow_ended_shows_the_change(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    """The change stored and its flow's end written through, then the bot died: the same text
    again shows the change, not "send this to the wijkcoach as a report?"."""
    from bot.telegram import flows

    first = await restarted(services, fake)
    carla = await coach_at_spiegel_prompt(first, services, action)
    _, typed, _, _ = SPIEGEL_EDITS[action]
    monkeypatch.setattr(flows, "save", _dying_coroutine_after(flows.save, ended=True))
    text = await killed_on(first, carla.send(typed))
    monkeypatch.undo()
    one_spiegel_change(services, action)

    async with Harness(make_app(services, fake), fake) as second:
        seen = await second.act(text, chats=(6001,))
        spiegel_confirmed(action, list(seen))
        # Later, the same words typed anew are new text: the question whether to report them.
        carla = second.user(6001, "Carla")
        (asked,) = await carla.send(typed)
        assert t("nl", "observations.file_ask") in asked.plain_text
    one_spiegel_change(services, action)


async def test_new_edition_pressed_again_shows_the_edition_it_made(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Ja, begin 2027" made the edition, the bot died before confirming it: the same press
    again shows that edition, not "Dat jaar kan niet", and makes no second one."""
    from bot.spiegel import editing
    from models import Edition, Role, StatementChange
    from tests.helpers import join_as
    from tests.spiegel.test_spiegel import load, this_year

    year = this_year(services)
    load(services, "elsrijk", year=year)
    first = await restarted(services, fake)
    carla = await join_as(first, services, 6001, "Carla", Role.COACH, "elsrijk")
    await carla.send("/spiegel")
    await carla.press("Begin aan volgend jaar")
    monkeypatch.setattr(editing, "new_edition", kill_after(editing.new_edition))
    press = await killed_on(first, carla.press(f"Ja, begin {year + 1}"))
    monkeypatch.undo()

    seen = await delivered_again(services, fake, press, (6001,))
    done = t("nl", "spiegel_editing.new_edition_done", year=year + 1, count=8)
    assert done in seen[0].plain_text
    assert f"Wijkspiegel Elsrijk {year + 1}" in seen[-1].plain_text
    assert all(t("nl", "spiegel_editing.year_not_later") not in m.plain_text for m in seen)
    with services.db.session() as session:
        assert sorted(e.year for e in session.exec(select(Edition)).all()) == [year, year + 1]
        assert len(session.exec(select(StatementChange)).all()) == 8


async def test_vote_delivered_again_shows_the_vote(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.polls import voting
    from tests.polls.test_poll_wizard import create_poll, member
    from tests.polls.test_polls import poll_message, votes

    first = await restarted(services, fake)
    creator = await member(first, services, 3001, "Bea")
    voter = await member(first, services, 3002, "Bram")
    await create_poll(first, creator)
    delivered = poll_message(voter)
    monkeypatch.setattr(voting, "cast_vote", kill_after(voting.cast_vote))
    press = await killed_on(first, voter.press("Bankjes", message=delivered))
    monkeypatch.undo()

    seen = await delivered_again(services, fake, press, (3002,))
    assert any("Jouw stem: Bankjes" in m.plain_text for m in seen)
    answered = fake.callback_queries[press["callback_query"]["id"]]
    assert answered.answered and not (answered.text or "").startswith("Je hebt al gestemd")
    assert [text for _, text, _ in votes(services)] == ["Bankjes"]


async def test_poll_sent_again_is_stored_and_broadcast_once(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.polls import delivery, voting
    from models import Poll, PollDelivery
    from tests.polls.test_poll_wizard import create_poll, member

    first = await restarted(services, fake)
    creator = await member(first, services, 3001, "Bea")
    await member(first, services, 3002, "Bram")
    monkeypatch.setattr(voting, "create_poll", kill_after(voting.create_poll))
    press = await killed_on(first, create_poll(first, creator))
    monkeypatch.undo()

    second = await restarted(services, fake)
    try:
        seen = await second.act(press, chats=(3001,))
        await delivery.wait_idle(second.app)
    finally:
        await second.__aexit__(None, None, None)
    assert any(tn("nl", "polls.saved_private", 1) in m.plain_text for m in seen)
    with services.db.session() as session:
        assert len(session.exec(select(Poll)).all()) == 1
        assert len(session.exec(select(PollDelivery)).all()) == 1
    polls_to_bram = [m for m in fake.messages[3002] if m.from_bot and "eerst aan" in (m.text or "")]
    assert len(polls_to_bram) == 1


async def test_answer_sent_again_reaches_the_sender_once(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.observations import coach

    first = await restarted(services, fake)
    _, carla, obs = await coach_typed_answer(first, services)
    monkeypatch.setattr(coach, "answer", kill_after(coach.answer))
    press = await killed_on(first, carla.press("Versturen"))
    monkeypatch.undo()

    seen = await delivered_again(services, fake, press, (2001,))
    done = t("nl", "coach.answer_sent", reference=obs.reference)
    assert any(done in m.plain_text for m in seen)
    answers = [m for m in fake.messages[1001] if m.from_bot and "gaan het maken" in (m.text or "")]
    assert len(answers) == 1


async def reply_killed_after_its_commit(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, JSONDict]:
    """Carla's answer reached Alice, whose reply's Versturen dies right after the reply's commit:
    the observation and the press Telegram will deliver again."""
    from bot.observations import coach

    first = await restarted(services, fake)
    alice, carla, obs = await coach_typed_answer(first, services)
    await carla.press("Versturen")
    await alice.press(t("nl", "coach.btn_reply"))
    await alice.send("Super, dank!")
    monkeypatch.setattr(coach, "record_reply", kill_after(coach.record_reply))
    press = await killed_on(first, alice.press("Versturen"))
    monkeypatch.undo()
    return obs, press


async def test_reply_sent_again_reaches_the_coach_once(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    obs, press = await reply_killed_after_its_commit(services, fake, monkeypatch)
    seen = await delivered_again(services, fake, press, (1001,))
    done = t("nl", "coach.reply_sent", reference=obs.reference)
    assert any(done in m.plain_text for m in seen)
    replies = [m for m in fake.messages[2001] if m.from_bot and "Super, dank!" in (m.text or "")]
    assert len(replies) == 1


async def test_invite_accepted_again_uses_one_use(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.people import invites
    from models import Invite, Role
    from tests.helpers import invite_code

    code = invite_code(services, Role.COACH, "elsrijk", uses=2)
    first = await restarted(services, fake)
    carla = first.user(2001, "Carla")
    await carla.send(f"/start {code}")
    monkeypatch.setattr(invites, "redeem", kill_after(invites.redeem))
    press = await killed_on(first, carla.press("Akkoord"))
    monkeypatch.undo()

    seen = await delivered_again(services, fake, press, (2001,))
    assert any("wijkcoach" in m.plain_text and "Elsrijk" in m.plain_text for m in seen)
    with services.db.session() as session:
        (invite,) = session.exec(select(Invite)).all()
    assert invite.uses == 1  # the second use is still there for the person it was meant for


# --- 3. claimed and never sent: poll results --------------------------------------------------


def results_of(person: Any) -> int:
    return sum("Uitslag: Wat pakken" in m.plain_text for m in person.messages)


async def voted_poll(harness: Harness, services: Services) -> tuple[Any, Any]:
    from tests.polls.test_poll_wizard import create_poll, member

    creator = await member(harness, services, 3001, "Bea")
    voter = await member(harness, services, 3002, "Bram")
    await create_poll(harness, creator, closes="Over 3 dagen")
    await voter.press("Bankjes")
    return creator, voter


async def test_results_claimed_by_a_killed_sweep_go_out_after_its_lease(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from bot.core.clock import FrozenClock
    from bot.polls import delivery, voting

    clock = services.clock = FrozenClock(services.clock.now())
    first = await restarted(services, fake)
    creator, voter = await voted_poll(first, services)
    clock.set(clock.now() + timedelta(days=4))
    monkeypatch.setattr(voting, "claim_results", kill_after(voting.claim_results))
    with pytest.raises(Killed):
        await delivery.sweep(first.app)
    monkeypatch.undo()
    await crash(first)

    second = await restarted(services, fake)
    try:
        clock.set(clock.now() + timedelta(minutes=10))  # the dead sweep's lease ran out
        await delivery.sweep(second.app)
        await delivery.wait_idle(second.app)
    finally:
        await second.__aexit__(None, None, None)
    assert results_of(creator) == 1 and results_of(voter) == 1


async def test_results_killed_half_way_resume_at_the_first_not_sent(
    services: Services, fake: FakeTelegram
) -> None:
    from datetime import timedelta

    from bot.core.clock import FrozenClock
    from bot.polls import delivery

    clock = services.clock = FrozenClock(services.clock.now())
    first = await restarted(services, fake)
    creator, voter = await voted_poll(first, services)
    clock.set(clock.now() + timedelta(days=4))
    kill_when_sending(fake, "sendMessage", voter.id)
    await delivery.sweep(first.app)
    with pytest.raises(Killed):
        await asyncio.gather(*list(delivery._tasks(first.app)))
    fake.handle = FakeTelegram.handle.__get__(fake)  # type: ignore[method-assign]
    await crash(first)
    assert results_of(creator) == 1 and results_of(voter) == 0

    second = await restarted(services, fake)
    try:
        clock.set(clock.now() + timedelta(minutes=10))
        await delivery.sweep(second.app)
        await delivery.wait_idle(second.app)
    finally:
        await second.__aexit__(None, None, None)
    assert results_of(creator) == 1 and results_of(voter) == 1


def kill_when_sending(
    fake: FakeTelegram, method: str, chat_id: int, *, after: bool = False
) -> None:
    """kill -9 as the bot calls `method` for `chat_id`: before Telegram has it, or (`after`)
    right after Telegram took it, before the bot heard the answer."""
    real = fake.handle

    async def dying(name: str, params: Any) -> tuple[int, bytes]:
        hit = name == method and int(params.get("chat_id", 0)) == chat_id
        if hit and not after:
            raise Killed()
        answer = await real(name, params)
        if hit:
            raise Killed()
        return answer

    fake.handle = dying  # type: ignore[method-assign]


# --- 4. after a timeout: not sent twice ---------------------------------------------------------


async def test_a_poll_send_that_timed_out_but_arrived_is_not_sent_again(
    bot: Harness, services: Services
) -> None:
    from models import PollDelivery
    from tests.polls.test_poll_wizard import create_poll, member

    creator = await member(bot, services, 3001, "Bea")
    voter = await member(bot, services, 3002, "Bram")
    bot.fake.fail_next("sendMessage", chat_id=voter.id, error="late")
    await create_poll(bot, creator)
    assert sum("Wat pakken we eerst aan?" in m.plain_text for m in voter.messages) == 1
    with services.db.session() as session:
        (row,) = session.exec(select(PollDelivery)).all()
    assert row.status == "sent"


# --- 3. claimed and never sent: the digest ------------------------------------------------------


async def due_digest(services: Services, fake: FakeTelegram) -> tuple[Harness, Any, Any]:
    """A coach of Elsrijk whose week-47 digest is due; the clock just past its moment."""
    from datetime import timedelta

    from bot.core.clock import FrozenClock
    from tests.digest.test_digest import DUE, observe
    from tests.digest.test_digest_delivery import coach

    clock = services.clock = FrozenClock(DUE - timedelta(hours=1))
    first = await restarted(services, fake)
    anna = coach(first, services, 5001, "elsrijk")
    observe(services, "Te hard rijden op de Keizer Karelweg")
    clock.set(DUE + timedelta(minutes=1))
    return first, anna, clock


def parts_of(anna: Any) -> list[str]:
    return [m.kind for m in anna.messages]


async def taken_over(services: Services, fake: FakeTelegram, clock: Any) -> int:
    """A new Application on the same database; runs of the job before and after the dead
    sender's lease ran out. How many digests the later run sent."""
    from datetime import timedelta

    from bot.digest import jobs

    second = await restarted(services, fake)
    try:
        assert await jobs.send_due(services, second.app.bot) == 0  # still held
        clock.advance(timedelta(minutes=30))  # the dead sender renewed nothing meanwhile
        return await jobs.send_due(services, second.app.bot)
    finally:
        await second.__aexit__(None, None, None)


async def test_a_digest_claimed_by_a_killed_run_goes_out_once_its_lease_ran_out(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.digest import jobs
    from tests.digest.test_digest_delivery import digests

    first, anna, clock = await due_digest(services, fake)
    monkeypatch.setattr(jobs, "claim", kill_after(jobs.claim))
    with pytest.raises(Killed):
        await jobs.send_due(services, first.app.bot)
    monkeypatch.undo()
    await crash(first)
    assert [d.status for d in digests(services)] == ["pending"] and anna.messages == []

    assert await taken_over(services, fake, clock) == 1
    texts = parts_of(anna).count("text")
    assert texts >= 1 and parts_of(anna) == ["text"] * texts + ["photo", "document"]
    (row,) = digests(services)
    assert (row.status, row.parts_sent, row.parts_total) == ("sent", texts + 2, texts + 2)
    assert row.claimed_until is None


async def test_a_digest_killed_after_its_first_parts_resumes_at_the_list(
    services: Services, fake: FakeTelegram
) -> None:
    from bot.digest import jobs
    from tests.digest.test_digest_delivery import digests

    first, anna, clock = await due_digest(services, fake)
    kill_when_sending(fake, "sendDocument", anna.id)
    with pytest.raises(Killed):
        await jobs.send_due(services, first.app.bot)
    fake.handle = FakeTelegram.handle.__get__(fake)  # type: ignore[method-assign]
    await crash(first)
    texts = parts_of(anna).count("text")
    assert parts_of(anna) == ["text"] * texts + ["photo"]  # the text and chart, no list

    assert await taken_over(services, fake, clock) == 1
    assert parts_of(anna) == ["text"] * texts + ["photo", "document"]
    (row,) = digests(services)
    assert (row.status, row.parts_sent) == ("sent", texts + 2)


# --- 4. after a timeout, and a 502 on the first call: wijkbot digest --send ---------------------


async def cli_send(services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> int:
    from bot.fake_telegram import FakeTelegramServer
    from tests.digest.test_digest_cli import run
    from tests.helpers import FAKE_TOKEN

    async with FakeTelegramServer(fake) as server:
        monkeypatch.setenv("WIJKBOT_TOKEN", FAKE_TOKEN)
        monkeypatch.setenv("WIJKBOT_BOT_API_URL", server.base_url)
        monkeypatch.setenv("WIJKBOT_TELEGRAM_BOT_API_FILE_URL", server.base_file_url)
        return await asyncio.to_thread(run, "--wijk", "elsrijk", "--period", "2026-W47", "--send")


def cli_coach(services: Services, fake: FakeTelegram) -> int:
    from models import Role
    from tests.digest.test_digest import observe, person

    observe(services, "Parkeren is onmogelijk, auto's op de stoep")
    person(services, 7001, role=Role.COACH)
    fake.add_user(7001, "Coach", started=True)  # a coach, so someone who started the bot
    return 7001


def sent_to(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m.kind for m in fake.messages.get(chat_id, []) if m.from_bot]


async def test_a_part_that_timed_out_but_arrived_is_not_sent_again_by_a_rerun(
    cli_services: Services, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.digest.test_digest_delivery import digests

    fake = FakeTelegram()
    chat = cli_coach(cli_services, fake)
    fake.fail_next("sendPhoto", error="late")  # the chart arrives; its answer does not
    assert await cli_send(cli_services, fake, monkeypatch) == 0
    await cli_send(cli_services, fake, monkeypatch)  # the operator runs it again, to be sure
    assert sent_to(fake, chat).count("photo") == 1 and sent_to(fake, chat)[-1] == "document"
    (row,) = digests(cli_services)
    texts = sent_to(fake, chat).count("text")
    assert (row.status, row.parts_sent) == ("sent", texts + 2)
    assert row.error == f"may be missing: part {texts + 1}"
    assert "already sent" in capsys.readouterr().err


async def test_a_502_on_the_first_call_is_tried_again(
    cli_services: Services, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.digest.test_digest_delivery import digests

    fake = FakeTelegram()
    chat = cli_coach(cli_services, fake)
    fake.fail_next("getMe", error="bad_gateway")
    assert await cli_send(cli_services, fake, monkeypatch) == 0
    assert "sent 2026-W47" in capsys.readouterr().err
    assert sent_to(fake, chat)[-2:] == ["photo", "document"]
    assert [d.status for d in digests(cli_services)] == ["sent"]
