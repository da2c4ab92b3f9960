"""The desk's tests: the real Application on the fake Bot API with `[desk] enabled` (its
uvicorn server on a free port), and HTTP through httpx against create_app (ASGITransport) or
the real server; in a real browser: tests/desk/browser.py (its fixtures are named here)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import httpx
import pytest

from bot.context import Services
from bot.core.config import Config
from bot.desk import init_data
from bot.fake_telegram import Harness
from bot.fake_telegram.users import Person as FakePerson
from bot.people import persons
from models import Observation, Role
from tests.desk.browser import (  # the browser's fixtures: browsers, chromium, site
    SAVED,
    browsers,  # noqa: F401
    chromium,  # noqa: F401
    print_screenshots,
    site,  # noqa: F401
)
from tests.helpers import join_as, onboard
from web.app import create_app

ELSRIJK, STADSHART = "elsrijk", "stadshart"
COACH_ID, OTHER_COACH_ID, RESIDENT_ID = 5001, 5002, 6001


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, desk=replace(config.desk, enabled=True, port=0))


@dataclass
class Desk:
    """A test's view of the desk: the bot, its web app and a way to make browsers."""

    bot: Harness
    services: Services
    app: Any

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://127.0.0.1:8089",
            follow_redirects=False,
        )

    @property
    def token(self) -> str:
        return str(self.bot.app.bot.token)

    def init_data(self, telegram_id: int, *, at: datetime | None = None, **user: Any) -> str:
        moment = at or self.services.clock.now()
        return init_data.sign(init_data.user_fields(telegram_id, moment, **user), self.token)

    def observation(self, slug: str = ELSRIJK, **values: Any) -> Observation:
        with self.services.db.session() as session:
            wijk = persons.wijk_by_slug(session, slug)
            assert wijk is not None
            row = Observation(
                wijk_id=wijk.id or 0,
                author_role=values.pop("author_role", Role.RESIDENT.value),
                swot=values.pop("swot", "weakness"),
                text=values.pop("text", "De stoep bij de school ligt open."),
                **values,
            )
            session.add(row)
            session.commit()
            session.refresh(row)
            session.expunge(row)
            return row


@pytest.fixture
async def desk(bot: Harness, services: Services) -> AsyncIterator[Desk]:
    yield Desk(bot, services, create_app(services, bot.app.bot))


async def csrf_of(client: httpx.AsyncClient) -> str:
    """The CSRF token of this browser's session, from the login page (or any page)."""
    page = await client.get("/")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


async def log_in_with_telegram(
    client: httpx.AsyncClient, raw_init_data: str, next_path: str = "/"
) -> httpx.Response:
    csrf = await csrf_of(client)
    return await client.post(
        "/auth/telegram", data={"csrf": csrf, "init_data": raw_init_data, "next": next_path}
    )


async def coach(desk: Desk, telegram_id: int = COACH_ID, slug: str = ELSRIJK) -> FakePerson:
    return await join_as(desk.bot, desk.services, telegram_id, "Coach", Role.COACH, slug)


@asynccontextmanager
async def logged_in(desk: Desk, telegram_id: int = COACH_ID) -> AsyncIterator[httpx.AsyncClient]:
    """A browser logged in to the desk as `telegram_id`, a coach who has joined already."""
    async with desk.client() as browser:
        answer = await log_in_with_telegram(browser, desk.init_data(telegram_id))
        assert answer.status_code == 303
        yield browser


@asynccontextmanager
async def coach_logged_in(desk: Desk) -> AsyncIterator[httpx.AsyncClient]:
    """The coach of Elsrijk joined, and a browser logged in to the desk as them."""
    await coach(desk)
    async with logged_in(desk) as browser:
        yield browser


async def resident(desk: Desk, telegram_id: int = RESIDENT_ID) -> FakePerson:
    return await onboard(desk.bot, telegram_id, "Bewoner")


def link_in(text: str) -> str:
    found = re.search(r"(https?://\S+/login/[A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    print_screenshots(terminalreporter, SAVED)
