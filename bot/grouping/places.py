"""Named places in a text ("bij de Olmen", "op de Keizer Karelweg"): what links observations
that match no concept."""

from __future__ import annotations

import re

from bot.grouping.words import NOT_PLACES, STOPWORDS, normalise, tokenize

# Words that start with a letter that is not a-z: the candidates for capitalised names.
_CAPITAL_WORD_RE = re.compile(r"(?<![\w'’-])[^\W\d_a-z][\w'’-]*")


def named_places(text: str, vocabulary_words: frozenset[str]) -> list[tuple[str, str]]:
    """Capitalised names inside a sentence ("bij de Olmen", "op de Keizer Karelweg").

    Returns (key, display) pairs; consecutive capitalised words form one name. A capital at the
    start of a sentence proves nothing, nor do all-caps abbreviations (GP, OV, BIG).
    """
    places: list[tuple[str, str]] = []
    current: list[str] = []
    previous_end = -1
    for match in _CAPITAL_WORD_RE.finditer(text):
        word = match.group()
        if not word[0].isupper():
            continue
        # The last visible character before the word: a letter, digit or comma means mid-sentence.
        j = match.start() - 1
        while j >= 0 and text[j].isspace():
            j -= 1
        before = text[j] if j >= 0 else ""
        key = normalise(word)
        is_name = (
            (before.isalnum() or before == ",")
            and not (word.isupper() and len(word) <= 4)
            and key not in STOPWORDS
            and key not in NOT_PLACES
            and key not in vocabulary_words
            and len(key) >= 3
        )
        follows = j + 1 == previous_end  # only spaces since the previous capitalised word
        if is_name and current and follows:
            current.append(word)
        else:
            _flush_place(current, places)
            current = [word] if is_name else []
        previous_end = match.end()
    _flush_place(current, places)
    return places


def _flush_place(words: list[str], places: list[tuple[str, str]]) -> None:
    if words:
        display = " ".join(words)
        places.append((" ".join(tokenize(display)), display))
