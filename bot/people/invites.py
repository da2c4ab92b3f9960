"""Invite links grant roles: random codes (128 bits), stored hashed, expiring, used up."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from models import Invite, Membership, Person, Role, Wijk
from models.base import column_limit

CODE_BYTES = 16  # 128 bits -> 22 URL-safe characters
# Telegram deep-link payloads: A-Z, a-z, 0-9, _ and -, at most 64 characters.
PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
INVITE_ROLES = (Role.COACH, Role.BIG, Role.PARTNER, Role.ADMIN)
NOTE_LIMIT = column_limit(Invite, "note")
# Enough for every member of a large BIG; far below the database's integer.
MAX_USES = 10_000


class RedeemStatus(StrEnum):
    OK = "ok"
    EXPIRED = "expired"
    USED_UP = "used_up"
    UNKNOWN = "unknown"
    MALFORMED = "malformed"
    # Every wijk of the invite was taken out of the configuration since it was made.
    GONE = "gone"
    # `check_for`: the person holds the invite's role in each of its wijken already.
    HELD = "held"


@dataclass(frozen=True)
class Redeemed:
    status: RedeemStatus
    role: Role | None = None
    wijk_ids: tuple[int, ...] = ()


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


_UNITS = {"min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """`30min`, `12h`, `7d`, `2w` -> timedelta; ValueError saying what to write on anything
    else. Never `m`: an administrator typing `1m` for a month got a link that died in a minute;
    a month is not one length, so it is asked in days or weeks."""
    match = re.fullmatch(r"(\d{1,4})\s*([a-z]+)", text.strip().lower())
    if match and match[2] in ("m", "mo", "mon", "month", "months"):
        raise ValueError(
            f"--expires {text.strip()}: is that minutes or months? Write minutes as "
            f"{match[1]}min; a month as days or weeks, e.g. 30d or 4w"
        )
    if not match or match[2] not in _UNITS:
        raise ValueError(f"expected a duration like 30min, 12h, 7d or 2w, got {text!r}")
    amount = int(match[1])
    if amount == 0:
        raise ValueError("a duration must be more than 0")
    return timedelta(**{_UNITS[match[2]]: amount})


def create_invite(
    session: Session,
    *,
    role: Role,
    wijken: list[Wijk],
    now: datetime,
    expires_in: timedelta = timedelta(days=7),
    uses: int = 1,
    note: str = "",
) -> tuple[Invite, str]:
    if role not in INVITE_ROLES:
        raise ValueError(f"invites grant {', '.join(r.value for r in INVITE_ROLES)}")
    if not wijken:
        raise ValueError("an invite needs at least one wijk")
    # Checked here, not by the database: PostgreSQL would fail on them and SQLite store them.
    if not 1 <= uses <= MAX_USES:
        raise ValueError(f"--uses must be between 1 and {MAX_USES}, got {uses}")
    if len(note) > NOTE_LIMIT:
        raise ValueError(f"--note is at most {NOTE_LIMIT} characters, this one has {len(note)}")
    code = secrets.token_urlsafe(CODE_BYTES)
    invite = Invite(
        code_hash=hash_code(code),
        role=role.value,
        wijk_ids=",".join(str(w.id) for w in wijken),
        max_uses=uses,
        expires_at=now + expires_in,
        created_at=now,
        note=note,
    )
    session.add(invite)
    session.commit()
    session.refresh(invite)
    return invite, code


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def check(session: Session, code: str, now: datetime) -> Redeemed:
    """What redeeming would do, without using it up (shown before consent)."""
    if not PAYLOAD.match(code):
        return Redeemed(RedeemStatus.MALFORMED)
    invite = session.exec(select(Invite).where(Invite.code_hash == hash_code(code))).first()
    if invite is None:
        return Redeemed(RedeemStatus.UNKNOWN)
    if invite.expires_at <= now:
        return Redeemed(RedeemStatus.EXPIRED)
    wijk_ids = _active(session, invite)
    if not wijk_ids:
        return Redeemed(RedeemStatus.GONE)
    if invite.uses >= invite.max_uses:
        return Redeemed(RedeemStatus.USED_UP)
    return Redeemed(RedeemStatus.OK, Role(invite.role), wijk_ids)


def _active(session: Session, invite: Invite) -> tuple[int, ...]:
    """The invite's wijken the configuration still has: a role in a wijk taken out of it is a
    role nobody sees (and its name is no longer shown)."""
    ids = invite.wijk_id_list()
    active = set(
        session.exec(select(Wijk.id).where(col(Wijk.id).in_(ids), col(Wijk.active).is_(True))).all()
    )
    return tuple(i for i in ids if i in active)


def _held(session: Session, person_id: int, role: Role) -> set[int]:
    """The wijken where the person holds `role`."""
    return {
        m.wijk_id
        for m in session.exec(
            select(Membership).where(
                Membership.person_id == person_id, Membership.role == role.value
            )
        ).all()
    }


def check_for(session: Session, person: Person, code: str, now: datetime) -> Redeemed:
    """What redeeming would do for someone known already (asked before they take the role):
    as `check`, or HELD when they hold its role in every wijk of the invite already (also when
    the others have used it up since, as `redeem` sees it)."""
    found = check(session, code, now)
    if found.status not in (RedeemStatus.OK, RedeemStatus.USED_UP):
        return found
    invite = session.exec(select(Invite).where(Invite.code_hash == hash_code(code))).first()
    if invite is None or person.id is None:
        return found
    role, wijk_ids = Role(invite.role), _active(session, invite)
    if set(wijk_ids) <= _held(session, person.id, role):
        return Redeemed(RedeemStatus.HELD, role, wijk_ids)
    return found


def redeem(session: Session, person: Person, code: str, now: datetime) -> Redeemed:
    """Grant the invite's role. The use is counted with a conditional UPDATE, so two people
    racing for the last use cannot both get it.

    Someone who already holds the role in every wijk of the invite opens it again (a second
    phone, the group's message tapped twice, "accept" delivered again after the bot died behind
    the commit): that grants nothing, so it uses nothing up either; a multi-use invite keeps its
    places for the people it was meant for. The memberships' unique constraint is the key."""
    found = check(session, code, now)
    invite = (
        session.exec(select(Invite).where(Invite.code_hash == hash_code(code))).first()
        if found.status in (RedeemStatus.OK, RedeemStatus.USED_UP)
        else None
    )
    if invite is None:
        return found
    assert person.id is not None
    role = Role(invite.role)
    wijk_ids = _active(session, invite)
    already = _held(session, person.id, role)
    if set(wijk_ids) <= already:
        # Also when the others have used it up since: this person is not told "used up".
        return Redeemed(RedeemStatus.OK, role, wijk_ids)
    if found.status is not RedeemStatus.OK:
        return found
    assert found.role is not None
    result = session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.uses < Invite.max_uses)  # type: ignore[arg-type]
        .values(uses=Invite.uses + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return Redeemed(RedeemStatus.USED_UP)
    for wijk_id in found.wijk_ids:
        if wijk_id not in already:
            session.add(
                Membership(
                    person_id=person.id,
                    wijk_id=wijk_id,
                    role=found.role.value,
                    invite_id=invite.id,
                    # The role is as old as the caller's clock says (the project's clock), not
                    # the wall clock: a coach's first digest is the first due after this.
                    created_at=now,
                )
            )
    if person.current_wijk_id is None and found.wijk_ids:
        person.current_wijk_id = found.wijk_ids[0]
        session.add(person)
    session.commit()
    return found
