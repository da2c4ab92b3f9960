"""The "Nieuwe peiling" wizard: question, options, kind, audience, closing time, results, preview.

State lives in the `poll_wizard` flow (written through before every reply). Buttons are
pw:<nonce>:<step>:<value>; a button of an older wizard is stale. Every step is checked again on
the server when the poll is stored (bot.polls.voting.validate_draft).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlmodel import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.context import Services, WijkApplication, WijkContext
from bot.people import persons
from bot.people.permissions import Action, PermissionDenied
from bot.polls import delivery, voting
from bot.telegram import flows
from bot.telegram.callbacks import BadCallback, Kind
from handlers.common import (
    Who,
    answer_query,
    button,
    cancel_button,
    check_nonce,
    columns,
    esc,
    keyboard,
    menu_keyboard,
    parse_callback,
    private_handler,
    reply,
)
from models import Edition, Poll, PollAudience, PollKind, Role, SpiegelItem

FLOW = "poll_wizard"
CHOOSING_WIJK = "wijk"
QUESTION = "question"
OPTIONS = "options"
SPIEGEL = "spiegel"
KIND = "kind"
AUDIENCE = "audience"
CLOSES = "closes"
HIDE = "hide"
PREVIEW = "preview"
CHANGING = "changing"

SPIEGEL_PAGE = 8
NATIVE_KINDS = (PollKind.SINGLE.value, PollKind.MULTIPLE.value)


# --- entry -------------------------------------------------------------------------------------


async def open_wizard(update: Update, context: WijkContext, who: Who) -> None:
    assert who.actor is not None
    wijken = who.actor.wijken_with(*_creator_roles())
    wijken = [w for w in wijken if who.actor.can(Action.CREATE_POLL, w)]
    if not wijken:
        raise PermissionDenied()
    if len(wijken) == 1 or who.wijk_id in wijken:
        wijk_id = who.wijk_id if who.wijk_id in wijken else wijken[0]
        flow = await flows.start(context, FLOW, QUESTION, wijk_id=wijk_id, options=[])
        await _ask_question(update, who, flow.nonce)
        return
    flow = await flows.start(context, FLOW, CHOOSING_WIJK, options=[])
    with context.services.db.session() as session:
        names = [(w, persons.wijk_by_id(session, w)) for w in wijken]
    rows = columns([button(wk.name, Kind.POLL_WIZARD, flow.nonce, "w", w) for w, wk in names if wk])
    rows.append([cancel_button(who, flow.nonce)])
    await reply(update, who.t("polls.w_choose_wijk"), keyboard(*rows))


def _creator_roles() -> tuple[Role, ...]:
    return (Role.BIG, Role.COACH, Role.ADMIN)


@private_handler()
async def new_poll_command(update: Update, context: WijkContext, who: Who) -> None:
    await open_wizard(update, context, who)


def can_create(who: Who) -> bool:
    return who.actor is not None and who.actor.can_anywhere(Action.CREATE_POLL)


# --- steps: prompts ----------------------------------------------------------------------------


def _nav(who: Who, nonce: int, flow: flows.Flow | None = None) -> list[InlineKeyboardButton]:
    row = [cancel_button(who, nonce)]
    if flow is not None and flow.data.get("editing"):
        row.insert(0, button(who.t("polls.btn_to_preview"), Kind.POLL_WIZARD, nonce, "p", 0))
    return row


async def _ask_question(update: Update, who: Who, nonce: int, *, edit: bool = False) -> None:
    text = who.t("polls.w_question", limit=voting.MAX_QUESTION)
    await reply(update, text, keyboard([cancel_button(who, nonce)]), edit=edit)


def _options_view(who: Who, flow: flows.Flow, note: str | None = None) -> tuple[str, object]:
    options: list[str] = list(flow.data.get("options") or [])
    listing = (
        "\n".join(f"{i}. {esc(o)}" for i, o in enumerate(options, 1))
        if options
        else who.t("polls.w_options_none")
    )
    parts = [] if note is None else [note, ""]
    if not options:
        parts.append(
            who.t(
                "polls.w_options",
                low=voting.MIN_OPTIONS,
                high=voting.MAX_OPTIONS,
                limit=voting.MAX_OPTION,
            )
        )
        parts.append("")
    parts.append(
        who.t("polls.w_options_list", count=len(options), high=voting.MAX_OPTIONS, list=listing)
    )
    n = flow.nonce
    rows = [[button(who.t("polls.btn_from_spiegel"), Kind.POLL_WIZARD, n, "sp", 0)]]
    if options:
        rows.append([button(who.t("polls.btn_remove_last"), Kind.POLL_WIZARD, n, "ou", 0)])
    rows.append([button(who.t("polls.btn_options_done"), Kind.POLL_WIZARD, n, "od", 0)])
    rows.append([cancel_button(who, n)])
    return "\n".join(parts), keyboard(*rows)


async def _show_options(
    update: Update, who: Who, flow: flows.Flow, note: str | None = None, *, edit: bool = False
) -> None:
    text, markup = _options_view(who, flow, note)
    await reply(update, text, markup, edit=edit)  # type: ignore[arg-type]


async def _ask_kind(update: Update, who: Who, flow: flows.Flow, *, edit: bool = True) -> None:
    n = flow.nonce
    rows = [
        [button(who.t(f"polls.kind_{k.value}"), Kind.POLL_WIZARD, n, "k", k.value)]
        for k in PollKind
    ]
    rows.append(_nav(who, n, flow))
    await reply(update, who.t("polls.w_kind"), keyboard(*rows), edit=edit)


async def _ask_audience(
    update: Update, context: WijkContext, who: Who, flow: flows.Flow, *, edit: bool = True
) -> None:
    n = flow.nonce
    with context.services.db.session() as session:
        linked = voting.group_link_for(session, int(flow.data["wijk_id"])) is not None
    rows = [
        [button(who.t("polls.aud_big"), Kind.POLL_WIZARD, n, "a", PollAudience.BIG.value)],
        [button(who.t("polls.aud_wijk"), Kind.POLL_WIZARD, n, "a", PollAudience.WIJK.value)],
    ]
    text = who.t("polls.w_audience")
    if linked:
        rows.append(
            [button(who.t("polls.aud_group"), Kind.POLL_WIZARD, n, "a", PollAudience.GROUP.value)]
        )
    else:
        text += "\n\n" + who.t("polls.w_no_group_hint")
    rows.append(_nav(who, n, flow))
    await reply(update, text, keyboard(*rows), edit=edit)


async def _ask_closes(update: Update, who: Who, flow: flows.Flow, *, edit: bool = True) -> None:
    n = flow.nonce
    rows = [
        [button(who.t(f"polls.close_{d}"), Kind.POLL_WIZARD, n, "c", d)]
        for d in voting.CLOSING_PRESETS_DAYS
    ]
    rows.append(_nav(who, n, flow))
    await reply(update, who.t("polls.w_closes"), keyboard(*rows), edit=edit)


async def _ask_hide(update: Update, who: Who, flow: flows.Flow, *, edit: bool = True) -> None:
    n = flow.nonce
    rows = [
        [button(who.t("polls.hide_no"), Kind.POLL_WIZARD, n, "h", 0)],
        [button(who.t("polls.hide_yes"), Kind.POLL_WIZARD, n, "h", 1)],
        _nav(who, n, flow),
    ]
    await reply(update, who.t("polls.w_hide"), keyboard(*rows), edit=edit)


def _is_native(data: dict[str, object]) -> bool:
    return data.get("audience") == PollAudience.GROUP.value and data.get("kind") in NATIVE_KINDS


async def _show_preview(
    update: Update, context: WijkContext, who: Who, flow: flows.Flow, *, edit: bool = True
) -> None:
    flow = await flows.move(context, PREVIEW, editing=True)
    data = flow.data
    services = context.services
    options = "\n".join(f"{i}. {esc(str(o))}" for i, o in enumerate(data["options"], 1))
    closes = delivery.when(datetime.fromisoformat(str(data["closes_at"])), who.lang, services)
    text = who.t(
        "polls.w_preview",
        question=esc(str(data["question"])),
        options=options,
        kind=who.t(f"polls.kind_{data['kind']}"),
        audience=who.t(f"polls.aud_{data['audience']}"),
        closes=closes,
        hide=who.t("polls.prev_hide_yes" if data.get("hide") else "polls.prev_hide_no"),
    )
    if _is_native(data):
        text += "\n\n" + who.t("polls.prev_native_note")
    n = flow.nonce
    markup = keyboard(
        [button(who.t("polls.btn_send"), Kind.POLL_WIZARD, n, "ok", 0)],
        [button(who.t("polls.btn_change"), Kind.POLL_WIZARD, n, "ch", 0)],
        [cancel_button(who, n)],
    )
    await reply(update, text, markup, edit=edit)


async def _next_after(
    update: Update, context: WijkContext, who: Who, flow: flows.Flow, done: str
) -> None:
    """After a step: back to the preview when changing, else the next unanswered step."""
    edit = update.callback_query is not None
    if flow.data.get("editing"):
        await _show_preview(update, context, who, flow, edit=edit)
        return
    order = [OPTIONS, KIND, AUDIENCE, CLOSES, HIDE, PREVIEW]
    nxt = order[order.index(done) + 1]
    if nxt == HIDE and _is_native(flow.data):
        # Telegram shows a native poll's counts to voters; there is nothing to hide.
        flow = await flows.update_data(context, hide=False)
        nxt = PREVIEW
    if nxt == PREVIEW:
        await _show_preview(update, context, who, flow, edit=edit)
        return
    flow = await flows.move(context, nxt)
    if nxt == KIND:
        await _ask_kind(update, who, flow, edit=edit)
    elif nxt == AUDIENCE:
        await _ask_audience(update, context, who, flow, edit=edit)
    elif nxt == CLOSES:
        await _ask_closes(update, who, flow, edit=edit)
    elif nxt == HIDE:
        await _ask_hide(update, who, flow, edit=edit)


# --- typed input -------------------------------------------------------------------------------


async def typed(update: Update, context: WijkContext, who: Who, flow: flows.Flow) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = message.text
    try:
        if flow.state == QUESTION:
            question = voting.clean_question(text)
            if flow.data.get("editing"):
                flow = await flows.update_data(context, question=question)
                await _show_preview(update, context, who, flow, edit=False)
                return
            flow = await flows.move(context, OPTIONS, question=question)
            await _show_options(update, who, flow)
            return
        if flow.state in (OPTIONS, SPIEGEL):
            options = list(flow.data.get("options") or [])
            option = voting.clean_option(text, options)
            flow = await flows.move(context, OPTIONS, options=[*options, option])
            note = who.t("polls.w_option_added", option=esc(option))
            await _show_options(update, who, flow, note)
            return
        if flow.state == CLOSES:
            services = context.services
            closes = voting.parse_closing(text, services.clock.now(), services.tz)
            flow = await flows.update_data(context, closes_at=closes.isoformat())
            await _next_after(update, context, who, flow, CLOSES)
            return
    except voting.PollError as err:
        if flow.state in (OPTIONS, SPIEGEL):
            # Keep "Klaar met keuzes" at hand: 12 options is a reason to go on, not to stop.
            await _show_options(update, who, flow, who.t(err.key, **err.values))
            return
        await reply(update, who.t(err.key, **err.values), keyboard(_nav(who, flow.nonce, flow)))
        return
    await reply(update, who.t("polls.err_type_text"), keyboard(_nav(who, flow.nonce, flow)))


# --- buttons -----------------------------------------------------------------------------------


@private_handler()
async def pressed(update: Update, context: WijkContext, who: Who) -> None:
    """pw:<nonce>:<step>:<value>"""
    cb = parse_callback(update)
    nonce, step = cb.int(0), cb.arg(1)
    if step == "ok" and not flows.is_current(context, FLOW, nonce):
        await _sent_before(update, context, who, nonce)
        return
    check_nonce(context, FLOW, nonce)
    flow = flows.current(context)
    assert flow is not None and who.actor is not None
    services = context.services
    if step == "w":
        wijk_id = cb.int(2)
        who.actor.require(Action.CREATE_POLL, wijk_id)
        await answer_query(update)
        flow = await flows.move(context, QUESTION, wijk_id=wijk_id)
        await _ask_question(update, who, flow.nonce, edit=True)
        return
    if "wijk_id" not in flow.data:
        raise BadCallback("wizard without wijk")
    # Someone whose BIG role was taken away mid-wizard must not go on.
    who.actor.require(Action.CREATE_POLL, int(flow.data["wijk_id"]))
    if step == "sp":
        await answer_query(update)
        await _show_spiegel(update, context, who, await flows.move(context, SPIEGEL), cb.int(2))
        return
    if step == "pi":
        await _pick_item(update, context, who, flow, cb.int(2))
        return
    if step == "ob":
        await answer_query(update)
        await _show_options(update, who, await flows.move(context, OPTIONS), edit=True)
        return
    if step == "ou":
        await answer_query(update)
        options = list(flow.data.get("options") or [])
        note = None
        if options:
            note = who.t("polls.w_option_removed", option=esc(options.pop()))
        flow = await flows.move(context, OPTIONS, options=options)
        await _show_options(update, who, flow, note, edit=True)
        return
    if step == "od":
        if len(flow.data.get("options") or []) < voting.MIN_OPTIONS:
            await answer_query(
                update, who.t("polls.err_need_two", low=voting.MIN_OPTIONS), alert=True
            )
            return
        await answer_query(update)
        await _next_after(update, context, who, flow, OPTIONS)
        return
    if step == "k":
        kind = cb.arg(2)
        if kind not in {k.value for k in PollKind}:
            raise BadCallback("kind")
        await answer_query(update)
        flow = await flows.update_data(context, kind=kind)
        await _next_after(update, context, who, flow, KIND)
        return
    if step == "a":
        audience = cb.arg(2)
        if audience not in {a.value for a in PollAudience}:
            raise BadCallback("audience")
        if audience == PollAudience.GROUP.value:
            with services.db.session() as session:
                if voting.group_link_for(session, int(flow.data["wijk_id"])) is None:
                    await answer_query(update, who.t("polls.err_no_group"), alert=True)
                    return
        await answer_query(update)
        flow = await flows.update_data(context, audience=audience)
        await _next_after(update, context, who, flow, AUDIENCE)
        return
    if step == "c":
        days = cb.int(2)
        if days not in voting.CLOSING_PRESETS_DAYS:
            raise BadCallback("preset")
        await answer_query(update)
        closes = services.clock.now() + timedelta(days=days)
        flow = await flows.update_data(context, closes_at=closes.isoformat())
        await _next_after(update, context, who, flow, CLOSES)
        return
    if step == "h":
        await answer_query(update)
        flow = await flows.update_data(context, hide=cb.int(2) == 1)
        await _next_after(update, context, who, flow, HIDE)
        return
    if step == "p":
        await answer_query(update)
        await _show_preview(update, context, who, flow)
        return
    if step == "ch":
        await answer_query(update)
        await _show_change_menu(update, context, who, flow)
        return
    if step == "e":
        await answer_query(update)
        await _change(update, context, who, flow, cb.arg(2))
        return
    if step == "ok":
        await _confirm(update, context, who, flow)
        return
    raise BadCallback(f"unknown wizard step {step}")


async def _show_change_menu(
    update: Update, context: WijkContext, who: Who, flow: flows.Flow
) -> None:
    flow = await flows.move(context, CHANGING)
    n = flow.nonce
    fields = ["question", "options", "kind", "audience", "closes"]
    if not _is_native(flow.data):
        fields.append("hide")
    rows = [[button(who.t(f"polls.ch_{f}"), Kind.POLL_WIZARD, n, "e", f)] for f in fields]
    rows.append(_nav(who, n, flow))
    await reply(update, who.t("polls.w_change"), keyboard(*rows), edit=True)


async def _change(
    update: Update, context: WijkContext, who: Who, flow: flows.Flow, field: str
) -> None:
    if field == "question":
        flow = await flows.move(context, QUESTION)
        text = who.t("polls.w_question", limit=voting.MAX_QUESTION)
        await reply(update, text, keyboard(_nav(who, flow.nonce, flow)), edit=True)
    elif field == "options":
        await _show_options(update, who, await flows.move(context, OPTIONS), edit=True)
    elif field == "kind":
        await _ask_kind(update, who, await flows.move(context, KIND))
    elif field == "audience":
        await _ask_audience(update, context, who, await flows.move(context, AUDIENCE))
    elif field == "closes":
        await _ask_closes(update, who, await flows.move(context, CLOSES))
    elif field == "hide":
        await _ask_hide(update, who, await flows.move(context, HIDE))
    else:
        raise BadCallback("change field")


# --- the spiegel as a source of options --------------------------------------------------------


async def _show_spiegel(
    update: Update, context: WijkContext, who: Who, flow: flows.Flow, page: int
) -> None:
    wijk_id = int(flow.data["wijk_id"])
    with context.services.db.session() as session:
        items = voting.spiegel_items(session, wijk_id)
        year = _edition_year(session, items)
    n = flow.nonce
    if not items:
        flow = await flows.move(context, OPTIONS)
        await _show_options(update, who, flow, who.t("polls.w_spiegel_empty"), edit=True)
        return
    pages = max(1, -(-len(items) // SPIEGEL_PAGE))
    page = page % pages
    picked = set(flow.data.get("picked") or [])
    shown = items[page * SPIEGEL_PAGE : (page + 1) * SPIEGEL_PAGE]
    lines = []
    buttons = []
    for index, item in enumerate(shown, page * SPIEGEL_PAGE + 1):
        lines.append(f"{index}. {esc(voting.shorten(item.text, 200))}")
        key = "polls.btn_item_picked" if item.id in picked else "polls.btn_item"
        buttons.append(button(who.t(key, n=index), Kind.POLL_WIZARD, n, "pi", item.id or 0))
    rows = columns(buttons, 2)
    if pages > 1:
        rows.append([button(who.t("polls.btn_more"), Kind.POLL_WIZARD, n, "sp", page + 1)])
    rows.append([button(who.t("polls.btn_back_options"), Kind.POLL_WIZARD, n, "ob", 0)])
    rows.append([cancel_button(who, n)])
    text = who.t("polls.w_spiegel", year=year, list="\n".join(lines))
    await reply(update, text, keyboard(*rows), edit=True)


def _edition_year(session: Session, items: list[SpiegelItem]) -> str:
    if not items:
        return ""
    edition = session.get(Edition, items[0].edition_id)
    return str(edition.year) if edition else ""


async def _pick_item(
    update: Update, context: WijkContext, who: Who, flow: flows.Flow, item_id: int
) -> None:
    wijk_id = int(flow.data["wijk_id"])
    with context.services.db.session() as session:
        item = voting.spiegel_item(session, wijk_id, item_id)
    if item is None:
        raise BadCallback("not an item of this wijk's current spiegel")
    options = list(flow.data.get("options") or [])
    picked = list(flow.data.get("picked") or [])
    try:
        option = voting.clean_option(voting.shorten(item.text), options)
    except voting.PollError as err:
        await answer_query(update, who.t(err.key, **err.values), alert=True)
        return
    await answer_query(update, who.t("polls.w_option_added", option=option)[:200])
    flow = await flows.move(context, SPIEGEL, options=[*options, option], picked=[*picked, item_id])
    page = 0
    with context.services.db.session() as session:
        ids = [i.id for i in voting.spiegel_items(session, wijk_id)]
    if item_id in ids:
        page = ids.index(item_id) // SPIEGEL_PAGE
    await _show_spiegel(update, context, who, flow, page)


# --- storing and sending -----------------------------------------------------------------------


def draft_from(flow: flows.Flow) -> voting.PollDraft:
    data = flow.data
    try:
        return voting.PollDraft(
            wijk_id=int(data["wijk_id"]),
            question=str(data["question"]),
            options=[str(o) for o in data["options"]],
            kind=str(data["kind"]),
            audience=str(data["audience"]),
            closes_at=datetime.fromisoformat(str(data["closes_at"])),
            hide_results=bool(data.get("hide")),
        )
    except (KeyError, TypeError, ValueError):
        raise voting.PollError("polls.err_incomplete") from None


async def _confirm(update: Update, context: WijkContext, who: Who, flow: flows.Flow) -> None:
    services: Services = context.services
    assert who.actor is not None
    try:
        draft = draft_from(flow)
        with services.db.session() as session:
            poll = voting.create_poll(
                session, who.actor, draft, services.clock.now(), request_key=flow.key
            )
    except voting.PollError as err:
        await answer_query(update, who.t(err.key, **err.values)[:200], alert=True)
        return
    except PermissionDenied:
        raise
    except Exception:
        # Nothing is lost: the draft stays in the flow and Versturen can be pressed again.
        await answer_query(update)
        await reply(update, who.t("polls.err_save"), _retry_markup(who, flow))
        raise
    assert poll.id is not None
    await answer_query(update)
    # A poll this run stored before the bot died may be in the group already: not posted twice.
    if poll.audience == PollAudience.GROUP.value and poll.group_message_id is None:
        try:
            await delivery.post_in_group(cast(WijkApplication, context.application), poll.id)
        except TelegramError:
            with services.db.session() as session:
                voting.delete_unsent_poll(session, poll.id)
            await reply(update, who.t("polls.err_group_send"), _retry_markup(who, flow))
            return
    await flows.end(context)
    await _show_sent(update, context, who, poll)


async def _show_sent(update: Update, context: WijkContext, who: Who, poll: Poll) -> None:
    """Where the stored poll went; a private one's broadcast starts (or goes on) here."""
    assert poll.id is not None
    group = poll.audience == PollAudience.GROUP.value
    with context.services.db.session() as session:
        link = voting.group_link_for(session, poll.wijk_id) if group else None
        count = 0 if group else sum(voting.delivery_counts(session, poll.id).values())
    if group:
        title = esc(link.title if link else "")
        await reply(update, who.t("polls.saved_group", group=title), menu_keyboard(who), edit=True)
        return
    await reply(update, who.t("polls.saved_private", count=count), menu_keyboard(who), edit=True)
    delivery.start_broadcast(cast(WijkApplication, context.application), poll.id, who.telegram_id)


async def _sent_before(update: Update, context: WijkContext, who: Who, nonce: int) -> None:
    """Versturen of a wizard run that has ended: where the poll it stored went, if it stored one
    (the bot died between storing and confirming, or the confirmation was lost)."""
    assert who.actor is not None
    with context.services.db.session() as session:
        poll = voting.poll_by_request_key(session, who.actor.id, flows.request_key(FLOW, nonce))
    if poll is None:
        raise BadCallback("stale flow button")
    await answer_query(update)
    await _show_sent(update, context, who, poll)


def _retry_markup(who: Who, flow: flows.Flow) -> InlineKeyboardMarkup:
    return keyboard(
        [button(who.t("polls.btn_send"), Kind.POLL_WIZARD, flow.nonce, "ok", 0)],
        [cancel_button(who, flow.nonce)],
    )
