"""PTB persistence rows: user_data, chat_data, bot_data and conversations, as JSON."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow


class StoredState(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_state_kind_key"),)

    id: int | None = Field(default=None, primary_key=True)
    # "user", "chat", "bot", "callback" or "conv:<name>".
    kind: str = Field(max_length=80)
    key: str = Field(max_length=200)
    data: str
    updated_at: datetime = Field(default_factory=utcnow)
