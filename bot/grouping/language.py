"""What the grouping knows of Dutch and English words beyond its vocabulary: lemmas, how common a
word is, spelling corrections and the parts of a compound.

Everything comes from data shipped inside two packages, so it works offline and gives the same
answer on every machine:
  - simplemma: lemmas ("drollen" -> "drol", "straten" -> "straat", "bins" -> "bin");
  - pyspellchecker: Dutch and English word lists with their frequencies (from subtitles). They
    say whether a word exists (a compound is split only into real words), how rare a word is
    (a rare word says more about a matter than a common one), and which known word a misspelt
    one was meant to be (one letter wrong, missing, extra or swapped).

The word lists load on first use (about half a second); every answer is cached per word.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from importlib import metadata, resources
from math import log

import simplemma

LANGUAGES = ("nl", "en")
MIN_CORRECT_LENGTH = 5  # shorter words have too many neighbours one letter away
MIN_LEFT = 3  # a compound's first part has at least this many letters
MIN_HEAD = 4  # and its head at least this many ("rom|mel" is no compound)
# A word this rare or rarer cannot be a compound's part: the lists hold typos and names too.
RARE_COUNT = 60
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Dutch linking letters between a compound's parts: stad|s|park, hond|en|poep, zon|ne|bank.
_LINKS = ("", "s", "en", "e", "n")


def data_versions() -> list[str]:
    """The versions of the packages whose data decide the answers (part of a signature's
    fingerprint: other data, other signatures)."""
    return [f"{name} {metadata.version(name)}" for name in ("simplemma", "pyspellchecker")]


@lru_cache(maxsize=1)
def _frequencies() -> tuple[dict[str, int], float, dict[str, int]]:
    """Word -> count over both languages (English scaled to the Dutch list's size), the total
    count, and the Dutch counts alone (compounds are split in Dutch only)."""
    merged: dict[str, int] = {}
    dutch: dict[str, int] = {}
    totals = []
    for lang in LANGUAGES:
        path = resources.files("spellchecker").joinpath("resources", f"{lang}.json.gz")
        with path.open("rb") as handle:
            counts: dict[str, int] = json.loads(gzip.decompress(handle.read()))
        totals.append(sum(counts.values()))
        scale = totals[0] / totals[-1]
        for word, count in counts.items():
            if word.isalpha() and word.isascii():
                merged[word] = merged.get(word, 0) + max(1, round(count * scale))
                if lang == "nl":
                    dutch[word] = count
    return merged, float(totals[0] * len(LANGUAGES)), dutch


def count(word: str) -> int:
    """How often the word occurs in the word lists (0: not a word we know)."""
    return _frequencies()[0].get(word, 0)


def known(word: str) -> bool:
    return word in _frequencies()[0]


@lru_cache(maxsize=65536)
def rarity(word: str) -> float:
    """How much a word says about a matter, from 0 (the commonest words) to 1 (rare or unknown
    words): the log of its inverse frequency, scaled.

    A word in a script the word lists do not hold (Arabic, Hebrew, Cyrillic, ...; the lists
    are Dutch and English, accents stripped) is 0: nothing is known of it, not even whether it
    is "the" or "lantern". Counted as rare, every such word would be telling, and texts in that
    script would look alike for sharing their commonest words."""
    if not word.isascii():
        return 0.0
    counts, total, _ = _frequencies()
    found = counts.get(word) or counts.get(lemma(word), 0)
    if not found:
        return 1.0
    return max(0.0, min(1.0, (log(total / found) - 7.0) / 10.0))


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The dictionary form of a Dutch or English word (Dutch first); the word itself if unknown."""
    found = simplemma.lemmatize(word, lang=LANGUAGES)
    return found.lower() if found else word


@lru_cache(maxsize=65536)
def correction(word: str) -> str | None:
    """The known word one typo away from an unknown `word` (the most frequent one; ties go to
    the first alphabetically), or None: the word is known, too short, or has no such neighbour."""
    if len(word) < MIN_CORRECT_LENGTH or not word.isalpha() or not word.isascii():
        return None
    counts = _frequencies()[0]
    if word in counts or lemma(word) in counts:
        return None
    best: tuple[int, str] | None = None
    for candidate in _edits(word):
        found = counts.get(candidate, 0)
        if found > RARE_COUNT and (best is None or (-found, candidate) < best):
            best = (-found, candidate)
    return None if best is None else best[1]


def _edits(word: str) -> set[str]:
    """Every string one letter wrong, missing, extra or two letters swapped; the first letter
    stays (people rarely mistype it, and it halves the work)."""
    edits: set[str] = set()
    for i in range(1, len(word) + 1):
        left, right = word[:i], word[i:]
        if right:
            edits.add(left + right[1:])
            if len(right) > 1:
                edits.add(left + right[1] + right[0] + right[2:])
            edits.update(left + c + right[1:] for c in _LETTERS)
        edits.update(left + c + right for c in _LETTERS)
    edits.discard(word)
    return edits


@lru_cache(maxsize=65536)
def compound_parts(word: str) -> tuple[str, str] | None:
    """(first part, head) of a Dutch compound whose parts are both known words: "bladblazers" ->
    ("blad", "blazers"), "stadspark" -> ("stad", "park"). The longest known head wins (the head
    carries the meaning in Dutch); None when no split gives two known Dutch words."""
    dutch = _frequencies()[2]
    if len(word) < MIN_LEFT + MIN_HEAD or not word.isalpha():
        return None
    for start in range(MIN_LEFT, len(word) - MIN_HEAD + 1):
        head = word[start:]
        if dutch.get(head, 0) <= RARE_COUNT and dutch.get(lemma(head), 0) <= RARE_COUNT:
            continue
        left = word[:start]
        for link in _LINKS:
            if link and not left.endswith(link):
                continue
            stem = left[: len(left) - len(link)] if link else left
            if len(stem) >= MIN_LEFT and dutch.get(stem, 0) > RARE_COUNT:
                return stem, head
    return None
