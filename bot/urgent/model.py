"""The learned second net of bot/urgent/detect.py: a linear model over a text's words, word pairs
and letter groups, for the urgent texts the rules have no pattern for ("haar gordijnen zijn al
vier dagen dicht en de melk staat nog op de stoep").

Trained by `scripts/train-urgent` (scikit-learn, logistic regression) on the tuning sets and
shipped as weights in `model.json`; here it is only dictionary look-ups: pure, deterministic,
offline. A text's features are its sentences as `detect.sentences` gives them (normalised, typing
errors in key words fixed): every word ("u:gordijnen"), every two words next to each other
("b:gordijnen dicht") and every group of 3 to 5 letters inside " word " ("c: gord", "c:dicht ").
Its score is the bias plus the sum of the weights of its distinct features divided by the square
root of their number (the rows were scaled to length 1 in training); urgent from `threshold`,
which the training script chose by cross-validation. The kind comes from a second, smaller model
(one weight per kind) over words and word pairs only.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

MODEL_PATH = Path(__file__).with_name("model.json")
CHAR_SIZES = (3, 4, 5)
# The net weighs words: in a text of a few ("en nu?") one word tips it, and "en" weighs towards
# urgent (urgent texts tell more). It speaks from this many words; the rules find the short cries
# for help ("help!", "brand!"). The shortest urgent text only the net found in the tuning files
# has 14.
MIN_WORDS = 6


def enough_words(parts: list[str]) -> bool:
    """Whether the net may decide on a text given as sentences " word word ... "."""
    return sum(len(sentence.split()) for sentence in parts) >= MIN_WORDS


def features(parts: list[str]) -> list[str]:
    """The distinct features of a text given as sentences " word word ... ", in order."""
    out: dict[str, None] = {}
    for sentence in parts:
        words = sentence.split()
        previous = None
        for word in words:
            out["u:" + word] = None
            if previous is not None:
                out[f"b:{previous} {word}"] = None
            previous = word
            out.update(_letter_groups(word))
    return list(out)


@functools.lru_cache(maxsize=65536)
def _letter_groups(word: str) -> dict[str, None]:
    padded = f" {word} "
    return {
        "c:" + padded[i : i + size]: None
        for size in CHAR_SIZES
        for i in range(len(padded) - size + 1)
    }


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]
    bias: float
    threshold: float
    kinds: tuple[str, ...]
    kind_weights: dict[str, tuple[float, ...]]  # feature -> one weight per kind
    kind_bias: tuple[float, ...]

    def score(self, found: list[str]) -> float:
        if not found:
            return self.bias
        weights = self.weights
        total = 0.0
        for feature in found:
            total += weights.get(feature, 0.0)
        return self.bias + total / math.sqrt(len(found))

    def kind(self, found: list[str]) -> str:
        totals = list(self.kind_bias)
        for feature in found:
            row = self.kind_weights.get(feature)
            if row is not None:
                for i, weight in enumerate(row):
                    totals[i] += weight
        return self.kinds[max(range(len(totals)), key=totals.__getitem__)]

    def strongest(self, parts: list[str], n: int = 3) -> list[str]:
        """The words that weighed most towards urgent (a word's own weight, its letter groups'
        and its pairs' together): what the model saw."""
        weights = self.weights
        by_word: dict[str, float] = {}
        for sentence in parts:
            words = sentence.split()
            for i, word in enumerate(words):
                total = weights.get("u:" + word, 0.0)
                total += sum(weights.get(g, 0.0) for g in _letter_groups(word))
                if i:
                    total += weights.get(f"b:{words[i - 1]} {word}", 0.0) / 2
                if i + 1 < len(words):
                    total += weights.get(f"b:{word} {words[i + 1]}", 0.0) / 2
                if len(word) > 2:  # "en", "de": many letter groups, little meaning
                    by_word[word] = max(total, by_word.get(word, total))
        best = sorted(((-w, word) for word, w in by_word.items() if w > 0))[:n]
        return [word for _, word in best]

    def to_json(self) -> dict[str, object]:
        return {
            "bias": self.bias,
            "threshold": self.threshold,
            "weights": self.weights,
            "kinds": list(self.kinds),
            "kind_bias": list(self.kind_bias),
            "kind_weights": {f: list(row) for f, row in self.kind_weights.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Model:
        raw_kind_weights = data["kind_weights"]
        assert isinstance(raw_kind_weights, dict)
        return cls(
            weights={str(k): float(v) for k, v in dict(data["weights"]).items()},  # type: ignore[call-overload]
            bias=float(data["bias"]),  # type: ignore[arg-type]
            threshold=float(data["threshold"]),  # type: ignore[arg-type]
            kinds=tuple(data["kinds"]),  # type: ignore[arg-type]
            kind_weights={str(k): tuple(map(float, v)) for k, v in raw_kind_weights.items()},
            kind_bias=tuple(map(float, data["kind_bias"])),  # type: ignore[call-overload]
        )


def load(path: Path = MODEL_PATH) -> Model:
    with path.open(encoding="utf-8") as file:
        return Model.from_json(json.load(file))
