"""The models and the Alembic migrations agree, on SQLite and on PostgreSQL; a database that is
behind is refused with a message that says what to do."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, UniqueConstraint, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql import sqltypes
from sqlmodel import SQLModel

from bot.cli.wijkbot import main as cli_main
from bot.core import migrate
from bot.core.database import Database, create_db_engine
from tests.conftest import PG_ADMIN_URL
from tests.helpers import FAKE_TOKEN


def test_models_and_migrations_agree(db: Database) -> None:
    # `db` was built by running every migration (see conftest); autogenerate must find nothing.
    with db.engine.connect() as connection:
        opts = {"compare_type": True, "include_object": migrate.compared(connection.dialect.name)}
        context = MigrationContext.configure(connection, opts=opts)
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []
    assert migrate.current_revision(db.engine) == migrate.head_revision()


def test_no_index_repeats_the_start_of_another() -> None:
    # An index on (a) beside a unique constraint on (a, b) is a second copy every insert pays for:
    # the constraint's own index serves lookups by a alone, on SQLite and on PostgreSQL.
    covered = []
    for table in SQLModel.metadata.sorted_tables:
        keys = [
            (c.name, tuple(col.name for col in c.columns))
            for c in table.constraints
            if isinstance(c, UniqueConstraint | PrimaryKeyConstraint)
        ] + [(ix.name, tuple(col.name for col in ix.columns)) for ix in table.indexes]
        for index in table.indexes:
            columns = tuple(col.name for col in index.columns)
            for name, other in keys:
                if (
                    name != index.name
                    and len(other) >= len(columns)
                    and other[: len(columns)] == columns
                ):
                    covered.append(f"{index.name} {columns} is the start of {name} {other}")
    assert covered == []


def test_fresh_database_is_refused_until_migrated(
    tmp_path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    engine = create_db_engine(url)
    with pytest.raises(migrate.DatabaseBehindError, match="run `wijkbot migrate`"):
        migrate.ensure_current(engine)
    monkeypatch.setenv("WIJKBOT_DATABASE_URL", url)
    monkeypatch.setenv("WIJKBOT_TOKEN", FAKE_TOKEN)
    # `wijkbot run` refuses to start on it, and says what to do.
    assert cli_main(["--config", "config.example.toml", "run"]) == 3
    assert "run `wijkbot migrate` first" in capsys.readouterr().err
    assert cli_main(["--config", "config.example.toml", "migrate"]) == 0
    assert f"database at revision {migrate.head_revision()}" in capsys.readouterr().out
    migrate.ensure_current(engine)  # no longer raises
    engine.dispose()


def test_migrate_refuses_a_sqlite_database_with_broken_links_in_one_line(
    tmp_path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    # A link to no row (written with foreign keys off, by hand): `wijkbot migrate` undoes the
    # migration and says why in one line, no traceback; the database stays where it was.
    url = f"sqlite:///{tmp_path / 'broken.sqlite3'}"
    engine = create_db_engine(url)
    script_heads = migrate.head_revision()
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    before = script.get_revision(script_heads).down_revision
    assert isinstance(before, str)
    migrate.upgrade(engine, before)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql(
            "INSERT INTO membership (person_id, wijk_id, role, created_at) "
            "VALUES (999999, 999999, 'resident', '2026-01-01 00:00:00')"
        )
        connection.commit()
    engine.dispose()
    monkeypatch.setenv("WIJKBOT_DATABASE_URL", url)
    assert cli_main(["--config", "config.example.toml", "migrate"]) == 1
    err = capsys.readouterr().err
    assert "point to no row" in err and "membership" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    engine = create_db_engine(url)
    assert migrate.current_revision(engine) == before
    engine.dispose()


@contextmanager
def empty_pg_database(prefix: str) -> Iterator[str]:
    """The URL of a PostgreSQL database with no schema yet, dropped afterwards (the shared test
    database is migrated already)."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migration_engine(stack: ExitStack, sqlite_file: Path, backend: str, pg_prefix: str) -> Engine:
    """An empty database of this backend for a migration test, disposed (and on PostgreSQL
    dropped) when the stack closes."""
    if backend == "sqlite":
        url = f"sqlite:///{sqlite_file}"
    else:
        url = stack.enter_context(empty_pg_database(pg_prefix))
    engine = create_db_engine(url)
    stack.callback(engine.dispose)
    return engine


def test_migrate_on_postgresql_from_nothing(
    monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with empty_pg_database("wijkbot_migrate_test") as url:
        monkeypatch.setenv("WIJKBOT_DATABASE_URL", url)
        assert cli_main(["--config", "config.example.toml", "migrate"]) == 0
        engine = create_db_engine(url)
        migrate.ensure_current(engine)
        engine.dispose()


def test_migrations_downgrade_and_upgrade_again(tmp_path) -> None:
    from alembic import command

    engine = create_db_engine(f"sqlite:///{tmp_path / 'round.sqlite3'}")
    migrate.upgrade(engine)
    cfg = migrate.alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "base")
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0002_keys_the_signatures_already_stored(tmp_path, backend: str) -> None:
    """Rows stored under 0001 get their matter key from their signature; rows without one keep
    NULL (the digest reads those one by one)."""
    from bot.grouping.signatures import matter_key, signature

    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'keys.sqlite3'}"
        else:
            url = stack.enter_context(empty_pg_database("wijkbot_keys_test"))
        keys = _keys_after_0002(url)
    assert keys == {
        1: matter_key(signature(KEYED_TEXTS[0])),
        2: matter_key(signature(KEYED_TEXTS[1])),
        3: None,
    }
    assert keys[1] is not None and keys[1].endswith("|kalkoven")  # places stay in the key
    assert "parkeerplek" not in keys[1]  # the words do not


KEYED_TEXTS = ["Geen parkeerplek bij de Kalkoven", "Overal hondenpoep", "Leuke buurt"]


def _keys_after_0002(url: str) -> dict[int, str | None]:
    """Three observations stored under 0001 (the third without a signature), then 0002."""
    from sqlalchemy import text

    from bot.grouping.signatures import signature

    engine = create_db_engine(url)
    try:
        migrate.upgrade(engine, "0001")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO wijk (id, slug, name, cbs_codes, active)"
                    " VALUES (1, 'elsrijk', 'Elsrijk', '', true)"
                )
            )
            for n, body in enumerate(KEYED_TEXTS, start=1):
                conn.execute(
                    text(
                        "INSERT INTO observation (id, wijk_id, author_role, swot, text, lang,"
                        " share_name, status, created_at, updated_at, grouping_signature)"
                        " VALUES (:id, 1, 'resident', 'weakness', :text, 'nl', false, 'new',"
                        " :at, :at, :sig)"
                    ),
                    {
                        "id": n,
                        "text": body,
                        "at": "2026-11-17 10:00:00",
                        "sig": None if n == 3 else signature(body),
                    },
                )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            return dict(conn.execute(text("SELECT id, grouping_matter FROM observation")).all())
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0021_clears_the_matter_key_of_texts_about_nothing(
    tmp_path, backend: str
) -> None:
    """Until 0020 every text about nothing the grouping recognises had the same matter key
    ("<fingerprint>|<votes>|||"), so the desk showed them all as one matter; 0021 clears those
    and keeps the others, as bot.grouping.signatures.matter_key makes them now. Downgrading makes
    them again from the signatures."""
    from alembic import command
    from sqlalchemy import text

    from bot.grouping.signatures import matter_key, signature

    texts = [
        "Geen parkeerplek bij de Kalkoven",  # a concept and a place
        "Twee tabbladen test",  # nothing
        "الشارع مظلم في الليل",  # nothing
        "Al weken gedoe bij de Kalkoven",  # a place
        "De stoep is vies",  # weak evidence of a concept
        "Elsrijk is een fijne wijk",  # nothing (and praise)
    ]
    before = {n: "{0}|{2}".format(*signature(t).rsplit("|", 2)) for n, t in enumerate(texts, 1)}
    with ExitStack() as stack:
        engine = _migration_engine(
            stack, tmp_path / "nothing.sqlite3", backend, "wijkbot_nothing_test"
        )
        migrate.upgrade(engine, "0020")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO wijk (id, slug, name, cbs_codes, active)"
                    " VALUES (1, 'elsrijk', 'Elsrijk', '', true)"
                )
            )
            for n, body in enumerate(texts, start=1):
                conn.execute(
                    text(
                        "INSERT INTO observation (id, wijk_id, author_role, swot, text, lang,"
                        " share_name, status, created_at, updated_at, grouping_signature,"
                        " grouping_matter) VALUES (:id, 1, 'resident', 'weakness', :text, 'nl',"
                        " false, 'new', :at, :at, :sig, :key)"
                    ),
                    {
                        "id": n,
                        "text": body,
                        "at": "2026-12-01 10:00:00",
                        "sig": signature(body),
                        "key": before[n],
                    },
                )
        query = text("SELECT id, grouping_matter FROM observation")
        migrate.upgrade(engine)
        with engine.connect() as conn:
            keys = dict(conn.execute(query).all())
        assert keys == {n: matter_key(signature(body)) for n, body in enumerate(texts, 1)}
        assert [n for n, key in keys.items() if key is None] == [2, 3, 6]
        cfg = migrate.alembic_config()
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0020")
        with engine.connect() as conn:
            assert dict(conn.execute(query).all()) == before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0023_gives_the_chat_answer_keys_their_coach(tmp_path, backend: str) -> None:
    """A chat answer's key was its run's "coach_answer:<number>", unique per person only; from
    0023 it ends in the coach's person id (bot.observations.coach.answer_run_key), and the keys
    stored before get the same ending, on the observation and on its history's answer events,
    so a press of such a run delivered again still finds its answer. The desk's keys, the
    replies' and the reopens' stay. Downgrading takes the ending off again."""
    from alembic import command
    from sqlalchemy import text

    with ExitStack() as stack:
        engine = _migration_engine(stack, tmp_path / "keys.sqlite3", backend, "wijkbot_keys_test")
        migrate.upgrade(engine, "0022")
        at = "2026-12-01 10:00:00"
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO wijk (id, slug, name, cbs_codes, active)"
                    " VALUES (1, 'elsrijk', 'Elsrijk', '', true)"
                )
            )
            for n in (7, 8):
                conn.execute(
                    text(
                        "INSERT INTO person (id, telegram_id, language, consent_at, pseudonym,"
                        " share_name, created_at) VALUES (:id, :tg, 'nl', :at, :p, false, :at)"
                    ),
                    {"id": n, "tg": 1000 + n, "at": at, "p": f"Buur-{n}"},
                )
            answers = [(1, "coach_answer:3", 7), (2, "desk:abc", 8), (3, None, None)]
            for n, key, by in answers:
                conn.execute(
                    text(
                        "INSERT INTO observation (id, wijk_id, author_role, swot, text, lang,"
                        " share_name, status, created_at, updated_at, answer_text, answer_key,"
                        " answered_by_id, answered_at) VALUES (:id, 1, 'resident', 'weakness',"
                        " 'x', 'nl', false, 'in_progress', :at, :at, :answer, :key, :by, :when)"
                    ),
                    {
                        "id": n,
                        "at": at,
                        "answer": "We kijken ernaar" if key else None,
                        "key": key,
                        "by": by,
                        "when": at if key else None,
                    },
                )
            events = [
                (1, 1, "answer", "coach_answer:3", 7),
                (2, 2, "answer", "desk:abc", 8),
                (3, 3, "answer", "coach_answer:3", 8),  # moved off by a reopen
                (4, 3, "reply", "coach_reply:3", None),
                (5, 3, "reopen", "reopen:4", None),
            ]
            for eid, oid, kind, key, actor in events:
                conn.execute(
                    text(
                        "INSERT INTO observation_event (id, observation_id, at, actor_id, kind,"
                        " notify, key) VALUES (:id, :oid, :at, :actor, :kind, false, :key)"
                    ),
                    {"id": eid, "oid": oid, "at": at, "actor": actor, "kind": kind, "key": key},
                )
        on_observations = text("SELECT id, answer_key FROM observation ORDER BY id")
        on_events = text("SELECT id, key FROM observation_event ORDER BY id")
        with engine.connect() as conn:
            before = (
                [tuple(r) for r in conn.execute(on_observations)],
                [tuple(r) for r in conn.execute(on_events)],
            )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(on_observations)] == [
                (1, "coach_answer:3:7"),
                (2, "desk:abc"),
                (3, None),
            ]
            assert [tuple(r) for r in conn.execute(on_events)] == [
                (1, "coach_answer:3:7"),
                (2, "desk:abc"),
                (3, "coach_answer:3:8"),
                (4, "coach_reply:3"),
                (5, "reopen:4"),
            ]
        cfg = migrate.alembic_config()
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0022")
        with engine.connect() as conn:
            after = (
                [tuple(r) for r in conn.execute(on_observations)],
                [tuple(r) for r in conn.execute(on_events)],
            )
        assert after == before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0004_moves_the_progress_out_of_the_error(tmp_path, backend: str) -> None:
    """Until 0003 a failed send's progress was the start of its error ("3/7: timeout"); 0004
    moves it into parts_sent and parts_total and leaves the reason; downgrading puts it back."""
    from alembic import command
    from sqlalchemy import text

    with ExitStack() as stack:
        engine = _migration_engine(
            stack, tmp_path / "progress.sqlite3", backend, "wijkbot_progress_test"
        )
        migrate.upgrade(engine, "0003")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO wijk (id, slug, name, cbs_codes, active)"
                    " VALUES (1, 'elsrijk', 'Elsrijk', '', true)"
                )
            )
            for n, (status, error) in enumerate(OLD_DIGEST_ERRORS, start=1):
                conn.execute(
                    text(
                        "INSERT INTO digest (id, wijk_id, period_key, period_start, period_end,"
                        " status, attempts, error, created_at)"
                        " VALUES (:id, 1, :key, :at, :at, :status, 1, :error, :at)"
                    ),
                    {
                        "id": n,
                        "key": f"2026-W{n:02d}",
                        "at": "2026-11-23 07:00:00",
                        "status": status,
                        "error": error,
                    },
                )
        migrate.upgrade(engine, "0004")
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, parts_sent, parts_total, error FROM digest ORDER BY id")
            ).all()
        assert [tuple(r) for r in rows] == [
            (1, 3, 7, "timeout"),
            (2, 0, None, "build: no wijk 1"),
            (3, 2, 5, "NetworkError: 1/2 ok: no"),
            (4, 4, 6, None),
            (5, 0, None, None),
            (6, 0, None, "not a progress 1/2"),
        ]
        cfg = migrate.alembic_config()
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0003")
        with engine.connect() as conn:
            errors = conn.execute(text("SELECT error FROM digest ORDER BY id")).scalars().all()
        assert errors == [error for _, error in OLD_DIGEST_ERRORS[:5]] + ["0/0: not a progress 1/2"]


OLD_DIGEST_ERRORS = [
    ("failed", "3/7: timeout"),
    ("failed", "0/0: build: no wijk 1"),
    ("failed", "2/5: NetworkError: 1/2 ok: no"),
    ("failed", "4/6"),
    ("sent", None),
    ("failed", "not a progress 1/2"),
]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0005_delivers_nothing_twice_and_frees_pending_digests(
    tmp_path, backend: str
) -> None:
    """Answers and replies stored under 0004 went out when they were stored: 0005 marks them
    sent, so no redelivered press sends them again. A digest left pending has no lease: the
    first run after the upgrade may take it over."""
    from sqlalchemy import text

    from bot.digest import jobs
    from models import Digest

    with ExitStack() as stack:
        engine = _migration_engine(stack, tmp_path / "once.sqlite3", backend, "wijkbot_once_test")
        migrate.upgrade(engine, "0004")
        at = "2026-11-23 07:00:00"
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO wijk (id, slug, name, cbs_codes, active)"
                    " VALUES (1, 'elsrijk', 'Elsrijk', '', true)"
                )
            )
            for n, (answered, replied) in enumerate([(None, None), (at, None), (at, at)], 1):
                conn.execute(
                    text(
                        "INSERT INTO observation (id, wijk_id, author_role, swot, text, lang,"
                        " share_name, status, created_at, updated_at, answered_at, replied_at)"
                        " VALUES (:id, 1, 'resident', 'weakness', 'x', 'nl', false, 'new',"
                        " :at, :at, :answered, :replied)"
                    ),
                    {"id": n, "at": at, "answered": answered, "replied": replied},
                )
            conn.execute(
                text(
                    "INSERT INTO digest (id, wijk_id, period_key, period_start, period_end,"
                    " status, attempts, parts_sent, created_at)"
                    " VALUES (1, 1, '2026-W47', :at, :at, 'pending', 0, 2, :at)"
                ),
                {"at": at},
            )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            sent = conn.execute(
                text(
                    "SELECT answered_at = answer_sent_at, replied_at = reply_sent_at,"
                    " answer_sent_at IS NULL, reply_sent_at IS NULL FROM observation ORDER BY id"
                )
            ).all()
        assert [tuple(r) for r in sent] == [
            (None, None, True, True),
            (True, None, False, True),
            (True, True, False, False),
        ]
        with Database(engine).session() as session:
            pending = session.get(Digest, 1)
        assert pending is not None and pending.claimed_until is None
        assert jobs._to_take(pending, datetime.now(UTC))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0014_carries_answered_over_as_in_progress_with_history(
    tmp_path, backend: str
) -> None:
    """ "answered" is no status any more: such rows are in progress, their answer kept; the
    history starts with their answer and with each hiding, none of it to be told again."""
    from sqlalchemy import text

    with ExitStack() as stack:
        engine = _migration_engine(
            stack, tmp_path / "workflow.sqlite3", backend, "wijkbot_workflow_test"
        )
        migrate.upgrade(engine, "0013")
        at, later = "2026-11-23 07:00:00", "2026-11-24 08:00:00"
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO wijk (id, slug, name, cbs_codes, active)"
                    " VALUES (1, 'elsrijk', 'Elsrijk', '', true)"
                )
            )
            rows = [
                (1, "new", None, None),
                (2, "read", None, None),
                (3, "answered", later, None),
                (4, "hidden", None, later),
                (5, "withdrawn", None, None),
            ]
            for n, status, answered, hidden in rows:
                conn.execute(
                    text(
                        "INSERT INTO observation (id, wijk_id, author_role, swot, text, lang,"
                        " share_name, status, created_at, updated_at, answered_at, answer_text,"
                        " hidden_at, hidden_reason, read_at)"
                        " VALUES (:id, 1, 'resident', 'weakness', 'x', 'nl', false, :status,"
                        " :at, :at, :answered, :answer, :hidden, :reason, :read)"
                    ),
                    {
                        "id": n,
                        "status": status,
                        "at": at,
                        "answered": answered,
                        "answer": "We gaan ermee aan de slag" if answered else None,
                        "hidden": hidden,
                        "reason": "spam" if hidden else None,
                        "read": at if status != "new" else None,
                    },
                )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            statuses = conn.execute(
                text(
                    "SELECT id, status, answer_text IS NOT NULL, status_changed_at IS NOT NULL"
                    " FROM observation ORDER BY id"
                )
            ).all()
            events = conn.execute(
                text(
                    "SELECT observation_id, kind, to_status, detail, notify, notified_at"
                    " FROM observation_event ORDER BY observation_id"
                )
            ).all()
        assert [tuple(r) for r in statuses] == [
            (1, "new", False, False),
            (2, "read", False, True),
            (3, "in_progress", True, True),
            (4, "hidden", False, True),
            (5, "withdrawn", False, False),
        ]
        assert [tuple(r) for r in events] == [
            (3, "answer", "in_progress", None, False, None),
            (4, "status", "hidden", "spam", False, None),
        ]
        from alembic import command

        cfg = migrate.alembic_config()
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0013")
        with engine.connect() as conn:
            back = conn.execute(text("SELECT status FROM observation ORDER BY id")).scalars()
            assert list(back) == ["new", "read", "answered", "hidden", "withdrawn"]


def test_postgresql_sessions_run_in_utc_and_keep_the_urls_options() -> None:
    """The digest relies on psycopg handing back datetimes in UTC itself (bot.core.database)."""
    from datetime import UTC

    from sqlalchemy import text

    base = PG_ADMIN_URL.split("?", 1)[0]
    for url, path in (
        (base, None),
        (f"{base}?options=-c%20search_path%3Dpg_catalog", "pg_catalog"),
    ):
        engine = create_db_engine(url)
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SHOW timezone")).scalar() == "UTC"
                assert conn.execute(text("SELECT now()")).scalar().tzinfo is UTC
                if path is not None:
                    assert conn.execute(text("SHOW search_path")).scalar() == path
        finally:
            engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0013_notes_go_with_their_observation_and_lose_their_author(
    tmp_path, backend: str
) -> None:
    """The tables 0013 makes keep their promises in the database itself: a note goes with its
    observation (CASCADE), loses its author (SET NULL); a wijk has one template per title.
    Downgrading to 0012 removes both tables, and upgrading again brings them back."""
    from alembic import command
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import IntegrityError

    with ExitStack() as stack:
        engine = _migration_engine(stack, tmp_path / "notes.sqlite3", backend, "wijkbot_notes_test")
        migrate.upgrade(engine, "0013")
        at = "2026-11-23 07:00:00"
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO wijk (id, slug, name, cbs_codes, active)"
                    " VALUES (1, 'elsrijk', 'Elsrijk', '', true)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO person (id, telegram_id, language, consent_at, pseudonym,"
                    " share_name, created_at) VALUES (1, 42, 'nl', :at, 'Buur-42', false, :at)"
                ),
                {"at": at},
            )
            for n in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO observation (id, wijk_id, author_role, swot, text, lang,"
                        " share_name, status, created_at, updated_at)"
                        " VALUES (:id, 1, 'resident', 'weakness', 'x', 'nl', false, 'new',"
                        " :at, :at)"
                    ),
                    {"id": n, "at": at},
                )
                conn.execute(
                    text(
                        "INSERT INTO observation_note (observation_id, author_id, text,"
                        " created_at) VALUES (:id, 1, 'gebeld', :at)"
                    ),
                    {"id": n, "at": at},
                )
            conn.execute(
                text(
                    "INSERT INTO answer_template (wijk_id, title, body, created_by_id,"
                    " created_at, updated_at) VALUES (1, 'Gelezen', '{melding}', 1, :at, :at)"
                ),
                {"at": at},
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO answer_template (wijk_id, title, body, created_at, updated_at)"
                    " VALUES (1, 'Gelezen', 'anders', :at, :at)"
                ),
                {"at": at},
            )
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM observation WHERE id = 1"))
            conn.execute(text("DELETE FROM person WHERE id = 1"))
        with engine.connect() as conn:
            notes = conn.execute(text("SELECT observation_id, author_id FROM observation_note"))
            assert [tuple(r) for r in notes] == [(2, None)]
            made_by = conn.execute(text("SELECT created_by_id FROM answer_template")).all()
            assert [tuple(r) for r in made_by] == [(None,)]
        cfg = migrate.alembic_config()
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0012")
        tables = set(inspect(engine).get_table_names())
        assert not {"observation_note", "answer_template"} & tables
        migrate.upgrade(engine)
        assert {"observation_note", "answer_template"} <= set(inspect(engine).get_table_names())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0033_gives_each_later_duplicate_pseudonym_a_free_one(
    tmp_path, backend: str
) -> None:
    """Until 0032 a pseudonym was four random digits and could repeat: two residents showed up
    to a coach as the same "Buur-4821". 0033 leaves the oldest (by created_at, then id) theirs
    and gives each later one the next free number after it, the same on every run; then a
    unique index keeps them apart. Downgrading drops the index (the new names stay)."""
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    people = [
        # id, created_at, pseudonym
        (1, "2026-01-02 10:00:00", "Buur-4821"),
        (2, "2026-01-01 10:00:00", "Buur-4821"),  # the oldest Buur-4821: keeps it
        (3, "2026-01-03 10:00:00", "Buur-4821"),
        (4, "2026-01-01 09:00:00", "Buur-4822"),  # taken: the next free after 4821 is 4823
        (5, "2026-01-05 10:00:00", "Buur-9999"),
        (6, "2026-01-05 10:00:00", "Buur-9999"),  # the same moment: the lower id keeps it
        (7, "2026-01-07 10:00:00", "Buur-1000"),
    ]
    insert = text(
        "INSERT INTO person (id, telegram_id, language, consent_at, pseudonym, share_name,"
        " created_at) VALUES (:id, :tg, 'nl', :at, :p, false, :at)"
    )
    with ExitStack() as stack:
        engine = _migration_engine(
            stack, tmp_path / "pseudonyms.sqlite3", backend, "wijkbot_pseudonym_test"
        )
        migrate.upgrade(engine, "0032")
        with engine.begin() as conn:
            for n, at, pseudonym in people:
                conn.execute(insert, {"id": n, "tg": 1000 + n, "at": at, "p": pseudonym})
        migrate.upgrade(engine)
        query = text("SELECT id, pseudonym FROM person ORDER BY id")
        with engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(query)] == [
                (1, "Buur-4823"),
                (2, "Buur-4821"),
                (3, "Buur-4824"),
                (4, "Buur-4822"),
                (5, "Buur-9999"),
                (6, "Buur-10000"),
                (7, "Buur-1000"),
            ]
        new = {"id": 8, "tg": 1008, "at": "2026-01-08 10:00:00", "p": "Buur-4821"}
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert, new)
        cfg = migrate.alembic_config()
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0032")
        with engine.begin() as conn:
            conn.execute(insert, new)  # no index: a repeat is stored as before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0034_stores_asked_digests_and_removed_notes_in_columns(
    tmp_path, backend: str
) -> None:
    """Until 0033 a digest asked for with "Wijkoverzicht nu" was kept under its period's key
    with a number after a slash ("2026-W48/1"), and the coaches' notes removed with their sender
    left one note by nobody with an empty text. 0034 keeps the period's own key and sets
    `digest.asked`, and sets `observation.notes_removed_at` to that note's time and deletes it
    (a note whose coach was erased keeps its words and stays). One scheduled digest per coach,
    wijk and period stays unique; those asked for are not. Downgrading writes both back."""
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    at, removed_at = "2026-11-23 07:00:00", "2026-11-25 09:30:00"
    digest_insert = text(
        "INSERT INTO digest (id, coach_id, wijk_id, period_key, period_start, period_end,"
        " status, attempts, created_at) VALUES (:id, :coach, 1, :key, :at, :at, 'sent', 0, :at)"
    )
    digests = [
        # id, coach, stored key
        (1, 1, "2026-W48"),
        (2, 1, "2026-W48/1"),
        (3, 1, "2026-W48/2"),
        (4, 2, "2026-W46+47/1"),
        (5, 2, "2026-W48"),
    ]
    with ExitStack() as stack:
        engine = _migration_engine(stack, tmp_path / "asked.sqlite3", backend, "wijkbot_asked_test")
        migrate.upgrade(engine, "0033")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO wijk (id, slug, name, cbs_codes, active)"
                    " VALUES (1, 'elsrijk', 'Elsrijk', '', true)"
                )
            )
            for n in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO person (id, telegram_id, language, consent_at, pseudonym,"
                        " share_name, created_at) VALUES (:id, :tg, 'nl', :at, :p, false, :at)"
                    ),
                    {"id": n, "tg": 40 + n, "at": at, "p": f"Buur-{n}"},
                )
            for n, coach, key in digests:
                conn.execute(digest_insert, {"id": n, "coach": coach, "key": key, "at": at})
                conn.execute(
                    text(
                        "INSERT INTO digest_archive (digest_id, lang, messages, created_at)"
                        " VALUES (:id, 'nl', '[\"Wijkoverzicht\"]', :at)"
                    ),
                    {"id": n, "at": at},
                )
            for n in (1, 2, 3):
                conn.execute(
                    text(
                        "INSERT INTO observation (id, wijk_id, author_role, swot, text, lang,"
                        " share_name, status, created_at, updated_at)"
                        " VALUES (:id, 1, 'resident', 'weakness', 'x', 'nl', false, 'new',"
                        " :at, :at)"
                    ),
                    {"id": n, "at": at},
                )
            notes = [
                # observation, author, text, created_at
                (1, None, "", removed_at),  # in place of the notes removed with their sender
                (1, 1, "Later nog gebeld", "2026-11-26 10:00:00"),
                (2, None, "Gebeld", at),  # its coach was erased: a note with words stays
                (3, 1, "Gezien", at),
            ]
            for observation, author, words, written in notes:
                conn.execute(
                    text(
                        "INSERT INTO observation_note (observation_id, author_id, text,"
                        " created_at) VALUES (:o, :a, :t, :at)"
                    ),
                    {"o": observation, "a": author, "t": words, "at": written},
                )
        migrate.upgrade(engine)

        def stored_digests() -> list[tuple[int, str, bool]]:
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT id, period_key, asked FROM digest ORDER BY id"))
                return [(n, key, bool(asked)) for n, key, asked in rows]

        def archived() -> list[int]:
            # What was sent stays kept (SQLite recreates the table: not its archive with it).
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT digest_id FROM digest_archive ORDER BY digest_id"))
                return [n for (n,) in rows]

        def stored_notes() -> list[tuple[int, int | None, str]]:
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT observation_id, author_id, text FROM observation_note"
                        " ORDER BY observation_id, created_at"
                    )
                )
                return [tuple(r) for r in rows]  # type: ignore[misc]

        assert stored_digests() == [
            (1, "2026-W48", False),
            (2, "2026-W48", True),
            (3, "2026-W48", True),
            (4, "2026-W46+47", True),
            (5, "2026-W48", False),
        ]
        assert stored_notes() == [(1, 1, "Later nog gebeld"), (2, None, "Gebeld"), (3, 1, "Gezien")]
        assert archived() == [1, 2, 3, 4, 5]
        with engine.connect() as conn:
            removed = conn.execute(
                text("SELECT id, notes_removed_at FROM observation ORDER BY id")
            ).all()
        assert [(n, None if t is None else str(t)[:19]) for n, t in removed] == [
            (1, removed_at),
            (2, None),
            (3, None),
        ]

        # A second scheduled digest of the same coach, wijk and period is refused (the claim);
        # one more asked for is not.
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(digest_insert, {"id": 6, "coach": 1, "key": "2026-W48", "at": at})
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO digest (id, coach_id, wijk_id, period_key, period_start,"
                    " period_end, status, attempts, created_at, asked)"
                    " VALUES (6, 1, 1, '2026-W48', :at, :at, 'sent', 0, :at, true)"
                ),
                {"at": at},
            )

        cfg = migrate.alembic_config()
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0033")
        with engine.connect() as conn:
            keys = conn.execute(text("SELECT id, period_key FROM digest ORDER BY id")).all()
        assert [tuple(r) for r in keys] == [
            (1, "2026-W48"),
            (2, "2026-W48/1"),
            (3, "2026-W48/2"),
            (4, "2026-W46+47/1"),
            (5, "2026-W48"),
            (6, "2026-W48/3"),
        ]
        assert stored_notes() == [
            (1, None, ""),
            (1, 1, "Later nog gebeld"),
            (2, None, "Gebeld"),
            (3, 1, "Gezien"),
        ]
        assert archived() == [1, 2, 3, 4, 5]
        migrate.upgrade(engine)
        assert [asked for _, _, asked in stored_digests()] == [
            False,
            True,
            True,
            True,
            False,
            True,
        ]
        assert archived() == [1, 2, 3, 4, 5]


# --- no migration loses what is stored ------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_no_migration_loses_rows_or_links(tmp_path, backend: str) -> None:
    """Each migration, one step at a time, from 0001: every table that exists gets one more row
    (every column filled, links to the rows stored beside it), and after the step every row is
    still there and no link that was set is NULL. On SQLite a batch migration recreates a table
    (copy, drop the old one, rename): with foreign keys on, that drop deletes the rows that point
    to it (ON DELETE CASCADE) or clears their link (SET NULL). Built from the schema as it is at
    each revision, so a new migration is checked without changing this test."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    losses: list[str] = []
    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'kept.sqlite3'}"
        else:
            url = stack.enter_context(empty_pg_database("wijkbot_kept_test"))
        engine = create_db_engine(url)
        stack.callback(engine.dispose)
        migrate.upgrade(engine, revisions[0])
        for step, following in enumerate(revisions[1:]):
            schema = _reflected(engine)
            _store_one_row_each(engine, schema, step)
            before = _links_by_row(engine, schema)
            migrate.upgrade(engine, following)
            after = _links_by_row(engine, _reflected(engine))
            losses += [f"{following}: {loss}" for loss in _lost(before, after)]
        if backend == "sqlite":
            # Migrating turns them off on its connection, and on again (the pool keeps it).
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert not losses, "\n".join(losses)


def test_a_migration_that_leaves_a_link_to_nothing_is_refused_on_sqlite(tmp_path) -> None:
    """SQLite migrates with foreign keys off (recreating a table would otherwise delete what
    points to it): before the migration commits, every link must still point to a row."""
    from sqlalchemy import text

    engine = create_db_engine(f"sqlite:///{tmp_path / 'links.sqlite3'}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        migrate.check_links(conn)  # nothing stored: nothing to refuse
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.execute(
            text(
                "INSERT INTO person (id, telegram_id, language, consent_at, pseudonym,"
                " share_name, created_at) VALUES (1, 41, 'nl', :at, 'Buur-1', false, :at)"
            ),
            {"at": "2026-11-23 07:00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO membership (person_id, wijk_id, role, created_at)"
                " VALUES (1, 7, 'resident', '2026-11-23 07:00:00')"
            )
        )
        with pytest.raises(migrate.DanglingLinksError, match="membership"):
            migrate.check_links(conn)
        conn.rollback()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    engine.dispose()


_Links = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


def _reflected(engine: Engine) -> MetaData:
    schema = MetaData()
    schema.reflect(engine)
    return schema


def _value(column: Column[Any], step: int) -> Any:
    """A stored value of the column's type, different at each step (unique keys)."""
    kind = column.type
    if isinstance(kind, sqltypes.Boolean):
        return False
    if isinstance(kind, sqltypes.Integer):
        return 1000 + step
    if isinstance(kind, sqltypes.Float | sqltypes.Numeric):
        return 1.5 + step
    if isinstance(kind, sqltypes.DateTime):
        return datetime(2026, 11, 23, 7, 0, tzinfo=UTC) + timedelta(minutes=step)
    if isinstance(kind, sqltypes.JSON):
        return [f"{column.name}-{step}"]
    if isinstance(kind, sqltypes.LargeBinary):
        return b"\x89PNG"
    if isinstance(kind, sqltypes.String):
        words = _STORED_WORDS.get(column.name, f"{column.name[:6]}-{step}")
        return words[: kind.length] if kind.length else words
    raise AssertionError(f"no value for {column.table.name}.{column.name} ({kind!r})")


# Columns whose words a migration reads: a value as the bot stores it.
_STORED_WORDS = {"language": "nl", "lang": "nl", "app_language": "nl", "data": "{}"}


def _store_one_row_each(engine: Engine, schema: MetaData, step: int) -> None:
    """One row in every table (but Alembic's), parents first; each link to the parent's row of
    this step, a link within its own table to the row of the step before (or to itself)."""
    stored: dict[str, dict[str, Any]] = {}
    with engine.begin() as conn:
        for table in schema.sorted_tables:
            if table.name == "alembic_version":
                continue
            links = {
                fk.parent.name: fk
                for fk in table.foreign_keys
                if fk.column.table.name != table.name
            }
            own = [fk for fk in table.foreign_keys if fk.column.table.name == table.name]
            values = {}
            for column in table.columns:
                if column.name in links:
                    fk = links[column.name]
                    values[column.name] = stored[fk.column.table.name][fk.column.name]
                elif column.autoincrement is True or (
                    column.primary_key and isinstance(column.type, sqltypes.Integer)
                ):
                    continue  # the database numbers it
                elif column in (fk.parent for fk in own):
                    continue  # set below
                else:
                    values[column.name] = _value(column, step)
            row = conn.execute(table.insert().values(values).returning(*table.columns)).one()
            stored[table.name] = dict(row._mapping)
            for fk in own:
                earlier = conn.execute(
                    select(fk.column)
                    .where(fk.column != stored[table.name][fk.column.name])
                    .order_by(fk.column.desc())
                    .limit(1)
                ).scalar()
                target = stored[table.name][fk.column.name] if earlier is None else earlier
                key = [table.c[c.name] == stored[table.name][c.name] for c in table.primary_key]
                conn.execute(table.update().where(*key).values({fk.parent.name: target}))


def _links_by_row(engine: Engine, schema: MetaData) -> _Links:
    """For each table, its rows by primary key, each with the values of its links."""
    found: _Links = {}
    with engine.connect() as conn:
        for table in schema.sorted_tables:
            if table.name == "alembic_version":
                continue
            key = list(table.primary_key)
            links = sorted({fk.parent.name for fk in table.foreign_keys})
            rows = conn.execute(select(*key, *(table.c[name] for name in links)))
            found[table.name] = {
                tuple(row[: len(key)]): dict(zip(links, row[len(key) :], strict=True))
                for row in rows
            }
    return found


def _lost(before: _Links, after: _Links) -> list[str]:
    lost = []
    for table, rows in before.items():
        if table not in after:
            continue  # the migration drops or renames it: its own test says what it keeps
        gone = sorted(set(rows) - set(after[table]))
        if gone:
            lost.append(f"{len(gone)} of {len(rows)} rows of {table} gone")
        for name in sorted({name for links in rows.values() for name in links}):
            cleared = [
                key
                for key, links in rows.items()
                if key in after[table]
                and name in after[table][key]
                and links[name] is not None
                and after[table][key][name] is None
            ]
            if cleared:
                lost.append(f"{table}.{name} cleared in {len(cleared)} of {len(rows)} rows")
    return lost
