""" "Digest nu" and `/digest [wijk]`: the coach's digest, now, in this chat.

Permissions are checked here for every command and button (Action.VIEW_DIGEST in the wijk asked
for); a wijk id in a button is only a wish. Each one asked for is kept as the scheduled ones are
(bot.digest.jobs.send_asked), so the desk's archive shows it, marked as asked for.
"""

from __future__ import annotations

from sqlmodel import Session
from telegram import Update

from bot.context import WijkContext
from bot.digest import jobs
from bot.people import persons
from bot.people.permissions import Action, PermissionDenied
from bot.telegram.callbacks import (
    BadCallback,
    DigestNow,
)
from handlers.common import (
    Who,
    answer_query,
    menu_keyboard,
    payload,
    private_handler,
    reply,
)
from handlers.digest import views
from models import Role, Wijk


def is_coach(who: Who) -> bool:
    return who.actor is not None and who.actor.can_anywhere(Action.VIEW_DIGEST)


def require_coach(who: Who) -> None:
    if not is_coach(who):
        raise PermissionDenied("digest.coach_only")


def require_coach_of(context: WijkContext, who: Who, wijk_id: int) -> None:
    """A wijk id from a coach's button: only the server's memberships decide (PermissionDenied),
    and a wijk that does not exist is a bad button."""
    require_coach(who)
    assert who.actor is not None
    who.actor.require(Action.VIEW_DIGEST, wijk_id)
    with context.services.db.session() as session:
        if persons.wijk_by_id(session, wijk_id) is None:
            raise BadCallback("no such wijk")


def coach_wijken(session: Session, who: Who) -> list[Wijk]:
    assert who.actor is not None
    ids = who.actor.wijken_with(Role.COACH, Role.ADMIN)
    wijken = [w for i in ids if (w := persons.wijk_by_id(session, i)) is not None]
    return sorted(wijken, key=lambda w: w.name)


# --- Digest nu and /digest ---------------------------------------------------------------------


@private_handler(needs_wijk=False)
async def digest_command(update: Update, context: WijkContext, who: Who) -> None:
    require_coach(who)
    wanted = " ".join(context.args or []).strip().lower()
    with context.services.db.session() as session:
        wijken = coach_wijken(session, who)
    if wanted:
        match = [w for w in wijken if wanted in (w.slug.lower(), w.name.lower())]
        if not match:
            await reply(update, who.t("digest.unknown_wijk"), views.wijk_choice(who, wijken))
            return
        wijken = match
    await _choose_or_send(update, context, who, wijken)


async def open_now(update: Update, context: WijkContext, who: Who) -> None:
    require_coach(who)
    with context.services.db.session() as session:
        wijken = coach_wijken(session, who)
    await _choose_or_send(update, context, who, wijken)


async def _choose_or_send(
    update: Update, context: WijkContext, who: Who, wijken: list[Wijk]
) -> None:
    if len(wijken) == 1 and wijken[0].id is not None:
        await _send_now(update, context, who, wijken[0].id)
        return
    await reply(update, who.t("digest.choose_wijk"), views.wijk_choice(who, wijken))


@private_handler(needs_wijk=False)
async def digest_pressed(update: Update, context: WijkContext, who: Who) -> None:
    wijk_id = payload(update, DigestNow).wijk_id
    require_coach_of(context, who, wijk_id)
    await answer_query(update)
    await _send_now(update, context, who, wijk_id)


async def _send_now(update: Update, context: WijkContext, who: Who, wijk_id: int) -> None:
    assert who.actor is not None
    who.actor.require(Action.VIEW_DIGEST, wijk_id)
    services = context.services
    chat = update.effective_chat
    if chat is None:
        return
    sent = await jobs.send_asked(services, context.bot, chat.id, who.actor.id, wijk_id, who.lang)
    if not sent:
        await reply(update, who.t("digest.failed"), menu_keyboard(who))
