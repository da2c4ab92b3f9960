"""The key that signs the desk's session cookies: from the config (`desk.session_secret`,
better `WIJKBOT_DESK_SESSION_SECRET`), else made once and kept in the database (desk_secret),
so that every process and every restart shares it. Never logged."""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError

from bot.core.config import Config
from bot.core.database import Database
from models import DeskSecret

NAME = "session"


def session_secret(config: Config, db: Database) -> str:
    if config.desk.session_secret:
        return config.desk.session_secret
    with db.session() as session:
        stored = session.get(DeskSecret, NAME)
        if stored is not None:
            return stored.value
        session.add(DeskSecret(name=NAME, value=secrets.token_urlsafe(48)))
        try:
            session.commit()
        except IntegrityError:  # another process made it at the same moment: use theirs
            session.rollback()
        stored = session.get(DeskSecret, NAME)
        assert stored is not None
        return stored.value
