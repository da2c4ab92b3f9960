"""CBS figures about the wijk: "Cijfers over je wijk" under the spiegel's overview (fg:<wijk>:r),
and for a wijkcoach every figure with its trend, beside the statements that name figures and how
residents reacted (fg:<wijk>:c). Only stored figures are read: nobody waits for CBS."""

from __future__ import annotations

from telegram import Update

from bot.context import WijkContext
from bot.figures.combine import areas_of, wijk_figures
from bot.people import persons
from bot.people.permissions import Action, PermissionDenied
from bot.spiegel import mirror as service
from bot.telegram.callbacks import FiguresView
from handlers.common import Who, answer_query, payload, private_handler, reply
from handlers.spiegel import figures_views as views
from handlers.spiegel.reading import require


@private_handler()
async def figures_pressed(update: Update, context: WijkContext, who: Who) -> None:
    pressed = payload(update, FiguresView)
    wijk_id = pressed.wijk_id
    require(who, Action.READ_SPIEGEL, wijk_id)
    is_coach = who.actor is not None and who.actor.can(Action.MANAGE_SPIEGEL, wijk_id)
    if pressed.coach and not is_coach:
        raise PermissionDenied("errors.not_allowed")
    config = context.services.config
    with context.services.db.session() as session:
        wijk = persons.wijk_by_id(session, wijk_id)
        if wijk is None:
            raise PermissionDenied("spiegel.other_wijk")
        figures = wijk_figures(session, config, wijk.slug)
        edition = service.current_edition(session, wijk_id)
        edition_id = edition.id if edition is not None else None
        statements = []
        if pressed.coach and edition_id is not None:
            items = service.figure_statements(session, edition_id)
            counts = service.reaction_counts(session, [i.id for i in items if i.id is not None])
            statements = [(i, counts[i.id]) for i in items if i.id is not None]
    await answer_query(update)
    municipality = config.municipality.name
    if figures is None:
        mapped = bool(areas_of(config, wijk.slug))
        text, markup = views.no_figures(who, wijk.name, wijk_id, edition_id, mapped=mapped)
    elif pressed.coach:
        text, markup = views.coach(
            who,
            wijk.name,
            municipality,
            figures,
            statements,
            wijk_id=wijk_id,
            edition_id=edition_id,
            example=context.services.figures_example,
        )
    else:
        text, markup = views.resident(
            who,
            wijk.name,
            municipality,
            figures,
            config.figures.resident_measures,
            wijk_id=wijk_id,
            edition_id=edition_id,
            coach_button=is_coach,
            example=context.services.figures_example,
        )
    await reply(update, text, markup, edit=True)
