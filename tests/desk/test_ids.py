"""Ids a coach's URL or form carries, on SQLite and PostgreSQL: a number no row can have (beyond
PostgreSQL's INTEGER, 0, "²") is an unknown observation, template or digest, never a server
error, and nothing in the database changes because of it."""

from __future__ import annotations

import re

import httpx
from sqlmodel import select

from models import ObservationEvent
from tests.desk.conftest import Desk, coach_logged_in
from tests.desk.test_actions import post, sent_by, status_of

BEYOND = "2147483648"  # one more than PostgreSQL's INTEGER holds


def dutch_page(answer: httpx.Response, status: int, text: str) -> None:
    assert answer.status_code == status, answer.text[:300]
    assert '<html lang="nl">' in answer.text
    assert text in answer.text and "Traceback" not in answer.text


def events_of(desk: Desk, observation_id: int | None) -> int:
    with desk.services.db.session() as session:
        query = select(ObservationEvent).where(ObservationEvent.observation_id == observation_id)
        return len(session.exec(query).all())


async def test_an_id_beyond_the_databases_range_is_unknown_everywhere(desk: Desk) -> None:
    _sender, obs = await sent_by(desk)
    gone = "Deze melding is er niet meer."
    async with coach_logged_in(desk) as browser:
        for path in (f"/m/{BEYOND}", f"/m/{BEYOND}/photo", "/m/0", "/m/²", "/m/99999999999999"):
            dutch_page(await browser.get(path), 404, gone)
        dutch_page(await browser.get(f"/archief/{BEYOND}"), 404, "Dit wijkoverzicht is er niet.")
        for path, data in (
            (f"/m/{BEYOND}/status", {"to": "in_progress", "seen": "new"}),
            (f"/m/{BEYOND}/answer", {"answer": "Dank je", "key": "k"}),
            (f"/m/{BEYOND}/notes", {"note": "Een notitie"}),
        ):
            dutch_page(await post(browser, path, data), 404, gone)
        for path in (f"/sjablonen/{BEYOND}", f"/sjablonen/{BEYOND}/weg"):
            answer = await post(browser, path, {"title": "Titel", "body": "Tekst"})
            dutch_page(answer, 404, "Dit antwoord bestaat niet meer.")

        # The duplicate a coach types: "I don't know that observation", the form stays.
        answer = await post(
            browser,
            f"/m/{obs.id}/status",
            {"to": "duplicate", "seen": "new", "duplicate": f"M-{BEYOND}"},
        )
        dutch_page(answer, 400, "Die melding ken ik niet in deze wijk.")
        assert f'value="M-{BEYOND}"' in answer.text
    assert status_of(desk, obs.id) == "new"
    assert events_of(desk, obs.id) == 0


async def test_the_bulk_form_skips_and_reports_an_id_beyond_the_range(desk: Desk) -> None:
    _sender, obs = await sent_by(desk)
    async with coach_logged_in(desk) as browser:
        answer = await post(
            browser, "/bulk", {"id": [str(obs.id), BEYOND], "action": "in_progress"}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        page = (await browser.get("/")).text
        assert "1 aangepast, 1 overgeslagen." in page
        assert f"M-{BEYOND}: Deze melding is er niet meer." in page
        assert status_of(desk, obs.id) == "in_progress"

        # A duplicate reference no row can have: nothing changes, the coach reads why (on the
        # inbox again, the choice kept).
        answer = await post(
            browser, "/bulk", {"id": str(obs.id), "action": "duplicate", "duplicate": f"M-{BEYOND}"}
        )
        assert answer.status_code == 400
        page = answer.text
        assert "Die melding ken ik niet in deze wijk." in page
        # A template no row can have.
        answer = await post(
            browser, "/bulk", {"id": str(obs.id), "action": "answer", "template": BEYOND}
        )
        assert answer.status_code == 400
        assert "Dit antwoord bestaat niet meer." in answer.text
    assert status_of(desk, obs.id) == "in_progress"
    assert events_of(desk, obs.id) == 1
    assert not re.search("Traceback|Internal Server Error", page)
