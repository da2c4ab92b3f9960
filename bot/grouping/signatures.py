"""What matching finds in one text, kept with the observation as a short string (its signature),
and read back for grouping, "ik ook" and the digest's counts per matter."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from bot.grouping import language
from bot.grouping.matching import Matcher, evidence_in, main_concept
from bot.grouping.places import named_places
from bot.grouping.vocabulary import Vocabulary, default_vocabulary
from bot.grouping.words import STOPWORDS, tokenize

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


_SIGNATURE_PARTS = 6


def signature(text: str, vocabulary: Vocabulary | None = None) -> str:
    """What the vocabulary finds in `text` on its own, as a string to store with the text."""
    vocabulary = vocabulary or default_vocabulary()
    matcher = vocabulary.matcher
    tokens = tokenize(text)
    evidence = evidence_in(tokens, vocabulary)
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


def _content_stems(tokens: Iterable[str], matcher: Matcher) -> set[str]:
    """The lemmas of the content words (typos corrected first), for the no-concept fallback.

    Function words, numbers and opinion words ("fijn", "kapot") say nothing about the matter.
    """
    return {
        _content_lemma(t)
        for t in tokens
        if len(t) >= 4
        and t not in STOPWORDS
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


class Head(NamedTuple):
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
        self._heads: dict[str, Head | None] = {}  # None: not usable
        self._places: dict[str, dict[str, frozenset[str]]] = {}  # wijk -> places text -> set
        self._matters: dict[str, dict[tuple[str, str], Matter]] = {}  # wijk -> (head, places)

    @property
    def fingerprint(self) -> str:
        """The vocabulary's: a signature starting with it (and "|") was made with it."""
        return self._fingerprint

    def parts(self, stored: str | None, text: str) -> tuple[Head, str, str]:
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

    def _head(self, text: str) -> Head | None:
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
                    head = Head(chosen, scores, scores_key, int(votes))
            except ValueError:
                pass  # damaged: the text is matched again
        self._heads[text] = head
        return head

    def places(self, places_text: str, wijk: str) -> frozenset[str]:
        """The named places, without the wijk's own name (it says nothing within the wijk)."""
        if not places_text:
            return NO_PLACES
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


NO_PLACES: frozenset[str] = frozenset()
