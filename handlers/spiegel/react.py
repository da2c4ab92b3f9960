"""Reacting to a spiegel statement: recognise it or not (rx:<item>:<y|n>), add a comment
(rx:<item>:c, the spiegel_comment flow), or retry storing one (rx:<item>:r:<nonce>).

After a reaction the statement's message shows the counts so far. The statement's wijk is looked
up for every press: the button says only which statement.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot.context import WijkContext
from bot.people.permissions import Action
from bot.spiegel import mirror as service
from bot.telegram import flow_table
from bot.telegram.callbacks import BadCallback, ReactComment, ReactRetry, ReactVerdict
from handlers.common import Turn, Who, answer_query, any_payload, private_handler, reply
from handlers.spiegel import comment
from handlers.spiegel.reading import require, statement_now

_log = logging.getLogger(__name__)


@private_handler()
async def react_pressed(update: Update, context: WijkContext, who: Who) -> None:
    assert who.actor is not None
    pressed = any_payload(update)
    if not isinstance(pressed, ReactVerdict | ReactComment | ReactRetry):
        raise BadCallback("not a reaction button")
    services = context.services
    found = services.statements.active_item(services.db, pressed.item_id)
    if found is None:
        raise BadCallback("statement unknown or retired")
    item, edition = found
    require(who, Action.REACT, edition.wijk_id)
    turn = Turn(update, context, who)
    if isinstance(pressed, ReactComment):
        await comment.ask_comment(turn, item)
        return
    if isinstance(pressed, ReactRetry):
        await flow_table.press(comment.TABLE, turn, pressed)
        return
    try:
        # Committed when it returns: the message below confirms a stored reaction.
        reaction, counts = service.react_and_count(
            services.db, who.actor.id, item.id or 0, pressed.verdict, wijk_id=edition.wijk_id
        )
    except SQLAlchemyError:
        _log.warning("could not store a reaction", exc_info=True)
        await answer_query(update, who.t("spiegel.react_failed"), alert=True)
        return
    shown = statement_now(context, who, None, item, edition, reaction, counts)
    await answer_query(update, who.t("spiegel.saved"))
    await reply(update, *shown, edit=True)
