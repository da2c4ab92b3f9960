"""Meldingen for coaches: list, open, mark read, answer, hide; and the sender's one reply.

Entry points: the menu entry "Meldingen", `/meldingen`, and any button `co:<id>:open` (the digest
puts these under its lines). Other modules may call `open_observation(update, context, who, id)`.

Callback data (Kind.COACH, built and parsed only here):
    co:l:<wijk_id>:<filter>:<page>       the list            co:w   choose a wijk
    co:<id>:<action>[:<filter>:<page>]   a coach's action on one observation; the trailing pair is
                                         the list the card came from (for "Terug")
    co:<id>:<step>:<nonce>               a step of a flow (answer, hide reason, reply)
    co:<id>:rp                           the sender's "Reageren" under the coach's answer
Every press is checked on the server: the observation's own wijk must be one where the presser
has Action.HANDLE_OBSERVATIONS (coach actions) or the presser must be its sender (reply).
The coach never sees the sender's Telegram id, and their name only when they chose to share it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import WijkContext
from bot.core.clock import as_utc
from bot.core.i18n import format_date, format_datetime, t
from bot.observations import coach
from bot.observations.coach import Filter, Refused
from bot.people import persons
from bot.people.permissions import Action, PermissionDenied
from bot.telegram import flows
from bot.telegram.callbacks import BadCallback, Callback, Kind
from bot.telegram.sending import may_have_arrived
from handlers.common import (
    Who,
    answer_query,
    button,
    cancel_button,
    check_nonce,
    esc,
    keyboard,
    menu_button,
    menu_keyboard,
    parse_callback,
    private_handler,
    reply,
)
from models import Observation, Person, Role

_log = logging.getLogger(__name__)

FLOW_ANSWER = "coach_answer"
FLOW_HIDE = "coach_hide"
FLOW_REPLY = "coach_reply"
TYPING = "typing"
PREVIEW = "preview"

MAX_MESSAGE = 4096
HIDE_REASON_LIMIT = 300
SNIPPET = 90
DEFAULT_BACK = (Filter.OPEN, 0)


class Delivery(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


Back = tuple[Filter, int]
Coach = Callable[[Update, WijkContext, Who], Awaitable[None]]


# --- small helpers ---------------------------------------------------------------------------


def fit(text: str, budget: int) -> tuple[str, bool]:
    """Escaped text of at most `budget` characters; cut at the raw text so no entity breaks."""
    escaped = esc(text)
    if len(escaped) <= budget:
        return escaped, False
    n = budget
    while n > 0:
        cut = esc(text[:n].rstrip()) + "…"
        if len(cut) <= budget:
            return cut, True
        n -= max(1, len(cut) - budget)
    return "…", True


def _snippet(text: str, limit: int = SNIPPET) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rstrip() + "…"


def _menu_row(lang: str) -> InlineKeyboardButton:
    return button(t(lang, "menu.back_to_menu"), Kind.MENU, "main")


def _back_args(back: Back) -> tuple[str, int]:
    return back[0].value, back[1]


def _parse_back(cb: Callback, start: int) -> Back:
    if len(cb.args) <= start:
        return DEFAULT_BACK
    try:
        flt = Filter(cb.arg(start))
    except ValueError:
        raise BadCallback("filter") from None
    return flt, max(0, cb.int(start + 1))


def _swot(who_lang: str, swot: str) -> str:
    key = f"coach.swot.{swot}"
    text = t(who_lang, key)
    return swot if text == key else text


async def _refuse(update: Update, who: Who, key: str, **values: Any) -> None:
    text = who.t(key, **values)
    await answer_query(update, _snippet(text, 190), alert=True)
    await reply(update, text, menu_keyboard(who))


def coach_handler(fn: Coach) -> Any:
    """private_handler plus: a Refused becomes its message (alert and chat), nothing changes."""

    @private_handler(needs_wijk=False)
    @functools.wraps(fn)
    async def inner(update: Update, context: WijkContext, who: Who) -> None:
        try:
            await fn(update, context, who)
        except Refused as refused:
            await _refuse(update, who, refused.message_key)

    return inner


def _actor(who: Who) -> Any:
    if who.actor is None:
        raise PermissionDenied()
    return who.actor


# --- the list ----------------------------------------------------------------------------------


async def open_meldingen(update: Update, context: WijkContext, who: Who) -> None:
    """The menu entry and /meldingen: the list of the coach's wijk, or first a choice of wijk."""
    wijken = coach.handled_wijken(who.actor)
    if not wijken:
        raise PermissionDenied()
    if len(wijken) > 1:
        await _choose_wijk(update, context, who, wijken, edit=False)
        return
    try:
        await show_list(update, context, who, wijken[0], Filter.OPEN, 0)
    except Refused as refused:
        await _refuse(update, who, refused.message_key)


async def _choose_wijk(
    update: Update, context: WijkContext, who: Who, wijken: list[int], *, edit: bool
) -> None:
    with context.services.db.session() as session:
        rows = []
        for wijk_id in wijken:
            wijk = persons.wijk_by_id(session, wijk_id)
            if wijk is None:
                continue
            waiting = coach.count(session, wijk_id, Filter.OPEN)
            label = who.t("coach.wijk_button", wijk=wijk.name, count=waiting)
            rows.append([button(label, Kind.COACH, "l", wijk_id, Filter.OPEN.value, 0)])
    rows.append([menu_button(who)])
    await reply(update, who.t("coach.choose_wijk"), keyboard(*rows), edit=edit)


async def show_list(
    update: Update,
    context: WijkContext,
    who: Who,
    wijk_id: int,
    flt: Filter,
    page: int,
    *,
    edit: bool = False,
) -> None:
    actor = _actor(who)
    actor.require(Action.HANDLE_OBSERVATIONS, wijk_id)
    services = context.services
    tz = services.config.general.tz
    with services.db.session() as session:
        wijk = persons.wijk_by_id(session, wijk_id)
        if wijk is None:
            raise Refused("coach.unknown_wijk")
        result = coach.list_observations(session, wijk_id, flt, page)
        labels = {o.id: coach.author_label(session, o) for o in result.items}
    lines = [
        who.t(
            "coach.list_title",
            wijk=esc(wijk.name),
            filter=who.t(f"coach.filter.{flt.value}"),
            count=result.total,
        )
    ]
    if result.pages > 1:
        lines.append(who.t("coach.page", page=result.page + 1, pages=result.pages))
    if not result.items:
        lines.append("")
        lines.append(who.t("coach.empty"))
    for obs in result.items:
        author = labels.get(obs.id) or who.t("coach.erased_author")
        lines.append("")
        lines.append(
            who.t(
                "coach.list_line",
                reference=obs.reference,
                date=format_date(as_utc(obs.created_at), who.lang, tz, "d MMM"),
                swot=_swot(who.lang, obs.swot),
                author=esc(author),
                status=who.t(f"coach.status.{obs.status}"),
                snippet=esc(_snippet(obs.text)),
            )
        )
    back = (flt, result.page)
    rows: list[list[InlineKeyboardButton]] = []
    open_buttons = [
        button(
            who.t("coach.open", reference=o.reference),
            Kind.COACH,
            o.id or 0,
            "open",
            *_back_args(back),
        )
        for o in result.items
    ]
    rows += [open_buttons[i : i + 2] for i in range(0, len(open_buttons), 2)]
    nav = []
    if result.page > 0:
        nav.append(
            button(who.t("coach.previous"), Kind.COACH, "l", wijk_id, flt.value, result.page - 1)
        )
    if result.page + 1 < result.pages:
        nav.append(
            button(who.t("coach.next"), Kind.COACH, "l", wijk_id, flt.value, result.page + 1)
        )
    rows.append(nav)
    rows.append(
        [
            button(who.t(f"coach.filter.{f.value}"), Kind.COACH, "l", wijk_id, f.value, 0)
            for f in Filter
            if f is not flt
        ]
    )
    if len(coach.handled_wijken(actor)) > 1:
        rows.append([button(who.t("coach.other_wijk"), Kind.COACH, "w")])
    rows.append([menu_button(who)])
    await reply(update, "\n".join(lines), keyboard(*rows), edit=edit)


# --- one observation ---------------------------------------------------------------------------


def render_card(
    session: Session, context: WijkContext, who: Who, obs: Observation, back: Back
) -> tuple[str, InlineKeyboardMarkup]:
    config = context.services.config
    tz = config.general.tz
    wijk = persons.wijk_by_id(session, obs.wijk_id)
    author = coach.author_label(session, obs)
    theme = config.theme(obs.theme) if obs.theme else None
    head = [
        who.t("coach.card_title", reference=obs.reference, wijk=esc(wijk.name if wijk else "")),
        who.t(
            "coach.card_date",
            date=format_datetime(as_utc(obs.created_at), who.lang, tz, "d MMMM y, HH:mm"),
        ),
        who.t("coach.card_swot", swot=_swot(who.lang, obs.swot)),
        who.t(
            "coach.card_theme",
            theme=esc(theme.label(who.lang)) if theme else who.t("coach.card_no_theme"),
        ),
        who.t(
            "coach.card_author",
            author=esc(author) if author else who.t("coach.erased_author"),
            role=who.t(f"roles.{obs.author_role}"),
        ),
        who.t("coach.card_status", status=who.t(f"coach.status.{obs.status}")),
    ]
    if obs.photo_file_id:
        head.append(who.t("coach.card_photo"))
    if obs.latitude is not None and obs.longitude is not None:
        head.append(who.t("coach.card_location"))
    tail: list[str] = []
    truncated = False
    if obs.answer_text is not None and obs.answered_at is not None:
        text, cut = fit(obs.answer_text, 900)
        truncated |= cut
        date = format_date(as_utc(obs.answered_at), who.lang, tz)
        tail.append(who.t("coach.card_answer", date=date, text=text))
    if obs.reply_text is not None and obs.replied_at is not None:
        text, cut = fit(obs.reply_text, 700)
        truncated |= cut
        date = format_date(as_utc(obs.replied_at), who.lang, tz)
        tail.append(who.t("coach.card_reply", date=date, text=text))
    if obs.hidden_at is not None:
        date = format_date(as_utc(obs.hidden_at), who.lang, tz)
        tail.append(who.t("coach.card_hidden", date=date, reason=esc(obs.hidden_reason)))
    if obs.person_id is None:
        tail.append(who.t("coach.card_erased_note"))
    fixed = len("\n".join(head)) + len("\n\n".join(tail)) + 200
    body, cut = fit(obs.text, MAX_MESSAGE - fixed)
    truncated |= cut
    parts = ["\n".join(head), body, *tail]
    if truncated:
        parts.append(who.t("coach.card_truncated"))
    text = "\n\n".join(parts)

    oid = obs.id or 0
    ctx = _back_args(back)
    rows: list[list[InlineKeyboardButton]] = []
    actions = []
    if coach.can_answer(obs):
        actions.append(button(who.t("coach.btn_answer"), Kind.COACH, oid, "an", *ctx))
    if obs.status == "new":
        actions.append(button(who.t("coach.btn_read"), Kind.COACH, oid, "rd", *ctx))
    rows.append(actions)
    extras = []
    if obs.photo_file_id:
        extras.append(button(who.t("coach.btn_photo"), Kind.COACH, oid, "ph"))
    if obs.latitude is not None and obs.longitude is not None:
        extras.append(button(who.t("coach.btn_location"), Kind.COACH, oid, "lo"))
    if truncated:
        extras.append(button(who.t("coach.btn_full"), Kind.COACH, oid, "tx"))
    rows.append(extras)
    if obs.status != "hidden":
        rows.append([button(who.t("coach.btn_hide"), Kind.COACH, oid, "hd", *ctx)])
    rows.append(
        [
            button(who.t("coach.btn_back"), Kind.COACH, "l", obs.wijk_id, *ctx),
            menu_button(who),
        ]
    )
    return text, keyboard(*rows)


async def open_observation(
    update: Update,
    context: WijkContext,
    who: Who,
    observation_id: int,
    *,
    back: Back = DEFAULT_BACK,
    edit: bool = False,
) -> None:
    """Show one observation to a coach, after checking they handle its wijk (for other modules)."""
    try:
        actor = _actor(who)
        with context.services.db.session() as session:
            obs = coach.get_for_coach(session, actor, observation_id)
            text, markup = render_card(session, context, who, obs, back)
    except PermissionDenied as denied:
        await answer_query(update, who.t(denied.message_key), alert=True)
        await reply(update, who.t(denied.message_key), menu_keyboard(who))
        return
    except Refused as refused:
        await _refuse(update, who, refused.message_key)
        return
    await answer_query(update)
    await reply(update, text, markup, edit=edit)


# --- commands and buttons ----------------------------------------------------------------------


@private_handler(needs_wijk=False)
async def meldingen_command(update: Update, context: WijkContext, who: Who) -> None:
    await flows.end(context)
    await open_meldingen(update, context, who)


@coach_handler
async def coach_pressed(update: Update, context: WijkContext, who: Who) -> None:
    cb = parse_callback(update)
    head = cb.arg(0)
    if head == "w":
        wijken = coach.handled_wijken(who.actor)
        if not wijken:
            raise PermissionDenied()
        await answer_query(update)
        await _choose_wijk(update, context, who, wijken, edit=True)
        return
    if head == "l":
        wijk_id = cb.int(1)
        flt, page = _parse_back(cb, 2)
        await answer_query(update)
        await show_list(update, context, who, wijk_id, flt, page, edit=True)
        return
    obs_id, action = cb.int(0), cb.arg(1)
    if action == "rp":
        await _reply_start(update, context, who, obs_id)
        return
    if action in ("rps", "rpe"):
        await _reply_step(update, context, who, obs_id, action, cb.int(2))
        return
    handler = _COACH_ACTIONS.get(action)
    if handler is None:
        raise BadCallback(f"unknown action {action!r}")
    await handler(update, context, who, obs_id, cb)


async def _open(update: Update, context: WijkContext, who: Who, obs_id: int, cb: Callback) -> None:
    await open_observation(update, context, who, obs_id, back=_parse_back(cb, 2), edit=False)


async def _mark_read(
    update: Update, context: WijkContext, who: Who, obs_id: int, cb: Callback
) -> None:
    back = _parse_back(cb, 2)
    services = context.services
    with services.db.session() as session:
        obs = coach.get_for_coach(session, _actor(who), obs_id)
        changed = coach.mark_read(session, obs, services.clock.now())
        text, markup = render_card(session, context, who, obs, back)
    await answer_query(update, who.t("coach.marked_read" if changed else "coach.already_read"))
    await reply(update, text, markup, edit=True)


async def _photo(update: Update, context: WijkContext, who: Who, obs_id: int, cb: Callback) -> None:
    with context.services.db.session() as session:
        obs = coach.get_for_coach(session, _actor(who), obs_id)
    if not obs.photo_file_id or update.effective_chat is None:
        raise BadCallback("no photo")
    await answer_query(update)
    markup = keyboard([button(who.t("coach.btn_open"), Kind.COACH, obs_id, "open")])
    try:
        await update.effective_chat.send_photo(
            obs.photo_file_id,
            caption=who.t("coach.photo_caption", reference=obs.reference),
            reply_markup=markup,
        )
    except BadRequest as exc:
        _log.info("photo of %s could not be sent: %s", obs.reference, exc)
        await reply(update, who.t("coach.photo_failed"), markup)


async def _location(
    update: Update, context: WijkContext, who: Who, obs_id: int, cb: Callback
) -> None:
    with context.services.db.session() as session:
        obs = coach.get_for_coach(session, _actor(who), obs_id)
    if obs.latitude is None or obs.longitude is None or update.effective_chat is None:
        raise BadCallback("no location")
    await answer_query(update)
    markup = keyboard([button(who.t("coach.btn_open"), Kind.COACH, obs_id, "open")])
    await update.effective_chat.send_location(
        latitude=obs.latitude, longitude=obs.longitude, reply_markup=markup
    )


async def _full_text(
    update: Update, context: WijkContext, who: Who, obs_id: int, cb: Callback
) -> None:
    with context.services.db.session() as session:
        obs = coach.get_for_coach(session, _actor(who), obs_id)
    chat = update.effective_chat
    if chat is None:
        return
    await answer_query(update)
    markup = keyboard([button(who.t("coach.btn_open"), Kind.COACH, obs_id, "open")])
    texts = [obs.text, obs.answer_text, obs.reply_text]
    shown = [x for x in texts if x]
    # Plain text (no HTML): nothing to escape, so a 4,000-character text still fits one message.
    for i, text in enumerate(shown):
        last = i == len(shown) - 1
        await chat.send_message(
            text[:MAX_MESSAGE], parse_mode=None, reply_markup=markup if last else None
        )


# --- answering ---------------------------------------------------------------------------------


def _answer_limit(context: WijkContext) -> int:
    return context.services.config.general.text_limit


async def _answer_start(
    update: Update, context: WijkContext, who: Who, obs_id: int, cb: Callback
) -> None:
    back = _parse_back(cb, 2)
    with context.services.db.session() as session:
        obs = coach.get_for_coach(session, _actor(who), obs_id)
        coach.check_answerable(obs)
    await answer_query(update)
    flow = await flows.start(context, FLOW_ANSWER, TYPING, obs=obs_id, f=back[0].value, p=back[1])
    await reply(
        update,
        who.t("coach.answer_prompt", reference=obs.reference, limit=_answer_limit(context)),
        keyboard([cancel_button(who, flow.nonce)]),
    )


_SEND_LABELS = {"snd": "coach.btn_send", "rps": "coach.btn_send", "hrs": "coach.btn_hide"}


def _preview_markup(
    who: Who, obs_id: int, nonce: int, send: str, retype: str
) -> InlineKeyboardMarkup:
    return keyboard(
        [button(who.t(_SEND_LABELS[send]), Kind.COACH, obs_id, send, nonce)],
        [button(who.t("coach.btn_retype"), Kind.COACH, obs_id, retype, nonce)],
        [cancel_button(who, nonce)],
    )


async def _draft_typed(
    update: Update,
    context: WijkContext,
    who: Who,
    flow: flows.Flow,
    *,
    limit: int,
    preview_key: str,
    send: str,
    retype: str,
) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = message.text.strip()
    obs_id = int(flow.data["obs"])
    if len(text) > limit:
        # Stay in the typing step: the person shortens and sends again.
        await reply(
            update,
            who.t("errors.too_long", length=len(text), limit=limit),
            keyboard([cancel_button(who, flow.nonce)]),
        )
        return
    if not text:
        await reply(update, who.t("coach.empty_text"), keyboard([cancel_button(who, flow.nonce)]))
        return
    flow = await flows.move(context, PREVIEW, draft=text)
    shown, _ = fit(text, MAX_MESSAGE - 300)
    await reply(
        update,
        who.t(preview_key, text=shown),
        _preview_markup(who, obs_id, flow.nonce, send, retype),
    )


async def answer_typed(update: Update, context: WijkContext, who: Who, flow: flows.Flow) -> None:
    await _draft_typed(
        update, context, who, flow,
        limit=_answer_limit(context), preview_key="coach.answer_preview", send="snd", retype="edt",
    )  # fmt: skip


async def _retype(
    update: Update,
    context: WijkContext,
    who: Who,
    obs_id: int,
    nonce: int,
    name: str,
    key: str,
    limit: int,
) -> None:
    check_nonce(context, name, nonce)
    await answer_query(update)
    flow = await flows.move(context, TYPING, draft=None)
    with context.services.db.session() as session:
        obs = session.get(Observation, obs_id)
    reference = obs.reference if obs else f"M-{obs_id}"
    await reply(
        update,
        who.t(key, reference=reference, limit=limit),
        keyboard([cancel_button(who, flow.nonce)]),
        edit=True,
    )


def _flow_obs(context: WijkContext, name: str, nonce: int, obs_id: int) -> flows.Flow:
    check_nonce(context, name, nonce)
    flow = flows.current(context)
    assert flow is not None
    if (
        int(flow.data.get("obs", -1)) != obs_id
        or flow.state != PREVIEW
        or not flow.data.get("draft")
    ):
        raise BadCallback("flow button for another draft")
    return flow


async def _answer_retype(
    update: Update, context: WijkContext, who: Who, obs_id: int, cb: Callback
) -> None:
    await _retype(
        update,
        context,
        who,
        obs_id,
        cb.int(2),
        FLOW_ANSWER,
        "coach.answer_prompt",
        _answer_limit(context),
    )


async def _answer_send(
    update: Update, context: WijkContext, who: Who, obs_id: int, cb: Callback
) -> None:
    if not flows.is_current(context, FLOW_ANSWER, cb.int(2)):
        await _answered_before(update, context, who, obs_id, cb.int(2))
        return
    flow = _flow_obs(context, FLOW_ANSWER, cb.int(2), obs_id)
    draft = str(flow.data["draft"])
    back: Back = (Filter(flow.data.get("f", Filter.OPEN.value)), int(flow.data.get("p", 0)))
    services = context.services
    actor = _actor(who)
    now = services.clock.now()
    try:
        with services.db.session() as session:
            obs = coach.get_for_coach(session, actor, obs_id)
            obs = coach.answer(session, obs, actor, draft, now, request_key=flow.key)
            person = coach.sender(session, obs)
    except Refused:
        await flows.end(context)
        raise
    except SQLAlchemyError:
        _log.exception("storing the answer to M-%s failed", obs_id)
        await answer_query(update)
        # The draft stays in the flow: "Versturen" on this preview tries again.
        await reply(
            update,
            who.t("errors.db_failed"),
            _preview_markup(who, obs_id, flow.nonce, "snd", "edt"),
        )
        return
    await flows.end(context)
    await _answer_done(update, context, who, obs, person, back)


async def _answered_before(
    update: Update, context: WijkContext, who: Who, obs_id: int, nonce: int
) -> None:
    """Versturen of an answer flow that has ended: the answer it stored, delivered if the bot
    died before it went out; otherwise an old button."""
    with context.services.db.session() as session:
        obs = coach.answered_in(session, _actor(who).id, flows.request_key(FLOW_ANSWER, nonce))
        person = coach.sender(session, obs) if obs is not None else None
    if obs is None or obs.id != obs_id:
        raise BadCallback("stale flow button")
    await _answer_done(update, context, who, obs, person, (Filter.OPEN, 0))


async def _answer_done(
    update: Update,
    context: WijkContext,
    who: Who,
    obs: Observation,
    person: Person | None,
    back: Back,
) -> None:
    """After the commit: deliver the answer unless it went out before, then tell the coach."""
    await answer_query(update)
    delivery = Delivery.SENT if obs.answer_sent_at is not None else Delivery.FAILED
    if obs.answer_sent_at is None and person is not None:
        delivery = await _deliver(context, person, *_answer_message(context, obs, person))
        if delivery is Delivery.SENT:
            with context.services.db.session() as session:
                coach.mark_answer_sent(session, obs, context.services.clock.now())
    key = {
        Delivery.SENT: "coach.answer_sent",
        Delivery.BLOCKED: "coach.answer_stored_unreachable",
        Delivery.FAILED: "coach.answer_stored_not_delivered",
    }[delivery]
    markup = keyboard(
        [button(who.t("coach.btn_open"), Kind.COACH, obs.id or 0, "open", *_back_args(back))],
        [button(who.t("coach.back_to_list"), Kind.COACH, "l", obs.wijk_id, *_back_args(back))],
        [menu_button(who)],
    )
    await reply(update, who.t(key, reference=obs.reference), markup, edit=True)


def _answer_message(
    context: WijkContext, obs: Observation, person: Person
) -> tuple[str, InlineKeyboardMarkup]:
    lang = person.language
    tz = context.services.config.general.tz
    original = esc(_snippet(obs.text, 300))
    fixed = len(
        t(lang, "coach.to_sender_answer", reference="", date="", original=original, answer="")
    )
    answer, _ = fit(obs.answer_text or "", MAX_MESSAGE - fixed - 60)
    text = t(
        lang,
        "coach.to_sender_answer",
        reference=obs.reference,
        date=format_date(as_utc(obs.created_at), lang, tz),
        original=original,
        answer=answer,
    )
    markup = keyboard(
        [button(t(lang, "coach.btn_reply"), Kind.COACH, obs.id or 0, "rp")],
        [_menu_row(lang)],
    )
    return text, markup


async def _deliver(
    context: WijkContext, person: Person, text: str, markup: InlineKeyboardMarkup | None
) -> Delivery:
    """Send to someone's private chat through the bot. The caller has committed already."""
    try:
        await context.bot.send_message(person.telegram_id, text, reply_markup=markup)
    except Forbidden:
        if person.id is not None:
            with context.services.db.session() as session:
                coach.mark_unreachable(session, person.id, context.services.clock.now())
        return Delivery.BLOCKED
    except TelegramError as exc:
        if may_have_arrived(exc):
            # Not sent again: the person would read it twice. If it was lost after all, they
            # still find it under "Mijn meldingen" (ARCHITECTURE.md, "Exactly once").
            _log.warning("delivery to person %s uncertain, counted as sent: %s", person.id, exc)
            return Delivery.SENT
        _log.warning("delivery to person %s failed: %s", person.id, exc)
        return Delivery.FAILED
    return Delivery.SENT


# --- hiding ------------------------------------------------------------------------------------


async def _hide_ask(
    update: Update, context: WijkContext, who: Who, obs_id: int, cb: Callback
) -> None:
    back = _parse_back(cb, 2)
    with context.services.db.session() as session:
        obs = coach.get_for_coach(session, _actor(who), obs_id)
    if obs.status == "hidden":
        raise Refused("coach.already_hidden")
    await answer_query(update)
    ctx = _back_args(back)
    rows = [
        [button(who.t(f"coach.hide_reason.{code}"), Kind.COACH, obs_id, "hr", code, *ctx)]
        for code in (*coach.HIDE_REASONS, coach.OTHER_REASON)
    ]
    rows.append([button(who.t("coach.btn_back"), Kind.COACH, obs_id, "open", *ctx)])
    await reply(
        update, who.t("coach.hide_ask", reference=obs.reference), keyboard(*rows), edit=True
    )


async def _hide_reason(
    update: Update, context: WijkContext, who: Who, obs_id: int, cb: Callback
) -> None:
    code = cb.arg(2)
    back = _parse_back(cb, 3)
    if code not in (*coach.HIDE_REASONS, coach.OTHER_REASON):
        raise BadCallback("hide reason")
    with context.services.db.session() as session:
        obs = coach.get_for_coach(session, _actor(who), obs_id)
        person = coach.sender(session, obs)
    if obs.status == "hidden":
        raise Refused("coach.already_hidden")
    if code == coach.OTHER_REASON:
        await answer_query(update)
        flow = await flows.start(context, FLOW_HIDE, TYPING, obs=obs_id, f=back[0].value, p=back[1])
        await reply(
            update,
            who.t("coach.hide_prompt", reference=obs.reference, limit=HIDE_REASON_LIMIT),
            keyboard([cancel_button(who, flow.nonce)]),
            edit=True,
        )
        return
    # Stored in the sender's language: "Mijn meldingen" shows it to them as it is.
    sender_lang = person.language if person is not None else obs.lang
    await _do_hide(
        update, context, who, obs_id, back,
        stored=t(sender_lang, f"coach.hide_reason.{code}"),
        shown=who.t(f"coach.hide_reason.{code}"),
    )  # fmt: skip


async def hide_reason_typed(
    update: Update, context: WijkContext, who: Who, flow: flows.Flow
) -> None:
    await _draft_typed(
        update, context, who, flow,
        limit=HIDE_REASON_LIMIT, preview_key="coach.hide_preview", send="hrs", retype="hre",
    )  # fmt: skip


async def _hide_retype(
    update: Update, context: WijkContext, who: Who, obs_id: int, cb: Callback
) -> None:
    await _retype(
        update, context, who, obs_id, cb.int(2), FLOW_HIDE, "coach.hide_prompt", HIDE_REASON_LIMIT
    )


async def _hide_send(
    update: Update, context: WijkContext, who: Who, obs_id: int, cb: Callback
) -> None:
    flow = _flow_obs(context, FLOW_HIDE, cb.int(2), obs_id)
    draft = str(flow.data["draft"])
    back: Back = (Filter(flow.data.get("f", Filter.OPEN.value)), int(flow.data.get("p", 0)))
    done = await _do_hide(update, context, who, obs_id, back, stored=draft, shown=draft, flow=flow)
    if done:
        await flows.end(context)


async def _do_hide(
    update: Update,
    context: WijkContext,
    who: Who,
    obs_id: int,
    back: Back,
    *,
    stored: str,
    shown: str,
    flow: flows.Flow | None = None,
) -> bool:
    services = context.services
    actor = _actor(who)
    try:
        with services.db.session() as session:
            obs = coach.get_for_coach(session, actor, obs_id)
            obs = coach.hide(session, obs, actor, stored, services.clock.now())
            person = coach.sender(session, obs)
    except Refused:
        if flow is not None:
            await flows.end(context)
        raise
    except SQLAlchemyError:
        _log.exception("hiding M-%s failed", obs_id)
        await answer_query(update)
        markup = (
            _preview_markup(who, obs_id, flow.nonce, "hrs", "hre") if flow else menu_keyboard(who)
        )
        await reply(update, who.t("errors.db_failed"), markup)
        return False
    await answer_query(update)
    if person is not None:
        # A short neutral note is kinder than a message that silently disappears.
        lang = person.language
        note = t(
            lang,
            "coach.to_sender_hidden",
            reference=obs.reference,
            date=format_date(as_utc(obs.created_at), lang, services.config.general.tz),
            reason=esc(stored),
        )
        await _deliver(context, person, note, keyboard([_menu_row(lang)]))
    markup = keyboard(
        [button(who.t("coach.back_to_list"), Kind.COACH, "l", obs.wijk_id, *_back_args(back))],
        [menu_button(who)],
    )
    await reply(
        update,
        who.t("coach.hidden_done", reference=obs.reference, reason=esc(shown)),
        markup,
        edit=True,
    )
    return True


# --- the sender's one reply ----------------------------------------------------------------------


def _reply_limit(context: WijkContext) -> int:
    return context.services.config.general.text_limit


async def _reply_start(update: Update, context: WijkContext, who: Who, obs_id: int) -> None:
    actor = _actor(who)
    with context.services.db.session() as session:
        obs = coach.get_for_sender(session, actor.id, obs_id)
    await answer_query(update)
    flow = await flows.start(context, FLOW_REPLY, TYPING, obs=obs_id)
    await reply(
        update,
        who.t("coach.reply_prompt", reference=obs.reference, limit=_reply_limit(context)),
        keyboard([cancel_button(who, flow.nonce)]),
    )


async def reply_typed(update: Update, context: WijkContext, who: Who, flow: flows.Flow) -> None:
    await _draft_typed(
        update, context, who, flow,
        limit=_reply_limit(context), preview_key="coach.reply_preview", send="rps", retype="rpe",
    )  # fmt: skip


async def _reply_step(
    update: Update, context: WijkContext, who: Who, obs_id: int, action: str, nonce: int
) -> None:
    if action == "rpe":
        await _retype(
            update,
            context,
            who,
            obs_id,
            nonce,
            FLOW_REPLY,
            "coach.reply_prompt",
            _reply_limit(context),
        )
        return
    services = context.services
    actor = _actor(who)
    if not flows.is_current(context, FLOW_REPLY, nonce):
        # A flow run that has ended: the reply it stored (delivered now if the bot died before
        # it went out), otherwise an old button.
        with services.db.session() as session:
            obs = coach.replied_in(session, actor.id, flows.request_key(FLOW_REPLY, nonce))
            if obs is None or obs.id != obs_id:
                raise BadCallback("stale flow button")
            answered_by, coaches = coach.reply_recipients(session, obs)
            author = coach.author_label(session, obs) or ""
        await _reply_done(update, context, who, obs, answered_by, coaches, author)
        return
    flow = _flow_obs(context, FLOW_REPLY, nonce, obs_id)
    draft = str(flow.data["draft"])
    try:
        with services.db.session() as session:
            # This run's reply, stored before the bot died, is not refused as a second one.
            obs = coach.replied_in(session, actor.id, flow.key) or coach.get_for_sender(
                session, actor.id, obs_id
            )
            obs = coach.record_reply(
                session, obs, actor.id, draft, services.clock.now(), request_key=flow.key
            )
            answered_by, coaches = coach.reply_recipients(session, obs)
            author = coach.author_label(session, obs) or ""
    except Refused:
        await flows.end(context)
        raise
    except SQLAlchemyError:
        _log.exception("storing the reply to M-%s failed", obs_id)
        await answer_query(update)
        await reply(
            update,
            who.t("errors.db_failed"),
            _preview_markup(who, obs_id, flow.nonce, "rps", "rpe"),
        )
        return
    await flows.end(context)
    await _reply_done(update, context, who, obs, answered_by, coaches, author)


async def _reply_done(
    update: Update,
    context: WijkContext,
    who: Who,
    obs: Observation,
    answered_by: Person | None,
    coaches: list[Person],
    author: str,
) -> None:
    """After the commit: deliver the reply unless it went out before, then tell the sender."""
    await answer_query(update)
    sent_before = obs.reply_sent_at is not None
    delivered = sent_before
    if not delivered and answered_by is not None:
        delivered = await _deliver_reply(context, answered_by, obs, author) is Delivery.SENT
    if not delivered:
        # The coach who answered left (or blocked the bot): every coach of the wijk gets it.
        for person in coaches:
            if person is not answered_by:
                delivered |= await _deliver_reply(context, person, obs, author) is Delivery.SENT
    if delivered and not sent_before:
        with context.services.db.session() as session:
            coach.mark_reply_sent(session, obs, context.services.clock.now())
    key = "coach.reply_sent" if delivered else "coach.reply_stored"
    await reply(update, who.t(key, reference=obs.reference), menu_keyboard(who), edit=True)


async def _deliver_reply(
    context: WijkContext, person: Person, obs: Observation, author: str
) -> Delivery:
    lang = person.language
    text, _ = fit(obs.reply_text or "", MAX_MESSAGE - 400)
    message = t(
        lang, "coach.to_coach_reply", reference=obs.reference, author=esc(author), text=text
    )
    markup = keyboard(
        [button(t(lang, "coach.btn_open"), Kind.COACH, obs.id or 0, "open")],
        [_menu_row(lang)],
    )
    return await _deliver(context, person, message, markup)


# --- wiring ------------------------------------------------------------------------------------

_Action = Callable[[Update, WijkContext, Who, int, Callback], Awaitable[None]]
_COACH_ACTIONS: dict[str, _Action] = {
    "open": _open,
    "rd": _mark_read,
    "ph": _photo,
    "lo": _location,
    "tx": _full_text,
    "an": _answer_start,
    "edt": _answer_retype,
    "snd": _answer_send,
    "hd": _hide_ask,
    "hr": _hide_reason,
    "hre": _hide_retype,
    "hrs": _hide_send,
}


async def media_in_flow(update: Update, context: WijkContext, who: Who, flow: flows.Flow) -> None:
    await reply(update, who.t("coach.text_only"), keyboard([cancel_button(who, flow.nonce)]))


def is_coach(who: Who) -> bool:
    return who.actor is not None and bool(who.actor.wijken_with(Role.COACH, Role.ADMIN))


__all__ = ["open_observation", "render_card", "show_list"]
