"""A coach hides an observation: a preset reason, or one typed in the `coach_hide` flow. The
sender gets a short neutral note at once, and so does everyone who said "ik ook"; under it
"Klopt niet" reopens the observation, as under the desk's notice of a hide
(handlers/observations/reopen.py). The reason is stored in the sender's language, as
"Mijn meldingen" shows it to them."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineKeyboardMarkup, Update

from bot.context import WijkContext
from bot.core.i18n import t
from bot.observations import coach
from bot.observations.coach import Refused
from bot.people.permissions import PermissionDenied
from bot.telegram import flow_table, flows
from bot.telegram.callbacks import BadCallback, CoachHideReason, ListBack
from bot.telegram.flow_table import TEXT
from bot.telegram.flows import Flow
from handlers.coach import views
from handlers.coach.drafts import TYPING, MessageDraft, MessageFlow, message_table, not_sent
from handlers.coach.shared import actor, deliver, to_supporters
from handlers.common import Turn, Who, menu_keyboard
from models import Person, Supporter

_log = logging.getLogger(__name__)

FLOW = "coach_hide"
HIDE_REASON_LIMIT = 300
SPEC = MessageFlow(
    name=FLOW,
    for_others=True,
    prompt_key="coach.hide_prompt",
    preview_key="coach.hide_preview",
    send=("hrs", "coach.btn_hide"),
    retype="hre",
    left_key="coach.hide_left",
    left_how_key="coach.hide_left_how",
    may_still=lambda turn, draft: _may_hide(turn, draft.observation_id),
    limit=lambda turn: HIDE_REASON_LIMIT,
    started_by="Andere reden (after Verbergen on a card)",
    send_label="Verbergen",
    sent="hidden, the sender gets a short note",
)


def _may_hide(turn: Turn, observation_id: int) -> bool:
    """Whether this coach may still hide it (their role there, and it is not hidden)."""
    if turn.who.actor is None:
        return False
    with turn.services.db.session() as session:
        obs = coach.still_handled(session, turn.who.actor, observation_id)
        return obs is not None and obs.status in coach.HIDEABLE


async def ask(turn: Turn, observation_id: int, back: ListBack) -> None:
    """Verbergen: which reason?"""
    with turn.services.db.session() as session:
        obs = coach.get_for_coach(session, actor(turn.who), observation_id)
        coach.check_not_own(obs, actor(turn.who))
    if obs.status == "hidden":
        raise Refused("coach.already_hidden")
    await turn.answer()
    await turn.reply(*views.hide_reasons(turn.who, obs, back), edit=True)


async def reason_pressed(turn: Turn, pressed: CoachHideReason, back: ListBack) -> None:
    """A preset reason hides at once; "Andere reden" starts the flow to type one."""
    code, who = pressed.reason, turn.who
    if code not in (*coach.HIDE_REASONS, coach.OTHER_REASON):
        raise BadCallback("hide reason")
    with turn.services.db.session() as session:
        obs = coach.get_for_coach(session, actor(who), pressed.observation_id)
        coach.check_not_own(obs, actor(who))
        person = coach.sender(session, obs)
    if obs.status == "hidden":
        raise Refused("coach.already_hidden")
    if code == coach.OTHER_REASON:
        await turn.answer()
        draft = MessageDraft(pressed.observation_id, filter=back.filter.value, page=back.page)
        flow = await flows.start(turn.context, FLOW, TYPING, draft)
        view = views.prompt(who, SPEC.prompt_key, obs.reference, HIDE_REASON_LIMIT, flow.nonce)
        await turn.reply(*view, edit=True)
        return
    sender_lang = person.language if person is not None else obs.lang
    stored = t(sender_lang, f"coach.hide_reason.{code}")
    shown = who.t(f"coach.hide_reason.{code}")
    await hide(turn, pressed.observation_id, back, stored=stored, shown=shown, code=code)


async def _send(turn: Turn, flow: Flow, draft: MessageDraft, value: None) -> None:
    assert draft.text is not None
    retry = SPEC.preview_markup(turn, draft, flow.nonce)
    await hide(
        turn, draft.observation_id, draft.back, stored=draft.text, shown=draft.text, retry=retry
    )


async def hide(
    turn: Turn,
    observation_id: int,
    back: ListBack,
    *,
    stored: str,
    shown: str,
    retry: InlineKeyboardMarkup | None = None,
    code: str | None = None,
) -> None:
    """Hide it; `retry` (the preview's buttons) when a typed reason's flow is current: it ends
    once hidden, or when hiding is refused, and stays when the database fails. `code`: the
    preset reason, told to each supporter in their own language (a typed one as typed)."""
    services, who = turn.services, turn.who
    coach_actor = actor(who)
    try:
        with services.db.session() as session:
            obs = coach.get_for_coach(session, coach_actor, observation_id)
            obs, event = coach.hide(session, obs, coach_actor, stored, services.clock.now())
            person = coach.sender(session, obs)
    except Refused as refused:
        if retry is not None:
            # A typed reason: why, and the reason back to copy (as for an answer or a reply).
            await not_sent(turn, refused, stored)
            return
        raise
    except PermissionDenied as denied:
        if retry is not None:
            # The role was taken back while they typed: the same, and the run ends.
            await not_sent(turn, Refused(denied.message_key), stored)
            return
        raise
    except SQLAlchemyError:
        _log.exception("hiding M-%s failed", observation_id)
        await turn.answer()
        await turn.reply(who.t("errors.db_failed"), retry or menu_keyboard(who))
        return
    if retry is not None:
        await flows.end(turn.context)
    await turn.answer()
    if person is not None:
        tz = services.config.general.tz
        note = views.to_sender_hidden(person.language, obs, stored, tz, event)
        await deliver(turn.context, person, *note)

    def to_supporter(supporter: Supporter, them: Person) -> views.View:
        lang = them.language
        reason = t(lang, f"coach.hide_reason.{code}") if code else stored
        return views.to_supporter_hidden(lang, obs, reason, event)

    await to_supporters(turn.context, obs, to_supporter)
    await turn.reply(*views.hidden_done(who, obs, shown, back), edit=True)


TABLE = message_table(SPEC, _send)


async def hide_reason_typed(update: Update, context: WijkContext, who: Who, flow: Flow) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    await flow_table.send(TABLE, Turn(update, context, who), TEXT, message.text)
