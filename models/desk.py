"""The coach's desk (web/): one-time login links, used Telegram initData, the session key, the
sessions ended by logging out."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import utcnow


class DeskLogin(SQLModel, table=True):
    """A one-time login link that /bureau sent a coach. Only the SHA-256 of its token is stored;
    `used_at` is set by the one request that logs in with it."""

    __tablename__ = "desk_login"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class DeskInitData(SQLModel, table=True):
    """Telegram initData that opened a desk session (its hash), kept until it would have expired
    anyway: the same initData cannot open a second session."""

    __tablename__ = "desk_init_data"

    hash: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(index=True)


class DeskSecret(SQLModel, table=True):
    """Secrets the desk makes itself when the config names none (the session cookie's key), so
    that every process and restart shares them. Never logged."""

    __tablename__ = "desk_secret"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class DeskEndedSession(SQLModel, table=True):
    """A desk session its coach ended with "Uitloggen": a copy of its cookie opens nothing.
    Kept until every cookie of it has expired anyway (`expires_at`: the logout plus the
    cookie's lifetime, which each response renews)."""

    __tablename__ = "desk_ended_session"

    session_id: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(index=True)
