"""Desk sessions that ended: "Uitloggen" ends the session everywhere, not only in the browser
that pressed it.

The session cookie is signed and valid for `desk.session_hours` after each response renews it;
it carries a random session id. Logging out records that id (table desk_ended_session) until
any cookie of it has expired anyway, and every request refuses a recorded id: one lookup by
primary key, beside the coach's own that each request makes. No Starlette here.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from models import DeskEndedSession

MAX_ID_CHARS = 64


def new_id() -> str:
    """The id of a new session (random; the cookie's signature keeps anyone from choosing it)."""
    return secrets.token_urlsafe(24)


def is_ended(session: Session, session_id: str) -> bool:
    if not session_id or len(session_id) > MAX_ID_CHARS:
        return True
    return session.get(DeskEndedSession, session_id) is not None


def end(session: Session, session_id: str, *, now: datetime, cookie_life: timedelta) -> None:
    """This session opens nothing any more, wherever its cookie is. Ends that expired before
    are dropped (their cookies no longer pass the signature's age check). Commits."""
    if not session_id or len(session_id) > MAX_ID_CHARS:
        return
    session.execute(delete(DeskEndedSession).where(col(DeskEndedSession.expires_at) < now))
    session.add(DeskEndedSession(session_id=session_id, expires_at=now + cookie_life))
    try:
        session.commit()
    except IntegrityError:  # ended already (the logout form sent twice)
        session.rollback()
