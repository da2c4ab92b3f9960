"""The urgent detector's learned net (bot/urgent/model.py, bot/urgent/model.json)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from bot.urgent import detect, model
from bot.urgent.detect import check

REPO = Path(__file__).resolve().parents[2]

# Indirect: none of the rules' words, yet someone may need help now (written for this test, not
# taken from any of the labelled sets).
INDIRECT = [
    ("nl", "Er zit een kind alleen op het randje van het dak van de flat"),
    ("nl", "De vrouw van boven gilde vannacht weer en daarna een harde klap, nu is het stil"),
    ("nl", "Bij de buren hoor ik al de hele avond een kind huilen en niemand reageert"),
    ("en", "The old man downstairs hasn't taken his bins in for a week and his post is piling up"),
]


@pytest.mark.parametrize(("lang", "text"), INDIRECT)
def test_indirect_texts_are_caught_by_the_model(lang: str, text: str) -> None:
    assert detect.rule_signal(text, lang) is None  # the rules alone miss it
    signal = check(text, lang)
    assert signal is not None, detect.explain(text, lang)
    assert signal.kind in detect.KINDS
    assert signal.rule == f"{lang}.{signal.kind}.model"
    assert signal.words and signal.words != "-"  # the words that weighed most


def test_the_model_loads_and_scores_the_same_every_time() -> None:
    shipped = model.load()
    assert shipped.weights and shipped.kinds == tuple(sorted(detect.KINDS))
    texts = [t for _, t in INDIRECT] + ["De stoep is kapot bij de bakker", ""]
    scores = [shipped.score(model.features(detect.sentences(t))) for t in texts]
    again = [model.load().score(model.features(detect.sentences(t))) for t in texts]
    assert scores == again
    assert all(s >= shipped.threshold for s in scores[: len(INDIRECT)])
    assert scores[-2] < shipped.threshold and scores[-1] == shipped.bias


def test_a_few_words_are_not_enough_for_the_net() -> None:
    """ "En" weighs towards urgent (urgent texts tell more): alone, it must not tip the net."""
    parts = detect.sentences("En nu?")
    assert detect.MODEL.score(model.features(parts)) >= detect.MODEL.threshold
    assert check("En nu?", "nl") is None
    assert detect.explain("En nu?", "nl")[-1].stopped_by == "model: fewer than 6 words"


def test_explain_gives_the_models_verdict() -> None:
    findings = detect.explain("De stoep is kapot bij de bakker", "nl")
    assert findings[-1].signal.rule.endswith(".model")
    assert (findings[-1].stopped_by or "").startswith("model: score")


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="scikit-learn (dev)")
def test_shipped_model_is_what_the_training_script_makes() -> None:
    """Retrain from the tuning files (scripts/train-urgent --check) and compare byte for byte."""
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "train-urgent"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
