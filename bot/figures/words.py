"""The CBS figures as people read them, without Telegram: Babel's Dutch or English number format,
a change with its sign, "1 op de 4" (or "4 op de 10", "24 op de 100": `parts`) for a share of
people or households. Used by the residents' and the coach's figures in the bot
(handlers/spiegel/figures_views.py) and by the yearly supplement (bot/supplement/outline.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core.i18n import format_number
from bot.figures.measures import BY_KEY

# A share of people is "1 op de N" of the inhabitants; of households, of all households.
PART_OF = {
    "men": "inhabitants",
    "women": "inhabitants",
    "age_0_14": "inhabitants",
    "age_15_24": "inhabitants",
    "age_25_44": "inhabitants",
    "age_45_64": "inhabitants",
    "age_65_plus": "inhabitants",
    "households_single": "households",
    "households_without_children": "households",
    "households_with_children": "households",
}


def number(key: str, value: float, lang: str) -> str:
    """A figure as people read it: whole counts and percentages, euros, one decimal where
    CBS gives one."""
    measure = BY_KEY[key]
    value *= measure.scale
    if key == "avg_income_per_inhabitant":
        return f"€ {format_number(round(value), lang)}"
    if measure.decimals:
        return format_number(round(value, measure.decimals), lang)
    return format_number(round(value), lang)


def with_unit(key: str, value: float, lang: str) -> str:
    text = number(key, value, lang)
    return f"{text}%" if key.endswith("_pct") else text


def change(key: str, now: float, before: float, lang: str) -> str:
    diff = now - before
    if round(diff, BY_KEY[key].decimals) == 0:
        return "0"
    text = with_unit(key, abs(diff), lang)
    return f"+{text}" if diff > 0 else f"-{text}"


@dataclass(frozen=True)
class Part:
    """A share in words: `n` op de `of` ("1 op de 4", "4 op de 10", "24 op de 100")."""

    n: int
    of: int

    @property
    def value(self) -> float:
        return self.n / self.of


# How far words may be from the share they stand for, and a difference in words from the
# difference in shares: two percentage points.
CLOSE = 0.02


def _one_in(ratio: float) -> Part:
    return Part(1, max(2, round(1 / ratio)))


def _in_ten(ratio: float) -> Part:
    return Part(round(10 * ratio), 10)


def _in_hundred(ratio: float) -> Part:
    return Part(max(1, round(100 * ratio)), 100)  # a share there is never "0 op de 100"


def parts(*ratios: float | None) -> tuple[Part | None, ...]:
    """Shares in words, all on one scale so they compare as the numbers do: "1 op de N" where
    it is close to every share, else "N op de 10", else "N op de 100". Close: each within
    CLOSE of its share, and each difference in words within CLOSE of the real one, so 40,8%
    and 39,5% are "4 op de 10" both, not "1 op de 2" against "1 op de 3". None for a share
    that is unknown, 0 or more than the whole."""
    known = [r for r in ratios if r is not None and 0 < r <= 1]
    scale = next((s for s in (_one_in, _in_ten) if _close(known, s)), _in_hundred)
    return tuple(scale(r) if r is not None and 0 < r <= 1 else None for r in ratios)


def _close(ratios: Sequence[float], scale: Callable[[float], Part]) -> bool:
    said = [(r, scale(r).value) for r in ratios]
    near = CLOSE + 1e-9  # 22% is as close to "1 op de 5" as 2 points, not a hair more
    return all(w > 0 and abs(w - r) <= near for r, w in said) and all(
        abs((w - v) - (r - s)) <= near for r, w in said for s, v in said
    )


def years_text(years: Sequence[int], lang: str) -> str:
    joined = [str(y) for y in sorted(set(years))]
    if len(joined) <= 1:
        return "".join(joined)
    word = " en " if lang == "nl" else " and "
    return ", ".join(joined[:-1]) + word + joined[-1]
