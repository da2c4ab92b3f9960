"""The desk's inbox: filters, faceted counts, the coach's wijken only, the query string."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.core.clock import FrozenClock
from bot.core.database import Database
from bot.desk.inbox import (
    NO_THEME,
    AuthorKind,
    InboxFilter,
    InboxPage,
    inbox_page,
    like_pattern,
)
from bot.people.permissions import Actor
from bot.people.persons import wijk_by_slug
from models import Membership, Observation, Person, Supporter

# Monday 2 November 2026, 10:00 in Amsterdam (CET, UTC+1).
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass
class World:
    db: Database
    coach: Actor
    elsrijk: int
    groenelaan: int
    other: int  # a wijk the coach does not handle
    ids: dict[str, int]

    def page(self, flt: InboxFilter | None = None, /, **query: Any) -> InboxPage:
        flt = flt or InboxFilter.from_query(query)
        with self.db.session() as session:
            return inbox_page(session, self.coach, flt, now=FrozenClock(NOW).now())

    def refs(self, flt: InboxFilter | None = None, /, **query: Any) -> list[str]:
        return [r.excerpt.split()[0] for r in self.page(flt, **query).rows]


def _person(session: Session, telegram_id: int, name: str, *, wijk: int, share: bool) -> Person:
    person = Person(
        telegram_id=telegram_id,
        consent_at=NOW,
        pseudonym=f"Buur-{telegram_id}",
        display_name=name,
        share_name=share,
        current_wijk_id=wijk,
    )
    session.add(person)
    session.flush()
    return person


# name: (wijk, days ago, swot, theme, status, role, photo, location, group, text)
ROWS: dict[str, tuple[str, float, str, str | None, str, str, bool, bool, str | None, str]] = {
    "a1": ("e", 0.1, "weakness", "wonen", "new", "resident", True, True, "g1", "Lantaarn kapot"),
    "a2": ("e", 1, "weakness", "buitenruimte", "read", "partner", False, True, "g1", "lantaarn"),
    "a3": ("e", 3, "strength", None, "new", "resident", False, False, None, "Mooi park"),
    "a4": ("e", 10, "threat", "wonen", "hidden", "resident", True, False, "g2", "100% zeker"),
    "a5": ("e", 40, "opportunity", "wonen", "withdrawn", "resident", False, False, None, "weg"),
    "b1": ("g", 2, "weakness", "wonen", "new", "resident", False, False, "g1", "a_b lantaarn"),
    "b2": ("g", 20, "strength", "buitenruimte", "read", "partner", True, True, None, "axb"),
    "x1": ("o", 1, "weakness", "wonen", "new", "resident", True, True, "g1", "lantaarn ander"),
}


@pytest.fixture
def world(db: Database, config: Any) -> World:
    return make_world(db, config)


def make_world(db: Database, config: Any) -> World:
    """A coach of Elsrijk and Groenelaan, and ROWS in those and in Westwijk."""
    from bot.people import persons

    with db.session() as session:
        persons.sync_wijken(session, config)
        slugs = {"e": "elsrijk", "g": "groenelaan", "o": "westwijk"}
        wijk: dict[str, int] = {}
        for key, slug in slugs.items():
            found = wijk_by_slug(session, slug)
            assert found is not None and found.id is not None
            wijk[key] = found.id
        coach = _person(session, 1, "Carla", wijk=wijk["e"], share=False)
        for key in ("e", "g"):
            session.add(Membership(person_id=coach.id or 0, wijk_id=wijk[key], role="coach"))
        sharer = _person(session, 2, "Sanne", wijk=wijk["e"], share=True)
        private = _person(session, 3, "Piet", wijk=wijk["e"], share=False)
        ids: dict[str, int] = {}
        for name, (w, ago, swot, theme, status, role, photo, loc, group, text) in ROWS.items():
            at = NOW - timedelta(days=ago)
            obs = Observation(
                wijk_id=wijk[w],
                person_id=(sharer if name == "a1" else private).id,
                author_role=role,
                swot=swot,
                theme=theme,
                text=f"{name} {text}",
                photo_file_id="photo" if photo else None,
                latitude=52.3 if loc else None,
                longitude=4.86 if loc else None,
                share_name=name in {"a1", "a2"},
                status=status,
                created_at=at,
                updated_at=at,
                grouping_matter=group,
            )
            session.add(obs)
            session.flush()
            assert obs.id is not None
            ids[name] = obs.id
        session.add(Supporter(observation_id=ids["a1"], person_id=private.id, text="ik ook"))
        session.commit()
        actor = Actor(coach, list(session.exec(select(Membership)).all()))
    return World(db, actor, wijk["e"], wijk["g"], wijk["o"], ids)


def test_everything_of_the_coachs_wijken_newest_first_never_withdrawn_or_another_wijk(
    world: World,
) -> None:
    page = world.page()
    assert [r.excerpt.split()[0] for r in page.rows] == ["a1", "a2", "b1", "a3", "a4", "b2"]
    assert page.total == 6 and page.pages == 1
    assert set(page.wijken) == {world.elsrijk, world.groenelaan}
    first = page.rows[0]
    assert first.reference == f"M-{world.ids['a1']}"
    assert first.author == "Sanne"  # shared
    assert first.supporters == 1 and first.has_photo and first.has_location
    assert first.wijk_name == "Elsrijk"
    assert page.rows[1].author == "Piet"  # shared with this observation (the choice is per one)
    assert page.rows[1].author_kind is AuthorKind.PARTNER
    assert page.rows[2].author == "Buur-3"  # not shared
    # Another wijk in the URL is ignored, not shown.
    assert world.refs(wijk=str(world.other)) == ["a1", "a2", "b1", "a3", "a4", "b2"]
    assert world.page(wijk=str(world.other)).filter.wijken == ()
    assert world.page(q="ander").total == 0


def test_filters_combine(world: World) -> None:
    assert world.refs(swot="weakness", q="LANTAARN") == ["a1", "a2", "b1"]
    assert world.refs(swot="weakness", q="lantaarn", wijk=str(world.elsrijk)) == ["a1", "a2"]
    assert world.refs(theme="wonen", status="new,hidden") == ["a1", "b1", "a4"]
    assert world.refs(theme=NO_THEME) == ["a3"]
    assert world.refs(theme=f"buitenruimte,{NO_THEME}") == ["a2", "a3", "b2"]
    assert world.refs(author="partner") == ["a2", "b2"]
    assert world.refs(author="resident", photo="1") == ["a1", "a4"]
    assert world.refs(photo="0", location="0") == ["b1", "a3"]
    assert world.refs(location="1", swot="strength") == ["b2"]
    assert world.refs(group="g1") == ["a1", "a2", "b1"]
    assert world.refs(days="7") == ["a1", "a2", "b1", "a3"]
    assert world.refs(days="1") == ["a1"]  # today in Amsterdam: since 00:00 local
    period = InboxFilter.from_query({"from": "2026-10-20", "to": "2026-10-31"})
    assert world.refs(period) == ["b1", "a3", "a4"]
    assert world.refs(status="withdrawn") == world.refs()  # never shown, so not a filter value


def test_counts_are_faceted(world: World) -> None:
    page = world.page(swot="weakness", wijk=str(world.elsrijk))
    assert page.total == 2
    c = page.counts
    # Per question: within Elsrijk (the wijk filter applies, the question's own does not).
    assert c.swot == {"weakness": 2, "strength": 1, "threat": 1}
    # Per wijk: with the question filter applied, not the wijk's own.
    assert c.wijk == {world.elsrijk: 2, world.groenelaan: 1}
    assert c.theme == {"wonen": 1, "buitenruimte": 1}
    assert c.status == {"new": 1, "read": 1}
    assert c.author == {AuthorKind.RESIDENT: 1, AuthorKind.PARTNER: 1}
    assert c.has_photo == {True: 1, False: 1}
    assert c.has_location == {True: 2}
    assert [(g.key, g.count) for g in c.groups] == [("g1", 2)]
    assert c.groups[0].sample == "a2 lantaarn"  # the last stored of them
    everything = world.page().counts
    assert sum(everything.status.values()) == 6 and "withdrawn" not in everything.status
    assert [(g.key, g.count) for g in everything.groups] == [("g1", 3), ("g2", 1)]
    chosen = world.page(group="g2").counts
    assert chosen.swot == {"threat": 1}
    assert [(g.key, g.count) for g in chosen.groups] == [("g1", 3), ("g2", 1)]


def test_search_takes_percent_and_underscore_literally(world: World) -> None:
    assert world.refs(q="100%") == ["a4"]
    assert world.refs(q="%") == ["a4"]
    assert world.refs(q="a_b") == ["b1"]  # not "axb"
    assert world.refs(q="_") == ["b1"]
    assert world.refs(q="\\") == []
    assert like_pattern("a%b_c\\") == "%a\\%b\\_c\\\\%"


def test_paging(world: World) -> None:
    page = world.page(size="4", page="2")
    assert page.total == 6 and page.pages == 2 and page.page == 2
    assert [r.excerpt.split()[0] for r in page.rows] == ["a4", "b2"]
    beyond = world.page(size="4", page="99")
    assert beyond.page == 2 and len(beyond.rows) == 2


def test_someone_without_coach_role_sees_nothing(world: World, db: Database) -> None:
    with db.session() as session:
        person = session.get(Person, world.coach.id)
        assert person is not None
        resident = Actor(person, [Membership(person_id=world.coach.id, wijk_id=1, role="resident")])
        for actor in (resident, None):
            page = inbox_page(session, actor, InboxFilter(), now=NOW)
            assert page.rows == [] and page.total == 0 and page.counts.swot == {}


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"wijk": "abc,-5,99999999999999999999999,1e9"},
        {"page": "-3", "size": "100000000000000"},
        {"page": "9" * 400},
        {"days": "0"},
        {"days": "99999999"},
        {"from": "2026-13-45", "to": "not a date"},
        {"from": "9999-12-31", "to": "0001-01-01"},
        {"swot": ["weakness", "nonsense", None]},
        {"status": "answered;drop table"},
        {"theme": "<script>"},
        {"author": "robot", "photo": "maybe", "location": ""},
        {"q": "\x00\u202e" + "x" * 10_000},
        {"group": "g" * 5000},
        {"wijk": 12, "page": 3},
        {"q": b"\xff\xfe"},
        {"swot": object()},
        {"page": "--5", "days": "--7", "size": "-+1", "wijk": "--1,²"},
    ],
)
def test_from_query_never_fails(query: dict[str, Any], world: World) -> None:
    flt = InboxFilter.from_query(query)
    assert 1 <= flt.page <= 100_000 and 1 <= flt.page_size <= 200
    assert len(flt.q) <= 100 and (flt.group is None or len(flt.group) <= 400)
    assert flt.days is None or 1 <= flt.days <= 3660
    assert InboxFilter.from_query(_parse(flt.to_query())) == flt
    world.page(flt)  # runs


def test_from_query_reads_and_clamps() -> None:
    flt = InboxFilter.from_query(
        {
            "wijk": ["3", "1,3"],
            "swot": "weakness,bogus",
            "status": "in_progress,withdrawn,new",
            "theme": "wonen,-,BAD",
            "author": "partner",
            "photo": "ja",
            "location": "0",
            "q": "  a, b  ",
            "page": "0",
            "size": "500",
            "from": "2026-10-31",
            "to": "2026-10-01",
        }
    )
    assert flt.wijken == (1, 3)
    assert flt.swot == ("weakness",)
    assert flt.status == ("in_progress", "new")
    assert flt.theme == ("wonen", NO_THEME)
    assert flt.author is AuthorKind.PARTNER
    assert flt.has_photo is True and flt.has_location is False
    assert flt.q == "a, b"
    assert flt.page == 1 and flt.page_size == 200
    assert (flt.date_from, flt.date_to) == (date(2026, 10, 1), date(2026, 10, 31))
    assert InboxFilter.from_query({"theme": "wonen,zorg"}, themes=["wonen"]).theme == ("wonen",)
    assert InboxFilter.from_query({"days": "7", "from": "2026-01-01"}).date_from is None


def test_round_trip_through_a_multidict() -> None:
    from starlette.datastructures import QueryParams

    flt = InboxFilter(
        wijken=(2, 5),
        date_from=date(2026, 3, 29),
        date_to=date(2026, 10, 25),
        swot=("weakness", "threat"),
        theme=("wonen", NO_THEME),
        status=("new", "read"),
        group="fp|1|2|3|Keizer, Karelweg & 100%",
        author=AuthorKind.RESIDENT,
        has_photo=False,
        has_location=True,
        q="lantaarn, kapot & 50% a_b",
        page=3,
        page_size=20,
    )
    assert InboxFilter.from_query(QueryParams(flt.to_query())) == flt
    assert InboxFilter.from_query(_parse(flt.to_query())) == flt
    assert InboxFilter().to_query() == ""
    assert flt.with_(swot=()).page == 1


def test_period_bounds_are_amsterdam_days() -> None:
    # The DST night of 25 October 2026: that day has 25 hours.
    flt = InboxFilter(date_from=date(2026, 10, 25), date_to=date(2026, 10, 25))
    start, end = flt.bounds(NOW)
    assert start == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    # Last 7 days at 00:30 local on 2 November: from 27 October 00:00 local.
    start, end = InboxFilter(days=7).bounds(datetime(2026, 11, 1, 23, 30, tzinfo=UTC))
    assert start == datetime(2026, 10, 26, 23, 0, tzinfo=UTC) and end is None


def _parse(query: str) -> dict[str, list[str]]:
    from urllib.parse import parse_qs

    return parse_qs(query, keep_blank_values=True)


def test_a_search_counts_as_the_other_filters_do(world: World) -> None:
    """With a text search the counts, groups and page are found another way (the text read
    once): the same answers as without one when the search matches every text."""
    from sqlalchemy import update
    from sqlmodel import col

    with world.db.session() as session:
        session.exec(update(Observation).values(text=Observation.text + " ZZ"))
        session.commit()
    queries: list[dict[str, str]] = [
        {},
        {"swot": "weakness", "wijk": str(world.elsrijk)},
        {"group": "g1", "photo": "1"},
        {"group": "g2"},
        {"group": "g3"},
        {"status": "new,read", "author": "resident", "location": "1"},
        {"theme": f"wonen,{NO_THEME}", "size": "2", "page": "2"},
        {"days": "7", "size": "1", "page": "9"},
    ]
    for query in queries:
        plain = world.page(**query)
        searched = world.page(**query, q="zz")
        assert searched.filter.q == "zz"
        assert replace(searched, filter=plain.filter) == plain, query
    with world.db.session() as session:
        statement = update(Observation).where(col(Observation.id) == world.ids["a1"])
        session.exec(statement.values(text="a1 other"))
        session.commit()
    assert world.page(q="zz").counts.groups[0].count == 2


def test_a_search_that_reads_the_whole_table_finds_the_same(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the coach's wijken are a large share, SQLite reads the table through instead."""
    import bot.desk.inbox as inbox

    queries: list[dict[str, str]] = [{"q": "lantaarn"}, {"q": "a", "swot": "weakness"}]
    before = [world.page(**q) for q in queries]
    monkeypatch.setattr(inbox, "_a_large_share", lambda session, handled: True)
    assert [world.page(**q) for q in queries] == before
    assert [r.excerpt.split()[0] for r in before[0].rows] == ["a1", "a2", "b1"]
