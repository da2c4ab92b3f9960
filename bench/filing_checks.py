"""What confirming an observation costs beyond storing it, with a big wijk behind it.

Versturen runs three checks on the text before or after the commit: the grouping signature
(bot.grouping.signatures.signature), the "ik ook" look-up of an open observation about the same
matter (bot.observations.same_matter.closest_open, which makes the signature itself) and the
urgent check (bot.urgent.detect.check); after the commit the wijkspiegel's matching statement
(bot.spiegel.recognised.matching_statement, warm cache). Measured on SQLite (a file, WAL, as the
bot runs) with `stored` observations in the wijk over two years (bench/same_matter.fill) and the
wijk's example spiegel imported; each text is new (a number appended), so no cache of texts helps.
Used by bench/observation_flow.py (its `--stored`); the target is at most 2 ms added, median.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import same_matter  # bench/same_matter.py: the labelled texts and the filling

from bot.core import migrate
from bot.core.config import load_config
from bot.core.database import Database
from bot.grouping import signatures
from bot.grouping.vocabulary import load_vocabulary
from bot.observations import same_matter as looking
from bot.people import persons
from bot.spiegel import mirror, recognised
from bot.urgent import detect

REPO = Path(__file__).resolve().parent.parent
WARM_UP = 20


def _import_spiegel(db: Database) -> None:
    config = load_config(REPO / "config.example.toml", env={}, require_token=False)
    source = (REPO / "spiegels" / "elsrijk-2026.example.toml").read_text(encoding="utf-8")
    parsed = mirror.parse_toml(source, [t.slug for t in config.themes])
    with db.session() as session:
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None
        mirror.import_edition(session, wijk, 2026, parsed)


def measure(stored: int, repeat: int = 300) -> dict[str, Any]:
    texts = [row for path in same_matter.SETS.values() for row in same_matter.read_rows(path)]
    vocabulary = load_vocabulary()
    with tempfile.TemporaryDirectory() as directory:
        db = Database.from_url(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
        migrate.upgrade(db.engine)
        wijk_id, person_id = same_matter.fill(db, stored, texts)
        _import_spiegel(db)
        cache = recognised.RecognisedCache()
        parts: dict[str, list[float]] = {"signature": [], "same": [], "urgent": [], "spiegel": []}
        totals: list[float] = []
        with db.session() as session:
            for n in range(repeat + WARM_UP):
                row = texts[(n * 7) % len(texts)]
                text, swot = f"{row['text']} ({n})", row.get("swot") or "weakness"
                t0 = time.perf_counter()
                signature = signatures.signature(text, vocabulary)
                t1 = time.perf_counter()
                looking.closest_open(
                    session,
                    wijk_id=wijk_id,
                    text=text,
                    swot=swot,
                    now=same_matter.NOW,
                    exclude_person_id=person_id,
                    wijk_name="Elsrijk",
                    vocabulary=vocabulary,
                )
                t2 = time.perf_counter()
                detect.check(text, row.get("lang") or "nl")
                t3 = time.perf_counter()
                recognised.matching_statement(
                    db,
                    wijk_id,
                    text,
                    swot,
                    vocabulary,
                    stored_signature=signature,
                    person_id=person_id,
                    cache=cache,
                )
                t4 = time.perf_counter()
                if n >= WARM_UP:  # the first calls load word lists and fill caches
                    for name, seconds in zip(
                        parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True
                    ):
                        parts[name].append(seconds)
                    totals.append(t4 - t0)
        db.dispose()

    def ms(values: list[float], q: float | None = None) -> float:
        value = statistics.median(values) if q is None else sorted(values)[int(q * len(values))]
        return round(value * 1000, 3)

    result: dict[str, Any] = {f"checks_{k}_ms": ms(v) for k, v in parts.items()}
    return result | {
        "checks_stored": stored,
        "checks_added_ms_median": ms(totals),
        "checks_added_ms_p95": ms(totals, 0.95),
    }
