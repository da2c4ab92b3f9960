"""Webhook mode: `wijkbot run` registers its public URL with the secret token, refuses requests
without that secret, and answers a real update sent to it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from telegram import Chat, Message, MessageEntity, Update, User

from bot.core import migrate
from bot.core.database import create_db_engine
from bot.fake_telegram import FakeTelegram, FakeTelegramServer
from tests.conftest import REPO
from tests.helpers import FAKE_TOKEN

TOKEN = FAKE_TOKEN
SECRET = "s3cret-token-for-the-webhook_0123"

WIJKBOT = [sys.executable, "-m", "bot.cli.wijkbot"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for(condition, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.1)


async def test_webhook_with_secret_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    fake = FakeTelegram(bot_username="wijkspiegel_bot")
    fake.add_user(1001, "Alice", language_code="nl")
    port = free_port()
    log = tmp_path / "bot.log"
    async with FakeTelegramServer(fake) as server:
        env = {
            **os.environ,
            "WIJKBOT_TOKEN": TOKEN,
            "WIJKBOT_BOT_API_URL": server.base_url,
            "WIJKBOT_TELEGRAM_BOT_API_FILE_URL": server.base_file_url,
            "WIJKBOT_DATABASE_URL": url,
            "WIJKBOT_OPENDATA_ENABLED": "false",
            "WIJKBOT_TELEGRAM_MODE": "webhook",
            "WIJKBOT_TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram-hook",
            "WIJKBOT_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "WIJKBOT_TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
            "WIJKBOT_TELEGRAM_WEBHOOK_PORT": str(port),
        }
        process = spawn(env, log)
        try:
            await wait_for(lambda: bool(fake.calls_to("setWebhook")))
            (registered,) = fake.calls_to("setWebhook")
            assert registered.params["url"] == "https://bot.example.org/telegram-hook"
            assert registered.params["secret_token"] == SECRET

            alice = User(1001, "Alice", False, language_code="nl")
            update = Update(
                1,
                message=Message(
                    1,
                    fake_now(),
                    Chat(1001, "private"),
                    from_user=alice,
                    text="/start",
                    entities=[MessageEntity(MessageEntity.BOT_COMMAND, 0, 6)],
                ),
            )
            body = json.dumps(update.to_dict())
            hook = f"http://127.0.0.1:{port}/telegram-hook"
            async with httpx.AsyncClient() as client:
                for _ in range(100):  # the server may still be starting
                    try:
                        refused = await client.post(
                            hook, content=body, headers={"Content-Type": "application/json"}
                        )
                        break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.1)
                assert refused.status_code == 403  # no secret: refused
                wrong = await client.post(
                    hook,
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Telegram-Bot-Api-Secret-Token": "wrong",
                    },
                )
                assert wrong.status_code == 403
                assert not fake.calls_to("sendMessage")
                accepted = await client.post(
                    hook,
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Telegram-Bot-Api-Secret-Token": SECRET,
                    },
                )
                assert accepted.status_code == 200
            await wait_for(lambda: bool(fake.calls_to("sendMessage")))
            (reply,) = fake.calls_to("sendMessage")
            assert reply.params["chat_id"] == 1001
            assert "Eerst over je gegevens" in reply.params["text"]
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    output = log.read_text(errors="replace")
    assert TOKEN not in output and SECRET not in output


def spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "bot.cli.wijkbot",
        "--config",
        str(REPO / "config.example.toml"),
    ]
    return subprocess.Popen(
        [*command, "run"], cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def fake_now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)
