"""The coach's inbox: the list of a wijk's observations, one card, and what a card's buttons do.

Entry points: the menu entry "Meldingen", `/meldingen`, and any button `co:<id>:open` (the
digest puts these under its lines); `open_observation` for other modules. Every press is checked
on the server: the observation's own wijk must be one where the presser has
Action.HANDLE_OBSERVATIONS (coach actions) or the presser must be its sender (reply).
The coach never sees the sender's Telegram id, and their name only when they chose to share it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlmodel import Session
from telegram import Update
from telegram.error import BadRequest

from bot.context import WijkContext
from bot.core.text import utf16_split
from bot.observations import coach, same_matter, workflow
from bot.observations.coach import Filter, Refused
from bot.people import persons
from bot.people.permissions import Action, PermissionDenied
from bot.telegram import flow_table, flows
from bot.telegram.callbacks import (
    BadCallback,
    CoachAction,
    CoachDraft,
    CoachHideReason,
    CoachList,
    CoachVerb,
    CoachWijken,
    ListBack,
)
from handlers.coach import answer, hide, reply, views
from handlers.coach.shared import actor, coach_handler, refuse
from handlers.coach.views import DEFAULT_BACK, MAX_MESSAGE
from handlers.common import (
    Turn,
    Who,
    answer_query,
    any_payload,
    menu_keyboard,
    private_handler,
)
from handlers.common import reply as send_reply
from models import Observation, Role

_log = logging.getLogger(__name__)


def is_coach(who: Who) -> bool:
    return who.actor is not None and bool(who.actor.wijken_with(Role.COACH, Role.ADMIN))


# --- the list ------------------------------------------------------------------------------------


@private_handler(needs_wijk=False)
async def meldingen_command(update: Update, context: WijkContext, who: Who) -> None:
    await flows.end(context)
    await open_meldingen(update, context, who)


async def open_meldingen(update: Update, context: WijkContext, who: Who) -> None:
    """The menu entry and /meldingen: the list of the coach's wijk, or first a choice of wijk."""
    wijken = coach.handled_wijken(who.actor)
    if not wijken:
        raise PermissionDenied()
    if len(wijken) > 1:
        await _choose_wijk(update, context, who, wijken, edit=False)
        return
    try:
        await show_list(update, context, who, wijken[0], Filter.OPEN, 0)
    except Refused as refused:
        await refuse(update, who, refused.message_key, **refused.values)


async def _choose_wijk(
    update: Update, context: WijkContext, who: Who, wijken: list[int], *, edit: bool
) -> None:
    with context.services.db.session() as session:
        counted = [
            (wijk, coach.count(session, wijk_id, Filter.OPEN))
            for wijk_id in wijken
            if (wijk := persons.wijk_by_id(session, wijk_id)) is not None
        ]
    await send_reply(update, *views.wijk_choice(who, counted), edit=edit)


async def show_list(
    update: Update,
    context: WijkContext,
    who: Who,
    wijk_id: int,
    flt: Filter,
    page: int,
    *,
    edit: bool = False,
) -> None:
    coach_actor = actor(who)
    coach_actor.require(Action.HANDLE_OBSERVATIONS, wijk_id)
    services = context.services
    with services.db.session() as session:
        wijk = persons.wijk_by_id(session, wijk_id)
        if wijk is None:
            raise Refused("coach.unknown_wijk")
        result = coach.list_observations(session, wijk_id, flt, page)
        authors = {o.id: _author(session, who, o) for o in result.items}
        supporters = same_matter.counts(session, (o.id for o in result.items if o.id))
    several = len(coach.handled_wijken(coach_actor)) > 1
    tz = services.config.general.tz
    view = views.inbox(
        who, wijk, flt, result, authors, tz, several_wijken=several, supporters=supporters
    )
    await send_reply(update, *view, edit=edit)


# --- one observation -----------------------------------------------------------------------------


def _author(session: Session, who: Who, obs: Observation) -> str | None:
    """Who sent it, as the coach may see it: "jou" for the coach's own observation."""
    if coach.is_own(obs, actor(who)):
        return who.t("coach.author_you")
    return coach.author_label(session, obs)


def render_card(
    session: Session, context: WijkContext, who: Who, obs: Observation, back: ListBack
) -> views.View:
    config = context.services.config
    wijk = persons.wijk_by_id(session, obs.wijk_id)
    theme = config.theme(obs.theme) if obs.theme else None
    return views.card(
        who,
        obs,
        wijk_name=wijk.name if wijk else "",
        author=_author(session, who, obs),
        theme=theme.label(who.lang) if theme else None,
        tz=config.general.tz,
        back=back,
        additions=same_matter.additions(session, obs.id or 0),
        reopened=workflow.last_reopen(session, obs.id or 0),
        own=coach.is_own(obs, actor(who)),
    )


async def open_observation(
    update: Update,
    context: WijkContext,
    who: Who,
    observation_id: int,
    *,
    back: ListBack = DEFAULT_BACK,
    edit: bool = False,
) -> None:
    """Show one observation to a coach, after checking they handle its wijk (for other modules)."""
    try:
        coach_actor = actor(who)
        with context.services.db.session() as session:
            obs = coach.get_for_coach(session, coach_actor, observation_id)
            text, markup = render_card(session, context, who, obs, back)
    except PermissionDenied as denied:
        await answer_query(update, who.t(denied.message_key), alert=True)
        await send_reply(update, who.t(denied.message_key), menu_keyboard(who))
        return
    except Refused as refused:
        await refuse(update, who, refused.message_key, **refused.values)
        return
    await answer_query(update)
    await send_reply(update, text, markup, edit=edit)


# --- a card's buttons ----------------------------------------------------------------------------


async def _open(turn: Turn, observation_id: int, back: ListBack) -> None:
    await open_observation(turn.update, turn.context, turn.who, observation_id, back=back)


async def _mark_read(turn: Turn, observation_id: int, back: ListBack) -> None:
    services = turn.services
    with services.db.session() as session:
        obs = coach.get_for_coach(session, actor(turn.who), observation_id)
        coach.check_not_own(obs, actor(turn.who))
        changed = coach.mark_read(session, obs, services.clock.now(), actor(turn.who))
        text, markup = render_card(session, turn.context, turn.who, obs, back)
    await turn.answer(turn.who.t("coach.marked_read" if changed else "coach.already_read"))
    await turn.reply(text, markup, edit=True)


def _observation(turn: Turn, observation_id: int) -> Observation:
    with turn.services.db.session() as session:
        return coach.get_for_coach(session, actor(turn.who), observation_id)


async def _photo(turn: Turn, observation_id: int, back: ListBack) -> None:
    obs = _observation(turn, observation_id)
    chat = turn.update.effective_chat
    if not obs.photo_file_id or chat is None:
        raise BadCallback("no photo")
    await turn.answer()
    markup = views.open_again(turn.who, observation_id)
    caption = turn.who.t("coach.photo_caption", reference=obs.reference)
    try:
        await chat.send_photo(obs.photo_file_id, caption=caption, reply_markup=markup)
    except BadRequest as exc:
        _log.info("photo of %s could not be sent: %s", obs.reference, exc)
        await turn.reply(turn.who.t("coach.photo_failed"), markup)


async def _location(turn: Turn, observation_id: int, back: ListBack) -> None:
    obs = _observation(turn, observation_id)
    chat = turn.update.effective_chat
    if obs.latitude is None or obs.longitude is None or chat is None:
        raise BadCallback("no location")
    await turn.answer()
    markup = views.open_again(turn.who, observation_id)
    await chat.send_location(latitude=obs.latitude, longitude=obs.longitude, reply_markup=markup)


async def _full_text(turn: Turn, observation_id: int, back: ListBack) -> None:
    obs = _observation(turn, observation_id)
    chat = turn.update.effective_chat
    if chat is None:
        return
    await turn.answer()
    markup = views.open_again(turn.who, observation_id)
    # Plain text (no HTML): nothing to escape. A text longer than a message may be in UTF-16
    # units (4,000 emoji are 8,000) goes in several, cut between words where it can.
    shown = [
        piece
        for x in (obs.text, obs.answer_text, obs.reply_text)
        if x
        for piece in utf16_split(x, MAX_MESSAGE)
        if piece.strip()
    ]
    for i, text in enumerate(shown):
        last = i == len(shown) - 1
        await chat.send_message(text, parse_mode=None, reply_markup=markup if last else None)


async def _answer(turn: Turn, observation_id: int, back: ListBack) -> None:
    await answer.start(turn, observation_id, back)


async def _reply(turn: Turn, observation_id: int, back: ListBack) -> None:
    await reply.start(turn, observation_id)


_Action = Callable[[Turn, int, ListBack], Awaitable[None]]
_ACTIONS: dict[CoachVerb, _Action] = {
    CoachVerb.OPEN: _open,
    CoachVerb.READ: _mark_read,
    CoachVerb.PHOTO: _photo,
    CoachVerb.LOCATION: _location,
    CoachVerb.FULL_TEXT: _full_text,
    CoachVerb.ANSWER: _answer,
    CoachVerb.HIDE: hide.ask,
    CoachVerb.REPLY: _reply,
}
# Which flow a draft button (co:<id>:<step>:<nonce>) belongs to.
_DRAFT_TABLES = {
    step: module.TABLE
    for module in (answer, hide, reply)
    for step in (module.SPEC.send[0], module.SPEC.retype)
}


@coach_handler
async def coach_pressed(update: Update, context: WijkContext, who: Who) -> None:
    pressed = any_payload(update)
    turn = Turn(update, context, who)
    if isinstance(pressed, CoachWijken):
        wijken = coach.handled_wijken(who.actor)
        if not wijken:
            raise PermissionDenied()
        await answer_query(update)
        await _choose_wijk(update, context, who, wijken, edit=True)
    elif isinstance(pressed, CoachList):
        back = pressed.back or DEFAULT_BACK
        await answer_query(update)
        await show_list(update, context, who, pressed.wijk_id, back.filter, back.page, edit=True)
    elif isinstance(pressed, CoachAction):
        action = _ACTIONS[pressed.verb]
        await action(turn, pressed.observation_id, pressed.back or DEFAULT_BACK)
    elif isinstance(pressed, CoachHideReason):
        await hide.reason_pressed(turn, pressed, pressed.back or DEFAULT_BACK)
    elif isinstance(pressed, CoachDraft) and pressed.step in _DRAFT_TABLES:
        await flow_table.press(_DRAFT_TABLES[pressed.step], turn, pressed)
    else:
        raise BadCallback("not a coach button")
