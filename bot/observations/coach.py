"""Closing the loop: a coach lists, reads, answers and hides the observations of their wijk(en).

No Telegram here. Every function that changes an observation does so with one conditional UPDATE
(`... WHERE answer_text IS NULL`, `... WHERE reply_text IS NULL`), so two coaches pressing at the
same moment, or a sender replying twice from two phones, cannot both win. When nothing changed the
caller learns why from a `Refused` carrying the catalogue key of the message to show.

Permissions: `get_for_coach` is the single door for coach actions; it checks
Action.HANDLE_OBSERVATIONS for the observation's *own* wijk, whatever the button said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import case, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.observations import statuses
from bot.people.permissions import Action, Actor, PermissionDenied
from models import (
    EventKind,
    Membership,
    Observation,
    ObservationEvent,
    ObservationStatus,
    Person,
    Role,
)

PAGE_SIZE = 5
DETAIL_MAX = 4000  # ObservationEvent.detail: an earlier answer fits whole
HIDE_REASONS = ("abuse", "privacy", "spam")  # plus "other": the coach types a reason
OTHER_REASON = "other"
# A coach may answer what is still open; answering puts a new or read one in progress.
ANSWERABLE = statuses.OPEN
HIDEABLE = tuple(s for s in statuses.COACH if s != ObservationStatus.HIDDEN.value)


class Filter(StrEnum):
    """What the coach's list shows. Values are callback arguments: keep them short."""

    NEW = "n"
    OPEN = "o"  # still open: new, read, in progress, referred
    ALL = "a"  # everything except what the sender withdrew, hidden ones included


_FILTER_STATUSES: dict[Filter, tuple[str, ...]] = {
    Filter.NEW: (ObservationStatus.NEW.value,),
    Filter.OPEN: statuses.OPEN,
    Filter.ALL: statuses.COACH,
}


class Refused(Exception):
    """The action cannot be done; `message_key` is what the person reads, with `values` for its
    placeholders (e.g. the reference of the observation it repeats)."""

    def __init__(self, message_key: str, **values: Any) -> None:
        super().__init__(message_key)
        self.message_key = message_key
        self.values = values


class StoredBefore(Refused):
    """A flow run's answer or reply that was stored before, and that a reopen has moved into
    the observation's history since (its event keeps the run's key): delivered again, the press
    stores nothing a second time, and says so. Carries the observation's id and wijk as plain
    values (the session it was read in is rolled back when this leaves it)."""

    def __init__(self, message_key: str, observation: Observation) -> None:
        super().__init__(message_key, reference=observation.reference)
        self.observation_id = observation.id or 0
        self.wijk_id = observation.wijk_id


@dataclass(frozen=True)
class Page:
    items: list[Observation]
    total: int
    page: int
    pages: int


def handled_wijken(actor: Actor | None) -> list[int]:
    if actor is None:
        return []
    return [
        w
        for w in actor.wijken_with(Role.COACH, Role.ADMIN)
        if actor.can(Action.HANDLE_OBSERVATIONS, w)
    ]


def get_for_coach(session: Session, actor: Actor, observation_id: int) -> Observation:
    """The observation, if this actor may handle it. Raises PermissionDenied or Refused."""
    observation = session.get(Observation, observation_id)
    if observation is None:
        raise Refused("coach.unknown")
    actor.require(Action.HANDLE_OBSERVATIONS, observation.wijk_id)
    if observation.status == ObservationStatus.WITHDRAWN.value:
        raise Refused("coach.withdrawn")
    return observation


def is_own(observation: Observation, actor: Actor) -> bool:
    """Whether the coach sent this observation themselves (a coach who lives in the wijk). They
    see it, but another coach of the wijk answers it or hides it: nobody closes the loop on
    their own observation, nor gets their own answer as "Antwoord van je wijkcoach"."""
    return observation.person_id is not None and observation.person_id == actor.id


def check_not_own(observation: Observation, actor: Actor) -> None:
    if is_own(observation, actor):
        raise Refused("coach.own_observation")


def still_handled(session: Session, actor: Actor, observation_id: int) -> Observation | None:
    """The observation if this actor may still act on it as its coach; None when it is gone or
    withdrawn, their role there was taken back, or it is their own."""
    try:
        observation = get_for_coach(session, actor, observation_id)
    except (Refused, PermissionDenied):
        return None
    return None if is_own(observation, actor) else observation


def list_observations(
    session: Session, wijk_id: int, flt: Filter, page: int, page_size: int = PAGE_SIZE
) -> Page:
    statuses = _FILTER_STATUSES[flt]
    where = (Observation.wijk_id == wijk_id, col(Observation.status).in_(statuses))
    total = session.exec(select(func.count()).select_from(Observation).where(*where)).one()
    pages = max(1, -(-int(total) // page_size))
    page = min(max(page, 0), pages - 1)
    items = session.exec(
        select(Observation)
        .where(*where)
        .order_by(col(Observation.created_at).desc(), col(Observation.id).desc())
        .offset(page * page_size)
        .limit(page_size)
    ).all()
    return Page(list(items), int(total), page, pages)


def count(session: Session, wijk_id: int, flt: Filter) -> int:
    statuses = _FILTER_STATUSES[flt]
    return int(
        session.exec(
            select(func.count())
            .select_from(Observation)
            .where(Observation.wijk_id == wijk_id, col(Observation.status).in_(statuses))
        ).one()
    )


def sender(session: Session, observation: Observation) -> Person | None:
    return session.get(Person, observation.person_id) if observation.person_id else None


def author_label(session: Session, observation: Observation) -> str | None:
    """What the coach may see of the sender: the name only when they chose to share it.

    None when the sender erased their data (the caller shows a word for that).
    """
    person = sender(session, observation)
    if person is None:
        return None
    if observation.share_name and person.display_name:
        return person.display_name
    return person.pseudonym


def can_answer(observation: Observation) -> bool:
    return (
        observation.person_id is not None
        and observation.answer_text is None
        and observation.status in ANSWERABLE
    )


def record_event(
    session: Session,
    observation_id: int,
    kind: EventKind,
    now: datetime,
    *,
    actor_id: int | None,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: str | None = None,
    notify: bool = False,
    notified_at: datetime | None = None,
    key: str | None = None,
) -> ObservationEvent:
    """Add one step to the observation's history (not committed: the caller commits it with the
    change it records, in the same transaction). `notified_at`: the caller tells the people
    itself, at once, so the background sender leaves the notice alone."""
    event = ObservationEvent(
        observation_id=observation_id,
        at=now,
        actor_id=actor_id,
        kind=kind.value,
        from_status=from_status,
        to_status=to_status,
        detail=detail[:DETAIL_MAX] if detail else detail,
        notify=notify,
        notified_at=notified_at,
        key=key,
    )
    session.add(event)
    return event


def _conditional_update(
    session: Session,
    observation_id: int,
    where: list[Any],
    *,
    event: dict[str, Any] | None = None,
    **values: Any,
) -> bool:
    """One conditional UPDATE; when it changed the row and `event` is given, that event (the
    arguments of `record_event`) is committed with it."""
    changed, _ = _update_recording(session, observation_id, where, event=event, **values)
    return changed


def _update_recording(
    session: Session,
    observation_id: int,
    where: list[Any],
    *,
    event: dict[str, Any] | None = None,
    **values: Any,
) -> tuple[bool, ObservationEvent | None]:
    """`_conditional_update`, also returning the event it recorded (committed, with its id)."""
    statement = (
        update(Observation).where(col(Observation.id) == observation_id, *where).values(**values)
    )
    result = session.exec(statement)
    changed = bool(result.rowcount)
    recorded = None
    if changed and event is not None:
        recorded = record_event(session, observation_id, **event)
    session.commit()
    if recorded is not None:
        session.refresh(recorded)
    return changed, recorded


def mark_read(
    session: Session, observation: Observation, now: datetime, actor: Actor | None = None
) -> bool:
    """New -> read. Returns whether anything changed. The sender hears nothing of it."""
    assert observation.id is not None
    changed = _conditional_update(
        session,
        observation.id,
        [col(Observation.status) == ObservationStatus.NEW.value],
        event={
            "kind": EventKind.STATUS,
            "now": now,
            "actor_id": actor.id if actor else None,
            "from_status": ObservationStatus.NEW.value,
            "to_status": ObservationStatus.READ.value,
        },
        status=ObservationStatus.READ.value,
        read_at=now,
        status_changed_at=now,
        updated_at=now,
    )
    session.refresh(observation)
    return changed


def answer(
    session: Session,
    observation: Observation,
    actor: Actor,
    text: str,
    now: datetime,
    *,
    request_key: str | None = None,
    deliver_later: bool = False,
) -> Observation:
    """Store the coach's answer (committed), or raise Refused saying why not.

    `request_key`: the answer flow run's. The answer that run stored already (Versturen
    delivered again after a crash) is returned as it is, not refused as "already answered";
    when a reopen has moved it into the history since, StoredBefore: the answer event keeps
    the key, unique per observation (`uq_observation_event_key`), so a run answers an
    observation once, however often its press comes and whatever happened in between.
    `deliver_later`: the answer event carries `notify`, so the background sender
    (bot/observations/notice_delivery.py) delivers the answer itself to the sender and the
    supporters (the desk's answers); the chat delivers its own at once."""
    assert observation.id is not None
    check_not_own(observation, actor)
    if _stored_by(observation.answer_key, observation.answered_by_id, request_key, actor.id):
        return observation
    if _key_used(session, observation.id, EventKind.ANSWER, request_key):
        raise StoredBefore("coach.answer_stored_before", observation)
    before = observation.status
    # A new or read observation is in progress once answered; a referred one stays referred.
    after = ObservationStatus.IN_PROGRESS.value if before in statuses.UNHANDLED else before
    picked_up = col(Observation.status).in_(statuses.UNHANDLED)
    try:
        changed = _conditional_update(
            session,
            observation.id,
            [
                col(Observation.answer_text).is_(None),
                col(Observation.person_id).is_not(None),
                col(Observation.status) == before,
                col(Observation.status).in_(ANSWERABLE),
            ],
            # The answer reaches the sender itself (from the chat at once:
            # handlers/coach/answer.py; from the desk in the background): never a status notice.
            event={
                "kind": EventKind.ANSWER,
                "now": now,
                "actor_id": actor.id,
                "from_status": before,
                "to_status": after,
                "notify": deliver_later,
                "key": request_key,
            },
            answer_text=text,
            answer_key=request_key,
            answered_at=now,
            answered_by_id=actor.id,
            status=case((picked_up, ObservationStatus.IN_PROGRESS.value), else_=Observation.status),
            status_changed_at=case((picked_up, now), else_=Observation.status_changed_at),
            read_at=func.coalesce(Observation.read_at, now),
            updated_at=now,
        )
    except IntegrityError:
        # The same run's answer, stored at the same moment by the same press handled twice.
        session.rollback()
        changed = False
    session.refresh(observation)
    if not changed:
        if _stored_by(observation.answer_key, observation.answered_by_id, request_key, actor.id):
            return observation
        if _key_used(session, observation.id, EventKind.ANSWER, request_key):
            raise StoredBefore("coach.answer_stored_before", observation)
        raise _why_not_answerable(observation)
    return observation


def _stored_by(
    stored_key: str | None, stored_by: int | None, request_key: str | None, person_id: int
) -> bool:
    return request_key is not None and stored_key == request_key and stored_by == person_id


def _run_event(
    session: Session, observation_id: int, kind: EventKind, request_key: str | None
) -> ObservationEvent | None:
    """The observation's `kind` event (answer or reply) of the flow run `request_key`: the
    answer or reply that run stored, on the observation or moved off it by a reopen."""
    if request_key is None:
        return None
    return session.exec(
        select(ObservationEvent).where(
            ObservationEvent.observation_id == observation_id,
            ObservationEvent.key == request_key,
            ObservationEvent.kind == kind.value,
        )
    ).first()


def _key_used(
    session: Session, observation_id: int, kind: EventKind, request_key: str | None
) -> bool:
    return _run_event(session, observation_id, kind, request_key) is not None


def answer_run_key(run_key: str, coach_id: int) -> str:
    """What a chat answer run stores its answer under: the flow run's key
    (`bot.telegram.flows.request_key`) with the coach's person id. A run's key is unique per
    person only, and an observation's history keeps the answers of all its coaches, each with
    its key (`uq_observation_event_key`): so Daan's run is never taken for Carla's run of the
    same number (her answer "stored before", or his refused as a second copy of hers)."""
    return f"{run_key}:{coach_id}"


def answer_run_key_end(coach_id: int) -> str:
    """How every `answer_run_key` of this coach ends: what erasure clears, so no key names
    a coach who is gone (bot.privacy.personal_data)."""
    return f":{coach_id}"


def answered_in(session: Session, coach_id: int, request_key: str) -> Observation | None:
    """The observation this coach answered in the flow run `request_key`, if any."""
    return session.exec(
        select(Observation).where(
            Observation.answered_by_id == coach_id, Observation.answer_key == request_key
        )
    ).first()


def replied_in(session: Session, person_id: int, request_key: str) -> Observation | None:
    """The observation its author replied to in the flow run `request_key`, if any."""
    return session.exec(
        select(Observation).where(
            Observation.person_id == person_id, Observation.reply_key == request_key
        )
    ).first()


def answer_moved(
    session: Session, observation_id: int, coach_id: int, request_key: str
) -> StoredBefore | None:
    """What to say to a press of the flow run `request_key` whose answer, by this coach, a
    reopen has moved into the observation's history since (None: the run stored no answer
    there, or its answer is still the observation's own: `answered_in`)."""
    observation = _moved(session, observation_id, EventKind.ANSWER, request_key, coach_id)
    return StoredBefore("coach.answer_stored_before", observation) if observation else None


def reply_moved(
    session: Session, observation_id: int, person_id: int, request_key: str
) -> StoredBefore | None:
    """As `answer_moved`, for the reply its author stored in the flow run `request_key`."""
    observation = _moved(session, observation_id, EventKind.REPLY, request_key, None)
    if observation is None or observation.person_id != person_id:
        return None
    return StoredBefore("coach.reply_stored_before", observation)


def _moved(
    session: Session,
    observation_id: int,
    kind: EventKind,
    request_key: str,
    actor_id: int | None,
) -> Observation | None:
    event = _run_event(session, observation_id, kind, request_key)
    if event is None or event.actor_id != actor_id:
        return None
    observation = session.get(Observation, observation_id)
    if observation is None:
        return None
    current = observation.answer_key if kind is EventKind.ANSWER else observation.reply_key
    return None if current == request_key else observation


def mark_answer_sent(session: Session, observation: Observation, now: datetime) -> None:
    """The answer went to the author (or may have: see docs/architecture/exactly-once.md)."""
    assert observation.id is not None
    _conditional_update(session, observation.id, [], answer_sent_at=now)
    observation.answer_sent_at = now


def mark_reply_sent(session: Session, observation: Observation, now: datetime) -> None:
    assert observation.id is not None
    _conditional_update(session, observation.id, [], reply_sent_at=now)
    observation.reply_sent_at = now


# Why an observation in a status a coach cannot answer is closed to an answer (a duplicate's
# message names the observation it repeats: see _why_not_answerable).
_CLOSED_KEYS = {
    ObservationStatus.HIDDEN.value: "coach.is_hidden",
    ObservationStatus.WITHDRAWN.value: "coach.withdrawn",
    ObservationStatus.RESOLVED.value: "coach.is_resolved",
}


def _why_not_answerable(observation: Observation) -> Refused:
    """What happened, in words: "already answered" only when someone did (a colleague may have
    resolved it or marked it a duplicate meanwhile, on the desk)."""
    if observation.person_id is None:
        return Refused("coach.erased")
    if observation.status == ObservationStatus.DUPLICATE.value and observation.duplicate_of_id:
        return Refused("coach.is_duplicate", other=f"M-{observation.duplicate_of_id}")
    if observation.status in _CLOSED_KEYS:
        return Refused(_CLOSED_KEYS[observation.status])
    if observation.answer_text is not None:
        return Refused("coach.already_answered")
    return Refused("coach.not_answerable")


def check_answerable(observation: Observation) -> None:
    if not can_answer(observation):
        raise _why_not_answerable(observation)


def get_for_sender(
    session: Session, person_id: int, observation_id: int, *, request_key: str | None = None
) -> Observation:
    """The sender's own answered observation they may still reply to, or Refused.
    `request_key`: the reply flow run's; its reply, moved into the history by a reopen since,
    is StoredBefore (not "you cannot reply", nor a reply to the answer that came after it)."""
    observation = session.get(Observation, observation_id)
    if observation is None or observation.person_id != person_id:
        # Someone else's observation looks the same as a missing one: nothing to learn from it.
        raise Refused("coach.reply_unknown")
    if not _stored_by(observation.reply_key, person_id, request_key, person_id) and _key_used(
        session, observation_id, EventKind.REPLY, request_key
    ):
        raise StoredBefore("coach.reply_stored_before", observation)
    _check_replyable(observation)
    return observation


# The sender may reply to an answer while the observation is neither hidden nor withdrawn.
REPLYABLE = tuple(s for s in statuses.COACH if s != ObservationStatus.HIDDEN.value)


def _check_replyable(observation: Observation) -> None:
    if observation.reply_text is not None:
        raise Refused("coach.already_replied")
    if observation.answer_text is None or observation.status not in REPLYABLE:
        raise Refused("coach.reply_closed")


def record_reply(
    session: Session,
    observation: Observation,
    person_id: int,
    text: str,
    now: datetime,
    *,
    request_key: str | None = None,
) -> Observation:
    """The sender's one reply to the answer (committed), or Refused. `request_key`: as for
    `answer`, the reply that flow run stored already is returned, not refused, and one a reopen
    moved into the history since is StoredBefore (the reply event keeps the key)."""
    assert observation.id is not None
    if _stored_by(observation.reply_key, observation.person_id, request_key, person_id):
        return observation
    if observation.person_id == person_id and _key_used(
        session, observation.id, EventKind.REPLY, request_key
    ):
        raise StoredBefore("coach.reply_stored_before", observation)
    try:
        changed = _conditional_update(
            session,
            observation.id,
            [
                col(Observation.person_id) == person_id,
                col(Observation.reply_text).is_(None),
                col(Observation.answer_text).is_not(None),
                col(Observation.status).in_(REPLYABLE),
            ],
            event={"kind": EventKind.REPLY, "now": now, "actor_id": None, "key": request_key},
            reply_text=text,
            reply_key=request_key,
            replied_at=now,
            updated_at=now,
        )
    except IntegrityError:
        # The same run's reply, stored at the same moment by the same press handled twice.
        session.rollback()
        changed = False
    session.refresh(observation)
    if not changed:
        if observation.person_id != person_id:
            raise Refused("coach.reply_unknown")
        if _stored_by(observation.reply_key, observation.person_id, request_key, person_id):
            return observation
        if _key_used(session, observation.id, EventKind.REPLY, request_key):
            raise StoredBefore("coach.reply_stored_before", observation)
        _check_replyable(observation)
        raise Refused("coach.reply_closed")
    return observation


def hide(
    session: Session, observation: Observation, actor: Actor, reason: str, now: datetime
) -> tuple[Observation, ObservationEvent]:
    """Hide from the chat: kept for the audit, left out of digests and counts. Returns the
    observation and its "hidden" event. The chat tells the sender (and the supporters) itself,
    at once (handlers/coach/hide.py), so the event is a notice that went out already: `notify`,
    so "Klopt niet" under it reopens as under the desk's notice (workflow.reopen), with
    `notified_at` set, so the background sender does not send it again. Not one's own
    observation (`is_own`): they can take it back under "Mijn meldingen"."""
    assert observation.id is not None
    check_not_own(observation, actor)
    before = observation.status
    changed, event = _update_recording(
        session,
        observation.id,
        [col(Observation.status) == before, col(Observation.status).in_(HIDEABLE)],
        event={
            "kind": EventKind.STATUS,
            "now": now,
            "actor_id": actor.id,
            "from_status": before,
            "to_status": ObservationStatus.HIDDEN.value,
            "detail": reason,
            "notify": observation.person_id is not None,
            "notified_at": now,
        },
        status=ObservationStatus.HIDDEN.value,
        status_changed_at=now,
        hidden_reason=reason[:400],
        hidden_at=now,
        hidden_by_id=actor.id,
        updated_at=now,
    )
    session.refresh(observation)
    if not changed or event is None:
        if observation.status == ObservationStatus.WITHDRAWN.value:
            raise Refused("coach.withdrawn")
        if observation.status != ObservationStatus.HIDDEN.value:
            raise Refused("workflow.changed")
        raise Refused("coach.already_hidden")
    return observation, event


def colleagues(session: Session, wijk_id: int) -> set[int]:
    """The person ids of everyone who coaches this wijk: an answer reaches them as one from
    another coach ("Antwoord van een andere wijkcoach"), whether the observation is their own
    (`is_own`) or they said "ik ook" to it."""
    return {p.id for p in wijk_coaches(session, wijk_id) if p.id is not None}


def wijk_coaches(session: Session, wijk_id: int) -> list[Person]:
    """Everyone who may handle this wijk's observations, oldest membership first."""
    rows = session.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(
            Membership.wijk_id == wijk_id,
            col(Membership.role).in_((Role.COACH.value, Role.ADMIN.value)),
        )
        .order_by(col(Membership.id))
    ).all()
    seen: dict[int, Person] = {}
    for person in rows:
        if person.id is not None:
            seen.setdefault(person.id, person)
    return list(seen.values())


def reply_recipients(
    session: Session, observation: Observation
) -> tuple[Person | None, list[Person]]:
    """(the coach who answered if they still handle the wijk, all coaches of the wijk)."""
    coaches = wijk_coaches(session, observation.wijk_id)
    answered_by = next((p for p in coaches if p.id == observation.answered_by_id), None)
    return answered_by, coaches
