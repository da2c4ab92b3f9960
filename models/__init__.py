"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from models.desk import DeskInitData, DeskLogin, DeskSecret
from models.digest import Digest, DigestSetting
from models.enums import (
    DeliveryStatus,
    DigestFrequency,
    DigestStatus,
    ItemKind,
    ObservationStatus,
    PollAudience,
    PollKind,
    PollStatus,
    Role,
    StatementAction,
    Swot,
    Verdict,
)
from models.figures import CbsFigure
from models.observation import Observation
from models.person import Invite, Membership, Person
from models.poll import GroupLink, Poll, PollDelivery, PollOption, Vote
from models.profile import PersonProfile
from models.spiegel import Edition, Reaction, SpiegelItem, StatementChange, WijkNews
from models.stored_state import StoredState
from models.supporter import Supporter
from models.wijk import Wijk

__all__ = [
    "CbsFigure",
    "DeliveryStatus",
    "DeskInitData",
    "DeskLogin",
    "DeskSecret",
    "Digest",
    "DigestFrequency",
    "DigestSetting",
    "DigestStatus",
    "Edition",
    "GroupLink",
    "Invite",
    "ItemKind",
    "Membership",
    "Observation",
    "ObservationStatus",
    "Person",
    "PersonProfile",
    "Poll",
    "PollAudience",
    "PollDelivery",
    "PollKind",
    "PollOption",
    "PollStatus",
    "Reaction",
    "Role",
    "SpiegelItem",
    "StatementAction",
    "StatementChange",
    "StoredState",
    "Supporter",
    "Swot",
    "Verdict",
    "Vote",
    "Wijk",
    "WijkNews",
]
