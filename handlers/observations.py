"""Meldingen: a person tells the coach something about their wijk, and sees what became of it.

The `observation` flow keeps the whole draft in flows' data (written through before each reply),
so a database error at the end, a sticker in between or a restart loses nothing. States:

    file_ask (a loose text/photo/location: "file it as an observation?")
    wijk (only when the person may send for more than one wijk) → text → swot → theme
    → location → name → summary  (change: pick a part, answer it, back to the summary)

The next state is always the first part the draft still lacks (`_next_state`), so "change"
simply moves to one part and answering it returns to the summary.
Buttons: ob:<nonce>:<step>:<value> and ft:<nonce>:<y|n> carry the flow nonce (stale after the flow
ended, e.g. a second press on "Send"); mo:<id|page>:<action>[:<page>] for "Mijn meldingen", where
ownership is checked in the database, never taken from the button.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import WijkContext
from bot.core.i18n import format_date
from bot.digest.builder import vocabulary_for
from bot.observations import filing
from bot.people import persons
from bot.people.permissions import Action, Actor, PermissionDenied, load_actor
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
    menu_button,
    parse_callback,
    private_handler,
    reply,
)
from models import Observation, ObservationStatus, Swot, Wijk

_log = logging.getLogger(__name__)

FLOW = "observation"
FILE_ASK = "file_ask"
WIJK = "wijk"
TEXT = "text"
SWOT = "swot"
THEME = "theme"
LOCATION = "location"
NAME = "name"
SUMMARY = "summary"
CHANGE = "change"

# Callback step letter → the state in which that button is valid.
STEP_STATE = {"w": WIJK, "s": SWOT, "t": THEME, "l": LOCATION, "n": NAME, "p": TEXT}
SWOT_CODES = {"s": Swot.STRENGTH, "w": Swot.WEAKNESS, "o": Swot.OPPORTUNITY, "t": Swot.THREAT}
NO_THEME = "_"  # never a theme slug: slugs start with a letter or digit
CHANGE_PARTS = {
    "text": TEXT,
    "swot": SWOT,
    "theme": THEME,
    "loc": LOCATION,
    "name": NAME,
    "wijk": WIJK,
}

PAGE_SIZE = 5
# "Mijn meldingen" shows texts shortened so that a page stays under Telegram's 4,096 characters.
MINE_TEXT_CHARS = 280
MINE_ANSWER_CHARS = 400
MESSAGE_LIMIT = 4096


# --- the draft --------------------------------------------------------------------------------


def _next_state(data: dict[str, Any]) -> str:
    if data.get("wijk_id") is None:
        return WIJK
    if not data.get("text"):
        return TEXT
    if data.get("swot") is None:
        return SWOT
    if not data.get("theme_done"):
        return THEME
    if not data.get("loc_done"):
        return LOCATION
    if data.get("share") is None:
        return NAME
    return SUMMARY


def _send_wijken(session: Session, actor: Actor) -> list[Wijk]:
    """The active wijken this person may send an observation for (a partner may have several)."""
    ids = {m.wijk_id for m in actor.memberships if actor.can(Action.SEND_OBSERVATION, m.wijk_id)}
    wijken = [w for i in ids if (w := persons.wijk_by_id(session, i)) is not None]
    return sorted(wijken, key=lambda w: w.name)


def _text_problem(who: Who, context: WijkContext, text: str | None) -> str | None:
    """The message to show when a text cannot be used, or None."""
    stripped = (text or "").strip()
    if not stripped:
        return who.t("observations.empty_text")
    limit = context.services.config.general.text_limit
    if len(stripped) > limit:
        return who.t("errors.too_long", length=len(stripped), limit=limit)
    return None


def _largest_photo(message: Message) -> str | None:
    if not message.photo:
        return None
    return max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0)).file_id


def _theme_label(context: WijkContext, who: Who, slug: str | None) -> str:
    if not slug:
        return who.t("observations.theme_none")
    theme = context.services.config.theme(slug)
    return theme.label(who.lang) if theme else slug


def _swot_label(who: Who, swot: str) -> str:
    return who.t(f"observations.swot_{swot}")


def _share_name(who: Who) -> str:
    return who.first_name.strip()[:120]


# --- starting ---------------------------------------------------------------------------------


async def start_observation(
    update: Update, context: WijkContext, who: Who, *, edit: bool = False, **draft: Any
) -> None:
    """Begin a new draft (optionally with text/photo/location already known)."""
    assert who.actor is not None
    with context.services.db.session() as session:
        wijken = _send_wijken(session, who.actor)
    if not wijken:
        raise PermissionDenied()
    data: dict[str, Any] = {"wijk_id": None, "text": None, "photo": None, "swot": None}
    data.update({"theme": None, "theme_done": False, "lat": None, "lon": None, "loc_done": False})
    data.update({"share": None, "multi": len(wijken) > 1})
    data.update(draft)
    if len(wijken) == 1:
        data["wijk_id"] = wijken[0].id
    note = None
    if data.get("text") is not None and (problem := _text_problem(who, context, data["text"])):
        # A loose text that is too long: keep the photo/location, ask for a text that fits.
        note, data["text"] = problem, None
    elif data.get("text"):
        data["text"] = data["text"].strip()
    flow = await flows.start(context, FLOW, _next_state(data), **data)
    await _show(update, context, who, flow, edit=edit, note=note)


@private_handler()
async def melding_command(update: Update, context: WijkContext, who: Who) -> None:
    await start_observation(update, context, who)


async def melding_open(update: Update, context: WijkContext, who: Who) -> None:
    # A new message: the button may sit under a confirmation whose reference must stay readable.
    await start_observation(update, context, who)


def may_send(who: Who) -> bool:
    return who.known and who.actor is not None and who.actor.can_anywhere(Action.SEND_OBSERVATION)


# --- showing a step ---------------------------------------------------------------------------


async def _show(
    update: Update,
    context: WijkContext,
    who: Who,
    flow: flows.Flow,
    *,
    edit: bool = False,
    note: str | None = None,
) -> None:
    text, markup = _render(context, who, flow)
    if note:
        text = f"{note}\n\n{text}"
    await reply(update, text, markup, edit=edit)


def _render(context: WijkContext, who: Who, flow: flows.Flow) -> tuple[str, InlineKeyboardMarkup]:
    data, nonce, state = flow.data, flow.nonce, flow.state
    cancel = [cancel_button(who, nonce)]
    complete = _next_state({**data}) == SUMMARY
    back = (
        [button(who.t("observations.back_to_summary"), Kind.OBSERVATION, nonce, "e", "back")]
        if complete
        else []
    )

    def ob(label: str, step: str, value: str | int) -> InlineKeyboardButton:
        return button(label, Kind.OBSERVATION, nonce, step, value)

    if state == FILE_ASK:
        return who.t("observations.file_ask"), keyboard(
            [button(who.t("observations.file_yes"), Kind.FILE_TEXT, nonce, "y")],
            [button(who.t("observations.file_no"), Kind.FILE_TEXT, nonce, "n")],
        )
    if state == WIJK:
        assert who.actor is not None
        with context.services.db.session() as session:
            wijken = _send_wijken(session, who.actor)
        rows = columns([ob(w.name, "w", w.id or 0) for w in wijken])
        return who.t("observations.choose_wijk"), keyboard(*rows, back, cancel)
    if state == TEXT:
        prompt = who.t(
            "observations.ask_photo_text"
            if data.get("photo") and not data.get("text")
            else "observations.ask_text"
        )
        photo_row = (
            [ob(who.t("observations.remove_photo"), "p", "rm")]
            if data.get("photo") and complete
            else []
        )
        return prompt, keyboard(photo_row, back, cancel)
    if state == SWOT:
        rows = [
            [ob(_swot_label(who, swot.value), "s", letter)] for letter, swot in SWOT_CODES.items()
        ]
        return who.t("observations.ask_swot"), keyboard(*rows, back, cancel)
    if state == THEME:
        themes = context.services.config.themes
        rows = columns([ob(theme.label(who.lang), "t", theme.slug) for theme in themes])
        rows.append([ob(who.t("observations.theme_none"), "t", NO_THEME)])
        return who.t("observations.ask_theme"), keyboard(*rows, back, cancel)
    if state == LOCATION:
        rows = [[ob(who.t("observations.skip"), "l", "skip")]]
        if data.get("lat") is not None:
            rows.append([ob(who.t("observations.no_location"), "l", "none")])
        return who.t("observations.ask_location"), keyboard(*rows, back, cancel)
    if state == NAME:
        pseudonym = esc(_pseudonym(who))
        rows = []
        if _share_name(who):
            rows.append([ob(who.t("observations.name_yes", name=_share_name(who)), "n", "y")])
        rows.append([ob(who.t("observations.name_no", pseudonym=_pseudonym(who)), "n", "n")])
        return who.t("observations.ask_name", pseudonym=pseudonym), keyboard(*rows, back, cancel)
    if state == CHANGE:
        parts = ["text", "swot", "theme", "loc", "name"] + (["wijk"] if data.get("multi") else [])
        labels = {
            "text": "change_text",
            "swot": "change_kind",
            "theme": "change_theme",
            "loc": "change_location",
            "name": "change_name",
            "wijk": "change_wijk",
        }
        rows = columns([ob(who.t(f"observations.{labels[p]}"), "e", p) for p in parts])
        return who.t("observations.change_what"), keyboard(*rows, back, cancel)
    return _render_summary(context, who, flow)


def _pseudonym(who: Who) -> str:
    return who.actor.person.pseudonym if who.actor else ""


def _render_summary(
    context: WijkContext, who: Who, flow: flows.Flow
) -> tuple[str, InlineKeyboardMarkup]:
    data, nonce = flow.data, flow.nonce
    lines = [who.t("observations.summary_title"), ""]
    if data.get("multi"):
        with context.services.db.session() as session:
            wijk = persons.wijk_by_id(session, int(data["wijk_id"]))
        lines.append(who.t("observations.summary_wijk", wijk=esc(wijk.name if wijk else "?")))
    lines.append(who.t("observations.summary_text", text=esc(data.get("text"))))
    if data.get("photo"):
        lines.append(who.t("observations.summary_photo"))
    lines.append(who.t("observations.summary_kind", kind=esc(_swot_label(who, data["swot"]))))
    lines.append(
        who.t(
            "observations.summary_theme", theme=esc(_theme_label(context, who, data.get("theme")))
        )
    )
    has_location = data.get("lat") is not None
    lines.append(
        who.t(
            "observations.summary_location_yes"
            if has_location
            else "observations.summary_location_no"
        )
    )
    if data.get("share"):
        lines.append(who.t("observations.summary_name_yes", name=esc(_share_name(who))))
    else:
        lines.append(who.t("observations.summary_name_no", pseudonym=esc(_pseudonym(who))))
    markup = keyboard(
        [button(who.t("observations.confirm"), Kind.OBSERVATION, nonce, "c", "ok")],
        [button(who.t("observations.change"), Kind.OBSERVATION, nonce, "e", "menu")],
        [cancel_button(who, nonce)],
    )
    return "\n".join(lines), markup


async def _advance(
    update: Update,
    context: WijkContext,
    who: Who,
    *,
    edit: bool,
    note: str | None = None,
    **updates: Any,
) -> None:
    """Store an answer and show the next part the draft lacks (the summary once complete)."""
    flow = flows.current(context)
    assert flow is not None
    data = {**flow.data, **updates}
    flow = await flows.move(context, _next_state(data), **updates)
    await _show(update, context, who, flow, edit=edit, note=note)


# --- free text, photos and locations during the flow -----------------------------------------


async def text_in_flow(update: Update, context: WijkContext, who: Who, flow: flows.Flow) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    if flow.state == FILE_ASK:
        # Another loose message while we ask about the first: ask about the newest one.
        await ask_file(update, context, who, text=message.text)
        return
    if flow.state != TEXT:
        await _show(update, context, who, flow, note=who.t("observations.use_buttons"))
        return
    problem = _text_problem(who, context, message.text)
    if problem:
        await _show(update, context, who, flow, note=problem)
        return
    await _advance(update, context, who, edit=False, text=message.text.strip())


async def media_in_flow(update: Update, context: WijkContext, who: Who, flow: flows.Flow) -> None:
    message = update.effective_message
    if message is None:
        return
    if message.location is not None:
        lat, lon = message.location.latitude, message.location.longitude
        if flow.state == FILE_ASK:
            await ask_file(update, context, who, lat=lat, lon=lon, loc_done=True)
        elif flow.state == LOCATION:
            await _advance(update, context, who, edit=False, lat=lat, lon=lon, loc_done=True)
        else:
            # Sent early or while changing something else: keep it, go on where they were.
            flow = await flows.update_data(context, lat=lat, lon=lon, loc_done=True)
            await _show(update, context, who, flow, note=who.t("observations.location_saved"))
        return
    photo = _largest_photo(message)
    if photo is None:
        return
    caption = (message.caption or "").strip()
    if flow.state == FILE_ASK:
        await ask_file(update, context, who, photo=photo, text=caption or None)
        return
    if flow.state != TEXT:
        await _show(update, context, who, flow, note=who.t("observations.photo_not_now"))
        return
    if caption:
        problem = _text_problem(who, context, caption)
        if problem:
            # Keep the photo; only the caption must be shorter.
            flow = await flows.update_data(context, photo=photo)
            await _show(update, context, who, flow, note=problem)
            return
        await _advance(update, context, who, edit=False, photo=photo, text=caption)
        return
    if flow.data.get("text"):
        # Changing the photo of a draft that has a text already: keep the text.
        await _advance(update, context, who, edit=False, photo=photo)
        return
    flow = await flows.update_data(context, photo=photo)
    await _show(update, context, who, flow)


# --- loose messages outside any flow ----------------------------------------------------------


async def ask_file(update: Update, context: WijkContext, who: Who, **draft: Any) -> None:
    """Keep what they sent in a new flow and ask whether it is an observation."""
    flow = await flows.start(context, FLOW, FILE_ASK, **draft)
    await _show(update, context, who, flow)


async def loose_text(update: Update, context: WijkContext, who: Who) -> None:
    message = update.effective_message
    if message is None or message.text is None or not may_send(who):
        await reply(update, who.t("errors.not_understood"), keyboard([menu_button(who)]))
        return
    await ask_file(update, context, who, text=message.text)


async def loose_media(update: Update, context: WijkContext, who: Who) -> None:
    message = update.effective_message
    if message is None or not may_send(who):
        await reply(update, who.t("errors.not_understood"), keyboard([menu_button(who)]))
        return
    if message.location is not None:
        loc = message.location
        await ask_file(update, context, who, lat=loc.latitude, lon=loc.longitude, loc_done=True)
        return
    photo = _largest_photo(message)
    if photo is None:
        await reply(update, who.t("errors.not_understood"), keyboard([menu_button(who)]))
        return
    await ask_file(update, context, who, photo=photo, text=(message.caption or "").strip() or None)


@private_handler()
async def file_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """ft:<nonce>:<y|n>"""
    cb = parse_callback(update)
    nonce, answer = cb.int(0), cb.arg(1)
    check_nonce(context, FLOW, nonce)
    flow = flows.current(context)
    if flow is None or flow.state != FILE_ASK or answer not in ("y", "n"):
        raise BadCallback("not asking")
    await answer_query(update)
    if answer == "n":
        await flows.end(context)
        await reply(
            update, who.t("observations.file_no_done"), keyboard([menu_button(who)]), edit=True
        )
        return
    draft = {k: flow.data[k] for k in ("text", "photo", "lat", "lon", "loc_done") if k in flow.data}
    await start_observation(update, context, who, edit=True, **draft)


# --- buttons of the flow ----------------------------------------------------------------------


@private_handler()
async def observation_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """ob:<nonce>:<step>:<value>"""
    cb = parse_callback(update)
    nonce, step, value = cb.int(0), cb.arg(1), cb.arg(2)
    if step == "c" and not flows.is_current(context, FLOW, nonce):
        await _confirmed_before(update, context, who, nonce)
        return
    check_nonce(context, FLOW, nonce)
    flow = flows.current(context)
    assert flow is not None
    if step == "c":
        if flow.state != SUMMARY or value != "ok":
            raise BadCallback("not at the summary")
        await _confirm(update, context, who, flow)
        return
    if step == "e":
        await _change(update, context, who, flow, value)
        return
    if STEP_STATE.get(step) != flow.state:
        raise BadCallback(f"step {step} in state {flow.state}")
    updates: dict[str, Any]
    if step == "w":
        wijk_id = cb.int(2)
        assert who.actor is not None
        with context.services.db.session() as session:
            allowed = {w.id for w in _send_wijken(session, who.actor)}
        if wijk_id not in allowed:
            raise BadCallback("not a wijk of this person")
        updates = {"wijk_id": wijk_id}
    elif step == "s":
        if value not in SWOT_CODES:
            raise BadCallback("swot")
        updates = {"swot": SWOT_CODES[value].value}
    elif step == "t":
        if value != NO_THEME and context.services.config.theme(value) is None:
            raise BadCallback("theme")
        updates = {"theme": None if value == NO_THEME else value, "theme_done": True}
    elif step == "l":
        if value not in ("skip", "none"):
            raise BadCallback("location")
        updates = {"loc_done": True}
        if value == "none":
            updates.update(lat=None, lon=None)
    elif step == "n":
        if value not in ("y", "n") or (value == "y" and not _share_name(who)):
            raise BadCallback("name")
        updates = {"share": value == "y"}
    else:  # "p": remove the photo while changing the text
        if value != "rm" or not flow.data.get("photo"):
            raise BadCallback("photo")
        await answer_query(update, who.t("observations.photo_removed"))
        await _advance(update, context, who, edit=True, photo=None)
        return
    await answer_query(update)
    await _advance(update, context, who, edit=True, **updates)


async def _change(
    update: Update, context: WijkContext, who: Who, flow: flows.Flow, value: str
) -> None:
    complete = _next_state(flow.data) == SUMMARY
    if value == "back" and complete:
        flow = await flows.move(context, SUMMARY)
    elif value == "menu" and flow.state == SUMMARY:
        flow = await flows.move(context, CHANGE)
    elif (
        flow.state == CHANGE
        and value in CHANGE_PARTS
        and (value != "wijk" or flow.data.get("multi"))
    ):
        flow = await flows.move(context, CHANGE_PARTS[value])
    else:
        raise BadCallback("change")
    await answer_query(update)
    await _show(update, context, who, flow, edit=True)


async def _confirm(update: Update, context: WijkContext, who: Who, flow: flows.Flow) -> None:
    """Store the draft. The confirmation comes only after the commit; on failure the draft stays."""
    data = flow.data
    services = context.services
    problem = _text_problem(who, context, data.get("text"))
    if problem:  # the limit may have changed since the text was typed
        flow = await flows.move(context, TEXT)
        await answer_query(update)
        await _show(update, context, who, flow, edit=True, note=problem)
        return
    wijk_id = int(data["wijk_id"])
    try:
        with services.db.session() as session:
            # Roles are read again now: what was allowed when the flow began may not be any more.
            actor = load_actor(session, who.telegram_id)
            if actor is None or persons.wijk_by_id(session, wijk_id) is None:
                raise PermissionDenied()
            actor.require(Action.SEND_OBSERVATION, wijk_id)
            person = actor.person
            share = bool(data.get("share")) and bool(_share_name(who))
            if share:
                person.display_name = _share_name(who)
                session.add(person)
            observation = filing.create_observation(
                session,
                person=person,
                wijk_id=wijk_id,
                author_role=actor.author_role(wijk_id).value,
                swot=str(data["swot"]),
                theme=data.get("theme"),
                text=str(data["text"]),
                lang=who.lang,
                photo_file_id=data.get("photo"),
                lat=data.get("lat"),
                lon=data.get("lon"),
                share_name=share,
                now=services.clock.now(),
                # The same vocabulary the digest groups with, so the stored signature is used.
                vocabulary=vocabulary_for(services.config.digest.vocabulary),
                request_key=flow.key,
            )
            reference = observation.reference
    except SQLAlchemyError:
        _log.exception("could not store an observation")
        await answer_query(update)
        text, markup = _render_summary(context, who, flow)
        await reply(update, f"{who.t('errors.db_failed')}\n\n{text}", markup, edit=True)
        return
    await flows.end(context)
    await _show_saved(update, who, reference)


async def _show_saved(update: Update, who: Who, reference: str) -> None:
    await answer_query(update)
    markup = keyboard(
        [button(who.t("observations.menu_mine"), Kind.MENU, "mijn")],
        [button(who.t("observations.new_observation"), Kind.MENU, "melding")],
        [menu_button(who)],
    )
    await reply(update, who.t("observations.saved", reference=reference), markup, edit=True)


async def _confirmed_before(update: Update, context: WijkContext, who: Who, nonce: int) -> None:
    """Versturen of a flow run that has ended: show what it stored, if it stored anything.

    The bot may have died between the commit and the confirmation, or the confirmation never
    reached the person; they (or Telegram) press again and get the number, not "old button"."""
    assert who.actor is not None
    with context.services.db.session() as session:
        stored = filing.by_request_key(session, who.actor.id, flows.request_key(FLOW, nonce))
    if stored is None:
        raise BadCallback("stale flow button")
    await _show_saved(update, who, stored.reference)


# --- Mijn meldingen ---------------------------------------------------------------------------


def _shorten(text: str, limit: int, more: str) -> str:
    text = text.strip()
    if len(text) <= limit:
        return esc(text)
    return f"{esc(text[:limit].rstrip())}… {more}"


def _render_item(
    context: WijkContext, who: Who, obs: Observation, text_chars: int, answer_chars: int
) -> str:
    created = obs.created_at
    if created.tzinfo is None:  # SQLite hands back naive datetimes; they are UTC
        from datetime import UTC

        created = created.replace(tzinfo=UTC)
    more = who.t("observations.mine_more")
    head = who.t(
        "observations.mine_item",
        reference=obs.reference,
        date=format_date(created, who.lang, context.services.tz),
        status=who.t(f"observations.status_{obs.status}"),
    )
    extras = [who.t("observations.mine_extras_photo")] if obs.photo_file_id else []
    if obs.latitude is not None:
        extras.append(who.t("observations.mine_extras_location"))
    kind = who.t(
        "observations.mine_kind",
        kind=esc(_swot_label(who, obs.swot)),
        theme=esc(_theme_label(context, who, obs.theme)),
    )
    if extras:
        kind = f"{kind} ({', '.join(extras)})"
    lines = [head, kind, _shorten(obs.text, text_chars, more)]
    if obs.answer_text and obs.status != ObservationStatus.HIDDEN.value:
        lines.append(
            who.t("observations.mine_answer", answer=_shorten(obs.answer_text, answer_chars, more))
        )
    return "\n".join(lines)


async def show_mine(
    update: Update,
    context: WijkContext,
    who: Who,
    page: int = 0,
    *,
    edit: bool = False,
    note: str | None = None,
) -> None:
    assert who.actor is not None
    person_id = who.actor.id
    with context.services.db.session() as session:
        total = filing.count_for_person(session, person_id)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        items = filing.list_for_person(session, person_id, page * PAGE_SIZE, PAGE_SIZE)
    rows: list[list[InlineKeyboardButton]] = []
    if not items:
        text = who.t("observations.mine_empty")
    else:
        text = ""
        # Shorten harder until the page fits in one message.
        for text_chars, answer_chars in (
            (MINE_TEXT_CHARS, MINE_ANSWER_CHARS),
            (150, 200),
            (60, 80),
        ):
            blocks = [_render_item(context, who, o, text_chars, answer_chars) for o in items]
            text = "\n\n".join(
                [who.t("observations.mine_title", page=page + 1, pages=pages), *blocks]
            )
            if len(text) + len(note or "") < MESSAGE_LIMIT - 100:
                break
        for obs in items:
            if obs.status in filing.WITHDRAWABLE:
                label = who.t("observations.withdraw_button", reference=obs.reference)
                rows.append([button(label, Kind.MY_OBSERVATIONS, obs.id or 0, "w", page)])
        paging = []
        if page > 0:
            paging.append(
                button(who.t("observations.previous"), Kind.MY_OBSERVATIONS, page - 1, "pg")
            )
        if page < pages - 1:
            paging.append(button(who.t("observations.next"), Kind.MY_OBSERVATIONS, page + 1, "pg"))
        rows.append(paging)
    if may_send(who):
        rows.append([button(who.t("observations.menu_new"), Kind.MENU, "melding")])
    rows.append([menu_button(who)])
    if note:
        text = f"{note}\n\n{text}"
    await reply(update, text, keyboard(*rows), edit=edit)


@private_handler()
async def mine_command(update: Update, context: WijkContext, who: Who) -> None:
    await flows.end(context)
    await show_mine(update, context, who)


async def mine_open(update: Update, context: WijkContext, who: Who) -> None:
    await show_mine(update, context, who)


@private_handler()
async def mine_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """mo:<page>:pg | mo:<id>:w:<page> (ask) | mo:<id>:wy:<page> (withdraw) | mo:<id>:wn:<page>"""
    assert who.actor is not None
    cb = parse_callback(update)
    target, action = cb.int(0), cb.arg(1)
    if action == "pg":
        await answer_query(update)
        await show_mine(update, context, who, target, edit=True)
        return
    page = cb.int(2)
    person_id = who.actor.id
    if action == "wn":
        await answer_query(update)
        await show_mine(update, context, who, page, edit=True)
        return
    if action == "w":
        with context.services.db.session() as session:
            obs = filing.get_own(session, person_id, target)
        if obs is None or obs.status not in filing.WITHDRAWABLE:
            await _refuse_withdraw(update, context, who, page)
            return
        await answer_query(update)
        markup = keyboard(
            [button(who.t("observations.withdraw_yes"), Kind.MY_OBSERVATIONS, target, "wy", page)],
            [button(who.t("observations.withdraw_no"), Kind.MY_OBSERVATIONS, target, "wn", page)],
        )
        await reply(
            update,
            who.t("observations.withdraw_confirm", reference=obs.reference),
            markup,
            edit=True,
        )
        return
    if action == "wy":
        with context.services.db.session() as session:
            done = filing.withdraw(session, person_id, target, now=context.services.clock.now())
        if not done:
            await _refuse_withdraw(update, context, who, page)
            return
        await answer_query(update)
        note = who.t("observations.withdrawn", reference=f"M-{target}")
        await show_mine(update, context, who, page, edit=True, note=note)
        return
    raise BadCallback("mine")


async def _refuse_withdraw(update: Update, context: WijkContext, who: Who, page: int) -> None:
    await answer_query(update, who.t("observations.withdraw_refused"), alert=True)
    await show_mine(
        update, context, who, page, edit=True, note=who.t("observations.withdraw_refused")
    )
