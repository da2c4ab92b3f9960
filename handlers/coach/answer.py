"""A coach answers an observation: the `coach_answer` flow. Stored first, then delivered to the
sender (who may be anonymous to the coach), in the sender's language, with "Reageren"."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot.context import WijkContext
from bot.observations import coach
from bot.observations.coach import Refused
from bot.telegram import flow_table, flows
from bot.telegram.callbacks import ListBack
from bot.telegram.flow_table import TEXT
from bot.telegram.flows import Flow
from handlers.coach import views
from handlers.coach.drafts import TYPING, MessageDraft, MessageFlow, message_table, text_limit
from handlers.coach.shared import Delivery, actor, deliver
from handlers.common import Turn, Who

_log = logging.getLogger(__name__)

FLOW = "coach_answer"
SPEC = MessageFlow(
    name=FLOW,
    prompt_key="coach.answer_prompt",
    preview_key="coach.answer_preview",
    send=("snd", "coach.btn_send"),
    retype="edt",
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


async def start(turn: Turn, observation_id: int, back: ListBack) -> None:
    with turn.services.db.session() as session:
        obs = coach.get_for_coach(session, actor(turn.who), observation_id)
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
            obs = coach.answer(session, obs, coach_actor, draft.text, now)
            person = coach.sender(session, obs)
    except Refused:
        await flows.end(turn.context)
        raise
    except SQLAlchemyError:
        _log.exception("storing the answer to M-%s failed", draft.observation_id)
        await turn.answer()
        # The draft stays in the flow: "Versturen" on this preview tries again.
        markup = SPEC.preview_markup(turn, draft, flow.nonce)
        await turn.reply(who.t("errors.db_failed"), markup)
        return
    await flows.end(turn.context)
    await turn.answer()
    delivery = Delivery.FAILED
    if person is not None:
        message = views.to_sender_answer(person.language, obs, services.config.general.tz)
        delivery = await deliver(turn.context, person, *message)
    await turn.reply(*views.answer_sent(who, _SENT_KEYS[delivery], obs, draft.back), edit=True)


TABLE = message_table(SPEC, _send)


async def answer_typed(update: Update, context: WijkContext, who: Who, flow: Flow) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    await flow_table.send(TABLE, Turn(update, context, who), TEXT, message.text)
