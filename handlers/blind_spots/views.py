""" "Wat weten we nog niet?": the coach's keyboards; the text is bot/spiegel/blind_spots_text.py."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.spiegel.blind_spots_text import render as render
from bot.telegram.callbacks import BlindSpotsView
from handlers.common import Who, button, keyboard, menu_button
from models import Wijk


def buttons(
    who: Who, wijk_id: int, key: str, previous: str, year: str, current: str
) -> InlineKeyboardMarkup:
    """The quarter before the one shown, its whole year, and (away from it) back to
    `current`, this quarter."""
    rows = [[button(who.t("blind_spots.previous_quarter"), BlindSpotsView(wijk_id, previous))]]
    if key != year:
        rows.append([button(who.t("blind_spots.whole_year"), BlindSpotsView(wijk_id, year))])
    if key != current:
        rows.append([button(who.t("blind_spots.this_quarter"), BlindSpotsView(wijk_id, current))])
    rows.append([menu_button(who)])
    return keyboard(*rows)


def wijk_choice(who: Who, wijken: Sequence[Wijk], key: str) -> InlineKeyboardMarkup:
    rows = [[button(w.name, BlindSpotsView(w.id or 0, key))] for w in wijken]
    return keyboard(*rows, [menu_button(who)])
