"""A multi-step flow as one table of steps, and the small engine that runs it.

A flow (onboarding's wijk choice, an observation, the poll wizard, …) is plain module data: a
`FlowTable` with one `Step` per input it takes in a state — a button of one step (`button(...)`),
typed text, a photo or a location. The engine takes an input, finds the step for the current
state, checks the button's nonce, parses the input, applies it to the typed draft, moves to the
next state and writes that through to the database (`bot.telegram.flows`) *before* the table's
`show` replies. Steps with effects beyond the draft (storing, sending) run their own `act`.

A flow halfway is never dropped without a word. A message no step takes and the table never
sees as input (a sticker, a voice message, a forward, an edit) gets the table's `not_taken`
note above the current step, shown again (`show_again`). A run left halfway (another flow
starts, a command or a button elsewhere ends it: `flows.left_halfway`) gets its table's
`unsent` sentence above the reply that leaves it (`unsent`, said by handlers/common.py).

The same table draws the flow's state diagram (`transitions`, `mermaid`): docs/flows.md holds
them, and a test checks they are current (scripts/flow-diagrams rewrites them).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from telegram.ext import CallbackContext

from bot.telegram import flows
from bot.telegram.callbacks import BadCallback, FlowButton, Kind
from bot.telegram.flows import Draft, Flow

END = "[*]"  # leaving the flow (mermaid's name for it); only a step's `act` ends a flow
STAY = "="  # a step that keeps the state it was taken in
TEXT = "text"
PHOTO = "photo"
LOCATION = "location"


def button(kind: Kind, step: str, value: str | None = None) -> str:
    """What a step takes: a button of this kind and step (and value, when steps differ by it)."""
    return f"button:{kind.value}/{step}" + (f"/{value}" if value is not None else "")


class Turn(Protocol):
    """The handler's side of one update (handlers.common.Turn): the engine needs only these."""

    @property
    def context(self) -> CallbackContext[Any, Any, Any, Any]: ...

    async def alert(self, text: str) -> None: ...


T = TypeVar("T", bound=Turn)
D = TypeVar("D", bound=Draft)


class Invalid(Exception):
    """The input cannot be used: nothing changes, and the step is shown again with `note`."""

    def __init__(self, note: str) -> None:
        super().__init__(note)
        self.note = note


class Refused(Exception):
    """A button that cannot be used now: only an alert on the button, nothing else changes."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Reply:
    """How `show` answers: by editing the pressed message (a button) or with a new one."""

    edit: bool
    note: str | None = None  # said above the step (translated already)
    toast: str | None = None  # the button's short answer (translated already)


@dataclass(frozen=True)
class Step(Generic[T, D]):
    """One input a flow takes in some states, and where it leads.

    parse(turn, draft, raw) -> value: raw is the button's payload, the text, or the media; it
        raises BadCallback (forged), Invalid (say why, stay) or Refused (alert, stay); it may be
        a coroutine function.
    apply(draft, value) -> draft: the new draft (pure).
    next: the next state, or STAY; several when `route(draft, value)` picks one of them: a
        tuple, or a mapping from each to why it is picked (for the diagram). With `act`,
        `next` says where `act` may lead: act does the rest itself (store, send, end the
        flow), persisting before it replies.
    note / toast (turn, value): what to say above the next step / on the pressed button.
    """

    label: str
    valid_in: tuple[str, ...]
    takes: str
    next: str | tuple[str, ...] | Mapping[str, str]
    parse: Callable[[T, D, Any], Any] | None = None
    apply: Callable[[D, Any], D] | None = None
    route: Callable[[D, Any], str] | None = None
    act: Callable[[T, Flow, D, Any], Awaitable[None]] | None = None
    note: Callable[[T, Any], str | None] | None = None
    toast: Callable[[T, Any], str | None] | None = None

    @property
    def targets(self) -> tuple[str, ...]:
        if isinstance(self.next, str):
            return (self.next,)
        return tuple(self.next)

    def label_to(self, target: str) -> str:
        why = self.next.get(target) if isinstance(self.next, Mapping) else None
        return f"{self.label} ({why})" if why else self.label


@dataclass(frozen=True)
class Entry:
    """How a flow starts (for the diagram): `[*] --> state: label`."""

    label: str
    state: str


@dataclass(frozen=True)
class Exit:
    """A way out that a handler outside the table takes (for the diagram)."""

    label: str
    valid_in: tuple[str, ...]


Show = Callable[[T, Flow, D, Reply], Awaitable[None]]
Otherwise = Callable[[T, Flow, D, str, Any], Awaitable[None]]
Check = Callable[[T, D, "Step[T, D]"], None]
Ended = Callable[[T, FlowButton], Awaitable[bool]]
EndedText = Callable[[T, Flow], Awaitable[bool]]
# (turn, the run left, its draft, anew: a new run of this flow replaced it) -> the sentence.
Unsent = Callable[[T, Flow, D, bool], str | None]
# (turn, the current run, its draft, why: the handlers' name for the message) -> the note.
NotTaken = Callable[[T, Flow, D, str], str | None]
# (turn, the current run, its draft, why) -> the draft that message makes after all, or None.
Retake = Callable[[T, Flow, D, str], D | None]


@dataclass(frozen=True)
class FlowTable(Generic[T, D]):
    """A flow: its name (flows.Flow.name), states, draft type, steps and how a state is shown.

    `otherwise` answers text or media that no step takes in the current state (a button that no
    step takes is BadCallback). `check` runs before every button step (e.g. a permission).
    `ended` answers a button of a run of this flow that has ended: when it is the button that
    stored something, it shows what that run stored (found by `flows.request_key(name, nonce)`)
    and returns True; else False (an old button). The bot may have died between the commit and
    the confirmation, or the confirmation got lost: the same press then still gets it.
    `ended_text` does the same for a text step that stored something and ended the run (with
    `flows.end(message_id=...)`): that text delivered again comes with the run
    (`flows.ended_by`), and it shows what the run stored and returns True; else False.

    `unsent` says, in the person's words, what leaving a run halfway leaves unsent ("Je melding
    is niet verstuurd", and how to send it after all): another flow starts (`anew`: this one
    again), a command or a button outside the run ends it. None when nothing was typed yet or
    the run stored its result; without it, leaving says nothing (a flow of buttons only).
    `not_taken` is the note above the current step shown again after a message no step takes
    (why: a sticker, a forward, an edit; handlers.common names them); None: not answered here,
    the answer outside a flow follows. `show` must put `Reply.note` above the step, with the
    step's own buttons: "Naar het menu" alone would end the draft. `retake`, asked first, is the
    draft such a message makes after all (an edit of the very text asked about: its new wording),
    stored before `not_taken` says so; None changes nothing.
    `for_others`: what is typed here is written for other people (a coach's answer or hide
    reason, a change to the spiegel, a poll): the urgent check does not take it for the
    writer's own emergency, so no help numbers above its steps.
    """

    name: str
    states: tuple[str, ...]
    load: Callable[[Mapping[str, Any]], D]
    steps: tuple[Step[T, D], ...]
    show: Show[T, D]
    otherwise: Otherwise[T, D] | None = None
    check: Check[T, D] | None = None
    entries: tuple[Entry, ...] = ()
    exits: tuple[Exit, ...] = ()
    ended: Ended[T] | None = None
    ended_text: EndedText[T] | None = None
    unsent: Unsent[T, D] | None = None
    not_taken: NotTaken[T, D] | None = None
    retake: Retake[T, D] | None = None
    for_others: bool = False
    _index: dict[tuple[str, str], Step[T, D]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        known = {*self.states, END, STAY}
        labels = [s.label_to(t) for s in self.steps for t in s.targets]
        labels += [e.label for e in self.entries] + [x.label for x in self.exits]
        if any(":" in label for label in labels):  # mermaid ends a state's name at ":"
            raise ValueError(f"{self.name}: a label with ':' in it")
        for step in self.steps:
            unknown = {*step.valid_in, *step.targets} - known
            if unknown:
                raise ValueError(f"{self.name}: step {step.label!r} names {sorted(unknown)}")
            if len(step.targets) > 1 and step.route is None and step.act is None:
                raise ValueError(f"{self.name}: step {step.label!r} has targets but no route")
            if END in step.targets and step.act is None:
                raise ValueError(f"{self.name}: step {step.label!r} ends the flow without act")
            for state in step.valid_in:
                if (state, step.takes) in self._index:
                    raise ValueError(f"{self.name}: two steps take {step.takes} in {state}")
                self._index[(state, step.takes)] = step
        for entry in self.entries:
            if entry.state not in self.states:
                raise ValueError(f"{self.name}: entry into unknown state {entry.state}")

    def step_for(self, state: str, takes: str) -> Step[T, D] | None:
        return self._index.get((state, takes))

    # --- the diagram -----------------------------------------------------------------------

    def transitions(self) -> list[tuple[str, str, str]]:
        """(from, to, label) for every way through the flow, in table order."""
        lines = [("[*]", e.state, e.label) for e in self.entries]
        for step in self.steps:
            for state in step.valid_in:
                for target in step.targets:
                    to = state if target == STAY else target
                    lines.append((state, to, step.label_to(target)))
        lines += [(state, END, x.label) for x in self.exits for state in x.valid_in]
        unique: list[tuple[str, str, str]] = []
        for line in lines:
            if line not in unique:
                unique.append(line)
        return unique

    def mermaid(self) -> str:
        body = [f"    {a} --> {b}: {label}" for a, b, label in self.transitions()]
        return "\n".join(["```mermaid", "stateDiagram-v2", *body, "```"])


# --- the engine -------------------------------------------------------------------------------


async def press(table: FlowTable[T, D], turn: T, pressed: FlowButton) -> None:
    """A button of `table`'s flow. Stale, forged or not for this state: BadCallback."""
    flow = flows.current(turn.context)
    if flow is None or flow.name != table.name or flow.nonce != pressed.nonce:
        if table.ended is not None and await table.ended(turn, pressed):
            return
        raise BadCallback("stale flow button")
    kind, value = pressed.KIND, getattr(pressed, "value", None)
    step = None
    if isinstance(value, str):
        step = table.step_for(flow.state, button(kind, pressed.step, value))
    step = step or table.step_for(flow.state, button(kind, pressed.step))
    flows.taken(turn.context)
    if step is None:
        raise BadCallback(f"{kind.value}/{pressed.step} in state {flow.state}")
    draft = table.load(flow.data)
    if table.check is not None:
        table.check(turn, draft, step)
    await _take(table, turn, flow, draft, step, pressed, edit=True)


async def send(table: FlowTable[T, D], turn: T, takes: str, raw: Any) -> None:
    """Typed text (TEXT) or media (PHOTO, LOCATION) while `table`'s flow is current."""
    flow = flows.current(turn.context)
    if flow is None or flow.name != table.name:
        raise RuntimeError(f"{table.name} is not the current flow")
    flows.taken(turn.context)
    draft = table.load(flow.data)
    step = table.step_for(flow.state, takes)
    if step is None:
        if table.otherwise is not None:
            await table.otherwise(turn, flow, draft, takes, raw)
        return
    await _take(table, turn, flow, draft, step, raw, edit=False)


async def show_again(table: FlowTable[T, D], turn: T, why: str) -> bool:
    """A message no step of `table`'s current run takes and the table never sees (a sticker, a
    forward, an edit; `why` says which): the table's `not_taken` note above the current step,
    shown again as a new message. Nothing else changes: the draft (unless the table's `retake`
    makes a new one of that message) and the older messages' buttons stay as they were. False
    when the table does not answer it (no `not_taken`, or None)."""
    flow = flows.current(turn.context)
    if flow is None or flow.name != table.name or table.not_taken is None:
        return False
    draft = table.load(flow.data)
    retaken = table.retake(turn, flow, draft, why) if table.retake is not None else None
    if retaken is not None:
        flow = await flows.move(turn.context, flow.state, retaken)
        draft = retaken
    note = table.not_taken(turn, flow, draft, why)
    if note is None:
        return False
    await table.show(turn, flow, draft, Reply(edit=False, note=note))
    return True


async def show_current(table: FlowTable[T, D], turn: T) -> bool:
    """The current step of `table`'s run shown again as a new message, as it is: after an
    aside that changed how it reads (/taal: the step in the language just chosen). False when
    no run of `table` is current."""
    flow = flows.current(turn.context)
    if flow is None or flow.name != table.name:
        return False
    await table.show(turn, flow, table.load(flow.data), Reply(edit=False))
    return True


def unsent(table: FlowTable[T, D], turn: T, left: flows.Left) -> str | None:
    """What leaving `left.run` of `table`'s flow halfway leaves unsent, in the table's words;
    None when nothing (nothing typed yet, or no `unsent`)."""
    if table.unsent is None or left.run.name != table.name:
        return None
    return table.unsent(turn, left.run, table.load(left.run.data), left.anew)


async def send_again(table: FlowTable[T, D], turn: T, run: Flow) -> bool:
    """The text that ended `run` (`flows.ended_by`) delivered again: the table's `ended_text`
    shows what the run stored. False when there is nothing to show: the text is then new."""
    if run.name != table.name or table.ended_text is None:
        return False
    return await table.ended_text(turn, run)


async def _take(
    table: FlowTable[T, D],
    turn: T,
    flow: Flow,
    draft: D,
    step: Step[T, D],
    raw: Any,
    *,
    edit: bool,
) -> None:
    try:
        value = step.parse(turn, draft, raw) if step.parse is not None else raw
        if inspect.isawaitable(value):
            value = await value
    except Invalid as invalid:
        await table.show(turn, flow, draft, Reply(edit=edit, note=invalid.note))
        return
    except Refused as refused:
        await turn.alert(refused.text)
        return
    if step.act is not None:
        await step.act(turn, flow, draft, value)
        return
    new = step.apply(draft, value) if step.apply is not None else draft
    state = step.route(new, value) if step.route is not None else step.targets[0]
    if state not in step.targets:
        raise RuntimeError(f"{table.name}: {step.label!r} routed to {state}")
    if state == STAY:
        state = flow.state
    flow = await flows.move(turn.context, state, new)  # written through before the reply
    note = step.note(turn, value) if step.note is not None else None
    toast = step.toast(turn, value) if step.toast is not None else None
    await table.show(turn, flow, new, Reply(edit=edit, note=note, toast=toast))
