"""Logging out, on SQLite and PostgreSQL: "Uitloggen" ends the session everywhere. A copy of
its cookie (another browser, a backup, a proxy's log) opens nothing after it; the coach's
session on another device goes on."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlmodel import select

from bot.core.clock import as_utc, utcnow
from models import DeskEndedSession, ObservationNote
from tests.desk.conftest import COACH_ID, Desk, coach, csrf_of, log_in_with_telegram
from tests.desk.test_actions import sent_by

PAGE = {"accept": "text/html"}


async def test_a_copy_of_the_cookie_opens_nothing_after_logging_out(desk: Desk) -> None:
    await coach(desk)
    _sender, obs = await sent_by(desk, text="Mijn buurman slaat zijn hond")
    async with desk.client() as browser, desk.client() as copy, desk.client() as laptop:
        assert (await log_in_with_telegram(browser, desk.init_data(COACH_ID))).status_code == 303
        earlier = desk.services.clock.now() - timedelta(seconds=10)
        answer = await log_in_with_telegram(laptop, desk.init_data(COACH_ID, at=earlier))
        assert answer.status_code == 303
        token = await csrf_of(browser)
        stolen = dict(browser.cookies)

        def take_again(client: httpx.AsyncClient) -> None:
            client.cookies.clear()
            client.cookies.update(stolen)

        take_again(copy)
        assert "slaat zijn hond" in (await copy.get(f"/m/{obs.id}")).text  # the copy works

        logged_out = await browser.post("/logout", data={"csrf": token})
        assert logged_out.status_code == 200 and "Je bent uitgelogd." in logged_out.text
        assert (await browser.get("/")).status_code == 401

        # The copy from before: nothing to read, nothing to write, back to the login page.
        page = await copy.get(f"/m/{obs.id}")
        assert page.status_code == 401 and "slaat zijn hond" not in page.text
        assert "<h1>Inloggen</h1>" in page.text
        take_again(copy)  # the answer cleared the copy's cookie
        note = await copy.post(f"/m/{obs.id}/notes", data={"csrf": token, "note": "Na uitloggen"})
        assert note.status_code == 401
        take_again(copy)
        sent = await copy.get(f"/m/{obs.id}", headers=PAGE)
        assert sent.status_code == 303 and sent.headers["location"].startswith("/login")
        take_again(copy)
        login = await copy.get(sent.headers["location"], headers=PAGE)
        assert login.status_code == 200  # the login page, not on to the observation again

        # The coach's own other session (the laptop) goes on.
        assert "slaat zijn hond" in (await laptop.get(f"/m/{obs.id}")).text
    with desk.services.db.session() as session:
        assert not session.exec(select(ObservationNote)).all()
        (ended,) = session.exec(select(DeskEndedSession)).all()
        # Kept as long as a copy of the cookie could pass its signature's age check (wall time).
        hours = desk.services.config.desk.session_hours
        assert as_utc(ended.expires_at) > utcnow() + timedelta(hours=hours) - timedelta(minutes=1)
