""" "Wat weten we nog niet?" for the wijk's coaches: the menu entry and its buttons.

Permissions are checked here for every button (Action.VIEW_BLIND_SPOTS in the wijk asked for); a
wijk id in a button is only a wish.
"""

from __future__ import annotations

from telegram import Update

from bot.context import WijkContext
from bot.people import persons
from bot.people.permissions import Action, PermissionDenied
from bot.spiegel import blind_spots as bs
from bot.telegram.callbacks import BadCallback, BlindSpotsView
from handlers.blind_spots import views
from handlers.common import Who, answer_query, payload, private_handler, reply
from models import Role, Wijk


def is_coach(who: Who) -> bool:
    return who.actor is not None and who.actor.can_anywhere(Action.VIEW_BLIND_SPOTS)


async def open_from_menu(update: Update, context: WijkContext, who: Who) -> None:
    if not is_coach(who):
        raise PermissionDenied("blind_spots.coach_only")
    assert who.actor is not None
    services = context.services
    key = bs.current_quarter(services.clock.now(), services.tz).key
    with services.db.session() as session:
        ids = who.actor.wijken_with(Role.COACH, Role.ADMIN)
        wijken = sorted(
            (w for i in ids if (w := persons.wijk_by_id(session, i)) is not None),
            key=lambda w: w.name,
        )
    if len(wijken) == 1:
        await _show(update, context, who, wijken[0], key)
        return
    await reply(update, who.t("blind_spots.choose_wijk"), views.wijk_choice(who, wijken, key))


@private_handler(needs_wijk=False)
async def blind_spots_pressed(update: Update, context: WijkContext, who: Who) -> None:
    wanted = payload(update, BlindSpotsView)
    assert who.actor is not None
    if not who.actor.can(Action.VIEW_BLIND_SPOTS, wanted.wijk_id):
        raise PermissionDenied("blind_spots.coach_only")
    await answer_query(update)
    with context.services.db.session() as session:
        wijk = persons.wijk_by_id(session, wanted.wijk_id)
    if wijk is None:
        raise BadCallback("no such wijk")
    await _show(update, context, who, wijk, wanted.period)


async def _show(update: Update, context: WijkContext, who: Who, wijk: Wijk, key: str) -> None:
    services = context.services
    try:
        period = bs.parse_period(key, services.tz)
    except ValueError:
        raise BadCallback(key) from None
    with services.db.session() as session:
        spots = bs.blind_spots(
            session, services.config, wijk, period, services.clock.now(), cache=services.recognised
        )
    text = views.render(who.t, who.lang, services.config.themes, spots)
    year = key.split("-")[0]
    previous = bs.previous_quarter(period, services.tz).key
    current = bs.current_quarter(services.clock.now(), services.tz).key
    markup = views.buttons(who, wijk.id or 0, key, previous, year, current)
    await reply(update, text, markup, edit=True)
