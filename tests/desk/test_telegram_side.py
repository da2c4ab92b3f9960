"""The desk from the chat: the coach's menu button, "Bureau openen" in the menu and under the
digest, and /bureau for a coach with the desk off and for everyone else."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot.context import Services
from bot.core.config import Config
from bot.digest.delivery import closing_keyboard
from bot.fake_telegram import Harness
from models import Role
from tests.helpers import join_as

HTTPS = "https://bureau.example.nl"


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, desk=replace(config.desk, enabled=True, port=0, public_url=HTTPS))


async def test_a_coach_gets_the_desk_as_menu_button_and_in_the_menu(
    bot: Harness, services: Services
) -> None:
    coach = await join_as(bot, services, 5001, "Coach", Role.COACH, "elsrijk")
    button = bot.fake.chats[5001].menu_button
    assert button is not None and button["type"] == "web_app"
    assert button["web_app"]["url"] == HTTPS + "/"
    assert button["text"] == "Bureau openen"
    await coach.send("/menu")
    raw = bot.fake.find_message(5001, coach.last.message_id)
    assert raw is not None
    markup = raw.reply_markup if isinstance(raw.reply_markup, dict) else {}
    buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
    desk = [b for b in buttons if b.get("text") == "Bureau openen"]
    assert desk and desk[0]["web_app"]["url"] == HTTPS + "/"
    await coach.send("/bureau")
    assert "/login/" in coach.last.plain_text
    assert "Inloggen op het bureau" in coach.last.button_texts


def test_the_digest_ends_with_a_button_to_the_desk(config: Config) -> None:
    markup = json.loads(json.dumps(closing_keyboard("nl", config.desk).to_dict()))
    first = markup["inline_keyboard"][0][0]
    assert first["text"] == "Bureau openen" and first["web_app"]["url"] == HTTPS + "/"
    plain = replace(config.desk, public_url="")
    first = closing_keyboard("en", plain).to_dict()["inline_keyboard"][0][0]
    assert first["text"] == "Open desk" and first["callback_data"] == "mn:bureau"
    assert len(closing_keyboard("nl").to_dict()["inline_keyboard"]) == 1  # desk off


async def test_a_resident_gets_no_desk_button(bot: Harness, services: Services) -> None:
    from tests.helpers import onboard

    resident = await onboard(bot, 6001, "Bewoner")
    assert bot.fake.chats[6001].menu_button is None
    await resident.send("/menu")
    assert "Bureau openen" not in resident.last.button_texts


@pytest.mark.parametrize("desk_on", [True, False])
async def test_bureau_tells_everyone_but_coaches_it_is_for_coaches(
    bot: Harness, services: Services, desk_on: bool
) -> None:
    """Whether the desk is on is the coaches' business: a resident, a BIG member or a partner
    is told the desk is for coaches, the desk on or off."""
    from tests.helpers import onboard

    people = [
        await onboard(bot, 6001, "Bewoner"),
        await join_as(bot, services, 6002, "Bea", Role.BIG, "elsrijk"),
        await join_as(bot, services, 6003, "Pia", Role.PARTNER, "elsrijk"),
    ]
    coach = await join_as(bot, services, 5001, "Coach", Role.COACH, "elsrijk")
    if not desk_on:
        config = services.config
        services.config = replace(config, desk=replace(config.desk, enabled=False))
    for person in people:
        (answer,) = await person.send("/bureau")
        assert answer.plain_text == "Het bureau is alleen voor wijkcoaches.", answer.plain_text
    (answer,) = await coach.send("/bureau")
    if desk_on:
        assert "/login/" in answer.plain_text
    else:
        assert answer.plain_text == "Het bureau staat nu uit."
