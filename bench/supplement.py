"""Benchmark of drafting one wijk's yearly supplement (bot/supplement/), on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/supplement.py [--quick] [--only sqlite|postgresql] [--pg-url URL]

Fills a fresh database per backend (SQLAlchemy Core bulk inserts): for the measured wijk one
edition of 2026 with 40 statements, 5,000 people, 50,000 observations spread over 2026 (their
grouping signatures made as the write path makes them) and 200,000 reactions (every person to
every statement), plus a little of another wijk and of 2025. --quick: a tenth of it. Then, in
the same run and in turn:
  - supplement_vs_raw_read: building the supplement and rendering its DOCX (bot.supplement.builder
    .build + render.render, what `wijkbot supplement` and the coach's button do) against a raw SQL
    read of the same year's observation and reaction rows (target <= 8x);
  - rss_growth_mb: in a fresh process, peak RSS while drafting minus the RSS of the same process
    idle just before (everything imported, a small draft made first; target <= 150 MB), from
    /proc/self/status (VmHWM reset through /proc/self/clear_refs).
Prints figures, then one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scratch import scratch_database  # noqa: E402  (bench/scratch.py)
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bot.grouping.signatures import matter_key  # noqa: E402
from bot.grouping.signatures import signature as grouping_signature  # noqa: E402

TARGET_WIJK = "elsrijk"
OTHER_WIJK = "groenelaan"
YEAR = 2026
SUBJECTS = [
    "te hard rijden", "parkeren op de stoep", "hondenpoep op het gras", "zwerfafval",
    "kapotte straatlantaarn", "geluidsoverlast van buren", "het nieuwe speeltuintje",
    "de buurtmoestuin", "het wijkcentrum is gezellig", "te weinig bankjes", "fietsendiefstal",
    "eenzaamheid bij ouderen", "jongeren hangen rond", "mooie bomen", "de markt",
    "vuilnis naast de container", "losliggende stoeptegels", "drukte bij de school",
]  # fmt: skip
PLACES = ["bij de Olmen", "in de Keizer Karelweg", "bij het winkelcentrum", "aan de Amstel", ""]
FILLER = ["echt", "al", "weken", "steeds", "vaker", "sinds", "de", "zomer", "vooral", "avonds"]
SWOTS = ["strength", "weakness", "opportunity", "threat"]
STATUSES = ["new"] * 5 + ["read"] * 3 + ["in_progress"] * 2 + ["resolved"] + ["hidden", "withdrawn"]


def synthetic_text(rng: random.Random) -> str:
    words = rng.sample(FILLER, rng.randint(2, 6))
    subject, place = rng.choice(SUBJECTS).capitalize(), rng.choice(PLACES)
    return f"{subject} {place} {' '.join(words)} ({rng.randint(1, 99999)})"


@lru_cache(maxsize=100_000)
def _signature(text_: str) -> str:
    return grouping_signature(text_)


@lru_cache(maxsize=1)
def bench_config() -> Any:
    from bot.core.config import load_config

    return load_config(REPO / "config.example.toml", env={}, require_token=False)


def fill(engine: Engine, observations: int, people: int, statements: int) -> None:
    from bot.core.database import Database
    from bot.people.persons import sync_wijken, wijk_by_slug
    from models import Edition, Observation, Person, Reaction, SpiegelItem

    rng = random.Random(2026)
    db = Database(engine)
    with db.session() as session:
        sync_wijken(session, bench_config())
        wijk = wijk_by_slug(session, TARGET_WIJK)
        other = wijk_by_slug(session, OTHER_WIJK)
        assert wijk is not None and wijk.id is not None and other is not None
        wijk_id, other_id = wijk.id, other.id
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(Person.__table__),  # type: ignore[attr-defined]
            [
                {
                    "telegram_id": 10_000_000 + i,
                    "language": "nl",
                    "pseudonym": f"Buur-{i}",
                    "consent_at": start,
                    "share_name": False,
                    "current_wijk_id": wijk_id,
                    "created_at": start,
                }
                for i in range(people)
            ],
        )
        person_ids = [r[0] for r in conn.execute(text("SELECT id FROM person ORDER BY id"))]
        edition_id = conn.execute(
            insert(Edition.__table__).returning(Edition.__table__.c.id),  # type: ignore[attr-defined]
            {"wijk_id": wijk_id, "year": YEAR, "title": "Wijkspiegel", "imported_at": start},
        ).scalar_one()
        conn.execute(
            insert(SpiegelItem.__table__),  # type: ignore[attr-defined]
            [
                {
                    "edition_id": edition_id,
                    "key": f"k{i}",
                    "kind": SWOTS[i % 4] if i < statements - 4 else "recommendation",
                    "text": synthetic_text(rng).rsplit(" (", 1)[0] + ".",
                    "position": i,
                    "retired": False,
                }
                for i in range(statements)
            ],
        )
        item_ids = [r[0] for r in conn.execute(text("SELECT id FROM spiegelitem ORDER BY id"))]
    YEAR_SECONDS = 365 * 24 * 3600
    rows: list[dict[str, Any]] = []

    def flush(table: Any) -> None:
        if rows:
            with engine.begin() as conn:
                conn.execute(insert(table), rows)
            rows.clear()

    obs_table = Observation.__table__  # type: ignore[attr-defined]
    for i in range(observations + observations // 20):
        in_target = i < observations
        at = start + timedelta(seconds=rng.randrange(YEAR_SECONDS))
        if i % 25 == 0 and in_target:
            at -= timedelta(days=365)  # some of last year
        body = synthetic_text(rng)
        sig = _signature(body.rsplit(" (", 1)[0])
        rows.append(
            {
                "wijk_id": wijk_id if in_target else other_id,
                "person_id": rng.choice(person_ids) if i % 10 else None,
                "author_role": "resident",
                "swot": rng.choice(SWOTS),
                "text": body,
                "lang": "nl",
                "share_name": False,
                "status": rng.choice(STATUSES),
                "created_at": at,
                "updated_at": at,
                "grouping_signature": sig,
                "grouping_matter": matter_key(sig),
            }
        )
        if len(rows) >= 5000:
            flush(obs_table)
    flush(obs_table)
    reaction_table = Reaction.__table__  # type: ignore[attr-defined]
    for item_id in item_ids:
        for pid in person_ids:
            at = start + timedelta(seconds=rng.randrange(YEAR_SECONDS))
            rows.append(
                {
                    "item_id": item_id,
                    "wijk_id": wijk_id,
                    "person_id": pid,
                    "verdict": "recognise" if rng.random() < 0.6 else "not_recognise",
                    "created_at": at,
                    "updated_at": at,
                }
            )
            if len(rows) >= 10_000:
                flush(reaction_table)
    flush(reaction_table)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def draft(engine: Engine, year: int = YEAR, slug: str = TARGET_WIJK) -> bytes:
    from bot.core.database import Database
    from bot.people.persons import wijk_by_slug
    from bot.supplement import builder, render

    with Database(engine).session() as session:
        wijk = wijk_by_slug(session, slug)
        assert wijk is not None
        data = builder.build(session, bench_config(), wijk, year)
    return render.render(data, "nl", "docx")


def raw_read(engine: Engine) -> int:
    from bot.supplement.builder import year_bounds

    start, end = year_bounds(YEAR, bench_config().general.tz)
    with engine.connect() as conn:
        wijk_id = conn.execute(
            text("SELECT id FROM wijk WHERE slug = :s"), {"s": TARGET_WIJK}
        ).scalar_one()
        found = conn.execute(
            text(
                "SELECT id, person_id, swot, text, status, grouping_signature FROM observation "
                "WHERE wijk_id = :w AND created_at >= :s AND created_at < :e "
                "AND status IN ('new', 'read', 'in_progress', 'referred', 'resolved')"
            ),
            {"w": wijk_id, "s": start, "e": end},
        ).all()
        reactions = conn.execute(
            text(
                "SELECT item_id, person_id, verdict, comment FROM reaction "
                "WHERE wijk_id = :w AND updated_at >= :s AND updated_at < :e"
            ),
            {"w": wijk_id, "s": start, "e": end},
        ).all()
    return len(found) + len(reactions)


def rss_child(url: str) -> None:
    from bot.core.database import create_db_engine

    engine = create_db_engine(url)
    draft(engine, YEAR, OTHER_WIJK)  # warm: imports, vocabulary, python-docx, the pool
    idle = _proc_kb("VmRSS")
    with contextlib.suppress(OSError):  # the high-water mark from now: the draft's own
        Path("/proc/self/clear_refs").write_text("5")
    draft(engine)
    print(json.dumps({"idle_kb": idle, "peak_kb": _proc_kb("VmHWM")}))


def _proc_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def measure(url: str, engine: Engine, quick: bool, repeat: int) -> dict[str, float]:
    from bot.core import migrate

    migrate.upgrade(engine)
    scale = 10 if quick else 1
    began = time.perf_counter()
    fill(engine, 50_000 // scale, 5_000 // scale, 40)
    print(f"  filled in {time.perf_counter() - began:.0f} s")
    draft(engine)  # warm
    raw_read(engine)
    drafts, raws = [], []
    for _ in range(repeat):  # in turn, so both see the same machine
        t0 = time.perf_counter()
        rows = raw_read(engine)
        raws.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        size = len(draft(engine))
        drafts.append(time.perf_counter() - t0)
    d, r = statistics.median(drafts), statistics.median(raws)
    child = subprocess.run(
        [sys.executable, __file__, "--rss-child", url], capture_output=True, text=True, check=True
    )
    rss = json.loads(child.stdout.strip().splitlines()[-1])
    growth = (rss["peak_kb"] - rss["idle_kb"]) / 1024
    print(
        f"  raw read {r * 1000:.0f} ms ({rows:,} rows), draft {d * 1000:.0f} ms "
        f"({size:,} bytes of DOCX): {d / r:.2f}x; peak RSS growth {growth:.0f} MB"
    )
    return {"supplement_vs_raw_read": d / r, "rss_growth_mb": growth, "draft_ms": d * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "WIJKBOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rss-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child)
        return 0
    from bot.core.database import create_db_engine

    summary: dict[str, Any] = {"quick": args.quick}
    for backend in [args.only] if args.only else ["sqlite", "postgresql"]:
        print(f"supplement benchmark on {backend}{' (quick)' if args.quick else ''}")
        with scratch_database(backend, args.pg_url, "supplement") as url:
            engine = create_db_engine(url)
            result = measure(url, engine, args.quick, args.repeat)
            engine.dispose()
        for key, value in result.items():
            summary[f"{key}_{backend}"] = round(value, 2)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
