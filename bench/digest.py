"""Benchmark of building one wijk's digest (bot/digest/builder.py), on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/digest.py [--quick] [--only sqlite|postgresql] [--pg-url URL]

Fills a fresh database per backend with synthetic observations (SQLAlchemy Core bulk inserts):
stored history spread over 13 wijken and two years, plus, for the measured wijk, 10,000
observations in ISO week 2026-W47 (the measured period), 10,000 in W46 (its previous period) and
20,000 in W49 (the "twice the rows" period); and reactions to each wijk's spiegel (an edition
per year), a quarter as many as observations over the history, 1,000 in each measured week of
the measured wijk (2,000 in W49), by writers and by people who only react. Then it analyses
(and on PostgreSQL vacuums) the tables as a running database's autovacuum would have.
Then it measures:
  - digest_vs_raw_read: the W47 digest against a raw SQL read of the same rows (target <= 5x)
  - history_x2: the same build after doubling the stored history (target <= 1.1x the first),
    against a copy of the database kept from before the doubling, the two built in turn
  - period_x2: building W49 (twice the rows) against W47 (target <= 2.2x)
  - rss_delta_mb: peak RSS while building over ~1,000,000 stored observations (100,000 with
    --quick) minus the RSS of the same process idle just before (target <= +60 MB), measured
    in a subprocess from /proc/self/status.
The config is loaded once, before any timing, as the bot loads it once at start-up; a timed
build is what the bot and the CLI do per digest (a session, the wijk, bot.digest.builder.build; what
needs no grouping is read on a second connection of the same engine meanwhile, see
bot.digest.builder._Beside, and its time is part of the build's).
The grouping of the period's observations (bot/grouping/groups.py, another module) is timed
separately
so its share is visible. Every stored row gets its grouping signature computed exactly as
bot/observations/filing.py create_observation does (bot.grouping.signatures.signature of the text);
that cost
belongs to the write path and is reported as such. Prints figures, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scratch import scratch_database  # noqa: E402  (bench/scratch.py)
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import select  # noqa: E402

from bot.grouping.signatures import matter_key  # noqa: E402
from bot.grouping.signatures import signature as grouping_signature  # noqa: E402

AMS = ZoneInfo("Europe/Amsterdam")
TARGET_WIJK = "elsrijk"
PERIOD_ROWS = 10_000
PEOPLE = 5_000
REACTORS = 5_000  # people who only react to the spiegel (most participants never write)
STATEMENTS = 30  # per wijk and yearly edition of its spiegel
PERIOD_REACTIONS = 1_000  # the measured wijk's reactions per measured week (twice in W49)
BATCH = 10_000
# Builds and reads are timed as the median of this many (the machine may be busy with other
# work). What a ratio compares takes turns, so it compares runs made moments apart: the raw
# read, the W47 build and the W49 build; then W47 on a copy of the database from before the
# history was doubled and W47 on the doubled one.
BUILD_REPEATS = 7
TARGETS = {"digest_vs_raw_read": 5.0, "history_x2": 1.1, "period_x2": 2.2, "rss_delta_mb": 60.0}

SUBJECTS = [
    "geen parkeerplek te vinden",
    "auto's staan op de stoep",
    "hondenpoep op het grasveld",
    "er wordt te hard gereden",
    "de speeltuin is kapot",
    "ouderen zijn eenzaam",
    "de bibliotheek is fijn",
    "het wijkcentrum organiseert leuke dingen",
    "zwerfafval bij de containers",
    "te weinig groen in de straat",
    "fietsen worden gestolen",
    "de buurtapp werkt goed",
    "de bushalte is onveilig in het donker",
    "overlast van hangjongeren",
    "de markt brengt mensen samen",
    "er zijn te weinig bankjes",
    "straatverlichting is vaak kapot",
    "jongeren hebben geen plek",
    "de moestuin is een succes",
    "scooters rijden over de stoep",
]
PLACES = [
    "rond het Stadsplein",
    "bij de Olmen",
    "in de Keizer Karelweg",
    "bij het winkelcentrum",
    "aan de Amstel",
    "bij school De Horizon",
    "",
    "",
]
FILLER = ["echt", "al", "weken", "steeds", "vaker", "sinds", "de", "zomer", "vooral", "avonds"]
SWOTS = ["strength", "weakness", "opportunity", "threat"]
THEMES = ["wonen", "buitenruimte", "binnenruimte", "betrokkenheid", "wijkcentrum", None]


def synthetic_text(rng: random.Random) -> str:
    words = rng.sample(FILLER, rng.randint(2, 6))
    subject, place = rng.choice(SUBJECTS).capitalize(), rng.choice(PLACES)
    return f"{subject} {place} {' '.join(words)} ({rng.randint(1, 99999)})"


# --- filling -------------------------------------------------------------------------------------


class Filler:
    def __init__(self, engine: Engine, seed: int = 47) -> None:
        from bot.core.config import load_config
        from bot.core.database import Database
        from bot.people.persons import sync_wijken
        from models import Edition, Membership, Observation, Person, Reaction, SpiegelItem, Wijk

        self.engine = engine
        self.rng = random.Random(seed)
        self.config = load_config(REPO / "config.example.toml", env={}, require_token=False)
        db = Database(engine)
        with db.session() as session:
            sync_wijken(session, self.config)
            self.wijken: dict[str, int] = {
                w.slug: w.id for w in session.exec(select(Wijk)).all() if w.id is not None
            }
        self.obs = Observation.__table__  # type: ignore[attr-defined]
        self.reaction = Reaction.__table__  # type: ignore[attr-defined]
        self.people_by_wijk: dict[int, list[int]] = {w: [] for w in self.wijken.values()}
        now = datetime(2024, 1, 1, tzinfo=UTC)
        person_rows, member_rows = [], []
        wijk_ids = list(self.wijken.values())
        self.reactors_by_wijk: dict[int, list[int]] = {w: [] for w in self.wijken.values()}
        for i in range(PEOPLE + REACTORS):  # first the people who write, then those who react
            wijk_id = wijk_ids[i % len(wijk_ids)]
            writes = i < PEOPLE
            shares = writes and i % 5 == 0
            person_rows.append(
                {
                    "id": i + 1,
                    "telegram_id": 10_000_000 + i,
                    "language": "nl",
                    "consent_at": now,
                    "pseudonym": f"Buur-{i}",
                    "share_name": shares,
                    "display_name": f"Persoon {i}" if shares else None,
                    "current_wijk_id": wijk_id,
                    "created_at": now,
                }
            )
            role = "big" if i % 17 == 0 else ("partner" if i % 29 == 0 else "resident")
            member_rows.append(
                {
                    "person_id": i + 1,
                    "wijk_id": wijk_id,
                    "role": role if writes else "resident",
                    "created_at": now,
                }
            )
            (self.people_by_wijk if writes else self.reactors_by_wijk)[wijk_id].append(i + 1)
        with engine.begin() as conn:
            conn.execute(insert(Person.__table__), person_rows)  # type: ignore[attr-defined]
            conn.execute(insert(Membership.__table__), member_rows)  # type: ignore[attr-defined]
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT setval('person_id_seq', (SELECT max(id) FROM person))"))
            # A spiegel edition per wijk and year, the years the history spans.
            conn.execute(
                insert(Edition.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "wijk_id": w,
                        "year": year,
                        "title": f"Wijkspiegel {year}",
                        "introduction": "",
                        "imported_at": now,
                    }
                    for w in wijk_ids
                    for year in range(2022, 2027)
                ],
            )
            editions = conn.execute(text("SELECT id, wijk_id, year FROM edition")).all()
            conn.execute(
                insert(SpiegelItem.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "edition_id": edition_id,
                        "key": f"s{n}",
                        "kind": SWOTS[n % len(SWOTS)],
                        "text": f"Stelling {n}",
                        "position": n,
                        "retired": False,
                    }
                    for edition_id, _, _ in editions
                    for n in range(STATEMENTS)
                ],
            )
            year_of = {edition_id: (w, year) for edition_id, w, year in editions}
            self.statements: dict[tuple[int, int], list[int]] = {}
            for item_id, edition_id in conn.execute(text("SELECT id, edition_id FROM spiegelitem")):
                self.statements.setdefault(year_of[edition_id], []).append(item_id)
        self.reaction_rng = random.Random(seed + 1)  # the observations stay as they were
        self.reacted: set[tuple[int, int]] = set()  # one reaction per person and statement
        self.reactions_stored = 0
        self.stored = 0
        self.signature_seconds = 0.0  # the write path's share: one signature per stored row

    def observations(
        self, count: int, start: datetime, end: datetime, *, wijk: str | None, history: bool
    ) -> None:
        rng = self.rng
        rows: list[dict[str, Any]] = []
        for _ in range(count):
            wijk_id, created = self._where_and_when(rng, start, end, wijk)
            roll = rng.random()
            if history:
                status = (
                    "in_progress"
                    if roll < 0.90
                    else "read"
                    if roll < 0.95
                    else "new"
                    if roll < 0.97
                    else "hidden"
                    if roll < 0.99
                    else "withdrawn"
                )
            else:
                status = (
                    "new"
                    if roll < 0.70
                    else "read"
                    if roll < 0.90
                    else "in_progress"
                    if roll < 0.98
                    else "hidden"
                    if roll < 0.99
                    else "withdrawn"
                )
            person = None if rng.random() < 0.02 else rng.choice(self.people_by_wijk[wijk_id])
            rows.append(
                {
                    "wijk_id": wijk_id,
                    "person_id": person,
                    "author_role": "resident",
                    "swot": rng.choice(SWOTS),
                    "theme": rng.choice(THEMES),
                    "text": synthetic_text(rng),
                    "lang": "nl",
                    "share_name": rng.random() < 0.2,
                    "status": status,
                    "created_at": created,
                    "updated_at": created,
                    "answered_at": created + timedelta(days=2) if status == "in_progress" else None,
                }
            )
            started = time.perf_counter()  # the write path's work, as create_observation does it
            stored = rows[-1]["grouping_signature"] = grouping_signature(rows[-1]["text"])
            rows[-1]["grouping_matter"] = matter_key(stored)
            self.signature_seconds += time.perf_counter() - started
            if len(rows) == BATCH:
                self._flush(rows)
        self._flush(rows)

    def reactions(self, count: int, start: datetime, end: datetime, *, wijk: str | None) -> None:
        """Reactions to the statements of the edition of their year, by writers and by people
        who only react; one in ten with a comment. A person reacts once to a statement."""
        rng = self.reaction_rng
        rows: list[dict[str, Any]] = []
        for _ in range(count):
            wijk_id, created = self._where_and_when(rng, start, end, wijk)
            people = (
                self.reactors_by_wijk[wijk_id]
                if rng.random() < 0.6
                else self.people_by_wijk[wijk_id]
            )
            person = rng.choice(people)
            item = rng.choice(self.statements[(wijk_id, created.year)])
            if (item, person) in self.reacted:
                continue
            self.reacted.add((item, person))
            comment = synthetic_text(rng) if rng.random() < 0.1 else None
            rows.append(
                {
                    "item_id": item,
                    "wijk_id": wijk_id,
                    "person_id": person,
                    "verdict": rng.choice(("recognise", "not_recognise")),
                    "comment": comment,
                    "created_at": created,
                    "updated_at": created,
                    "commented_at": created if comment else None,
                }
            )
            if len(rows) == BATCH:
                self._flush(rows, self.reaction)
        self._flush(rows, self.reaction)

    def _where_and_when(
        self, rng: random.Random, start: datetime, end: datetime, wijk: str | None
    ) -> tuple[int, datetime]:
        """The given wijk, else one at random; a moment in [start, end)."""
        wijk_id = self.wijken[wijk] if wijk else rng.choice(list(self.wijken.values()))
        return wijk_id, start + timedelta(seconds=rng.random() * (end - start).total_seconds())

    def _flush(self, rows: list[dict[str, Any]], table: Any = None) -> None:
        if rows:
            with self.engine.begin() as conn:
                conn.execute(insert(self.obs if table is None else table), rows)
            if table is None:
                self.stored += len(rows)
            else:
                self.reactions_stored += len(rows)
            rows.clear()

    def analyze(self) -> None:
        analyze(self.engine)


def analyze(engine: Engine) -> None:
    """Statistics for the planner, and on PostgreSQL a VACUUM as well: a running bot's tables
    are vacuumed by autovacuum, which sets the visibility map that index-only scans (the
    digest's counts) rely on. A table just filled in bulk has none yet, and whether autovacuum
    gets to it before or during the measurements would decide the figures."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def copy_database(url: str) -> str:
    """A copy of the (idle) database; its URL. SQLite: the file; PostgreSQL: CREATE DATABASE
    from it as a template (a copy of its files: same rows, same layout, same statistics)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        copy = path.with_name(path.stem + "-before" + path.suffix)
        for suffix in ("", "-wal"):  # no -wal once every connection is closed; copied if any
            if Path(f"{path}{suffix}").exists():
                shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")
        return f"sqlite:///{copy}"
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}_before" TEMPLATE "{name}"')
    return f"{server}/{name}_before"


def drop_database_copy(url: str) -> None:
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- measuring -----------------------------------------------------------------------------------


def week(key: str) -> Any:
    from bot.digest.periods import parse_period_key

    return parse_period_key(key, AMS)


def timed(fn: Callable[[], Any], repeat: int) -> float:
    return timed_in_turn([fn], repeat)[0]


def timed_in_turn(fns: list[Callable[[], Any]], repeat: int) -> list[float]:
    """The median time of each function, run in turn (a, b, c, a, b, c, ...): a ratio of two
    of them then compares runs made moments apart, under the same load of the machine."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, spent in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


GROUPING_SECONDS = [0.0]


@lru_cache(maxsize=1)
def bench_config() -> Any:
    """Loaded once, as the bot loads its config once at start-up: not part of a build."""
    from bot.core.config import load_config

    return load_config(REPO / "config.example.toml", env={}, require_token=False)


@lru_cache(maxsize=1)
def timing_the_grouping() -> None:
    """Adds the time spent inside the grouping (bot.grouping.groups.group_observations, as the
    digest calls it) to GROUPING_SECONDS; the build itself is unchanged."""
    from bot.digest import builder

    group = builder.group_observations

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return group(*args, **kwargs)
        finally:
            GROUPING_SECONDS[0] += time.perf_counter() - start

    builder.group_observations = timed


def build_once(engine: Engine, period_key: str) -> Any:
    """One digest build, as the bot and the CLI make it (bot.digest.builder.build in a session, the
    wijk looked up by slug); the time spent inside the grouping is added to GROUPING_SECONDS."""
    from bot.core.database import Database
    from bot.digest import builder
    from bot.people.persons import wijk_by_slug

    config = bench_config()
    period = week(period_key)
    timing_the_grouping()
    with Database(engine).session() as session:
        wijk = wijk_by_slug(session, TARGET_WIJK)
        assert wijk is not None
        return builder.build(session, config, wijk, period, period.end + timedelta(hours=8))


def raw_read(engine: Engine, wijk_id: int, period_key: str) -> int:
    period = week(period_key)
    sql = (
        "SELECT id, person_id, swot, theme, text, lang, status, share_name, created_at "
        "FROM observation WHERE wijk_id = :w AND created_at >= :s AND created_at < :e "
        "AND status IN ('new', 'read', 'in_progress', 'referred', 'resolved')"
    )
    with engine.connect() as conn:
        return len(
            conn.execute(text(sql), {"w": wijk_id, "s": period.start, "e": period.end}).all()
        )


def rss_child(url: str) -> None:
    """In a fresh process: idle RSS with everything imported and connected, then the peak."""
    from bot.core.database import create_db_engine

    engine = create_db_engine(url)
    build_once(engine, "2026-W45")  # warm: imports, vocabulary, connection pool (a tiny period)
    idle = _proc_kb("VmRSS")
    try:  # reset the high-water mark to "now", so the peak is the build's own
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    except OSError:
        reset = False
    build_once(engine, "2026-W47")
    peak = _proc_kb("VmHWM")
    print(json.dumps({"idle_kb": idle, "peak_kb": peak, "hwm_reset": reset}))


def _proc_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def measure(backend: str, url: str, engine: Engine, history: int) -> dict[str, float]:
    from bot.core import migrate

    print(f"\n== {backend} ==")
    migrate.upgrade(engine)
    filler = Filler(engine)
    start = time.perf_counter()
    two_years = datetime(2024, 11, 1, tzinfo=AMS)
    history_end = week("2026-W45").start  # history ends before the measured weeks
    filler.observations(history, two_years, history_end, wijk=None, history=True)
    for key, rows in (("2026-W45", 200), ("2026-W46", PERIOD_ROWS), ("2026-W47", PERIOD_ROWS)):
        p = week(key)
        filler.observations(rows, p.start, p.end, wijk=TARGET_WIJK, history=False)
    for key, rows in (("2026-W48", PERIOD_ROWS), ("2026-W49", 2 * PERIOD_ROWS)):
        p = week(key)
        filler.observations(rows, p.start, p.end, wijk=TARGET_WIJK, history=False)
    # Reactions to the spiegel: a quarter as many as observations over the history, and the
    # measured wijk's in the measured weeks (twice as many in W49, as its observations).
    filler.reactions(history // 4, two_years, history_end, wijk=None)
    for key, count in (
        ("2026-W45", 50),
        ("2026-W46", PERIOD_REACTIONS),
        ("2026-W47", PERIOD_REACTIONS),
        ("2026-W48", PERIOD_REACTIONS),
        ("2026-W49", 2 * PERIOD_REACTIONS),
    ):
        p = week(key)
        filler.reactions(count, p.start, p.end, wijk=TARGET_WIJK)
    filler.analyze()
    print(
        f"filled {filler.stored:,} observations and {filler.reactions_stored:,} reactions"
        f" in {time.perf_counter() - start:.1f} s"
    )
    print(
        f"  write path: grouping signature {filler.signature_seconds / filler.stored * 1e6:.1f}"
        " µs per stored observation (bot.grouping.signatures.signature, as create_observation does)"
    )
    wijk_id = filler.wijken[TARGET_WIJK]

    build_once(engine, "2026-W47")  # warm-up
    build_once(engine, "2026-W49")
    grouping_times: list[float] = []

    def measured_build() -> None:  # W47, with the time spent grouping its observations
        GROUPING_SECONDS[0] = 0.0
        build_once(engine, "2026-W47")
        grouping_times.append(GROUPING_SECONDS[0])

    raw, first, double = timed_in_turn(
        [
            lambda: raw_read(engine, wijk_id, "2026-W47"),
            measured_build,
            lambda: build_once(engine, "2026-W49"),
        ],
        BUILD_REPEATS,
    )
    grouping = statistics.median(grouping_times)
    rows = raw_read(engine, wijk_id, "2026-W47")
    print(f"W47: {rows:,} visible rows in the period; stored {filler.stored:,}")
    print(f"raw SQL read of the period's rows   {raw * 1000:8.1f} ms")
    print(f"digest build (W47)                  {first * 1000:8.1f} ms")
    print(f"  of which grouping (bot/grouping)  {grouping * 1000:8.1f} ms")
    print(f"  build without grouping            {(first - grouping) * 1000:8.1f} ms")
    print(f"digest build (W49, twice the rows)  {double * 1000:8.1f} ms")

    # Twice the history, compared with a copy of the database as it was: builds on the two
    # take turns, so the ratio compares builds made moments apart (as the others do), not
    # builds made minutes apart on a machine whose speed may have changed in between.
    from bot.core.database import create_db_engine

    engine.dispose()  # the copy needs the database to itself
    before_url = copy_database(url)
    before = create_db_engine(before_url)
    try:
        start = time.perf_counter()
        filler.observations(
            history, two_years - timedelta(days=730), two_years, wijk=None, history=True
        )
        filler.reactions(history // 4, two_years - timedelta(days=730), two_years, wijk=None)
        filler.analyze()
        analyze(before)  # the same treatment for both
        print(
            f"doubled the history in {time.perf_counter() - start:.1f} s: "
            f"stored {filler.stored:,} (and {filler.reactions_stored:,} reactions; a copy from"
            " before kept to compare)"
        )
        build_once(before, "2026-W47")  # warm-up: the copy's pages are not cached yet
        build_once(engine, "2026-W47")
        as_before, second = timed_in_turn(
            [lambda: build_once(before, "2026-W47"), lambda: build_once(engine, "2026-W47")],
            BUILD_REPEATS,
        )
    finally:
        before.dispose()
        drop_database_copy(before_url)
    print(f"digest build (W47, history as before) {as_before * 1000:6.1f} ms  (the copy)")
    print(f"digest build (W47, history x2)      {second * 1000:8.1f} ms")

    child = subprocess.run(
        [sys.executable, __file__, "--rss-child", url],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    rss = json.loads(child.stdout.strip().splitlines()[-1])
    delta_mb = (rss["peak_kb"] - rss["idle_kb"]) / 1024
    print(
        f"RSS idle {rss['idle_kb'] / 1024:.1f} MB, "
        f"peak while building {rss['peak_kb'] / 1024:.1f} MB"
        f" (over {filler.stored:,} stored): +{delta_mb:.1f} MB"
        + ("" if rss["hwm_reset"] else " (peak includes start-up: no clear_refs)")
    )
    result = {
        "digest_vs_raw_read": first / raw,
        "history_x2": second / as_before,
        "period_x2": double / first,
        "rss_delta_mb": delta_mb,
        "build_ms": first * 1000,
        "grouping_ms": grouping * 1000,
        "raw_read_ms": raw * 1000,
        "stored": filler.stored,
        "signature_us_per_write": filler.signature_seconds / filler.stored * 1e6,
    }
    for key, target in TARGETS.items():
        verdict = "ok" if result[key] <= target else "OVER TARGET"
        print(f"{key:20s} {result[key]:8.2f}   (target <= {target})  {verdict}")
    build_wo_grouping = (first - grouping) / raw
    print(
        f"{'(without grouping)':20s} {build_wo_grouping:8.2f}   digest minus grouping vs raw read"
    )
    result["digest_without_grouping_vs_raw_read"] = build_wo_grouping
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 stored observations")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "WIJKBOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL database the user may create databases from",
    )
    parser.add_argument("--rss-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child)
        return 0

    from bot.core.database import create_db_engine

    total = 100_000 if args.quick else 1_000_000
    fixed = 200 + 5 * PERIOD_ROWS
    history = (total - fixed) // 2  # doubled half-way, so the final store holds `total`
    print(f"digest benchmark: {'quick' if args.quick else 'full'}, {total:,} stored at the end")
    summary: dict[str, Any] = {"quick": args.quick}
    backends = [args.only] if args.only else ["sqlite", "postgresql"]
    for backend in backends:
        with scratch_database(backend, args.pg_url, "digest") as url:
            engine = create_db_engine(url)
            result = measure(backend, url, engine, history)
            engine.dispose()
        for key, value in result.items():
            summary[f"{key}_{backend}"] = round(value, 3) if isinstance(value, float) else value
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
