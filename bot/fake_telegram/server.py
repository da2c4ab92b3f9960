"""`FakeTelegram` over real HTTP, for code that talks to Telegram with its own HTTP client.

Runs inside the caller's asyncio loop (tornado 6 is asyncio-based and comes with PTB's webhooks
extra). Routes like api.telegram.org: `POST /bot<token>/<method>` and
`GET /file/bot<token>/<file_path>`.

PTB's `HTTPXRequest` sends form fields (`application/x-www-form-urlencoded`, or multipart when
files are attached) where strings go as-is and every other value is JSON-encoded. The wire
format does not say which was which, so - like the real server - we decode per field: known
string fields stay strings, the rest is JSON-decoded when it parses. Then `handle` gets the same
params as through `FakeRequest`.
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram.error import TimedOut

from bot.fake_telegram.request import UploadedFile, resolve_attachments
from bot.fake_telegram.state import FakeTelegram

#: Fields whose values are strings in the Bot API even when they look like JSON ("123", "true").
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "question",
        "explanation",
        "description",
        "short_description",
        "parse_mode",
        "caption_parse_mode",
        "question_parse_mode",
        "explanation_parse_mode",
        "description_parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "url",
        "action",
        "title",
        "name",
        "username",
        "first_name",
        "last_name",
        "phone_number",
        "address",
        "emoji",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "custom_title",
        "file_id",
        "photo",
        "document",
        "sticker",
        "video",
        "audio",
        "voice",
        "animation",
        "secret_token",
        "ip_address",
        "foursquare_id",
        "google_place_id",
    }
)


def decode_field(name: str, raw: str) -> Any:
    if name in STRING_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class _ApiHandler(tornado.web.RequestHandler):
    fake: FakeTelegram

    def initialize(self, fake: FakeTelegram) -> None:  # tornado's per-request hook
        self.fake = fake

    def check_xsrf_cookie(self) -> None:
        """An API endpoint, not a form: no XSRF."""

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        params: dict[str, Any] = {}
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            params.update(json.loads(self.request.body))
        for source in (self.request.query_arguments, self.request.body_arguments):
            for name, values in source.items():
                params[name] = decode_field(name, values[-1].decode())
        files = {
            name: UploadedFile(
                filename=parts[-1].filename or name,
                content=parts[-1].body,
                mimetype=parts[-1].content_type or "application/octet-stream",
            )
            for name, parts in self.request.files.items()
        }
        params = {key: resolve_attachments(value, files) for key, value in params.items()}
        for name, uploaded in files.items():
            if not name.startswith("attached"):  # PTB's attach:// part names
                params.setdefault(name, uploaded)
        try:
            status, body = await self.fake.handle(method, params)
        except TimedOut:
            # An in-process FakeRequest raises TimedOut itself; over HTTP the closest honest
            # answer is a gateway timeout (PTB raises NetworkError, TimedOut's base class).
            status, body = (
                504,
                json.dumps(
                    {"ok": False, "error_code": 504, "description": "Gateway Timeout"}
                ).encode(),
            )
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(body)


class _FileHandler(tornado.web.RequestHandler):
    fake: FakeTelegram

    def initialize(self, fake: FakeTelegram) -> None:
        self.fake = fake

    def get(self, token: str, path: str) -> None:
        status, body = self.fake.download(path)
        self.set_status(status)
        self.finish(body)


class FakeTelegramServer:
    """`await server.start()`, then point a Bot at `server.base_url` / `server.base_file_url`."""

    def __init__(self, fake: FakeTelegram, host: str = "127.0.0.1", port: int = 0) -> None:
        self.fake = fake
        self.host = host
        self.port = port
        self._server: tornado.httpserver.HTTPServer | None = None
        self._sockets: list[socket.socket] = []

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([^/]+)", _ApiHandler, {"fake": self.fake}),
                (r"/file/bot([^/]+)/(.+)", _FileHandler, {"fake": self.fake}),
            ]
        )
        # Bind ourselves so port=0 works and we can read the port the OS picked.
        self._sockets = tornado.netutil.bind_sockets(self.port, self.host)
        self.port = self._sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(self._sockets)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            # Let long-polling getUpdates handlers answer instead of dying with the loop (which
            # tornado would log as a 500).
            self.fake.release_long_polls()
            for _ in range(3):
                await asyncio.sleep(0)
            await self._server.close_all_connections()
            self._server = None

    async def __aenter__(self) -> FakeTelegramServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
