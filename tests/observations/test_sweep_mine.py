"""What a partner met in an outside test in English (December 2026): "My reports" of someone
who reports for two wijken."""

from __future__ import annotations

from bot.context import Services
from bot.core.i18n import format_date
from bot.fake_telegram import Harness
from bot.fake_telegram.users import Person as FakePerson
from models import Role
from tests.helpers import join_as, onboard


async def report(person: FakePerson, wijk: str | None, text: str) -> None:
    await person.send("/report")
    if wijk is not None:
        await person.press(wijk)
    await person.send(text)
    await person.press("What could be better?")
    await person.press("Safety")
    await person.press("Skip")
    await person.press("No, only my nickname")
    await person.press("Send")
    assert "Your report is saved" in person.last.plain_text


async def test_my_reports_name_the_wijk_of_each_when_there_are_several(
    bot: Harness, services: Services
) -> None:
    """A partner for Elsrijk and Stadshart read "M-2, 8 December 2026: New" and "M-1, ...": not
    which wijk each was for. Now each says its wijk; a resident's, all in their own wijk, not."""
    pat = await join_as(
        bot, services, 7001, "Pat", Role.PARTNER, "elsrijk", "stadshart", language_code="en"
    )
    await report(pat, "Stadshart", "Youths gather on the square at night.")
    await report(pat, "Elsrijk", "The street light on the corner is out.")
    (mine,) = await pat.send("/myreports")
    lines = mine.plain_text.splitlines()
    first = next(line for line in lines if line.startswith("M-2"))
    second = next(line for line in lines if line.startswith("M-1"))
    assert first.endswith(", Elsrijk: New"), first
    assert second.endswith(", Stadshart: New"), second

    rik = await onboard(bot, 6001, "Rik", language_code="en")
    await report(rik, None, "The bins at the station overflow.")
    (mine,) = await rik.send("/myreports")
    (line,) = [line for line in mine.plain_text.splitlines() if line.startswith("M-3")]
    # The day it was sent, by the project's clock: the suite runs on any date.
    today = format_date(services.clock.now(), "en", services.config.general.tz)
    assert "Elsrijk" not in mine.plain_text and line == f"M-3, {today}: New", line
