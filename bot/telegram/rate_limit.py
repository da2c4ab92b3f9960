"""Outgoing Bot API requests paced per chat and overall, the way Telegram limits them.

Telegram's FAQ ("My bot is hitting limits, how do I avoid this?"): in one chat no more than one
message per second (short bursts may pass, "but eventually you'll begin receiving 429 errors");
no more than about 30 messages per second overall; no more than 20 messages per minute in one
group. Edits count in the chat as messages do: progress edits a third of a second apart drew 429s.

PTB's `AIORateLimiter` paces the overall rate and groups, not private chats, and on a 429 it
halts *every* request for `retry_after`: one busy chat (a creator's progress message) stalled a
whole broadcast. `ChatRateLimiter` instead

- gives every chat a lane: its messages and edits go out one after another, in order, at most
  one per second (and 20 in any minute in a group, a sliding window: a bucket would let 40
  through in a first minute), and the second counts from the *answer* to the previous one, so
  network jitter cannot bring two requests closer together at Telegram than that;
- takes each message or edit from one overall bucket (30/s, a burst of one second's worth, like
  `AIORateLimiter`), and every other request that names a chat as well (as PTB does);
- on a 429 for a message in a chat delays that chat only: the request keeps the head of its
  lane and is tried again after `retry_after`, while other chats go on. Telegram's answer does
  not say which limit was hit; a request without a chat, or 429s from three chats within a
  second (the overall limit, then), pause everything as PTB would.

Requests without a chat (answerCallbackQuery, getMe, setMyCommands) are not paced: Telegram does
not count them as messages, and a button's spinner should stop at once. getUpdates never reaches
a rate limiter in PTB.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

_log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]
Callback = Callable[..., Coroutine[Any, Any, Result]]

#: Added to every computed wait: a request exactly on its slot must not arrive a hair early.
MARGIN = 0.005
#: Added to Telegram's retry_after, as PTB does.
RETRY_MARGIN = 0.1
#: 429s from this many chats within REFUSAL_WINDOW seconds mean the bot's overall limit.
OVERALL_REFUSALS = 3
REFUSAL_WINDOW = 1.0
#: Lanes are forgotten once idle, but only looked through when there are this many.
PRUNE_AT = 1024

#: Endpoints that put a message into a chat or change one. sendChatAction shows "typing..."
#: and is no message; the rest of the "send" family is.
_NOT_MESSAGES = frozenset({"sendChatAction"})
_MESSAGE_PREFIXES = ("send", "editMessage", "forwardMessage", "copyMessage")
_MESSAGE_METHODS = frozenset({"stopPoll", "stopMessageLiveLocation"})


def is_message_method(endpoint: str) -> bool:
    """Whether Telegram counts this request as a message in its chat."""
    if endpoint in _MESSAGE_METHODS:
        return True
    return endpoint.startswith(_MESSAGE_PREFIXES) and endpoint not in _NOT_MESSAGES


def chat_key(chat_id: object) -> int | str | None:
    """The chat a request is for: an int id, or an @username (a channel or supergroup)."""
    if chat_id is None or isinstance(chat_id, bool):
        return None
    if isinstance(chat_id, int):
        return chat_id
    if isinstance(chat_id, str):
        with contextlib.suppress(ValueError):
            return int(chat_id)
        return chat_id
    return None


def is_group(key: int | str) -> bool:
    """Groups, supergroups and channels have negative ids; an @username is one of them too."""
    return isinstance(key, str) or key < 0


def retry_seconds(exc: RetryAfter) -> float:
    value: float | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class _Bucket:
    """The overall limit: a token bucket where each caller reserves the next free slot, so
    waiting callers go in the order they came and none wakes only to wait again."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp: float | None = None

    def reserve(self, now: float) -> float:
        """Take a token, possibly one not there yet; return the seconds until it is."""
        if self.stamp is not None:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate + MARGIN


class _Lane:
    """One chat: a lock that keeps its requests in order, and when they ended."""

    __slots__ = ("blocked_until", "ends", "lock", "users", "windows")

    def __init__(self, windows: tuple[tuple[int, float], ...]) -> None:
        self.lock = asyncio.Lock()
        #: (at most this many, in any this many seconds), e.g. ((1, 1.0), (20, 60.0)).
        self.windows = windows
        self.ends: deque[float] = deque(maxlen=max((n for n, _ in windows), default=1))
        self.blocked_until = 0.0
        self.users = 0  # requests inside or waiting; a lane in use is never forgotten

    def wait(self, now: float) -> float:
        wait = self.blocked_until - now
        for count, period in self.windows:
            if len(self.ends) >= count:
                wait = max(wait, self.ends[-count] + period + MARGIN - now)
        return wait

    def idle(self, now: float) -> bool:
        longest = max((period for _, period in self.windows), default=0.0)
        last = self.ends[-1] if self.ends else 0.0
        return self.users == 0 and now >= max(self.blocked_until, last + longest)


class ChatRateLimiter(BaseRateLimiter[int]):
    """Drop-in for `AIORateLimiter` (same arguments, plus the per-chat rate).

    `chat_max_rate` messages per `chat_time_period` in every chat (0 switches the per-chat pacing
    off; lanes still keep each chat's requests in order and take a chat's 429 alone).
    `rate_limit_args` on a call, like `AIORateLimiter`'s, is the number of retries after a 429.
    """

    def __init__(
        self,
        overall_max_rate: float = 30.0,
        overall_time_period: float = 1.0,
        group_max_rate: float = 20.0,
        group_time_period: float = 60.0,
        chat_max_rate: float = 1.0,
        chat_time_period: float = 1.0,
        max_retries: int = 0,
    ) -> None:
        self._overall = (
            _Bucket(overall_max_rate / overall_time_period, overall_max_rate)
            if overall_max_rate > 0 and overall_time_period > 0
            else None
        )
        chat: tuple[tuple[int, float], ...] = ()
        if chat_max_rate > 0 and chat_time_period > 0:
            # "1 per second" is one message, then a second's pause: no burst in a chat.
            chat = ((1, chat_time_period / chat_max_rate),)
        group: tuple[tuple[int, float], ...] = ()
        if group_max_rate >= 1 and group_time_period > 0:
            group = ((int(group_max_rate), group_time_period),)
        self._private_windows = chat
        self._group_windows = chat + group
        self._max_retries = max_retries
        self._lanes: dict[int | str, _Lane] = {}
        self._prune_at = PRUNE_AT
        self._paused_until = 0.0
        self._refusals: deque[tuple[float, int | str]] = deque(maxlen=2 * OVERALL_REFUSALS)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        self._lanes.clear()

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        max_retries = rate_limit_args or self._max_retries
        key = chat_key(data.get("chat_id"))
        if key is not None and is_message_method(endpoint):
            return await self._in_lane(key, callback, args, kwargs, max_retries)
        attempt = 0
        while True:
            await self._unpaused()
            if key is not None:
                await self._overall_slot()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= max_retries:
                    raise
                attempt += 1
                delay = retry_seconds(exc) + RETRY_MARGIN
                if key is None:
                    # Nothing tells whose limit this was: everyone waits, as with PTB.
                    self._pause(delay)
                _log.info("Telegram asked to wait %.1f s (%s); retrying then", delay, endpoint)
                await asyncio.sleep(delay)

    async def _in_lane(
        self,
        key: int | str,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        max_retries: int,
    ) -> Result:
        lane = self._lane(key)
        lane.users += 1
        try:
            async with lane.lock:
                attempt = 0
                while True:
                    await self._lane_ready(lane)
                    await self._overall_slot()
                    loop = asyncio.get_running_loop()
                    try:
                        return await callback(*args, **kwargs)
                    except RetryAfter as exc:
                        if attempt >= max_retries:
                            raise
                        attempt += 1
                        # Only this chat waits; its request stays at the head of its lane.
                        delay = retry_seconds(exc) + RETRY_MARGIN
                        lane.blocked_until = loop.time() + delay
                        if self._overall_refused(key, loop.time()):
                            self._pause(delay)
                        _log.info("Flood limit in one chat: it waits %.1f s, others go on", delay)
                    finally:
                        lane.ends.append(loop.time())
        finally:
            lane.users -= 1

    def _lane(self, key: int | str) -> _Lane:
        lane = self._lanes.get(key)
        if lane is None:
            if len(self._lanes) >= self._prune_at:
                self._prune()
            windows = self._group_windows if is_group(key) else self._private_windows
            lane = self._lanes[key] = _Lane(windows)
        return lane

    def _prune(self) -> None:
        now = asyncio.get_running_loop().time()
        for key in [k for k, lane in self._lanes.items() if lane.idle(now)]:
            del self._lanes[key]
        # Look again only after the live lanes have doubled: a broadcast to many chats at once
        # must not walk through all of them for every new one.
        self._prune_at = max(PRUNE_AT, 2 * len(self._lanes))

    async def _lane_ready(self, lane: _Lane) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._unpaused()
            wait = lane.wait(loop.time())
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def _overall_slot(self) -> None:
        if self._overall is None:
            return
        wait = self._overall.reserve(asyncio.get_running_loop().time())
        if wait > 0:
            await asyncio.sleep(wait)

    async def _unpaused(self) -> None:
        loop = asyncio.get_running_loop()
        # A loop, not an Event: a pause is a moment in time that a later 429 can move on.
        while (wait := self._paused_until - loop.time()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)

    def _pause(self, delay: float) -> None:
        until = asyncio.get_running_loop().time() + delay
        self._paused_until = max(self._paused_until, until)

    def _overall_refused(self, key: int | str, now: float) -> bool:
        """A 429 in chat `key` now: was it the bot's overall limit rather than this chat's?"""
        self._refusals.append((now, key))
        recent = {k for t, k in self._refusals if t >= now - REFUSAL_WINDOW}
        return len(recent) >= OVERALL_REFUSALS
