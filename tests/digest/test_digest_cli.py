"""`wijkbot digest`: text, HTML and JSON on the command line, and --send through the Bot API."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import wijkbot as cli
from bot.context import Services
from bot.core.clock import Clock
from bot.fake_telegram import FakeTelegram, FakeTelegramServer, Harness, parse_html
from models import Digest, Edition, Reaction, Role, SpiegelItem
from tests.digest.test_digest import DUE, IN_W46, IN_W47, observe, person, wijk_id
from tests.helpers import FAKE_TOKEN, taken_out_wijk

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
TOKEN = FAKE_TOKEN


@pytest.fixture(autouse=True)
def after_week_47(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line's clock (and the test's) at the moment week 47's digest is due: these
    tests read and send 2026-W47, which has ended then, on whatever day they run."""
    monkeypatch.setattr(Clock, "now", lambda self: DUE + timedelta(minutes=1))


def run(*args: str) -> int:
    return cli.main(["--config", str(EXAMPLE), "digest", *args])


def fill(services: Services) -> list[int]:
    ids = [observe(services, f"Parkeren is onmogelijk, auto's op de stoep ({i})") for i in range(4)]
    ids.append(observe(services, "Fijne <buurt> & aardige mensen", swot="strength"))
    observe(services, "Vorige week", at=IN_W46)
    observe(services, "VERBORGEN", status="hidden")
    return ids


def test_text(cli_services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    fill(cli_services)
    assert run("--wijk", "elsrijk", "--period", "2026-W47") == 0
    out = capsys.readouterr().out
    assert "Wijkoverzicht Elsrijk" in out and "tot en met 22 nov 2026 · week 47" in out
    assert "Meldingen: 5 (vorige keer: 1)" in out
    assert "Fijne <buurt> & aardige mensen" in out and "<b>" not in out
    assert "VERBORGEN" not in out
    assert run("--wijk", "elsrijk", "--period", "2026-W47", "--lang", "en") == 0
    assert "What could be better?" in capsys.readouterr().out


def test_html(cli_services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    fill(cli_services)
    assert run("--wijk", "elsrijk", "--period", "2026-W47", "--format", "html") == 0
    out = capsys.readouterr().out
    for part in out.split("\n\n<!-- next message -->\n\n"):
        parse_html(part.strip())
    assert "Fijne &lt;buurt&gt; &amp; aardige mensen" in out


def test_json_has_groups_with_member_ids(
    cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = fill(cli_services)
    assert run("--wijk", "elsrijk", "--period", "2026-W47", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["period"]["key"] == "2026-W47" and data["wijk_slug"] == "elsrijk"
    assert data["current"]["observations"] == 5
    weakness = next(s for s in data["sections"] if s["swot"] == "weakness")
    assert sorted(weakness["groups"][0]["member_ids"]) == ids[:4]
    assert {r["reference"] for r in data["rows"]} == {f"M-{i}" for i in ids}


def test_bad_input(cli_services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--wijk", "nergens", "--period", "2026-W47") == 2
    assert "unknown wijk 'nergens'" in capsys.readouterr().err
    assert run("--wijk", "elsrijk", "--period", "week 47") == 2
    assert "expected a period like 2026-W47" in capsys.readouterr().err
    assert run("--wijk", "elsrijk", "--send") == 2  # no token
    assert "telegram.token" in capsys.readouterr().err


def test_a_wijk_taken_out_of_the_config_is_read_with_a_note(
    cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """`invite` says "unknown wijk" for a wijk taken out of config.toml; the digest of its old
    data is still shown, and says on stderr, in one line, that the wijk is gone from the file."""
    taken_out_wijk(cli_services)
    observe(cli_services, "De lantaarn bij het pleintje is kapot", slug="verdwenen")
    assert run("--wijk", "verdwenen", "--period", "2026-W47") == 0
    out, err = capsys.readouterr()
    assert "Wijkoverzicht Verdwenen" in out and "De lantaarn bij het pleintje" in out
    assert err.startswith("note: wijk 'verdwenen' is no longer in ") and err.count("\n") == 1
    assert run("--wijk", "elsrijk", "--period", "2026-W47") == 0
    assert "no longer" not in capsys.readouterr().err


async def test_the_command_line_points_at_no_buttons(
    cli_services: Services, bot: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    """A melding waits for an answer. The digest on the command line ended with "Open een
    melding met de knoppen hieronder", but a terminal has no buttons: that line is left out
    there, in text and in HTML; the coach's digest in Telegram keeps it, above its buttons."""
    waiting = observe(cli_services, "De put in de stoep is nog steeds open", at=IN_W46)
    footer = f"Open een melding met de knoppen hieronder, zoals M-{waiting} openen."
    for shape in ("text", "html"):
        assert run("--wijk", "elsrijk", "--period", "2026-W47", "--format", shape) == 0
        out = capsys.readouterr().out
        attention = out.split("Hier is aandacht nodig", 1)[1]
        assert f"M-{waiting}" in attention and "De put in de stoep" in attention, attention
        assert "knoppen hieronder" not in out, out
    coach = bot.user(7001, "Carla")
    person(cli_services, 7001, role=Role.COACH)
    answer = await coach.send("/digest elsrijk")
    text = "\n".join(m.plain_text for m in answer if m.kind == "text")
    assert text.rstrip().endswith(footer), text
    assert f"M-{waiting} openen" in [label for m in answer for label in m.button_texts]


async def test_send_records_digest_rows(
    cli_services: Services, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(cli_services)
    person(cli_services, 7001, role=Role.COACH)
    person(cli_services, 7002, role=Role.COACH, slug="groenelaan")
    fake = FakeTelegram()
    fake.add_user(7001, "Coach", started=True)  # a coach, so someone who started the bot
    async with FakeTelegramServer(fake) as server:
        monkeypatch.setenv("WIJKBOT_TOKEN", TOKEN)
        monkeypatch.setenv("WIJKBOT_BOT_API_URL", server.base_url)
        monkeypatch.setenv("WIJKBOT_TELEGRAM_BOT_API_FILE_URL", server.base_file_url)
        args = ["--wijk", "elsrijk", "--period", "2026-W47", "--send"]
        assert await asyncio.to_thread(run, *args) == 0
        assert "sent 2026-W47" in capsys.readouterr().err
        sent = [m for m in fake.messages[7001] if m.from_bot]
        assert [m.kind for m in sent][-2:] == ["photo", "document"]
        assert any("Wijkoverzicht Elsrijk" in (m.text or "") for m in sent)
        # A second --send (or the job) does not send this period again.
        assert await asyncio.to_thread(run, *args) == 0
        assert "already sent" in capsys.readouterr().err
        assert len([m for m in fake.messages[7001] if m.from_bot]) == len(sent)
    with cli_services.db.session() as session:
        rows = session.exec(select(Digest)).all()
    assert [(r.period_key, r.status) for r in rows] == [("2026-W47", "sent")]


@pytest.mark.parametrize("weeks_ahead", [0, 10], ids=["this_week", "a_later_week"])
async def test_send_of_a_week_not_over_sends_and_stores_nothing(
    cli_services: Services,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    weeks_ahead: int,
) -> None:
    """The wrong week with --send (this week, or a typo landing in the future): the coach got
    an empty "Het was stil" digest of a week not over, and the period was recorded as sent, so
    its real digest never went out. Now refused in one line, nothing sent or stored."""
    fill(cli_services)
    person(cli_services, 7001, role=Role.COACH)
    week = (DUE + timedelta(minutes=1, weeks=weeks_ahead)).isocalendar()
    period = f"{week.year}-W{week.week:02d}"
    fake = FakeTelegram()
    fake.add_user(7001, "Coach", started=True)  # a coach, so someone who started the bot
    async with FakeTelegramServer(fake) as server:
        monkeypatch.setenv("WIJKBOT_TOKEN", TOKEN)
        monkeypatch.setenv("WIJKBOT_BOT_API_URL", server.base_url)
        monkeypatch.setenv("WIJKBOT_TELEGRAM_BOT_API_FILE_URL", server.base_file_url)
        args = ["--wijk", "elsrijk", "--period", period, "--send"]
        assert await asyncio.to_thread(run, *args) == 2
        captured = capsys.readouterr()
    assert [m for m in fake.messages.get(7001, []) if m.from_bot] == []
    assert captured.out == ""
    if weeks_ahead:
        assert captured.err == (
            f"{period} has not begun yet (it begins Monday 1 February 2027 00:00, "
            "Europe/Amsterdam)\n"
        )
    else:
        assert captured.err == (
            "2026-W48 is not over yet (it ends Monday 30 November 2026 00:00, Europe/Amsterdam): "
            "--send sends only a period that has ended; nothing sent\n"
        )
    with cli_services.db.session() as session:
        assert session.exec(select(Digest)).all() == []


def test_a_week_not_over_is_shown_until_now(
    cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --send the running week may be looked at: labelled as not over, until now."""
    fill(cli_services)
    observe(cli_services, "Vandaag gezien", at=DUE)
    assert run("--wijk", "elsrijk", "--period", "2026-W48") == 0
    captured = capsys.readouterr()
    assert captured.err == "2026-W48 is not over yet: this is its digest until now\n"
    assert "23 nov 2026 tot nu (23 nov 08:01) · week 48" in captured.out
    assert "Meldingen: 1 (vorige keer: 5)" in captured.out


def reactions_to_one_statement(services: Services, times: list[datetime]) -> None:
    """One statement, "Te weinig groen", and a reaction at each of `times` by someone else:
    "herken ik" and "herken ik niet" by turns, "herken ik" first."""
    w = wijk_id(services)
    people = [person(services, 100 + i) for i in range(len(times))]
    with services.db.session() as session:
        edition = Edition(wijk_id=w, year=2026)
        session.add(edition)
        session.commit()
        assert edition.id is not None
        item = SpiegelItem(edition_id=edition.id, key="g", kind="weakness", text="Te weinig groen")
        session.add(item)
        session.commit()
        assert item.id is not None
        for i, (pid, when) in enumerate(zip(people, times, strict=True)):
            at = when.astimezone(UTC)
            verdict = "not_recognise" if i % 2 else "recognise"
            session.add(
                Reaction(
                    item_id=item.id,
                    wijk_id=w,
                    person_id=pid,
                    verdict=verdict,
                    created_at=at,
                    updated_at=at,
                )
            )
        session.commit()


def test_digest_spiegel_part_counts_the_same_reactions_as_its_header(
    cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """Six people reacted to a statement last week, two this week. The digest of this week said
    "Reacties op de wijkspiegel: 2" and then, under "De wijkspiegel", "Te weinig groen (4 mensen)"
    twice - once as most "herken ik niet", once as most "herken ik": the part counted every
    reaction ever, without saying so, and the coach could not tell what happened this week."""
    reactions_to_one_statement(cli_services, [IN_W46] * 6 + [IN_W47] * 2)
    assert run("--wijk", "elsrijk", "--period", "2026-W47") == 0
    out = capsys.readouterr().out
    assert "Reacties op de wijkspiegel: 2 (vorige keer: 6)" in out
    part = out.split("De wijkspiegel\n", 1)[1].split("\n\n", 1)[0]
    shown = [int(n) for n in re.findall(r"\((\d+) (?:mensen|persoon)\)", part)]
    labelled_as_total = any(w in part for w in ("tot nu toe", "in totaal", "sinds"))
    assert labelled_as_total or all(n <= 2 for n in shown), part
    # One "herken ik" and one "herken ik niet" this week: listed once, with both sides.
    assert part.count("Te weinig groen") == 1, part
    assert part == "Deze keer vaakst ‘herken ik niet’:\n• Te weinig groen (1 van de 2 mensen)"
    # The week before: six reactions, three each way; this week's two are not in it.
    assert run("--wijk", "elsrijk", "--period", "2026-W46") == 0
    before = capsys.readouterr().out
    assert "Reacties op de wijkspiegel: 6 (vorige keer: 0)" in before
    assert "• Te weinig groen (3 van de 6 mensen)" in before


def test_a_comment_alone_is_no_reaction_in_the_digest_nor_in_the_supplement(
    cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """A resident typed a comment on a statement without saying "herken ik" or not; another
    pressed "herken ik". The digest said "Reacties op de wijkspiegel: 2" where the supplement
    says "Reacties op zinnen: 1" and "Wat weten we nog niet?" counts one reaction: a comment
    alone is a comment (the glossary), counted as such."""
    reactions_to_one_statement(cli_services, [IN_W47])
    w = wijk_id(cli_services)
    at = IN_W47.astimezone(UTC)
    with cli_services.db.session() as session:
        item = session.exec(select(SpiegelItem)).one()
        session.add(
            Reaction(
                item_id=item.id or 0,
                wijk_id=w,
                person_id=person(cli_services, 200),
                comment="Bij ons in de straat valt het mee.",
                commented_at=at,
                created_at=at,
                updated_at=at,
            )
        )
        session.commit()
    assert run("--wijk", "elsrijk", "--period", "2026-W47") == 0
    out = capsys.readouterr().out
    assert "Reacties op de wijkspiegel: 1 (vorige keer: 0)" in out
    assert "Mensen die meededen: 2" in out  # the commenter took part
    assert "Nieuwe opmerkingen (1):" in out
    supplement = ("supplement", "--wijk", "elsrijk", "--year", "2026", "--format", "md")
    assert cli.main(["--config", str(EXAMPLE), *supplement, "--out", "-"]) == 0
    assert "- Reacties op zinnen: 1\n" in capsys.readouterr().out


def test_a_period_with_only_a_comment_is_not_quiet(
    cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    reactions_to_one_statement(cli_services, [IN_W46])
    at = IN_W47.astimezone(UTC)
    with cli_services.db.session() as session:
        reaction = session.exec(select(Reaction)).one()
        reaction.comment, reaction.commented_at, reaction.updated_at = "Nog steeds.", at, at
        session.add(reaction)
        session.commit()
    assert run("--wijk", "elsrijk", "--period", "2026-W47") == 0
    out = capsys.readouterr().out
    assert "Reacties op de wijkspiegel: 0 (vorige keer: 1)" in out
    assert "Nieuwe opmerkingen (1):" in out and "Het was stil" not in out
