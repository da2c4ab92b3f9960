"""The command menu a person sees: what their roles let them do.

Telegram shows a chat the commands of the most specific scope it has. Everyone's menu (all
private chats, per language) is a resident's. A person whose roles give them another one has a
menu of their own (BotCommandScopeChat, in their language): a coach's has the coach's commands
as well, a partner's has no /stemmen (partners do not vote). Which command needs what is
`NEEDS`, read against `ROLE_ACTIONS` (bot/people/permissions.py); every command still checks
the person's roles itself.

Everyone's menu is in the language of the person's Telegram app (Dutch for an app in a
language we do not have). Someone who chose another language (in /taal, or on the privacy
statement before Akkoord) gets a menu of their own in it too: `chat_menu` (their app's language
is in each update, `app_language`; the language of everyone's menu it shows is kept when they
choose a language, Person.app_language, for start-up; where it is not known, on the command
line and for people from before it was kept, everyone's menu is taken to be the Dutch one).

A chat's own menu is set at start-up for everyone whose roles or language need one (so a
command added by a new version reaches their menu), and again whenever what
the person may do changes: an invite gives a role, a partner chooses a wijk they live in (and may
vote there), `wijkbot revoke` takes a role away (bot/cli/roles.py, with the token set); and
when they choose a language. It is removed when their menu becomes everyone's, and when a person
erases themselves. A role taken away by hand in the database leaves the menu; the commands then
answer that they are not for them.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence

from sqlalchemy import func, or_
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

from bot.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, pick_language, t
from bot.core.logs import pseudonym
from bot.people.permissions import COACH_ROLES, ROLE_ACTIONS, Action, Actor
from bot.telegram import commands
from models import Membership, Person, Role

_log = logging.getLogger(__name__)

# What a command needs for the menu to show it: one of these actions in some wijk. A command not
# listed is everyone's. Command ids, as in bot/telegram/commands.py; the menu in each language
# shows that language's names.
NEEDS: dict[str, frozenset[Action]] = {
    "melding": frozenset({Action.SEND_OBSERVATION}),
    "spiegel": frozenset({Action.READ_SPIEGEL}),
    "meldingen": frozenset({Action.HANDLE_OBSERVATIONS}),
    "digest": frozenset({Action.VIEW_DIGEST}),
    "bureau": frozenset({Action.HANDLE_OBSERVATIONS}),
    # /stemmen: the polls one votes in or makes (handlers/polls/voting.py my_wijken).
    "peilingen": frozenset({Action.VOTE, Action.CREATE_POLL}),
}
# Everyone's menu: what a resident may do (also before a person chose a wijk).
_EVERYONE = (Role.RESIDENT.value,)


def commands_for(roles: Collection[str], private: Sequence[str]) -> list[str]:
    """The commands (ids, in the order of `private`) that a person with these roles (values of
    models.Role, in any wijk) may use. No roles at all: a resident's."""
    held = roles or _EVERYONE
    may: set[Action] = set()
    for role in held:
        may |= ROLE_ACTIONS[Role(role)]
    return [i for i in private if i not in NEEDS or NEEDS[i] & may]


def everyone_commands(private: Sequence[str]) -> list[str]:
    """The private chats' menu for everyone, in the order given (command ids)."""
    return commands_for(_EVERYONE, private)


def own_menu(roles: Collection[str], private: Sequence[str]) -> list[str] | None:
    """The chat's own menu for a person with these roles; None when everyone's fits them."""
    ids = commands_for(roles, private)
    return None if ids == everyone_commands(private) else ids


def everyone_language(app_language: str | None) -> str:
    """The language of everyone's menu that Telegram shows an app in `app_language` (the
    user's language_code; None: not known): ours when we have it, else Dutch, the default
    `set_everyone_menu` sets."""
    return pick_language(app_language, DEFAULT_LANGUAGE)


def chat_menu(
    roles: Collection[str], private: Sequence[str], lang: str, app_language: str | None
) -> list[str] | None:
    """The chat's own menu (command ids) for a person with these roles who chose `lang`, with
    their Telegram app in `app_language`; None when everyone's fits them: their roles give
    them everyone's commands, and Telegram shows their app everyone's menu in `lang`."""
    ids = own_menu(roles, private)
    if ids is None and lang != everyone_language(app_language):
        return commands_for(roles, private)
    return ids


def is_coach(roles: Collection[str]) -> bool:
    """A coach's chat: its menu button may open the desk."""
    return any(role in COACH_ROLES for role in roles)


def roles_of(actor: Actor | None) -> frozenset[str]:
    """Every role the person holds, in any wijk."""
    return frozenset(m.role for m in actor.memberships) if actor is not None else frozenset()


def changes(before: Collection[str], after: Collection[str], private: Sequence[str]) -> bool:
    """Whether a person whose roles went from `before` to `after` needs another menu."""
    return own_menu(before, private) != own_menu(after, private) or is_coach(before) != is_coach(
        after
    )


def menu_of(ids: Sequence[str], lang: str) -> list[BotCommand]:
    """The commands by their name in `lang` (bot/telegram/commands.py), with their descriptions
    from the catalogue."""
    return [BotCommand(commands.name(i, lang), t(lang, f"commands.{i}")) for i in ids]


def people_with_own_menu(
    session: Session, private: Sequence[str]
) -> list[tuple[int, str, str | None, frozenset[str]]]:
    """(Telegram id, language, their app's menu language (Person.app_language), roles) of
    everyone whose chat has a menu of its own (`chat_menu`): read at start-up, for everyone
    with a role other than resident, and everyone who chose another language than their
    Telegram app's (not known: taken to be Dutch)."""
    granted = select(Membership.person_id).where(col(Membership.role) != Role.RESIDENT.value)
    other_language = col(Person.language) != func.coalesce(
        col(Person.app_language), DEFAULT_LANGUAGE
    )
    rows = session.exec(
        select(Person.telegram_id, Person.language, Person.app_language, Membership.role)
        .join(Membership, col(Membership.person_id) == col(Person.id), isouter=True)
        .where(or_(col(Person.id).in_(granted), other_language))
    ).all()
    found: dict[tuple[int, str, str | None], set[str]] = {}
    for telegram_id, language, app_language, role in rows:
        roles = found.setdefault((int(telegram_id), language, app_language), set())
        if role is not None:
            roles.add(role)
    return sorted(
        (
            (telegram_id, language, app_language, frozenset(roles))
            for (telegram_id, language, app_language), roles in found.items()
            if chat_menu(roles, private, language, app_language) is not None
        ),
        key=lambda row: row[0],
    )


async def set_everyone_menu(bot: Bot, private: Sequence[str]) -> None:
    """All private chats, per language (each with its own command names); clients in other
    languages get the Dutch one."""
    names = everyone_commands(private)
    for lang in LANGUAGES:
        menu = menu_of(names, lang)
        await bot.set_my_commands(menu, scope=BotCommandScopeAllPrivateChats(), language_code=lang)
        if lang == DEFAULT_LANGUAGE:  # Dutch, for an app in a language we do not have
            await bot.set_my_commands(menu, scope=BotCommandScopeAllPrivateChats())


async def show_menu(
    bot: Bot,
    chat_id: int,
    lang: str,
    private: Sequence[str],
    roles: Collection[str],
    *,
    app_language: str | None = None,
    desk_url: str | None = None,
    was_coach: bool = False,
) -> bool:
    """A person's private chat gets the menu of what their roles let them do, in `lang`: a menu
    of its own, or everyone's (the chat's own removed) when that fits them (`chat_menu`, with
    their Telegram app's `app_language` when known). A coach's chat with `desk_url` (the desk
    on https, bot.desk.links.web_app_url) gets a menu button that opens the desk as a Mini App;
    with `desk_url`, one who `was_coach` and is no more gets Telegram's default button back.
    False when Telegram refused (the person blocked the bot, or never started it): the menu is
    a convenience, so that is logged and nothing else stops."""
    ids = chat_menu(roles, private, lang, app_language)
    coach = is_coach(roles)
    no_desk = was_coach and not coach and desk_url is not None
    if ids is None:
        return await hide_menu(bot, chat_id, desk=no_desk)
    try:
        await bot.set_my_commands(menu_of(ids, lang), scope=BotCommandScopeChat(chat_id))
        if coach and desk_url:
            button = MenuButtonWebApp(t(lang, "desk.open_button"), WebAppInfo(desk_url))
            await bot.set_chat_menu_button(chat_id=chat_id, menu_button=button)
        elif no_desk:
            await bot.set_chat_menu_button(chat_id=chat_id, menu_button=MenuButtonDefault())
    except TelegramError as exc:
        _log.info("no own menu for chat %s: %s", pseudonym(chat_id), exc)
        return False
    return True


async def roles_changed(
    bot: Bot,
    chat_id: int,
    lang: str,
    private: Sequence[str],
    before: Collection[str],
    after: Collection[str],
    *,
    app_language: str | None = None,
    desk_url: str | None = None,
) -> bool | None:
    """After a person's roles went from `before` to `after`: their chat's menu, when they now
    may do something else (None: the menu they have still fits; else as `show_menu`)."""
    if not changes(before, after, private):
        return None
    return await show_menu(
        bot,
        chat_id,
        lang,
        private,
        after,
        app_language=app_language,
        desk_url=desk_url,
        was_coach=is_coach(before),
    )


async def hide_menu(bot: Bot, chat_id: int, *, desk: bool = False) -> bool:
    """Back to everyone's menu (the chat's own removed); with `desk`, the chat's menu button
    back to Telegram's default too."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
        if desk:
            await bot.set_chat_menu_button(chat_id=chat_id, menu_button=MenuButtonDefault())
    except TelegramError as exc:
        _log.info("own menu of chat %s not removed: %s", pseudonym(chat_id), exc)
        return False
    return True
