"""A BIG and its Telegram group, as the members see it: the group, its polls, the poll wizard."""

from __future__ import annotations

from sqlmodel import select

from bot.context import Services
from bot.fake_telegram import Harness
from models import Poll, Role
from tests.helpers import join_as
from tests.polls.test_poll_wizard import member


def the_poll(services: Services) -> Poll:
    with services.db.session() as session:
        return session.exec(select(Poll)).one()


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
