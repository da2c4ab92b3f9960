"""Polls in Telegram: the Peilingen list, voting buttons, and native group polls.

Buttons: pl:<poll_id>:show|chg|res|menu, and a vote pl:<poll_id>:<verb>:<value>:<mode>. Every vote
goes through bot.polls.voting.cast_vote, which checks the poll, the audience and the option on the
server; what a button says is never trusted. A poll that lives in the group (Telegram's own poll,
`voting.voted_in_group`) is voted on there only: in the private chat it shows its results so far
and says where to vote, never a vote button.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.context import WijkApplication, WijkContext
from bot.core.i18n import t
from bot.core.text import clean_input
from bot.people.permissions import Action, Actor, load_actor
from bot.polls import delivery
from bot.polls import voting as polls
from bot.polls.tally import tally
from bot.telegram import flows
from bot.telegram.broadcast import edit_one
from bot.telegram.callbacks import (
    BadCallback,
    MenuItem,
    PollPick,
    PollRank,
    PollToggle,
    PollView,
)
from handlers.common import (
    Who,
    answer_query,
    any_payload,
    button,
    keyboard,
    menu_button,
    menu_keyboard,
    private_handler,
    reply,
)
from handlers.main_menu import show_menu
from handlers.polls import views, wizard
from models import Poll, PollKind, PollStatus, Wijk

_log = logging.getLogger(__name__)

PAYLOAD = re.compile(r"^poll_(\d{1,12})$")
MAX_CLOSED_LISTED = 5


# --- the list ----------------------------------------------------------------------------------


def my_wijken(actor: Actor) -> list[int]:
    return sorted(
        {
            m.wijk_id
            for m in actor.memberships
            if actor.can(Action.VOTE, m.wijk_id) or actor.can(Action.CREATE_POLL, m.wijk_id)
        }
    )


def visible(who: Who) -> bool:
    """The menu's "Stemmingen": for whoever votes or makes polls somewhere. Not for a partner
    (an organisation: partners do not vote), who gets the same answer from /stemmen."""
    return who.known and who.actor is not None and bool(my_wijken(who.actor))


async def open_list(update: Update, context: WijkContext, who: Who) -> None:
    assert who.actor is not None
    actor = who.actor
    services = context.services
    wijken = my_wijken(actor)
    if not wijken:
        await answer_query(update)
        await reply(update, who.t("polls.not_for_partners"), menu_keyboard(who))
        return
    with services.db.session() as session:
        open_polls = polls.polls_in(session, wijken, PollStatus.OPEN.value)
        closed = [
            p
            for p in polls.polls_in(session, wijken, PollStatus.CLOSED.value, MAX_CLOSED_LISTED)
            if polls.may_see(session, actor, p)
        ]
        visible_open = [
            views.Listed(
                p,
                delivery.when(p.closes_at, who.lang, services),
                manage=polls.can_manage(actor, p),
                vote=polls.in_audience(session, p, actor.id) and not polls.voted_in_group(p),
                in_group=polls.voted_in_group(p),
            )
            for p in open_polls
            if polls.may_see(session, actor, p)
        ]
    listed_closed = [
        views.Listed(p, delivery.when(p.closed_at or p.closes_at, who.lang, services))
        for p in closed
    ]
    text, markup = views.poll_list(
        who, visible_open, listed_closed, can_create=wizard.can_create(who)
    )
    await reply(update, text, markup)


@private_handler()
async def list_command(update: Update, context: WijkContext, who: Who) -> None:
    await flows.end(context)  # as /spiegel and /mijnmeldingen: another screen
    await open_list(update, context, who)


# --- showing and voting ------------------------------------------------------------------------


def load(context: WijkContext, poll_id: int) -> tuple[Poll, list[Any], str]:
    with context.services.db.session() as session:
        poll = session.get(Poll, poll_id)
        if poll is None:
            raise polls.PollError("polls.err_no_poll")
        options = polls.options_of(session, poll_id)
        wijk = session.get(Wijk, poll.wijk_id)
    return poll, options, wijk.name if wijk else ""


async def show_poll(
    update: Update,
    context: WijkContext,
    who: Who,
    poll_id: int,
    *,
    edit: bool,
    note: str | None = None,
) -> None:
    """The poll with its buttons for this person: their own vote, or the results if closed (or
    so far, for a poll that is voted on in the group). `note`: above the open poll."""
    assert who.actor is not None
    poll, options, wijk_name = load(context, poll_id)
    services = context.services
    if not polls.is_open(poll, services.clock.now()) or polls.voted_in_group(poll):
        await show_results(update, context, who, poll, edit=edit)
        return
    with services.db.session() as session:
        if not polls.may_vote(session, who.actor, poll):
            raise polls.PollError("polls.err_not_audience")
        chosen = polls.current_vote(session, poll_id, who.actor.id)
    # Answered only now: a refusal above is the query's answer (an alert the person sees).
    await answer_query(update)
    text = delivery.poll_text(poll, options, who.lang, services, wijk_name, chosen=chosen)
    if note is not None:
        text = f"{note}\n\n{text}"
    markup = delivery.vote_keyboard(poll, options, who.lang, voted=bool(chosen))
    sent = await reply(update, text, markup, edit=edit)
    await _buttons_shown(update, context, who, poll_id, sent, edit=edit)


async def _buttons_shown(
    update: Update,
    context: WijkContext,
    who: Who,
    poll_id: int,
    sent: Message | None,
    *,
    edit: bool,
) -> None:
    """The message just sent or edited (`sent`; None: the pressed one, unchanged) shows the
    poll's vote buttons: it is recorded as one of the poll's vote messages, so that closing or
    cancelling the poll takes its buttons off, like those of the broadcast. Did the poll close
    meanwhile (a vote pressed as it closed, after the close had edited this message), the
    message says so now, with their vote, without buttons: they never come back."""
    assert who.actor is not None
    message = sent
    query_message = update.callback_query.message if update.callback_query else None
    if message is None and edit and isinstance(query_message, Message):
        message = query_message
    if message is None:
        return
    services = context.services
    with services.db.session() as session:
        still_open = polls.vote_buttons_shown(
            session, poll_id, who.actor.id, message.message_id, services.clock.now()
        )
    if still_open:
        return
    poll, options, wijk_name = load(context, poll_id)
    with services.db.session() as session:
        chosen = polls.current_vote(session, poll_id, who.actor.id)
    text = delivery.ended_vote_text(poll, options, who.lang, wijk_name, chosen)
    await edit_one(
        context.bot, message.chat_id, message.message_id, text, what=f"poll {poll_id}, ended"
    )
    with services.db.session() as session:
        now = services.clock.now()
        polls.vote_buttons_removed(session, poll_id, who.actor.id, message.message_id, now)


async def option_typed(update: Update, context: WijkContext, who: Who) -> bool:
    """A text outside any flow that names an option of the poll whose vote buttons this person
    has on screen ("Speeltuin" typed instead of pressed): that poll again, as a new message at
    the bottom, saying to press the option's button. Not "als melding?" for a vote."""
    message = update.effective_message
    if who.actor is None or message is None or message.text is None:
        return False
    text = clean_input(message.text)
    with context.services.db.session() as session:
        poll_id = polls.option_typed(session, who.actor.id, text)
    if poll_id is None:
        return False
    try:
        await show_poll(update, context, who, poll_id, edit=False, note=who.t("polls.option_typed"))
    except polls.PollError:  # no longer theirs to vote in (moved, a role taken back)
        return False
    return True


async def show_results(
    update: Update, context: WijkContext, who: Who, poll: Poll, *, edit: bool
) -> None:
    assert who.actor is not None and poll.id is not None
    services = context.services
    with services.db.session() as session:
        if not polls.may_see(session, who.actor, poll):
            raise polls.PollError("polls.err_not_audience")
    await answer_query(update)
    back = keyboard([button(who.t("polls.menu"), MenuItem("polls"))], [menu_button(who)])
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
    if still_open:
        text = delivery.results_text(result, who.lang, interim=True)
        if polls.voted_in_group(poll):
            text += "\n\n" + who.t("polls.vote_in_group")
    else:  # as the creator's result said it: with the group's "Niet meegeteld" line, if any
        text = delivery.closed_results_text(poll, result, who.lang)
    await reply(update, text, back, edit=edit)


async def refuse(update: Update, who: Who, err: polls.PollError) -> None:
    await answer_query(update, who.t(err.key, **err.values), alert=True)


@private_handler()
async def vote_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """pl:<poll_id>:show|chg|res|menu, or a vote: o (single), t/s (multiple), r/R (ranking)."""
    pressed = any_payload(update)
    if not isinstance(pressed, PollView | PollPick | PollToggle | PollRank):
        raise BadCallback("not a vote button")
    poll_id = pressed.poll_id
    assert who.actor is not None
    try:
        if isinstance(pressed, PollView) and pressed.view == "show":
            await show_poll(update, context, who, poll_id, edit=True)
            return
        if isinstance(pressed, PollView) and pressed.view == "menu":
            await _leave_for_menu(update, context, who, poll_id)
            return
        if isinstance(pressed, PollView) and pressed.view == "res":
            poll, _, _ = load(context, poll_id)
            await show_results(update, context, who, poll, edit=False)
            return
        await _vote_step(update, context, who, pressed)
    except polls.PollError as err:
        await refuse(update, who, err)
        if err.key == "polls.err_already_voted":
            await show_poll(update, context, who, poll_id, edit=True)
        elif err.key == "polls.err_vote_in_group":
            # An older message's vote button: it shows the results so far and where to vote,
            # if they may see them (else the alert was all).
            with contextlib.suppress(polls.PollError):
                await show_poll(update, context, who, poll_id, edit=True)


async def _leave_for_menu(update: Update, context: WijkContext, who: Who, poll_id: int) -> None:
    """ "Naar het menu" under the poll: the menu in that message, as everywhere. Was it the
    vote message the poll went out as, it is no longer: closing the poll does not edit it."""
    assert who.actor is not None
    message = update.effective_message
    if message is not None:
        services = context.services
        with services.db.session() as session:
            now = services.clock.now()
            polls.vote_buttons_removed(session, poll_id, who.actor.id, message.message_id, now)
    await answer_query(update)
    await flows.end(context)
    await show_menu(update, context, who, edit=True)


@dataclass(frozen=True)
class _Ballot:
    """An open poll this person may vote in, as they are about to."""

    poll: Poll
    options: list[Any]
    wijk_name: str


# The poll kind each vote button belongs to: a button of another kind is forged.
_BUTTON_KIND: dict[type, str] = {
    PollPick: PollKind.SINGLE.value,
    PollToggle: PollKind.MULTIPLE.value,
    PollRank: PollKind.RANKING.value,
}


def _ballot(context: WijkContext, actor: Actor, poll_id: int) -> _Ballot:
    poll, options, wijk_name = load(context, poll_id)
    with context.services.db.session() as session:
        polls.check_may_vote(session, actor, poll, context.services.clock.now())
    return _Ballot(poll, options, wijk_name)


async def _vote_step(
    update: Update,
    context: WijkContext,
    who: Who,
    pressed: PollView | PollPick | PollToggle | PollRank,
) -> None:
    assert who.actor is not None
    ballot = _ballot(context, who.actor, pressed.poll_id)
    if isinstance(pressed, PollView):  # "chg": the buttons again, to change the vote
        await _show_ballot(update, context, who, ballot, change=True)
        return
    if _BUTTON_KIND[type(pressed)] != ballot.poll.kind:
        raise polls.PollError("polls.err_bad_option")
    count = len(ballot.options)
    if isinstance(pressed, PollToggle) and not pressed.submit:
        mask = _mask(pressed.mask, count)
        await _show_ballot(update, context, who, ballot, change=pressed.change, mask=mask)
        return
    if isinstance(pressed, PollRank) and not pressed.submit:
        order = _order(pressed.order, count)
        await _show_ballot(update, context, who, ballot, change=pressed.change, order=order)
        return
    await _cast(update, context, who, ballot, pressed)


async def _show_ballot(
    update: Update,
    context: WijkContext,
    who: Who,
    ballot: _Ballot,
    *,
    change: bool,
    mask: int = 0,
    order: Sequence[int] = (),
) -> None:
    """The poll with its voting buttons, with what is ticked or ranked so far (not stored)."""
    await answer_query(update)
    poll, options = ballot.poll, ballot.options
    services = context.services
    text = delivery.poll_text(poll, options, who.lang, services, ballot.wijk_name, order=order)
    markup = delivery.vote_keyboard(poll, options, who.lang, change=change, mask=mask, order=order)
    sent = await reply(update, text, markup, edit=True)
    assert poll.id is not None
    await _buttons_shown(update, context, who, poll.id, sent, edit=True)


async def _cast(
    update: Update,
    context: WijkContext,
    who: Who,
    ballot: _Ballot,
    pressed: PollPick | PollToggle | PollRank,
) -> None:
    assert who.actor is not None
    services = context.services
    poll, options, poll_id = ballot.poll, ballot.options, pressed.poll_id
    with services.db.session() as session:
        if isinstance(pressed, PollPick):
            option_ids = [pressed.option_id]
        elif isinstance(pressed, PollToggle):
            mask = _mask(pressed.mask, len(options))
            positions = [o.position for o in options if mask & (1 << o.position)]
            option_ids = polls.option_ids_at(session, poll_id, _at_least_one(positions))
        else:
            order = _order(pressed.order, len(options))
            option_ids = polls.option_ids_at(session, poll_id, _at_least_one(order))
        now = services.clock.now()
        outcome = polls.cast_vote(
            session, who.actor, poll_id, option_ids, now, change=pressed.change
        )
        chosen = polls.current_vote(session, poll_id, who.actor.id)
    # Confirmed only now: the vote is committed.
    key = "polls.vote_changed" if outcome is polls.VoteOutcome.CHANGED else "polls.voted"
    await answer_query(update, who.t(key))
    text = delivery.poll_text(poll, options, who.lang, services, ballot.wijk_name, chosen=chosen)
    text += "\n\n" + who.t(key)
    markup = delivery.vote_keyboard(poll, options, who.lang, voted=True)
    sent = await reply(update, text, markup, edit=True)
    await _buttons_shown(update, context, who, poll_id, sent, edit=True)


def _at_least_one(positions: list[int]) -> list[int]:
    if not positions:
        raise polls.PollError("polls.err_pick_one")
    return positions


def _mask(value: int, count: int) -> int:
    if value >> count:
        raise polls.PollError("polls.err_bad_option")  # a bit for an option that does not exist
    return value


def _order(order: Sequence[int], count: int) -> list[int]:
    if len(set(order)) != len(order) or any(p >= count for p in order):
        raise polls.PollError("polls.err_bad_option")
    return list(order)


def poll_in_link(payload: str) -> int | None:
    """The poll a /start payload names (poll_<id>: the group's button for ranking polls)."""
    match = PAYLOAD.match(payload)
    return int(match.group(1)) if match else None


async def open_poll_link(update: Update, context: WijkContext, who: Who, payload: str) -> bool:
    """/start poll_<id> (the group's button for ranking polls). False: let /start go on."""
    poll_id = poll_in_link(payload)
    if poll_id is None or who.actor is None or who.wijk_id is None:
        return False
    try:
        await show_poll(update, context, who, poll_id, edit=False)
    except polls.PollError as err:
        await reply(update, who.t(err.key, **err.values), menu_keyboard(who))
    return True


async def poll_after_joining(update: Update, context: WijkContext, who: Who, poll_id: int) -> None:
    """A newcomer from the group's link has chosen a wijk: the wijk list becomes the poll they
    came for, or the menu with why it is not theirs (another wijk's poll, say)."""
    try:
        await show_poll(update, context, who, poll_id, edit=True)
    except polls.PollError as err:
        await show_menu(update, context, who, edit=True, note=who.t(err.key, **err.values))


# --- native group polls ------------------------------------------------------------------------


async def poll_answer(update: Update, context: WijkContext) -> None:
    """A vote (or a retraction: no options) in a native poll this bot sent to a group."""
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return
    services = context.services
    with services.db.session() as session:
        poll = polls.poll_by_telegram_id(session, answer.poll_id)
        if poll is None or poll.id is None:
            return  # not one of ours
        actor = load_actor(session, answer.user.id)
    # Never started the bot (or never agreed), actor None: Telegram lets a bot not write first,
    # and nothing is stored about them. The group's result counts their vote as not counted.
    if actor is not None:
        await _answered(context, poll.id, actor, answer.option_ids)
    if poll.status == PollStatus.OPEN.value and not polls.is_open(poll, services.clock.now()):
        # Past its closing time, and the sweep has not come by yet: close it now (this answer
        # is kept as one that came too late), so that Telegram's poll stops taking answers.
        await delivery.close_now(cast(WijkApplication, context.application), poll.id)


async def _answered(
    context: WijkContext, poll_id: int, actor: Actor, option_ids: Sequence[int]
) -> None:
    """Someone known to the bot answered: a vote, or why it does not count (told once)."""
    services = context.services
    try:
        with services.db.session() as session:
            # A new answer replaces the previous one: a change, not a second vote. One that
            # does not count is kept as such, for the group's result.
            now = services.clock.now()
            polls.answer_in_group(session, actor, poll_id, list(option_ids), now)
    except polls.PollError as err:
        # Told once per poll: not again on every change of their answer, and not when they take
        # it back (bot/polls/refusals.py).
        telegram_id = actor.person.telegram_id
        if not option_ids or not services.poll_refusals.first_time(poll_id, telegram_id):
            return
        lang = actor.person.language
        try:
            await context.bot.send_message(
                telegram_id,
                t(lang, "polls.group_refused", reason=t(lang, err.key, **err.values)),
                reply_markup=InlineKeyboardMarkup([[delivery.menu_button(lang)]]),
            )
        except TelegramError as exc:  # blocked the bot since
            _log.info("could not tell user about a refused group vote: %s", exc)
