"""The command menu: everyone's commands for all private chats, a coach's chat its own with the
coach's commands as well (bot/telegram/command_menu.py), through the real Application on both
databases."""

from __future__ import annotations

import json
from typing import Any

from telegram import BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.context import Services
from bot.core.i18n import t
from bot.fake_telegram import FakeTelegram, Harness
from bot.telegram import command_menu
from bot.wiring import private_commands
from models import Role
from tests.conftest import make_app
from tests.digest.test_digest import person
from tests.helpers import join_as, onboard

COACH_ONLY = {"meldingen", "digest"}


def menu(fake: FakeTelegram, scope: Any, lang: str = "") -> list[str]:
    """The commands Telegram would show for a scope (and language) the bot set."""
    key = (json.dumps(scope.to_dict(), sort_keys=True), lang)
    return [command["command"] for command in fake.commands.get(key, [])]


def descriptions(fake: FakeTelegram, scope: Any, lang: str = "") -> dict[str, str]:
    key = (json.dumps(scope.to_dict(), sort_keys=True), lang)
    return {c["command"]: c["description"] for c in fake.commands.get(key, [])}


async def test_everyone_sees_the_commands_for_everyone(bot: Harness) -> None:
    everyone = BotCommandScopeAllPrivateChats()
    for lang in ("nl", "en", ""):
        names = menu(bot.fake, everyone, lang)
        assert {"start", "spiegel", "melding", "mijngegevens", "taal"} <= set(names), lang
        assert not COACH_ONLY & set(names), lang
    # A resident's chat has no menu of its own: they see everyone's.
    await onboard(bot, 1001, "Alice")
    assert menu(bot.fake, BotCommandScopeChat(1001)) == []


async def test_a_coach_invite_gives_the_chat_the_coach_commands(
    bot: Harness, services: Services
) -> None:
    await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await join_as(bot, services, 2002, "Bert", Role.BIG, "elsrijk")
    coach_menu = descriptions(bot.fake, BotCommandScopeChat(2001))
    assert list(coach_menu) == private_commands()
    assert set(coach_menu) >= COACH_ONLY
    assert coach_menu["digest"] == t("nl", "commands.digest")
    assert menu(bot.fake, BotCommandScopeChat(2002)) == []  # a BIG member: everyone's menu


async def test_a_coach_who_changes_language_gets_the_menu_in_that_language(
    bot: Harness, services: Services
) -> None:
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await carla.send("/taal")
    await carla.press("English")
    coach_menu = descriptions(bot.fake, BotCommandScopeChat(2001))
    assert set(coach_menu) >= COACH_ONLY
    assert coach_menu["digest"] == t("en", "commands.digest") != t("nl", "commands.digest")


async def test_erasing_oneself_removes_the_coach_menu(bot: Harness, services: Services) -> None:
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    assert set(menu(bot.fake, BotCommandScopeChat(2001))) >= COACH_ONLY
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
        assert set(menu(fake, BotCommandScopeChat(2001))) >= COACH_ONLY
        assert descriptions(fake, BotCommandScopeChat(2003))["digest"] == t("en", "commands.digest")
        assert menu(fake, BotCommandScopeChat(1001)) == []


async def test_a_refused_coach_menu_stops_nothing(bot: Harness) -> None:
    # Telegram refuses a chat's menu when the coach never started the bot or blocked it.
    bot.fake.fail_next("setMyCommands", error="bad_request")
    shown = await command_menu.show_coach_menu(bot.app.bot, 2001, "nl", private_commands())
    assert shown is False
    assert menu(bot.fake, BotCommandScopeChat(2001)) == []
    # The next one goes through.
    assert await command_menu.show_coach_menu(bot.app.bot, 2001, "nl", private_commands())
    assert set(menu(bot.fake, BotCommandScopeChat(2001))) >= COACH_ONLY
