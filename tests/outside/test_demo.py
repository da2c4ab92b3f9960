"""The offline demo (`make run` without a token), as someone at a terminal sees it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli.wijkbot import main as cli_main

REPO = Path(__file__).resolve().parents[2]


class _TerminalAtEnd(io.StringIO):
    """A terminal whose person presses Ctrl-D (end of input) at the demo's last question."""

    def isatty(self) -> bool:
        return True


def test_ctrl_d_at_press_enter_ends_the_demo_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """At the end the demo prints the desk's login link and "Press Enter to stop the demo and
    its desk." Pressing Ctrl-D there (or Ctrl-C) prints three chained tracebacks (EOFError or
    KeyboardInterrupt, and a MissingTokenError "during handling"). Expected: the demo stops
    quietly, like after Enter."""
    for name in ("WIJKBOT_TOKEN", "WIJKBOT_TELEGRAM_TOKEN", "WIJKBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", _TerminalAtEnd(""))

    code = cli_main(["--config", str(REPO / "config.example.toml"), "run"])

    assert code == 0
    assert "Traceback" not in capsys.readouterr().err
