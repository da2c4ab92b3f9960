"""What each update waits for on PostgreSQL: flow state commits without the disk, everything else
with it; sessions that only read open no transaction; connections are pinged only after idling;
the hottest single statements run on the driver's connection (DriverStatement)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import bindparam, func, insert, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import select

from bot.core import database
from bot.core.config import Config
from bot.core.database import Database, DriverStatement
from bot.people import persons
from bot.telegram.persistence import USER, DatabasePersistence
from models import StoredState, Wijk


def _setting(engine: object, name: str) -> str:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return str(connection.execute(text(f"SHOW {name}")).scalar())


def test_flow_state_does_not_wait_for_the_disk_the_rest_does(db: Database) -> None:
    if db.dialect != "postgresql":
        assert db.state_engine is db.engine  # SQLite: one engine, as before
        return
    assert _setting(db.state_engine, "synchronous_commit") == "off"
    assert _setting(db.engine, "synchronous_commit") == "on"
    assert _setting(db.state_engine, "timezone") == "UTC"


async def test_state_is_written_in_one_statement_and_read_back(db: Database) -> None:
    persistence = DatabasePersistence(db)
    await persistence.update_user_data(7, {"flow": {"name": "x", "nonce": 1}})
    await persistence.update_user_data(7, {"flow": {"name": "x", "nonce": 2}})
    assert (await DatabasePersistence(db).get_user_data())[7] == {"flow": {"name": "x", "nonce": 2}}
    await persistence.drop_user_data(7)
    with db.session() as session:
        assert session.exec(select(StoredState).where(StoredState.kind == USER)).all() == []


def test_a_session_that_only_reads_opens_no_transaction(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("about psycopg's BEGIN and ROLLBACK")
    with db.session() as session:
        session.exec(select(Wijk)).all()
        raw = session.connection().connection.dbapi_connection
        assert raw is not None and raw.info.transaction_status == 0  # idle: no BEGIN was sent
        session.add(Wijk(slug="nieuw", name="Nieuw", cbs_codes=""))
        session.flush()
        assert raw.info.transaction_status == 2  # in a transaction from the first write on
        session.rollback()
    with db.session() as session:  # the write was one transaction, rolled back whole
        assert session.exec(select(Wijk).where(Wijk.slug == "nieuw")).first() is None


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no connection to lose")
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as other:  # the server ends it, as a restart would
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar() != pid


def test_a_streamed_read_runs_in_a_transaction(db: Database, config: Config) -> None:
    if db.dialect != "postgresql":
        pytest.skip("about psycopg's server-side cursors")
    with db.session() as session:
        persons.sync_wijken(session, config)
    with db.session() as session:
        rows = session.execute(
            select(Wijk).execution_options(stream_results=True, yield_per=2)
        ).scalars()
        assert len(list(rows)) == len(config.wijken) > 2


_PID = DriverStatement(select(func.pg_backend_pid()))
_WIJK = DriverStatement(
    insert(Wijk).values(slug=bindparam("slug"), name=bindparam("name"), cbs_codes="", active=True)
)


def test_a_driver_statement_commits_by_itself_and_fails_as_sqlalchemy_does(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL's driver only")
    assert _WIJK.one(db.engine, {"slug": "nieuw", "name": "Nieuw"}) is not None  # RETURNING id
    with db.session() as session:  # committed: another connection sees it
        assert session.exec(select(Wijk).where(Wijk.slug == "nieuw")).one().name == "Nieuw"
    with pytest.raises(ValueError, match="active"):  # a column default needs SQLAlchemy's context
        DriverStatement(insert(Wijk).values(slug="x", name="X", cbs_codes="")).one(db.engine, {})
    with pytest.raises(IntegrityError) as failed:  # what the handlers catch (SQLAlchemyError)
        _WIJK.one(db.engine, {"slug": "nieuw", "name": "Geheim"})
    assert "Geheim" not in str(failed.value)  # parameters hidden, as on the engine
    with db.session() as session:  # the connection went back idle: a session writes as before
        session.add(Wijk(slug="later", name="Later", cbs_codes=""))
        session.commit()
    with db.session() as session:
        assert session.exec(select(Wijk).where(Wijk.slug == "later")).one().name == "Later"


def test_a_driver_statement_without_a_server_fails_as_sqlalchemy_does(db: Database) -> None:
    """No connection to be had: SQLAlchemy's OperationalError, which the error path takes for
    "the database is away", not the driver's own from the pool."""
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL's driver only")
    away = Database.from_url(db.engine.url.set(port=1).render_as_string(hide_password=False))
    try:
        with pytest.raises(OperationalError):
            _PID.one(away.engine, {})
    finally:
        away.dispose()


def test_a_driver_statement_on_a_dead_connection_fails_once_then_gets_a_new_one(
    db: Database,
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL's driver only")
    (pid,) = _PID.one(db.engine, {}) or (None,)
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as other:  # the server ends it, as a restart would
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
    # Used a moment ago, so not pinged: the statement finds the connection dead.
    with pytest.raises(OperationalError) as failed:
        _PID.one(db.engine, {})
    assert failed.value.connection_invalidated
    (again,) = _PID.one(db.engine, {}) or (None,)
    assert again is not None and again != pid
