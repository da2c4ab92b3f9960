"""Both catalogues have the same keys with the same placeholders; code uses only existing keys."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.i18n import Catalog, catalog, format_date, format_number, pick_language, placeholders

REPO = Path(__file__).resolve().parents[2]


def test_same_keys_in_both_languages() -> None:
    messages = catalog().messages
    assert set(messages["nl"]) - set(messages["en"]) == set(), "missing in English"
    assert set(messages["en"]) - set(messages["nl"]) == set(), "missing in Dutch"


def test_same_placeholders_in_both_languages() -> None:
    messages = catalog().messages
    wrong = {
        key: (placeholders(messages["nl"][key]), placeholders(messages["en"][key]))
        for key in messages["nl"]
        if placeholders(messages["nl"][key]) != placeholders(messages["en"][key])
    }
    assert wrong == {}


def test_plural_pairs_are_complete() -> None:
    keys = set(catalog().messages["nl"])
    for key in keys:
        if key.endswith(".one"):
            assert key[:-4] + ".other" in keys, key


def test_every_key_used_in_code_exists() -> None:
    """Literal keys passed to t()/who.t()/tn() in the code must exist in the catalogue."""
    pattern = re.compile(r"""\b(?:t|tn)\(\s*(?:[\w.]+,\s*)?["']([a-z_]+\.[a-z0-9_.]+)["']""")
    known = set(catalog().messages["nl"])
    missing = []
    for folder in ("bot", "handlers"):
        for path in (REPO / folder).rglob("*.py"):
            for key in pattern.findall(path.read_text(encoding="utf-8")):
                if key not in known and key + ".one" not in known:
                    missing.append(f"{path.relative_to(REPO)}: {key}")
    assert missing == []


def test_duplicate_key_across_files_is_refused(tmp_path: Path) -> None:
    for lang in ("nl", "en"):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "a.toml").write_text('[x]\ny = "1"\n', encoding="utf-8")
        (tmp_path / lang / "b.toml").write_text('[x]\ny = "2"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="defined twice"):
        Catalog.load(tmp_path)


def test_dutch_b1_style_markers() -> None:
    """Plain language: the Dutch catalogue speaks to 'je', not 'u'. Jargon, one word per thing and
    readability: tests/core/test_words.py."""
    offenders = []
    for key, text in catalog().messages["nl"].items():
        plain = re.sub(r"<[^>]+>|\{[^}]+\}", " ", text)
        if re.search(r"\b(u|uw)\b", plain):
            offenders.append(key)
    assert offenders == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [("nl", "nl"), ("nl-BE", "nl"), ("en-GB", "en"), ("en", "en"), ("de", "nl"), (None, "nl")],
)
def test_pick_language(code: str | None, expected: str) -> None:
    assert pick_language(code) == expected


def test_dutch_dates_and_numbers() -> None:
    moment = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert format_date(moment, "nl", ZoneInfo("Europe/Amsterdam")) == "23 november 2026"
    assert format_date(moment, "en", ZoneInfo("Europe/Amsterdam")) == "23 November 2026"
    assert format_number(1200, "nl") == "1.200"
    assert format_number(1200, "en") == "1,200"


# One style of quotation marks per language, the one its catalogue used most: the same in every
# message (a word between them is quoted, not emphasised; <b> does that).
QUOTES = {"nl": ("‘", "’"), "en": ("‘", "’")}
_QUOTE_MARK = re.compile(r"[„“”‘’‚«»‹›\"]")


def quote_marks(text: str) -> str:
    """The quotation marks in `text`, in order; an apostrophe (’ between letters) is none."""
    return "".join(
        m.group()
        for m in _QUOTE_MARK.finditer(text)
        if not (
            m.group() == "’"
            and text[m.start() - 1 : m.start()].isalpha()
            and text[m.end() : m.end() + 1].isalpha()
        )
    )


def test_one_style_of_quotation_marks_per_language() -> None:
    wrong = {}
    for lang, (opening, closing) in QUOTES.items():
        for key, text in catalog().messages[lang].items():
            marks = quote_marks(text)
            if marks != (opening + closing) * (len(marks) // 2):
                wrong[f"{lang}: {key}"] = marks
    assert wrong == {}
    assert quote_marks("‘auto’s’ en „fiets”") == "‘’„”"
