"""Bad input, in Dutch and English, through the real Application: always a clear answer with a way
on, never silence and never a stack trace."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

import pytest

from bot.app import OFFLINE_TOKEN
from bot.core.i18n import t
from bot.core.logs import TOKEN_SHAPE
from bot.fake_telegram import Harness
from bot.fake_telegram.users import BotMessage
from bot.fake_telegram.users import Person as FakePerson
from bot.privacy import personal_data
from bot.telegram.callbacks import Kind
from tests.helpers import onboard

LANGS = ["nl", "en"]


def said(lang: str, key: str, **values: str) -> str:
    text = t(lang, key, **values)
    assert text != key, f"missing catalogue key {key}"
    return re.sub(r"<[^>]+>", "", text)


def menu_label(lang: str) -> str:
    return t(lang, "menu.back_to_menu")


async def user(bot: Harness, lang: str) -> FakePerson:
    return await onboard(bot, 1001 if lang == "nl" else 1002, "Alice", language_code=lang)


def only(replies: list[BotMessage]) -> BotMessage:
    assert len(replies) == 1, [m.plain_text for m in replies]
    return replies[0]


@pytest.mark.parametrize("lang", LANGS)
async def test_unsupported_message_types(bot: Harness, lang: str) -> None:
    alice = await user(bot, lang)
    senders: dict[str, Callable[[], Awaitable[list[BotMessage]]]] = {
        "sticker": alice.send_sticker,
        "voice": alice.send_voice,
        "video": alice.send_video,
        "document": alice.send_document,
        "contact": alice.send_contact,
    }
    for kind, send in senders.items():
        answer = only(await send())
        assert answer.plain_text == said(lang, "errors.unsupported_type"), kind
        assert answer.button_texts == [menu_label(lang)], kind


@pytest.mark.parametrize("lang", LANGS)
async def test_forwarded_and_edited_messages(bot: Harness, lang: str) -> None:
    alice = await user(bot, lang)
    answer = only(await alice.send_forwarded("Kijk eens wat de buurman zegt"))
    assert answer.plain_text == said(lang, "errors.forwarded")
    assert answer.button_texts == [menu_label(lang)]
    # Someone else's message, forwarded, and a forwarded photo: the same answer.
    other = bot.user(4004, "Buurman")
    answer = only(await alice.send_forwarded("van de buurman", origin=other.user))
    assert answer.plain_text == said(lang, "errors.forwarded")

    await alice.send("hallo")
    own = alice.sent[-1]
    answer = only(await alice.edit(own, "hallo, aangepast"))
    assert answer.plain_text == said(lang, "errors.edited")
    assert answer.button_texts == [menu_label(lang)]


@pytest.mark.parametrize("lang", LANGS)
async def test_unknown_commands(bot: Harness, lang: str) -> None:
    alice = await user(bot, lang)
    for command in ("/bestaatniet", "/NIETS2", "/start_over extra words", "/a@wijkspiegel_bot"):
        answer = only(await alice.send(command))
        assert answer.plain_text == said(lang, "errors.unknown_command"), command
        assert answer.button_texts == [menu_label(lang)], command


FORGED = [
    "garbage",
    "zz:1:2",  # unknown kind
    "wk",  # known kinds with missing or wrong arguments
    "wk:abc:1",
    "wk:1",
    "wk:999:99999",
    "lg:xx",
    "lg",
    "ok:nl",
    "ok:de:y:-",
    "mn",
    "mn:",
    "pv",
    "pv:1:go:1001",
    "pv:abc:go",
    "pv:1:zap",
    "pv:1:go",  # well-formed, but no erase flow is current
    "sp:1:x:0",  # kinds of features that may not be registered
    "mn:" + "x" * 70,  # over 64 bytes, with a known kind in front
    "x" * 65,
    "wk:1:" + "é" * 30,  # over 64 bytes only when counted in UTF-8
    "mn:main:<b>",
    # Ids past a database integer: refused as buttons, never an overflow in the database layer.
    "mo:" + "1" * 40 + ":wy:0",
    "rx:" + "9" * 40 + ":y",
    "sp:9223372036854775808",
    "wk:1:2147483648",
]


@pytest.mark.parametrize("lang", LANGS)
async def test_garbage_and_forged_callback_data(bot: Harness, lang: str) -> None:
    alice = await user(bot, lang)
    menu = alice.last
    for data in FORGED:
        replies = await alice.press_data(data, message=menu)
        assert alice.alerts[-1] == said(lang, "errors.stale_button"), data
        assert alice.alerts[-1].show_alert, data
        answer = replies[-1]
        assert answer.plain_text == said(lang, "errors.stale_button_long"), data
        assert answer.button_texts == [menu_label(lang)], data
    # After all that the person is still where they were.
    await alice.press(menu_label(lang), message=alice.last)
    assert said(lang, "menu.title") in alice.last.plain_text


@pytest.mark.parametrize("lang", LANGS)
async def test_commands_in_a_group_chat(bot: Harness, lang: str) -> None:
    alice = await user(bot, lang)
    group = bot.group(-1001234, "BIG Elsrijk", members=[alice.id])
    for command in ("/menu", "/mijngegevens", "/vergeetmij", "/start", "/wijk"):
        replies = await alice.send(command, chat=group)
        answer = only([m for m in replies if m.chat_id == group.id])
        assert answer.plain_text == said(lang, "errors.private_only", bot="wijkspiegel_bot"), (
            command
        )
    # Nothing about her was sent into the group, and nothing was erased.
    assert all(m.kind != "document" for m in bot.bot_messages(group))
    assert not any(m.chat_id == alice.id for m in replies)


@pytest.mark.parametrize("lang", LANGS)
async def test_text_and_buttons_before_consent(bot: Harness, lang: str) -> None:
    stranger = bot.user(5005, "Eva", language_code=lang)
    # A text before consent: that Akkoord comes first, above the statement it agrees to, with
    # Akkoord itself below (the words name the button that is there).
    answer = only(await stranger.send("hallo, wat is dit?"))
    assert answer.plain_text.startswith(said(lang, "errors.start_first"))
    assert said(lang, "onboarding.privacy") in answer.plain_text
    assert said(lang, "onboarding.accept") in answer.button_texts
    answer = only(await stranger.send("/mijngegevens"))
    assert answer.plain_text.startswith(said(lang, "errors.start_first"))
    assert said(lang, "onboarding.accept") in answer.button_texts
    answer = only(await stranger.send_sticker())
    assert answer.plain_text == said(lang, "errors.unsupported_type")
    assert answer.button_texts == [t(lang, "menu.start")]
    # A button pressed before consent (forged): the statement and Akkoord too.
    replies = await stranger.press_data("mn:main", message=answer)
    assert replies[-1].plain_text.startswith(said(lang, "errors.start_first"))
    await stranger.press(t(lang, "onboarding.accept"), message=replies[-1])
    assert said(lang, "onboarding.choose_wijk") in stranger.last.plain_text


@pytest.mark.parametrize("lang", LANGS)
async def test_error_inside_a_handler(
    bot: Harness, lang: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    alice = await user(bot, lang)
    bot.raise_errors = False  # the error handler, not the test, must deal with it

    def broken(*args: object, **kwargs: object) -> None:
        # Errors from HTTP clients carry URLs, and Telegram's URLs carry the token.
        raise RuntimeError(f"request to https://api.telegram.org/bot{OFFLINE_TOKEN}/x failed")

    monkeypatch.setattr(personal_data, "export_person", broken)
    caplog.set_level(logging.DEBUG)
    answer = only(await alice.send("/mijngegevens"))
    assert answer.plain_text == said(lang, "errors.something_wrong")
    assert answer.button_texts == [menu_label(lang)]
    assert len(bot.errors) == 1 and isinstance(bot.errors[0], RuntimeError)
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert logged and logged[0].exc_info is not None  # logged with its traceback
    assert "RuntimeError" in caplog.text
    assert OFFLINE_TOKEN not in caplog.text
    assert not TOKEN_SHAPE.search(caplog.text)
    for record in caplog.records:
        assert not TOKEN_SHAPE.search(record.getMessage())
    # The person can carry on: the menu button works.
    await alice.press(menu_label(lang))
    assert said(lang, "menu.title") in alice.last.plain_text


async def test_every_kind_of_button_has_its_handler(bot: Harness) -> None:
    """The one CallbackQueryHandler hands a press on by its kind: a kind left out of the wiring
    would answer every such button with "this button no longer works"."""
    assert set(bot.app.routes.presses) == set(Kind)


@pytest.mark.parametrize("stored", ["not a flow", {"name": "melding"}])
async def test_stop_clears_a_stored_flow_that_does_not_parse(bot: Harness, stored: object) -> None:
    # Whatever state an older version left behind, /stop must get the person out of it.
    alice = await onboard(bot, 1001, "Alice")
    bot.app.user_data[1001]["flow"] = stored
    (stopped,) = await alice.send("/stop")
    assert "Gestopt" in stopped.plain_text
    assert "flow" not in bot.app.user_data[1001]
