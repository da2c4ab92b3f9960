"""The counts a digest reads beside its grouping (bot.digest.builder._Beside), on SQLite and
PostgreSQL.

The previous period (on PostgreSQL also both periods' participation) is read on a connection of
its own while the build groups; in a transaction that has written it is read on the build's own
connection (the other would not see what it wrote). Either way a coach gets the same digest,
and a failure on either side reaches the caller without keeping a connection.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.context import Services
from bot.core import migrate
from bot.core.clock import Clock, FrozenClock
from bot.core.config import Config, DatabaseConfig
from bot.core.database import Database
from bot.digest import builder, periods
from bot.people import persons
from models import Edition, Person, Reaction, Role, SpiegelItem
from tests.digest.test_digest import AMS, DUE, IN_W46, IN_W47, build, observe, person, wijk, wijk_id


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(DUE + timedelta(minutes=1))


def _statement(services: Services) -> int:
    with services.db.session() as session:
        edition = Edition(wijk_id=wijk_id(services), year=2026)
        session.add(edition)
        session.flush()
        assert edition.id is not None
        item = SpiegelItem(edition_id=edition.id, key="s1", kind="weakness", text="Te weinig groen")
        session.add(item)
        session.commit()
        assert item.id is not None
        return item.id


def _reaction(item_id: int, wijk: int, person_id: int, at: datetime) -> Reaction:
    return Reaction(
        item_id=item_id,
        wijk_id=wijk,
        person_id=person_id,
        verdict="recognise",
        created_at=at.astimezone(UTC),
        updated_at=at.astimezone(UTC),
    )


def _failing(message: str) -> Any:
    """A stand-in for a step of the build that fails as a lost database would."""

    def fail(*_: Any, **__: Any) -> Any:
        raise RuntimeError(message)

    return fail


def _build_in(session: Any, services: Services) -> builder.DigestData:
    period = periods.parse_period_key("2026-W47", AMS)
    return builder.build(session, services.config, wijk(services), period, services.clock.now())


def _read_beside(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each build from now on reads its counts on a connection of its own."""
    seen: list[bool] = []
    decide = builder._may_read_beside

    def spy(session: Any) -> bool:
        seen.append(decide(session))
        return seen[-1]

    monkeypatch.setattr(builder, "_may_read_beside", spy)
    return seen


def test_a_build_in_a_transaction_that_wrote_counts_what_it_wrote(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, reactor = person(services, 31), person(services, 32)
    observe(services, "Te weinig bankjes op het plein", person_id=writer)
    item = _statement(services)
    beside = _read_beside(monkeypatch)
    with services.db.session() as session:
        # Not committed: only this transaction sees the reaction.
        session.add(_reaction(item, wijk_id(services), reactor, IN_W47))
        session.flush()
        data = _build_in(session, services)
        session.rollback()
    assert beside == [False]  # read on the build's own connection, on both databases
    assert (data.current.observations, data.current.reactions) == (1, 1)
    assert (data.current.participants, data.current.first_time) == (2, 2)
    assert [(s.text, s.count) for s in data.spiegel.confirmed] == [("Te weinig groen", 1)]
    # Rolled back: a build now counts no reaction.
    again = build(services)
    assert again.current.reactions == 0 and again.spiegel.confirmed == []


def test_counts_read_beside_the_grouping_are_those_read_in_turn(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = person(services, 41, since=datetime(2026, 1, 1, tzinfo=UTC))
    big = person(services, 42, role=Role.BIG)
    partner = person(services, 43, role=Role.PARTNER)
    reactor = person(services, 44)
    observe(services, "Eerder al eens", person_id=old, at=datetime(2026, 6, 1, tzinfo=AMS))
    observe(services, "Hondenpoep op het grasveld", person_id=old, at=IN_W46)
    for n in range(3):
        observe(services, f"Hondenpoep in het park {n}", person_id=big, role="big")
    observe(services, "Verborgen", person_id=partner, at=IN_W46, status="hidden")
    observe(services, "Een buurtmoestuin", person_id=partner, swot="opportunity", role="partner")
    item = _statement(services)
    with services.db.session() as session:
        session.add(_reaction(item, wijk_id(services), reactor, IN_W46))
        session.add(_reaction(item, wijk_id(services), big, IN_W47))
        session.commit()
    beside = _read_beside(monkeypatch)
    read_beside = build(services)
    with services.db.session() as session:
        # Something written (a person who took part nowhere): the counts are read in turn.
        session.add(
            Person(
                telegram_id=4_999,
                language="nl",
                consent_at=IN_W47,
                pseudonym="Buur-4999",
                created_at=IN_W47,
            )
        )
        session.flush()
        read_in_turn = _build_in(session, services)
        session.rollback()
    assert beside == [True, False]
    assert json.dumps(read_beside.to_json()) == json.dumps(read_in_turn.to_json())
    # What they agree on is what a coach should see.
    assert (read_beside.current.observations, read_beside.previous.observations) == (4, 1)
    assert (read_beside.current.reactions, read_beside.previous.reactions) == (1, 1)
    assert read_beside.current.by_role == {"resident": 0, "big": 1, "partner": 1, "coach": 0}
    assert (read_beside.current.participants, read_beside.current.first_time) == (2, 2)
    assert (read_beside.previous.participants, read_beside.previous.first_time) == (2, 1)
    (grew,) = read_beside.attention.growing  # compared with the previous period's matters
    assert (grew.swot, grew.count, grew.previous) == ("weakness", 3, 1)


def test_a_failure_beside_the_grouping_reaches_the_caller(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    observe(services, "Te weinig bankjes op het plein", person_id=person(services, 51))
    monkeypatch.setattr(builder, "_previous_period", _failing("the database went away"))
    with pytest.raises(RuntimeError, match="went away"):
        build(services)
    assert services.db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_failure_in_the_build_stops_what_is_read_beside_it(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    observe(services, "Te weinig bankjes op het plein", person_id=person(services, 61))
    monkeypatch.setattr(builder, "_period_rows", _failing("the rows could not be read"))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            build(services)
        except BaseException as exc:  # what the caller of the build gets
            errors.append(exc)

    caller = threading.Thread(target=run)
    caller.start()
    caller.join(timeout=20)
    # The counts beside it gave up (they wait for the rows' authors): the build did not hang.
    assert not caller.is_alive()
    assert [str(e) for e in errors] == ["the rows could not be read"]
    assert services.db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    # Afterwards the next build works as ever.
    monkeypatch.undo()
    assert build(services).current.observations == 1


def test_many_builds_at_once_each_get_their_own_counts(services: Services) -> None:
    # More builds at the same time than there are threads beside them (four): the rest wait
    # their turn, none waits for another's rows.
    people = [person(services, 70 + n) for n in range(6)]
    for n, somebody in enumerate(people):
        for _ in range(n + 1):
            observe(services, f"Melding van buur {n}", person_id=somebody)
            observe(services, f"Vorige week van buur {n}", person_id=somebody, at=IN_W46)
    found: list[tuple[int, int]] = []
    lock = threading.Lock()

    def run(key: str) -> None:
        data = build(services, period_key=key)
        with lock:
            found.append((data.current.observations, data.previous.observations))

    keys = ["2026-W47", "2026-W48"] * 4
    callers = [threading.Thread(target=run, args=(key,)) for key in keys]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=60)
    assert not any(caller.is_alive() for caller in callers)
    assert sorted(found) == sorted([(21, 21), (0, 21)] * 4)
    assert services.db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_database_in_memory_is_read_on_the_build_connection(config: Config) -> None:
    # SQLite in memory is one database per connection (per thread): another connection would
    # find no tables at all. Everything is read on the build's connection.
    db = Database.from_url("sqlite://")
    try:
        migrate.upgrade(db.engine)
        services = Services(
            config=replace(config, database=DatabaseConfig(url="sqlite://")),
            db=db,
            clock=FrozenClock(DUE + timedelta(minutes=1)),
        )
        with db.session() as session:
            persons.sync_wijken(session, services.config)
        writer = person(services, 81)
        observe(services, "Te weinig bankjes op het plein", person_id=writer)
        observe(services, "Vorige week al", person_id=writer, at=IN_W46)
        data = build(services)
    finally:
        db.dispose()
    assert (data.current.observations, data.previous.observations) == (1, 1)
    assert (data.current.participants, data.current.first_time) == (1, 0)
