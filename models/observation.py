"""Observation: what a person sends about their wijk, and the coach's answer to it."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy import text as sql
from sqlmodel import Field, SQLModel

from models.base import utcnow
from models.enums import ObservationStatus

# On PostgreSQL only (bot.core.migrate.POSTGRESQL_ONLY_INDEXES).
TEXT_TRIGRAM_INDEX = "ix_observation_text_trgm"


class Observation(SQLModel, table=True):
    # The digest reads one wijk's observations of one period, often per SWOT category.
    __table_args__ = (
        Index("ix_observation_wijk_created", "wijk_id", "created_at"),
        Index("ix_observation_wijk_swot_created", "wijk_id", "swot", "created_at"),
        Index("ix_observation_status_created", "status", "created_at"),
        # The digest counts a wijk's unanswered observations over all its history: with
        # answered_at in the index that count never visits the table (it stays small as the
        # history grows).
        Index(
            "ix_observation_wijk_status_created",
            "wijk_id",
            "status",
            "created_at",
            "answered_at",
        ),
        # The digest lists a wijk's urgent observations that wait for an answer, whatever their
        # age: only the urgent ones (a few) are in it, so other inserts do not pay for it.
        Index(
            "ix_observation_wijk_urgent_waiting",
            "wijk_id",
            "status",
            "answered_at",
            postgresql_where=sql("urgent_kind IS NOT NULL"),
            sqlite_where=sql("urgent_kind IS NOT NULL"),
        ),
        # Whether a participant sent a visible observation in the wijk before the period (the
        # digest's first-time participants): answered from the index alone. Also a person's
        # observations for export and erasure (it replaces an index on person_id alone).
        Index("ix_observation_person_wijk_created", "person_id", "wijk_id", "created_at", "status"),
        # "Ik ook" when filing (bot.observations.same_matter): a wijk's recent observations about
        # one concept, newest first, without reading the wijk's other rows.
        Index("ix_observation_wijk_concept_created", "wijk_id", "grouping_concept", "created_at"),
        # The desk's text search (ILIKE '%...%', bot.desk.inbox) on PostgreSQL: a trigram index
        # finds the rows holding the words without reading every text. PostgreSQL only (SQLite
        # has no such index), and only where pg_trgm could be created (migration 0014).
        Index(
            TEXT_TRIGRAM_INDEX,
            "text",
            postgresql_using="gin",
            postgresql_ops={"text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        # One observation per run of the author's flow (bot.telegram.flows.request_key): a press
        # that Telegram delivers again finds the row the first delivery stored.
        UniqueConstraint("person_id", "request_key", name="uq_observation_request"),
        # The coach's answer and the author's reply, each from one flow run of the one who wrote it.
        UniqueConstraint("answered_by_id", "answer_key", name="uq_observation_answer"),
        UniqueConstraint("person_id", "reply_key", name="uq_observation_reply"),
    )

    id: int | None = Field(default=None, primary_key=True)
    wijk_id: int = Field(foreign_key="wijk.id")
    # NULL after the author was erased and chose to keep their observations without a link.
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    author_role: str = Field(max_length=16)
    swot: str = Field(max_length=16)
    theme: str | None = Field(default=None, max_length=40)
    text: str = Field(max_length=4000)
    lang: str = Field(default="nl", max_length=5)
    photo_file_id: str | None = Field(default=None, max_length=200)
    latitude: float | None = None
    longitude: float | None = None
    # The coach sees the name only when the author chose so; otherwise the pseudonym.
    share_name: bool = False
    status: str = Field(default=ObservationStatus.NEW.value, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
    answer_text: str | None = Field(default=None, max_length=4000)
    answered_at: datetime | None = None
    answered_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    # The flow run that stored the answer, and when it went to the author: a press delivered
    # again after a crash finds its own answer, and delivers it only if that had not happened.
    answer_key: str | None = Field(default=None, max_length=40)
    answer_sent_at: datetime | None = None
    # The author may reply once to the coach's answer (key and delivery: as for the answer).
    reply_text: str | None = Field(default=None, max_length=4000)
    replied_at: datetime | None = None
    reply_key: str | None = Field(default=None, max_length=40)
    reply_sent_at: datetime | None = None
    hidden_reason: str | None = Field(default=None, max_length=400)
    hidden_at: datetime | None = None
    hidden_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    # The status workflow (bot/observations/workflow.py): the partner it was referred to, the
    # observation it repeats (status "duplicate"), and when the status last changed.
    referred_to: str | None = Field(default=None, max_length=120)
    duplicate_of_id: int | None = Field(
        default=None, foreign_key="observation.id", ondelete="SET NULL"
    )
    status_changed_at: datetime | None = None
    # What the digest's grouping finds in the text (bot.grouping.signatures.signature), found once
    # when the observation is stored so the digest does not match every text again. NULL (older
    # rows, or rows stored by other means): the digest matches the text itself, with the same
    # result.
    grouping_signature: str | None = None
    # Its "what about" part (bot.grouping.signatures.matter_key): the digest counts the previous
    # period per matter in SQL, the desk shows observations with the same one as one matter.
    # NULL where the signature is, and where it found nothing the text is about (no concept, no
    # place: such texts are no matter together): the digest reads those rows one by one.
    grouping_matter: str | None = None
    # The concept the matter rests on, "<vocabulary fingerprint>:<concept index>"
    # (bot.grouping.signatures.concept_key); NULL when no concept has enough evidence. Two
    # observations with the same key are about the same thing with confidence ("ik ook").
    grouping_concept: str | None = Field(default=None, max_length=40)
    # The flow run that stored it (NULL: stored before 0005, or not through a flow).
    request_key: str | None = Field(default=None, max_length=40)
    # What bot.urgent.detect found urgent in the text when it was stored (its kind: "danger",
    # "home_violence", "suicide", "neighbour", "fire_gas"; NULL: nothing urgent), and when the
    # wijk's coaches were told at once (set before the message goes out: they are told once).
    urgent_kind: str | None = Field(default=None, max_length=20)
    urgent_alerted_at: datetime | None = None
    # When the coaches' notes on it were removed with its sender, who erased themselves and kept
    # it without a name (bot.observations.notes.removed_with_sender): the desk says so in one line.
    notes_removed_at: datetime | None = None

    @property
    def reference(self) -> str:
        return f"M-{self.id}"
