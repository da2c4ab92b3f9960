"""Who took part (bot/people/participation.py), one definition in the three places that count
it: the coach's digest ("Mensen die meededen"), the blind spots' people whose "Over jou" is
counted (bot/spiegel/blind_spots.py representation), and whom the menu asks "Over jou".

Alice sends an observation; Bob does one thing only; then the three places must agree on Bob
(through the real Application where a person sees it, on SQLite and PostgreSQL).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.context import Services
from bot.fake_telegram import Harness
from bot.fake_telegram.users import Person as FakePerson
from bot.observations import filing, workflow
from bot.people.permissions import load_actor
from bot.spiegel import blind_spots
from models import Observation, Reaction, Role, Verdict, Wijk
from tests.helpers import join_as, onboard
from tests.observations.test_coach import file, person_of
from tests.observations.test_same_matter import TILES_A, TILES_B, asked
from tests.polls.test_poll_wizard import create_poll
from tests.polls.test_polls import poll_message
from tests.spiegel.test_spiegel import COMMENT, NOT_RECOGNISE, RECOGNISE, item_id, load, statement

ALICE, BOB, CARLA, DIRK = 1001, 1002, 2001, 1003
OVER_JOU = "Wil je iets over jezelf vertellen?"


class World:
    def __init__(self, bot: Harness, services: Services, bob: FakePerson, carla: FakePerson):
        self.bot, self.services, self.bob, self.carla = bot, services, bob, carla

    def set_status(self, obs: Observation, to: str, **values: object) -> None:
        """Carla moves an observation (the desk's status form)."""
        with self.services.db.session() as session:
            workflow.change_status(
                session,
                load_actor(session, CARLA),
                obs.id or 0,
                to,
                now=self.services.clock.now(),
                **values,  # type: ignore[arg-type]
            )

    def observation_of(self, telegram_id: int) -> Observation:
        person = person_of(self.services, telegram_id)
        with self.services.db.session() as session:
            return session.exec(select(Observation).where(Observation.person_id == person.id)).one()


async def world(bot: Harness, services: Services) -> World:
    """Alice's observation (she took part); Bob and Carla, the wijkcoach, in Elsrijk."""
    load(services, "elsrijk")
    alice = await onboard(bot, ALICE, "Alice")
    bob = await onboard(bot, BOB, "Bob")
    carla = await join_as(bot, services, CARLA, "Carla", Role.COACH, "elsrijk")
    await file(alice, services, "De bus naar het centrum rijdt niet meer op zondag")
    return World(bot, services, bob, carla)


# --- what Bob does, and nothing else ---------------------------------------------------------


async def voted(w: World) -> None:
    await create_poll(w.bot, w.carla, audience="Iedereen in de wijk")
    await w.bob.press("Bankjes", message=poll_message(w.bob))


async def reacted(w: World) -> None:
    await w.bob.send("/spiegel")
    page = await w.bob.press("Wat gaat goed? (4)")
    await w.bob.press(RECOGNISE, message=statement(page, "Er is veel groen."))


async def commented(w: World) -> None:
    await w.bob.send("/spiegel")
    page = await w.bob.press("Wat kan beter? (2)")
    await w.bob.press(COMMENT, message=statement(page, "Voor jongeren"))
    await w.bob.send("Er is geen plek om te voetballen.")


async def supported(w: World, then: str | None = None) -> None:
    """Bob says "ik ook" to Dirk's observation; then Carla perhaps hides it."""
    dirk = await onboard(w.bot, DIRK, "Dirk")
    await asked(dirk, TILES_A)
    await asked(w.bob, TILES_B)
    await w.bob.press("Ja, dat bedoel ik ook")
    if then == "hidden":
        w.set_status(w.observation_of(DIRK), "hidden", reason="Spam")


async def supported_a_hidden_one(w: World) -> None:
    await supported(w, "hidden")


async def sent_one_hidden_since(w: World) -> None:
    await file(w.bob, w.services, "Er staat al weken een kapotte fiets bij de brug")
    w.set_status(w.observation_of(BOB), "hidden", reason="Spam")


async def sent_one_withdrawn_since(w: World) -> None:
    await file(w.bob, w.services, "Er staat al weken een kapotte fiets bij de brug")
    obs, bob = w.observation_of(BOB), person_of(w.services, BOB)
    with w.services.db.session() as session:
        assert (
            filing.withdraw_keeping_supporters(
                session, bob.id or 0, obs.id or 0, now=w.services.clock.now()
            )
            == []
        )


async def sent_a_duplicate(w: World) -> None:
    """What Alice said, again, not as "ik ook": Carla marks it a duplicate of hers."""
    await w.bob.send("/melding")
    await w.bob.send("Op zondag rijdt er geen bus meer naar het centrum")
    for step in ("Wat kan beter?", "Wonen", "Overslaan", "Nee, alleen", "Versturen"):
        await w.bob.press(step)
    assert "Dit is al gemeld" in w.bob.last.plain_text
    await w.bob.press("Nee, het is iets anders")
    assert "Je melding is bewaard" in w.bob.last.plain_text
    w.set_status(w.observation_of(BOB), "duplicate", duplicate_of_id=w.observation_of(ALICE).id)


# What Bob does; whether he took part by it; who else took part beside Alice (Dirk, when he
# sent the observation Bob said "ik ook" to and it still counts).
SCENARIOS: dict[str, tuple[Callable[[World], Awaitable[None]], bool, int]] = {
    "only voted": (voted, True, 0),
    "only reacted to a statement": (reacted, True, 0),
    "only commented on a statement": (commented, True, 0),
    "only said ik ook": (supported, True, 1),
    "only said ik ook to an observation hidden since": (supported_a_hidden_one, False, 0),
    "only sent an observation hidden since": (sent_one_hidden_since, False, 0),
    "only sent an observation withdrawn since": (sent_one_withdrawn_since, False, 0),
    "only sent a duplicate": (sent_a_duplicate, True, 0),
}


# --- what the three places say -----------------------------------------------------------------


async def digest_participants(w: World) -> int:
    """ "Mensen die meededen" in the digest Carla asks for now."""
    await w.carla.send("/digest")
    (line,) = {
        found.group(1)
        for m in w.carla.messages
        if (found := re.search(r"Mensen die meededen: (\d+)", m.plain_text))
    }
    return int(line)


def represented(w: World) -> int:
    """The people the blind spots count for "whose voice is missing", around now."""
    now = w.services.clock.now()
    with w.services.db.session() as session:
        wijk = session.exec(select(Wijk).where(Wijk.slug == "elsrijk")).one()
        found = blind_spots.representation(
            session, wijk.id or 0, now - timedelta(days=1), now + timedelta(days=1), {}
        )
    return found.participants


async def asked_about_themself(person: FakePerson) -> bool:
    (menu,) = await person.send("/menu")
    return OVER_JOU in menu.plain_text


@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_the_digest_the_blind_spots_and_over_jou_agree_on_who_took_part(
    bot: Harness, services: Services, scenario: str
) -> None:
    w = await world(bot, services)
    action, took_part, others = SCENARIOS[scenario]
    await action(w)
    people = 1 + others + took_part  # Alice, and Bob when he took part
    assert not any(OVER_JOU in m.plain_text for m in w.bob.messages)  # not asked before
    seen = (await digest_participants(w), represented(w), await asked_about_themself(w.bob))
    assert seen == (people, people, took_part)
    assert bot.errors == []


async def test_a_reaction_changed_in_the_period_is_taking_part_in_it(
    bot: Harness, services: Services
) -> None:
    # Bob recognised a statement a month ago, and now changes his mind: he takes part now (as
    # he would with a comment now), but not for the first time.
    w = await world(bot, services)
    bob = person_of(services, BOB)
    month_ago = services.clock.now() - timedelta(days=30)
    with services.db.session() as session:
        wijk = session.exec(select(Wijk).where(Wijk.slug == "elsrijk")).one()
        session.add(
            Reaction(
                item_id=item_id(services, "groen"),
                wijk_id=wijk.id or 0,
                person_id=bob.id,
                verdict=Verdict.RECOGNISE.value,
                created_at=month_ago,
                updated_at=month_ago,
            )
        )
        session.commit()
    assert represented(w) == 1
    await w.bob.send("/spiegel")
    page = await w.bob.press("Wat gaat goed? (4)")
    await w.bob.press(NOT_RECOGNISE, message=statement(page, "Er is veel groen."))
    assert (await digest_participants(w), represented(w)) == (2, 2)
    first_time = next(m for m in w.carla.messages if "Voor het eerst meegedaan" in m.plain_text)
    assert "Voor het eerst meegedaan: 1" in first_time.plain_text  # Alice
