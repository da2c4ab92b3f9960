"""How well the bot understands texts nobody tuned it on: a resident's loose text offered as an
observation or answered as small talk, and the urgent check's help numbers.

    .venv/bin/python bench/understanding.py

tests/data/understanding_holdout.jsonl: 300 messages written and labelled (offer, urgent; null for
the ambiguous) by someone who had read neither the bot's code, its word lists nor its other test
sets, frozen before any run. Never tune on it: only aggregate figures are printed, no texts and
no ids. Each text goes, as a joined resident's loose message, through the real Application on
the fake Bot API (SQLite): offered means the reply has "Ja, als melding" / "Yes, as a report".
The urgent figures are those of `bot.urgent.detect.check`, which decides whether the help
numbers are shown.

tests/data/understanding_holdout_2.jsonl: 240 more messages (120 observation, 80 small_talk, 40
emergency; 70 % Dutch, 30 % English), written and labelled blind in the same way, frozen before any
run and never tuned on. Measured alike, each set in its own fresh database: its figures carry the
suffix `_2`. Offered is counted on its observations and its small talk; help numbers on its
emergencies (recall) and on the other 200 texts (false positives). Ends with one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from observation_flow import sqlite_database  # noqa: E402  (bench/observation_flow.py)

from bot.app import build_application  # noqa: E402
from bot.context import Services  # noqa: E402
from bot.core.config import DatabaseConfig, load_config  # noqa: E402
from bot.fake_telegram import FakeTelegram, Harness  # noqa: E402
from bot.urgent import detect  # noqa: E402

HOLDOUT = REPO / "tests" / "data" / "understanding_holdout.jsonl"
HOLDOUT_2 = REPO / "tests" / "data" / "understanding_holdout_2.jsonl"
OFFER_BUTTONS = ("Ja, als melding", "Yes, as a report")


def load(path: Path = HOLDOUT) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


async def offered(rows: list[dict[str, Any]], workdir: Path) -> list[bool]:
    """Per row: was the loose text offered as an observation?"""
    db = sqlite_database(workdir)  # migrated, as bench/observation_flow.py makes it
    config = load_config(REPO / "config.example.toml", env={}, require_token=False)
    services = Services(
        config=replace(config, database=DatabaseConfig(url=str(db.engine.url))), db=db
    )
    fake = FakeTelegram(bot_username="wijkspiegel_bot")
    # No second between two messages in a chat: the fake has no flood limit to keep to.
    app = build_application(
        services, request=fake.request(), get_updates_request=fake.request(), rate_limiter=False
    )
    found = []
    async with Harness(app, fake) as h:
        for n, row in enumerate(rows):
            lang = row["lang"]
            person = h.user(30_000 + n, f"R{n}", language_code=lang)
            await person.send("/start")
            await person.press("Akkoord" if lang == "nl" else "I agree")
            await person.press("Elsrijk")
            replies = await person.send(row["text"])
            found.append(any(b in OFFER_BUTTONS for m in replies for b in m.button_texts))
    db.engine.dispose()
    return found


def rate(hits: int, total: int) -> float | None:
    return round(hits / total, 3) if total else None


def measure(
    rows: list[dict[str, Any]], labels: list[str | None], emergency: list[bool | None], name: str
) -> dict[str, Any]:
    """One set's aggregates, printed and returned. `labels`: per row "observation",
    "small_talk" or None (not counted for offering); `emergency`: per row True, False or None
    (not counted for the help numbers)."""
    with tempfile.TemporaryDirectory() as workdir:
        offers = asyncio.run(offered(rows, Path(workdir)))
    urgent = [detect.check.__wrapped__(r["text"], r["lang"]) is not None for r in rows]
    real = [o for label, o in zip(labels, offers, strict=True) if label == "observation"]
    talk = [o for label, o in zip(labels, offers, strict=True) if label == "small_talk"]
    alarms = [u for e, u in zip(emergency, urgent, strict=True) if e is True]
    calm = [(label, u) for label, e, u in zip(labels, emergency, urgent, strict=True) if e is False]
    false_real = sum(u for label, u in calm if label == "observation")
    false_talk = sum(u for label, u in calm if label == "small_talk")
    print(
        f"{name} of {len(rows)} texts never tuned on (aggregates only):\n"
        f"  real observations offered as one: {sum(real)} of {len(real)}"
        f" (not offered: {len(real) - sum(real)})\n"
        f"  small talk offered as an observation: {sum(talk)} of {len(talk)}\n"
        f"  emergencies with help numbers (recall): {sum(alarms)} of {len(alarms)}\n"
        f"  help numbers for a text that is no emergency: {sum(u for _, u in calm)} of {len(calm)}"
        f" (observations {false_real}, small talk {false_talk})"
    )
    return {
        "rows": len(rows),
        "observations": len(real),
        "observations_offered": rate(sum(real), len(real)),
        "observations_swallowed": len(real) - sum(real),
        "small_talk": len(talk),
        "small_talk_offered": rate(sum(talk), len(talk)),
        "emergencies": len(alarms),
        "urgent_recall": rate(sum(alarms), len(alarms)),
        "calm": len(calm),
        "urgent_false_positive_rate": rate(sum(u for _, u in calm), len(calm)),
        "urgent_false_positives_observations": false_real,
        "urgent_false_positives_small_talk": false_talk,
    }


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    # The first set: offer true (an observation), false (small talk) or null (ambiguous), and
    # urgent true, false or null, each on its own.
    rows = load()
    offer_labels = {True: "observation", False: "small_talk"}
    first = measure(
        rows, [offer_labels.get(r["offer"]) for r in rows], [r["urgent"] for r in rows], "holdout"
    )
    # The second: one label per text; an emergency is neither offered nor small talk.
    rows_2 = load(HOLDOUT_2)
    labels_2 = [r["label"] for r in rows_2]
    second = measure(
        rows_2,
        [label if label != "emergency" else None for label in labels_2],
        [label == "emergency" for label in labels_2],
        "second holdout, written blind,",
    )
    figures: dict[str, Any] = {"bench": "understanding"}
    figures |= {k: v for k, v in first.items() if not k.startswith("urgent_false_positives_")}
    figures |= {f"{k}_2": v for k, v in second.items()}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
