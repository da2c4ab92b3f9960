"""What the desk shows of one observation: the observation itself (checked through
bot.observations.coach.get_for_coach: HANDLE_OBSERVATIONS in its own wijk), who sent it as the
coach may see them, the matter's other observations in the same wijk, and its history.

The history is read from `observation_event` when that table exists (the status workflow);
until then from the observation's own dates. A line the coach looking did themselves is `mine`
(the page says "you", not the coach's own schuilnaam). A reopen says who asked for it and why in
the words of the chat's card (`why`: workflow.reopen_why_key), not its stored reason code.

A coach who lives in the wijk and sent the observation themselves (`own`, coach.is_own) sees it
as theirs: the page says so as the chat's card does, offers no answer or status, and opening it
does not mark it read. Another coach of the wijk closes the loop. No Telegram, no web.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.observations import coach, workflow
from bot.people.permissions import Actor
from models import EventKind, Observation, ObservationEvent, ObservationStatus, Person, Wijk

SAME_MATTER_LIMIT = 20


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    kind: str  # "created", "read", "answered", "replied", "hidden", or "status" (to_status)
    to_status: str | None = None
    actor_name: str | None = None
    detail: str | None = None
    mine: bool = False  # done by the coach who is looking
    why: str | None = None  # a reopen's who and why: a catalogue key (coach.card_reopened_*)


@dataclass
class ObservationView:
    observation: Observation
    wijk_name: str
    author: str | None  # None: the sender erased their data
    own: bool = False  # the coach who is looking sent it (coach.is_own)
    same_matter: list[Observation] = field(default_factory=list)
    history: list[HistoryLine] = field(default_factory=list)


def load(session: Session, actor: Actor, observation_id: int) -> ObservationView:
    """Raises PermissionDenied (another wijk) or coach.Refused (unknown, withdrawn)."""
    observation = coach.get_for_coach(session, actor, observation_id)
    wijk = session.get(Wijk, observation.wijk_id)
    return ObservationView(
        observation=observation,
        wijk_name=wijk.name if wijk is not None else "",
        author=coach.author_label(session, observation),
        own=coach.is_own(observation, actor),
        same_matter=same_matter(session, observation),
        history=history(session, observation, me=actor.id),
    )


def marks_read_on_open(session: Session, actor: Actor, observation: Observation) -> bool:
    """Whether opening the page marks the observation read: when it is new, unless this coach
    put it back among the new ones themselves ("Nieuw (weer open)" is the last change to its
    status, theirs). Then opening it again, right after or later, leaves it new; a colleague
    who opens it reads it. Never the coach's own observation (coach.is_own): a colleague reads
    it."""
    if observation.status != ObservationStatus.NEW.value or coach.is_own(observation, actor):
        return False
    last = session.exec(
        select(ObservationEvent)
        .where(
            ObservationEvent.observation_id == observation.id,
            col(ObservationEvent.kind).in_((EventKind.STATUS.value, EventKind.REOPEN.value)),
        )
        .order_by(col(ObservationEvent.id).desc())
        .limit(1)
    ).first()
    reopened_by_me = (
        last is not None and last.kind == EventKind.REOPEN.value and last.actor_id == actor.id
    )
    return not reopened_by_me


def same_matter(session: Session, observation: Observation) -> list[Observation]:
    if not observation.grouping_matter:
        return []
    return list(
        session.exec(
            select(Observation)
            .where(
                col(Observation.wijk_id) == observation.wijk_id,
                col(Observation.grouping_matter) == observation.grouping_matter,
                col(Observation.id) != observation.id,
                col(Observation.status) != ObservationStatus.WITHDRAWN.value,
            )
            .order_by(col(Observation.created_at).desc(), col(Observation.id).desc())
            .limit(SAME_MATTER_LIMIT)
        ).all()
    )


def _event_model() -> Any | None:
    try:
        module = importlib.import_module("models.observation_event")
    except ImportError:
        return None
    return getattr(module, "ObservationEvent", None)


def _name(session: Session, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    if person is None:
        return None
    return person.display_name or person.pseudonym


def _line(session: Session, row: ObservationEvent, me: int | None) -> HistoryLine:
    mine = me is not None and row.actor_id == me
    if row.kind != EventKind.REOPEN.value:
        return HistoryLine(
            at=row.at,
            kind=row.kind,
            to_status=row.to_status,
            actor_name=_name(session, row.actor_id),
            detail=row.detail,
            mine=mine,
        )
    by, reason = workflow.reopened_by(row)
    # The reason in words instead of its code ("wrong"). A supporter is "someone who also
    # reported this", as on the card: not their name. A coach's line names the coach, and says
    # what the card says only when it cannot (their data erased).
    name = _name(session, row.actor_id) if by == "coach" else None
    return HistoryLine(
        at=row.at,
        kind=row.kind,
        to_status=row.to_status,
        actor_name=name,
        mine=mine and by == "coach",
        why=workflow.reopen_why_key(by, reason) if by != "coach" or not (name or mine) else None,
    )


def history(
    session: Session, observation: Observation, *, me: int | None = None
) -> list[HistoryLine]:
    """What happened, oldest first; `me`: the person id of the coach looking (their lines are
    `mine`)."""
    lines = [HistoryLine(observation.created_at, "created")]
    event = _event_model()
    if event is not None:
        rows = session.exec(
            select(event).where(event.observation_id == observation.id).order_by(event.at, event.id)
        ).all()
        for row in rows:
            lines.append(_line(session, row, me))
        return lines
    if observation.read_at is not None:
        lines.append(HistoryLine(observation.read_at, "read"))
    if observation.answered_at is not None:
        lines.append(
            HistoryLine(
                observation.answered_at,
                "answered",
                actor_name=_name(session, observation.answered_by_id),
                mine=me is not None and observation.answered_by_id == me,
            )
        )
    if observation.replied_at is not None:
        lines.append(HistoryLine(observation.replied_at, "replied"))
    if observation.hidden_at is not None:
        lines.append(
            HistoryLine(
                observation.hidden_at,
                "hidden",
                actor_name=_name(session, observation.hidden_by_id),
                detail=observation.hidden_reason,
                mine=me is not None and observation.hidden_by_id == me,
            )
        )
    return sorted(lines, key=lambda line: line.at)
