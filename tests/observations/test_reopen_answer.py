"""A reopened observation that a coach had answered: the coach can answer again, the digest
lists it as waiting for an answer, and the earlier answer stays in its history and in the
sender's /mijngegevens (through the real Application on the fake Bot API)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.context import Services
from bot.core.clock import Clock, FrozenClock
from bot.fake_telegram import Harness
from bot.fake_telegram.users import Person as FakePerson
from bot.observations import workflow
from bot.people.permissions import load_actor
from bot.privacy import personal_data
from models import Observation, Role
from tests.helpers import join_as, onboard
from tests.observations.test_coach import file, observation, open_card, person_of

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
    with services.db.session() as session:
        workflow.change_status(
            session, load_actor(session, 2001), obs.id or 0, "resolved", now=services.clock.now()
        )
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
    with services.db.session() as session:
        workflow.change_status(
            session, load_actor(session, 2001), obs.id or 0, "new", now=services.clock.now()
        )
    stored = observation(services, obs.id or 0)
    assert stored.status == "new" and stored.answer_text is None
    await open_card(carla, obs)
    assert "Beantwoorden" in carla.last.button_texts
    with services.db.session() as session:
        steps = [(e.kind, e.detail) for e in workflow.history(session, obs.id or 0)]
    assert ("answer", FIRST) in steps
