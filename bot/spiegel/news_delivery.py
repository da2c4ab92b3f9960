""" "Nieuws uit je wijk" goes out: a job (every few minutes, and once at start-up) finds the
wijken whose spiegel changed (bot/spiegel/news.py), claims each one's news, and sends one
message with a button to the spiegel to every resident who said yes, through the shared
broadcast (bot/telegram/broadcast.py), with a progress message for the coach who made the
change (or the wijk's coaches).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.ext import Application

from bot.core.i18n import format_number, t
from bot.core.text import esc
from bot.people import persons
from bot.spiegel import news as service
from bot.telegram.broadcast import ProgressEdits, Status, deliver_one, finish, safe_send, send_all
from bot.telegram.callbacks import SpiegelOverview, button
from bot.telegram.jobs import at_start_and_every

if TYPE_CHECKING:
    from bot.context import WijkApplication, WijkContext

_log = logging.getLogger(__name__)

EVERY_SECONDS = 300


def message(lang: str, news: service.News) -> tuple[str, InlineKeyboardMarkup]:
    wijk = esc(news.wijk_name)
    if news.new_edition:
        text = t(lang, "spiegel_editing.news_new_edition", wijk=wijk, year=news.year)
    else:
        text = t(lang, "spiegel_editing.news_changed", wijk=wijk)
    markup = InlineKeyboardMarkup(
        [[button(t(lang, "spiegel_editing.news_open"), SpiegelOverview(news.edition_id))]]
    )
    return text, markup


async def run(app: WijkApplication) -> int:
    """Send every wijk's news that is due; returns how many messages went out."""
    services = app.services
    now = services.clock.now()
    with services.db.session() as session:
        found = service.due(session, now)
    sent = 0
    for news in found:
        with services.db.session() as session:
            if not service.claim(session, news, now):
                continue
            people = service.recipients(session, news.wijk_id)
        sent += await _send(app, news, people)
    return sent


async def _send(app: WijkApplication, news: service.News, people: list[service.Recipient]) -> int:
    services = app.services
    bot: Bot = app.bot
    total = len(people)
    coach = news.coaches[0] if news.coaches else None
    wijk = esc(news.wijk_name)

    def progress_text(done: int) -> str:
        assert coach is not None
        lang = coach.language
        return t(
            lang,
            "spiegel_editing.news_progress",
            wijk=wijk,
            done=format_number(done, lang),
            total=format_number(total, lang),
        )

    progress: Message | None = None
    if coach is not None and people:
        progress = await safe_send(bot, coach.telegram_id, progress_text(0))
    edits = ProgressEdits(
        progress, progress_text, total, services.config.telegram.progress_edit_seconds
    )
    rendered: dict[str, tuple[str, InlineKeyboardMarkup]] = {}
    reached = 0

    async def send(person: service.Recipient) -> None:
        nonlocal reached
        if person.language not in rendered:
            rendered[person.language] = message(person.language, news)
        text, markup = rendered[person.language]
        outcome = await deliver_one(
            bot, person.telegram_id, text, markup, what=f"wijk news to person {person.person_id}"
        )
        if outcome.status is Status.UNREACHABLE:
            with services.db.session() as session:
                persons.mark_unreachable(session, person.person_id, services.clock.now())
        elif outcome.status is not Status.FAILED:
            reached += 1

    await send_all(people, send, edits)
    if people:
        for index, to in enumerate(news.coaches):
            final = t(
                to.language,
                "spiegel_editing.news_done",
                wijk=wijk,
                reached=format_number(reached, to.language),
                missed=format_number(total - reached, to.language),
            )
            if index == 0:
                await finish(bot, to.telegram_id, progress, final)
            else:
                await safe_send(bot, to.telegram_id, final)
    _log.info("wijk news for wijk %s: %s of %s reached", news.wijk_id, reached, total)
    return reached


async def run_job(context: WijkContext) -> None:
    await run(cast("WijkApplication", context.application))


def install(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """One repeating job, and one run at start-up (bot/telegram/jobs.py)."""
    if app.job_queue is None:
        _log.warning("no JobQueue: no Nieuws uit je wijk")
        return
    at_start_and_every(app.job_queue, run_job, EVERY_SECONDS, "wijk-news")
