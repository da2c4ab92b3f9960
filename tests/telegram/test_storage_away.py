"""When the database is away: everyone still gets an answer, in their language, without the
database; what they sent is handled once it is back.

The database is made unreachable for real (the engine points at a server or file that is not
there: psycopg and sqlite3 raise their own OperationalError), never by stopping the shared
PostgreSQL server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from telegram import Update

from bot.context import Services
from bot.core.database import create_db_engine
from bot.core.i18n import t
from bot.fake_telegram import Harness
from bot.telegram import outage
from tests.helpers import onboard


def said(lang: str, key: str) -> str:
    return re.sub(r"<[^>]+>", "", t(lang, key))


@contextmanager
def database_away(services: Services, tmp_path: Path) -> Iterator[None]:
    """Every new connection fails as it would with the server down (pooled ones are dropped)."""
    real: Engine = services.db.engine
    if real.dialect.name == "postgresql":
        dead = create_db_engine("postgresql://postgres@127.0.0.1:1/wijkbot_is_not_here")
    else:
        # A directory where the database file should be: sqlite3 cannot open it.
        dead = create_db_engine(f"sqlite:///{tmp_path}")
    services.db.engine = dead
    try:
        yield
    finally:
        services.db.engine = real
        dead.dispose()


async def test_everyone_gets_an_answer_and_is_answered_when_it_is_back(
    bot: Harness, services: Services, tmp_path: Path
) -> None:
    bot.raise_errors = False
    alice = await onboard(bot, 1001, "Alice")  # known, Dutch
    bob = await onboard(bot, 1002, "Bob", language_code="en")  # known, chose English
    await bob.send("/menu")
    menu_message = bob.last
    away = {"nl": said("nl", "errors.storage_away"), "en": said("en", "errors.storage_away")}
    assert away["nl"] != away["en"]

    with database_away(services, tmp_path):
        services.actors.forget()  # nobody's roles are at hand: every update needs the database
        (answer,) = await alice.send("/menu")
        assert answer.plain_text == away["nl"]
        (answer,) = await alice.send("/help")
        assert answer.plain_text == away["nl"]
        (answer,) = await bob.press("Read the district mirror", message=menu_message)
        assert answer.plain_text == away["en"]
        carol = bot.user(1003, "Carol", language_code="en")  # not known yet
        (answer,) = await carol.send("/start")
        assert answer.plain_text == away["en"]
        (answer,) = await alice.send("De lantaarnpaal bij de school is kapot")
        assert answer.plain_text == away["nl"]
        assert services.outage.held == 5

    # Back: what they sent is handled, in the order it came.
    mark = len(bot.fake.events)
    assert await outage.replay_now(bot.app) == 5
    await bot.app.update_queue.join()
    assert services.outage.held == 0
    replies = bot.collect(mark, [alice.id, bob.id, carol.id])
    seen = [(m.chat_id, m.plain_text) for m in replies]
    assert [chat for chat, _ in seen] == [alice.id, alice.id, bob.id, carol.id, alice.id], seen
    assert said("nl", "menu.title") in seen[0][1]
    assert "Wat de woorden betekenen" in seen[1][1]
    assert "There is no district mirror for" in seen[2][1]
    assert "First, about your data" in seen[3][1]
    assert "als melding" in seen[4][1]  # offered as an observation, with the text kept
    assert bot.app.user_data[alice.id]["flow"]["data"]["text"] == (
        "De lantaarnpaal bij de school is kapot"
    )
    # Nothing more to do: a second check finds nothing held.
    assert await outage.replay_now(bot.app) == 0


async def test_known_language_without_the_database(services: Services, bot: Harness) -> None:
    """A person's language is known from the actor cache, which is read without a query."""
    bob = await onboard(bot, 1002, "Bob", language_code="en")
    await bob.send("/taal")
    await bob.press("Nederlands")
    await bob.send("/menu")  # read again after the change
    assert services.actors.language_of(1002) == "nl"
    assert services.actors.language_of(9999) is None


@pytest.mark.parametrize("kind", ["operational", "other"])
def test_storage_errors(kind: str) -> None:
    from sqlalchemy.exc import OperationalError

    error: Exception = (
        OperationalError("SELECT 1", {}, Exception("connection refused"))
        if kind == "operational"
        else RuntimeError("boom")
    )
    assert outage.is_storage_away(error) is (kind == "operational")


def test_held_updates_are_told_once_and_dropped_when_too_old() -> None:
    now = [0.0]
    held = outage.Outage(max_age=60, max_held=3, clock=lambda: now[0])
    first, second = Update(1), Update(2)
    assert held.hold(first) is True
    assert held.hold(first) is False  # failed again after a replay: no second apology
    now[0] = 30
    assert held.hold(second) is True
    now[0] = 75
    assert [u.update_id for u in held.take()] == [2]  # the first waited too long
    assert held.held == 0
    for update_id in range(10, 15):
        held.hold(Update(update_id))
    assert [u.update_id for u in held.take()] == [12, 13, 14]  # at most max_held, the newest


async def test_while_it_is_still_away_nothing_is_replayed(
    bot: Harness, services: Services, tmp_path: Path
) -> None:
    bot.raise_errors = False
    alice = await onboard(bot, 1001, "Alice")
    with database_away(services, tmp_path):
        services.actors.forget()
        await alice.send("/menu")
        assert await outage.replay_now(bot.app) == 0
        assert services.outage.held == 1
