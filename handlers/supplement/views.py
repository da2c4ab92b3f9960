"""Texts and keyboards of the coach's yearly supplement: the choice of wijk."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.telegram.callbacks import SupplementMake
from handlers.common import Who, button, columns, keyboard, menu_button
from models import Wijk


def wijk_choice(who: Who, wijken: Sequence[Wijk]) -> InlineKeyboardMarkup:
    buttons = [button(w.name, SupplementMake(w.id or 0)) for w in wijken]
    return keyboard(*columns(buttons, 2), [menu_button(who)])


def back_to_menu(who: Who) -> InlineKeyboardMarkup:
    return keyboard([menu_button(who)])
