"""Routes free text, photos and locations in private chats to the step of the person's flow.

A feature registers what its flow does with text (`on_text("observation")`) or media. Outside
any flow, `loose_text` decides (the residents' feature asks whether to file it as an
observation); without one, the person gets the menu.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.context import WijkContext
from bot.telegram import flows
from handlers.common import Who

Step = Callable[[Update, WijkContext, Who, flows.Flow], Awaitable[None]]
Loose = Callable[[Update, WijkContext, Who], Awaitable[None]]

TEXT_STEPS: dict[str, Step] = {}
MEDIA_STEPS: dict[str, Step] = {}
_loose: dict[str, Loose] = {}


def on_text(flow_name: str) -> Callable[[Step], Step]:
    def register(fn: Step) -> Step:
        TEXT_STEPS[flow_name] = fn
        return fn

    return register


def on_media(flow_name: str) -> Callable[[Step], Step]:
    def register(fn: Step) -> Step:
        MEDIA_STEPS[flow_name] = fn
        return fn

    return register


def set_loose_handler(kind: str, fn: Loose) -> None:
    """kind: "text" or "media"."""
    _loose[kind] = fn


def loose_handler(kind: str) -> Loose | None:
    return _loose.get(kind)
