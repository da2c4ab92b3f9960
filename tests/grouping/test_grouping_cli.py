"""`wijkbot group` prints one {"id", "group"} line per observation; groups never cross wijken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.wijkbot import main as cli_main


def test_group_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {
            "id": "a",
            "wijk": "Elsrijk",
            "lang": "nl",
            "swot": "weakness",
            "text": "Te weinig parkeerplekken in onze straat",
        },
        {
            "id": "b",
            "wijk": "Elsrijk",
            "lang": "nl",
            "swot": "weakness",
            "text": "Ik moet mijn auto steeds drie straten verderop neerzetten",
        },
        {
            "id": "c",
            "wijk": "Randwijck",
            "lang": "nl",
            "swot": "weakness",
            "text": "Geen parkeerplek te vinden 's avonds",
        },
        {
            "id": "d",
            "wijk": "Elsrijk",
            "lang": "en",
            "swot": "strength",
            "text": "The library is lovely and the staff are kind",
        },
    ]
    path = tmp_path / "obs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert cli_main(["group", str(path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c", "d"]
    group = {line["id"]: line["group"] for line in lines}
    assert group["a"] == group["b"]  # same matter, no shared content word
    assert group["c"] != group["a"]  # another wijk: never the same group
    assert group["d"] != group["a"]


def test_group_command_reports_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "a", "wijk": "X", "lang": "nl", "text": "ok"}\nnot json\n', encoding="utf-8"
    )
    assert cli_main(["group", str(path)]) == 2
    assert "line 2" in capsys.readouterr().err
