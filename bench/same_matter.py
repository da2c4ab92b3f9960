""" "Ik ook" when filing: how often the suggestion is right, and what it costs at Versturen.

Usage: .venv/bin/python bench/same_matter.py [--stored 100000] [--repeat 300]

Quality, for each labelled set (dev 80 in ../shared/data, holdout and blind in tests/data): the
observations are replayed in file order per wijk; for each, the suggestion the service would make
from the earlier ones of the same wijk (bot.observations.same_matter: same concept, same
polarity, no different places; the closest by shared words, then the newest; the 8-week window
and the statuses play no part here). Precision = suggestions whose topic equals the new one's /
suggestions; recall = correct suggestions / observations that had an earlier observation of the
same topic in their wijk. The blind set is measured, never tuned on.

Speed: a SQLite database (a file, WAL, as the bot runs) with `--stored` observations in one wijk
over two years, texts from the labelled sets with their signatures stored as the bot stores them;
then `same_matter.closest_open` (the new text's grouping signature plus the look-up) for texts of
the labelled sets, the median and p95 over `--repeat` calls: what the check adds to Versturen.
The signature itself is timed apart (filing computes it anyway).
Prints readable figures, then exactly one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import insert  # noqa: E402

from bot.core import migrate  # noqa: E402
from bot.core.config import load_config  # noqa: E402
from bot.core.database import Database  # noqa: E402
from bot.grouping import signatures  # noqa: E402
from bot.grouping.vocabulary import load_vocabulary  # noqa: E402
from bot.observations import same_matter  # noqa: E402
from bot.people import persons  # noqa: E402
from models import Observation  # noqa: E402

SETS = {
    "dev": REPO.parent / "shared" / "data" / "observations_dev.jsonl",
    "holdout": REPO / "tests" / "data" / "grouping_holdout.jsonl",
    "blind": REPO / "tests" / "data" / "grouping_blind.jsonl",
}
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def read_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def quality(rows: list[dict[str, Any]]) -> dict[str, float | int]:
    vocabulary = load_vocabulary()
    earlier: dict[str, list[tuple[same_matter.Found, str, str, int]]] = defaultdict(list)
    suggested = correct = answerable = 0
    for number, row in enumerate(rows):
        wijk, topic, swot = row["wijk"], row["topic"], row.get("swot") or "weakness"
        new = same_matter.read(signatures.signature(row["text"], vocabulary), wijk)
        before = earlier[wijk]
        if any(t == topic for _, t, _, _ in before):
            answerable += 1
        polarity = same_matter.same_polarity(swot)
        moment = NOW + timedelta(seconds=number)
        chosen = same_matter.closest(
            new,
            (
                (found, moment - timedelta(seconds=number - i), i, t)
                for found, t, s, i in before
                if s in polarity
            ),
        )
        if chosen is not None:
            suggested += 1
            correct += chosen == topic
        before.append((new, topic, swot, number))
    return {
        "observations": len(rows),
        "suggested": suggested,
        "correct": correct,
        "answerable": answerable,
        "precision": round(correct / suggested, 3) if suggested else 1.0,
        "recall": round(correct / answerable, 3) if answerable else 1.0,
    }


def fill(db: Database, stored: int, texts: list[dict[str, Any]]) -> tuple[int, int]:
    """`stored` observations in Elsrijk over two years, one author; (wijk id, other person)."""
    config = load_config(REPO / "config.example.toml", env={}, require_token=False)
    vocabulary = load_vocabulary()
    with db.session() as session:
        persons.sync_wijken(session, config)
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None and wijk.id is not None
        author = persons.give_consent(session, 1, "nl", NOW)
        persons.choose_wijk(session, author, wijk)
        other = persons.give_consent(session, 2, "nl", NOW)
        persons.choose_wijk(session, other, wijk)
        author_id, other_id, wijk_id = author.id, other.id, wijk.id
    assert author_id is not None and other_id is not None
    signatures = [signatures.signature(r["text"], vocabulary) for r in texts]
    span = timedelta(days=730).total_seconds()
    batch: list[dict[str, Any]] = []
    with db.engine.begin() as connection:
        for n in range(stored):
            i = n % len(texts)
            signature = signatures[i]
            created = NOW - timedelta(seconds=span * (stored - n) / stored)
            batch.append(
                {
                    "wijk_id": wijk_id,
                    "person_id": author_id,
                    "author_role": "resident",
                    "swot": texts[i].get("swot") or "weakness",
                    "theme": None,
                    "text": texts[i]["text"],
                    "lang": "nl",
                    "share_name": False,
                    "status": ("new", "read", "in_progress", "hidden")[n % 4],
                    "created_at": created,
                    "updated_at": created,
                    "grouping_signature": signature,
                    "grouping_matter": signatures.matter_key(signature),
                    "grouping_concept": signatures.concept_key(signature),
                }
            )
            if len(batch) == 5000:
                connection.execute(insert(Observation), batch)
                batch = []
        if batch:
            connection.execute(insert(Observation), batch)
        connection.exec_driver_sql("ANALYZE")
    return wijk_id, other_id


def speed(stored: int, repeat: int, texts: list[dict[str, Any]]) -> dict[str, float]:
    vocabulary = load_vocabulary()
    with tempfile.TemporaryDirectory() as directory:
        db = Database.from_url(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
        migrate.upgrade(db.engine)
        wijk_id, person_id = fill(db, stored, texts)
        lookups: list[float] = []
        signatures: list[float] = []
        found = 0
        with db.session() as session:
            for n in range(repeat + 20):
                row = texts[(n * 7) % len(texts)]
                text = f"{row['text']} ({n})"  # never the same text twice: no cache helps
                start = time.perf_counter()
                match = same_matter.closest_open(
                    session,
                    wijk_id=wijk_id,
                    text=text,
                    swot=row.get("swot") or "weakness",
                    now=NOW,
                    exclude_person_id=person_id,
                    wijk_name="Elsrijk",
                    vocabulary=vocabulary,
                )
                lookups.append(time.perf_counter() - start)
                start = time.perf_counter()
                signatures.signature(text, vocabulary)
                signatures.append(time.perf_counter() - start)
                found += match is not None
        db.dispose()
    lookups, signatures = lookups[20:], signatures[20:]  # the first calls warm the caches up

    def ms(values: list[float], q: float) -> float:
        return round(sorted(values)[int(q * (len(values) - 1))] * 1000, 3)

    return {
        "added_ms_median": round(statistics.median(lookups) * 1000, 3),
        "added_ms_p95": ms(lookups, 0.95),
        "signature_ms_median": round(statistics.median(signatures) * 1000, 3),
        "suggested_share": round(found / (repeat + 20), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()

    result: dict[str, Any] = {}
    every: list[dict[str, Any]] = []
    print("Suggestion quality (replayed per wijk in file order):")
    for name, path in SETS.items():
        rows = read_rows(path)
        every += rows
        q = quality(rows)
        print(
            f"  {name:8} {q['observations']:4} observations: {q['suggested']:3} suggestions, "
            f"{q['correct']:3} right; {q['answerable']:3} had an earlier one of their topic; "
            f"precision {q['precision']:.3f}, recall {q['recall']:.3f}"
        )
        result[f"precision_{name}"] = q["precision"]
        result[f"recall_{name}"] = q["recall"]
    s = speed(args.stored, args.repeat, every)
    print(
        f"Versturen on SQLite with {args.stored:,} observations in the wijk: the check (signature "
        f"+ look-up) adds {s['added_ms_median']:.3f} ms (median; p95 {s['added_ms_p95']:.3f}); "
        f"the signature alone {s['signature_ms_median']:.3f} ms; "
        f"{s['suggested_share']:.0%} of the texts got a suggestion"
    )
    result |= {"stored": args.stored, **s}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
