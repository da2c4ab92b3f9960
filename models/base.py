"""Column helpers shared by all tables."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column
from sqlmodel import Field


def _system_now() -> datetime:
    return datetime.now(UTC)


_now: Callable[[], datetime] = _system_now

# The largest id a table's primary key holds: an INTEGER on PostgreSQL (SQLite's is wider). A
# larger number from outside is no row at all, and PostgreSQL would refuse it as a parameter.
MAX_ID = 2**31 - 1


def column_limit(table: type[Any], name: str) -> int:
    """The most characters the column `name` of `table` holds (its `max_length`), so that a check
    on the way in names the schema's number instead of a copy of it."""
    length = table.__table__.c[name].type.length
    if not isinstance(length, int):
        raise TypeError(f"{table.__name__}.{name} has no length")
    return length


def utcnow() -> datetime:
    """The only way tables get a timestamp: aware UTC, which SQLModel requires."""
    return _now()


def use_clock(now: Callable[[], datetime] | None) -> None:
    """Let default timestamps follow a simulated clock (the demo moves time); None resets."""
    global _now
    _now = now or _system_now


def telegram_id_field(**kwargs: Any) -> Any:
    # Telegram ids exceed 32 bits (group ids are -100…); PostgreSQL's INTEGER would overflow.
    nullable = kwargs.pop("nullable", False)
    unique = kwargs.pop("unique", False)
    index = kwargs.pop("index", False)
    return Field(
        sa_column=Column(BigInteger, nullable=nullable, unique=unique, index=index), **kwargs
    )
