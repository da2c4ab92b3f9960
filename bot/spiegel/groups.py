""" "Maak hier een zin van": the groups of this period's observations in a wijk, as the coach's
digest groups them (bot/digest/builder.py), each with a first wording for a statement
(`editing.proposal`). No Telegram here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.core.config import Config
from bot.digest import builder
from bot.digest.periods import Period
from bot.grouping.groups import Labels
from bot.spiegel.editing import proposal
from models import ItemKind, Wijk


@dataclass(frozen=True)
class PeriodGroup:
    kind: ItemKind
    label: str  # Dutch; in the coach's language through label_in with `labels`
    count: int
    representative_id: int  # identifies the group on a button (an observation id)
    proposal: str
    references: tuple[str, ...]
    labels: Labels = ()  # bot.grouping.groups.Group.labels


def period_groups(
    session: Session,
    config: Config,
    wijk: Wijk,
    period: Period,
    now: datetime,
    grouper: builder.Grouper | None = None,
) -> list[PeriodGroup]:
    """The period's groups of two or more observations, per SWOT category, largest first."""
    data = builder.build(session, config, wijk, period, now, grouper=grouper)
    found = []
    for section in data.sections:
        kind = ItemKind(section.swot)
        for group in section.groups:
            found.append(
                PeriodGroup(
                    kind=kind,
                    label=group.label,
                    count=group.count,
                    representative_id=group.representative.id,
                    proposal=proposal(group.label, group.representative.text),
                    references=tuple(f"M-{i}" for i in sorted(group.member_ids)),
                    labels=group.labels,
                )
            )
    return found
