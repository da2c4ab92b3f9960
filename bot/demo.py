"""The offline demo (being built in this session; see ARCHITECTURE.md)."""

from __future__ import annotations

from pathlib import Path


def main_scripted(config_path: Path | None, out_dir: Path | None = None) -> int:
    print("The offline demo is not available yet.")
    return 1


def main_interactive(config_path: Path | None) -> int:
    print("The offline demo is not available yet.")
    return 1
