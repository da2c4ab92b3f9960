"""Alembic environment: the metadata is SQLModel's; the URL comes from bot/core/migrate.py or -x
url=."""

from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers the tables)
from bot.core import migrate
from bot.core.database import create_db_engine

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("no database URL: pass -x url=... or use `wijkbot migrate`")
    return url


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_db_engine(_url())
    with engine.connect() as conn, migrate.foreign_keys_off(conn):
        _run(conn)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode recreates tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=migrate.compared(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()
        # SQLite migrates with foreign keys off (migrate.foreign_keys_off): links checked here.
        migrate.check_links(connection)


if context.is_offline_mode():
    run_offline()
else:
    run_online()
