"""How fast stored grouping signatures are made again after the vocabulary changed
(bot.grouping.refresh.refresh_signatures, as the start-up job and `wijkbot signatures refresh`
run it), on SQLite (a file, WAL, as the bot runs).

The wijk is filled with `stored` observations (bench/same_matter.fill, each text made unique by
its number); then every signature is made to name another vocabulary, and all are refreshed
with a vocabulary whose caches are cold, as after an upgrade. Usage:
`.venv/bin/python bench/signature_refresh.py [STORED]` (default 20,000).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import same_matter  # bench/same_matter.py: the labelled texts and the filling

from bot.core import migrate
from bot.core.database import Database
from bot.grouping import refresh
from bot.grouping.vocabulary import load_vocabulary


def measure(stored: int) -> dict[str, Any]:
    texts = [row for path in same_matter.SETS.values() for row in same_matter.read_rows(path)]
    with tempfile.TemporaryDirectory() as directory:
        db = Database.from_url(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
        migrate.upgrade(db.engine)
        same_matter.fill(db, stored, texts)
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE observation SET text = text || ' (' || id || ')', "
                "grouping_signature = '000000000000' || substr(grouping_signature, 13)"
            )
        vocabulary = load_vocabulary()  # a new one: its caches are cold
        start = time.perf_counter()
        refreshed = refresh.refresh_signatures(db, vocabulary)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        again = refresh.refresh_signatures(db, vocabulary)
        nothing_left = time.perf_counter() - start
        db.dispose()
    assert refreshed == stored and again == 0
    return {
        "refresh_stored": stored,
        "refresh_seconds": round(seconds, 2),
        "refresh_rows_per_second": round(refreshed / seconds),
        "refresh_nothing_left_ms": round(nothing_left * 1000, 1),
    }


def main() -> None:
    stored = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    result = measure(stored)
    print(
        f"{result['refresh_stored']} stored signatures refreshed in "
        f"{result['refresh_seconds']} s: {result['refresh_rows_per_second']} rows/s; "
        f"a run with nothing left: {result['refresh_nothing_left_ms']} ms"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
