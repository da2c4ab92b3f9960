"""The design documents stay true: every file, module and name they point to exists, every link
resolves, ARCHITECTURE.md's capability table covers every package and stays a five-minute read.

Reads the documents and the source as text; nothing is imported.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "ARCHITECTURE.md"
DOCS = [ARCHITECTURE, ROOT / "HACKING.md", *sorted((ROOT / "docs" / "architecture").glob("*.md"))]
TOP = (
    "bot",
    "handlers",
    "models",
    "web",
    "tests",
    "locales",
    "migrations",
    "bench",
    "scripts",
    "docs",
)
# About 250 words a minute: a newcomer reads the map in five minutes.
MAP_WORDS = 1_400
# What a run makes (ignored by git), named in the documents as where to look.
MADE_BY_RUNS = {
    line.strip().lstrip("/")
    for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
}

CODE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
PATH = re.compile(rf"^(?:{'|'.join(TOP)})/[\w./-]*$")
DOTTED = re.compile(r"^(?:bot|handlers|web|models)(?:\.\w+)+$")


def _source_of(parts: list[str]) -> tuple[Path, list[str]] | None:
    """The file of the longest module prefix of a dotted name, and the names after it."""
    for cut in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:cut])
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate, parts[cut:]
    return None


def _defines(source: str, name: str) -> bool:
    return (
        re.search(rf"(?:def|class)\s+{name}\b|^\s*{name}\s*[:=]|\b{name}\s*=", source, re.M)
        is not None
    )


def _broken_references(doc: Path) -> list[str]:
    text = doc.read_text(encoding="utf-8")
    broken = []
    for token in CODE.findall(text):
        token = token.split(" ", 1)[0].rstrip(".,:;")
        token = re.sub(r"\(.*$", "", token)  # `function(args)` names the function
        if PATH.match(token):
            if "*" in token or "<" in token or token in MADE_BY_RUNS or (ROOT / token).exists():
                continue
            # `bot/cli/common.open_database`: a module's file and a name in it
            head, _, name = token.rpartition(".")
            module = ROOT / f"{head}.py"
            if not (module.is_file() and _defines(module.read_text(encoding="utf-8"), name)):
                broken.append(token)
        elif DOTTED.match(token):
            found = _source_of(token.split("."))
            if found is None:
                broken.append(token)
                continue
            path, names = found
            if names and not _defines(path.read_text(encoding="utf-8"), names[0]):
                broken.append(token)
    for target in LINK.findall(text):
        if "://" in target or target.startswith("#"):
            continue
        if not (doc.parent / target.split("#", 1)[0]).exists():
            broken.append(target)
    return broken


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_module_and_link_a_design_document_names_exists(doc: Path) -> None:
    assert _broken_references(doc) == []


def test_the_reference_check_sees_a_missing_file_module_name_and_link(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "`bot/wiring.py` `bot/nowhere.py` `bot.core.text.clean_input` `bot.core.text.no_such_name` "
        "`bot.no_such_module` [here](nowhere.md)",
        encoding="utf-8",
    )
    assert _broken_references(doc) == [
        "bot/nowhere.py",
        "bot.core.text.no_such_name",
        "bot.no_such_module",
        "nowhere.md",
    ]


def _capability_rows() -> list[list[str]]:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    table = text.split("## Find a capability", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[1:]]


def test_the_capability_table_points_to_files_that_exist() -> None:
    rows = _capability_rows()
    assert len(rows) > 10
    missing = []
    for _, handlers, service, tables, texts, tests in rows:
        for cell, bases in (
            (handlers, [ROOT]),
            (service, [ROOT]),
            (tables, [ROOT / "models"]),
            (texts, [ROOT / "locales" / "nl", ROOT / "locales" / "en"]),
            (tests, [ROOT]),
        ):
            for name in CODE.findall(cell):
                missing += [f"{base}/{name}" for base in bases if not (base / name).exists()]
    assert missing == []


def test_the_capability_table_names_every_package_of_handlers_and_bot() -> None:
    named = " ".join(cell for row in _capability_rows() for cell in row)
    packages = [
        f"{top}/{package.name}/"
        for top in ("handlers", "bot")
        for package in sorted((ROOT / top).iterdir())
        if (package / "__init__.py").is_file()
    ]
    assert [p for p in packages if f"`{p}`" not in named] == []


def test_the_architecture_map_is_a_five_minute_read() -> None:
    words = len(ARCHITECTURE.read_text(encoding="utf-8").split())
    assert words <= MAP_WORDS, (
        f"ARCHITECTURE.md has {words} words: move detail to docs/architecture/"
    )
