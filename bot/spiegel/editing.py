"""The spiegel as a living document: statements are added, reworded, retired, made from a group
of observations, and carried over into next year's edition. No Telegram here.

Every change checks the permission (`Action.EDIT_SPIEGEL` in the statement's wijk: its coaches
and administrators) and records a StatementChange: who, when, why, the wording before and after.
`actor` None is an administrator on the command line (`wijkbot spiegel ...`): no person is
recorded, and a reason is required. A retired statement leaves the residents' spiegel; its
reactions stay with it, as a new edition's statements start without reactions (the old
edition's stay with the old edition's statements). A new edition is at most next year's
(`may_begin`): the newest is the one residents read from the moment it exists.

A coach's change from the bot carries its flow run's key (`request_key`, unique per person with
StatementChange.person_id): the same text delivered again after a crash finds that change and
returns its statement, instead of storing a second change or refusing the text as "already
there", "the same wording" or "gone" (`stored_by`, `_stored`). Next year's edition keeps the
run's key with the coach's person id (`run_key`): its press delivered again finds the edition
as made by that press, any other press as made before (`carried_on`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.core.clock import utcnow
from bot.core.database import commit_or_stored
from bot.core.text import clean_input
from bot.people.permissions import Action, Actor, PermissionDenied
from bot.spiegel.mirror import TEXT_LIMIT, current_edition, derived_key
from models import Edition, ItemKind, SpiegelItem, StatementAction, StatementChange

REASON_LIMIT = 500
# A proposal made from a group: its label and its representative observation, editable.
PROPOSAL_LIMIT = 300


class EditError(ValueError):
    """Bad input for a change: carries the catalogue key of what the person is told and the
    `values` its placeholders take (the command line prints `detail`). Nothing was changed."""

    def __init__(self, message_key: str, detail: str, **values: int) -> None:
        super().__init__(detail)
        self.message_key = message_key
        self.detail = detail
        self.values = values


def require(actor: Actor | None, wijk_id: int) -> None:
    """Coaches and administrators of the wijk; `None` (the command line) always may."""
    if actor is not None and not actor.can(Action.EDIT_SPIEGEL, wijk_id):
        raise PermissionDenied("spiegel_editing.not_allowed")


def clean_text(text: str) -> str:
    text = clean_input(text)
    if not text:
        raise EditError("spiegel_editing.empty", "the statement has no text")
    if len(text) > TEXT_LIMIT:
        raise EditError(
            "spiegel_editing.too_long",
            f"the statement is {len(text)} characters; at most {TEXT_LIMIT}",
            length=len(text),
            limit=TEXT_LIMIT,
        )
    return text


def clean_reason(actor: Actor | None, reason: str | None) -> str:
    reason = clean_input(reason or "", multiline=False)
    if len(reason) > REASON_LIMIT:
        raise EditError(
            "spiegel_editing.reason_too_long",
            f"the reason is {len(reason)} characters; at most {REASON_LIMIT}",
            length=len(reason),
            limit=REASON_LIMIT,
        )
    if actor is None and not reason:
        raise EditError("spiegel_editing.reason_needed", "give a reason (--reason)")
    return reason


def _record(
    session: Session,
    item: SpiegelItem,
    wijk_id: int,
    action: StatementAction,
    actor: Actor | None,
    reason: str,
    *,
    old: str | None = None,
    new: str | None = None,
    request_key: str | None = None,
) -> None:
    assert item.id is not None
    session.add(
        StatementChange(
            item_id=item.id,
            wijk_id=wijk_id,
            action=action.value,
            old_text=old,
            new_text=new,
            person_id=actor.id if actor is not None else None,
            reason=reason,
            created_at=utcnow(),
            request_key=request_key if actor is not None else None,
        )
    )


def stored_by(session: Session, person_id: int, request_key: str) -> StatementChange | None:
    """The change this person stored in the flow run `request_key`, if any."""
    return session.exec(
        select(StatementChange).where(
            StatementChange.person_id == person_id, StatementChange.request_key == request_key
        )
    ).first()


def _stored(session: Session, actor: Actor | None, request_key: str | None) -> SpiegelItem | None:
    """The statement the flow run `request_key` changed already (its text delivered again), or
    None: the change is still to be made. The permission is checked as for a new change."""
    if actor is None or request_key is None:
        return None
    change = stored_by(session, actor.id, request_key)
    if change is None:
        return None
    require(actor, change.wijk_id)
    return session.get(SpiegelItem, change.item_id)


def _commit(
    session: Session,
    item: SpiegelItem,
    actor: Actor | None,
    request_key: str | None,
    write: Callable[[], None],
) -> SpiegelItem:
    """`write` the change and commit it; `item` when it is stored now. Two tries of the same
    run at once: the unique key refuses the second, which returns the first one's statement."""

    def commit() -> None:
        write()
        session.commit()

    stored = commit_or_stored(session, commit, lambda: _stored(session, actor, request_key))
    return stored or item


def _current(session: Session, wijk_id: int) -> Edition:
    edition = current_edition(session, wijk_id)
    if edition is None or edition.id is None:
        raise EditError("spiegel_editing.no_edition", "the wijk has no spiegel edition yet")
    return edition


def editable_item(session: Session, item_id: int) -> tuple[SpiegelItem, Edition]:
    """An active statement of its wijk's current edition (only that edition changes)."""
    item = session.get(SpiegelItem, item_id)
    edition = session.get(Edition, item.edition_id) if item is not None else None
    if item is None or edition is None or item.retired:
        raise EditError("spiegel_editing.gone", f"no active statement {item_id}")
    current = current_edition(session, edition.wijk_id)
    if current is None or current.id != edition.id:
        raise EditError(
            "spiegel_editing.old_edition", f"statement {item_id} is in an older edition"
        )
    return item, edition


def _free_key(session: Session, edition_id: int, text: str) -> str:
    base = derived_key(text)
    taken = set(
        session.exec(
            select(SpiegelItem.key).where(
                SpiegelItem.edition_id == edition_id, col(SpiegelItem.key).startswith(base)
            )
        ).all()
    )
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


def add(
    session: Session,
    actor: Actor | None,
    wijk_id: int,
    kind: ItemKind,
    text: str,
    *,
    theme: str | None = None,
    reason: str | None = None,
    request_key: str | None = None,
) -> SpiegelItem:
    """A new statement at the end of its category in the wijk's current edition. Commits.
    `request_key`: the flow run's; the statement it added already is returned as it is."""
    require(actor, wijk_id)
    stored = _stored(session, actor, request_key)
    if stored is not None:
        return stored
    text = clean_text(text)
    why = clean_reason(actor, reason)
    edition = _current(session, wijk_id)
    assert edition.id is not None
    active = session.exec(
        select(SpiegelItem.text).where(
            SpiegelItem.edition_id == edition.id, col(SpiegelItem.retired).is_(False)
        )
    ).all()
    if derived_key(text) in {derived_key(other) for other in active}:
        raise EditError("spiegel_editing.duplicate", "the edition has this statement already")
    last = session.exec(
        select(func.max(SpiegelItem.position)).where(
            SpiegelItem.edition_id == edition.id, SpiegelItem.kind == kind.value
        )
    ).one()
    item = SpiegelItem(
        edition_id=edition.id,
        key=_free_key(session, edition.id, text),
        kind=kind.value,
        theme=theme,
        text=text,
        position=(last + 1) if last is not None else 0,
    )

    def write() -> None:
        session.add(item)
        session.flush()
        _record(
            session,
            item,
            wijk_id,
            StatementAction.ADD,
            actor,
            why,
            new=text,
            request_key=request_key,
        )

    return _commit(session, item, actor, request_key, write)


def reword(
    session: Session,
    actor: Actor | None,
    item_id: int,
    text: str,
    *,
    reason: str | None = None,
    request_key: str | None = None,
) -> SpiegelItem:
    """New wording for a statement; the old one stays in its history, its reactions stay.
    `request_key`: the flow run's; the statement it reworded already is returned as it is."""
    stored = _stored(session, actor, request_key)
    if stored is not None:
        return stored
    item, edition = editable_item(session, item_id)
    require(actor, edition.wijk_id)
    text = clean_text(text)
    why = clean_reason(actor, reason)
    if text == item.text:
        raise EditError("spiegel_editing.same_text", "the new wording is the same as the old")
    old = item.text

    def write() -> None:
        item.text = text
        session.add(item)
        _record(
            session,
            item,
            edition.wijk_id,
            StatementAction.REWORD,
            actor,
            why,
            old=old,
            new=text,
            request_key=request_key,
        )

    return _commit(session, item, actor, request_key, write)


def retire(
    session: Session,
    actor: Actor | None,
    item_id: int,
    *,
    reason: str | None,
    request_key: str | None = None,
) -> SpiegelItem:
    """Take a statement out of the residents' spiegel (its reactions stay). A reason is needed.
    `request_key`: the flow run's; the statement it retired already is returned as it is."""
    stored = _stored(session, actor, request_key)
    if stored is not None:
        return stored
    item, edition = editable_item(session, item_id)
    require(actor, edition.wijk_id)
    why = clean_reason(actor, reason)
    if not why:
        raise EditError("spiegel_editing.reason_needed", "give a reason")

    def write() -> None:
        item.retired = True
        item.retired_at = utcnow()
        session.add(item)
        _record(
            session,
            item,
            edition.wijk_id,
            StatementAction.RETIRE,
            actor,
            why,
            old=item.text,
            request_key=request_key,
        )

    return _commit(session, item, actor, request_key, write)


def proposal(label: str, representative: str) -> str:
    """A first wording for a statement made from a group of observations: the group's label
    and its representative observation; the coach changes it before it is added."""
    label = clean_input(label, multiline=False)
    text = " ".join(clean_input(representative).split())
    if len(text) > PROPOSAL_LIMIT:
        text = text[: PROPOSAL_LIMIT - 1].rstrip() + "…"
    if not label:
        return text
    return f"{label[:1].upper()}{label[1:]}: {text}" if text else label


def from_group(
    session: Session,
    actor: Actor | None,
    wijk_id: int,
    kind: ItemKind,
    text: str,
    *,
    label: str,
    references: Sequence[str],
    request_key: str | None = None,
) -> SpiegelItem:
    """ "Maak hier een zin van": a statement made from a group of observations (`text` is the
    proposal as the coach left it); the reason names the group and its observations."""
    shown = ", ".join(references[:10]) + (" …" if len(references) > 10 else "")
    reason = f"from group {clean_input(label, multiline=False)} ({shown})"[:REASON_LIMIT]
    return add(session, actor, wijk_id, kind, text, reason=reason, request_key=request_key)


# What a statement says, carried over into next year's edition as it is. Every other column of
# SpiegelItem belongs to one edition's copy (`NOT_CARRIED`); a test checks that the two name
# every column, so a new one is sorted here rather than silently left behind.
CARRIED = ("key", "kind", "theme", "text", "position", "figures")
NOT_CARRIED = ("id", "edition_id", "retired", "retired_at", "origin_item_id")


def carried_content(item: SpiegelItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in CARRIED}


def run_key(request_key: str, person_id: int) -> str:
    """What next year's edition keeps of the coach's flow run that made it: the run's key
    (`bot.telegram.flows.request_key`, unique per person only) with their person id, so a
    colleague's run of the same number is never taken for it."""
    return f"{request_key}:{person_id}"


def year_now(now: datetime, tz: ZoneInfo) -> int:
    """The year it is at `now` where the wijken are (the configured time zone)."""
    return now.astimezone(tz).year


def may_begin(year: int, this_year: int) -> bool:
    """Whether an edition for `year` may be begun or loaded in `this_year`: at most next year's.
    The newest edition is the one residents read from the moment it exists, with every reaction
    count at zero, so a year typed too far ahead would replace this year's spiegel for years."""
    return year <= this_year + 1


def run_key_end(person_id: int) -> str:
    """How every `run_key` of this person's runs ends: what their export shows and erasure
    clears (bot.privacy.personal_data)."""
    return f":{person_id}"


def new_edition(
    session: Session,
    actor: Actor | None,
    wijk_id: int,
    year: int,
    *,
    this_year: int,
    reason: str | None = None,
    request_key: str | None = None,
) -> tuple[Edition, int]:
    """Next year's edition from the current one: its active statements are copied with all they
    say (`CARRIED`, the figures they name too), each recorded as carried over; reactions stay
    with the edition they were given in. Returns the new edition and how many it carries.
    `request_key`: the coach's run that makes it (`run_key`), kept with it (`carried_on`).
    `this_year`: the year it is now in the wijken (`year_now`); a year further than the next
    one is refused (`may_begin`)."""
    require(actor, wijk_id)
    why = clean_reason(actor, reason)
    current = _current(session, wijk_id)
    if not 2000 <= year <= 2100 or year <= current.year:
        raise EditError(
            "spiegel_editing.year_not_later",
            f"{year} is not after the current edition ({current.year})",
        )
    if not may_begin(year, this_year):
        raise EditError(
            "spiegel_editing.year_too_far",
            f"{year} is more than one year ahead of this year ({this_year}); "
            f"the latest edition you can begin now is {this_year + 1}",
            year=year,
            start=year - 1,
        )
    edition = Edition(
        wijk_id=wijk_id,
        year=year,
        title=current.title,
        introduction=current.introduction,
        imported_at=utcnow(),
        request_key=request_key,
    )
    session.add(edition)
    session.flush()
    assert edition.id is not None
    old_items = session.exec(
        select(SpiegelItem)
        .where(SpiegelItem.edition_id == current.id, col(SpiegelItem.retired).is_(False))
        .order_by(col(SpiegelItem.kind), col(SpiegelItem.position), col(SpiegelItem.id))
    ).all()
    copies = []
    for old in old_items:
        copy = SpiegelItem(edition_id=edition.id, origin_item_id=old.id, **carried_content(old))
        session.add(copy)
        copies.append(copy)
    session.flush()
    for copy in copies:
        _record(session, copy, wijk_id, StatementAction.CARRY_OVER, actor, why, new=copy.text)
    session.commit()
    return edition, len(copies)


@dataclass(frozen=True)
class Following:
    """Next year's edition, made already: how many statements it carries from the one before,
    and whether the run asking made it (its press delivered again)."""

    edition: Edition
    carried: int
    by_this_run: bool


def carried_on(session: Session, edition: Edition, request_key: str | None) -> Following | None:
    """Next year's edition of `edition`'s wijk, made already, with how many of `edition`'s
    statements it carries; None when there is none yet. `by_this_run` only when the run
    `request_key` (`run_key`) made it: the same press delivered again after the bot died behind
    the commit. A press of an older message, or one after the command line or a colleague made
    it, finds it made before."""
    following = session.exec(
        select(Edition).where(Edition.wijk_id == edition.wijk_id, Edition.year == edition.year + 1)
    ).first()
    if following is None or following.id is None:
        return None
    from_this = select(SpiegelItem.id).where(SpiegelItem.edition_id == edition.id)
    carried = session.exec(
        select(func.count())
        .select_from(SpiegelItem)
        .where(
            SpiegelItem.edition_id == following.id,
            col(SpiegelItem.origin_item_id).in_(from_this),
        )
    ).one()
    made_here = request_key is not None and following.request_key == request_key
    return Following(following, int(carried), made_here)


def history(session: Session, item_id: int) -> list[StatementChange]:
    """A statement's changes, oldest first, back through the editions it was carried from."""
    chain: list[int] = []
    current: int | None = item_id
    while current is not None and current not in chain:
        chain.append(current)
        item = session.get(SpiegelItem, current)
        current = item.origin_item_id if item is not None else None
    return list(
        session.exec(
            select(StatementChange)
            .where(col(StatementChange.item_id).in_(chain))
            .order_by(col(StatementChange.created_at), col(StatementChange.id))
        ).all()
    )


def wijk_history(session: Session, wijk_id: int, limit: int = 50) -> list[StatementChange]:
    """The wijk's latest changes, newest first."""
    return list(
        session.exec(
            select(StatementChange)
            .where(StatementChange.wijk_id == wijk_id)
            .order_by(col(StatementChange.id).desc())
            .limit(limit)
        ).all()
    )
