"""The desk on a phone in headless Chromium, on SQLite and PostgreSQL, where a sweep from
outside found it hard to use: a pasted link or one long word made the page wider than the
phone; tap targets under 40 px; right-to-left text laid out left to right; the list far down
the first screen; a session that ended while typing lost the text and gave no way back in; a
long answer cut off by the browser without a word; the fields a bulk action needs not asked
for. Screenshots (phone and desktop) in tests/desk/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from bot.observations import notes, workflow
from bot.people.permissions import load_actor
from models import Observation
from tests.desk.browser import DESKTOP, PHONE, DeskSite, Window
from tests.desk.conftest import ELSRIJK
from tests.desk.test_desk_browser import coach_of
from tests.helpers import onboard

pytestmark = pytest.mark.asyncio(loop_scope="session")

COACH, RESIDENT = 5401, 6401
NARROW = {"width": 320, "height": 640}
# One word of 195 letters, as a resident typed it.
LONG_WORD = "Eénwoordzonderspatiesdieheellangdoorgaatomtezienofdeopmaakbrekelt" * 3
LINK = "https://example.com/een/heel/lange/link/die/nergens/heen/gaat/maar/wel/breed/is?x=1&y=2"
ARABIC = "الشارع مظلم في الليل منذ 3 أسابيع!"
HEBREW = "שלום, יש בעיה עם הפח ברחוב"
TYPED = "Dank je wel. Ik heb de gemeente gebeld en ze komen donderdag kijken."


def as_coach(site: DeskSite, telegram_id: int = COACH) -> Any:
    with site.services.db.session() as session:
        actor = load_actor(session, telegram_id)
        session.expunge_all()
    assert actor is not None
    return actor


async def page_width(window: Window) -> int:
    return int(await window.page.evaluate("() => document.documentElement.scrollWidth"))


async def fits(window: Window, size: dict[str, int]) -> None:
    await window.page.set_viewport_size(size)
    width = await page_width(window)
    assert width <= size["width"], f"{window.page.url} is {width} px wide at {size['width']} px"


async def test_a_pasted_link_or_one_long_word_fits_the_phone(site: DeskSite) -> None:
    await coach_of(site, COACH, ELSRIJK)
    await onboard(site.bot, RESIDENT, "Bewoner")
    word = site.observation(by=RESIDENT, text=LONG_WORD)
    link = site.observation(by=RESIDENT, text=LINK)
    coach = as_coach(site)
    now = site.services.clock.now()
    with site.services.db.session() as session:
        notes.add_note(session, coach, word.id or 0, LINK, now)
        workflow.change_status(
            session, coach, word.id or 0, "referred", now=now, referred_to=LONG_WORD[:120]
        )

    window = await site.in_telegram(COACH, name="coach")
    page = window.page
    await page.get_by_role("heading", name="Meldingen", exact=True).wait_for()
    for size in (NARROW, PHONE, DESKTOP):
        await fits(window, size)
    await window.shoot("inbox-long-word")  # also fails on a page wider than the phone
    for obs in (word, link):
        await window.goto(f"/m/{obs.id}")
        await page.get_by_role("heading", name=f"Melding {obs.reference}").wait_for()
        for size in (NARROW, PHONE, DESKTOP):
            await fits(window, size)
    await window.shoot("observation-long-word")


async def box_of(locator: Any) -> dict[str, float]:
    box = await locator.bounding_box()
    assert box is not None
    return dict(box)


async def test_a_thumb_reaches_everything_and_the_list_starts_near_the_top(
    site: DeskSite,
) -> None:
    await coach_of(site, COACH, ELSRIJK)
    await onboard(site.bot, RESIDENT, "Bewoner")
    for n in range(54):
        site.observation(text=f"Losse stoeptegel nummer {n}")
    newest = site.observation(by=RESIDENT, text="De lantaarn bij de school is kapot")
    window = await site.in_telegram(COACH, name="coach")  # a phone, 360 px
    page = window.page
    await page.get_by_role("heading", name="Meldingen", exact=True).wait_for()
    await page.wait_for_load_state("load")

    small = []
    for name, locator in (
        ("tick box", page.get_by_label(f"Kies {newest.reference}", exact=True)),
        ("number", page.get_by_role("link", name=newest.reference, exact=True)),
        ("next page", page.get_by_role("link", name="Volgende pagina")),
        ("choose all", page.locator("#select-all-box")),
        ("log out", page.get_by_role("button", name="Uitloggen")),
        ("name", page.get_by_role("link", name="Bureau", exact=True)),
    ):
        box = await box_of(locator)
        if box["height"] < 40 or box["width"] < 40:
            small.append(f"{name} {box['width']:.0f}x{box['height']:.0f}")

    # "Uitloggen" is a quiet link, not a big blue button; the several-at-once block is folded:
    # the first observation is in the top half of the first screen.
    logout = page.get_by_role("button", name="Uitloggen")
    background = await logout.evaluate("(e) => getComputedStyle(e).backgroundColor")
    assert background == "rgba(0, 0, 0, 0)"
    action = page.get_by_label("Wat wil je doen?")
    assert not await action.is_visible()
    first = await box_of(page.locator(".picks > li").first)
    assert first["y"] < PHONE["height"] / 2, f"the first observation starts at y={first['y']}"
    await window.shoot("inbox-first-screen")
    # Ticking one opens the block where its action is chosen.
    await page.get_by_label(f"Kies {newest.reference}", exact=True).check()
    await action.wait_for(state="visible")  # the desk's script opens the block

    await window.goto(f"/m/{newest.id}")
    for name, locator in (
        ("back", page.get_by_role("link", name="Terug naar de meldingen")),
        ("templates", page.get_by_role("link", name="Zie alle vaste antwoorden")),
    ):
        box = await box_of(locator)
        if box["height"] < 40:
            small.append(f"{name} {box['width']:.0f}x{box['height']:.0f}")
    assert small == []
    await window.shoot("observation-taps")


async def directions(window: Window, needle: str) -> list[str]:
    """The writing direction of every shown element whose own text holds `needle`."""
    found = await window.page.evaluate(
        """(needle) => [...document.querySelectorAll("main *")]
            .filter((e) => e.offsetParent !== null && [...e.childNodes].some(
                (n) => n.nodeType === Node.TEXT_NODE && n.textContent.includes(needle)))
            .map((e) => getComputedStyle(e).direction)""",
        needle,
    )
    return list(found)


async def test_right_to_left_text_runs_right_to_left(site: DeskSite) -> None:
    await coach_of(site, COACH, ELSRIJK)
    await onboard(site.bot, RESIDENT, "Bewoner")
    obs = site.observation(by=RESIDENT, text=ARABIC)
    coach = as_coach(site)
    now = site.services.clock.now()
    with site.services.db.session() as session:
        notes.add_note(session, coach, obs.id or 0, HEBREW, now)
        workflow.change_status(session, coach, obs.id or 0, "referred", now=now, referred_to=HEBREW)

    window = await site.in_telegram(COACH, name="coach")
    await window.page.get_by_role("heading", name="Meldingen", exact=True).wait_for()
    assert await directions(window, "الشارع") == ["rtl"]
    await window.shoot("inbox-rtl")
    await window.goto(f"/m/{obs.id}")
    assert await directions(window, "الشارع") == ["rtl"]  # the text
    assert await directions(window, "שלום") == ["rtl", "rtl"]  # the note, the history's partner
    await window.shoot("observation-rtl")


async def test_a_session_that_ended_while_typing_keeps_the_text_and_the_way_back_in(
    site: DeskSite,
) -> None:
    person = await coach_of(site, COACH, ELSRIJK)
    await onboard(site.bot, RESIDENT, "Bewoner")
    obs = site.observation(by=RESIDENT, text="De lantaarn bij de school is kapot")

    # Inside Telegram: the Mini App's initData opened a session once and cannot again. The page
    # says what happened, gives the answer back, and closes the desk to open it again.
    window = await site.in_telegram(COACH, name="telegram", path=f"/m/{obs.id}")
    window.allow("status of 401")
    page = window.page
    await page.get_by_label("Je antwoord").fill(TYPED)
    await window.context.clear_cookies()  # the session ran out while the coach typed
    await page.get_by_role("button", name="Antwoord versturen").click()
    await page.get_by_role("heading", name="Je bent niet meer ingelogd").wait_for()
    assert "te oud" not in await window.text()
    kept = page.get_by_label("Je antwoord")
    assert await kept.input_value() == TYPED and await kept.evaluate("(e) => e.readOnly")
    # Inside Telegram the desk's script (deferred: it may run after the heading is there) shows
    # the close button and hides the browser's way back in.
    close = page.get_by_role("button", name="Bureau sluiten")
    await close.wait_for(state="visible")
    await page.get_by_role("link", name="Opnieuw inloggen").wait_for(state="hidden")
    await page.get_by_text("Stuur /bureau naar de bot").wait_for(state="hidden")
    await window.shoot("session-ended-telegram")
    await close.click()
    assert "close" in window.telegram_calls

    # In a browser (logged in with a link from /bureau): the way back in is a new link.
    laptop = await site.with_link(person, name="laptop", phone=True)
    laptop.allow("status of 401")
    await laptop.goto(f"/m/{obs.id}")
    await laptop.page.get_by_label("Je antwoord").fill(TYPED)
    await laptop.context.clear_cookies()
    await laptop.page.get_by_role("button", name="Antwoord versturen").click()
    await laptop.page.get_by_role("heading", name="Je bent niet meer ingelogd").wait_for()
    # The heading can be there before the stylesheet that hides the Telegram-only parts is.
    await laptop.page.wait_for_load_state("load")
    assert await laptop.page.get_by_label("Je antwoord").input_value() == TYPED
    assert not await laptop.page.get_by_role("button", name="Bureau sluiten").is_visible()
    assert await laptop.page.get_by_text("Stuur /bureau naar de bot").is_visible()
    await laptop.shoot("session-ended-browser")
    await laptop.page.get_by_role("link", name="Opnieuw inloggen").click()
    await laptop.page.get_by_role("heading", name="Inloggen").wait_for()
    with site.services.db.session() as session:
        stored = session.get(Observation, obs.id)
        assert stored is not None and stored.answer_text is None


async def test_after_logging_out_in_telegram_back_leads_on(site: DeskSite) -> None:
    """Logged out, then back in the same window: the Mini App's initData was used, so the login
    is refused; the page says how to go on and closes the desk."""
    await coach_of(site, COACH, ELSRIJK)
    window = await site.in_telegram(COACH, name="telegram")
    window.allow("status of 403")
    page = window.page
    await page.get_by_role("heading", name="Meldingen", exact=True).wait_for()
    await page.get_by_role("button", name="Uitloggen").click()
    await page.get_by_role("heading", name="Uitgelogd").wait_for()
    # Shown by the desk's deferred script, which may run after the heading is there.
    await page.get_by_role("button", name="Bureau sluiten").wait_for(state="visible")
    await window.shoot("logged-out")
    await page.go_back()
    await page.get_by_text("Inloggen lukt zo niet.").wait_for()
    await page.wait_for_load_state("load")
    assert await page.get_by_text("Open het daarna opnieuw met de knop Bureau openen").is_visible()
    await window.shoot("back-after-logout")
    await page.get_by_role("button", name="Bureau sluiten").click()
    assert "close" in window.telegram_calls


async def test_a_long_answer_is_refused_whole_and_what_an_action_needs_is_asked(
    site: DeskSite,
) -> None:
    await coach_of(site, COACH, ELSRIJK)
    await onboard(site.bot, RESIDENT, "Bewoner")
    obs = site.observation(by=RESIDENT, text="De lantaarn bij de school is kapot")
    others = [site.observation(text=f"Losse stoeptegel nummer {n}") for n in range(2)]
    window = await site.in_telegram(COACH, name="coach", path=f"/m/{obs.id}")
    window.allow("status of 400")
    page = window.page
    await page.wait_for_load_state("load")

    # The status form asks for what the chosen status needs before it is sent.
    await page.get_by_label("Nieuwe status").select_option("hidden")
    assert await page.get_by_label("Bij Verborgen: waarom?").evaluate("(e) => e.required")

    # A pasted answer over the limit: the box takes all of it (the limit is said beside it),
    # the desk refuses it and keeps it there; nothing is cut off or sent.
    text = "We hebben het bekeken en gaan het oplossen. " * 60  # 2,640 characters
    box = page.get_by_label("Je antwoord")
    await box.fill(text)
    assert await box.input_value() == text
    assert await page.get_by_text("Je antwoord mag maximaal 2000 letters en tekens zijn.").count()
    await page.get_by_role("button", name="Antwoord versturen").click()
    await page.get_by_text("Je tekst is te lang: 2639 letters en tekens.").wait_for()
    assert (await page.get_by_label("Je antwoord").input_value()).strip() == text.strip()
    await window.shoot("answer-too-long")
    with site.services.db.session() as session:
        stored = session.get(Observation, obs.id)
        assert stored is not None and stored.answer_text is None

    # The bulk form: the partner is required for "Doorgestuurd" (the browser asks for it and
    # the ticks stay); not for "Gelezen".
    await window.goto("/")
    await page.wait_for_load_state("load")
    for row in others:
        await page.get_by_label(f"Kies {row.reference}", exact=True).check()
    await page.get_by_label("Wat wil je doen?").select_option("referred")
    partner = page.get_by_label("Naar welke partner? Nodig bij Doorgestuurd.")
    assert await partner.evaluate("(e) => e.required")
    await page.get_by_role("button", name="Doe dit met de gekozen meldingen").click()
    assert await partner.evaluate("(e) => e.validationMessage") != ""
    assert await page.locator("input[name=id]:checked").count() == 2
    await window.shoot("bulk-partner-asked")
    await page.get_by_label("Wat wil je doen?").select_option("read")
    await partner.wait_for(state="hidden")
    assert not await partner.evaluate("(e) => e.required")
