"""What a resident sees when their text is urgent: the help block at once, as a message of its
own, and after filing a line saying the coach is told now; the flow itself goes on as always.

The help block is shown in one place for every text typed in a private chat (`typed`, before
any handler: bot/wiring.py), before whatever answers the text: a flow's step, shown again when
it takes only buttons, the privacy statement before Akkoord, the wijk list, "als melding?". It
is a message of its own, without buttons, so nothing ever edits it: pressing a button of the
step below turns that message into the next step, and the numbers stay in the chat. (The step
comes a second later: Telegram allows one message a second per chat.) They store nothing, so
nothing stands in their way: not consent, not a flow. handlers/observations/flow.py calls the
rest (`kind_of`, `filed`).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.context import WijkContext
from bot.core.text import clean_input
from bot.observations import filing
from bot.telegram import flows
from bot.urgent import alerts, detect
from bot.urgent.contacts import contacts
from handlers.common import Turn, who_is
from handlers.urgent import alert, views

View = tuple[str, InlineKeyboardMarkup]


def signal_of(turn: Turn, text: str | None) -> detect.Signal | None:
    """What makes a text urgent (None: not urgent, or urgent signals are off)."""
    if not text or not turn.services.config.urgent.enabled:
        return None
    return detect.check(text, turn.who.lang)


def kind_of(turn: Turn, text: str | None) -> str | None:
    """The urgent kind of a text (None: not urgent, or urgent signals are off)."""
    signal = signal_of(turn, text)
    return signal.kind if signal is not None else None


def note(turn: Turn, text: str | None, other: str | None = None) -> str | None:
    """The help block for the kinds of emergency in `text` when it is urgent, then `other`
    (another note for the same message)."""
    signal = signal_of(turn, text)
    if signal is None:
        return other
    block = views.help_block(turn.who.lang, contacts(turn.services.config), signal.kinds)
    return f"{block}\n\n{other}" if other else block


async def typed(update: Update, context: WijkContext) -> None:
    """A text (or a photo's caption) in a private chat, before any handler takes it: when it
    is urgent, the help block first, as a message of its own that no step edits away; the
    answer to the text comes below it. Nothing is stored."""
    flow = flows.current(context)
    if flow is not None and (table := context.routes.tables.get(flow.name)) and table.for_others:
        return  # a coach's answer, a poll: written for others (FlowTable.for_others)
    message = update.effective_message
    text = clean_input(message.text or message.caption) if message is not None else ""
    who = who_is(update, context.services) if text else None
    if who is None:
        return
    block = note(Turn(update, context, who), text)
    if block is not None and update.effective_chat is not None:
        await update.effective_chat.send_message(block)


async def filed(turn: Turn, view: View, request_key: str, text: str | None = None) -> View:
    """The confirmation of a stored observation; when it is urgent, first a line that the coach
    is told now (and 112 again), and the coaches' message on its way, once.

    `text` (the draft's): an observation that is not urgent costs no database read."""
    services, who = turn.services, turn.who
    if who.actor is None or not services.config.urgent.enabled:
        return view
    if text is not None and kind_of(turn, text) is None:
        return view
    with services.db.session() as session:
        stored = filing.by_request_key(session, who.actor.id, request_key)
        if stored is None or stored.id is None or stored.urgent_kind is None:
            return view
        coach_told = alerts.has_coach(session, stored.wijk_id)
        claimed = alerts.claim(session, stored.id, services.clock.now())
    if claimed:
        alert.spawn(turn.context, stored.id)
    line = views.filed_note(who.lang, contacts(services.config), coach_told=coach_told)
    message, markup = view
    return f"{line}\n\n{message}", markup
