"""One error handler: log with context (never the token), tell the person something useful."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.app import WijkContext
from handlers.common import menu_keyboard, who_is

_log = logging.getLogger("wijkbot.errors")


async def on_error(update: object, context: WijkContext) -> None:
    error = context.error
    where = ""
    if isinstance(update, Update):
        chat = update.effective_chat
        where = f"update {update.update_id} chat {chat.id if chat else '-'} type {chat.type if chat else '-'}"
    if isinstance(error, Forbidden):
        _log.info("blocked by a user (%s): %s", where, error)
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
    except Exception:  # noqa: BLE001  (telling them failed too; it is logged above)
        _log.warning("could not tell the user about the error (%s)", where)
