"""A resident's life in English (and someone who switches language in the settings)."""

from __future__ import annotations

from bot.context import Services
from bot.fake_telegram import Harness
from models import Role
from tests.helpers import join_as, onboard
from tests.polls.test_poll_wizard import create_poll


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
