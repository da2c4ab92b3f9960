"""The wijkspiegel recognised in a melding.

After a new observation is stored, its confirmation asks whether the person recognises the
statement of their wijk's spiegel that the observation is about (bot/spiegel/recognised.py):
"Dit staat ook in de wijkspiegel: ‘…’. Herken je dat?" with Ja, Nee and Overslaan
(sr:<item_id>:<y|n|s>), in the same message as the confirmation (one edit: no second message in
the chat). The answer is a reaction to that statement, stored as if given in the wijkspiegel;
the message keeps the confirmation and its number, the question replaced by thanks and counts.

Every press is checked on the server like a reaction in the wijkspiegel: the statement must be in
its wijk's current edition, in a wijk where the person may react.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import WijkContext
from bot.digest.builder import vocabulary_or_shipped
from bot.people.permissions import Action
from bot.spiegel import mirror
from bot.spiegel.recognised import matching_statement
from bot.telegram import callbacks
from bot.telegram.callbacks import BadCallback, SpiegelRecognised
from handlers.common import (
    Turn,
    Who,
    answer_query,
    menu_keyboard,
    payload,
    private_handler,
    reply,
)
from handlers.spiegel import views
from handlers.spiegel.reading import require
from models import ItemKind

if TYPE_CHECKING:
    from handlers.observations.draft import ObservationDraft

_log = logging.getLogger(__name__)

View = tuple[str, InlineKeyboardMarkup]
_ASKED = (ItemKind.STRENGTH, ItemKind.WEAKNESS, ItemKind.OPPORTUNITY, ItemKind.THREAT)


def confirmation(turn: Turn, draft: ObservationDraft, saved: View) -> View:
    """The confirmation of a melding just stored (`saved`), with the question about the
    wijkspiegel's statement the melding matches, when there is one the person may react to and
    has not reacted to yet."""
    who, actor = turn.who, turn.who.actor
    wijk_id, swot, text = draft.wijk_id, draft.swot, draft.text
    if actor is None or wijk_id is None or not swot or not text:
        return saved
    if not actor.can(Action.REACT, wijk_id):
        return saved  # a partner reads the wijkspiegel but does not react to it
    services = turn.services
    try:
        statement = matching_statement(
            services.db,
            wijk_id,
            text,
            swot,
            vocabulary_or_shipped(services.config.digest.vocabulary),
            person_id=actor.id,
            cache=services.recognised,
        )
    except Exception:  # the melding is stored: never lose its confirmation over the question
        _log.exception("could not match a melding with the wijkspiegel")
        return saved
    if statement is None:
        return saved
    return views.recognised_question(who, saved, statement.text, statement.item_id)


def _is_answer(row: Sequence[InlineKeyboardButton]) -> bool:
    for pressable in row:
        data = pressable.callback_data
        try:
            if isinstance(data, str) and isinstance(callbacks.decode(data), SpiegelRecognised):
                return True
        except BadCallback:
            continue
    return False


def _without_question(update: Update, who: Who) -> View:
    """The pressed message as it was before the question: its text up to the question (the
    last paragraph) and its buttons but the answers. Whatever else the confirmation said
    stays. A message Telegram no longer shows us: only the menu button."""
    query = update.callback_query
    message = query.message if query is not None else None
    if not isinstance(message, Message) or not message.text:
        return "", menu_keyboard(who)
    text, _, _ = message.text_html.rpartition(views.PARAGRAPH)
    rows = message.reply_markup.inline_keyboard if message.reply_markup else ()
    kept = [list(row) for row in rows if not _is_answer(row)]
    return text, InlineKeyboardMarkup(kept) if kept else menu_keyboard(who)


@private_handler()
async def recognised_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """sr:<item_id>:<y|n|s>"""
    assert who.actor is not None
    pressed = payload(update, SpiegelRecognised)
    services = context.services
    # Checked like a reaction in the wijkspiegel: the button says only which statement.
    found = services.statements.active_item(services.db, pressed.item_id)
    if found is None:
        raise BadCallback("statement unknown, retired or of an older edition")
    item, edition = found
    if ItemKind(item.kind) not in _ASKED:
        raise BadCallback("not a statement a melding is asked about")
    require(who, Action.REACT, edition.wijk_id)
    saved = _without_question(update, who)
    verdict = pressed.verdict
    if verdict is None:  # Sla over: the question goes, the confirmation stays
        await answer_query(update)
        await reply(update, *saved, edit=True)
        return
    try:
        # Committed when it returns: the thanks below confirm a stored reaction. An upsert: the
        # same press delivered twice keeps one reaction.
        _, counts = mirror.react_and_count(
            services.db, who.actor.id, item.id or 0, verdict, wijk_id=edition.wijk_id
        )
    except SQLAlchemyError:
        _log.warning("could not store a reaction from a melding", exc_info=True)
        await answer_query(update, who.t("spiegel.react_failed"), alert=True)
        return
    await answer_query(update, who.t("spiegel.saved"))
    await reply(update, *views.recognised_thanks(who, saved, counts), edit=True)
