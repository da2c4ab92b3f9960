"""`wijkbot figures fetch`: ask CBS for the configured editions of "Kerncijfers wijken en
buurten" and store them (the bot also does this once a month; bot/figures/fetch.py).
`wijkbot figures snapshot --wijk SLUG --out FILE`: write a wijk's stored figures as a file the
bot can ship, e.g. the offline demo's (bot/figures/snapshot.py)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.cli.common import config_from, one_wijk, open_services
from bot.core.config import Config


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = "CBS key figures of the wijken (Kerncijfers wijken en buurten)"
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("fetch", help="fetch the configured editions from CBS and store them")
    snap = sub.add_parser(
        "snapshot", help="write a wijk's stored figures to a file (e.g. the offline demo's)"
    )
    snap.add_argument("--wijk", required=True, help="the spiegel wijk's slug, e.g. elsrijk")
    snap.add_argument("--out", required=True, type=Path, help="the JSON file to write")


def run(args: argparse.Namespace) -> int:
    from bot.figures.fetch import fetch_figures

    config = config_from(args)
    if args.action == "snapshot":
        return _snapshot(config, args.wijk, args.out)
    if not config.figures.enabled or not config.figures.datasets:
        print("figures are off in the configuration ([figures] enabled, datasets)", file=sys.stderr)
        return 2
    services = open_services(config)
    result = asyncio.run(fetch_figures(services.db, config, transport=services.cbs_transport))
    for line in result.lines():
        print(line)
    return 0 if result.ok else 1


def _snapshot(config: Config, wijk: str, out: Path) -> int:
    from bot.figures.snapshot import NothingStored, snapshot

    services = open_services(config)
    try:
        with services.db.session() as session:
            if one_wijk(session, config, wijk) is None:
                return 2
            body = snapshot(session, config, wijk)
    except NothingStored as nothing:
        print(nothing, file=sys.stderr)
        return 1
    finally:
        services.db.dispose()
    try:
        out.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        print(f"cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{len(body['figures'])} figures of {wijk} written to {out}")
    return 0
