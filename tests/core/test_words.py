"""The words people read: plain, one word per thing, short sentences, readable Dutch.

The lists live in locales/terms.toml; the glossary in locales/<lang>/glossary.toml. Every
catalogue string counts as resident- or coach-facing except the few named in terms.toml [exempt].
Readability: sentences of at most 15 words everywhere; Flesch-Douma (206.835 - 0.93 * words per
sentence - 77 * syllables per word, syllables by pyphen's Dutch dictionary) at least 60 for every
Dutch string of five words or more. Placeholders are replaced by a plausible word first.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import pyphen
import pytest

from bot.core.i18n import LANGUAGES, catalog, placeholders
from bot.telegram import commands
from bot.wiring import group_commands, private_commands
from handlers.menu import COACH_GLOSSARY, GLOSSARY

REPO = Path(__file__).resolve().parents[2]
TERMS: dict[str, Any] = tomllib.loads((REPO / "locales" / "terms.toml").read_text("utf-8"))
EXEMPT = set(TERMS["exempt"]["keys"])
MAX_SENTENCE_WORDS = 15
MIN_FLESCH_DOUMA = 60

_TAG = re.compile(r"<[^>]+>")
_PLACEHOLDER = re.compile(r"\{([^}]*)\}")
_WORD = re.compile(r"[^\W_][\w'’/-]*")
# A sentence ends at . ! ? ; (a list item) followed by a space, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")

# What a placeholder stands for when a sentence is measured: a number, a name or a word.
_NUMBERS = {
    "count", "number", "total", "first", "last", "page", "pages", "limit", "length", "low",
    "high", "n", "done", "reached", "unreachable", "failed", "voters", "audience", "percent",
    "votes", "points", "firsts", "previous", "days", "observations", "reactions", "residents",
    "big", "partners", "coaches", "borda", "place", "year", "time",
}  # fmt: skip
_SAMPLES = {
    "wijk": "Elsrijk",
    "wijken": "Elsrijk",
    "municipality": "Amstelveen",
    "name": "Anna",
    "pseudonym": "Buur-1234",
    "reference": "M-12",
    "ref": "M-12",
    "bot": "wijkbot",
}


def _sample(match: re.Match[str]) -> str:
    name = match.group(1)
    return "12" if name in _NUMBERS else _SAMPLES.get(name, "straat")


def shown(lang: str) -> dict[str, str]:
    """Every resident- and coach-facing string as a person reads it, placeholders left out."""
    return {
        key: _PLACEHOLDER.sub(" ", _TAG.sub(" ", text))
        for key, text in catalog().messages[lang].items()
        if key not in EXEMPT
    }


def measured(lang: str) -> dict[str, str]:
    """The same, with a plausible word in every placeholder."""
    return {
        key: _PLACEHOLDER.sub(_sample, _TAG.sub(" ", text))
        for key, text in catalog().messages[lang].items()
        if key not in EXEMPT
    }


def sentences(text: str) -> list[list[str]]:
    parts = (_WORD.findall(part) for part in _SENTENCE_END.split(text))
    return [words for words in parts if words]


@cache
def _dutch() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="nl_NL")


def syllables(word: str) -> int:
    if not any(c.isalpha() for c in word):
        return 1
    return len(_dutch().positions(word.lower())) + 1


def flesch_douma(text: str) -> float:
    parts = sentences(text)
    words = [w for s in parts for w in s]
    return (
        206.835
        - 0.93 * (len(words) / len(parts))
        - 77 * (sum(syllables(w) for w in words) / len(words))
    )


def find(pattern: str, text: str) -> list[str]:
    whole = re.finditer(rf"(?<![\w-])(?:{pattern})(?![\w-])", text, flags=re.IGNORECASE)
    return [match.group(0) for match in whole]


# --- words not allowed -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_jargon_or_stumbling_words(lang: str) -> None:
    allowed = {(rule["word"], key) for rule in TERMS["only_in"] for key in rule["keys"]}
    found = {
        key: hits
        for key, text in shown(lang).items()
        if (
            hits := [
                hit
                for word in TERMS["forbidden"][lang]
                if (word, key) not in allowed
                for hit in find(word, text)
            ]
        )
    }
    assert found == {}


@pytest.mark.parametrize("rule", TERMS["only_in"], ids=lambda rule: rule["word"])
def test_words_allowed_in_one_sense_only_appear_there(rule: dict[str, Any]) -> None:
    where = {key for key, text in shown(rule["lang"]).items() if find(rule["word"], text)}
    assert where <= set(rule["keys"]), rule["why"]


def test_no_sign_carries_meaning() -> None:
    found = [
        (lang, key)
        for lang in LANGUAGES
        for key, text in catalog().messages[lang].items()
        if any(sign in text for sign in TERMS["signs"]["forbidden"])
    ]
    assert found == []


# --- one word per thing ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("thing", sorted(TERMS["things"]))
def test_one_word_per_thing(thing: str, lang: str) -> None:
    spec = TERMS["things"][thing]
    texts = shown(lang)
    allow = set(spec.get("allow_in", ()))
    others = {
        key: hits
        for key, text in texts.items()
        if key not in allow
        if (hits := [h for word in spec[lang]["avoid"] for h in find(word, text)])
    }
    assert others == {}, f"{thing}: say {spec[lang]['term']!r}"
    term = spec[lang]["term"]
    assert any(term.lower() in text.lower() for text in texts.values()), f"{term!r} is unused"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_glossary_names_each_thing_by_its_one_word(lang: str) -> None:
    messages = catalog().messages[lang]
    glossary = {k.removeprefix("glossary.term."): v for k, v in messages.items() if ".term." in k}
    in_terms = {
        thing: spec[lang]["term"]
        for thing, spec in TERMS["things"].items()
        if spec.get("glossary", True)
    }
    assert glossary == in_terms
    assert set(glossary) == set(GLOSSARY) | set(COACH_GLOSSARY)
    assert all(f"glossary.text.{thing}" in messages for thing in glossary)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_four_questions_are_the_same_everywhere(lang: str) -> None:
    messages = catalog().messages[lang]
    for swot in ("strength", "weakness", "opportunity", "threat"):
        versions = {
            messages[f"spiegel.question.{swot}"],
            messages[f"observations.swot_{swot}"],
            messages[f"coach.swot.{swot}"],
            messages[f"digest.swot.{swot}"],
        }
        assert len(versions) == 1, versions


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_recommendations_are_headed_by_the_same_question_everywhere(lang: str) -> None:
    """The fifth part of the district mirror: the spiegel, "Wat weten we nog niet?" and the
    supplement head it with one question ("What does the district coach recommend?")."""
    messages = catalog().messages[lang]
    versions = {
        messages["spiegel.question.recommendation"],
        messages["blind_spots.q_recommendation"],
        messages["supplement.h_recommendations"],
    }
    assert len(versions) == 1, versions


# --- buttons ---------------------------------------------------------------------------------

_KEY = re.compile(r"""(?:who\.t|\bt)\((?:\w+,\s*)?f?["']([a-z_]+\.[a-z0-9_.{}]+)["']""")
# A key is a button's label when a button is made just before it (within 80 characters), or it
# is named as a label: MenuEntry(item, "menu.x", ...), `label = who.t(...)`.
_BEFORE_LABEL = re.compile(r"(?:button|\bob|InlineKeyboardButton)\(|label\s*=|\"\w\":\s*$")
_MENU_ENTRY = re.compile(r'MenuEntry\(\s*"\w+",\s*"([a-z_]+\.[a-z0-9_.]+)"')
# Helpers that make a button from a label's key: the poll wizard's _pw(who, "polls.x", ...).
_BUTTON_HELPER = re.compile(r"""\b_pw\(\w+,\s*f?["']([a-z_]+\.[a-z0-9_.{}]+)["']""")


def button_keys() -> set[str]:
    """Catalogue keys the code puts on buttons (an f-string key stands for all it can be)."""
    found: set[str] = set()
    for folder in ("bot", "handlers"):
        for path in (REPO / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            found |= set(_MENU_ENTRY.findall(source))
            found |= set(_BUTTON_HELPER.findall(source))
            for match in _KEY.finditer(source):
                before = source[max(0, match.start() - 80) : match.start()].split("\n")
                if _BEFORE_LABEL.search("\n".join(before[-2:])):
                    found.add(match.group(1))
    known = catalog().messages["nl"]
    keys: set[str] = set()
    for key in found:
        pattern = re.compile(re.sub(r"\\\{[^}]*\\\}", "[a-z0-9_]+", re.escape(key)))
        keys |= {k for k in known if pattern.fullmatch(k)}
    keys |= {f"commands.{c}" for c in commands.COMMANDS}  # the command menu
    return keys | _INDIRECT


# Labels the code picks in a way the scan does not see (a conditional, a helper function).
_INDIRECT = {
    "spiegel.recognise",
    "spiegel.not_recognise",
    "spiegel.agree",
    "spiegel.disagree",
    "observations.swot_strength",
    "observations.swot_weakness",
    "observations.swot_opportunity",
    "observations.swot_threat",
    "polls.btn_item",
    "polls.btn_item_picked",
}


def without_emoji(text: str) -> str:
    return "".join(
        " " if unicodedata.category(c) in ("So", "Sk", "Sm", "Cs") or c == "\ufe0f" else c
        for c in text
    )


def test_button_labels_mean_something_without_their_emoji() -> None:
    keys = button_keys()
    assert len(keys) > 150, "the scan for button labels found too few: did the code change?"
    empty = []
    for lang in LANGUAGES:
        for key in keys:
            label = catalog().messages[lang][key]
            left = _PLACEHOLDER.sub(" ", without_emoji(label))
            if not re.search(r"[^\W\d_]{2}", left) and not placeholders(label):
                empty.append((lang, key, label))
    assert empty == []


def test_every_string_has_words_beside_its_signs() -> None:
    bare = [
        (lang, key)
        for lang in LANGUAGES
        for key, text in measured(lang).items()
        if not re.search(r"[^\W\d_]", without_emoji(text))
    ]
    assert bare == []


# --- readability -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sentences_are_short(lang: str) -> None:
    long = {
        key: " ".join(words)
        for key, text in measured(lang).items()
        for words in sentences(text)
        if len(words) > MAX_SENTENCE_WORDS
    }
    assert long == {}


def test_dutch_reads_easily() -> None:
    hard = {
        key: round(score)
        for key, text in measured("nl").items()
        if sum(len(s) for s in sentences(text)) >= 5
        if (score := flesch_douma(text)) < MIN_FLESCH_DOUMA
    }
    assert hard == {}


def test_the_measure_itself() -> None:
    assert sentences("Ja. Nee!\nMisschien; of niet?") == [
        ["Ja"],
        ["Nee"],
        ["Misschien"],
        ["of", "niet"],
    ]
    assert syllables("wijkspiegel") == 3
    assert flesch_douma("De kat zit op de mat.") > 100
    assert flesch_douma("Bewonersinitiatiefgroepen organiseren participatietrajecten.") < 0


def test_the_privacy_statement_is_short() -> None:
    for lang in LANGUAGES:
        words = sum(len(s) for s in sentences(measured(lang)["onboarding.privacy"]))
        assert words <= 62, (lang, words)


# --- commands in the texts -------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_texts_name_commands_in_their_own_language(lang: str) -> None:
    names = {commands.name(c, lang) for c in commands.COMMANDS}
    wrong = {
        key: found
        for key, text in catalog().messages[lang].items()
        if (found := set(re.findall(r"(?<![\w/<])/([a-z]+)", _TAG.sub(" ", text))) - names)
    }
    assert wrong == {}


def test_command_names_are_unique_and_described() -> None:
    seen: dict[str, str] = {}
    for command in commands.TABLE:
        for name in command.names():
            assert re.fullmatch(r"[a-z0-9_]{1,32}", name), name
            assert seen.setdefault(name, command.id) == command.id, name
    assert set(private_commands()) | set(group_commands()) <= set(commands.COMMANDS)
    for lang in LANGUAGES:
        for command_id in commands.COMMANDS:
            assert catalog().messages[lang][f"commands.{command_id}"]
