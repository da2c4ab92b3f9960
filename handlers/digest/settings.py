"""The coach's digest settings: day, time, how often, and whether to skip quiet periods."""

from __future__ import annotations

from sqlmodel import Session
from telegram import Update

from bot.context import WijkContext
from bot.digest import periods
from bot.telegram.callbacks import (
    BadCallback,
    DigestSetDay,
    DigestSetFrequency,
    DigestSetSkip,
    DigestSetTime,
    DigestSettingsMenu,
)
from handlers.common import Who, answer_query, any_payload, private_handler, reply
from handlers.digest import views
from handlers.digest.now import require_coach
from models import DigestSetting


def _setting(session: Session, person_id: int, context: WijkContext) -> DigestSetting:
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


async def open_settings(update: Update, context: WijkContext, who: Who) -> None:
    await _show_settings(update, context, who, edit=False)


async def _show_settings(
    update: Update, context: WijkContext, who: Who, *, edit: bool, saved: bool = False
) -> None:
    require_coach(who)
    assert who.actor is not None
    services = context.services
    with services.db.session() as session:
        setting = _setting(session, who.actor.id, context)
    due = periods.next_due(periods.Schedule.of(setting), services.clock.now(), services.tz)
    await reply(update, *views.settings(who, setting, due, services.tz, saved=saved), edit=edit)


@private_handler(needs_wijk=False)
async def settings_pressed(update: Update, context: WijkContext, who: Who) -> None:
    pressed = any_payload(update)
    require_coach(who)
    assert who.actor is not None
    if isinstance(pressed, DigestSettingsMenu):
        await answer_query(update)
        if pressed.menu is None:
            await _show_settings(update, context, who, edit=True)
        else:
            await reply(update, *views.choices(who, pressed.menu), edit=True)
        return
    with context.services.db.session() as session:
        setting = _setting(session, who.actor.id, context)
        if isinstance(pressed, DigestSetDay):
            setting.weekday = pressed.weekday
        elif isinstance(pressed, DigestSetTime):
            if pressed.time not in periods.SEND_TIMES:
                raise BadCallback("time")
            setting.send_time = pressed.time
        elif isinstance(pressed, DigestSetFrequency):
            setting.frequency = pressed.frequency
        elif isinstance(pressed, DigestSetSkip):
            setting.skip_quiet = pressed.skip_quiet
        else:
            raise BadCallback("unknown setting")
        setting.updated_at = context.services.clock.now()
        session.add(setting)
        session.commit()  # confirmed below, only after the commit
    await answer_query(update, who.t("digest.saved"))
    await _show_settings(update, context, who, edit=True, saved=True)
