"""Finding your wijk by postcode (PDOK's address documents, served offline) during onboarding."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from bot.context import Services
from bot.fake_telegram import Harness
from bot.opendata.clients import PdokClient, WijkArea, demo_transport
from models import Person, Wijk


def pdok_for(services: Services, transport: httpx.AsyncBaseTransport | None = None) -> PdokClient:
    return PdokClient(
        gemeentecode="0362",
        areas=[WijkArea.of(w) for w in services.config.wijken],
        transport=transport or demo_transport(),
        retry_delay=0,
    )


@pytest.fixture
def with_pdok(services: Services) -> Services:
    services.pdok = pdok_for(services)
    return services


def current_wijk(services: Services, telegram_id: int) -> str | None:
    with services.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_id == telegram_id)).one()
        wijk = session.get(Wijk, person.current_wijk_id) if person.current_wijk_id else None
        return wijk.slug if wijk else None


async def to_postcode_step(bot: Harness, user_id: int = 1001):  # type: ignore[no-untyped-def]
    alice = bot.user(user_id, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    (prompt,) = await alice.press("Ik weet mijn wijk niet")
    assert "Typ je postcode" in prompt.plain_text
    return alice


async def test_postcode_found_and_confirmed(with_pdok: Services, bot: Harness) -> None:
    alice = await to_postcode_step(bot)
    (proposal,) = await alice.send("1181 za")
    assert "hoort bij de wijk Elsrijk. Klopt dat?" in proposal.plain_text
    assert current_wijk(with_pdok, 1001) is None  # only a proposal
    await alice.press("Ja, dat klopt")
    assert current_wijk(with_pdok, 1001) == "elsrijk"
    assert "Je wijk: Elsrijk" in alice.last.plain_text


async def test_postcode_in_two_wijken_asks_for_house_number(
    with_pdok: Services, bot: Harness
) -> None:
    alice = await to_postcode_step(bot)
    (reply,) = await alice.send("1181ZC")
    assert "in meer dan één wijk" in reply.plain_text
    assert {"Patrimonium", "Elsrijk"} <= set(reply.button_texts)
    (proposal,) = await alice.send("1181ZC 3")
    assert "Elsrijk" in proposal.plain_text
    await alice.press("Ja, dat klopt")
    assert current_wijk(with_pdok, 1001) == "elsrijk"


async def test_cbs_wijk_shared_by_two_spiegel_wijken_lets_the_person_choose(
    with_pdok: Services, bot: Harness
) -> None:
    # 1181ZB lies in CBS wijk WK036202 (Patrimonium), which the config shares with Oude Dorp.
    alice = await to_postcode_step(bot)
    responses = {
        "1181ZB": {
            "response": {
                "numFound": 1,
                "docs": [
                    {
                        "type": "adres",
                        "postcode": "1181ZB",
                        "huisnummer": 2,
                        "weergavenaam": "Proefweg 2, 1181ZB Amstelveen",
                        "gemeentecode": "0362",
                        "wijkcode": "WK036202",
                        "buurtcode": "BU03620299",
                    }
                ],
            }
        }
    }
    with_pdok.pdok = pdok_for(with_pdok, demo_transport(responses))
    (reply,) = await alice.send("1181ZB 2")
    assert "Je adres Proefweg 2, 1181ZB Amstelveen hoort bij meer dan één wijk. Kies je wijk." in (
        reply.plain_text
    )
    assert {"Oude Dorp", "Patrimonium"} <= set(reply.button_texts)
    await alice.press("Oude Dorp")
    assert current_wijk(with_pdok, 1001) == "oude-dorp"


async def test_shared_cbs_wijk_is_not_called_a_border(with_pdok: Services, bot: Harness) -> None:
    # 1181 ZC 1 lies in one CBS wijk (WK036202), which Oude Dorp and Patrimonium share.
    alice = await to_postcode_step(bot)
    (reply,) = await alice.send("1181 ZC 1")
    assert "grens" not in reply.plain_text
    assert "Je adres Grenspad 1, 1181ZC Amstelveen hoort bij meer dan één wijk." in (
        reply.plain_text
    )
    assert {"Oude Dorp", "Patrimonium"} <= set(reply.button_texts)
    await alice.press("Patrimonium")
    assert current_wijk(with_pdok, 1001) == "patrimonium"


async def test_postcode_found_but_house_number_unknown_does_not_blame_the_postcode(
    with_pdok: Services, bot: Harness
) -> None:
    # 1181 ZA exists and lies in Elsrijk only; 99 is no number there.
    alice = await to_postcode_step(bot)
    (reply,) = await alice.send("1181 ZA 99")
    assert "Ik kan deze postcode niet vinden" not in reply.plain_text
    assert "Dit huisnummer kan ik niet vinden bij deze postcode." in reply.plain_text
    assert "De postcode hoort bij de wijk Elsrijk. Klopt dat?" in reply.plain_text
    assert reply.button_texts[0] == "Ja, dat klopt"
    # A typing error: typed again, it is found.
    (again,) = await alice.send("1181 ZA 3")
    assert "Je adres Voorbeeldlaan 3, 1181ZA Amstelveen hoort bij de wijk Elsrijk" in (
        again.plain_text
    )
    await alice.press("Ja, dat klopt")
    assert current_wijk(with_pdok, 1001) == "elsrijk"


async def test_unknown_house_number_in_a_postcode_of_two_wijken_asks_again(
    with_pdok: Services, bot: Harness
) -> None:
    bob = bot.user(1002, "Bob", language_code="en")
    await bob.send("/start")
    await bob.press("I agree")
    await bob.press("I don't know my district")
    (reply,) = await bob.send("1181ZC 99")
    assert "I cannot find this house number at this postcode." in reply.plain_text
    assert "cannot find this postcode" not in reply.plain_text
    assert {"Patrimonium", "Elsrijk"} <= set(reply.button_texts)
    await bob.press("Elsrijk")
    assert current_wijk(with_pdok, 1002) == "elsrijk"


@pytest.mark.parametrize("typed", ["1181-ZA", "NL-1181ZA", "nl 1181 za", "NL1181 ZA", "1181 - za"])
async def test_a_postcode_with_a_dash_or_nl_in_front_is_a_postcode(
    with_pdok: Services, bot: Harness, typed: str
) -> None:
    alice = await to_postcode_step(bot)
    (proposal,) = await alice.send(typed)
    assert "hoort bij de wijk Elsrijk. Klopt dat?" in proposal.plain_text
    await alice.press("Ja, dat klopt")
    assert current_wijk(with_pdok, 1001) == "elsrijk"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hallo", "Dat lijkt geen postcode"),
        ("0181AB", "Dat lijkt geen postcode"),
        ("1181SA", "Dat lijkt geen postcode"),
        ("1184ZZ", "Ik kan deze postcode niet vinden"),
    ],
)
async def test_bad_postcodes(with_pdok: Services, bot: Harness, typed: str, expected: str) -> None:
    alice = await to_postcode_step(bot)
    (reply,) = await alice.send(typed)
    assert expected in reply.plain_text
    assert "Kies uit de lijst" in reply.button_texts  # the list is always there
    await alice.press("Kies uit de lijst")
    await alice.press("Randwijck")
    assert current_wijk(with_pdok, 1001) == "randwijck"


async def test_postcode_outside_the_municipality(with_pdok: Services, bot: Harness) -> None:
    responses = {
        "1118CP": {
            "response": {
                "numFound": 1,
                "docs": [
                    {
                        "type": "adres",
                        "postcode": "1118CP",
                        "huisnummer": 202,
                        "weergavenaam": "Evert van de Beekstraat 202, 1118CP Schiphol",
                        "gemeentecode": "0394",
                        "wijkcode": "WK039416",
                        "buurtcode": "BU03941663",
                    }
                ],
            }
        }
    }
    with_pdok.pdok = pdok_for(with_pdok, demo_transport(responses))
    alice = await to_postcode_step(bot)
    (reply,) = await alice.send("1118 CP")
    assert "ligt niet in Amstelveen" in reply.plain_text


async def test_pdok_unreachable_falls_back_to_the_list(with_pdok: Services, bot: Harness) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down", request=request)

    with_pdok.pdok = pdok_for(with_pdok, httpx.MockTransport(down))
    alice = await to_postcode_step(bot)
    (reply,) = await alice.send("1181ZA")
    assert "nu niet opzoeken" in reply.plain_text
    assert "Elsrijk" in reply.button_texts
    await alice.press("Elsrijk")
    assert current_wijk(with_pdok, 1001) == "elsrijk"


async def test_without_pdok_there_is_no_postcode_button(services: Services, bot: Harness) -> None:
    alice = bot.user(1001, "Alice")
    await alice.send("/start")
    (listing,) = [m for m in await alice.press("Akkoord") if m.buttons]
    assert "Ik weet mijn wijk niet" not in listing.button_texts


async def test_a_sticker_or_an_edit_at_the_postcode_shows_the_step_again(
    with_pdok: Services, bot: Harness
) -> None:
    """The wijk flow takes text (a postcode): a message it cannot use gets its reason above the
    step it interrupted, with that step's buttons, not only "Naar het menu"."""
    alice = await to_postcode_step(bot)
    (again,) = await alice.send_sticker()
    assert "Dit soort bericht kan ik niet gebruiken." in again.plain_text
    assert "Typ je postcode" in again.plain_text
    assert again.button_texts == ["Kies uit de lijst", "Stoppen"]
    (proposal,) = await alice.send("1181 zA")
    assert "hoort bij de wijk Elsrijk. Klopt dat?" in proposal.plain_text
    (edited,) = await alice.edit(alice.sent[-1], "1181 ZA")
    assert "Ik lees alleen de eerste versie" in edited.plain_text
    assert "hoort bij de wijk Elsrijk. Klopt dat?" in edited.plain_text
    assert "Ja, dat klopt" in edited.button_texts and "Naar het menu" not in edited.button_texts
    await alice.press("Ja, dat klopt", message=edited)
    assert current_wijk(with_pdok, 1001) == "elsrijk"
