"""The one place that decides who may do what, per wijk. Never trust callback data for this."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.core.database import Database, DriverStatement
from models import Membership, Person, Role


class Action(StrEnum):
    READ_SPIEGEL = "read_spiegel"
    REACT = "react"
    SEND_OBSERVATION = "send_observation"
    VOTE = "vote"
    CREATE_POLL = "create_poll"
    LINK_GROUP = "link_group"
    VIEW_DIGEST = "view_digest"
    HANDLE_OBSERVATIONS = "handle_observations"  # read, answer, hide
    MANAGE_SPIEGEL = "manage_spiegel"
    EXPORT_WIJK = "export_wijk"
    VIEW_BLIND_SPOTS = "view_blind_spots"  # "Wat weten we nog niet?"
    # Add, reword and retire statements, start a new edition (bot/spiegel/editing.py).
    EDIT_SPIEGEL = "edit_spiegel"


_EVERYONE = {Action.READ_SPIEGEL, Action.REACT, Action.SEND_OBSERVATION, Action.VOTE}
_COACH = _EVERYONE | {
    Action.CREATE_POLL,
    Action.LINK_GROUP,
    Action.VIEW_DIGEST,
    Action.HANDLE_OBSERVATIONS,
    Action.MANAGE_SPIEGEL,
    Action.EXPORT_WIJK,
    Action.VIEW_BLIND_SPOTS,
    Action.EDIT_SPIEGEL,
}
# The roles that coach a wijk: their chat's menu button may open the desk
# (bot.telegram.command_menu).
COACH_ROLES = (Role.COACH.value, Role.ADMIN.value)
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.RESIDENT: frozenset(_EVERYONE),
    Role.BIG: frozenset(_EVERYONE | {Action.CREATE_POLL, Action.LINK_GROUP}),
    Role.PARTNER: frozenset({Action.READ_SPIEGEL, Action.SEND_OBSERVATION}),
    Role.COACH: frozenset(_COACH),
    Role.ADMIN: frozenset(_COACH),
}


class PermissionDenied(Exception):
    """Carries the catalogue key of the message the person sees."""

    def __init__(self, message_key: str = "errors.not_allowed") -> None:
        super().__init__(message_key)
        self.message_key = message_key


@dataclass
class Actor:
    person: Person
    memberships: list[Membership] = field(default_factory=list)

    @property
    def id(self) -> int:
        assert self.person.id is not None
        return self.person.id

    def roles_in(self, wijk_id: int) -> set[Role]:
        return {Role(m.role) for m in self.memberships if m.wijk_id == wijk_id}

    def has_role(self, role: Role) -> bool:
        return any(m.role == role.value for m in self.memberships)

    def wijken_with(self, *roles: Role) -> list[int]:
        wanted = {r.value for r in roles}
        return sorted({m.wijk_id for m in self.memberships if m.role in wanted})

    def can(self, action: Action, wijk_id: int | None) -> bool:
        if wijk_id is None:
            return False
        return any(action in ROLE_ACTIONS[role] for role in self.roles_in(wijk_id))

    def can_anywhere(self, action: Action) -> bool:
        return any(action in ROLE_ACTIONS[Role(m.role)] for m in self.memberships)

    def require(self, action: Action, wijk_id: int | None) -> None:
        if not self.can(action, wijk_id):
            raise PermissionDenied()

    def author_role(self, wijk_id: int) -> Role:
        """How an observation is marked: the strongest role this person has in that wijk."""
        roles = self.roles_in(wijk_id)
        for role in (Role.COACH, Role.PARTNER, Role.BIG):
            if role in roles:
                return role
        return Role.RESIDENT


# Built once: constructing a select and computing its cache key costs more than running it on
# SQLite, and this runs for every update.
_ACTOR = (
    select(Person, Membership)
    .join(Membership, col(Membership.person_id) == col(Person.id), isouter=True)
    .where(col(Person.telegram_id) == bindparam("telegram_id"))
)


# PostgreSQL: is there a person with this Telegram id, on the driver's connection (0.1 ms against
# 0.5 for the ORM's lookup that finds nothing), for someone this process has not seen yet.
_PERSON_EXISTS = DriverStatement(
    select(col(Person.id)).where(col(Person.telegram_id) == bindparam("telegram_id"))
)


def may_exist(db: Database, telegram_id: int) -> bool:
    """False only when there is certainly no person with this Telegram id (asked the database
    without the ORM); on SQLite, whose ORM lookup is cheap, always True."""
    if db.dialect != "postgresql":
        return True
    return _PERSON_EXISTS.one(db.engine, {"telegram_id": telegram_id}) is not None


def person_id_of(db: Database, telegram_id: int) -> int | None:
    """The id of the person with this Telegram id, None when there is none: one indexed read
    without the ORM (on PostgreSQL on the driver's connection, about 0.1 ms)."""
    params = {"telegram_id": telegram_id}
    if db.dialect == "postgresql":
        row = _PERSON_EXISTS.one(db.engine, params)
    else:
        with db.engine.connect() as connection:
            row = connection.execute(_PERSON_EXISTS.statement, params).first()
    return None if row is None else int(row[0])


def load_actor(session: Session, telegram_id: int) -> Actor | None:
    """The person and all their roles in one query: this runs for every update."""
    rows = session.exec(_ACTOR, params={"telegram_id": telegram_id}).all()
    if not rows:
        return None
    person = rows[0][0]
    return Actor(person, [membership for _, membership in rows if membership is not None])
