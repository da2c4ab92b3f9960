"""One error handler: log with context (never the token), tell the person something useful."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.context import WijkContext
from bot.core.logs import RedactTokens
from bot.telegram.callbacks import BadCallback
from handlers.common import menu_keyboard, stale_button, who_is

_log = logging.getLogger("wijkbot.errors")
# Tracebacks quote exception texts, and an HTTP error's text holds a URL with the token in it;
# masked here too, not only by the handler setup_logging installs (tests and embedders lack it).
_log.addFilter(RedactTokens())


async def on_error(update: object, context: WijkContext) -> None:
    error = context.error
    where = ""
    if isinstance(update, Update):
        chat = update.effective_chat
        chat_id, chat_type = (chat.id, chat.type) if chat else ("-", "-")
        where = f"update {update.update_id} chat {chat_id} type {chat_type}"
    if isinstance(error, Forbidden):
        _log.info("blocked by a user (%s): %s", where, error)
        return
    if isinstance(error, BadCallback) and isinstance(update, Update) and update.callback_query:
        # A handler that parsed callback data outside @private_handler: still just an old button.
        _log.info("bad callback data (%s): %s", where, error)
        who = who_is(update, context.services)
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
    who = who_is(update, context.services)
    if who is None:
        return
    try:
        await update.effective_chat.send_message(
            who.t("errors.something_wrong"), reply_markup=menu_keyboard(who)
        )
    except Exception:
        _log.warning("could not tell the user about the error (%s)", where)
