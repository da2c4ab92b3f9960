"""The status workflow: a coach moves an observation through its statuses, and its history.

    new -> read -> in_progress -> referred (to a named partner) -> resolved
    duplicate (of another observation of the same wijk) and hidden (with a reason) from any
    coach status; back to new ("reopen") from any other one.

A coach may skip steps forward (new -> resolved), not go back (resolved -> in_progress: reopen
first); referred may be referred again (to another partner) or taken back in progress. Withdrawn
is the sender's, and ends everything.

No Telegram and no web here. Every change is one conditional UPDATE on the status it was read
with (`... WHERE status = :before`), and its ObservationEvent is written in the same
transaction: two coaches changing the same observation at the same moment cannot both win; the
loser gets `Refused("workflow.changed")`. Permissions go through `coach.get_for_coach` (the
observation's own wijk, Action.HANDLE_OBSERVATIONS); a coach's own observation (`coach.is_own`:
they live in the wijk and sent it) is another coach's to move (`Refused("coach.own_observation")`).

Which changes the sender (and the "ik ook" supporters) hear of: NOTIFY. "read" is not news; an
answer reaches them as the answer itself. The notices go out from the background
(bot/observations/notice_delivery.py): a change returns at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.text import clean_input
from bot.observations import coach, statuses
from bot.observations.coach import Refused
from bot.people.permissions import Actor, PermissionDenied
from models import EventKind, Observation, ObservationEvent, Supporter
from models import ObservationStatus as S

PARTNER_MAX = 120
REASON_MAX = 400
# The statuses the sender (and supporters) are told of.
NOTIFY = (
    S.IN_PROGRESS.value,
    S.REFERRED.value,
    S.RESOLVED.value,
    S.DUPLICATE.value,
    S.HIDDEN.value,
)
_RANK = {
    S.NEW.value: 0,
    S.READ.value: 1,
    S.IN_PROGRESS.value: 2,
    S.REFERRED.value: 3,
    S.RESOLVED.value: 4,
}
_CHAIN_LIMIT = 100


def allowed(from_status: str, to_status: str) -> bool:
    """Whether a coach may move an observation from `from_status` to `to_status`."""
    if from_status not in statuses.COACH or to_status not in statuses.COACH:
        return False
    if to_status == S.NEW.value:
        return from_status != S.NEW.value  # reopen
    if to_status == S.HIDDEN.value:
        return from_status != S.HIDDEN.value
    if to_status == S.DUPLICATE.value:
        return from_status not in (S.DUPLICATE.value, S.HIDDEN.value)
    if from_status == S.REFERRED.value and to_status in (S.REFERRED.value, S.IN_PROGRESS.value):
        return True  # to another partner, or taken back
    if from_status not in _RANK:
        return False  # duplicate and hidden only reopen
    return _RANK[to_status] > _RANK[from_status]


def _load(session: Session, actor: Actor, observation_id: int) -> Observation:
    """The observation if the actor handles its wijk (a seam for the test of two coaches)."""
    return coach.get_for_coach(session, actor, observation_id)


def _duplicate_target(session: Session, obs: Observation, duplicate_of_id: int | None) -> int:
    if duplicate_of_id is None:
        raise Refused("workflow.duplicate_needed")
    if duplicate_of_id == obs.id:
        raise Refused("workflow.duplicate_self")
    target = session.get(Observation, duplicate_of_id)
    if target is None or target.wijk_id != obs.wijk_id:
        # Another wijk's observation looks the same as a missing one.
        raise Refused("workflow.duplicate_unknown")
    if target.status == S.WITHDRAWN.value:
        raise Refused("workflow.duplicate_unknown")
    seen = {duplicate_of_id}
    current = target
    while current.status == S.DUPLICATE.value and current.duplicate_of_id is not None:
        if current.duplicate_of_id == obs.id or len(seen) > _CHAIN_LIMIT:
            raise Refused("workflow.duplicate_loop")
        if current.duplicate_of_id in seen:
            break  # a loop elsewhere is none of this one's business
        seen.add(current.duplicate_of_id)
        nxt = session.get(Observation, current.duplicate_of_id)
        if nxt is None:
            break
        current = nxt
    return duplicate_of_id


def _clean(text: str | None, limit: int, missing: str, too_long: str) -> str:
    cleaned = clean_input(text, multiline=False)
    if not cleaned:
        raise Refused(missing)
    if len(cleaned) > limit:
        raise Refused(too_long)
    return cleaned


def check_details(
    to_status: str,
    *,
    referred_to: str | None = None,
    duplicate_of_id: int | None = None,
    reason: str | None = None,
) -> None:
    """What `to_status` needs besides the observation, checked before any observation is read:
    the partner (referred), the observation it repeats (duplicate), the reason (hidden); Refused
    when it is missing or too long. `change_many` asks this once, before it touches any row."""
    if to_status == S.REFERRED.value:
        _clean(referred_to, PARTNER_MAX, "workflow.partner_needed", "workflow.too_long")
    elif to_status == S.DUPLICATE.value and duplicate_of_id is None:
        raise Refused("workflow.duplicate_needed")
    elif to_status == S.HIDDEN.value:
        _clean(reason, REASON_MAX, "workflow.reason_needed", "workflow.too_long")


def change_status(
    session: Session,
    actor: Actor,
    observation_id: int,
    to_status: str,
    *,
    now: datetime,
    referred_to: str | None = None,
    duplicate_of_id: int | None = None,
    reason: str | None = None,
    seen_status: str | None = None,
) -> ObservationEvent:
    """Move one observation to `to_status` (committed, with its event), or raise
    PermissionDenied (not a coach of its wijk) or Refused(message_key) ("coach.own_observation":
    the coach sent it themselves; another coach of the wijk moves it).

    referred: `referred_to` (the partner's name) is required; duplicate: `duplicate_of_id`, an
    observation of the same wijk, not itself, not one that repeats this one; hidden: `reason`.
    `seen_status`: the status the coach's form showed; another one now means someone else
    moved it meanwhile (Refused "workflow.changed") rather than a step the coach did not mean."""
    obs = _load(session, actor, observation_id)
    coach.check_not_own(obs, actor)
    before = obs.status
    if seen_status is not None and seen_status != before:
        raise Refused("workflow.changed")
    if to_status not in statuses.COACH:
        raise Refused("workflow.unknown_status")
    if not allowed(before, to_status):
        raise Refused("workflow.not_allowed")
    detail: str | None = None
    values: dict[str, Any] = {
        "status": to_status,
        "status_changed_at": now,
        "updated_at": now,
        "referred_to": None,
        "duplicate_of_id": None,
    }
    if to_status == S.REFERRED.value:
        partner = _clean(referred_to, PARTNER_MAX, "workflow.partner_needed", "workflow.too_long")
        if before == S.REFERRED.value and partner == obs.referred_to:
            raise Refused("workflow.not_allowed")
        values["referred_to"] = detail = partner
    elif to_status == S.DUPLICATE.value:
        target = _duplicate_target(session, obs, duplicate_of_id)
        values["duplicate_of_id"] = target
        detail = f"M-{target}"
    elif to_status == S.HIDDEN.value:
        detail = _clean(reason, REASON_MAX, "workflow.reason_needed", "workflow.too_long")
        values.update(hidden_reason=detail, hidden_at=now, hidden_by_id=actor.id)
    elif to_status == S.READ.value:
        values["read_at"] = obs.read_at or now
    if before == S.HIDDEN.value:
        values.update(hidden_reason=None, hidden_at=None, hidden_by_id=None)
    where = [col(Observation.id) == observation_id, col(Observation.status) == before]
    if before == S.REFERRED.value:
        where.append(col(Observation.referred_to) == obs.referred_to)
    if to_status == S.NEW.value and obs.answer_text is not None:
        # A coach's reopen, like the sender's (`reopen`): it waits for an answer again.
        values.update(_answer_to_history(session, obs, now))
        where += [
            _same(col(Observation.answered_at), obs.answered_at),
            _same(col(Observation.replied_at), obs.replied_at),
        ]
    result = session.exec(update(Observation).where(*where).values(**values))
    if not result.rowcount:
        session.rollback()
        raise Refused("workflow.changed")
    event = coach.record_event(
        session,
        observation_id,
        EventKind.STATUS if to_status != S.NEW.value else EventKind.REOPEN,
        now,
        actor_id=actor.id,
        from_status=before,
        to_status=to_status,
        detail=detail,
        notify=to_status in NOTIFY and obs.person_id is not None,
    )
    session.commit()
    session.refresh(event)
    return event


def change_many(
    session: Session,
    actor: Actor,
    ids: list[int],
    to_status: str,
    *,
    now: datetime,
    referred_to: str | None = None,
    duplicate_of_id: int | None = None,
    reason: str | None = None,
) -> list[ObservationEvent | Refused]:
    """`change_status` for each id (each checked for its own wijk, each its own transaction):
    per id, in order, its event or why not. The notices go out later, in the background.
    What the status needs (`check_details`) is checked once, first: when it is missing, Refused
    is raised and no row is touched (not one refusal per row)."""
    check_details(
        to_status, referred_to=referred_to, duplicate_of_id=duplicate_of_id, reason=reason
    )
    results: list[ObservationEvent | Refused] = []
    for observation_id in ids:
        try:
            results.append(
                change_status(
                    session,
                    actor,
                    observation_id,
                    to_status,
                    now=now,
                    referred_to=referred_to,
                    duplicate_of_id=duplicate_of_id,
                    reason=reason,
                )
            )
        except Refused as refused:
            session.rollback()
            results.append(refused)
        except PermissionDenied as denied:
            session.rollback()
            results.append(Refused(denied.message_key))
    return results


def history(session: Session, observation_id: int) -> list[ObservationEvent]:
    """What happened to one observation, oldest first. The caller checked the permission."""
    return list(
        session.exec(
            select(ObservationEvent)
            .where(ObservationEvent.observation_id == observation_id)
            .order_by(col(ObservationEvent.at), col(ObservationEvent.id))
        ).all()
    )


# --- the sender answers once more under a notice -------------------------------------------------

# Under which notices the sender can say "that's not right" / "still not solved".
REOPEN_REASONS = {
    S.REFERRED.value: ("wrong",),
    S.RESOLVED.value: ("wrong", "not_solved"),
    S.DUPLICATE.value: ("wrong",),
    S.HIDDEN.value: ("wrong",),
}


def may_answer(session: Session, observation: Observation, person_id: int) -> bool:
    """The sender, or someone who said "ik ook" to it (each pressing under their own notice)."""
    if observation.person_id == person_id:
        return True
    return (
        session.exec(
            select(Supporter.id).where(
                Supporter.observation_id == observation.id, Supporter.person_id == person_id
            )
        ).first()
        is not None
    )


def _same(column: Any, value: Any) -> Any:
    return column.is_(None) if value is None else column == value


def _answer_to_history(session: Session, obs: Observation, now: datetime) -> dict[str, Any]:
    """A reopened observation waits for an answer again: the coach's answer, and the sender's
    reply to it, move from the observation into its history (the detail of their events, in
    the same transaction), so a coach can answer again (`coach.can_answer`), the digest lists
    it as waiting, and what was said stays in the history and the sender's /mijngegevens.
    Each supporter gets the next answer too. Their flow runs' keys go with them onto the
    events, so a press of those runs delivered again stores nothing a second time. Returns the
    observation's columns to clear."""
    assert obs.id is not None
    _keep_in_history(
        session, obs.id, EventKind.ANSWER, obs.answer_text, obs.answered_by_id, obs.answer_key, now
    )
    if obs.reply_text is not None:
        _keep_in_history(session, obs.id, EventKind.REPLY, obs.reply_text, None, obs.reply_key, now)
    session.exec(
        update(Supporter).where(col(Supporter.observation_id) == obs.id).values(answer_sent_at=None)
    )
    return {
        "answer_text": None,
        "answered_at": None,
        "answered_by_id": None,
        "answer_key": None,
        "answer_sent_at": None,
        "reply_text": None,
        "replied_at": None,
        "reply_key": None,
        "reply_sent_at": None,
    }


def _keep_in_history(
    session: Session,
    observation_id: int,
    kind: EventKind,
    text: str | None,
    actor_id: int | None,
    key: str | None,
    now: datetime,
) -> None:
    """The words of the latest `kind` event (an answer or reply), on that event; an event of its
    own when there is none without words (stored before the history was kept). The event keeps
    the flow run's `key` (the answer's or reply's, cleared off the observation): that run's
    press delivered again finds it there (`coach.StoredBefore`) and stores nothing twice."""
    event = session.exec(
        select(ObservationEvent)
        .where(
            ObservationEvent.observation_id == observation_id, ObservationEvent.kind == kind.value
        )
        .order_by(col(ObservationEvent.id).desc())
    ).first()
    if (
        key is not None
        and session.exec(
            select(ObservationEvent.id).where(
                ObservationEvent.observation_id == observation_id, ObservationEvent.key == key
            )
        ).first()
    ):
        key = None  # on its event already (stored with it)
    if event is None or event.detail is not None:
        coach.record_event(
            session, observation_id, kind, now, actor_id=actor_id, detail=text, key=key
        )
        return
    event.detail = text
    if event.key is None:
        event.key = key
    session.add(event)


def reopen(
    session: Session, person_id: int, event_id: int, reason: str, *, now: datetime
) -> tuple[Observation, ObservationEvent]:
    """The sender (or a supporter) says the notice of `event_id` is not right: the observation
    is new again, with a "reopen" event carrying the reason. Once per notice; a notice that
    something happened since is stale. Raises Refused(message_key)."""
    event = session.get(ObservationEvent, event_id)
    obs = session.get(Observation, event.observation_id) if event is not None else None
    if event is None or obs is None or not event.notify or not may_answer(session, obs, person_id):
        # Someone else's notice looks the same as a missing one.
        raise Refused("status_notice.unknown")
    if reason not in REOPEN_REASONS.get(event.to_status or "", ()):
        raise Refused("status_notice.unknown")
    key = f"reopen:{event_id}"
    if session.exec(
        select(ObservationEvent.id).where(
            ObservationEvent.observation_id == obs.id, ObservationEvent.key == key
        )
    ).first():
        raise Refused("status_notice.already")
    later = session.exec(
        select(ObservationEvent.id).where(
            ObservationEvent.observation_id == obs.id,
            col(ObservationEvent.id) > event_id,
            col(ObservationEvent.kind).in_((EventKind.STATUS.value, EventKind.REOPEN.value)),
        )
    ).first()
    if later is not None or obs.status != event.to_status:
        raise Refused("status_notice.stale")
    before = obs.status
    values: dict[str, Any] = {
        "status": S.NEW.value,
        "status_changed_at": now,
        "updated_at": now,
        "referred_to": None,
        "duplicate_of_id": None,
    }
    if before == S.HIDDEN.value:
        values.update(hidden_reason=None, hidden_at=None, hidden_by_id=None)
    assert obs.id is not None
    if obs.answer_text is not None:
        values.update(_answer_to_history(session, obs, now))
    result = session.exec(
        update(Observation)
        .where(
            col(Observation.id) == obs.id,
            col(Observation.status) == before,
            # Not an answer or reply that came in after it was read: that one stays.
            _same(col(Observation.answered_at), obs.answered_at),
            _same(col(Observation.replied_at), obs.replied_at),
        )
        .values(**values)
    )
    if not result.rowcount:
        session.rollback()
        raise Refused("status_notice.stale")
    # The sender's own reopen has no actor (contract); a supporter's names them, so that it is
    # in their /mijngegevens.
    reopened = coach.record_event(
        session,
        obs.id,
        EventKind.REOPEN,
        now,
        actor_id=None if obs.person_id == person_id else person_id,
        from_status=before,
        to_status=S.NEW.value,
        detail=reason,
        key=key,
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Refused("status_notice.already") from None
    session.refresh(obs)
    return obs, reopened


@dataclass(frozen=True)
class Reopened:
    """The latest time an observation was opened again, for its coach's card: what it was taken
    out of, who opened it again and why, and an answer that moved into the history then."""

    at: datetime
    before: str  # the status it had: hidden, referred, resolved, duplicate, ...
    detail: str | None  # that status's reason, partner or duplicate ("M-2"), as stored
    by: str  # "sender", "supporter" or "coach"
    reason: str | None  # the sender's or supporter's: one of REOPEN_REASONS
    answer: str | None = None  # the latest answer in the history (moved off by a reopen)
    answered_at: datetime | None = None

    @property
    def why_key(self) -> str:
        return reopen_why_key(self.by, self.reason)


def reopened_by(event: ObservationEvent) -> tuple[str, str | None]:
    """Who opened an observation again with this "reopen" event, and why: ("sender" or
    "supporter", one of REOPEN_REASONS), or ("coach", None). The sender's own reopen has no
    actor; a supporter's names them; a coach's has no reason."""
    reasons = {r for rs in REOPEN_REASONS.values() for r in rs}
    reason = event.detail if event.detail in reasons else None
    by = "coach" if reason is None else "sender" if event.actor_id is None else "supporter"
    return by, reason


def reopen_why_key(by: str, reason: str | None) -> str:
    """The catalogue key that says in words who opened it again and why (the coach's card and
    the desk's history): "coach.card_reopened_sender_wrong", ..., "coach.card_reopened_coach"."""
    return "coach.card_reopened_coach" if reason is None else f"coach.card_reopened_{by}_{reason}"


def last_reopen(session: Session, observation_id: int) -> Reopened | None:
    """What the coach's card says of the latest reopen (None: never opened again). The caller
    checked the permission."""
    events = history(session, observation_id)
    reopens = [i for i, e in enumerate(events) if e.kind == EventKind.REOPEN.value]
    if not reopens:
        return None
    reopen, earlier = events[reopens[-1]], events[: reopens[-1]]
    before = reopen.from_status or ""
    statuses_before = (e for e in reversed(earlier) if e.kind == EventKind.STATUS.value)
    into = next((e for e in statuses_before if e.to_status == before), None)
    by, reason = reopened_by(reopen)
    answers = (e for e in reversed(earlier) if e.kind == EventKind.ANSWER.value and e.detail)
    moved = next(answers, None)
    return Reopened(
        at=reopen.at,
        before=before,
        detail=into.detail if into is not None else None,
        by=by,
        reason=reason,
        answer=moved.detail if moved is not None else None,
        answered_at=moved.at if moved is not None else None,
    )
