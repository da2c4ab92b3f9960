"""`wijkbot import-spiegel FILE --wijk SLUG --edition YEAR`: load a wijk's mirror from a file.

Exit 0 with one summary line; 2 with one error line (file, line, reason). The whole file is
validated before anything is written, and the import is one transaction.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.cli import common as cli
from bot.people import persons
from bot.spiegel import mirror as spiegel


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = "Load (or update) one edition of a wijk's mirror from a TOML file."
    parser.add_argument("file", type=Path, help="the mirror file, e.g. spiegels/elsrijk-2026.toml")
    parser.add_argument("--wijk", required=True, help="wijk slug, e.g. elsrijk")
    parser.add_argument("--edition", required=True, type=int, help="the year, e.g. 2026")
    parser.add_argument("--dry-run", action="store_true", help="only check the file; write nothing")


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    config = cli.config_from(args)
    path: Path = args.file
    if not 2000 <= args.edition <= 2100:
        return _fail(f"--edition {args.edition}: expected a year such as 2026")
    if path.suffix.lower() != ".toml":
        return _fail(f"{path}: only TOML files (.toml) are supported")
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _fail(f"{path}: file not found")
    except UnicodeDecodeError as exc:
        return _fail(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    except OSError as exc:
        return _fail(f"{path}: cannot read ({exc.strerror})")
    try:
        parsed = spiegel.parse_toml(source, {t.slug for t in config.themes})
    except spiegel.SpiegelFormatError as exc:
        where = f"line {exc.line}: " if exc.line else ""
        return _fail(f"{path}: {where}{exc.message}")
    if parsed.wijk is not None and parsed.wijk != args.wijk:
        return _fail(f"{path}: the file is for wijk {parsed.wijk!r}, not --wijk {args.wijk!r}")
    if parsed.year is not None and parsed.year != args.edition:
        return _fail(f"{path}: the file is for {parsed.year}, not --edition {args.edition}")
    services = cli.open_services(config)
    try:
        with services.db.session() as session:
            persons.sync_wijken(session, config)
            found = cli.find_wijken(session, [args.wijk], active_only=True)
            if isinstance(found, str):
                return _fail(found)
            wijk = found[0]
            if args.dry_run:
                print(f"{path}: OK, {len(parsed.items)} statements (dry run: nothing written)")
                return 0
            result = spiegel.import_edition(session, wijk, args.edition, parsed)
    except SQLAlchemyError as exc:
        # The session rolled back: nothing of this file was written.
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return _fail(f"{path}: database error, nothing imported: {reason}")
    finally:
        services.db.dispose()
    total = result.added + result.updated + result.unchanged
    print(
        f"{wijk.slug} {args.edition}: {total} statements: added {result.added}, "
        f"updated {result.updated}, unchanged {result.unchanged}, retired {result.retired}"
    )
    return 0
