"""Which digests are due, the claim that sends each exactly once, and the repeating job.

What is due lives in the database: the job asks "what is the latest due period of every coach
and wijk, and is there a Digest row for it?" every minute and once at start-up. That makes it
immune to APScheduler's misfire_grace_time: a missed run is simply caught up by the next one.

Before sending, a run claims the (coach, wijk, period) by inserting its Digest row: the unique
index over scheduled rows (uq_digest_period; a digest asked for is not one) lets one of any
number of racing runs (threads, processes, a restarted bot, the command line) win. The claim is
a lease (`claimed_until`, LEASE ahead), renewed as each part goes out together with how many did
(`parts_sent` of `parts_total`). A failed send is recorded and claimed again by a later run; a
sender that died (kill -9, a lost machine) leaves a pending row whose lease runs out, and a later
run takes it over. Either way the next sender resumes after the parts recorded as sent, up to
MAX_ATTEMPTS attempts.

`install(app)` adds the job to an Application's JobQueue; nothing is registered on import.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import ColumnElement, not_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from telegram import Bot
from telegram.error import Forbidden
from telegram.ext import Application

from bot.core.clock import as_utc, utcnow
from bot.core.config import Config
from bot.core.database import Database
from bot.digest import archive as digest_archive
from bot.digest.delivery import Delivered, DeliveryError, Outgoing, deliver, prepare
from bot.digest.periods import Period, Schedule, current_period, latest_due
from bot.people import persons
from bot.telegram.jobs import at_start_and_every
from models import Digest, DigestSetting, DigestStatus, Membership, Person, Role, Wijk

if TYPE_CHECKING:
    from bot.context import Services, WijkContext

_log = logging.getLogger(__name__)

JOB_INTERVAL_SECONDS = 60
JOB_NAME = "digest-due"
MAX_ATTEMPTS = 5
_ERROR_LENGTH = 400  # Digest.error's column
# How long a claim holds without progress: far more than building a digest or sending one part
# (Telegram's waits included), short enough that a digest a dead sender held goes out soon.
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Due:
    """One digest to send: to this coach, about this wijk and period."""

    coach_id: int
    telegram_id: int
    lang: str
    wijk_id: int
    period: Period
    skip_quiet: bool


class Claim(NamedTuple):
    """The right to send one digest: its row, the parts an earlier attempt already sent, and
    until when the claim holds (renewed with each part: `progress`)."""

    digest_id: int
    parts_sent: int
    lease: datetime


class Outcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # a quiet period, and the coach chose to skip those
    NOT_BUILT = "not built"
    NOT_SENT = "not sent"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    reason: str = ""  # why not built or not sent ("blocked" when the coach blocked the bot)


def schedule_for(session: Session, person_id: int, config: Config) -> Schedule:
    """The coach's own schedule, or the configured default."""
    setting = session.get(DigestSetting, person_id)
    return Schedule.default(config.digest) if setting is None else Schedule.of(setting)


def find_due(session: Session, config: Config, now: datetime) -> list[Due]:
    """Every (coach, wijk) whose latest due period has no finished Digest row yet."""
    tz = config.general.tz
    rows = session.exec(
        select(Membership.person_id, Membership.wijk_id, Membership.created_at, Person)
        .join(Person, col(Person.id) == Membership.person_id)
        .join(Wijk, col(Wijk.id) == Membership.wijk_id)
        .where(
            Membership.role == Role.COACH.value,
            col(Person.unreachable_at).is_(None),
            col(Wijk.active).is_(True),
        )
        .order_by(col(Membership.person_id), col(Membership.wijk_id))
    ).all()
    due: list[Due] = []
    for person_id, wijk_id, since, person in rows:
        schedule = schedule_for(session, person_id, config)
        latest = latest_due(schedule, now, tz)
        if latest is None:
            continue
        due_at, period = latest
        if as_utc(since) > due_at:
            continue  # a coach since after the due time: their first digest is the next one
        row = session.exec(
            select(Digest).where(*_scheduled_row_where(person_id, wijk_id, period))
        ).first()
        if row is not None and not _to_take(row, now):
            continue
        due.append(
            Due(
                person_id, person.telegram_id, person.language, wijk_id, period, schedule.skip_quiet
            )
        )
    return due


def _scheduled_row_where(
    coach_id: int | None, wijk_id: int, period: Period
) -> list[ColumnElement[bool]]:
    """The WHERE conditions that find the scheduled digest of this coach, wijk and period (one at
    most: uq_digest_period), never one asked for."""
    return [
        col(Digest.coach_id) == coach_id,
        col(Digest.wijk_id) == wijk_id,
        col(Digest.period_key) == period.key,
        not_(col(Digest.asked)),
    ]


def _to_take(row: Digest, now: datetime) -> bool:
    """Whether a run may claim this existing row: a failed attempt, or a claim whose sender
    stopped renewing it (it died); at most MAX_ATTEMPTS times."""
    if row.attempts >= MAX_ATTEMPTS:
        return False
    if row.status == DigestStatus.FAILED.value:
        return True
    return row.status == DigestStatus.PENDING.value and (
        row.claimed_until is None or as_utc(row.claimed_until) <= now
    )


def claim(
    db: Database, coach_id: int | None, wijk_id: int, period: Period, now: datetime | None = None
) -> Claim | None:
    """Claim the right to send: the winner gets the row, the parts already sent and its lease;
    None for everyone else.

    A new period: INSERT the row and commit; the unique index (uq_digest_period, scheduled rows
    only) lets exactly one of any number of racing runs (threads, processes, a restarted bot)
    succeed. A failed earlier attempt, or a pending one whose lease ran out: an UPDATE that only
    matches the row as it was read (status, attempts and lease), so again one winner. Taking
    over a dead sender's row counts as an attempt: a digest that kills its sender every time is
    given up after MAX_ATTEMPTS.
    """
    now = now or utcnow()
    lease = now + LEASE
    with db.session() as session:
        try:
            row = Digest(
                coach_id=coach_id,
                wijk_id=wijk_id,
                period_key=period.key,
                period_start=period.start,
                period_end=period.end,
                status=DigestStatus.PENDING.value,
                claimed_until=lease,
            )
            session.add(row)
            session.commit()
            assert row.id is not None
            return Claim(row.id, 0, lease)
        except IntegrityError:
            session.rollback()
        existing = session.exec(
            select(Digest).where(*_scheduled_row_where(coach_id, wijk_id, period))
        ).first()
        if existing is None or existing.id is None or not _to_take(existing, now):
            return None
        taken_over = existing.status == DigestStatus.PENDING.value
        result = session.exec(
            update(Digest)
            .where(
                col(Digest.id) == existing.id,
                col(Digest.status) == existing.status,
                col(Digest.attempts) == existing.attempts,
                _same_lease(existing.claimed_until),
            )
            .values(
                status=DigestStatus.PENDING.value,
                claimed_until=lease,
                attempts=existing.attempts + (1 if taken_over else 0),
            )
        )
        session.commit()
        if result.rowcount != 1:
            return None
        if taken_over:
            _log.warning("digest %s: its sender stopped; taken over", existing.id)
        return Claim(existing.id, existing.parts_sent, lease)


def _same_lease(lease: datetime | None) -> ColumnElement[bool]:
    column = col(Digest.claimed_until)
    return column.is_(None) if lease is None else column == lease


def progress(
    db: Database,
    digest_id: int,
    lease: datetime,
    sent: int,
    total: int,
    now: datetime,
    *,
    archive: Outgoing | None = None,
) -> datetime | None:
    """Record that the first `sent` of `total` parts are out and renew the lease; the new lease,
    or None when the claim is no longer ours (it ran out and another run took the digest over:
    this sender stops, the other goes on after the parts recorded here).

    With `archive` (the attempt's first call, before it sends anything): what this attempt will
    send is kept in the digest's archive in the same transaction (bot.digest.archive)."""
    renewed = now + LEASE
    with db.session() as session:
        result = session.exec(
            update(Digest)
            .where(col(Digest.id) == digest_id, col(Digest.claimed_until) == lease)
            .values(parts_sent=sent, parts_total=total, claimed_until=renewed)
        )
        if archive is not None and result.rowcount == 1:
            digest_archive.record(session, digest_id, archive, now, skip=sent)
        session.commit()
    return renewed if result.rowcount == 1 else None


def finish(
    db: Database,
    digest_id: int,
    status: DigestStatus,
    now: datetime,
    *,
    error: str | None = None,
    parts_sent: int | None = None,
    parts_total: int | None = None,
    lease: datetime | None = None,
) -> None:
    """Record how an attempt ended; the progress only when given (a failed build keeps it).
    With the attempt's `lease`: only while the claim is still ours (else another run holds the
    digest now, and records its own ending)."""
    with db.session() as session:
        row = session.get(Digest, digest_id)
        if row is None:
            return
        if lease is not None and (
            row.claimed_until is None or as_utc(row.claimed_until) != as_utc(lease)
        ):
            _log.info("digest %s is held by another run: its ending is theirs", digest_id)
            return
        row.claimed_until = None
        row.status = status.value
        row.error = error[:_ERROR_LENGTH] if error else None
        if parts_sent is not None:
            row.parts_sent = parts_sent
        if parts_total is not None:
            row.parts_total = parts_total
        if status is DigestStatus.SENT:
            row.sent_at = now
        if status is DigestStatus.FAILED:
            row.attempts += 1
        session.add(row)
        session.commit()


def record_asked(
    db: Database, coach_id: int, wijk_id: int, period: Period, outgoing: Outgoing, now: datetime
) -> int:
    """Keep a digest the coach asked for ("Wijkoverzicht nu") before it goes out: its Digest
    row, under the period's key with `asked` set, and its archive, in one transaction. The
    caller sends it and records the ending (`finish`). The job never takes such a row: it
    claims scheduled rows only, and any number of asked ones may share a period."""
    with db.session() as session:
        row = Digest(
            coach_id=coach_id,
            wijk_id=wijk_id,
            period_key=period.key,
            asked=True,
            period_start=period.start,
            period_end=period.end,
            status=DigestStatus.PENDING.value,
            parts_total=outgoing.total,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        digest_archive.record(session, row.id, outgoing, now)
        session.commit()
        return row.id


async def send_asked(
    services: Services, bot: Bot, chat_id: int, coach_id: int, wijk_id: int, lang: str
) -> bool:
    """Build, keep (`record_asked`), send and record the ending of a digest the coach asked for
    ("Wijkoverzicht nu"): the running period so far, in their chat. Whether it went out; the
    caller tells the coach when it did not."""
    with services.db.session() as session:
        plan = schedule_for(session, coach_id, services.config)
    period = current_period(plan, services.clock.now(), services.tz)
    digest_id: int | None = None
    try:
        outgoing = await asyncio.to_thread(prepare, services, wijk_id, period, lang)
        # Kept before it goes out, as a scheduled digest is: the desk's archive shows it.
        digest_id = await asyncio.to_thread(
            record_asked, services.db, coach_id, wijk_id, period, outgoing, services.clock.now()
        )
        delivered = await deliver(bot, chat_id, outgoing)
    except DeliveryError as exc:
        _log.warning("on-demand digest failed after %s parts: %s", exc.sent, exc.cause)
        reason = f"{type(exc.cause).__name__}: {exc.cause}"
        _record_asked_end(services, digest_id, DigestStatus.FAILED, reason, exc.sent)
        return False
    except Exception:
        _log.exception("on-demand digest for wijk %s failed", wijk_id)
        return False
    uncertain = ", ".join(map(str, delivered.uncertain))
    note = f"may be missing: part {uncertain}" if uncertain else None
    _record_asked_end(services, digest_id, DigestStatus.SENT, note, outgoing.total)
    return True


def _record_asked_end(
    services: Services, digest_id: int | None, status: DigestStatus, note: str | None, sent: int
) -> None:
    """How a digest asked for ended (the archive lists it once sent). A failure to record it
    is logged: the coach has what went out, and is not told otherwise."""
    if digest_id is None:
        return
    try:
        finish(services.db, digest_id, status, services.clock.now(), error=note, parts_sent=sent)
    except Exception:
        _log.exception("on-demand digest %s: its ending (%s) was not recorded", digest_id, status)


async def send_claimed(services: Services, bot: Bot, due: Due, claimed: Claim) -> Result:
    """Build, send and record one claimed digest (the job's and `wijkbot digest --send`'s)."""
    db, digest_id = services.db, claimed.digest_id
    now = services.clock.now()
    lease = claimed.lease
    try:
        outgoing = await asyncio.to_thread(prepare, services, due.wijk_id, due.period, due.lang)
    except Exception as exc:
        _log.exception("could not build digest %s", digest_id)
        finish(db, digest_id, DigestStatus.FAILED, now, error=f"build: {exc}", lease=lease)
        return Result(Outcome.NOT_BUILT, str(exc))
    if due.skip_quiet and outgoing.quiet:
        finish(db, digest_id, DigestStatus.SKIPPED, now, lease=lease)
        return Result(Outcome.SKIPPED)
    total = outgoing.total
    held: datetime | None = progress(
        db, digest_id, lease, claimed.parts_sent, total, services.clock.now(), archive=outgoing
    )

    async def after_part(sent: int) -> bool:
        nonlocal held
        if held is not None:
            held = progress(db, digest_id, held, sent, total, services.clock.now())
        return held is not None

    try:
        delivered = (
            await deliver(
                bot, due.telegram_id, outgoing, skip=claimed.parts_sent, after_part=after_part
            )
            if held is not None
            else Delivered([], stopped=True)
        )
    except DeliveryError as exc:
        if isinstance(exc.cause, Forbidden):
            _log.info("coach %s blocked the bot: marked unreachable", due.coach_id)
            with db.session() as session:
                persons.mark_unreachable(session, due.coach_id, now)
            reason = "blocked"
        else:
            _log.warning("digest %s to coach %s failed: %s", digest_id, due.coach_id, exc)
            reason = f"{type(exc.cause).__name__}: {exc.cause}"
        if held is not None:
            finish(
                db,
                digest_id,
                DigestStatus.FAILED,
                now,
                error=reason,
                parts_sent=exc.sent,
                parts_total=outgoing.total,
                lease=held,
            )
        return Result(Outcome.NOT_SENT, reason)
    if delivered.stopped or held is None:
        _log.warning("digest %s: taken over by another run while sending", digest_id)
        return Result(Outcome.NOT_SENT, "taken over")
    # Parts whose send timed out were not sent again; the row says which may be missing.
    uncertain = ", ".join(map(str, delivered.uncertain))
    note = f"may be missing: part {uncertain}" if uncertain else None
    finish(
        db,
        digest_id,
        DigestStatus.SENT,
        services.clock.now(),
        error=note,
        parts_sent=total,
        parts_total=total,
        lease=held,
    )
    return Result(Outcome.SENT)


async def send_due(services: Services, bot: Bot) -> int:
    """Send every digest that is due now. Returns how many went out."""
    with services.db.session() as session:
        due = find_due(session, services.config, services.clock.now())
    sent = 0
    for item in due:
        claimed = claim(services.db, item.coach_id, item.wijk_id, item.period, services.clock.now())
        if claimed is None:
            continue
        result = await send_claimed(services, bot, item, claimed)
        if result.outcome is Outcome.SENT:
            sent += 1
    return sent


# --- the repeating job ---------------------------------------------------------------------------


def install(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """One run at start-up, then one every minute."""
    if app.job_queue is None:
        _log.warning(
            "no JobQueue: digests will not be sent (install python-telegram-bot[job-queue])"
        )
        return
    at_start_and_every(app.job_queue, _tick, JOB_INTERVAL_SECONDS, JOB_NAME)


async def _tick(context: WijkContext) -> None:
    services = context.services
    try:
        await send_due(services, context.bot)
    except Exception:  # a broken run must not stop the next one
        _log.exception("digest run failed")
    finally:
        # How many runs finished: lets a test (or an operator) see the start-up run happened.
        services.digest_runs += 1
