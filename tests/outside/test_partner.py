"""A partner organisation, as its person sees it in the private chat."""

from __future__ import annotations

from bot.context import Services
from bot.fake_telegram import Harness
from models import Role
from tests.helpers import invite_code

TEXT = "Het buurthuis is 's avonds dicht en jongeren hangen op straat"


async def test_a_partner_who_types_before_choosing_the_wijk_keeps_the_text(
    bot: Harness, services: Services
) -> None:
    """A partner for two wijken sends /melding, and at "Over welke wijk gaat je melding?" types
    the observation straight away. The bot says "Kies hieronder met een knop."; after the wijk
    it asks "Wat wil je melden?" as if nothing was typed: the text is gone and must be typed
    again. Expected: the text is kept (as a loose text is), and the next step after the wijk
    is the kind of observation."""
    code = invite_code(services, Role.PARTNER, "elsrijk", "groenelaan")
    pieter = bot.user(6001, "Pieter")
    await pieter.send(f"/start {code}")
    await pieter.press("Akkoord")
    await pieter.send("/melding")
    assert "Over welke wijk gaat je melding?" in pieter.last.plain_text

    await pieter.send(TEXT)
    await pieter.press("Groenelaan")

    assert "Wat wil je melden?" not in pieter.last.plain_text
    assert "Wat voor melding is het?" in pieter.last.plain_text
