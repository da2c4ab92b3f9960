""" "Mijn meldingen": a person's own observations, page by page, and withdrawing one.

Buttons mo:<page>:pg and mo:<id>:<w|wy|wn>:<page>; ownership is checked in the database, never
taken from the button.
"""

from __future__ import annotations

import math

from telegram import Update

from bot.context import WijkContext
from bot.observations import filing
from bot.people.permissions import Action
from bot.telegram import flows
from bot.telegram.callbacks import BadCallback, MinePage, MineWithdraw
from handlers.common import Who, answer_query, any_payload, private_handler, reply
from handlers.observations import views

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
) -> None:
    assert who.actor is not None
    person_id = who.actor.id
    with context.services.db.session() as session:
        total = filing.count_for_person(session, person_id)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        items = filing.list_for_person(session, person_id, page * PAGE_SIZE, PAGE_SIZE)
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
    """mo:<page>:pg | mo:<id>:w:<page> (ask) | mo:<id>:wy:<page> (withdraw) | mo:<id>:wn:<page>"""
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
    elif pressed.step == "w":
        with context.services.db.session() as session:
            obs = filing.get_own(session, person_id, target)
        if obs is None or obs.status not in filing.WITHDRAWABLE:
            await _refuse_withdraw(update, context, who, page)
            return
        await answer_query(update)
        await reply(update, *views.withdraw_confirm(who, obs, page), edit=True)
    else:  # "wy"
        with context.services.db.session() as session:
            done = filing.withdraw(session, person_id, target, now=context.services.clock.now())
        if not done:
            await _refuse_withdraw(update, context, who, page)
            return
        await answer_query(update)
        note = who.t("observations.withdrawn", reference=f"M-{target}")
        await show_mine(update, context, who, page, edit=True, note=note)


async def _refuse_withdraw(update: Update, context: WijkContext, who: Who, page: int) -> None:
    await answer_query(update, who.t("observations.withdraw_refused"), alert=True)
    await show_mine(
        update, context, who, page, edit=True, note=who.t("observations.withdraw_refused")
    )
