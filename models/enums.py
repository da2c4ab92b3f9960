"""Enumerations shared by tables and services. Stored as their string values."""

from enum import StrEnum


class Role(StrEnum):
    RESIDENT = "resident"
    BIG = "big"
    PARTNER = "partner"
    COACH = "coach"
    ADMIN = "admin"


class Swot(StrEnum):
    STRENGTH = "strength"
    WEAKNESS = "weakness"
    OPPORTUNITY = "opportunity"
    THREAT = "threat"


class ItemKind(StrEnum):
    """A spiegel statement is one of the four SWOT categories or a recommendation."""

    STRENGTH = "strength"
    WEAKNESS = "weakness"
    OPPORTUNITY = "opportunity"
    THREAT = "threat"
    RECOMMENDATION = "recommendation"


class StatementAction(StrEnum):
    """What a StatementChange did to a statement."""

    ADD = "add"
    REWORD = "reword"
    RETIRE = "retire"
    CARRY_OVER = "carry_over"


class ObservationStatus(StrEnum):
    """Where an observation stands (bot/observations/workflow.py moves it). Answering is an
    action, not a status: the answer is in answer_text/answered_at."""

    NEW = "new"
    READ = "read"
    IN_PROGRESS = "in_progress"
    REFERRED = "referred"  # to a named partner (Observation.referred_to)
    RESOLVED = "resolved"
    DUPLICATE = "duplicate"  # repeats Observation.duplicate_of_id
    HIDDEN = "hidden"  # with a reason (Observation.hidden_reason)
    WITHDRAWN = "withdrawn"  # by the sender; not a coach status


class EventKind(StrEnum):
    """What an ObservationEvent records."""

    STATUS = "status"
    ANSWER = "answer"
    REOPEN = "reopen"
    REPLY = "reply"


class Verdict(StrEnum):
    RECOGNISE = "recognise"
    NOT_RECOGNISE = "not_recognise"


class PollKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    RANKING = "ranking"


class PollAudience(StrEnum):
    BIG = "big"
    WIJK = "wijk"
    GROUP = "group"


class PollStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


class UncountedReason(StrEnum):
    """Why an answer in a BIG group's Telegram poll, by someone known to the bot, does not count
    (models.poll.UncountedVote); the answers of people unknown to it are counted, not stored."""

    OTHER_WIJK = "other_wijk"  # they live in another wijk
    NOT_VOTING = "not_voting"  # of this wijk, with a role that does not vote (a partner)
    NOT_JOINED = "not_joined"  # they chose no wijk yet
    LATE = "late"  # after the closing time, before Telegram's poll was stopped


class DigestFrequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    OFF = "off"


class DigestStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
