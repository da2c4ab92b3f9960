"""The bot's words where people meet them, through the real Application on both databases:
the welcome, the menu and /uitleg explain the wijkspiegel, a melding and a BIG; /uitleg shows the
glossary and the commands of the person's roles; every command works by its Dutch and its
English name, for everyone; an English-speaking resident never reads or types Dutch."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.context import Services
from bot.core.i18n import t
from bot.fake_telegram import Harness
from bot.fake_telegram.users import BotMessage
from models import Person, Role
from tests.helpers import join_as, onboard
from tests.polls.test_poll_wizard import GROUP_ID, member


def people_in(services: Services) -> list[Person]:
    with services.db.session() as session:
        return list(session.exec(select(Person)).all())


def commands_in(text: str) -> set[str]:
    return set(re.findall(r"^/(\w+):", text, flags=re.MULTILINE))


# --- the first screens explain the words -------------------------------------------------------


async def test_a_newcomer_learns_the_words_from_welcome_menu_and_uitleg(
    bot: Harness, services: Services
) -> None:
    alice = bot.user(1001, "Alice")
    (first,) = await alice.send("/start")
    assert "Hallo Alice" in first.plain_text and "Eerst over je gegevens" in first.plain_text
    replies = await alice.press("Akkoord")
    welcome = next(m for m in replies if "Welkom!" in m.plain_text)
    choose = replies[-1]
    # The welcome says in one sentence each what the wijkspiegel, a melding and a BIG are.
    assert "De wijkspiegel zegt in korte zinnen hoe het gaat in je wijk." in welcome.plain_text
    assert "Met een melding vertel je de wijkcoach iets over je wijk." in welcome.plain_text
    assert "Een BIG is een groep bewoners" in welcome.plain_text
    assert "/uitleg" in welcome.plain_text
    assert "In welke wijk woon je?" in choose.plain_text
    await alice.press("Elsrijk")
    menu = alice.last
    assert "Uitleg" in menu.button_texts and "Wijkspiegel lezen" in menu.button_texts
    (explained,) = await alice.press("Uitleg")
    text = explained.plain_text
    for word in ("wijk", "mirror", "reaction", "comment", "report", "coach", "nickname", "big"):
        assert t("nl", f"glossary.text.{word}") in text, word
    assert "Wijkspiegel: " in text and "BIG: " in text and "Melding: " in text
    assert explained.button_texts == ["Naar het menu"]


async def test_uitleg_lists_the_commands_of_a_resident(bot: Harness) -> None:
    alice = await onboard(bot, 1001, "Alice")
    (explained,) = await alice.send("/uitleg")
    shown = commands_in(explained.plain_text)
    assert {"menu", "spiegel", "melding", "mijnmeldingen", "stemmen", "mijngegevens"} <= shown
    assert {"vergeetmij", "wijk", "taal", "uitleg", "stop"} <= shown
    assert not shown & {"meldingen", "wijkoverzicht", "verbind"}  # not a resident's
    assert t("nl", "glossary.text.summary") not in explained.plain_text  # a coach's word
    # /help is the older name, and still works.
    (again,) = await alice.send("/help")
    assert again.plain_text == explained.plain_text


async def test_uitleg_lists_the_commands_of_a_coach_and_a_big_member(
    bot: Harness, services: Services
) -> None:
    carla = await member(bot, services, 2001, "Carla", Role.COACH)
    (explained,) = await carla.send("/uitleg")
    shown = commands_in(explained.plain_text)
    assert {"meldingen", "wijkoverzicht", "verbind", "melding", "uitleg"} <= shown
    assert t("nl", "glossary.text.summary") in explained.plain_text
    bea = await member(bot, services, 2002, "Bea", Role.BIG)
    shown = commands_in((await bea.send("/uitleg"))[0].plain_text)
    assert "verbind" in shown  # a BIG member links the BIG's Telegram group
    assert not shown & {"meldingen", "wijkoverzicht"}


async def test_uitleg_works_before_consent_and_stores_nothing(
    bot: Harness, services: Services
) -> None:
    dirk = bot.user(1004, "Dirk")
    (explained,) = await dirk.send("/uitleg")
    assert t("nl", "glossary.text.mirror") in explained.plain_text
    assert explained.button_texts == ["Beginnen"]
    assert people_in(services) == []


async def test_the_privacy_details_are_one_button_away(bot: Harness, services: Services) -> None:
    alice = bot.user(1001, "Alice")
    (first,) = await alice.send("/start")
    assert "/mijngegevens" not in first.plain_text  # the short statement
    (details,) = await alice.press("Meer over je gegevens")
    assert "Eerst over je gegevens" in details.plain_text  # still there, details below it
    assert "Dat is niet je telefoonnummer" in details.plain_text
    assert "/mijngegevens" in details.plain_text and "/vergeetmij" in details.plain_text
    assert details.button_texts == ["Akkoord", "Liever niet", "English"]
    assert people_in(services) == []
    await alice.press("Akkoord", message=details)
    assert len(people_in(services)) == 1


# --- commands by their Dutch and English names --------------------------------------------------


async def test_english_names_work_for_an_english_speaking_resident(bot: Harness) -> None:
    bob = await onboard(bot, 1002, "Bob", language_code="en")
    expected = {
        "/mirror": "There is no district mirror",
        "/report": "What would you like to report?",
        "/myreports": "You have not sent any reports yet.",
        "/polls": "There are no polls for your district",
        "/explain": "What the words mean",
        "/district": "Which district do you live in?",
        "/language": "Which language do you want?",
        "/cancel": "Cancelled. Nothing was sent.",
        "/forgetme": "Are you sure?",
        "/menu": "What would you like to do?",
    }
    for command, text in expected.items():
        replies = await bob.send(command)
        assert any(text in m.plain_text for m in replies), command
    replies = await bob.send("/mydata")
    assert replies[0].kind == "document" and replies[0].filename.startswith("mydata-")
    assert "This is your data" in replies[-1].plain_text


async def test_every_name_works_for_everyone(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    bob = await onboard(bot, 1002, "Bob", language_code="en")
    # A Dutch name from an English-speaking person: understood, answered in English.
    assert "This is your data" in (await bob.send("/mijngegevens"))[-1].plain_text
    assert "What the words mean" in (await bob.send("/uitleg"))[0].plain_text
    # An English name from a Dutch-speaking person: answered in Dutch.
    assert "Dit zijn je gegevens" in (await alice.send("/mydata"))[-1].plain_text
    assert "niets meer om te stoppen" in (await alice.send("/cancel"))[0].plain_text
    assert "niets meer om te stoppen" in (await alice.send("/stop"))[0].plain_text
    # Older names still work.
    assert "stemmingen" in (await alice.send("/peilingen"))[0].plain_text
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    for command in ("/wijkoverzicht", "/summary", "/digest"):
        replies = await carla.send(command)
        assert not any(t("nl", "digest.coach_only") in m.plain_text for m in replies), command
    for command in ("/meldingen", "/reports"):
        assert "Meldingen" in (await carla.send(command))[0].plain_text, command


async def test_a_group_is_linked_by_its_english_name_too(bot: Harness, services: Services) -> None:
    bea = await member(bot, services, 2001, "Bea", Role.BIG)
    group = bot.group(GROUP_ID, "BIG Elsrijk", admins=[bea.id])
    replies = await bea.send("/link", chat=group)
    assert "verbonden met Elsrijk" in replies[-1].plain_text  # Bea's language is Dutch
    (private,) = await bea.send("/verbind")
    assert "Typ /verbind in de groep van de BIG" in private.plain_text


# --- an English-speaking resident reads no Dutch ------------------------------------------------

DUTCH = {
    "wijk", "wijken", "spiegel", "wijkspiegel", "melding", "meldingen", "peiling", "peilingen",
    "stemming", "stemmingen", "koppel", "verbind", "mijngegevens", "vergeetmij", "uitleg",
    "bewoner", "bewoners", "akkoord", "stoppen", "terug", "versturen", "je", "jouw", "het",
    "een", "niet", "wat", "voor", "van", "en", "de", "schuilnaam", "wijkcoach", "overslaan",
}  # fmt: skip
# Shown on purpose in both languages (the way back for someone in the wrong language), and
# names: the wijken and the nickname the bot gives.
ALLOWED = {"Taal / Language", "Nederlands", "Welke taal wil je? / Which language do you want?"}


def dutch_in(messages: list[BotMessage]) -> list[str]:
    found = []
    for message in messages:
        for piece in [message.plain_text, *message.button_texts]:
            for line in piece.splitlines():
                if line.strip() in ALLOWED:
                    continue
                words = {w.lower() for w in re.findall(r"[^\W\d_]+", line)}
                found += sorted(words & DUTCH)
    return found


async def test_an_english_speaking_resident_never_reads_dutch(bot: Harness) -> None:
    bob = bot.user(1002, "Bob", language_code="en")
    seen: list[BotMessage] = []
    seen += await bob.send("/start")
    for label in ("More about your data", "I agree", "Elsrijk", "Help"):
        seen += await bob.press(label)
    seen += await bob.send("/menu")
    seen += await bob.press("Read the district mirror")
    seen += await bob.send("/report")
    seen += await bob.send("The street light is broken")
    for label in ("What could be better?", "Traffic", "Skip", "No, only", "Send"):
        seen += await bob.press(label)
    for command in ("/myreports", "/polls", "/mydata", "/forgetme"):
        seen += await bob.send(command)
    seen += await bob.press("No, keep my data")
    for typed in ("/taal", "/nonsense", "something loose"):
        seen += await bob.send(typed)
    # Onboarding answers with one edit per step (Akkoord, the wijk): a few more commands keep
    # the walk as long as it was.
    for command in ("/explain", "/district", "/cancel"):
        seen += await bob.send(command)
    assert len(seen) > 25
    assert dutch_in(seen) == []
