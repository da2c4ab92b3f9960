"""What a failed Bot API call may still have done, and repeating the calls that may be repeated.

A call that timed out (ours, or a proxy's 504) may have reached Telegram: the message can be
in the chat although we were told it failed. Sending it again then shows it twice. Calls whose
repetition changes nothing - editing a message to a given text, getMe - are simply retried
(`retried`); for sends each caller decides which risk it takes (`may_have_arrived`), see
docs/architecture/exactly-once.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut

_log = logging.getLogger(__name__)

T = TypeVar("T")

RETRIES = 3
RETRY_DELAY_SECONDS = 0.2

# httpx failures that happen before the request left this machine: nothing reached Telegram.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_GATEWAY_TIMEOUT = "Gateway Timeout"


def transient(error: BaseException) -> bool:
    """A network failure worth another try (Telegram did not refuse the call itself)."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def may_have_arrived(error: BaseException) -> bool:
    """Whether the call may have taken effect although it raised `error`.

    A refusal (400, 403, 429, a migrated chat) did nothing, nor did a connection that was never
    made, nor a call Telegram answered with a server error (500, 502: it says it failed). A
    timeout - ours, or a proxy's 504 - a connection broken half-way or anything unknown may have
    done it all."""
    if isinstance(error, TelegramError) and not transient(error):
        return False
    if isinstance(error.__cause__, _NOT_SENT):
        return False
    if isinstance(error, TimedOut):
        return "Pool timeout" not in str(error)
    if isinstance(error, NetworkError):
        text = str(error)
        # PTB words what the HTTP client raised as "httpx.<Error>: ..." or "Unknown error in
        # HTTP implementation"; an answer from the server is its description ("Bad Gateway").
        return text.startswith(("httpx.", "Unknown error")) or _GATEWAY_TIMEOUT in text
    return True


async def retried(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int = RETRIES,
    delay: float = RETRY_DELAY_SECONDS,
) -> T:
    """`call()`, tried up to `attempts` times on transient network failures.

    Only for calls that may run twice without harm (edits to a fixed text, getMe): a second run
    of one that had arrived changes nothing."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except NetworkError as exc:
            if not transient(exc) or attempt == attempts:
                raise
            _log.info("Telegram call failed (%s), try %d of %d", exc, attempt + 1, attempts)
            await asyncio.sleep(delay * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
