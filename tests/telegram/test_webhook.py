"""Webhook mode: `wijkbot run` registers its public URL with the secret token, refuses requests
without that secret, and answers a real update sent to it."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from telegram import Chat, Message, MessageEntity, Update, User

from bot.context import Services
from bot.core import migrate
from bot.core.database import create_db_engine
from bot.fake_telegram import FakeTelegram, FakeTelegramServer, Harness
from bot.telegram import webhook
from tests.conftest import REPO
from tests.helpers import FAKE_TOKEN, delivered_updates
from tests.polls.test_poll_wizard import create_poll, member, only_poll

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

            # Refused from the headers alone: the 60 MB body is never sent, and an answer comes
            # all the same (a server that read the body first would still be waiting for it).
            huge = {"Content-Type": "application/json", "Content-Length": str(60 * 2**20)}
            assert await raw_post(port, "/telegram-hook", huge) == 403
            wrong_secret = {**huge, "X-Telegram-Bot-Api-Secret-Token": "wrong"}
            assert await raw_post(port, "/telegram-hook", wrong_secret) == 403
            with_secret = {**huge, "X-Telegram-Bot-Api-Secret-Token": SECRET}
            assert await raw_post(port, "/telegram-hook", with_secret) == 413
            with_secret["Content-Length"] = str(2 * 2**20)  # just over the 1 MB limit
            assert await raw_post(port, "/telegram-hook", with_secret) == 413
            assert len(fake.calls_to("sendMessage")) == 1
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    output = log.read_text(errors="replace")
    assert TOKEN not in output and SECRET not in output


async def raw_post(port: int, path: str, headers: dict[str, str]) -> int:
    """Send only a POST's headers (no body) and return the status the server answers with."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = [
            f"POST {path} HTTP/1.1",
            "Host: 127.0.0.1",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    except TimeoutError:
        raise AssertionError("the server waited for the body instead of answering") from None
    finally:
        writer.close()
    return int(status_line.split()[1])


async def test_webhook_endpoint_in_front_of_the_application(bot: Harness) -> None:
    """The endpoint `wijkbot run` serves, in front of the real Application: an update with the
    secret is answered; a body of no declared length is cut off at the limit; a request with the
    secret that is not an update is refused and nothing of it is logged."""
    from tornado.httpserver import HTTPServer

    port = free_port()
    server = HTTPServer(webhook.web_application(bot.app, "/hook", SECRET, max_bytes=4096))
    server.listen(port, address="127.0.0.1")
    try:
        bot.user(1001, "Alice")
        update = Update(
            7,
            message=Message(
                1,
                fake_now(),
                Chat(1001, "private"),
                from_user=User(1001, "Alice", False, language_code="nl"),
                text="/start",
                entities=[MessageEntity(MessageEntity.BOT_COMMAND, 0, 6)],
            ),
        )
        headers = {"Content-Type": "application/json", webhook.SECRET_HEADER: SECRET}
        async with httpx.AsyncClient() as client:
            hook = f"http://127.0.0.1:{port}/hook"
            answer = await client.post(hook, json=update.to_dict(), headers=headers)
            assert answer.status_code == 200
            await wait_for(lambda: bool(bot.fake.calls_to("sendMessage")))
            assert (
                await client.post(hook, content=b"{not json", headers=headers)
            ).status_code == 400
            assert (await client.get(hook, headers=headers)).status_code == 405

        # Chunked: no length declared. Tornado stops at the limit when the chunk sizes pass it,
        # before the chunk's data is read.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head = f"POST /hook HTTP/1.1\r\nHost: x\r\n{webhook.SECRET_HEADER}: {SECRET}\r\n"
        writer.write(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode())
        writer.write(b"c00\r\n" + b"x" * 0xC00 + b"\r\n" + b"c00\r\n")  # 3 KB, then 3 more
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=5)
        writer.close()
        assert int(status_line.split()[1]) in (400, 413)
        assert bot.app.update_queue.qsize() == 0
    finally:
        server.stop()
        await server.close_all_connections()


def _chatless_message() -> bytes:
    # Any moment will do: the endpoint refuses it before a handler looks at its date.
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    message = Message(1, moment, Chat(1001, "private"), text="hallo").to_dict()
    del message["chat"]
    return json.dumps(Update(31, message=None).to_dict() | {"message": message}).encode()


def _update(**kind: object) -> bytes:
    """Update 31 of one kind, its JSON as given (as a client that is not Telegram may send it)."""
    return json.dumps({"update_id": 31, **kind}).encode()


_ALICE = {"id": 1001, "is_bot": False, "first_name": "Alice"}
_PRIVATE = {"id": 1001, "type": "private"}
_GROUP = {"id": -4001, "type": "group", "title": "BIG Elsrijk"}
_SHOWN = {"message_id": 5, "date": 1767225600, "chat": _PRIVATE, "text": "Eerst over je gegevens"}


def _pressed(**fields: object) -> bytes:
    press = {"id": "77", "from": _ALICE, "chat_instance": "c1", "data": "ok:nl:y:-"}
    press.update(fields)
    return _update(callback_query={k: v for k, v in press.items() if v is not None})


def _bot_added(**fields: object) -> bytes:
    bot = {"id": 1, "is_bot": True, "first_name": "Wijkbot"}
    change = {
        "chat": _GROUP,
        "from": _ALICE,
        "date": 1767225600,
        "old_chat_member": {"user": bot, "status": "left"},
        "new_chat_member": {"user": bot, "status": "member"},
    }
    change.update(fields)
    return _update(my_chat_member={k: v for k, v in change.items() if v is not None})


NOT_AN_UPDATE = {
    "array": b"[]",
    "null": b"null",
    "number": b"42",
    "string": b'"update"',
    "deeply nested": b"[" * 5000 + b"]" * 5000,
    "update_id as text": json.dumps({"update_id": "31"}).encode(),
    "message without its chat": _chatless_message(),
    "edited message of the wrong shape": _update(edited_message=["hallo"]),
    "edited message from no one": _update(edited_message={**_SHOWN, "from": 1001}),
    "button press as text": _update(callback_query="ok:nl:y:-"),
    "button press without its from": _pressed(**{"from": None, "message": _SHOWN}),
    "button press with a message as text": _pressed(message="Eerst over je gegevens"),
    "button press with a message without its chat": _pressed(
        message={"message_id": 5, "date": 1767225600}
    ),
    "button press with data that is no text": _pressed(data=7, message=_SHOWN),
    "bot added without the chat": _bot_added(chat=None),
    "bot added without its new membership": _bot_added(new_chat_member=None),
    "bot added with a membership as text": _bot_added(old_chat_member="left"),
    "poll answer with options as text": _update(
        poll_answer={"poll_id": "p1", "option_ids": "0", "user": _ALICE}
    ),
    "inline query as a number": _update(inline_query=7),
}


@pytest.mark.parametrize("name", list(NOT_AN_UPDATE))
async def test_json_with_the_secret_that_is_no_update_is_refused_without_a_trace(
    bot: Harness, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    """Only a holder of the secret can send these, but a 500 makes Telegram send it again and
    again, and a message without its chat would fail in the handlers with a trace."""
    from tornado.httpserver import HTTPServer

    caplog.set_level(logging.INFO)
    bot.raise_errors = False
    port = free_port()
    server = HTTPServer(webhook.web_application(bot.app, "/hook", SECRET, max_bytes=2**20))
    server.listen(port, address="127.0.0.1")
    try:
        headers = {"Content-Type": "application/json", webhook.SECRET_HEADER: SECRET}
        async with httpx.AsyncClient() as client:
            answer = await client.post(
                f"http://127.0.0.1:{port}/hook", content=NOT_AN_UPDATE[name], headers=headers
            )
        await bot.settle(max_wait=1)
    finally:
        server.stop()
        await server.close_all_connections()
    assert answer.status_code == 400
    assert bot.app.update_queue.qsize() == 0
    assert not [r.getMessage() for r in caplog.records if r.exc_info]


async def test_every_kind_of_update_the_bot_takes_passes_the_check(
    bot: Harness, services: Services
) -> None:
    """What Telegram sends (the fake's updates, built from PTB's objects) is never refused:
    messages and their edits, button presses, the bot added to, upgraded in and removed from a
    group, answers in the group's Telegram poll, a person blocking the bot."""
    updates = delivered_updates(bot)
    bea = await member(bot, services, 2001, "Bea")
    group = bot.group(-4001, "BIG Elsrijk", admins=[bea.id], supergroup=False, bot_is_member=False)
    await bea.add_bot(group)
    await bea.send("/verbind", chat=group)
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    poll = only_poll(services)
    assert poll.telegram_poll_id is not None
    await bea.answer_poll(poll.telegram_poll_id, [1])
    await bea.upgrade_group(group)
    await bea.remove_bot(bot.fake.chats[group.migrated_to or 0])
    await bea.edit(bea.sent[-1], "Wat eerst? (veranderd)")
    await bea.block_bot()

    kinds = {name for data in updates for name in data if name != "update_id"}
    assert kinds == {"message", "edited_message", "callback_query", "my_chat_member", "poll_answer"}
    for data in updates:
        assert webhook.update_data(json.dumps(data).encode()) == data


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
