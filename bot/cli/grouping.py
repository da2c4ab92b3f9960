"""`wijkbot group FILE.jsonl`: the digest's grouping on a file, one JSON line per observation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.grouping.group_file import main_group


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = "group observations (JSON lines with id, text, lang, wijk[, swot, theme])"
    parser.add_argument("file", type=Path, help="observations, one JSON object per line")


def run(args: argparse.Namespace) -> int:
    return main_group(args.file, sys.stdout)
