"""The mirror: an Edition per wijk and year, its SpiegelItems, and people's Reactions to them."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow


class Edition(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("wijk_id", "year", name="uq_edition_wijk_year"),)

    id: int | None = Field(default=None, primary_key=True)
    # Found through uq_edition_wijk_year, whose first column it is: no index of its own.
    wijk_id: int = Field(foreign_key="wijk.id")
    year: int
    title: str = Field(default="", max_length=200)
    introduction: str = Field(default="", max_length=4000)
    imported_at: datetime = Field(default_factory=utcnow)
    # The coach's flow run that made it, with their person id (bot.spiegel.editing.run_key):
    # that press delivered again shows it as made; any other press finds it made before. NULL:
    # imported, made on the command line, or before this was kept.
    request_key: str | None = Field(default=None, max_length=60)


class SpiegelItem(SQLModel, table=True):
    """One statement: a SWOT statement or a recommendation. `key` keeps it stable on re-import."""

    __table_args__ = (UniqueConstraint("edition_id", "key", name="uq_item_edition_key"),)

    id: int | None = Field(default=None, primary_key=True)
    # Found through uq_item_edition_key (its first column).
    edition_id: int = Field(foreign_key="edition.id", ondelete="CASCADE")
    key: str = Field(max_length=80)
    kind: str = Field(max_length=16)
    theme: str | None = Field(default=None, max_length=40)
    text: str = Field(max_length=1000)
    position: int = 0
    # An item dropped from a re-imported file is retired, not deleted: its reactions stay.
    retired: bool = False
    # The CBS figures (our measure keys, bot/figures/measures.py) the statement rests on,
    # comma-separated as the spiegel file names them; NULL: none.
    figures: str | None = Field(default=None, max_length=400)
    # When a coach or administrator retired it (bot/spiegel/editing.py); NULL for an import.
    retired_at: datetime | None = None
    # The statement of the previous edition it was carried over from (`new_edition`).
    origin_item_id: int | None = Field(
        default=None, foreign_key="spiegelitem.id", ondelete="SET NULL"
    )


class Reaction(SQLModel, table=True):
    """A person's judgement of one statement; one per person and statement (a change replaces it).

    person_id is NULL after the person was erased and chose to keep their reactions anonymously.
    """

    __table_args__ = (
        UniqueConstraint("item_id", "person_id", name="uq_reaction_item_person"),
        Index("ix_reaction_wijk_created", "wijk_id", "created_at"),
        # The digest: whether someone reacted in the wijk before (one probe per participant:
        # without it, a scan of all reactions per person), statements reacted to and comments
        # written in the period. Export and erasure find a person's reactions with it too.
        Index("ix_reaction_person_wijk_created", "person_id", "wijk_id", "created_at"),
        Index("ix_reaction_wijk_updated", "wijk_id", "updated_at"),
        Index("ix_reaction_wijk_commented", "wijk_id", "commented_at"),
        # A comment is written by one run of the person's comment flow: written again (the text
        # delivered a second time after a crash) it changes nothing, commented_at included.
        UniqueConstraint("person_id", "comment_key", name="uq_reaction_comment"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Found through uq_reaction_item_person (its first column).
    item_id: int = Field(foreign_key="spiegelitem.id", ondelete="CASCADE")
    wijk_id: int = Field(foreign_key="wijk.id")
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    verdict: str | None = Field(default=None, max_length=16)
    comment: str | None = Field(default=None, max_length=4000)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # When the comment was last written: a later change of verdict must not make it "new" again.
    commented_at: datetime | None = None
    comment_key: str | None = Field(default=None, max_length=40)


class StatementChange(SQLModel, table=True):
    """One change in a statement's life: who (NULL: an administrator on the command line, or a
    person since erased), when, why, and the wording before and after."""

    __tablename__ = "statement_change"
    __table_args__ = (
        Index("ix_statement_change_item_created", "item_id", "created_at"),
        # A coach's change is stored by one run of their `spiegel_edit` flow: its text delivered
        # again after a crash finds this change instead of storing (or refusing) a second one.
        # Erasure (person_id to NULL) finds a person's changes with it too.
        UniqueConstraint("person_id", "request_key", name="uq_statement_change_request"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="spiegelitem.id", ondelete="CASCADE")
    wijk_id: int = Field(foreign_key="wijk.id", index=True)
    action: str = Field(max_length=16)
    old_text: str | None = Field(default=None, max_length=1000)
    new_text: str | None = Field(default=None, max_length=1000)
    # Found through uq_statement_change_request (its first column).
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    # The flow run that stored it (bot.telegram.flows.request_key); NULL from the command line.
    request_key: str | None = Field(default=None, max_length=40)


class WijkNews(SQLModel, table=True):
    """ "Nieuws uit je wijk": up to which statement change a wijk's residents were told, and when
    (bot/spiegel/news.py sends at most one message per wijk per day)."""

    __tablename__ = "wijk_news"

    wijk_id: int = Field(foreign_key="wijk.id", primary_key=True)
    last_change_id: int = 0
    sent_at: datetime | None = None
