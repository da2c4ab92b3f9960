"""The wijkspiegel recognised in a melding: after filing, the confirmation asks about the
statement of the wijk's spiegel the melding is about; the answer is a reaction to it, as if given
in the spiegel. Through the real Application and the fake Bot API, and the matching on its own."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.context import Services
from bot.digest.builder import vocabulary_for
from bot.fake_telegram import Harness
from bot.fake_telegram.users import BotMessage
from bot.fake_telegram.users import Person as FakePerson
from bot.grouping.signatures import signature
from bot.people import persons as people
from bot.spiegel import mirror
from bot.spiegel.recognised import RecognisedCache, matching_statement
from models import ItemKind, Observation, Reaction, Role, Verdict
from tests.helpers import join_as, onboard
from tests.spiegel.test_spiegel import item_id, load

MIRROR = """\
[[strength]]
key = "groen"
text = "Er is veel groen in de wijk."

[[strength]]
key = "buren"
text = "Buren helpen elkaar."

[[weakness]]
key = "parkeren"
text = "Er is te weinig parkeerplek."

[[weakness]]
key = "kalkoven"
text = "In de straten bij de Kalkoven is geen parkeerplek te vinden."

[[threat]]
key = "hondenpoep"
text = "Veel hondenpoep op de stoep."

[[recommendation]]
key = "advies"
text = "Maak meer parkeerplekken."
"""

PARKING = "Geen parkeerplek te vinden bij de Kalkoven"
KALKOVEN = "In de straten bij de Kalkoven is geen parkeerplek te vinden."
QUESTION = f"Dit staat ook in de wijkspiegel: ‘{KALKOVEN}’. Herken je dat?"
MENU_BUTTONS = ["Mijn meldingen", "Nog een melding doen", "Naar het menu"]


def reactions(services: Services) -> list[Reaction]:
    with services.db.session() as session:
        return list(session.exec(select(Reaction).order_by(col(Reaction.id))).all())


def person_id(services: Services, telegram_id: int) -> int:
    with services.db.session() as session:
        person = people.get_person(session, telegram_id)
        assert person is not None and person.id is not None
        return person.id


def last_observation(services: Services) -> Observation:
    with services.db.session() as session:
        found = session.exec(select(Observation).order_by(col(Observation.id).desc())).first()
        assert found is not None
        return found


def react(services: Services, telegram_id: int, key: str, verdict: Verdict) -> None:
    with services.db.session() as session:
        mirror.react(session, person_id(services, telegram_id), item_id(services, key), verdict)


async def file(person: FakePerson, text: str, swot: str = "Wat kan beter?") -> BotMessage:
    """File a melding through the flow; the one message Versturen showed (the summary, edited)."""
    await person.send("/melding")
    await person.send(text)
    for label in (swot, "Weet ik niet", "Overslaan", "Nee, alleen"):
        await person.press(label)
    summary = person.last
    replies = await person.press("Versturen")
    assert len(replies) == 1, "one message: the summary becomes the confirmation"
    (confirmation,) = replies
    assert confirmation.message_id == summary.message_id and confirmation.edited
    return confirmation


# --- through the bot ---------------------------------------------------------------------------


async def test_a_matching_melding_is_asked_about_and_ja_stores_a_reaction(
    bot: Harness, services: Services
) -> None:
    load(services, "elsrijk", MIRROR)
    alice = await onboard(bot, 1001, "Alice")
    bob = await onboard(bot, 1002, "Bob")
    react(services, 1002, "kalkoven", Verdict.RECOGNISE)  # someone reacted in the spiegel before
    react(services, 1002, "parkeren", Verdict.NOT_RECOGNISE)
    assert bob is not None

    confirmation = await file(alice, PARKING)
    reference = f"M-{last_observation(services).id}"
    text = confirmation.plain_text
    assert "Je melding is bewaard" in text and reference in text
    # The best of the two parking statements: it shares the most words with the melding.
    assert text.endswith(QUESTION)
    assert confirmation.button_texts == ["Ja", "Nee", "Overslaan", *MENU_BUTTONS]
    assert confirmation.buttons[0][0].callback_data == f"sr:{item_id(services, 'kalkoven')}:y"

    replies = await alice.press("Ja")
    (thanks,) = replies
    assert thanks.message_id == confirmation.message_id  # the same message, edited
    assert reference in thanks.plain_text and "Je melding is bewaard" in thanks.plain_text
    assert "Herken je dat?" not in thanks.plain_text
    assert thanks.plain_text.endswith(
        "Dank je. 2 mensen herkennen dit. 0 mensen herkennen dit niet."
    )
    assert thanks.button_texts == MENU_BUTTONS
    assert alice.alerts[-1] == "Bewaard."
    mine = [r for r in reactions(services) if r.person_id == person_id(services, 1001)]
    assert [(r.item_id, r.verdict, r.wijk_id) for r in mine] == [
        (item_id(services, "kalkoven"), Verdict.RECOGNISE.value, last_observation(services).wijk_id)
    ]


async def test_nee_stores_not_recognise(bot: Harness, services: Services) -> None:
    load(services, "elsrijk", MIRROR)
    alice = await onboard(bot, 1001, "Alice")
    confirmation = await file(alice, PARKING)
    assert confirmation.plain_text.endswith(QUESTION)
    (thanks,) = await alice.press("Nee")
    assert thanks.plain_text.endswith(
        "Dank je. 0 mensen herkennen dit. 1 persoon herkent dit niet."
    )
    assert f"M-{last_observation(services).id}" in thanks.plain_text
    assert [(r.item_id, r.verdict) for r in reactions(services)] == [
        (item_id(services, "kalkoven"), Verdict.NOT_RECOGNISE.value)
    ]


async def test_overslaan_stores_nothing_and_keeps_the_confirmation(
    bot: Harness, services: Services
) -> None:
    load(services, "elsrijk", MIRROR)
    alice = await onboard(bot, 1001, "Alice")
    confirmation = await file(alice, PARKING)
    (after,) = await alice.press("Overslaan", message=confirmation)
    assert after.message_id == confirmation.message_id
    assert f"M-{last_observation(services).id}" in after.plain_text
    assert "wijkspiegel" not in after.plain_text and "Dank je." not in after.plain_text
    assert after.button_texts == MENU_BUTTONS
    assert reactions(services) == []


async def test_a_press_delivered_twice_keeps_one_reaction(bot: Harness, services: Services) -> None:
    load(services, "elsrijk", MIRROR)
    alice = await onboard(bot, 1001, "Alice")
    confirmation = await file(alice, PARKING)
    data = f"sr:{item_id(services, 'kalkoven')}:y"
    await alice.press_data(data, message=confirmation)
    again = await bot.act(bot.last_update or {}, chats=(alice.id,))
    assert len(reactions(services)) == 1
    assert alice.last.plain_text.endswith(
        "Dank je. 1 persoon herkent dit. 0 mensen herkennen dit niet."
    )
    assert all("Herken je dat?" not in m.plain_text for m in again)


async def test_no_question_for_the_other_direction_or_another_matter(
    bot: Harness, services: Services
) -> None:
    load(services, "elsrijk", MIRROR)
    alice = await onboard(bot, 1001, "Alice")
    # Parking, but as something that goes well: the spiegel's parking statements are complaints.
    confirmation = await file(alice, PARKING, "Wat gaat goed?")
    assert "wijkspiegel" not in confirmation.plain_text
    assert confirmation.button_texts == MENU_BUTTONS
    # A complaint about something the spiegel does not mention.
    confirmation = await file(alice, "De bus komt veel te laat")
    assert "wijkspiegel" not in confirmation.plain_text
    # Praise that the spiegel has: asked.
    confirmation = await file(alice, "Het park is mooi en groen", "Wat gaat goed?")
    assert confirmation.plain_text.endswith(
        "Dit staat ook in de wijkspiegel: ‘Er is veel groen in de wijk.’. Herken je dat?"
    )
    assert reactions(services) == []


async def test_a_statement_already_reacted_to_is_not_asked(
    bot: Harness, services: Services
) -> None:
    load(services, "elsrijk", MIRROR)
    alice = await onboard(bot, 1001, "Alice")
    react(services, 1001, "kalkoven", Verdict.RECOGNISE)
    confirmation = await file(alice, PARKING)
    # The next best statement about the same matter, not the one already judged.
    assert confirmation.plain_text.endswith(
        "Dit staat ook in de wijkspiegel: ‘Er is te weinig parkeerplek.’. Herken je dat?"
    )
    react(services, 1001, "parkeren", Verdict.NOT_RECOGNISE)
    confirmation = await file(alice, PARKING)
    assert "wijkspiegel" not in confirmation.plain_text
    assert confirmation.button_texts == MENU_BUTTONS


async def test_a_wijk_without_spiegel_and_a_partner_get_no_question(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    confirmation = await file(alice, PARKING)
    assert "wijkspiegel" not in confirmation.plain_text
    load(services, "elsrijk", MIRROR)
    petra = await join_as(bot, services, 3001, "Petra", Role.PARTNER, "elsrijk")
    confirmation = await file(petra, PARKING)
    assert "wijkspiegel" not in confirmation.plain_text  # a partner reads, but does not react


async def test_a_failing_match_keeps_the_plain_confirmation(
    bot: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handlers.spiegel import recognised

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the vocabulary is broken")

    monkeypatch.setattr(recognised, "matching_statement", broken)
    load(services, "elsrijk", MIRROR)
    alice = await onboard(bot, 1001, "Alice")
    confirmation = await file(alice, PARKING)
    assert f"M-{last_observation(services).id}" in confirmation.plain_text
    assert confirmation.button_texts == MENU_BUTTONS


async def test_forged_and_stale_buttons_store_nothing(bot: Harness, services: Services) -> None:
    own = load(services, "elsrijk", MIRROR)
    other = load(services, "bovenkerk", MIRROR)
    alice = await onboard(bot, 1001, "Alice")
    confirmation = await file(alice, PARKING)
    # Another wijk's statement: refused as in the spiegel.
    replies = await alice.press_data(
        f"sr:{item_id(services, 'kalkoven', other)}:y", message=confirmation
    )
    assert "Deze zin hoort bij een andere wijk" in replies[-1].plain_text
    # Unknown, malformed, or a recommendation (never asked about).
    for data in ("sr:999999:y", "sr:1:x", f"sr:{item_id(services, 'advies', own)}:y"):
        await alice.press_data(data, message=confirmation)
        assert alice.alerts[-1] == "Deze knop werkt niet meer.", data
    assert reactions(services) == []
    # A new edition of the spiegel: the question's statement no longer takes reactions.
    load(services, "elsrijk", MIRROR, year=2027)
    await alice.press("Ja", message=confirmation)
    assert alice.alerts[-1] == "Deze knop werkt niet meer."
    assert reactions(services) == []


# --- the matching on its own -------------------------------------------------------------------


def test_matching_statement_same_matter_same_direction(services: Services) -> None:
    vocabulary = vocabulary_for(services.config.digest.vocabulary)
    with services.db.session() as session:
        wijk = people.wijk_by_slug(session, "elsrijk")
        assert wijk is not None and wijk.id is not None
        wijk_id = wijk.id
    cache = RecognisedCache()

    def match(text: str, swot: str, **kw: object) -> str | None:
        found = matching_statement(
            services.db,
            wijk_id,
            text,
            swot,
            vocabulary,
            cache=cache,
            **kw,  # type: ignore[arg-type]
        )
        return None if found is None else found.text

    assert match(PARKING, "weakness") is None  # no spiegel yet
    load(services, "elsrijk", MIRROR)  # an import in this process: the cache sees it at once
    assert match(PARKING, "weakness") == KALKOVEN
    assert match(PARKING, "threat") == KALKOVEN  # a worry points the same way as a weakness
    assert match(PARKING, "strength") is None
    assert match(PARKING, "opportunity") is None
    assert match("Er is te weinig parkeerplek", "weakness") == "Er is te weinig parkeerplek."
    assert match("Het park is mooi en groen", "opportunity") == "Er is veel groen in de wijk."
    assert match("Het park is mooi en groen", "weakness") is None
    assert match("Veel hondenpoep in het park", "weakness") == "Veel hondenpoep op de stoep."
    assert match("Ik vind het hier fijn", "strength") is None  # about nothing we know
    assert match(PARKING, "not a category") is None
    # A recommendation is advice: never the statement a melding is about.
    found = matching_statement(
        services.db, wijk_id, "Maak meer parkeerplekken", "weakness", vocabulary, cache=cache
    )
    assert found is not None and found.kind is not ItemKind.RECOMMENDATION
    # The signature stored with the melding gives the same answer as its text.
    assert match("", "weakness", stored_signature=signature(PARKING, vocabulary)) == KALKOVEN
    # A session works as well as the database.
    with services.db.session() as session:
        found = matching_statement(session, wijk_id, PARKING, "weakness", vocabulary)
        assert found is not None and found.text == KALKOVEN
    # Statements are read once, then kept: the same object until something changes.
    assert cache.statements(services.db, wijk_id, vocabulary) is cache.statements(
        services.db, wijk_id, vocabulary
    )
    # A newer edition without parking: its statements are the ones that count.
    load(services, "elsrijk", MIRROR.split('[[weakness]]\nkey = "parkeren"')[0], year=2027)
    assert match(PARKING, "weakness") is None
    assert match("Het park is mooi en groen", "strength") == "Er is veel groen in de wijk."


def test_matching_statement_skips_what_the_person_reacted_to(services: Services) -> None:
    vocabulary = vocabulary_for(services.config.digest.vocabulary)
    load(services, "elsrijk", MIRROR)
    with services.db.session() as session:
        wijk = people.wijk_by_slug(session, "elsrijk")
        assert wijk is not None and wijk.id is not None
        person = people.give_consent(session, 501, "nl", services.clock.now())
        people.choose_wijk(session, person, wijk)
        wijk_id, person_id = wijk.id, person.id or 0
        mirror.react(session, person_id, item_id(services, "kalkoven"), Verdict.RECOGNISE)

    def match(who: int | None) -> str | None:
        found = matching_statement(
            services.db, wijk_id, PARKING, "weakness", vocabulary, person_id=who
        )
        return None if found is None else found.text

    assert match(None) == KALKOVEN  # without a person: the best match
    assert match(person_id) == "Er is te weinig parkeerplek."
    with services.db.session() as session:
        mirror.react(session, person_id, item_id(services, "parkeren"), Verdict.NOT_RECOGNISE)
    assert match(person_id) is None
    assert match(person_id + 1) == KALKOVEN  # someone else's reactions do not count


async def test_in_english_the_question_and_the_thanks_are_in_english(
    bot: Harness, services: Services
) -> None:
    load(services, "elsrijk", MIRROR)
    eve = await onboard(bot, 1011, "Eve", language_code="en")
    await eve.send("/melding")
    await eve.send("Impossible to find a parking spot near the Kalkoven, every evening")
    for label in ("What could be better?", "I don't know", "Skip", "No, only"):
        await eve.press(label)
    (confirmation,) = await eve.press("Send")
    reference = f"M-{last_observation(services).id}"
    assert (
        "Your report is saved" in confirmation.plain_text and reference in confirmation.plain_text
    )
    assert confirmation.plain_text.endswith(
        f"The district mirror says this too: ‘{KALKOVEN}’. Is this true for you?"
    )
    assert confirmation.button_texts[:3] == ["Yes", "No", "Skip"]

    (thanks,) = await eve.press("No")
    assert reference in thanks.plain_text and "Is this true for you?" not in thanks.plain_text
    assert "Thank you." in thanks.plain_text
    assert "1 person says this is not true for them." in thanks.plain_text
    stored = reactions(services)
    assert [(r.item_id, r.verdict) for r in stored] == [
        (item_id(services, "kalkoven"), Verdict.NOT_RECOGNISE.value)
    ]
