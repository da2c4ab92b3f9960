"""Sending one message to many people, one at a time, with a progress message for whoever
started it: shared by the polls (bot/polls/delivery.py) and "Nieuws uit je wijk"
(bot/spiegel/news_delivery.py); and editing many earlier messages the same way (`edit_one`: a
poll's vote messages once it ended).

Each send goes through the Application's bot, so the rate limiter (bot/telegram/rate_limit.py)
paces it and a 429 delays it without skipping anyone. What a send came to (`Outcome`) goes back
to the caller, who records it. The progress message is edited by time, not by count: every edit
counts against that chat (one message a second), so it is edited at most once per `every`
seconds, beside the sends rather than between them, and once at the end by the caller.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.core.logs import pseudonym
from bot.telegram.sending import may_have_arrived

_log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
R = TypeVar("R")
#: The clock the progress message's interval is measured on (a test may replace it).
progress_clock: Callable[[], float] = time.monotonic


class Status(StrEnum):
    SENT = "sent"
    UNREACHABLE = "unreachable"  # Telegram answered 403: they blocked the bot
    FAILED = "failed"  # refused (400) or the network failed every attempt
    UNCERTAIN = "uncertain"  # a timeout after the request went out: it may have arrived


@dataclass(frozen=True)
class Outcome:
    status: Status
    message_id: int | None = None


async def deliver_one(
    bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None, *, what: str = ""
) -> Outcome:
    """One message to one person: a 429 waits and tries again, a network error a few times."""
    attempts = 0
    while True:
        attempts += 1
        try:
            message = await bot.send_message(chat_id, text, reply_markup=markup)
        except Forbidden:
            return Outcome(Status.UNREACHABLE)
        except RetryAfter as exc:
            # The rate limiter already retried; wait as told and try the same person again.
            await asyncio.sleep(seconds(exc.retry_after) + 0.1)
            continue
        except BadRequest as exc:
            _log.info("%s to %s refused: %s", what, pseudonym(chat_id), exc)
            return Outcome(Status.FAILED)
        except NetworkError as exc:  # includes TimedOut
            if may_have_arrived(exc):
                _log.warning("%s to %s uncertain: %s", what, pseudonym(chat_id), exc)
                return Outcome(Status.UNCERTAIN)
            if attempts < MAX_ATTEMPTS:
                await asyncio.sleep(min(2.0**attempts, 10.0))
                continue
            _log.warning("%s to %s failed: %s", what, pseudonym(chat_id), exc)
            return Outcome(Status.FAILED)
        return Outcome(Status.SENT, message.message_id)


async def edit_one(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    what: str = "",
) -> Status:
    """One earlier message of the bot's, edited (without `markup`: its buttons go), paced as
    `deliver_one` sends: a 429 waits and tries again, a network error a few times. Telegram's
    "message is not modified" (it says so already) counts as done."""
    attempts = 0
    while True:
        attempts += 1
        try:
            await bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        except Forbidden:
            return Status.UNREACHABLE
        except RetryAfter as exc:
            await asyncio.sleep(seconds(exc.retry_after) + 0.1)
            continue
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return Status.SENT
            _log.info("%s in %s refused: %s", what, pseudonym(chat_id), exc)
            return Status.FAILED
        except NetworkError as exc:  # includes TimedOut
            if may_have_arrived(exc):
                return Status.UNCERTAIN
            if attempts < MAX_ATTEMPTS:
                await asyncio.sleep(min(2.0**attempts, 10.0))
                continue
            _log.warning("%s in %s failed: %s", what, pseudonym(chat_id), exc)
            return Status.FAILED
        except TelegramError as exc:
            _log.info("%s in %s refused: %s", what, pseudonym(chat_id), exc)
            return Status.FAILED
        return Status.SENT


def seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ProgressEdits:
    """Edits a progress message at most once per `every` seconds.

    An edit is started beside the sends, not awaited between them: the chat allows one message
    a second, and a recipient should not wait for the progress bar. While one edit is still
    under way (its chat busy), no second one is started.
    """

    def __init__(
        self,
        message: Message | None,
        text: Callable[[int], str],
        total: int,
        every: float,
    ) -> None:
        self.message = message
        self.text = text
        self.total = total
        self.every = every
        self.last = progress_clock()
        self.pending: asyncio.Task[bool] | None = None

    def update(self, done: int) -> None:
        if self.message is None or done >= self.total:
            return  # the final edit says it all
        now = progress_clock()
        if now - self.last < self.every:
            return
        if self.pending is not None and not self.pending.done():
            return  # the chat is still busy with the previous one
        self.last = now
        self.pending = asyncio.create_task(safe_edit(self.message, self.text(done)))

    async def settle(self) -> None:
        """Wait for the edit under way, so the final one comes after it."""
        if self.pending is not None:
            await self.pending


async def send_all(
    items: list[R],
    send: Callable[[R], Awaitable[None]],
    edits: ProgressEdits,
    *,
    done: int = 0,
    keep_going: Callable[[int], bool] = lambda index: True,
) -> int:
    """`send` each item in turn, updating the progress; `keep_going(index)` may stop early.
    Returns how many are done (the `done` given plus those sent here)."""
    for index, item in enumerate(items):
        if not keep_going(index):
            break
        await send(item)
        done += 1
        edits.update(done)
    await edits.settle()
    return done


async def safe_send(
    bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    try:
        return await bot.send_message(chat_id, text, reply_markup=markup)
    except TelegramError as exc:
        _log.info("could not send to %s: %s", pseudonym(chat_id), exc)
        return None


async def safe_edit(
    message: Message, text: str, markup: InlineKeyboardMarkup | None = None
) -> bool:
    try:
        await message.edit_text(text, reply_markup=markup)
        return True
    except TelegramError as exc:
        _log.info("could not edit progress message: %s", exc)
        return False


async def finish(
    bot: Bot,
    chat_id: int,
    progress: Message | None,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """The final word: edits the progress message, or sends it when that cannot be edited."""
    if progress is None or not await safe_edit(progress, text, markup):
        await safe_send(bot, chat_id, text, markup)
