"""/vergeetmij and "ik ook": a supporter's own words (observation_supporter.text) are theirs, not
the author's. Erasing the author must not erase them; erasing the supporter asks, as for their
observations, whether to erase them or keep them without a name."""

from __future__ import annotations

from sqlmodel import select

from bot.context import Services
from bot.fake_telegram import Harness
from bot.fake_telegram.users import Person as FakePerson
from models import Observation, Role, Supporter
from tests.helpers import join_as, onboard
from tests.observations.test_same_matter import TILES_A, TILES_B, all_rows, asked
from tests.privacy.test_privacy import person_id

KEPT_UNDER_ANOTHERS = (
    "Wat je bij de melding van een ander schreef, blijft daar staan zonder je naam."
)


async def alice_and_bob_who_said_ik_ook(
    bot: Harness, services: Services
) -> tuple[FakePerson, FakePerson]:
    alice = await onboard(bot, 1001, "Alice")
    bob = await onboard(bot, 1002, "Bob")
    await asked(alice, TILES_A)
    await asked(bob, TILES_B)
    await bob.press("Ja, dat bedoel ik ook")
    (observation,), (supporter,) = all_rows(services)
    assert observation.text == TILES_A and supporter.text == TILES_B
    return alice, bob


async def test_an_author_who_erases_everything_leaves_a_supporters_words_to_them(
    bot: Harness, services: Services
) -> None:
    """Alice erases herself with all she sent. Bob's "ik ook" with his own words was his: it
    stays, as his own observation (as when Alice withdraws hers), and Alice's text is gone."""
    alice, bob = await alice_and_bob_who_said_ik_ook(bot, services)
    await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    bob_id = person_id(services, 1002)
    await alice.send("/vergeetmij")
    await alice.press("Wis ook alles wat ik stuurde")
    await alice.press("Ja, wis mijn gegevens voorgoed")
    observations, supporters = all_rows(services)
    assert all(TILES_A not in o.text for o in observations)
    assert all(TILES_A not in s.text for s in supporters)
    assert [(o.person_id, o.text) for o in observations] == [(bob_id, TILES_B)]
    (mine,) = await bob.send("/mijnmeldingen")
    assert TILES_B in mine.plain_text


async def test_a_supporter_is_asked_what_happens_to_their_ik_ook_words(
    bot: Harness, services: Services
) -> None:
    """Bob's words under Alice's observation are something he sent: /vergeetmij counts them and
    asks, and "Bewaar ze zonder naam of schuilnaam" keeps them without him (was: straight to
    "Weet je het zeker?", then they were erased although he was told of nothing sent)."""
    _, bob = await alice_and_bob_who_said_ik_ook(bot, services)
    (ask,) = await bob.send("/vergeetmij")
    assert "meldingen (1)" in ask.plain_text
    assert ask.button_texts == [
        "Wis ook alles wat ik stuurde",
        "Bewaar ze zonder naam of schuilnaam",
        "Nee, niets wissen",
    ]
    await bob.press("Bewaar ze zonder naam of schuilnaam")
    (done,) = await bob.press("Ja, wis mijn gegevens voorgoed")
    # Told where his words are now: under Alice's observation, not a melding of his own.
    assert KEPT_UNDER_ANOTHERS in done.plain_text
    assert person_id(services, 1002) is None
    (observation,), (supporter,) = all_rows(services)
    assert supporter.person_id is None and supporter.text == TILES_B
    assert observation.text == TILES_A and observation.person_id == person_id(services, 1001)


async def test_a_supporter_who_erases_everything_takes_their_words(
    bot: Harness, services: Services
) -> None:
    _, bob = await alice_and_bob_who_said_ik_ook(bot, services)
    await bob.send("/vergeetmij")
    await bob.press("Wis ook alles wat ik stuurde")
    await bob.press("Ja, wis mijn gegevens voorgoed")
    (observation,), supporters = all_rows(services)
    assert supporters == [] and observation.text == TILES_A
    with services.db.session() as session:
        assert session.exec(select(Supporter)).all() == []
        assert len(session.exec(select(Observation)).all()) == 1


async def test_only_a_supporter_is_told_where_their_kept_words_are(
    bot: Harness, services: Services
) -> None:
    """Alice, whose observation Bob's words are under, keeps hers: nothing about words under
    someone else's; Bob deleting everything is not told of them either."""
    alice, bob = await alice_and_bob_who_said_ik_ook(bot, services)
    await alice.send("/vergeetmij")
    await alice.press("Bewaar ze zonder naam of schuilnaam")
    (done,) = await alice.press("Ja, wis mijn gegevens voorgoed")
    assert "bewaard zonder naam of schuilnaam" in done.plain_text
    assert KEPT_UNDER_ANOTHERS not in done.plain_text
    await bob.send("/vergeetmij")
    await bob.press("Wis ook alles wat ik stuurde")
    (done,) = await bob.press("Ja, wis mijn gegevens voorgoed")
    assert "Je gegevens zijn gewist" in done.plain_text
    assert KEPT_UNDER_ANOTHERS not in done.plain_text
