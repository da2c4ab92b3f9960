"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from models.answer_template import AnswerTemplate
from models.desk import DeskEndedSession, DeskInitData, DeskLogin, DeskSecret
from models.digest import Digest, DigestSetting
from models.digest_archive import DigestArchive
from models.enums import (
    DeliveryStatus,
    DigestFrequency,
    DigestStatus,
    EventKind,
    ItemKind,
    ObservationStatus,
    PollAudience,
    PollKind,
    PollStatus,
    Role,
    StatementAction,
    Swot,
    UncountedReason,
    Verdict,
)
from models.figures import CbsFigure
from models.observation import Observation
from models.observation_event import ObservationEvent
from models.observation_note import ObservationNote
from models.person import Invite, Membership, Person
from models.poll import (
    GroupLink,
    Poll,
    PollDelivery,
    PollOption,
    PollVoteMessage,
    UncountedVote,
    Vote,
)
from models.profile import PersonProfile
from models.spiegel import Edition, Reaction, SpiegelItem, StatementChange, WijkNews
from models.stored_state import StoredState
from models.supporter import Supporter
from models.wijk import Wijk

__all__ = [
    "AnswerTemplate",
    "CbsFigure",
    "DeliveryStatus",
    "DeskEndedSession",
    "DeskInitData",
    "DeskLogin",
    "DeskSecret",
    "Digest",
    "DigestArchive",
    "DigestFrequency",
    "DigestSetting",
    "DigestStatus",
    "Edition",
    "EventKind",
    "GroupLink",
    "Invite",
    "ItemKind",
    "Membership",
    "Observation",
    "ObservationEvent",
    "ObservationNote",
    "ObservationStatus",
    "Person",
    "PersonProfile",
    "Poll",
    "PollAudience",
    "PollDelivery",
    "PollKind",
    "PollOption",
    "PollStatus",
    "PollVoteMessage",
    "Reaction",
    "Role",
    "SpiegelItem",
    "StatementAction",
    "StatementChange",
    "StoredState",
    "Supporter",
    "Swot",
    "UncountedReason",
    "UncountedVote",
    "Verdict",
    "Vote",
    "Wijk",
    "WijkNews",
]
