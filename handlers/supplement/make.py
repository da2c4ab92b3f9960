"""Making the supplement: the menu entry (one wijk: at once; several: a choice) and the wijk
button. The year is the current one by the project's clock, in the project's time zone."""

from __future__ import annotations

import asyncio
import io
import logging

from telegram import InputFile, Update

from bot.context import Services, WijkContext
from bot.people import persons
from bot.people.permissions import Action
from bot.supplement import builder, render
from bot.telegram.callbacks import SupplementMake
from handlers.common import Who, answer_query, esc, menu_keyboard, payload, private_handler, reply
from handlers.digest.now import coach_wijken, require_coach, require_coach_of
from handlers.supplement import views

_log = logging.getLogger(__name__)


async def open_supplement(update: Update, context: WijkContext, who: Who) -> None:
    require_coach(who)
    with context.services.db.session() as session:
        wijken = coach_wijken(session, who)
    if len(wijken) == 1 and wijken[0].id is not None:
        await _make(update, context, who, wijken[0].id)
        return
    await reply(update, who.t("supplement.choose_wijk"), views.wijk_choice(who, wijken))


@private_handler(needs_wijk=False)
async def supplement_pressed(update: Update, context: WijkContext, who: Who) -> None:
    wijk_id = payload(update, SupplementMake).wijk_id
    require_coach_of(context, who, wijk_id)
    await answer_query(update)
    await _make(update, context, who, wijk_id)


def _build(services: Services, wijk_id: int, lang: str) -> tuple[str, bytes, str, int] | str:
    """(file name, DOCX, wijk name, year), or the wijk's name when the year has no data."""
    year = services.clock.now().astimezone(services.tz).year
    with services.db.session() as session:
        wijk = persons.wijk_by_id(session, wijk_id)
        assert wijk is not None
        try:
            data = builder.build(session, services.config, wijk, year)
        except builder.NoDataForYear:
            return wijk.name
    return render.filename(data, "docx", lang), render.render(data, lang, "docx"), wijk.name, year


async def _make(update: Update, context: WijkContext, who: Who, wijk_id: int) -> None:
    assert who.actor is not None
    who.actor.require(Action.VIEW_DIGEST, wijk_id)
    services = context.services
    chat = update.effective_chat
    if chat is None:
        return
    try:
        made = await asyncio.to_thread(_build, services, wijk_id, who.lang)
    except Exception:
        _log.exception("supplement for wijk %s failed", wijk_id)
        await reply(update, who.t("supplement.failed"), menu_keyboard(who))
        return
    if isinstance(made, str):
        year = services.clock.now().astimezone(services.tz).year
        await reply(
            update, who.t("supplement.no_data", wijk=esc(made), year=year), menu_keyboard(who)
        )
        return
    name, content, wijk_name, year = made
    # Sent once, not retried: a second copy of a file is worse than a "try again".
    await context.bot.send_document(
        chat.id,
        InputFile(io.BytesIO(content), filename=name),
        caption=who.t("supplement.caption", wijk=esc(wijk_name), year=year),
        reply_markup=views.back_to_menu(who),
    )
