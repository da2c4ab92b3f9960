"""What BIG members met in an outside test in English (December 2026)."""

from __future__ import annotations

import re

from bot.context import Services
from bot.fake_telegram import Harness
from bot.polls import delivery
from models import Role
from tests.helpers import join_as
from tests.polls.test_poll_wizard import create_poll, member


async def test_an_already_voted_alert_is_plain_text(bot: Harness, services: Services) -> None:
    """Bram voted from /polls, then pressed an option on the poll's first message. The alert
    read "... Press <b>Change my vote</b>.": an alert is plain text, Telegram shows the tags."""
    bea = await member(bot, services, 3001, "Bea")
    bram = await join_as(bot, services, 3002, "Bram", Role.BIG, "elsrijk", language_code="en")
    ria = await member(bot, services, 3003, "Ria")
    await create_poll(bot, bea)
    await delivery.wait_idle(bot.app)
    first = next(m for m in bram.messages if "Speeltuin" in m.button_texts)
    await bram.press("Speeltuin", message=first)
    await bram.press("Bankjes", message=first)
    assert bram.alerts[-1] == (
        "You have already voted. Want to choose something else? Press Change my vote."
    )
    first = next(m for m in ria.messages if "Speeltuin" in m.button_texts)
    await ria.press("Speeltuin", message=first)
    await ria.press("Bankjes", message=first)
    dutch = "Je hebt al gestemd. Wil je iets anders kiezen? Druk op Stem veranderen."
    assert ria.alerts[-1] == dutch
    answers = [call.params.get("text") or "" for call in bot.fake.calls_to("answerCallbackQuery")]
    assert not [text for text in answers if re.search(r"</?b>|&\w+;", text)], answers


async def test_vote_typed_in_english_opens_the_polls(bot: Harness, services: Services) -> None:
    """/stemmen means "vote": an English member who typed /vote read "I don't know that
    command". It opens the polls, as /polls (the name shown) and /stemmen do."""
    bea = await member(bot, services, 3001, "Bea")
    bram = await join_as(bot, services, 3002, "Bram", Role.BIG, "elsrijk", language_code="en")
    await create_poll(bot, bea)
    (listing,) = await bram.send("/vote")
    assert listing.plain_text.startswith("Polls"), listing.plain_text
    assert "Vote: Wat pakken we eerst aan?" in listing.button_texts
