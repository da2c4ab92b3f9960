"""The coach's actions in headless Chromium, on SQLite and PostgreSQL: a status change (passed on
to a partner), an answer with a template, a note, bulk "mark read", the export; and the sender
receiving the notice and the answer from the bot. Screenshots of /m/{id} and of the inbox with
a selection, phone and desktop (tests/desk/screenshots/)."""

from __future__ import annotations

import pytest

from models import Observation
from tests.desk.browser import DeskSite
from tests.desk.conftest import ELSRIJK
from tests.desk.test_desk_browser import coach_of
from tests.helpers import onboard

pytestmark = pytest.mark.asyncio(loop_scope="session")

COACH, RESIDENT = 5201, 6201


def status_of(site: DeskSite, observation_id: int | None) -> str:
    with site.services.db.session() as session:
        row = session.get(Observation, observation_id)
        assert row is not None
        return row.status


async def test_a_coach_works_through_observations_and_the_sender_hears_of_it(
    site: DeskSite,
) -> None:
    await coach_of(site, COACH, ELSRIJK)
    sender = await onboard(site.bot, RESIDENT, "Bewoner")
    lamp = site.observation(by=RESIDENT, text="De lantaarn bij de school is kapot")
    others = [site.observation(by=RESIDENT, text=f"Losse stoeptegel nummer {n}") for n in range(3)]

    coach = await site.in_telegram(COACH, name="coach")
    page = coach.page
    await page.get_by_role("heading", name="Meldingen", exact=True).wait_for()

    # Templates: the examples for the wijk.
    await page.get_by_role("link", name="Vaste antwoorden", exact=True).click()
    await page.get_by_role("button", name="Voorbeelden toevoegen").click()
    await page.get_by_text("De voorbeelden staan erbij.").wait_for()

    # One observation: passed on to a partner (the partner field shows for that status only).
    await coach.goto(f"/m/{lamp.id}")
    partner = page.get_by_label("Naar welke partner? Nodig bij Doorgestuurd.")
    assert not await partner.is_visible()
    await page.get_by_label("Nieuwe status").select_option("referred")
    await partner.fill("Woonstichting De Key")
    await page.get_by_role("button", name="Status veranderen").click()
    await page.get_by_text(f"Melding {lamp.reference} heeft nu de status Doorgestuurd.").wait_for()
    notice = await site.message_for(sender, "doorgestuurd naar")
    assert f"Je melding {lamp.reference} is doorgestuurd naar Woonstichting De Key." in (
        notice.plain_text
    )

    # Answer with a template: choosing it fills the text box (the script, once loaded), then send.
    await page.wait_for_load_state("load")
    await page.get_by_label("Vast antwoord").select_option(label="Doorgestuurd")
    box = page.get_by_label("Je antwoord")
    assert lamp.reference in await box.input_value()
    await box.fill((await box.input_value()) + " Groet, je wijkcoach.")
    await page.get_by_role("button", name="Antwoord versturen").click()
    await page.get_by_text(f"Je antwoord op {lamp.reference} is bewaard.").wait_for()
    answer = await site.message_for(sender, "Groet, je wijkcoach.")
    assert "Antwoord van je wijkcoach" in answer.plain_text

    # A note, for the wijk's coaches only.
    await page.get_by_label("Nieuwe notitie").fill("Morgen bellen met De Key")
    await page.get_by_role("button", name="Notitie toevoegen").click()
    await page.get_by_text("Je notitie is bewaard.").wait_for()
    assert "Morgen bellen met De Key" in await coach.text()
    await coach.shoot("observation-after-actions")

    # Bulk: the three others marked read.
    await page.get_by_role("link", name="Terug naar de meldingen").click()
    await page.get_by_role("heading", name="Meldingen", exact=True).wait_for()
    await page.wait_for_load_state("load")
    for obs in others:
        await page.get_by_label(f"Kies {obs.reference}", exact=True).check()
    await page.get_by_label("Wat wil je doen?").select_option("read")
    await coach.shoot("inbox-selection")
    await page.get_by_role("button", name="Doe dit met de gekozen meldingen").click()
    await page.get_by_text("3 aangepast, 0 overgeslagen.").wait_for()
    assert all(status_of(site, obs.id) == "read" for obs in others)

    # Select all on the page (the script's checkbox).
    await page.wait_for_load_state("load")
    await page.get_by_label("Kies alles op deze pagina").check()
    assert await page.locator("input[name=id]:checked").count() == 4
    await coach.shoot("inbox-all-selected")

    # The export of this view.
    name, content = await coach.download(page.get_by_role("link", name="Download als tekstbestand"))
    assert name.endswith(".csv") and lamp.reference.encode() in content


async def test_a_coachs_own_observation_and_a_reopen_in_words(site: DeskSite) -> None:
    """A coach who lives in the wijk opens their own observation: the chat's sentence, no status
    or answer form, still new. A resident's "Klopt niet" shows in the history in words."""
    await coach_of(site, COACH, ELSRIJK)
    sender = await onboard(site.bot, RESIDENT, "Bewoner")
    own = site.observation(by=COACH, text="Er is te weinig groen in mijn straat")
    lamp = site.observation(by=RESIDENT, text="De lantaarn bij de school is kapot")

    coach = await site.in_telegram(COACH, name="coach")
    page = coach.page
    await page.get_by_role("heading", name="Meldingen", exact=True).wait_for()
    await coach.goto(f"/m/{own.id}")
    await page.get_by_text(
        "Dit is jouw eigen melding. Een andere wijkcoach pakt hem op."
    ).wait_for()
    assert await page.get_by_role("button", name="Status veranderen").count() == 0
    assert await page.get_by_role("button", name="Antwoord versturen").count() == 0
    assert await page.get_by_role("button", name="Notitie toevoegen").count() == 1
    await coach.shoot("own-observation")
    assert status_of(site, own.id) == "new"

    await coach.goto(f"/m/{lamp.id}")
    await page.get_by_label("Nieuwe status").select_option("hidden")
    await page.get_by_label("Bij Verborgen: waarom?").fill("Dubbel")
    await page.get_by_role("button", name="Status veranderen").click()
    notice = await site.message_for(sender, "verborgen")
    await sender.press("Klopt niet", message=notice)
    await coach.goto(f"/m/{lamp.id}")
    await page.get_by_text("Status naar Nieuw. De schrijver vond dat niet terecht.").wait_for()
    await coach.shoot("history-reopen")
