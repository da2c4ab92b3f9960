""" "Mijn meldingen": a person's own observations and those they said "ik ook" to, page by
page; withdrawing one's own, and no longer supporting someone else's.

Buttons mo:<page>:pg and mo:<id>:<w|wy|wn|u|uy>:<page>; ownership and support are checked in the
database, never taken from the button.
"""

from __future__ import annotations

import logging
import math

from telegram import Update
from telegram.error import TelegramError

from bot.context import WijkContext
from bot.core.logs import pseudonym
from bot.digest.builder import vocabulary_or_shipped
from bot.observations import filing, same_matter
from bot.people.permissions import Action
from bot.telegram import flows
from bot.telegram.callbacks import BadCallback, MinePage, MineWithdraw
from bot.telegram.sending import may_have_arrived
from handlers.common import Who, answer_query, any_payload, private_handler, reply
from handlers.observations import views
from models import ObservationStatus

_log = logging.getLogger(__name__)

PAGE_SIZE = 5


def may_send(who: Who) -> bool:
    return who.known and who.actor is not None and who.actor.can_anywhere(Action.SEND_OBSERVATION)


async def show_mine(
    update: Update,
    context: WijkContext,
    who: Who,
    page: int = 0,
    *,
    edit: bool = False,
    note: str | None = None,
    emptied: bool = False,
) -> None:
    assert who.actor is not None
    person_id = who.actor.id
    with context.services.db.session() as session:
        total = filing.count_for_person(session, person_id)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        items = filing.list_for_person(session, person_id, page * PAGE_SIZE, PAGE_SIZE)
        supported = filing.supported_texts(session, person_id, [o.id or 0 for o in items])
        wijk_names = filing.wijken_to_name(session, who.actor, items)
    services = context.services
    text, markup = views.mine(
        who,
        items,
        page,
        pages,
        themes=services.config.themes,
        tz=services.tz,
        may_send=may_send(who),
        note=note,
        supported=supported,
        emptied=emptied,
        wijk_names=wijk_names,
    )
    await reply(update, text, markup, edit=edit)


@private_handler()
async def mine_command(update: Update, context: WijkContext, who: Who) -> None:
    await flows.end(context)
    await show_mine(update, context, who)


async def mine_open(update: Update, context: WijkContext, who: Who) -> None:
    await show_mine(update, context, who)


@private_handler()
async def mine_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """mo:<page>:pg | mo:<id>:w:<page> (ask) | mo:<id>:wy:<page> (withdraw) | mo:<id>:wn:<page>
    (keep) | mo:<id>:u:<page> (ask to stop supporting) | mo:<id>:uy:<page> (stop supporting)"""
    assert who.actor is not None
    pressed = any_payload(update)
    if isinstance(pressed, MinePage):
        await answer_query(update)
        await show_mine(update, context, who, pressed.page, edit=True)
        return
    if not isinstance(pressed, MineWithdraw):
        raise BadCallback("mine")
    target, page = pressed.observation_id, pressed.page
    person_id = who.actor.id
    if pressed.step == "wn":
        await answer_query(update)
        await show_mine(update, context, who, page, edit=True)
    elif pressed.step in ("u", "uy"):
        await _unsupport(update, context, who, target, page, confirmed=pressed.step == "uy")
    elif pressed.step == "w":
        with context.services.db.session() as session:
            obs = filing.get_own(session, person_id, target)
        if obs is None or obs.status not in filing.WITHDRAWABLE:
            await _refuse_withdraw(update, context, who, target, page)
            return
        await answer_query(update)
        await reply(update, *views.withdraw_confirm(who, obs, page), edit=True)
    else:  # "wy"
        services = context.services
        with services.db.session() as session:
            carried = filing.withdraw_keeping_supporters(
                session,
                person_id,
                target,
                now=services.clock.now(),
                vocabulary=vocabulary_or_shipped(services.config.digest.vocabulary),
            )
        if carried is None:
            await _refuse_withdraw(update, context, who, target, page)
            return
        await answer_query(update)
        note = who.t("observations.withdrawn", reference=f"M-{target}")
        await show_mine(update, context, who, page, edit=True, note=note)
        for one in carried:
            await _tell_supporter(context, one)


async def _tell_supporter(context: WijkContext, one: filing.CarriedOver) -> None:
    """One message to a supporter of a withdrawn observation, through the bot's rate-limited
    requests; sent once: a failure that may have arrived is not repeated (their text is in
    "Mijn meldingen" either way)."""
    text, markup = views.to_supporter_withdrawn(one.language, one.withdrawn, one.reference)
    try:
        await context.bot.send_message(one.telegram_id, text, reply_markup=markup)
    except TelegramError as exc:
        _log.warning(
            "telling supporter %s of a withdrawal failed (may have arrived: %s): %s",
            pseudonym(one.telegram_id),
            may_have_arrived(exc),
            exc,
        )


async def _unsupport(
    update: Update, context: WijkContext, who: Who, target: int, page: int, *, confirmed: bool
) -> None:
    """Ask, then stop supporting: only the person's own supporter row, checked in the database."""
    assert who.actor is not None
    person_id = who.actor.id
    with context.services.db.session() as session:
        if confirmed:
            done = same_matter.unsupport(session, person_id, target)
        else:
            done = same_matter.supporter_of(session, person_id, target) is not None
    if not done:
        refused = who.t("observations.unsupport_refused")
        await answer_query(update, refused, alert=True)
        await show_mine(update, context, who, page, edit=True, note=refused, emptied=True)
        return
    await answer_query(update)
    reference = f"M-{target}"
    if confirmed:
        note = who.t("observations.unsupported", reference=reference)
        await show_mine(update, context, who, page, edit=True, note=note, emptied=True)
    else:
        await reply(update, *views.unsupport_confirm(who, reference, target, page), edit=True)


async def _refuse_withdraw(
    update: Update, context: WijkContext, who: Who, target: int, page: int
) -> None:
    """Why not: withdrawn already (an older list's button, or a press delivered twice), or no
    longer open, or not theirs (said as for an unknown one)."""
    assert who.actor is not None
    with context.services.db.session() as session:
        obs = filing.get_own(session, who.actor.id, target)
    if obs is not None and obs.status == ObservationStatus.WITHDRAWN.value:
        text = who.t("observations.withdraw_already", reference=obs.reference)
    else:
        text = who.t("observations.withdraw_refused")
    await answer_query(update, text, alert=True)
    await show_mine(update, context, who, page, edit=True, note=text)
