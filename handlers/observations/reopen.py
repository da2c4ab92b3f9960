"""The sender's one answer under a status notice ("Klopt niet", "Nog steeds niet opgelost"):
the observation is new again (bot/observations/workflow.py `reopen`), and an earlier answer
(with the sender's reply to it) moves into its history, so a coach can answer it again. Who may
press is checked on the server: the observation's sender, or a supporter under their own
notice. Once per notice; a notice overtaken by a later change, or pressed again, gets a clear
answer and loses its buttons. The wijk's coaches see it in their inbox as new again (the chat's
"Nieuw" list, the digest's "waits for an answer"); no extra message to them.
"""

from __future__ import annotations

from telegram import Update

from bot.context import WijkContext
from bot.observations import workflow
from bot.observations.coach import Refused
from bot.telegram.callbacks import StatusReopen
from handlers.common import (
    Who,
    answer_query,
    keyboard,
    menu_button,
    payload,
    private_handler,
    reply,
)


@private_handler(needs_wijk=False)
async def reopen_pressed(update: Update, context: WijkContext, who: Who) -> None:
    pressed = payload(update, StatusReopen)
    assert who.actor is not None and who.actor.person.id is not None
    services = context.services
    try:
        with services.db.session() as session:
            obs, _ = workflow.reopen(
                session,
                who.actor.person.id,
                pressed.event_id,
                pressed.reason,
                now=services.clock.now(),
            )
    except Refused as refused:
        text = who.t(refused.message_key)
        await answer_query(update, text, alert=True)
        await reply(update, text, keyboard([menu_button(who)]), edit=True)
        return
    await answer_query(update)
    text = who.t("status_notice.reopened", reference=obs.reference)
    await reply(update, text, keyboard([menu_button(who)]), edit=True)
