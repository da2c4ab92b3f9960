"""A fake Telegram Bot API for tests, benchmarks and the offline demo.

- `FakeTelegram` (state): the in-memory server, its recorder and failure injection.
- `FakeRequest` (request): plugs it into PTB without a network.
- `FakeTelegramServer` (server): the same fake over real HTTP.
- `Harness`, `Person`, `BotMessage` (users): act as people in front of a real Application.

Note for tests: PTB 22.8 warns (PTBDeprecationWarning) whenever a `RetryAfter` is constructed
unless the environment has `PTB_TIMEDELTA=true`; the test suite sets that in conftest.py, never
this package (production code must not change PTB's behaviour behind its back).
"""

from bot.fake_telegram.request import FakeRequest, UploadedFile
from bot.fake_telegram.server import FakeTelegramServer
from bot.fake_telegram.state import (
    FAILURE_KINDS,
    Call,
    FakeChat,
    FakePoll,
    FakeTelegram,
    FakeUser,
    StoredMessage,
    parse_html,
    strip_html,
)
from bot.fake_telegram.users import Alert, BotMessage, Button, Harness, Person, PollView

__all__ = [
    "FAILURE_KINDS",
    "Alert",
    "BotMessage",
    "Button",
    "Call",
    "FakeChat",
    "FakePoll",
    "FakeRequest",
    "FakeTelegram",
    "FakeTelegramServer",
    "FakeUser",
    "Harness",
    "Person",
    "PollView",
    "StoredMessage",
    "UploadedFile",
    "parse_html",
    "strip_html",
]
