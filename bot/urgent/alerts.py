"""Telling a wijk's coaches at once about an urgent observation, exactly once. No Telegram here.

`claim` sets `urgent_alerted_at` in one conditional UPDATE before anything is sent: of two
deliveries of the same Versturen (or a restarted bot finding the row again) only one claims it,
so the coaches are told once. Risk, as for every send after a claim
(docs/architecture/exactly-once.md): a bot killed between the claim and the sends tells nobody;
the observation is still in the coach's list, marked "Mogelijk dringend".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from bot.observations import coach
from models import Observation, Person, Wijk


def claim(session: Session, observation_id: int, now: datetime) -> bool:
    """True once per urgent observation: this caller tells its coaches."""
    statement = (
        update(Observation)
        .where(
            col(Observation.id) == observation_id,
            col(Observation.urgent_kind).is_not(None),
            col(Observation.urgent_alerted_at).is_(None),
        )
        .values(urgent_alerted_at=now)
    )
    result = session.exec(statement)
    session.commit()
    return bool(result.rowcount)


@dataclass(frozen=True)
class Alert:
    """What the coaches' message says, read after the claim."""

    observation_id: int
    reference: str
    kind: str
    text: str
    wijk_name: str
    author: str | None  # the name if shared, else the pseudonym; None: erased
    coaches: tuple[Person, ...]


def alert_for(session: Session, observation_id: int) -> Alert | None:
    observation = session.get(Observation, observation_id)
    if observation is None or observation.urgent_kind is None or observation.id is None:
        return None
    wijk = session.get(Wijk, observation.wijk_id)
    return Alert(
        observation_id=observation.id,
        reference=observation.reference,
        kind=observation.urgent_kind,
        text=observation.text,
        wijk_name=wijk.name if wijk else "",
        author=coach.author_label(session, observation),
        coaches=tuple(coach.wijk_coaches(session, observation.wijk_id)),
    )


def has_coach(session: Session, wijk_id: int) -> bool:
    return bool(coach.wijk_coaches(session, wijk_id))
