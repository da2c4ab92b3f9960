"""A BIG and its Telegram group, as the members see it: the group, its polls, the poll wizard."""

from __future__ import annotations

from sqlmodel import select

from bot.context import Services
from bot.fake_telegram import Harness
from bot.polls import delivery
from models import Poll, Role
from tests.helpers import join_as, onboard
from tests.polls.test_poll_wizard import GROUP_ID, create_poll, link_group, member


def the_poll(services: Services) -> Poll:
    with services.db.session() as session:
        return session.exec(select(Poll)).one()


async def test_the_group_s_result_explains_votes_it_did_not_count(
    bot: Harness, services: Services
) -> None:
    """In the group's own Telegram poll everyone in the group can vote, and everyone sees the
    counts. Bea (BIG) and Olga (who lives in Groenelaan) choose Speeltuin, Sam (never used the
    bot) chooses Speeltuin too: Telegram shows Speeltuin 3 votes. The bot's result in the same
    group says "Aantal mensen dat stemde: 1" and nothing about the two other votes: the group
    sees two different outcomes of one poll. Expected: the result in the group says how many
    votes were not counted (and why), or counts them."""
    bea = await member(bot, services, 2001, "Bea")
    await link_group(bot, bea)
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    poll_id = the_poll(services).telegram_poll_id
    assert poll_id is not None
    olga = await onboard(bot, 2200, "Olga", wijk="Groenelaan")
    sam = bot.user(2300, "Sam")
    for person in (bea, olga, sam):
        await person.answer_poll(poll_id, [0])

    await bea.send("/stemmen")
    await bea.press("Beheren")
    await bea.press("Nu sluiten")
    await bea.press("Ja, nu sluiten")
    await delivery.wait_idle(bot.app)

    (result,) = [m.plain_text for m in bot.bot_messages(GROUP_ID) if "Uitslag:" in m.plain_text]
    assert "stemde: 3" in result or "niet meegeteld" in result or "niet geteld" in result, result


async def test_an_english_admin_who_adds_the_bot_is_told_how_to_link_in_english(
    bot: Harness, services: Services
) -> None:
    """Bob, a BIG member whose Telegram and bot are in English, adds the bot to his BIG's
    group. The only message is in Dutch ("Hallo! ... typ /verbind ..."), though the bot knows
    who added it and speaks English with him everywhere else. Expected: the hello also says
    it in English (with /link)."""
    bob = await join_as(bot, services, 2001, "Bob", Role.BIG, "elsrijk")
    await bob.send("/language")
    await bob.press("English")
    group = bot.group(-1009999, "BIG Elsrijk", admins=[bob.id], bot_is_member=False)

    said = await bob.add_bot(group)

    assert said and "/link" in said[-1].plain_text, [m.plain_text for m in said]
