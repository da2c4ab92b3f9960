"""The desk's texts and buttons in the chat."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from handlers.common import Who, esc, keyboard, menu_button


def link_message(who: Who, url: str, minutes: int) -> str:
    return who.t("desk.link_message", minutes=minutes, link=esc(url))


def link_keyboard(who: Who, url: str, web_app: str | None) -> InlineKeyboardMarkup:
    """Telegram accepts button links to public https addresses only: on plain http (the demo)
    the link is in the text alone."""
    rows: list[list[InlineKeyboardButton]] = []
    if web_app:
        rows.append([InlineKeyboardButton(who.t("desk.open_button"), web_app=WebAppInfo(web_app))])
    if url.startswith("https://"):
        rows.append([InlineKeyboardButton(who.t("desk.link_button"), url=url)])
    rows.append([menu_button(who)])
    return keyboard(*rows)
