"""Deterministic, offline grouping of similar observations for the coach's digest.

Method: every observation is matched against a vocabulary of municipal *concepts*
(`vocabulary.toml`: parkeerdruk, hondenpoep, eenzaamheid, ...; the categories municipalities file
public-space reports under, the wijkspiegel themes and social matters). A word the vocabulary
does not hold as written is tried as its lemma, as the known word one typo away, and as the two
known words of a compound (bot.grouping.language). The concept with the highest evidence is what
the observation is about. Observations of one wijk with the same main concept form a group,
praise and complaints together (a vocabulary with `[polarity] split = true` keeps them apart).
The wijk settles close calls: a tie between two concepts goes to the one more neighbours write
about, and weak evidence may join an existing topic (but not start one). Observations that match
no concept join a group through a shared named place ("de Olmen"), through similar words
(character n-grams of their lemmas, rare words weighing more: a new matter, labelled by its most
telling words, "nieuw onderwerp: carbid, knal") or through two shared uncommon words; otherwise
they stay alone.

Why not word overlap or TF-IDF: most observations about the same matter share no content word
("geen parkeerplek" / "auto steeds 3 straten verderop neerzetten"), while near-misses share many
("fiets parkeren" / "auto parkeren"). A vocabulary carries the knowledge a coach has, is explainable
("grouped under parkeerdruk") and is extended by editing a TOML file. Everything is linear in the
number of observations: matching is cached per distinct word, grouping is a dictionary lookup.
What matching finds in one text is kept with the observation when it is stored (`signature`), so
grouping a period does not match its texts again.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
import unicodedata
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from math import sqrt
from operator import add, attrgetter, itemgetter
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from bot.grouping import language

DEFAULT_VOCABULARY_PATH = Path(__file__).with_name("vocabulary.toml")

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
RARE_WORD_MAX_ITEMS = 50  # words in more observations than this say little about a group
COMBO_WINDOW = 8  # the parts of a combo must be at most this many words apart
TIE_MARGIN = 0.05  # concepts this close to the best count as a tie
NGRAM = 4  # letters per character n-gram when comparing observations without a concept
SIMILAR_MIN = 0.3  # their cosine from which two such observations are one matter (tuned)
MIN_RARITY = 0.3  # words commoner than this (bot.grouping.language.rarity) are not compared


# ---------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class Item:
    """One observation to group."""

    id: str
    text: str
    lang: str
    wijk: str
    swot: str | None = None
    theme: str | None = None
    # What signature() found in the text when it was stored; None: match the text now.
    signature: str | None = None

    @staticmethod
    def quick(
        id: str,
        text: str,
        lang: str,
        wijk: str,
        swot: str | None,
        theme: str | None,
        signature: str | None,
    ) -> Item:
        """The same Item, made in half the time: a frozen dataclass's __init__ sets each field
        through object.__setattr__, which the digest would pay for thousands of items."""
        item = object.__new__(Item)
        object.__setattr__(
            item,
            "__dict__",
            {
                "id": id,
                "text": text,
                "lang": lang,
                "wijk": wijk,
                "swot": swot,
                "theme": theme,
                "signature": signature,
            },
        )
        return item


@dataclass(frozen=True)
class Group:
    """A set of observations of one wijk that a coach would count together."""

    key: str  # "<wijk>:<n>", n = 1 for the wijk's largest group
    label: str
    member_ids: tuple[str, ...]
    representative_id: str
    # A new matter: two or more observations about no concept of the vocabulary and no shared
    # place, labelled by their most telling words (the label is these words, joined by ", ").
    # Empty for every other group. The digest shows it as "nieuw onderwerp: …".
    words: tuple[str, ...] = ()


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
    _matcher: _Matcher | None = field(default=None, compare=False, repr=False)

    @property
    def matcher(self) -> _Matcher:
        # Built lazily and kept on the (frozen) vocabulary: building costs a few milliseconds.
        if self._matcher is None:
            object.__setattr__(self, "_matcher", _Matcher(self))
        assert self._matcher is not None
        return self._matcher


# ---------------------------------------------------------------------------- normalisation

_TOKEN_RE = re.compile(r"[^\W_]+")


def _word_set(text: str) -> frozenset[str]:
    """A set of words written as a block of text (easier to read and extend than a list)."""
    return frozenset(text.split())


# Function words of Dutch and English: never a named place, never a content word.
_STOPWORDS = _word_set(
    """
    de het een en of maar want dus dat die dit deze daar hier er is zijn was waren wordt worden
    word werd ben bent heb hebt heeft hebben had kan kun kunnen kunt zou zouden moet moeten mag
    wil wilt willen ga gaat gaan komt komen kom doe doet doen te van in op aan met voor naar
    bij om uit tot door over onder tegen na als dan ook nog al wel niet geen nooit niets niks
    iets alle allemaal ieder iedereen elke elk veel weinig meer minder heel erg echt zo zeer
    even ik je jij u hij zij ze we wij jullie mij me mijn mn jouw jou zijn haar hun ons onze
    hen wat wie waar waarom wanneer hoe welke welk wat nu toen toch weer steeds gewoon
    eigenlijk s t avonds ochtends nachts mee zelf dag keer jaar week weken maand maanden uur
    the a an and or but so that this these those there here is are was were be been being have
    has had do does did can could would should will shall may might must i you he she it we
    they me my mine your our their them his her its of in on at to for from by with about into
    over under after before as than then too also still again just not no never nothing
    something all every each many much more less very really what who where why when how which
    now get got go going come make made one two
    """
)

# Capitalised words that are not places in a wijk: sharing them says nothing.
_NOT_PLACES = _word_set(
    """
    amstelveen amsterdam nederland nederlands nederlandse dutch english engels gemeente maandag
    dinsdag woensdag donderdag vrijdag zaterdag zondag monday tuesday wednesday thursday friday
    saturday sunday januari februari maart april mei juni juli augustus september oktober
    november december jammer idee kans super top graag help hallo hoi
    """
)


def normalise(text: str) -> str:
    """Lowercase, strip accents and apostrophes ("auto's" -> "autos", "café" -> "cafe")."""
    if text.isascii():  # the common case, ten times faster (of the apostrophes, two are ASCII)
        return text.lower().replace("'", "").replace("`", "")
    return unicodedata.normalize("NFKD", text.casefold()).translate(_MARKS)


class _MarkTable(dict[int, int | None]):
    """For str.translate: drops accents (combining marks) and apostrophes, learns per character
    (a table of all of Unicode up front would take a while to build)."""

    def __missing__(self, code: int) -> int | None:
        char = chr(code)
        value = None if unicodedata.combining(char) or char in "'’`´" else code
        self[code] = value
        return value


_MARKS = _MarkTable()


def tokenize(text: str) -> list[str]:
    """Words and numbers of a text; emoji and punctuation fall away."""
    return _TOKEN_RE.findall(normalise(text))


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
def _default_vocabulary() -> Vocabulary:
    return load_vocabulary()


# ---------------------------------------------------------------------------- matching

# A role says what a matched term means: ("s"|"w", concept index) for strong and weak terms,
# ("c", concept index, combo index, part index) for one part of a combo.
Role = tuple[Any, ...]


class _Matcher:
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
        self.fingerprint = _fingerprint(vocabulary)
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
        if n < 3 or token in _STOPWORDS or not token.isalpha() or not token.isascii():
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
            and token not in _STOPWORDS
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
class _Evidence:
    """What the vocabulary found in one text."""

    scores: dict[int, float]  # concept index -> score
    terms: frozenset[str]  # matched terms, for choosing the representative
    polarity_votes: int  # positive words minus negative words


def _roles_in(tokens: Sequence[str], matcher: _Matcher) -> list[tuple[str, Role, int]]:
    """(term, role, position) for every match of a vocabulary term in the tokens."""
    hits: list[tuple[str, Role, int]] = []
    for position, token in enumerate(tokens):
        hits.extend((term, role, position) for term, role in matcher.token_roles(token))
    for position, token in enumerate(tokens):
        for term, role in matcher.phrases.get(token, ()):
            if _phrase_matches(term, tokens, position):
                hits.append((" ".join(term.words), role, position))
    return hits


def _evidence(tokens: Sequence[str], vocabulary: Vocabulary) -> _Evidence:
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
    return _Evidence(weighted, matched, len(polarity["+"]) - len(polarity["-"]))


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


# ---------------------------------------------------------------------------- named places

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
            and key not in _STOPWORDS
            and key not in _NOT_PLACES
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


# ---------------------------------------------------------------------------- signatures

# What the matcher finds in one text depends only on the text and the vocabulary, so it can be
# found once, when the observation is stored, and kept as a short string (Item.signature). The
# digest then only does the part that needs the other observations. A signature names the
# vocabulary it was made with (a fingerprint); with another vocabulary, or from another version
# of this code, it is ignored and the text is matched again, with the same result.
#
# Layout: fingerprint|polarity votes|main concept|scores|features|places, where scores are
# "index:score" in the order found (repr of a float reads back the same float), features the
# matched terms and content-word stems as "t:term" and "s:stem", sorted, and places the named
# places, sorted. Tokens never hold "|", "," or ":", so these separate the parts.
SIGNATURE_VERSION = 2  # 2: lemmas, corrections and compound parts (bot.grouping.language)
_SIGNATURE_PARTS = 6


def _fingerprint(vocabulary: Vocabulary) -> str:
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
        "stopwords": sorted(_STOPWORDS),
        "not_places": sorted(_NOT_PLACES),
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()[:12]


def signature(text: str, vocabulary: Vocabulary | None = None) -> str:
    """What the vocabulary finds in `text` on its own, as a string to store with the text."""
    vocabulary = vocabulary or _default_vocabulary()
    matcher = vocabulary.matcher
    tokens = tokenize(text)
    evidence = _evidence(tokens, vocabulary)
    concept = main_concept(evidence.scores)
    features = sorted(
        [f"t:{term}" for term in evidence.terms]
        + [f"s:{stem}" for stem in _content_stems(tokens, matcher)]
    )
    places = {key for key, _ in named_places(text, matcher.vocabulary_words) if key}
    return "|".join(
        (
            matcher.fingerprint,
            str(evidence.polarity_votes),
            "" if concept is None else str(concept),
            ",".join(f"{index}:{score!r}" for index, score in evidence.scores.items()),
            ",".join(features),
            ",".join(sorted(places)),
        )
    )


def matter_key(stored: str) -> str | None:
    """The part of a signature that says what the text is about, without its words:
    "fingerprint|votes|concept|scores|places". Stored beside the signature
    (observation.grouping_matter), so the digest can count a period's observations per matter in
    SQL; many observations share one (SignatureReader.key_matter reads it).

    None when the vocabulary found nothing the text is about: no concept, not even weak
    evidence of one, and no named place (a text about something the vocabulary does not know,
    in a script it cannot read, a link). Such texts have nothing in common, so they share no
    key: the desk would show them as one matter ("Andere meldingen over hetzelfde", the inbox's
    groups), and the digest has nothing to count them by."""
    head, _, places = stored.rsplit("|", 2)
    if not places and _recognises_nothing(head):
        return None
    return f"{head}|{places}"


def _recognises_nothing(head: str) -> bool:
    """A signature's first part ("fingerprint|votes|concept|scores") names no concept and no
    concept's evidence (the votes say how a text sounds, not what it is about)."""
    fields = head.split("|")
    return len(fields) == _SIGNATURE_PARTS - 2 and not fields[2] and not fields[3]


def concept_key(stored: str) -> str | None:
    """The concept a signature's (or a matter key's) matter rests on, with the vocabulary it
    was found with: "fingerprint:concept index"; None when no concept had enough evidence.
    Stored beside the signature (observation.grouping_concept): two texts with the same key are
    about the same thing with confidence, whatever else they say ("ik ook" when filing)."""
    fields = stored.split("|", 3)
    if len(fields) < 4 or not fields[2]:
        return None
    return f"{fields[0]}:{fields[2]}"


def _parse_scores(text: str, concepts: int) -> dict[int, float]:
    scores: dict[int, float] = {}
    if text:
        for pair in text.split(","):
            index, score = pair.split(":")
            scores[int(index)] = float(score)
        if not 0 <= min(scores) <= max(scores) < concepts:
            raise ValueError("concept index out of range")
    return scores


# ---------------------------------------------------------------------------- grouping


@dataclass(slots=True)
class _Prepared:
    id: str
    text: str
    wijk: str
    ref: Any  # what the caller gets back for this observation: the Item, or its own object
    concept: int | None
    positive: bool
    scores: dict[int, float]  # concept index -> score (shared between items: read only)
    scores_key: str  # the scores as the signature writes them: equal keys, equal scores
    features: str  # matched terms and content-word stems, "t:…,s:…" (see signature())
    # Items naming the same places share one frozenset (most name none, or one of a few):
    # fewer objects to make, and fewer for the garbage collector to visit.
    places: frozenset[str]
    own_places: frozenset[str]  # the places its own text names (`places` may gain some)

    def stems(self) -> set[str]:
        return {f[2:] for f in self.features.split(",") if f.startswith("s:")}


def _content_stems(tokens: Iterable[str], matcher: _Matcher) -> set[str]:
    """The lemmas of the content words (typos corrected first), for the no-concept fallback.

    Function words, numbers and opinion words ("fijn", "kapot") say nothing about the matter.
    """
    return {
        _content_lemma(t)
        for t in tokens
        if len(t) >= 4
        and t not in _STOPWORDS
        and t.isalpha()
        and not any(role[0] in "+-" for _, role in matcher.token_roles(t))
    }


@lru_cache(maxsize=65536)
def _content_lemma(token: str) -> str:
    return language.lemma(language.correction(token) or token)


class Matter(NamedTuple):
    """What one text is about on its own, as its signature says: the main concept (an index
    into the vocabulary's concepts; None: no concept has enough evidence), the concept scores,
    and the named places (normalised, the wijk's own name left out)."""

    concept: int | None
    scores: dict[int, float]  # shared between texts: read only
    scores_key: str
    places: frozenset[str]


class _Head(NamedTuple):
    """The first part of a signature, "fingerprint|votes|concept|scores", read."""

    concept: int | None
    scores: dict[int, float]
    scores_key: str
    votes: int


class SignatureReader:
    """Reads stored signatures (Item.signature) for one grouping or one digest.

    A signature made with another vocabulary, or damaged, is not used: the text is matched
    again, which gives what a good signature would. Signatures repeat their first part (a text
    matches one or two concepts, with few possible scores) and their places, so each distinct
    one is read once, and equal ones give the same (shared) objects.
    """

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._fingerprint = vocabulary.matcher.fingerprint
        self._heads: dict[str, _Head | None] = {}  # None: not usable
        self._places: dict[str, dict[str, frozenset[str]]] = {}  # wijk -> places text -> set
        self._matters: dict[str, dict[tuple[str, str], Matter]] = {}  # wijk -> (head, places)

    @property
    def fingerprint(self) -> str:
        """The vocabulary's: a signature starting with it (and "|") was made with it."""
        return self._fingerprint

    def parts(self, stored: str | None, text: str) -> tuple[_Head, str, str]:
        """(head, features, places text) of the stored signature, or of the text's own."""
        if stored is not None:
            pieces = stored.rsplit("|", 2)
            if len(pieces) == 3:
                head = self._head(pieces[0])
                if head is not None:
                    return head, pieces[1], pieces[2]
        head_text, features, places = signature(text, self.vocabulary).rsplit("|", 2)
        head = self._head(head_text)
        assert head is not None  # made just now, with this vocabulary
        return head, features, places

    def _head(self, text: str) -> _Head | None:
        if text in self._heads:
            return self._heads[text]
        head = None
        fields = text.split("|")
        if len(fields) == _SIGNATURE_PARTS - 2 and fields[0] == self._fingerprint:
            _, votes, concept, scores_key = fields
            try:
                scores = _parse_scores(scores_key, len(self.vocabulary.concepts))
                chosen = int(concept) if concept else None
                if chosen is None or chosen in scores:
                    head = _Head(chosen, scores, scores_key, int(votes))
            except ValueError:
                pass  # damaged: the text is matched again
        self._heads[text] = head
        return head

    def places(self, places_text: str, wijk: str) -> frozenset[str]:
        """The named places, without the wijk's own name (it says nothing within the wijk)."""
        if not places_text:
            return _NO_PLACES
        known = self._places.get(wijk)
        if known is None:
            known = self._places[wijk] = {}
        found = known.get(places_text)
        if found is None:
            key = " ".join(tokenize(wijk))
            own_words = key.split()
            found = known[places_text] = frozenset(
                p for p in places_text.split(",") if p != key and p not in own_words
            )
        return found

    def stored_matter(self, stored: str | None, wijk: str) -> Matter | None:
        """What a stored signature says the text is about; None when it cannot be used."""
        if stored is None:
            return None
        pieces = stored.rsplit("|", 2)
        if len(pieces) != 3:
            return None
        return self._matter(pieces[0], pieces[2], wijk)

    def key_matter(self, key: str | None, wijk: str) -> Matter | None:
        """What a stored matter key (matter_key) says; None when it cannot be used."""
        if key is None:
            return None
        head, separator, places = key.rpartition("|")
        if not separator:
            return None
        return self._matter(head, places, wijk)

    def _matter(self, head_text: str, places_text: str, wijk: str) -> Matter | None:
        known = self._matters.get(wijk)
        if known is None:
            known = self._matters[wijk] = {}
        key = (head_text, places_text)
        matter = known.get(key)
        if matter is None:
            head = self._head(head_text)
            if head is None:
                return None
            places = self.places(places_text, wijk)
            matter = known[key] = Matter(head.concept, head.scores, head.scores_key, places)
        return matter

    def matter(self, stored: str | None, text: str, wijk: str) -> Matter:
        """What the text is about: from its stored signature, else matched now."""
        found = self.stored_matter(stored, wijk)
        if found is None:
            found = self.stored_matter(signature(text, self.vocabulary), wijk)
            assert found is not None  # made just now, with this vocabulary
        return found


_NO_PLACES: frozenset[str] = frozenset()
_NO_WIJK: dict[str, frozenset[str]] = {}


# One observation as group_observations and _prepare take it: id, text, wijk, swot, stored
# signature (None: match the text), and what the caller wants back for it.
Entry = tuple[str, str, str, str | None, str | None, Any]


def _prepare(
    entries: Iterable[Entry], vocabulary: Vocabulary, reader: SignatureReader | None = None
) -> list[_Prepared]:
    """Observations with what their signature says (the stored one, else one made now).
    `reader`: one already used with this vocabulary (what it has read is not read again)."""
    if reader is None or reader.vocabulary is not vocabulary:
        reader = SignatureReader(vocabulary)
    # The common case inline (a signature whose first part was read before): this runs for
    # every observation of a period.
    heads, places_of = reader._heads, reader._places
    polarity_of_swot: dict[str | None, bool | None] = {}
    prepared: list[_Prepared] = []
    append = prepared.append
    for oid, text, wijk, swot, stored, ref in entries:
        pieces = stored.rsplit("|", 2) if stored is not None else []
        head = heads.get(pieces[0]) if len(pieces) == 3 else None
        if head is None:
            head, features, places_text = reader.parts(stored, text)
        else:
            features, places_text = pieces[1], pieces[2]
        if swot in polarity_of_swot:
            known = polarity_of_swot[swot]
        else:
            known = polarity_of_swot[swot] = _swot_polarity(swot, vocabulary)
        if places_text:  # read before, for this wijk (most are): no call
            places = places_of.get(wijk, _NO_WIJK).get(places_text) or reader.places(
                places_text, wijk
            )
        else:
            places = _NO_PLACES
        append(
            _Prepared(
                oid,
                text,
                wijk,
                ref,
                head.concept,
                known if known is not None else head.votes > 0,
                head.scores,
                head.scores_key,
                features,
                places,
                places,
            )
        )
    return prepared


def _swot_polarity(swot: str | None, vocabulary: Vocabulary) -> bool | None:
    """Praise and ideas (True) versus complaints and worries (False); None: not a category we
    know, and the text's own words decide (most observations without one are complaints, so a
    tie counts as negative)."""
    key = (swot or "").strip().lower()
    if key in vocabulary.positive_swot:
        return True
    if key in vocabulary.negative_swot:
        return False
    return None


_TOKEN_CLASS = r"[^\W_]"  # what _TOKEN_RE takes as part of a word


def _spread_places(block: list[_Prepared]) -> None:
    """A name capitalised once in the block also counts where it is typed in lowercase."""
    # Items naming the same places share one set (see _Prepared): work per distinct set.
    named = {p.places for p in block if p.places}
    if not named:
        return
    by_first_word: dict[str, set[str]] = defaultdict(set)
    for places in named:
        for place in places:
            by_first_word[place.split(" ", 1)[0]].add(place)
    # The sets naming every place that starts with a word: their texts cannot gain from it.
    complete: dict[str, set[frozenset[str]]] = defaultdict(set)
    for places in named:
        for word in {place.split(" ", 1)[0] for place in places}:
            if by_first_word[word] <= places:
                complete[word].add(places)
    # Only a text holding a place's first word as a whole word, and not naming every place
    # that starts with it already, can gain a place. A regular expression per word over all
    # texts at once (normalised as tokenize does) finds them without tokenising the rest; those
    # are then checked word by word. One scan per word, whatever the number of sets; the texts
    # that name the place already are passed over per match.
    texts = [p.text for p in block]
    joined = "\0".join(texts)
    if joined.count("\0") == len(texts) - 1:  # no text holds the separator itself
        normalised = normalise(joined)
        parts = normalised.split("\0")
    else:
        parts = [normalise(t) for t in texts]
        normalised = "\0".join(parts)
    # Where each text starts in `normalised`: the lengths before it, plus one "\0" each.
    starts = list(map(add, accumulate(map(len, parts), initial=0), range(len(parts))))
    candidates: dict[int, set[str]] = defaultdict(set)
    for word in sorted(by_first_word):
        # The word first, then "not preceded by a word character": a literal at the start lets
        # the regular expression engine skip ahead quickly.
        literal = re.escape(word)
        pattern = re.compile(rf"{literal}(?<!{_TOKEN_CLASS}{literal})(?!{_TOKEN_CLASS})")
        named_already = complete[word]
        for match in pattern.finditer(normalised):
            index = bisect_right(starts, match.start()) - 1
            if block[index].places not in named_already:
                candidates[index].add(word)
    for index in sorted(candidates):
        p = block[index]
        missing = [
            place
            for word in sorted(candidates[index])
            for place in sorted(by_first_word[word])
            if place not in p.places
        ]
        tokens = tokenize(p.text)
        found = {place for place in missing if _names_place(tokens, place.split(" "))}
        if found:
            p.places = p.places | found  # a set of its own: others may share the old one


def _names_place(tokens: list[str], place_words: list[str]) -> bool:
    first, size = place_words[0], len(place_words)
    return any(
        token == first and tokens[position : position + size] == place_words
        for position, token in enumerate(tokens)
    )


class _UnionFind:
    def __init__(self, parent: list[int]) -> None:
        self.parent = parent

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:  # the smaller index leads: keeps the result independent of edge order
            self.parent[max(ra, rb)] = min(ra, rb)


def _group_block(block: list[_Prepared]) -> list[list[_Prepared]]:
    """Groups of one wijk and one polarity. `block` is sorted by id."""
    _spread_places(block)
    _settle_concepts(block)
    # Observations with a concept join the first one with the same concept.
    first_of_concept: dict[int, int] = {}
    parent = [
        index if p.concept is None else first_of_concept.setdefault(p.concept, index)
        for index, p in enumerate(block)
    ]
    loose = [index for index, p in enumerate(block) if p.concept is None]
    if loose:
        uf = _UnionFind(parent)
        _link_loose(block, loose, uf)
        roots = [uf.find(index) for index in range(len(block))]
    else:
        roots = parent  # every observation points straight at its group's first
    components: dict[int, list[_Prepared]] = defaultdict(list)
    for root, p in zip(roots, block, strict=True):
        components[root].append(p)
    return list(components.values())


def _link_loose(block: list[_Prepared], loose: list[int], uf: _UnionFind) -> None:
    """Observations about no known concept: link through a shared place, or through two shared
    uncommon words with one other observation (postings of very common words are skipped)."""
    # One anchor per place (the first observation with a concept, else the first): linking to
    # it keeps this linear even when thousands of observations name the same place.
    place_anchor: dict[str, int] = {}
    if any(block[index].places for index in loose):
        for index, p in enumerate(block):
            for place in p.places:
                anchor = place_anchor.get(place)
                if anchor is None or (block[anchor].concept is None and p.concept is not None):
                    place_anchor[place] = index
    unplaced: dict[int, set[str]] = {}
    for index in loose:
        linked = _place_link(index, block[index], block, place_anchor)
        if linked is None:  # words as common as "lang" or "mensen" link nothing
            unplaced[index] = {w for w in block[index].stems() if _telling(w)}
        else:
            uf.union(index, linked)
    if not unplaced:
        return
    # Postings only for the words the unplaced observations have (all observations count).
    wanted = frozenset(f"s:{stem}" for stems in unplaced.values() for stem in stems)
    by_stem: dict[str, list[int]] = {key[2:]: [] for key in wanted}
    for index, p in enumerate(block):
        features = p.features.split(",")
        if not wanted.isdisjoint(features):
            for key in wanted.intersection(features):
                by_stem[key[2:]].append(index)
    for index, linked in _similar_links(block, list(unplaced)).items():
        uf.union(index, linked)
        del unplaced[index]
    for index, stems in unplaced.items():
        linked = _word_link(index, stems, block, by_stem)
        if linked is not None:
            uf.union(index, linked)


def _similar_links(block: list[_Prepared], indices: list[int]) -> dict[int, int]:
    """For each of these observations, the most similar other observation of the block without
    a concept, when they are similar enough (SIMILAR_MIN): the cosine of their character
    n-grams (NGRAM letters, over the lemmas of their content words), each word weighted by how
    rare it is (bot.grouping.language.rarity), so "bladblazers" and "bladblazer" or
    "taalcafe" and "taalcafeetje" meet while two texts sharing "buurt" do not. N-grams more
    than RARE_WORD_MAX_ITEMS observations have are skipped: they link everything."""
    loose = [index for index, p in enumerate(block) if p.concept is None]
    # Named places link by themselves (_place_link): their words are left out here, or every
    # word starting like one ("lindenboom", "Lindenhof") would look alike.
    place_words = {word for p in block for place in p.places for word in place.split()}
    words = {index: sorted(block[index].stems() - place_words) for index in loose}
    vectors = {index: _ngram_vector(words[index]) for index in loose}
    postings: dict[str, list[int]] = defaultdict(list)
    for index in loose:
        for gram in vectors[index]:
            postings[gram].append(index)
    links: dict[int, int] = {}
    for index in indices:
        vector = vectors[index]
        places = block[index].places
        dots: dict[int, float] = defaultdict(float)
        for gram, weight in vector.items():
            posted = postings[gram]
            if len(posted) > RARE_WORD_MAX_ITEMS:
                continue
            for other in posted:
                if other != index:
                    dots[other] += weight * vectors[other][gram]
        # The most similar first (ties: the first); it must share two of the words, not one.
        for other in sorted(dots, key=lambda o: (-round(dots[o], 9), o)):
            if dots[other] < SIMILAR_MIN:
                break
            other_places = block[other].places
            if places and other_places and places.isdisjoint(other_places):
                continue
            other_grams = vectors[other]
            meeting = sum(
                any(gram in other_grams for gram, _ in _word_grams(word)) for word in words[index]
            )
            if meeting >= 2:
                links[index] = other
                break
    return links


def _ngram_vector(lemmas: Iterable[str]) -> dict[str, float]:
    """Unit vector of weighted character n-grams (see _similar_links)."""
    vector: dict[str, float] = defaultdict(float)
    for lemma in sorted(lemmas):
        for gram, weight in _word_grams(lemma):
            vector[gram] += weight
    norm = sqrt(sum(w * w for w in vector.values()))
    return {gram: w / norm for gram, w in vector.items()} if norm else {}


def _telling(word: str) -> bool:
    """Rare enough to say something about a matter (bot.grouping.language.rarity)."""
    return language.rarity(word) >= MIN_RARITY


@lru_cache(maxsize=65536)
def _word_grams(lemma: str) -> tuple[tuple[str, float], ...]:
    weight = language.rarity(lemma)
    if weight < MIN_RARITY:
        return ()
    padded = f"<{lemma}>"
    grams = sorted({padded[i : i + NGRAM] for i in range(max(1, len(padded) - NGRAM + 1))})
    share = weight / sqrt(len(grams))
    return tuple((gram, share) for gram in grams)


def _settle_concepts(block: list[_Prepared]) -> None:
    """Use what the rest of the wijk talks about for the undecided cases (see settled_concepts)."""
    for p, concept in zip(block, settled_concepts(block), strict=True):
        p.concept = concept


def settled_concepts(
    block: Sequence[_Prepared | Matter], weights: Sequence[int] | None = None
) -> list[int | None]:
    """The concept each text of one block (one wijk, one polarity) is grouped under.

    A tie between concepts goes to the one more observations of this block are about; an
    observation with only weak evidence joins a concept the block already has a group for (weak
    evidence may join a topic, not start one). Uses first-pass choices only, so order-free.
    `weights`: how many observations each entry stands for (default: one each).
    """
    popularity: Counter[int] = Counter()
    if weights is None:
        popularity.update(p.concept for p in block if p.concept is not None)
    else:
        for p, weight in zip(block, weights, strict=True):
            if p.concept is not None:
                popularity[p.concept] += weight
    # The outcome depends only on the scores and the first choice: decided once per pair.
    settled: dict[tuple[str, int | None], int | None] = {}
    concepts: list[int | None] = []
    for p in block:
        scores, own = p.scores, p.concept
        if not scores or (own is not None and len(scores) == 1):
            concepts.append(own)  # nothing to settle: no concept, or the only one is chosen
            continue
        key = (p.scores_key, own)
        if key not in settled:
            settled[key] = _settle(scores, own, popularity)
        concepts.append(settled[key])
    return concepts


def _settle(scores: dict[int, float], own: int | None, popularity: Counter[int]) -> int | None:
    # popularity[c] - (c == own): how many *other* observations are about c.
    if own is not None:
        best = max(scores.values())
        tied = [c for c, s in scores.items() if s >= best - TIE_MARGIN]
        return min(tied, key=lambda c: (-(popularity[c] - (c == own)), c))
    known = [c for c, s in scores.items() if popularity[c] > 0 and s >= WEAK - 1e-9]
    if known:
        return min(known, key=lambda c: (-scores[c], -popularity[c], c))
    return None


def _place_link(
    index: int, p: _Prepared, block: list[_Prepared], place_anchor: dict[str, int]
) -> int | None:
    """Another observation naming the same place; one with a concept is preferred."""
    if not p.places:
        return None
    anchors = {place_anchor[place] for place in p.places} - {index}
    if not anchors:
        return None
    return min(anchors, key=lambda other: (block[other].concept is None, other))


def _word_link(
    index: int, stems: set[str], block: list[_Prepared], by_stem: dict[str, list[int]]
) -> int | None:
    """Another observation sharing two uncommon words (rare in the language, and in at most
    RARE_WORD_MAX_ITEMS observations of the block), unless it names a different place."""
    places = block[index].places
    shared: Counter[int] = Counter()
    for stem in stems:
        postings = by_stem[stem]
        if len(postings) > RARE_WORD_MAX_ITEMS:
            continue
        shared.update(
            other
            for other in postings
            if other != index
            and not (places and block[other].places and places.isdisjoint(block[other].places))
        )
    best = [other for other, count in shared.items() if count >= 2]
    return min(best, key=lambda other: (-shared[other], other)) if best else None


def _representative(members: list[_Prepared]) -> _Prepared:
    """The member closest (cosine) to the group's centroid: the most typical text.

    A member's vector holds its concept scores and a 1 for each matched term, content word and
    place; the centroid is the sum of the members' vectors. The 1s are counted with Counters
    (their part of a dot product is a whole number, summed over all members at once), the
    scores once per distinct set of scores.
    """
    if len(members) == 1:
        return members[0]
    centroid: dict[int, float] = defaultdict(float)
    for p in members:
        for index, score in p.scores.items():
            centroid[index] += score
    by_scores: dict[str, tuple[float, float]] = {}  # scores key -> (dot with centroid, |.|²)
    for p in members:
        if p.scores_key not in by_scores:
            by_scores[p.scores_key] = (
                sum(score * centroid[index] for index, score in p.scores.items()),
                sum(score * score for score in p.scores.values()),
            )
    # Terms and content words: one flat list; a member's share is a slice of running sums.
    features = [p.features for p in members]
    flat = ",".join(filter(None, features)).split(",")
    counts = Counter(flat)
    running = [0, *accumulate(map(counts.__getitem__, flat))]
    sizes = [f.count(",") + 1 if f else 0 for f in features]
    ends = list(accumulate(sizes))
    # Places: members naming the same places share one set (see _Prepared), counted once.
    place_sets = Counter(p.places for p in members)
    place_counts: Counter[str] = Counter()
    for places, count in place_sets.items():
        for place in places:
            place_counts[place] += count
    by_places = {  # places -> (dot with the centroid's places, how many)
        places: (sum(map(place_counts.__getitem__, places)), len(places)) for places in place_sets
    }
    # Per member: (dot, |.|²) of its scores, of its 1s, and of its places; the same sums in the
    # same order as one member at a time would make them, so ties break the same way.
    closeness = [
        -(dot + (running[end] - running[end - size]) + place_dot)
        / (sqrt(squares + (size + place_ones)) or 1.0)
        for (dot, squares), size, end, (place_dot, place_ones) in zip(
            [by_scores[p.scores_key] for p in members],
            sizes,
            ends,
            [by_places[p.places] for p in members],
            strict=True,
        )
    ]
    # Ties: the smallest id, then the first (an id may repeat outside the digest).
    ids = [p.id for p in members]
    return members[min(zip(closeness, ids, range(len(members)), strict=True))[2]]


class _Label(NamedTuple):
    text: str
    words: tuple[str, ...]  # a new matter's telling words (see Group.words), else ()


TELLING_WORDS = 3  # at most this many words label a new matter


def _label(members: list[_Prepared], vocabulary: Vocabulary) -> _Label:
    concepts = Counter(p.concept for p in members if p.concept is not None)
    if concepts:
        best = min(concepts, key=lambda c: (-concepts[c], c))
        return _Label(vocabulary.concepts[best].label_nl, ())
    places = Counter(place for p in members for place in p.places)
    if places and places.most_common(1)[0][1] >= 2:
        return _Label(min(places, key=lambda k: (-places[k], k)).title(), ())
    if len(members) >= 2:
        words = telling_words([p.stems() for p in members])
        if words:
            return _Label(", ".join(words), words)
    return _Label(_snippet(min(members, key=attrgetter("id")).text), ())


def telling_words(lemmas: Sequence[set[str]], limit: int = TELLING_WORDS) -> tuple[str, ...]:
    """The words that tell most about what these observations share: rare in the language
    (bot.grouping.language.rarity) and written by most of them. Words only one of them has
    count when none is shared (observations can meet through similar words, not equal ones)."""
    count: Counter[str] = Counter(word for words in lemmas for word in words if _telling(word))
    shared = [word for word in count if count[word] >= 2] or list(count)
    ranked = sorted(shared, key=lambda w: (-count[w] * language.rarity(w), w))
    return tuple(ranked[:limit])


def _snippet(text: str, limit: int = 40) -> str:
    words = " ".join(text.split())
    if len(words) <= limit:
        return words or "(leeg)"
    return words[:limit].rsplit(" ", 1)[0] + "…"


def _in_order(items: Sequence[Item]) -> list[Item]:
    """The items by wijk, id and text: the order the grouping works in."""
    ids = [item.id for item in items]
    if len(set(ids)) == len(ids) and len({item.wijk for item in items}) <= 1:
        # One wijk, no id twice (a digest's case): the id alone gives the same order, and
        # comparing strings rather than tuples of three halves the sort.
        return sorted(items, key=attrgetter("id"))
    return sorted(items, key=attrgetter("wijk", "id", "text"))


def group_items(items: Sequence[Item], vocabulary: Vocabulary | None = None) -> list[Group]:
    """Group observations per wijk; every item lands in exactly one group.

    Deterministic: the result depends on the items, not on their order. Groups come largest
    first, then by wijk and number.
    """
    vocabulary = vocabulary or _default_vocabulary()
    entries = ((i.id, i.text, i.wijk, i.swot, i.signature, i) for i in _in_order(items))
    return [
        Group(key, label, tuple(p.id for p in members), representative.id, words)
        for key, (label, words), members, representative in _grouped(
            _prepare(entries, vocabulary), vocabulary
        )
    ]


class Found(NamedTuple):
    """A group as group_observations finds it, with the callers' own objects."""

    key: str  # as Group.key
    label: str
    members: list[Any]  # in the order of their ids
    representative: Any
    # Per member, in the same order: the concept it is grouped under (None: no known concept),
    # and the places its own text names (the wijk's own name left out).
    concepts: list[int | None]
    places: list[frozenset[str]]
    words: tuple[str, ...] = ()  # as Group.words


def group_observations(
    entries: Iterable[Entry],
    vocabulary: Vocabulary | None = None,
    reader: SignatureReader | None = None,
) -> list[Found]:
    """group_items for one wijk's observations given as entries (see Entry): the same groups,
    without making an Item per observation (the digest groups thousands). Each group hands back
    the last element of its members' entries. Ids must be unique, and the wijk the same for
    all. `reader`: a SignatureReader of the same vocabulary to share (the digest groups each
    category of a period with one: they share most signatures' first parts)."""
    vocabulary = vocabulary or _default_vocabulary()
    ordered = sorted(entries, key=itemgetter(0))
    return [
        Found(
            key,
            label,
            [p.ref for p in members],
            representative.ref,
            [p.concept for p in members],
            [p.own_places for p in members],
            words,
        )
        for key, (label, words), members, representative in _grouped(
            _prepare(ordered, vocabulary, reader), vocabulary
        )
    ]


def _grouped(
    prepared: list[_Prepared], vocabulary: Vocabulary
) -> list[tuple[str, _Label, list[_Prepared], _Prepared]]:
    """(key, label, members, representative) per group, largest first, then by wijk and
    number. `prepared`: in the order _in_order gives."""
    blocks: dict[tuple[str, bool], list[_Prepared]] = defaultdict(list)
    split = vocabulary.split_polarity
    for p in prepared:
        blocks[(p.wijk, split and p.positive)].append(p)

    per_wijk: dict[str, list[list[_Prepared]]] = defaultdict(list)
    for (wijk, _), block in sorted(blocks.items()):
        per_wijk[wijk].extend(_group_block(block))

    groups: list[tuple[int, str, int, tuple[str, _Label, list[_Prepared], _Prepared]]] = []
    for wijk, member_lists in per_wijk.items():
        labelled = [(members, _label(members, vocabulary)) for members in member_lists]
        labelled.sort(key=lambda ml: (-len(ml[0]), ml[1].text, ml[0][0].id))
        for number, (members, label) in enumerate(labelled, start=1):
            found = (f"{wijk}:{number}", label, members, _representative(members))
            groups.append((-len(members), wijk, number, found))
    groups.sort(key=lambda g: g[:3])
    return [g[3] for g in groups]


# ---------------------------------------------------------------------------- command line

_REQUIRED_FIELDS = ("id", "text", "lang", "wijk")


class InputError(ValueError):
    """A line of the input file that is not a valid observation."""


def item_from_json(line: str, number: int) -> Item:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {number}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise InputError(f"line {number}: expected a JSON object")
    for name in _REQUIRED_FIELDS:
        value = data.get(name)
        if not isinstance(value, str) and not (name == "id" and isinstance(value, int)):
            raise InputError(f"line {number}: field {name!r} missing or not a string")
    optional: dict[str, str | None] = {}
    for name in ("swot", "theme"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise InputError(f"line {number}: field {name!r} must be a string or null")
        optional[name] = value
    return Item(
        id=str(data["id"]),
        text=data["text"],
        lang=data["lang"],
        wijk=data["wijk"],
        swot=optional["swot"],
        theme=optional["theme"],
    )


def read_items(path: Path) -> list[Item]:
    items = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                items.append(item_from_json(line, number))
    return items


def main_group(path: Path, out: TextIO) -> int:
    """`wijkbot group FILE.jsonl`: one `{"id": ..., "group": ...}` line per observation."""
    try:
        items = read_items(path)
    except InputError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: cannot read: {exc}", file=sys.stderr)
        return 2
    group_of = {member: group.key for group in group_items(items) for member in group.member_ids}
    for item in items:
        out.write(json.dumps({"id": item.id, "group": group_of[item.id]}, ensure_ascii=False))
        out.write("\n")
    return 0
