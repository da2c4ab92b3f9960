"""The guide at the top of a person's export: what each part of the file holds, and the words
behind the codes in it ("weakness" is "Wat kan beter?"), in the person's language.

The file's own names stay English codes, so that a program reads every person's export the same
way; the guide is for the person who opens it in a text editor, as the caption invites them to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.core.i18n import t
from models.enums import ObservationStatus, Role, Swot, Verdict

# Parts of the export that are about the file, not about the person.
_ABOUT_THE_FILE = ("format", "exported_at")

# A coded field and where its values' words live in the catalogue.
_CODES: dict[str, tuple[str, frozenset[str]]] = {
    "swot": ("observations.swot_{}", frozenset(s.value for s in Swot)),
    "statement_kind": ("observations.swot_{}", frozenset(s.value for s in Swot)),
    "status": ("status.{}", frozenset(s.value for s in ObservationStatus)),
    "from_status": ("status.{}", frozenset(s.value for s in ObservationStatus)),
    "to_status": ("status.{}", frozenset(s.value for s in ObservationStatus)),
    "role": ("roles.{}", frozenset(r.value for r in Role)),
    "author_role": ("roles.{}", frozenset(r.value for r in Role)),
    "verdict": ("export_guide.verdict_{}", frozenset(v.value for v in Verdict)),
}


def parts(data: dict[str, Any]) -> list[str]:
    """The parts of an export the guide explains, in the file's order."""
    return [name for name in data if name not in _ABOUT_THE_FILE]


def _coded(value: Any) -> Iterator[tuple[str, str]]:
    """Every (field, code) pair in the export, however deep."""
    if isinstance(value, dict):
        for name, inner in value.items():
            if name in _CODES and isinstance(inner, str):
                yield name, inner
            else:
                yield from _coded(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _coded(inner)


def guide(lang: str, data: dict[str, Any]) -> dict[str, Any]:
    """The guide for `data` (as `personal_data.export_person` made it): its parts, and only the
    codes that occur in it."""
    words: dict[str, str] = {}
    for name, code in _coded(data):
        key, known = _CODES[name]
        if code in known and code not in words:
            words[code] = t(lang, key.format(code))
    return {
        "about": t(lang, "export_guide.about"),
        "parts": {name: t(lang, f"export_guide.part_{name}") for name in parts(data)},
        "words": words,
    }


def with_guide(lang: str, data: dict[str, Any]) -> dict[str, Any]:
    """The export with its guide first, under a name in the person's language."""
    return {t(lang, "export_guide.key"): guide(lang, data), **data}
