""" "Over jou" in the bot: the question after a first observation or reaction (in the menu, see
handlers/main_menu.py), its three questions, changing and erasing the answers.

Each button stores its one answer at once and the pressed message becomes the next question:
the same press twice stores the same, so there is no answer to keep in a draft. The `about_you`
flow only marks which question is on screen (its state is the question's field, its draft when
it was shown, and it has no table): a text or photo typed meanwhile is no answer ("Kies
hieronder met een knop", the question again), and is not offered as an observation, which would
answer nothing they were asked. A question left unanswered for `QUESTION_HOLDS` no longer holds
a message back: the run ends there, and the message goes where it goes outside any flow (the
question whether it is an observation). The question's buttons still answer it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Update

from bot.context import WijkContext
from bot.people import about_you
from bot.telegram import flows
from bot.telegram.callbacks import AboutYou
from handlers.about_you import views
from handlers.common import (
    Who,
    answer_query,
    menu_keyboard,
    not_taken_reason,
    outside_a_flow,
    payload,
    private_handler,
    reply,
)
from handlers.main_menu import show_menu

FLOW = "about_you"
# How long a question on screen takes a typed text or photo as meant for it. Later, the person
# has moved on: days after, a text is what they came to say, not an answer.
QUESTION_HOLDS = timedelta(hours=3)


@dataclass(frozen=True)
class Shown(flows.JsonDraft):
    """When the question on screen was shown (ISO, the project's clock). None: a run started by
    a version that did not note it, shown long enough ago."""

    at: str | None = None


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
    if pressed.value == "later":
        # Stop for now: what was answered stays, the menu asks once more in a while.
        with context.services.db.session() as session:
            about_you.later(session, person_id, context.services.clock.now())
        await _asking(context, None)
        await show_menu(update, context, who, edit=True, note=who.t("about_you.later_note"))
        return
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
    """Mark the question on screen, and when it was shown (None: none any more). Another flow
    is never replaced: a button of an older question pressed while writing an observation keeps
    that draft."""
    current = flows.current(context)
    if current is not None and current.name != FLOW:
        return
    shown = Shown(at=context.services.clock.now().isoformat())
    if field is None:
        await flows.end(context)
    elif current is None:
        await flows.start(context, FLOW, field, shown)
    else:
        await flows.move(context, field, shown)


def _still_asked(context: WijkContext, flow: flows.Flow) -> bool:
    """Whether the question on screen was shown less than QUESTION_HOLDS ago."""
    at = Shown.from_json(flow.data).at
    try:
        shown = datetime.fromisoformat(at) if at is not None else None
    except ValueError:
        shown = None
    if shown is None or shown.tzinfo is None:
        return False
    return context.services.clock.now() - shown < QUESTION_HOLDS


async def typed(update: Update, context: WijkContext, who: Who, flow: flows.Flow) -> None:
    """Text or a photo while a question is on screen: the answers are the buttons. Long after
    the question was shown, the run ends and the message is taken as outside any flow."""
    assert who.actor is not None
    if not _still_asked(context, flow):
        await flows.end(context)
        await outside_a_flow(update, context, who)
        return
    await _question_again(update, context, who, flow, who.t("common.use_buttons"))


async def shown_again(
    update: Update, context: WijkContext, who: Who, flow: flows.Flow, why: str
) -> bool:
    """A sticker, a voice message, a forward or an edit while a question is on screen: why it
    was not used, and the question again with its buttons (not "Naar het menu" alone). False
    once the question no longer holds: the answer outside a flow follows."""
    if who.actor is None or not _still_asked(context, flow):
        return False
    note = "\n".join((not_taken_reason(who, why), who.t("common.go_on_below")))
    await _question_again(update, context, who, flow, note)
    return True


async def _question_again(
    update: Update, context: WijkContext, who: Who, flow: flows.Flow, note: str
) -> None:
    assert who.actor is not None
    field = flow.state if flow.state in about_you.FIELDS else about_you.ORDER[0]
    with context.services.db.session() as session:
        row = about_you.answers(session, who.actor.id)
    text, markup = views.question(who, field, row)
    await reply(update, f"{note}\n\n{text}", markup)
