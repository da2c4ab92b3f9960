"""A flow halfway: leaving it for something else, and a message no step takes.

Leaving a run with something typed in it (another flow starts, a command, a button on an older
menu) says, above the reply that leaves it, in the person's language, that it was not sent and
how to send it after all; with nothing typed yet, or once the run stored its result, nothing of
the kind (bot.telegram.flow_table.FlowTable.unsent, handlers/common.py). A sticker, a voice
message, a forward or an edit halfway says so above the current step, shown again with its
buttons, never only "Naar het menu", which would end the draft
(bot.telegram.flow_table.FlowTable.not_taken).
"""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select
from telegram import Update
from telegram.ext import CommandHandler

from bot.context import Services, WijkContext
from bot.fake_telegram import Harness
from bot.fake_telegram.users import Person as FakePerson
from bot.people import persons, roles
from bot.spiegel import mirror as spiegel
from bot.telegram import flows
from models import Observation, Poll, Reaction, Role, StatementChange
from tests.helpers import join_as, onboard
from tests.observations.test_coach import file, open_card, setup_people
from tests.observations.test_observation_wizard import finish, stored_texts
from tests.spiegel.test_spiegel import at_comment_prompt, load

SWING = "De schommel in de speeltuin is kapot"
NOT_SENT = "Je melding is niet verstuurd."
KIND = "Wat voor melding is het?"


def answers(services: Services) -> list[str | None]:
    with services.db.session() as session:
        return [o.answer_text for o in session.exec(select(Observation)).all()]


async def writing(anna: FakePerson) -> None:
    """A melding halfway: its text typed, the kind asked."""
    await anna.send("/melding")
    (kind,) = await anna.send(SWING)
    assert KIND in kind.plain_text


# --- the resident's melding -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("/spiegel", "Er is nog geen wijkspiegel voor Elsrijk"),
        ("/mijnmeldingen", "meldingen"),
        ("/stemmen", "Stemmingen"),
        ("/peilingen", "Stemmingen"),
        ("/menu", "Wat wil je doen?"),
        ("/start", "Wat wil je doen?"),
    ],
)
async def test_a_command_halfway_a_melding_says_it_was_not_sent(
    bot: Harness, services: Services, command: str, shown: str
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    await writing(anna)
    replies = await anna.send(command)
    # Said above what the command shows, with the way to send it after all.
    assert NOT_SENT in replies[0].plain_text
    assert "Kies dan Melding doen" in replies[0].plain_text
    assert any(shown in r.plain_text for r in replies)
    assert sum(NOT_SENT in r.plain_text for r in replies) == 1
    assert stored_texts(services) == []
    # Said once: the run is gone, the next command says nothing of it.
    (menu,) = await anna.send("/menu")
    assert "niet verstuurd" not in menu.plain_text


async def test_a_button_on_an_older_menu_halfway_a_melding_says_it_too(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    menu = anna.last
    assert "Mijn meldingen" in menu.button_texts
    await writing(anna)
    (mine,) = await anna.press("Mijn meldingen", message=menu)
    assert NOT_SENT in mine.plain_text
    # "Naar het menu" under it now leaves nothing: not said again.
    (again,) = await anna.press("Naar het menu", message=mine)
    assert "niet verstuurd" not in again.plain_text
    # The older menu's own "Naar het menu" and "Melding doen" halfway say it as well.
    await writing(anna)
    (main,) = await anna.press("Naar het menu", message=mine)
    assert NOT_SENT in main.plain_text and "Wat wil je doen?" in main.plain_text
    assert stored_texts(services) == []


async def test_melding_doen_again_halfway_says_the_first_one_was_not_sent(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    menu = anna.last
    await writing(anna)
    (new,) = await anna.send("/melding")
    assert "Je vorige melding is niet verstuurd." in new.plain_text
    assert "Wat wil je melden?" in new.plain_text
    await anna.send("Het hek van de speeltuin is ook kapot")
    (new,) = await anna.press("Melding doen", message=menu)
    assert "Je vorige melding is niet verstuurd." in new.plain_text
    # The new one goes on as any melding does.
    await anna.send("De bank bij de vijver is kapot")
    await finish(anna)
    await anna.press("Versturen")
    assert stored_texts(services) == ["De bank bij de vijver is kapot"]


async def test_said_only_while_something_typed_is_not_sent(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    # Something typed: said.
    await writing(anna)
    (menu,) = await anna.send("/menu")
    assert NOT_SENT in menu.plain_text
    # Nothing typed yet.
    await anna.send("/melding")
    (menu,) = await anna.send("/menu")
    assert "niet verstuurd" not in menu.plain_text
    # Stoppen says it itself, once.
    await writing(anna)
    (stopped,) = await anna.press("Stoppen")
    assert stopped.plain_text.count("niets verstuurd") == 1
    assert "niet verstuurd" not in stopped.plain_text
    # A loose text only asked about ("als melding?") is no melding being written.
    await anna.send(SWING)
    (menu,) = await anna.send("/menu")
    assert "niet verstuurd" not in menu.plain_text
    # Sent: the run stored its result.
    await writing(anna)
    await finish(anna)
    sent = await anna.press("Versturen")
    assert "Je melding is bewaard" in sent[0].plain_text
    assert not any("niet verstuurd" in m.plain_text for m in sent)
    (menu,) = await anna.send("/menu")
    assert "niet verstuurd" not in menu.plain_text
    assert stored_texts(services) == [SWING]
    # An aside (the explanation) leaves the melding where it was: nothing to say, it goes on.
    await writing(anna)
    (help_text,) = await anna.send("/uitleg")
    assert "niet verstuurd" not in help_text.plain_text
    (theme,) = await anna.press("Wat kan beter?")
    assert "Waar gaat het over?" in theme.plain_text


async def test_leaving_a_report_in_english(bot: Harness) -> None:
    amy = await onboard(bot, 1002, "Amy", language_code="en")
    await amy.send("/report")
    await amy.send("The swing in the playground is broken")
    (mirror,) = await amy.send("/mirror")
    assert "Your report was not sent." in mirror.plain_text
    assert "Send a report" in mirror.plain_text
    await amy.send("/report")
    await amy.send("The swing in the playground is broken")
    (new,) = await amy.send("/report")
    assert "Your previous report was not sent." in new.plain_text


# --- the coach's answer, hide reason and the sender's reply -----------------------------------


async def test_an_answer_halfway_left_for_the_list_says_it_was_not_sent(
    bot: Harness, services: Services
) -> None:
    _alice, carla, obs = await setup_people(bot, services)
    reference = obs.reference
    card = await open_card(carla, obs)
    await carla.press("Beantwoorden")
    (preview,) = await carla.send("We gaan het maken")
    assert "Zo krijgt de schrijver je antwoord" in preview.plain_text
    (listing,) = await carla.send("/meldingen")
    assert f"Je antwoord op melding {reference} is niet verstuurd." in listing.plain_text
    assert "kies Beantwoorden" in listing.plain_text
    assert answers(services) == [None]
    # Beantwoorden again (on the card above), with a text typed: said above the new prompt.
    await carla.press("Beantwoorden", message=card)
    await carla.send("We gaan het maken")
    (prompt,) = await carla.press("Beantwoorden", message=card)
    assert f"Je antwoord op melding {reference} is niet verstuurd." in prompt.plain_text
    assert "Typ je antwoord" in prompt.plain_text
    # Nothing typed yet: nothing said.
    await carla.press("Beantwoorden")
    (menu,) = await carla.send("/menu")
    assert "niet verstuurd" not in menu.plain_text


def take_back_coach(services: Services, telegram_id: int) -> None:
    """`wijkbot revoke --role coach --wijk elsrijk` for this person."""
    with services.db.session() as session:
        elsrijk = persons.wijk_by_slug(session, "elsrijk")
        assert elsrijk is not None
        roles.revoke(session, str(telegram_id), Role.COACH, [elsrijk])


async def test_a_coach_whose_role_is_taken_back_halfway_is_not_told_to_send_it_after_all(
    bot: Harness, services: Services
) -> None:
    """The role taken back while an answer, or a reason to hide, was typed: what was not sent
    is said, but not the way to send it after all, which they can no longer follow. Versturen
    says why not, gives the text back to copy and ends the run."""
    _alice, carla, obs = await setup_people(bot, services)
    reference = obs.reference
    await open_card(carla, obs)
    await carla.press("Beantwoorden")
    (preview,) = await carla.send("We gaan het maken")
    take_back_coach(services, 2001)
    await carla.press("Versturen", message=preview)
    said = carla.messages[-2].plain_text
    assert "Dat kan niet met jouw rol in deze wijk." in said and "kopiëren" in said
    assert carla.last.plain_text == "We gaan het maken"
    menu = "\n".join(m.plain_text for m in await carla.send("/menu"))
    assert "niet verstuurd" not in menu and "Beantwoorden" not in menu
    assert answers(services) == [None]

    # Left without pressing Versturen: not sent, and nothing more.
    dora = await join_as(bot, services, 2002, "Dora", Role.COACH, "elsrijk")
    await open_card(dora, obs)
    await dora.press("Beantwoorden")
    await dora.send("We gaan het maken")
    take_back_coach(services, 2002)
    menu = "\n".join(m.plain_text for m in await dora.send("/menu"))
    assert f"Je antwoord op melding {reference} is niet verstuurd." in menu
    assert "Beantwoorden" not in menu
    # A reason to hide, the same.
    erik = await join_as(bot, services, 2003, "Erik", Role.COACH, "elsrijk")
    await open_card(erik, obs)
    await erik.press("Verbergen")
    await erik.press("Iets anders")
    await erik.send("Dit is een grap")
    take_back_coach(services, 2003)
    menu = "\n".join(m.plain_text for m in await erik.send("/menu"))
    assert f"Melding {reference} is niet verborgen." in menu
    assert "Verbergen" not in menu


async def test_an_answer_left_after_a_colleague_answered_is_not_to_be_sent_after_all(
    bot: Harness, services: Services
) -> None:
    _alice, carla, obs = await setup_people(bot, services)
    reference = obs.reference
    daan = await join_as(bot, services, 2002, "Daan", Role.COACH, "elsrijk")
    await open_card(carla, obs)
    await carla.press("Beantwoorden")
    await carla.send("We gaan het maken")
    await open_card(daan, obs)
    await daan.press("Beantwoorden")
    await daan.send("De gemeente komt morgen")
    await daan.press("Versturen")
    (listing,) = await carla.send("/meldingen")
    assert f"Je antwoord op melding {reference} is niet verstuurd." in listing.plain_text
    assert "kies Beantwoorden" not in listing.plain_text


async def test_a_sticker_or_edit_at_the_answers_preview_shows_the_preview_again(
    bot: Harness, services: Services
) -> None:
    alice, carla, obs = await setup_people(bot, services)
    await open_card(carla, obs)
    (_prompt,) = await carla.press("Beantwoorden")
    # While typing: the prompt again, with why above it.
    (again,) = await carla.send_sticker()
    assert "Dit soort bericht kan ik niet gebruiken" in again.plain_text
    assert "Typ je antwoord" in again.plain_text and again.button_texts == ["Stoppen"]
    await carla.send("We gaan het maken")
    (again,) = await carla.send_sticker()
    assert "Dit soort bericht kan ik niet gebruiken" in again.plain_text
    assert "We gaan het maken" in again.plain_text
    assert "Naar het menu" not in again.button_texts
    assert "Versturen" in again.button_texts
    (edited,) = await carla.edit(carla.sent[-2], "We gaan het morgen maken")
    assert "Ik lees alleen de eerste versie" in edited.plain_text
    assert "We gaan het maken" in edited.plain_text and "Versturen" in edited.button_texts
    (voice,) = await carla.send_voice()
    assert "Versturen" in voice.button_texts
    (sent,) = await carla.press("Versturen", message=voice)
    assert "bij de schrijver aangekomen" in sent.plain_text and "niet" not in sent.plain_text
    assert answers(services) == ["We gaan het maken"]
    assert "We gaan het maken" in alice.last.plain_text


async def test_a_hide_reason_halfway(bot: Harness, services: Services) -> None:
    _alice, carla, obs = await setup_people(bot, services)
    reference = obs.reference
    await open_card(carla, obs)
    await carla.press("Verbergen")
    await carla.press("Iets anders")
    (_preview,) = await carla.send("Dit is een grap")
    (again,) = await carla.send_sticker()
    assert "Dit is een grap" in again.plain_text and "Verbergen" in again.button_texts
    assert "Naar het menu" not in again.button_texts
    (menu,) = await carla.send("/menu")
    assert f"Melding {reference} is niet verborgen." in menu.plain_text
    with services.db.session() as session:
        assert session.exec(select(Observation)).one().status != "hidden"


async def test_a_reply_to_an_answer_halfway(bot: Harness, services: Services) -> None:
    alice, carla, obs = await setup_people(bot, services)
    reference = obs.reference
    await open_card(carla, obs)
    await carla.press("Beantwoorden")
    await carla.send("We gaan het maken")
    await carla.press("Versturen")
    answer = alice.last
    await alice.press("Terugschrijven", message=answer)
    await alice.send("Dank je wel!")
    (edited,) = await alice.edit(alice.sent[-1], "Dank je wel, fijn!")
    assert "Ik lees alleen de eerste versie" in edited.plain_text
    assert "Dank je wel!" in edited.plain_text and "Versturen" in edited.button_texts
    (mine,) = await alice.send("/mijnmeldingen")
    assert f"Je bericht over {reference} is niet verstuurd." in mine.plain_text
    assert "Terugschrijven" in mine.plain_text
    with services.db.session() as session:
        assert session.exec(select(Observation)).one().reply_text is None
    # Terugschrijven again: it was not used, so it still works, and the reply goes.
    await alice.press("Terugschrijven", message=answer)
    await alice.send("Dank je wel!")
    await alice.press("Versturen")
    assert "Dank je wel!" in carla.last.plain_text


async def test_an_answer_left_in_english(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await carla.send("/language")
    await carla.press("English")
    obs = await file(alice, services, "Lantaarn kapot bij de school")
    await carla.send("/reports")
    await carla.press(f"Open {obs.reference}")
    await carla.press("Answer")
    await carla.send("We will fix it")
    (again,) = await carla.send_sticker()
    assert "I cannot use this kind of message." in again.plain_text
    assert "We will fix it" in again.plain_text and "Send" in again.button_texts
    (menu,) = await carla.send("/menu")
    assert f"Your answer to report {obs.reference} was not sent." in menu.plain_text


# --- the spiegel: a comment, a coach's change ---------------------------------------------------


async def test_a_comment_not_stored_and_left_says_so(
    bot: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, _prompt = await at_comment_prompt(bot, services)
    # While typing: a sticker gets the prompt again, with its Stoppen.
    (again,) = await alice.send_sticker()
    assert "Dit soort bericht kan ik niet gebruiken" in again.plain_text
    assert "Er is veel groen." in again.plain_text and again.button_texts == ["Stoppen"]

    def broken(*args: object, **kwargs: object) -> Reaction:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(spiegel, "comment", broken)
    (failed,) = await alice.send("Het park is ook 's avonds mooi.")
    assert "Opnieuw proberen" in failed.button_texts
    # An edit now: the kept comment's step again, its Opnieuw proberen with it.
    (edited,) = await alice.edit(alice.sent[-1], "Het park is 's avonds heel mooi.")
    assert "Ik lees alleen de eerste versie" in edited.plain_text
    assert edited.button_texts == ["Opnieuw proberen", "Stoppen"]
    (menu,) = await alice.send("/menu")
    assert "Je opmerking is niet bewaard." in menu.plain_text
    with services.db.session() as session:
        assert session.exec(select(Reaction)).all() == []


async def test_a_coachs_change_to_the_spiegel_gets_its_prompt_again(
    bot: Harness, services: Services
) -> None:
    load(services, "elsrijk")
    coach = await join_as(bot, services, 6001, "Carla", Role.COACH, "elsrijk")
    await coach.send("/spiegel")
    await coach.press("Zin toevoegen ➕")
    (_prompt,) = await coach.press("Wat kan beter?")
    (again,) = await coach.send_sticker()
    assert "Dit soort bericht kan ik niet gebruiken" in again.plain_text
    assert "Typ de nieuwe zin" in again.plain_text and again.button_texts == ["Stoppen"]
    replies = await coach.send("Er zijn te weinig bankjes.")
    assert "De zin staat nu in de wijkspiegel" in replies[0].plain_text
    page = await coach.press("Wat kan beter? (3)", message=replies[-1])
    stoep = next(m for m in page if "De stoepen zijn ongelijk." in m.plain_text)
    await coach.press("Zin aanpassen ✏️", message=stoep)
    # The sentence added before, edited: the rewording's prompt again, with what it rewords.
    (edited,) = await coach.edit(coach.sent[-1], "Er zijn echt te weinig bankjes.")
    assert "Ik lees alleen de eerste versie" in edited.plain_text
    assert "De stoepen zijn ongelijk." in edited.plain_text
    assert edited.button_texts == ["Stoppen"]
    (forwarded,) = await coach.send_forwarded("Zo moet het")
    assert "Doorgestuurde berichten" in forwarded.plain_text
    assert "De stoepen zijn ongelijk." in forwarded.plain_text
    await coach.send("De stoepen in de Parkstraat zijn ongelijk.")
    with services.db.session() as session:
        changes = session.exec(select(StatementChange)).all()
        assert [c.action for c in changes] == ["add", "reword"]
        assert changes[-1].new_text == "De stoepen in de Parkstraat zijn ongelijk."


# --- a photo or a place where a text is asked ---------------------------------------------------

PHOTO_NOT_HERE = "Een foto kan ik hier niet gebruiken."
PLACE_NOT_HERE = "Een plek kan ik hier niet gebruiken."


async def test_a_photo_or_place_in_the_coachs_message_flows_shows_the_step_again(
    bot: Harness, services: Services
) -> None:
    """The answer, the hide reason and the reply take text only: a photo or a place there is
    named above the step shown again with its own buttons, as a sticker is, not "alleen tekst"
    with only Stoppen."""
    alice, carla, obs = await setup_people(bot, services)
    await open_card(carla, obs)
    await carla.press("Beantwoorden")
    (again,) = await carla.send_photo()
    assert PHOTO_NOT_HERE in again.plain_text and "Ga hieronder verder." in again.plain_text
    assert "Typ je antwoord" in again.plain_text and again.button_texts == ["Stoppen"]
    await carla.send("We gaan het maken")
    (again,) = await carla.send_location(52.33, 4.87)
    assert PLACE_NOT_HERE in again.plain_text
    assert "We gaan het maken" in again.plain_text and "Versturen" in again.button_texts
    (sent,) = await carla.press("Versturen", message=again)
    assert "bij de schrijver aangekomen" in sent.plain_text
    # The sender's reply to that answer.
    await alice.press("Terugschrijven", message=alice.last)
    (again,) = await alice.send_photo("Kijk maar")
    assert PHOTO_NOT_HERE in again.plain_text
    assert "Typ wat je wilt terugschrijven" in again.plain_text
    assert again.button_texts == ["Stoppen"]
    # A hide reason, in English.
    other = await file(alice, services, "Lantaarn kapot bij de school")
    await carla.send("/language")
    await carla.press("English")
    await carla.send("/reports")
    await carla.press(f"Open {other.reference}")
    await carla.press("Hide")
    await carla.press("Something else")
    (again,) = await carla.send_photo()
    assert "I cannot use a photo here." in again.plain_text
    assert "Please go on below." in again.plain_text and again.button_texts == ["Cancel"]
    assert answers(services) == ["We gaan het maken", None]


async def test_a_photo_or_place_at_the_comment_and_change_prompts_shows_the_prompt_again(
    bot: Harness, services: Services
) -> None:
    alice, _prompt = await at_comment_prompt(bot, services)
    (again,) = await alice.send_photo()
    assert PHOTO_NOT_HERE in again.plain_text and "Ga hieronder verder." in again.plain_text
    assert "Er is veel groen." in again.plain_text and again.button_texts == ["Stoppen"]
    (again,) = await alice.send_location(52.33, 4.87)
    assert PLACE_NOT_HERE in again.plain_text and "Er is veel groen." in again.plain_text
    stored = await alice.send("Het park is ook 's avonds mooi.")
    assert any("Je opmerking is bewaard" in m.plain_text for m in stored)
    # A coach's change to the spiegel: the prompt again, with what it asks.
    coach = await join_as(bot, services, 6001, "Carla", Role.COACH, "elsrijk")
    await coach.send("/spiegel")
    await coach.press("Zin toevoegen ➕")
    await coach.press("Wat kan beter?")
    (again,) = await coach.send_photo()
    assert PHOTO_NOT_HERE in again.plain_text
    assert "Typ de nieuwe zin" in again.plain_text and again.button_texts == ["Stoppen"]
    with services.db.session() as session:
        assert session.exec(select(StatementChange)).all() == []
        (reaction,) = session.exec(select(Reaction)).all()
        assert reaction.comment == "Het park is ook 's avonds mooi."


# --- the poll wizard ----------------------------------------------------------------------------


async def big_member(bot: Harness, services: Services) -> FakePerson:
    person = await join_as(bot, services, 3001, "Bea", Role.BIG, "elsrijk")
    if "Elsrijk" in person.last.button_texts:
        await person.press("Elsrijk")
    return person


async def test_a_poll_halfway_left_says_it_was_not_sent(bot: Harness, services: Services) -> None:
    bea = await big_member(bot, services)
    await bea.send("/menu")
    await bea.press("Nieuwe stemming")
    await bea.send("Wat pakken we eerst aan?")
    (menu,) = await bea.send("/menu")
    assert "Je stemming is niet verstuurd." in menu.plain_text
    assert "Kies dan Nieuwe stemming" in menu.plain_text
    # Again, left by starting a new one.
    await bea.press("Nieuwe stemming", message=menu)
    await bea.send("Wat pakken we eerst aan?")
    await bea.send("Speeltuin")
    (new,) = await bea.press("Nieuwe stemming", message=menu)
    assert "Je vorige stemming is niet verstuurd." in new.plain_text
    assert "Wat wil je vragen?" in new.plain_text
    # Nothing typed: nothing said.
    (menu,) = await bea.send("/menu")
    assert "niet verstuurd" not in menu.plain_text
    with services.db.session() as session:
        assert session.exec(select(Poll)).all() == []


async def test_a_sticker_or_edit_in_the_poll_wizard_shows_the_step_again(
    bot: Harness, services: Services
) -> None:
    bea = await big_member(bot, services)
    await bea.send("/menu")
    await bea.press("Nieuwe stemming")
    await bea.send("Wat pakken we eerst aan?")
    await bea.send("Speeltuin")
    await bea.send("Bankjes")
    (again,) = await bea.send_sticker()
    assert "Dit soort bericht kan ik niet gebruiken" in again.plain_text
    assert "Speeltuin" in again.plain_text and "Bankjes" in again.plain_text
    assert "Klaar met antwoorden" in again.button_texts
    assert "Naar het menu" not in again.button_texts
    (edited,) = await bea.edit(bea.sent[-1], "Meer bankjes")
    assert "Ik lees alleen de eerste versie" in edited.plain_text
    assert "Laatste antwoord weghalen" in edited.plain_text
    assert "Klaar met antwoorden" in edited.button_texts
    await bea.press("Klaar met antwoorden", message=edited)
    (kind,) = await bea.edit(bea.sent[-1], "Bankjes!")
    assert "Hoe stemmen mensen?" in kind.plain_text
    assert "Iets veranderen" in kind.plain_text
    (photo,) = await bea.send_photo()
    assert "Een foto kan ik hier niet gebruiken" in photo.plain_text
    assert "Hoe stemmen mensen?" in photo.plain_text and "Naar het menu" not in photo.button_texts
    (forwarded,) = await bea.send_forwarded("Stem op mij")
    assert "Doorgestuurde berichten" in forwarded.plain_text
    assert "Hoe stemmen mensen?" in forwarded.plain_text
    await bea.press("Eén antwoord kiezen", message=forwarded)
    await bea.press("Leden van de BIG")
    await bea.press("Over een week")
    await bea.press("Ja, uitslag tot nu toe laten zien")
    (preview,) = await bea.send_voice()
    assert "Kijk je stemming na" in preview.plain_text and "Versturen" in preview.button_texts
    await bea.press("Versturen", message=preview)
    with services.db.session() as session:
        (poll,) = session.exec(select(Poll)).all()
        assert poll.question == "Wat pakken we eerst aan?"


# --- every flow -----------------------------------------------------------------------------------


async def test_leaving_with_no_reply_of_its_own_still_says_it(bot: Harness) -> None:
    """A handler that leaves the run and answers without `reply` (a file, a message through
    the bot): what it left unsent comes after, as a message of its own."""

    async def other_screen(update: Update, context: WijkContext) -> None:
        await flows.end(context)
        await context.bot.send_message(update.effective_user.id, "Iets anders")  # type: ignore[union-attr]

    # First in group 0, as a feature's command would be.
    bot.app.handlers[0].insert(0, CommandHandler("anders", other_screen))
    anna = await onboard(bot, 1001, "Anna")
    await writing(anna)
    other, said = await anna.send("/anders")
    assert other.plain_text == "Iets anders"
    assert NOT_SENT in said.plain_text


def test_every_flow_table_is_wired(bot: Harness) -> None:
    """A flow's table not in the routes' `tables` would leave its runs without a word."""
    from tests.telegram.test_flow_diagrams import script

    found = {name: table for name, (_, table) in script().tables().items()}
    wired = bot.app.routes.tables
    assert set(wired) == set(found)
    assert all(wired[name] is table for name, table in found.items())
