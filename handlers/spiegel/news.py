""" "Nieuws uit je wijk": the resident's yes or no, asked once on the spiegel overview and
changed in the menu (bot/spiegel/news.py stores it; bot/spiegel/news_delivery.py sends)."""

from __future__ import annotations

from telegram import Update

from bot.context import WijkContext
from bot.spiegel import news as service
from bot.spiegel.mirror import current_edition
from bot.telegram.callbacks import WijkNewsChoice
from handlers.common import Who, answer_query, payload, private_handler, reply
from handlers.spiegel import views
from handlers.spiegel.reading import show_current, show_overview


def news_visible(who: Who) -> bool:
    return who.known


async def open_news_setting(update: Update, context: WijkContext, who: Who) -> None:
    on = who.actor is not None and bool(who.actor.person.wijk_news)
    await reply(update, *views.news_setting(who, on), edit=True)


@private_handler()
async def news_pressed(update: Update, context: WijkContext, who: Who) -> None:
    pressed = payload(update, WijkNewsChoice)
    assert who.actor is not None and who.actor.person.id is not None
    with context.services.db.session() as session:
        service.set_choice(session, who.actor.person.id, pressed.yes)
        wijk_id = who.wijk_id
        edition = current_edition(session, wijk_id) if wijk_id is not None else None
    await answer_query(update)
    if pressed.where == "m":
        await reply(update, *views.news_setting(who, pressed.yes), edit=True)
    elif edition is not None and edition.id is not None:
        await show_overview(update, context, who, edition.id, edit=True, ask_news=False)
    else:
        await show_current(update, context, who, edit=True)
