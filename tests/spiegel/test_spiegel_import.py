"""Reading mirror files and `wijkbot import-spiegel`, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.cli import wijkbot as cli
from bot.context import Services
from bot.core.config import Config
from bot.people import persons
from bot.spiegel import mirror as spiegel
from models import Edition, ItemKind, Reaction, SpiegelItem, Verdict
from tests.spiegel.test_spiegel import this_year

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "spiegels" / "elsrijk-2026.example.toml"
RunCli = Callable[..., tuple[int, str, str]]
THEMES = {"wonen", "buitenruimte", "verkeer", "zorg"}

SMALL = """\
[edition]
title = "Test"

[[strength]]
key = "groen"
theme = "buitenruimte"
text = "Veel groen."

[[strength]]
text = "Aardige buren."

[[weakness]]
key = "parkeren"
theme = "verkeer"
text = "Parkeren is lastig."

[[recommendation]]
text = "Praat met elkaar."
"""


@pytest.fixture
def run_cli(
    services: Services, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """bot.cli.wijkbot.main against the test's database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("WIJKBOT_DATABASE_URL", services.config.database.url)
    monkeypatch.delenv("WIJKBOT_CONFIG", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["--config", str(REPO / "config.example.toml"), *argv])
        out, err = capsys.readouterr()
        return code, out.strip(), err.strip()

    return run


def write(tmp_path: Path, text: str, name: str = "spiegel.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stored_items(services: Services) -> list[SpiegelItem]:
    with services.db.session() as session:
        return list(session.exec(select(SpiegelItem).order_by(col(SpiegelItem.id))).all())


# --- parsing -----------------------------------------------------------------------------------


def test_parse_small_file_keys_and_positions() -> None:
    parsed = spiegel.parse_toml(SMALL, THEMES)
    assert parsed.title == "Test"
    kinds = [(i.kind, i.position, i.theme) for i in parsed.items]
    assert kinds == [
        (ItemKind.STRENGTH, 0, "buitenruimte"),
        (ItemKind.STRENGTH, 1, None),
        (ItemKind.WEAKNESS, 0, "verkeer"),
        (ItemKind.RECOMMENDATION, 0, None),
    ]
    assert parsed.items[0].key == "groen"
    assert parsed.items[1].key == spiegel.derived_key("Aardige buren.")
    assert parsed.items[0].line == 4 and parsed.items[1].line == 9


def test_derived_key_ignores_case_spaces_and_punctuation() -> None:
    assert spiegel.derived_key("Aardige  buren.") == spiegel.derived_key("aardige buren")
    assert spiegel.derived_key("Aardige buren") != spiegel.derived_key("Aardige mensen")
    assert spiegel.derived_key("x").startswith("t-")


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [
        ('[[strength]]\ntext = "open\n', 2, "not valid TOML"),
        (
            '[[strength]]\ntext = "a"\n\n[[strength]]\ntheme = "wonen"\n',
            4,
            "entry 2: text is missing",
        ),
        ('[[weakness]]\ntext = "a"\ntheme = "wonnen"\n', 3, "unknown theme 'wonnen'"),
        ('[[sterkte]]\ntext = "a"\n', 1, "unknown section 'sterkte'"),
        ('[[threat]]\ntext = "a"\nthema = "wonen"\n', 3, "unknown field 'thema'"),
        ('[[threat]]\nkey = "Met Spatie"\ntext = "a"\n', 2, "key 'Met Spatie'"),
        ('[[threat]]\ntext = "Zelfde"\n[[strength]]\ntext = "zelfde!"\n', 3, "the same text"),
        ('[edition]\nyear = "2026"\n', 2, "year must be a year"),
        ('strength = ["a"]\n', 1, "expected a table"),
        ('[[opportunity]]\ntext = "' + "x" * 1001 + '"\n', 2, "at most 1000"),
    ],
)
def test_malformed_files_name_line_and_reason(source: str, line: int, reason: str) -> None:
    with pytest.raises(spiegel.SpiegelFormatError) as caught:
        spiegel.parse_toml(source, THEMES)
    assert caught.value.line == line, caught.value
    assert reason in caught.value.message


def test_example_file_is_valid_and_marked_as_example(config: Config) -> None:
    source = EXAMPLE.read_text(encoding="utf-8")
    parsed = spiegel.parse_toml(source, {t.slug for t in config.themes})
    assert "Voorbeeld" in parsed.title and "geen echte wijkspiegel" in parsed.title
    assert source.startswith("# VOORBEELD")
    per_kind = {k: sum(1 for i in parsed.items if i.kind is k) for k in spiegel.KINDS}
    for kind in spiegel.KINDS[:4]:
        assert 4 <= per_kind[kind] <= 6, kind
    assert 3 <= per_kind[ItemKind.RECOMMENDATION] <= 5
    assert all(i.theme for i in parsed.items)


# --- the command line --------------------------------------------------------------------------


def test_cli_imports_example_fresh(run_cli: RunCli, services: Services) -> None:
    code, out, err = run_cli(
        "import-spiegel", str(EXAMPLE), "--wijk", "elsrijk", "--edition", "2026"
    )
    assert (code, err) == (0, "")
    assert out == "elsrijk 2026: 23 statements: added 23, updated 0, unchanged 0, retired 0"
    with services.db.session() as session:
        (edition,) = session.exec(select(Edition)).all()
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None and edition.wijk_id == wijk.id and edition.year == 2026
        assert edition.title == "Voorbeeld — geen echte wijkspiegel"
    assert len(stored_items(services)) == 23


def test_cli_reimport_updates_in_place_and_keeps_reactions(
    run_cli: RunCli, services: Services, tmp_path: Path
) -> None:
    path = write(tmp_path, SMALL)
    assert run_cli("import-spiegel", str(path), "--wijk", "elsrijk", "--edition", "2026")[0] == 0
    by_key = {i.key: i for i in stored_items(services)}
    kept_key = spiegel.derived_key("Aardige buren.")
    with services.db.session() as session:
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None and wijk.id is not None
        person = persons.give_consent(session, 7, "nl", services.clock.now())
        assert person.id is not None
        for key in ("groen", "parkeren", kept_key):
            spiegel.react(session, person.id, by_key[key].id or 0, Verdict.RECOGNISE)
        spiegel.comment(session, person.id, by_key["parkeren"].id or 0, "Vooral 's avonds")

    corrected = (
        SMALL.replace("Veel groen.", "Heel veel groen en bomen.")  # same explicit key: updated
        .replace("Aardige buren.", "aardige  buren")  # same words: same derived key
        .replace('[[recommendation]]\ntext = "Praat met elkaar."\n', "")  # dropped: retired
        .replace('key = "parkeren"\ntheme = "verkeer"', 'key = "parkeren"\ntheme = "wonen"')
    )
    corrected += '\n[[threat]]\ntext = "Nieuw punt."\n'
    path = write(tmp_path, corrected)
    code, out, err = run_cli("import-spiegel", str(path), "--wijk", "elsrijk", "--edition", "2026")
    assert (code, err) == (0, "")
    assert out == "elsrijk 2026: 4 statements: added 1, updated 3, unchanged 0, retired 1"
    after = {i.key: i for i in stored_items(services)}
    assert (
        after["groen"].id == by_key["groen"].id
        and after["groen"].text == "Heel veel groen en bomen."
    )
    assert after["parkeren"].theme == "wonen"
    assert after[kept_key].id == by_key[kept_key].id and after[kept_key].text == "aardige  buren"
    retired_key = spiegel.derived_key("Praat met elkaar.")
    assert after[retired_key].retired and after[retired_key].id == by_key[retired_key].id
    with services.db.session() as session:
        reactions = session.exec(select(Reaction)).all()
        assert {r.item_id for r in reactions} == {
            by_key[k].id for k in ("groen", "parkeren", kept_key)
        }
        assert any(r.comment == "Vooral 's avonds" for r in reactions)
        edition_id = by_key["groen"].edition_id
        assert [i.key for i in spiegel.items(session, edition_id, ItemKind.RECOMMENDATION)] == []

    # The same file again changes nothing; putting the dropped statement back restores it.
    assert run_cli("import-spiegel", str(path), "--wijk", "elsrijk", "--edition", "2026")[1] == (
        "elsrijk 2026: 4 statements: added 0, updated 0, unchanged 4, retired 0"
    )
    path = write(tmp_path, corrected + '\n[[recommendation]]\ntext = "Praat met elkaar."\n')
    _, out, _ = run_cli("import-spiegel", str(path), "--wijk", "elsrijk", "--edition", "2026")
    assert out.endswith("added 0, updated 1, unchanged 4, retired 0")
    assert not {i.key: i for i in stored_items(services)}[retired_key].retired


def test_cli_malformed_file_refused_with_line_and_nothing_written(
    run_cli: RunCli, services: Services, tmp_path: Path
) -> None:
    path = write(tmp_path, SMALL + '\n[[threat]]\ntext = "Goed"\n\n[[threat]]\ntext = """\n')
    code, out, err = run_cli("import-spiegel", str(path), "--wijk", "elsrijk", "--edition", "2026")
    assert code == 2 and out == ""
    assert err.startswith(f"{path}: line ") and "not valid TOML" in err
    assert len(err.splitlines()) == 1
    assert stored_items(services) == []

    # Valid TOML, but the last entry is wrong: the earlier, good entries are not written either.
    path = write(tmp_path, SMALL + '\n[[threat]]\ntext = "Goed"\n\n[[threat]]\ntheme = "wonen"\n')
    code, _, err = run_cli("import-spiegel", str(path), "--wijk", "elsrijk", "--edition", "2026")
    assert code == 2
    assert err == f"{path}: line 23: [[threat]] entry 2: text is missing or empty"
    assert stored_items(services) == []
    with services.db.session() as session:
        assert session.exec(select(Edition)).all() == []


def test_cli_failed_reimport_leaves_the_old_edition(
    run_cli: RunCli, services: Services, tmp_path: Path
) -> None:
    path = write(tmp_path, SMALL)
    assert run_cli("import-spiegel", str(path), "--wijk", "elsrijk", "--edition", "2026")[0] == 0
    before = [(i.id, i.text, i.retired) for i in stored_items(services)]
    path = write(tmp_path, SMALL.replace("Veel groen.", "Anders") + '[[threat]]\ntheme = "x"\n')
    assert run_cli("import-spiegel", str(path), "--wijk", "elsrijk", "--edition", "2026")[0] == 2
    assert [(i.id, i.text, i.retired) for i in stored_items(services)] == before


def test_cli_unknown_theme_refused(run_cli: RunCli, services: Services, tmp_path: Path) -> None:
    path = write(tmp_path, SMALL.replace('theme = "verkeer"', 'theme = "verkeersveiligheid"'))
    code, _, err = run_cli("import-spiegel", str(path), "--wijk", "elsrijk", "--edition", "2026")
    assert code == 2
    assert err.startswith(
        f"{path}: line 14: [[weakness]] entry 1: unknown theme 'verkeersveiligheid'"
    )
    assert "known: betrokkenheid, binnenruimte" in err
    assert stored_items(services) == []


def test_cli_unknown_wijk_refused(run_cli: RunCli, services: Services, tmp_path: Path) -> None:
    path = write(tmp_path, SMALL)
    code, out, err = run_cli("import-spiegel", str(path), "--wijk", "atlantis", "--edition", "2026")
    assert code == 2 and out == ""
    assert err.startswith("unknown wijk 'atlantis'; known: ") and "elsrijk" in err
    assert stored_items(services) == []


def test_cli_wijk_or_year_mismatch_and_missing_file(
    run_cli: RunCli, services: Services, tmp_path: Path
) -> None:
    code, _, err = run_cli(
        "import-spiegel", str(EXAMPLE), "--wijk", "westwijk", "--edition", "2026"
    )
    assert code == 2 and "for wijk 'elsrijk', not --wijk 'westwijk'" in err
    code, _, err = run_cli("import-spiegel", str(EXAMPLE), "--wijk", "elsrijk", "--edition", "2025")
    assert code == 2 and "for 2026, not --edition 2025" in err
    code, _, err = run_cli(
        "import-spiegel", str(tmp_path / "nope.toml"), "--wijk", "elsrijk", "--edition", "2026"
    )
    assert (code, err) == (2, f"{tmp_path / 'nope.toml'}: file not found")
    code, out, _ = run_cli(
        "import-spiegel", str(EXAMPLE), "--wijk", "elsrijk", "--edition", "2026", "--dry-run"
    )
    assert code == 0 and "dry run" in out
    assert stored_items(services) == []


def test_cli_a_file_with_a_byte_order_mark_says_how_to_save_it(
    run_cli: RunCli, services: Services, tmp_path: Path
) -> None:
    """Notepad's UTF-8 puts a BOM first: TOML refuses it, and "line 1: Invalid statement" did
    not say what to do."""
    path = tmp_path / "elsrijk.toml"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    code, out, err = run_cli("import-spiegel", str(path), "--wijk", "elsrijk", "--edition", "2026")
    assert (code, out) == (2, "")
    assert err == f"{path}: starts with a byte order mark (BOM): save it as UTF-8 without BOM"
    assert stored_items(services) == []


def test_cli_a_file_without_statements_retires_nothing(
    run_cli: RunCli, services: Services, tmp_path: Path
) -> None:
    """An empty file (or one with only [edition]) would have retired the whole edition."""
    code, _, _ = run_cli("import-spiegel", str(EXAMPLE), "--wijk", "elsrijk", "--edition", "2026")
    assert code == 0
    before = [(i.key, i.retired) for i in stored_items(services)]
    assert before and not any(retired for _, retired in before)
    for text in ("", '[edition]\nwijk = "elsrijk"\nyear = 2026\n'):
        path = tmp_path / "empty.toml"
        path.write_text(text, encoding="utf-8")
        for dry in ([], ["--dry-run"]):
            code, out, err = run_cli(
                "import-spiegel", str(path), "--wijk", "elsrijk", "--edition", "2026", *dry
            )
            assert (code, out) == (2, "")
            assert err.startswith(f"{path}: no statements") and "wijkbot spiegel retire" in err
    assert [(i.key, i.retired) for i in stored_items(services)] == before


def _this_years_example(tmp_path: Path, year: int, name: str = "elsrijk.toml") -> Path:
    """The example file as this year's edition (editions are begun at most a year ahead)."""
    source = EXAMPLE.read_text(encoding="utf-8").replace("year = 2026", f"year = {year}", 1)
    return write(tmp_path, source, name)


def test_cli_importing_an_older_edition_says_residents_see_another_one(
    run_cli: RunCli, services: Services, tmp_path: Path
) -> None:
    """Next year's edition was begun; then a corrected file for this year is imported. The
    correction is stored ("updated 1"), and the output says that residents read next year's
    edition, where it is not: the administrator knows it did not reach them."""
    year = this_year(services)
    original = _this_years_example(tmp_path, year)
    code, _, err = run_cli(
        "import-spiegel", str(original), "--wijk", "elsrijk", "--edition", str(year)
    )
    assert code == 0, err
    code, _, err = run_cli("spiegel", "new-edition", "--wijk", "elsrijk", "--year", str(year + 1))
    assert code == 0, err
    source = original.read_text(encoding="utf-8")
    assert "Er is veel groen in de wijk" in source
    corrected = write(
        tmp_path,
        source.replace("Er is veel groen in de wijk", "Er is heel veel groen in de wijk"),
        "corrected.toml",
    )
    args = ("import-spiegel", str(corrected), "--wijk", "elsrijk", "--edition", str(year))
    for dry in (["--dry-run"], []):
        code, out, err = run_cli(*args, *dry)
        assert (code, err) == (0, "")
        assert out.splitlines()[-1] == (
            f"note: residents read the {year + 1} edition of elsrijk, not {year}: "
            f"what this file changes does not reach them"
        )
    assert out.splitlines()[0] == (
        f"elsrijk {year}: 23 statements: added 0, updated 1, unchanged 22, retired 0"
    )
    # The current edition's own import says nothing of the kind.
    following = write(
        tmp_path, source.replace(f"year = {year}", f"year = {year + 1}", 1), "next.toml"
    )
    code, out, err = run_cli(
        "import-spiegel", str(following), "--wijk", "elsrijk", "--edition", str(year + 1)
    )
    assert (code, err) == (0, "") and "note:" not in out


def test_cli_import_of_an_edition_far_ahead_is_refused(
    run_cli: RunCli, services: Services, tmp_path: Path
) -> None:
    """An edition more than a year ahead would be the one residents read, from now on."""
    year = this_year(services)
    path = _this_years_example(tmp_path, year + 3)
    code, out, err = run_cli(
        "import-spiegel", str(path), "--wijk", "elsrijk", "--edition", str(year + 3)
    )
    assert (code, out) == (2, "")
    assert err == (
        f"--edition {year + 3}: more than one year ahead of this year ({year}); "
        f"the latest edition you can load now is {year + 1}"
    )
    assert stored_items(services) == []


def test_editions_current_is_newest_year(services: Services) -> None:
    parsed = spiegel.parse_toml(SMALL, THEMES)
    with services.db.session() as session:
        persons.sync_wijken(session, services.config)
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None and wijk.id is not None
        assert spiegel.current_edition(session, wijk.id) is None
        old = spiegel.import_edition(session, wijk, 2025, parsed)
        new = spiegel.import_edition(session, wijk, 2026, parsed)
        current = spiegel.current_edition(session, wijk.id)
        assert current is not None and current.id == new.edition_id != old.edition_id
        strengths = spiegel.items(session, new.edition_id, ItemKind.STRENGTH)
        assert [i.text for i in strengths] == ["Veel groen.", "Aardige buren."]
        assert spiegel.item_counts(session, new.edition_id)[ItemKind.STRENGTH] == 2
