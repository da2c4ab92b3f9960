"""Small talk in a loose message (bot/observations/small_talk.py): answered in kind with the menu,
never a real observation.

tests/data/small_talk_dev.jsonl: 160 small-talk messages and 140 short or chatty real observations,
Dutch and English, written before the rules were read and then used to develop them. No real
observation may be answered as small talk, here or in any other labelled set of observations the
tests use; small talk offered as an observation may not grow past SMALL_TALK_OFFERED (strict: a
rule that gets worse fails). The rules are called directly (fast); a few cases go through the
Application to show what a resident sees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.context import Services
from bot.core.text import clean_input
from bot.fake_telegram import Harness
from bot.observations.small_talk import kind_of
from tests.helpers import onboard
from tests.observations.test_observation_wizard import stored_texts

DATA = Path(__file__).parent.parent / "data"
HOLDOUT = "understanding_holdout.jsonl"  # never tuned on: bench/understanding.py alone reads it
HOLDOUT_2 = "understanding_holdout_2.jsonl"  # likewise: a measurement, never a target


def rows(name: str) -> list[dict[str, Any]]:
    lines = (DATA / name).read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


DEV = rows("small_talk_dev.jsonl")
DEV_TALK = [r for r in DEV if r["label"] == "small_talk"]
DEV_OBSERVATIONS = [r for r in DEV if r["label"] == "observation"]
# Small talk of the dev set still offered as an observation (a nuisance). Lower it when the rules
# get better; a change that offers more fails.
SMALL_TALK_OFFERED = 0

# tests/data/small_talk_dev_2.jsonl: 120 small-talk messages and 120 observations that look like
# them ("Leuk initiatief!" and "Leuk initiatief die buurtmoestuin!"), Dutch and English, written by
# someone who had not read the rules; then used to develop them (on the rules of before, 66 of its
# small-talk messages were offered as an observation).
DEV_2 = rows("small_talk_dev_2.jsonl")
DEV_2_TALK = [r for r in DEV_2 if r["label"] == "small_talk"]
DEV_2_OBSERVATIONS = [r for r in DEV_2 if r["label"] == "observation"]
# Before tests/data/small_talk_dev_3.jsonl, 5 were still offered: a congratulation, a question
# whether a melding can be changed, and three messages for someone else that call nobody ("Sta
# nog in de file, ben er om kwart over"); the rules developed on that set answer them all.
SMALL_TALK_OFFERED_DEV_2 = 0

# tests/data/small_talk_dev_3.jsonl: 100 small-talk messages and 100 observations, 70 % Dutch,
# written before the rules were read: congratulations and wishes to people ("fijne verjaardag
# opa"), questions about the bot and one's own meldingen ("Kan ik mijn bericht nog aanpassen?"),
# messages for someone else that call nobody ("neem jij melk mee"), and observations that look
# like them ("fijn dat de speeltuin weer open is", "wie ruimt die troep bij de glasbak op?"). On
# the rules of before, 56 of its small-talk messages were offered as an observation.
DEV_3 = rows("small_talk_dev_3.jsonl")
DEV_3_TALK = [r for r in DEV_3 if r["label"] == "small_talk"]
DEV_3_OBSERVATIONS = [r for r in DEV_3 if r["label"] == "observation"]
# Still offered: two jokes, a question about the football, and "grab some milk on the way home
# pls" (the urgent check finds it urgent, and what is urgent is never answered away).
SMALL_TALK_OFFERED_DEV_3 = 4


def other_observations() -> list[str]:
    """Every real observation in the other labelled sets: the loose texts of unseen_texts.jsonl
    labelled to offer, those of small_talk_dev_2.jsonl labelled an observation, the seeds and
    same-matter texts there, those of small_talk_dev_3.jsonl labelled an observation, and the
    texts of the grouping and urgent sets (all of them observations, urgent or not)."""
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        if path.name in (HOLDOUT, HOLDOUT_2, "small_talk_dev.jsonl"):
            continue
        for row in rows(path.name):
            if path.name == "unseen_texts.jsonl" and row["kind"] == "loose" and not row["offer"]:
                continue  # small talk there, or ambiguous
            if row.get("label") == "small_talk":
                continue  # small_talk_dev_2.jsonl, small_talk_dev_3.jsonl: their small talk
            texts.append(row["text"])
    return texts


def test_the_dev_set_is_what_it_says() -> None:
    assert len(DEV_TALK) == 160 and len(DEV_OBSERVATIONS) == 140
    assert {r["lang"] for r in DEV} == {"nl", "en"}


@pytest.mark.parametrize("row", [pytest.param(r, id=r["text"]) for r in DEV_OBSERVATIONS])
def test_no_observation_of_the_dev_set_is_answered_as_small_talk(row: dict[str, Any]) -> None:
    assert kind_of(clean_input(row["text"])) is None


def test_small_talk_of_the_dev_set_offered_as_an_observation_does_not_grow() -> None:
    offered = [r["text"] for r in DEV_TALK if kind_of(clean_input(r["text"])) is None]
    assert len(offered) <= SMALL_TALK_OFFERED, f"offered as an observation: {offered}"


def test_the_second_dev_set_is_what_it_says() -> None:
    assert len(DEV_2_TALK) == 120 and len(DEV_2_OBSERVATIONS) == 120
    assert {r["lang"] for r in DEV_2} == {"nl", "en"}


@pytest.mark.parametrize("row", [pytest.param(r, id=r["text"]) for r in DEV_2_OBSERVATIONS])
def test_no_observation_of_the_second_dev_set_is_answered_as_small_talk(
    row: dict[str, Any],
) -> None:
    assert kind_of(clean_input(row["text"])) is None


def test_small_talk_of_the_second_dev_set_offered_as_an_observation_does_not_grow() -> None:
    offered = [r["text"] for r in DEV_2_TALK if kind_of(clean_input(r["text"])) is None]
    assert len(offered) <= SMALL_TALK_OFFERED_DEV_2, f"offered as an observation: {offered}"


def test_the_third_dev_set_is_what_it_says() -> None:
    assert len(DEV_3_TALK) == 100 and len(DEV_3_OBSERVATIONS) == 100
    assert sum(r["lang"] == "nl" for r in DEV_3) == 140
    assert sum(r["lang"] == "en" for r in DEV_3) == 60


@pytest.mark.parametrize("row", [pytest.param(r, id=r["text"]) for r in DEV_3_OBSERVATIONS])
def test_no_observation_of_the_third_dev_set_is_answered_as_small_talk(
    row: dict[str, Any],
) -> None:
    assert kind_of(clean_input(row["text"])) is None


def test_small_talk_of_the_third_dev_set_offered_as_an_observation_does_not_grow() -> None:
    offered = [r["text"] for r in DEV_3_TALK if kind_of(clean_input(r["text"])) is None]
    assert len(offered) <= SMALL_TALK_OFFERED_DEV_3, f"offered as an observation: {offered}"


def test_no_observation_of_the_other_sets_is_answered_as_small_talk() -> None:
    texts = other_observations()
    assert len(texts) > 2500
    swallowed = [t for t in texts if kind_of(clean_input(t)) is not None]
    assert swallowed == []


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        # A word misspelt by one letter, that is no word itself.
        ("bedant", "thanks"),
        ("hallp", "greeting"),
        ("dnak je wel", "thanks"),
        ("goedemoregn allemaal", "greeting"),
        # Letters held down.
        ("heeey", "greeting"),
        ("doeii", "goodbye"),
        ("hahahaa", "nothing"),
        ("hoihoi", "greeting"),
        ("superleuk!", "praise"),
        # A first name after a thanks, a greeting, an introduction.
        ("bedankt Anja", "thanks"),
        ("thank you so much, Sarah!", "thanks"),
        ("Hoi Anja, hoe gaat het?", "greeting"),
        ("hoi, ik ben Mieke", "greeting"),
        # Questions about the bot, how it works, a sorry, praise, a test.
        ("wie leest dit mee?", "bot"),
        ("is daar iemand?", "bot"),
        ("hoe kan ik iets melden?", "help"),
        ("I have a question", "help"),
        ("sorry, verkeerde chat", "sorry"),
        ("leuke bot!", "praise"),
        ("test 123", "nothing"),
        ("goede avond nog", "wish"),
        ("morgen!", "greeting"),
        # Not understood, said alone; a laugh that starts with a w.
        ("Wat?", "help"),
        ("wait what", "help"),
        ("ik snap het niet", "help"),
        ("whahaha", "nothing"),
        # Praise of the idea, of taking part; what a sorry is for; meant for someone else.
        ("Leuk initiatief!", "praise"),
        ("Nice initiative!", "praise"),
        ("Leuk dat ik mee mag denken", "praise"),
        ("sorry voor de typfouten", "sorry"),
        ("Excuus, was niet voor jou", "sorry"),
        ("Nee dat bedoelde ik niet", "sorry"),
        ("Schat, neem jij brood mee?", "elsewhere"),
        # Who sees it, what is kept; which language; a try.
        ("Is dit anoniem?", "privacy"),
        ("what do you do with my data?", "privacy"),
        ("do you also speak English?", "language"),
        ("1 2 3", "nothing"),
        ("asdfgh", "nothing"),
        ("heb nu even geen tijd, later", "goodbye"),
        # From tests/data/small_talk_dev_3.jsonl's kinds: a congratulation or a wish to a person,
        # changing or finding one's melding, a message for someone close that calls nobody.
        ("gefeliciteerd met je rijbewijs!", "congrats"),
        ("Happy birthday Sarah", "congrats"),
        ("congrats on your new job mate", "congrats"),
        ("beterschap", "congrats"),
        ("kan ik mijn melding nog veranderen?", "change"),
        ("can I delete my report?", "change"),
        ("waar vind ik mijn meldingen?", "mine"),
        ("krijg ik antwoord?", "mine"),
        ("ben er om 5 uur", "elsewhere"),
        ("neem jij brood mee?", "elsewhere"),
        ("Kun je de kids om 4 uur ophalen?", "elsewhere"),
        ("where are you?", "elsewhere"),
        ("hoe zet ik de taal op engels?", "language"),
        ("gelukkig nieuwjaar buurtjes", "wish"),
        ("goede reis!", "congrats"),
        ("hiep hiep hoera", "congrats"),
        ("wat eten we vanavond?", "elsewhere"),
        ("can you call me back", "elsewhere"),
        ("heb je mijn bericht gelezen?", "mine"),
        ("wanneer krijg ik antwoord?", "mine"),
        # A newcomer who reads little Dutch asks for English (or says so).
        ("can we speak English", "language"),
        ("can we talk in English", "language"),
        ("I don’t speak Dutch", "language"),
        ("kunnen we Engels praten?", "language"),
        ("Engels alsjeblieft", "language"),
        ("I don't speak Dutch", "language"),
        ("ik spreek geen Nederlands", "language"),
        ("my Dutch is not good", "language"),
    ],
)
def test_small_talk_as_people_type_it(typed: str, kind: str) -> None:
    assert kind_of(typed) == kind


@pytest.mark.parametrize(
    "typed",
    [
        # A real word is no typo of a small-talk word; a laugh is no "hoge" or "huge".
        "water",
        "boot",
        "hoge",
        "huge",
        # Thanks to those who work in the wijk, a firm, a street: something to offer.
        "Bedankt Politie!",
        "bedankt Gemeente",
        "Dank je Liander",
        "Bedankt Anja voor het maaien",
        "ok Anja",
        # "hier" says where; "help!" may be a cry for help; a number says which or when.
        "het is hier fijn",
        "hier is het vies",
        "help!",
        "HELP",
        "help me",  # the urgent check finds it: the help numbers, and the offer
        "hulp!",
        "bedankt, nr 12",
        "test 5 lampen kapot",
        # A question about the wijk, not about the bot.
        "waar kan ik grofvuil melden?",
        "wat is dit voor lawaai?",
        "hoe werkt het als de grote prullenbak vol zit?",
        # "morgen" alone may say when, under a text typed before; so may "later" and "dag en
        # nacht" (no goodbye).
        "morgen",
        "later",
        "dag en nacht",
        "day and night",
        # Said alone only: "wat" and "stop" with more say something.
        "wat een troep",
        "stop de hardrijders",
        # Praise of a thing in the wijk; a child, a phone without a sorry.
        "Leuk initiatief die buurtmoestuin!",
        "goed idee, een zebrapad",
        "kind",
        "12",
        # Someone close named, or called, with a matter of the wijk in it.
        "Mam zegt dat de lamp kapot is",
        "Dad and I noticed the light is broken",
        "schat, er ligt glas op de stoep",
        # A congratulation, a wish, a question about something in the wijk; a thing, a place, a
        # time that says something ("de hond van de buren", "file in de dorpsstraat").
        "gefeliciteerd gemeente met de nieuwe speeltuin",
        "succes met de werkzaamheden in de straat",
        "kan de bank bij de vijver weg?",
        "hoe lang duurt het nog voor de stoep klaar is?",
        "er staat al weken een fiets voor de deur",
        "ik ben niet blij met de nieuwe drempels",
        "neem de hondenpoep mee!",
        "de hond van de buren blaft de hele dag",
        "ik sta al een uur in de file bij de rotonde",
        "file in de dorpsstraat elke ochtend",
        "can you pick up the litter at the park?",
        "heb je de lantaarnpaal gezien?",
        "vergeet de container niet buiten te zetten",
        "mijn melding over de lamp is nog niet opgelost",
        "heb je de nieuwe bankjes gezien? mooi!",
        "call the council about the broken lights",
        "ben er net langs gefietst, de brug is kapot",
        "thuis hebben we last van de herrie van de kroeg",
        "weg",
        "thuis",
    ],
)
def test_what_looks_like_small_talk_but_is_not(typed: str) -> None:
    assert kind_of(typed) is None


# --- what a resident sees ---------------------------------------------------------------------

sqlite_only = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@sqlite_only
@pytest.mark.parametrize(
    ("typed", "lang", "said"),
    [
        (
            "hoe werkt dit?",
            "nl",
            "Zie je iets in de wijk? Typ het hier in een paar woorden. Een foto mag ook. Dan vraag"
            " ik of je het naar de wijkcoach wilt sturen.",
        ),
        ("sorry, verkeerde chat", "nl", "Geen probleem!"),
        ("dank je wel Mark!", "nl", "Graag gedaan!"),
        ("nice bot", "en", "Thank you, good to hear!"),
        # From tests/data/small_talk_dev_2.jsonl's kinds: not understood, praise of the idea, a
        # message meant for someone else, a question whether it is anonymous.
        (
            "Wat?",
            "nl",
            "Zie je iets in de wijk? Typ het hier in een paar woorden. Een foto mag ook. Dan vraag"
            " ik of je het naar de wijkcoach wilt sturen.",
        ),
        ("Leuk initiatief!", "nl", "Dank je, fijn om te horen!"),
        ("Excuus, was niet voor jou", "nl", "Geen probleem!"),
        ("oops that wasn't meant for you", "en", "No problem!"),
        ("do you speak English?", "nl", "Ik spreek Nederlands en Engels. Kies je taal met /taal."),
        # From tests/data/small_talk_dev_3.jsonl's kinds: a congratulation, changing a melding,
        # finding one's meldingen, a message for someone close that calls nobody.
        (
            "Gefeliciteerd Ans!!",
            "nl",
            "Wat een lief bericht! Maar let op: dit is de wijkbot. Je meldingen hier gaan naar de"
            " wijkcoach. Was dit bericht voor iemand anders? Stuur het dan naar die persoon.",
        ),
        (
            "happy birthday Tom!",
            "en",
            "What a kind message! But note: this is the district bot. Your reports here go to the"
            " district coach. Was this message meant for someone else? Then send it to them.",
        ),
        (
            "Kan ik mijn bericht nog aanpassen?",
            "nl",
            "Ben je nog bezig met een melding? Kies dan aan het eind Iets veranderen. Een"
            " verstuurde melding kun je niet meer veranderen. Je kunt hem wel terugnemen bij"
            " Mijn meldingen, zolang hij nog niet is opgelost. Doe daarna een nieuwe melding.",
        ),
        (
            "where do I see my reports?",
            "en",
            "You see all your reports in My reports. There you also see how they are doing. Does"
            " the district coach do something with your report? Then you get a message.",
        ),
        (
            "neem jij melk mee",
            "nl",
            "Was dit bericht voor iemand anders? Ik ben de wijkbot. Wil je iets over je wijk"
            " melden? Typ het dan hier.",
        ),
    ],
)
async def test_small_talk_is_answered_with_the_menu(
    bot: Harness, services: Services, typed: str, lang: str, said: str
) -> None:
    anna = await onboard(bot, 1001, "Anna", language_code=lang)
    (answer,) = await anna.send(typed)
    assert said in answer.plain_text.splitlines()
    assert not {"Ja, als melding", "Yes, as a report"} & set(answer.button_texts)
    assert len(answer.button_texts) > 3  # the menu
    assert stored_texts(services) == []


@sqlite_only
@pytest.mark.parametrize(
    ("typed", "lang"),
    [("veel sterkte", "nl"), ("beterschap!", "nl"), ("get well soon", "en")],
)
async def test_a_wish_of_strength_or_to_get_well_is_not_answered_how_nice(
    bot: Harness, typed: str, lang: str
) -> None:
    """ "Veel sterkte" and "beterschap" are said to someone ill or grieving: the bot answered
    "Wat leuk!" ("How nice!"), as to a congratulation. Now a kind word that fits any wish,
    and the note that this is the wijkbot."""
    anna = await onboard(bot, 1001, "Anna", language_code=lang)
    (answer,) = await anna.send(typed)
    text = answer.plain_text
    assert "Wat leuk" not in text and "How nice" not in text, text
    assert "dit is de wijkbot" in text or "this is the district bot" in text, text


@sqlite_only
async def test_a_greeting_with_something_to_report_is_offered(bot: Harness) -> None:
    anna = await onboard(bot, 1001, "Anna")
    (answer,) = await anna.send("hallo, de lantaarnpaal bij nr 12 is kapot")
    assert "Wil je dit als melding naar de wijkcoach sturen?" in answer.plain_text
    assert "Ja, als melding" in answer.button_texts


@sqlite_only
async def test_a_time_typed_under_an_observation_is_added_to_it(bot: Harness) -> None:
    """ "dag en nacht" under "De lamp bij de brug brandt" says when: no goodbye. It is added
    to the observation the bot asks about, as any text typed soon after it."""
    anna = await onboard(bot, 1001, "Anna")
    await anna.send("De lantaarnpaal bij de brug brandt")
    (answer,) = await anna.send("dag en nacht")
    assert "Kies hieronder met een knop." not in answer.plain_text  # no "use the buttons"
    await anna.press("Ja, als melding")
    for label in ("Wat kan beter?", "Weet ik niet", "Overslaan", "Nee, alleen"):
        await anna.press(label)
    summary = anna.last.plain_text
    assert "Klopt dit?" in summary
    assert "De lantaarnpaal bij de brug brandt" in summary and "dag en nacht" in summary, summary


@sqlite_only
async def test_asking_whether_the_bot_is_a_person_gets_no_help_numbers(bot: Harness) -> None:
    """ "Ben je een robot of een echt mens" is a question about the bot: the learned urgent net
    weighed "mens", "ben", "een" towards despair and sent 112 and 113."""
    anna = await onboard(bot, 1001, "Anna")
    replies = await anna.send("Ben je een robot of een echt mens")
    assert len(replies) == 1
    assert "Ik ben een bot, geen mens." in replies[0].plain_text
    assert "112" not in replies[0].plain_text


@sqlite_only
async def test_a_calm_english_text_is_offered_without_help_numbers(bot: Harness) -> None:
    """A figure of speech ("I just want to scream") about roadworks is an observation, not a
    sign of despair."""
    anna = await onboard(bot, 1001, "Anna", language_code="en")
    replies = await anna.send("I'm so done with these roadworks, I just want to scream")
    assert len(replies) == 1
    assert "Yes, as a report" in replies[0].button_texts
    assert "112" not in replies[0].plain_text
