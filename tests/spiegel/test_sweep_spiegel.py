"""What a coach met in an outside test in English (December 2026): the spiegel's introduction."""

from __future__ import annotations

from bot.context import Services
from bot.fake_telegram import Harness
from models import Role
from tests.helpers import join_as, onboard
from tests.spiegel.test_spiegel import load


async def test_the_coach_is_not_told_that_the_coach_writes_the_spiegel(
    bot: Harness, services: Services
) -> None:
    """Coco, Elsrijk's coach, opened the spiegel and read "The district coach writes it every
    year, from what residents and partners say. ... For each statement, say whether it is true
    for you.": words for a resident about Coco. Now what the spiegel is for the coach; a
    resident still reads the resident's introduction."""
    load(services, "elsrijk")
    coco = await join_as(bot, services, 5001, "Coco", Role.COACH, "elsrijk", language_code="en")
    (overview,) = await coco.send("/mirror")
    text = overview.plain_text
    assert "You keep it up to date as the district coach." in text, text
    assert "The district coach writes it" not in text
    assert "Add a statement ➕" in overview.button_texts

    cora = await join_as(bot, services, 5002, "Cora", Role.COACH, "elsrijk")
    (overview,) = await cora.send("/spiegel")
    assert "Als wijkcoach houd je hem bij" in overview.plain_text, overview.plain_text

    rik = await onboard(bot, 6001, "Rik", language_code="en")
    (overview,) = await rik.send("/mirror")
    assert "The district coach writes it every year" in overview.plain_text
