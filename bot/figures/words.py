"""The CBS figures as people read them, without Telegram: Babel's Dutch or English number format,
a change with its sign, "1 op de 4" for a share of people or households. Used by the residents'
and the coach's figures in the bot (handlers/spiegel/figures_views.py) and by the yearly
supplement (bot/supplement/outline.py)."""

from __future__ import annotations

from collections.abc import Sequence

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


def one_in(ratio: float) -> int | None:
    return round(1 / ratio) if ratio > 0 else None


def years_text(years: Sequence[int], lang: str) -> str:
    joined = [str(y) for y in sorted(set(years))]
    if len(joined) <= 1:
        return "".join(joined)
    word = " en " if lang == "nl" else " and "
    return ", ".join(joined[:-1]) + word + joined[-1]
