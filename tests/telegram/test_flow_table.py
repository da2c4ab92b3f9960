"""The flow engine on a small table: nonce and state checks, parse, apply, route, write-through
before the reply, and the diagram drawn from the table."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from bot.telegram import flow_table, flows
from bot.telegram.callbacks import BadCallback, Kind, ObservationStep
from bot.telegram.flow_table import (
    END,
    STAY,
    TEXT,
    Entry,
    FlowTable,
    Invalid,
    Refused,
    Reply,
    Step,
    button,
)
from bot.telegram.flows import Flow, JsonDraft


@dataclass(frozen=True)
class Draft(JsonDraft):
    word: str | None = None
    count: int = 0
    seen: tuple[int, ...] = ()

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        if "old_word" in data:
            data = {**data, "word": data.pop("old_word")}
        return data


@dataclass
class FakeTurn:
    context: Any
    shown: list[tuple[str, Draft, Reply]] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    saved_states: list[str] = field(default_factory=list)

    async def alert(self, text: str) -> None:
        self.alerts.append(text)


def context_for(turn_states: list[str]) -> Any:
    class Persistence:
        async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
            turn_states.append(data.get("flow", {}).get("state", "-"))

    return SimpleNamespace(
        user_data={}, application=SimpleNamespace(persistence=Persistence()), _user_id=1
    )


async def show(turn: FakeTurn, flow: Flow, draft: Draft, how: Reply) -> None:
    # The state was written through before this reply.
    assert turn.saved_states[-1] == flow.state
    turn.shown.append((flow.state, draft, how))


def parse_word(turn: FakeTurn, draft: Draft, text: str) -> str:
    if not text.isalpha():
        raise Invalid("letters only")
    return text


async def count(turn: FakeTurn, draft: Draft, pressed: ObservationStep) -> int:
    if pressed.value == "0":
        raise Refused("not zero")
    return int(pressed.value)


async def finish(turn: FakeTurn, flow: Flow, draft: Draft, value: Any) -> None:
    await flows.end(turn.context)


TABLE: FlowTable[Any, Draft] = FlowTable(
    name="demo",
    states=("word", "count"),
    load=Draft.from_json,
    steps=(
        Step("a word", ("word",), TEXT, "count", parse_word, lambda d, w: Draft(w)),
        Step(
            "a number",
            ("count",),
            button(Kind.OBSERVATION, "n"),
            {"word": "odd", STAY: "even"},
            count,
            lambda d, n: Draft(d.word, n, (*d.seen, n)),
            lambda d, n: "word" if n % 2 else STAY,
        ),
        Step("done", ("count",), button(Kind.OBSERVATION, "d", "ok"), END, act=finish),
    ),
    show=show,
    entries=(Entry("/demo", "word"),),
)


async def started() -> FakeTurn:
    states: list[str] = []
    turn = FakeTurn(context_for(states), saved_states=states)
    await flows.start(turn.context, "demo", "word", Draft())
    return turn


def nonce(turn: FakeTurn) -> int:
    flow = flows.current(turn.context)
    assert flow is not None
    return flow.nonce


async def test_steps_parse_apply_route_and_write_through() -> None:
    turn = await started()
    await flow_table.send(TABLE, turn, TEXT, "123")
    assert turn.shown[-1] == ("word", Draft(), Reply(edit=False, note="letters only"))
    await flow_table.send(TABLE, turn, TEXT, "hallo")
    assert turn.shown[-1][:2] == ("count", Draft("hallo"))
    n = nonce(turn)
    await flow_table.press(TABLE, turn, ObservationStep(n, "n", "2"))
    assert turn.shown[-1][:2] == ("count", Draft("hallo", 2, (2,)))
    await flow_table.press(TABLE, turn, ObservationStep(n, "n", "0"))
    assert turn.alerts == ["not zero"]
    await flow_table.press(TABLE, turn, ObservationStep(n, "n", "3"))
    assert turn.shown[-1][:2] == ("word", Draft("hallo", 3, (2, 3)))
    flow = flows.current(turn.context)
    assert flow is not None and flow.data == {"word": "hallo", "count": 3, "seen": [2, 3]}


async def test_buttons_of_another_nonce_or_state_are_stale() -> None:
    turn = await started()
    n = nonce(turn)
    with pytest.raises(BadCallback):  # not valid in "word"
        await flow_table.press(TABLE, turn, ObservationStep(n, "n", "2"))
    await flow_table.send(TABLE, turn, TEXT, "hallo")
    with pytest.raises(BadCallback):
        await flow_table.press(TABLE, turn, ObservationStep(n + 1, "n", "2"))
    with pytest.raises(BadCallback):  # no step "d" with this value
        await flow_table.press(TABLE, turn, ObservationStep(n, "d", "no"))
    await flow_table.press(TABLE, turn, ObservationStep(n, "d", "ok"))
    assert flows.current(turn.context) is None
    with pytest.raises(BadCallback):
        await flow_table.press(TABLE, turn, ObservationStep(n, "d", "ok"))


async def test_input_no_step_takes_goes_to_otherwise() -> None:
    turn = await started()
    await flow_table.send(TABLE, turn, flow_table.PHOTO, "file-id")  # no `otherwise`: ignored
    assert turn.shown == []


def test_older_drafts_load() -> None:
    assert Draft.from_json({"old_word": "oud", "gone": 1, "seen": [1]}) == Draft("oud", 0, (1,))


def test_the_table_draws_its_diagram() -> None:
    assert TABLE.transitions() == [
        ("[*]", "word", "/demo"),
        ("word", "count", "a word"),
        ("count", "word", "a number (odd)"),
        ("count", "count", "a number (even)"),
        ("count", "[*]", "done"),
    ]


def test_a_table_that_names_an_unknown_state_is_refused() -> None:
    with pytest.raises(ValueError, match="nowhere"):
        FlowTable(
            name="bad",
            states=("a",),
            load=Draft.from_json,
            steps=(Step("x", ("a",), TEXT, "nowhere"),),
            show=show,
        )
    with pytest.raises(ValueError, match="two steps"):
        FlowTable(
            name="bad",
            states=("a",),
            load=Draft.from_json,
            steps=(Step("x", ("a",), TEXT, "a"), Step("y", ("a",), TEXT, "a")),
            show=show,
        )
