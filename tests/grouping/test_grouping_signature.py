"""Grouping signatures: found once when an observation is stored, read back by the digest.

A stored signature must give exactly the groups the text itself gives; one made with another
vocabulary, or a damaged one, is ignored (the text is matched again).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.context import Services
from bot.core.clock import Clock, FrozenClock
from bot.desk import inbox, observation_page
from bot.grouping.groups import Item, group_items
from bot.grouping.signatures import concept_key, matter_key, signature
from bot.grouping.vocabulary import load_vocabulary
from bot.observations import filing
from bot.people.permissions import load_actor
from models import Observation, Person, Role, Swot
from tests.digest.test_digest import DUE, IN_W46, IN_W47, build, observe, person
from tests.grouping.test_grouping import MIXED, holdout_items


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(DUE + timedelta(minutes=1))


def signed(items: list[Item]) -> list[Item]:
    return [replace(i, signature=signature(i.text)) for i in items]


def test_signed_items_group_exactly_as_their_texts() -> None:
    items = MIXED + holdout_items()
    assert group_items(signed(items)) == group_items(items)
    # Mixed: some stored, some not (older rows).
    half = [replace(i, signature=signature(i.text)) if n % 2 else i for n, i in enumerate(items)]
    assert group_items(half) == group_items(items)


def test_signature_of_another_vocabulary_or_damaged_is_ignored(tmp_path: Path) -> None:
    extra = tmp_path / "ours.toml"
    extra.write_text(
        '[concepts.kermis]\nlabel_nl = "kermis"\nterms = ["kermis", "=draaimolen"]\n',
        encoding="utf-8",
    )
    ours = load_vocabulary(extra)
    items = [
        Item("k1", "De kermis blokkeert weer het hele plein", "nl", "Elsrijk", "weakness"),
        Item("k2", "Die draaimolen staat veel te dicht bij de huizen", "nl", "Elsrijk", "weakness"),
    ]
    # Signed with the shipped vocabulary, which knows no kermis: grouping with ours re-matches.
    stale = signed(items)
    assert signature(items[0].text) != signature(items[0].text, ours)
    assert [g.label for g in group_items(stale, ours)] == ["kermis"]
    fingerprint = signature("x").split("|", 1)[0]
    for bad in ("", "garbage", f"{fingerprint}|x|y|z|w|v", f"{fingerprint}|0|999|999:1.0||"):
        damaged = [replace(i, signature=bad) for i in MIXED]
        assert group_items(damaged) == group_items(MIXED)


def test_signature_is_deterministic_and_names_what_it_found() -> None:
    text = "Geen parkeerplek te vinden bij de Olmen"
    assert signature(text) == signature(text)
    _, _, concept, scores, features, places = signature(text).split("|")
    assert concept and f"{concept}:" in scores
    assert "t:parkeerplek" in features.split(",")
    assert places == "olmen"


def file(services: Services, person_id: int, text: str) -> Observation:
    """Filed as the bot files a resident's observation (filing.create_observation)."""
    with services.db.session() as session:
        author = session.get(Person, person_id)
        assert author is not None
        stored = filing.create_observation(
            session,
            person=author,
            wijk_id=author.current_wijk_id or 0,
            author_role="resident",
            swot=Swot.WEAKNESS.value,
            theme=None,
            text=text,
            lang="nl",
            photo_file_id=None,
            lat=None,
            lon=None,
            share_name=False,
            now=IN_W47.astimezone(UTC),
        )
        session.refresh(stored)
        session.expunge(stored)
        return stored


def test_create_observation_stores_the_signature(services: Services) -> None:
    stored = file(services, person(services, 5001), "  Overal hondenpoep op het grasveld  ")
    assert stored.grouping_signature == signature("Overal hondenpoep op het grasveld")


# Texts about nothing the vocabulary knows (found by a sweep of the desk from outside): a Dutch
# sentence without a subject it has, scripts it cannot read, a link, markup, one long word, and
# the wijk's name with a word of praise.
NOTHING = [
    "Twee tabbladen test",
    "الشارع مظلم في الليل ونحتاج إلى مصابيح أكثر بالقرب من المدرسة",
    "שלום, יש בעיה עם הפח ברחוב",
    "На улице темно, нужны фонари",
    "https://example.com/een/heel/lange/link",
    "<b>vet</b> &amp; <i>schuin</i>",
    "Eénwoordzonderspatiesdieheellangdoorgaat",
    "Elsrijk is een fijne wijk",
]


def test_a_text_about_nothing_recognised_has_no_matter_key() -> None:
    for text in NOTHING:
        assert concept_key(signature(text)) is None, text
        assert matter_key(signature(text)) is None, text
    # Whatever the vocabulary recognises keeps its key: a concept, weak evidence of one, a place.
    keys = [matter_key(signature(t)) for t in ("Overal hondenpoep", "De stoep is vies")]
    assert all(key is not None for key in keys) and keys[0] != keys[1]
    assert matter_key(signature("Al weken gedoe bij de Kalkoven")) == (
        f"{load_vocabulary().matcher.fingerprint}|0|||kalkoven"
    )


def test_texts_about_nothing_recognised_are_no_matter_on_the_desk(services: Services) -> None:
    """Filed as the bot files them, texts with no subject the bot recognises store no matter key:
    the desk's "Andere meldingen over hetzelfde" and the inbox's groups leave them out (they
    were one group of all of them), while two texts about one matter still are one."""
    resident = person(services, 6001)
    person(services, 5001, role=Role.COACH)
    nothing = [file(services, resident, text) for text in NOTHING]
    dogs = [file(services, resident, text) for text in ("Overal hondenpoep", "Weer hondenpoep")]
    assert [o.grouping_matter for o in nothing] == [None] * len(NOTHING)
    assert dogs[0].grouping_matter is not None
    assert dogs[0].grouping_matter == dogs[1].grouping_matter
    with services.db.session() as session:
        for observation in nothing:
            assert observation_page.same_matter(session, observation) == []
        assert [o.id for o in observation_page.same_matter(session, dogs[1])] == [dogs[0].id]
        coach = load_actor(session, 5001)
        page = inbox.inbox_page(session, coach, inbox.InboxFilter(), now=services.clock.now())
        assert page.total == len(NOTHING) + 2
        assert [(g.key, g.count) for g in page.counts.groups] == [(dogs[0].grouping_matter, 2)]
        searched = inbox.InboxFilter(q="e")  # the counts with a search take another path
        page = inbox.inbox_page(session, coach, searched, now=services.clock.now())
        assert [g.count for g in page.counts.groups] == [2]


def test_digest_is_the_same_with_and_without_stored_signatures(services: Services) -> None:
    texts = [
        "Geen parkeerplek te vinden in de straat",
        "Parkeren is onmogelijk, auto's overal op de stoep",
        "Overal hondenpoep bij de Olmen",
        "hondenpoep bij de olmen, weer",
        "Wat een fijne sfeer bij de Bolder",
        "Ik kom graag in de Bolder voor een praatje",
    ]
    for n, text in enumerate(texts * 3):
        observe(services, f"{text} ({n})", at=IN_W46 if n % 3 == 0 else IN_W47)
        observe(services, f"{text} [{n}]", swot="strength")
    without = build(services).to_json()
    with services.db.session() as session:
        for obs in session.exec(select(Observation)).all():
            obs.grouping_signature = signature(obs.text)
            session.add(obs)
        session.commit()
    assert build(services).to_json() == without
    # A signature of another vocabulary version is no worse than none.
    with services.db.session() as session:
        session.exec(update(Observation).values(grouping_signature="0123456789ab|0||||"))
        session.commit()
    assert build(services).to_json() == without
