"""Every page in the coach's language, on SQLite and PostgreSQL: the session knows the coach, so
a refusal, a page that is not there and the page after logging out follow the language the
coach chose in the bot, whatever the browser asks for. Without a session: the browser's."""

from __future__ import annotations

import re

import httpx
from sqlmodel import select

from models import Person, Role
from tests.desk.conftest import ELSRIJK, Desk, csrf_of, log_in_with_telegram
from tests.helpers import invite_code

ENGLISH_COACH = 5003
DUTCH_BROWSER = "nl-NL,nl;q=0.9,en;q=0.8"


def page(answer: httpx.Response, status: int, lang: str, heading: str) -> str:
    assert answer.status_code == status, answer.text[:300]
    assert f'<html lang="{lang}">' in answer.text
    found = re.search(r"<h1[^>]*>(.*?)</h1>", answer.text, re.S)
    assert found and found.group(1).strip() == heading, answer.text[:300]
    assert "content-security-policy" in answer.headers
    return answer.text


async def test_an_english_coach_gets_english_pages_in_a_dutch_browser(desk: Desk) -> None:
    person = desk.bot.user(ENGLISH_COACH, "Coach", language_code="en")
    await person.send(f"/start {invite_code(desk.services, Role.COACH, ELSRIJK)}")
    await person.press("I agree")
    with desk.services.db.session() as session:
        query = select(Person.language).where(Person.telegram_id == ENGLISH_COACH)
        assert session.exec(query).one() == "en"
    async with desk.client() as browser:
        browser.headers["accept-language"] = DUTCH_BROWSER
        at = desk.services.clock.now()
        raw = desk.init_data(ENGLISH_COACH, at=at, language_code="en")
        assert (await log_in_with_telegram(browser, raw)).status_code == 303
        page(await browser.get("/"), 200, "en", "Reports")
        # A malformed id, an unknown path, a form's address opened as a page.
        text = page(await browser.get("/m/abc"), 404, "en", "Not possible")
        assert "This report no longer exists." in text
        text = page(await browser.get("/meldingen"), 404, "en", "Not possible")
        assert "This page does not exist." in text and 'href="/"' in text
        assert "Log out" in text  # the desk's header: the coach is still logged in
        gone = await browser.get("/logout")
        page(gone, 405, "en", "Not possible")
        assert gone.headers["allow"] == "POST"
        # A stale form.
        stale = await browser.post("/sjablonen", data={"csrf": "stale", "wijk": "1"})
        assert "This form is too old." in page(stale, 403, "en", "Not possible")
        # Too much sent: refused before the form is read, still in the coach's language.
        token = await csrf_of(browser)
        big = await browser.post("/sjablonen", data={"csrf": token, "x": "a" * (1024 * 1024)})
        assert "This is too much text" in page(big, 413, "en", "Not possible")
        # Logging out: the page of the coach who just left.
        token = await csrf_of(browser)
        left = await browser.post("/logout", data={"csrf": token})
        assert "You are logged out." in page(left, 200, "en", "Logged out")
        # Nobody logged in now: the browser's language.
        text = page(await browser.get("/meldingen"), 404, "nl", "Dit kan niet")
        assert "Deze pagina is er niet." in text and "Uitloggen" not in text
