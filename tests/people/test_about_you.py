""" "Over jou" left at a question: for a while a typed text gets the question again (the answers
are its buttons); a question left unanswered for hours no longer holds a text back, which goes
where a text outside any flow goes, the question whether it is a melding (through the real
Application on the fake Bot API, with a FrozenClock)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.context import Services
from bot.core.clock import Clock, FrozenClock
from bot.fake_telegram import Harness
from bot.fake_telegram.users import Person as FakePerson
from bot.people import about_you
from models import Person
from tests.helpers import delivered_updates, onboard

AGE = "Hoe oud ben je?"
USE_BUTTONS = "Kies hieronder met een knop."
FILE_ASK = "Wil je dit als melding naar de wijkcoach sturen?"


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(Clock().now())


def frozen(services: Services) -> FrozenClock:
    assert isinstance(services.clock, FrozenClock)
    return services.clock


def age_group(services: Services, telegram_id: int) -> str | None:
    with services.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_id == telegram_id)).one()
        row = about_you.answers(session, person.id or 0)
        return row.age_group if row is not None else None


async def at_the_first_question(bot: Harness) -> FakePerson:
    anna = await onboard(bot, 1001, "Anna")
    await anna.press("Over jou")
    (question,) = await anna.press("Antwoorden aanpassen")
    assert AGE in question.plain_text
    return anna


async def test_a_text_hours_after_an_unanswered_question_is_offered_as_a_melding(
    bot: Harness, services: Services
) -> None:
    anna = await at_the_first_question(bot)
    question = anna.last
    # An hour on, the question still holds: a text gets it again.
    frozen(services).advance(timedelta(hours=1))
    (again,) = await anna.send("35")
    assert USE_BUTTONS in again.plain_text and AGE in again.plain_text
    # Two days on, the text is an observation, as outside any flow.
    frozen(services).advance(timedelta(days=2))
    (offer,) = await anna.send("De lantaarn bij de school is al een week kapot")
    assert FILE_ASK in offer.plain_text
    assert USE_BUTTONS not in offer.plain_text and AGE not in offer.plain_text
    assert "niet verstuurd" not in offer.plain_text
    assert bot.app.user_data[1001]["flow"]["name"] == "observation"
    # The question's own buttons still answer it.
    await anna.press("25 tot 45 jaar", message=question)
    assert age_group(services, 1001) == "25_44"


async def test_a_text_after_an_expired_question_delivered_again_shows_what_it_stored(
    bot: Harness, services: Services
) -> None:
    """The text that ended an expired question's run (Telegram delivers it again when the bot
    did not confirm it) shows what it stored the first time, the question whether it is a
    melding about that text once; it is not added to itself as a second loose message."""
    lamp = "De lantaarn bij de school is al een week kapot"
    anna = await at_the_first_question(bot)
    frozen(services).advance(timedelta(days=2))
    texts = delivered_updates(bot, "message")
    (offer,) = await anna.send(lamp)
    assert FILE_ASK in offer.plain_text
    (again,) = await bot.act(texts[-1], chats=(1001,))
    assert again.plain_text == offer.plain_text and again.button_texts == offer.button_texts
    assert USE_BUTTONS not in again.plain_text and "samen" not in again.plain_text
    flow = bot.app.user_data[1001]["flow"]
    assert (flow["name"], flow["state"], flow["data"]["text"]) == ("observation", "file_ask", lamp)
    # Sent as a melding, it holds the text once.
    await anna.press("Ja, als melding", message=again)
    assert bot.app.user_data[1001]["flow"]["data"]["text"] == lamp


async def test_a_photo_hours_after_an_unanswered_question_is_offered_as_a_melding(
    bot: Harness, services: Services
) -> None:
    from handlers.about_you.answers import QUESTION_HOLDS

    anna = await at_the_first_question(bot)
    (household,) = await anna.press("25 tot 45 jaar")
    assert "Met wie woon je?" in household.plain_text
    # Each question holds from when it was shown: just under the time, still the question.
    frozen(services).advance(QUESTION_HOLDS - timedelta(minutes=1))
    (again,) = await anna.send_photo()
    assert USE_BUTTONS in again.plain_text and "Met wie woon je?" in again.plain_text
    frozen(services).advance(timedelta(minutes=2))
    (offer,) = await anna.send_photo()
    assert FILE_ASK in offer.plain_text and USE_BUTTONS not in offer.plain_text


INVITE = "Wil je iets over jezelf vertellen?"


def profile(services: Services, telegram_id: int) -> tuple[str | None, ...] | None:
    with services.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_id == telegram_id)).one()
        row = about_you.answers(session, person.id or 0)
        return (row.age_group, row.household, row.years_in_wijk) if row is not None else None


async def test_later_stops_for_now_keeps_the_answers_and_asks_again_later(
    bot: Harness, services: Services
) -> None:
    """ "Later" at a question: back to the menu, what was answered stays, and after a while the
    menu asks once more (unlike "Nee, geen vragen over mij", which means never)."""
    from tests.spiegel.test_recognised import file

    anna = await onboard(bot, 1001, "Anna")
    await file(anna, "De stoep bij de school is kapot")
    (menu,) = await anna.press("Naar het menu")
    assert INVITE in menu.plain_text
    await anna.press("Ja, ik beantwoord de vragen")
    (household,) = await anna.press("25 tot 45 jaar")
    assert "Met wie woon je?" in household.plain_text and "Later" in household.button_texts
    (back,) = await anna.press("Later")
    assert back.message_id == menu.message_id
    assert "Over jou" in back.plain_text and "Wat wil je doen?" in back.plain_text
    assert INVITE not in back.plain_text and "Over jou" in back.button_texts
    assert profile(services, 1001) == ("25_44", None, None)
    # Not asked again at once; after a while, once more, and then not again.
    (again,) = await anna.send("/menu")
    assert INVITE not in again.plain_text
    frozen(services).advance(about_you.ASK_AGAIN_AFTER + timedelta(hours=1))
    (again,) = await anna.send("/menu")
    assert INVITE in again.plain_text
    (again,) = await anna.send("/menu")
    assert INVITE not in again.plain_text
    assert profile(services, 1001) == ("25_44", None, None)


async def test_later_in_english(bot: Harness, services: Services) -> None:
    anna = await onboard(bot, 1002, "Anna", language_code="en")
    await anna.press("About you")
    (question,) = await anna.press("Change my answers")
    assert "Later" in question.button_texts
    (back,) = await anna.press("Later")
    assert "What would you like to do?" in back.plain_text
    assert profile(services, 1002) == (None, None, None)
