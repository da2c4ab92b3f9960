"""A database for one benchmark run on one backend: a SQLite file in a temporary folder, or a
PostgreSQL database created for the run and dropped after it, also when the run fails. Used by
bench/desk.py, bench/desk_bulk.py, bench/digest.py and bench/supplement.py."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def scratch_database(backend: str, pg_url: str, label: str) -> Iterator[str]:
    """The URL of an empty database for `backend` ("sqlite" or "postgresql"); `pg_url` is a
    PostgreSQL server's URL to create it from; `label` goes into its name."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    import psycopg

    name = f"wijkbot_bench_{label}_{os.getpid()}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
