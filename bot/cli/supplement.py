"""`wijkbot supplement --wijk SLUG [--year 2026] [--format docx|html|md] [--out FILE]`.

Drafts the year's supplement to the wijk's spiegel (bot/supplement/). Without --out the file
is written to `wijkaanvulling-<wijk>-<year>.<format>` in the current directory (with `--lang en`:
`yearly-supplement-<wijk>-<year>.<format>`); with --out, its extension chooses the format (one
that contradicts --format is refused). An unknown wijk:
a clear line and exit code 2 (bad input); a year without any data: exit code 1 (nothing to draft).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli import common as cli

FORMATS = ("docx", "html", "md")
# A file's extension -> the format it holds.
SUFFIXES = {".docx": "docx", ".html": "html", ".htm": "html", ".md": "md"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = "Draft a wijk's yearly supplement to its spiegel."
    parser.add_argument("--wijk", required=True, help="the wijk's slug, e.g. elsrijk")
    parser.add_argument("--year", type=int, default=None, help="e.g. 2026 (default: this year)")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="default: what --out's name ends in, else docx",
    )
    parser.add_argument("--lang", choices=("nl", "en"), default=None)
    parser.add_argument("--out", default=None, help="the file to write ('-' for standard output)")


def _format(args: argparse.Namespace) -> str | None:
    """The format to write: --format, else the one --out's name ends in, else docx. None after
    saying why when the name ends in another (a DOCX in aanvulling.html shows as rubbish)."""
    if args.out in (None, "-"):
        return str(args.format or "docx")
    suffix = Path(args.out).suffix.lower()
    named = SUFFIXES.get(suffix)
    if named is None:
        ends = f"this name ends in {suffix}" if suffix else "this name has no extension"
        problem = f"a supplement is a .docx, .html or .md file, and {ends}"
    elif args.format is not None and args.format != named:
        problem = (
            f"it ends in {suffix}, but --format is {args.format}: name it .{args.format}, or "
            "leave --format out (.docx, .html or .md choose the format)"
        )
    else:
        return named
    print(f"{args.out}: {problem}; nothing written", file=sys.stderr)
    return None


def run(args: argparse.Namespace) -> int:
    from bot.supplement import builder, render

    fmt = _format(args)
    if fmt is None:
        return 2
    config = cli.config_from(args)
    services = cli.open_services(config)
    lang = args.lang or config.general.default_language
    year = args.year or services.clock.now().astimezone(config.general.tz).year
    with services.db.session() as session:
        wijk = cli.one_wijk(session, config, args.wijk)
        if wijk is None:
            return 2
        try:
            data = builder.build(session, config, wijk, year)
        except builder.NoDataForYear:
            print(
                f"no data for {wijk.slug} in {year}: no spiegel of that year, no observations,"
                " reactions or polls; nothing to draft",
                file=sys.stderr,
            )
            return 1
    content = render.render(data, lang, fmt)
    if args.out == "-":
        sys.stdout.buffer.write(content)
        return 0
    path = Path(args.out or render.filename(data, fmt, lang))
    try:
        path.write_bytes(content)
    except OSError as exc:  # a folder that is not there, or not ours: as `figures snapshot`
        print(f"cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {path} ({len(content)} bytes)", file=sys.stderr)
    return 0
