"""Which failed Bot API calls may still have reached Telegram, and retrying the harmless ones."""

from __future__ import annotations

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.telegram.sending import may_have_arrived, retried


def caused(error: Exception, cause: Exception) -> Exception:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "arrived"),
    [
        (TimedOut(), True),  # the answer came too late: the call may have been done
        (NetworkError("Gateway Timeout"), True),  # a proxy gave up waiting for Telegram
        (NetworkError("httpx.ReadError: connection reset"), True),
        (NetworkError("Unknown error in HTTP implementation: boom"), True),
        (NetworkError("Bad Gateway"), False),  # Telegram answered: it failed
        (NetworkError("Internal Server Error"), False),
        (TimedOut("Pool timeout: All connections in the connection pool are occupied."), False),
        (caused(TimedOut(), httpx.ConnectTimeout("no route")), False),
        (caused(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("x")), False),
        (BadRequest("Message is too long"), False),
        (Forbidden("bot was blocked by the user"), False),
        (RetryAfter(3), False),
    ],
)
def test_may_have_arrived(error: Exception, arrived: bool) -> None:
    assert may_have_arrived(error) is arrived


async def test_retried_repeats_network_failures_only() -> None:
    calls: list[int] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise NetworkError("Bad Gateway")
        return "done"

    assert await retried(flaky, delay=0) == "done" and len(calls) == 3

    async def refused() -> str:
        calls.append(1)
        raise BadRequest("chat not found")

    calls.clear()
    with pytest.raises(BadRequest):
        await retried(refused, delay=0)
    assert len(calls) == 1
