"""Urgent signals: recall and false-positive rate of bot/urgent/detect.py, and its cost per text.

    .venv/bin/python bench/urgent.py [--quiet]

Two labelled sets (JSON lines: id, lang, text, urgent, kind, hard_negative):
- tests/data/urgent_tuning.jsonl: the development set, tuned on; its misclassified texts are
  printed with the rule that fired or the guard that stopped one (--quiet: not);
- tests/data/urgent_dev_2.jsonl: a second development set (110 calm texts that sound alarming, 50
  emergencies in everyday words), written before the rules were read, tuned on since; its
  mistakes are printed too;
- tests/data/urgent_dev_3.jsonl: a third development set, the same way (110 calm, 50
  emergencies; 60 % English), tuned on since; its mistakes are printed too;
- tests/data/urgent_dev_4.jsonl: a fourth development set, the same way (100 calm texts with
  strong words, 60 emergencies, many after calm words; half English; only text, urgent and lang),
  tuned on since; its mistakes are printed too;
- tests/data/urgent_test.jsonl and tests/data/urgent_test_b.jsonl: frozen, never tuned on, each
  written by someone who has not seen the rules. Only aggregate figures are printed for them: no
  texts, no ids, no misclassified examples.
Beside them our own examples (tests/data/urgent_own.jsonl: urgent texts and everyday ones that use
the same words, written with the rules, so not a measure of what they were not written for).
The learned net's cross-validated figures (scripts/train-urgent, stored in bot/urgent/model.json):
rules alone, model alone, rules or model, on the tuning files.

Speed: the median time of one `check` (its cache bypassed) over every text of both sets, taken
five times; what confirming an observation pays for it.
Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.urgent import detect, model  # noqa: E402

TUNING = REPO / "tests" / "data" / "urgent_tuning.jsonl"
DEV_2 = REPO / "tests" / "data" / "urgent_dev_2.jsonl"
DEV_3 = REPO / "tests" / "data" / "urgent_dev_3.jsonl"
DEV_4 = REPO / "tests" / "data" / "urgent_dev_4.jsonl"
TEST = REPO / "tests" / "data" / "urgent_test.jsonl"
TEST_B = REPO / "tests" / "data" / "urgent_test_b.jsonl"
OWN = REPO / "tests" / "data" / "urgent_own.jsonl"
KINDS = ("danger", "home_violence", "suicide", "neighbour", "fire_gas")


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate figures only."""
    found = [detect.check.__wrapped__(r["text"], r["lang"]) is not None for r in rows]
    out: dict[str, Any] = {"n": len(rows)}
    for lang in (None, "nl", "en"):
        part = [(r, f) for r, f in zip(rows, found, strict=True) if lang in (None, r["lang"])]
        urgent = [f for r, f in part if r["urgent"]]
        calm = [f for r, f in part if not r["urgent"]]
        hard = [f for r, f in part if not r["urgent"] and r.get("hard_negative")]
        suffix = f"_{lang}" if lang else ""
        out[f"recall{suffix}"] = _rate(sum(urgent), len(urgent))
        out[f"fpr{suffix}"] = _rate(sum(calm), len(calm))
        out[f"fpr_hard_negatives{suffix}"] = _rate(sum(hard), len(hard))
        out[f"urgent{suffix}"] = len(urgent)
        out[f"hard_negatives{suffix}"] = len(hard)
        out[f"not_urgent{suffix}"] = len(calm)
    per_kind = {}
    for kind in KINDS:
        mine = [
            f for r, f in zip(rows, found, strict=True) if r["urgent"] and r.get("kind") == kind
        ]
        if mine:
            per_kind[kind] = f"{sum(mine)}/{len(mine)}"
    out["per_kind"] = per_kind
    return out


def misclassified(rows: list[dict[str, Any]]) -> list[str]:
    """A development set's mistakes, each with what the detector saw (never for the test set)."""
    lines = []
    for r in rows:
        signal = detect.check.__wrapped__(r["text"], r["lang"])
        if (signal is not None) == r["urgent"]:
            continue
        if signal is not None:
            why = f"fired {signal.rule} on {signal.words!r}"
            lines.append(f"  FP {r.get('id', '-')} ({r['lang']}) {why}: {r['text']}")
        else:
            stopped = [
                f"{f.signal.rule} ({f.signal.words}) stopped by {f.stopped_by}"
                for f in detect.explain(r["text"], r["lang"])
            ]
            why = "; ".join(stopped) or "no rule fired"
            where = f"{r['lang']}, {r.get('kind', '-')}"
            lines.append(f"  FN {r.get('id', '-')} ({where}) {why}: {r['text']}")
    return lines


def speed(texts: list[tuple[str, str]], rounds: int = 5) -> float:
    """Median microseconds per check, cache bypassed."""
    check = detect.check.__wrapped__
    times = []
    for _ in range(rounds):
        for text, lang in texts:
            start = time.perf_counter()
            check(text, lang)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def show(name: str, figures: dict[str, Any]) -> None:
    print(f"{name}: {figures['n']} texts ({figures['urgent']} urgent)")
    for lang in ("", "_nl", "_en"):
        print(
            f"  {lang.strip('_') or 'all'}: recall {figures['recall' + lang]}, "
            f"false positives {figures['fpr' + lang]} "
            f"(hard negatives {figures['fpr_hard_negatives' + lang]})"
        )
    print("  found per kind: " + ", ".join(f"{k} {v}" for k, v in figures["per_kind"].items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quiet", action="store_true", help="no misclassified development texts")
    args = parser.parse_args()
    tuning = load(TUNING)
    test = load(TEST) if TEST.exists() else []
    result: dict[str, Any] = {
        "rules": len(detect.RULES),
        "model_weights": len(detect.MODEL.weights),
    }

    figures = score(tuning)
    show("tuning set", figures)
    if not args.quiet:
        for line in misclassified(tuning):
            print(line)
    result.update(
        recall_tuning=figures["recall"],
        fpr_tuning=figures["fpr"],
        fpr_hard_negatives_tuning=figures["fpr_hard_negatives"],
    )
    for path, number in ((DEV_2, 2), (DEV_3, 3), (DEV_4, 4)):
        rows = load(path)
        figures = score(rows)
        show(f"development set {number}", figures)
        if not args.quiet:
            for line in misclassified(rows):
                print(line)
        result.update(
            {
                f"recall_dev_{number}": figures["recall"],
                f"fpr_dev_{number}": figures["fpr"],
                f"fpr_dev_{number}_en": figures["fpr_en"],
            }
        )
    test_b = load(TEST_B) if TEST_B.exists() else []
    for rows, name, key in ((test, TEST, "test"), (test_b, TEST_B, "test_b")):
        if not rows:
            print(f"{key} set: not there yet (tests/data/{name.name})")
            continue
        figures = score(rows)
        show(f"{key} set (frozen; aggregates only)", figures)
        result.update(
            {
                f"recall_{key}": figures["recall"],
                f"recall_{key}_nl": figures["recall_nl"],
                f"recall_{key}_en": figures["recall_en"],
                f"fpr_{key}": figures["fpr"],
                f"fpr_{key}_nl": figures["fpr_nl"],
                f"fpr_{key}_en": figures["fpr_en"],
                f"fpr_hard_negatives_{key}": figures["fpr_hard_negatives"],
                f"n_{key}": figures["n"],
                f"per_kind_{key}": figures["per_kind"],
            }
        )

    cv = json.loads(model.MODEL_PATH.read_text(encoding="utf-8"))["cv"]
    print(f"cross-validated on the tuning files ({cv['folds']} folds, {cv['texts']} texts):")
    for what in ("rules", "model", "rules_or_model"):
        print(f"  {what}: recall {cv[what]['recall']}, false positives {cv[what]['fpr']}")
        result[f"cv_recall_{what}"] = cv[what]["recall"]
        result[f"cv_fpr_{what}"] = cv[what]["fpr"]
    both = cv["urgent_tuning2"]["both"]
    print(f"  rules or model on urgent_tuning2: recall {both['recall']}, fpr {both['fpr']}")
    result.update(cv_recall_tuning2=both["recall"], cv_fpr_tuning2=both["fpr"])

    own = score(load(OWN))
    show("own examples (written with the rules)", own)
    result.update(recall_own=own["recall"], fpr_own=own["fpr"])

    texts = [(r["text"], r["lang"]) for r in tuning + test + test_b]
    us = speed(texts)
    langs = Counter(lang for _, lang in texts)
    print(f"speed: median {us:.0f} µs per check over {len(texts)} texts ({dict(langs)})")
    result["us_per_check"] = round(us, 1)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
