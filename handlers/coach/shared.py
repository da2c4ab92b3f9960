"""What the coach's handlers share: the Refused-aware wrapper, and delivering to a private chat."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError

from bot.context import WijkContext
from bot.observations import coach, same_matter
from bot.observations.coach import Refused
from bot.people import persons
from bot.people.permissions import Actor, PermissionDenied
from bot.telegram.sending import may_have_arrived
from handlers.coach import views
from handlers.coach.views import View, snippet
from handlers.common import Who, answer_query, menu_keyboard, private_handler, reply
from models import Observation, Person, Supporter

_log = logging.getLogger(__name__)

Coach = Callable[[Update, WijkContext, Who], Awaitable[None]]


class Delivery(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


async def refuse(update: Update, who: Who, key: str, **values: Any) -> None:
    text = who.t(key, **values)
    await answer_query(update, snippet(text, 190), alert=True)
    await reply(update, text, menu_keyboard(who))


def coach_handler(fn: Coach) -> Any:
    """private_handler plus: a Refused becomes its message (alert and chat), nothing changes."""

    @private_handler(needs_wijk=False)
    @functools.wraps(fn)
    async def inner(update: Update, context: WijkContext, who: Who) -> None:
        try:
            await fn(update, context, who)
        except Refused as refused:
            await refuse(update, who, refused.message_key, **refused.values)

    return inner


def actor(who: Who) -> Actor:
    if who.actor is None:
        raise PermissionDenied()
    return who.actor


async def deliver(
    context: WijkContext, person: Person, text: str, markup: InlineKeyboardMarkup | None
) -> Delivery:
    """Send to someone's private chat through the bot. The caller has committed already."""
    try:
        await context.bot.send_message(person.telegram_id, text, reply_markup=markup)
    except Forbidden:
        if person.id is not None:
            with context.services.db.session() as session:
                persons.mark_unreachable(session, person.id, context.services.clock.now())
        return Delivery.BLOCKED
    except TelegramError as exc:
        if may_have_arrived(exc):
            # Not sent again: the person would read it twice. If it was lost after all, they
            # still find it in the bot (docs/architecture/exactly-once.md).
            _log.warning("delivery to person %s uncertain, counted as sent: %s", person.id, exc)
            return Delivery.SENT
        _log.warning("delivery to person %s failed: %s", person.id, exc)
        return Delivery.FAILED
    return Delivery.SENT


async def to_supporters(
    context: WijkContext, obs: Observation, view: Callable[[Supporter, Person], View]
) -> None:
    """The same news the author got, to everyone who said "ik ook" to the observation (and can
    still be reached), each in their own language (`view`); the caller has committed."""
    assert obs.id is not None
    with context.services.db.session() as session:
        rows = same_matter.reachable(session, obs.id)
    for supporter, person in rows:
        await deliver(context, person, *view(supporter, person))


async def answer_to_supporters(context: WijkContext, obs: Observation) -> None:
    """The coach's answer to each supporter it has not reached yet (as for the author: marked
    once it went, so Versturen delivered again sends it only to those it missed)."""
    assert obs.id is not None
    services = context.services
    with services.db.session() as session:
        rows = same_matter.reachable(session, obs.id)
        coaches = coach.colleagues(session, obs.wijk_id)
    for supporter, person in rows:
        if supporter.answer_sent_at is not None or supporter.id is None:
            continue
        if person.id == obs.answered_by_id:  # the coach who answered said "ik ook" too
            continue
        colleague = person.id in coaches
        message = views.to_supporter_answer(person.language, obs, supporter.text, colleague)
        if await deliver(context, person, *message) is Delivery.SENT:
            with services.db.session() as session:
                same_matter.mark_answer_sent(session, supporter.id, services.clock.now())
