"""The `wijkbot` command line: run, check-config, migrate, invite, demo, and the features'
sub-commands (listed in bot/wiring.py, CLI_COMMANDS)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import wiring
from bot.cli.common import (
    DatabaseUnreachableError,
    check_feature_settings,
    config_from,
    find_wijken,
    open_database,
    open_services,
    when,
)
from bot.core.config import Config, ConfigError, MissingTokenError, load_config

_log = logging.getLogger("wijkbot")
UNKNOWN_USERNAME = "<bot_username>"

BOTFATHER_HELP = """No Telegram bot token is configured.
To run the real bot: open Telegram, talk to @BotFather, send /newbot, and put the token in
WIJKBOT_TOKEN (or telegram.token in your config file). Then run `wijkbot run` again.
Meanwhile, here is the offline demo: the whole bot against a local fake Telegram."""


# --- commands ------------------------------------------------------------------------------


def cmd_check_config(args: argparse.Namespace) -> int:
    config = config_from(args, require_token=True)
    print(f"{config.source}: OK ({len(config.wijken)} wijken, {len(config.themes)} themes)")
    for line in _left_behind(config):
        print(line, file=sys.stderr)
    return 0


ROLE_COUNTS = {
    "coach": ("coach", "coaches"),
    "admin": ("admin", "admins"),
    "big": ("BIG member", "BIG members"),
    "partner": ("partner", "partners"),
    "resident": ("resident", "residents"),
}


def _left_behind(config: Config) -> list[str]:
    """A note for each wijk in the database that the file no longer has while people still
    belong to it (a slug renamed, a wijk taken out): the bot no longer shows it to them. Only
    when the database is there and current: checking the file needs no database."""
    from sqlalchemy.engine import make_url

    from bot.core import migrate
    from bot.core.database import normalise_url
    from bot.people import persons

    url = make_url(normalise_url(config.database.url))
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return []  # never make the file here
    try:
        db = open_database(config)
    except (ConfigError, DatabaseUnreachableError):
        return []
    try:
        migrate.ensure_current(db.engine)
        with db.session() as session:
            found = persons.left_behind(session, config)
    except migrate.DatabaseBehindError:
        return []
    finally:
        db.dispose()
    lines = []
    for wijk, counts in found:
        held = [
            f"{n} {one if n == 1 else many}"
            for role, (one, many) in ROLE_COUNTS.items()
            if (n := counts.get(role, 0))
        ]
        lines.append(
            f"note: wijk {wijk.slug!r} ({wijk.name}) is not in {config.source} any more, but "
            f"{', '.join(held)} still belong to it and the bot no longer shows it to them. To "
            f"rename a wijk, keep its slug and change its name; `wijkbot roles --wijk "
            f"{wijk.slug}` lists its roles"
        )
    return lines


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.core import migrate

    config = config_from(args)
    db = open_database(config)
    before = migrate.current_revision(db.engine)
    migrate.upgrade(db.engine)
    after = migrate.current_revision(db.engine)
    print(f"database at revision {after}" + ("" if before == after else f" (was {before})"))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    try:
        config = check_feature_settings(load_config(args.config, require_token=True))
    except MissingTokenError:
        print(BOTFATHER_HELP, file=sys.stderr)
        config = None
    if config is None:  # outside the except: whatever the demo raises is not "during" it
        from bot.demo.script import main_scripted

        return main_scripted(args.config)
    from bot.app import build_application
    from bot.core.logs import setup_logging

    setup_logging(config.general.log_level, config.telegram.token, config.telegram.webhook_secret)
    services = open_services(config)
    unreachable = _telegram_problem(config)
    if unreachable:
        print(unreachable, file=sys.stderr)
        return 5
    app = build_application(services)
    if config.telegram.mode == "webhook":
        # Our own endpoint, not app.run_webhook: it refuses a request from its headers alone.
        from bot.telegram import webhook

        webhook.run(app, config.telegram)
    else:
        app.run_polling()
    return 0


def _telegram_problem(config: Config) -> str | None:
    """One getMe before the bot starts: an unreachable Bot API or a refused token is one line
    saying what to check, not PTB's retry loop logging six tracebacks before it gives up."""
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    async def ask() -> None:
        async with Bot(config.telegram.token, base_url=config.telegram.bot_api_url):
            pass  # entering the Bot calls getMe

    url = config.telegram.bot_api_url
    try:
        asyncio.run(ask())
    except InvalidToken:
        return (
            f"{config.source}: telegram.token: Telegram refused the token at {url}; "
            "check it with @BotFather (/mybots, API Token)"
        )
    except TelegramError as exc:
        # Never echo the token, even where a library puts the whole address in its message.
        reason = str(exc).replace(config.telegram.token, "<token>").strip() or type(exc).__name__
        return (
            f"{config.source}: telegram.bot_api_url: cannot reach the Telegram Bot API at {url} "
            f"({reason}); check the network, a firewall or proxy, and telegram.bot_api_url"
        )
    return None


def cmd_invite(args: argparse.Namespace) -> int:
    from bot.people import invites, persons
    from models import Role

    config = config_from(args)
    services = open_services(config)
    with services.db.session() as session:
        persons.sync_wijken(session, config)
        wijken = find_wijken(session, args.wijk, active_only=True)
        if isinstance(wijken, str):
            print(wijken, file=sys.stderr)
            return 2
        now, slugs = services.clock.now(), ", ".join(w.slug for w in wijken)
        try:
            expires = invites.parse_duration(args.expires)
            _, code = invites.create_invite(
                session,
                role=Role(args.role),
                wijken=wijken,
                now=now,
                expires_in=expires,
                uses=args.uses,
                note=args.note,
            )
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
    username = config.municipality.bot_username or _bot_username(config)
    print(invites.invite_link(username, code))
    # Beside the link (standard output holds the link alone): until when and for how many it
    # works, so a typo in --expires shows now and not when the coach finds the link dead.
    until = (now + expires).astimezone(config.general.tz)
    people = "1 person" if args.uses == 1 else f"{args.uses} people"
    print(
        f"works until {when(until)} ({config.general.timezone}), for {people}: "
        f"{args.role} in {slugs}",
        file=sys.stderr,
    )
    if username == UNKNOWN_USERNAME:
        print(
            "note: the bot's username is unknown (no token, or Telegram unreachable): set "
            "municipality.bot_username and put it in the link.",
            file=sys.stderr,
        )
    return 0


def _bot_username(config: Config) -> str:
    """Ask Telegram (getMe) when the config does not name the bot."""
    if not config.telegram.token:
        return UNKNOWN_USERNAME
    from telegram import Bot

    async def ask() -> str:
        async with Bot(config.telegram.token, base_url=config.telegram.bot_api_url) as bot:
            return bot.username

    try:
        return asyncio.run(ask())
    except Exception:  # offline or refused: the operator fills the name in (we say so)
        return UNKNOWN_USERNAME


def cmd_demo(args: argparse.Namespace) -> int:
    if args.interactive:
        from bot.demo.interactive import main_interactive

        return main_interactive(args.config)
    from bot.demo.script import main_scripted

    return main_scripted(args.config, out_dir=args.out)


EXIT_CODES = """exit codes:
  0  done
  1  the input was right, but it could not be done: nothing to draft or send, or
     Telegram or CBS failed (the line says which)
  2  bad input: an unknown wijk, person, id or period, a wrong option or setting;
     nothing was changed
  3  the database is behind the code: run `wijkbot migrate`
  4  the database cannot be reached
  5  wijkbot run: Telegram cannot be reached"""


class _Help(argparse.RawDescriptionHelpFormatter):
    """The exit codes as written; each command's line beside its name, the longest too."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        # argparse measures a command's name without the indent it is shown with.
        for sub in self._iter_indented_subactions(action):
            width = len(self._format_action_invocation(sub)) + self._current_indent
            self._action_max_length = max(self._action_max_length, width)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wijkbot",
        description="The Wijkspiegel bot, and the administrator's commands.\n"
        "`wijkbot COMMAND --help` tells more about each.",
        epilog=EXIT_CODES,
        formatter_class=_Help,
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="config file (default: $WIJKBOT_CONFIG, else ./config.toml, else the example "
        "config.example.toml)",
    )
    sub = parser.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")
    sub.add_parser("run", help="run the bot (the offline demo when no token is set)").set_defaults(
        func=cmd_run
    )
    sub.add_parser("check-config", help="validate the configuration and stop").set_defaults(
        func=cmd_check_config
    )
    sub.add_parser("migrate", help="upgrade the database schema").set_defaults(func=cmd_migrate)
    p = sub.add_parser(
        "invite",
        help="create an invite link that grants a role",
        description="Create an invite link that grants a role; it says until when it works.",
    )
    p.add_argument("--role", required=True, choices=["coach", "big", "partner", "admin"])
    p.add_argument("--wijk", required=True, action="append", help="wijk slug (repeat for several)")
    p.add_argument("--uses", type=int, default=1, help="how many people may use it (default 1)")
    p.add_argument(
        "--expires",
        default="7d",
        help="how long it works: 30min, 12h, 7d or 2w (default 7d; for a month: 30d)",
    )
    p.add_argument("--note", default="", help="a note for yourself, e.g. who it is for")
    p.set_defaults(func=cmd_invite)
    for name, summary, configure, run in wiring.CLI_COMMANDS:
        p = sub.add_parser(name, help=summary)
        configure(p)
        # The private chats' commands, for a sub-command that sets a person's menu (revoke).
        p.set_defaults(func=run, private_commands=wiring.PRIVATE_COMMANDS)
    p = sub.add_parser("demo", help="the offline demo against a local fake Telegram")
    p.add_argument("--interactive", action="store_true", help="type as a resident yourself")
    p.add_argument(
        "--out", type=Path, default=None, help="folder for the transcript, chart and CSV"
    )
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:
        from bot.core.logs import setup_logging

        setup_logging("WARNING")
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DatabaseUnreachableError as exc:
        print(str(exc), file=sys.stderr)
        return 4
    except BrokenPipeError:
        # `wijkbot digest ... | head`: the reader left; nothing is wrong with us.
        sys.stderr.close()
        return 0
    except Exception as exc:
        from bot.core.migrate import DanglingLinksError, DatabaseBehindError

        if isinstance(exc, DatabaseBehindError):
            print(str(exc), file=sys.stderr)
            return 3
        if isinstance(exc, DanglingLinksError):
            # The migration was undone: the data, not the input, stands in the way.
            print(str(exc), file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    raise SystemExit(main())
