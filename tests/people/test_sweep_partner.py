"""What a partner met in an outside test in English (December 2026): questions meant for
residents."""

from __future__ import annotations

from bot.context import Services
from bot.fake_telegram import Harness
from models import Role
from tests.helpers import invite_code, join_as, onboard
from tests.observations.test_sweep_mine import report

ABOUT_YOU = "Would you tell us a little about yourself?"


async def test_a_partner_is_not_asked_about_their_age_and_household(
    bot: Harness, services: Services
) -> None:
    """A partner's worker sent a report for Elsrijk and one for Stadshart; the menu then asked
    "Would you tell us a little about yourself? There are three short questions" (age,
    household, years in the district): questions about residents, whose answers show the coach
    whose voices are missing. A partner who also lives in a wijk is asked there, as a resident."""
    pat = await join_as(
        bot, services, 7001, "Pat", Role.PARTNER, "elsrijk", "stadshart", language_code="en"
    )
    await report(pat, "Stadshart", "Youths gather on the square at night.")
    await report(pat, "Elsrijk", "The street light on the corner is out.")
    (menu,) = await pat.send("/menu")
    assert ABOUT_YOU not in menu.plain_text
    await pat.send("/district")
    (menu,) = await pat.press("Stadshart")
    assert ABOUT_YOU not in menu.plain_text and "What would you like to do?" in menu.plain_text

    await pat.send("/district")
    (menu,) = await pat.press("Westwijk")  # where Pat lives
    assert ABOUT_YOU in menu.plain_text
    assert bot.errors == []


async def test_choosing_another_wijk_says_what_it_is_for_someone_who_works_in_wijken(
    bot: Harness, services: Services
) -> None:
    """A partner of Elsrijk and Stadshart who wants to read Stadshart's spiegel presses "Choose
    another district": it asked "Which district do you live in?", a resident's question. Choosing
    one of their own wijken only shows it; another is where they live. A resident is still asked
    where they live."""
    pat = await join_as(
        bot, services, 7001, "Pat", Role.PARTNER, "elsrijk", "stadshart", language_code="en"
    )
    (question,) = await pat.send("/district")
    text = question.plain_text
    assert text.startswith("Which district do you want to see?"), text
    assert "You work in Elsrijk and Stadshart." in text, text
    assert "live in" not in text.split("\n")[0]
    (menu,) = await pat.press("Stadshart")
    assert "Your district: Stadshart" in menu.plain_text

    cora = await join_as(bot, services, 5001, "Cora", Role.COACH, "elsrijk")
    (question,) = await cora.send("/wijk")
    assert question.plain_text.startswith("Welke wijk wil je zien?"), question.plain_text
    assert "Je werkt in Elsrijk." in question.plain_text

    rik = await onboard(bot, 6001, "Rik", language_code="en")
    (question,) = await rik.send("/district")
    assert question.plain_text.startswith("Which district do you live in?")


async def test_an_invite_for_two_wijken_names_them_as_a_sentence_does(
    bot: Harness, services: Services
) -> None:
    """The invite read "You have been invited to Elsrijk, Stadshart with the role: partner"."""
    code = invite_code(services, Role.PARTNER, "elsrijk", "stadshart", "westwijk")
    pat = bot.user(7001, "Pat", language_code="en")
    await pat.send(f"/start {code}")
    invited = next(m for m in pat.messages if "invited" in m.plain_text).plain_text
    assert "invited to Elsrijk, Stadshart and Westwijk with the role" in invited, invited
    await pat.press("I agree")
    done = "Your role for Elsrijk, Stadshart and Westwijk is now partner."
    assert any(done in m.plain_text for m in pat.messages)
