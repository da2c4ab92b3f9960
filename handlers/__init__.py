"""Telegram handlers, one module per capability. `register_all` wires them in a fixed order."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from telegram.ext import Application


def _features() -> list[ModuleType]:
    # Order matters within a handler group: earlier modules get the first look at an update.
    from handlers import coach, digest, menu, observations, onboarding, polls, privacy, spiegel

    return [onboarding, menu, privacy, observations, spiegel, coach, digest, polls]


def register_all(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    from handlers import errors, menu

    for module in _features():
        module.register(app)
    menu.register_fallbacks(app)
    app.add_error_handler(errors.on_error)


def private_commands() -> list[str]:
    """The command menu in private chats, in this order."""
    names = ["start", "menu"]
    for module in _features():
        names += [c for c in getattr(module, "COMMANDS", ()) if c not in names]
    return [*names, "wijk", "taal", "help", "cancel"]


def group_commands() -> list[str]:
    names: list[str] = []
    for module in _features():
        names += [c for c in getattr(module, "GROUP_COMMANDS", ()) if c not in names]
    return names
