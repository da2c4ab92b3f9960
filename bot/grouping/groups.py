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

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from math import sqrt
from operator import add, attrgetter, itemgetter
from typing import Any, NamedTuple

from bot.core.i18n import LANGUAGES, t
from bot.grouping import language
from bot.grouping.matching import WEAK
from bot.grouping.signatures import NO_PLACES, Matter, SignatureReader
from bot.grouping.vocabulary import Vocabulary, default_vocabulary
from bot.grouping.words import TOKEN_CLASS, normalise, tokenize

RARE_WORD_MAX_ITEMS = 50  # words in more observations than this say little about a group


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


# A group's label in other languages than Dutch, as (language, label) pairs: a concept's
# (the vocabulary's label_en), or the catalogues' word for an empty text (`grouping.empty`). A
# place's name, a new matter's words and a snippet of a text are the residents' own, the same
# in every language: they have none.
Labels = tuple[tuple[str, str], ...]


def label_in(label: str, labels: Labels, lang: str) -> str:
    """A group's label (`label`, Dutch, with its `labels`) as a reader of `lang` sees it."""
    return dict(labels).get(lang, label)


@dataclass(frozen=True)
class Group:
    """A set of observations of one wijk that a coach would count together."""

    key: str  # "<wijk>:<n>", n = 1 for the wijk's largest group
    label: str  # in Dutch; in another language through `label_in` with `labels`
    member_ids: tuple[str, ...]
    representative_id: str
    # A new matter: two or more observations about no concept of the vocabulary and no shared
    # place, labelled by their most telling words (the label is these words, joined by ", ").
    # Empty for every other group. The digest shows it as "nieuw onderwerp: …".
    words: tuple[str, ...] = ()
    labels: Labels = ()


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
            places = NO_PLACES
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
        pattern = re.compile(rf"{literal}(?<!{TOKEN_CLASS}{literal})(?!{TOKEN_CLASS})")
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
    labels: Labels = ()  # see Group.labels


TELLING_WORDS = 3  # at most this many words label a new matter


def _label(members: list[_Prepared], vocabulary: Vocabulary) -> _Label:
    concepts = Counter(p.concept for p in members if p.concept is not None)
    if concepts:
        best = min(concepts, key=lambda c: (-concepts[c], c))
        concept = vocabulary.concepts[best]
        return _Label(concept.label_nl, (), (("en", concept.label_en),))
    places = Counter(place for p in members for place in p.places)
    if places and places.most_common(1)[0][1] >= 2:
        return _Label(min(places, key=lambda k: (-places[k], k)).title(), ())
    if len(members) >= 2:
        words = telling_words([p.stems() for p in members])
        if words:
            return _Label(", ".join(words), words)
    snippet = _snippet(min(members, key=attrgetter("id")).text)
    if not snippet:  # no words to show: the catalogues' word for it, in each language
        others = tuple((lang, t(lang, EMPTY_KEY)) for lang in LANGUAGES if lang != "nl")
        return _Label(t("nl", EMPTY_KEY), (), others)
    return _Label(snippet, ())


def telling_words(lemmas: Sequence[set[str]], limit: int = TELLING_WORDS) -> tuple[str, ...]:
    """The words that tell most about what these observations share: rare in the language
    (bot.grouping.language.rarity) and written by most of them. Words only one of them has
    count when none is shared (observations can meet through similar words, not equal ones)."""
    count: Counter[str] = Counter(word for words in lemmas for word in words if _telling(word))
    shared = [word for word in count if count[word] >= 2] or list(count)
    ranked = sorted(shared, key=lambda w: (-count[w] * language.rarity(w), w))
    return tuple(ranked[:limit])


def _snippet(text: str, limit: int = 40) -> str:
    """The first words of a text, at most `limit` characters; "" for a text of none."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0] + "…"


EMPTY_KEY = "grouping.empty"  # the label of a group whose first text is empty


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
    vocabulary = vocabulary or default_vocabulary()
    entries = ((i.id, i.text, i.wijk, i.swot, i.signature, i) for i in _in_order(items))
    return [
        Group(key, label, tuple(p.id for p in members), representative.id, words, labels)
        for key, (label, words, labels), members, representative in _grouped(
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
    labels: Labels = ()  # as Group.labels


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
    vocabulary = vocabulary or default_vocabulary()
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
            labels,
        )
        for key, (label, words, labels), members, representative in _grouped(
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
