"""A small world for the desk's services: two wijken, their coaches, a resident, an admin and
observations, built straight in the database (the services take an Actor, not an update)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from bot.core.config import Config
from bot.people import persons
from bot.people.permissions import Actor
from models import Membership, Observation, Person, Role

T0 = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


@dataclass
class DeskWorld:
    elsrijk: int
    bovenkerk: int
    alice: Actor  # resident of Elsrijk, sender of `observation`
    carla: Actor  # coach of Elsrijk
    dirk: Actor  # coach of Bovenkerk only
    anna: Actor  # admin of Elsrijk
    observation: int  # Alice's, in Elsrijk
    other_observation: int  # in Bovenkerk


def _actor(session: Session, telegram_id: int, name: str, *roles: tuple[int, Role]) -> Actor:
    person = Person(
        telegram_id=telegram_id,
        language="nl",
        consent_at=T0,
        pseudonym=f"Buur-{telegram_id}",
        display_name=name,
    )
    session.add(person)
    session.flush()
    assert person.id is not None
    memberships = [Membership(person_id=person.id, wijk_id=w, role=r.value) for w, r in roles]
    session.add_all(memberships)
    session.flush()
    return Actor(person, memberships)


def _observation(session: Session, wijk_id: int, person: Actor, text: str) -> int:
    obs = Observation(
        wijk_id=wijk_id,
        person_id=person.id,
        author_role="resident",
        swot="weakness",
        text=text,
        created_at=T0,
        updated_at=T0,
    )
    session.add(obs)
    session.flush()
    assert obs.id is not None
    return obs.id


def build(session: Session, config: Config) -> DeskWorld:
    persons.sync_wijken(session, config)
    elsrijk = persons.wijk_by_slug(session, "elsrijk")
    bovenkerk = persons.wijk_by_slug(session, "bovenkerk")
    assert elsrijk is not None and elsrijk.id and bovenkerk is not None and bovenkerk.id
    e, b = elsrijk.id, bovenkerk.id
    alice = _actor(session, 1001, "Alice Jansen", (e, Role.RESIDENT))
    carla = _actor(session, 2001, "Carla", (e, Role.RESIDENT), (e, Role.COACH))
    dirk = _actor(session, 2002, "Dirk", (b, Role.RESIDENT), (b, Role.COACH))
    anna = _actor(session, 2003, "Anna", (e, Role.ADMIN))
    bob = _actor(session, 1002, "Bob", (b, Role.RESIDENT))
    world = DeskWorld(
        elsrijk=e,
        bovenkerk=b,
        alice=alice,
        carla=carla,
        dirk=dirk,
        anna=anna,
        observation=_observation(session, e, alice, "Lantaarn kapot bij de school"),
        other_observation=_observation(session, b, bob, "Bankje stuk"),
    )
    session.commit()
    return world
