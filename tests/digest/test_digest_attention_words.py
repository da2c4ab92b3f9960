"""What "needs attention" says when nothing does: true words about meldingen that simply have
no answer yet, in Dutch and in English, through the real Application."""

from __future__ import annotations

from bot.context import Services
from bot.fake_telegram import Harness
from models import Role
from tests.digest.test_digest import observe
from tests.digest.test_digest_urgent import digest_text, english_coach
from tests.helpers import join_as


async def test_fresh_unanswered_meldingen_are_not_called_answered(
    bot: Harness, services: Services
) -> None:
    """It said "Elke melding kreeg op tijd antwoord" (English: "All reports were answered in
    time") under three meldingen of a minute ago that nobody had answered: the coach read that
    they were done. Now it says that none has waited too long."""
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    emma = await english_coach(bot, services, 2002)
    for text in ("De lantaarn bij de school is kapot", "Afval naast de container", "Te hard"):
        observe(services, text, at=services.clock.now())
    days = services.config.digest.attention_after_days

    dutch = digest_text(await carla.send("/wijkoverzicht")).split("Hier is aandacht nodig")[1]
    assert "kreeg op tijd antwoord" not in dutch
    assert f"Niets bijzonders. Geen melding wacht langer dan {days} dagen op antwoord." in dutch

    english = digest_text(await emma.send("/wijkoverzicht")).split("Needs attention")[1]
    assert "answered in time" not in english
    assert (
        f"Nothing needs attention. No report has waited more than {days} days for an answer."
        in english
    )
