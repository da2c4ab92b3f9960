"""Digests: each coach's schedule, and one row per (coach, wijk, period): sent exactly once."""

from datetime import datetime

from sqlalchemy import Index, false
from sqlalchemy import text as sql
from sqlmodel import Field, SQLModel

from models.base import utcnow
from models.enums import DigestStatus


class DigestSetting(SQLModel, table=True):
    """A coach's own schedule; absent means the configured default."""

    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    weekday: int = 0  # 0 = Monday (Python's convention, not JobQueue's)
    send_time: str = Field(default="08:00", max_length=5)
    frequency: str = Field(default="weekly", max_length=16)
    skip_quiet: bool = False
    updated_at: datetime = Field(default_factory=utcnow)


class Digest(SQLModel, table=True):
    """Claimed before sending: a unique index, not a flag in memory, stops a second send.

    A digest a coach asked for ("Wijkoverzicht nu") has a row too, for the desk's archive, under
    its period's key with `asked` set: any number of those per period, none of them the claim."""

    __table_args__ = (
        # One scheduled digest per (coach, wijk, period): the claim (bot.digest.jobs.claim).
        # Period first: the coach's and the wijk's own indexes serve every row, asked ones too.
        Index(
            "uq_digest_period",
            "period_key",
            "coach_id",
            "wijk_id",
            unique=True,
            postgresql_where=sql("NOT asked"),
            sqlite_where=sql("NOT asked"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    coach_id: int | None = Field(
        default=None, foreign_key="person.id", ondelete="SET NULL", index=True
    )
    wijk_id: int = Field(foreign_key="wijk.id", index=True)
    period_key: str = Field(max_length=20)
    # Asked for by its coach ("Wijkoverzicht nu"), not sent by the schedule.
    asked: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    period_start: datetime
    period_end: datetime
    status: str = Field(default=DigestStatus.PENDING.value, max_length=16)
    attempts: int = 0
    # A digest goes out in parts (texts, chart, list): how many have gone out so far, over all
    # attempts (a retry resumes after them), and how many it has (None until it was built).
    parts_sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    parts_total: int | None = None
    error: str | None = Field(default=None, max_length=400)  # why the last attempt failed
    # While a sender holds the row (status pending): until when. It renews this after every part;
    # a sender that died stops renewing, and once the time has passed another takes over
    # (NULL on a pending row: claimed before 0005 by a sender that is gone).
    claimed_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
