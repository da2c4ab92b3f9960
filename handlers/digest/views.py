"""Texts and keyboards of the coach's digest in the bot: the choice of wijk and the settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.i18n import format_datetime
from bot.digest import periods
from bot.telegram.callbacks import (
    FREQUENCY_CODES,
    DigestNow,
    DigestSetDay,
    DigestSetFrequency,
    DigestSetSkip,
    DigestSetTime,
    DigestSettingsMenu,
    MenuItem,
)
from handlers.common import Who, button, columns, esc, keyboard, menu_button
from models import DigestSetting, Wijk

View = tuple[str, InlineKeyboardMarkup]


def wijk_choice(who: Who, wijken: Sequence[Wijk]) -> InlineKeyboardMarkup:
    buttons = [button(w.name, DigestNow(w.id or 0)) for w in wijken]
    return keyboard(*columns(buttons, 2), [menu_button(who)])


def settings(
    who: Who, setting: DigestSetting, due: datetime | None, tz: ZoneInfo, *, saved: bool = False
) -> View:
    """The coach's digest settings, when the next one comes, and a button per setting."""
    upcoming = (
        who.t("digest.next_due", when=format_datetime(due, who.lang, tz))
        if due is not None
        else who.t("digest.next_off")
    )
    text = who.t(
        "digest.settings_title",
        day=who.t(f"digest.day.{setting.weekday}"),
        time=esc(setting.send_time),
        frequency=who.t(f"digest.frequency.{setting.frequency}"),
        skip=who.t("digest.yes" if setting.skip_quiet else "digest.no"),
        next=upcoming,
    )
    if saved:
        text = f"{who.t('digest.saved')}\n\n{text}"
    skip = (
        button(who.t("digest.skip_turn_off"), DigestSetSkip(False))
        if setting.skip_quiet
        else button(who.t("digest.skip_turn_on"), DigestSetSkip(True))
    )
    markup = keyboard(
        [
            button(who.t("digest.set_day"), DigestSettingsMenu("day")),
            button(who.t("digest.set_time"), DigestSettingsMenu("time")),
        ],
        [button(who.t("digest.set_frequency"), DigestSettingsMenu("freq"))],
        [skip],
        [button(who.t("digest.menu_now"), MenuItem("digest_now")), menu_button(who)],
    )
    return text, markup


def choices(who: Who, what: str) -> View:
    """The choices for one setting ("day", "time" or "freq"), with the way back."""
    rows: list[list[InlineKeyboardButton]]
    if what == "day":
        days = [button(who.t(f"digest.day.{d}"), DigestSetDay(d)) for d in range(7)]
        text, rows = who.t("digest.choose_day"), columns(days, 2)
    elif what == "time":
        times = [button(value, DigestSetTime(value)) for value in periods.SEND_TIMES]
        text, rows = who.t("digest.choose_time"), columns(times, 3)
    else:
        options = [
            button(who.t(f"digest.frequency.{name}"), DigestSetFrequency(name))
            for name in FREQUENCY_CODES.values()
        ]
        text, rows = who.t("digest.choose_frequency"), [options]
    back = button(who.t("common.back"), DigestSettingsMenu())
    return text, keyboard(*rows, [back, menu_button(who)])
