"""Getting one digest to a coach's chat: built and rendered, then sent part by part.

A digest goes out as parts: its HTML messages, the chart, and the list as a CSV document (the
last carries the way on: settings and menu). `deliver` can start after the parts an earlier
attempt sent, and waits out flood control that reaches it; any other failure stops it with a
`DeliveryError` that says how many parts went out. Whether and when a digest is sent, and what
is recorded about it, is bot.digest.jobs's business (or the caller's, for an on-demand digest).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    WebAppInfo,
)
from telegram.constants import ParseMode
from telegram.error import RetryAfter

from bot.core.config import DeskConfig
from bot.core.i18n import t
from bot.digest import builder, chart, render
from bot.digest.periods import Period
from bot.telegram.callbacks import CoachAction, CoachVerb, MenuItem, button
from bot.telegram.sending import may_have_arrived
from models import Wijk

if TYPE_CHECKING:
    from bot.context import Services

_log = logging.getLogger(__name__)

RETRY_AFTER_TRIES = 3


@dataclass
class Outgoing:
    """One digest ready to send: its messages, the chart and the list."""

    texts: list[str]
    chart: bytes
    csv: bytes
    csv_name: str
    lang: str
    attention_message: int | None = None
    attention_ids: list[int] | None = None
    quiet: bool = False
    # The desk's settings: "Bureau openen" under the digest when it is on.
    desk: DeskConfig | None = None

    @property
    def total(self) -> int:
        """How many parts: the messages, the chart and the list."""
        return len(self.texts) + 2


class DeliveryError(Exception):
    """A part could not be sent; `sent` parts (counted from the first) went out before it."""

    def __init__(self, sent: int, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.sent, self.cause = sent, cause


def prepare(services: Services, wijk_id: int, period: Period, lang: str) -> Outgoing:
    """Build and render (blocking: database and matplotlib; run it in a thread)."""
    with services.db.session() as session:
        wijk = session.get(Wijk, wijk_id)
        if wijk is None:
            raise LookupError(f"no wijk {wijk_id}")
        grouper = services.digest_grouper
        data = builder.build(
            session, services.config, wijk, period, services.clock.now(), grouper=grouper
        )
    narrator = services.digest_narrator
    if narrator is not None:
        try:
            data.narratives.update(narrator(data, lang) or {})
        except Exception:  # the narrative is optional: the digest goes without it
            _log.warning("digest narrative failed", exc_info=True)
    rendered = render.render_html(data, lang, services.config)
    return Outgoing(
        texts=rendered.messages,
        chart=chart.render_chart(data, lang),
        csv=render.render_csv(data, lang, services.config),
        csv_name=render.csv_filename(data, lang),
        lang=lang,
        attention_message=rendered.attention_message,
        attention_ids=rendered.attention_ids,
        quiet=data.quiet,
        desk=services.config.desk,
    )


def closing_keyboard(lang: str, desk: DeskConfig | None = None) -> InlineKeyboardMarkup:
    """Every message has a way on: the menu, and the digest settings; with the desk on,
    "Bureau openen" (a Mini App on https, else the menu entry that sends a login link)."""
    rows = [
        [
            button(t(lang, "digest.settings_button"), MenuItem("digest_settings")),
            button(t(lang, "menu.back_to_menu"), MenuItem("main")),
        ]
    ]
    if desk is not None and desk.enabled:
        label = t(lang, "desk.open_button")
        if desk.https:
            rows.insert(0, [InlineKeyboardButton(label, web_app=WebAppInfo(desk.base_url + "/"))])
        else:
            rows.insert(0, [button(label, MenuItem("bureau"))])
    return InlineKeyboardMarkup(rows)


def open_buttons(lang: str, observation_ids: list[int]) -> list[list[InlineKeyboardButton]]:
    """Buttons under "needs attention": the coach's feature opens `co:<id>:open`."""
    buttons = [
        button(t(lang, "digest.open_ref", ref=f"M-{i}"), CoachAction(i, CoachVerb.OPEN))
        for i in observation_ids
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _parts(bot: Bot, chat_id: int, outgoing: Outgoing) -> list[Callable[[], Awaitable[Message]]]:
    """One call per part, in the order they go out."""
    lang = outgoing.lang
    parts: list[Callable[[], Awaitable[Message]]] = []
    for index, text in enumerate(outgoing.texts):
        markup = None
        if index == outgoing.attention_message:
            rows = open_buttons(lang, list(outgoing.attention_ids or []))
            if rows:
                markup = InlineKeyboardMarkup(rows)
        parts.append(
            partial(bot.send_message, chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        )
    parts.append(
        partial(
            bot.send_photo,
            chat_id,
            InputFile(outgoing.chart, filename="digest.png"),
            caption=t(lang, "digest.chart_caption"),
            parse_mode=ParseMode.HTML,
        )
    )
    parts.append(
        partial(
            bot.send_document,
            chat_id,
            InputFile(outgoing.csv, filename=outgoing.csv_name),
            caption=t(lang, "digest.csv_caption"),
            parse_mode=ParseMode.HTML,
            reply_markup=closing_keyboard(lang, outgoing.desk),
        )
    )
    return parts


@dataclass
class Delivered:
    """How `deliver` ended without a DeliveryError."""

    # Parts (counted from 1) whose send timed out: they may be missing in the chat.
    uncertain: list[int]
    # `after_part` asked to stop (another sender holds the digest now).
    stopped: bool = False


async def deliver(
    bot: Bot,
    chat_id: int,
    outgoing: Outgoing,
    *,
    skip: int = 0,
    after_part: Callable[[int], Awaitable[bool]] | None = None,
) -> Delivered:
    """Send the texts, the chart and the CSV; raises DeliveryError with how many parts went out.

    `skip` parts are not sent again (a retry after a failure half-way never repeats a part).
    `after_part(n)` runs once the first n parts are out (the caller records it; False: stop).
    A RetryAfter that reaches us (the rate limiter gave up, or there is none) is waited out here.
    A part whose send timed out may have arrived: it is counted as sent and the next one follows,
    so a part is never shown twice; the risk is a missing one (docs/architecture/exactly-once.md).
    """
    uncertain: list[int] = []
    for index, part in enumerate(_parts(bot, chat_id, outgoing)):
        if index < skip:
            continue
        for attempt in range(RETRY_AFTER_TRIES + 1):
            try:
                await part()
                break
            except RetryAfter as exc:
                if attempt == RETRY_AFTER_TRIES:
                    raise DeliveryError(index, exc) from exc
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                _log.info("Telegram asks to wait %.0f s before the next digest part", seconds)
                await asyncio.sleep(seconds)
            except Exception as exc:
                if not may_have_arrived(exc):
                    raise DeliveryError(index, exc) from exc
                _log.warning(
                    "digest part %d of %d may not have arrived (%s): not sent again",
                    index + 1,
                    outgoing.total,
                    exc,
                )
                uncertain.append(index + 1)
                break
        if after_part is not None and not await after_part(index + 1):
            return Delivered(uncertain, stopped=True)
    return Delivered(uncertain)
