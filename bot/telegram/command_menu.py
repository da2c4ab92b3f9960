"""The command menu a person sees: everyone's commands, and a coach's on top for coaches.

Telegram shows a chat the commands of the most specific scope it has: a coach's private chat
gets a menu of its own (BotCommandScopeChat, in the coach's language) with the coach's
commands; everyone else sees the menu for all private chats, set per language at start-up. The
menu only shows what a person can use: every command still checks the person's roles itself.

A chat's own menu is set at start-up for every coach, when an invite makes someone coach, and
when a coach changes language; it is removed when a person erases themselves, and by
`wijkbot revoke` (bot/cli/roles.py, with the token set) when they coach nowhere any more. A role
taken away by hand in the database leaves the menu; the commands then answer that they are for
coaches.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlmodel import Session, col, select
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    MenuButtonDefault,
    MenuButtonWebApp,
    WebAppInfo,
)
from telegram.error import TelegramError

from bot.core.i18n import LANGUAGES, t
from bot.core.logs import pseudonym
from bot.people.permissions import COACH_ROLES
from bot.telegram import commands
from models import Membership, Person

_log = logging.getLogger(__name__)

# Commands only coaches (and administrators) may use; the rest are everyone's. Command ids, as
# in bot/telegram/commands.py; the menu in each language shows that language's names.
COACH_COMMANDS = ("meldingen", "digest", "bureau")


def everyone_commands(private: Sequence[str]) -> list[str]:
    """The private chats' menu for everyone, in the order given (command ids)."""
    return [i for i in private if i not in COACH_COMMANDS]


def menu_of(ids: Sequence[str], lang: str) -> list[BotCommand]:
    """The commands by their name in `lang` (bot/telegram/commands.py), with their descriptions
    from the catalogue."""
    return [BotCommand(commands.name(i, lang), t(lang, f"commands.{i}")) for i in ids]


def coaches(session: Session) -> list[tuple[int, str]]:
    """(Telegram id, language) of every coach and administrator."""
    rows = session.exec(
        select(Person.telegram_id, Person.language)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(col(Membership.role).in_(COACH_ROLES))
        .distinct()
    ).all()
    return sorted((int(telegram_id), language) for telegram_id, language in rows)


async def set_everyone_menu(bot: Bot, private: Sequence[str]) -> None:
    """All private chats, per language (each with its own command names); clients in other
    languages get the Dutch one."""
    names = everyone_commands(private)
    for lang in LANGUAGES:
        menu = menu_of(names, lang)
        await bot.set_my_commands(menu, scope=BotCommandScopeAllPrivateChats(), language_code=lang)
        if lang == "nl":  # Dutch is the default
            await bot.set_my_commands(menu, scope=BotCommandScopeAllPrivateChats())


async def show_coach_menu(
    bot: Bot, chat_id: int, lang: str, private: Sequence[str], *, desk_url: str | None = None
) -> bool:
    """A coach's private chat: every command, the coach's included, and with `desk_url` (the
    desk on https, bot.desk.links.web_app_url) the chat's menu button opens the desk as a Mini
    App. False when Telegram refused (the coach blocked the bot, or never started it): the menu
    is a convenience, so that is logged and nothing else stops."""
    try:
        await bot.set_my_commands(menu_of(private, lang), scope=BotCommandScopeChat(chat_id))
        if desk_url:
            button = MenuButtonWebApp(t(lang, "desk.open_button"), WebAppInfo(desk_url))
            await bot.set_chat_menu_button(chat_id=chat_id, menu_button=button)
    except TelegramError as exc:
        _log.info("no coach menu for chat %s: %s", pseudonym(chat_id), exc)
        return False
    return True


async def hide_coach_menu(bot: Bot, chat_id: int, *, desk: bool = False) -> bool:
    """Back to everyone's menu (the chat's own removed); with `desk`, the chat's menu button
    back to Telegram's default too."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
        if desk:
            await bot.set_chat_menu_button(chat_id=chat_id, menu_button=MenuButtonDefault())
    except TelegramError as exc:
        _log.info("coach menu of chat %s not removed: %s", pseudonym(chat_id), exc)
        return False
    return True
