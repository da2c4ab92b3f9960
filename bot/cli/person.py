"""`wijkbot person export|erase --person WHO`: a person's own data, for an administrator.

A resident who lost their phone or left Telegram asks the municipality by letter for their data
or their erasure (AVG). /mijngegevens and /vergeetmij need the person's own chat; these do the
same without it, through the same services (bot/privacy/): `export` writes the very file
/mijngegevens sends (its guide in the person's language), `erase` is /vergeetmij's erasure, all
or nothing, their contributions deleted or kept without a name as they chose in the letter.

WHO is their Telegram id, the pseudonym or shared name the desk shows (Buur-1234), or the
reference of an observation they sent (M-123). `erase` asks for --yes. The running bot, another
process, still holds who they were, their flow and its draft in memory: their first update once
it has not read them for 30 s (the actor cache's ttl, as for any other process's change) finds
them gone, drops all of that and shows the privacy statement, as to a newcomer
(handlers/common.py `erased_elsewhere`); nothing of the old draft is stored again.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from bot.cli import common as cli

_log = logging.getLogger(__name__)

KEEP, DELETE = "keep", "delete"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Export or erase one person's data, as /mijngegevens and /vergeetmij do in the bot: "
        "for a request by letter, or a resident who lost their phone."
    )
    sub = parser.add_subparsers(dest="action", required=True)
    who = "their Telegram id, the pseudonym or name the desk shows (Buur-1234), or M-123"
    p = sub.add_parser("export", help="write the file /mijngegevens sends: all stored about them")
    p.add_argument("--person", required=True, help=who)
    p.add_argument(
        "--out", default=None, help="the file to write ('-': standard output; default: its name)"
    )
    p.add_argument(
        "--lang", choices=("nl", "en"), default=None, help="the guide's language (default: theirs)"
    )
    p = sub.add_parser("erase", help="erase them, as /vergeetmij does (asks for --yes)")
    p.add_argument("--person", required=True, help=who)
    p.add_argument(
        "--contributions",
        choices=(DELETE, KEEP),
        default=None,
        help="their observations, reactions and votes: delete them too, or keep them without "
        "a name (needed when they have any)",
    )
    p.add_argument("--yes", action="store_true", help="erase without asking again")


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def _found(session: Any, who: str) -> Any:
    """The one person `who` names, or the line saying why not."""
    from bot.people import persons

    fitting = persons.named(session, who)
    if not fitting:
        return (
            f"nobody known as {who!r}: give their Telegram id, the pseudonym or name the desk "
            "shows, or M-<number> of an observation they sent"
        )
    if len(fitting) > 1:
        ids = ", ".join(str(p.telegram_id) for p in fitting)
        return f"{who!r} fits {len(fitting)} people: name one by Telegram id ({ids})"
    return fitting[0]


def _describe(session: Any, person: Any) -> str:
    """How the administrator recognises them: pseudonym, Telegram id and roles."""
    from sqlmodel import select

    from bot.people import persons
    from models import Wijk

    slugs = {w.id: w.slug for w in session.exec(select(Wijk)).all()}
    roles = ", ".join(
        f"{m.role} in {slugs.get(m.wijk_id, '?')}" for m in persons.memberships(session, person.id)
    )
    return f"{person.pseudonym} (Telegram {person.telegram_id}; {roles or 'no wijk'})"


def run(args: argparse.Namespace) -> int:
    config = cli.config_from(args)
    services = cli.open_services(config)
    try:
        if args.action == "export":
            return _export(services, args)
        return _erase(services, args)
    finally:
        services.db.dispose()


def _export(services: Any, args: argparse.Namespace) -> int:
    from bot.privacy.export_file import export_file

    folder = Path(args.out).parent if args.out not in (None, "-") else None
    if folder is not None and not folder.is_dir():
        # A mistake in the command, as for `wijkbot supplement --out`: bad input (2).
        return _fail(f"{args.out}: the folder {folder} does not exist; nothing written")
    with services.db.session() as session:
        person = _found(session, args.person)
        if isinstance(person, str):
            return _fail(person)
        lang = args.lang or person.language
        who = _describe(session, person)
        file = export_file(session, person.id, lang, now=services.clock.now(), tz=services.tz)
    if args.out == "-":
        sys.stdout.buffer.write(file.content)
        return 0
    path = Path(args.out or file.filename)
    try:
        path.write_bytes(file.content)
    except OSError as exc:  # the request was right; the disk said no (no room, not ours)
        print(f"cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {path} ({len(file.content)} bytes): all stored about {who}, guide in {lang}")
    return 0


def _erase(services: Any, args: argparse.Namespace) -> int:
    from bot.people import persons
    from bot.privacy import personal_data

    with services.db.session() as session:
        person = _found(session, args.person)
        if isinstance(person, str):
            return _fail(person)
        who = _describe(session, person)
        roles = frozenset(m.role for m in persons.memberships(session, person.id))
        language, app_language = person.language, person.app_language
        counts = personal_data.count_contributions(session, person.id)
        # Said where the administrator decides, as /vergeetmij's "Weet je het zeker?" does.
        polls = personal_data.polls_created(session, person.id)
        stays = f"; the {polls} poll(s) they created stay, without their name" if polls else ""
        if counts.any and args.contributions is None:
            return _fail(
                f"{who} sent {counts.observations} observation(s), {counts.reactions} "
                f"reaction(s) and {counts.votes} vote(s): add --contributions delete (erase them "
                f"too) or --contributions keep (keep them without a name), as they asked{stays}"
            )
        keep = counts.any and args.contributions == KEEP
        if not args.yes and not _confirmed(who, keep=keep, contributions=counts.any, stays=stays):
            return _fail(f"nothing erased: add --yes to erase {who}{stays}")
        report = personal_data.erase_person(
            session, person.id, keep_contributions=keep, now=services.clock.now()
        )
    _log.info("erased a person at an administrator's request (%s)", "kept" if keep else "deleted")
    if keep:
        done = (
            "kept without a name: "
            f"{report.observations_kept + report.supported_kept} observation(s), "
            f"{report.reactions_kept} reaction(s), {report.votes_kept} vote(s)"
        )
        if report.notes_removed:
            # A note could name them: it went with them (the desk says a note was removed).
            done += f"; {report.notes_removed} observation(s) lost the coaches' notes on them"
    else:
        done = (
            f"deleted: {report.observations_deleted + report.supported} observation(s), "
            f"{report.reactions_deleted} reaction(s), {report.votes_deleted} vote(s)"
        )
    if report.polls_kept:
        done += f"; kept without a creator: {report.polls_kept} poll(s)"
    print(
        f"erased {who}; {done}; the running bot drops what it held for them "
        "at their next message, within 30 seconds"
    )
    return _hide_menu(
        services, person.telegram_id, roles, language, app_language, args.private_commands
    )


def _confirmed(who: str, *, keep: bool, contributions: bool, stays: str = "") -> bool:
    """Asked at a terminal; anywhere else (a script, a pipe) only --yes erases."""
    try:
        interactive = sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):
        interactive = False
    if not interactive:
        return False
    what = ""
    if contributions:
        what = " (their contributions kept without a name)" if keep else " and all they sent"
    print(f"This erases {who}{what}{stays}. It cannot be undone.", file=sys.stderr)
    try:
        answer = input("Type yes to erase: ")
    except EOFError:
        return False
    return answer.strip().lower() == "yes"


def _hide_menu(
    services: Any,
    chat_id: int,
    roles: frozenset[str],
    language: str,
    app_language: str | None,
    private: Any,
) -> int:
    """A chat with a menu of its own (a coach, a partner, someone who chose another language
    than their Telegram app's, `app_language` as stored) goes back to everyone's, as after
    /vergeetmij; without a token, or with Telegram out of reach, it says so (the commands it
    still lists refuse them)."""
    from bot.telegram import command_menu

    if command_menu.chat_menu(roles, private, language, app_language) is None:
        return 0
    config = services.config
    if not config.telegram.token:
        print(
            "no bot token: their Telegram still lists the commands of their roles (which now "
            "refuse them)",
            file=sys.stderr,
        )
        return 0
    from telegram import Bot

    from bot.desk import links

    async def hide() -> bool:
        async with Bot(config.telegram.token, base_url=config.telegram.bot_api_url) as bot:
            desk = links.web_app_url(config) is not None
            return await command_menu.hide_menu(bot, chat_id, desk=desk)

    try:
        hidden = asyncio.run(hide())
    except Exception as exc:  # Telegram unreachable: the erasure stands all the same
        print(f"Telegram unreachable ({type(exc).__name__})", file=sys.stderr)
        hidden = False
    if not hidden:
        print(
            "their chat's command menu could not be reset; it lists commands that refuse them",
            file=sys.stderr,
        )
    return 0
