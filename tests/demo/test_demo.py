"""The offline demo never rots: the scripted week runs and produces what it promises."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import docx
import httpx
import pytest

from bot.cli.wijkbot import main as cli_main
from bot.demo.environment import demo_config
from bot.demo.interactive import run_interactive
from bot.demo.script import run_script

REPO = Path(__file__).resolve().parents[2]


async def test_scripted_week(tmp_path: Path) -> None:
    out = io.StringIO()
    desk_pages: list[str] = []

    async def visit_desk(link: str) -> None:
        # A newcomer opens the printed link in a browser: the coach's inbox of Stadshart.
        async with httpx.AsyncClient() as browser:
            answer = await browser.get(link)
            assert answer.status_code == 303
            desk_pages.append((await browser.get(link.split("/login/")[0] + "/")).text)
            assert (await browser.get(link)).status_code == 403  # used up

    result = await run_script(demo_config(), tmp_path, out=out, on_desk=visit_desk)
    assert result.ok, result.problems
    assert result.desk_link is not None and result.desk_link in out.getvalue()
    assert desk_pages and "17 meldingen" in desk_pages[0]
    # Twenty residents, a coach and a BIG member; what they did is in the database.
    assert result.stored["people"] == 22
    assert result.stored["observations"] == 17
    assert result.stored["reactions"] >= 60
    # Fifteen residents put the poll's options in order: fifteen votes, whatever the options.
    assert result.stored["votes"] == 15 and result.stored["polls"] == 1
    assert result.stored["digests sent"] == 1
    assert result.answered == 1
    # The digest as the coach saw it: grouped, with the spiegel and the poll.
    digest = result.digest_text
    assert "Wijkoverzicht Stadshart" in digest
    assert "Meldingen: 17" in digest
    assert "parkeerdruk: " in digest  # a group of several reports about one matter
    assert "De wijkspiegel" in digest and "Stemmingen" in digest
    # The poll closed with a ranking result, how it counts explained.
    assert "Hoe telt het?" in result.poll_results and "punten" in result.poll_results
    # Files the demo names: transcript, digest, chart and CSV.
    assert (tmp_path / "transcript.txt").read_text(encoding="utf-8").count("Sanne (wijkcoach)") > 3
    chart = next(p for p in result.files.values() if p.suffix == ".png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    csv = next(p for p in result.files.values() if p.suffix == ".csv")
    assert csv.read_text(encoding="utf-8-sig").count("\n") >= 18
    # Anonymous residents stayed anonymous in the coach's CSV.
    assert "Anouk" not in csv.read_text(encoding="utf-8-sig")
    # The week ends with the coach's supplement draft, saved beside the rest.
    supplement = result.files["supplement"]
    year = supplement.stem.rsplit("-", 1)[1]  # the demo's clock: this year
    assert supplement.name == f"wijkaanvulling-stadshart-{year}.docx"
    headings = [p.text for p in docx.Document(str(supplement)).paragraphs]
    assert f"Wijkaanvulling {year}: Stadshart" in headings and "Wat kan beter?" in headings
    assert "Anouk" not in "\n".join(headings)
    transcript = out.getvalue()
    assert "Ik weet mijn wijk niet" in transcript  # someone found their wijk by postcode


def test_run_without_token_plays_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("WIJKBOT_TOKEN", raising=False)
    monkeypatch.delenv("WIJKBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # the demo writes its files to ./demo-output
    repo = Path(__file__).resolve().parents[2]
    assert cli_main(["--config", str(repo / "config.example.toml"), "run"]) == 0
    captured = capsys.readouterr()
    assert "@BotFather" in captured.err
    assert "Wijkoverzicht Stadshart" in captured.out
    assert (tmp_path / "demo-output" / "transcript.txt").exists()


def test_the_demo_says_it_plays_the_example_not_the_operators_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Their own municipality's config (./config.toml): the demo is a script for the example's
    # Stadshart, so it plays that, and says so, instead of silently or with a traceback.
    monkeypatch.delenv("WIJKBOT_TOKEN", raising=False)
    monkeypatch.delenv("WIJKBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("WIJKBOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    example = (Path(__file__).resolve().parents[2] / "config.example.toml").read_text("utf-8")
    (tmp_path / "config.toml").write_text(
        example.replace('name = "Amstelveen"', 'name = "Zwolle"', 1), encoding="utf-8"
    )
    assert cli_main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "The offline demo plays the example municipality of config.example.toml" in out
    assert "not config.toml: set WIJKBOT_TOKEN" in out
    assert "Wijkoverzicht Stadshart" in out


class _TerminalAtEnd(io.StringIO):
    """A terminal whose person presses Ctrl-D (end of input) at the demo's last question."""

    def isatty(self) -> bool:
        return True


def test_ctrl_d_at_press_enter_ends_the_demo_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """At the end the demo prints the desk's login link and "Press Enter to stop the demo and
    its desk." Ctrl-D there (the end of input) stops it quietly, as Enter does."""
    for name in ("WIJKBOT_TOKEN", "WIJKBOT_TELEGRAM_TOKEN", "WIJKBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", _TerminalAtEnd(""))

    code = cli_main(["--config", str(REPO / "config.example.toml"), "run"])

    assert code == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "Press Enter to stop the demo" in captured.out and "The demo took" in captured.out


def _in_a_terminal(cwd: Path, ctrl_c_after: bytes, seconds: float = 180) -> tuple[int, str]:
    """`wijkbot run` without a token in a terminal of its own (a pseudo-terminal that is its
    controlling terminal, so Ctrl-C there interrupts it as at a real one); Ctrl-C is typed once
    `ctrl_c_after` has been printed. The exit code and all it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIJKBOT_")}
    main, child = pty.openpty()

    def own_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        # As at a person's terminal, Ctrl-C interrupts: a test run started in the background
        # of a shell without job control (nohup, `cmd &` in a script) ignores SIGINT, and the
        # demo would inherit that.
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    config = str(REPO / "config.example.toml")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.wijkbot", "--config", config, "run"],
        stdin=child,
        stdout=child,
        stderr=child,
        cwd=cwd,
        env={**env, "PYTHONPATH": str(REPO)},
        preexec_fn=own_terminal,
    )
    os.close(child)
    printed, typed, deadline = b"", False, time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if select.select([main], [], [], 0.2)[0]:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # the terminal closed: the demo has ended
                    break
                if not chunk:
                    break
                printed += chunk
            if not typed and ctrl_c_after in printed:
                os.write(main, b"\x03")
                typed = True
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    assert typed, printed.decode(errors="replace")[-2000:]
    return code, printed.decode(errors="replace")


@pytest.mark.skipif(not hasattr(os, "setsid"), reason="needs a Unix terminal")
def test_ctrl_c_at_press_enter_ends_the_demo_as_enter_does(tmp_path: Path) -> None:
    """Ctrl-C at "Press Enter to stop the demo and its desk." stops it as Enter does: no
    traceback, no wait for another key, its files are there."""
    code, printed = _in_a_terminal(tmp_path, b"Press Enter to stop the demo")

    assert code == 0, printed[-2000:]
    assert "Traceback" not in printed and "The demo took" in printed
    assert (tmp_path / "demo-output" / "transcript.txt").exists()


@pytest.mark.skipif(not hasattr(os, "setsid"), reason="needs a Unix terminal")
def test_ctrl_c_during_the_week_stops_the_demo_in_one_line(tmp_path: Path) -> None:
    code, printed = _in_a_terminal(tmp_path, b"=== Monday")

    assert code == 130, printed[-2000:]
    assert "Traceback" not in printed and "The demo was stopped." in printed


async def test_interactive_demo(tmp_path: Path) -> None:
    shown: list[str] = []
    typed: list[str] = []

    def read(prompt: str) -> str:
        # Press buttons by the number the screen gave them, as a person would.
        script = ["Akkoord", "Stadshart", "Melding doen"]
        if len(typed) < len(script):
            wanted = script[len(typed)]
            for line in reversed(shown):
                for part in line.split("   "):
                    if part.strip().endswith(f"] {wanted}"):
                        number = part.strip()[1 : part.strip().index("]")]
                        typed.append(number)
                        return number
            raise AssertionError(f"no button {wanted!r} on screen")
        if len(typed) == len(script):
            typed.append("De lantaarnpaal bij de school is kapot")
            return typed[-1]
        return "q"

    assert await run_interactive(demo_config(), read=read, show=shown.append) == 0
    screen = "\n".join(shown)
    assert "Eerst over je gegevens" in screen
    assert "Je wijk: Stadshart" in screen
    assert "Wat voor melding is het?" in screen  # the text went into the observation flow
