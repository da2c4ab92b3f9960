"""The models and the Alembic migrations agree, on SQLite and on PostgreSQL; a database that is
behind is refused with a message that says what to do."""

from __future__ import annotations

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from bot import migrate
from bot.cli import main as cli_main
from bot.database import Database, create_db_engine
from tests.conftest import PG_ADMIN_URL
from tests.helpers import FAKE_TOKEN


def test_models_and_migrations_agree(db: Database) -> None:
    # `db` was built by running every migration (see conftest); autogenerate must find nothing.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []
    assert migrate.current_revision(db.engine) == migrate.head_revision()


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


def test_migrate_on_postgresql_from_nothing(
    monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "wijkbot_migrate_test_" + str(id(monkeypatch))[-6:]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        monkeypatch.setenv("WIJKBOT_DATABASE_URL", url)
        assert cli_main(["--config", "config.example.toml", "migrate"]) == 0
        engine = create_db_engine(url)
        migrate.ensure_current(engine)
        engine.dispose()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
