"""/mijngegevens (a JSON file with everything stored about you) and /vergeetmij (erasure).

Erasure is a flow with a nonce: choose what happens to your contributions, then confirm. The
confirm button carries only the nonce and an action, never a person: it erases whoever presses
it, and only while that person's current flow is this one in the confirming state.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.context import WijkContext
from bot.privacy import personal_data
from bot.telegram import command_menu, flows
from bot.telegram.callbacks import BadCallback, Kind
from bot.telegram.persistence import CHAT, USER, DatabasePersistence
from handlers.common import (
    Who,
    answer_query,
    button,
    check_nonce,
    keyboard,
    menu_button,
    menu_keyboard,
    parse_callback,
    private_handler,
    reply,
    start_keyboard,
)

_log = logging.getLogger(__name__)

FLOW = "privacy"
CHOOSING = "choosing"  # delete or keep contributions
CONFIRMING = "confirming"

# pv:<nonce>:<action>. ASK needs no nonce (nonce 0): it only starts the flow.
ASK, DELETE_ALL, KEEP, ERASE, NO = "ask", "del", "keep", "go", "no"
_ACTIONS = {ASK, DELETE_ALL, KEEP, ERASE, NO}


# --- export ------------------------------------------------------------------------------------


@private_handler(needs_wijk=False)
async def export_command(update: Update, context: WijkContext, who: Who) -> None:
    await send_export(update, context, who)


async def send_export(update: Update, context: WijkContext, who: Who) -> None:
    services = context.services
    assert who.actor is not None
    now = services.clock.now()
    with services.db.session() as session:
        data = personal_data.export_person(session, who.actor.id, now=now)
    chat = update.effective_chat
    if chat is None:
        return
    filename = who.t("privacy.export_filename", date=now.astimezone(services.tz).date().isoformat())
    await chat.send_document(
        InputFile(personal_data.export_json(data), filename=filename, attach=False),
        caption=who.t("privacy.export_caption"),
        reply_markup=menu_keyboard(who),
    )
    text = who.t(
        "privacy.export_explained",
        observations=len(data["observations"]),
        reactions=len(data["reactions"]),
        votes=len(data["votes"]),
    )
    markup = keyboard(
        [button(who.t("privacy.erase_button"), Kind.PRIVACY, 0, ASK)], [menu_button(who)]
    )
    await reply(update, text, markup)


# --- erasure -----------------------------------------------------------------------------------


@private_handler(needs_wijk=False)
async def forget_command(update: Update, context: WijkContext, who: Who) -> None:
    await ask_erase(update, context, who)


async def ask_erase(update: Update, context: WijkContext, who: Who, *, edit: bool = False) -> None:
    assert who.actor is not None
    with context.services.db.session() as session:
        counts = personal_data.count_contributions(session, who.actor.id)
    if not counts.any:
        flow = await flows.start(context, FLOW, CONFIRMING, keep=False, contributions=False)
        await reply(
            update,
            _confirm_text(who, keep=False, contributions=False),
            _confirm_keyboard(who, flow.nonce),
            edit=edit,
        )
        return
    flow = await flows.start(context, FLOW, CHOOSING)
    text = "\n\n".join(
        [
            who.t("privacy.erase_intro"),
            who.t(
                "privacy.erase_contributions",
                observations=counts.observations,
                reactions=counts.reactions,
                votes=counts.votes,
            ),
        ]
    )
    markup = keyboard(
        [button(who.t("privacy.choice_delete"), Kind.PRIVACY, flow.nonce, DELETE_ALL)],
        [button(who.t("privacy.choice_keep"), Kind.PRIVACY, flow.nonce, KEEP)],
        [button(who.t("privacy.no_button"), Kind.PRIVACY, flow.nonce, NO)],
    )
    await reply(update, text, markup, edit=edit)


def _confirm_text(who: Who, *, keep: bool, contributions: bool) -> str:
    parts = [who.t("privacy.confirm_title"), who.t("privacy.confirm_profile")]
    if contributions:
        parts.append(who.t("privacy.confirm_keep" if keep else "privacy.confirm_delete"))
    parts.append(who.t("privacy.confirm_final"))
    return "\n\n".join(parts)


def _confirm_keyboard(who: Who, nonce: int) -> InlineKeyboardMarkup:
    return keyboard(
        [button(who.t("privacy.erase_confirm_button"), Kind.PRIVACY, nonce, ERASE)],
        [button(who.t("privacy.no_button"), Kind.PRIVACY, nonce, NO)],
    )


@private_handler(needs_wijk=False)
async def privacy_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """pv:<nonce>:<action>. The person acted on is always the one pressing."""
    cb = parse_callback(update)
    if len(cb.args) != 2 or cb.arg(1) not in _ACTIONS:
        raise BadCallback("privacy arguments")
    nonce, action = cb.int(0), cb.arg(1)
    if action == ASK:
        await answer_query(update)
        await ask_erase(update, context, who)
        return
    if action == NO:
        await answer_query(update)
        if flows.is_current(context, FLOW, nonce):
            await flows.end(context)
        await reply(update, who.t("privacy.nothing_erased"), menu_keyboard(who), edit=True)
        return
    check_nonce(context, FLOW, nonce)
    flow = flows.current(context)
    assert flow is not None
    if action in (DELETE_ALL, KEEP):
        if flow.state != CHOOSING:
            raise BadCallback("choice outside its step")
        await answer_query(update)
        keep = action == KEEP
        await flows.move(context, CONFIRMING, keep=keep, contributions=True)
        await reply(
            update,
            _confirm_text(who, keep=keep, contributions=True),
            _confirm_keyboard(who, nonce),
            edit=True,
        )
        return
    if flow.state != CONFIRMING:
        raise BadCallback("erase before the choice")
    await answer_query(update)
    await _erase(update, context, who, keep=bool(flow.data.get("keep")), nonce=nonce)


async def _erase(update: Update, context: WijkContext, who: Who, *, keep: bool, nonce: int) -> None:
    assert who.actor is not None
    try:
        with context.services.db.session() as session:
            report = personal_data.erase_person(session, who.actor.id, keep_contributions=keep)
    except Exception:
        _log.exception("erasure failed; the transaction was rolled back")
        retry = keyboard(
            [button(who.t("privacy.retry_button"), Kind.PRIVACY, nonce, ERASE)], [menu_button(who)]
        )
        await reply(update, who.t("privacy.erase_failed"), retry)
        return
    _forget_in_memory(context, who.telegram_id)
    await command_menu.hide_coach_menu(context.bot, who.telegram_id)  # had they been a coach
    _log.info("erased a person on request (%s)", "kept contributions" if keep else "deleted all")
    key = "privacy.erased_kept" if report.kept_contributions else "privacy.erased_deleted"
    gone = Who(who.telegram_id, who.lang, None, who.first_name)
    await reply(
        update,
        f"{who.t('privacy.erased')}\n\n{who.t(key)}\n\n{who.t('privacy.erased_restart')}",
        start_keyboard(gone),
        edit=True,
    )


def _forget_in_memory(context: WijkContext, telegram_id: int) -> None:
    """The running Application still holds their user_data: empty it and drop it, so neither a
    later flows.save nor PTB's periodic flush writes the old state back."""
    application = context.application
    if context.user_data is not None:
        context.user_data.clear()
    application.drop_user_data(telegram_id)
    persistence = application.persistence
    if isinstance(persistence, DatabasePersistence):
        # The rows went in the erasure's transaction; its cache must not think they exist.
        persistence.forget(USER, str(telegram_id))
        persistence.forget(CHAT, str(telegram_id))
    # A private chat has the person's id: its chat_data is theirs too.
    if telegram_id in application.chat_data:
        application.chat_data[telegram_id].clear()
        application.drop_chat_data(telegram_id)
