"""A BIG's Telegram group linked to its wijk (`GroupLink`), through its life: linked with
/verbind by a group admin who is a BIG member or wijkcoach there (`link_group`; only the wijk's
own people move a linked group, `held_by_another_wijk`), followed to the supergroup it becomes
(`move_group`), and unlinked when the bot is no longer in it (`unlink_group`). The poll wizard
offers a wijk's group only while it has a link (`group_link_for`). What the bot writes to the
whole group is in the language of whoever linked it (`language_of`).

No Telegram here: the updates and answers that lead to these are read in
handlers/polls/group.py and bot/polls/delivery.py (`to_group`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.text import clean_input
from bot.people.permissions import Action, Actor, PermissionDenied
from models import GroupLink, Poll


def group_link_for(session: Session, wijk_id: int) -> GroupLink | None:
    """The group linked to this wijk (the one linked last, should there be more)."""
    return session.exec(
        select(GroupLink)
        .where(GroupLink.wijk_id == wijk_id)
        .order_by(col(GroupLink.linked_at).desc(), col(GroupLink.id).desc())
    ).first()


def link_of(session: Session, chat_id: int) -> GroupLink | None:
    """The link of this Telegram group, if it has one."""
    return session.exec(select(GroupLink).where(GroupLink.chat_id == chat_id)).first()


def language_of(session: Session, chat_id: int) -> str | None:
    """The language the bot writes to this group in: that of whoever linked it (None: not
    linked, or linked before the language was kept)."""
    link = link_of(session, chat_id)
    return link.language if link is not None else None


def held_by_another_wijk(session: Session, actor: Actor, chat_id: int) -> int | None:
    """The wijk this group is linked to, when the actor may not link groups for that wijk: only
    its own BIG members and wijkcoaches may move its group to another wijk (or link it again)."""
    link = link_of(session, chat_id)
    if link is None or actor.can(Action.LINK_GROUP, link.wijk_id):
        return None
    return link.wijk_id


def link_group(
    session: Session, actor: Actor, chat_id: int, wijk_id: int, title: str, now: datetime
) -> GroupLink:
    """Link the group to the wijk, or move its link there. Raises PermissionDenied when the actor
    may not link groups for the wijk, or for the wijk the group is linked to now
    (`held_by_another_wijk`; the handlers check that first, to name that wijk)."""
    actor.require(Action.LINK_GROUP, wijk_id)
    if held_by_another_wijk(session, actor, chat_id) is not None:
        raise PermissionDenied()
    link = link_of(session, chat_id)
    if link is None:
        link = GroupLink(chat_id=chat_id, wijk_id=wijk_id)
    link.wijk_id = wijk_id
    link.title = clean_input(title, multiline=False)[:200]
    link.linked_by_id = actor.id
    link.linked_at = now
    link.language = actor.person.language
    session.add(link)
    session.commit()
    session.refresh(link)
    return link


def unlink_group(session: Session, chat_id: int) -> int | None:
    """The bot is no longer in the group (removed, or it left): its link goes, so nobody is
    offered a group the bot cannot post in. Returns the wijk it was linked to, if any. Polls
    already in the group keep their chat: their results are tried there and logged if refused."""
    link = link_of(session, chat_id)
    if link is None:
        return None
    session.delete(link)
    session.commit()
    return link.wijk_id


def move_group(session: Session, old_chat_id: int, new_chat_id: int) -> int:
    """The group became a supergroup, which has a new chat id (Telegram's upgrade messages, or
    its ChatMigrated answer to a call for the old id): its link follows, and so does every poll
    that still has something to say there (open, or closed with its results not yet sent).
    Those polls' messages stay behind in the old group's history, where Telegram lets the bot
    do nothing more: their message ids are forgotten, so nothing is ever stopped or edited in
    the supergroup under an id that is another message's there. Twice changes nothing more.
    Returns how many polls moved."""
    try:
        return _move_group(session, old_chat_id, new_chat_id)
    except IntegrityError:
        # Another sender moved the link at this very moment (chat ids are unique): once more,
        # finding it moved.
        session.rollback()
        return _move_group(session, old_chat_id, new_chat_id)


def _move_group(session: Session, old_chat_id: int, new_chat_id: int) -> int:
    old, new = link_of(session, old_chat_id), link_of(session, new_chat_id)
    if old is not None and new is not None:
        session.delete(old)  # the supergroup was linked meanwhile: that link holds
    elif old is not None:
        old.chat_id = new_chat_id
        session.add(old)
    moved = session.exec(
        update(Poll)
        .where(col(Poll.group_chat_id) == old_chat_id, col(Poll.results_sent_at).is_(None))
        .values(group_chat_id=new_chat_id, group_message_id=None)
    )
    session.commit()
    return int(moved.rowcount or 0)
