"""The sender's one reply to a coach's answer ("Reageren"): the `coach_reply` flow. Delivered
to the coach who answered, or, when they left or blocked the bot, to every coach of the wijk."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot.context import WijkContext
from bot.observations import coach
from bot.observations.coach import Refused
from bot.telegram import flow_table, flows
from bot.telegram.callbacks import (
    BadCallback,
    CoachAction,
    CoachDraft,
    CoachVerb,
    FlowButton,
    decode_as,
)
from bot.telegram.flow_table import TEXT
from bot.telegram.flows import Flow
from handlers.coach import views
from handlers.coach.drafts import (
    TYPING,
    MessageDraft,
    MessageFlow,
    message_table,
    not_sent,
    text_limit,
)
from handlers.coach.shared import Delivery, actor, deliver
from handlers.common import Turn, Who, menu_keyboard
from models import Observation, Person

_log = logging.getLogger(__name__)

FLOW = "coach_reply"
SPEC = MessageFlow(
    name=FLOW,
    prompt_key="coach.reply_prompt",
    preview_key="coach.reply_preview",
    send=("rps", "coach.btn_send"),
    retype="rpe",
    left_key="coach.reply_left",
    left_how_key="coach.reply_left_how",
    may_still=lambda turn, draft: _may_reply(turn, draft.observation_id),
    limit=text_limit,
    started_by="Reageren under the coach's answer (the sender, once)",
    send_label="Versturen",
    sent="stored, then delivered to the coach",
)


def _may_reply(turn: Turn, observation_id: int) -> bool:
    """Whether the sender may still reply (the answer is there, no reply yet, not hidden)."""
    if turn.who.actor is None:
        return False
    with turn.services.db.session() as session:
        try:
            coach.get_for_sender(session, turn.who.actor.id, observation_id)
        except Refused:
            return False
    return True


async def start(turn: Turn, observation_id: int) -> None:
    sender = actor(turn.who)
    with turn.services.db.session() as session:
        obs = coach.get_for_sender(session, sender.id, observation_id)
    await turn.answer()
    flow = await flows.start(turn.context, FLOW, TYPING, MessageDraft(observation_id))
    limit = SPEC.limit(turn)
    await turn.reply(*views.prompt(turn.who, SPEC.prompt_key, obs.reference, limit, flow.nonce))


async def _send(turn: Turn, flow: Flow, draft: MessageDraft, value: None) -> None:
    services, who = turn.services, turn.who
    sender = actor(who)
    assert draft.text is not None
    try:
        with services.db.session() as session:
            # This run's reply, stored before the bot died, is not refused as a second one.
            obs = coach.replied_in(session, sender.id, flow.key) or coach.get_for_sender(
                session, sender.id, draft.observation_id, request_key=flow.key
            )
            now = services.clock.now()
            obs = coach.record_reply(session, obs, sender.id, draft.text, now, request_key=flow.key)
            answered_by, coaches = coach.reply_recipients(session, obs)
            author = coach.author_label(session, obs) or ""
    except coach.StoredBefore as before:
        # Stored by this run before a reopen moved it into the history: not again, not sent now.
        await flows.end(turn.context)
        await _stored_before(turn, before)
        return
    except Refused as refused:
        await not_sent(turn, refused, draft.text)
        return
    except SQLAlchemyError:
        _log.exception("storing the reply to M-%s failed", draft.observation_id)
        await turn.answer()
        await turn.reply(who.t("errors.db_failed"), SPEC.preview_markup(turn, draft, flow.nonce))
        return
    await flows.end(turn.context)
    await _sent(turn, obs, answered_by, coaches, author)


async def _sent(
    turn: Turn, obs: Observation, answered_by: Person | None, coaches: list[Person], author: str
) -> None:
    """After the commit: the reply goes to the coach unless it went before, then the sender
    hears how it went."""
    services, who = turn.services, turn.who
    await turn.answer()
    sent_before = obs.reply_sent_at is not None
    delivered = sent_before
    if not delivered and answered_by is not None:
        delivered = await _to_coach(turn, answered_by, obs, author) is Delivery.SENT
    if not delivered:
        # The coach who answered left (or blocked the bot): every coach of the wijk gets it.
        for person in coaches:
            if person is not answered_by:
                delivered |= await _to_coach(turn, person, obs, author) is Delivery.SENT
    if delivered and not sent_before:
        with services.db.session() as session:
            coach.mark_reply_sent(session, obs, services.clock.now())
    key = "coach.reply_sent" if delivered else "coach.reply_stored"
    await turn.reply(who.t(key, reference=obs.reference), menu_keyboard(who), edit=True)


async def _stored_before(turn: Turn, before: coach.StoredBefore) -> None:
    """Versturen of a run whose reply a reopen moved into the history since: it was stored
    then (and is not delivered now, nor stored as a reply to a later answer)."""
    await turn.answer()
    who = turn.who
    await turn.reply(who.t(before.message_key, **before.values), menu_keyboard(who), edit=True)


async def _sent_before(turn: Turn, pressed: FlowButton) -> bool:
    """Versturen of a run that has ended: the reply it stored (delivered now if the bot died
    before it went out, or said to be in the history after a reopen), or an old button."""
    if pressed.step != SPEC.send[0]:
        return False
    person_id = actor(turn.who).id
    moved = None
    with turn.services.db.session() as session:
        key = flows.request_key(FLOW, pressed.nonce)
        obs = coach.replied_in(session, person_id, key)
        if obs is not None:
            answered_by, coaches = coach.reply_recipients(session, obs)
            author = coach.author_label(session, obs) or ""
        elif isinstance(pressed, CoachDraft):
            moved = coach.reply_moved(session, pressed.observation_id, person_id, key)
    if moved is not None:
        await _stored_before(turn, moved)
        return True
    if obs is None:
        return False
    await _sent(turn, obs, answered_by, coaches, author)
    return True


async def _to_coach(turn: Turn, person: Person, obs: Observation, author: str) -> Delivery:
    return await deliver(turn.context, person, *views.to_coach_reply(person.language, obs, author))


TABLE = message_table(SPEC, _send, _sent_before)


def _observation_replied_to(update: Update) -> int | None:
    """The observation whose answer the message replies to (Telegram's Reply): the answer's
    own "Terugschrijven" button says which. None: not a reply to a coach's answer."""
    message = update.effective_message
    original = message.reply_to_message if message is not None else None
    if original is None or original.from_user is None or not original.from_user.is_bot:
        return None
    markup = original.reply_markup
    for row in markup.inline_keyboard if markup is not None else ():
        for key in row:
            data = key.callback_data if isinstance(key.callback_data, str) else None
            try:
                pressed = decode_as(data, CoachAction)
            except BadCallback:
                continue
            if pressed.verb is CoachVerb.REPLY:
                return pressed.observation_id
    return None


async def replied_to_answer(update: Update, context: WijkContext, who: Who) -> bool:
    """A text sent with Telegram's Reply to the coach's answer, outside any flow: the sender
    answers the coach, so it is their reply, shown to send as if typed after Terugschrijven
    (not offered as a new melding). False when it is not, or they may not reply (any more)."""
    message = update.effective_message
    observation_id = _observation_replied_to(update)
    if message is None or message.text is None or observation_id is None:
        return False
    turn = Turn(update, context, who)
    if not _may_reply(turn, observation_id):
        return False
    await flows.start(context, FLOW, TYPING, MessageDraft(observation_id))
    await flow_table.send(TABLE, turn, TEXT, message.text)
    return True


async def reply_typed(update: Update, context: WijkContext, who: Who, flow: Flow) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    await flow_table.send(TABLE, Turn(update, context, who), TEXT, message.text)
