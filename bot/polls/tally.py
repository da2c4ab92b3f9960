"""Poll results as counts only: never who voted what. The digest reads polls through here.

Choice polls: votes per option and the share of voters who chose it. Ranking polls: the Borda
count (with n options, place 1 earns n points, place 2 n-1, ...; an option a voter left out
earns 0) and how often each option was put first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import Membership, Poll, PollAudience, PollKind, PollOption, Role, Vote


@dataclass(frozen=True)
class OptionResult:
    option_id: int
    text: str
    votes: int
    percent: float
    borda: int | None
    first_places: int | None


@dataclass(frozen=True)
class PollTally:
    poll_id: int
    question: str
    kind: str
    status: str
    voters: int
    audience_size: int | None
    options: tuple[OptionResult, ...]  # ordered best first

    @property
    def turnout_percent(self) -> float | None:
        if not self.audience_size:
            return None
        return round(100.0 * self.voters / self.audience_size, 1)


# Who is in a poll's audience, by the roles they hold in its wijk.
AUDIENCE_ROLES: dict[str, tuple[str, ...]] = {
    PollAudience.BIG.value: (Role.BIG.value,),
    PollAudience.WIJK.value: (Role.RESIDENT.value, Role.BIG.value),
    # A native group poll is answered by whoever is in the group; we count those of the wijk.
    PollAudience.GROUP.value: (Role.RESIDENT.value, Role.BIG.value, Role.COACH.value),
}


def audience_size(session: Session, poll: Poll) -> int | None:
    """People the poll was meant for; None for a group poll (the group's size is Telegram's)."""
    if poll.audience == PollAudience.GROUP.value:
        return None
    roles = AUDIENCE_ROLES.get(poll.audience, ())
    count = session.exec(
        select(func.count(func.distinct(Membership.person_id))).where(
            Membership.wijk_id == poll.wijk_id, col(Membership.role).in_(roles)
        )
    ).one()
    return int(count)


def tally(session: Session, poll_id: int) -> PollTally:
    poll = session.get(Poll, poll_id)
    if poll is None:
        raise LookupError(f"no poll {poll_id}")
    options = list(
        session.exec(
            select(PollOption)
            .where(PollOption.poll_id == poll_id)
            .order_by(col(PollOption.position))
        ).all()
    )
    votes = list(session.exec(select(Vote).where(Vote.poll_id == poll_id)).all())
    voters = _count_voters(poll.kind, votes)
    per_option = Counter(v.option_id for v in votes)
    ranking = poll.kind == PollKind.RANKING.value
    n = len(options)
    results: list[tuple[tuple[int, int, int], OptionResult]] = []
    for option in options:
        assert option.id is not None
        count = per_option.get(option.id, 0)
        percent = round(100.0 * count / voters, 1) if voters else 0.0
        borda = first = None
        if ranking:
            ranks = [v.rank for v in votes if v.option_id == option.id and v.rank]
            borda = sum(max(0, n - r + 1) for r in ranks)
            first = sum(1 for r in ranks if r == 1)
        key = (
            (-(borda or 0), -(first or 0), option.position)
            if ranking
            else (-count, option.position, 0)
        )
        results.append((key, OptionResult(option.id, option.text, count, percent, borda, first)))
    results.sort(key=lambda pair: pair[0])
    return PollTally(
        poll_id=poll_id,
        question=poll.question,
        kind=poll.kind,
        status=poll.status,
        voters=voters,
        audience_size=audience_size(session, poll),
        options=tuple(r for _, r in results),
    )


def _count_voters(kind: str, votes: list[Vote]) -> int:
    """Distinct people; an erased person's ballot (person_id NULL) still counts once."""
    known = len({v.person_id for v in votes if v.person_id is not None})
    anonymous = [v for v in votes if v.person_id is None]
    if kind == PollKind.RANKING.value:
        return known + sum(1 for v in anonymous if v.rank == 1)
    if kind == PollKind.SINGLE.value:
        return known + len(anonymous)
    # Several choices: anonymous rows cannot be grouped into ballots; count the least possible.
    return known + max(Counter(v.option_id for v in anonymous).values(), default=0)
