"""Telegram Mini App initData, checked on the server exactly as Telegram documents it
(core.telegram.org/bots/webapps, "Validating data received via the Mini App"):

    data_check_string = "\\n".join(sorted(f"{key}={value}" for every field except hash))
    secret_key        = HMAC_SHA256(key=b"WebAppData", msg=bot_token)
    hash              = hex(HMAC_SHA256(key=secret_key, msg=data_check_string))

compared in constant time; `auth_date` may be at most `max_age` seconds old. The same initData
opens one session only: `claim` stores its hash (table desk_init_data) until it would have
expired anyway, and a second claim of it fails, in this process and in any other.

No Starlette here: the web routes call `validate` and `claim`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from models import DeskInitData

# A client's clock a little ahead of ours is not an attack.
FUTURE_SKEW = timedelta(seconds=60)
MAX_LENGTH = 8192


class InitDataError(Exception):
    """Why initData was refused: "malformed", "forged" or "expired" (for the log; the person
    reads one refusal for all)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InitData:
    telegram_id: int
    auth_date: datetime
    hash: str
    language_code: str | None
    fields: dict[str, str]


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """initData as Telegram would send it for `fields` (tests, and the browser tests' stand-in
    for telegram-web-app.js): the fields with their hash, URL-encoded."""
    fields = {k: v for k, v in fields.items() if k != "hash"}
    digest = hmac.new(
        secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()
    return urlencode({**fields, "hash": digest})


def user_fields(telegram_id: int, auth_date: datetime, **user: Any) -> dict[str, str]:
    """The fields Telegram sends for a user (a convenience for tests and the demo)."""
    return {
        "auth_date": str(int(auth_date.timestamp())),
        "query_id": "AAH" + str(telegram_id),
        "user": json.dumps({"id": telegram_id, "first_name": "Coach", **user}),
    }


def validate(raw: str, bot_token: str, *, now: datetime, max_age: timedelta) -> InitData:
    """The initData's user, if Telegram signed it with this bot's token and it is fresh."""
    if not raw or len(raw) > MAX_LENGTH:
        raise InitDataError("malformed")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):  # a key twice: which one did Telegram sign?
        raise InitDataError("malformed")
    given = fields.get("hash", "")
    expected = hmac.new(
        secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise InitDataError("forged")
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), tz=now.tzinfo)
        user = json.loads(fields["user"])
        telegram_id = int(user["id"])
    except (KeyError, ValueError, TypeError, OverflowError):
        raise InitDataError("malformed") from None
    if auth_date > now + FUTURE_SKEW or now - auth_date > max_age:
        raise InitDataError("expired")
    language = user.get("language_code")
    return InitData(
        telegram_id=telegram_id,
        auth_date=auth_date,
        hash=expected,
        language_code=language if isinstance(language, str) else None,
        fields=fields,
    )


def claim(session: Session, data: InitData, *, now: datetime, max_age: timedelta) -> bool:
    """True the first time this initData opens a session; False when it did before (replay).

    Its hash is kept until the initData would have expired anyway; older ones are dropped."""
    session.execute(delete(DeskInitData).where(col(DeskInitData.expires_at) < now))
    session.add(DeskInitData(hash=data.hash, expires_at=data.auth_date + max_age + FUTURE_SKEW))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True
