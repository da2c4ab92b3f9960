"""Callback data: built and parsed here only.

Format `<kind>:<arg>:<arg>…` with short ids, never names or text: Telegram allows 64 bytes and
PTB does not check (Telegram answers BUTTON_DATA_INVALID). Buttons that belong to a step of a flow
carry the flow's nonce, so a button from an older message is recognised as stale.
Never trust what a button says about permissions: handlers check on the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton

MAX_BYTES = 64
_ARG = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class Kind(StrEnum):
    # foundation
    CONSENT = "ok"  # ok:<nonce>:<yes|no>
    LANGUAGE = "lg"  # lg:<nl|en>
    WIJK = "wk"  # wk:<nonce>:<wijk_id> | wk:<nonce>:pc (postcode) | wk:<nonce>:list
    MENU = "mn"  # mn:<item>
    CANCEL = "cx"  # cx:<nonce>
    FILE_TEXT = "ft"  # ft:<nonce>:<yes|no>  (file a loose message as an observation?)
    # residents: spiegel and observations
    SPIEGEL = "sp"  # sp:<edition_id>:<category>:<page>
    REACT = "rx"  # rx:<item_id>:<verdict|c>
    OBSERVATION = "ob"  # ob:<nonce>:<step>:<value>
    MY_OBSERVATIONS = "mo"  # mo:<observation_id|page>:<action>
    PRIVACY = "pv"  # pv:<nonce>:<action>
    # coaches
    COACH = "co"  # co:<observation_id>:<action>
    DIGEST = "dg"  # dg:<wijk_id>:<action>
    DIGEST_SETTINGS = "ds"  # ds:<field>:<value>
    # polls
    POLL_WIZARD = "pw"  # pw:<nonce>:<step>:<value>
    POLL_VOTE = "pl"  # pl:<poll_id>:<option_id|action>
    POLL_MANAGE = "pm"  # pm:<poll_id>:<action>


@dataclass(frozen=True)
class Callback:
    kind: Kind
    args: tuple[str, ...]

    def arg(self, index: int) -> str:
        if index >= len(self.args):
            raise BadCallback(f"missing argument {index}")
        return self.args[index]

    def int(self, index: int) -> int:
        value = self.arg(index)
        if not value.lstrip("-").isdigit():
            raise BadCallback(f"argument {index} is not a number")
        return int(value)


class BadCallback(Exception):
    """Callback data that is malformed, tampered with or from an older version of the bot."""


def encode(kind: Kind, *args: int | str) -> str:
    parts = [str(a) for a in args]
    for part in parts:
        if not _ARG.match(part):
            raise ValueError(f"callback argument {part!r} is not a short id")
    data = ":".join([kind.value, *parts])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def parse(data: str | None) -> Callback:
    if not data or len(data.encode()) > MAX_BYTES:
        raise BadCallback("empty or too long")
    head, *args = data.split(":")
    try:
        kind = Kind(head)
    except ValueError:
        raise BadCallback(f"unknown kind {head!r}") from None
    if any(not _ARG.match(a) for a in args):
        raise BadCallback("malformed argument")
    return Callback(kind, tuple(args))


def button(text: str, kind: Kind, *args: int | str) -> InlineKeyboardButton:
    """An inline button whose data is built here, like every other callback."""
    return InlineKeyboardButton(text, callback_data=encode(kind, *args))


def pattern(kind: Kind) -> str:
    """Regex for CallbackQueryHandler(pattern=...)."""
    return rf"^{kind.value}(:|$)"
