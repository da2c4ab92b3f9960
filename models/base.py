"""Column helpers shared by all tables."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column
from sqlmodel import Field


def utcnow() -> datetime:
    """The only way tables get a timestamp: aware UTC, which SQLModel requires."""
    return datetime.now(UTC)


def telegram_id_field(**kwargs: Any) -> Any:
    # Telegram ids exceed 32 bits (group ids are -100…); PostgreSQL's INTEGER would overflow.
    nullable = kwargs.pop("nullable", False)
    unique = kwargs.pop("unique", False)
    index = kwargs.pop("index", False)
    return Field(
        sa_column=Column(BigInteger, nullable=nullable, unique=unique, index=index), **kwargs
    )
