"""What a coach met on the desk in an outside test (December 2026): a melding that is gone, a
search for a melding's number, and the refusal for someone who is not (or no longer) a coach."""

from __future__ import annotations

import re

from bot.people import persons
from models import Role
from tests.desk.conftest import (
    COACH_ID,
    ELSRIJK,
    RESIDENT_ID,
    Desk,
    coach,
    coach_logged_in,
    log_in_with_telegram,
    resident,
)
from tests.people.test_roles import revoke

REOPEN = "Open het daarna opnieuw met de knop Bureau openen in de bot."


def shown(html: str) -> str:
    """The page's words, without tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def person_id(desk: Desk, telegram_id: int) -> int:
    with desk.services.db.session() as session:
        person = persons.get_person(session, telegram_id)
        assert person is not None and person.id is not None
        return person.id


async def test_a_melding_erased_while_open_sends_the_coach_back_to_the_inbox(desk: Desk) -> None:
    """The resident erased everything while the coach had the melding open; the coach reloads.
    It said "Sluit het bureau. Open het daarna opnieuw..." with only "Bureau sluiten": the coach
    is logged in and only needs the way back to the inbox."""
    async with coach_logged_in(desk) as browser:
        sender = await resident(desk)
        lamp = desk.observation(person_id=person_id(desk, RESIDENT_ID), text="Lantaarn kapot")
        assert (await browser.get(f"/m/{lamp.id}")).status_code == 200

        await sender.send("/vergeetmij")
        await sender.press("Wis ook alles wat ik stuurde")
        await sender.press("Ja, wis mijn gegevens voorgoed")

        for path in (f"/m/{lamp.id}", "/m/99999"):
            page = await browser.get(path)
            assert page.status_code == 404, path
            text = shown(page.text)
            assert "Deze melding is er niet meer." in text
            assert "Terug naar de meldingen" in text and 'href="/"' in page.text
            assert "Sluit het bureau" not in text and "Lantaarn kapot" not in text


async def test_a_search_for_a_meldings_number_finds_it(desk: Desk) -> None:
    """A resident calls about "M-3": the coach types it in "Zoek in de tekst" and got "0
    meldingen"; now that melding (and not M-30 or M-31). A bare "3" stays a text search."""
    async with coach_logged_in(desk) as browser:
        rows = [desk.observation(text=f"Melding over afval nummer {n}") for n in range(31)]
        wanted = rows[2]
        assert wanted.reference == "M-3"
        for typed in ("M-3", " m-3 ", "M3", "m - 3"):
            page = shown((await browser.get("/", params={"q": typed})).text)
            assert "1 melding " in page, typed
            assert "Melding over afval nummer 2 " in page, typed
            assert "nummer 29" not in page and "nummer 30" not in page, typed
        page = shown((await browser.get("/", params={"q": "3"})).text)
        assert "4 meldingen" in page  # nummer 3, 13, 23 and 30


async def test_someone_who_is_not_a_coach_is_not_sent_round_in_circles(desk: Desk) -> None:
    """A resident (or a coach whose role was taken back) who opens the desk read "Deze pagina is
    er alleen voor de wijkcoach. Sluit het bureau. Open het daarna opnieuw met de knop Bureau
    openen in de bot.": that button is not theirs, and opening again shows the same page."""
    await resident(desk)
    async with desk.client() as browser:
        refused = await log_in_with_telegram(browser, desk.init_data(RESIDENT_ID))
        assert refused.status_code == 403
        text = shown(refused.text)
        assert "alleen voor de wijkcoach" in text
        assert REOPEN not in text

    await coach(desk)
    async with desk.client() as browser:
        assert (await log_in_with_telegram(browser, desk.init_data(COACH_ID))).status_code == 303
        assert (await browser.get("/")).status_code == 200
        revoke(desk.services, str(COACH_ID), Role.COACH, ELSRIJK)
        refused = await browser.get("/")
        assert refused.status_code == 403
        assert REOPEN not in shown(refused.text)


async def test_bureau_openen_under_the_digest_sends_the_link(desk: Desk) -> None:
    """The digest's last message is its file for Excel, with "Bureau openen" under it. Pressing
    that (a desk without https: the login link) did nothing: the bot tried to edit the file's
    message as a text and Telegram refused. Now the link comes."""
    carla = await coach(desk)
    desk.observation(text="Lantaarn kapot")
    said = await carla.send("/wijkoverzicht")
    assert said[-1].kind == "document" and "Bureau openen" in said[-1].button_texts

    answer = await carla.press("Bureau openen", message=said[-1])
    assert desk.bot.errors == []
    assert any("/login/" in m.plain_text for m in answer), [m.plain_text for m in answer]
    assert "Hier is je link naar het bureau." in carla.last.plain_text
