"""`wijkbot blind-spots --wijk SLUG [--period 2026-Q4] [--lang nl|en]`: what the wijkspiegel does
not know yet for one wijk and period, as the coach sees it in the bot (bot/spiegel/blind_spots.py).

Without --period: the current quarter. Counts below 5 are "fewer than 5" here too.
"""

from __future__ import annotations

import argparse
import re
import sys

from bot.cli import common as cli


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = "Show what the wijkspiegel does not know yet for a wijk and period."
    parser.add_argument("--wijk", required=True, help="the wijk's slug, e.g. elsrijk")
    parser.add_argument(
        "--period", default=None, help="a quarter (2026-Q4) or a year (2026); default: this quarter"
    )
    parser.add_argument("--lang", choices=("nl", "en"), default=None)


def run(args: argparse.Namespace) -> int:
    from bot.core.i18n import t
    from bot.spiegel import blind_spots as bs
    from bot.spiegel.blind_spots_text import render

    config = cli.config_from(args)
    services = cli.open_services(config)
    tz = config.general.tz
    lang = args.lang or config.general.default_language
    now = services.clock.now()
    try:
        period = bs.parse_period(args.period, tz) if args.period else bs.current_quarter(now, tz)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    with services.db.session() as session:
        wijk = cli.one_wijk(session, config, args.wijk)
        if wijk is None:
            return 2
        spots = bs.blind_spots(session, config, wijk, period, now)

    def translate(key: str, **values: object) -> str:
        return t(lang, key, **values)

    text = render(translate, lang, config.themes, spots)
    print(re.sub(r"</?b>", "", text))
    return 0
