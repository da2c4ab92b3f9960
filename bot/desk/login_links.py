"""One-time login links for the desk in a desktop browser: /bureau sends one to a coach.

The token is random (`secrets.token_urlsafe`); only its SHA-256 is stored (table desk_login),
with its expiry. It logs in once: the one request whose conditional UPDATE
(`... WHERE used_at IS NULL AND expires_at > now`) changes the row wins, also when two arrive
at the same moment. No Starlette here.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from models import DeskLogin

# How long a used or expired link's row is kept (to tell "used" from "unknown" for a while).
KEEP = timedelta(days=2)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(session: Session, person_id: int, *, now: datetime, valid_for: timedelta) -> str:
    """A new link's token for this person (the caller builds the URL). Commits."""
    session.execute(delete(DeskLogin).where(col(DeskLogin.expires_at) < now - KEEP))
    token = secrets.token_urlsafe(32)
    session.add(
        DeskLogin(
            token_hash=token_hash(token),
            person_id=person_id,
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    session.commit()
    return token


def use(session: Session, token: str, *, now: datetime) -> int | None:
    """The person the link was for, if it is valid now and nobody used it before; it is then
    used up. None for an unknown, expired or used link. Commits."""
    if not token or len(token) > 200:
        return None
    digest = token_hash(token)
    result = session.execute(
        update(DeskLogin)
        .where(
            col(DeskLogin.token_hash) == digest,
            col(DeskLogin.used_at).is_(None),
            col(DeskLogin.expires_at) > now,
        )
        .values(used_at=now)
    )
    session.commit()
    if getattr(result, "rowcount", 0) != 1:
        return None
    return session.exec(
        select(DeskLogin.person_id).where(col(DeskLogin.token_hash) == digest)
    ).one()
