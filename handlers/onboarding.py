"""/start, the privacy statement and consent, invite links, and choosing a wijk (list or postcode).

States of the `wijk` flow (diagram in ARCHITECTURE.md). Before consent there is no state at all:
the privacy message's buttons carry what they need, so nothing about a person is stored.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.context import WijkContext
from bot.core.i18n import LANGUAGES
from bot.opendata.clients import LookupStatus, parse_postcode_input
from bot.people import invites, persons
from bot.people.permissions import COACH_ROLES, load_actor
from bot.telegram import callbacks, command_menu, flows
from bot.telegram.callbacks import BadCallback, Kind
from handlers.common import (
    CHOOSING_WIJK,
    WIJK_FLOW,
    Who,
    answer_query,
    ask_wijk,
    button,
    cancel_button,
    check_nonce,
    columns,
    esc,
    keyboard,
    parse_callback,
    private_handler,
    reply,
    who_is,
    wijk_list,
)
from handlers.main_menu import show_menu
from models import Role

FLOW = WIJK_FLOW  # the flow's first state, CHOOSING_WIJK, is in handlers/common.py (ask_wijk)
TYPING_POSTCODE = "typing_postcode"
CONFIRMING_WIJK = "confirming_wijk"

NO_CODE = "-"


async def start_command(update: Update, context: WijkContext) -> None:
    who = who_is(update, context.services)
    if who is None or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        await reply(update, who.t("errors.private_only", bot=context.services.bot_username))
        return
    payload = context.args[0] if context.args else None
    if context.args and len(context.args) > 1:
        payload = " ".join(context.args)  # not a valid deep link: reported as malformed
    await show_start(update, context, who, payload=payload)


async def show_start(update: Update, context: WijkContext, who: Who, payload: str | None) -> None:
    services = context.services
    now = services.clock.now()
    if payload and payload.startswith("poll_"):
        # The group's "vote in a private chat" link (handlers/polls.py); never an invite code.
        from handlers.polls import open_poll_link

        if await open_poll_link(update, context, who, payload):
            return
        payload = None
    if who.actor is None:
        code = None
        if payload:
            with services.db.session() as session:
                found = invites.check(session, payload, now)
                wijken = _wijk_names(session, found.wijk_ids)
            if found.status is invites.RedeemStatus.OK and found.role is not None:
                code = payload
                await reply(
                    update,
                    who.t("invite.pending", role=who.t(f"roles.{found.role.value}"), wijken=wijken),
                )
            else:
                await reply(update, who.t(f"invite.{found.status.value}"))
        await show_privacy(update, context, who, code)
        return
    if payload:
        await _redeem(update, context, who, payload)
        who = who_is(update, services) or who
    await flows.end(context)
    if who.wijk_id is None:
        await ask_wijk(update, context, who)
        return
    await reply(update, who.t("onboarding.welcome_back"))
    await show_menu(update, context, who)


def privacy_text(context: WijkContext, who: Who) -> str:
    greeting = who.t(
        "onboarding.greeting",
        name=esc(who.first_name),
        municipality=esc(context.services.config.municipality.name),
    )
    return f"{greeting}\n\n{who.t('onboarding.privacy')}"


async def show_privacy(
    update: Update, context: WijkContext, who: Who, code: str | None, *, edit: bool = False
) -> None:
    other = "en" if who.lang == "nl" else "nl"
    markup = keyboard(
        [button(who.t("onboarding.accept"), Kind.CONSENT, who.lang, "y", code or NO_CODE)],
        [button(who.t("onboarding.decline"), Kind.CONSENT, who.lang, "n", NO_CODE)],
        [button(who.t("onboarding.other_language"), Kind.LANGUAGE, other)],
    )
    await reply(update, privacy_text(context, who), markup, edit=edit)


async def consent_pressed(update: Update, context: WijkContext) -> None:
    """ok:<lang>:<y|n>:<invite code or ->. The first moment anything is stored."""
    who = who_is(update, context.services)
    if who is None:
        return
    try:
        cb = parse_callback(update)
        lang, answer, code = cb.arg(0), cb.arg(1), cb.arg(2)
        if lang not in LANGUAGES or answer not in ("y", "n"):
            raise BadCallback("consent")
    except BadCallback:
        from handlers.common import stale_button

        await stale_button(update, who)
        return
    await answer_query(update)
    if answer == "n":
        if who.actor is None:
            await reply(
                update,
                who.t("onboarding.declined"),
                keyboard([button(who.t("menu.start"), Kind.MENU, "start")]),
                edit=True,
            )
        return
    services = context.services
    with services.db.session() as session:
        persons.give_consent(session, who.telegram_id, lang, services.clock.now())
        actor = load_actor(session, who.telegram_id)
    who = Who(who.telegram_id, actor.person.language if actor else lang, actor, who.first_name)
    if code == NO_CODE and who.wijk_id is None:
        # One edit carries both: the statement they agreed to, then the wijk question with its
        # buttons instead of Akkoord. A new message right after an edit in the same chat would
        # wait a second (Telegram allows one a second per chat), and updates wait in line.
        await ask_wijk(update, context, who, edit=True, above=privacy_text(context, who))
        return
    # Remove the buttons from the privacy message: it has done its job.
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except BadRequest as exc:
            # Already gone: this press is delivered a second time (the bot died on the first).
            if "not modified" not in str(exc).lower():
                raise
    if code != NO_CODE:
        await _redeem(update, context, who, code)
        who = who_is(update, services) or who
    if who.wijk_id is None:
        await ask_wijk(update, context, who)
    else:
        await show_menu(update, context, who)


async def _redeem(update: Update, context: WijkContext, who: Who, code: str) -> None:
    services = context.services
    with services.db.session() as session:
        person = persons.get_person(session, who.telegram_id)
        assert person is not None
        result = invites.redeem(session, person, code, services.clock.now())
        wijken = _wijk_names(session, result.wijk_ids)
    if result.status is invites.RedeemStatus.OK and result.role is not None:
        await reply(
            update, who.t("invite.ok", role=who.t(f"roles.{result.role.value}"), wijken=wijken)
        )
        if result.role.value in COACH_ROLES:
            await command_menu.show_coach_menu(
                context.bot, who.telegram_id, who.lang, context.routes.private_commands
            )
    else:
        await reply(update, who.t(f"invite.{result.status.value}"))


def _wijk_names(session: object, wijk_ids: tuple[int, ...]) -> str:
    from sqlmodel import Session

    assert isinstance(session, Session)
    names = [w.name for i in wijk_ids if (w := persons.wijk_by_id(session, i)) is not None]
    return ", ".join(f"<b>{esc(n)}</b>" for n in names)


# --- choosing a wijk ---------------------------------------------------------------------------


@private_handler(needs_wijk=False)
async def wijk_command(update: Update, context: WijkContext, who: Who) -> None:
    await ask_wijk(update, context, who)


async def wijk_open(update: Update, context: WijkContext, who: Who) -> None:
    await ask_wijk(update, context, who)


@private_handler(needs_wijk=False)
async def wijk_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """wk:<nonce>:<wijk id | pc | list>"""
    cb = parse_callback(update)
    nonce, choice = cb.int(0), cb.arg(1)
    check_nonce(context, FLOW, nonce)
    if choice == "pc":
        await answer_query(update)
        flow = await flows.move(context, TYPING_POSTCODE)
        await reply(
            update,
            who.t("onboarding.postcode_prompt"),
            _postcode_keyboard(who, flow.nonce),
            edit=True,
        )
        return
    if choice == "list":
        await answer_query(update)
        flow = await flows.move(context, CHOOSING_WIJK)
        await reply(
            update, who.t("onboarding.choose_wijk"), wijk_list(context, who, flow.nonce), edit=True
        )
        return
    wijk_id = cb.int(1)
    with context.services.db.session() as session:
        wijk = persons.wijk_by_id(session, wijk_id)
        if wijk is None:
            raise BadCallback("no such wijk")
        person = persons.get_person(session, who.telegram_id)
        assert person is not None
        persons.choose_wijk(session, person, wijk)
        actor = load_actor(session, who.telegram_id)
    await answer_query(update)
    await flows.end(context)
    # The list becomes the menu, which opens with "Je wijk: ...": one edit, where "your wijk is
    # now ..." and a new menu message would be two messages in the same second.
    chosen = Who(who.telegram_id, who.lang, actor, who.first_name)
    await show_menu(update, context, chosen, edit=True)


def _postcode_keyboard(who: Who, nonce: int) -> InlineKeyboardMarkup:
    return keyboard(
        [button(who.t("onboarding.to_list"), Kind.WIJK, nonce, "list")],
        [cancel_button(who, nonce)],
    )


async def postcode_typed(update: Update, context: WijkContext, who: Who, flow: flows.Flow) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    if flow.state != TYPING_POSTCODE:
        # Text while the list is shown: the person may be typing a postcode anyway.
        flow = await flows.move(context, TYPING_POSTCODE)
    services = context.services
    parsed = parse_postcode_input(message.text)
    if parsed is None:
        await reply(
            update, who.t("onboarding.postcode_malformed"), _postcode_keyboard(who, flow.nonce)
        )
        return
    if services.pdok is None:
        await reply(update, who.t("onboarding.postcode_off"), wijk_list(context, who, flow.nonce))
        return
    result = await services.pdok.lookup(*parsed)
    with services.db.session() as session:
        slugs = [result.wijk_slug] if result.wijk_slug else list(result.candidates)
        wijken = [
            w for s in slugs if (w := persons.wijk_by_slug(session, s)) is not None and w.active
        ]
    nonce = flow.nonce
    municipality = esc(services.config.municipality.name)
    if result.status is LookupStatus.FOUND and wijken:
        wijk = wijken[0]
        await flows.move(context, CONFIRMING_WIJK, wijk_id=wijk.id)
        text = (
            who.t("onboarding.postcode_found", address=esc(result.address), wijk=esc(wijk.name))
            if result.address
            else who.t("onboarding.postcode_found_no_address", wijk=esc(wijk.name))
        )
        markup = keyboard(
            [button(who.t("onboarding.postcode_confirm"), Kind.WIJK, nonce, wijk.id or 0)],
            [button(who.t("onboarding.to_list"), Kind.WIJK, nonce, "list")],
            [cancel_button(who, nonce)],
        )
        await reply(update, text, markup)
        return
    if result.status in (LookupStatus.NEEDS_HOUSE_NUMBER, LookupStatus.AMBIGUOUS) and wijken:
        await flows.move(context, CONFIRMING_WIJK)
        key = (
            "onboarding.postcode_needs_number"
            if result.status is LookupStatus.NEEDS_HOUSE_NUMBER
            else "onboarding.postcode_ambiguous"
        )
        rows = columns([button(w.name, Kind.WIJK, nonce, w.id or 0) for w in wijken])
        rows.append([button(who.t("onboarding.to_list"), Kind.WIJK, nonce, "list")])
        rows.append([cancel_button(who, nonce)])
        await reply(update, who.t(key), keyboard(*rows))
        return
    key = {
        LookupStatus.MALFORMED: "onboarding.postcode_malformed",
        LookupStatus.OUTSIDE_MUNICIPALITY: "onboarding.postcode_outside",
        LookupStatus.NOT_FOUND: "onboarding.postcode_not_found",
        LookupStatus.UNREACHABLE: "onboarding.postcode_unreachable",
    }.get(result.status, "onboarding.postcode_unmapped")
    if result.status in (
        LookupStatus.MALFORMED,
        LookupStatus.NOT_FOUND,
        LookupStatus.OUTSIDE_MUNICIPALITY,
    ):
        # They may retype: stay in this state, and offer the list too.
        await reply(update, who.t(key, municipality=municipality), _postcode_keyboard(who, nonce))
        return
    flow = await flows.move(context, CHOOSING_WIJK)
    await reply(update, who.t(key, municipality=municipality), wijk_list(context, who, flow.nonce))


__all__ = ["CHOOSING_WIJK", "CONFIRMING_WIJK", "TYPING_POSTCODE", "Role", "callbacks"]
