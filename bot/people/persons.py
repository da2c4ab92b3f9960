"""People: the wijken offered, consent, a person's wijk and language. No Telegram types here."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import and_, delete, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.config import Config
from bot.core.database import Database
from bot.core.table_changes import WatchedCache
from bot.polls import voting
from models import Membership, Observation, Person, Role, Wijk


def sync_wijken(session: Session, config: Config) -> None:
    """Mirror the configured wijken into the database; a removed wijk is kept but inactive."""
    existing = {w.slug: w for w in session.exec(select(Wijk)).all()}
    configured = {w.slug for w in config.wijken}
    for wc in config.wijken:
        wijk = existing.get(wc.slug) or Wijk(slug=wc.slug, name=wc.name)
        wijk.name = wc.name
        wijk.cbs_codes = ",".join([*wc.cbs_wijk_codes, *wc.cbs_buurt_codes])
        wijk.active = True
        session.add(wijk)
    for slug, wijk in existing.items():
        if slug not in configured and wijk.active:
            wijk.active = False
            session.add(wijk)
    session.commit()


def left_behind(session: Session, config: Config) -> list[tuple[Wijk, dict[str, int]]]:
    """The wijken in the database that the configuration no longer has (taken out, or their
    slug renamed) and that people still belong to: per wijk, how many hold each role there.
    The bot no longer shows such a wijk; `wijkbot check-config` says so."""
    configured = {w.slug for w in config.wijken}
    found: list[tuple[Wijk, dict[str, int]]] = []
    for wijk in session.exec(select(Wijk).order_by(Wijk.slug)).all():
        if wijk.slug in configured:
            continue
        counts: dict[str, int] = {}
        for role in session.exec(select(Membership.role).where(Membership.wijk_id == wijk.id)):
            counts[role] = counts.get(role, 0) + 1
        if counts:
            found.append((wijk, counts))
    return found


def active_wijken(session: Session) -> list[Wijk]:
    return list(session.exec(select(Wijk).where(Wijk.active).order_by(Wijk.name)).all())


# The most words a wijk's name has ("Nes a/d Amstel": nes a d amstel), and some to spare.
_MOST_WORDS = 6


def wijk_named(session: Session, typed: str) -> Wijk | None:
    """The active wijk whose name (or slug) `typed` is, in any case, spacing or punctuation
    ("keizer karelpark", "Bankras Kostverloren"); else the one wijk a sentence names ("Ik woon
    in Elsrijk", "in het oude dorp"): words of it, one after the other, spell a wijk's name.
    None when it names none, or more than one ("tussen Elsrijk en Westwijk")."""
    wanted = _letters(typed)
    if not wanted:
        return None
    wijken = active_wijken(session)
    for wijk in wijken:
        if wanted in (_letters(wijk.name), _letters(wijk.slug)):
            return wijk
    words = _WORD.findall(typed.casefold())
    spelled = {
        "".join(words[start:end])
        for start in range(len(words))
        for end in range(start + 1, min(start + _MOST_WORDS, len(words)) + 1)
    }
    named = [w for w in wijken if {_letters(w.name), _letters(w.slug)} & spelled]
    return named[0] if len(named) == 1 else None


_WORD = re.compile(r"[^\W_]+")


def _letters(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def wijk_by_id(session: Session, wijk_id: int) -> Wijk | None:
    wijk = session.get(Wijk, wijk_id)
    return wijk if wijk is not None and wijk.active else None


class ActiveWijken:
    """The active wijken by id, kept between updates (an observation's start asked the database
    for each of the sender's wijken, about 0.4 ms a /melding). They change only when the
    configuration is synced; a write to the table in this process is seen at once
    (bot/core/table_changes.py), one from another process after at most `ttl` seconds. The
    rows are detached: read them, never add them to a session. Storing an observation still
    checks its wijk in the session that writes it."""

    TABLES = ("wijk",)

    def __init__(self, *, ttl: float = 30.0) -> None:
        self._cache: WatchedCache[int, dict[int, Wijk]] = WatchedCache(self.TABLES, ttl=ttl)

    def get(self, db: Database) -> dict[int, Wijk]:
        def load() -> dict[int, Wijk]:
            with db.session() as session:
                return {w.id: w for w in active_wijken(session) if w.id is not None}

        return self._cache.get(0, load)


def wijk_by_slug(session: Session, slug: str) -> Wijk | None:
    return session.exec(select(Wijk).where(Wijk.slug == slug)).first()


def get_person(session: Session, telegram_id: int) -> Person | None:
    return session.exec(select(Person).where(Person.telegram_id == telegram_id)).first()


# The largest ids the columns hold (BIGINT for Telegram ids, INTEGER for observations): a longer
# number fits nobody, and PostgreSQL would refuse to compare with it.
_TELEGRAM_ID_MAX, _ROW_ID_MAX = 2**63 - 1, 2**31 - 1
_REFERENCE = re.compile(r"[Mm]-(\d{1,10})")


def named(session: Session, who: str) -> list[Person]:
    """The people an administrator's `who` fits: a Telegram id; an observation's reference
    (M-123: its sender); or a pseudonym (Buur-1234), or a name they share, as the desk shows
    them. A pseudonym is one person's; a shared name may be several people's: more than one
    found means name one by Telegram id. Compared whole, without case (no LIKE: a % or _
    typed matches nobody else)."""
    who = who.strip()
    if who.isdigit():
        number = int(who)
        person = get_person(session, number) if number <= _TELEGRAM_ID_MAX else None
        return [person] if person is not None else []
    if match := _REFERENCE.fullmatch(who):
        number = int(match[1])
        observation = session.get(Observation, number) if number <= _ROW_ID_MAX else None
        sender = observation.person_id if observation is not None else None
        person = session.get(Person, sender) if sender is not None else None
        return [person] if person is not None else []
    lowered = who.lower()
    return list(
        session.exec(
            select(Person)
            .where(
                or_(
                    func.lower(Person.pseudonym) == lowered,
                    and_(
                        col(Person.share_name).is_(True),
                        func.lower(Person.display_name) == lowered,
                    ),
                )
            )
            .order_by(col(Person.id))
        ).all()
    )


# What a coach sees unless the person shares their name: stable, meaningless, short, and one
# person's only (a unique index). Four digits are tried a few times, then five, and so on.
PSEUDONYM_PREFIX = "Buur-"
_TRIES_PER_WIDTH = 3
_MOST_TRIES = 20


def _draw(digits: int) -> str:
    low = 10 ** (digits - 1)
    return f"{PSEUDONYM_PREFIX}{secrets.randbelow(9 * low) + low}"


def pseudonym_taken(session: Session, pseudonym: str) -> bool:
    """One look-up in the pseudonym's unique index."""
    found = session.exec(select(Person.id).where(Person.pseudonym == pseudonym)).first()
    return found is not None


def _candidates() -> Iterator[str]:
    for n in range(_MOST_TRIES):
        yield _draw(4 + n // _TRIES_PER_WIDTH)


def new_pseudonym(session: Session) -> Iterator[str]:
    """Pseudonyms nobody has (as far as one look-up each can tell): four digits a few times,
    then five, and so on. Someone joining at the same moment may still take one first: the
    unique index refuses the second write, and the caller tries the next."""
    for candidate in _candidates():
        if not pseudonym_taken(session, candidate):
            yield candidate


def give_consent(
    session: Session,
    telegram_id: int,
    language: str,
    now: datetime,
    *,
    app_language: str | None = None,
) -> Person:
    """The first write about a person ever: only after they pressed "accept". `app_language`:
    the language of everyone's command menu in their Telegram app (Person.app_language).
    Someone joining at the same moment who took the same pseudonym: another is tried; the same
    press handled twice at once: the person the other stored."""
    person = get_person(session, telegram_id)
    if person is not None:
        return person
    for pseudonym in new_pseudonym(session):
        person = Person(
            telegram_id=telegram_id,
            language=language,
            app_language=app_language,
            consent_at=now,
            pseudonym=pseudonym,
        )
        session.add(person)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            stored = get_person(session, telegram_id)
            if stored is not None:
                return stored
            continue
        session.refresh(person)
        return person
    raise RuntimeError(f"no free pseudonym found in {_MOST_TRIES} tries")


def choose_wijk(session: Session, person: Person, wijk: Wijk) -> dict[int, int]:
    """Make `wijk` the person's current wijk.

    Where they hold no role yet they become a resident of it, and a resident membership elsewhere
    moves with them (people move house). Where they already hold a role (partner, coach, BIG
    member) only the view changes: a partner must not gain the resident's right to react, and a
    coach who looks at the wijk they coach still lives where they live.

    A move withdraws their votes in the open polls of the wijk they left (bot.polls.voting says
    why); returned: the number of such polls per wijk id, to tell them.
    """
    assert person.id is not None and wijk.id is not None
    has_role_here = (
        session.exec(
            select(Membership.id).where(
                Membership.person_id == person.id, Membership.wijk_id == wijk.id
            )
        ).first()
        is not None
    )
    if not has_role_here:
        session.execute(
            delete(Membership).where(
                col(Membership.person_id) == person.id,
                col(Membership.role) == Role.RESIDENT.value,
            )
        )
        session.add(Membership(person_id=person.id, wijk_id=wijk.id, role=Role.RESIDENT.value))
    withdrawn = (
        voting.withdraw_votes_outside_audience(session, person.id) if not has_role_here else {}
    )
    person.current_wijk_id = wijk.id
    session.add(person)
    session.commit()
    return withdrawn


def set_language(
    session: Session, person: Person, language: str, *, app_language: str | None = None
) -> None:
    """The language they chose; with `app_language`, that of everyone's command menu in their
    Telegram app as seen then (Person.app_language)."""
    person.language = language
    if app_language is not None:
        person.app_language = app_language
    session.add(person)
    session.commit()


def memberships(session: Session, person_id: int) -> list[Membership]:
    return list(session.exec(select(Membership).where(Membership.person_id == person_id)).all())


def mark_reachable(session: Session, person: Person) -> None:
    if person.unreachable_at is not None:
        person.unreachable_at = None
        session.add(person)
        session.commit()


def mark_unreachable(session: Session, person_id: int, now: datetime) -> None:
    """Telegram refused a message to them, or an edit of one, with 403: they blocked the bot."""
    person = session.get(Person, person_id)
    if person is None or person.unreachable_at is not None:
        return
    person.unreachable_at = now
    session.add(person)
    session.commit()


def blocked_or_unblocked(session: Session, telegram_id: int, blocked: bool, now: datetime) -> None:
    """Telegram's word that someone blocked the bot (unreachable from `now`, as a refused
    message would mark them) or unblocked it (reachable again, though they have not written:
    unblocking in Telegram's settings sends nothing else). Nobody stored: nothing to do."""
    person = get_person(session, telegram_id)
    if person is None or (person.unreachable_at is not None) == blocked:
        return
    person.unreachable_at = now if blocked else None
    session.add(person)
    session.commit()
