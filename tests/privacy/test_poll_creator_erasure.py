"""/vergeetmij by a BIG member who created polls: the polls stay (a member's vote and the
result are the wijk's), without a creator, and the confirmation says so. Through the real bot."""

from __future__ import annotations

from sqlmodel import select

from bot.context import Services
from bot.fake_telegram import Harness
from models import Poll, Role
from tests.helpers import onboard
from tests.polls.test_poll_wizard import create_poll, member

STAYS_NL = "Stemmingen die je maakte blijven bestaan, zonder je naam."
STAYS_EN = "Polls you created stay, without your name."


async def test_erasing_everything_says_the_polls_one_made_stay(
    bot: Harness, services: Services
) -> None:
    bea = await member(bot, services, 3001, "Bea")
    await create_poll(bot, bea)
    await bea.send("/vergeetmij")
    (done,) = await bea.press("Ja, wis mijn gegevens voorgoed")
    assert "Je gegevens zijn gewist" in done.plain_text
    assert STAYS_NL in done.plain_text
    with services.db.session() as session:
        (poll,) = session.exec(select(Poll)).all()
        assert poll.creator_id is None and poll.question == "Wat pakken we eerst aan?"


async def test_erasing_everything_in_english_says_the_polls_one_made_stay(
    bot: Harness, services: Services
) -> None:
    cora = await member(bot, services, 3002, "Cora", Role.COACH)
    await create_poll(bot, cora, audience="Iedereen in de wijk")
    await cora.send("/taal")
    await cora.press("English")
    await cora.send("/forgetme")
    (done,) = await cora.press("Yes, erase my data for good")
    assert "Your data has been erased" in done.plain_text
    assert STAYS_EN in done.plain_text


async def test_someone_who_made_no_poll_is_not_told_of_polls(
    bot: Harness, services: Services
) -> None:
    rita = await onboard(bot, 3003, "Rita")
    await rita.send("/vergeetmij")
    (done,) = await rita.press("Ja, wis mijn gegevens voorgoed")
    assert "Je gegevens zijn gewist" in done.plain_text
    assert "Stemmingen" not in done.plain_text
