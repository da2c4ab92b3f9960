"""What a coach received with each digest sent: its Telegram HTML messages and its chart.

Kept for the coach's desk (its digest archive). One row per Digest, written in the transaction
that records the digest's first progress, before any part goes out, and brought up to date when a
later attempt resumes (bot.digest.archive.record); for a digest the coach asked for, with its row
(bot.digest.jobs.record_asked). The CSV is not kept: it lists every
observation with its author's name or pseudonym, and the desk's export gives the current list.
"""

from datetime import datetime

from sqlalchemy import JSON, Column, LargeBinary
from sqlmodel import Field, SQLModel

from models.base import utcnow


class DigestArchive(SQLModel, table=True):
    __tablename__ = "digest_archive"

    id: int | None = Field(default=None, primary_key=True)
    digest_id: int = Field(foreign_key="digest.id", unique=True, ondelete="CASCADE")
    lang: str = Field(max_length=8)
    # The messages as sent, in order: Telegram HTML (b, i, u, s, a, code, pre, blockquote).
    messages: list[str] = Field(sa_column=Column(JSON, nullable=False))
    chart_png: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    # When an erasure last took a resident's words out of it (bot.privacy.personal_data).
    redacted_at: datetime | None = None
