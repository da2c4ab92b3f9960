"""A coach changes the wijk's spiegel: "Zin toevoegen", "Zin aanpassen", "Zin weghalen" (with a
reason), "Maak hier een zin van" (from a group of this period's observations) and "Begin aan
volgend jaar" (handlers/spiegel/edition.py); the `spiegel_edit` flow, one table. Permissions are
checked by bot/spiegel/editing.py for the wijk of the statement or edition, on every change.

A typed change is stored once: it carries the flow run's key, and the text that stored it and
ended the run, delivered again (the bot died before confirming it), shows that change's
confirmation (`_stored_before`), not a refusal ("staat al in de wijkspiegel") or "als melding?".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update

from bot.context import WijkContext
from bot.digest import jobs as digest_jobs
from bot.digest import periods
from bot.people.permissions import Action
from bot.spiegel import editing as service
from bot.spiegel import groups, mirror
from bot.telegram import flow_table, flows
from bot.telegram.callbacks import BadCallback, NewEdition, SpiegelEdit, SpiegelEditKind
from bot.telegram.flow_table import END, STAY, TEXT, Entry, FlowTable, Invalid, Reply, Step
from bot.telegram.flows import Flow, JsonDraft
from handlers.common import (
    Turn,
    Who,
    any_payload,
    cancel_button,
    esc,
    keyboard,
    private_handler,
    rest_of_split,
    said_again,
)
from handlers.spiegel import edition as next_edition
from handlers.spiegel import views
from handlers.spiegel.reading import show_overview
from models import Edition, ItemKind, Observation, SpiegelItem, StatementAction, Wijk

_log = logging.getLogger(__name__)

FLOW = "spiegel_edit"
TYPING_TEXT = "typing_text"
TYPING_REASON = "typing_reason"


@dataclass(frozen=True)
class EditDraft(JsonDraft):
    action: str = "add"  # add | reword | retire | group
    wijk_id: int = 0
    item_id: int = 0
    kind: str = ""
    # "group": the group's label and the references of its observations (the reason), and
    # the wording proposed (shown again with the step).
    label: str = ""
    references: tuple[str, ...] = ()
    proposal: str = ""

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        return data


def may_edit(who: Who, wijk_id: int) -> bool:
    return who.actor is not None and who.actor.can(Action.EDIT_SPIEGEL, wijk_id)


@private_handler()
async def edit_pressed(update: Update, context: WijkContext, who: Who) -> None:
    pressed = any_payload(update)
    turn = Turn(update, context, who)
    db = context.services.db
    if isinstance(pressed, SpiegelEditKind):
        with db.session() as session:
            edition = session.get(Edition, pressed.edition_id)
        if edition is None:
            raise BadCallback("no such edition")
        service.require(who.actor, edition.wijk_id)
        draft = EditDraft("add", edition.wijk_id, 0, pressed.category.value)
        flow = await flows.start(context, FLOW, TYPING_TEXT, draft)
        await turn.answer()
        await turn.reply(_prompt(turn, draft), keyboard([cancel_button(who, flow.nonce)]))
        return
    if isinstance(pressed, NewEdition):
        await next_edition.confirmed(turn, pressed)
        return
    if not isinstance(pressed, SpiegelEdit):
        raise BadCallback("not a spiegel edit button")
    if pressed.action == "g":
        await _group_chosen(turn, pressed.target)
        return
    if pressed.action in ("a", "n", "gl"):
        with db.session() as session:
            shown = session.get(Edition, pressed.target)
        if shown is None or shown.id is None:
            raise BadCallback("no such edition")
        service.require(who.actor, shown.wijk_id)
        if pressed.action == "n":
            await next_edition.ask(turn, shown)
            return
        await turn.answer()
        if pressed.action == "a":
            await turn.reply(*views.choose_kind(who, shown.id))
        else:
            found = await _groups(turn, shown.wijk_id)
            await turn.reply(*views.period_groups(who, shown.id, found))
        return
    with db.session() as session:
        try:
            item, edition = service.editable_item(session, pressed.target)
        except service.EditError as gone:
            await turn.answer()
            await turn.reply(_refusal(who, gone))
            return
    service.require(who.actor, edition.wijk_id)
    action = "reword" if pressed.action == "w" else "retire"
    state = TYPING_TEXT if action == "reword" else TYPING_REASON
    draft = EditDraft(action, edition.wijk_id, pressed.target, item.kind)
    flow = await flows.start(context, FLOW, state, draft)
    await turn.answer()
    await turn.reply(_prompt(turn, draft), keyboard([cancel_button(who, flow.nonce)]))


async def _groups(turn: Turn, wijk_id: int) -> list[groups.PeriodGroup]:
    """This period's groups of the wijk's observations, as the coach's digest groups them."""
    services = turn.services
    actor = turn.who.actor
    assert actor is not None

    def build() -> list[groups.PeriodGroup]:
        with services.db.session() as session:
            wijk = session.get(Wijk, wijk_id)
            if wijk is None:
                return []
            plan = digest_jobs.schedule_for(session, actor.id, services.config)
            now = services.clock.now()
            period = periods.current_period(plan, now, services.tz)
            return groups.period_groups(
                session, services.config, wijk, period, now, services.digest_grouper
            )

    return await asyncio.to_thread(build)


async def _group_chosen(turn: Turn, observation_id: int) -> None:
    """ "Maak hier een zin van": the group's proposal, for the coach to change and send."""
    who = turn.who
    with turn.services.db.session() as session:
        observation = session.get(Observation, observation_id)
        edition = (
            mirror.current_edition(session, observation.wijk_id)
            if observation is not None
            else None
        )
    if observation is None or edition is None or edition.id is None:
        raise BadCallback("no such group")
    service.require(who.actor, observation.wijk_id)
    await turn.answer()
    found = await _groups(turn, observation.wijk_id)
    group = next((g for g in found if g.representative_id == observation_id), None)
    if group is None:
        await turn.reply(*views.period_groups(who, edition.id, found))
        return
    draft = EditDraft(
        "group",
        observation.wijk_id,
        0,
        group.kind.value,
        group.label,
        group.references,
        group.proposal,
    )
    flow = await flows.start(turn.context, FLOW, TYPING_TEXT, draft)
    await turn.reply(_prompt(turn, draft), keyboard([cancel_button(who, flow.nonce)]))


def _prompt(turn: Turn, draft: EditDraft) -> str:
    """What the step asks: the new statement for a category (from a group: with its proposal),
    the new wording of a statement, or why it goes (with the statement as it stands)."""
    who = turn.who
    question = who.t(f"spiegel.question.{draft.kind}") if draft.kind else ""
    if draft.action == "add":
        return who.t("spiegel_editing.type_new", question=question)
    if draft.action == "group":
        return who.t("spiegel_editing.type_group", text=esc(draft.proposal), question=question)
    with turn.services.db.session() as session:
        item = session.get(SpiegelItem, draft.item_id)
        text = esc(views.preview(item.text)) if item is not None else ""
    step = "type_reword" if draft.action == "reword" else "type_reason"
    return who.t(f"spiegel_editing.{step}", text=text)


# --- the steps -----------------------------------------------------------------------------------


def _refusal(who: Who, bad: service.EditError) -> str:
    return who.t(bad.message_key, **bad.values)


def _typed(turn: Turn, text: str, clean: Callable[[str], str], too_long: str, limit: int) -> str:
    """The wording or reason as `clean` makes it, or Invalid with why not. First: the rest of a
    long text Telegram split (rest_of_split) may be anything; it is too long as well, said as
    for a part alone (`too_long`), with the length of all of it."""
    try:
        cleaned, bad = clean(text), None
    except service.EditError as error:
        cleaned, bad = "", error
    whole = rest_of_split(turn, text, long=bad is not None and bad.message_key == too_long)
    if whole is not None:
        raise Invalid(turn.who.t(too_long, length=whole, limit=limit))
    if bad is not None:
        raise Invalid(_refusal(turn.who, bad))
    return cleaned


def _text(turn: Turn, draft: EditDraft, text: str) -> str:
    return _typed(turn, text, service.clean_text, "spiegel_editing.too_long", mirror.TEXT_LIMIT)


def _reason(turn: Turn, draft: EditDraft, text: str) -> str:
    # Checked here as the statement is in `_text`: a reason too long is asked again in this
    # step, not stopped by the service when it stores.
    def clean(typed: str) -> str:
        return service.clean_reason(turn.who.actor, typed) if typed else ""

    reason = _typed(turn, text, clean, "spiegel_editing.reason_too_long", service.REASON_LIMIT)
    if not reason:
        raise Invalid(turn.who.t("spiegel_editing.reason_needed"))
    return reason


async def _store(turn: Turn, flow: Flow, draft: EditDraft, text: str) -> None:
    who = turn.who
    # The text delivered again (the bot died behind the commit) finds the change this run
    # stored: the service returns its statement and stores nothing.
    key = flow.key
    with turn.services.db.session() as session:
        try:
            if draft.action == "add":
                service.add(
                    session, who.actor, draft.wijk_id, ItemKind(draft.kind), text, request_key=key
                )
                action = StatementAction.ADD
            elif draft.action == "group":
                service.from_group(
                    session,
                    who.actor,
                    draft.wijk_id,
                    ItemKind(draft.kind),
                    text,
                    label=draft.label,
                    references=draft.references,
                    request_key=key,
                )
                action = StatementAction.ADD
            elif draft.action == "reword":
                service.reword(session, who.actor, draft.item_id, text, request_key=key)
                action = StatementAction.REWORD
            else:
                service.retire(session, who.actor, draft.item_id, reason=text, request_key=key)
                action = StatementAction.RETIRE
        except service.EditError as bad:
            if bad.message_key in ("spiegel_editing.gone", "spiegel_editing.old_edition"):
                await flows.end(turn.context)
            await turn.reply(_refusal(who, bad), keyboard([cancel_button(who, flow.nonce)]))
            return
    # Ended by this message: delivered again, it shows this change (`_stored_before`).
    message = turn.update.effective_message
    await flows.end(turn.context, message_id=message.message_id if message else None)
    await _confirm(turn, action, text, draft.wijk_id)


async def _confirm(turn: Turn, action: StatementAction, text: str, wijk_id: int) -> None:
    """What the coach is told after a change: the wording stored (a retired statement: that it
    left the spiegel), then the wijk's current spiegel."""
    who = turn.who
    done = {
        StatementAction.ADD: "spiegel_editing.added",
        StatementAction.REWORD: "spiegel_editing.reworded",
    }.get(action, "spiegel_editing.retired")
    with turn.services.db.session() as session:
        edition = mirror.current_edition(session, wijk_id)
    await turn.reply(who.t(done, text=esc(views.preview(text))))
    if edition is not None and edition.id is not None:
        await show_overview(turn.update, turn.context, who, edition.id)


async def _stored_before(turn: Turn, run: Flow) -> bool:
    """The text of a run that stored its change and ended, delivered again (the bot died before
    the confirmation): the confirmation of that change, not the question whether it is a
    melding."""
    actor = turn.who.actor
    if actor is None:
        return False
    with turn.services.db.session() as session:
        change = service.stored_by(session, actor.id, run.key)
    if change is None:
        return False
    text = change.new_text or change.reason  # a retired statement has no new wording
    await _confirm(turn, StatementAction(change.action), text, change.wijk_id)
    return True


async def _show(turn: Turn, flow: Flow, draft: EditDraft, how: Reply) -> None:
    """The step again (what it asks), with why above it: a text that cannot be used, a
    sticker, an edit."""
    said = "\n\n".join(part for part in (how.note, _prompt(turn, draft)) if part)
    await turn.reply(said, keyboard([cancel_button(turn.who, flow.nonce)]))


STORED = {END: "stored, or the statement is gone", STAY: "refused, e.g. the same text"}

TABLE: FlowTable[Turn, EditDraft] = FlowTable(
    name=FLOW,
    for_others=True,
    states=(TYPING_TEXT, TYPING_REASON),
    load=EditDraft.from_json,
    steps=(
        Step("the statement's wording", (TYPING_TEXT,), TEXT, STORED, _text, act=_store),
        Step("why it goes", (TYPING_REASON,), TEXT, STORED, _reason, act=_store),
    ),
    show=_show,
    not_taken=said_again,
    entries=(
        Entry("Zin toevoegen, a category / Zin aanpassen", TYPING_TEXT),
        Entry("Zin weghalen", TYPING_REASON),
        Entry("Maak hier een zin van, a group of this period", TYPING_TEXT),
    ),
    ended_text=_stored_before,
)


async def edit_typed(update: Update, context: WijkContext, who: Who, flow: Flow) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    await flow_table.send(TABLE, Turn(update, context, who), TEXT, message.text)


async def edit_again(update: Update, context: WijkContext, who: Who, run: Flow) -> bool:
    return await flow_table.send_again(TABLE, Turn(update, context, who), run)
