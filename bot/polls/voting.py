"""Polls as a service: create, who may answer, vote, close, and delivery bookkeeping.

No Telegram here. Every check that protects a vote happens in `cast_vote`, so a forwarded button,
crafted callback data and a PollAnswer from a stranger all meet the same rules.

Who counts: a poll of a wijk is for the people the poll was meant for in that wijk (its audience:
residents, BIG members, ...), and a vote counts only while its voter belongs to that audience.
Someone who moves to another wijk (/wijk), or loses the role a poll was for (`wijkbot revoke`),
has their votes in that wijk's *open* polls withdrawn at that moment
(`withdraw_votes_outside_audience`, in the same transaction as the move); the bot tells them in
one sentence. Votes in closed polls stay: a published result does not change afterwards. Moving
back does not bring a vote back; while the poll is open they may vote again. So switching wijk
back and forth never gives one person a vote in every wijk's polls. Erasing one's data
(bot/privacy/personal_data.py) withdraws their votes in every open poll, also when the rest of
what they sent is kept. The results go to the members who may still see them when the poll
closes (`reached_recipients`): not to one who left the audience meanwhile.

Where: a poll that lives in the group (Telegram's own poll, `voted_in_group`) is voted on there
only. The bot cannot change an answer shown in a Telegram poll, so a second vote in the private
chat would make the results differ from what the group sees; `cast_vote` refuses it. Everyone
in the group can answer that poll, so the group's result says how many answers it did not count
and why (`answer_in_group` keeps why for those known to the bot, `uncounted_in_group` counts
them; bot/polls/delivery.py adds those Telegram counted but the bot does not know).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.clock import as_utc
from bot.core.text import clean_input, has_words, utf16_cut, utf16_len
from bot.people.permissions import Action, Actor
from bot.polls import groups
from bot.polls.tally import AUDIENCE_ROLES
from models import (
    DeliveryStatus,
    Edition,
    ItemKind,
    Membership,
    Person,
    Poll,
    PollAudience,
    PollDelivery,
    PollKind,
    PollOption,
    PollStatus,
    PollVoteMessage,
    Role,
    SpiegelItem,
    UncountedReason,
    UncountedVote,
    Vote,
)

MAX_QUESTION = 300
MAX_OPTION = 100
MIN_OPTIONS = 2
MAX_OPTIONS = 12
CLOSING_PRESETS_DAYS = (3, 7, 14)
MIN_OPEN = timedelta(minutes=10)
MAX_OPEN = timedelta(days=366)
# How long a sender of results holds them without progress before another may take over: far
# longer than one send with Telegram's waits, short enough that a restart is not noticed.
RESULTS_LEASE = timedelta(minutes=5)


class PollError(Exception):
    """A refusal; `key` is the catalogue key the person reads, `values` its placeholders."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


# --- drafting and creating ---------------------------------------------------------------------


def clean_question(text: str) -> str:
    question = " ".join(clean_input(text, multiline=False).split())
    if not question:
        raise PollError("polls.err_question_empty")
    if not has_words(question):
        raise PollError("polls.err_question_no_words")
    # Telegram's poll limits, counted as it may count them (an emoji is two: bot.core.text).
    if utf16_len(question) > MAX_QUESTION:
        raise PollError("polls.err_question_long", length=utf16_len(question), limit=MAX_QUESTION)
    return question


def clean_option(text: str, existing: Sequence[str]) -> str:
    option = " ".join(clean_input(text, multiline=False).split())
    if not option:
        raise PollError("polls.err_option_empty")
    if not has_words(option):
        # A 👍 button whose meaning nobody said: an emoji never carries meaning alone.
        raise PollError("polls.err_option_no_words")
    if len(existing) >= MAX_OPTIONS:
        raise PollError("polls.err_too_many_options", limit=MAX_OPTIONS)
    if utf16_len(option) > MAX_OPTION:
        raise PollError("polls.err_option_long", length=utf16_len(option), limit=MAX_OPTION)
    if option.casefold() in {o.casefold() for o in existing}:
        raise PollError("polls.err_option_twice")
    return option


def shorten(text: str, limit: int = MAX_OPTION) -> str:
    """A spiegel statement as a poll option: whole words, an ellipsis when cut."""
    text = " ".join(text.split())
    if utf16_len(text) <= limit:
        return text
    cut = utf16_cut(text, limit - 1).rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


# A typed closing time: a date, then a time. The date is day-month in numbers (28-11, 28/11,
# 28.11, with a year or not), or with the month's name in Dutch or English, day first or not
# (28 nov, 28 November 2026, Nov 28, 28th Nov); the time 20:00 or 20.00, or with am/pm (8pm,
# 8:30 pm). "om" or "at" may stand between them.
_TIME = r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>[ap]\.?m\.?)?"
_AT = r"\s*,?\s+(?:om\s+|at\s+)?"
_ORDINAL = r"(?:st|nd|rd|th|e)?"
_TYPED_DATES = tuple(
    re.compile(rf"^\s*{date}{_AT}{_TIME}\s*$", re.IGNORECASE)
    for date in (
        r"(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})(?:[-/.](?P<year>\d{2}|\d{4}))?",
        rf"(?P<day>\d{{1,2}}){_ORDINAL}\s+(?P<name>[a-z]+)\.?(?:\s+(?P<year>\d{{4}}))?",
        rf"(?P<name>[a-z]+)\.?\s+(?P<day>\d{{1,2}}){_ORDINAL}(?:,?\s+(?P<year>\d{{4}}))?",
    )
)
_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            "jan januari january",
            "feb februari february",
            "mrt mar maart march",
            "apr april",
            "mei may",
            "jun juni june",
            "jul juli july",
            "aug augustus august",
            "sep sept september",
            "okt oct oktober october",
            "nov november",
            "dec december",
        ),
        start=1,
    )
    for name in names.split()
}


def _typed_moment(text: str) -> tuple[int, int, int | None, int, int] | None:
    """Day, month, year (None: not typed), hour and minute of a typed closing time."""
    for pattern in _TYPED_DATES:
        match = pattern.match(text)
        if match is None:
            continue
        parts = match.groupdict()
        if parts.get("name") is not None:
            month = _MONTH_NAMES.get(parts["name"].lower())
        else:
            month = int(parts["month"])
        hour, minute, half = int(parts["hour"]), parts["minute"], parts["half"]
        if month is None or (minute is None and half is None):
            return None  # not a month, or "20" alone: a number that may be anything
        if half is not None:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if half.lower().startswith("p") else 0)
        year = int(parts["year"]) if parts["year"] else None
        if year is not None and year < 100:
            year += 2000
        return int(parts["day"]), month, year, hour, int(minute or 0)
    return None


def parse_closing(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A typed closing time (`_TYPED_DATES`: '28-11 20:00', '28/11/2026 8pm', '28 Nov 20:00')
    in the municipality's time zone, as UTC. Day before month, as in the Netherlands.

    On the DST nights (zoneinfo's reading, fold=0): a time the spring night skips (02:30) is read
    as winter time, which the clocks show as 03:30; a time the autumn night has twice is the
    first one (summer time). The creator sees the moment in the preview before sending."""
    typed = _typed_moment(text)
    if typed is None:
        raise PollError("polls.err_date_format")
    day, month, typed_year, hour, minute = typed
    local_now = now.astimezone(tz)
    year = typed_year or local_now.year

    def in_year(number: int) -> datetime | None:
        try:
            return datetime(number, month, day, hour, minute, tzinfo=tz)
        except ValueError:
            return None

    local = in_year(year)
    if typed_year is None and (local is None or local < local_now):
        # "28-11" typed in December means next year's 28 November; "29-02" typed in a year
        # without a 29 February, next year's too.
        local = in_year(year + 1)
    if local is None:
        raise PollError("polls.err_date_format")
    return check_closing(local.astimezone(UTC), now)


def check_closing(closes_at: datetime, now: datetime) -> datetime:
    if closes_at < now + MIN_OPEN:
        raise PollError("polls.err_date_past")
    if closes_at > now + MAX_OPEN:
        raise PollError("polls.err_date_far")
    return closes_at


@dataclass
class PollDraft:
    wijk_id: int
    question: str
    options: list[str]
    kind: str
    audience: str
    closes_at: datetime
    hide_results: bool = False
    extra: dict[str, object] = field(default_factory=dict)


def voted_in_group(poll: Poll) -> bool:
    """The poll is Telegram's own poll in the BIG's group, and is voted on there only. A ranking
    poll for the group is not: Telegram's polls cannot rank, so it is voted on in private chats."""
    return poll.audience == PollAudience.GROUP.value and poll.kind != PollKind.RANKING.value


def validate_draft(session: Session, actor: Actor, draft: PollDraft, now: datetime) -> None:
    """Everything the wizard checked, again on the server, right before storing."""
    actor.require(Action.CREATE_POLL, draft.wijk_id)
    clean_question(draft.question)
    if not MIN_OPTIONS <= len(draft.options) <= MAX_OPTIONS:
        raise PollError("polls.err_option_count", low=MIN_OPTIONS, high=MAX_OPTIONS)
    seen: list[str] = []
    for option in draft.options:
        seen.append(clean_option(option, seen))
    if draft.kind not in {k.value for k in PollKind}:
        raise PollError("polls.err_incomplete")
    if draft.audience not in {a.value for a in PollAudience}:
        raise PollError("polls.err_incomplete")
    group = draft.audience == PollAudience.GROUP.value
    if group and groups.group_link_for(session, draft.wijk_id) is None:
        raise PollError("polls.err_no_group")
    check_closing(draft.closes_at, now)


def create_poll(
    session: Session,
    actor: Actor,
    draft: PollDraft,
    now: datetime,
    *,
    request_key: str | None = None,
) -> Poll:
    """Store the poll, its options and (private audiences) one pending delivery per person.

    `request_key`: the wizard run's (bot.telegram.flows.request_key). When this creator stored a
    poll under it already - Versturen delivered again after a crash - that poll is returned."""
    validate_draft(session, actor, draft, now)
    try:
        return _insert_poll(session, actor, draft, now, request_key)
    except IntegrityError:
        session.rollback()
        stored = poll_by_request_key(session, actor.id, request_key) if request_key else None
        if stored is None:
            raise
        return stored


def poll_by_request_key(session: Session, creator_id: int, request_key: str) -> Poll | None:
    return session.exec(
        select(Poll).where(Poll.creator_id == creator_id, Poll.request_key == request_key)
    ).first()


def _insert_poll(
    session: Session, actor: Actor, draft: PollDraft, now: datetime, request_key: str | None
) -> Poll:
    link = (
        groups.group_link_for(session, draft.wijk_id)
        if draft.audience == PollAudience.GROUP
        else None
    )
    poll = Poll(
        wijk_id=draft.wijk_id,
        creator_id=actor.id,
        question=clean_question(draft.question),
        kind=draft.kind,
        audience=draft.audience,
        hide_results=draft.hide_results,
        status=PollStatus.OPEN.value,
        opens_at=now,
        closes_at=draft.closes_at,
        created_at=now,
        group_chat_id=link.chat_id if link else None,
        request_key=request_key,
    )
    session.add(poll)
    session.flush()
    assert poll.id is not None
    for position, text in enumerate(draft.options):
        session.add(PollOption(poll_id=poll.id, position=position, text=text))
    if draft.audience != PollAudience.GROUP.value:
        # The creator follows the broadcast in the progress message and votes from there.
        for person_id in audience_person_ids(session, poll):
            if person_id != actor.id:
                session.add(PollDelivery(poll_id=poll.id, person_id=person_id))
    session.commit()
    session.refresh(poll)
    return poll


def delete_unsent_poll(session: Session, poll_id: int) -> None:
    """A group poll that could not be posted is taken back, so the draft can be sent again."""
    session.exec(delete(PollOption).where(col(PollOption.poll_id) == poll_id))
    session.exec(delete(Poll).where(col(Poll.id) == poll_id))
    session.commit()


def set_group_message(
    session: Session, poll_id: int, message_id: int, telegram_poll_id: str | None
) -> None:
    poll = session.get(Poll, poll_id)
    assert poll is not None
    poll.group_message_id = message_id
    poll.telegram_poll_id = telegram_poll_id
    session.add(poll)
    session.commit()


# --- audience ----------------------------------------------------------------------------------


def audience_person_ids(session: Session, poll: Poll) -> list[int]:
    roles = AUDIENCE_ROLES.get(poll.audience, ())
    rows = session.exec(
        select(Membership.person_id)
        .where(Membership.wijk_id == poll.wijk_id, col(Membership.role).in_(roles))
        .distinct()
        .order_by(col(Membership.person_id))
    ).all()
    return list(rows)


def others_in_audience(session: Session, wijk_id: int, audience: str, person_id: int) -> int:
    """How many people but `person_id` (the creator) a private-chat poll of the wijk for this
    audience would go to now (`_insert_poll` sends it to them)."""
    roles = AUDIENCE_ROLES.get(audience, ())
    count = session.exec(
        select(func.count(func.distinct(Membership.person_id))).where(
            Membership.wijk_id == wijk_id,
            col(Membership.role).in_(roles),
            Membership.person_id != person_id,
        )
    ).one()
    return int(count)


def in_audience_of(session: Session, wijk_id: int, audience: str, person_id: int) -> bool:
    """Whether `person_id` may vote in a poll of the wijk for this audience."""
    roles = AUDIENCE_ROLES.get(audience, ())
    found = session.exec(
        select(Membership.id).where(
            Membership.person_id == person_id,
            Membership.wijk_id == wijk_id,
            col(Membership.role).in_(roles),
        )
    ).first()
    return found is not None


def in_audience(session: Session, poll: Poll, person_id: int) -> bool:
    return in_audience_of(session, poll.wijk_id, poll.audience, person_id)


def withdraw_votes_outside_audience(session: Session, person_id: int) -> dict[int, int]:
    """Delete this person's votes in open polls whose audience they no longer belong to (after a
    move or a revoked role; see the module's docstring). Does not commit: the caller's change of
    membership and this are one transaction. Returns the number of polls per wijk id."""
    session.flush()  # the membership change must be visible to in_audience
    polls = session.exec(
        select(Poll)
        .join(Vote, col(Vote.poll_id) == col(Poll.id))
        .where(Vote.person_id == person_id, Poll.status == PollStatus.OPEN.value)
        .distinct()
    ).all()
    withdrawn: dict[int, int] = {}
    for poll in polls:
        if in_audience(session, poll, person_id):
            continue
        session.exec(
            delete(Vote).where(col(Vote.poll_id) == poll.id, col(Vote.person_id) == person_id)
        )
        if voted_in_group(poll):  # their answer stays in the group's Telegram poll
            _mark_uncounted(session, poll, person_id)
        withdrawn[poll.wijk_id] = withdrawn.get(poll.wijk_id, 0) + 1
    return withdrawn


def may_see(session: Session, actor: Actor, poll: Poll) -> bool:
    """The poll and its results (interim or final) are for the people it was meant for and those
    who manage it; a role elsewhere in the wijk is not enough (a resident does not read a BIG
    poll). Every way in (the list, a button, a forged `pl:<id>:res`, a deep link) asks this."""
    return can_manage(actor, poll) or in_audience(session, poll, actor.id)


def can_manage(actor: Actor, poll: Poll) -> bool:
    """The creator, or a coach (or administrator) of the poll's wijk, may close or cancel it."""
    if poll.creator_id is not None and poll.creator_id == actor.id:
        return True
    return bool(actor.roles_in(poll.wijk_id) & {Role.COACH, Role.ADMIN})


# --- voting ------------------------------------------------------------------------------------


class VoteOutcome(StrEnum):
    RECORDED = "recorded"
    CHANGED = "changed"
    RETRACTED = "retracted"


def options_of(session: Session, poll_id: int) -> list[PollOption]:
    return list(
        session.exec(
            select(PollOption)
            .where(PollOption.poll_id == poll_id)
            .order_by(col(PollOption.position))
        ).all()
    )


def is_open(poll: Poll, now: datetime) -> bool:
    return poll.status == PollStatus.OPEN.value and now < as_utc(poll.closes_at)


def current_vote(session: Session, poll_id: int, person_id: int) -> list[int]:
    """The person's chosen option ids (in rank order for a ranking poll). Only for themselves."""
    votes = session.exec(
        select(Vote)
        .where(Vote.poll_id == poll_id, Vote.person_id == person_id)
        .order_by(col(Vote.rank), col(Vote.option_id))
    ).all()
    return [v.option_id for v in votes]


def votes_cast(session: Session, *where: ColumnElement[bool]) -> int:
    """How many votes the Vote rows matching `where` make: one per person and poll, however
    many options it chose or put in order (each option is a row). The votes kept without a
    name (person_id NULL, after an erasure) count as one per poll."""
    ballots = select(Vote.poll_id, Vote.person_id).where(*where).distinct().subquery()
    return int(session.exec(select(func.count()).select_from(ballots)).one())


def check_may_vote(
    session: Session, actor: Actor, poll: Poll, now: datetime, *, from_group: bool = False
) -> None:
    """Whether this person may vote in `poll` now, else PollError saying why: not cancelled, open,
    here (a poll that `voted_in_group` takes its ballots from the group only) and theirs to vote
    in. The private chat asks it before it shows the vote buttons, `cast_vote` again when the
    ballot comes."""
    if poll.status == PollStatus.CANCELLED.value:
        raise PollError("polls.err_cancelled")
    if not is_open(poll, now):
        raise PollError("polls.err_closed")
    if voted_in_group(poll) and not from_group:
        raise PollError("polls.err_vote_in_group")
    if not may_vote(session, actor, poll):
        raise PollError("polls.err_not_audience")


def may_vote(session: Session, actor: Actor, poll: Poll) -> bool:
    """Whether this person is one the poll is for: allowed to vote in its wijk and in its
    audience. `check_may_vote` asks it of a ballot; it decides who is offered "Zelf stemmen"."""
    return actor.can(Action.VOTE, poll.wijk_id) and in_audience(session, poll, actor.id)


def cast_vote(
    session: Session,
    actor: Actor,
    poll_id: int,
    option_ids: Sequence[int],
    now: datetime,
    *,
    change: bool,
    from_group: bool = False,
) -> VoteOutcome:
    """Record (change=False) or replace (change=True) this person's ballot; refuse otherwise.

    An empty ballot with change=True retracts the vote (a native poll's "retract vote").
    `from_group`: the ballot is an answer in the group's Telegram poll, the only place a poll
    that `voted_in_group` takes one.
    """
    poll = session.get(Poll, poll_id)
    if poll is None:
        raise PollError("polls.err_no_poll")
    check_may_vote(session, actor, poll, now, from_group=from_group)
    valid = {o.id for o in options_of(session, poll_id)}
    chosen = list(option_ids)
    if any(o not in valid for o in chosen) or len(set(chosen)) != len(chosen):
        raise PollError("polls.err_bad_option")
    if poll.kind == PollKind.SINGLE.value and len(chosen) > 1:
        raise PollError("polls.err_bad_option")
    previous = current_vote(session, poll_id, actor.id)
    if previous and previous == chosen and not change:
        # This very ballot is stored: the press that cast it, delivered again (or pressed twice).
        return VoteOutcome.RECORDED
    if not chosen:
        if not change:
            raise PollError("polls.err_bad_option")
        if not previous:
            return VoteOutcome.RETRACTED
    if previous and not change:
        raise PollError("polls.err_already_voted")
    session.exec(delete(Vote).where(col(Vote.poll_id) == poll_id, col(Vote.person_id) == actor.id))
    ranking = poll.kind == PollKind.RANKING.value
    for index, option_id in enumerate(chosen, start=1):
        session.add(
            Vote(
                poll_id=poll_id,
                option_id=option_id,
                person_id=actor.id,
                rank=index if ranking else None,
                created_at=now,
            )
        )
    session.commit()
    if not chosen:
        return VoteOutcome.RETRACTED
    return VoteOutcome.CHANGED if previous else VoteOutcome.RECORDED


def answer_in_group(
    session: Session, actor: Actor, poll_id: int, positions: Sequence[int], now: datetime
) -> VoteOutcome:
    """An answer in the group's Telegram poll (`positions`; none: taken back), which replaces the
    previous one. When it counts (`cast_vote`), so be it; when this person may not vote in the
    poll, why is kept for the group's result (`UncountedVote`, gone when they take the answer
    back), and the PollError is raised as `cast_vote` raises it. An answer after the closing
    time (Telegram's poll is stopped only after it) is kept as late, unless an earlier one of
    theirs counts (Telegram counts each person once) or they may not vote in it at all (then
    that is why). Once the result has gone out, nothing is kept: no result will say it."""
    option_ids = option_ids_at(session, poll_id, positions)
    try:
        outcome = cast_vote(session, actor, poll_id, option_ids, now, change=True, from_group=True)
    except PollError as err:
        poll = session.get(Poll, poll_id)
        if poll is None or poll.results_sent_at is not None:
            raise  # an answer delivered again after the result, say
        late = err.key == "polls.err_closed"
        if late and current_vote(session, poll_id, actor.id):
            raise  # their answer in time counts; Telegram counts them once
        if err.key in ("polls.err_not_audience", "polls.err_closed"):
            if positions:
                # Late only for someone it would have counted for: else why they may not vote.
                late = (
                    late
                    and actor.can(Action.VOTE, poll.wijk_id)
                    and in_audience(session, poll, actor.id)
                )
                _mark_uncounted(session, poll, actor.id, UncountedReason.LATE if late else None)
            else:
                _forget_uncounted(session, poll_id, actor.id)
            try:
                session.commit()
            except IntegrityError:  # the same answer, delivered twice at once: kept by the other
                session.rollback()
        raise
    _forget_uncounted(session, poll_id, actor.id)
    session.commit()
    return outcome


def uncounted_reason(session: Session, poll: Poll, person_id: int) -> UncountedReason:
    """Why this person's answer does not count in `poll` (they are not in its audience)."""
    wijken = set(
        session.exec(select(Membership.wijk_id).where(Membership.person_id == person_id)).all()
    )
    if poll.wijk_id in wijken:
        return UncountedReason.NOT_VOTING
    return UncountedReason.OTHER_WIJK if wijken else UncountedReason.NOT_JOINED


def _mark_uncounted(
    session: Session, poll: Poll, person_id: int, why: UncountedReason | None = None
) -> None:
    """Keep (or update) why this person's answer in the group does not count (`why`, else
    `uncounted_reason`). Does not commit."""
    assert poll.id is not None
    reason = (why or uncounted_reason(session, poll, person_id)).value
    row = session.exec(
        select(UncountedVote).where(
            UncountedVote.poll_id == poll.id, UncountedVote.person_id == person_id
        )
    ).first()
    if row is None:
        session.add(UncountedVote(poll_id=poll.id, person_id=person_id, reason=reason))
    elif row.reason != reason:
        row.reason = reason
        session.add(row)


def _forget_uncounted(session: Session, poll_id: int, person_id: int) -> None:
    session.exec(
        delete(UncountedVote).where(
            col(UncountedVote.poll_id) == poll_id, col(UncountedVote.person_id) == person_id
        )
    )


def uncounted_in_group(session: Session, poll_id: int) -> dict[UncountedReason, int]:
    """How many answers in the group's Telegram poll, by people known to the bot, do not count,
    by why. Never who."""
    rows = session.exec(
        select(UncountedVote.reason, func.count())
        .where(UncountedVote.poll_id == poll_id)
        .group_by(UncountedVote.reason)
    ).all()
    return {UncountedReason(reason): int(n) for reason, n in rows}


def option_ids_at(session: Session, poll_id: int, positions: Sequence[int]) -> list[int]:
    """Positions (what a button or a native poll carries) to this poll's option ids."""
    by_position = {o.position: o.id for o in options_of(session, poll_id)}
    ids: list[int] = []
    for position in positions:
        option_id = by_position.get(position)
        if option_id is None:
            raise PollError("polls.err_bad_option")
        ids.append(option_id)
    return ids


def poll_by_telegram_id(session: Session, telegram_poll_id: str) -> Poll | None:
    return session.exec(select(Poll).where(Poll.telegram_poll_id == telegram_poll_id)).first()


# --- closing -----------------------------------------------------------------------------------


def due_poll_ids(session: Session, now: datetime) -> list[int]:
    rows = session.exec(
        select(Poll.id)
        .where(Poll.status == PollStatus.OPEN.value, col(Poll.closes_at) <= now)
        .order_by(col(Poll.closes_at))
    ).all()
    return [r for r in rows if r is not None]


def unsent_results_ids(session: Session, now: datetime) -> list[int]:
    """Closed polls whose results have not gone to everyone and that no sender holds: closed
    just before a crash, or claimed by a sender that died (its lease ran out)."""
    rows = session.exec(
        select(Poll.id).where(
            Poll.status == PollStatus.CLOSED.value,
            col(Poll.results_sent_at).is_(None),
            _results_free(now),
        )
    ).all()
    return [r for r in rows if r is not None]


def _results_free(now: datetime) -> ColumnElement[bool]:
    return or_(col(Poll.results_until).is_(None), col(Poll.results_until) < now)


def close_poll(session: Session, poll_id: int, now: datetime) -> bool:
    """Open → closed, at most once even with two processes: the UPDATE is the lock."""
    result = session.exec(
        update(Poll)
        .where(col(Poll.id) == poll_id, col(Poll.status) == PollStatus.OPEN.value)
        .values(status=PollStatus.CLOSED.value, closed_at=now)
    )
    session.commit()
    return bool(result.rowcount)


def cancel_poll(session: Session, poll_id: int, now: datetime) -> bool:
    result = session.exec(
        update(Poll)
        .where(col(Poll.id) == poll_id, col(Poll.status) == PollStatus.OPEN.value)
        .values(status=PollStatus.CANCELLED.value, closed_at=now, results_sent_at=now)
    )
    # Nobody is still waiting for a cancelled poll.
    session.exec(
        update(PollDelivery)
        .where(
            col(PollDelivery.poll_id) == poll_id,
            col(PollDelivery.status) == DeliveryStatus.PENDING.value,
        )
        .values(status=DeliveryStatus.FAILED.value)
    )
    if result.rowcount:  # no result will say how many answers did not count: why goes now
        session.exec(delete(UncountedVote).where(col(UncountedVote.poll_id) == poll_id))
    session.commit()
    return bool(result.rowcount)


def set_group_answers(session: Session, poll_id: int, answered: int) -> None:
    """Telegram's count of who answered the group's poll, when the bot stopped it."""
    session.exec(update(Poll).where(col(Poll.id) == poll_id).values(group_answers=answered))
    session.commit()


def keep_uncounted(
    session: Session, poll_id: int, counts: dict[UncountedReason, int]
) -> dict[UncountedReason, int]:
    """Keep how many answers in the group's Telegram poll were not counted, per reason (numbers
    only, nobody named), as its result says it. The first one kept stays: two senders, or a
    sender that takes over, read the same numbers. Returns what is kept."""
    session.exec(
        update(Poll)
        .where(col(Poll.id) == poll_id, col(Poll.group_uncounted).is_(None))
        .values(
            group_uncounted=json.dumps(
                {reason.value: n for reason, n in counts.items() if n}, sort_keys=True
            )
        )
    )
    session.commit()
    poll = session.get(Poll, poll_id)
    assert poll is not None
    session.refresh(poll)
    return uncounted_kept(poll) or {}


def uncounted_kept(poll: Poll) -> dict[UncountedReason, int] | None:
    """What `keep_uncounted` kept for `poll`: None until its results go out."""
    if poll.group_uncounted is None:
        return None
    kept = json.loads(poll.group_uncounted)
    known = {reason.value: reason for reason in UncountedReason}
    return {known[k]: int(n) for k, n in kept.items() if k in known and n}


def claim_results(session: Session, poll_id: int, now: datetime) -> datetime | None:
    """The lease on sending the results, for exactly one caller (None for the others).

    It runs for RESULTS_LEASE and is renewed as the results go out (`results_progress`): a
    sender that died loses it, and the next sweep takes over where it stopped."""
    lease = now + RESULTS_LEASE
    result = session.exec(
        update(Poll)
        .where(
            col(Poll.id) == poll_id,
            col(Poll.status) == PollStatus.CLOSED.value,
            col(Poll.results_sent_at).is_(None),
            _results_free(now),
        )
        .values(results_until=lease)
    )
    session.commit()
    return lease if result.rowcount else None


def results_progress(
    session: Session,
    poll_id: int,
    lease: datetime,
    now: datetime,
    *,
    stage: int | None = None,
    delivery_id: int | None = None,
) -> datetime | None:
    """Record one target done (the group or the creator: `stage`; a member: `delivery_id`) and
    renew the lease. None when the lease is no longer ours (it ran out and another sender took
    over): stop sending, the other one goes on from here."""
    renewed = now + RESULTS_LEASE
    values: dict[str, object] = {"results_until": renewed}
    if stage is not None:
        values["results_stage"] = stage
    result = session.exec(
        update(Poll)
        .where(col(Poll.id) == poll_id, col(Poll.results_until) == lease)
        .values(**values)
    )
    if result.rowcount and delivery_id is not None:
        session.exec(
            update(PollDelivery).where(col(PollDelivery.id) == delivery_id).values(results_at=now)
        )
    session.commit()
    return renewed if result.rowcount else None


def finish_results(session: Session, poll_id: int, lease: datetime, now: datetime) -> None:
    done = session.exec(
        update(Poll)
        .where(col(Poll.id) == poll_id, col(Poll.results_until) == lease)
        .values(results_sent_at=now, results_until=None)
    )
    if done.rowcount:  # the group's result said how many did not count: why is not needed now
        session.exec(delete(UncountedVote).where(col(UncountedVote.poll_id) == poll_id))
    session.commit()


# --- delivery bookkeeping ----------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    delivery_id: int
    person_id: int
    telegram_id: int
    language: str


def pending_recipients(session: Session, poll_id: int) -> list[Recipient]:
    rows = session.exec(
        select(PollDelivery.id, Person.id, Person.telegram_id, Person.language)
        .join(Person, col(Person.id) == PollDelivery.person_id)
        .where(
            PollDelivery.poll_id == poll_id,
            PollDelivery.status == DeliveryStatus.PENDING.value,
        )
        .order_by(col(PollDelivery.id))
    ).all()
    return [Recipient(d, p, t, lang) for d, p, t, lang in rows if d is not None and p is not None]


def reached_recipients(session: Session, poll: Poll) -> list[Recipient]:
    """Members the poll reached who have not had its results yet, in the order they get them:
    those who may see it now (`may_see`: still in its audience, or a coach of its wijk). One who
    left the audience since (moved to another wijk, lost the role) gets no results."""
    roles = (*AUDIENCE_ROLES.get(poll.audience, ()), Role.COACH.value, Role.ADMIN.value)
    may_see_it = (
        select(Membership.id)
        .where(
            col(Membership.person_id) == col(Person.id),
            Membership.wijk_id == poll.wijk_id,
            col(Membership.role).in_(roles),
        )
        .exists()
    )
    rows = session.exec(
        select(PollDelivery.id, Person.id, Person.telegram_id, Person.language)
        .join(Person, col(Person.id) == PollDelivery.person_id)
        .where(
            PollDelivery.poll_id == poll.id,
            PollDelivery.status == DeliveryStatus.SENT.value,
            col(PollDelivery.results_at).is_(None),
            may_see_it,
        )
        .order_by(col(PollDelivery.id))
    ).all()
    return [Recipient(d, p, t, lang) for d, p, t, lang in rows if d is not None and p is not None]


def mark_sent(session: Session, delivery_id: int, message_id: int | None, now: datetime) -> None:
    session.exec(
        update(PollDelivery)
        .where(col(PollDelivery.id) == delivery_id)
        .values(status=DeliveryStatus.SENT.value, message_id=message_id, sent_at=now)
    )
    session.commit()


def mark_undeliverable(session: Session, delivery_id: int, now: datetime) -> None:
    """Telegram refused the poll to its member with 403 (`persons.mark_unreachable` marks them)."""
    session.exec(
        update(PollDelivery)
        .where(col(PollDelivery.id) == delivery_id)
        .values(status=DeliveryStatus.UNREACHABLE.value, sent_at=now)
    )
    session.commit()


def mark_failed(session: Session, delivery_id: int, now: datetime) -> None:
    session.exec(
        update(PollDelivery)
        .where(col(PollDelivery.id) == delivery_id)
        .values(status=DeliveryStatus.FAILED.value, sent_at=now)
    )
    session.commit()


def delivery_counts(session: Session, poll_id: int) -> dict[str, int]:
    rows = session.exec(
        select(PollDelivery.status, func.count())
        .where(PollDelivery.poll_id == poll_id)
        .group_by(PollDelivery.status)
    ).all()
    counts = {s.value: 0 for s in DeliveryStatus}
    counts.update({status: int(n) for status, n in rows})
    return counts


# --- the vote messages of a poll that ended ------------------------------------------------------


@dataclass(frozen=True)
class VoteMessage:
    """A vote message of the poll: whose, in which chat and language, and their vote (option ids,
    first choice first) to show in it. `delivery_id`: the one the broadcast sent
    (PollDelivery); else `opened_id`, one the member opened themselves (PollVoteMessage)."""

    delivery_id: int | None
    opened_id: int | None
    person_id: int
    telegram_id: int
    language: str
    message_id: int
    chosen: tuple[int, ...]


def polls_with_vote_messages_to_close(session: Session) -> list[int]:
    """Polls closed or cancelled whose vote messages have not all lost their buttons yet."""
    rows = session.exec(
        select(Poll.id).where(
            col(Poll.status).in_((PollStatus.CLOSED.value, PollStatus.CANCELLED.value)),
            col(Poll.vote_messages_closed_at).is_(None),
        )
    ).all()
    return [r for r in rows if r is not None]


def vote_messages_to_close(session: Session, poll_id: int) -> list[VoteMessage]:
    """The poll's vote messages that still carry their buttons: those the broadcast sent, as far
    as it knows them (PollDelivery.message_id: not after a send that timed out), in the order
    sent, then those members opened themselves (`vote_buttons_shown`), in the order opened."""
    sent = session.exec(
        select(PollDelivery, Person.telegram_id, Person.language)
        .join(Person, col(Person.id) == PollDelivery.person_id)
        .where(
            PollDelivery.poll_id == poll_id,
            PollDelivery.status == DeliveryStatus.SENT.value,
            col(PollDelivery.message_id).is_not(None),
            col(PollDelivery.buttons_removed_at).is_(None),
        )
        .order_by(col(PollDelivery.id))
    ).all()
    opened = session.exec(
        select(PollVoteMessage, Person.telegram_id, Person.language)
        .join(Person, col(Person.id) == PollVoteMessage.person_id)
        .where(
            PollVoteMessage.poll_id == poll_id,
            col(PollVoteMessage.buttons_removed_at).is_(None),
        )
        .order_by(col(PollVoteMessage.id))
    ).all()
    chosen: dict[int, list[int]] = {}
    if sent or opened:
        votes = session.exec(
            select(Vote.person_id, Vote.option_id)
            .where(Vote.poll_id == poll_id)
            .order_by(col(Vote.rank), col(Vote.option_id))  # as current_vote
        ).all()
        for person_id, option_id in votes:
            if person_id is not None:
                chosen.setdefault(person_id, []).append(option_id)

    def shown(
        delivery_id: int | None,
        opened_id: int | None,
        row: PollDelivery | PollVoteMessage,
        telegram_id: int,
        lang: str,
        message_id: int,
    ) -> VoteMessage:
        votes_of = tuple(chosen.get(row.person_id, ()))
        return VoteMessage(
            delivery_id, opened_id, row.person_id, telegram_id, lang, message_id, votes_of
        )

    return [
        shown(d.id, None, d, telegram_id, lang, d.message_id)
        for d, telegram_id, lang in sent
        if d.id is not None and d.message_id is not None
    ] + [
        shown(None, o.id, o, telegram_id, lang, o.message_id)
        for o, telegram_id, lang in opened
        if o.id is not None
    ]


def vote_buttons_shown(
    session: Session, poll_id: int, person_id: int, message_id: int, now: datetime
) -> bool:
    """The person's private chat shows the poll's vote buttons in `message_id`: opened from
    /stemmen, the group's "Stemmen in een eigen chat" or "Zelf stemmen", or a vote step. It is
    recorded as one of the poll's vote messages (the broadcast's own, PollDelivery, or a
    PollVoteMessage: one row per message, however often it is shown or the update comes again),
    so closing or cancelling the poll takes its buttons off (`vote_messages_to_close`).

    Returns whether the poll is still open, read after the record is committed: a close
    committed later finds this message. False: the close may have passed it by (a vote pressed
    as the poll closed): the caller shows it ended, without buttons, and `vote_buttons_removed`."""
    delivered = session.exec(
        select(PollDelivery).where(
            PollDelivery.poll_id == poll_id,
            PollDelivery.person_id == person_id,
            PollDelivery.message_id == message_id,
        )
    ).first()
    row: PollDelivery | PollVoteMessage
    if delivered is not None:
        row = delivered
    else:
        opened = session.exec(
            select(PollVoteMessage).where(
                PollVoteMessage.poll_id == poll_id,
                PollVoteMessage.person_id == person_id,
                PollVoteMessage.message_id == message_id,
            )
        ).first()
        row = opened or PollVoteMessage(
            poll_id=poll_id, person_id=person_id, message_id=message_id, shown_at=now
        )
    if row.id is None or row.buttons_removed_at is not None:
        # Shown again after "Naar het menu" made it a menu: a vote message once more.
        row.buttons_removed_at = None
        session.add(row)
        try:
            session.commit()
        except IntegrityError:  # the same message recorded at once by the update delivered again
            session.rollback()
    status = session.exec(select(Poll.status).where(col(Poll.id) == poll_id)).first()
    session.commit()
    return status == PollStatus.OPEN.value


def vote_buttons_removed(
    session: Session, poll_id: int, person_id: int, message_id: int, now: datetime
) -> None:
    """The person's message `message_id` shows no vote buttons of the poll any more: "Naar het
    menu" made it the menu, or it was shown ended (`vote_buttons_shown` said the poll closed).
    Closing the poll leaves it be (`vote_messages_to_close`)."""
    session.exec(
        update(PollDelivery)
        .where(
            col(PollDelivery.poll_id) == poll_id,
            col(PollDelivery.person_id) == person_id,
            col(PollDelivery.message_id) == message_id,
            col(PollDelivery.buttons_removed_at).is_(None),
        )
        .values(buttons_removed_at=now)
    )
    session.exec(
        update(PollVoteMessage)
        .where(
            col(PollVoteMessage.poll_id) == poll_id,
            col(PollVoteMessage.person_id) == person_id,
            col(PollVoteMessage.message_id) == message_id,
            col(PollVoteMessage.buttons_removed_at).is_(None),
        )
        .values(buttons_removed_at=now)
    )
    session.commit()


def _same_words(text: str) -> str:
    return " ".join(text.split()).casefold()


def option_typed(session: Session, person_id: int, text: str) -> int | None:
    """The open poll whose option `text` names (case and spaces aside), when that poll is the
    one whose vote buttons the person saw last and still has on screen (the newest of their vote
    messages: the broadcast's, PollDelivery, or one they opened, PollVoteMessage; not one
    "Naar het menu" took away): they typed the option instead of pressing it. Cheap: a text
    longer than any option asks nothing, else the open polls, then this person's messages of
    them (by the unique indexes' first column, poll_id)."""
    typed = _same_words(text)
    if not typed or len(typed) > MAX_OPTION:
        return None
    open_ids = [
        i
        for i in session.exec(select(Poll.id).where(Poll.status == PollStatus.OPEN.value)).all()
        if i is not None
    ]
    if not open_ids:
        return None
    sent = session.exec(
        select(PollDelivery.poll_id, PollDelivery.message_id).where(
            col(PollDelivery.poll_id).in_(open_ids),
            PollDelivery.person_id == person_id,
            PollDelivery.status == DeliveryStatus.SENT.value,
            col(PollDelivery.message_id).is_not(None),
            col(PollDelivery.buttons_removed_at).is_(None),
        )
    ).all()
    opened = session.exec(
        select(PollVoteMessage.poll_id, PollVoteMessage.message_id).where(
            col(PollVoteMessage.poll_id).in_(open_ids),
            PollVoteMessage.person_id == person_id,
            col(PollVoteMessage.buttons_removed_at).is_(None),
        )
    ).all()
    # Message ids grow in a chat: the highest is the poll shown last.
    shown = [(m, p) for p, m in (*sent, *opened) if m is not None]
    if not shown:
        return None
    _, poll_id = max(shown)
    if any(_same_words(o.text) == typed for o in options_of(session, poll_id)):
        return poll_id
    return None


def mark_buttons_removed(session: Session, message: VoteMessage, now: datetime) -> None:
    if message.delivery_id is not None:
        session.exec(
            update(PollDelivery)
            .where(col(PollDelivery.id) == message.delivery_id)
            .values(buttons_removed_at=now)
        )
    if message.opened_id is not None:
        session.exec(
            update(PollVoteMessage)
            .where(col(PollVoteMessage.id) == message.opened_id)
            .values(buttons_removed_at=now)
        )
    session.commit()


def finish_closing_vote_messages(session: Session, poll_id: int, now: datetime) -> None:
    session.exec(
        update(Poll)
        .where(col(Poll.id) == poll_id, col(Poll.status) != PollStatus.OPEN.value)
        .values(vote_messages_closed_at=now)
    )
    session.commit()


def polls_with_pending_deliveries(session: Session) -> list[int]:
    rows = session.exec(
        select(PollDelivery.poll_id)
        .join(Poll, col(Poll.id) == PollDelivery.poll_id)
        .where(
            PollDelivery.status == DeliveryStatus.PENDING.value,
            Poll.status == PollStatus.OPEN.value,
        )
        .distinct()
    ).all()
    return list(rows)


# --- listing -----------------------------------------------------------------------------------


def polls_in(session: Session, wijk_ids: Sequence[int], status: str, limit: int = 10) -> list[Poll]:
    if not wijk_ids:
        return []
    order = col(Poll.closes_at) if status == PollStatus.OPEN.value else col(Poll.closed_at).desc()
    return list(
        session.exec(
            select(Poll)
            .where(col(Poll.wijk_id).in_(list(wijk_ids)), Poll.status == status)
            .order_by(order, col(Poll.id).desc())
            .limit(limit)
        ).all()
    )


def spiegel_items(session: Session, wijk_id: int) -> list[SpiegelItem]:
    """The newest edition's live statements for the wijk, recommendations first."""
    edition = session.exec(
        select(Edition).where(Edition.wijk_id == wijk_id).order_by(col(Edition.year).desc())
    ).first()
    if edition is None:
        return []
    items = session.exec(
        select(SpiegelItem).where(
            SpiegelItem.edition_id == edition.id, col(SpiegelItem.retired).is_(False)
        )
    ).all()
    order = {k.value: i for i, k in enumerate([ItemKind.RECOMMENDATION, *list(ItemKind)[:4]])}
    return sorted(items, key=lambda i: (order.get(i.kind, 9), i.position, i.id or 0))


def spiegel_item(session: Session, wijk_id: int, item_id: int) -> SpiegelItem | None:
    """An item only if it belongs to the wijk's current edition (forged ids find nothing)."""
    return next((i for i in spiegel_items(session, wijk_id) if i.id == item_id), None)
