"""/vergeetmij: erasing the person asking. The `privacy` flow, as one table.

Choose what happens to your contributions, then confirm. The confirm button carries only the
nonce and an action, never a person: it erases whoever presses it, and only while that person's
current flow is this one in the confirming state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from telegram import Update

from bot.context import WijkContext
from bot.desk import links
from bot.privacy import personal_data
from bot.telegram import command_menu, flow_table, flows, persistence
from bot.telegram.callbacks import Kind, PrivacyStep
from bot.telegram.flow_table import END, STAY, Entry, Exit, FlowTable, Reply, Step
from bot.telegram.flows import Flow, JsonDraft
from handlers.common import (
    Turn,
    Who,
    answer_query,
    menu_keyboard,
    payload,
    private_handler,
    reply,
)
from handlers.privacy import views
from handlers.privacy.views import ASK, DELETE_ALL, ERASE, KEEP, NO

_log = logging.getLogger(__name__)

FLOW = "privacy"
CHOOSING = "choosing"  # delete or keep contributions
CONFIRMING = "confirming"


@dataclass(frozen=True)
class ErasureDraft(JsonDraft):
    keep: bool = False  # keep their contributions, without a name
    contributions: bool = False  # they have any (else there was nothing to choose)
    polls: bool = False  # they created polls, which stay without their name either way


@private_handler(needs_wijk=False)
async def forget_command(update: Update, context: WijkContext, who: Who) -> None:
    await ask_erase(update, context, who)


async def ask_erase(update: Update, context: WijkContext, who: Who, *, edit: bool = False) -> None:
    assert who.actor is not None
    with context.services.db.session() as session:
        counts = personal_data.count_contributions(session, who.actor.id)
        polls = personal_data.polls_created(session, who.actor.id) > 0
    if not counts.any:
        flow = await flows.start(context, FLOW, CONFIRMING, ErasureDraft(polls=polls))
        view = views.confirm(who, keep=False, contributions=False, polls=polls, nonce=flow.nonce)
    else:
        draft = ErasureDraft(contributions=True, polls=polls)
        flow = await flows.start(context, FLOW, CHOOSING, draft)
        view = views.erase_choice(who, counts, flow.nonce)
    await reply(update, *view, edit=edit)


@private_handler(needs_wijk=False)
async def privacy_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """pv:<nonce>:<action>. The person acted on is always the one pressing."""
    pressed = payload(update, PrivacyStep)
    if pressed.step == ASK:  # starts the flow: no nonce to check
        await answer_query(update)
        await ask_erase(update, context, who)
    elif pressed.step == NO:  # stopping is always safe, from any message
        await answer_query(update)
        if flows.is_current(context, FLOW, pressed.nonce):
            await flows.end(context)
        await reply(update, who.t("privacy.nothing_erased"), menu_keyboard(who), edit=True)
    else:
        await flow_table.press(TABLE, Turn(update, context, who), pressed)


async def _show(turn: Turn, flow: Flow, draft: ErasureDraft, how: Reply) -> None:
    # Only the confirmation follows a step; the choice is shown by ask_erase.
    view = views.confirm(
        turn.who,
        keep=draft.keep,
        contributions=draft.contributions,
        polls=draft.polls,
        nonce=flow.nonce,
    )
    if how.edit:
        await turn.answer(how.toast)
    await turn.reply(*view, edit=how.edit)


async def _erase(turn: Turn, flow: Flow, draft: ErasureDraft, value: Any) -> None:
    who, context = turn.who, turn.context
    assert who.actor is not None
    await turn.answer()
    try:
        with turn.services.db.session() as session:
            report = personal_data.erase_person(
                session, who.actor.id, keep_contributions=draft.keep, now=turn.services.clock.now()
            )
    except Exception:
        _log.exception("erasure failed; the transaction was rolled back")
        await turn.reply(*views.erase_failed(who, flow.nonce))
        return
    persistence.forget_person(context.application, who.telegram_id)
    # Had they a menu of their own (a coach, a partner): it goes, and the desk's menu button.
    desk = links.web_app_url(context.services.config) is not None
    await command_menu.hide_menu(context.bot, who.telegram_id, desk=desk)
    kept = "kept contributions" if draft.keep else "deleted all"
    _log.info("erased a person on request (%s)", kept)
    shown = views.erased(
        who,
        kept=report.kept_contributions,
        open_votes_withdrawn=report.votes_deleted > 0,
        polls_kept=report.polls_kept > 0,
        supported_kept=report.supported_kept > 0,
    )
    await turn.reply(*shown, edit=True)


def _pv(step: str) -> str:
    return flow_table.button(Kind.PRIVACY, step)


TABLE: FlowTable[Turn, ErasureDraft] = FlowTable(
    name=FLOW,
    states=(CHOOSING, CONFIRMING),
    load=ErasureDraft.from_json,
    steps=(
        Step(
            "Alles wissen",
            (CHOOSING,),
            _pv(DELETE_ALL),
            CONFIRMING,
            apply=lambda d, _: replace(d, keep=False, contributions=True),
        ),
        Step(
            "Bijdragen anoniem bewaren",
            (CHOOSING,),
            _pv(KEEP),
            CONFIRMING,
            apply=lambda d, _: replace(d, keep=True, contributions=True),
        ),
        Step(
            "Ja, wis mij",
            (CONFIRMING,),
            _pv(ERASE),
            {END: "erased in one transaction", STAY: "failed and rolled back, try again"},
            act=_erase,
        ),
    ),
    show=_show,
    entries=(
        Entry("/vergeetmij (with contributions)", CHOOSING),
        Entry("/vergeetmij (nothing contributed)", CONFIRMING),
    ),
    exits=(Exit("Nee, niets wissen", (CHOOSING, CONFIRMING)),),
)
