"""The command menu: everyone's commands for all private chats, a chat of someone who may do more
or less its own (a coach's with the coach's commands as well, a partner's without /stemmen:
bot/telegram/command_menu.py), each in the person's language with that language's command names
(bot/telegram/commands.py), through the real Application on both databases."""

from __future__ import annotations

import json
from typing import Any

from telegram import (
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)

from bot.context import Services
from bot.core.i18n import t
from bot.fake_telegram import FakeTelegram, Harness
from bot.telegram import command_menu, commands
from bot.wiring import group_commands, private_commands
from models import Role
from tests.conftest import make_app
from tests.digest.test_digest import person
from tests.helpers import join_as, onboard

COACH_ONLY = {"nl": {"meldingen", "wijkoverzicht"}, "en": {"reports", "summary"}}
EVERYONE = {
    "nl": {"start", "spiegel", "melding", "mijngegevens", "vergeetmij", "taal", "uitleg", "stop"},
    "en": {"start", "mirror", "report", "mydata", "forgetme", "language", "explain", "cancel"},
}


def menu(fake: FakeTelegram, scope: Any, lang: str = "") -> list[str]:
    """The commands Telegram would show for a scope (and language) the bot set."""
    key = (json.dumps(scope.to_dict(), sort_keys=True), lang)
    return [command["command"] for command in fake.commands.get(key, [])]


def descriptions(fake: FakeTelegram, scope: Any, lang: str = "") -> dict[str, str]:
    key = (json.dumps(scope.to_dict(), sort_keys=True), lang)
    return {c["command"]: c["description"] for c in fake.commands.get(key, [])}


async def test_everyone_sees_the_commands_for_everyone(bot: Harness) -> None:
    everyone = BotCommandScopeAllPrivateChats()
    for lang, names_in in (("nl", "nl"), ("en", "en"), ("", "nl")):  # Dutch is the default
        names = menu(bot.fake, everyone, lang)
        assert EVERYONE[names_in] <= set(names), lang
        assert not COACH_ONLY["nl"] & set(names), lang
        assert not COACH_ONLY["en"] & set(names), lang
    # English-speaking people see only English names, Dutch-speaking ones only Dutch.
    assert not {"mijngegevens", "vergeetmij", "taal", "koppel"} & set(
        menu(bot.fake, everyone, "en")
    )
    assert "cancel" not in menu(bot.fake, everyone, "nl")
    # A resident's chat has no menu of its own: they see everyone's.
    await onboard(bot, 1001, "Alice")
    assert menu(bot.fake, BotCommandScopeChat(1001)) == []


async def test_groups_get_the_group_commands_by_their_names_in_each_language(bot: Harness) -> None:
    groups = BotCommandScopeAllGroupChats()
    assert menu(bot.fake, groups, "nl") == [commands.name(c, "nl") for c in group_commands()]
    assert menu(bot.fake, groups, "en") == [commands.name(c, "en") for c in group_commands()]
    assert menu(bot.fake, groups, "nl") == ["verbind"] and menu(bot.fake, groups, "en") == ["link"]
    assert descriptions(bot.fake, groups, "en")["link"] == t("en", "commands.koppel")


async def test_a_coach_invite_gives_the_chat_the_coach_commands(
    bot: Harness, services: Services
) -> None:
    await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await join_as(bot, services, 2002, "Bert", Role.BIG, "elsrijk")
    coach_menu = descriptions(bot.fake, BotCommandScopeChat(2001))
    assert list(coach_menu) == [commands.name(c, "nl") for c in private_commands()]
    assert set(coach_menu) >= COACH_ONLY["nl"]
    assert coach_menu["wijkoverzicht"] == t("nl", "commands.digest")
    assert menu(bot.fake, BotCommandScopeChat(2002)) == []  # a BIG member: everyone's menu


async def test_a_coach_who_changes_language_gets_the_menu_in_that_language(
    bot: Harness, services: Services
) -> None:
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await carla.send("/taal")
    await carla.press("English")
    coach_menu = descriptions(bot.fake, BotCommandScopeChat(2001))
    assert set(coach_menu) >= COACH_ONLY["en"]
    assert coach_menu["summary"] == t("en", "commands.digest") != t("nl", "commands.digest")


def shown_menu(fake: FakeTelegram, user_id: int, app_language: str) -> list[str]:
    """The command menu Telegram shows in this person's private chat: the chat's own menu if
    the bot set one, else everyone's in the language of their Telegram app (Dutch for one we
    do not have)."""
    everyone = BotCommandScopeAllPrivateChats()
    return (
        menu(fake, BotCommandScopeChat(user_id))
        or menu(fake, everyone, app_language)
        or menu(fake, everyone)
    )


async def test_a_resident_who_switches_to_english_gets_the_command_menu_in_english(
    bot: Harness,
) -> None:
    """Noor's Telegram app is in Dutch. In /taal she chooses English: the replies name
    /mydata, /report, /explain, and so does the command menu ("/" button). Back to Dutch:
    her chat's own menu goes, everyone's Dutch one fits her again."""
    noor = await onboard(bot, 5002, "Noor")
    await noor.send("/taal")
    await noor.press("English")

    shown = shown_menu(bot.fake, noor.id, "nl")
    assert EVERYONE["en"] <= set(shown) and not (EVERYONE["nl"] - {"start"}) & set(shown), shown
    assert not COACH_ONLY["en"] & set(shown)
    assert descriptions(bot.fake, BotCommandScopeChat(noor.id))["mydata"] == t(
        "en", "commands.mijngegevens"
    )
    await noor.send("/language")
    await noor.press("Nederlands")
    assert menu(bot.fake, BotCommandScopeChat(noor.id)) == []
    assert "mijngegevens" in shown_menu(bot.fake, noor.id, "nl")


async def test_a_resident_who_switches_to_dutch_gets_the_command_menu_in_dutch(
    bot: Harness,
) -> None:
    """The reverse: Emma's Telegram app is in English; she chooses Nederlands in /language:
    the Dutch menu (/mijngegevens, /melding), not the English one."""
    emma = await onboard(bot, 5001, "Emma", language_code="en")
    assert "mydata" in shown_menu(bot.fake, emma.id, "en")
    await emma.send("/language")
    await emma.press("Nederlands")

    shown = shown_menu(bot.fake, emma.id, "en")
    assert "mijngegevens" in shown and "mydata" not in shown, shown


async def test_the_language_chosen_before_akkoord_is_the_menu_s_too(bot: Harness) -> None:
    """Carla's app is in German (everyone's menu: Dutch). On the privacy statement she
    chooses English, then Akkoord: her menu is English. As a partner who comes to live in a
    wijk (the menu of her roles becomes everyone's) she keeps it in English."""
    carla = bot.user(5003, "Carla", language_code="de")
    await carla.send("/start")
    await carla.press("English")
    await carla.press("I agree")
    await carla.press("Elsrijk")

    shown = shown_menu(bot.fake, carla.id, "de")
    assert "mydata" in shown and "mijngegevens" not in shown, shown


async def test_a_partner_in_english_who_comes_to_live_in_a_wijk_keeps_the_english_menu(
    bot: Harness, services: Services
) -> None:
    """A partner's own menu (no /polls) becomes everyone's when he lives in a wijk: in
    English all the same, as his Telegram app is in Dutch."""
    pieter = await join_as(bot, services, 2101, "Pieter", Role.PARTNER, "elsrijk")
    await pieter.send("/taal")
    await pieter.press("English")
    assert menu(bot.fake, BotCommandScopeChat(2101)) == without_polls("en")
    await pieter.send("/district")
    await pieter.press("Randwijck")

    assert menu(bot.fake, BotCommandScopeChat(2101)) == menu_names("en")


async def test_erasing_oneself_removes_the_coach_menu(bot: Harness, services: Services) -> None:
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    assert set(menu(bot.fake, BotCommandScopeChat(2001))) >= COACH_ONLY["nl"]
    await carla.send("/vergeetmij")  # nothing sent yet: straight to the confirmation
    (done,) = await carla.press("Ja, wis mijn gegevens voorgoed")
    assert "Je gegevens zijn gewist" in done.plain_text
    assert menu(bot.fake, BotCommandScopeChat(2001)) == []


async def test_coaches_get_their_menu_when_the_bot_starts(
    services: Services, fake: FakeTelegram
) -> None:
    person(services, 2001, role=Role.COACH)
    person(services, 2003, role=Role.ADMIN, lang="en")
    person(services, 1001)  # a resident
    async with Harness(make_app(services, fake), fake):
        assert set(menu(fake, BotCommandScopeChat(2001))) >= COACH_ONLY["nl"]
        assert descriptions(fake, BotCommandScopeChat(2003))["summary"] == t(
            "en", "commands.digest"
        )
        assert menu(fake, BotCommandScopeChat(1001)) == []


async def test_a_refused_coach_menu_stops_nothing(bot: Harness) -> None:
    # Telegram refuses a chat's menu when the coach never started the bot or blocked it.
    bot.fake.fail_next("setMyCommands", error="bad_request")
    coach = {Role.COACH.value}
    shown = await command_menu.show_menu(bot.app.bot, 2001, "nl", private_commands(), coach)
    assert shown is False
    assert menu(bot.fake, BotCommandScopeChat(2001)) == []
    # The next one goes through.
    assert await command_menu.show_menu(bot.app.bot, 2001, "nl", private_commands(), coach)
    assert set(menu(bot.fake, BotCommandScopeChat(2001))) >= COACH_ONLY["nl"]


# --- a partner: no /stemmen -----------------------------------------------------------------------


def without_polls(lang: str) -> list[str]:
    """Everyone's menu without /stemmen: a partner's (an organisation does not vote)."""
    polls = commands.name("peilingen", lang)
    return [n for n in menu_names(lang) if n != polls]


def menu_names(lang: str) -> list[str]:
    return [commands.name(c, lang) for c in command_menu.everyone_commands(private_commands())]


async def test_a_partner_invite_gives_a_menu_without_the_polls(
    bot: Harness, services: Services
) -> None:
    """Partners may not vote: their chat's menu has no /stemmen, and neither has /uitleg; all
    else is everyone's, in the same order."""
    assert "stemmen" in menu(bot.fake, BotCommandScopeAllPrivateChats(), "nl")
    pieter = await join_as(bot, services, 2101, "Pieter", Role.PARTNER, "elsrijk")
    assert menu(bot.fake, BotCommandScopeChat(2101)) == without_polls("nl")
    assert "stemmen" not in without_polls("nl") and "melding" in without_polls("nl")
    await pieter.send("/uitleg")
    assert "/stemmen" not in pieter.last.plain_text and "/melding" in pieter.last.plain_text
    # In English, with that language's names.
    await pieter.send("/taal")
    await pieter.press("English")
    assert menu(bot.fake, BotCommandScopeChat(2101)) == without_polls("en")
    assert "polls" not in without_polls("en")


async def test_a_partner_who_lives_in_a_wijk_votes_there_and_gets_everyones_menu(
    bot: Harness, services: Services
) -> None:
    pieter = await join_as(bot, services, 2101, "Pieter", Role.PARTNER, "elsrijk")
    assert menu(bot.fake, BotCommandScopeChat(2101)) == without_polls("nl")
    await pieter.send("/wijk")
    await pieter.press("Elsrijk")  # where they are partner: still no vote
    assert menu(bot.fake, BotCommandScopeChat(2101)) == without_polls("nl")
    await pieter.send("/wijk")
    await pieter.press("Randwijck")  # they live there: its resident, who votes
    assert "Je wijk: Randwijck" in pieter.last.plain_text
    assert menu(bot.fake, BotCommandScopeChat(2101)) == []  # everyone's, /stemmen included
    await pieter.send("/stemmen")
    assert t("nl", "polls.not_for_partners") not in pieter.last.plain_text


async def test_a_coach_invite_for_a_partner_gives_the_coach_menu(
    bot: Harness, services: Services
) -> None:
    await join_as(bot, services, 2101, "Pieter", Role.PARTNER, "elsrijk")
    await join_as(bot, services, 2101, "Pieter", Role.COACH, "stadshart")
    assert menu(bot.fake, BotCommandScopeChat(2101)) == [
        commands.name(c, "nl") for c in private_commands()
    ]


async def test_partners_get_their_menu_when_the_bot_starts(
    services: Services, fake: FakeTelegram
) -> None:
    person(services, 2101, role=Role.PARTNER)
    person(services, 2102, role=Role.PARTNER, lang="en")
    person(services, 2103, role=Role.PARTNER)
    person(services, 2103, role=Role.RESIDENT, slug="randwijck")  # lives there: votes there
    person(services, 2104, role=Role.BIG)
    async with Harness(make_app(services, fake), fake):
        assert menu(fake, BotCommandScopeChat(2101)) == without_polls("nl")
        assert menu(fake, BotCommandScopeChat(2102)) == without_polls("en")
        assert menu(fake, BotCommandScopeChat(2103)) == []
        assert menu(fake, BotCommandScopeChat(2104)) == []


def older_menu(fake: FakeTelegram, chat_id: int) -> None:
    """The chat's own menu as an older version of the bot set it: one command fewer."""
    key = (json.dumps(BotCommandScopeChat(chat_id).to_dict(), sort_keys=True), "")
    assert fake.commands.get(key), chat_id
    fake.commands[key] = fake.commands[key][:-1]


async def test_a_menu_in_another_language_than_the_app_s_is_renewed_when_the_bot_starts(
    services: Services, fake: FakeTelegram
) -> None:
    """Noor (app in Dutch) chose English, Emma (app in English) chose Dutch: their chats have
    a menu of their own for the language alone. A new version of the bot with a command more
    starts: both menus get it. Jan, in English in an English app, keeps everyone's."""
    async with Harness(make_app(services, fake), fake) as bot:
        noor = await onboard(bot, 5002, "Noor")
        await noor.send("/taal")
        await noor.press("English")
        emma = await onboard(bot, 5001, "Emma", language_code="en")
        await emma.send("/language")
        await emma.press("Nederlands")
        await onboard(bot, 5004, "Jan", language_code="en")
    older_menu(fake, 5002)
    older_menu(fake, 5001)
    assert menu(fake, BotCommandScopeChat(5004)) == []
    async with Harness(make_app(services, fake), fake):
        assert menu(fake, BotCommandScopeChat(5002)) == menu_names("en")
        assert menu(fake, BotCommandScopeChat(5001)) == menu_names("nl")
        assert menu(fake, BotCommandScopeChat(5004)) == []
