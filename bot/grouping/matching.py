"""What the vocabulary finds in one text: terms (as written, as lemma, one typo away, inside a
compound), the evidence they give each concept, the main concept, and the fingerprint of
everything that decides it."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.grouping import language
from bot.grouping.words import NOT_PLACES, STOPWORDS

if TYPE_CHECKING:
    from bot.grouping.vocabulary import Term, Vocabulary

# Evidence weights. One strong term decides; weak hints only tip the balance.


STRONG = 1.0
WEAK = 0.35
COMBO = 1.0
WEAK_CAP = 0.7  # all weak hints of one concept together count at most this much
MIN_CONCEPT_SCORE = 0.6  # below this the observation is "about nothing we know"
FUZZY_MIN_TOKEN = 6  # typo tolerance only for words this long: short words collide too easily
COMPOUND_MIN_LEFT = 3  # a Dutch compound's first part has at least 3 letters
COMPOUND_MIN_PART = 5  # word-start terms this long are also found inside compounds
COMPOUND_MIN_HEAD = 4  # whole-word terms this long are also found as a compound's last part


COMBO_WINDOW = 8  # the parts of a combo must be at most this many words apart


# A role says what a matched term means: ("s"|"w", concept index) for strong and weak terms,
# ("c", concept index, combo index, part index) for one part of a combo.
Role = tuple[Any, ...]


class Matcher:
    """Finds vocabulary terms in token lists; per-word results are cached."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.prefix: dict[str, list[Role]] = defaultdict(list)  # single word, word start
        self.exact: dict[str, list[Role]] = defaultdict(list)  # single word, whole word
        self.phrases: dict[str, list[tuple[Term, Role]]] = defaultdict(list)  # by first word
        for index, concept in enumerate(vocabulary.concepts):
            for term in concept.terms:
                self._add(term, ("s", index))
            for term in concept.weak:
                self._add(term, ("w", index))
            for combo_index, combo in enumerate(concept.combos):
                for part_index, part in enumerate(combo):
                    for term in part:
                        self._add(term, ("c", index, combo_index, part_index))
        for term in vocabulary.positive_words:
            self._add(term, ("+",))
        for term in vocabulary.negative_words:
            self._add(term, ("-",))
        self._ignore = vocabulary.ignore
        self.vocabulary_words = frozenset(self.prefix) | frozenset(self.exact)
        self.fingerprint = fingerprint(vocabulary)
        self._fuzzy_index = self._build_fuzzy_index()
        self._word_cache: dict[str, tuple[tuple[str, bool, int, int], ...]] = {}
        self._roles_cache: dict[str, tuple[tuple[str, Role], ...]] = {}

    def _add(self, term: Term, role: Role) -> None:
        if len(term.words) > 1:
            self.phrases[term.words[0]].append((term, role))
        elif term.exact:
            self.exact[term.words[0]].append(role)
        else:
            self.prefix[term.words[0]].append(role)

    def _build_fuzzy_index(self) -> dict[str, set[tuple[str, bool]]]:
        """Symmetric-delete index (as in SymSpell): every term and each term minus one letter."""
        index: dict[str, set[tuple[str, bool]]] = defaultdict(set)
        entries = [(w, False) for w in self.prefix if len(w) >= COMPOUND_MIN_PART]
        entries += [(w, True) for w in self.exact if len(w) >= FUZZY_MIN_TOKEN]
        for word, exact in entries:
            for variant in _deletions(word) | {word}:
                index[variant].add((word, exact))
        return index

    def token_roles(self, token: str) -> tuple[tuple[str, Role], ...]:
        """(term, role) pairs of one word, cached: texts repeat their words a lot."""
        cached = self._roles_cache.get(token)
        if cached is None:
            cached = tuple(self._segment(token))
            self._roles_cache[token] = cached
        return cached

    def _segment(self, token: str) -> list[tuple[str, Role]]:
        hits: list[tuple[str, Role]] = []
        segmentable = []
        for match in self.word_matches(token):
            term, exact = match[0], match[1]
            roles = (self.exact if exact else self.prefix)[term]
            # Combo parts and polarity words look at every match: "fietsparkeerplek" has both
            # fiets and parkeer.
            hits.extend((term, role) for role in roles if role[0] not in "sw")
            if any(role[0] in "sw" for role in roles):
                segmentable.append(match)
        # Strong/weak terms: a greedy segmentation, longest first, so "parkeergarage" counts as
        # parkeergarage, not as parkeer + garage, and "schoolkinderen" as school + kinderen.
        taken: list[tuple[int, int]] = []
        for term, exact, start, end in sorted(segmentable, key=lambda m: (m[2] - m[3], m[2], m[0])):
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            roles = (self.exact if exact else self.prefix)[term]
            hits.extend((term, role) for role in roles if role[0] in "sw")
        return hits

    def word_matches(self, token: str) -> tuple[tuple[str, bool, int, int], ...]:
        """All single-word terms in a token: (term, exact, start, end), overlaps included."""
        cached = self._word_cache.get(token)
        if cached is None:
            cached = tuple(sorted(self._scan_word(token)))
            self._word_cache[token] = cached
        return cached

    def _scan_word(self, token: str) -> set[tuple[str, bool, int, int]]:
        """The terms _scan_spelling finds, and those it finds in the word's other forms
        (bot.grouping.language): its lemma ("drollen" -> drol), the known word it is one typo
        from ("fietsenstaling"), and the two parts of a compound of known Dutch words
        ("bladblazers" -> blad + blazers), each part with its lemma."""
        if token.startswith(self._ignore):
            return set()
        found = self._scan_spelling(token)
        n = len(token)
        if n < 3 or token in STOPWORDS or not token.isalpha() or not token.isascii():
            return found
        # Only for what spelling left unexplained: a word it matched keeps what it matched
        # ("vrachtwagens" stays vrachtwagen, not also "wagen").
        if not found:
            base = language.lemma(token)
            if base != token and not base.startswith(self._ignore):
                found |= {(t, e, 0, n) for t, e, _, _ in self._scan_spelling(base, fuzzy=False)}
        if not found:
            fixed = language.correction(token)
            if fixed is not None and not fixed.startswith(self._ignore):
                found |= {(t, e, 0, n) for t, e, _, _ in self._scan_spelling(fixed, fuzzy=False)}
        parts = None if any(m[2] == 0 for m in found) else language.compound_parts(token)
        if parts is not None:
            left, head = parts
            at = n - len(head)
            for part, start, end in ((left, 0, len(left)), (head, at, n)):
                for form in {part, language.lemma(part)}:
                    if not form.startswith(self._ignore):
                        found |= {
                            (t, e, start, end)
                            for t, e, _, _ in self._scan_spelling(form, fuzzy=False)
                        }
        return found

    def _scan_spelling(self, token: str, fuzzy: bool = True) -> set[tuple[str, bool, int, int]]:
        """Terms in the word as it is spelt: word starts, compounds, participles, one typo
        (`fuzzy`: not for a form derived from the word, which is a known word already)."""
        found: set[tuple[str, bool, int, int]] = set()
        n = len(token)
        for end in range(1, n + 1):  # word starts: parkeer -> parkeerplek
            if token[:end] in self.prefix:
                found.add((token[:end], False, 0, end))
        if token in self.exact:
            found.add((token, True, 0, n))
        # Dutch compounds: fietsen|stalling, park|pad, stads|park.
        for start in range(COMPOUND_MIN_LEFT, n - COMPOUND_MIN_HEAD + 1):
            for end in range(start + COMPOUND_MIN_PART, n + 1):
                if token[start:end] in self.prefix:
                    found.add((token[start:end], False, start, end))
            if token[start:] in self.exact:
                found.add((token[start:], True, start, n))
        # Dutch past participles: geparkeerd / geparkeert -> parkeer.
        if not found and token.startswith("ge") and n > 5:
            for end in range(3, n + 1):
                if token[2:end] in self.prefix:
                    found.add((token[2:end], False, 0, n))
        if (
            fuzzy
            and not found
            and n >= FUZZY_MIN_TOKEN
            and token.isalpha()
            and token not in STOPWORDS
        ):
            found |= self._fuzzy(token)
        return found

    def _fuzzy(self, token: str) -> set[tuple[str, bool, int, int]]:
        """Terms within one typo of the token (whole word) or of one of its starts."""
        found: set[tuple[str, bool, int, int]] = set()
        for end in range(COMPOUND_MIN_PART - 1, len(token) + 1):
            start_of_token = token[:end]
            for variant in _deletions(start_of_token) | {start_of_token}:
                for word, exact in self._fuzzy_index.get(variant, ()):
                    if exact and end != len(token):
                        continue
                    if word[0] == token[0] and _within_one_edit(start_of_token, word):
                        found.add((word, exact, 0, end))
        return found


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (one letter wrong, missing, extra or swapped)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _phrase_matches(term: Term, tokens: Sequence[str], at: int) -> bool:
    words = term.words
    if at + len(words) > len(tokens):
        return False
    for offset, word in enumerate(words):
        token = tokens[at + offset]
        is_last = offset == len(words) - 1
        if is_last and not term.exact:
            if not token.startswith(word):
                return False
        elif token != word:
            return False
    return True


@dataclass(frozen=True)
class Evidence:
    """What the vocabulary found in one text."""

    scores: dict[int, float]  # concept index -> score
    terms: frozenset[str]  # matched terms, for choosing the representative
    polarity_votes: int  # positive words minus negative words


def _roles_in(tokens: Sequence[str], matcher: Matcher) -> list[tuple[str, Role, int]]:
    """(term, role, position) for every match of a vocabulary term in the tokens."""
    hits: list[tuple[str, Role, int]] = []
    for position, token in enumerate(tokens):
        hits.extend((term, role, position) for term, role in matcher.token_roles(token))
    for position, token in enumerate(tokens):
        for term, role in matcher.phrases.get(token, ()):
            if _phrase_matches(term, tokens, position):
                hits.append((" ".join(term.words), role, position))
    return hits


def evidence_in(tokens: Sequence[str], vocabulary: Vocabulary) -> Evidence:
    strong: dict[int, set[str]] = defaultdict(set)
    weak: dict[int, set[str]] = defaultdict(set)
    combo_parts: dict[tuple[int, int], dict[int, list[int]]] = defaultdict(
        lambda: defaultdict(list)
    )
    polarity: dict[str, set[str]] = {"+": set(), "-": set()}
    for term, role, position in _roles_in(tokens, vocabulary.matcher):
        kind = role[0]
        if kind == "s":
            strong[role[1]].add(term)
        elif kind == "w":
            weak[role[1]].add(term)
        elif kind == "c":
            combo_parts[(role[1], role[2])][role[3]].append(position)
        else:
            polarity[kind].add(term)
    scores: dict[int, float] = defaultdict(float)
    for index, terms in strong.items():
        scores[index] += STRONG * len(terms)
    for index, terms in weak.items():
        scores[index] += min(WEAK_CAP, WEAK * len(terms))
    for (index, combo_index), parts in combo_parts.items():
        if _combo_holds(parts, len(vocabulary.concepts[index].combos[combo_index])):
            scores[index] += COMBO
    weighted = {i: s * vocabulary.concepts[i].weight for i, s in scores.items()}
    matched = frozenset().union(*strong.values(), *weak.values()) if strong or weak else frozenset()
    return Evidence(weighted, matched, len(polarity["+"]) - len(polarity["-"]))


def _combo_holds(parts: dict[int, list[int]], needed: int) -> bool:
    """Every part of the combo occurs, all within COMBO_WINDOW words of one place.

    A window, not the whole text: "25 buren ... (two sentences later) wie helpt mee" is not
    about neighbours helping each other.
    """
    if len(parts) < needed:
        return False
    anchors = parts[0]
    return any(
        all(any(abs(p - anchor) <= COMBO_WINDOW for p in positions) for positions in parts.values())
        for anchor in anchors
    )


def main_concept(scores: dict[int, float]) -> int | None:
    """The best-supported concept, or None; ties go to the concept listed first."""
    if not scores:
        return None
    best = min(scores, key=lambda i: (-scores[i], i))
    return best if scores[best] >= MIN_CONCEPT_SCORE else None


SIGNATURE_VERSION = 2  # 2: lemmas, corrections and compound parts (bot.grouping.language)


def fingerprint(vocabulary: Vocabulary) -> str:
    """A short hash of everything that decides what a signature holds."""

    def term(t: Term) -> list[Any]:
        return [list(t.words), t.exact]

    payload = {
        "version": SIGNATURE_VERSION,
        "language": language.data_versions(),
        "constants": [
            STRONG,
            WEAK,
            COMBO,
            WEAK_CAP,
            MIN_CONCEPT_SCORE,
            FUZZY_MIN_TOKEN,
            COMPOUND_MIN_LEFT,
            COMPOUND_MIN_PART,
            COMPOUND_MIN_HEAD,
            COMBO_WINDOW,
            language.MIN_CORRECT_LENGTH,
            language.MIN_LEFT,
            language.MIN_HEAD,
            language.RARE_COUNT,
        ],
        "concepts": [
            [
                c.weight,
                [term(t) for t in c.terms],
                [term(t) for t in c.weak],
                [[[term(t) for t in part] for part in combo] for combo in c.combos],
            ]
            for c in vocabulary.concepts
        ],
        "positive": [term(t) for t in vocabulary.positive_words],
        "negative": [term(t) for t in vocabulary.negative_words],
        "ignore": list(vocabulary.ignore),
        "stopwords": sorted(STOPWORDS),
        "not_places": sorted(NOT_PLACES),
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()[:12]
