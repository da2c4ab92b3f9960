""" "Over jou" in the bot: the question after a first observation or reaction (in the menu, see
handlers/main_menu.py), its three questions, changing and erasing the answers.

Each button stores its one answer at once and the pressed message becomes the next question:
the same press twice stores the same, so there is no flow to keep.
"""

from __future__ import annotations

from telegram import Update

from bot.context import WijkContext
from bot.people import about_you
from bot.telegram.callbacks import AboutYou
from handlers.about_you import views
from handlers.common import Who, answer_query, menu_keyboard, payload, private_handler, reply


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
    with context.services.db.session() as session:
        if pressed.field == "x":
            if pressed.value == "no":
                about_you.mark_asked(session, person_id)
                await reply(update, who.t("about_you.declined"), menu_keyboard(who), edit=True)
                return
            if pressed.value == "del":
                about_you.erase_answers(session, person_id)
                row = about_you.answers(session, person_id)
                text, markup = views.summary(who, row, who.t("about_you.erased"))
                await reply(update, text, markup, edit=True)
                return
            if pressed.value == "me":
                text, markup = views.summary(who, about_you.answers(session, person_id))
                await reply(update, text, markup, edit=True)
                return
            row = about_you.mark_asked(session, person_id)  # "go": the first question
            text, markup = views.question(who, about_you.ORDER[0], row)
            await reply(update, text, markup, edit=True)
            return
        if pressed.value == "-":  # skipped: what was there stays
            row = about_you.mark_asked(session, person_id)
        else:
            row = about_you.set_answer(session, person_id, pressed.field, pressed.value)
        following = about_you.next_field(pressed.field)
        if following is None:
            text, markup = views.summary(who, row, who.t("about_you.thanks"))
        else:
            text, markup = views.question(who, following, row)
    await reply(update, text, markup, edit=True)
