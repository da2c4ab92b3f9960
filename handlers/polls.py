"""Polls in Telegram: the Peilingen menu, voting buttons, native group polls, managing, /koppel.

Buttons: pl:<poll_id>:<verb>[:<value>:<mode>] to vote, pm:<poll_id>:<action> to manage,
pm:lk:<wijk_id> to link a group. Every vote goes through bot.polls.voting.cast_vote, which
checks the poll, the audience and the option on the server; what a button says is never trusted.
"""

from __future__ import annotations

import logging
import re
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.context import WijkApplication, WijkContext
from bot.core.i18n import pick_language, t
from bot.people import persons
from bot.people.permissions import Action, Actor, load_actor
from bot.polls import delivery
from bot.polls import voting as polls
from bot.polls.tally import tally
from bot.telegram import callbacks
from bot.telegram.callbacks import BadCallback, Kind
from handlers import poll_wizard
from handlers.common import (
    Who,
    answer_query,
    button,
    esc,
    keyboard,
    menu_button,
    menu_keyboard,
    parse_callback,
    private_handler,
    reply,
    stale_button,
    who_is,
)
from models import Poll, PollKind, PollStatus, Role, Wijk

_log = logging.getLogger(__name__)

PAYLOAD = re.compile(r"^poll_(\d{1,12})$")
BUTTON_QUESTION = 40
MAX_CLOSED_LISTED = 5


def _short(text: str, limit: int = BUTTON_QUESTION) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- the list ----------------------------------------------------------------------------------


def _my_wijken(actor: Actor) -> list[int]:
    return sorted(
        {
            m.wijk_id
            for m in actor.memberships
            if actor.can(Action.VOTE, m.wijk_id) or actor.can(Action.CREATE_POLL, m.wijk_id)
        }
    )


async def open_list(update: Update, context: WijkContext, who: Who) -> None:
    assert who.actor is not None
    actor = who.actor
    services = context.services
    wijken = _my_wijken(actor)
    lines = [who.t("polls.list_title")]
    rows: list[list[InlineKeyboardButton]] = []
    with services.db.session() as session:
        open_polls = polls.polls_in(session, wijken, PollStatus.OPEN.value)
        closed = polls.polls_in(session, wijken, PollStatus.CLOSED.value, MAX_CLOSED_LISTED)
        visible_open = [
            p
            for p in open_polls
            if polls.in_audience(session, p, actor.id) or polls.can_manage(actor, p)
        ]
    if visible_open:
        lines += ["", who.t("polls.list_open")]
    for p in visible_open:
        when = delivery.when(p.closes_at, who.lang, services)
        lines.append(who.t("polls.list_item_open", question=esc(p.question), when=when))
        label = who.t("polls.btn_poll_open", question=_short(p.question))
        rows.append([button(label, Kind.POLL_VOTE, p.id or 0, "show")])
        if polls.can_manage(actor, p):
            label = who.t("polls.btn_poll_manage", question=_short(p.question))
            rows.append([button(label, Kind.POLL_MANAGE, p.id or 0, "m")])
    if closed:
        lines += ["", who.t("polls.list_closed")]
    for p in closed:
        when = delivery.when(p.closed_at or p.closes_at, who.lang, services)
        lines.append(who.t("polls.list_item_closed", question=esc(p.question), when=when))
        label = who.t("polls.btn_poll_results", question=_short(p.question))
        rows.append([button(label, Kind.POLL_VOTE, p.id or 0, "res")])
    if not visible_open and not closed:
        lines += ["", who.t("polls.list_none")]
    if poll_wizard.can_create(who):
        rows.append([button(who.t("polls.menu_new"), Kind.MENU, "newpoll")])
    rows.append([menu_button(who)])
    await reply(update, "\n".join(lines), keyboard(*rows))


@private_handler()
async def list_command(update: Update, context: WijkContext, who: Who) -> None:
    await open_list(update, context, who)


# --- showing and voting ------------------------------------------------------------------------


def _load(context: WijkContext, poll_id: int) -> tuple[Poll, list[Any], str]:
    with context.services.db.session() as session:
        poll = session.get(Poll, poll_id)
        if poll is None:
            raise polls.PollError("polls.err_no_poll")
        options = polls.options_of(session, poll_id)
        wijk = session.get(Wijk, poll.wijk_id)
    return poll, options, wijk.name if wijk else ""


def _may_see(context: WijkContext, actor: Actor, poll: Poll) -> bool:
    if polls.can_manage(actor, poll):
        return True
    with context.services.db.session() as session:
        return polls.in_audience(session, poll, actor.id)


async def show_poll(
    update: Update, context: WijkContext, who: Who, poll_id: int, *, edit: bool
) -> None:
    """The poll with its buttons for this person: their own vote, or the results if closed."""
    assert who.actor is not None
    poll, options, wijk_name = _load(context, poll_id)
    services = context.services
    if poll.status == PollStatus.CANCELLED.value:
        await reply(update, who.t("polls.results_cancelled"), menu_keyboard(who), edit=edit)
        return
    if not polls.is_open(poll, services.clock.now()):
        await show_results(update, context, who, poll, edit=edit)
        return
    with services.db.session() as session:
        if not polls.in_audience(session, poll, who.actor.id):
            raise polls.PollError("polls.err_not_audience")
        chosen = polls.current_vote(session, poll_id, who.actor.id)
    text = delivery.poll_text(poll, options, who.lang, services, wijk_name, chosen=chosen)
    markup = delivery.vote_keyboard(poll, options, who.lang, voted=bool(chosen))
    await reply(update, text, markup, edit=edit)


async def show_results(
    update: Update, context: WijkContext, who: Who, poll: Poll, *, edit: bool
) -> None:
    assert who.actor is not None and poll.id is not None
    if not _may_see(context, who.actor, poll) and poll.wijk_id not in _my_wijken(who.actor):
        raise polls.PollError("polls.err_not_audience")
    services = context.services
    back = keyboard([button(who.t("polls.menu"), Kind.MENU, "polls")], [menu_button(who)])
    if poll.status == PollStatus.CANCELLED.value:
        await reply(update, who.t("polls.results_cancelled"), back, edit=edit)
        return
    still_open = poll.status == PollStatus.OPEN.value
    if still_open and poll.hide_results:
        when = delivery.when(poll.closes_at, who.lang, services)
        await reply(update, who.t("polls.results_hidden", when=when), back, edit=edit)
        return
    with services.db.session() as session:
        result = tally(session, poll.id)
    text = delivery.results_text(result, who.lang, interim=still_open)
    await reply(update, text, back, edit=edit)


async def _refuse(update: Update, who: Who, err: polls.PollError) -> None:
    await answer_query(update, who.t(err.key, **err.values), alert=True)


@private_handler()
async def vote_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """pl:<poll_id>:show|chg|res | o:<option_id>:<mode> | t/s:<mask>:<mode> | r/R:<order>:<mode>"""
    cb = parse_callback(update)
    poll_id, verb = cb.int(0), cb.arg(1)
    assert who.actor is not None
    try:
        if verb == "show":
            await answer_query(update)
            await show_poll(update, context, who, poll_id, edit=True)
            return
        if verb == "res":
            poll, _, _ = _load(context, poll_id)
            await answer_query(update)
            await show_results(update, context, who, poll, edit=False)
            return
        await _vote_step(update, context, who, cb, poll_id, verb)
    except polls.PollError as err:
        await _refuse(update, who, err)
        if err.key == "polls.err_already_voted":
            await show_poll(update, context, who, poll_id, edit=True)


async def _vote_step(
    update: Update,
    context: WijkContext,
    who: Who,
    cb: callbacks.Callback,
    poll_id: int,
    verb: str,
) -> None:
    assert who.actor is not None
    services = context.services
    poll, options, wijk_name = _load(context, poll_id)
    now = services.clock.now()
    if poll.status == PollStatus.CANCELLED.value:
        raise polls.PollError("polls.err_no_poll")
    if not polls.is_open(poll, now):
        raise polls.PollError("polls.err_closed")
    with services.db.session() as session:
        if not who.actor.can(Action.VOTE, poll.wijk_id) or not polls.in_audience(
            session, poll, who.actor.id
        ):
            raise polls.PollError("polls.err_not_audience")
    if verb == "chg":
        await answer_query(update)
        text = delivery.poll_text(poll, options, who.lang, services, wijk_name)
        markup = delivery.vote_keyboard(poll, options, who.lang, mode="c")
        await reply(update, text, markup, edit=True)
        return
    mode = cb.arg(3)
    if mode not in ("n", "c"):
        raise BadCallback("mode")
    expected = {
        "o": PollKind.SINGLE.value,
        "t": PollKind.MULTIPLE.value,
        "s": PollKind.MULTIPLE.value,
        "r": PollKind.RANKING.value,
        "R": PollKind.RANKING.value,
    }
    if verb not in expected:
        raise BadCallback(f"verb {verb}")
    if expected[verb] != poll.kind:
        raise polls.PollError("polls.err_bad_option")
    if verb == "t":
        mask = _mask(cb.int(2), len(options))
        await answer_query(update)
        text = delivery.poll_text(poll, options, who.lang, services, wijk_name)
        markup = delivery.vote_keyboard(poll, options, who.lang, mode=mode, mask=mask)
        await reply(update, text, markup, edit=True)
        return
    if verb == "r":
        order = _order(cb.arg(2), len(options))
        await answer_query(update)
        text = delivery.poll_text(poll, options, who.lang, services, wijk_name, order=order)
        markup = delivery.vote_keyboard(poll, options, who.lang, mode=mode, order=order)
        await reply(update, text, markup, edit=True)
        return
    with services.db.session() as session:
        if verb == "o":
            option_ids = [cb.int(2)]
        elif verb == "s":
            mask = _mask(cb.int(2), len(options))
            positions = [o.position for o in options if mask & (1 << o.position)]
            if not positions:
                raise polls.PollError("polls.err_pick_one")
            option_ids = polls.option_ids_at(session, poll_id, positions)
        else:
            order = _order(cb.arg(2), len(options))
            if not order:
                raise polls.PollError("polls.err_pick_one")
            option_ids = polls.option_ids_at(session, poll_id, order)
        outcome = polls.cast_vote(session, who.actor, poll_id, option_ids, now, change=mode == "c")
        chosen = polls.current_vote(session, poll_id, who.actor.id)
    # Confirmed only now: the vote is committed.
    key = "polls.vote_changed" if outcome is polls.VoteOutcome.CHANGED else "polls.voted"
    await answer_query(update, who.t(key))
    text = delivery.poll_text(poll, options, who.lang, services, wijk_name, chosen=chosen)
    text += "\n\n" + who.t(key)
    markup = delivery.vote_keyboard(poll, options, who.lang, voted=True)
    await reply(update, text, markup, edit=True)


def _mask(value: int, count: int) -> int:
    if value < 0 or value >> count:
        raise polls.PollError("polls.err_bad_option")  # a bit for an option that does not exist
    return value


def _order(raw: str, count: int) -> list[int]:
    order = delivery.decode_order(raw)
    if len(set(order)) != len(order) or any(p >= count for p in order):
        raise polls.PollError("polls.err_bad_option")
    return order


async def open_poll_link(update: Update, context: WijkContext, who: Who, payload: str) -> bool:
    """/start poll_<id> (the group's button for ranking polls). False: let /start go on."""
    match = PAYLOAD.match(payload)
    if match is None or who.actor is None or who.wijk_id is None:
        return False
    try:
        await show_poll(update, context, who, int(match.group(1)), edit=False)
    except polls.PollError as err:
        await reply(update, who.t(err.key, **err.values), menu_keyboard(who))
    return True


# --- native group polls ------------------------------------------------------------------------


async def poll_answer(update: Update, context: WijkContext) -> None:
    """A vote (or a retraction: no options) in a native poll this bot sent to a group."""
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return
    services = context.services
    user = answer.user
    with services.db.session() as session:
        poll = polls.poll_by_telegram_id(session, answer.poll_id)
        if poll is None or poll.id is None:
            return  # not one of ours
        actor = load_actor(session, user.id)
    lang = (
        actor.person.language
        if actor
        else pick_language(user.language_code, services.config.general.default_language)
    )
    try:
        if actor is None:
            raise polls.PollError("polls.err_not_audience")
        with services.db.session() as session:
            option_ids = polls.option_ids_at(session, poll.id, list(answer.option_ids))
            # A new answer replaces the previous one: a change, not a second vote.
            polls.cast_vote(session, actor, poll.id, option_ids, services.clock.now(), change=True)
    except polls.PollError as err:
        reason = t(lang, err.key, **err.values)
        try:
            await context.bot.send_message(
                user.id,
                t(lang, "polls.group_refused", reason=reason),
                reply_markup=InlineKeyboardMarkup(
                    [[button(t(lang, "menu.start"), Kind.MENU, "start")]]
                ),
            )
        except TelegramError as exc:  # never started the bot: Telegram lets us not write first
            _log.info("could not tell user about a refused group vote: %s", exc)


# --- managing ----------------------------------------------------------------------------------


async def manage_pressed(update: Update, context: WijkContext) -> None:
    cb = parse_callback(update)
    if cb.args and cb.args[0] == "lk":
        await link_pressed(update, context)
        return
    await _manage(update, context)


@private_handler()
async def _manage(update: Update, context: WijkContext, who: Who) -> None:
    """pm:<poll_id>:m | cl | clY | cx | cxY"""
    cb = parse_callback(update)
    poll_id, action = cb.int(0), cb.arg(1)
    assert who.actor is not None
    services = context.services
    try:
        poll, _, _ = _load(context, poll_id)
    except polls.PollError as err:
        await _refuse(update, who, err)
        return
    if not polls.can_manage(who.actor, poll):
        await _refuse(update, who, polls.PollError("polls.err_not_manager"))
        return
    if poll.status != PollStatus.OPEN.value:
        await _refuse(update, who, polls.PollError("polls.err_not_open"))
        return
    await answer_query(update)
    back = [button(who.t("polls.menu"), Kind.MENU, "polls")]
    if action == "m":
        with services.db.session() as session:
            voters = tally(session, poll_id).voters
        text = who.t(
            "polls.manage",
            question=esc(poll.question),
            voters=voters,
            when=delivery.when(poll.closes_at, who.lang, services),
        )
        markup = keyboard(
            [button(who.t("polls.btn_close_now"), Kind.POLL_MANAGE, poll_id, "cl")],
            [button(who.t("polls.btn_cancel_poll"), Kind.POLL_MANAGE, poll_id, "cx")],
            back,
        )
        await reply(update, text, markup, edit=True)
    elif action in ("cl", "cx"):
        key, yes = (
            ("polls.confirm_close", "polls.btn_yes_close")
            if action == "cl"
            else ("polls.confirm_cancel", "polls.btn_yes_cancel")
        )
        markup = keyboard(
            [button(who.t(yes), Kind.POLL_MANAGE, poll_id, action + "Y")],
            [button(who.t("common.back"), Kind.POLL_MANAGE, poll_id, "m")],
        )
        await reply(update, who.t(key), markup, edit=True)
    elif action == "clY":
        done = await delivery.close_now(cast(WijkApplication, context.application), poll_id)
        key = "polls.closed_now" if done else "polls.err_not_open"
        await reply(update, who.t(key), keyboard(back, [menu_button(who)]), edit=True)
    elif action == "cxY":
        done = await delivery.cancel_now(cast(WijkApplication, context.application), poll_id)
        key = "polls.cancelled_now" if done else "polls.err_not_open"
        await reply(update, who.t(key), keyboard(back, [menu_button(who)]), edit=True)
    else:
        raise BadCallback(f"manage action {action}")


# --- linking a group ---------------------------------------------------------------------------


def _link_wijken(actor: Actor) -> list[int]:
    return [
        w
        for w in actor.wijken_with(Role.BIG, Role.COACH, Role.ADMIN)
        if actor.can(Action.LINK_GROUP, w)
    ]


async def _group_admin(context: WijkContext, chat_id: int, user_id: int) -> bool | None:
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        _log.info("get_chat_member failed in %s: %s", chat_id, exc)
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
        rows = [
            [button(w.name, Kind.POLL_MANAGE, "lk", w.id or 0)]
            for wid in wijken
            if (w := persons.wijk_by_id(session, wid)) is not None
        ]
    await reply(update, who.t("polls.koppel_choose"), keyboard(*rows))


async def link_pressed(update: Update, context: WijkContext) -> None:
    """pm:lk:<wijk_id>, pressed in the group: checked again for whoever pressed it."""
    who = who_is(update, context.services)
    chat = update.effective_chat
    if who is None or chat is None:
        return
    try:
        wijk_id = parse_callback(update).int(1)
    except BadCallback:
        await stale_button(update, who)
        return
    if chat.type == ChatType.PRIVATE:
        await answer_query(update, who.t("polls.koppel_private"), alert=True)
        return
    if who.actor is None or wijk_id not in _link_wijken(who.actor):
        bot_name = context.services.bot_username
        await answer_query(
            update, who.t("polls.koppel_not_allowed", bot=bot_name)[:200], alert=True
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
        polls.link_group(session, who.actor, chat_id, wijk_id, title, services.clock.now())
        wijk = persons.wijk_by_id(session, wijk_id)
    await reply(update, who.t("polls.koppel_ok", wijk=esc(wijk.name if wijk else "")), edit=edit)
