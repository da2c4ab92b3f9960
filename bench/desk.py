"""Benchmark of the desk's inbox page (bot.desk.inbox.inbox_page), on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/desk.py [--quick] [--only sqlite|postgresql] [--pg-url URL]
       [--repeat 15]

Fills a fresh database per backend (SQLAlchemy Core bulk inserts): 200,000 observations (20,000
with --quick) over six wijken and two years, from 5,000 people (a tenth sharing their name), a
twentieth by partners, a tenth with a photo, a third with a location, one in sixteen withdrawn,
texts of 18 subjects and 5 places with a grouping matter per subject and place; one in ten has
an "ik ook". The coach handles three of the wijken. Then ANALYZE (VACUUM ANALYZE on PostgreSQL),
as autovacuum would have.

Measured, in turn in the same run (median of --repeat after a warm-up), each in its own session
as a request would be:
  - the desk: inbox_page for the coach with two filters and a text search (question "Wat kan
    beter?", theme "buitenruimte", "lantaarn"): the page of 50, the total and the counts per
    filter value (faceted) and the top groups;
  - raw: one SQL statement returning the same page's rows (the same columns, the sender's
    pseudonym or name, the wijk's name, the supporters' count), written by hand.
desk_page_vs_raw_<backend> = desk / raw (target <= 3); desk_page_ms_<backend> the desk's median.
Also printed, not targeted: the same page without a text search and the first page of
everything (no filter), where the counts run over all of the coach's rows.
Prints figures, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scratch import scratch_database  # noqa: E402  (bench/scratch.py)
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

SLUGS = ["elsrijk", "groenelaan", "westwijk", "bovenkerk", "stadshart", "randwijck"]
HANDLED = 3  # the coach handles the first three
SUBJECTS = [
    "te hard rijden", "parkeren op de stoep", "hondenpoep op het gras", "zwerfafval",
    "kapotte straatlantaarn", "geluidsoverlast van buren", "het nieuwe speeltuintje",
    "de buurtmoestuin", "het wijkcentrum is gezellig", "te weinig bankjes", "fietsendiefstal",
    "eenzaamheid bij ouderen", "jongeren hangen rond", "mooie bomen", "de markt",
    "vuilnis naast de container", "losliggende stoeptegels", "lantaarnpaal scheef",
]  # fmt: skip
PLACES = ["bij de Olmen", "in de Keizer Karelweg", "bij het winkelcentrum", "aan de Amstel", ""]
FILLER = ["echt", "al", "weken", "steeds", "vaker", "sinds", "de", "zomer", "vooral", "avonds"]
SWOTS = ["strength", "weakness", "opportunity", "threat"]
THEMES = ["wonen", "buitenruimte", "binnenruimte", "betrokkenheid", "wijkcentrum", None]
STATUSES = (
    ["new"] * 6 + ["read"] * 4 + ["in_progress"] * 2 + ["resolved"] * 2 + ["hidden", "withdrawn"]
)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MEASURED = {"swot": "weakness", "theme": "buitenruimte", "q": "lantaarn"}


@lru_cache(maxsize=1)
def bench_config() -> Any:
    from bot.core.config import load_config

    return load_config(REPO / "config.example.toml", env={}, require_token=False)


def fill(engine: Engine, observations: int, people: int) -> list[int]:
    """The database's rows; returns the ids of the wijken (the coach's first)."""
    from bot.core.database import Database
    from bot.people.persons import sync_wijken, wijk_by_slug
    from models import Observation, Person, Supporter

    rng = random.Random(19)
    with Database(engine).session() as session:
        sync_wijken(session, bench_config())
        wijk_ids = []
        for slug in SLUGS:
            wijk = wijk_by_slug(session, slug)
            assert wijk is not None and wijk.id is not None
            wijk_ids.append(wijk.id)
    start = NOW - timedelta(days=730)
    with engine.begin() as conn:
        conn.execute(
            insert(Person.__table__),  # type: ignore[attr-defined]
            [
                {
                    "telegram_id": 20_000_000 + i,
                    "language": "nl",
                    "pseudonym": f"Buur-{i}",
                    "display_name": f"Naam {i}",
                    "share_name": i % 10 == 0,
                    "consent_at": start,
                    "current_wijk_id": wijk_ids[i % len(wijk_ids)],
                    "created_at": start,
                }
                for i in range(people)
            ],
        )
        person_ids = [r[0] for r in conn.execute(text("SELECT id FROM person ORDER BY id"))]
    seconds = int((NOW - start).total_seconds())
    times = sorted(start + timedelta(seconds=rng.randrange(seconds)) for _ in range(observations))
    rows: list[dict[str, Any]] = []
    table = Observation.__table__  # type: ignore[attr-defined]
    for at in times:  # stored in time order, as the bot stores them
        subject, place = rng.randrange(len(SUBJECTS)), rng.randrange(len(PLACES))
        words = " ".join(rng.sample(FILLER, rng.randint(2, 6)))
        body = f"{SUBJECTS[subject].capitalize()} {PLACES[place]} {words} ({rng.randint(1, 99999)})"
        person = rng.choice(person_ids)
        located = rng.random() < 0.33
        rows.append(
            {
                "wijk_id": rng.choice(wijk_ids),
                "person_id": person,
                "author_role": "partner" if rng.random() < 0.05 else "resident",
                "swot": rng.choice(SWOTS),
                "theme": rng.choice(THEMES),
                "text": body,
                "lang": "nl",
                "photo_file_id": "AgAC-photo" if rng.random() < 0.1 else None,
                "latitude": 52.3 + rng.random() / 50 if located else None,
                "longitude": 4.85 + rng.random() / 50 if located else None,
                "share_name": person % 10 == 0,
                "status": rng.choice(STATUSES),
                "created_at": at,
                "updated_at": at,
                "grouping_matter": f"bench|{subject}|{place}",
            }
        )
        if len(rows) >= 5000:
            with engine.begin() as conn:
                conn.execute(insert(table), rows)
            rows.clear()
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(table), rows)
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM observation"))]
        conn.execute(
            insert(Supporter.__table__),  # type: ignore[attr-defined]
            [
                {"observation_id": oid, "person_id": person_ids[i % people], "text": "ik ook"}
                for i, oid in enumerate(ids[::10])
            ],
        )
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    return wijk_ids


def coach_actor(wijk_ids: list[int]) -> Any:
    from bot.people.permissions import Actor
    from models import Membership, Person

    person = Person(id=1, telegram_id=1, consent_at=NOW, pseudonym="Coach")
    return Actor(person, [Membership(person_id=1, wijk_id=w, role="coach") for w in wijk_ids])


def desk_page(engine: Engine, actor: Any, query: dict[str, str]) -> Any:
    from bot.core.database import Database
    from bot.desk.inbox import InboxFilter, inbox_page

    with Database(engine).session() as session:
        return inbox_page(session, actor, InboxFilter.from_query(query), now=NOW)


RAW = """
SELECT o.id, o.wijk_id, w.name, o.created_at, o.swot, o.theme, o.status,
       substr(o.text, 1, 161), o.photo_file_id IS NOT NULL,
       o.latitude IS NOT NULL AND o.longitude IS NOT NULL,
       CASE WHEN o.share_name AND p.display_name IS NOT NULL THEN p.display_name
            ELSE p.pseudonym END,
       o.author_role, o.urgent_kind,
       (SELECT count(*) FROM observation_supporter s WHERE s.observation_id = o.id)
FROM observation o JOIN wijk w ON w.id = o.wijk_id LEFT JOIN person p ON p.id = o.person_id
WHERE o.wijk_id IN ({wijken}) AND o.status <> 'withdrawn' {where}
ORDER BY o.created_at DESC, o.id DESC LIMIT 50
"""


def raw_page(engine: Engine, wijk_ids: list[int], query: dict[str, str]) -> list[Any]:
    where, params = "", {}
    if "swot" in query:
        where += " AND o.swot = :swot"
        params["swot"] = query["swot"]
    if "theme" in query:
        where += " AND o.theme = :theme"
        params["theme"] = query["theme"]
    if "q" in query:
        op = "ILIKE" if engine.dialect.name == "postgresql" else "LIKE"
        where += f" AND o.text {op} :q"
        params["q"] = f"%{query['q']}%"
    statement = text(RAW.format(wijken=",".join(str(w) for w in wijk_ids), where=where))
    with engine.connect() as conn:
        return list(conn.execute(statement, params).all())


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def measure(engine: Engine, quick: bool, repeat: int) -> dict[str, float]:
    from bot.core import migrate

    migrate.upgrade(engine)
    total = 20_000 if quick else 200_000
    began = time.perf_counter()
    wijk_ids = fill(engine, total, 5_000)
    print(f"  filled {total:,} observations in {time.perf_counter() - began:.0f} s")
    handled = wijk_ids[:HANDLED]
    actor = coach_actor(handled)
    result: dict[str, float] = {}
    cases = [
        ("page", MEASURED),
        ("no_search", {k: v for k, v in MEASURED.items() if k != "q"}),
        ("everything", {}),
    ]
    for name, query in cases:
        page = desk_page(engine, actor, query)  # warm: imports, statement caches, the pool
        raw = raw_page(engine, handled, query)
        assert [r.id for r in page.rows] == [r[0] for r in raw], name
        desks, raws = [], []
        for _ in range(repeat):  # in turn, so both see the same machine
            raws.append(timed(partial(raw_page, engine, handled, query))[0])
            desks.append(timed(partial(desk_page, engine, actor, query))[0])
        d, r = statistics.median(desks), statistics.median(raws)
        print(
            f"  {name}: {page.total:,} found; desk {d * 1000:.1f} ms, raw {r * 1000:.1f} ms: "
            f"{d / r:.2f}x"
        )
        if name == "page":
            result["desk_page_vs_raw"] = d / r
            result["desk_page_ms"] = d * 1000
            result["raw_page_ms"] = r * 1000
        else:
            result[f"desk_{name}_vs_raw"] = d / r
            result[f"desk_{name}_ms"] = d * 1000
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 observations")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "WIJKBOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    from bot.core.database import create_db_engine

    summary: dict[str, Any] = {"quick": args.quick}
    for backend in [args.only] if args.only else ["sqlite", "postgresql"]:
        print(f"desk benchmark on {backend}{' (quick)' if args.quick else ''}")
        with scratch_database(backend, args.pg_url, "desk") as url:
            engine = create_db_engine(url)
            result = measure(engine, args.quick, args.repeat)
            engine.dispose()
        for key, value in result.items():
            summary[f"{key}_{backend}"] = round(value, 2)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
