"""`wijkbot signatures refresh`: bring the stored grouping signatures up to date with the
configured vocabulary (the bot does this by itself at start-up; bot/grouping/refresh.py)."""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import config_from, open_services


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "the observations' stored grouping signatures, made with an older vocabulary or "
        "version of the grouping"
    )
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("refresh", help="make them again with the configured vocabulary")
    p.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
    p.add_argument("--limit", type=int, default=None, help="read at most this many rows")


def run(args: argparse.Namespace) -> int:
    from bot.digest.builder import vocabulary_for
    from bot.grouping.refresh import refresh_signatures

    if args.batch < 1 or (args.limit is not None and args.limit < 0):
        print("--batch must be at least 1 and --limit at least 0", file=sys.stderr)
        return 2
    config = config_from(args)
    services = open_services(config)
    vocabulary = vocabulary_for(config.digest.vocabulary)
    count = refresh_signatures(services.db, vocabulary, batch=args.batch, limit=args.limit)
    print(f"refreshed {count} grouping signatures")
    return 0
