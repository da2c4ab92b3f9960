"""`wijkbot` itself: its help, and one exit code for each kind of outcome in every command."""

from __future__ import annotations

import locale
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import wiring
from bot.cli import common
from bot.cli import wijkbot as cli
from bot.context import Services

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """`wijkbot --config EXAMPLE ARGS`: exit code and everything it printed."""
    try:
        code = cli.main(["--config", str(EXAMPLE), *args])
    except SystemExit as exit_:  # argparse (--help, usage errors)
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out + err


def test_top_level_help_describes_every_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`wijkbot --help` described run, check-config, migrate, invite and demo only; the other
    ten were listed bare, so an administrator could not tell which command does what (nor find
    one to export or erase a person). It also says what the exit codes mean."""
    monkeypatch.setenv("COLUMNS", "80")
    code, printed = run(capsys, "--help")
    assert code == 0
    names = ["run", "check-config", "migrate", "invite", "demo"]
    names += [name for name, *_ in wiring.CLI_COMMANDS]
    assert len(names) == 16 and "person" in names
    bare = [n for n in names if not re.search(rf"^ +{re.escape(n)} +\S", printed, re.M)]
    assert bare == [], f"no description beside these in `wijkbot --help`: {bare}"
    assert re.search(r"^ +person +export or erase one person's data", printed, re.M)
    for code_line in ("0  done", "1  the input was right", "2  bad input", "4  the database"):
        assert code_line in printed


@pytest.mark.parametrize(
    "args",
    [
        ("digest", "--wijk", "nergens"),
        ("supplement", "--wijk", "nergens", "--year", "2026"),
        ("blind-spots", "--wijk", "nergens"),
        ("invite", "--role", "coach", "--wijk", "nergens"),
        (
            "import-spiegel",
            "spiegels/elsrijk-2026.example.toml",
            "--wijk",
            "nergens",
            "--edition",
            "2026",
        ),
        ("spiegel", "history", "--wijk", "nergens"),
        ("roles", "--wijk", "nergens"),
        ("revoke", "--role", "coach", "--wijk", "nergens", "--person", "1"),
        ("figures", "snapshot", "--wijk", "nergens", "--out", "x.json"),
    ],
    ids=lambda args: args[0] if isinstance(args, tuple) else None,
)
def test_an_unknown_wijk_is_bad_input_in_every_command(
    cli_services: Services, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    """Exit 1 in `supplement` but 2 in `digest`, `import-spiegel` and `invite`: one code for
    bad input everywhere (2), with the same line naming the known wijken."""
    code, printed = run(capsys, *args)
    assert code == 2, printed
    assert "'nergens'" in printed and printed.count("\n") == 1
    if args[0] != "import-spiegel":  # which says first that the file is for elsrijk
        assert printed.startswith("unknown wijk 'nergens'; known: bankras-kostverloren, ")


# --- day and month names ------------------------------------------------------------------------


@pytest.fixture
def time_locale() -> Iterator[None]:
    """The process's LC_TIME as it was, after a test that sets another."""
    before = locale.setlocale(locale.LC_TIME)
    yield
    locale.setlocale(locale.LC_TIME, before)


# A machine's locale as LC_ALL sets it; the others are only there when installed (or made with
# localedef, found through LOCPATH): without them the test says so and skips.
@pytest.mark.parametrize("machine", ["C", "C.UTF-8", "nl_NL.UTF-8", "de_DE.UTF-8", ""])
def test_day_and_month_names_are_the_clis_language_whatever_the_machines_locale(
    time_locale: None, machine: str
) -> None:
    """The command line wrote "Sunday 7 March 2027" with strftime's %A and %B: the machine's
    locale's words, whichever (a German server: "Sonntag 7 März"), in an English line. Now its
    own language's, from the project's catalogue of dates (Babel), in any locale."""
    try:
        locale.setlocale(locale.LC_TIME, machine)
    except locale.Error:
        pytest.skip(f"the locale {machine!r} is not installed here")
    moment = datetime(2027, 3, 7, 20, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert common.when(moment) == "Sunday 7 March 2027 20:00"
    assert common.when(moment, "en") == "Sunday 7 March 2027 20:00"
    assert common.when(moment, "nl") == "zondag 7 maart 2027 20:00"
    assert common.when(moment.replace(day=14), "nl") == "zondag 14 maart 2027 20:00"
