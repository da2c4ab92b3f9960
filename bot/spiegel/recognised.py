"""The wijkspiegel recognised in a melding: the statement of the wijk's current spiegel that an
observation is about, so the person can be asked whether they recognise it.

No Telegram here. A statement matches an observation when the grouping vocabulary
(bot/grouping/matching.py) finds the same main concept in both texts and they point the same way:
praise and ideas (strength, opportunity) or complaints and worries (weakness, threat), as the
vocabulary's `positive_swot` / `negative_swot` say. Recommendations never match: they are advice,
not something a resident observes. Several statements may match; the one sharing the most matched
terms and content words with the observation wins, then the first in the spiegel's order.
A statement the person already reacted to is skipped: they said what they think of it.

What the statements are about is worked out once per edition and text (`RecognisedCache`):
filing an observation then costs a dictionary lookup, plus one query for the person's reactions
only when a statement matched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, exists, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.core.database import Database
from bot.core.table_changes import WatchedCache
from bot.grouping.signatures import SignatureReader
from bot.grouping.vocabulary import Vocabulary
from models import Edition, ItemKind, Reaction, SpiegelItem

# The categories whose statements can be recognised in an observation (file order of the spiegel).
_KINDS = (ItemKind.STRENGTH, ItemKind.WEAKNESS, ItemKind.OPPORTUNITY, ItemKind.THREAT)


@dataclass(frozen=True)
class Statement:
    """One statement of a wijk's current spiegel, as far as matching needs it."""

    item_id: int
    edition_id: int
    wijk_id: int
    kind: ItemKind
    text: str
    concept: int  # index into the vocabulary's concepts
    positive: bool
    features: frozenset[str]  # matched terms and content-word stems ("t:…", "s:…")


@dataclass(frozen=True)
class WijkStatements:
    """A wijk's current statements by what they are about: (concept, positive) -> statements
    in the spiegel's order."""

    edition_id: int | None
    by_matter: dict[tuple[int, bool], tuple[Statement, ...]] = field(default_factory=dict)


_NONE = WijkStatements(None)

_NEWER = aliased(Edition)
# The wijk's current (newest) edition's statements that take reactions, in the spiegel's order.
_CURRENT_ITEMS = (
    select(
        col(SpiegelItem.id),
        col(SpiegelItem.edition_id),
        col(SpiegelItem.kind),
        col(SpiegelItem.text),
    )
    .join(Edition, col(Edition.id) == col(SpiegelItem.edition_id))
    .where(
        col(Edition.wijk_id) == bindparam("wijk_id"),
        ~exists().where(
            col(_NEWER.wijk_id) == col(Edition.wijk_id), col(_NEWER.year) > col(Edition.year)
        ),
        col(SpiegelItem.retired).is_(False),
        col(SpiegelItem.kind).in_([k.value for k in _KINDS]),
    )
    .order_by(col(SpiegelItem.position), col(SpiegelItem.id))
)
_REACTED = select(col(Reaction.item_id)).where(
    col(Reaction.person_id) == bindparam("person_id"),
    col(Reaction.item_id).in_(bindparam("ids", expanding=True)),
)


@contextmanager
def _connection(source: Database | Session) -> Iterator[Connection]:
    if isinstance(source, Session):
        yield source.connection()
        return
    with source.engine.connect() as connection:
        yield connection


def _polarity(kind: str, vocabulary: Vocabulary) -> bool | None:
    if kind in vocabulary.positive_swot:
        return True
    if kind in vocabulary.negative_swot:
        return False
    return None


def _matter(text: str, reader: SignatureReader) -> tuple[int | None, frozenset[str]]:
    """The main concept of a text and its matched terms and content words."""
    head, features, _ = reader.parts(None, text)
    return head.concept, frozenset(f for f in features.split(",") if f)


class RecognisedCache:
    """Each wijk's current statements by what they are about, kept between filings.

    They change only when an edition is imported: an import in this process is seen at once
    (bot/core/table_changes.py), one from the command line after at most `ttl` seconds. What a
    statement's text is about is kept apart, per vocabulary and text, so reading the statements
    again after the ttl does not match their texts again."""

    TABLES = ("spiegelitem", "edition")
    MAX_TEXTS = 20_000

    def __init__(self, *, ttl: float = 30.0) -> None:
        self._wijken: WatchedCache[tuple[int, str], WijkStatements] = WatchedCache(
            self.TABLES, ttl=ttl
        )
        self._readers: dict[str, SignatureReader] = {}
        self._texts: dict[tuple[str, str], tuple[int | None, frozenset[str]]] = {}

    def reader(self, vocabulary: Vocabulary) -> SignatureReader:
        fingerprint = vocabulary.matcher.fingerprint
        reader = self._readers.get(fingerprint)
        if reader is None or reader.vocabulary is not vocabulary:
            reader = self._readers[fingerprint] = SignatureReader(vocabulary)
        return reader

    def statements(
        self, source: Database | Session, wijk_id: int, vocabulary: Vocabulary
    ) -> WijkStatements:
        reader = self.reader(vocabulary)
        return self._wijken.get(
            (wijk_id, reader.fingerprint), lambda: self._load(source, wijk_id, reader)
        )

    def _load(
        self, source: Database | Session, wijk_id: int, reader: SignatureReader
    ) -> WijkStatements:
        with _connection(source) as connection:
            rows = connection.execute(_CURRENT_ITEMS, {"wijk_id": wijk_id}).all()
        if not rows:
            return _NONE
        grouped: dict[tuple[int, bool], list[Statement]] = {}
        # The spiegel's order: category by category, each in file order.
        order = {kind.value: i for i, kind in enumerate(_KINDS)}
        for item_id, edition_id, kind, text in sorted(rows, key=lambda r: order[r[2]]):
            positive = _polarity(kind, reader.vocabulary)
            if positive is None:
                continue
            concept, features = self._matter_of(text, reader)
            if concept is None or item_id is None:
                continue
            statement = Statement(
                item_id,
                edition_id,
                wijk_id,
                ItemKind(kind),
                text,
                concept,
                positive,
                features,
            )
            grouped.setdefault((concept, positive), []).append(statement)
        return WijkStatements(
            int(rows[0][1]), {key: tuple(found) for key, found in grouped.items()}
        )

    def _matter_of(self, text: str, reader: SignatureReader) -> tuple[int | None, frozenset[str]]:
        key = (reader.fingerprint, text)
        found = self._texts.get(key)
        if found is None:
            if len(self._texts) >= self.MAX_TEXTS:
                self._texts.clear()
            found = self._texts[key] = _matter(text, reader)
        return found


def matching_statement(
    source: Database | Session,
    wijk_id: int,
    text: str,
    swot: str,
    vocabulary: Vocabulary,
    *,
    stored_signature: str | None = None,
    person_id: int | None = None,
    cache: RecognisedCache | None = None,
) -> Statement | None:
    """The statement of the wijk's current spiegel that an observation (its `text`, or the
    signature stored with it) is about, in the same direction as its `swot`; None when there is
    none. With `person_id`, statements that person already reacted to are skipped."""
    if cache is None:
        cache = RecognisedCache()
    positive = _polarity(swot, vocabulary)
    if positive is None:
        return None
    current = cache.statements(source, wijk_id, vocabulary)
    if not current.by_matter:
        return None
    reader = cache.reader(vocabulary)
    head, features_text, _ = reader.parts(stored_signature, text)
    if head.concept is None:
        return None
    candidates = current.by_matter.get((head.concept, positive))
    if not candidates:
        return None
    features = frozenset(features_text.split(","))
    # Most shared words first; sorted() keeps the spiegel's order among equals.
    ranked = sorted(candidates, key=lambda s: -len(s.features & features))
    if person_id is not None:
        with _connection(source) as connection:
            reacted = set(
                connection.execute(
                    _REACTED, {"person_id": person_id, "ids": [s.item_id for s in ranked]}
                ).scalars()
            )
        ranked = [s for s in ranked if s.item_id not in reacted]
    return ranked[0] if ranked else None
