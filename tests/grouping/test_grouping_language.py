"""The grouping beyond its vocabulary's own words (bot/grouping/language.py): typos, lemmas,
English and Dutch mixed, compounds of known words, and new matters no concept covers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot.grouping import language, signatures
from bot.grouping.groups import Item, group_items
from bot.grouping.matching import evidence_in, main_concept
from bot.grouping.vocabulary import load_vocabulary
from bot.grouping.words import normalise, tokenize


def concept_of(text: str) -> str | None:
    vocabulary = load_vocabulary()  # fresh: nothing cached from another test's patch
    evidence = evidence_in(tokenize(text), vocabulary)
    chosen = main_concept(evidence.scores)
    return None if chosen is None else vocabulary.concepts[chosen].id


@pytest.fixture
def without(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Switches one of the language helpers off: the case that needs it then fails."""

    def switch_off(name: str) -> None:
        off = {"lemma": lambda w: w, "correction": lambda w: None, "compound_parts": lambda w: None}
        monkeypatch.setattr(language, name, off[name])

    yield switch_off


def test_a_typo_is_read_as_the_word_it_meant(without: Callable[[str], None]) -> None:
    assert language.correction("poeep") == "poep"
    assert concept_of("poeep op de stoep") == "hondenpoep"
    without("correction")
    assert concept_of("poeep op de stoep") is None


def test_a_lemma_finds_a_whole_word_term(without: Callable[[str], None]) -> None:
    # "=lamp" is a whole word: "lamps" is found through its lemma, in a Dutch sentence too.
    assert language.lemma("lamps") == "lamp"
    assert concept_of("the lamps on our street stay off") == "verlichting"
    assert concept_of("echt irritant, de lamps bij ons doen het niet") == "verlichting"
    without("lemma")
    assert concept_of("echt irritant, de lamps bij ons doen het niet") is None


def test_a_compound_splits_into_known_words_only(without: Callable[[str], None]) -> None:
    assert language.compound_parts("rattenkeutels") == ("ratten", "keutels")
    assert language.compound_parts("stadspark") == ("stads", "park")
    # Not two known Dutch words: not a compound ("rom|mel", "laag|drempelig" has no known head).
    assert language.compound_parts("rommel") is None
    assert language.compound_parts("xqzplekken") is None
    assert concept_of("rattenkeutels in de schuur") == "ongedierte"
    without("compound_parts")
    assert concept_of("rattenkeutels in de schuur") is None


def test_english_and_dutch_about_one_matter_group_together() -> None:
    items = [
        Item("1", "echt irritant, de lamps bij ons doen het niet", "nl", "Elsrijk", "weakness"),
        Item("2", "Straatverlichting al weken kapot", "nl", "Elsrijk", "weakness"),
        Item("3", "the street lights are out again", "en", "Elsrijk", "weakness"),
    ]
    groups = group_items(items)
    assert [g.member_ids for g in groups] == [("1", "2", "3")]


def test_rare_words_weigh_more_than_common_ones() -> None:
    assert language.rarity("carbid") > language.rarity("straat") > language.rarity("mensen")
    assert language.rarity("qqqxyz") == 1.0  # unknown: as rare as can be


# Unrelated texts in scripts the word lists do not hold, sharing their commonest words ("the
# street", "near", "there is"): to the grouping every word of them was unknown, so as rare as
# can be, and they made a new matter together.
UNREADABLE = [
    ("ar1", "الشارع مظلم في الليل ونحتاج إلى مصابيح أكثر بالقرب من المدرسة"),
    ("ar2", "السيارات تسير بسرعة كبيرة في الشارع بالقرب من الحديقة"),
    ("ar3", "هناك الكثير من القمامة في الحديقة التي بجانب المسجد"),
    ("he1", "יש בעיה עם הפח ברחוב שלנו, הוא מלא כל השבוע"),
    ("he2", "הילדים משחקים ברחוב שלנו ויש שם הרבה זכוכית שבורה"),
    ("ru1", "На нашей улице очень темно, нужны новые фонари"),
    ("ru2", "На нашей улице машины едут очень быстро"),
]


def test_texts_in_a_script_the_grouping_cannot_read_are_not_alike_for_that() -> None:
    assert language.rarity("الشارع") == language.rarity("ברחוב") == language.rarity("улице") == 0
    items = [Item(i, text, "nl", "Bovenkerk", "weakness") for i, text in UNREADABLE]
    assert [g.member_ids for g in group_items(items) if len(g.member_ids) > 1] == []
    # A word with its accents stripped is read as ever.
    assert language.rarity("cafe") == language.rarity(normalise("café")) > 0


CARBID = [
    ("c1", "Carbidschieten op oudejaarsdag, de knallen zijn niet normaal"),
    ("c2", "al dat carbid schieten bij de boerderij, mijn hond is doodsbang van de knallen"),
    ("c3", "Mooie nieuwe bloemen bij het gemeentehuis"),
]


def test_a_new_matter_is_grouped_and_labelled_by_its_telling_words() -> None:
    assert [concept_of(text) for _, text in CARBID[:2]] == [None, None]
    items = [Item(i, text, "nl", "Bovenkerk", "weakness") for i, text in CARBID]
    groups = group_items(items)
    new = [g for g in groups if g.words]
    assert [g.member_ids for g in new] == [("c1", "c2")]
    assert "knal" in new[0].words or "knallen" in new[0].words
    assert new[0].label == ", ".join(new[0].words)
    assert all(not g.words for g in groups if g not in new)


def test_a_new_matter_does_not_form_on_common_words_alone() -> None:
    items = [
        Item("1", "lange tekst over iets lange tekst", "nl", "Bovenkerk", "weakness"),
        Item("2", "nog een lange tekst van iemand anders", "nl", "Bovenkerk", "weakness"),
    ]
    assert len(group_items(items)) == 2


def test_signature_names_the_language_data() -> None:
    # Other word lists give other signatures: their versions are in the fingerprint.
    assert all(" " in version for version in language.data_versions())
    vocabulary = load_vocabulary()
    assert signatures.signature("x", vocabulary).startswith(vocabulary.matcher.fingerprint)
