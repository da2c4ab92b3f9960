"""What every `wijkbot` sub-command shares: the config, the services, the wijken named on the line.

Its own module, so the sub-commands (bot/cli/digest.py, roles.py, spiegel.py) need not import
bot/cli/wijkbot.py, which builds its parser from their list in bot/wiring.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.core.config import Config, load_config

if TYPE_CHECKING:
    from bot.context import Services
    from bot.opendata.clients import PdokClient


def config_from(args: argparse.Namespace, *, require_token: bool = False) -> Config:
    return load_config(args.config, require_token=require_token)


def open_services(config: Config, *, migrate_check: bool = True) -> Services:
    from bot.context import Services
    from bot.core import migrate
    from bot.core.database import Database

    db = Database.from_url(config.database.url, echo=config.database.echo)
    if migrate_check:
        migrate.ensure_current(db.engine)
    services = Services(config=config, db=db)
    services.pdok = make_pdok(config)
    return services


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
    for slug in slugs:
        wijk = persons.wijk_by_slug(session, slug)
        if wijk is None or (active_only and not wijk.active):
            known = ", ".join(w.slug for w in persons.active_wijken(session))
            return f"unknown wijk {slug!r}; known: {known}"
        found.append(wijk)
    return found


def one_wijk(session: Any, config: Config, slug: str) -> Any | None:
    """The wijk a reading command names (a retired one too), after mirroring the config's wijken;
    None after saying on standard error that it is unknown and which are known."""
    from bot.people import persons

    persons.sync_wijken(session, config)
    found = find_wijken(session, [slug], active_only=False)
    if isinstance(found, str):
        print(found, file=sys.stderr)
        return None
    return found[0]
