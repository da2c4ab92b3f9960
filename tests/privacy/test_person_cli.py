"""`wijkbot person export|erase`: an administrator answers a request by letter (a resident who
lost their phone or left Telegram) with the same file and the same erasure as /mijngegevens and
/vergeetmij."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from telegram import BotCommandScopeChat

from bot.cli import wijkbot as cli
from bot.context import Services
from bot.core import table_changes
from bot.core.i18n import t
from bot.fake_telegram import FakeTelegram, FakeTelegramServer, Harness
from bot.people import persons
from bot.people.actor_cache import ActorCache
from models import Observation, ObservationNote, Person, Role, StoredState
from tests.helpers import FAKE_TOKEN, join_as, onboard
from tests.telegram.test_command_menu import menu

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def run(*args: str) -> int:
    return cli.main(["--config", str(EXAMPLE), "person", *args])


async def send_observation(who: Any, text: str) -> None:
    await who.send("/melding")
    await who.send(text)
    await who.press("Wat kan beter?")
    await who.press("Wonen")
    await who.press("Overslaan")
    await who.press("Nee, alleen")
    await who.press("Versturen")


def pseudonym(services: Services, telegram_id: int) -> str:
    with services.db.session() as session:
        person = persons.get_person(session, telegram_id)
        assert person is not None
        return person.pseudonym


def without_time(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "exported_at"}


async def test_export_writes_the_file_mijngegevens_sends(
    bot: Harness,
    cli_services: Services,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Named by Telegram id, by the pseudonym the desk shows, or by an observation they sent:
    the same file, with the same name and the guide in their language, as /mijngegevens."""
    alice = await onboard(bot, 1001, "Alice")
    await send_observation(alice, "Lantaarn kapot bij de school")
    replies = await alice.send("/mijngegevens")
    document = next(m for m in replies if m.kind == "document")
    in_chat = json.loads(document.file_bytes or b"")
    with cli_services.db.session() as session:
        (observation,) = session.exec(select(Observation)).all()
    monkeypatch.chdir(tmp_path)
    for who in ("1001", pseudonym(cli_services, 1001).lower(), observation.reference):
        assert run("export", "--person", who) == 0
        out = capsys.readouterr().out
        written = tmp_path / (document.filename or "")
        assert out.startswith(f"wrote {document.filename} (")
        assert without_time(json.loads(written.read_bytes())) == without_time(in_chat)
        written.unlink()
    # In English for the letter's writer; to standard output.
    assert run("export", "--person", "1001", "--lang", "en", "--out", "-") == 0
    english = json.loads(capsys.readouterr().out)
    assert "guide" in english and english["observations"][0]["text"] == observation.text
    # A folder that is not there is bad input, as for `wijkbot supplement --out`: 2, one line.
    missing = tmp_path / "no" / "such.json"
    assert run("export", "--person", "1001", "--out", str(missing)) == 2
    said = capsys.readouterr()
    assert said.out == ""
    assert said.err == (f"{missing}: the folder {missing.parent} does not exist; nothing written\n")
    assert not missing.parent.exists()


async def test_export_or_erase_of_nobody_or_of_several_says_so(
    bot: Harness, cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    await onboard(bot, 1001, "Alice")
    await onboard(bot, 1002, "Bert")
    with cli_services.db.session() as session:
        for person in session.exec(select(Person)).all():
            # A pseudonym is one person's; a name they share may be several people's.
            person.display_name, person.share_name = "Jan de Vries", True
            session.add(person)
        session.commit()
    assert run("export", "--person", "jan de vries") == 2
    assert "'jan de vries' fits 2 people: name one by Telegram id (1001, 1002)" in (
        capsys.readouterr().err
    )
    for who in ("Buur-99", "99999999999999999999999", "M-1", "M-99999999999", "%"):
        assert run("erase", "--person", who, "--yes") == 2
        assert f"nobody known as {who!r}" in capsys.readouterr().err
    with cli_services.db.session() as session:
        assert len(session.exec(select(Person)).all()) == 2


async def test_erase_asks_what_happens_to_contributions_and_for_yes(
    bot: Harness, cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """As /vergeetmij: their observations deleted or kept without a name, as they asked; and
    nothing before --yes. Then the bot knows them no more."""
    alice = await onboard(bot, 1001, "Alice")
    await send_observation(alice, "Lantaarn kapot bij de school")
    await onboard(bot, 1002, "Bert")
    buur = pseudonym(cli_services, 1001)
    assert run("erase", "--person", buur) == 2
    err = capsys.readouterr().err
    assert f"{buur} (Telegram 1001; resident in " in err
    assert "sent 1 observation(s), 0 reaction(s) and 0 vote(s): add --contributions delete" in err
    assert run("erase", "--person", buur, "--contributions", "keep") == 2
    assert "nothing erased: add --yes to erase" in capsys.readouterr().err
    with cli_services.db.session() as session:
        assert persons.get_person(session, 1001) is not None

    with cli_services.db.session() as session:
        (sent,) = session.exec(select(Observation)).all()
        session.add(ObservationNote(observation_id=sent.id or 0, text="Mevrouw Jansen belde"))
        session.commit()
    assert run("erase", "--person", buur, "--contributions", "keep", "--yes") == 0
    out = capsys.readouterr().out
    assert "kept without a name: 1 observation(s)" in out
    assert "1 observation(s) lost the coaches' notes on them" in out
    with cli_services.db.session() as session:
        assert persons.get_person(session, 1001) is None
        (kept,) = session.exec(select(Observation)).all()
        assert kept.person_id is None and kept.text == "Lantaarn kapot bij de school"
        # The note could name her: it went with her (the observation says when notes were here).
        assert session.exec(select(ObservationNote)).all() == []
        assert kept.notes_removed_at is not None
        assert persons.get_person(session, 1002) is not None
    # Nobody with nothing sent needs --contributions.
    assert run("erase", "--person", "1002", "--yes") == 0
    assert "deleted: 0 observation(s)" in capsys.readouterr().out
    # The bot no longer knows Alice: she would start again.
    replies = await alice.send("/mijnmeldingen")
    assert replies[-1].text is not None
    assert replies[-1].text.startswith(t("nl", "errors.start_first"))  # the statement below it


async def test_erasing_a_coach_gives_their_chat_everyones_menu(
    bot: Harness,
    cli_services: Services,
    fake: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await join_as(bot, cli_services, 2001, "Carla", Role.COACH, "elsrijk")
    assert "wijkoverzicht" in menu(fake, BotCommandScopeChat(2001))
    async with FakeTelegramServer(fake) as server:
        monkeypatch.setenv("WIJKBOT_TOKEN", FAKE_TOKEN)
        monkeypatch.setenv("WIJKBOT_BOT_API_URL", server.base_url)
        args = ("erase", "--person", "2001", "--yes")
        assert await asyncio.to_thread(run, *args) == 0
    assert "erased Buur-" in capsys.readouterr().out
    assert menu(fake, BotCommandScopeChat(2001)) == []
    with cli_services.db.session() as session:
        assert persons.get_person(session, 2001) is None


async def test_erasing_someone_who_chose_dutch_with_an_english_app_removes_their_menu(
    bot: Harness,
    cli_services: Services,
    fake: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Emma's Telegram app is in English; she chose Nederlands, so her chat has a Dutch menu of
    its own. Erased on the command line, her chat goes back to everyone's menu."""
    emma = await onboard(bot, 5001, "Emma", language_code="en")
    await emma.send("/language")
    await emma.press("Nederlands")
    assert "mijngegevens" in menu(fake, BotCommandScopeChat(5001))
    async with FakeTelegramServer(fake) as server:
        monkeypatch.setenv("WIJKBOT_TOKEN", FAKE_TOKEN)
        monkeypatch.setenv("WIJKBOT_BOT_API_URL", server.base_url)
        args = ("erase", "--person", "5001", "--yes")
        assert await asyncio.to_thread(run, *args) == 0
    assert menu(fake, BotCommandScopeChat(5001)) == []


@contextmanager
def as_another_process() -> Iterator[None]:
    """The command line runs in a process of its own: the running bot's caches do not see its
    writes (bot/core/table_changes.py counts this process's only). In the test it runs here,
    so its writes are counted apart."""
    writes, rollbacks = table_changes._writes, table_changes._rollbacks
    table_changes._writes, table_changes._rollbacks = defaultdict(int), [0]
    try:
        yield
    finally:
        table_changes._writes, table_changes._rollbacks = writes, rollbacks


def stored_states(services: Services, telegram_id: int) -> list[str]:
    with services.db.session() as session:
        rows = session.exec(select(StoredState).where(StoredState.key == str(telegram_id)))
        return [row.data for row in rows.all()]


async def test_erased_on_the_command_line_while_the_bot_holds_a_draft(
    bot: Harness, cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """Alice is halfway through an observation when an administrator erases her on the command
    line, another process. The running bot still held her draft and who she was: her next press
    on the old message or her next text found them and went on as if she were still there. Now
    that update finds her gone: she sees the privacy statement, the old draft is dropped and
    stored nowhere, and after Akkoord she starts afresh. The bot asks once per half minute
    (the actor cache's ttl), as for any change another process makes."""
    now = [0.0]
    cli_services.actors = ActorCache(ttl=30.0, clock=lambda: now[0])
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/melding")
    await alice.send("Lantaarn kapot bij de school")
    (step,) = await alice.press("Wat kan beter?")
    assert "Wonen" in step.button_texts
    assert any("Lantaarn" in data for data in stored_states(cli_services, 1001))

    with as_another_process():
        assert run("erase", "--person", "1001", "--yes") == 0
    assert "erased Buur-" in capsys.readouterr().out
    assert stored_states(cli_services, 1001) == []
    now[0] += 31  # the bot last read who she is more than ttl ago

    # Her next press, on the old step's button: the privacy statement, nothing stored.
    replies = await alice.press("Wonen", message=step)
    assert (replies[-1].text or "").startswith(t("nl", "errors.start_first"))
    assert "Akkoord" in replies[-1].button_texts
    assert stored_states(cli_services, 1001) == []
    with cli_services.db.session() as session:
        assert persons.get_person(session, 1001) is None
        assert session.exec(select(Observation)).all() == []
    # Typing: the same, and the draft is not offered as left unsent.
    replies = await alice.send("Nog iets")
    assert (replies[-1].text or "").startswith(t("nl", "errors.start_first"))
    assert all("Lantaarn" not in r.plain_text for r in replies)
    assert stored_states(cli_services, 1001) == []

    # She joins again: a newcomer, with no trace of the old run.
    await alice.press("Akkoord")
    await alice.press("Elsrijk")
    assert all("Lantaarn" not in data for data in stored_states(cli_services, 1001))
    replies = await alice.press("Wonen", message=step)
    assert all("Lantaarn" not in r.plain_text for r in replies)
    with cli_services.db.session() as session:
        assert session.exec(select(Observation)).all() == []
    assert bot.errors == []
