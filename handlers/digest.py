"""The coach's digest in the bot: "Digest nu", `/digest [wijk]`, the settings menu, and the job.

Permissions are checked here for every command and button (Action.VIEW_DIGEST in the wijk asked
for); a wijk id in a button is only a wish.
"""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import WijkContext
from bot.core.i18n import format_datetime
from bot.digest import jobs, periods
from bot.digest.delivery import DeliveryError, deliver, prepare
from bot.people import persons
from bot.people.permissions import Action, PermissionDenied
from bot.telegram.callbacks import BadCallback, Kind
from handlers.common import (
    Who,
    answer_query,
    button,
    columns,
    esc,
    keyboard,
    menu_button,
    menu_keyboard,
    parse_callback,
    private_handler,
    reply,
)
from models import DigestSetting, Role, Wijk

_log = logging.getLogger(__name__)

_FREQUENCIES = {"w": "weekly", "b": "biweekly", "o": "off"}


def is_coach(who: Who) -> bool:
    return who.actor is not None and who.actor.can_anywhere(Action.VIEW_DIGEST)


def _require_coach(who: Who) -> None:
    if not is_coach(who):
        raise PermissionDenied("digest.coach_only")


def _coach_wijken(session: Session, who: Who) -> list[Wijk]:
    assert who.actor is not None
    ids = who.actor.wijken_with(Role.COACH, Role.ADMIN)
    wijken = [w for i in ids if (w := persons.wijk_by_id(session, i)) is not None]
    return sorted(wijken, key=lambda w: w.name)


# --- Digest nu and /digest ---------------------------------------------------------------------


@private_handler(needs_wijk=False)
async def digest_command(update: Update, context: WijkContext, who: Who) -> None:
    _require_coach(who)
    wanted = " ".join(context.args or []).strip().lower()
    with context.services.db.session() as session:
        wijken = _coach_wijken(session, who)
    if wanted:
        match = [w for w in wijken if wanted in (w.slug.lower(), w.name.lower())]
        if not match:
            await reply(update, who.t("digest.unknown_wijk"), _choice_keyboard(who, wijken))
            return
        wijken = match
    await _choose_or_send(update, context, who, wijken)


async def open_now(update: Update, context: WijkContext, who: Who) -> None:
    _require_coach(who)
    with context.services.db.session() as session:
        wijken = _coach_wijken(session, who)
    await _choose_or_send(update, context, who, wijken)


async def _choose_or_send(
    update: Update, context: WijkContext, who: Who, wijken: list[Wijk]
) -> None:
    if len(wijken) == 1 and wijken[0].id is not None:
        await _send_now(update, context, who, wijken[0].id)
        return
    await reply(update, who.t("digest.choose_wijk"), _choice_keyboard(who, wijken))


def _choice_keyboard(who: Who, wijken: list[Wijk]) -> InlineKeyboardMarkup:
    buttons = [button(w.name, Kind.DIGEST, w.id or 0, "now") for w in wijken]
    return keyboard(*columns(buttons, 2), [menu_button(who)])


@private_handler(needs_wijk=False)
async def digest_pressed(update: Update, context: WijkContext, who: Who) -> None:
    cb = parse_callback(update)
    wijk_id = cb.int(0)
    if cb.arg(1) != "now":
        raise BadCallback("unknown digest action")
    _require_coach(who)
    assert who.actor is not None
    # The wijk id comes from a button: only the server's memberships decide.
    who.actor.require(Action.VIEW_DIGEST, wijk_id)
    with context.services.db.session() as session:
        if persons.wijk_by_id(session, wijk_id) is None:
            raise BadCallback("no such wijk")
    await answer_query(update)
    await _send_now(update, context, who, wijk_id)


async def _send_now(update: Update, context: WijkContext, who: Who, wijk_id: int) -> None:
    assert who.actor is not None
    who.actor.require(Action.VIEW_DIGEST, wijk_id)
    services = context.services
    chat = update.effective_chat
    if chat is None:
        return
    with services.db.session() as session:
        plan = jobs.schedule_for(session, who.actor.id, services.config)
    period = periods.current_period(plan, services.clock.now(), services.tz)
    try:
        outgoing = await asyncio.to_thread(prepare, services, wijk_id, period, who.lang)
        await deliver(context.bot, chat.id, outgoing)
    except DeliveryError as exc:
        _log.warning("on-demand digest failed after %s parts: %s", exc.sent, exc.cause)
        await reply(update, who.t("digest.failed"), menu_keyboard(who))
    except Exception:
        _log.exception("on-demand digest for wijk %s failed", wijk_id)
        await reply(update, who.t("digest.failed"), menu_keyboard(who))


# --- settings ----------------------------------------------------------------------------------


def _setting(session: Session, person_id: int, who: Who, context: WijkContext) -> DigestSetting:
    setting = session.get(DigestSetting, person_id)
    if setting is None:
        default = periods.Schedule.default(context.services.config.digest)
        setting = DigestSetting(
            person_id=person_id,
            weekday=default.weekday,
            send_time=default.send_time.strftime("%H:%M"),
            frequency=default.frequency,
            skip_quiet=default.skip_quiet,
        )
    return setting


def _settings_text(who: Who, context: WijkContext, setting: DigestSetting) -> str:
    services = context.services
    plan = periods.Schedule.of(setting)
    due = periods.next_due(plan, services.clock.now(), services.tz)
    upcoming = (
        who.t("digest.next_due", when=format_datetime(due, who.lang, services.tz))
        if due is not None
        else who.t("digest.next_off")
    )
    return who.t(
        "digest.settings_title",
        day=who.t(f"digest.day.{setting.weekday}"),
        time=esc(setting.send_time),
        frequency=who.t(f"digest.frequency.{setting.frequency}"),
        skip=who.t("digest.yes" if setting.skip_quiet else "digest.no"),
        next=upcoming,
    )


def _settings_keyboard(who: Who, setting: DigestSetting) -> InlineKeyboardMarkup:
    skip = (
        button(who.t("digest.skip_turn_off"), Kind.DIGEST_SETTINGS, "skip", 0)
        if setting.skip_quiet
        else button(who.t("digest.skip_turn_on"), Kind.DIGEST_SETTINGS, "skip", 1)
    )
    return keyboard(
        [
            button(who.t("digest.set_day"), Kind.DIGEST_SETTINGS, "menu", "day"),
            button(who.t("digest.set_time"), Kind.DIGEST_SETTINGS, "menu", "time"),
        ],
        [button(who.t("digest.set_frequency"), Kind.DIGEST_SETTINGS, "menu", "freq")],
        [skip],
        [button(who.t("digest.menu_now"), Kind.MENU, "digest_now"), menu_button(who)],
    )


async def open_settings(update: Update, context: WijkContext, who: Who) -> None:
    await _show_settings(update, context, who, edit=False)


async def _show_settings(
    update: Update, context: WijkContext, who: Who, *, edit: bool, saved: bool = False
) -> None:
    _require_coach(who)
    assert who.actor is not None
    with context.services.db.session() as session:
        setting = _setting(session, who.actor.id, who, context)
    text = _settings_text(who, context, setting)
    if saved:
        text = f"{who.t('digest.saved')}\n\n{text}"
    await reply(update, text, _settings_keyboard(who, setting), edit=edit)


def _choices(who: Who, what: str) -> tuple[str, list[list[InlineKeyboardButton]]]:
    if what == "day":
        days = [button(who.t(f"digest.day.{d}"), Kind.DIGEST_SETTINGS, "day", d) for d in range(7)]
        return who.t("digest.choose_day"), columns(days, 2)
    if what == "time":
        times = [
            button(value, Kind.DIGEST_SETTINGS, "time", value.replace(":", ""))
            for value in periods.SEND_TIMES
        ]
        return who.t("digest.choose_time"), columns(times, 3)
    if what == "freq":
        options = [
            button(who.t(f"digest.frequency.{name}"), Kind.DIGEST_SETTINGS, "freq", code)
            for code, name in _FREQUENCIES.items()
        ]
        return who.t("digest.choose_frequency"), [options]
    raise BadCallback("unknown settings menu")


@private_handler(needs_wijk=False)
async def settings_pressed(update: Update, context: WijkContext, who: Who) -> None:
    cb = parse_callback(update)
    field, value = cb.arg(0), cb.arg(1)
    _require_coach(who)
    assert who.actor is not None
    if field == "menu":
        text, rows = _choices(who, value)
        await answer_query(update)
        back = button(who.t("common.back"), Kind.DIGEST_SETTINGS, "show", 0)
        await reply(update, text, keyboard(*rows, [back, menu_button(who)]), edit=True)
        return
    if field == "show":
        await answer_query(update)
        await _show_settings(update, context, who, edit=True)
        return
    with context.services.db.session() as session:
        setting = _setting(session, who.actor.id, who, context)
        if field == "day":
            day = cb.int(1)
            if not 0 <= day <= 6:
                raise BadCallback("weekday")
            setting.weekday = day
        elif field == "time":
            text = f"{value[:2]}:{value[2:]}"
            if text not in periods.SEND_TIMES:
                raise BadCallback("time")
            setting.send_time = text
        elif field == "freq":
            if value not in _FREQUENCIES:
                raise BadCallback("frequency")
            setting.frequency = _FREQUENCIES[value]
        elif field == "skip":
            if value not in ("0", "1"):
                raise BadCallback("skip")
            setting.skip_quiet = value == "1"
        else:
            raise BadCallback("unknown setting")
        setting.updated_at = context.services.clock.now()
        session.add(setting)
        session.commit()  # confirmed below, only after the commit
    await answer_query(update, who.t("digest.saved"))
    await _show_settings(update, context, who, edit=True, saved=True)
