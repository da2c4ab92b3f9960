"""Exactly once across a kill: every write caused by an update survives the update coming again.

Telegram delivers an update again when the bot died before it was confirmed. These tests "kill"
the Application at the worst moments - a BaseException raised right after a commit, which no
handler catches, and the Application dropped without its final persistence flush - then build a
new Application on the same database and fake Telegram, deliver the same update (same update_id,
same callback query) again and look at what the person sees and what the database holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select

from bot.context import Services
from bot.fake_telegram import FakeTelegram, Harness
from bot.fake_telegram.state import JSONDict
from bot.observations import filing
from models import Observation
from tests.conftest import make_app
from tests.helpers import onboard
from tests.observations.test_observations import to_summary
from tests.telegram.test_restart import crash


def saved(text: str) -> bool:
    """The existing confirmation, with the observation's number."""
    return "Je melding is opgeslagen" in text and "M-1" in text


class Killed(BaseException):
    """kill -9 at this very line: nothing after it runs, no handler or error handler sees it."""


def kill_after(real: Callable[..., Any]) -> Callable[..., Any]:
    """`real`, then death: its effects (a commit) are durable, the rest of the update is not."""

    def dying(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise Killed()

    return dying


def rows(services: Services) -> list[Observation]:
    with services.db.session() as session:
        return list(session.exec(select(Observation)).all())


async def killed_on(harness: Harness, action: Any) -> JSONDict:
    """Run `action` (an awaitable acting as a person) into the kill; the update it delivered."""
    with pytest.raises(Killed):
        await action
    assert harness.last_update is not None
    await crash(harness)
    return harness.last_update


# --- 1. a duplicate observation -----------------------------------------------------------------


async def test_press_delivered_again_after_a_kill_behind_the_commit_stores_once(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await Harness(make_app(services, fake), fake).__aenter__()
    alice = await onboard(first, 1001, "Alice")
    await to_summary(alice)
    summary = alice.last
    monkeypatch.setattr(filing, "_commit", kill_after(filing._commit))
    press = await killed_on(first, alice.press("Versturen"))
    monkeypatch.undo()
    assert len(rows(services)) == 1
    assert "Versturen" in summary.button_texts  # the person still sees the summary

    async with Harness(make_app(services, fake), fake) as second:
        seen = await second.act(press, chats=(1001,))
        assert second.errors == []
    assert len(rows(services)) == 1
    assert any(saved(m.plain_text) for m in seen)


# --- 2. stored, never confirmed -----------------------------------------------------------------


async def test_press_after_a_kill_behind_the_flows_end_shows_the_number(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flow ended (written through) and then the bot died: the old button is not stale."""
    from bot.telegram import flows

    first = await Harness(make_app(services, fake), fake).__aenter__()
    alice = await onboard(first, 1001, "Alice")
    await to_summary(alice)
    summary = alice.last
    monkeypatch.setattr(flows, "save", _dying_coroutine_after(flows.save, ended=True))
    press = await killed_on(first, alice.press("Versturen"))
    monkeypatch.undo()

    async with Harness(make_app(services, fake), fake) as second:
        # The same update again (Telegram), and a fresh press on the old summary (the person).
        seen = await second.act(press, chats=(1001,))
        assert any(saved(m.plain_text) for m in seen)
        alice = second.user(1001, "Alice")
        await alice.press("Versturen", message=summary)
        assert alice.alerts == []
        assert saved(alice.last.plain_text)
        assert "oud bericht" not in alice.last.plain_text
    assert len(rows(services)) == 1


def _dying_coroutine_after(real: Callable[..., Any], *, ended: bool) -> Callable[..., Any]:
    async def dying(context: Any) -> None:
        await real(context)
        if ended and "flow" not in (context.user_data or {}):
            raise Killed()

    return dying


async def test_three_502s_on_the_confirmation_still_show_the_number(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await to_summary(alice)
    summary = alice.last
    bot.fake.fail_next("editMessageText", error="bad_gateway", times=3)
    await alice.press("Versturen")
    assert saved(alice.last.plain_text)
    await alice.press("Versturen", message=summary)
    assert saved(alice.last.plain_text) and alice.alerts == []
    assert len(rows(services)) == 1
