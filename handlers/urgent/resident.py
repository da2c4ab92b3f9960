"""What a resident sees when their text is urgent: the help block at once, above the bot's next
message (one message: Telegram allows one a second per chat), and after filing a line saying the
coach is told now; the flow itself goes on as always. handlers/observations/flow.py calls these.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.observations import filing
from bot.urgent import alerts, detect
from bot.urgent.contacts import contacts
from handlers.common import Turn
from handlers.urgent import alert, views

View = tuple[str, InlineKeyboardMarkup]


def kind_of(turn: Turn, text: str | None) -> str | None:
    """The urgent kind of a text (None: not urgent, or urgent signals are off)."""
    if not text or not turn.services.config.urgent.enabled:
        return None
    signal = detect.check(text, turn.who.lang)
    return signal.kind if signal is not None else None


def note(turn: Turn, text: str | None, other: str | None = None) -> str | None:
    """The help block when `text` is urgent, then `other` (another note for the same message)."""
    if kind_of(turn, text) is None:
        return other
    block = views.help_block(turn.who.lang, contacts(turn.services.config))
    return f"{block}\n\n{other}" if other else block


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
