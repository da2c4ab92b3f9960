"""Managing a poll (pm:<poll_id>:m, close or cancel it now) and linking a group to a wijk
(/koppel in the group, pm:lk:<wijk_id>); both checked again for whoever presses. A group linked
to a wijk is moved only by someone who may link groups for that wijk; anyone else is told which
wijk it is linked to."""

from __future__ import annotations

import logging
from typing import cast

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.context import WijkApplication, WijkContext
from bot.core.logs import pseudonym
from bot.core.text import utf16_cut
from bot.people import persons
from bot.people.permissions import Action, Actor
from bot.polls import delivery, groups
from bot.polls import voting as polls
from bot.polls.tally import tally
from bot.telegram.callbacks import BadCallback, GroupLinkPick, Kind, PollManage
from handlers.common import (
    ALERT_LIMIT,
    Who,
    answer_query,
    esc,
    menu_keyboard,
    payload,
    private_handler,
    reply,
    stale_button,
    who_is,
)
from handlers.polls import views
from handlers.polls.voting import load, refuse
from models import PollStatus, Role

_log = logging.getLogger(__name__)


# --- managing ----------------------------------------------------------------------------------


async def manage_pressed(update: Update, context: WijkContext) -> None:
    query = update.callback_query
    # Linking is pressed in a group, where private_handler would refuse; it checks for itself.
    if query is not None and (query.data or "").startswith(f"{Kind.POLL_MANAGE.value}:lk:"):
        await link_pressed(update, context)
        return
    await _manage(update, context)


@private_handler()
async def _manage(update: Update, context: WijkContext, who: Who) -> None:
    """pm:<poll_id>:m | cl | clY | cx | cxY"""
    pressed = payload(update, PollManage)
    poll_id, action = pressed.poll_id, pressed.action
    assert who.actor is not None
    services = context.services
    try:
        poll, _, _ = load(context, poll_id)
        if not polls.can_manage(who.actor, poll):
            raise polls.PollError("polls.err_not_manager")
        if poll.status == PollStatus.CANCELLED.value:
            raise polls.PollError("polls.err_already_cancelled")
        if poll.status != PollStatus.OPEN.value:
            raise polls.PollError("polls.err_not_open")
    except polls.PollError as err:
        await refuse(update, who, err)
        return
    await answer_query(update)
    if action == "m":
        with services.db.session() as session:
            voters = tally(session, poll_id).voters
        when = delivery.when(poll.closes_at, who.lang, services)
        await reply(update, *views.manage(who, poll, voters, when), edit=True)
    elif action in ("cl", "cx"):
        await reply(update, *views.manage_confirm(who, poll_id, action), edit=True)
    elif action == "clY":
        done = await delivery.close_now(cast(WijkApplication, context.application), poll_id)
        key = "polls.closed_now" if done else "polls.err_not_open"
        await reply(update, *views.managed(who, key), edit=True)
    else:  # "cxY"
        done = await delivery.cancel_now(cast(WijkApplication, context.application), poll_id)
        key = "polls.cancelled_now" if done else "polls.err_not_open"
        await reply(update, *views.managed(who, key), edit=True)


# --- linking a group ---------------------------------------------------------------------------


def _link_wijken(actor: Actor) -> list[int]:
    return [
        w
        for w in actor.wijken_with(Role.BIG, Role.COACH, Role.ADMIN)
        if actor.can(Action.LINK_GROUP, w)
    ]


def _held_by(context: WijkContext, who: Who, chat_id: int) -> str | None:
    """The name of the wijk this group is linked to, when this person may not link groups for
    that wijk (only its own BIG members and wijkcoaches move its group)."""
    assert who.actor is not None
    with context.services.db.session() as session:
        wijk_id = groups.held_by_another_wijk(session, who.actor, chat_id)
        wijk = persons.wijk_by_id(session, wijk_id) if wijk_id is not None else None
    if wijk_id is None:
        return None
    return wijk.name if wijk is not None else ""


async def _group_admin(context: WijkContext, chat_id: int, user_id: int) -> bool | None:
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        _log.info("get_chat_member failed in %s: %s", pseudonym(chat_id), exc)
        return None
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def koppel_command(update: Update, context: WijkContext) -> None:
    who = who_is(update, context.services)
    chat = update.effective_chat
    if who is None or chat is None:
        return
    if chat.type == ChatType.PRIVATE:
        await reply(update, who.t("polls.koppel_private"), menu_keyboard(who))
        return
    bot_name = context.services.bot_username
    if who.actor is None or not _link_wijken(who.actor):
        await reply(update, who.t("polls.koppel_not_allowed", bot=bot_name))
        return
    held = _held_by(context, who, chat.id)
    if held is not None:
        await reply(update, who.t("polls.koppel_taken", wijk=esc(held)))
        return
    admin = await _group_admin(context, chat.id, who.telegram_id)
    if admin is None:
        await reply(update, who.t("polls.koppel_check_failed"))
        return
    if not admin:
        await reply(update, who.t("polls.koppel_not_admin"))
        return
    wijken = _link_wijken(who.actor)
    if len(wijken) == 1:
        await _link(update, context, who, chat.id, chat.title or "", wijken[0])
        return
    with context.services.db.session() as session:
        named = [w for wid in wijken if (w := persons.wijk_by_id(session, wid)) is not None]
    await reply(update, *views.link_choice(who, named))


async def link_pressed(update: Update, context: WijkContext) -> None:
    """pm:lk:<wijk_id>, pressed in the group: checked again for whoever pressed it."""
    who = who_is(update, context.services)
    chat = update.effective_chat
    if who is None or chat is None:
        return
    try:
        wijk_id = payload(update, GroupLinkPick).wijk_id
    except BadCallback:
        await stale_button(update, who)
        return
    if chat.type == ChatType.PRIVATE:
        await answer_query(update, who.t("polls.koppel_private"), alert=True)
        return
    if who.actor is None or wijk_id not in _link_wijken(who.actor):
        bot_name = context.services.bot_username
        await answer_query(
            update,
            utf16_cut(who.t("polls.koppel_not_allowed", bot=bot_name), ALERT_LIMIT),
            alert=True,
        )
        return
    held = _held_by(context, who, chat.id)
    if held is not None:  # an alert is plain text: the name as it is
        await answer_query(
            update, utf16_cut(who.t("polls.koppel_taken", wijk=held), ALERT_LIMIT), alert=True
        )
        return
    if not await _group_admin(context, chat.id, who.telegram_id):
        await answer_query(update, who.t("polls.koppel_not_admin"), alert=True)
        return
    await answer_query(update)
    await _link(update, context, who, chat.id, chat.title or "", wijk_id, edit=True)


async def _link(
    update: Update,
    context: WijkContext,
    who: Who,
    chat_id: int,
    title: str,
    wijk_id: int,
    *,
    edit: bool = False,
) -> None:
    assert who.actor is not None
    services = context.services
    with services.db.session() as session:
        # Polls go to the group linked last: the one that had them until now is named.
        before = groups.group_link_for(session, wijk_id)
        other = before.title if before is not None and before.chat_id != chat_id else None
        groups.link_group(session, who.actor, chat_id, wijk_id, title, services.clock.now())
        wijk = persons.wijk_by_id(session, wijk_id)
    text = who.t("polls.koppel_ok", wijk=esc(wijk.name if wijk else ""))
    if other is not None:
        text += "\n" + who.t("polls.koppel_instead", group=esc(other))
    await reply(update, text, edit=edit)
