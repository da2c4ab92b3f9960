"""Who holds which role where, and taking a role away (an administrator's work, no Telegram).

Roles other than resident come by invite (`wijkbot invite`); people leave, so an administrator
must also be able to see who holds them and take one back: a coach who left must stop getting
the wijk's digest and its observations. Taking the resident role is not offered: it follows
where a person says they live.

A person is named by their Telegram id or by their pseudonym; pseudonyms are short and may
repeat, so a pseudonym is only taken when exactly one holder of that role in those wijken has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from bot.core.clock import as_utc
from bot.people.invites import INVITE_ROLES
from bot.people.persons import memberships
from bot.polls import voting
from models import Invite, Membership, Person, Role, Wijk


@dataclass(frozen=True)
class Holder:
    """One role in one wijk, as an administrator needs it to recognise the person."""

    telegram_id: int
    pseudonym: str
    # Only when the person chose to share their name.
    name: str | None
    role: Role
    wijk: str
    since: datetime
    # The note the administrator wrote on the invite ("who it is for").
    invite_note: str


def holders(session: Session, wijken: list[Wijk] | None = None) -> list[Holder]:
    """Every granted role, by wijk, role and since when; only these wijken when given."""
    statement = (
        select(Membership, Person, Wijk.slug, Invite.note)
        .join(Person, col(Person.id) == col(Membership.person_id))
        .join(Wijk, col(Wijk.id) == col(Membership.wijk_id))
        .join(Invite, col(Invite.id) == col(Membership.invite_id), isouter=True)
        .where(col(Membership.role).in_([r.value for r in INVITE_ROLES]))
    )
    if wijken is not None:
        statement = statement.where(col(Membership.wijk_id).in_([w.id for w in wijken]))
    found = [
        Holder(
            telegram_id=person.telegram_id,
            pseudonym=person.pseudonym,
            name=person.display_name if person.share_name else None,
            role=Role(membership.role),
            wijk=slug,
            since=as_utc(membership.created_at),
            invite_note=note or "",
        )
        for membership, person, slug, note in session.exec(statement).all()
    ]
    order = {role: i for i, role in enumerate(INVITE_ROLES)}
    return sorted(found, key=lambda h: (h.wijk, order[h.role], h.since, h.telegram_id))


class RevokeStatus(StrEnum):
    REVOKED = "revoked"
    NO_PERSON = "no_person"  # nobody with that Telegram id or pseudonym holds the role there
    AMBIGUOUS = "ambiguous"  # the pseudonym fits several holders: name them by Telegram id
    NOT_HELD = "not_held"  # the person is known but holds the role in none of these wijken


@dataclass
class Revoked:
    status: RevokeStatus
    telegram_id: int | None = None
    pseudonym: str = ""
    # The wijken (slugs) where the role was taken away.
    wijken: list[str] = field(default_factory=list)
    # The roles they hold after this (in any wijk; values of Role), their language and that of
    # their Telegram app (Person.app_language, None: not known): what their command menu shows
    # now (bot/telegram/command_menu.py).
    roles_left: frozenset[str] = frozenset()
    language: str = ""
    app_language: str | None = None
    # For AMBIGUOUS: the holders the pseudonym fits.
    candidates: list[Holder] = field(default_factory=list)


def revoke(session: Session, who: str, role: Role, wijken: list[Wijk]) -> Revoked:
    """Take `role` away from the person `who` (Telegram id or pseudonym) in `wijken`, and
    commit. A person whose current wijk was only theirs through this role is moved to a wijk
    where they still hold a role, or to none (the bot then asks them to choose)."""
    if role not in INVITE_ROLES:
        raise ValueError(f"the {role.value} role cannot be taken away")
    wijk_ids = {w.id for w in wijken if w.id is not None}
    person = _person(session, who.strip(), role, wijken)
    if isinstance(person, Revoked):
        return person
    assert person.id is not None
    mine = memberships(session, person.id)
    held = [m for m in mine if m.role == role.value and m.wijk_id in wijk_ids]
    left = [m for m in mine if m not in held]
    roles_left = frozenset(m.role for m in left)
    if not held:
        return Revoked(
            RevokeStatus.NOT_HELD,
            person.telegram_id,
            person.pseudonym,
            [],
            roles_left,
            person.language,
            person.app_language,
        )
    slugs = {w.id: w.slug for w in wijken}
    taken = sorted(slugs[m.wijk_id] for m in held)
    session.execute(delete(Membership).where(col(Membership.id).in_([m.id for m in held])))
    # A BIG member no more: their votes in the open BIG polls of those wijken stop counting.
    voting.withdraw_votes_outside_audience(session, person.id)
    if person.current_wijk_id is not None and person.current_wijk_id not in {
        m.wijk_id for m in left
    }:
        resident = [m.wijk_id for m in left if m.role == Role.RESIDENT.value]
        elsewhere = resident or [m.wijk_id for m in left]
        person.current_wijk_id = elsewhere[0] if elsewhere else None
        session.add(person)
    session.commit()
    return Revoked(
        RevokeStatus.REVOKED,
        person.telegram_id,
        person.pseudonym,
        wijken=taken,
        roles_left=roles_left,
        language=person.language,
        app_language=person.app_language,
    )


def _person(session: Session, who: str, role: Role, wijken: list[Wijk]) -> Person | Revoked:
    if who.lstrip("-").isdigit():
        person = session.exec(select(Person).where(Person.telegram_id == int(who))).first()
        return person if person is not None else Revoked(RevokeStatus.NO_PERSON)
    # Compared whole (no LIKE): a pseudonym typed with % or _ must not match others.
    fitting = session.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(
            func.lower(Person.pseudonym) == who.lower(),
            Membership.role == role.value,
            col(Membership.wijk_id).in_([w.id for w in wijken]),
        )
        .distinct()
    ).all()
    if not fitting:
        return Revoked(RevokeStatus.NO_PERSON)
    if len(fitting) > 1:
        ids = {p.telegram_id for p in fitting}
        candidates = [
            h for h in holders(session, wijken) if h.telegram_id in ids and h.role is role
        ]
        return Revoked(RevokeStatus.AMBIGUOUS, candidates=candidates)
    return fitting[0]
