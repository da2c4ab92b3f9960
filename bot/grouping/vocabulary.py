"""The vocabulary of municipal concepts (`vocabulary.toml`, a municipality's own file beside it):
its terms, weak hints, combos and polarity words, read from TOML."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.grouping.matching import Matcher
from bot.grouping.words import normalise, tokenize

DEFAULT_VOCABULARY_PATH = Path(__file__).with_name("vocabulary.toml")


@dataclass(frozen=True)
class Term:
    """One vocabulary entry after normalisation: a word or a phrase."""

    words: tuple[str, ...]
    exact: bool  # the last word must match as a whole word (else: as a word start)


@dataclass(frozen=True)
class Concept:
    id: str
    label_nl: str
    label_en: str
    terms: tuple[Term, ...]
    weak: tuple[Term, ...]
    combos: tuple[tuple[tuple[Term, ...], ...], ...]  # combo -> parts -> alternatives
    weight: float = 1.0


@dataclass(frozen=True)
class Vocabulary:
    concepts: tuple[Concept, ...]
    positive_swot: frozenset[str] = frozenset({"strength", "opportunity"})
    negative_swot: frozenset[str] = frozenset({"weakness", "threat"})
    positive_words: tuple[Term, ...] = ()
    negative_words: tuple[Term, ...] = ()
    ignore: tuple[str, ...] = ()  # word starts never matched ("laagdrempelig" is no drempel)
    # Praise and complaints about one matter apart (True) or together (False, the default: a
    # matter is one matter whoever praises or worries; the digest shows each category apart).
    split_polarity: bool = False
    _matcher: Matcher | None = field(default=None, compare=False, repr=False)

    @property
    def matcher(self) -> Matcher:
        # Built lazily and kept on the (frozen) vocabulary: building costs a few milliseconds.
        if self._matcher is None:
            object.__setattr__(self, "_matcher", Matcher(self))
        assert self._matcher is not None
        return self._matcher


def parse_term(raw: str) -> Term:
    """`"=park"` -> whole word; `"park my car"` -> phrase, last word a word start."""
    exact = raw.startswith("=")
    words = tuple(tokenize(raw.lstrip("=")))
    if not words:
        raise ValueError(f"empty vocabulary term: {raw!r}")
    return Term(words, exact)


# ---------------------------------------------------------------------------- vocabulary


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """The shipped vocabulary, plus the concepts of `path` when given.

    A municipality's own file adds concepts and replaces ours with the same id; with
    `replace_default = true` at its top it is used alone.
    """
    data = _read_toml(DEFAULT_VOCABULARY_PATH)
    if path is not None and path.resolve() != DEFAULT_VOCABULARY_PATH.resolve():
        extra = _read_toml(path)
        if extra.get("replace_default", False):
            data = extra
        else:
            merged_concepts = dict(data.get("concepts", {}))
            merged_concepts.update(extra.get("concepts", {}))
            data = {**data, **{k: v for k, v in extra.items() if k != "concepts"}}
            data["concepts"] = merged_concepts
    return _vocabulary_from_dict(data)


def _read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _vocabulary_from_dict(data: dict[str, Any]) -> Vocabulary:
    concepts = tuple(
        _concept_from_dict(concept_id, body)
        for concept_id, body in data.get("concepts", {}).items()
    )
    polarity = data.get("polarity", {})
    ignore = data.get("matching", {}).get("ignore", [])
    return Vocabulary(
        concepts=concepts,
        positive_swot=frozenset(polarity.get("positive_swot", ["strength", "opportunity"])),
        negative_swot=frozenset(polarity.get("negative_swot", ["weakness", "threat"])),
        positive_words=tuple(parse_term(w) for w in polarity.get("positive_words", [])),
        negative_words=tuple(parse_term(w) for w in polarity.get("negative_words", [])),
        ignore=tuple(sorted({normalise(word).strip() for word in ignore if word.strip()})),
        split_polarity=bool(polarity.get("split", False)),
    )


def _concept_from_dict(concept_id: str, body: dict[str, Any]) -> Concept:
    combos = tuple(
        tuple(tuple(parse_term(alt) for alt in part.split("|") if alt.strip()) for part in combo)
        for combo in body.get("combos", [])
    )
    return Concept(
        id=concept_id,
        label_nl=str(body.get("label_nl", concept_id)),
        label_en=str(body.get("label_en", body.get("label_nl", concept_id))),
        terms=tuple(parse_term(t) for t in body.get("terms", [])),
        weak=tuple(parse_term(t) for t in body.get("weak", [])),
        combos=combos,
        weight=float(body.get("weight", 1.0)),
    )


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return load_vocabulary()
