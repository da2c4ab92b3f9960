"""The caches between updates (actors, spiegel statements) forget on every write that could change
what they hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from bot.core.config import Config
from bot.core.database import Database
from bot.people import actor_cache, invites, persons
from bot.people.actor_cache import ActorCache
from bot.people.permissions import Action, Actor, may_exist
from bot.privacy import personal_data
from models import Person, Role, SpiegelItem

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def resident(db: Database, config: Config) -> int:
    with db.session() as session:
        persons.sync_wijken(session, config)
        person = persons.give_consent(session, 501, "nl", NOW)
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None
        persons.choose_wijk(session, person, wijk)
        return wijk.id or 0


def test_a_second_lookup_uses_no_database(db: Database, resident: int) -> None:
    cache = ActorCache()
    first = cache.get(db, 501)
    db.dispose()  # a query now would need a new connection; the cache must not need one
    assert cache.get(db, 501) is first


def test_role_from_an_invite_is_seen_at_once(db: Database, resident: int) -> None:
    cache = ActorCache()
    actor = cache.get(db, 501)
    assert actor is not None and not actor.can(Action.VIEW_DIGEST, resident)
    with db.session() as session:
        wijk = persons.wijk_by_id(session, resident)
        assert wijk is not None
        _, code = invites.create_invite(
            session, role=Role.COACH, wijken=[wijk], now=NOW, expires_in=timedelta(days=1)
        )
        person = persons.get_person(session, 501)
        assert person is not None
        invites.redeem(session, person, code, NOW)
    actor = cache.get(db, 501)
    assert actor is not None and actor.can(Action.VIEW_DIGEST, resident)


def test_erased_person_is_unknown_at_once(db: Database, resident: int) -> None:
    cache = ActorCache()
    actor = cache.get(db, 501)
    assert actor is not None
    with db.session() as session:
        personal_data.erase_person(session, actor.id, keep_contributions=False)
    assert cache.get(db, 501) is None


def test_new_person_is_known_after_consent(db: Database, config: Config) -> None:
    cache = ActorCache()
    assert cache.get(db, 777) is None
    with db.session() as session:
        persons.give_consent(session, 777, "en", NOW)
    actor = cache.get(db, 777)
    assert actor is not None and actor.person.language == "en"


def test_someone_not_seen_yet_costs_no_orm_lookup_when_unknown(
    db: Database, resident: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newcomer's first update: on PostgreSQL the cheap question whether they exist answers
    it; the person row and roles are loaded only for someone who does exist."""
    assert may_exist(db, 501)
    assert may_exist(db, 778) is (db.dialect != "postgresql")
    loaded: list[int] = []
    real_load = actor_cache.load_actor

    def counting(session: Session, telegram_id: int) -> Actor | None:
        loaded.append(telegram_id)
        return real_load(session, telegram_id)

    monkeypatch.setattr(actor_cache, "load_actor", counting)
    cache = ActorCache()
    assert cache.get(db, 778) is None
    assert loaded == ([] if db.dialect == "postgresql" else [778])
    actor = cache.get(db, 501)
    assert actor is not None and actor.person.telegram_id == 501
    assert loaded[-1] == 501


def test_bulk_update_through_a_session_is_seen(db: Database, resident: int) -> None:
    cache = ActorCache()
    assert cache.get(db, 501) is not None
    with db.session() as session:
        session.execute(update(Person).where(Person.telegram_id == 501).values(language="en"))
        session.commit()
    actor = cache.get(db, 501)
    assert actor is not None and actor.person.language == "en"


def test_write_from_another_process_is_seen_after_the_ttl(db: Database, resident: int) -> None:
    ticks = Ticks()
    cache = ActorCache(ttl=30, clock=ticks)
    assert cache.get(db, 501) is not None
    # Another process: plain SQL on its own connection, no session of ours sees it.
    with db.engine.begin() as connection:
        connection.execute(
            update(Person.__table__).where(Person.__table__.c.telegram_id == 501),  # type: ignore[attr-defined]
            {"language": "en"},
        )
    ticks.now = 29.0
    stale = cache.get(db, 501)
    assert stale is not None and stale.person.language == "nl"
    ticks.now = 31.0
    fresh = cache.get(db, 501)
    assert fresh is not None and fresh.person.language == "en"


def test_failed_write_forgets_the_changed_copy(db: Database, resident: int) -> None:
    """A handler changes the cached person, the commit fails: the next update must see what the
    database holds, not the change nor an object the rollback expired."""
    cache = ActorCache()
    first = cache.get(db, 501)
    assert first is not None
    with pytest.raises(RuntimeError), db.session() as session:
        session.add(first.person)
        first.person.language = "en"
        session.flush()
        raise RuntimeError("the database went away")
    again = cache.get(db, 501)
    assert again is not None and again is not first and again.person.language == "nl"


def test_size_is_bounded(db: Database, resident: int) -> None:
    cache = ActorCache(max_entries=3)
    for telegram_id in range(1000, 1010):
        assert cache.get(db, telegram_id) is None
    assert len(cache) <= 3


def test_caches_watch_the_tables_their_queries_read() -> None:
    from bot.people.actor_cache import TABLES
    from bot.spiegel.mirror import StatementCache
    from bot.spiegel.recognised import RecognisedCache
    from models import Edition, Membership, SpiegelItem

    assert (Person.__tablename__, Membership.__tablename__) == TABLES
    assert (SpiegelItem.__tablename__, Edition.__tablename__) == StatementCache.TABLES
    # The wijk's current statements by what they are about (its reactions are read apart).
    assert (SpiegelItem.__tablename__, Edition.__tablename__) == RecognisedCache.TABLES


SPIEGEL = """\
[[strength]]
key = "groen"
text = "Veel groen."

[[strength]]
key = "buren"
text = "Aardige buren."
"""


def test_statement_cache_sees_an_import_in_this_process(db: Database, resident: int) -> None:
    from bot.spiegel import mirror

    cache = mirror.StatementCache()
    parsed = mirror.parse_toml(SPIEGEL, set())
    with db.session() as session:
        wijk = persons.wijk_by_id(session, resident)
        assert wijk is not None
        mirror.import_edition(session, wijk, 2026, parsed)
        ids = {i.key: i.id or 0 for i in session.exec(select(SpiegelItem)).all()}
    found = cache.active_item(db, ids["buren"])
    assert found is not None and found[0].text == "Aardige buren."
    assert cache.sibling_ids(db, found[0]) == [ids["groen"], ids["buren"]]
    # Re-import without "buren": it is retired, and the order of the rest is new.
    again = mirror.parse_toml(SPIEGEL.split('[[strength]]\nkey = "buren"')[0], set())
    with db.session() as session:
        wijk = persons.wijk_by_id(session, resident)
        assert wijk is not None
        mirror.import_edition(session, wijk, 2026, again)
    assert cache.active_item(db, ids["buren"]) is None
    groen = cache.active_item(db, ids["groen"])
    assert groen is not None and cache.sibling_ids(db, groen[0]) == [ids["groen"]]


def test_statement_cache_forgets_after_its_ttl(db: Database, resident: int) -> None:
    from bot.core.table_changes import WatchedCache
    from bot.spiegel import mirror

    ticks = Ticks()
    cache = mirror.StatementCache()
    cache._items = WatchedCache(mirror.StatementCache.TABLES, ttl=30, clock=ticks)
    parsed = mirror.parse_toml(SPIEGEL, set())
    with db.session() as session:
        wijk = persons.wijk_by_id(session, resident)
        assert wijk is not None
        mirror.import_edition(session, wijk, 2026, parsed)
        item_id = session.exec(select(SpiegelItem.id)).first() or 0
    assert cache.active_item(db, item_id) is not None
    # Another process retires it with plain SQL.
    with db.engine.begin() as connection:
        table = SpiegelItem.__table__  # type: ignore[attr-defined]
        connection.execute(update(table).where(table.c.id == item_id), {"retired": True})
    ticks.now = 29.0
    assert cache.active_item(db, item_id) is not None
    ticks.now = 31.0
    assert cache.active_item(db, item_id) is None
