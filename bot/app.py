"""Builds the PTB Application: persistence, rate limiter, defaults, start-up tasks; what runs on
it (handlers, jobs, ...) is wired by bot/wiring.py."""

from __future__ import annotations

import logging
from typing import Any, cast

from telegram import BotCommandScopeAllGroupChats
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest

from bot import wiring
from bot.context import Services, WijkApplication, WijkContext
from bot.core.i18n import LANGUAGES
from bot.desk import links
from bot.people import persons
from bot.telegram import command_menu
from bot.telegram.persistence import DatabasePersistence
from bot.telegram.rate_limit import ChatRateLimiter

_log = logging.getLogger(__name__)

# A syntactically valid token for offline use (tests, demo): the fake Bot API accepts any.
OFFLINE_TOKEN = "123456789:OFFLINE-demo-token-not-a-real-one-000000"


def build_application(
    services: Services,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    token: str | None = None,
    rate_limiter: bool = True,
) -> WijkApplication:
    config = services.config
    builder = (
        ApplicationBuilder()
        .application_class(WijkApplication, kwargs={"services": services})
        .token(token or config.telegram.token or OFFLINE_TOKEN)
        .base_url(config.telegram.bot_api_url)
        .base_file_url(config.telegram.bot_api_file_url)
        .context_types(ContextTypes(context=WijkContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=config.general.tz))
        .persistence(DatabasePersistence(services.db))
        .post_init(_post_init)
        # ConversationHandler-style flows and concurrent updates do not mix (PTB docs).
        .concurrent_updates(False)
    )
    if rate_limiter:
        # Paced per chat as well as overall, and a 429 in one chat holds up that chat only
        # (bot/telegram/rate_limit.py); PTB's AIORateLimiter would halt every request.
        # PTB types the limiter's per-request data as None by default; ours takes none either.
        builder = builder.rate_limiter(
            ChatRateLimiter(  # type: ignore[arg-type]
                overall_max_rate=config.telegram.rate_overall_per_second,
                overall_time_period=1,
                group_max_rate=config.telegram.rate_group_per_minute,
                group_time_period=60,
                chat_max_rate=config.telegram.rate_chat_per_second,
                chat_time_period=1,
                max_retries=config.telegram.rate_max_retries,
            )
        )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    app = cast(WijkApplication, builder.build())

    with services.db.session() as session:
        persons.sync_wijken(session, config)
    wiring.wire(app)
    return app


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    wapp = cast(WijkApplication, app)
    if not wapp.services.bot_username:
        wapp.services.bot_username = (
            wapp.services.config.municipality.bot_username or app.bot.username
        )
    # Everyone's menu; a chat whose person may do more or less (a coach, a partner), or who
    # chose another language than their Telegram app's, gets one of its own.
    private = wiring.PRIVATE_COMMANDS
    await command_menu.set_everyone_menu(app.bot, private)
    with wapp.services.db.session() as session:
        own = command_menu.people_with_own_menu(session, private)
    desk_url = links.web_app_url(wapp.services.config)
    for chat_id, lang, app_language, roles in own:
        await command_menu.show_menu(
            app.bot, chat_id, lang, private, roles, app_language=app_language, desk_url=desk_url
        )
    for lang in LANGUAGES:
        in_groups = command_menu.menu_of(wiring.GROUP_COMMANDS, lang)
        if in_groups:
            await app.bot.set_my_commands(
                in_groups, scope=BotCommandScopeAllGroupChats(), language_code=lang
            )
    _log.info("started as @%s", wapp.services.bot_username)
