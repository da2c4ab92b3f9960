"""A reopened observation that a coach had answered: the coach can answer again, the digest
lists it as waiting for an answer, and the earlier answer stays in its history and in the
sender's /mijngegevens; a Versturen of the earlier answer (or reply) that Telegram delivers again
after the reopen stores nothing a second time (through the real Application on the fake Bot
API)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.context import Services
from bot.core.clock import Clock, FrozenClock
from bot.core.i18n import format_date, t
from bot.fake_telegram import FakeTelegram, Harness
from bot.fake_telegram.users import Person as FakePerson
from bot.observations import coach, workflow
from bot.people.permissions import load_actor
from bot.privacy import personal_data
from bot.telegram import flows
from models import Observation, Role
from tests.helpers import join_as, onboard
from tests.observations.test_coach import file, observation, open_card, person_of
from tests.telegram.test_exactly_once import (
    _dying_coroutine_after as dying_after,
)
from tests.telegram.test_exactly_once import (
    coach_typed_answer,
    kill_after,
    killed_on,
    reply_killed_after_its_commit,
    restarted,
)

FIRST = "Ik heb het doorgegeven aan de vervoerder"


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(Clock().now())


async def answered(bot: Harness, services: Services) -> tuple[FakePerson, FakePerson, Observation]:
    """Alice's observation, answered by Carla, wijkcoach of Elsrijk."""
    alice = await onboard(bot, 1001, "Alice")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    obs = await file(alice, services, "De bus naar het centrum rijdt niet meer op zondag")
    await open_card(carla, obs)
    await carla.press("Beantwoorden")
    await carla.send(FIRST)
    await carla.press("Versturen")
    return alice, carla, obs


async def test_a_reopened_answered_observation_can_be_answered_again_and_waits_in_the_digest(
    bot: Harness, services: Services
) -> None:
    assert isinstance(services.clock, FrozenClock)
    alice, carla, obs = await answered(bot, services)
    await alice.press("Terugschrijven", message=alice.last)
    await alice.send("Dank je, ik wacht af")
    await alice.press("Versturen")
    set_status(services, obs, "resolved")
    services.desk_notices.wake()
    await services.desk_notices.idle()
    await alice.press("Nog steeds niet opgelost", message=alice.last)
    assert "staat weer open" in alice.last.plain_text

    stored = observation(services, obs.id or 0)
    assert stored.status == "new" and stored.answer_text is None and stored.answered_at is None
    assert stored.reply_text is None

    # The digest, ten days on: it waits for an answer.
    services.clock.advance(timedelta(days=10))
    await carla.send("/digest")
    digest = "\n".join(m.plain_text for m in carla.messages if "Hier is aandacht" in m.plain_text)
    assert "Nog geen antwoord" in digest and obs.reference in digest

    # The coach can answer again.
    await open_card(carla, obs)
    assert "Beantwoorden" in carla.last.button_texts
    await carla.press("Beantwoorden")
    await carla.send("De vervoerder rijdt vanaf maart weer op zondag")
    await carla.press("Versturen")
    assert "bij de schrijver aangekomen" in carla.last.plain_text
    assert "vanaf maart" in alice.last.plain_text
    stored = observation(services, obs.id or 0)
    assert stored.answer_text == "De vervoerder rijdt vanaf maart weer op zondag"

    # The earlier answer and reply: in the history, and in the sender's export.
    with services.db.session() as session:
        steps = [(e.kind, e.detail) for e in workflow.history(session, obs.id or 0)]
        exported = personal_data.export_person(session, person_of(services, 1001).id or 0)
    assert ("answer", FIRST) in steps and ("reply", "Dank je, ik wacht af") in steps
    (mine,) = exported["observations"]
    assert {"kind": "answer", "detail": FIRST, "by": "wijkcoach"}.items() <= next(
        h for h in mine["history"] if h["kind"] == "answer" and h["detail"]
    ).items()
    assert any(h["detail"] == "Dank je, ik wacht af" for h in mine["history"])


async def test_a_coachs_reopen_of_an_answered_observation_lets_them_answer_again(
    bot: Harness, services: Services
) -> None:
    # "Nieuw" set by a coach (the desk's status form) means the same as the sender's reopen.
    _alice, carla, obs = await answered(bot, services)
    set_status(services, obs, "new")
    stored = observation(services, obs.id or 0)
    assert stored.status == "new" and stored.answer_text is None
    await open_card(carla, obs)
    assert "Beantwoorden" in carla.last.button_texts
    with services.db.session() as session:
        steps = [(e.kind, e.detail) for e in workflow.history(session, obs.id or 0)]
    assert ("answer", FIRST) in steps


# --- what the coach's card says of a reopen -------------------------------------------------------


def card_date(services: Services) -> str:
    """Today as the card writes it (the clock is frozen)."""
    return format_date(services.clock.now(), "nl", services.config.general.tz)


async def test_the_card_of_a_hidden_observation_the_sender_objected_to_says_so(
    bot: Harness, services: Services
) -> None:
    """Hidden with a reason, "Klopt niet" from the sender: the card is not a plain "Nieuw", it
    says it was hidden, why, and that the sender objected (the coach would hide it again
    without knowing)."""
    alice = await onboard(bot, 1001, "Alice")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    obs = await file(alice, services, "De stoep bij de Laan van Ouderkerk ligt vol losse tegels")
    await open_card(carla, obs)
    assert "Weer open" not in carla.last.plain_text
    await carla.press("Verbergen")
    await carla.press("Iets anders")
    await carla.send("Geen melding voor de wijkcoach")
    await carla.press("Verbergen")
    await alice.press("Klopt niet")

    card = (await open_card(carla, obs)).plain_text
    assert "Status: Nieuw" in card
    assert (
        f"Weer open sinds {card_date(services)}. Eerder: Verborgen (reden: Geen melding voor de"
        " wijkcoach). De schrijver vond dat niet terecht."
    ) in card
    assert "Verbergen" in carla.last.button_texts  # they may, knowing it

    await carla.send("/language")
    await carla.press("English")
    await carla.send("/reports")
    await carla.press(f"Open {obs.reference}")
    assert (
        "Before: Hidden (reason: Geen melding voor de wijkcoach). The sender did not think that"
        " was right."
    ) in carla.last.plain_text


async def test_the_card_of_an_answer_that_did_not_solve_it_shows_the_earlier_answer(
    bot: Harness, services: Services
) -> None:
    alice, carla, obs = await answered(bot, services)
    set_status(services, obs, "resolved")
    services.desk_notices.wake()
    await services.desk_notices.idle()
    await alice.press("Nog steeds niet opgelost", message=alice.last)

    card = (await open_card(carla, obs)).plain_text
    assert "Eerder: Opgelost. Volgens de schrijver is het nog niet opgelost." in card
    assert f"Eerder antwoord ({card_date(services)}):\n{FIRST}" in card
    assert "Beantwoorden" in carla.last.button_texts

    # A coach's own "Nieuw" (the desk's status form) after it was referred: said as such.
    set_status(services, obs, "referred", referred_to="Vervoerregio")
    set_status(services, obs, "new")
    card = (await open_card(carla, obs)).plain_text
    assert (
        "Eerder: Doorgestuurd naar Vervoerregio. Een wijkcoach zette de melding terug op Nieuw."
    ) in card


# --- a Versturen delivered again after a reopen: stored once, whatever happened in between ------


def answer_events(services: Services, obs: Observation) -> list[tuple[str, str | None]]:
    with services.db.session() as session:
        return [
            (e.kind, e.detail)
            for e in workflow.history(session, obs.id or 0)
            if e.kind in ("answer", "reply")
        ]


def set_status(
    services: Services, obs: Observation, status: str, *, referred_to: str | None = None
) -> None:
    """Carla (2001) moves it to `status`, as the desk's status form does."""
    with services.db.session() as session:
        workflow.change_status(
            session,
            load_actor(session, 2001),
            obs.id or 0,
            status,
            now=services.clock.now(),
            referred_to=referred_to,
        )


def bot_said(person_id: int, fake: FakeTelegram, words: str) -> list[str]:
    return [
        m.text or "" for m in fake.messages[person_id] if m.from_bot and words in (m.text or "")
    ]


@pytest.mark.parametrize("killed", ["behind the commit", "behind the flow's end"])
async def test_an_answer_delivered_again_after_a_reopen_is_not_stored_again(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch, killed: str
) -> None:
    first = await restarted(services, fake)
    _alice, carla, obs = await coach_typed_answer(first, services)
    if killed == "behind the commit":
        monkeypatch.setattr(coach, "answer", kill_after(coach.answer))
    else:
        monkeypatch.setattr(flows, "save", dying_after(flows.save, ended=True))
    preview = carla.last
    press = await killed_on(first, carla.press("Versturen"))
    monkeypatch.undo()
    set_status(services, obs, "new")  # before Telegram delivers the press again

    second = await restarted(services, fake)
    try:
        seen = await second.act(press, chats=(2001,))
        told = t("nl", "coach.answer_stored_before", reference=obs.reference)
        assert any(told in m.plain_text for m in seen), [m.plain_text for m in seen]
        stored = observation(services, obs.id or 0)
        assert stored.status == "new" and stored.answer_text is None
        assert answer_events(services, obs) == [("answer", "Dank je, we gaan het maken")]
        assert bot_said(1001, fake, "gaan het maken") == []  # not delivered after the reopen

        # A fresh answer after the reopen works; the old Versturen, pressed once more, still
        # stores nothing.
        carla = second.user(2001, "Carla")
        await open_card(carla, obs)
        await carla.press("Beantwoorden")
        await carla.send("De lantaarn is morgen gemaakt")
        await carla.press("Versturen")
        assert "bij de schrijver aangekomen" in carla.last.plain_text
        seen = await carla.press("Versturen", message=preview)
        shown = next(m for m in carla.messages if m.message_id == preview.message_id)
        assert told in shown.plain_text and carla.alerts == [], (shown.plain_text, carla.alerts)
        assert second.errors == []
    finally:
        await second.__aexit__(None, None, None)
    stored = observation(services, obs.id or 0)
    assert stored.answer_text == "De lantaarn is morgen gemaakt"
    assert answer_events(services, obs) == [
        ("answer", "Dank je, we gaan het maken"),
        ("answer", None),
    ]
    assert len(bot_said(1001, fake, "morgen gemaakt")) == 1


async def test_a_reply_delivered_again_after_a_reopen_is_not_a_reply_to_the_next_answer(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    obs, press = await reply_killed_after_its_commit(services, fake, monkeypatch)
    set_status(services, obs, "new")

    second = await restarted(services, fake)
    try:
        # Carla answers again before Telegram delivers Alice's press again.
        carla = second.user(2001, "Carla")
        await open_card(carla, obs)
        await carla.press("Beantwoorden")
        await carla.send("We komen donderdag kijken")
        await carla.press("Versturen")
        seen = await second.act(press, chats=(1001,))
        told = t("nl", "coach.reply_stored_before", reference=obs.reference)
        assert any(told in m.plain_text for m in seen), [m.plain_text for m in seen]
        stored = observation(services, obs.id or 0)
        assert stored.answer_text == "We komen donderdag kijken" and stored.reply_text is None
        assert bot_said(2001, fake, "Super, dank!") == []

        # Alice can still reply once to the new answer.
        alice = second.user(1001, "Alice")
        answer = next(m for m in reversed(alice.messages) if "donderdag" in m.plain_text)
        await alice.press(t("nl", "coach.btn_reply"), message=answer)
        await alice.send("Fijn, tot donderdag")
        await alice.press("Versturen")
        assert second.errors == []
    finally:
        await second.__aexit__(None, None, None)
    stored = observation(services, obs.id or 0)
    assert stored.reply_text == "Fijn, tot donderdag"
    assert answer_events(services, obs) == [
        ("answer", "Dank je, we gaan het maken"),
        ("reply", "Super, dank!"),
        ("answer", None),
        ("reply", None),
    ]
