"""An urgent melding in the coach's digest, through the real Application and the fake Bot API:
while it waits for an answer it is the first thing under "needs attention", whatever its age,
and where the digest quotes it the mark "Mogelijk dringend" stands apart from the quote."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Services
from bot.fake_telegram import Harness
from bot.fake_telegram.users import BotMessage
from bot.fake_telegram.users import Person as FakePerson
from handlers.urgent import wait_idle
from models import Observation, Role
from tests.digest.test_digest import observe
from tests.helpers import invite_code, join_as, onboard
from tests.urgent.test_urgent import URGENT_NL, file_urgent, observations


async def english_coach(bot: Harness, services: Services, user_id: int) -> FakePerson:
    coach = bot.user(user_id, "Emma", language_code="en")
    await coach.send(f"/start {invite_code(services, Role.COACH, 'elsrijk')}")
    await coach.press("I agree")
    return coach


def digest_text(answer: list[BotMessage]) -> str:
    return "\n".join(m.plain_text for m in answer if m.kind == "text")


def attention_buttons(answer: list[BotMessage]) -> list[str]:
    """The "open M-12" buttons: under the message that holds "needs attention"."""
    return [label for m in answer for label in m.button_texts if "M-" in label]


async def test_an_open_urgent_melding_needs_attention_first(
    bot: Harness, services: Services
) -> None:
    """It was "Niets bijzonders. Elke melding kreeg op tijd antwoord." under "Hier is aandacht
    nodig" while an urgent melding of a minute ago had no answer: it is listed there, before
    what waits longer than the configured days, and its button comes first."""
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    emma = await english_coach(bot, services, 2002)
    days = services.config.digest.attention_after_days
    long_ago = services.clock.now() - timedelta(days=days + 2)
    stale = observe(services, "De put in de stoep is nog steeds open", at=long_ago)
    rita = await onboard(bot, 1001, "Rita")
    await file_urgent(rita, URGENT_NL)
    await wait_idle(bot.app)  # the coaches' alerts are out
    (urgent,) = (o.id for o in observations(services) if o.urgent_kind)

    answer = await carla.send("/wijkoverzicht")
    attention = digest_text(answer).split("Hier is aandacht nodig", 1)[1]
    assert "Niets bijzonders" not in attention
    assert "Mogelijk dringend, nog zonder antwoord: 1" in attention
    assert f"M-{urgent} · " in attention and f"M-{stale} · " in attention
    assert attention.index(f"M-{urgent}") < attention.index(f"M-{stale}")
    assert f"‘{URGENT_NL}’" in attention
    assert f"Nog geen antwoord na {days} dagen: 1" in attention
    assert attention_buttons(answer) == [f"M-{urgent} openen", f"M-{stale} openen"]
    assert f"zoals M-{urgent} openen" in attention

    # Waiting for days as well, it is still first, and listed once.
    with services.db.session() as session:
        row = session.get(Observation, urgent)
        assert row is not None
        row.created_at = long_ago + timedelta(days=1)
        session.add(row)
        session.commit()
    answer = await emma.send("/digest")
    attention = digest_text(answer).split("Needs attention", 1)[1]
    assert "Nothing needs attention" not in attention
    assert "Possibly urgent, not answered yet: 1" in attention
    assert f"No answer after {days} days: 1" in attention
    assert attention.count(f"M-{urgent} · ") == 1
    assert attention.index(f"M-{urgent}") < attention.index(f"M-{stale}")
    assert attention_buttons(answer) == [f"Open M-{urgent}", f"Open M-{stale}"]


async def test_an_urgent_melding_that_got_an_answer_no_longer_needs_attention(
    bot: Harness, services: Services
) -> None:
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    rita = await onboard(bot, 1001, "Rita")
    await file_urgent(rita, URGENT_NL)
    (urgent,) = (o.id for o in observations(services) if o.urgent_kind)
    await carla.send("/meldingen")
    await carla.press(f"M-{urgent} openen")
    await carla.press("Beantwoorden")
    await carla.send("We bellen de netbeheerder nu.")
    await carla.press("Versturen")
    answer = await carla.send("/wijkoverzicht")
    attention = digest_text(answer).split("Hier is aandacht nodig", 1)[1]
    assert "Mogelijk dringend, nog zonder antwoord" not in attention
    assert "Niets bijzonders" in attention


async def test_the_urgent_mark_is_set_off_from_the_text(bot: Harness, services: Services) -> None:
    """It read "• M-1 · Mogelijk dringend Ik ruik een sterke gaslucht…": one sentence, the mark
    and the resident's words run together. The quote is in quotation marks, after a colon."""
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    emma = await english_coach(bot, services, 2002)
    rita = await onboard(bot, 1001, "Rita")
    await file_urgent(rita, URGENT_NL)
    await file_urgent(rita, "De stoep bij de bakker is kapot")
    await wait_idle(bot.app)  # the coaches' alerts are out
    (urgent,) = (o.id for o in observations(services) if o.urgent_kind)
    (plain,) = (o.id for o in observations(services) if not o.urgent_kind)

    text = digest_text(await carla.send("/wijkoverzicht"))
    assert "Mogelijk dringend Ik ruik" not in text
    assert f"• M-{urgent} · Mogelijk dringend: ‘{URGENT_NL}’" in text
    assert f"• M-{plain}: ‘De stoep bij de bakker is kapot’" in text
    # Under "needs attention" too, the text is a quote on its own line.
    assert f"\n   ‘{URGENT_NL}’" in text.split("Hier is aandacht nodig", 1)[1]

    text = digest_text(await emma.send("/digest"))
    assert "Possibly urgent Ik ruik" not in text
    assert f"• M-{urgent} · Possibly urgent: ‘{URGENT_NL}’" in text
