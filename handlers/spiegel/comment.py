"""A comment on a spiegel statement ("Opmerking typen"): the `spiegel_comment` flow, one table.

The text is kept in the flow before the database is tried, so "Opnieuw proberen" after a failed
save stores that same text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot.context import WijkContext
from bot.core.text import clean_input, has_words
from bot.people.permissions import Action
from bot.spiegel import mirror as service
from bot.telegram import flow_table, flows
from bot.telegram.callbacks import BadCallback, Kind, ReactRetry
from bot.telegram.flow_table import END, STAY, TEXT, Entry, FlowTable, Invalid, Reply, Step
from bot.telegram.flows import Flow, JsonDraft
from handlers.common import (
    Turn,
    Who,
    cancel_button,
    keyboard,
    menu_keyboard,
    said_again,
    too_long,
)
from handlers.spiegel import views
from handlers.spiegel.reading import can_react, require, statement_now
from models import Edition, ItemKind, Reaction, SpiegelItem

_log = logging.getLogger(__name__)

FLOW = "spiegel_comment"
TYPING = "typing"


@dataclass(frozen=True)
class CommentDraft(JsonDraft):
    item_id: int = 0
    text: str | None = None  # the comment, kept before it is stored (for "Opnieuw proberen")

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        if "draft" in data:  # the name before the draft was typed
            data = {**data, "text": data.pop("draft")}
        return data


async def ask_comment(turn: Turn, item: SpiegelItem) -> None:
    who = turn.who
    assert who.actor is not None and item.id is not None
    with turn.services.db.session() as session:
        existing = service.reaction_of(session, who.actor.id, item.id)
    flow = await flows.start(turn.context, FLOW, TYPING, CommentDraft(item.id))
    await turn.answer()
    limit = turn.services.config.general.text_limit
    comment = existing.comment if existing is not None else None
    await turn.reply(*views.comment_prompt(who, item, comment, limit, flow.nonce))


# --- the steps -----------------------------------------------------------------------------------


def _comment(turn: Turn, draft: CommentDraft, text: str) -> str:
    text = clean_input(text)
    # Stay in this step: they can shorten it and send it again, or stop. First: the rest of
    # a long text Telegram split may be anything.
    long = too_long(turn, text, turn.services.config.general.text_limit)
    if long is not None:
        raise Invalid(long)
    if not text:
        # Nothing visible: an empty comment must not replace the one they wrote before.
        raise Invalid(turn.who.t("spiegel.comment_empty"))
    if not has_words(text):  # "👍": the reaction buttons say that; a comment needs words
        raise Invalid(turn.who.t("spiegel.comment_no_words"))
    return text


async def _typed(turn: Turn, flow: Flow, draft: CommentDraft, text: str) -> None:
    draft = replace(draft, text=text)
    flow = await flows.move(turn.context, TYPING, draft)  # kept before the database is tried
    await _save(turn, flow, draft)


def _kept(turn: Turn, draft: CommentDraft, pressed: ReactRetry) -> None:
    if draft.text is None or draft.item_id != pressed.item_id:
        raise BadCallback("nothing to retry")


async def _retry(turn: Turn, flow: Flow, draft: CommentDraft, value: None) -> None:
    await turn.answer()
    await _save(turn, flow, draft)


async def _save(turn: Turn, flow: Flow, draft: CommentDraft) -> None:
    who, services = turn.who, turn.services
    assert who.actor is not None and draft.text is not None
    with services.db.session() as session:
        found = service.active_item(session, draft.item_id)
    if found is None:
        await flows.end(turn.context)
        await turn.reply(who.t("spiegel.item_gone"), menu_keyboard(who))
        return
    item, edition = found
    if not can_react(who, edition.wijk_id):
        await flows.end(turn.context)  # e.g. they moved to another wijk meanwhile
        require(who, Action.REACT, edition.wijk_id)
    try:
        with services.db.session() as session:
            # The text delivered again (the bot died behind the commit) changes nothing.
            reaction = service.comment(
                session, who.actor.id, draft.item_id, draft.text, request_key=flow.key
            )
    except SQLAlchemyError:
        _log.warning("could not store a comment", exc_info=True)
        await turn.reply(*views.comment_failed(who, draft.item_id, flow.nonce))
        return
    # Ended by this message: delivered again, it shows this comment (`_stored_before`).
    message = turn.update.effective_message
    await flows.end(turn.context, message_id=message.message_id if message else None)
    await _confirm(turn, reaction, item, edition)


async def _confirm(turn: Turn, reaction: Reaction, item: SpiegelItem, edition: Edition) -> None:
    who = turn.who
    with turn.services.db.session() as session:
        statement, _ = statement_now(turn.context, who, session, item, edition, reaction)
    assert edition.id is not None
    await turn.reply(*views.comment_saved(who, statement, edition.id, ItemKind(item.kind)))


async def _stored_before(turn: Turn, run: Flow) -> bool:
    """The text of a run that stored its comment and ended, delivered again (the bot died
    before the confirmation): the confirmation of that comment, not a question about new text."""
    who = turn.who
    if who.actor is None:
        return False
    with turn.services.db.session() as session:
        reaction = service.comment_stored_by(session, who.actor.id, run.key)
        item = session.get(SpiegelItem, reaction.item_id) if reaction is not None else None
        edition = session.get(Edition, item.edition_id) if item is not None else None
    if reaction is None or item is None or edition is None:
        return False
    await _confirm(turn, reaction, item, edition)
    return True


async def _show(turn: Turn, flow: Flow, draft: CommentDraft, how: Reply) -> None:
    """The step again, with why above it (a text that cannot be used, a sticker, an edit): the
    prompt, or, with the comment kept after the database failed, its Opnieuw proberen."""
    who = turn.who
    text, markup = "", keyboard([cancel_button(who, flow.nonce)])  # the statement is gone
    if draft.text is not None:
        text, markup = views.comment_failed(who, draft.item_id, flow.nonce)
    else:
        limit = turn.services.config.general.text_limit
        with turn.services.db.session() as session:
            item = session.get(SpiegelItem, draft.item_id)
            mine = service.reaction_of(session, who.actor.id, draft.item_id) if who.actor else None
            if item is not None:
                comment = mine.comment if mine is not None else None
                text, markup = views.comment_prompt(who, item, comment, limit, flow.nonce)
    said = "\n\n".join(part for part in (how.note, text) if part)
    await turn.reply(said, markup)


def _unsent(turn: Turn, flow: Flow, draft: CommentDraft, anew: bool) -> str | None:
    """Left with a comment the database did not take (kept for Opnieuw proberen)."""
    return turn.who.t("spiegel.comment_left") if draft.text is not None else None


SAVED = {END: "stored, or the statement is gone", STAY: "database error, kept for Opnieuw proberen"}

TABLE: FlowTable[Turn, CommentDraft] = FlowTable(
    name=FLOW,
    states=(TYPING,),
    load=CommentDraft.from_json,
    steps=(
        Step("a comment", (TYPING,), TEXT, SAVED, _comment, act=_typed),
        Step(
            "Opnieuw proberen",
            (TYPING,),
            flow_table.button(Kind.REACT, "r"),
            SAVED,
            _kept,
            act=_retry,
        ),
    ),
    show=_show,
    entries=(Entry("Opmerking typen under a statement", TYPING),),
    ended_text=_stored_before,
    unsent=_unsent,
    not_taken=said_again,
)


async def comment_typed(update: Update, context: WijkContext, who: Who, flow: Flow) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    await flow_table.send(TABLE, Turn(update, context, who), TEXT, message.text)


async def comment_again(update: Update, context: WijkContext, who: Who, run: Flow) -> bool:
    return await flow_table.send_again(TABLE, Turn(update, context, who), run)
