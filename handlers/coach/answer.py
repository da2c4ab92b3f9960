"""A coach answers an observation: the `coach_answer` flow. Stored first, then delivered to the
sender (who may be anonymous to the coach), in the sender's language, with "Reageren"."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot.context import WijkContext
from bot.observations import coach
from bot.observations.coach import Filter, Refused
from bot.people.permissions import PermissionDenied
from bot.telegram import flow_table, flows
from bot.telegram.callbacks import CoachDraft, FlowButton, ListBack
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
from handlers.coach.shared import Delivery, actor, answer_to_supporters, deliver
from handlers.common import Turn, Who
from models import Observation, Person

_log = logging.getLogger(__name__)

FLOW = "coach_answer"
SPEC = MessageFlow(
    name=FLOW,
    for_others=True,
    prompt_key="coach.answer_prompt",
    preview_key="coach.answer_preview",
    send=("snd", "coach.btn_send"),
    retype="edt",
    left_key="coach.answer_left",
    left_how_key="coach.answer_left_how",
    may_still=lambda turn, draft: _may_answer(turn, draft.observation_id),
    limit=text_limit,
    started_by="Beantwoorden on a card",
    send_label="Versturen",
    sent="stored, then delivered to the sender",
)
_SENT_KEYS = {
    Delivery.SENT: "coach.answer_sent",
    Delivery.BLOCKED: "coach.answer_stored_unreachable",
    Delivery.FAILED: "coach.answer_stored_not_delivered",
}


def _may_answer(turn: Turn, observation_id: int) -> bool:
    """Whether this coach may still answer it (their role there, and it waits for an answer)."""
    if turn.who.actor is None:
        return False
    with turn.services.db.session() as session:
        obs = coach.still_handled(session, turn.who.actor, observation_id)
        return obs is not None and coach.can_answer(obs)


async def start(turn: Turn, observation_id: int, back: ListBack) -> None:
    with turn.services.db.session() as session:
        obs = coach.get_for_coach(session, actor(turn.who), observation_id)
        coach.check_not_own(obs, actor(turn.who))
        coach.check_answerable(obs)
    await turn.answer()
    draft = MessageDraft(observation_id, filter=back.filter.value, page=back.page)
    flow = await flows.start(turn.context, FLOW, TYPING, draft)
    limit = SPEC.limit(turn)
    await turn.reply(*views.prompt(turn.who, SPEC.prompt_key, obs.reference, limit, flow.nonce))


async def _send(turn: Turn, flow: Flow, draft: MessageDraft, value: None) -> None:
    services, who = turn.services, turn.who
    coach_actor = actor(who)
    assert draft.text is not None
    try:
        with services.db.session() as session:
            obs = coach.get_for_coach(session, coach_actor, draft.observation_id)
            now = services.clock.now()
            # The same press delivered again finds the answer the first one stored.
            key = coach.answer_run_key(flow.key, coach_actor.id)
            obs = coach.answer(session, obs, coach_actor, draft.text, now, request_key=key)
            person = coach.sender(session, obs)
    except coach.StoredBefore as before:
        # Stored by this run before a reopen moved it into the history: not again, not sent now.
        await flows.end(turn.context)
        await turn.answer()
        await turn.reply(*views.answer_stored_before(who, before, draft.back), edit=True)
        return
    except Refused as refused:
        await not_sent(turn, refused, draft.text)
        return
    except PermissionDenied as denied:
        # The role was taken back while they typed: why, the text back to copy, the run ends
        # (no "not sent, open the report and answer" later: they no longer can).
        await not_sent(turn, Refused(denied.message_key), draft.text)
        return
    except SQLAlchemyError:
        _log.exception("storing the answer to M-%s failed", draft.observation_id)
        await turn.answer()
        # The draft stays in the flow: "Versturen" on this preview tries again.
        markup = SPEC.preview_markup(turn, draft, flow.nonce)
        await turn.reply(who.t("errors.db_failed"), markup)
        return
    await flows.end(turn.context)
    await _sent(turn, obs, person, draft.back)


async def _sent(turn: Turn, obs: Observation, person: Person | None, back: ListBack) -> None:
    """After the commit: the answer goes to the sender unless it went before, then the coach
    hears how it went."""
    services = turn.services
    await turn.answer()
    delivery = Delivery.SENT if obs.answer_sent_at is not None else Delivery.FAILED
    if obs.answer_sent_at is None and person is not None:
        with services.db.session() as session:
            colleague = person.id in coach.colleagues(session, obs.wijk_id)
        tz = services.config.general.tz
        message = views.to_sender_answer(person.language, obs, tz, colleague)
        delivery = await deliver(turn.context, person, *message)
        if delivery is Delivery.SENT:
            with services.db.session() as session:
                coach.mark_answer_sent(session, obs, services.clock.now())
    await answer_to_supporters(turn.context, obs)
    await turn.reply(*views.answer_sent(turn.who, _SENT_KEYS[delivery], obs, back), edit=True)


async def _sent_before(turn: Turn, pressed: FlowButton) -> bool:
    """Versturen of a run that has ended: the answer it stored (delivered now if the bot died
    before it went out, or said to be in the history after a reopen), or an old button."""
    if pressed.step != SPEC.send[0]:
        return False
    coach_id = actor(turn.who).id
    moved = None
    with turn.services.db.session() as session:
        key = coach.answer_run_key(flows.request_key(FLOW, pressed.nonce), coach_id)
        obs = coach.answered_in(session, coach_id, key)
        person = coach.sender(session, obs) if obs is not None else None
        if obs is None and isinstance(pressed, CoachDraft):
            moved = coach.answer_moved(session, pressed.observation_id, coach_id, key)
    back = ListBack(Filter.OPEN, 0)
    if moved is not None:
        await turn.answer()
        await turn.reply(*views.answer_stored_before(turn.who, moved, back), edit=True)
        return True
    if obs is None:
        return False
    await _sent(turn, obs, person, back)
    return True


TABLE = message_table(SPEC, _send, _sent_before)


async def answer_typed(update: Update, context: WijkContext, who: Who, flow: Flow) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    await flow_table.send(TABLE, Turn(update, context, who), TEXT, message.text)
