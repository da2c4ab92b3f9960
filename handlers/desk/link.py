"""/bureau: a one-time login link to the desk, for coaches only."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import LinkPreviewOptions, Message, Update

from bot.context import WijkContext
from bot.core.logs import pseudonym
from bot.desk import links, login_links
from bot.observations.coach import handled_wijken
from handlers.common import Who, answer_query, menu_keyboard, private_handler, reply
from handlers.desk import views

_log = logging.getLogger(__name__)
# Telegram would fetch the link for a preview, and use it up.
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def visible(who: Who) -> bool:
    """The menu entry: for whoever handles a wijk's observations."""
    return bool(handled_wijken(who.actor))


def web_app_url(context: WijkContext, who: Who) -> str | None:
    """The menu entry opens the desk as a Mini App where Telegram allows it (https)."""
    return links.web_app_url(context.services.config)


@private_handler(needs_wijk=False)
async def bureau_command(update: Update, context: WijkContext, who: Who) -> None:
    await send_link(update, context, who)


async def open_from_menu(update: Update, context: WijkContext, who: Who) -> None:
    await answer_query(update)
    await send_link(update, context, who, edit=True)


async def send_link(update: Update, context: WijkContext, who: Who, *, edit: bool = False) -> None:
    services = context.services
    config = services.config.desk
    # Whether the desk is on is the coaches' business: everyone else hears it is for coaches.
    if who.actor is None or not handled_wijken(who.actor):
        await reply(update, who.t("desk.not_coach"), menu_keyboard(who), edit=edit)
        return
    if not config.enabled:
        await reply(update, who.t("desk.off"), menu_keyboard(who), edit=edit)
        return
    with services.db.session() as session:
        token = login_links.create(
            session,
            who.actor.id,
            now=services.clock.now(),
            valid_for=timedelta(minutes=config.login_link_minutes),
        )
    url = links.login_url(services.config, token)
    text = views.link_message(who, url, config.login_link_minutes)
    markup = views.link_keyboard(who, url, links.web_app_url(services.config))
    query = update.callback_query
    # Only a text can become the link: under a file (the digest's) the link comes anew.
    pressed = query.message if query is not None else None
    if edit and isinstance(pressed, Message) and pressed.text is not None:
        await pressed.edit_text(text, reply_markup=markup, link_preview_options=NO_PREVIEW)
    elif update.effective_chat is not None:
        await update.effective_chat.send_message(
            text, reply_markup=markup, link_preview_options=NO_PREVIEW
        )
    _log.info("desk: a login link for %s", pseudonym(who.telegram_id))
