"""The desk's export: every row of the filter, names only when shared, no formulas, readable."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import col

from bot.core.database import Database
from bot.desk.export import (
    COLUMNS,
    ExportRow,
    csv_chunks,
    export_rows,
    neutralise,
    write_xlsx,
)
from bot.desk.inbox import InboxFilter
from models import Observation
from tests.desk.test_inbox import NOW, World, make_world

NASTY = {"a1": '=HYPERLINK("http://x")', "a3": "+31 6", "b1": "@SUM(A1)", "a4": "-1+1"}
# Stored before the rules on the way in (bot.core.text.clean_input) knew them: what XML cannot
# hold (a control character, U+FFFF) must not break the workbook.
NOT_XML = {"a2": "Stoep\x0b kapot\uffff bij de school"}


@pytest.fixture
def world(db: Database, config: Any) -> World:
    return make_world(db, config)


def _rows(w: World, flt: InboxFilter | None = None, batch: int = 2) -> list[ExportRow]:
    with w.db.session() as session:
        return list(export_rows(session, w.coach, flt or InboxFilter(), now=NOW, batch=batch))


def test_every_row_of_the_filter_in_batches(world: World) -> None:
    rows = _rows(world, batch=2)
    assert [r.text.split()[0] for r in rows] == ["a1", "a2", "b1", "a3", "a4", "b2"]
    # The page is ignored; the filters apply; another wijk never appears.
    flt = InboxFilter.from_query({"swot": "weakness", "page": "7", "wijk": str(world.other)})
    assert [r.text.split()[0] for r in _rows(world, flt, batch=1)] == ["a1", "a2", "b1"]
    assert _rows(world, InboxFilter(q="ander")) == []


def test_names_only_when_shared(world: World) -> None:
    authors = {r.text.split()[0]: r.author for r in _rows(world)}
    assert authors == {
        "a1": "Sanne",
        "a2": "Piet",  # shared with this observation
        "b1": "Buur-3",
        "a3": "Buur-3",
        "a4": "Buur-3",
        "b2": "Buur-3",
    }
    data = b"".join(csv_chunks(_rows(world), "nl")).decode("utf-8-sig")
    assert "Sanne" in data and "Piet" in data and "Buur-3" in data


def _make_nasty(w: World) -> None:
    with w.db.session() as session:
        for key, text in (NASTY | NOT_XML).items():
            statement = update(Observation).where(col(Observation.id) == w.ids[key])
            session.exec(statement.values(text=text))
        session.commit()


def test_csv_for_dutch_excel_with_formulas_neutralised(world: World) -> None:
    _make_nasty(world)
    raw = b"".join(csv_chunks(_rows(world), "nl"))
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:3] == ["Melding", "Datum", "Wijk"] and len(table[0]) == len(COLUMNS)
    texts = [line[COLUMNS.index("text")] for line in table[1:]]
    assert texts[0] == '\'=HYPERLINK("http://x")'
    assert "'+31 6" in texts and "'@SUM(A1)" in texts and "'-1+1" in texts
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in table for cell in line)
    first = table[1]
    assert first[COLUMNS.index("latitude")] == "52,3"  # a decimal comma for Dutch Excel
    assert first[COLUMNS.index("question")] == "Wat kan beter?"
    assert first[COLUMNS.index("date")].startswith("2026-11-02")
    english = b"".join(csv_chunks(_rows(world), "en")).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(english)))
    assert header[0] == "Report" and len(header) == len(COLUMNS)


def test_xlsx_readable_back(world: World) -> None:
    _make_nasty(world)
    out = io.BytesIO()
    write_xlsx(_rows(world), "nl", out, theme_label=lambda slug: slug.title())
    out.seek(0)
    sheet = load_workbook(out, read_only=True).active
    assert sheet is not None
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][0] == "Melding" and len(table) == 7
    first = table[1]
    assert first[COLUMNS.index("text")] == '\'=HYPERLINK("http://x")'
    assert first[COLUMNS.index("latitude")] == 52.3  # a number
    assert first[COLUMNS.index("supporters")] == 1
    assert first[COLUMNS.index("author")] == "Sanne"
    assert first[COLUMNS.index("theme")] == "Wonen"
    assert table[2][COLUMNS.index("text")] == "Stoep kapot bij de school"
    assert {r[COLUMNS.index("theme")] for r in table[1:]} >= {"geen"}


def test_neutralise() -> None:
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("\t=1") == "'\t=1"
    assert neutralise("gewoon") == "gewoon"
    assert neutralise("") == ""
