"""Where a person is in a multi-step flow, kept in `user_data` and written through at once.

PTB's persistence flushes every 60 s by default; a kill -9 would lose a step the person already
saw answered. So every change of state is written to the database *before* the reply is sent.
Each flow start gets a new nonce; buttons of a flow carry it, so buttons of an older message
are recognised as stale instead of acting on the wrong draft.

A flow's draft is a typed, frozen dataclass (a `JsonDraft`), stored as the JSON object it turns
into; `bot.telegram.flow_table` runs a flow's steps from one table.

Each update notes the run it found (`arrive`, a handler before all others): when the update
ends or replaces that run other than by the run's own steps or its Stoppen (`taken`), it left
the run halfway (`left_halfway`), and the reply says what that leaves unsent
(handlers/common.py).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from typing import Any, Protocol, Self

from telegram.ext import CallbackContext

FLOW_KEY = "flow"
NONCE_KEY = "nonce"
# The run a person's message ended by storing its result (`end(message_id=...)`): that message
# delivered again (the bot died before confirming it) is recognised by `ended_by`.
ENDED_KEY = "ended"
ENDED = "ended"  # the state of a run `ended_by` returns: it takes no step any more


class Draft(Protocol):
    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class JsonDraft:
    """A flow's draft: fields of JSON types (tuples are stored as lists and read back as tuples).

    `from_json` ignores keys it does not know and passes older drafts through `upgrade`, so a
    draft stored by an earlier version of the bot (before a restart) still loads."""

    def to_json(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        known = {f.name for f in fields(cls)}
        values = {
            key: tuple(value) if isinstance(value, list) else value
            for key, value in cls.upgrade(dict(data)).items()
            if key in known
        }
        return cls(**values)

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Rename or convert the keys of an older version of this draft (none by default)."""
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


@dataclass
class Flow:
    name: str
    state: str
    nonce: int
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state, "nonce": self.nonce, "data": self.data}

    @property
    def key(self) -> str:
        return request_key(self.name, self.nonce)


def request_key(name: str, nonce: int) -> str:
    """The idempotency key of one run of a flow, unique per person (nonces only grow).

    What the run stores carries it under a unique constraint. Telegram delivers an update again
    when the bot died before it was confirmed, and the flow may still stand where it stood: the
    second try then finds the row the first one stored instead of storing another. A press on the
    run's last button after the flow ended finds it the same way (the button carries the nonce).
    """
    return f"{name}:{nonce}"


def current(context: CallbackContext[Any, Any, Any, Any]) -> Flow | None:
    raw = (context.user_data or {}).get(FLOW_KEY)
    if not isinstance(raw, dict):
        return None
    return Flow(raw["name"], raw["state"], int(raw["nonce"]), dict(raw.get("data") or {}))


def is_current(context: CallbackContext[Any, Any, Any, Any], name: str, nonce: int) -> bool:
    flow = current(context)
    return flow is not None and flow.name == name and flow.nonce == nonce


async def start(
    context: CallbackContext[Any, Any, Any, Any],
    name: str,
    state: str,
    draft: Draft | None = None,
) -> Flow:
    user_data = _user_data(context)
    nonce = int(user_data.get(NONCE_KEY, 0)) + 1
    user_data[NONCE_KEY] = nonce
    # Telegram delivers again before anything newer: once a new run starts, it will not.
    user_data.pop(ENDED_KEY, None)
    flow = Flow(name, state, nonce, draft.to_json() if draft is not None else {})
    user_data[FLOW_KEY] = flow.to_json()
    await save(context)
    return flow


async def one_press(context: CallbackContext[Any, Any, Any, Any], name: str) -> Flow:
    """A run that is one question and the press that answers it, and keeps no state: its
    buttons carry its nonce and what the press stores carries its `key`, so that press
    delivered again finds what it stored, and a press of another such question does not take
    it for its own. Nothing becomes current: the flow the person is in stays where it was, and
    nothing holds back their next message. Its state is ENDED (it takes no step)."""
    user_data = _user_data(context)
    nonce = int(user_data.get(NONCE_KEY, 0)) + 1
    user_data[NONCE_KEY] = nonce
    await save(context)
    return Flow(name, ENDED, nonce)


async def move(
    context: CallbackContext[Any, Any, Any, Any],
    state: str,
    draft: Draft | None = None,
) -> Flow:
    """Go to `state`, with `draft` as the new draft (None keeps the draft as it is)."""
    flow = current(context)
    if flow is None:
        raise RuntimeError("no flow to move")
    flow.state = state
    if draft is not None:
        flow.data = draft.to_json()
    _user_data(context)[FLOW_KEY] = flow.to_json()
    await save(context)
    return flow


async def end(
    context: CallbackContext[Any, Any, Any, Any], *, message_id: int | None = None
) -> bool:
    """Leave the current flow; False when there was none. `message_id`: the person's message
    whose step stored the run's result and ended it. It is remembered in the same write, so that
    message delivered again finds the run (`ended_by`) and shows that result, instead of being
    taken as new text."""
    user_data = _user_data(context)
    if FLOW_KEY not in user_data:
        return False
    # Read before it goes; a stored flow that does not parse is removed all the same.
    try:
        flow = current(context)
    except (KeyError, TypeError, ValueError):
        flow = None
    del user_data[FLOW_KEY]
    if message_id is not None and flow is not None:
        user_data[ENDED_KEY] = {"name": flow.name, "nonce": flow.nonce, "message": message_id}
    await save(context)
    return True


def ended_by(context: CallbackContext[Any, Any, Any, Any], message_id: int) -> Flow | None:
    """The run that the person's message `message_id` ended (`end(message_id=...)`), when this
    is that message again; its state is ENDED, without a draft. Its `key` finds what it stored."""
    raw = (context.user_data or {}).get(ENDED_KEY)
    if not isinstance(raw, dict) or raw.get("message") != message_id:
        return None
    return Flow(str(raw["name"]), ENDED, int(raw["nonce"]))


async def save(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Write this user's data now (write-through), not at PTB's next periodic flush."""
    persistence = context.application.persistence
    user_id = context._user_id
    if persistence is not None and user_id is not None and context.user_data is not None:
        await persistence.update_user_data(user_id, copy.deepcopy(context.user_data))


# --- leaving a run halfway ----------------------------------------------------------------------


@dataclass
class Arrival:
    """How one update found the person's flow: the run current when it came (`found`), whether
    that run's own steps or its Stoppen took the update (`taken`: they say themselves what they
    stored or stopped), and whether leaving it was said (`told`)."""

    context: CallbackContext[Any, Any, Any, Any]
    found: Flow | None
    taken: bool = False
    told: bool = False


@dataclass(frozen=True)
class Left:
    """A run an update left halfway: `run` as the update found it; `anew` when a new run of the
    same flow replaced it (Melding doen again)."""

    run: Flow
    anew: bool


# One update at a time (bot/app.py: no concurrent updates); `arrive` sets it for each.
_arrival: ContextVar[Arrival | None] = ContextVar("flow_arrival", default=None)


def arrive(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """An update comes in: note the run it finds (bot/wiring.py calls this before any handler)."""
    try:
        found = current(context) if context.user_data is not None else None
    except (KeyError, TypeError, ValueError):  # a stored flow that does not parse
        found = None
    _arrival.set(Arrival(context, found))


def arrival() -> Arrival | None:
    """The current update's arrival (None outside an update, e.g. in a job)."""
    return _arrival.get()


def taken(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """The current run's own steps (flow_table.press, send) or its Stoppen take this update:
    whatever ends the run says itself what became of it."""
    noted = _arrival.get()
    if noted is not None and noted.context is context:
        noted.taken = True


def left_halfway() -> Left | None:
    """The run this update found, when the update ended or replaced it other than by the run's
    own steps or its Stoppen; None when it did not (or no run was current)."""
    noted = _arrival.get()
    if noted is None or noted.found is None or noted.taken:
        return None
    try:
        now = current(noted.context)
    except (KeyError, TypeError, ValueError):
        now = None
    if now is not None and now.name == noted.found.name and now.nonce == noted.found.nonce:
        return None
    return Left(noted.found, anew=now is not None and now.name == noted.found.name)


def _user_data(context: CallbackContext[Any, Any, Any, Any]) -> dict[str, Any]:
    if context.user_data is None:
        raise RuntimeError("flows need a user")
    return context.user_data
