"""A resident's life in English (and someone who switches language in the settings)."""

from __future__ import annotations

import json

from telegram import BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.context import Services
from bot.fake_telegram import FakeTelegram, Harness
from models import Role
from tests.helpers import join_as, onboard
from tests.polls.test_poll_wizard import create_poll


def shown_menu(fake: FakeTelegram, user_id: int, app_language: str) -> list[str]:
    """The command menu Telegram shows in this person's private chat: the chat's own menu if
    the bot set one, else the one for all private chats in the language of their Telegram app."""

    def commands(scope: object, lang: str) -> list[str]:
        key = (json.dumps(scope.to_dict(), sort_keys=True), lang)  # type: ignore[attr-defined]
        return [c["command"] for c in fake.commands.get(key, [])]

    own = commands(BotCommandScopeChat(user_id), "")
    return (
        own
        or commands(BotCommandScopeAllPrivateChats(), app_language)
        or commands(BotCommandScopeAllPrivateChats(), "")
    )


async def test_a_resident_who_switches_to_english_gets_the_command_menu_in_english(
    bot: Harness,
) -> None:
    """Noor's Telegram app is in Dutch. In /taal she chooses English: every reply is English
    and names /mydata, /report, /explain, but the command menu ("/" button) still lists
    /mijngegevens, /melding, /uitleg. Expected: the menu in the language she chose (a coach who
    switches gets that already)."""
    noor = await onboard(bot, 5002, "Noor")
    await noor.send("/taal")
    await noor.press("English")

    menu = shown_menu(bot.fake, noor.id, "nl")
    assert "mydata" in menu and "mijngegevens" not in menu, menu


async def test_a_resident_who_switches_to_dutch_gets_the_command_menu_in_dutch(
    bot: Harness,
) -> None:
    """The reverse: Emma's Telegram app is in English; she chooses Nederlands in /language.
    The replies are Dutch, the command menu stays English (/mydata, /report). Expected: the
    Dutch menu."""
    emma = await onboard(bot, 5001, "Emma", language_code="en")
    await emma.send("/language")
    await emma.press("Nederlands")

    menu = shown_menu(bot.fake, emma.id, "en")
    assert "mijngegevens" in menu and "mydata" not in menu, menu


async def test_one_ranking_vote_is_counted_as_one_vote_in_my_data(
    bot: Harness, services: Services
) -> None:
    """Emma puts three options of one poll in order and sends her vote once. /mydata then says
    "your votes (3)", and /forgetme "votes (3)": she voted once. Expected: "your votes (1)"."""
    emma = await onboard(bot, 5001, "Emma", language_code="en")
    coach = await join_as(bot, services, 7001, "Cora", Role.COACH, "elsrijk")
    if "Elsrijk" in coach.last.button_texts:
        await coach.press("Elsrijk")
    await create_poll(
        bot, coach, audience="Iedereen in de wijk", kind="Op volgorde zetten", hide="Nee"
    )
    for option in ("Speeltuin", "Bankjes", "Straatlicht", "Send my vote"):
        await emma.press(option)
    assert "Your vote is saved" in emma.last.plain_text

    await emma.send("/mydata")

    (summary,) = [m.plain_text for m in emma.messages if "This is your data" in m.plain_text]
    assert "your votes (1)" in summary, summary
