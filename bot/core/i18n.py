"""Translations: `locales/<lang>/<feature>.toml`, flat keys, `{placeholders}`; Babel for dates.

Dutch is the default. Both languages have the same keys with the same placeholders
(tests/test_i18n.py). A feature adds its own file so that features never edit each other's.
"""

from __future__ import annotations

import logging
import string
import tomllib
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.lists import format_list as babel_format_list
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
BABEL_LOCALES = {"nl": "nl_NL", "en": "en_GB"}

_log = logging.getLogger(__name__)


class Catalog:
    def __init__(self, messages: dict[str, dict[str, str]]) -> None:
        self.messages = messages

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalog:
        messages: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            merged: dict[str, str] = {}
            for path in sorted((directory / lang).glob("*.toml")):
                data = tomllib.loads(path.read_text(encoding="utf-8"))
                for key, value in _flatten(data):
                    if key in merged:
                        raise ValueError(f"{path}: key {key!r} is defined twice in {lang}")
                    merged[key] = value
            messages[lang] = merged
        return cls(messages)

    def has(self, key: str) -> bool:
        return key in self.messages[DEFAULT_LANGUAGE]

    def get(self, lang: str, key: str, **values: Any) -> str:
        lang = lang if lang in self.messages else DEFAULT_LANGUAGE
        template = self.messages[lang].get(key) or self.messages[DEFAULT_LANGUAGE].get(key)
        if template is None:
            _log.error("missing translation key %s", key)
            return key
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            _log.exception("bad placeholders for %s/%s", lang, key)
            return template

    def plural(self, lang: str, key: str, count: int, **values: Any) -> str:
        """`key.one` / `key.other`; Dutch and English share the same plural rule."""
        form = "one" if count == 1 else "other"
        return self.get(lang, f"{key}.{form}", count=format_number(count, lang), **values)


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            items.extend(_flatten(value, full + "."))
        elif isinstance(value, str):
            items.append((full, value))
        else:
            raise ValueError(f"{full}: translations must be text")
    return items


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return Catalog.load()


def t(lang: str, key: str, **values: Any) -> str:
    return catalog().get(lang, key, **values)


def tn(lang: str, key: str, count: int, **values: Any) -> str:
    return catalog().plural(lang, key, count, **values)


def pick_language(telegram_code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Telegram's IETF code ("nl", "nl-BE", "en-GB") to one of ours; anything else: the default."""
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default


def format_number(value: float, lang: str) -> str:
    # Whole numbers under a thousand look the same in every locale we have (no grouping, no
    # decimals); counts on buttons are nearly always that, and Babel costs ~0.1 ms a call.
    if isinstance(value, int) and -1000 < value < 1000:
        return str(value)
    return format_decimal(value, locale=BABEL_LOCALES.get(lang, "nl_NL"))


def format_percent(value: float, lang: str) -> str:
    """A share of votes (or of voters) in percent, as the poll screen, the digest and the
    supplement all write it: at most one decimal, with the language's decimal mark ("66,7",
    "50"; in English "66.7"). The catalogue's text puts the "%" after it."""
    return format_decimal(value, format="#,##0.#", locale=BABEL_LOCALES.get(lang, "nl_NL"))


def format_list(items: Sequence[str], lang: str) -> str:
    """Items as a sentence lists them: "Elsrijk, Stadshart en Westwijk"."""
    return babel_format_list(list(items), locale=BABEL_LOCALES.get(lang, "nl_NL"))


def format_date(value: datetime, lang: str, tz: ZoneInfo, fmt: str = "d MMMM y") -> str:
    return babel_format_date(value.astimezone(tz), fmt, locale=BABEL_LOCALES.get(lang, "nl_NL"))


def format_datetime(
    value: datetime, lang: str, tz: ZoneInfo, fmt: str = "EEEE d MMMM, HH:mm"
) -> str:
    return babel_format_datetime(value, fmt, tzinfo=tz, locale=BABEL_LOCALES.get(lang, "nl_NL"))


def format_moment(value: datetime, lang: str, fmt: str) -> str:
    """An aware moment in its own time zone (already the one to show), in the language's words."""
    return babel_format_datetime(value, fmt, locale=BABEL_LOCALES.get(lang, "nl_NL"))


def csv_dialect(lang: str) -> tuple[str, str]:
    """(field separator, decimal mark) of a CSV file that Excel opens in columns under this
    language's regional settings: Dutch Excel splits on ";" (the comma is its decimal mark)
    and would show a comma-separated file in one column; English Excel splits on ",".

    Not a "sep=;" line instead: Excel then ignores the byte order mark (accents break), and
    every other program reads that line as data."""
    return (";", ",") if lang == "nl" else (",", ".")
