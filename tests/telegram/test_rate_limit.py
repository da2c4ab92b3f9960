"""ChatRateLimiter: paced per chat and overall; a 429 in one chat holds up that chat only.

Nothing here measures speed: the assertions are about order and about the least time between
two requests, which a slow machine can only make longer.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter
from telegram.ext import ApplicationBuilder

from bot.fake_telegram import FakeTelegram
from bot.telegram.rate_limit import ChatRateLimiter, chat_key, is_message_method

ALICE, BOB, CARL, DORA = 1001, 1002, 1003, 1004


class Recorder:
    """Stands in for PTB's request: records (chat, start, end) and fails when told to."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, float, float]] = []
        self.refuse: dict[object, int] = {}  # chat -> how many 429s to answer first

    def request(self, limiter: ChatRateLimiter, chat: object, endpoint: str = "sendMessage") -> Any:
        async def call() -> dict[str, Any]:
            loop = asyncio.get_running_loop()
            start = loop.time()
            await asyncio.sleep(0.01)  # the request's round trip
            if self.refuse.get(chat, 0) > 0:
                self.refuse[chat] -= 1
                self.calls.append((("429", chat), start, loop.time()))
                raise RetryAfter(timedelta(milliseconds=200))
            self.calls.append((chat, start, loop.time()))
            return {"ok": True}

        return limiter.process_request(call, (), {}, endpoint, {"chat_id": chat}, None)

    def of(self, chat: object) -> list[tuple[float, float]]:
        return [(start, end) for who, start, end in self.calls if who == chat]


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def test_what_counts_as_a_message() -> None:
    for endpoint in ("sendMessage", "sendPhoto", "editMessageText", "editMessageReplyMarkup"):
        assert is_message_method(endpoint)
    assert is_message_method("stopPoll") and is_message_method("copyMessage")
    for endpoint in ("answerCallbackQuery", "sendChatAction", "getChatMember", "deleteMessage"):
        assert not is_message_method(endpoint)
    assert chat_key("12") == 12 and chat_key("@buurt") == "@buurt" and chat_key(None) is None


async def test_a_second_message_to_the_same_chat_waits() -> None:
    limiter = ChatRateLimiter(chat_max_rate=1, chat_time_period=0.3)
    rec = Recorder()
    await asyncio.gather(
        rec.request(limiter, ALICE),
        rec.request(limiter, ALICE, "editMessageText"),
        rec.request(limiter, BOB),
    )
    (_, first_end), (second_start, _) = rec.of(ALICE)
    # The edit went out a full period after the answer to the message, not after its start.
    assert second_start - first_end >= 0.3
    # Bob's chat did not wait for Alice's: his message went out before her edit.
    (bob_start, _) = rec.of(BOB)[0]
    assert bob_start < second_start
    assert [who for who, _, _ in rec.calls] == [ALICE, BOB, ALICE]


async def test_a_chat_keeps_its_order() -> None:
    limiter = ChatRateLimiter(chat_max_rate=1, chat_time_period=0.05)
    seen: list[int] = []

    def numbered(i: int) -> Any:
        async def call() -> bool:
            seen.append(i)
            return True

        return limiter.process_request(call, (), {}, "sendMessage", {"chat_id": ALICE}, None)

    await asyncio.gather(*(numbered(i) for i in range(5)))
    assert seen == [0, 1, 2, 3, 4]


async def test_a_429_in_one_chat_does_not_hold_up_another() -> None:
    limiter = ChatRateLimiter(chat_max_rate=0, max_retries=2)
    rec = Recorder()
    rec.refuse[ALICE] = 1

    async def bob_later() -> None:
        await asyncio.sleep(0.05)  # after Alice's 429
        await rec.request(limiter, BOB)
        await rec.request(limiter, BOB)

    await asyncio.gather(rec.request(limiter, ALICE), bob_later())
    order = [who for who, _, _ in rec.calls]
    # Bob's two messages went out while Alice's chat waited out its retry_after.
    assert order == [("429", ALICE), BOB, BOB, ALICE]
    refused_end = rec.calls[0][2]
    (retry_start, _) = rec.of(ALICE)[0]
    assert retry_start - refused_end >= 0.2


async def test_the_chat_waits_behind_its_own_429() -> None:
    limiter = ChatRateLimiter(chat_max_rate=0, max_retries=1)
    rec = Recorder()
    rec.refuse[ALICE] = 1
    # Two messages to Alice: the first is refused once; the second must not overtake it.
    await asyncio.gather(rec.request(limiter, ALICE), rec.request(limiter, ALICE))
    assert [who for who, _, _ in rec.calls] == [("429", ALICE), ALICE, ALICE]


async def test_429s_in_several_chats_at_once_pause_everyone() -> None:
    limiter = ChatRateLimiter(chat_max_rate=0, max_retries=1)
    rec = Recorder()
    for chat in (ALICE, BOB, CARL):
        rec.refuse[chat] = 1
    await asyncio.gather(*(rec.request(limiter, chat) for chat in (ALICE, BOB, CARL)))
    await rec.request(limiter, DORA)
    last_refusal = max(end for who, _, end in rec.calls if isinstance(who, tuple))
    (dora_start, _) = rec.of(DORA)[0]
    # Three chats refused within a second: that was the bot's overall limit, so Dora waited.
    assert dora_start - last_refusal >= 0.2


async def test_retries_run_out() -> None:
    limiter = ChatRateLimiter(chat_max_rate=0, max_retries=1)
    rec = Recorder()
    rec.refuse[ALICE] = 2
    with pytest.raises(RetryAfter):
        await rec.request(limiter, ALICE)


async def test_on_the_fake_with_limits_a_message_then_an_edit_draws_no_429() -> None:
    fake = FakeTelegram()
    fake.add_user(ALICE, started=True)
    fake.add_user(BOB, started=True)
    fake.set_limits(overall_per_second=30, per_chat_per_second=1)
    app = fake.application_builder().rate_limiter(ChatRateLimiter(max_retries=0)).build()
    async with app:
        sent = await app.bot.send_message(ALICE, "Verstuurd: 0")
        await asyncio.gather(
            app.bot.edit_message_text("Verstuurd: 1", ALICE, sent.message_id),
            app.bot.send_message(BOB, "Hallo"),
        )
    assert fake.retry_after_answers == 0
    send, *rest = [c for c in fake.calls if c.method != "getMe"]
    edit = next(c for c in rest if c.method == "editMessageText")
    other = next(c for c in rest if c.method == "sendMessage")
    assert edit.time - send.time >= 1.0
    assert other.time < edit.time


def test_builder_accepts_it() -> None:
    app = ApplicationBuilder().token("1:x").rate_limiter(ChatRateLimiter()).build()
    assert isinstance(app.bot.rate_limiter, ChatRateLimiter)
