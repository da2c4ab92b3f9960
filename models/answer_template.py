"""AnswerTemplate: an answer a wijk's coaches keep for observations that come in often.

The body may hold the placeholders {melding} (the observation's reference, M-123) and {wijk}
(the wijk's name), filled in by bot.observations.answer_templates.fill before the coach edits it.
"""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow


class AnswerTemplate(SQLModel, table=True):
    __tablename__ = "answer_template"
    __table_args__ = (
        # A wijk's list is picked by title: two with the same title could not be told apart. The
        # constraint's index also serves the list (by wijk, in title order).
        UniqueConstraint("wijk_id", "title", name="uq_answer_template_title"),
    )

    id: int | None = Field(default=None, primary_key=True)
    wijk_id: int = Field(foreign_key="wijk.id")
    title: str = Field(max_length=80)
    body: str = Field(max_length=2000)
    # NULL after the coach who made it was erased: the wijk keeps the template.
    created_by_id: int | None = Field(
        default=None, foreign_key="person.id", ondelete="SET NULL", index=True
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
