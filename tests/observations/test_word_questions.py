"""A newcomer asks what one of the bot's words means ("wat is een wijkspiegel?", "Wat betekent
BIG?", "what is a district coach?"): the word's line of the glossary (/uitleg) with the menu,
never "Wil je dit als melding naar de wijkcoach sturen?" about their question."""

from __future__ import annotations

import pytest

from bot.context import Services
from bot.fake_telegram import Harness
from tests.helpers import onboard
from tests.observations.test_observation_wizard import stored_texts

OFFER = {"nl": "Wil je dit als melding", "en": "Would you like to send this"}


@pytest.mark.parametrize(
    ("lang", "typed", "shown"),
    [
        (
            "nl",
            "wat is een wijkspiegel?",
            "Wijkspiegel: Korte zinnen over hoe het gaat in je wijk.",
        ),
        ("nl", "Wat betekent BIG?", "BIG: Een groep bewoners die samen plannen maakt"),
        ("nl", "wat is een schuilnaam", "Schuilnaam: Een verzonnen naam die ik je geef."),
        ("nl", "Wat is een melding?", "Melding: Iets wat je de wijkcoach vertelt over je wijk."),
        ("nl", "wat is de wijkcoach??", "Wijkcoach: Iemand die in je wijk werkt"),
        ("nl", "what is a district mirror?", "Wijkspiegel: Korte zinnen"),
        ("en", "What is a district coach?", "District coach: Someone who works in your district"),
        ("en", "what does BIG mean?", "BIG: A group of residents who make plans"),
        ("en", "wat is een wijkspiegel?", "District mirror: Short statements"),
    ],
)
async def test_asking_what_a_word_means_gets_its_explanation(
    bot: Harness, services: Services, lang: str, typed: str, shown: str
) -> None:
    person = await onboard(bot, 1001, "Amina", language_code=lang)
    (reply,) = await person.send(typed)
    assert shown in reply.plain_text
    assert OFFER[lang] not in reply.plain_text
    assert ("/uitleg" if lang == "nl" else "/explain") in reply.plain_text
    assert ("Melding doen" if lang == "nl" else "Send a report") in reply.button_texts
    assert stored_texts(services) == []


@pytest.mark.parametrize(
    "typed",
    [
        "wat is een wijkspiegel eigenlijk waard als niemand de lamp maakt?",
        "Wat is de wijkcoach traag zeg, de stoep is nog steeds kapot",
        "what is the district coach doing about the broken bench?",
    ],
)
async def test_a_sentence_about_more_than_the_word_is_still_offered(
    bot: Harness, typed: str
) -> None:
    person = await onboard(bot, 1001, "Amina", language_code="nl")
    (reply,) = await person.send(typed)
    assert OFFER["nl"] in reply.plain_text
