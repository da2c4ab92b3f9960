"""What a coach typed on the desk is never lost, over HTTP on SQLite and PostgreSQL (found by a
sweep from outside): a session that ended while they typed, a form refused as too old, an answer
refused because another tab answered first, an observation withdrawn meanwhile, an answer over
the limit (refused with the text kept, never cut), and a bulk choice that cannot be done (refused
once, before any row, with the ticks, the action and the fields kept)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.observations.answer_templates import ANSWER_LIMIT
from bot.people import persons
from models import Observation, ObservationEvent, ObservationNote
from tests.desk.conftest import (
    COACH_ID,
    Desk,
    coach,
    coach_logged_in,
    csrf_of,
    log_in_with_telegram,
)
from tests.desk.test_actions import post, row, sent_by, status_of

TYPED = "Dank je wel. Ik heb de gemeente gebeld en ze komen donderdag kijken."
PAGE = {"accept": "text/html"}


def kept_box(page: str, name: str) -> str | None:
    """The text of the read-only box a refusal shows for the form field `name`, if any."""
    found = re.search(rf'<textarea id="kept-{name}"[^>]*readonly>(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1)) if found else None


def stored_answer(desk: Desk, observation_id: int | None) -> str | None:
    return row(desk, observation_id).answer_text


async def test_a_session_that_ran_out_while_typing_gives_the_answer_back(desk: Desk) -> None:
    _sender, obs = await sent_by(desk)
    await coach(desk)
    # The session's cookie ran out (session_hours) while the coach typed: the form arrives with
    # no session at all, so without a token the session knows.
    async with desk.client() as browser:
        answer = await browser.post(
            f"/m/{obs.id}/answer", data={"csrf": "from-the-page", "answer": TYPED, "key": "k"}
        )
    assert answer.status_code == 401
    page = answer.text
    assert "Je bent niet meer ingelogd" in page and "te oud" not in page
    assert "Dit is niet gelukt, want je bent niet meer ingelogd." in page
    assert kept_box(page, "answer") == TYPED
    assert "Wat je typte, is niet bewaard en niet verstuurd." in page
    # The way back in: in a browser the login page, back to this observation after it; inside
    # Telegram (desk.js shows it) closing the desk to open it again from the bot.
    assert f'href="/login?next=%2Fm%2F{obs.id}"' in page
    assert "Sluit het bureau. Open het daarna opnieuw met de knop Bureau openen" in page
    assert "Stuur /bureau naar de bot" in page
    assert stored_answer(desk, obs.id) is None


async def test_a_session_ended_elsewhere_gives_the_note_back(desk: Desk) -> None:
    """Logged out in another tab: this tab's cookie still carries its token, but the session
    is over. The note typed here comes back; nothing is stored."""
    _sender, obs = await sent_by(desk)
    await coach(desk)
    async with desk.client() as tab, desk.client() as other_tab:
        assert (await log_in_with_telegram(tab, desk.init_data(COACH_ID))).status_code == 303
        token = await csrf_of(tab)
        other_tab.cookies.update(dict(tab.cookies))  # the same browser: the same cookie
        assert (await other_tab.post("/logout", data={"csrf": token})).status_code == 200
        note = "Bel de woningcorporatie <morgen> over de lantaarn"
        answer = await tab.post(f"/m/{obs.id}/notes", data={"csrf": token, "note": note})
    assert answer.status_code == 401
    assert "Je bent niet meer ingelogd" in answer.text
    assert kept_box(answer.text, "note") == note
    assert f'href="/login?next=%2Fm%2F{obs.id}"' in answer.text
    with desk.services.db.session() as session:
        assert not session.exec(select(ObservationNote)).all()


async def test_a_form_from_another_site_gets_nothing_back(desk: Desk) -> None:
    """A page elsewhere that posts to the desk learns nothing and shows nothing of its own
    words as if the coach had typed them."""
    _sender, obs = await sent_by(desk)
    async with desk.client() as browser:
        answer = await browser.post(
            f"/m/{obs.id}/answer",
            data={"answer": "Klik hier: https://evil.example", "key": "k"},
            headers={"sec-fetch-site": "cross-site"},
        )
    assert answer.status_code == 401
    assert "evil.example" not in answer.text and kept_box(answer.text, "answer") is None


async def test_a_form_too_old_gives_the_text_back_with_the_way_to_its_page(desk: Desk) -> None:
    """The coach logged in again in this browser (a new session, a new token): the form shown
    before it is too old. Its text comes back, with a link to the page it was on."""
    _sender, obs = await sent_by(desk)
    async with coach_logged_in(desk) as browser:
        old_token = await csrf_of(browser)
        later = desk.services.clock.now() + timedelta(seconds=1)
        again = await log_in_with_telegram(browser, desk.init_data(COACH_ID, at=later))
        assert again.status_code == 303
        answer = await browser.post(
            f"/m/{obs.id}/answer", data={"csrf": old_token, "answer": TYPED, "key": "k"}
        )
    assert answer.status_code == 403
    assert "Dit formulier is te oud." in answer.text
    assert kept_box(answer.text, "answer") == TYPED
    assert f'<a class="tap" href="/m/{obs.id}">Open de pagina opnieuw</a>' in answer.text
    assert stored_answer(desk, obs.id) is None


async def test_an_answer_refused_because_another_tab_answered_comes_back(desk: Desk) -> None:
    _sender, obs = await sent_by(desk)
    async with coach_logged_in(desk) as browser:
        page = (await browser.get(f"/m/{obs.id}")).text
        keys = re.findall(r'name="key" value="([^"]+)"', page)
        first, second = keys[0], keys[0] + "-tab2"
        done = await post(browser, f"/m/{obs.id}/answer", {"answer": "Uit tab 1", "key": first})
        assert done.status_code == 303
        refused = await post(browser, f"/m/{obs.id}/answer", {"answer": TYPED, "key": second})
    assert refused.status_code == 400
    assert "Deze melding is al beantwoord." in refused.text
    assert "Je tekst is niet verstuurd. Hieronder staat hij nog" in refused.text
    assert kept_box(refused.text, "answer") == TYPED
    assert stored_answer(desk, obs.id) == "Uit tab 1"


async def test_an_answer_to_an_observation_withdrawn_meanwhile_comes_back(desk: Desk) -> None:
    _sender, obs = await sent_by(desk)
    async with coach_logged_in(desk) as browser:
        await browser.get(f"/m/{obs.id}")
        with desk.services.db.session() as session:
            stored = session.get(Observation, obs.id)
            assert stored is not None
            stored.status = "withdrawn"  # the sender took it back while the coach typed
            session.add(stored)
            session.commit()
        answer = await post(browser, f"/m/{obs.id}/answer", {"answer": TYPED, "key": "k"})
    assert answer.status_code == 404
    assert kept_box(answer.text, "answer") == TYPED
    assert "Terug naar de meldingen" in answer.text


async def test_an_answer_over_the_limit_is_refused_whole_never_cut(desk: Desk) -> None:
    _sender, obs = await sent_by(desk)
    text = "We hebben het bekeken en gaan het oplossen. " * 60  # 2,640 characters
    async with coach_logged_in(desk) as browser:
        page = (await browser.get(f"/m/{obs.id}")).text
        # The limit is said beside the box; the box itself cuts nothing off (maxlength would,
        # without a word, when a longer text is pasted).
        box = re.search(r'<textarea id="a-text"[^>]*>', page)
        assert box and "maxlength" not in box.group(0)
        assert f"Je antwoord mag maximaal {ANSWER_LIMIT} letters en tekens zijn." in page
        key = re.search(r'name="key" value="([^"]+)"', page)
        assert key
        answer = await post(browser, f"/m/{obs.id}/answer", {"answer": text, "key": key.group(1)})
    assert answer.status_code == 400
    assert f"Je tekst is te lang: {len(text.strip())} letters en tekens." in answer.text
    box = re.search(r'<textarea id="a-text"[^>]*>(.*?)</textarea>', answer.text, re.S)
    assert box and html.unescape(box.group(1)).strip() == text.strip()  # all of it, in the box
    assert stored_answer(desk, obs.id) is None


def ticked(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'name="id" value="(\d+)" checked', page)}


def selected(page: str, name: str) -> str | None:
    select = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    found = re.search(r'<option value="([^"]*)" selected', select)
    return found.group(1) if found else None


async def test_a_bulk_choice_that_cannot_be_done_is_refused_once_keeping_the_ticks(
    desk: Desk,
) -> None:
    sender, first = await sent_by(desk, text="Losse stoeptegel 1")
    rows = [first] + [
        desk.observation(person_id=first.person_id, lang="nl", text=f"Losse stoeptegel {n}")
        for n in (2, 3)
    ]
    picked = [rows[0].id, rows[1].id]
    async with coach_logged_in(desk) as browser:
        inbox = (await browser.get("/?status=new")).text
        back = re.search(r'name="back" value="([^"]*)"', inbox)
        assert back
        for action, extra, reason in (
            ("referred", {"partner": "  "}, "Schrijf naar welke partner je de melding doorstuurt."),
            ("hidden", {}, "Schrijf waarom je de melding verbergt."),
            ("duplicate", {}, "Welke melding is hetzelfde? Typ het nummer, bijvoorbeeld M-12."),
        ):
            data: dict[str, Any] = {
                "id": [str(i) for i in picked],
                "action": action,
                "back": back.group(1),
                **extra,
            }
            answer = await post(browser, "/bulk", data)
            # Refused at once, as one message: not "0 aangepast, 2 overgeslagen" and a line
            # per observation.
            assert answer.status_code == 400, action
            page = answer.text
            assert page.count(reason) == 1 and "Er is nog niets veranderd." in page
            assert "overgeslagen" not in page
            # The same view (the filter it came from), the same ticks and action, open.
            assert 'name="status"' in page and selected(page, "status") == "new"
            assert ticked(page) == set(picked)
            assert selected(page, "action") == action
            assert 'id="bulk-box" data-open-wide open' in page
        # What was typed stays in its field.
        answer = await post(
            browser,
            "/bulk",
            {"id": [str(i) for i in picked], "action": "duplicate", "duplicate": "de vorige"},
        )
        assert answer.status_code == 400 and 'value="de vorige"' in answer.text
        assert "Die melding ken ik niet in deze wijk." in answer.text
    assert all(status_of(desk, o.id) == "new" for o in rows)
    with desk.services.db.session() as session:
        assert not session.exec(select(ObservationEvent)).all()
    assert not [m for m in sender.messages if "Losse stoeptegel" in m.plain_text]


async def test_the_inbox_says_when_it_swapped_a_reversed_period(desk: Desk) -> None:
    desk.observation(text="Iets uit oktober")
    async with coach_logged_in(desk) as browser:
        page = (await browser.get("/?from=2026-10-31&to=2026-10-01")).text
        assert "De datum bij Vanaf lag na de datum bij Tot en met." in page
        assert 'name="from" value="2026-10-01"' in page and 'name="to" value="2026-10-31"' in page
        page = (await browser.get("/?from=2026-10-01&to=2026-10-31")).text
        assert "Vanaf lag na" not in page


async def test_a_coach_sees_their_own_actions_as_their_own(desk: Desk) -> None:
    """The history and the notes say "jij"/"door jou", not the coach's schuilnaam, which they
    never see anywhere else; a colleague's are theirs."""
    _sender, obs = await sent_by(desk)
    colleague = COACH_ID + 7
    await coach(desk, colleague)
    async with desk.client() as other:
        await log_in_with_telegram(other, desk.init_data(colleague))
        await post(other, f"/m/{obs.id}/notes", {"note": "Ik bel de gemeente"})
    async with coach_logged_in(desk) as browser:
        await browser.get(f"/m/{obs.id}")
        await post(browser, f"/m/{obs.id}/status", {"seen": "read", "to": "in_progress"})
        await post(browser, f"/m/{obs.id}/notes", {"note": "Morgen bellen"})
        page = (await browser.get(f"/m/{obs.id}")).text
    with desk.services.db.session() as session:
        mine = persons.get_person(session, COACH_ID)
        theirs = persons.get_person(session, colleague)
        assert mine is not None and theirs is not None
        my_name = mine.display_name or mine.pseudonym
        their_name = theirs.display_name or theirs.pseudonym
    assert re.search(r"Status naar In behandeling\s+door jou", page)
    assert re.search(r"Gelezen\s+door jou", page)
    assert "Jij, " in page
    assert my_name not in page
    assert their_name in page  # the colleague's note is theirs


async def test_put_back_to_new_stays_new_when_the_page_opens_again(desk: Desk) -> None:
    """ "Nieuw (weer open)": the page after the change, a reload and a note leave it new; a
    colleague who opens it reads it."""
    _sender, obs = await sent_by(desk)
    colleague = COACH_ID + 8
    await coach(desk, colleague)
    async with coach_logged_in(desk) as browser:
        await browser.get(f"/m/{obs.id}")
        assert status_of(desk, obs.id) == "read"
        await post(browser, f"/m/{obs.id}/status", {"seen": "read", "to": "in_progress"})
        moved = await post(browser, f"/m/{obs.id}/status", {"seen": "in_progress", "to": "new"})
        assert moved.status_code == 303
        page = (await browser.get(moved.headers["location"])).text
        assert "heeft nu de status Nieuw" in page
        assert re.search(r'<dd><span class="status">Nieuw</span></dd>', page)
        assert (await browser.get(f"/m/{obs.id}")).status_code == 200
        await post(browser, f"/m/{obs.id}/notes", {"note": "Terug naar de stapel"})
        await browser.get(f"/m/{obs.id}")
        assert status_of(desk, obs.id) == "new"
    async with desk.client() as other:
        await log_in_with_telegram(other, desk.init_data(colleague))
        await other.get(f"/m/{obs.id}")
    assert status_of(desk, obs.id) == "read"


async def test_a_template_deleted_by_a_colleague_meanwhile_gives_the_change_back(
    desk: Desk,
) -> None:
    async with coach_logged_in(desk) as browser:
        wijk = re.search(r'name="wijk" value="(\d+)"', (await browser.get("/sjablonen")).text)
        assert wijk
        await post(browser, "/sjablonen", {"wijk": wijk.group(1), "title": "Kort", "body": "Ok"})
        template = re.search(r'action="/sjablonen/(\d+)"', (await browser.get("/sjablonen")).text)
        assert template
        await post(browser, f"/sjablonen/{template.group(1)}/weg", {})  # the colleague's tab
        body = "Dank voor {melding}. We kijken er deze week naar."
        answer = await post(
            browser, f"/sjablonen/{template.group(1)}", {"title": "Kort en goed", "body": body}
        )
    assert answer.status_code == 404
    assert kept_box(answer.text, "title") == "Kort en goed"
    assert kept_box(answer.text, "body") == body
