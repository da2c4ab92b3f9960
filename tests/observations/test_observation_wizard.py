"""The observation wizard where it surprised residents (a sweep from outside): doing what the
bot advises after an edit, a sticker or a voice message halfway, a text of emoji only, /wijk
halfway, typing an answer to "Over jou", a photo with a caption while changing the text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from telegram import Update

from bot.context import Services
from bot.core.clock import FrozenClock
from bot.fake_telegram import BotMessage, Harness
from bot.fake_telegram.users import Person as FakePerson
from bot.opendata.clients import PdokClient, WijkArea, demo_transport
from models import Observation, Reaction
from tests.helpers import onboard
from tests.spiegel.test_spiegel import COMMENT, load, statement

NAMED = "Jan de Vries op nummer 12 laat zijn hond op de stoep poepen"
CORRECTED = "Een hond poept steeds op de stoep bij de school"
KIND = "Wat voor melding is het?"


def stored_texts(services: Services) -> list[str]:
    with services.db.session() as session:
        rows = session.exec(select(Observation).order_by(Observation.id)).all()  # type: ignore[arg-type]
        return [row.text for row in rows]


def same_message(person: FakePerson, message: BotMessage) -> BotMessage:
    """That message as it is now (after the bot edited it)."""
    return next(m for m in person.messages if m.message_id == message.message_id)


async def finish(person: FakePerson) -> BotMessage:
    """From the kind to the summary: Wat kan beter?, Buiten, no place, pseudonym."""
    await person.press("Wat kan beter?")
    await person.press("Buiten")
    await person.press("Overslaan")
    (summary,) = await person.press("Nee, alleen")
    assert "Klopt dit?" in summary.plain_text
    return summary


# --- an edited text -------------------------------------------------------------------------------


async def test_edited_text_in_the_wizard_following_the_advice_stores_the_new_text(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    await anna.press("Melding doen")
    await anna.send(NAMED)
    (notice,) = await anna.edit(anna.sent[-1], CORRECTED)
    # The advice, and the step it applies to right under it (not only "Naar het menu").
    assert "Stuur de nieuwe tekst als nieuw bericht" in notice.plain_text
    assert KIND in notice.plain_text and "Wat kan beter?" in notice.button_texts
    assert "Naar het menu" not in notice.button_texts

    # Doing what it says: the new text replaces the one with the neighbour's name.
    (again,) = await anna.send(CORRECTED)
    assert "Ik gebruik nu je nieuwe tekst" in again.plain_text and KIND in again.plain_text
    summary = await finish(anna)
    assert CORRECTED in summary.plain_text and "Jan de Vries" not in summary.plain_text
    await anna.press("Versturen")
    assert stored_texts(services) == [CORRECTED]


async def test_a_new_text_at_the_kind_that_cannot_be_used_keeps_the_first(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    await anna.send("/melding")
    await anna.send("De schommel in de speeltuin is kapot")
    (answer,) = await anna.send("👍")
    assert "Je melding blijft zoals hij was" in answer.plain_text and KIND in answer.plain_text
    limit = services.config.general.text_limit
    (answer,) = await anna.send("x" * (limit + 1))
    assert f"maximaal {limit}" in answer.plain_text and KIND in answer.plain_text
    await finish(anna)
    await anna.press("Versturen")
    assert stored_texts(services) == ["De schommel in de speeltuin is kapot"]


async def test_small_talk_at_the_kind_keeps_the_text(bot: Harness, services: Services) -> None:
    """ "Bedankt" or "ok" typed at the kind is no new text for the melding: it keeps its own,
    and the kind is asked again with its buttons."""
    anna = await onboard(bot, 1001, "Anna")
    await anna.send("/melding")
    await anna.send("De schommel in de speeltuin is kapot")
    for typed in ("Bedankt!", "ok"):
        (answer,) = await anna.send(typed)
        assert "Je melding blijft zoals hij was" in answer.plain_text
        assert "Ik gebruik nu je nieuwe tekst" not in answer.plain_text
        assert KIND in answer.plain_text and "Wat kan beter?" in answer.button_texts
    summary = await finish(anna)
    assert "De schommel in de speeltuin is kapot" in summary.plain_text
    await anna.press("Versturen")
    assert stored_texts(services) == ["De schommel in de speeltuin is kapot"]


async def test_an_edit_later_on_points_to_what_changes_the_text(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    await anna.send("/melding")
    await anna.send(NAMED)
    typed = anna.sent[-1]
    await anna.press("Wat kan beter?")
    # At the topic a text is no answer: the advice points to the end, where it can be changed.
    (notice,) = await anna.edit(typed, CORRECTED)
    assert "Iets veranderen" in notice.plain_text and "nieuw bericht" not in notice.plain_text
    assert "Waar gaat het over?" in notice.plain_text and "Wonen" in notice.button_texts
    (answer,) = await anna.send(CORRECTED)
    assert "Kies hieronder met een knop" in answer.plain_text
    await anna.press("Buiten")
    await anna.press("Overslaan")
    await anna.press("Nee, alleen")
    (notice,) = await anna.edit(typed, CORRECTED)
    assert "Kies dan hieronder Iets veranderen" in notice.plain_text
    assert "Klopt dit?" in notice.plain_text
    await anna.press("Iets veranderen")
    (notice,) = await anna.edit(typed, CORRECTED)
    assert "Kies dan hieronder Tekst of foto" in notice.plain_text
    await anna.press("Tekst of foto")
    await anna.send(CORRECTED)
    # Changing the kind from the summary: a text there is no answer either (buttons are).
    await anna.press("Iets veranderen")
    await anna.press("Soort melding")
    (answer,) = await anna.send("Nog een andere tekst")
    assert "Kies hieronder met een knop" in answer.plain_text and KIND in answer.plain_text
    await anna.press("Wat gaat goed?")
    await anna.press("Versturen")
    assert stored_texts(services) == [CORRECTED]


async def test_the_advice_after_an_edit_in_english(bot: Harness, services: Services) -> None:
    amy = await onboard(bot, 1002, "Amy", language_code="en")
    await amy.send("/report")
    await amy.send("The swing in the playground is broken")
    (notice,) = await amy.edit(amy.sent[-1], "The swing near the school is broken")
    assert "send the new text as a new message" in notice.plain_text
    assert "What kind of report is it?" in notice.plain_text
    (again,) = await amy.send("The swing near the school is broken")
    assert "I will use your new text." in again.plain_text


# --- a kind of message the wizard cannot use ------------------------------------------------------


async def test_a_wrong_kind_of_message_mid_wizard_keeps_a_way_back_to_the_draft(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    await anna.press("Melding doen")
    await anna.send("De schommel in de speeltuin is kapot")
    for send in (anna.send_voice, anna.send_sticker, anna.send_document, anna.send_video):
        (answer,) = await send()
        assert "Dit soort bericht kan ik niet gebruiken" in answer.plain_text
        # Said, and the step again with its buttons: nothing ends the draft unasked.
        assert "Je melding is er nog" in answer.plain_text and KIND in answer.plain_text
        assert "Wat kan beter?" in answer.button_texts
        assert "Naar het menu" not in answer.button_texts
    (answer,) = await anna.send_forwarded("Kijk wat de buurman zegt")
    assert "Doorgestuurde berichten" in answer.plain_text and KIND in answer.plain_text
    await anna.press("Wat kan beter?", message=answer)
    (answer,) = await anna.send_voice()
    assert "Waar gaat het over?" in answer.plain_text and "Wonen" in answer.button_texts
    await anna.press("Buiten", message=answer)
    await anna.press("Overslaan")
    await anna.press("Nee, alleen")
    await anna.press("Versturen")
    assert stored_texts(services) == ["De schommel in de speeltuin is kapot"]


async def test_outside_the_wizard_a_wrong_kind_of_message_gets_the_menu(bot: Harness) -> None:
    anna = await onboard(bot, 1001, "Anna")
    (answer,) = await anna.send_voice()
    assert answer.button_texts == ["Naar het menu"]
    # A loose text only asked about is no melding being written yet: the same answer.
    await anna.send("De schommel is kapot")
    (answer,) = await anna.send_sticker()
    assert answer.button_texts == ["Naar het menu"]


async def test_a_live_location_moving_is_no_edit(bot: Harness) -> None:
    anna = await onboard(bot, 1001, "Anna")
    await anna.send("/melding")
    await anna.send("De schommel in de speeltuin is kapot")
    await anna.send_location(52.33, 4.87)
    # Telegram sends every move of a live location as an edit of that message.
    stored = bot.fake.find_message(anna.id, anna.sent[-1].message_id)
    assert stored is not None
    stored.wire = None
    stored.location = (52.3301, 4.8702)
    stored.content["location"] = stored.content["location"].__class__(
        longitude=4.8702, latitude=52.3301
    )
    stored.edited = True
    update = Update(bot.fake.next_update_id(), edited_message=bot.fake.ptb_message(stored))
    assert await bot.act(update, chats=(anna.id,)) == []


# --- emoji only -----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["👍👍", "?!", "🚗💨 !!"])
async def test_emoji_only_is_not_a_melding(bot: Harness, services: Services, typed: str) -> None:
    anna = await onboard(bot, 1001, "Anna")
    await anna.press("Melding doen")
    (answer,) = await anna.send(typed)
    assert "Ik zie geen woorden" in answer.plain_text
    assert KIND not in answer.plain_text and "Wat wil je melden?" in answer.plain_text
    # A photo with only emoji under it: the photo is kept, words are asked for.
    (answer,) = await anna.send_photo("📸")
    assert "Ik zie geen woorden" in answer.plain_text
    assert "Typ nu in een paar woorden" in answer.plain_text
    (answer,) = await anna.send("Kapotte schommel 👍")
    assert KIND in answer.plain_text
    summary = await finish(anna)
    assert "Foto: ja" in summary.plain_text
    await anna.press("Versturen")
    assert stored_texts(services) == ["Kapotte schommel 👍"]


async def test_emoji_only_is_not_a_comment_either(bot: Harness, services: Services) -> None:
    load(services, "elsrijk")
    anna = await onboard(bot, 1001, "Anna")
    await anna.send("/spiegel")
    page = await anna.press("Wat kan beter? (2)")
    await anna.press(COMMENT, message=statement(page, "Voor jongeren"))
    (answer,) = await anna.send("👍👍")
    assert "Ik zie geen woorden" in answer.plain_text
    await anna.send("Een trapveldje 👍")
    assert "Je opmerking is bewaard" in anna.last.plain_text
    with services.db.session() as session:
        (reaction,) = session.exec(select(Reaction)).all()
    assert reaction.comment == "Een trapveldje 👍"


# --- /wijk halfway --------------------------------------------------------------------------------


async def test_switching_wijk_mid_wizard_says_the_melding_was_not_sent(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    await anna.press("Melding doen")
    await anna.send("De schommel in de speeltuin is kapot")
    (wijken,) = await anna.send("/wijk")
    assert "Je melding is niet verstuurd." in wijken.plain_text
    assert "Stadshart" in wijken.button_texts
    # The list becomes the menu: it says so again there, so it stays on the screen.
    (menu,) = await anna.press("Stadshart")
    assert "Je wijk: Stadshart" in menu.plain_text
    assert "Je melding is niet verstuurd." in menu.plain_text
    assert stored_texts(services) == []
    # Without a melding being written, /wijk says nothing of the kind.
    (wijken,) = await anna.send("/wijk")
    assert "niet verstuurd" not in wijken.plain_text
    (menu,) = await anna.press("Elsrijk")
    assert "niet verstuurd" not in menu.plain_text


async def test_switching_wijk_by_postcode_mid_wizard_says_it_too(
    bot: Harness, services: Services
) -> None:
    services.pdok = PdokClient(
        gemeentecode="0362",
        areas=[WijkArea.of(w) for w in services.config.wijken],
        transport=demo_transport(),
        retry_delay=0,
    )
    anna = await onboard(bot, 1001, "Anna")
    await anna.send("/melding")
    await anna.send("De schommel in de speeltuin is kapot")
    await anna.send("/wijk")
    await anna.press("Ik weet mijn wijk niet")
    await anna.send("1181 ZA 1")
    (menu,) = await anna.press("Ja, dat klopt")
    assert "Je melding is niet verstuurd." in menu.plain_text


async def test_switching_wijk_in_english(bot: Harness) -> None:
    amy = await onboard(bot, 1002, "Amy", language_code="en")
    await amy.send("/report")
    await amy.send("The swing in the playground is broken")
    (wijken,) = await amy.send("/district")
    assert "Your report was not sent." in wijken.plain_text


# --- typing where buttons are the answer ----------------------------------------------------------


async def test_typing_an_answer_to_over_jou_is_not_offered_as_a_melding(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    await anna.press("Over jou")
    await anna.press("Antwoorden aanpassen")
    assert "Hoe oud ben je?" in anna.last.plain_text
    (answer,) = await anna.send("35")
    assert "als melding" not in answer.plain_text and "Ja, als melding" not in answer.button_texts
    assert "Kies hieronder met een knop" in answer.plain_text
    assert "Hoe oud ben je?" in answer.plain_text and "25 tot 45 jaar" in answer.button_texts
    (answer,) = await anna.send_photo()
    assert "Kies hieronder met een knop" in answer.plain_text
    (household,) = await anna.press("25 tot 45 jaar", message=answer)
    assert "Met wie woon je?" in household.plain_text
    (answer,) = await anna.send("alleen")
    assert "Met wie woon je?" in answer.plain_text and "Kies hieronder" in answer.plain_text
    await anna.press("Alleen", message=answer)
    (done,) = await anna.press("Langer dan 10 jaar")
    assert "Dank je wel!" in done.plain_text
    # The questions are done: a text is a loose message again.
    (answer,) = await anna.send("De schommel is kapot")
    assert "als melding" in answer.plain_text
    assert stored_texts(services) == []


async def test_an_older_over_jou_question_does_not_end_a_melding(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    await anna.press("Over jou")
    (question,) = await anna.press("Antwoorden aanpassen")
    await anna.send("/melding")
    (kind,) = await anna.send("De schommel in de speeltuin is kapot")
    await anna.press("25 tot 45 jaar", message=question)
    # The melding goes on where it was, its text kept.
    (answer,) = await anna.send("Nog iets")
    assert "Ik gebruik nu je nieuwe tekst" in answer.plain_text
    await anna.press("Wat kan beter?", message=same_message(anna, kind))
    await anna.press("Buiten")
    await anna.press("Overslaan")
    await anna.press("Nee, alleen")
    await anna.press("Versturen")
    assert stored_texts(services) == ["Nog iets"]


async def test_typing_in_a_flow_of_buttons_only_is_not_offered_as_a_melding(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    await anna.send("/vergeetmij")
    (answer,) = await anna.send("ja wis maar")
    assert "Dit kan ik hier niet gebruiken" in answer.plain_text
    assert "als melding" not in answer.plain_text
    (answer,) = await anna.send_photo()
    assert "Dit kan ik hier niet gebruiken" in answer.plain_text
    # The question above still answers.
    await anna.press("Nee, niets wissen")
    assert stored_texts(services) == []


# --- a photo added while changing the text --------------------------------------------------------


async def test_a_photo_with_a_caption_while_changing_keeps_the_text(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    await anna.send("/melding")
    await anna.send("De schommel in de speeltuin is kapot")
    await finish(anna)
    await anna.press("Iets veranderen")
    await anna.press("Tekst of foto")
    (summary,) = await anna.send_photo("Kijk maar")
    assert "Je foto zit bij je melding" in summary.plain_text
    assert "staat onder je tekst" in summary.plain_text
    assert "De schommel in de speeltuin is kapot\nKijk maar" in summary.plain_text
    assert "Foto: ja" in summary.plain_text
    # A second photo with the same words under it adds nothing twice; without words, only it.
    await anna.press("Iets veranderen")
    await anna.press("Tekst of foto")
    (summary,) = await anna.send_photo("Kijk maar")
    assert "Je foto zit bij je melding" not in summary.plain_text
    await anna.press("Iets veranderen")
    await anna.press("Tekst of foto")
    await anna.send_photo("👀")
    await anna.press("Versturen")
    assert stored_texts(services) == ["De schommel in de speeltuin is kapot\nKijk maar"]


async def test_a_caption_that_would_make_the_text_too_long_asks_again(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    limit = services.config.general.text_limit
    text = "De schommel is kapot " + "x" * (limit - 30)
    await anna.send("/melding")
    await anna.send(text)
    await finish(anna)
    await anna.press("Iets veranderen")
    await anna.press("Tekst of foto")
    (answer,) = await anna.send_photo("En ook de glijbaan is kapot")
    assert f"maximaal {limit}" in answer.plain_text
    assert "Terug naar je melding" in answer.button_texts
    await anna.press("Terug naar je melding")
    await anna.press("Versturen")
    assert stored_texts(services) == [text]


# --- small talk outside the wizard ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "lang", "said"),
    [
        ("Bedankt!", "nl", "Graag gedaan!"),
        ("dank je wel 🙂", "nl", "Graag gedaan!"),
        ("Hoi", "nl", "Hallo!"),
        ("ok 👍", "nl", "Wil je iets melden? Typ het dan in een paar woorden."),
        ("👍", "nl", "Wil je iets melden? Typ het dan in een paar woorden."),
        ("Thank you very much", "en", "You're welcome!"),
        ("Good morning", "en", "Hello!"),
        # Thanks with words of address or praise, and for the answer itself.
        ("Top, bedankt wijkcoach!", "nl", "Graag gedaan!"),
        ("Super, dankjewel voor het snelle antwoord", "nl", "Graag gedaan!"),
        ("goedemiddag, hoe gaat het?", "nl", "Hallo!"),
        ("Doei!", "nl", "Tot ziens!"),
        ("Fijne avond nog", "nl", "Dank je, jij ook!"),
        ("nee hoor", "nl", "Wil je iets melden? Typ het dan in een paar woorden."),
        ("haha", "nl", "Wil je iets melden? Typ het dan in een paar woorden."),
        # A question about the bot itself gets an answer: who reads the meldingen.
        (
            "Is dit een echt persoon of een bot?",
            "nl",
            "Ik ben een bot, geen mens. De wijkcoach is wel een mens. Die leest je meldingen"
            " en antwoordt je.",
        ),
        (
            "Are you a real person?",
            "en",
            "I am a bot, not a person. The district coach is a person, though. They read your"
            " reports and answer you.",
        ),
    ],
)
async def test_thanks_greetings_and_ok_are_answered_not_offered_as_a_melding(
    bot: Harness, services: Services, typed: str, lang: str, said: str
) -> None:
    """People answer the bot as a person; "Wil je dit als melding sturen?" about a thank-you is
    odd. The menu comes with the answer, and nothing is stored."""
    anna = await onboard(bot, 1001, "Anna", language_code=lang)
    (answer,) = await anna.send(typed)
    assert said in answer.plain_text.splitlines()
    assert "melding naar de wijkcoach" not in answer.plain_text
    assert "to the district coach as a report" not in answer.plain_text
    assert len(answer.button_texts) > 3  # the menu
    assert stored_texts(services) == []


async def test_thanks_with_something_to_report_is_offered_as_a_melding(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    (answer,) = await anna.send("Bedankt, maar de lamp is nog steeds kapot")
    assert "Wil je dit als melding naar de wijkcoach sturen?" in answer.plain_text
    await anna.press("Nee")
    # Thanks for something in the wijk is praise: a melding too.
    (answer,) = await anna.send("Dankjewel voor de nieuwe prullenbakken in het park!")
    assert "Wil je dit als melding naar de wijkcoach sturen?" in answer.plain_text


# --- a loose text in two messages -------------------------------------------------------------

GLASS = "Er ligt glas op het fietspad"
WHERE = "bij de Amstelveenseweg, al drie dagen"


async def test_a_text_in_two_messages_is_asked_about_and_filed_whole(
    bot: Harness, services: Services
) -> None:
    """People type in bursts: the second message is added under the first, and the question
    shows them together; Ja files both, in order."""
    anna = await onboard(bot, 1001, "Anna")
    await anna.send(GLASS)
    (question,) = await anna.send(WHERE)
    assert "Ik neem je berichten samen:" in question.plain_text
    assert f"{GLASS}\n{WHERE}" in question.plain_text
    assert "Wil je dit als melding naar de wijkcoach sturen?" in question.plain_text
    # A third, a photo: added as well.
    (question,) = await anna.send_photo()
    assert "Foto: ja" in question.plain_text and f"{GLASS}\n{WHERE}" in question.plain_text
    await anna.press("Ja, als melding")
    summary = await finish(anna)
    assert f"{GLASS}\n{WHERE}" in summary.plain_text and "Foto: ja" in summary.plain_text
    await anna.press("Versturen")
    assert stored_texts(services) == [f"{GLASS}\n{WHERE}"]


async def test_a_loose_text_long_after_the_first_is_asked_about_alone(
    bot: Harness, services: Services
) -> None:
    services.clock = FrozenClock(services.clock.now())
    anna = await onboard(bot, 1001, "Anna")
    await anna.send(GLASS)
    services.clock.advance(timedelta(minutes=11))
    (question,) = await anna.send("De lamp bij de school is kapot")
    assert "samen" not in question.plain_text
    await anna.press("Ja, als melding")
    await finish(anna)
    await anna.press("Versturen")
    assert stored_texts(services) == ["De lamp bij de school is kapot"]


async def test_thanks_while_asked_whether_it_is_a_melding_asks_about_the_first_text(
    bot: Harness, services: Services
) -> None:
    anna = await onboard(bot, 1001, "Anna")
    await anna.send("De stoep bij de school ligt open")
    (again,) = await anna.send("Bedankt!")
    assert "Kies hieronder met een knop." in again.plain_text
    assert "Wil je dit als melding naar de wijkcoach sturen?" in again.plain_text
    await anna.press("Ja, als melding")
    await finish(anna)
    await anna.press("Versturen")
    assert stored_texts(services) == ["De stoep bij de school ligt open"]
