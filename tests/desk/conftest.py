"""The desk's fixtures: the browser ones live in tests/desk/browser.py."""

from __future__ import annotations

from typing import Any

from tests.desk.browser import SAVED, browsers, chromium, print_screenshots

__all__ = ["browsers", "chromium"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    print_screenshots(terminalreporter, SAVED)
