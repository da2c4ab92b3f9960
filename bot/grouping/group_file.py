"""`wijkbot group FILE.jsonl`: observations given as JSON lines, grouped; one group key per line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from bot.grouping.groups import Item, group_items

_REQUIRED_FIELDS = ("id", "text", "lang", "wijk")


class InputError(ValueError):
    """A line of the input file that is not a valid observation."""


def item_from_json(line: str, number: int) -> Item:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {number}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise InputError(f"line {number}: expected a JSON object")
    for name in _REQUIRED_FIELDS:
        value = data.get(name)
        if not isinstance(value, str) and not (name == "id" and isinstance(value, int)):
            raise InputError(f"line {number}: field {name!r} missing or not a string")
    optional: dict[str, str | None] = {}
    for name in ("swot", "theme"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise InputError(f"line {number}: field {name!r} must be a string or null")
        optional[name] = value
    return Item(
        id=str(data["id"]),
        text=data["text"],
        lang=data["lang"],
        wijk=data["wijk"],
        swot=optional["swot"],
        theme=optional["theme"],
    )


def read_items(path: Path) -> list[Item]:
    items = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                items.append(item_from_json(line, number))
    return items


def main_group(path: Path, out: TextIO) -> int:
    """`wijkbot group FILE.jsonl`: one `{"id": ..., "group": ...}` line per observation."""
    try:
        items = read_items(path)
    except InputError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: cannot read: {exc}", file=sys.stderr)
        return 2
    group_of = {member: group.key for group in group_items(items) for member in group.member_ids}
    for item in items:
        out.write(json.dumps({"id": item.id, "group": group_of[item.id]}, ensure_ascii=False))
        out.write("\n")
    return 0
