"""Webhook mode: our own small HTTP endpoint in front of the Application.

PTB's webhook server (telegram.ext._utils.webhookhandler) lets tornado read a request's whole
body into memory before its handler looks at the secret: one 60 MB POST without the secret took
the bot from 102 to 223 MB. Here the handler streams the body (`stream_request_body`) and decides
from the headers, before the body is read: a body declared over MAX_BODY_BYTES, or of no declared
length, without the secret → 403, with it over the limit → 413; the connection is closed and the
body never read. Nothing is kept of a small body without the secret (403 once it has passed).
A chunked body with the secret is cut off at MAX_BODY_BYTES by tornado.

Updates go onto the Application's update queue, as PTB's own server does; the Application's
life (initialize, post_init, setWebhook, start, stop, shutdown) is run here with PTB's public
API, in the same order as `Application.run_webhook`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import signal
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlparse

import tornado.web
from telegram import Update
from telegram.ext import Application
from tornado.http1connection import HTTP1Connection
from tornado.httpserver import HTTPServer

from bot.core.config import TelegramConfig

_log = logging.getLogger(__name__)

# Telegram's updates are a few kilobytes; the largest (a message with a long text, entities
# and a reply to another long message) stays far below this.
MAX_BODY_BYTES = 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


# The parts of an update that carry a message; Telegram always gives their chat and id.
_MESSAGE_FIELDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "edited_business_message",
)


def _user(value: object) -> bool:
    return (
        isinstance(value, dict)
        and type(value.get("id")) is int
        and type(value.get("is_bot")) is bool
        and isinstance(value.get("first_name"), str)
    )


def _chat(value: object) -> bool:
    return (
        isinstance(value, dict)
        and type(value.get("id")) is int
        and isinstance(value.get("type"), str)
    )


def _absent_or(check: Callable[[object], bool], part: dict[str, Any], name: str) -> bool:
    return name not in part or check(part[name])


def _message(value: object) -> bool:
    """A message as Telegram sends it: its id, date and chat; a sender, when it names one."""
    return (
        isinstance(value, dict)
        and type(value.get("message_id")) is int
        and type(value.get("date")) is int
        and _chat(value.get("chat"))
        and _absent_or(_user, value, "from")
        and _absent_or(_chat, value, "sender_chat")
    )


def _button_press(value: object) -> bool:
    """callback_query: who pressed, and the message the button is on (absent for an inline
    message); the button's data is text (bot/telegram/callbacks.py decodes it)."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("id"), str)
        and _user(value.get("from"))
        and isinstance(value.get("chat_instance"), str)
        and _absent_or(_message, value, "message")
        and _absent_or(lambda data: isinstance(data, str), value, "data")
    )


def _member(value: object) -> bool:
    return (
        isinstance(value, dict)
        and _user(value.get("user"))
        and isinstance(value.get("status"), str)
    )


def _member_change(value: object) -> bool:
    """my_chat_member, chat_member: in which chat, by whom, when, from what to what."""
    return (
        isinstance(value, dict)
        and _chat(value.get("chat"))
        and _user(value.get("from"))
        and type(value.get("date")) is int
        and _member(value.get("old_chat_member"))
        and _member(value.get("new_chat_member"))
    )


def _poll_answer(value: object) -> bool:
    """An answer in a group's Telegram poll: which poll, which options, by whom."""
    if not isinstance(value, dict):
        return False
    options = value.get("option_ids")
    return (
        isinstance(value.get("poll_id"), str)
        and isinstance(options, list)
        and all(type(option) is int for option in options)
        and ("user" in value or "voter_chat" in value)
        and _absent_or(_user, value, "user")
        and _absent_or(_chat, value, "voter_chat")
    )


# What the handlers (bot/wiring.py) read of each kind of update they take. Every other kind
# Telegram may send reaches only the handlers around every update, which read nothing of it.
_SHAPES: dict[str, Callable[[object], bool]] = {
    **{name: _message for name in _MESSAGE_FIELDS},
    "callback_query": _button_press,
    "my_chat_member": _member_change,
    "chat_member": _member_change,
    "poll_answer": _poll_answer,
}


def update_data(body: bytes) -> dict[str, Any]:
    """The JSON of one update, or ValueError: PTB's `Update.de_json` takes any JSON (a list, a
    number, a message without its chat, a button press without who pressed it) and the
    handlers would fail on it later, with a trace."""
    data = json.loads(body)
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        raise ValueError("no update_id")
    for name in Update.ALL_TYPES:
        if name not in data:
            continue
        check = _SHAPES.get(name)
        if not isinstance(data[name], dict) or (check is not None and not check(data[name])):
            raise ValueError(f"{name} not of the shape Telegram sends")
    return data


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """One POST per update; everything else is refused before the body is read."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot_app: AnyApplication, secret: str, max_bytes: int) -> None:
        self.bot_app = bot_app
        self.secret = secret.encode()
        self.max_bytes = max_bytes
        self.chunks: list[bytes] = []
        self.refused = True

    def prepare(self) -> None:
        # Runs when the headers are in, before tornado reads the body (stream_request_body).
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        allowed = hmac.compare_digest(given, self.secret)
        raw = self.request.headers.get("Content-Length")
        declared = int(raw) if raw is not None and raw.isdigit() else None
        if raw is not None and declared is None:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        if declared is None or declared > self.max_bytes:
            # A large or unbounded body: refused now, and the connection is closed unread.
            if not allowed:
                raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
            if declared is not None:
                raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        if isinstance(self.request.connection, HTTP1Connection):
            # A chunked body declares no length: tornado stops reading it at this size.
            self.request.connection.set_max_body_size(self.max_bytes)
        # A small body without the secret is read (and dropped) before the 403: refusing before
        # it is read closes the connection with data unread, and a client then loses the answer.
        self.refused = not allowed

    def data_received(self, chunk: bytes) -> None:
        if not self.refused:
            self.chunks.append(chunk)

    async def post(self) -> None:
        if self.refused:
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        try:
            update = Update.de_json(update_data(b"".join(self.chunks)), self.bot_app.bot)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            # AttributeError: PTB's de_json, given text where Telegram sends an object in a
            # part update_data does not look into. Never the body itself in the log: it holds
            # what someone wrote.
            _log.warning("webhook: a request with the secret that is not an update (%s)", exc)
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        await self.bot_app.update_queue.put(update)
        self.set_status(HTTPStatus.OK)
        self.finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish()  # no page: just the status


def web_application(
    application: AnyApplication, path: str, secret: str, *, max_bytes: int = MAX_BODY_BYTES
) -> tornado.web.Application:
    if not secret:
        raise ValueError("the webhook needs a secret token")
    path = "/" + path.strip("/")
    return tornado.web.Application(
        [
            (
                rf"{re.escape(path)}/?",
                UpdateHandler,
                {"bot_app": application, "secret": secret, "max_bytes": max_bytes},
            )
        ],
        # Tornado's access log puts the client's address on every line; only refusals are
        # logged here, without it.
        log_function=_log_request,
    )


def _log_request(handler: tornado.web.RequestHandler) -> None:
    status = handler.get_status()
    if status >= 400:
        _log.warning("webhook: refused a request with %d", status)


async def serve(application: AnyApplication, config: TelegramConfig, stop: asyncio.Event) -> None:
    """Run the Application behind the webhook until `stop` is set."""
    path = urlparse(config.webhook_url).path
    server = HTTPServer(web_application(application, path, config.webhook_secret))
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        server.listen(config.webhook_port, address=config.webhook_listen)
        await application.bot.set_webhook(config.webhook_url, secret_token=config.webhook_secret)
        await application.start()
        _log.info("webhook: listening on %s:%d", config.webhook_listen, config.webhook_port)
        await stop.wait()
    finally:
        server.stop()
        await server.close_all_connections()
        if application.running:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def run(application: AnyApplication, config: TelegramConfig) -> None:
    """`wijkbot run` in webhook mode: until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(application, config, stop)

    asyncio.run(main())
