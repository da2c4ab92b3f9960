"""Where buttons, free text, photos, locations and menu presses go: plain data that
bot/wiring.py builds once per Application (`WijkApplication.routes`, read as `context.routes`).

A button goes to the handler of its kind (`presses`, by the kind in its callback data: one
CallbackQueryHandler for all of them, `pressed`); a kind without one, or data without a kind we
know, to `unknown_press` ("this button no longer works").

During a flow, text and media go to the flow's step (`text_steps` / `media_steps`, by flow
name). A message none of its steps can take (a sticker, a voice message, a forward, an edit, a
photo or location in a flow without a media step) goes to the flow's table (`tables`, by flow
name), whose `not_taken` says so and shows the current step again: the draft and the way on
stay. A run left halfway says what its table's
`unsent` says is not sent (handlers/common.py). Text or media in a flow without such a step are
never offered as an observation (that would end the flow): the person is sent back to the
flow's message. Text that ended a run and comes again (Telegram delivers it again when the bot
died before confirming it) goes to that flow's `text_again`, which shows what the run stored.
Outside any flow, a text sent with Telegram's Reply to one of the bot's messages goes first to
`replied` (the coach's answer: the reply to the coach); then to `option_typed` (an option of
the poll on screen, typed instead of pressed: the poll again); then `loose_text` / `loose_media`
decide (the residents' feature asks whether to file it as an observation); without one, the
person gets the menu (handlers/menu.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bot.context import WijkContext
from bot.telegram import flows
from bot.telegram.callbacks import Kind, kind_of
from bot.telegram.flow_table import FlowTable
from handlers.common import Who
from handlers.main_menu import MenuEntry

Step = Callable[[Update, WijkContext, Who, flows.Flow], Awaitable[None]]
Again = Callable[[Update, WijkContext, Who, flows.Flow], Awaitable[bool]]
# A message no step takes, in a flow without a table: why, and its step again (True: shown).
ShownAgain = Callable[[Update, WijkContext, Who, flows.Flow, str], Awaitable[bool]]
Loose = Callable[[Update, WijkContext, Who], Awaitable[None]]
Replied = Callable[[Update, WijkContext, Who], Awaitable[bool]]
Press = Callable[[Update, WijkContext], Awaitable[None]]


@dataclass(frozen=True)
class Routes:
    # Each kind of button to its one handler.
    presses: Mapping[Kind, Press] = field(default_factory=dict)
    unknown_press: Press | None = None
    text_steps: Mapping[str, Step] = field(default_factory=dict)
    media_steps: Mapping[str, Step] = field(default_factory=dict)
    text_again: Mapping[str, Again] = field(default_factory=dict)
    # Every flow's table, by flow name: what a message no step takes, and leaving a run
    # halfway, say (FlowTable.not_taken, FlowTable.unsent).
    tables: Mapping[str, FlowTable[Any, Any]] = field(default_factory=dict)
    # Flows without a table ("Over jou") that answer such a message the same way.
    shown_again: Mapping[str, ShownAgain] = field(default_factory=dict)
    # A text sent with Telegram's Reply to one of the bot's messages, outside any flow: True
    # when it was taken as the answer to that message.
    replied: Replied | None = None
    # A text outside any flow that names an option of the poll on screen (typed instead of
    # pressed): True when that poll was shown again with "press its button".
    option_typed: Replied | None = None
    loose_text: Loose | None = None
    loose_media: Loose | None = None
    # Someone who has not pressed Akkoord yet sends or presses what needs it: the privacy
    # statement with Akkoord (handlers/common.py `private_handler`).
    not_joined: Loose | None = None
    # The main menu's entries, in the order they are shown.
    menu: tuple[MenuEntry, ...] = ()
    # The command menu of private chats, in this order (each chat shows those the person's
    # roles let them use: bot/telegram/command_menu.py).
    private_commands: tuple[str, ...] = ()
    # The command menu of groups (/uitleg lists them for those who may link a group).
    group_commands: tuple[str, ...] = ()


async def pressed(update: Update, context: WijkContext) -> None:
    """Every button press: to the handler of its kind (one lookup instead of a regex per kind
    tried in turn; the handler checks the rest of the data and the person's rights)."""
    query = update.callback_query
    routes = context.routes
    kind = kind_of(query.data) if query is not None else None
    handler = (routes.presses.get(kind) if kind is not None else None) or routes.unknown_press
    if handler is not None:
        await handler(update, context)
