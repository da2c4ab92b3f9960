"""/vergeetmij by a BIG member who created polls: the polls stay (a member's vote and the
result are the wijk's), without a creator, and the bot says so where they decide ("Weet je het
zeker?") and once done; so does `wijkbot person erase`. Through the real bot and command line."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import wijkbot as cli
from bot.context import Services
from bot.fake_telegram import Harness
from models import Poll, Role
from tests.helpers import onboard
from tests.polls.test_poll_wizard import create_poll, member
from tests.privacy.test_privacy import add_contributions

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"

STAYS_NL = "Stemmingen die je maakte blijven bestaan, zonder je naam."
STAYS_EN = "Polls you created stay, without your name."


async def test_erasing_everything_says_the_polls_one_made_stay(
    bot: Harness, services: Services
) -> None:
    bea = await member(bot, services, 3001, "Bea")
    await create_poll(bot, bea)
    (sure,) = await bea.send("/vergeetmij")
    assert "Weet je het zeker?" in sure.plain_text
    assert STAYS_NL in sure.plain_text  # where she decides, not only once it is done
    (done,) = await bea.press("Ja, wis mijn gegevens voorgoed")
    assert "Je gegevens zijn gewist" in done.plain_text
    assert STAYS_NL in done.plain_text
    with services.db.session() as session:
        (poll,) = session.exec(select(Poll)).all()
        assert poll.creator_id is None and poll.question == "Wat pakken we eerst aan?"


async def test_erasing_everything_in_english_says_the_polls_one_made_stay(
    bot: Harness, services: Services
) -> None:
    cora = await member(bot, services, 3002, "Cora", Role.COACH)
    await create_poll(bot, cora, audience="Iedereen in de wijk")
    await cora.send("/taal")
    await cora.press("English")
    (sure,) = await cora.send("/forgetme")
    assert STAYS_EN in sure.plain_text
    (done,) = await cora.press("Yes, erase my data for good")
    assert "Your data has been erased" in done.plain_text
    assert STAYS_EN in done.plain_text


async def test_someone_who_made_no_poll_is_not_told_of_polls(
    bot: Harness, services: Services
) -> None:
    rita = await onboard(bot, 3003, "Rita")
    (sure,) = await rita.send("/vergeetmij")
    assert "Weet je het zeker?" in sure.plain_text and "Stemmingen" not in sure.plain_text
    (done,) = await rita.press("Ja, wis mijn gegevens voorgoed")
    assert "Je gegevens zijn gewist" in done.plain_text
    assert "Stemmingen" not in done.plain_text


async def test_a_poll_maker_who_also_sent_things_hears_of_the_polls_after_choosing(
    bot: Harness, services: Services
) -> None:
    """Bea made a poll and sent an observation: "Weet je het zeker?" follows her choice, and
    says her polls stay, whichever she chose."""
    bea = await member(bot, services, 3001, "Bea")
    await create_poll(bot, bea)
    add_contributions(services, 3001)
    for choice in ("Wis ook alles wat ik stuurde", "Bewaar ze zonder naam of schuilnaam"):
        (ask,) = await bea.send("/vergeetmij")
        assert "Wat moet ik daarmee doen?" in ask.plain_text
        (sure,) = await bea.press(choice)
        assert "Weet je het zeker?" in sure.plain_text and STAYS_NL in sure.plain_text
        await bea.press("Nee, niets wissen")


def erase(*args: str) -> int:
    return cli.main(["--config", str(EXAMPLE), "person", "erase", *args])


class Terminal(io.StringIO):
    """What the administrator types, at a terminal."""

    def isatty(self) -> bool:
        return True


async def test_wijkbot_person_erase_says_the_polls_they_made_stay(
    bot: Harness,
    cli_services: Services,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The administrator decides at the question (or at "add --yes"): both say the polls Bea
    made stay, without her name; and so does what was done."""
    bea = await member(bot, cli_services, 3001, "Bea")
    await create_poll(bot, bea)
    stays = "the 1 poll(s) they created stay, without their name"
    assert erase("--person", "3001") == 2  # not at a terminal: only --yes erases
    assert stays in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", Terminal("no\n"))
    assert erase("--person", "3001") == 2
    asked = capsys.readouterr()
    assert "It cannot be undone." in asked.err and stays in asked.err
    assert erase("--person", "3001", "--yes") == 0
    assert "kept without a creator: 1 poll(s)" in capsys.readouterr().out
    with cli_services.db.session() as session:
        (poll,) = session.exec(select(Poll)).all()
        assert poll.creator_id is None
