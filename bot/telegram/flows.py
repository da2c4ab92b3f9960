"""Where a person is in a multi-step flow, kept in `user_data` and written through at once.

PTB's persistence flushes every 60 s by default; a kill -9 would lose a step the person already
saw answered. So every change of state is written to the database *before* the reply is sent.
Each flow start gets a new nonce; buttons of a flow carry it, so buttons of an older message
are recognised as stale instead of acting on the wrong draft.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import CallbackContext

FLOW_KEY = "flow"
NONCE_KEY = "nonce"


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
    context: CallbackContext[Any, Any, Any, Any], name: str, state: str, **data: Any
) -> Flow:
    user_data = _user_data(context)
    nonce = int(user_data.get(NONCE_KEY, 0)) + 1
    user_data[NONCE_KEY] = nonce
    flow = Flow(name, state, nonce, data)
    user_data[FLOW_KEY] = flow.to_json()
    await save(context)
    return flow


async def move(context: CallbackContext[Any, Any, Any, Any], state: str, **updates: Any) -> Flow:
    flow = current(context)
    if flow is None:
        raise RuntimeError("no flow to move")
    flow.state = state
    flow.data.update(updates)
    _user_data(context)[FLOW_KEY] = flow.to_json()
    await save(context)
    return flow


async def update_data(context: CallbackContext[Any, Any, Any, Any], **updates: Any) -> Flow:
    flow = current(context)
    if flow is None:
        raise RuntimeError("no flow to update")
    return await move(context, flow.state, **updates)


async def end(context: CallbackContext[Any, Any, Any, Any]) -> None:
    user_data = _user_data(context)
    if FLOW_KEY in user_data:
        del user_data[FLOW_KEY]
        await save(context)


async def save(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Write this user's data now (write-through), not at PTB's next periodic flush."""
    persistence = context.application.persistence
    user_id = context._user_id
    if persistence is not None and user_id is not None and context.user_data is not None:
        await persistence.update_user_data(user_id, copy.deepcopy(context.user_data))


def _user_data(context: CallbackContext[Any, Any, Any, Any]) -> dict[str, Any]:
    if context.user_data is None:
        raise RuntimeError("flows need a user")
    return context.user_data
