"""The desk in headless Chromium, as a coach works with it, on SQLite and PostgreSQL: logging in
from Telegram (initData) and with the one-time link from /bureau, the inbox, one observation;
and everyone who may not see a wijk's observations sees a refusal with nothing of them.

The fixtures are in tests/desk/browser.py (`site`, `Window`); a later step of the desk is a few
lines here: act on `window.page`, `await window.shoot("step")`, assert what the chat's people
received (`person.last.plain_text`) and what the database holds (`site.services.db`).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.core.i18n import catalog
from bot.fake_telegram.users import Person
from bot.people import persons
from models import Observation, Role
from tests.desk.browser import DeskSite, Window, forged, init_data, png
from tests.desk.conftest import ELSRIJK, STADSHART
from tests.helpers import join_as, onboard

pytestmark = pytest.mark.asyncio(loop_scope="session")

COACH, OTHER_COACH, RESIDENT, PARTNER = 5101, 5102, 6101, 6102
SECRET = "Geheim: de sleutel van het buurthuis ligt onder de mat"
LOUD = "Harde muziek <b>in</b> het park na middernacht"
PAVEMENT = "De stoep bij de school ligt al weken open"
REFUSED_LOAD = r"status of 40[13]"


async def coach_of(site: DeskSite, telegram_id: int, slug: str, name: str = "Coach") -> Person:
    return await join_as(site.bot, site.services, telegram_id, name, Role.COACH, slug)


async def elsrijk_observations(site: DeskSite) -> list[Observation]:
    """Three observations in Elsrijk from a resident (one with a place, one with markup)."""
    await onboard(site.bot, RESIDENT, "Bewoner")
    return [
        site.observation(by=RESIDENT, text=SECRET, swot="weakness"),
        site.observation(
            by=RESIDENT,
            text=LOUD,
            swot="threat",
            latitude=52.3,
            longitude=4.86,
            photo=png(480, 320),
        ),
        site.observation(by=RESIDENT, text=PAVEMENT, swot="weakness"),
    ]


async def sees_no_wijk_data(window: Window, *texts: str) -> None:
    html, shown = await window.page.content(), await window.text()
    for text in texts:
        assert text not in html and text not in shown
    assert "/m/" not in html


async def test_a_coach_logs_in_from_telegram_and_works_through_the_inbox(site: DeskSite) -> None:
    await coach_of(site, COACH, ELSRIJK)
    secret, loud, _pavement = await elsrijk_observations(site)

    coach = await site.in_telegram(COACH, name="coach")
    page = coach.page
    await page.get_by_role("heading", name="Meldingen", exact=True).wait_for()
    # Every page tells Telegram it is ready and takes the full height; the inbox has no way
    # back, so Telegram's back button stays hidden there.
    assert {"ready", "expand", "BackButton.hide"} <= set(coach.telegram_calls)
    assert "BackButton.show" not in coach.telegram_calls
    assert await page.get_by_text("3 meldingen", exact=True).is_visible()
    text = await coach.text()
    assert SECRET in text and PAVEMENT in text
    # User text is escaped: the tag shows as typed, nothing is bold.
    assert LOUD in text
    assert await page.locator(".list b").count() == 0
    await coach.shoot("inbox")

    # Filters: a text search and a question, kept in the URL (a bookmark opens the same view),
    # with the count per value beside each choice. On the phone they are folded away while
    # none is on: the first observation is right under the heading.
    # By keyboard: the first Tab reaches the skip link, which leads to the folded block; Enter
    # opens it, the next Tab is the search field.
    search = page.get_by_label("Zoek in de tekst")
    assert not await search.is_visible()
    await page.keyboard.press("Tab")
    assert await page.evaluate("() => document.activeElement.textContent") == "Naar de inhoud"
    await page.keyboard.press("Enter")
    await page.keyboard.press("Tab")
    assert await page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
    assert await page.evaluate("() => document.activeElement.textContent") == "Zoeken en kiezen"
    await page.keyboard.press("Enter")
    await page.keyboard.press("Tab")
    assert await page.evaluate("() => document.activeElement.name") == "q"
    swot = page.get_by_label("Soort")
    assert "Wat kan beter? (2)" in await swot.inner_text()
    await page.keyboard.type("stoep")
    await swot.select_option("weakness")
    await page.get_by_role("button", name="Toon").click()
    await page.wait_for_url("**/?*q=stoep*")
    assert "swot=weakness" in page.url
    assert await page.locator(".list > li").count() == 1
    assert PAVEMENT in await coach.text() and SECRET not in await coach.text()
    # With choices on, the block stays open and says how many.
    summary = page.locator("#filters > summary")
    assert await summary.inner_text() == "Zoeken en kiezen (2 aan)"
    assert await search.is_visible()
    assert await page.get_by_text("1 melding", exact=True).is_visible()
    await coach.shoot("inbox-filtered")
    bookmark = page.url
    await page.get_by_role("link", name="Alles wissen").click()
    await page.get_by_role("link", name=secret.reference, exact=True).wait_for()
    await coach.goto(bookmark)
    assert await page.get_by_label("Zoek in de tekst").input_value() == "stoep"
    assert await page.locator(".list > li").count() == 1
    await page.get_by_role("link", name="Alles wissen").click()
    await summary.click()
    await page.get_by_label("Met foto").check()
    await page.get_by_role("button", name="Toon").click()
    await page.wait_for_url("**/?*photo=1*")
    assert await page.locator(".list > li").count() == 1

    # One observation: its text, its photo (through the bot: the page never sees the token),
    # its place with a map link that opens outside.
    await page.get_by_role("link", name=loud.reference, exact=True).click()
    await page.get_by_role("heading", name=f"Melding {loud.reference}").wait_for()
    assert LOUD in await coach.text()
    photo = page.get_by_role("img", name=f"De foto bij melding {loud.reference}")
    await photo.wait_for()
    await page.wait_for_function("() => [...document.images].every((i) => i.complete)")
    assert await photo.evaluate("(img) => img.naturalWidth") == 480
    assert site.token not in await page.content()
    osm = page.get_by_role("link", name="Bekijk op de kaart")
    assert "openstreetmap.org" in (await osm.get_attribute("href") or "")
    assert await osm.get_attribute("target") == "_blank"
    await coach.shoot("observation")
    # Inside Telegram its back button shows here, and leads to the inbox.
    assert coach.telegram_calls[-1] == "BackButton.show"
    await page.evaluate("() => window.Telegram.WebApp.BackButton.__press()")
    await page.get_by_role("link", name=secret.reference, exact=True).wait_for()

    # Back to the inbox by its link.
    await page.go_back()
    await page.get_by_role("link", name="Terug naar de meldingen").click()
    await page.get_by_role("link", name=secret.reference, exact=True).wait_for()


async def test_a_coach_logs_in_on_a_computer_with_the_link_from_bureau(site: DeskSite) -> None:
    person = await coach_of(site, COACH, ELSRIJK)
    await elsrijk_observations(site)

    link = await site.login_link(person)
    computer = await site.window("computer")
    await computer.goto(link)
    await computer.page.get_by_role("heading", name="Meldingen", exact=True).wait_for()
    assert SECRET in await computer.text()
    await computer.shoot("inbox-link")

    # The same link again, in another browser: refused, nothing of the wijk.
    thief = await site.window("reused-link")
    thief.allow(REFUSED_LOAD)
    response = await thief.goto(link)
    assert response is not None and response.status == 403
    await thief.page.get_by_role("heading", name="Dit kan niet").wait_for()
    await sees_no_wijk_data(thief, SECRET, LOUD, PAVEMENT, "Elsrijk")
    await thief.shoot("link-reused")


async def test_who_may_not_see_the_wijk_sees_a_refusal_and_nothing_of_it(
    site: DeskSite,
) -> None:
    await coach_of(site, COACH, ELSRIJK)
    await coach_of(site, OTHER_COACH, STADSHART, "Andere coach")
    secret, _loud, _pavement = await elsrijk_observations(site)
    never = (SECRET, LOUD, PAVEMENT)

    # A resident opens the desk from Telegram (their own, valid initData).
    window = await site.in_telegram(RESIDENT, name="resident")
    window.allow(REFUSED_LOAD)
    await window.page.get_by_role("heading", name="Dit kan niet").wait_for()
    assert "Deze pagina is er alleen voor de wijkcoach." in await window.text()
    assert await window.page.get_by_role("button", name="Uitloggen").count() == 0
    await sees_no_wijk_data(window, *never)
    await window.shoot("refused-resident")

    # Forged: a resident's initData made the coach's (another id, the old hash); signed with
    # another bot's token.
    now = site.services.clock.now()
    assert forged(site.init_data(COACH - 1)) != site.init_data(COACH - 1)
    for init in (
        forged(site.init_data(COACH - 1)),
        init_data("987654321:" + "B" * 35, COACH, now=now),
    ):
        await window.forget(init_data=init)
        await window.goto("/")
        await window.page.get_by_role("heading", name="Dit kan niet").wait_for()
        await sees_no_wijk_data(window, *never)

    # Expired: signed longer ago than [desk] init_data_max_age_seconds.
    max_age = site.services.config.desk.init_data_max_age_seconds
    old = site.init_data(COACH, at=now - timedelta(seconds=max_age + 120))
    await window.forget(init_data=old)
    await window.goto("/")
    await window.page.get_by_role("heading", name="Dit kan niet").wait_for()
    await sees_no_wijk_data(window, *never)

    # Replayed: initData that opened a session once opens no second one.
    fresh = site.init_data(COACH)
    await window.forget(init_data=fresh)
    await window.goto("/")
    await window.page.get_by_role("heading", name="Meldingen", exact=True).wait_for()
    await window.forget(init_data=fresh)
    await window.goto("/")
    await window.page.get_by_role("heading", name="Dit kan niet").wait_for()
    await sees_no_wijk_data(window, *never)

    # A coach of another wijk: logged in, but Elsrijk's observations are not theirs.
    other = await site.in_telegram(OTHER_COACH, name="other-coach")
    other.allow(REFUSED_LOAD)
    await other.page.get_by_role("heading", name="Meldingen", exact=True).wait_for()
    await sees_no_wijk_data(other, *never)
    response = await other.goto(f"/m/{secret.id}")
    assert response is not None and response.status == 403
    await sees_no_wijk_data(other, *never)
    # A refusal that fits a coach: in the desk's own page, with the way back to their inbox.
    shown = await other.text()
    assert "Deze melding hoort bij een wijk waar jij geen wijkcoach bent." in shown
    assert "alleen voor de wijkcoach" not in shown and "/bureau" not in shown
    sections = other.page.get_by_role("navigation", name="Onderdelen van het bureau")
    assert await sections.get_by_role("link", name="Meldingen").is_visible()
    assert await sections.get_by_role("link", name="Wijkoverzichten").is_visible()
    assert await other.page.get_by_role("button", name="Uitloggen").is_visible()
    await other.shoot("refused-other-wijk")
    await other.page.get_by_role("link", name="Terug naar de meldingen").click()
    await other.page.get_by_role("heading", name="Meldingen", exact=True).wait_for()
    await sees_no_wijk_data(other, *never)


def dutch_on(text: str) -> list[str]:
    """The desk's Dutch catalogue words (those that differ from the English) found in `text`."""
    messages = catalog().messages
    found = []
    for key, dutch in messages["nl"].items():
        if not key.startswith(("desk.", "status.", "coach.swot.", "roles.")):
            continue
        if messages["en"].get(key) == dutch:
            continue
        for part in re.split(r"\{[^}]*\}", dutch):
            part = part.strip(" .,:;()·")
            if len(part) >= 4 and re.search(rf"(?<!\w){re.escape(part)}(?!\w)", text):
                found.append(f"{key}: {part!r}")
    return found


async def test_an_english_speaking_coach_works_in_english(site: DeskSite) -> None:
    await coach_of(site, COACH, ELSRIJK)
    with site.services.db.session() as session:
        person = persons.get_person(session, COACH)
        assert person is not None
        person.language = "en"  # chosen in the bot; Telegram's own language stays Dutch
        session.add(person)
        session.commit()
    await onboard(site.bot, RESIDENT, "Resident")
    lamp = site.observation(
        by=RESIDENT,
        text="The street lamp by the playground has been out for a week",
        swot="weakness",
        latitude=52.3,
        longitude=4.86,
        photo=png(480, 320),
    )
    await join_as(site.bot, site.services, PARTNER, "Pieter", Role.PARTNER, ELSRIJK)
    site.observation(
        by=PARTNER,
        author_role=Role.PARTNER.value,
        text="The new benches in the park are lovely",
        swot="strength",
    )

    coach = await site.in_telegram(COACH, name="english")
    page = coach.page
    await page.get_by_role("heading", name="Reports", exact=True).wait_for()
    assert await page.evaluate("() => document.documentElement.lang") == "en"
    assert await page.get_by_text("2 reports", exact=True).is_visible()
    assert await page.locator("#filters > summary").inner_text() == "Search and choose"
    assert dutch_on(await coach.text()) == []
    # A partner's observation says so beside the name, as the chat's list does.
    benches = page.locator(".list > li", has_text="The new benches")
    assert re.search(r"From: \S+ \(partner\)", await benches.inner_text())
    await coach.shoot("inbox")

    await page.get_by_role("link", name=lamp.reference, exact=True).click()
    await page.get_by_role("heading", name=f"Report {lamp.reference}").wait_for()
    await page.get_by_role("img", name=f"The photo with report {lamp.reference}").wait_for()
    await page.wait_for_function("() => [...document.images].every((i) => i.complete)")
    assert dutch_on(await coach.text()) == []
    await coach.shoot("observation")
