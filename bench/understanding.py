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


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    rows = load()
    with tempfile.TemporaryDirectory() as workdir:
        offers = asyncio.run(offered(rows, Path(workdir)))
    urgent = [detect.check.__wrapped__(r["text"], r["lang"]) is not None for r in rows]
    real = [o for r, o in zip(rows, offers, strict=True) if r["offer"] is True]
    talk = [o for r, o in zip(rows, offers, strict=True) if r["offer"] is False]
    emergencies = [u for r, u in zip(rows, urgent, strict=True) if r["urgent"] is True]
    calm = [u for r, u in zip(rows, urgent, strict=True) if r["urgent"] is False]
    figures = {
        "bench": "understanding",
        "rows": len(rows),
        "observations": len(real),
        "observations_offered": rate(sum(real), len(real)),
        "observations_swallowed": len(real) - sum(real),
        "small_talk": len(talk),
        "small_talk_offered": rate(sum(talk), len(talk)),
        "emergencies": len(emergencies),
        "urgent_recall": rate(sum(emergencies), len(emergencies)),
        "calm": len(calm),
        "urgent_false_positive_rate": rate(sum(calm), len(calm)),
    }
    print(
        f"holdout of {len(rows)} texts never tuned on (aggregates only):\n"
        f"  real observations offered as one: {sum(real)} of {len(real)}"
        f" (not offered: {len(real) - sum(real)})\n"
        f"  small talk offered as an observation: {sum(talk)} of {len(talk)}\n"
        f"  emergencies with help numbers (recall): {sum(emergencies)} of {len(emergencies)}\n"
        f"  help numbers for a text that is no emergency: {sum(calm)} of {len(calm)}"
    )
    figures |= second_holdout()
    print(json.dumps(figures))


def second_holdout() -> dict[str, Any]:
    """The aggregates of understanding_holdout_2.jsonl, printed and returned with `_2`."""
    rows = load(HOLDOUT_2)
    with tempfile.TemporaryDirectory() as workdir:
        offers = asyncio.run(offered(rows, Path(workdir)))
    urgent = [detect.check.__wrapped__(r["text"], r["lang"]) is not None for r in rows]
    labels = [r["label"] for r in rows]
    real = [o for label, o in zip(labels, offers, strict=True) if label == "observation"]
    talk = [o for label, o in zip(labels, offers, strict=True) if label == "small_talk"]
    emergencies = [u for label, u in zip(labels, urgent, strict=True) if label == "emergency"]
    calm = [u for label, u in zip(labels, urgent, strict=True) if label != "emergency"]
    calm_real = [u for label, u in zip(labels, urgent, strict=True) if label == "observation"]
    calm_talk = [u for label, u in zip(labels, urgent, strict=True) if label == "small_talk"]
    print(
        f"second holdout of {len(rows)} texts written blind, never tuned on (aggregates only):\n"
        f"  real observations offered as one: {sum(real)} of {len(real)}"
        f" (not offered: {len(real) - sum(real)})\n"
        f"  small talk offered as an observation: {sum(talk)} of {len(talk)}\n"
        f"  emergencies with help numbers (recall): {sum(emergencies)} of {len(emergencies)}\n"
        f"  help numbers for a text that is no emergency: {sum(calm)} of {len(calm)}"
        f" (observations {sum(calm_real)} of {len(calm_real)},"
        f" small talk {sum(calm_talk)} of {len(calm_talk)})"
    )
    return {
        "rows_2": len(rows),
        "observations_2": len(real),
        "observations_offered_2": rate(sum(real), len(real)),
        "observations_swallowed_2": len(real) - sum(real),
        "small_talk_2": len(talk),
        "small_talk_offered_2": rate(sum(talk), len(talk)),
        "emergencies_2": len(emergencies),
        "urgent_recall_2": rate(sum(emergencies), len(emergencies)),
        "calm_2": len(calm),
        "urgent_false_positive_rate_2": rate(sum(calm), len(calm)),
        "urgent_false_positives_observations_2": sum(calm_real),
        "urgent_false_positives_small_talk_2": sum(calm_talk),
    }


if __name__ == "__main__":
    main()
