"""Fixtures: every database test runs on SQLite and on PostgreSQL; bots run on the fake Bot API.

PostgreSQL: 127.0.0.1:5432, user postgres, trust auth (override with WIJKBOT_TEST_PG_URL, pointing
at a database the user may create databases from). Each test run creates its own database and
drops it at the end, so parallel runs never collide. The schema is built by the Alembic
migrations, not create_all, so every run also exercises them.
"""

from __future__ import annotations

import logging
import os

# RetryAfter warns about its float retry_after unless this is set; we treat warnings seriously.
os.environ.setdefault("PTB_TIMEDELTA", "true")

import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.app import build_application
from bot.context import Services, WijkApplication
from bot.core import migrate
from bot.core.clock import Clock
from bot.core.config import Config, DatabaseConfig, load_config
from bot.core.database import Database, create_db_engine
from bot.core.logs import QUIET
from bot.fake_telegram import FakeTelegram, Harness
from bot.people import persons

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("WIJKBOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: a test about SQLite itself")
    config.addinivalue_line(
        "markers", "random_pseudonyms: the bot draws pseudonyms at random, as when it runs"
    )
    _move_the_wall_clock()


def _move_the_wall_clock() -> None:
    """Run the suite at another wall-clock time (.ci/run's second run uses SHIFT_DAYS=400):

    - WIJKBOT_TEST_SHIFT_DAYS=400: as if it were 400 days later (negative: earlier);
    - WIJKBOT_TEST_NOW=2027-03-28T01:30:00+00:00: as if the run started at that moment (an ISO
      time with its offset), e.g. in a DST night or on New Year's Eve; SHIFT_DAYS adds to it.

    The wall clock moves (datetime.now, time.time) and keeps ticking; a test that puts a fixed
    date beside something the bot stored with the real time then fails here, not next year."""
    raw_now = os.environ.get("WIJKBOT_TEST_NOW", "").strip()
    days = int(os.environ.get("WIJKBOT_TEST_SHIFT_DAYS", "0") or 0)
    if not raw_now and not days:
        return
    start = _test_now(raw_now) if raw_now else datetime.now(UTC)
    import time_machine

    time_machine.travel(start + timedelta(days=days), tick=True).start()


def _test_now(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise pytest.UsageError(
            f"WIJKBOT_TEST_NOW={raw!r}: expected an ISO time with its offset, "
            "e.g. 2027-03-28T01:30:00+00:00"
        )
    return moment


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`wijkbot run` and setup_logging change the root logger; no test may inherit that."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in QUIET}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, value in quiet.items():
        logging.getLogger(name).setLevel(value)


@pytest.fixture(autouse=True)
def pseudonyms_apart(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests store many people directly as "Buur-<Telegram id>"; someone who joined through the
    bot before, with the same four digits drawn at random, would make that insert fail (a
    pseudonym is one person's). In tests the bot hands out Buur-8500, Buur-8501, ... instead
    (still looked up, so never one already taken); a test marked `random_pseudonyms` draws."""
    if request.node.get_closest_marker("random_pseudonyms") is None:
        numbers = count(8500)
        monkeypatch.setattr(persons, "_draw", lambda _digits: f"Buur-{next(numbers)}")


# --- databases ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per run; each test gets a copy (much faster than migrating)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    name = f"wijkbot_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # pragma: no cover - environment problem
        pytest.exit(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}\n"
            "Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
            returncode=3,
        )
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_pg(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database.from_url(f"sqlite:///{path}")
    else:
        database = Database.from_url(request.getfixturevalue("pg_database"))
        _truncate_pg(database)
    yield database
    database.dispose()


# --- configuration and services ----------------------------------------------------------------


@pytest.fixture
def config() -> Config:
    base = load_config(REPO / "config.example.toml", env={}, require_token=False)
    # Tests act faster than people: one message per second in a chat would make every
    # button press after a reply wait. The fake enforces no limits unless a test sets them, and
    # tests/telegram/test_rate_limit.py covers the pacing itself.
    telegram = replace(base.telegram, rate_chat_per_second=0.0)
    return replace(base, database=DatabaseConfig(url="sqlite://"), telegram=telegram)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(config: Config, db: Database, clock: Clock) -> Services:
    """Services on a migrated database with the configured wijken in it (as at start-up)."""
    url = db.engine.url.render_as_string(hide_password=False)
    result = Services(config=replace(config, database=DatabaseConfig(url=url)), db=db, clock=clock)
    with db.session() as session:
        persons.sync_wijken(session, result.config)
    return result


@pytest.fixture
def cli_services(services: Services, monkeypatch: pytest.MonkeyPatch) -> Services:
    """The test's services, with the environment pointing the command line
    (`bot.cli.wijkbot.main`) at their database and holding no token, config file or Bot API
    address of its own."""
    monkeypatch.setenv("WIJKBOT_DATABASE_URL", services.config.database.url)
    for name in ("WIJKBOT_TOKEN", "WIJKBOT_CONFIG", "WIJKBOT_BOT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    return services


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram(bot_username="wijkspiegel_bot")


def make_app(services: Services, fake: FakeTelegram, **kwargs: Any) -> WijkApplication:
    """The bot on the fake. Someone the database holds has started the bot (it stores a person
    only after they pressed "Akkoord" in their private chat), so the fake lets the bot write
    to people a test puts in the database directly; anyone else must write to the bot first."""
    fake.started_before = lambda telegram_id: _in_database(services, telegram_id)
    return build_application(
        services, request=fake.request(), get_updates_request=fake.request(), **kwargs
    )


def _in_database(services: Services, telegram_id: int) -> bool:
    with services.db.session() as session:
        return persons.get_person(session, telegram_id) is not None


@pytest.fixture
async def bot(services: Services, fake: FakeTelegram) -> AsyncIterator[Harness]:
    """The real Application with all handlers, on the fake Bot API."""
    app = make_app(services, fake)
    async with Harness(app, fake) as harness:
        yield harness
