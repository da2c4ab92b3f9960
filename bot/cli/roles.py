"""`wijkbot roles [--wijk SLUG]` and `wijkbot revoke --role ROLE --wijk SLUG --person WHO`.

`roles` lists who holds a granted role (coach, admin, BIG member, partner): Telegram id,
pseudonym, the name only when the person shares it, since when, and the invite's note.
`revoke` takes a role back in one or more wijken (bot.people.roles.revoke). The running bot sees the
change within its caches' 30 seconds. A chat keeps its command menu until Telegram is told: with a
token configured `revoke` sets it to what the person may still do (bot/telegram/command_menu.py:
a coach's commands gone when they coach nowhere any more, /stemmen back for a partner no more);
without one it says so, and running `revoke` again with the token does it then.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.cli import common as cli
from bot.people.invites import INVITE_ROLES

if TYPE_CHECKING:
    from bot.people.roles import Revoked

_ROLES = [role.value for role in INVITE_ROLES]


def configure_roles(parser: argparse.ArgumentParser) -> None:
    parser.description = "List who holds a role granted by invite (coach, admin, BIG, partner)."
    parser.add_argument("--wijk", action="append", help="only this wijk (repeat for several)")


def configure_revoke(parser: argparse.ArgumentParser) -> None:
    parser.description = "Take a role granted by invite away from a person."
    parser.add_argument("--role", required=True, choices=_ROLES)
    parser.add_argument("--wijk", required=True, action="append", help="wijk slug (repeatable)")
    parser.add_argument(
        "--person", required=True, help="the Telegram id or pseudonym `wijkbot roles` shows"
    )


def run_roles(args: argparse.Namespace) -> int:
    from bot.people import persons, roles

    config = cli.config_from(args)
    services = cli.open_services(config)
    try:
        with services.db.session() as session:
            persons.sync_wijken(session, config)
            wijken = cli.find_wijken(session, args.wijk, active_only=False) if args.wijk else None
            if isinstance(wijken, str):
                print(wijken, file=sys.stderr)
                return 2
            found = roles.holders(session, wijken)
    finally:
        services.db.dispose()
    if not found:
        where = " or ".join(dict.fromkeys(args.wijk)) if args.wijk else "any wijk"
        print(f"nobody holds a coach, admin, BIG or partner role in {where} yet")
        return 0
    tz = config.general.tz
    for h in found:
        name = f" ({h.name})" if h.name else ""
        note = f'  invite: "{h.invite_note}"' if h.invite_note else ""
        since = h.since.astimezone(tz).strftime("%Y-%m-%d")
        print(
            f"{h.wijk:<20} {h.role.value:<8} {h.telegram_id:>12}  {h.pseudonym}{name}"
            f"  since {since}{note}"
        )
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from bot.people import persons, roles
    from models import Role

    config = cli.config_from(args)
    services = cli.open_services(config)
    role = Role(args.role)
    try:
        with services.db.session() as session:
            persons.sync_wijken(session, config)
            wijken = cli.find_wijken(session, args.wijk, active_only=False)
            if isinstance(wijken, str):
                print(wijken, file=sys.stderr)
                return 2
            result = roles.revoke(session, args.person, role, wijken)
    finally:
        services.db.dispose()
    where = ", ".join(args.wijk)
    status = roles.RevokeStatus
    if result.status is status.NO_PERSON:
        print(f"no {role.value} {args.person!r} in {where} (see `wijkbot roles`)", file=sys.stderr)
        return 2
    if result.status is status.AMBIGUOUS:
        ids = ", ".join(str(h.telegram_id) for h in result.candidates)
        print(
            f"{args.person!r} fits several people in {where}: name one by Telegram id ({ids})",
            file=sys.stderr,
        )
        return 2
    held = result.status is not status.NOT_HELD
    if held:
        print(
            f"{result.pseudonym} ({result.telegram_id}) is no longer {role.value} in "
            f"{', '.join(result.wijken)}; the running bot sees this within 30 seconds"
        )
    else:
        # Nothing was taken back: exit 2 as for an unknown person, so a script sees the mistake.
        print(
            f"{result.pseudonym} ({result.telegram_id}) is not {role.value} in {where}: nothing "
            "taken back (see `wijkbot roles`)",
            file=sys.stderr,
        )
    from bot.telegram import command_menu

    assert result.telegram_id is not None
    # Their menu as it would be had they kept the role (also when a run before took it but could
    # not reach Telegram: running it again sets the menu, exit 2 all the same): when what they
    # may do changed, their chat's menu follows.
    before = result.roles_left | {role.value}
    private = args.private_commands
    if not command_menu.changes(before, result.roles_left, private):
        return 0 if held else 2
    if not held and not config.telegram.token:
        return 2
    shown = _update_menu(config, result, before, private)
    return shown if held else 2


def _update_menu(
    config: Any, result: Revoked, before: frozenset[str], private: Sequence[str]
) -> int:
    """Their chat's menu shows what they may still do (its commands already refuse them)."""
    if not config.telegram.token:
        print(
            "no bot token: their Telegram still lists commands they may no longer use (which "
            "now refuse them); run this again with WIJKBOT_TOKEN set to update their menu",
            file=sys.stderr,
        )
        return 0
    from telegram import Bot

    from bot.desk import links
    from bot.telegram import command_menu

    assert result.telegram_id is not None
    chat_id, roles = result.telegram_id, result.roles_left

    async def show() -> bool:
        async with Bot(config.telegram.token, base_url=config.telegram.bot_api_url) as bot:
            return await command_menu.show_menu(
                bot,
                chat_id,
                result.language,
                private,
                roles,
                app_language=result.app_language,
                desk_url=links.web_app_url(config),
                was_coach=command_menu.is_coach(before),
            )

    try:
        shown = asyncio.run(show())
    except Exception as exc:  # Telegram unreachable: the role is gone all the same
        shown = False
        print(f"Telegram unreachable ({type(exc).__name__})", file=sys.stderr)
    if not shown:
        print(
            "their command menu could not be updated now; run this again later to retry",
            file=sys.stderr,
        )
        return 1
    if command_menu.chat_menu(roles, private, result.language, result.app_language) is None:
        print("their own command menu is removed: they see everyone's")
    else:
        print("their command menu now shows what they may still do")
    return 0
