""" "Over jou": its texts and keyboards, from data and the catalogue."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.people.about_you import FIELDS, ORDER
from bot.telegram.callbacks import AboutYou
from handlers.common import Who, button, keyboard, menu_button
from models import PersonProfile


def answer_label(who: Who, field: str, value: str | None) -> str:
    if value is None:
        return who.t("about_you.not_answered")
    return who.t(f"about_you.{field}_{value}")


def question(who: Who, field: str, row: PersonProfile | None) -> tuple[str, InlineKeyboardMarkup]:
    column, values = FIELDS[field]
    lines = [
        who.t("about_you.step", n=ORDER.index(field) + 1, total=len(ORDER)),
        who.t(f"about_you.question_{field}"),
    ]
    current = getattr(row, column) if row is not None else None
    if current is not None:
        lines.append(who.t("about_you.now", answer=answer_label(who, field, current)))
    lines.append(who.t("about_you.why"))
    rows = [[button(who.t(f"about_you.{field}_{v}"), AboutYou(field, v))] for v in values]
    rows.append([button(who.t("about_you.skip"), AboutYou(field, "-"))])
    rows.append([button(who.t("about_you.later"), AboutYou("x", "later"))])
    rows.append([button(who.t("about_you.no"), AboutYou("x", "no"))])
    return "\n".join(lines), keyboard(*rows)


def summary(
    who: Who, row: PersonProfile | None, note: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [note] if note else []
    lines += [who.t("about_you.title"), who.t("about_you.why"), ""]
    for field in ORDER:
        column, _ = FIELDS[field]
        value = getattr(row, column) if row is not None else None
        lines.append(
            who.t(
                "about_you.line",
                question=who.t(f"about_you.short_{field}"),
                answer=answer_label(who, field, value),
            )
        )
    rows = [[button(who.t("about_you.change"), AboutYou("x", "go"))]]
    if row is not None and any(getattr(row, FIELDS[f][0]) is not None for f in ORDER):
        rows.append([button(who.t("about_you.erase"), AboutYou("x", "del"))])
    rows.append([menu_button(who)])
    return "\n".join(lines), keyboard(*rows)
