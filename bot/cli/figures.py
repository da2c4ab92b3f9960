"""`wijkbot figures fetch`: ask CBS for the configured editions of "Kerncijfers wijken en
buurten" and store them (the bot also does this once a month; bot/figures/fetch.py)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.common import config_from, open_services


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = "CBS key figures of the wijken (Kerncijfers wijken en buurten)"
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("fetch", help="fetch the configured editions from CBS and store them")


def run(args: argparse.Namespace) -> int:
    from bot.figures.fetch import fetch_figures

    config = config_from(args)
    if not config.figures.enabled or not config.figures.datasets:
        print("figures are off in the configuration ([figures] enabled, datasets)", file=sys.stderr)
        return 2
    services = open_services(config)
    result = asyncio.run(fetch_figures(services.db, config, transport=services.cbs_transport))
    for line in result.lines():
        print(line)
    return 0 if result.ok else 1
