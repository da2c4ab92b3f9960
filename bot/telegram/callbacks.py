"""Callback data: built and parsed here only, as one frozen dataclass per kind of button.

Format `<kind>:<arg>:<arg>…` with short ids, never names or text: Telegram allows 64 bytes and
PTB does not check (Telegram answers BUTTON_DATA_INVALID). Buttons that belong to a step of a flow
carry the flow's nonce, so a button from an older message is recognised as stale.
The strings are the same as before the payloads were typed, so buttons on messages sent by an
older version of the bot keep working.
Never trust what a button says about permissions: handlers check on the server.

Handlers get a payload with `decode(data)` (through `handlers.common.payload`); anything malformed,
forged or out of range raises BadCallback, which becomes "this button no longer works".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Protocol, TypeVar

from telegram import InlineKeyboardButton

from bot.core.i18n import LANGUAGES
from bot.observations.coach import Filter
from models import ItemKind, Verdict
from models.base import MAX_ID

MAX_BYTES = 64
# Ids are primary keys (a PostgreSQL integer) and nonces and pages are small counters: a larger
# number is forged and must become BadCallback here, not an overflow in the database layer.
MAX_INT = MAX_ID
_ARG = re.compile(r"[A-Za-z0-9_-]{1,40}")  # used with fullmatch: "$" would let "\n" in
_NUMBER = re.compile(r"[0-9]{1,10}")


class Kind(StrEnum):
    # foundation
    CONSENT = "ok"  # ok:<lang>:<y|n>:<invite code or ->
    INVITE = "iv"  # iv:<invite code>:<y|n> (someone known opens an invite: take the role?)
    LANGUAGE = "lg"  # lg:<nl|en>[:<invite code>]
    WIJK = "wk"  # wk:<nonce>:<wijk_id> | wk:<nonce>:pc (postcode) | wk:<nonce>:list
    MENU = "mn"  # mn:<item>
    CANCEL = "cx"  # cx:<nonce>
    FILE_TEXT = "ft"  # ft:<nonce>:<y|n>  (file a loose message as an observation?)
    # residents: spiegel and observations
    SPIEGEL = "sp"  # sp:<edition_id>[:<category>:<page>]
    REACT = "rx"  # rx:<item_id>:<y|n|c> | rx:<item_id>:r:<nonce>
    RECOGNISED = "sr"  # sr:<item_id>:<y|n|s> (the wijkspiegel asked about under a melding)
    # se:<id>:<a|w|r|n|gl|g> | se:<edition_id>:ny:<nonce> | se:<edition_id>:k:<category> (coaches)
    SPIEGEL_EDIT = "se"
    WIJK_NEWS = "wn"  # wn:<y|n>:<o|m> ("Nieuws uit je wijk": yes or no, from overview or menu)
    OBSERVATION = "ob"  # ob:<nonce>:<step>:<value>
    MY_OBSERVATIONS = "mo"  # mo:<page>:pg | mo:<observation_id>:<w|wy|wn>:<page>
    PRIVACY = "pv"  # pv:<nonce>:<action>
    ABOUT_YOU = "oj"  # oj:<field>:<value> ("Over jou")
    FIGURES = "fg"  # fg:<wijk_id>:<r|c> (CBS figures: the residents' few, the coach's all)
    STATUS_NOTICE = "sn"  # sn:<event_id>:<w|n> (under a status notice: not right, not solved)
    # coaches
    COACH = "co"  # see the Coach* payloads
    DIGEST = "dg"  # dg:<wijk_id>:now
    DIGEST_SETTINGS = "ds"  # ds:<field>:<value>
    SUPPLEMENT = "su"  # su:<wijk_id> (the yearly supplement of that wijk, as a file)
    # polls
    POLL_WIZARD = "pw"  # pw:<nonce>:<step>:<value>
    POLL_VOTE = "pl"  # pl:<poll_id>:<show|chg|res> | pl:<poll_id>:<verb>:<value>:<n|c>
    POLL_MANAGE = "pm"  # pm:<poll_id>:<action> | pm:lk:<wijk_id>
    BLIND_SPOTS = "bs"  # bs:<wijk_id>:<period key> ("Wat weten we nog niet?")


class BadCallback(Exception):
    """Callback data that is malformed, tampered with or from an older version of the bot."""


class Payload(Protocol):
    """What a button carries. `args()` are the parts after the kind, as they go on the wire."""

    KIND: ClassVar[Kind]

    def args(self) -> tuple[str | int, ...]: ...


class FlowButton(Payload, Protocol):
    """A button of a step of a multi-step flow (bot.telegram.flow_table): the flow's nonce and
    the step it answers."""

    @property
    def nonce(self) -> int: ...

    @property
    def step(self) -> str: ...


Args = tuple[str, ...]
P = TypeVar("P")


# --- reading arguments ---------------------------------------------------------------------------


def number(raw: str, *, high: int = MAX_INT) -> int:
    """A non-negative integer of at most `high`; anything else is forged."""
    if not _NUMBER.fullmatch(raw):
        raise BadCallback(f"not a number: {raw!r}")
    value = int(raw)
    if value > high:
        raise BadCallback(f"number out of range: {raw!r}")
    return value


def choice(raw: str, allowed: Collection[str]) -> str:
    if raw not in allowed:
        raise BadCallback(f"unexpected argument {raw!r}")
    return raw


def _count(args: Args, *counts: int) -> None:
    if len(args) not in counts:
        raise BadCallback(f"{len(args)} arguments")


def _flag(raw: str, yes: str = "y", no: str = "n") -> bool:
    return choice(raw, (yes, no)) == yes


# --- foundation ----------------------------------------------------------------------------------

NO_CODE = "-"  # the consent button of someone who came without an invite


@dataclass(frozen=True)
class Consent:
    """The privacy statement's buttons: they carry all they need, nothing is stored before.
    Akkoord (y), Liever niet (n), or `more`: the statement's details (m), which accepts nothing
    and stores nothing."""

    KIND: ClassVar[Kind] = Kind.CONSENT
    lang: str
    accept: bool
    code: str | None  # an invite code (already checked to be well-formed by _ARG)
    more: bool = False

    def args(self) -> tuple[str | int, ...]:
        answer = "m" if self.more else ("y" if self.accept else "n")
        return (self.lang, answer, self.code or NO_CODE)

    @classmethod
    def parse(cls, args: Args) -> Consent:
        _count(args, 3)
        lang, answer, code = args
        more = choice(answer, ("y", "n", "m")) == "m"
        code_or_none = None if code == NO_CODE else code
        return cls(choice(lang, LANGUAGES), answer == "y", code_or_none, more=more)


@dataclass(frozen=True)
class InviteAnswer:
    """Someone who is known already opened an invite link: take its role (y) or not (n). The
    code rides on the button, as on the consent buttons: nothing is granted before the answer,
    and the invite is checked again when it comes."""

    KIND: ClassVar[Kind] = Kind.INVITE
    code: str
    accept: bool

    def args(self) -> tuple[str | int, ...]:
        return (self.code, "y" if self.accept else "n")

    @classmethod
    def parse(cls, args: Args) -> InviteAnswer:
        _count(args, 2)
        return cls(args[0], _flag(args[1]))


@dataclass(frozen=True)
class Language:
    """Choose a language. On the privacy statement, before consent, the button carries the invite
    code as the consent buttons do: nothing is stored yet, so the statement shown again in the
    other language would lose it otherwise."""

    KIND: ClassVar[Kind] = Kind.LANGUAGE
    lang: str
    code: str | None = None

    def args(self) -> tuple[str | int, ...]:
        return (self.lang,) if self.code is None else (self.lang, self.code)

    @classmethod
    def parse(cls, args: Args) -> Language:
        _count(args, 1, 2)
        return cls(choice(args[0], LANGUAGES), args[1] if len(args) == 2 else None)


@dataclass(frozen=True)
class MenuItem:
    """An entry of the menu. `start` may carry the language of the text it stood under, for
    someone not known (yet, or any more): the privacy statement it opens is in that language."""

    KIND: ClassVar[Kind] = Kind.MENU
    item: str
    lang: str | None = None

    def args(self) -> tuple[str | int, ...]:
        return (self.item,) if self.lang is None else (self.item, self.lang)

    @classmethod
    def parse(cls, args: Args) -> MenuItem:
        _count(args, 1, 2)
        return cls(args[0], choice(args[1], LANGUAGES) if len(args) == 2 else None)


@dataclass(frozen=True)
class Cancel:
    """Any cancel button ends whatever flow is current; the nonce only makes the data unique."""

    KIND: ClassVar[Kind] = Kind.CANCEL
    nonce: int

    def args(self) -> tuple[str | int, ...]:
        return (self.nonce,)

    @classmethod
    def parse(cls, args: Args) -> Cancel:
        _count(args, 1)
        return cls(number(args[0]))


@dataclass(frozen=True)
class WijkStep:
    """wk:<nonce>:<wijk id> picks a wijk; wk:<nonce>:pc asks for a postcode; :list the list."""

    KIND: ClassVar[Kind] = Kind.WIJK
    PICK: ClassVar[str] = "pick"
    nonce: int
    step: str  # "pick", "pc" or "list"
    wijk_id: int = 0

    def args(self) -> tuple[str | int, ...]:
        return (self.nonce, self.wijk_id if self.step == self.PICK else self.step)

    @classmethod
    def parse(cls, args: Args) -> WijkStep:
        _count(args, 2)
        nonce, value = number(args[0]), args[1]
        if value in ("pc", "list"):
            return cls(nonce, value)
        return cls(nonce, cls.PICK, number(value))


# --- observations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileText:
    """ft:<nonce>:<y|n>: file a loose message as an observation?"""

    KIND: ClassVar[Kind] = Kind.FILE_TEXT
    nonce: int
    step: str  # "y" or "n"

    def args(self) -> tuple[str | int, ...]:
        return (self.nonce, self.step)

    @classmethod
    def parse(cls, args: Args) -> FileText:
        _count(args, 2)
        return cls(number(args[0]), choice(args[1], ("y", "n")))


@dataclass(frozen=True)
class ObservationStep:
    """ob:<nonce>:<step>:<value>; the observation flow's table says what the value may be."""

    KIND: ClassVar[Kind] = Kind.OBSERVATION
    nonce: int
    step: str
    value: str

    def args(self) -> tuple[str | int, ...]:
        return (self.nonce, self.step, self.value)

    @classmethod
    def parse(cls, args: Args) -> ObservationStep:
        _count(args, 3)
        return cls(number(args[0]), args[1], args[2])


# ask to withdraw, withdraw, keep; ask to stop supporting, stop supporting
MINE_STEPS = ("w", "wy", "wn", "u", "uy")


@dataclass(frozen=True)
class MinePage:
    KIND: ClassVar[Kind] = Kind.MY_OBSERVATIONS
    page: int

    def args(self) -> tuple[str | int, ...]:
        return (self.page, "pg")


@dataclass(frozen=True)
class MineWithdraw:
    KIND: ClassVar[Kind] = Kind.MY_OBSERVATIONS
    observation_id: int
    step: str  # one of MINE_STEPS
    page: int  # the page of "Mijn meldingen" to go back to

    def args(self) -> tuple[str | int, ...]:
        return (self.observation_id, self.step, self.page)


def _mine(args: Args) -> MinePage | MineWithdraw:
    if len(args) == 2 and args[1] == "pg":
        return MinePage(number(args[0]))
    _count(args, 3)
    return MineWithdraw(number(args[0]), choice(args[1], MINE_STEPS), number(args[2]))


# --- the spiegel ---------------------------------------------------------------------------------

CATEGORY_CODES: dict[str, ItemKind] = {
    "s": ItemKind.STRENGTH,
    "w": ItemKind.WEAKNESS,
    "o": ItemKind.OPPORTUNITY,
    "t": ItemKind.THREAT,
    "r": ItemKind.RECOMMENDATION,
}
_CATEGORY_CODE = {kind: code for code, kind in CATEGORY_CODES.items()}
VERDICT_CODES = {"y": Verdict.RECOGNISE, "n": Verdict.NOT_RECOGNISE}
_VERDICT_CODE = {verdict: code for code, verdict in VERDICT_CODES.items()}


@dataclass(frozen=True)
class SpiegelOverview:
    KIND: ClassVar[Kind] = Kind.SPIEGEL
    edition_id: int

    def args(self) -> tuple[str | int, ...]:
        return (self.edition_id,)


@dataclass(frozen=True)
class SpiegelPage:
    KIND: ClassVar[Kind] = Kind.SPIEGEL
    edition_id: int
    category: ItemKind
    page: int

    def args(self) -> tuple[str | int, ...]:
        return (self.edition_id, _CATEGORY_CODE[self.category], self.page)


def _spiegel(args: Args) -> SpiegelOverview | SpiegelPage:
    if len(args) == 1:
        return SpiegelOverview(number(args[0]))
    _count(args, 3)
    category = CATEGORY_CODES[choice(args[1], CATEGORY_CODES)]
    return SpiegelPage(number(args[0]), category, number(args[2]))


@dataclass(frozen=True)
class ReactVerdict:
    KIND: ClassVar[Kind] = Kind.REACT
    item_id: int
    verdict: Verdict

    def args(self) -> tuple[str | int, ...]:
        return (self.item_id, _VERDICT_CODE[self.verdict])


@dataclass(frozen=True)
class ReactComment:
    KIND: ClassVar[Kind] = Kind.REACT
    item_id: int

    def args(self) -> tuple[str | int, ...]:
        return (self.item_id, "c")


@dataclass(frozen=True)
class ReactRetry:
    """Try again to store the comment kept in the spiegel_comment flow."""

    KIND: ClassVar[Kind] = Kind.REACT
    item_id: int
    nonce: int

    @property
    def step(self) -> str:
        return "r"

    def args(self) -> tuple[str | int, ...]:
        return (self.item_id, "r", self.nonce)


def _react(args: Args) -> ReactVerdict | ReactComment | ReactRetry:
    if len(args) == 3 and args[1] == "r":
        return ReactRetry(number(args[0]), number(args[2]))
    _count(args, 2)
    item_id, action = number(args[0]), choice(args[1], ("y", "n", "c"))
    if action == "c":
        return ReactComment(item_id)
    return ReactVerdict(item_id, VERDICT_CODES[action])


RECOGNISED_ANSWERS = ("y", "n", "s")  # herken ik, herken ik niet, sla over


@dataclass(frozen=True)
class SpiegelRecognised:
    """sr:<item_id>:<y|n|s>: under the confirmation of a melding, whether the person recognises
    the wijkspiegel's statement it matched (y, n), or skips the question (s)."""

    KIND: ClassVar[Kind] = Kind.RECOGNISED
    item_id: int
    answer: str  # one of RECOGNISED_ANSWERS

    @property
    def verdict(self) -> Verdict | None:
        """The reaction to store; None for "sla over"."""
        return VERDICT_CODES.get(self.answer)

    def args(self) -> tuple[str | int, ...]:
        return (self.item_id, self.answer)

    @classmethod
    def parse(cls, args: Args) -> SpiegelRecognised:
        _count(args, 2)
        return cls(number(args[0]), choice(args[1], RECOGNISED_ANSWERS))


# --- privacy -------------------------------------------------------------------------------------

PRIVACY_ACTIONS = ("ask", "del", "keep", "go", "no")


@dataclass(frozen=True)
class PrivacyStep:
    """pv:<nonce>:<action>. It never names a person: it acts on whoever presses it."""

    KIND: ClassVar[Kind] = Kind.PRIVACY
    nonce: int  # 0 for "ask", which only starts the flow
    step: str  # one of PRIVACY_ACTIONS

    def args(self) -> tuple[str | int, ...]:
        return (self.nonce, self.step)

    @classmethod
    def parse(cls, args: Args) -> PrivacyStep:
        _count(args, 2)
        return cls(number(args[0]), choice(args[1], PRIVACY_ACTIONS))


# --- coaches -------------------------------------------------------------------------------------


class CoachVerb(StrEnum):
    OPEN = "open"
    READ = "rd"
    PHOTO = "ph"
    LOCATION = "lo"
    FULL_TEXT = "tx"
    ANSWER = "an"
    HIDE = "hd"
    REPLY = "rp"  # the sender's "Reageren" under the coach's answer


# A step of the coach_answer, coach_hide or coach_reply flow: send, or type again.
COACH_DRAFT_STEPS = ("snd", "edt", "hrs", "hre", "rps", "rpe")


@dataclass(frozen=True)
class ListBack:
    """The coach's list a card came from, for its "Terug" button."""

    filter: Filter
    page: int

    def args(self) -> tuple[str | int, ...]:
        return (self.filter.value, self.page)


def _back(args: Args) -> ListBack | None:
    if not args:
        return None
    _count(args, 2)
    try:
        flt = Filter(args[0])
    except ValueError:
        raise BadCallback("filter") from None
    return ListBack(flt, number(args[1]))


def _back_args(back: ListBack | None) -> tuple[str | int, ...]:
    return back.args() if back is not None else ()


@dataclass(frozen=True)
class CoachWijken:
    """co:w: choose which wijk's list to see."""

    KIND: ClassVar[Kind] = Kind.COACH

    def args(self) -> tuple[str | int, ...]:
        return ("w",)


@dataclass(frozen=True)
class CoachList:
    """co:l:<wijk_id>[:<filter>:<page>]"""

    KIND: ClassVar[Kind] = Kind.COACH
    wijk_id: int
    back: ListBack | None = None

    def args(self) -> tuple[str | int, ...]:
        return ("l", self.wijk_id, *_back_args(self.back))


@dataclass(frozen=True)
class CoachAction:
    """co:<observation_id>:<verb>[:<filter>:<page>]"""

    KIND: ClassVar[Kind] = Kind.COACH
    observation_id: int
    verb: CoachVerb
    back: ListBack | None = None

    def args(self) -> tuple[str | int, ...]:
        return (self.observation_id, self.verb.value, *_back_args(self.back))


@dataclass(frozen=True)
class CoachHideReason:
    """co:<observation_id>:hr:<reason>[:<filter>:<page>]"""

    KIND: ClassVar[Kind] = Kind.COACH
    observation_id: int
    reason: str
    back: ListBack | None = None

    def args(self) -> tuple[str | int, ...]:
        return (self.observation_id, "hr", self.reason, *_back_args(self.back))


@dataclass(frozen=True)
class CoachDraft:
    """co:<observation_id>:<step>:<nonce>: send or retype the draft of a coach flow."""

    KIND: ClassVar[Kind] = Kind.COACH
    observation_id: int
    step: str  # one of COACH_DRAFT_STEPS
    nonce: int

    def args(self) -> tuple[str | int, ...]:
        return (self.observation_id, self.step, self.nonce)


CoachPayload = CoachWijken | CoachList | CoachAction | CoachHideReason | CoachDraft


def _coach(args: Args) -> CoachPayload:
    if args == ("w",):
        return CoachWijken()
    if len(args) < 2:
        raise BadCallback("coach arguments")
    if args[0] == "l":
        return CoachList(number(args[1]), _back(args[2:]))
    observation_id, action, rest = number(args[0]), args[1], args[2:]
    if action == "hr":
        if not rest:
            raise BadCallback("hide reason")
        return CoachHideReason(observation_id, rest[0], _back(rest[1:]))
    if action in COACH_DRAFT_STEPS:
        _count(rest, 1)
        return CoachDraft(observation_id, action, number(rest[0]))
    try:
        verb = CoachVerb(action)
    except ValueError:
        raise BadCallback(f"unknown action {action!r}") from None
    return CoachAction(observation_id, verb, _back(rest))


# --- status notices ------------------------------------------------------------------------------

# The sender's answer under a status notice: w "Klopt niet", n "Nog steeds niet opgelost".
REOPEN_CODES = {"w": "wrong", "n": "not_solved"}
_REOPEN_CODE = {reason: code for code, reason in REOPEN_CODES.items()}


@dataclass(frozen=True)
class StatusReopen:
    """sn:<event_id>:<w|n>: the notice of that status change is not right; reopen it. Who may
    press it is checked on the server (the sender, or a supporter under their own notice)."""

    KIND: ClassVar[Kind] = Kind.STATUS_NOTICE
    event_id: int
    reason: str  # a value of REOPEN_CODES

    def args(self) -> tuple[str | int, ...]:
        return (self.event_id, _REOPEN_CODE[self.reason])

    @classmethod
    def parse(cls, args: Args) -> StatusReopen:
        _count(args, 2)
        return cls(number(args[0]), REOPEN_CODES[choice(args[1], REOPEN_CODES)])


# --- the digest ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestNow:
    KIND: ClassVar[Kind] = Kind.DIGEST
    wijk_id: int

    def args(self) -> tuple[str | int, ...]:
        return (self.wijk_id, "now")

    @classmethod
    def parse(cls, args: Args) -> DigestNow:
        _count(args, 2)
        choice(args[1], ("now",))
        return cls(number(args[0]))


@dataclass(frozen=True)
class SupplementMake:
    """Make this year's supplement of a wijk; the wijk id is a wish, checked on the server."""

    KIND: ClassVar[Kind] = Kind.SUPPLEMENT
    wijk_id: int

    def args(self) -> tuple[str | int, ...]:
        return (self.wijk_id,)

    @classmethod
    def parse(cls, args: Args) -> SupplementMake:
        _count(args, 1)
        return cls(number(args[0]))


@dataclass(frozen=True)
class FiguresView:
    """fg:<wijk_id>:r (the residents' figures) or fg:<wijk_id>:c (all, with trend, coaches)."""

    KIND: ClassVar[Kind] = Kind.FIGURES
    wijk_id: int
    coach: bool = False

    def args(self) -> tuple[str | int, ...]:
        return (self.wijk_id, "c" if self.coach else "r")

    @classmethod
    def parse(cls, args: Args) -> FiguresView:
        _count(args, 2)
        return cls(number(args[0]), _flag(args[1], "c", "r"))


SETTINGS_MENUS = ("day", "time", "freq")
FREQUENCY_CODES = {"w": "weekly", "b": "biweekly", "o": "off"}
_FREQUENCY_CODE = {name: code for code, name in FREQUENCY_CODES.items()}


@dataclass(frozen=True)
class DigestSettingsMenu:
    """ds:show:0 (the settings) or ds:menu:<day|time|freq> (the choices for one of them)."""

    KIND: ClassVar[Kind] = Kind.DIGEST_SETTINGS
    menu: str | None = None

    def args(self) -> tuple[str | int, ...]:
        return ("show", 0) if self.menu is None else ("menu", self.menu)


@dataclass(frozen=True)
class DigestSetDay:
    KIND: ClassVar[Kind] = Kind.DIGEST_SETTINGS
    weekday: int  # 0 = Monday

    def args(self) -> tuple[str | int, ...]:
        return ("day", self.weekday)


@dataclass(frozen=True)
class DigestSetTime:
    KIND: ClassVar[Kind] = Kind.DIGEST_SETTINGS
    time: str  # "HH:MM"; whether it is one of the offered times is the handler's to check

    def args(self) -> tuple[str | int, ...]:
        return ("time", self.time.replace(":", ""))


@dataclass(frozen=True)
class DigestSetFrequency:
    KIND: ClassVar[Kind] = Kind.DIGEST_SETTINGS
    frequency: str  # a value of FREQUENCY_CODES

    def args(self) -> tuple[str | int, ...]:
        return ("freq", _FREQUENCY_CODE[self.frequency])


@dataclass(frozen=True)
class DigestSetSkip:
    KIND: ClassVar[Kind] = Kind.DIGEST_SETTINGS
    skip_quiet: bool

    def args(self) -> tuple[str | int, ...]:
        return ("skip", int(self.skip_quiet))


DigestSettingsPayload = (
    DigestSettingsMenu | DigestSetDay | DigestSetTime | DigestSetFrequency | DigestSetSkip
)


def _digest_settings(args: Args) -> DigestSettingsPayload:
    _count(args, 2)
    field, value = args
    if field == "show":
        return DigestSettingsMenu()
    if field == "menu":
        return DigestSettingsMenu(choice(value, SETTINGS_MENUS))
    if field == "day":
        return DigestSetDay(number(value, high=6))
    if field == "time":
        if not re.fullmatch(r"[0-9]{4}", value):
            raise BadCallback("time")
        return DigestSetTime(f"{value[:2]}:{value[2:]}")
    if field == "freq":
        return DigestSetFrequency(FREQUENCY_CODES[choice(value, FREQUENCY_CODES)])
    if field == "skip":
        return DigestSetSkip(_flag(value, "1", "0"))
    raise BadCallback(f"unknown setting {field!r}")


# --- polls ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollWizardStep:
    """pw:<nonce>:<step>:<value>; the wizard's flow table says what the value may be."""

    KIND: ClassVar[Kind] = Kind.POLL_WIZARD
    nonce: int
    step: str
    value: str = "0"  # a number, an id or a code, by step

    def args(self) -> tuple[str | int, ...]:
        return (self.nonce, self.step, self.value)

    @classmethod
    def parse(cls, args: Args) -> PollWizardStep:
        _count(args, 3)
        return cls(number(args[0]), args[1], args[2])


# The poll, "change my vote", the results, and "Naar het menu" under the poll (it leaves it).
POLL_VIEWS = ("show", "chg", "res", "menu")


@dataclass(frozen=True)
class PollView:
    KIND: ClassVar[Kind] = Kind.POLL_VOTE
    poll_id: int
    view: str  # one of POLL_VIEWS

    def args(self) -> tuple[str | int, ...]:
        return (self.poll_id, self.view)


def _mode(change: bool) -> str:
    return "c" if change else "n"  # a changed vote, or a first one


@dataclass(frozen=True)
class PollPick:
    """A single-choice vote: pl:<poll_id>:o:<option_id>:<mode>."""

    KIND: ClassVar[Kind] = Kind.POLL_VOTE
    poll_id: int
    option_id: int
    change: bool

    def args(self) -> tuple[str | int, ...]:
        return (self.poll_id, "o", self.option_id, _mode(self.change))


@dataclass(frozen=True)
class PollToggle:
    """Multiple choice: pl:<poll_id>:t:<mask>:<mode> toggles, :s: submits. Bit n = position n."""

    KIND: ClassVar[Kind] = Kind.POLL_VOTE
    poll_id: int
    mask: int
    change: bool
    submit: bool = False

    def args(self) -> tuple[str | int, ...]:
        return (self.poll_id, "s" if self.submit else "t", self.mask, _mode(self.change))


@dataclass(frozen=True)
class PollRank:
    """Ranking: pl:<poll_id>:r:<order>:<mode> so far, :R: submits. The order is "x" and one
    hexadecimal digit per option position (at most 16 options)."""

    KIND: ClassVar[Kind] = Kind.POLL_VOTE
    poll_id: int
    order: tuple[int, ...]
    change: bool
    submit: bool = False

    def args(self) -> tuple[str | int, ...]:
        raw = "x" + "".join(format(p, "x") for p in self.order)
        return (self.poll_id, "R" if self.submit else "r", raw, _mode(self.change))


PollVotePayload = PollView | PollPick | PollToggle | PollRank


def _order(raw: str) -> tuple[int, ...]:
    if not re.fullmatch(r"x[0-9a-f]{0,16}", raw):
        raise BadCallback("order")
    return tuple(int(c, 16) for c in raw[1:])


def _poll_vote(args: Args) -> PollVotePayload:
    if len(args) == 2:
        return PollView(number(args[0]), choice(args[1], POLL_VIEWS))
    _count(args, 4)
    poll_id, verb, value, mode = number(args[0]), args[1], args[2], args[3]
    change = _flag(mode, "c", "n")
    if verb == "o":
        return PollPick(poll_id, number(value), change)
    if verb in ("t", "s"):
        return PollToggle(poll_id, number(value), change, submit=verb == "s")
    if verb in ("r", "R"):
        return PollRank(poll_id, _order(value), change, submit=verb == "R")
    raise BadCallback(f"verb {verb!r}")


POLL_MANAGE_ACTIONS = ("m", "cl", "clY", "cx", "cxY")  # menu, close (ask, yes), cancel (ask, yes)


@dataclass(frozen=True)
class PollManage:
    KIND: ClassVar[Kind] = Kind.POLL_MANAGE
    poll_id: int
    action: str  # one of POLL_MANAGE_ACTIONS

    def args(self) -> tuple[str | int, ...]:
        return (self.poll_id, self.action)


@dataclass(frozen=True)
class GroupLinkPick:
    """pm:lk:<wijk_id>, pressed in a group: link this group to that wijk."""

    KIND: ClassVar[Kind] = Kind.POLL_MANAGE
    wijk_id: int

    def args(self) -> tuple[str | int, ...]:
        return ("lk", self.wijk_id)


def _poll_manage(args: Args) -> PollManage | GroupLinkPick:
    _count(args, 2)
    if args[0] == "lk":
        return GroupLinkPick(number(args[1]))
    return PollManage(number(args[0]), choice(args[1], POLL_MANAGE_ACTIONS))


# --- what the spiegel does not know yet ----------------------------------------------------------

# "Over jou": each answer is stored when pressed (the same press twice stores the same), so it
# needs no draft (the `about_you` flow only marks the question on screen). Fields: a (age
# group), h (household), y (years in the wijk), each with its answers' codes or "-" (skip);
# x: go (start), no (vraag het niet meer), del (wis), me (show).
ABOUT_YOU_VALUES: dict[str, tuple[str, ...]] = {
    "a": ("u25", "25_44", "45_64", "65plus", "-"),
    "h": ("alone", "together", "with_children", "-"),
    "y": ("lt2", "2_10", "gt10", "-"),
    "x": ("go", "no", "del", "me", "later"),
}


@dataclass(frozen=True)
class AboutYou:
    KIND: ClassVar[Kind] = Kind.ABOUT_YOU
    field: str  # a key of ABOUT_YOU_VALUES
    value: str

    def args(self) -> tuple[str | int, ...]:
        return (self.field, self.value)

    @classmethod
    def parse(cls, args: Args) -> AboutYou:
        _count(args, 2)
        field = choice(args[0], ABOUT_YOU_VALUES)
        return cls(field, choice(args[1], ABOUT_YOU_VALUES[field]))


_PERIOD_KEY = re.compile(r"[0-9]{4}(-Q[1-4])?")


@dataclass(frozen=True)
class BlindSpotsView:
    """bs:<wijk_id>:<period>: the coach's "Wat weten we nog niet?" for a wijk and a quarter
    ("2026-Q4") or a year ("2026"). The wijk is only a wish: the handler checks the coach."""

    KIND: ClassVar[Kind] = Kind.BLIND_SPOTS
    wijk_id: int
    period: str

    def args(self) -> tuple[str | int, ...]:
        return (self.wijk_id, self.period)

    @classmethod
    def parse(cls, args: Args) -> BlindSpotsView:
        _count(args, 2)
        if not _PERIOD_KEY.fullmatch(args[1]):
            raise BadCallback(f"not a period: {args[1]!r}")
        return cls(number(args[0]), args[1])


# --- changing the spiegel (coaches) --------------------------------------------------------------

# a: add (edition id; asks the category), w: reword (statement id), r: retire (statement id),
# n: new edition (edition id; asks to confirm: NewEdition), gl: this period's groups of
# observations (edition id), g: "Maak hier een zin van" (a group's representative observation).
SPIEGEL_EDIT_ACTIONS = ("a", "w", "r", "n", "gl", "g")
NEW_EDITION = "ny"


@dataclass(frozen=True)
class SpiegelEdit:
    """A coach's button to change the spiegel: `target` is an edition's or a statement's id."""

    KIND: ClassVar[Kind] = Kind.SPIEGEL_EDIT
    target: int
    action: str

    def args(self) -> tuple[str | int, ...]:
        return (self.target, self.action)


@dataclass(frozen=True)
class SpiegelEditKind:
    """The category of the statement a coach adds."""

    KIND: ClassVar[Kind] = Kind.SPIEGEL_EDIT
    edition_id: int
    category: ItemKind

    def args(self) -> tuple[str | int, ...]:
        return (self.edition_id, "k", _CATEGORY_CODE[self.category])


@dataclass(frozen=True)
class NewEdition:
    """ "Ja, begin <year>": next year's edition from `edition_id`, a step of the spiegel_edition
    flow run `nonce` (its key says which press made the edition). Nonce 0: a button made before
    the press carried one (se:<edition_id>:ny), no run's."""

    KIND: ClassVar[Kind] = Kind.SPIEGEL_EDIT
    edition_id: int
    nonce: int

    @property
    def step(self) -> str:
        return NEW_EDITION

    def args(self) -> tuple[str | int, ...]:
        return (self.edition_id, NEW_EDITION, self.nonce)


def _spiegel_edit(args: Args) -> SpiegelEdit | SpiegelEditKind | NewEdition:
    if len(args) == 3 and args[1] == "k":
        category = CATEGORY_CODES[choice(args[2], CATEGORY_CODES)]
        return SpiegelEditKind(number(args[0]), category)
    if len(args) in (2, 3) and args[1] == NEW_EDITION:
        return NewEdition(number(args[0]), number(args[2]) if len(args) == 3 else 0)
    _count(args, 2)
    return SpiegelEdit(number(args[0]), choice(args[1], SPIEGEL_EDIT_ACTIONS))


# --- "Nieuws uit je wijk" ------------------------------------------------------------------------


@dataclass(frozen=True)
class WijkNewsChoice:
    """A resident's yes or no to "Nieuws uit je wijk"; `where`: o the spiegel overview, m the
    menu's settings message (what is shown again after the choice)."""

    KIND: ClassVar[Kind] = Kind.WIJK_NEWS
    yes: bool
    where: str

    def args(self) -> tuple[str | int, ...]:
        return ("y" if self.yes else "n", self.where)

    @classmethod
    def parse(cls, args: Args) -> WijkNewsChoice:
        _count(args, 2)
        return cls(choice(args[0], ("y", "n")) == "y", choice(args[1], ("o", "m")))


# --- encoding and decoding -----------------------------------------------------------------------

_DECODE: dict[Kind, Callable[[Args], Payload]] = {
    Kind.CONSENT: Consent.parse,
    Kind.INVITE: InviteAnswer.parse,
    Kind.LANGUAGE: Language.parse,
    Kind.WIJK: WijkStep.parse,
    Kind.MENU: MenuItem.parse,
    Kind.CANCEL: Cancel.parse,
    Kind.FILE_TEXT: FileText.parse,
    Kind.SPIEGEL: _spiegel,
    Kind.REACT: _react,
    Kind.RECOGNISED: SpiegelRecognised.parse,
    Kind.SPIEGEL_EDIT: _spiegel_edit,
    Kind.WIJK_NEWS: WijkNewsChoice.parse,
    Kind.OBSERVATION: ObservationStep.parse,
    Kind.MY_OBSERVATIONS: _mine,
    Kind.PRIVACY: PrivacyStep.parse,
    Kind.FIGURES: FiguresView.parse,
    Kind.STATUS_NOTICE: StatusReopen.parse,
    Kind.COACH: _coach,
    Kind.DIGEST: DigestNow.parse,
    Kind.DIGEST_SETTINGS: _digest_settings,
    Kind.SUPPLEMENT: SupplementMake.parse,
    Kind.POLL_WIZARD: PollWizardStep.parse,
    Kind.POLL_VOTE: _poll_vote,
    Kind.POLL_MANAGE: _poll_manage,
    Kind.ABOUT_YOU: AboutYou.parse,
    Kind.BLIND_SPOTS: BlindSpotsView.parse,
}


def encode(payload: Payload) -> str:
    parts = [str(a) for a in payload.args()]
    for part in parts:
        if not _ARG.fullmatch(part):
            raise ValueError(f"callback argument {part!r} is not a short id")
    data = ":".join([payload.KIND.value, *parts])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Payload:
    if not data or len(data.encode()) > MAX_BYTES:
        raise BadCallback("empty or too long")
    kind = kind_of(data)
    if kind is None:
        raise BadCallback("unknown kind")
    _, *args = data.split(":")
    if any(not _ARG.fullmatch(a) for a in args):
        raise BadCallback("malformed argument")
    return _DECODE[kind](tuple(args))


def decode_as(data: str | None, expected: type[P]) -> P:
    """The payload, which must be an `expected` (the one kind of button a handler takes)."""
    payload = decode(data)
    if not isinstance(payload, expected):
        raise BadCallback(f"{type(payload).__name__} where {expected.__name__} was expected")
    return payload


def button(text: str, payload: Payload) -> InlineKeyboardButton:
    """An inline button whose data is built here, like every other callback."""
    return InlineKeyboardButton(text, callback_data=encode(payload))


def kind_of(data: str | None) -> Kind | None:
    """Which kind of button this is (None: no kind we know): what the one CallbackQueryHandler
    dispatches on (handlers/router.py `pressed`); the rest is read by the handler itself."""
    if not data:
        return None
    try:
        return Kind(data.split(":", 1)[0])
    except ValueError:
        return None
