"""Text on the way in (bot.core.text.clean_input): through the real Application on both databases,
every place a person types something that is stored or shown to others."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.context import Services
from bot.core.text import clean_input, has_words, utf16_cut, utf16_len, utf16_split
from bot.fake_telegram import Harness
from bot.fake_telegram.users import Person as FakePerson
from models import Observation, Person, Poll, PollOption, Reaction, Role
from tests.helpers import join_as, onboard
from tests.spiegel.test_spiegel import COMMENT, load, statement

RLO, LRI, PDI, ZWSP, ZWJ, BOM, WJ = (
    "\u202e",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u2060",
)
INVISIBLE_ONLY = [ZWSP, f" {ZWSP}{BOM} ", f"{WJ}\u200c{ZWJ}", f"{RLO}{ZWSP}", "\u3164"]


@pytest.mark.parametrize(
    ("typed", "kept", "one_line"),
    [
        ("Stoep\x00 kapot", "Stoep kapot", "Stoep kapot"),
        ("bel\x07 \x1b[31mrood\x7f\x85", "bel [31mrood", "bel [31mrood"),
        (
            "Eerste regel\r\nTweede\tregel",
            "Eerste regel\nTweede\tregel",
            "Eerste regel Tweede regel",
        ),
        (f"Ali{RLO}ecnE{PDI} {LRI}x\u200e\u200f\u061c", "AliecnE x", "AliecnE x"),
        # Noncharacters: XML cannot hold U+FFFF, so one would break every document made from it.
        ("Stoep\uffff kapot\ufdd0\U0010fffe", "Stoep kapot", "Stoep kapot"),
        ("\ufffe\uffff", "", ""),
        (
            f"{ZWSP} Familie 👨{ZWJ}👩{ZWJ}👧 {BOM}",
            f"Familie 👨{ZWJ}👩{ZWJ}👧",
            f"Familie 👨{ZWJ}👩{ZWJ}👧",
        ),
        *((blank, "", "") for blank in INVISIBLE_ONLY),
    ],
)
def test_clean_input(typed: str, kept: str, one_line: str) -> None:
    assert clean_input(typed) == kept
    assert clean_input(typed, multiline=False) == one_line


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("👍👍", False),
        ("?! ...", False),
        (f"👨{ZWJ}👩{ZWJ}👧 🚗💨", False),
        ("", False),
        ("Kapot 👍", True),
        ("112", True),  # a figure says something
        ("Δρόμος", True),
        ("道路", True),
    ],
)
def test_has_words(typed: str, words: bool) -> None:
    assert has_words(clean_input(typed)) is words


async def file_observation(person: FakePerson, text: str) -> None:
    await person.send("/melding")
    await person.send(text)


async def test_observation_text(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    for blank in INVISIBLE_ONLY:
        await file_observation(alice, blank)
        assert "Je bericht is leeg" in alice.last.plain_text, repr(blank)
    # A NUL is never stored on PostgreSQL: it must not be kept (and retried for ever).
    await file_observation(alice, "Stoep\x00 kapot bij de school\uffff")
    await alice.press("Wat kan beter?")
    await alice.press("Wonen")
    await alice.press("Overslaan")
    await alice.press("Nee, alleen")
    await alice.press("Versturen")
    assert "Je melding is bewaard" in alice.last.plain_text
    with services.db.session() as session:
        (stored,) = session.exec(select(Observation)).all()
    assert stored.text == "Stoep kapot bij de school"


async def test_loose_zero_width_message_is_not_a_draft(bot: Harness) -> None:
    alice = await onboard(bot, 1001, "Alice")
    (answer,) = await alice.send(f"{ZWSP}{ZWSP}")
    assert "Typ het dan in een paar woorden." in answer.plain_text
    assert "als melding" not in answer.plain_text and "Melding doen" in answer.button_texts


async def test_spiegel_comment(bot: Harness, services: Services) -> None:
    load(services, "elsrijk")
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    page = await alice.press("Wat kan beter? (2)")
    await alice.press(COMMENT, message=statement(page, "Voor jongeren"))
    await alice.send("Een trapveld\x00je")
    assert "Je opmerking is bewaard" in alice.last.plain_text
    page = await alice.press("Terug naar: Wat kan beter?")
    for blank in ["   ", *INVISIBLE_ONLY]:
        await alice.press(COMMENT, message=statement(page, "Voor jongeren"))
        (answer,) = await alice.send(blank)
        assert "Je opmerking is leeg" in answer.plain_text, repr(blank)
        assert answer.button_texts == ["Stoppen"]
        await alice.press("Stoppen")
    with services.db.session() as session:
        (reaction,) = session.exec(select(Reaction)).all()
    assert reaction.comment == "Een trapveldje"  # not overwritten by an empty one


async def test_coach_answer_hide_reason_and_shared_name(bot: Harness, services: Services) -> None:
    # A name with a right-to-left override: it would turn the coach's list line around.
    alice = await onboard(bot, 1001, f"Ali{RLO}ce")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    for text in ("Lantaarn kapot", "Koop horloges"):
        await file_observation(alice, text)
        await alice.press("Wat kan beter?")
        await alice.press("Wonen")
        await alice.press("Overslaan")
        await alice.press("Ja, mijn naam")
        await alice.press("Versturen")
    with services.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_id == 1001)).one()
        first, second = session.exec(select(Observation).order_by(Observation.id)).all()  # type: ignore[arg-type]
    assert person.display_name == "Alice"
    (listing,) = await carla.send("/meldingen")
    assert RLO not in (listing.text or "") and "Alice" in listing.plain_text

    await carla.press(f"{first.reference} openen")
    await carla.press("Beantwoorden")
    for blank in INVISIBLE_ONLY:
        await carla.send(blank)
        assert "Ik zie geen tekst" in carla.last.plain_text, repr(blank)
    await carla.send("We maken\x00 hem")
    await carla.press("Versturen")
    await carla.send("/meldingen")
    await carla.press(f"{second.reference} openen")
    await carla.press("Verbergen")
    await carla.press("Iets anders")
    await carla.send(ZWSP)
    assert "Ik zie geen tekst" in carla.last.plain_text
    await carla.send(f"Reclame{RLO}\x00")
    await carla.press("Verbergen")
    with services.db.session() as session:
        first, second = session.exec(select(Observation).order_by(Observation.id)).all()  # type: ignore[arg-type]
    assert first.answer_text == "We maken hem"
    assert second.hidden_reason == "Reclame"


async def test_poll_question_and_options(bot: Harness, services: Services) -> None:
    bea = await join_as(bot, services, 2001, "Bea", Role.BIG, "elsrijk")
    await bea.send("/menu")
    await bea.press("Nieuwe stemming")
    for blank in INVISIBLE_ONLY:
        (answer,) = await bea.send(blank)
        assert "Je vraag is leeg" in answer.plain_text, repr(blank)
    await bea.send(f"Wat {RLO}eerst\x00?")
    for blank in INVISIBLE_ONLY:
        (answer,) = await bea.send(blank)
        assert "Dit antwoord is leeg" in answer.plain_text, repr(blank)
    await bea.send(f"Speel{ZWSP}tuin{LRI}")
    await bea.send("Bankjes\x00")
    await bea.press("Klaar met antwoorden")
    await bea.press("Eén antwoord kiezen")
    await bea.press("Leden van de BIG")
    await bea.press("Over een week")
    await bea.press("Ja, uitslag tot nu toe laten zien")
    await bea.press("Versturen")
    with services.db.session() as session:
        poll = session.exec(select(Poll)).one()
        options = session.exec(select(PollOption).order_by(PollOption.position)).all()  # type: ignore[arg-type]
    assert poll.question == "Wat eerst?"
    assert [o.text for o in options] == [f"Speel{ZWSP}tuin", "Bankjes"]


# --- a text's length as Telegram may count it ----------------------------------------------------

GRIN = "\N{GRINNING FACE}"  # outside the BMP: two UTF-16 code units, a surrogate pair


def test_utf16_length_cut_and_split_never_halve_an_emoji() -> None:
    assert utf16_len("abc") == 3 and utf16_len(GRIN * 3) == 6 and utf16_len("é€") == 2
    assert utf16_cut(GRIN * 3, 5) == GRIN * 2  # the third would be cut in half: it goes whole
    assert utf16_cut("a" + GRIN, 2) == "a" and utf16_cut("a" + GRIN, 3) == "a" + GRIN
    assert utf16_cut(GRIN, 1) == "" and utf16_cut("abc", 10) == "abc" and utf16_cut("ab", 0) == ""
    text = "Stoep kapot " + GRIN * 2000 + " en " + "x" * 300
    pieces = utf16_split(text, 4096)
    assert "".join(pieces) == text and len(pieces) == 2
    assert all(utf16_len(p) <= 4096 for p in pieces) and pieces[0].endswith(" ")
    assert utf16_split("abc def ghi", 5) == ["abc ", "def ", "ghi"]
    assert utf16_split(GRIN * 5, 4) == [GRIN * 2, GRIN * 2, GRIN] and utf16_split("", 9) == [""]
