"""docs/flows.md's state diagrams are the flow tables': every multi-step flow has one, each
lists exactly the transitions its table has (scripts/flow-diagrams redraws them)."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
from types import ModuleType

from tests.conftest import REPO

FLOWS = {
    "wijk",
    "observation",
    "spiegel_comment",
    "spiegel_edit",
    "poll_wizard",
    "coach_answer",
    "coach_hide",
    "coach_reply",
    "privacy",
}


def script() -> ModuleType:
    path = REPO / "scripts" / "flow-diagrams"
    loader = importlib.machinery.SourceFileLoader("flow_diagrams", str(path))
    spec = importlib.util.spec_from_loader("flow_diagrams", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_every_multi_step_flow_has_a_table() -> None:
    assert set(script().tables()) == FLOWS


def test_architecture_draws_exactly_each_tables_transitions() -> None:
    diagrams = script()
    document = (REPO / "docs" / "flows.md").read_text()
    drawn = {m.group("name"): m.group(0) for m in diagrams.BLOCK.finditer(document)}
    assert set(drawn) == FLOWS
    for flow, (_, table) in diagrams.tables().items():
        lines = re.findall(r"^    (.+?) --> (.+?): (.+)$", drawn[flow], re.M)
        assert lines == list(table.transitions()), f"{flow}: run scripts/flow-diagrams"
    new, problems = diagrams.render(document)
    assert problems == []
    assert new == document, "a flow diagram is out of date: run scripts/flow-diagrams"
