"""`wijkbot import-spiegel FILE --wijk SLUG --edition YEAR`: load a wijk's mirror from a file;
`wijkbot spiegel list|add|reword|retire|new-edition|history`: change its statements
(bot/spiegel/editing.py).

Exit 0 with one summary line (and a note when residents read a newer edition than the one
loaded, so the file's changes do not reach them); 2 with one error line (file, line, reason).
An edition, loaded or begun, is at most next year's (bot.spiegel.editing.may_begin). The whole
file is validated before anything is written, and the import is one transaction.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.cli import common as cli
from bot.core.config import UnreadableFileError, read_text_file
from bot.people import persons
from bot.spiegel import editing
from bot.spiegel import mirror as spiegel
from models import Edition, SpiegelItem, StatementChange, Wijk


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = "Load (or update) one edition of a wijk's mirror from a TOML file."
    parser.add_argument("file", type=Path, help="the mirror file, e.g. spiegels/elsrijk-2026.toml")
    parser.add_argument("--wijk", required=True, help="wijk slug, e.g. elsrijk")
    parser.add_argument(
        "--edition", required=True, type=int, help="the year, e.g. 2026 (at most next year)"
    )
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
        source = read_text_file(path)
    except UnreadableFileError as exc:
        return _fail(f"{path}: {exc.problem}")
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
        this_year = editing.year_now(services.clock.now(), services.tz)
        if not editing.may_begin(args.edition, this_year):
            # It would be the edition residents read from now on, for years.
            return _fail(
                f"--edition {args.edition}: more than one year ahead of this year ({this_year}); "
                f"the latest edition you can load now is {this_year + 1}"
            )
        with services.db.session() as session:
            persons.sync_wijken(session, config)
            found = cli.find_wijken(session, [args.wijk], active_only=True)
            if isinstance(found, str):
                return _fail(found)
            wijk = found[0]
            if args.dry_run:
                print(f"{path}: OK, {len(parsed.items)} statements (dry run: nothing written)")
            else:
                result = spiegel.import_edition(session, wijk, args.edition, parsed)
                total = result.added + result.updated + result.unchanged
                print(
                    f"{wijk.slug} {args.edition}: {total} statements: added {result.added}, "
                    f"updated {result.updated}, unchanged {result.unchanged}, "
                    f"retired {result.retired}"
                )
            assert wijk.id is not None
            current = spiegel.current_edition(session, wijk.id)
    except SQLAlchemyError as exc:
        # The session rolled back: nothing of this file was written.
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return _fail(f"{path}: database error, nothing imported: {reason}")
    finally:
        services.db.dispose()
    if current is not None and current.year > args.edition:
        # Stored, but residents read the newer edition (`wijkbot spiegel new-edition` copied
        # the statements into it): say so, or the administrator thinks the correction is live.
        print(
            f"note: residents read the {current.year} edition of {wijk.slug}, not "
            f"{args.edition}: what this file changes does not reach them"
        )
    return 0


# --- `wijkbot spiegel list|add|reword|retire|new-edition|history` ------------------------------


_ID_MAX = 2**31 - 1  # a statement's id is an INTEGER


def configure_editing(parser: argparse.ArgumentParser) -> None:
    """The spiegel as a living document, for administrators (bot/spiegel/editing.py): each
    change is recorded with its reason and without a person."""
    parser.description = "Change a wijk's spiegel statements; every change is recorded."
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("add", help="add a statement to the wijk's current edition")
    p.add_argument("--wijk", required=True, help="wijk slug, e.g. elsrijk")
    p.add_argument("--kind", required=True, choices=[k.value for k in spiegel.KINDS])
    p.add_argument("--text", required=True)
    p.add_argument("--theme", default=None, help="a configured theme slug")
    p.add_argument("--reason", required=True, help="why (kept in the statement's history)")
    p = sub.add_parser("reword", help="change a statement's wording (the old stays in history)")
    p.add_argument("item", type=int, help="the statement's id (see `spiegel list`)")
    p.add_argument("--text", required=True)
    p.add_argument("--reason", required=True)
    p = sub.add_parser("retire", help="take a statement out of the residents' spiegel")
    p.add_argument("item", type=int, help="the statement's id (see `spiegel list`)")
    p.add_argument("--reason", required=True)
    p = sub.add_parser("new-edition", help="start next year's edition from the current one")
    p.add_argument("--wijk", required=True)
    p.add_argument("--year", required=True, type=int, help="at most next year")
    p.add_argument("--reason", default=None, help='default: "new edition YEAR"')
    p = sub.add_parser("list", help="the statements residents read now, with their ids")
    p.add_argument("--wijk", required=True, help="wijk slug, e.g. elsrijk")
    p = sub.add_parser("history", help="a statement's history, or a wijk's latest changes")
    p.add_argument("item", type=int, nargs="?", help="a statement's id")
    p.add_argument("--wijk", default=None)


def run_editing(args: argparse.Namespace) -> int:
    from models import ItemKind

    config = cli.config_from(args)
    themes = {t.slug for t in config.themes}
    if args.action == "add" and args.theme is not None and args.theme not in themes:
        return _fail(f"unknown theme {args.theme!r}; known: {', '.join(sorted(themes))}")
    if args.action == "history" and args.item is None and args.wijk is None:
        return _fail("history: give a statement's id, or --wijk for a wijk's latest changes")
    if args.action == "history" and args.item is not None and args.wijk is not None:
        return _fail("history: give a statement's id or --wijk, not both")
    item = getattr(args, "item", None)
    if item is not None and not 1 <= item <= _ID_MAX:  # PostgreSQL would refuse to look
        return _fail(f"no statement {item} (see `spiegel list --wijk SLUG`)")
    services = cli.open_services(config)
    try:
        with services.db.session() as session:
            persons.sync_wijken(session, config)
            wijk: Any = None  # given for add, new-edition and history --wijk
            if getattr(args, "wijk", None) is not None:
                found = cli.find_wijken(session, [args.wijk], active_only=args.action != "history")
                if isinstance(found, str):
                    return _fail(found)
                wijk = found[0]
                cli.note_taken_out(config, wijk)
            try:
                if args.action == "add":
                    item = editing.add(
                        session,
                        None,
                        wijk.id,
                        ItemKind(args.kind),
                        args.text,
                        theme=args.theme,
                        reason=args.reason,
                    )
                    print(f"{wijk.slug}: added statement {item.id} ({item.kind})")
                elif args.action == "reword":
                    item = editing.reword(session, None, args.item, args.text, reason=args.reason)
                    print(f"statement {item.id} reworded")
                elif args.action == "retire":
                    item = editing.retire(session, None, args.item, reason=args.reason)
                    print(f"statement {item.id} retired")
                elif args.action == "list":
                    _print_statements(session, wijk)
                elif args.action == "new-edition":
                    reason = args.reason or f"new edition {args.year}"
                    this_year = editing.year_now(services.clock.now(), services.tz)
                    edition, carried = editing.new_edition(
                        session, None, wijk.id, args.year, this_year=this_year, reason=reason
                    )
                    print(
                        f"{wijk.slug} {edition.year}: new edition, "
                        f"{carried} statements carried over"
                    )
                else:
                    if args.item is not None:
                        statement = session.get(SpiegelItem, args.item)
                        if statement is None:
                            return _fail(
                                f"no statement {args.item} (see `spiegel list --wijk SLUG`)"
                            )
                        # Its wijk taken out of config.toml: said as `history --wijk` says it.
                        its = session.get(Edition, statement.edition_id)
                        held = session.get(Wijk, its.wijk_id) if its is not None else None
                        if held is not None:
                            cli.note_taken_out(config, held)
                    changes = (
                        editing.history(session, args.item)
                        if args.item is not None
                        else editing.wijk_history(session, wijk.id)
                    )
                    if not changes:
                        # An imported statement has no changes yet: say where its id is.
                        where = f" --wijk {wijk.slug}" if wijk is not None else " --wijk SLUG"
                        print(
                            f"no changes recorded (the statements: `wijkbot spiegel list{where}`)"
                        )
                    for change in changes:
                        print(_history_line(change))
            except editing.EditError as exc:
                return _fail(exc.detail)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return _fail(f"database error, nothing changed: {reason}")
    finally:
        services.db.dispose()
    return 0


def _print_statements(session: Session, wijk: Wijk) -> None:
    """The current edition's statements, one a line: id, kind, key, theme, text (the ids
    `reword`, `retire` and `history` take)."""
    assert wijk.id is not None
    edition = spiegel.current_edition(session, wijk.id)
    if edition is None:
        print(f"{wijk.slug}: no spiegel yet (`wijkbot import-spiegel FILE --wijk {wijk.slug}`)")
        return
    assert edition.id is not None
    print(f"{wijk.slug} {edition.year}:")
    for kind in spiegel.KINDS:
        for item in spiegel.items(session, edition.id, kind):
            theme = item.theme or "-"
            print(f"{item.id}  {item.kind}  {item.key}  {theme}  {item.text!r}")


def _history_line(change: StatementChange) -> str:
    who = f"person {change.person_id}" if change.person_id is not None else "administrator"
    parts = [
        f"{change.created_at:%Y-%m-%d %H:%M} UTC",
        f"statement {change.item_id}",
        change.action,
        who,
    ]
    if change.old_text is not None and change.action == "reword":
        parts.append(f"was {change.old_text!r}")
    if change.new_text is not None:
        parts.append(f"now {change.new_text!r}")
    if change.reason:
        parts.append(f"reason {change.reason!r}")
    return "  ".join(parts)
