"""A restart in the middle of onboarding continues where the person was.

In-process on both databases (the Application is dropped without its final persistence flush,
as a kill -9 would), and once for real: `wijkbot run` in a subprocess against the fake Bot API
served over HTTP, killed with SIGKILL and started again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlmodel import select
from telegram import Update

from bot.context import Services
from bot.core import migrate
from bot.core.database import create_db_engine
from bot.fake_telegram import FakeTelegram, FakeTelegramServer, Harness
from bot.fake_telegram.users import BotMessage
from bot.opendata.clients import PdokClient, WijkArea, demo_transport
from models import Person, Wijk
from tests.conftest import REPO, make_app
from tests.helpers import FAKE_TOKEN

WIJKBOT = [sys.executable, "-m", "bot.cli.wijkbot"]


def wijk_of(services: Services, telegram_id: int) -> str | None:
    with services.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_id == telegram_id)).one()
        wijk = session.get(Wijk, person.current_wijk_id) if person.current_wijk_id else None
        return wijk.slug if wijk else None


async def crash(harness: Harness) -> None:
    """Stop the Application the way kill -9 would: no final update_persistence()."""

    async def nothing() -> None:
        return None

    harness.app.update_persistence = nothing  # type: ignore[method-assign]
    await harness.__aexit__(None, None, None)


async def test_restart_while_typing_postcode(services: Services, fake: FakeTelegram) -> None:
    services.pdok = PdokClient(
        gemeentecode="0362",
        areas=[WijkArea.of(w) for w in services.config.wijken],
        transport=demo_transport(),
    )
    first = Harness(make_app(services, fake), fake)
    await first.__aenter__()
    alice = first.user(1001, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    await alice.press("Ik weet mijn wijk niet")
    await crash(first)

    second = Harness(make_app(services, fake), fake)
    async with second:
        alice = second.user(1001, "Alice")
        (proposal,) = await alice.send("1186ZF 15")
        assert "Keizer Karelpark" in proposal.plain_text
        await alice.press("Ja, dat klopt")
    assert wijk_of(services, 1001) == "keizer-karelpark"


async def test_restart_with_wijk_list_open(services: Services, fake: FakeTelegram) -> None:
    first = Harness(make_app(services, fake), fake)
    await first.__aenter__()
    alice = first.user(1001, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    listing = alice.last
    await crash(first)

    async with Harness(make_app(services, fake), fake) as second:
        alice = second.user(1001, "Alice")
        # The button on the message from before the restart still works: its flow survived.
        await alice.press("Uilenstede", message=listing)
        assert alice.alerts == []
        assert "Je wijk: Uilenstede" in alice.last.plain_text
    assert wijk_of(services, 1001) == "uilenstede"


# --- the real thing: a process, polling over HTTP, kill -9 ----------------------------------------


class RemoteHarness(Harness):
    """Acts as users against a bot running in another process: updates go to getUpdates."""

    def __init__(self, fake: FakeTelegram) -> None:
        super().__init__(app=None, fake=fake)  # type: ignore[arg-type]

    async def act(self, update: Update, *, chats: Any) -> list[BotMessage]:
        mark = len(self.fake.events)
        self.fake.enqueue_update(update)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        quiet_since: float | None = None
        seen = mark
        while loop.time() < deadline:
            await asyncio.sleep(0.05)
            if self.fake.pending_updates == 0 and len(self.fake.events) > mark:
                if len(self.fake.events) != seen:
                    seen, quiet_since = len(self.fake.events), loop.time()
                elif quiet_since is not None and loop.time() - quiet_since > 0.5:
                    return self.collect(mark, chats)
        raise AssertionError("the bot process did not answer within 30 s")


def start_bot(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli.wijkbot",
            "--config",
            str(REPO / "config.example.toml"),
            "run",
        ],
        cwd=REPO,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


async def test_kill_9_during_onboarding_resumes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    fake = FakeTelegram(bot_username="wijkspiegel_bot")
    token = FAKE_TOKEN
    log = tmp_path / "bot.log"
    async with FakeTelegramServer(fake) as server:
        env = {
            **os.environ,
            "WIJKBOT_TOKEN": token,
            "WIJKBOT_BOT_API_URL": server.base_url,
            "WIJKBOT_TELEGRAM_BOT_API_FILE_URL": server.base_file_url,
            "WIJKBOT_DATABASE_URL": url,
            "WIJKBOT_OPENDATA_ENABLED": "false",
            # The harness takes half a second of quiet as "answered"; the bot's second's pause
            # between two messages in a chat would end an answer early (as in conftest).
            "WIJKBOT_TELEGRAM_RATE_CHAT_PER_SECOND": "0",
        }
        harness = RemoteHarness(fake)
        alice = harness.user(1001, "Alice")
        process = start_bot(env, log)
        try:
            (privacy,) = await alice.send("/start")
            assert "Eerst over je gegevens" in privacy.plain_text
            await alice.press("Akkoord")
            listing = alice.last
            assert "In welke wijk woon je?" in listing.plain_text
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)

            process = start_bot(env, log)
            await alice.press("Westwijk", message=listing)
            assert alice.alerts == []
            assert "Je wijk: Westwijk" in alice.last.plain_text
            assert "Wat wil je doen?" in alice.last.plain_text
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    output = log.read_text(errors="replace")
    assert token not in output and "FAKE_test_token_not_a_real_one_00" not in output
