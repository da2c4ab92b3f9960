"""An urgent text typed anywhere shows the help numbers, once, as a message of their own that
stays in the chat, above whatever answers it: a step
of the melding that takes only buttons (shown again, the draft kept), a flow of buttons only,
before Akkoord (the privacy statement with Akkoord below), while choosing a wijk, an edit.
The numbers store nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from sqlmodel import col, select

from bot.context import Services
from bot.fake_telegram import BotMessage, Harness
from bot.fake_telegram.users import Person as FakePerson
from models import Observation, Person
from tests.helpers import onboard
from tests.people.test_wijk_by_postcode import pdok_for

EMERGENCY = "help, mijn buurman is net gevallen en reageert niet meer"
GAS = "Ik ruik een sterke gaslucht in het trappenhuis van onze flat"
HELP_NL = "Is er direct gevaar? Bel 112."
TEXT = "De stoep is kapot bij de bakker"


def observations(services: Services) -> list[Observation]:
    with services.db.session() as session:
        return list(session.exec(select(Observation).order_by(col(Observation.id))).all())


def people(services: Services) -> list[Person]:
    with services.db.session() as session:
        return list(session.exec(select(Person)).all())


def helped(replies: list[BotMessage]) -> BotMessage:
    """The numbers, once, as a message of their own without buttons (nothing edits them away),
    then the answer below them, which is returned."""
    assert len(replies) == 2, [m.plain_text for m in replies]
    numbers, reply = replies
    assert numbers.plain_text.startswith(HELP_NL), numbers.plain_text
    assert numbers.plain_text.count(HELP_NL) == 1 and numbers.buttons == []
    assert HELP_NL not in reply.plain_text
    return reply


async def test_an_emergency_at_each_step_of_a_melding_shows_the_numbers_and_the_step(
    bot: Harness, services: Services
) -> None:
    """At each step, also the ones that take only buttons: the numbers, then the step again
    with its buttons. The melding's draft stays as it was, and is sent as it was."""
    rita = await onboard(bot, 1001, "Rita")
    await rita.send("/melding")
    await rita.send(TEXT)
    await rita.press("Wat kan beter?")
    # (a button the step shows, the one pressed to go on): the topic, the place, the name
    steps = [("Wonen", "Weet ik niet"), ("Overslaan", "Overslaan"), ("Nee, alleen", "Nee, alleen")]
    for button, press in steps:
        reply = helped(await rita.send(EMERGENCY))
        assert "Kies hieronder met een knop." in reply.plain_text
        assert any(button in label for label in reply.button_texts), reply.button_texts
        await rita.press(press, message=reply)
    reply = helped(await rita.send(EMERGENCY))  # at the summary
    assert "Klopt dit?" in reply.plain_text and TEXT in reply.plain_text
    assert "Versturen" in reply.button_texts
    assert observations(services) == []
    await rita.press("Versturen", message=reply)
    (obs,) = observations(services)
    assert obs.text == TEXT and obs.urgent_kind is None


async def test_an_emergency_in_a_flow_of_buttons_only_changes_nothing(
    bot: Harness, services: Services
) -> None:
    rita = await onboard(bot, 1001, "Rita")
    await rita.send("/vergeetmij")
    reply = helped(await rita.send(EMERGENCY))
    assert "Dit kan ik hier niet gebruiken" in reply.plain_text
    await rita.press("Nee, niets wissen")
    assert len(people(services)) == 1


async def test_an_emergency_before_akkoord_shows_the_numbers_and_the_statement(
    bot: Harness, services: Services
) -> None:
    """Before consent nothing is stored, the numbers neither; below them what comes first:
    the privacy statement, with the Akkoord the words name."""
    nieuw = bot.user(5002, "Nieuw")
    await nieuw.send("/start")
    reply = helped(await nieuw.send(GAS))
    assert "Wil je meedoen? Druk dan op Akkoord." in reply.plain_text
    assert "Eerst over je gegevens" in reply.plain_text
    assert "Akkoord" in reply.button_texts and "Beginnen" not in reply.button_texts
    assert people(services) == []
    # Choosing a wijk: the numbers, then the step (the text is no postcode), the list below.
    await nieuw.press("Akkoord", message=reply)
    reply = helped(await nieuw.send(GAS))
    assert "Elsrijk" in reply.button_texts or "Kies uit de lijst" in reply.button_texts
    (person,) = people(services)
    assert person.current_wijk_id is None
    # In English, too.
    eve = bot.user(5003, "Eve", language_code="en")
    await eve.send("/start")
    (numbers, reply) = await eve.send(
        "There is a strong smell of gas next door and she does not open"
    )
    assert numbers.plain_text.startswith("Is anyone in danger right now? Call 112.")
    assert "Then press I agree." in reply.plain_text and "I agree" in reply.button_texts


async def test_an_emergency_while_typing_a_postcode_is_not_called_a_bad_postcode(
    bot: Harness, services: Services
) -> None:
    """Choosing a wijk by postcode, a resident types an emergency. They got the numbers and then
    "Dat lijkt geen postcode"; now the numbers, then the step's question plainly, the list of
    wijken below. Also after a postcode that was wrong, in English, and without PDOK (the list
    only: no postcode to type)."""
    services.pdok = pdok_for(services)
    nieuw = bot.user(5002, "Nieuw")
    await nieuw.send("/start")
    await nieuw.press("Akkoord")
    await nieuw.press("Ik weet mijn wijk niet")
    for _ in range(2):
        reply = helped(await nieuw.send(GAS))
        assert "Dat lijkt geen postcode" not in reply.plain_text, reply.plain_text
        assert reply.plain_text.endswith(
            "In welke wijk woon je?\nKies je wijk hieronder, of typ je postcode."
        ), reply.plain_text
        assert "Elsrijk" in reply.button_texts
        # A postcode typed wrong is still called that; an emergency after it is not.
        (wrong,) = await nieuw.send("12345")
        assert "Dat lijkt geen postcode" in wrong.plain_text
    await nieuw.press("Elsrijk", message=reply)
    (person,) = people(services)
    assert person.current_wijk_id is not None

    eve = bot.user(5003, "Eve", language_code="en")
    await eve.send("/start")
    await eve.press("I agree")
    await eve.press("I don't know my district")
    numbers, reply = await eve.send(
        "There is a strong smell of gas next door and she does not open"
    )
    assert numbers.plain_text.startswith("Is anyone in danger right now? Call 112.")
    assert "does not look like a postcode" not in reply.plain_text, reply.plain_text
    assert reply.plain_text.endswith(
        "Which district do you live in?\nChoose your district below, or type your postcode."
    ), reply.plain_text

    services.pdok = None
    otto = bot.user(5004, "Otto")
    await otto.send("/start")
    await otto.press("Akkoord")
    reply = helped(await otto.send(GAS))
    assert "postcode" not in reply.plain_text, reply.plain_text
    assert reply.plain_text.endswith("In welke wijk woon je?\nKies je wijk hieronder.")
    assert "Elsrijk" in reply.button_texts


async def test_an_emergency_as_an_edit_or_a_loose_text_says_the_numbers_once(
    bot: Harness, services: Services
) -> None:
    rita = await onboard(bot, 1001, "Rita")
    await rita.send("De bankjes in het park zijn vies")
    # The edit is the text now: the question again, with the numbers above it.
    reply = helped(await rita.edit(rita.sent[-1], GAS))
    assert "Ik gebruik nu je nieuwe tekst." in reply.plain_text
    assert "Wil je dit als melding naar de wijkcoach sturen?" in reply.plain_text
    await rita.press("Nee", message=reply)
    reply = helped(await rita.send(GAS))
    assert "Wil je dit als melding naar de wijkcoach sturen?" in reply.plain_text
    await rita.press("Nee", message=reply)
    # The text step of a melding: the numbers once, above the next step.
    await rita.send("/melding")
    reply = helped(await rita.send(GAS))
    assert "Wat voor melding is het?" in reply.plain_text
    assert observations(services) == []


def numbers_on_screen(person: FakePerson) -> list[BotMessage]:
    """The messages in the chat that still show the help numbers (after any edit)."""
    return [m for m in person.messages if not m.deleted and HELP_NL in m.plain_text]


async def test_the_numbers_stay_on_screen_when_the_step_below_them_is_pressed(
    bot: Harness, services: Services
) -> None:
    """Someone in crisis keeps the numbers: a button pressed under the step that answered the
    urgent text turns that message into the next step, and the numbers stay in the chat."""
    rita = await onboard(bot, 1001, "Rita")
    await rita.send(GAS)
    assert "Wil je dit als melding naar de wijkcoach sturen?" in rita.last.plain_text
    assert len(numbers_on_screen(rita)) == 1
    (step,) = await rita.press("Ja, als melding")
    assert "Wat voor melding is het?" in step.plain_text
    assert len(numbers_on_screen(rita)) == 1
    # And at a step of the melding that takes buttons only: shown again, pressed on.
    await rita.send(GAS)
    assert len(numbers_on_screen(rita)) == 2
    await rita.press("Wat kan beter?")
    assert "Waar gaat het over?" in rita.last.plain_text
    assert len(numbers_on_screen(rita)) == 2
    # Before Akkoord: the statement below the numbers becomes the wijk question.
    nieuw = bot.user(5002, "Nieuw")
    await nieuw.send("/start")
    await nieuw.send(GAS)
    await nieuw.press("Akkoord", message=nieuw.last)
    assert "Akkoord" not in nieuw.last.button_texts
    assert len(numbers_on_screen(nieuw)) == 1


async def test_a_coachs_answer_is_written_for_the_sender_not_read_as_the_coachs_emergency(
    bot: Harness, services: Services
) -> None:
    """A coach who quotes what the sender wrote, or advises them, is not in danger: the answer's
    steps show no numbers. The author's reply to that answer is their own words again."""
    from models import Role
    from tests.helpers import join_as

    rita = await onboard(bot, 1001, "Rita")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await rita.send("/melding")
    await rita.send(TEXT)
    for label in ("Wat kan beter?", "Weet ik niet", "Overslaan", "Nee, alleen", "Versturen"):
        await rita.press(label)
    (obs,) = observations(services)
    await carla.send("/meldingen")
    await carla.press(f"{obs.reference} openen")
    await carla.press("Beantwoorden")
    (preview,) = await carla.send(f"Je schreef eerder: '{EMERGENCY}'. Gaat het nu weer?")
    assert HELP_NL not in preview.plain_text
    assert "Zo krijgt de schrijver je antwoord" in preview.plain_text
    await carla.press("Versturen")
    await rita.press("Terugschrijven")
    helped(await rita.send(EMERGENCY))
