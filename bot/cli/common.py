"""What every `wijkbot` sub-command shares: the config, the services, the wijken named on the line.

Its own module, so the sub-commands (bot/cli/digest.py, roles.py, spiegel.py) need not import
bot/cli/wijkbot.py, which builds its parser from their list in bot/wiring.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.config import Config, ConfigError, load_config
from bot.core.i18n import format_moment

if TYPE_CHECKING:
    from bot.context import Services
    from bot.core.database import Database
    from bot.opendata.clients import PdokClient


# The language of the command line's own lines (its catalogue is the code: ARCHITECTURE.md).
CLI_LANG = "en"


def when(moment: datetime, lang: str = CLI_LANG) -> str:
    """A moment as the command line shows it, already in the municipality's time: "Sunday 7
    March 2027 20:00" (the day without a leading zero, the year always); in Dutch "zondag 7 maart
    2027 20:00". The names are the language's (Babel), never the machine's locale (LC_TIME)."""
    return format_moment(moment, lang, "EEEE d MMMM y HH:mm")


class DatabaseUnreachableError(Exception):
    """The configured database cannot be reached: the one line the administrator reads."""


def config_from(args: argparse.Namespace, *, require_token: bool = False) -> Config:
    return check_feature_settings(load_config(args.config, require_token=require_token))


def check_feature_settings(config: Config) -> Config:
    """The settings that name a feature's keys, which bot/core/config.py does not know."""
    from bot.figures.measures import BY_KEY

    for i, key in enumerate(config.figures.resident_measures):
        if key not in BY_KEY:
            raise ConfigError(
                config.source,
                f"figures.resident_measures[{i}]",
                f"unknown measure {key!r} (known: {', '.join(BY_KEY)})",
            )
    return config


def open_services(config: Config, *, migrate_check: bool = True) -> Services:
    from bot.context import Services
    from bot.core import migrate

    db = open_database(config)
    if migrate_check:
        migrate.ensure_current(db.engine)
    if config.fallback:
        _refuse_another_municipality(config, db)
    services = Services(config=config, db=db)
    services.pdok = make_pdok(config)
    return services


def _refuse_another_municipality(config: Config, db: Database) -> None:
    """Run where no config file is (no --config, no WIJKBOT_CONFIG, no ./config.toml), a command
    takes the shipped example: against a database with other wijken it would switch those off
    and put the example's in (its wijken are mirrored into the database). Refused first."""
    from sqlmodel import col, select

    from models import Wijk

    configured = {w.slug for w in config.wijken}
    with db.session() as session:
        others = [
            slug
            for slug in session.exec(select(Wijk.slug).where(col(Wijk.active).is_(True))).all()
            if slug not in configured
        ]
    if others:
        db.dispose()
        shown = ", ".join(sorted(others)[:5]) + (", ..." if len(others) > 5 else "")
        raise ConfigError(
            config.source,
            "--config",
            f"no config file was named (no --config, no WIJKBOT_CONFIG, no config.toml in this "
            f"folder), so this is the example of {config.municipality.name}, but the database "
            f"holds other wijken ({shown}): run it in the folder of your config.toml, or name "
            "it with --config FILE or WIJKBOT_CONFIG; nothing was changed",
        )


def open_database(config: Config) -> Database:
    """The configured database after one connection to it. A server that is down, a database
    that does not exist or a mistyped driver is one line naming the URL (without its password)
    and what to check, instead of the driver's traceback on every command."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from bot.core.database import Database, normalise_url

    src, key, url = config.source, config.named("database.url"), config.database.url
    try:
        shown = make_url(normalise_url(url)).render_as_string(hide_password=True)
        db = Database.from_url(url, echo=config.database.echo)
    except NoSuchModuleError:
        raise ConfigError(
            src, key, "unknown driver: use sqlite:///path or postgresql+psycopg://user@host/db"
        ) from None
    except ArgumentError:
        raise ConfigError(
            src, key, "not a database URL: use sqlite:///path or postgresql+psycopg://user@host/db"
        ) from None
    except OSError as exc:  # SQLite's folder cannot be made
        raise DatabaseUnreachableError(
            f"{src}: {key}: cannot open {url} ({exc.strerror}: {exc.filename}); check the folder "
            "and that this user may write there"
        ) from None
    try:
        with db.engine.connect():
            pass
    except DBAPIError as exc:
        db.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "refused"
        raise DatabaseUnreachableError(
            f"{src}: {key}: cannot connect to {shown} ({reason}); check that the database server "
            "runs, that the database exists and that the user may log in"
        ) from None
    return db


def make_pdok(config: Config) -> PdokClient | None:
    if not config.opendata.enabled or not config.municipality.gemeentecode:
        return None
    from bot.opendata.clients import PdokClient, WijkArea

    return PdokClient(
        gemeentecode=config.municipality.gemeentecode,
        areas=[WijkArea.of(w) for w in config.wijken],
        base_url=config.opendata.pdok_url,
        timeout=config.opendata.timeout_seconds,
    )


def find_wijken(session: Any, slugs: Sequence[str], *, active_only: bool) -> list[Any] | str:
    """The wijken by slug, or the error line for the first unknown one. New invites and spiegel
    editions only go to active wijken; reading a digest or taking a role back works for a wijk
    the config has retired as well."""
    from bot.people import persons

    found = []
    for slug in dict.fromkeys(slugs):  # `--wijk leesten --wijk leesten` names Leesten once
        wijk = persons.wijk_by_slug(session, slug)
        if wijk is None or (active_only and not wijk.active):
            known = ", ".join(w.slug for w in persons.active_wijken(session))
            return f"unknown wijk {slug!r}; known: {known}"
        found.append(wijk)
    return found


def one_wijk(session: Any, config: Config, slug: str) -> Any | None:
    """The wijk a reading command names (a retired one too, with `note_taken_out`), after
    mirroring the config's wijken; None after saying on standard error that it is unknown and
    which are known."""
    from bot.people import persons

    persons.sync_wijken(session, config)
    found = find_wijken(session, [slug], active_only=False)
    if isinstance(found, str):
        print(found, file=sys.stderr)
        return None
    note_taken_out(config, found[0])
    return found[0]


def note_taken_out(config: Config, wijk: Any) -> None:
    """One line on standard error when a reading command names a wijk the configuration no
    longer has (switched off in the database): its old data is shown all the same, but `invite`
    and `import-spiegel` call it unknown, so the operator hears why."""
    if not wijk.active:
        print(
            f"note: wijk {wijk.slug!r} is no longer in {config.source} (switched off in the "
            "database); its old data is used all the same",
            file=sys.stderr,
        )
