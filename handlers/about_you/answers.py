""" "Over jou" in the bot: the question after a first observation or reaction (in the menu, see
handlers/main_menu.py), its three questions, changing and erasing the answers.

Each button stores its one answer at once and the pressed message becomes the next question:
the same press twice stores the same, so there is no draft to keep. The `about_you` flow only
marks which question is on screen (its state is the question's field, and it has no table):
a text or photo typed meanwhile is no answer ("Kies hieronder met een knop", the question again),
and is not offered as an observation, which would answer nothing they were asked.
"""

from __future__ import annotations

from telegram import Update

from bot.context import WijkContext
from bot.people import about_you
from bot.telegram import flows
from bot.telegram.callbacks import AboutYou
from handlers.about_you import views
from handlers.common import Who, answer_query, menu_keyboard, payload, private_handler, reply

FLOW = "about_you"


async def open_from_menu(update: Update, context: WijkContext, who: Who) -> None:
    assert who.actor is not None
    with context.services.db.session() as session:
        row = about_you.answers(session, who.actor.id)
    text, markup = views.summary(who, row)
    await reply(update, text, markup, edit=True)


@private_handler(needs_wijk=False)
async def about_you_pressed(update: Update, context: WijkContext, who: Who) -> None:
    pressed = payload(update, AboutYou)
    assert who.actor is not None
    person_id = who.actor.id
    await answer_query(update)
    asking: str | None = None  # the question shown next, if any
    with context.services.db.session() as session:
        if pressed.field == "x":
            if pressed.value == "no":
                about_you.mark_asked(session, person_id)
                text, markup = who.t("about_you.declined"), menu_keyboard(who)
            elif pressed.value == "del":
                about_you.erase_answers(session, person_id)
                row = about_you.answers(session, person_id)
                text, markup = views.summary(who, row, who.t("about_you.erased"))
            elif pressed.value == "me":
                text, markup = views.summary(who, about_you.answers(session, person_id))
            else:
                row = about_you.mark_asked(session, person_id)  # "go": the first question
                asking = about_you.ORDER[0]
                text, markup = views.question(who, asking, row)
        else:
            if pressed.value == "-":  # skipped: what was there stays
                row = about_you.mark_asked(session, person_id)
            else:
                row = about_you.set_answer(session, person_id, pressed.field, pressed.value)
            asking = about_you.next_field(pressed.field)
            if asking is None:
                text, markup = views.summary(who, row, who.t("about_you.thanks"))
            else:
                text, markup = views.question(who, asking, row)
    await _asking(context, asking)
    await reply(update, text, markup, edit=True)


async def _asking(context: WijkContext, field: str | None) -> None:
    """Mark the question on screen (None: none any more). Another flow is never replaced: a
    button of an older question pressed while writing an observation keeps that draft."""
    current = flows.current(context)
    if current is not None and current.name != FLOW:
        return
    if field is None:
        await flows.end(context)
    elif current is None:
        await flows.start(context, FLOW, field)
    else:
        await flows.move(context, field)


async def typed(update: Update, context: WijkContext, who: Who, flow: flows.Flow) -> None:
    """Text or a photo while a question is on screen: the answers are the buttons."""
    assert who.actor is not None
    field = flow.state if flow.state in about_you.FIELDS else about_you.ORDER[0]
    with context.services.db.session() as session:
        row = about_you.answers(session, who.actor.id)
    text, markup = views.question(who, field, row)
    await reply(update, f"{who.t('common.use_buttons')}\n\n{text}", markup)
