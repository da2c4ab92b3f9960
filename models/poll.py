"""Polls from a BIG or coach to an audience in a wijk, their options, votes and deliveries."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import telegram_id_field, utcnow
from models.enums import DeliveryStatus, PollStatus


class Poll(SQLModel, table=True):
    __table_args__ = (
        Index("ix_poll_status_closes", "status", "closes_at"),
        # One poll per run of the creator's wizard (bot.telegram.flows.request_key).
        UniqueConstraint("creator_id", "request_key", name="uq_poll_request"),
    )

    id: int | None = Field(default=None, primary_key=True)
    wijk_id: int = Field(foreign_key="wijk.id", index=True)
    creator_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    question: str = Field(max_length=300)
    kind: str = Field(max_length=16)
    audience: str = Field(max_length=16)
    hide_results: bool = False
    status: str = Field(default=PollStatus.OPEN.value, max_length=16)
    opens_at: datetime = Field(default_factory=utcnow)
    closes_at: datetime
    closed_at: datetime | None = None
    # When the results had gone to everyone. While they go out, results_until is the sender's
    # lease: a sender that died is taken over once it expires, at results_stage (1: the group
    # has them, 2: the creator too) and the members whose delivery has no results_at yet.
    results_sent_at: datetime | None = None
    results_until: datetime | None = None
    results_stage: int = 0
    # When every vote message it went out as (PollDelivery.message_id) had been edited to say it
    # closed or was cancelled, without its buttons (bot/polls/delivery.py). NULL while open.
    vote_messages_closed_at: datetime | None = None
    # How many answered the group's Telegram poll, as Telegram counted them when the bot stopped
    # it for the result: the creator's result says how many it did not count, as the group's
    # does, also when another sender takes over between the two (bot/polls/delivery.py).
    group_answers: int | None = None
    # The group's "Niet meegeteld" line as numbers: how many answers in its Telegram poll were
    # not counted, per reason, as JSON text (models.enums.UncountedReason's values:
    # {"other_wijk": 2}), fixed when the results go out, so whoever looks at the result again
    # later reads the group's line. Nobody is named: the rows that knew who (UncountedVote) are
    # deleted then. NULL: not yet, or not a poll voted on in a group (bot/polls/voting.py).
    group_uncounted: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    # Group audience: the linked group's chat, the message and (for native polls) Telegram's id.
    group_chat_id: int | None = telegram_id_field(nullable=True)
    group_message_id: int | None = None
    telegram_poll_id: str | None = Field(default=None, max_length=64, unique=True, index=True)
    request_key: str | None = Field(default=None, max_length=40)


class PollOption(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("poll_id", "position", name="uq_option_poll_position"),)

    id: int | None = Field(default=None, primary_key=True)
    # Found through uq_option_poll_position (its first column).
    poll_id: int = Field(foreign_key="poll.id", ondelete="CASCADE")
    position: int
    text: str = Field(max_length=100)


class Vote(SQLModel, table=True):
    """One row per chosen option; `rank` (1 = first) for ranking polls. Never shown with names."""

    __table_args__ = (UniqueConstraint("poll_id", "person_id", "option_id", name="uq_vote"),)

    id: int | None = Field(default=None, primary_key=True)
    # Found through uq_vote (its first column).
    poll_id: int = Field(foreign_key="poll.id", ondelete="CASCADE")
    option_id: int = Field(foreign_key="polloption.id", ondelete="CASCADE")
    person_id: int | None = Field(
        default=None, foreign_key="person.id", index=True, ondelete="SET NULL"
    )
    rank: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class UncountedVote(SQLModel, table=True):
    """Someone known to the bot answered a BIG group's Telegram poll and may not vote in it: why
    (`models.enums.UncountedReason`), so the group's result can say how many answers it did not
    count and why, without names. Deleted when they take the answer back or it counts after all,
    and when the poll's results have gone out (the numbers per reason stay on the poll:
    Poll.group_uncounted) or it is cancelled. Nothing is stored about
    someone the bot does not know: the result counts them from Telegram's own total
    (bot/polls/delivery.py)."""

    __tablename__ = "uncounted_vote"
    __table_args__ = (UniqueConstraint("poll_id", "person_id", name="uq_uncounted_vote"),)

    id: int | None = Field(default=None, primary_key=True)
    # Found through uq_uncounted_vote (its first column).
    poll_id: int = Field(foreign_key="poll.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    reason: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class PollDelivery(SQLModel, table=True):
    """Who a private-chat poll went to: lets a broadcast resume after a restart without repeats."""

    __table_args__ = (UniqueConstraint("poll_id", "person_id", name="uq_delivery"),)

    id: int | None = Field(default=None, primary_key=True)
    # Found through uq_delivery (its first column).
    poll_id: int = Field(foreign_key="poll.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    status: str = Field(default=DeliveryStatus.PENDING.value, max_length=16)
    # NULL for a sent one: the send timed out and may have arrived (not sent again).
    message_id: int | None = None
    sent_at: datetime | None = None
    # When this member got the results.
    results_at: datetime | None = None
    # When its message (message_id) lost its vote buttons: the poll closed or was cancelled, or
    # the member pressed "Naar het menu" under it (the message shows the menu from then on).
    buttons_removed_at: datetime | None = None


class PollVoteMessage(SQLModel, table=True):
    """A message with a poll's vote buttons that the member opened themselves (from /stemmen, the
    group's "Stemmen in een eigen chat", "Zelf stemmen"), beside the one the broadcast sent
    (PollDelivery.message_id): closing or cancelling the poll takes the buttons off these too
    (bot/polls/delivery.py `close_vote_messages`). One row per message, however often it was
    shown; all of a member's are closed."""

    __tablename__ = "poll_vote_message"
    __table_args__ = (
        UniqueConstraint("poll_id", "person_id", "message_id", name="uq_poll_vote_message"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Found through uq_poll_vote_message (its first column).
    poll_id: int = Field(foreign_key="poll.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    # In the member's private chat (their Telegram id).
    message_id: int
    shown_at: datetime = Field(default_factory=utcnow)
    # When it lost its vote buttons: as PollDelivery.buttons_removed_at.
    buttons_removed_at: datetime | None = None


class GroupLink(SQLModel, table=True):
    """A BIG's Telegram group linked to its wijk with /koppel."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = telegram_id_field(unique=True, index=True)
    wijk_id: int = Field(foreign_key="wijk.id", index=True)
    title: str = Field(default="", max_length=200)
    linked_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    linked_at: datetime = Field(default_factory=utcnow)
    # What the bot writes to the whole group in: the language of whoever linked it last (None,
    # linked before this was kept: the municipality's). docs/architecture/roles-and-groups.md
    language: str | None = Field(default=None, max_length=5)
