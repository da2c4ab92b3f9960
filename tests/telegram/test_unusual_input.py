"""Residents and partners with unusual input, in Dutch and English (a sweep from outside, through
the real Application on the fake Bot API): what a person types or does that the bot did not
expect, and what they should see then."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.context import Services
from bot.core.text import utf16_cut, utf16_len
from bot.fake_telegram import FakeTelegram, Harness
from bot.fake_telegram.users import BotMessage
from bot.fake_telegram.users import Person as FakePerson
from models import Observation, Person, Reaction, Role, StatementChange, Wijk
from tests.helpers import join_as, onboard
from tests.polls.test_poll_wizard import member, only_poll, options_of
from tests.spiegel.test_spiegel import load, this_year

LANGS = ["nl", "en"]
KIND = {"nl": "Wat voor melding is het?", "en": "What kind of report is it?"}
BETTER = {"nl": "Wat kan beter?", "en": "What could be better?"}


def current_wijk(services: Services, telegram_id: int) -> str | None:
    with services.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_id == telegram_id)).one()
        wijk = session.get(Wijk, person.current_wijk_id) if person.current_wijk_id else None
        return wijk.slug if wijk else None


def stored_texts(services: Services) -> list[str]:
    with services.db.session() as session:
        rows = session.exec(select(Observation).order_by(col(Observation.id))).all()
        return [row.text for row in rows]


async def finish_and_send(person: FakePerson, lang: str) -> BotMessage:
    """From the kind question on: Wat kan beter?, Wonen, no place, pseudonym, Versturen."""
    nl = lang == "nl"
    await person.press(BETTER[lang])
    await person.press("Wonen" if nl else "Housing")
    await person.press("Overslaan" if nl else "Skip")
    await person.press("Nee, alleen" if nl else "No, only")
    summary = person.last
    await person.press("Versturen" if nl else "Send")
    return summary


# --- the wijk list ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_typing_the_name_of_a_wijk_at_the_list_chooses_it(
    bot: Harness, services: Services, lang: str
) -> None:
    """Someone at "In welke wijk woon je?" types their wijk's name instead of pressing its
    button: that is their answer, in any case and spacing, never "Dat lijkt geen postcode"
    with the list gone."""
    for uid, typed, slug, shown in (
        (1001, "elsrijk", "elsrijk", "Elsrijk"),
        (1002, "  KEIZER karelpark ", "keizer-karelpark", "Keizer Karelpark"),
        (1003, "bankras kostverloren", "bankras-kostverloren", "Bankras-Kostverloren"),
    ):
        person = bot.user(uid, "Piet", language_code=lang)
        await person.send("/start")
        await person.press("Akkoord" if lang == "nl" else "I agree")
        (reply,) = await person.send(typed)
        assert "postcode" not in reply.plain_text.lower(), typed
        assert current_wijk(services, uid) == slug, typed
        assert f"{'Je wijk' if lang == 'nl' else 'Your district'}: {shown}" in reply.plain_text


@pytest.mark.parametrize("lang", LANGS)
async def test_a_sentence_that_names_one_wijk_at_the_list_chooses_it(
    bot: Harness, services: Services, lang: str
) -> None:
    """ "Ik woon in Elsrijk" at the list is not a postcode: it names one wijk, that one. A
    sentence naming two wijken, or none, is not an answer: the list is a button away."""
    for uid, typed, slug in (
        (1001, "Ik woon in Elsrijk", "elsrijk"),
        (1002, "I live in keizer karelpark.", "keizer-karelpark"),
        (1003, "ik woon in het oude dorp!", "oude-dorp"),
        (1004, "Bankras-Kostverloren, bij het park", "bankras-kostverloren"),
    ):
        person = bot.user(uid, "Piet", language_code=lang)
        await person.send("/start")
        await person.press("Akkoord" if lang == "nl" else "I agree")
        (reply,) = await person.send(typed)
        assert "postcode" not in reply.plain_text.lower(), typed
        assert current_wijk(services, uid) == slug, typed
    person = bot.user(1005, "Piet", language_code=lang)
    await person.send("/start")
    await person.press("Akkoord" if lang == "nl" else "I agree")
    await person.send("Tussen Elsrijk en Westwijk in")
    assert current_wijk(services, 1005) is None
    assert ("Kies uit de lijst" if lang == "nl" else "Choose from the list") in (
        person.last.button_texts
    )


# --- a text longer than Telegram's 4,096 characters ---------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_a_long_text_telegram_split_in_two_is_not_filed_as_its_tail(
    bot: Harness, fake: FakeTelegram, services: Services, lang: str
) -> None:
    """A text of 5,000 characters arrives as two messages (4,096 and the rest) at the same
    moment. The first is too long; the second, a piece from the middle of a sentence, must not
    become the melding without a word: the bot says the whole text is too long."""
    person = await onboard(bot, 1001, "Piet", language_code=lang)
    moment = fake.wallclock()
    fake.wallclock = lambda: moment
    await person.send("/melding")
    head = ("De stoep bij de school is al maanden kapot en niemand doet er iets aan. " * 60)[:4096]
    (first,) = await person.send(head)
    assert ("te lang" if lang == "nl" else "too long") in first.plain_text
    (second,) = await person.send("en daarom ligt er ook steeds afval op straat. " * 20)
    assert KIND[lang] not in second.plain_text
    assert ("te lang" if lang == "nl" else "too long") in second.plain_text
    assert BETTER[lang] not in second.button_texts
    # A minute later the person sends a shorter version: that is the melding.
    fake.wallclock = lambda: moment + 60
    (question,) = await person.send("De stoep bij de school is kapot.")
    assert KIND[lang] in question.plain_text
    await finish_and_send(person, lang)
    assert stored_texts(services) == ["De stoep bij de school is kapot."]


# The same in the steps that check a length of their own: the poll wizard's question and answers
# (Telegram's poll limits) and a coach's new wording of a spiegel statement and reason to retire
# one. Each says its own "te lang", with the length of the whole text.
QUESTION = ("Wat vinden we van de nieuwe speeltuin bij de school? " * 90)[:4096]
REST = ("Er moet meer groen komen en de bankjes moeten blijven staan. " * 3)[:104]
SHORT_REST = ("en meer bankjes. " * 5)[:50]  # shorter than an answer may be (100)


async def test_a_long_poll_question_or_answer_telegram_split_in_two_is_not_taken_as_its_tail(
    bot: Harness, fake: FakeTelegram, services: Services
) -> None:
    """A question of 4,200 characters arrives as 4,096 and 104 at the same moment: the 104 must
    not become the question (a piece from the middle of a sentence), nor the rest of a long
    answer an answer. The wizard says the whole text is too long and asks again."""
    creator = await member(bot, services, 2001, "Bea")
    moment = fake.wallclock()
    fake.wallclock = lambda: moment
    await creator.send("/menu")
    await creator.press("Nieuwe stemming")
    (first,) = await creator.send(QUESTION)
    assert "Je vraag is te lang: 4096 letters en tekens" in first.plain_text
    (second,) = await creator.send(REST)
    assert "Je vraag is te lang: 4200 letters en tekens" in second.plain_text
    assert "Antwoorden" not in second.plain_text
    fake.wallclock = lambda: moment + 60
    await creator.send("Wat pakken we eerst aan?")
    assert "Antwoorden" in creator.last.plain_text
    (first,) = await creator.send(QUESTION)
    assert "Dit antwoord is te lang: 4096 letters en tekens" in first.plain_text
    (second,) = await creator.send(SHORT_REST)
    assert "Dit antwoord is te lang: 4146 letters en tekens" in second.plain_text
    assert "Toegevoegd" not in second.plain_text
    fake.wallclock = lambda: moment + 120
    await create_poll_from_options(creator)
    poll = only_poll(services)
    assert poll.question == "Wat pakken we eerst aan?"
    assert poll.id is not None
    assert options_of(services, poll.id) == ["Speeltuin", "Bankjes"]


# Telegram splits at 4,096 UTF-16 code units, where an emoji counts twice: a part full of emoji
# holds far fewer characters (here 3,160), and is a part all the same.
EMOJI_HEAD = utf16_cut("De stoep is kapot 😡😡😡😡😡😡😡😡 " * 200, 4096)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_long_text_with_emoji_telegram_split_in_two_is_not_filed_as_its_tail(
    bot: Harness, fake: FakeTelegram, services: Services, lang: str
) -> None:
    """A melding full of emoji arrives as two messages: 4,096 UTF-16 units (3,160 characters)
    and the rest. The first part was refused as too long, but the rest was filed as the melding
    without a word: a part was recognised only at 4,000 characters. Now, as Telegram counts."""
    assert (utf16_len(EMOJI_HEAD), len(EMOJI_HEAD)) == (4096, 3160)
    person = await onboard(bot, 1001, "Piet", language_code=lang)
    moment = fake.wallclock()
    fake.wallclock = lambda: moment
    await person.send("/melding")
    (first,) = await person.send(EMOJI_HEAD)
    assert ("te lang: 3160" if lang == "nl" else "too long: 3160") in first.plain_text
    (second,) = await person.send("en daarom ligt er ook steeds afval op straat.")
    assert KIND[lang] not in second.plain_text
    assert ("te lang: 3205" if lang == "nl" else "too long: 3205") in second.plain_text
    assert stored_texts(services) == []


async def test_a_long_poll_question_with_emoji_telegram_split_in_two_is_not_taken_as_its_tail(
    bot: Harness, fake: FakeTelegram, services: Services
) -> None:
    """The same in the poll wizard, whose limits count as Telegram does (an emoji is two): the
    rest of a question full of emoji became the question. Now it is refused, with the length
    of the whole counted as the limit is: 4,096 + 104 units."""
    creator = await member(bot, services, 2001, "Bea")
    moment = fake.wallclock()
    fake.wallclock = lambda: moment
    await creator.send("/menu")
    await creator.press("Nieuwe stemming")
    (first,) = await creator.send(EMOJI_HEAD)
    assert "Je vraag is te lang: 4096 letters en tekens" in first.plain_text
    (second,) = await creator.send(REST)
    assert "Je vraag is te lang: 4200 letters en tekens" in second.plain_text
    assert "Antwoorden" not in second.plain_text


async def create_poll_from_options(creator: FakePerson) -> None:
    """From the answers step on: two answers, one to choose, for the BIG, a week, sent."""
    await creator.send("Speeltuin")
    await creator.send("Bankjes")
    await creator.press("Klaar met antwoorden")
    await creator.press("Eén antwoord kiezen")
    await creator.press("Leden van de BIG")
    await creator.press("Over een week")
    await creator.press("Ja, uitslag tot nu toe laten zien")
    await creator.press("Versturen")


async def test_a_long_new_wording_or_reason_telegram_split_in_two_is_not_stored_as_its_tail(
    bot: Harness, fake: FakeTelegram, services: Services
) -> None:
    """A coach rewording a spiegel statement, or saying why one goes, pastes 4,200 characters:
    Telegram sends 4,096 and 104 at the same moment. The 104 must not become the statement's
    wording nor the reason in its history: the bot says the whole text is too long."""
    load(services, "elsrijk", year=this_year(services))
    coach = await join_as(bot, services, 6001, "Carla", Role.COACH, "elsrijk")
    moment = fake.wallclock()
    fake.wallclock = lambda: moment
    await coach.send("/spiegel")
    page = await coach.press("Wat kan beter? (2)")
    stoep = next(m for m in page if "De stoepen zijn ongelijk." in m.plain_text)
    await coach.press("Zin aanpassen ✏️", message=stoep)
    (first,) = await coach.send(QUESTION)
    assert "Deze zin is te lang: 4096 letters en tekens" in first.plain_text
    said = "\n".join(m.plain_text for m in await coach.send(REST))
    assert "Deze zin is te lang: 4200 letters en tekens" in said
    assert "De zin is aangepast" not in said
    assert statement_changes(services) == []
    fake.wallclock = lambda: moment + 60
    replies = await coach.send("De stoepen in de Parkstraat zijn ongelijk.")
    assert "De zin is aangepast" in replies[0].plain_text
    page = await coach.press("Wat kan beter? (2)", message=replies[-1])
    jongeren = next(m for m in page if "Voor jongeren" in m.plain_text)
    await coach.press("Zin weghalen 🗑️", message=jongeren)
    (first,) = await coach.send(QUESTION)
    assert "Je reden is te lang: 4096 letters en tekens" in first.plain_text
    said = "\n".join(m.plain_text for m in await coach.send(REST))
    assert "Je reden is te lang: 4200 letters en tekens" in said
    assert "De zin is weg" not in said
    fake.wallclock = lambda: moment + 120
    replies = await coach.send("Er is nu een jongerencentrum.")
    assert "De zin is weg" in replies[0].plain_text
    assert statement_changes(services) == [
        ("reword", "De stoepen in de Parkstraat zijn ongelijk.", ""),
        ("retire", None, "Er is nu een jongerencentrum."),
    ]


def statement_changes(services: Services) -> list[tuple[str, str | None, str]]:
    """Every change to the spiegel: what was done, its new wording, its reason."""
    with services.db.session() as session:
        rows = session.exec(select(StatementChange).order_by(col(StatementChange.id))).all()
        return [(c.action, c.new_text, c.reason) for c in rows]


# --- changing language halfway ------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_changing_language_halfway_a_melding_goes_on_with_it_in_the_new_language(
    bot: Harness, services: Services, lang: str
) -> None:
    """/taal halfway a melding: after choosing the language the person is back at the step they
    were at, now in the new language, with what they typed; not the menu with the melding gone
    (and "Je vorige melding is niet verstuurd" at the next Melding doen)."""
    other = "en" if lang == "nl" else "nl"
    person = await onboard(bot, 1001, "Piet", language_code=lang)
    await person.send("/melding")
    await person.send("Er wordt te hard gereden in de Laan")
    await person.send("/taal")
    await person.press("English" if other == "en" else "Nederlands")
    step = person.last
    assert KIND[other] in step.plain_text
    assert BETTER[other] in step.button_texts
    await finish_and_send(person, other)
    assert stored_texts(services) == ["Er wordt te hard gereden in de Laan"]


# --- "Over jou" ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_a_sticker_or_voice_message_at_an_about_you_question_shows_the_question_again(
    bot: Harness, lang: str
) -> None:
    """Like every other step: the reason, then the question again with its answer buttons; not
    "Stuur tekst, een foto of een plek" with only "Naar het menu" (and the question gone)."""
    person = await onboard(bot, 1001, "Piet", language_code=lang)
    await person.press("Over jou" if lang == "nl" else "About you")
    await person.press("Antwoorden aanpassen" if lang == "nl" else "Change my answers")
    age = "Hoe oud ben je?" if lang == "nl" else "How old are you?"
    under_25 = "Jonger dan 25" if lang == "nl" else "Under 25"
    for send in (person.send_sticker, person.send_voice, person.send_contact):
        (reply,) = await send()
        assert age in reply.plain_text
        assert under_25 in reply.button_texts
    await person.press(under_25)
    second = "Met wie woon je?" if lang == "nl" else "Who do you live with?"
    assert second in person.last.plain_text


# --- a command with words after it -------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_words_after_melding_are_the_melding(
    bot: Harness, services: Services, lang: str
) -> None:
    """ "/melding de lantaarn is kapot" (or /report ...): the words are the melding's text, as if
    typed after "Wat wil je melden?"; they are not dropped."""
    person = await onboard(bot, 1001, "Piet", language_code=lang)
    command = "/melding" if lang == "nl" else "/report"
    (question,) = await person.send(f"{command} De lantaarn bij de school is kapot")
    assert KIND[lang] in question.plain_text
    await finish_and_send(person, lang)
    assert stored_texts(services) == ["De lantaarn bij de school is kapot"]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_typo_in_a_command_names_the_command_meant(bot: Harness, lang: str) -> None:
    person = await onboard(bot, 1001, "Piet", language_code=lang)
    (reply,) = await person.send("/meldng")
    assert "/melding" in reply.plain_text
    (reply,) = await person.send("/mijngegvens")
    assert "/mijngegevens" in reply.plain_text
    (reply,) = await person.send("/reprot")
    assert "/report" in reply.plain_text
    (reply,) = await person.send("/MENU2")
    assert "/menu?" in reply.plain_text
    # A coach's command is not named to a resident.
    (reply,) = await person.send("/wijkoverzichtt")
    assert "/wijkoverzicht" not in reply.plain_text


# --- answering the coach with Telegram's own "Reply" ---------------------------------------------


async def answered(bot: Harness, services: Services, lang: str) -> tuple[FakePerson, BotMessage]:
    alice = await onboard(bot, 1001, "Alice", language_code=lang)
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await alice.send("/melding")
    await alice.send("Lantaarn kapot bij de school")
    await finish_and_send(alice, lang)
    reference = "M-1"
    await carla.send("/meldingen")
    await carla.press(f"{reference} openen")
    await carla.press("Beantwoorden")
    await carla.send("Dank je, we gaan het maken")
    await carla.press("Versturen")
    return alice, alice.last


@pytest.mark.parametrize("lang", LANGS)
async def test_a_telegram_reply_to_the_coach_s_answer_is_offered_as_the_reply(
    bot: Harness, services: Services, lang: str
) -> None:
    """The resident swipes the coach's answer and types (Telegram's Reply): they answer the
    coach. The bot shows it as their reply to send ("Zo krijgt de wijkcoach je bericht"), not
    "Wil je dit als melding naar de wijkcoach sturen?"."""
    alice, answer = await answered(bot, services, lang)
    (reply,) = await alice.send("Dank je! Wanneer ongeveer?", reply_to=answer)
    preview = (
        "Zo krijgt de wijkcoach je bericht"
        if lang == "nl"
        else "This is how the district coach will get your reply"
    )
    assert preview in reply.plain_text
    assert "Dank je! Wanneer ongeveer?" in reply.plain_text
    await alice.press("Versturen" if lang == "nl" else "Send")
    with services.db.session() as session:
        obs = session.exec(select(Observation)).one()
        assert obs.reply_text == "Dank je! Wanneer ongeveer?"


# --- a photo right after the text ---------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_a_photo_sent_right_after_the_text_is_kept(
    bot: Harness, services: Services, lang: str
) -> None:
    """Text first, then the photo (no caption), as people do: the photo belongs to the melding.
    Not "Kies dan eerst Iets veranderen" about a button that is not there, the photo lost."""
    person = await onboard(bot, 1001, "Piet", language_code=lang)
    await person.send("/melding")
    await person.send("Er ligt veel afval bij de glasbak")
    (reply,) = await person.send_photo()
    assert ("Iets veranderen" if lang == "nl" else "Change something") not in reply.plain_text
    assert KIND[lang] in reply.plain_text
    summary = await finish_and_send(person, lang)
    assert ("Foto: ja" if lang == "nl" else "Photo: yes") in summary.plain_text
    with services.db.session() as session:
        obs = session.exec(select(Observation)).one()
        assert obs.photo_file_id


# --- accessibility: every button says what it does --------------------------------------------


YES_NO = ("ja", "nee", "yes", "no")
SUBJECTS = ("nieuws", "news", "over jou", "about you", "vragen", "questions")


def bare_answers(message: BotMessage) -> list[str]:
    """Buttons that start with yes or no but do not say about what: read out among other
    buttons by a screen reader, "Ja, graag" tells nobody what it does."""
    return [
        label
        for label in message.button_texts
        if label.lower().split(",")[0].split(" ")[0] in YES_NO
        and not any(subject in label.lower() for subject in SUBJECTS)
    ]


@pytest.mark.parametrize("lang", LANGS)
async def test_yes_and_no_buttons_among_others_name_what_they_answer(
    bot: Harness, services: Services, lang: str
) -> None:
    load(services, "elsrijk", year=this_year(services))
    person = await onboard(bot, 1001, "Piet", language_code=lang)
    (overview,) = await person.send("/spiegel")
    assert len(overview.button_texts) > 3
    assert bare_answers(overview) == []
    # The menu that invites to "Over jou" (after a first melding).
    await person.send("/melding")
    await person.send("De bankjes in het park zijn fijn")
    await finish_and_send(person, lang)
    (menu,) = await person.send("/menu")
    assert ("Over jou" if lang == "nl" else "About you") in menu.button_texts
    assert bare_answers(menu) == []


@pytest.mark.parametrize("lang", LANGS)
async def test_a_long_comment_telegram_split_in_two_is_not_stored_as_its_tail(
    bot: Harness, fake: FakeTelegram, services: Services, lang: str
) -> None:
    """A comment under a spiegel statement is stored as soon as it is sent: the rest of a long
    text Telegram split must not be stored as the comment."""
    load(services, "elsrijk", year=this_year(services))
    person = await onboard(bot, 1001, "Piet", language_code=lang)
    moment = fake.wallclock()
    fake.wallclock = lambda: moment
    await person.send("/spiegel")
    await person.press(person.last.buttons[0][0].text)
    comment = "Opmerking typen" if lang == "nl" else "Type a comment"
    first = next(m for m in person.messages if any(comment in b for b in m.button_texts))
    await person.press(comment, message=first)
    await person.send("Het groen is mooi, maar er ligt veel afval tussen de struiken. " * 70)
    (second,) = await person.send("en daarom ruimen we het samen op. " * 20)
    assert ("te lang" if lang == "nl" else "too long") in second.plain_text
    with services.db.session() as session:
        assert [r.comment for r in session.exec(select(Reaction)).all() if r.comment] == []


# --- an edit of the loose text the bot asks about ----------------------------------------------

OFFERED = {"nl": "Wil je dit als melding", "en": "Would you like to send this"}
YES = {"nl": "Ja, als melding", "en": "Yes, as a report"}


@pytest.mark.parametrize("lang", LANGS)
async def test_editing_the_loose_text_asked_about_makes_the_edit_the_melding(
    bot: Harness, services: Services, lang: str
) -> None:
    """Someone types a loose text with a typo and, while the bot asks "als melding?", fixes it
    with Telegram's edit. Before, the bot said to send the new text as a new message, with only
    "Naar het menu"; whoever did so got both versions in one melding. Now the edit is the text
    asked about, the question is shown again with its buttons, and the melding is the edit."""
    person = await onboard(bot, 1001, "Amina", language_code=lang)
    (offer,) = await person.send("Veel afval bij de speltuin")
    assert OFFERED[lang] in offer.plain_text
    (again,) = await person.edit(person.sent[-1], "Veel afval bij de speeltuin")
    assert OFFERED[lang] in again.plain_text
    assert YES[lang] in again.button_texts
    assert ("nieuwe tekst" if lang == "nl" else "new text") in again.plain_text
    await person.press(YES[lang], message=again)
    await finish_and_send(person, lang)
    assert stored_texts(services) == ["Veel afval bij de speeltuin"]


async def test_editing_an_older_text_while_a_newer_one_is_asked_about_changes_nothing(
    bot: Harness, services: Services
) -> None:
    """The edit of a message the question does not hold (an earlier one, answered already) is
    not the text asked about: the usual note, the question's text as it was."""
    person = await onboard(bot, 1001, "Amina")
    await person.send("Veel afval bij de speeltuin")
    older = person.sent[-1]
    await person.press("Nee")
    await person.send("De bank in het park is kapot")
    (note,) = await person.edit(older, "Veel afval bij het park")
    assert "Ik lees alleen de eerste versie" in note.plain_text
    await person.press(YES["nl"])
    await finish_and_send(person, "nl")
    assert stored_texts(services) == ["De bank in het park is kapot"]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_question_mark_or_emoji_at_the_kind_keeps_the_melding_and_points_at_the_buttons(
    bot: Harness, services: Services, lang: str
) -> None:
    """At "Wat voor melding is het?", right after the text, someone unsure types "?" or "👍".
    Before, the bot asked "Typ in een paar woorden wat je wilt melden", as if their melding
    were gone; now it says the melding stays as it was and to choose with a button."""
    person = await onboard(bot, 1001, "Amina", language_code=lang)
    await person.send("/melding")
    await person.send("De lamp in de Parklaan is kapot")
    for typed in ("?", "👍", "😡😡"):
        (reply,) = await person.send(typed)
        assert ("blijft zoals hij was" if lang == "nl" else "stays as it was") in reply.plain_text
        assert ("paar woorden" if lang == "nl" else "a few words") not in reply.plain_text
        assert KIND[lang] in reply.plain_text
    await finish_and_send(person, lang)
    assert stored_texts(services) == ["De lamp in de Parklaan is kapot"]


async def test_asking_for_english_at_the_kind_keeps_the_melding(
    bot: Harness, services: Services
) -> None:
    """A newcomer halfway through a melding types "I don't speak Dutch" at "Wat voor
    melding is het?". Before, that became the text of their melding ("Ik gebruik nu je nieuwe
    tekst"); now the melding keeps its text, and outside a flow they are pointed at /taal."""
    # (What "sorry" goes with is the small-talk rules' business; here the request alone.)
    person = await onboard(bot, 1001, "Amina")
    await person.send("/melding")
    await person.send("De lamp in de Parklaan is kapot")
    (reply,) = await person.send("I don't speak Dutch")
    assert "blijft zoals hij was" in reply.plain_text
    await finish_and_send(person, "nl")
    assert stored_texts(services) == ["De lamp in de Parklaan is kapot"]
    (reply,) = await person.send("kunnen we Engels praten")
    assert "/taal" in reply.plain_text
