"""One error handler: log with context (never the token), tell the person something useful.

It needs no database: when the database is the trouble, a lookup here would fail as well and
the person would hear nothing. Who the person is comes from the actor cache or, failing that,
from the update alone (bot/telegram/outage.py)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.context import WijkContext
from bot.core.i18n import t
from bot.core.logs import RedactTokens, pseudonym
from bot.telegram import outage
from bot.telegram.callbacks import BadCallback
from handlers.common import Who, answer_query, menu_keyboard, stale_button

_log = logging.getLogger("wijkbot.errors")
# Tracebacks quote exception texts, and an HTTP error's text holds a URL with the token in it;
# masked here too, not only by the handler setup_logging installs (tests and embedders lack it).
_log.addFilter(RedactTokens())


async def on_error(update: object, context: WijkContext) -> None:
    error = context.error
    where = ""
    if isinstance(update, Update):
        chat = update.effective_chat
        chat_type = chat.type if chat else "-"
        where = (
            f"update {update.update_id} chat {pseudonym(chat.id) if chat else '-'} type {chat_type}"
        )
    if isinstance(error, Forbidden):
        _log.info("blocked by a user (%s): %s", where, error)
        return
    if outage.is_storage_away(error) and isinstance(update, Update):
        await _storage_away(update, context, where)
        return
    if isinstance(error, BadCallback) and isinstance(update, Update) and update.callback_query:
        # A handler that parsed callback data outside @private_handler: still just an old button.
        _log.info("bad callback data (%s): %s", where, error)
        who = _who(update, context)
        if who is not None:
            await stale_button(update, who)
        return
    if isinstance(error, (TimedOut, RetryAfter, NetworkError)):
        _log.warning("Telegram was not reachable (%s): %s", where, error)
    else:
        _log.error("error while handling %s", where or "a job", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return  # groups are not told about our troubles
    who = _who(update, context)
    if who is None:
        return
    try:
        await update.effective_chat.send_message(
            who.t("errors.something_wrong"), reply_markup=menu_keyboard(who)
        )
    except Exception:
        _log.warning("could not tell the user about the error (%s)", where)


def _who(update: Update, context: WijkContext) -> Who | None:
    """The sender as far as known without the database: their roles only if still cached."""
    user = update.effective_user
    if user is None:
        return None
    services = context.services
    actor = services.actors.cached(user.id)
    return Who(user.id, outage.language(services, user), actor, user.first_name or "")


async def _storage_away(update: Update, context: WijkContext, where: str) -> None:
    """Told once, in their language; the update is handled again when the database is back."""
    first = context.services.outage.hold(update)
    _log.warning("the database is away (%s): update held (%s)", where, context.error)
    chat = update.effective_chat
    if not first or chat is None or chat.type != "private":
        return  # groups are not told about our troubles; a vote is held all the same
    lang = outage.language(context.services, update.effective_user)
    await answer_query(update)
    try:
        await chat.send_message(t(lang, "errors.storage_away"))
    except Exception:
        _log.warning("could not tell the user the database is away (%s)", where)
