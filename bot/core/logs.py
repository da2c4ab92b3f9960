"""Logging set-up. The bot token must never reach a log line: httpx logs request URLs (which
contain it) at INFO, so httpx is quietened, and a filter masks anything token-shaped anyway.

Nor does what people wrote or who they are on Telegram, at any level: PTB logs whole updates and
Bot API calls at DEBUG and SQLAlchemy its statements at INFO, so those stay at WARNING or above
whatever the configured level (failed statements do not carry their parameters:
bot/core/database.py), and our own lines name a person or chat by `pseudonym(telegram_id)`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets as _secrets
import sys
from typing import Any

TOKEN_SHAPE = re.compile(r"\d{5,12}:[A-Za-z0-9_-]{30,}")
# PostgreSQL's errors quote the row's values ("DETAIL:  Key (telegram_id)=(…) already exists."),
# and psycopg cannot be told to leave them out (libpq's terse verbosity is not exposed).
PG_DETAIL = re.compile(r"DETAIL:[^\n]*")


# Third-party loggers whose lines below WARNING hold updates, message texts, statement
# parameters or URLs with the token in them.
# alembic.runtime.plugins: seven "setup plugin ..." lines at every start (the schema check); the
# upgrade's own "Running upgrade ..." lines (logger alembic.runtime.migration) stay.
QUIET = (
    "httpx",
    "httpcore",
    "apscheduler",
    "telegram",
    "sqlalchemy",
    "tornado",
    "alembic.runtime.plugins",
)
# Keyed, so that the short tags cannot be turned back into Telegram ids by hashing every
# possible id; setup_logging derives the key from the bot's own secrets, which keeps a person's
# tag the same across restarts.
_pseudonym_key = [_secrets.token_bytes(32)]


def pseudonym(telegram_id: int | None) -> str:
    """A short stable tag for a Telegram user or chat id, for log lines that must tell people
    (or chats) apart: never the id itself."""
    if telegram_id is None:
        return "-"
    digest = hmac.new(_pseudonym_key[0], str(telegram_id).encode(), hashlib.sha256)
    return "t" + digest.hexdigest()[:10]


def set_pseudonym_key(*secrets: str) -> None:
    material = "\0".join(s for s in secrets if s)
    if material:
        _pseudonym_key[0] = hashlib.sha256(b"wijkbot log pseudonyms\0" + material.encode()).digest()


class RedactTokens(logging.Filter):
    """Masks the bot token (and other secrets given) and PostgreSQL's DETAIL lines."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return PG_DETAIL.sub("DETAIL: <hidden>", TOKEN_SHAPE.sub("<token>", text))

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is now (test runners swap it), not the one at set-up."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup_logging(level: str = "INFO", *secrets: str) -> None:
    handler = _CurrentStderr()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens(*secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    set_pseudonym_key(*secrets)
