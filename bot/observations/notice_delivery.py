"""Status notices: the sender of an observation (and everyone who said "ik ook" to it) hears of
each status change they should know of (bot/observations/workflow.py NOTIFY), in their own
language, also when they are anonymous to the coach.

Nothing is sent while a coach changes a status: the change writes an ObservationEvent with
`notify` set and returns. `deliver_pending_notices` (run by `Services.desk_notices`, woken by a
repeating job every few seconds and by whoever changed a status: `services.desk_notices.wake()`)
claims each pending event (`notified_at`, one conditional UPDATE: at most once, also with two
processes) and sends through the Application's bot, so the rate limiter paces a bulk change of
a hundred. A 429 waits and tries the same person again (bot/telegram/broadcast.py deliver_one);
a 403 marks the person unreachable and moves on; a notice overtaken by a newer one for the same
observation is claimed and not sent (the newer one says where it stands now).

A coach's answer written on the desk goes out the same way: its "answer" event carries `notify`
(bot/observations/answer_templates.py answer_with_text), and the answer itself (as the chat
sends it, handlers/coach/views.py, given by bot/wiring.py as `AnswerViews`) goes to the sender
unless it went before (`answer_sent_at`), then to each supporter it has not reached yet. A
later status change does not overtake an answer.

Under a notice the sender can answer once more ("Klopt niet", "Nog steeds niet opgelost":
workflow.REOPEN_REASONS), which reopens the observation (handlers/observations/reopen.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select
from telegram import Bot, InlineKeyboardMarkup
from telegram.ext import Application

from bot.core.i18n import t
from bot.core.text import esc
from bot.observations import coach, same_matter
from bot.observations.workflow import REOPEN_REASONS
from bot.people import persons
from bot.telegram.broadcast import Status, deliver_one
from bot.telegram.callbacks import MenuItem, StatusReopen, button
from bot.telegram.jobs import at_start_and_every
from models import EventKind, Observation, ObservationEvent, Person
from models import ObservationStatus as S

if TYPE_CHECKING:
    from bot.context import Services, WijkContext

_log = logging.getLogger(__name__)

EVERY_SECONDS = 5
BATCH = 200

View = tuple[str, InlineKeyboardMarkup | None]


@dataclass(frozen=True)
class AnswerViews:
    """The coach's answer as the chat sends it: to the sender (language, observation, time
    zone, whether they coach the wijk themselves) and to a supporter (language, observation,
    the supporter's own text, whether they coach the wijk): a coach of the wijk reads it as
    another coach's answer (`coach.colleagues`)."""

    to_sender: Callable[[str, Observation, ZoneInfo, bool], View]
    to_supporter: Callable[[str, Observation, str, bool], View]


def pending(session: Session, limit: int = BATCH) -> list[ObservationEvent]:
    return list(
        session.exec(
            select(ObservationEvent)
            .where(
                col(ObservationEvent.notify).is_(True),
                col(ObservationEvent.notified_at).is_(None),
            )
            .order_by(col(ObservationEvent.id))
            .limit(limit)
        ).all()
    )


def claim(session: Session, event_id: int, now: datetime) -> bool:
    """Take the notice: whoever sets notified_at sends it; nobody else will."""
    result = session.exec(
        update(ObservationEvent)
        .where(
            col(ObservationEvent.id) == event_id,
            col(ObservationEvent.notified_at).is_(None),
        )
        .values(notified_at=now)
    )
    session.commit()
    return bool(result.rowcount)


def _overtaken(session: Session, event: ObservationEvent) -> bool:
    """A newer status change of the same observation (its own notice says where it is now)."""
    return (
        session.exec(
            select(ObservationEvent.id).where(
                ObservationEvent.observation_id == event.observation_id,
                col(ObservationEvent.id) > (event.id or 0),
                col(ObservationEvent.to_status).is_not(None),
                col(ObservationEvent.kind) != "answer",
            )
        ).first()
        is not None
    )


def message(
    lang: str, obs: Observation, event: ObservationEvent, *, own: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """The notice of `event`, in `lang`; `own`: to the sender (else to a supporter)."""
    status = event.to_status or ""
    subject = t(
        lang,
        "status_notice.subject_own" if own else "status_notice.subject_supported",
        reference=obs.reference,
    )
    detail = esc(event.detail or "")
    text = t(
        lang,
        f"status_notice.{status}",
        subject=subject,
        partner=detail,
        other=detail,
        reason=detail,
    )
    reasons = REOPEN_REASONS.get(status, ())
    rows = []
    if reasons:
        ask = (
            "status_notice.ask_resolved"
            if status == S.RESOLVED.value
            else "status_notice.ask_wrong"
        )
        text = f"{text}\n{t(lang, ask)}"
        labels = {"wrong": "status_notice.btn_wrong", "not_solved": "status_notice.btn_not_solved"}
        rows.append([button(t(lang, labels[r]), StatusReopen(event.id or 0, r)) for r in reasons])
    rows.append([button(t(lang, "menu.back_to_menu"), MenuItem("main"))])
    return text, InlineKeyboardMarkup(rows)


def _recipients(session: Session, obs: Observation) -> list[tuple[Person, bool]]:
    """(person, is the sender): the sender first, then the supporters who can be reached."""
    found: list[tuple[Person, bool]] = []
    sender = session.get(Person, obs.person_id) if obs.person_id else None
    if sender is not None:
        found.append((sender, True))
    assert obs.id is not None
    for _, person in same_matter.reachable(session, obs.id):
        if sender is None or person.id != sender.id:
            found.append((person, False))
    return found


async def _send(
    services: Services,
    bot: Bot,
    person: Person,
    text: str,
    markup: InlineKeyboardMarkup | None,
    what: str,
) -> bool:
    """One message to `person`; True when it went (or may have). Someone Telegram says the bot
    cannot reach is marked unreachable."""
    outcome = await deliver_one(bot, person.telegram_id, text, markup, what=what)
    if outcome.status is Status.UNREACHABLE and person.id is not None:
        with services.db.session() as session:
            persons.mark_unreachable(session, person.id, services.clock.now())
        return False
    return outcome.status is not Status.FAILED


async def deliver_pending_notices(services: Services, bot: Bot, answers: AnswerViews) -> int:
    """Send every pending status notice and desk answer once; returns how many messages
    went out."""
    sent = 0
    while True:
        with services.db.session() as session:
            events = pending(session)
        if not events:
            return sent
        for event in events:
            if event.kind == EventKind.ANSWER.value:
                sent += await _deliver_answer(services, bot, event, answers)
            else:
                sent += await _deliver(services, bot, event)
        if len(events) < BATCH:
            return sent


async def _deliver_answer(
    services: Services, bot: Bot, event: ObservationEvent, answers: AnswerViews
) -> int:
    """The answer itself, to the sender unless it reached them before, then to each supporter
    it has not reached yet; each marked once it went (or may have)."""
    assert event.id is not None
    with services.db.session() as session:
        if not claim(session, event.id, services.clock.now()):
            return 0
        obs = session.get(Observation, event.observation_id)
        if obs is None or obs.answer_text is None:
            return 0
        sender = session.get(Person, obs.person_id) if obs.person_id else None
        supporters = same_matter.reachable(session, event.observation_id)
        coaches = coach.colleagues(session, obs.wijk_id)
        session.expunge_all()
    tz = services.config.general.tz
    what = f"answer {event.id}"
    sent = 0
    if sender is not None and obs.answer_sent_at is None:
        text, markup = answers.to_sender(sender.language, obs, tz, sender.id in coaches)
        if await _send(services, bot, sender, text, markup, what):
            sent += 1
            with services.db.session() as session:
                session.exec(
                    update(Observation)
                    .where(col(Observation.id) == obs.id)
                    .values(answer_sent_at=services.clock.now())
                )
                session.commit()
    for supporter, person in supporters:
        if supporter.answer_sent_at is not None or supporter.id is None:
            continue
        if sender is not None and person.id == sender.id:
            continue
        if person.id == obs.answered_by_id:  # the coach who answered said "ik ook" too
            continue
        colleague = person.id in coaches
        text, markup = answers.to_supporter(person.language, obs, supporter.text, colleague)
        if await _send(services, bot, person, text, markup, what):
            sent += 1
            with services.db.session() as session:
                same_matter.mark_answer_sent(session, supporter.id, services.clock.now())
    return sent


async def _deliver(services: Services, bot: Bot, event: ObservationEvent) -> int:
    assert event.id is not None
    with services.db.session() as session:
        if not claim(session, event.id, services.clock.now()):
            return 0  # another run took it
        obs = session.get(Observation, event.observation_id)
        if obs is None or _overtaken(session, event):
            return 0
        people = _recipients(session, obs)
        session.expunge_all()
    sent = 0
    for person, own in people:
        text, markup = message(person.language, obs, event, own=own)
        if await _send(services, bot, person, text, markup, f"status notice {event.id}"):
            sent += 1
    return sent


async def run_job(context: WijkContext) -> None:
    context.services.desk_notices.wake()


def install(app: Application[Any, Any, Any, Any, Any, Any], answers: AnswerViews) -> None:
    """What runs the notices (Services.desk_notices), a repeating job that wakes it, and one
    run at start-up (what was changed while the bot was down). `answers`: how a desk answer
    reads (the chat's own views)."""
    wijk_app = cast("Any", app)
    services: Services = wijk_app.services
    services.desk_notices.bind(lambda: deliver_pending_notices(services, app.bot, answers))
    if app.job_queue is None:
        _log.warning("no JobQueue: status notices go out only when woken")
        return
    at_start_and_every(app.job_queue, run_job, EVERY_SECONDS, "status-notices")
