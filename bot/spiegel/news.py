""" "Nieuws uit je wijk": residents who said yes get one message when their wijk's spiegel
changed (a new edition, statements added, reworded or retired). No Telegram here: which wijken
have news, who gets it, and the claim that makes it go out at most once a day per wijk
(bot/spiegel/news_delivery.py sends it).

`Person.wijk_news`: NULL not asked yet (the spiegel overview asks once), False no (the
default), True yes; changed in the menu. `WijkNews` holds, per wijk, the last statement change
its residents were told about and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from bot.spiegel.mirror import current_edition
from models import Membership, Person, Role, StatementAction, StatementChange, Wijk, WijkNews

#: At most one message per wijk in this time.
QUIET = timedelta(days=1)


@dataclass(frozen=True)
class News:
    """A wijk's news not yet told: its changes up to `change_id`."""

    wijk_id: int
    wijk_name: str
    change_id: int
    edition_id: int
    year: int
    new_edition: bool  # one of the changes started a new edition
    # Who gets the progress: the person who made the latest change, else the wijk's coaches.
    coaches: tuple[Recipient, ...]


@dataclass(frozen=True)
class Recipient:
    person_id: int
    telegram_id: int
    language: str


def set_choice(session: Session, person_id: int, yes: bool) -> None:
    session.exec(update(Person).where(col(Person.id) == person_id).values(wijk_news=yes))
    session.commit()


def due(session: Session, now: datetime) -> list[News]:
    """The wijken with changes after what their residents were last told, and not told in the
    last day."""
    latest = session.exec(
        select(StatementChange.wijk_id, func.max(StatementChange.id)).group_by(
            col(StatementChange.wijk_id)
        )
    ).all()
    found = []
    for wijk_id, change_id in latest:
        told = session.get(WijkNews, wijk_id)
        if change_id is None:
            continue
        if told is not None and change_id <= told.last_change_id:
            continue
        if told is not None and told.sent_at is not None and now - told.sent_at < QUIET:
            continue
        edition = current_edition(session, wijk_id)
        wijk = session.get(Wijk, wijk_id)
        if edition is None or edition.id is None or wijk is None:
            continue
        since = told.last_change_id if told is not None else 0
        changes = session.exec(
            select(StatementChange).where(
                StatementChange.wijk_id == wijk_id,
                col(StatementChange.id) > since,
                col(StatementChange.id) <= change_id,
            )
        ).all()
        new_edition = any(c.action == StatementAction.CARRY_OVER.value for c in changes)
        makers = [c.person_id for c in sorted(changes, key=lambda c: -(c.id or 0)) if c.person_id]
        found.append(
            News(
                wijk_id,
                wijk.name,
                change_id,
                edition.id,
                edition.year,
                new_edition,
                _progress_to(session, wijk_id, makers[0] if makers else None),
            )
        )
    return found


def _progress_to(session: Session, wijk_id: int, maker: int | None) -> tuple[Recipient, ...]:
    query = select(Person.id, Person.telegram_id, Person.language)
    if maker is not None:
        query = query.where(col(Person.id) == maker)
    else:
        query = (
            query.join(Membership, col(Membership.person_id) == Person.id)
            .where(Membership.wijk_id == wijk_id, Membership.role == Role.COACH.value)
            .distinct()
        )
    rows = session.exec(query.order_by(col(Person.id))).all()
    return tuple(Recipient(p, t, lang) for p, t, lang in rows if p is not None)


def claim(session: Session, news: News, now: datetime) -> bool:
    """Mark the wijk's news as told before it is sent (at most once: a crash halfway loses the
    rest rather than sending twice). False when another run claimed it first."""
    claimed = session.exec(
        update(WijkNews)
        .where(
            col(WijkNews.wijk_id) == news.wijk_id,
            col(WijkNews.last_change_id) < news.change_id,
            or_(col(WijkNews.sent_at).is_(None), col(WijkNews.sent_at) <= now - QUIET),
        )
        .values(last_change_id=news.change_id, sent_at=now)
    ).rowcount
    if claimed:
        session.commit()
        return True
    if session.get(WijkNews, news.wijk_id) is not None:
        session.rollback()
        return False
    try:
        session.add(WijkNews(wijk_id=news.wijk_id, last_change_id=news.change_id, sent_at=now))
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def recipients(session: Session, wijk_id: int) -> list[Recipient]:
    """Residents of the wijk who said yes and can be reached."""
    rows = session.exec(
        select(Person.id, Person.telegram_id, Person.language)
        .join(Membership, col(Membership.person_id) == Person.id)
        .where(
            Membership.wijk_id == wijk_id,
            col(Person.wijk_news).is_(True),
            col(Person.unreachable_at).is_(None),
        )
        .distinct()
        .order_by(col(Person.id))
    ).all()
    return [Recipient(p, t, lang) for p, t, lang in rows if p is not None]
