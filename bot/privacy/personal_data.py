"""A person's own data: export everything stored about them, or erase them. No Telegram here.

Both are used by the bot (/mijngegevens, /vergeetmij) and by the command line. The export holds
nothing about other people: a coach who answered is "wijkcoach", never a name or an id. The
coaches' internal notes on a sender's observations are in the sender's export (they concern what
the sender wrote), by the same rule without the coach's name, and go with the sender when they
are erased, also from the observations they keep without a name. Erasure is one transaction: the
caller's session commits once at the end, so a failure leaves everything as it was.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from bot.digest import archive as digest_archive
from bot.observations import filing, notes
from bot.observations.coach import answer_run_key_end
from bot.polls import voting
from bot.spiegel.editing import run_key_end
from models import (
    AnswerTemplate,
    DeskLogin,
    Digest,
    DigestSetting,
    Edition,
    EventKind,
    GroupLink,
    Membership,
    Observation,
    ObservationEvent,
    ObservationNote,
    Person,
    PersonProfile,
    Poll,
    PollDelivery,
    PollOption,
    PollStatus,
    PollVoteMessage,
    Reaction,
    SpiegelItem,
    StatementChange,
    StoredState,
    Supporter,
    UncountedVote,
    Vote,
    Wijk,
)
from models.base import utcnow

EXPORT_FORMAT = 1
COACH_LABEL = "wijkcoach"
# PTB's persistence keys a person's user_data (and their private chat's chat_data) by Telegram id.
STATE_KINDS = ("user", "chat")
# Every column that points at a person, and what erasure does with it. A new table that refers to
# person.id must be added here and handled in _erase (tests/test_privacy.py checks the list).
PERSON_COLUMNS = {
    ("person", "id"): "deleted",
    ("membership", "person_id"): "deleted",
    ("observation", "person_id"): "deleted, or kept unlinked",
    ("reaction", "person_id"): "deleted, or kept unlinked",
    ("vote", "person_id"): "deleted, or kept unlinked",
    ("polldelivery", "person_id"): "deleted",
    ("poll_vote_message", "person_id"): "deleted",
    ("uncounted_vote", "person_id"): "deleted",
    ("digestsetting", "person_id"): "deleted",
    ("observation_supporter", "person_id"): "deleted",
    ("person_profile", "person_id"): "deleted",
    ("observation", "answered_by_id"): "unlinked",
    ("observation", "hidden_by_id"): "unlinked",
    ("digest", "coach_id"): "unlinked",
    ("statement_change", "person_id"): "unlinked",
    ("poll", "creator_id"): "unlinked",
    ("grouplink", "linked_by_id"): "unlinked",
    ("observation_note", "author_id"): "unlinked",
    ("answer_template", "created_by_id"): "unlinked",
    ("desk_login", "person_id"): "deleted",
    ("observation_event", "actor_id"): "unlinked",
}
# Where the export shows each of those columns' rows: everything stored with a person's id is
# theirs to see (tests/test_privacy.py checks this names every column above, and that a person
# with a row behind each gets every section filled).
EXPORTED_IN = {
    ("person", "id"): "profile",
    ("membership", "person_id"): "memberships",
    ("observation", "person_id"): "observations",
    ("reaction", "person_id"): "reactions",
    ("vote", "person_id"): "votes",
    ("polldelivery", "person_id"): "polls_received",
    ("poll_vote_message", "person_id"): "polls_received",
    ("uncounted_vote", "person_id"): "group_votes_not_counted",
    ("digestsetting", "person_id"): "digest_settings",
    ("observation_supporter", "person_id"): "supported",
    ("person_profile", "person_id"): "about_you",
    ("observation", "answered_by_id"): "answers_given",
    ("observation", "hidden_by_id"): "observations_hidden",
    ("digest", "coach_id"): "digests_received",
    ("poll", "creator_id"): "polls_created",
    ("grouplink", "linked_by_id"): "groups_linked",
    ("statement_change", "person_id"): "spiegel_changes",
    ("observation_note", "author_id"): "notes_written",
    ("answer_template", "created_by_id"): "answer_templates_made",
    ("desk_login", "person_id"): "desk_logins",
    ("observation_event", "actor_id"): "observation_steps",
}
# Keys that carry a person's id in their text, not as a column that refers to person.id: a
# coach's flow run with their id on the end (bot.spiegel.editing.run_key,
# bot.observations.coach.answer_run_key). Erasure clears them; the export shows their rows.
PERSON_KEYS = {
    ("edition", "request_key"): "spiegel_editions_begun",
    ("observation", "answer_key"): "answers_given",
    ("observation_event", "key"): "observation_steps",
}


class PersonNotFound(Exception):
    pass


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive values; they were stored as UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _slugs(session: Session) -> dict[int, str]:
    return {w.id: w.slug for w in session.exec(select(Wijk)).all() if w.id is not None}


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise PersonNotFound(person_id)
    return person


def _state_rows(session: Session, telegram_id: int) -> list[StoredState]:
    return list(
        session.exec(
            select(StoredState).where(
                col(StoredState.kind).in_(STATE_KINDS), StoredState.key == str(telegram_id)
            )
        ).all()
    )


# --- export ------------------------------------------------------------------------------------


def export_person(
    session: Session, person_id: int, *, now: datetime | None = None
) -> dict[str, Any]:
    """Everything stored about one person, as JSON-ready data (datetimes ISO 8601 UTC)."""
    person = _person(session, person_id)
    slugs = _slugs(session)
    observations = session.exec(
        select(Observation).where(Observation.person_id == person_id).order_by(col(Observation.id))
    ).all()
    setting = session.get(DigestSetting, person_id)
    states = _state_rows(session, person.telegram_id)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": iso(now or datetime.now(UTC)),
        "profile": _profile(person, slugs),
        # "Over jou": what they chose to tell about themselves (None: never asked).
        "about_you": _about_you(session, person_id),
        "memberships": _memberships(session, person_id, slugs),
        "observations": [
            _observation(o, slugs, _history(session, o, person_id)) for o in observations
        ],
        # The coaches' internal notes about what they wrote: never sent to them, but about them.
        "notes_about_your_observations": _notes_about(session, person_id),
        # "Ik ook": the observations of others they said theirs was about, with their own text.
        "supported": _supported(session, person_id, slugs),
        "reactions": _reactions(session, person_id, slugs),
        "votes": _votes(session, person_id, slugs),
        # Answers in a BIG group's Telegram poll that did not count, and why (until its result).
        "group_votes_not_counted": _group_votes_not_counted(session, person_id, slugs),
        "polls_received": _polls_received(session, person_id),
        "polls_created": _polls_created(session, person_id, slugs),
        "groups_linked": _groups_linked(session, person_id, slugs),
        # What they wrote as a coach. The observation itself is the sender's: only its reference.
        "answers_given": _answers_given(session, person_id, slugs),
        "observations_hidden": _observations_hidden(session, person_id, slugs),
        "notes_written": _notes_written(session, person_id, slugs),
        "answer_templates_made": _answer_templates_made(session, person_id, slugs),
        # Every step they took on an observation (a coach's status changes and answers, a
        # supporter's "klopt niet"), with their own id as the actor.
        "observation_steps": _observation_steps(session, person_id, slugs),
        "digests_received": _digests_received(session, person_id, slugs),
        # What they changed in a wijk's spiegel as its coach, and why.
        "spiegel_changes": _spiegel_changes(session, person_id, slugs),
        # Next year's editions they began as a coach ("Ja, begin <jaar>").
        "spiegel_editions_begun": _editions_begun(session, person_id, slugs),
        "digest_settings": None if setting is None else _digest_settings(setting),
        # The desk's login links /bureau sent them (when, and whether used; never the link).
        "desk_logins": _desk_logins(session, person_id),
        "conversation_state": {row.kind: _json(row.data) for row in states},
    }


# One function per part of the export, each reading its own rows.


def _profile(person: Person, slugs: dict[int, str]) -> dict[str, Any]:
    return {
        "telegram_id": person.telegram_id,
        "language": person.language,
        # The language of their Telegram app, as last seen (for their command menu); null: not
        # seen.
        "app_language": person.app_language,
        "consent_at": iso(person.consent_at),
        "pseudonym": person.pseudonym,
        "display_name": person.display_name,
        "share_name": person.share_name,
        "current_wijk": slugs.get(person.current_wijk_id or 0),
        "created_at": iso(person.created_at),
        "unreachable_since": iso(person.unreachable_at),
        # "Nieuws uit je wijk": null not asked yet, false no, true yes.
        "wijk_news": person.wijk_news,
    }


def _about_you(session: Session, person_id: int) -> dict[str, Any] | None:
    row = session.exec(select(PersonProfile).where(PersonProfile.person_id == person_id)).first()
    if row is None:
        return None
    return {
        "age_group": row.age_group,
        "household": row.household,
        "years_in_wijk": row.years_in_wijk,
        "asked_at": iso(row.asked_at),
        "ask_again_at": iso(row.ask_again_at),
        "updated_at": iso(row.updated_at),
    }


def _desk_logins(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.exec(
        select(DeskLogin).where(DeskLogin.person_id == person_id).order_by(col(DeskLogin.id))
    ).all()
    return [
        {"sent_at": iso(r.created_at), "expires_at": iso(r.expires_at), "used_at": iso(r.used_at)}
        for r in rows
    ]


def _spiegel_changes(
    session: Session, person_id: int, slugs: dict[int, str]
) -> list[dict[str, Any]]:
    changes = session.exec(
        select(StatementChange)
        .where(StatementChange.person_id == person_id)
        .order_by(col(StatementChange.id))
    ).all()
    return [
        {
            "wijk": slugs.get(c.wijk_id),
            "statement": c.item_id,
            "action": c.action,
            "before": c.old_text,
            "after": c.new_text,
            "reason": c.reason,
            "at": iso(c.created_at),
        }
        for c in changes
    ]


def _editions_begun(
    session: Session, person_id: int, slugs: dict[int, str]
) -> list[dict[str, Any]]:
    editions = session.exec(
        select(Edition)
        .where(col(Edition.request_key).endswith(run_key_end(person_id)))
        .order_by(col(Edition.id))
    ).all()
    return [
        {"wijk": slugs.get(e.wijk_id), "year": e.year, "begun_at": iso(e.imported_at)}
        for e in editions
    ]


def _memberships(session: Session, person_id: int, slugs: dict[int, str]) -> list[dict[str, Any]]:
    memberships = session.exec(
        select(Membership).where(Membership.person_id == person_id).order_by(col(Membership.id))
    ).all()
    return [
        {"wijk": slugs.get(m.wijk_id), "role": m.role, "since": iso(m.created_at)}
        for m in memberships
    ]


def _reactions(session: Session, person_id: int, slugs: dict[int, str]) -> list[dict[str, Any]]:
    reactions = session.exec(
        select(Reaction, SpiegelItem)
        .join(SpiegelItem, col(SpiegelItem.id) == col(Reaction.item_id))
        .where(Reaction.person_id == person_id)
        .order_by(col(Reaction.id))
    ).all()
    return [
        {
            "wijk": slugs.get(r.wijk_id),
            "statement": item.text,
            "statement_kind": item.kind,
            "verdict": r.verdict,
            "comment": r.comment,
            "commented_at": iso(r.commented_at),
            "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at),
        }
        for r, item in reactions
    ]


def _votes(session: Session, person_id: int, slugs: dict[int, str]) -> list[dict[str, Any]]:
    votes = session.exec(
        select(Vote, Poll, PollOption)
        .join(Poll, col(Poll.id) == col(Vote.poll_id))
        .join(PollOption, col(PollOption.id) == col(Vote.option_id))
        .where(Vote.person_id == person_id)
        .order_by(col(Vote.poll_id), col(Vote.rank), col(PollOption.position))
    ).all()
    return [
        {
            "wijk": slugs.get(poll.wijk_id),
            "poll": poll.question,
            "option": option.text,
            "rank": v.rank,
            "voted_at": iso(v.created_at),
        }
        for v, poll, option in votes
    ]


def _group_votes_not_counted(
    session: Session, person_id: int, slugs: dict[int, str]
) -> list[dict[str, Any]]:
    rows = session.exec(
        select(UncountedVote, Poll)
        .join(Poll, col(Poll.id) == col(UncountedVote.poll_id))
        .where(UncountedVote.person_id == person_id)
        .order_by(col(UncountedVote.id))
    ).all()
    return [
        {
            "wijk": slugs.get(poll.wijk_id),
            "poll": poll.question,
            "reason": row.reason,
            "at": iso(row.created_at),
        }
        for row, poll in rows
    ]


def _polls_received(session: Session, person_id: int) -> list[dict[str, Any]]:
    deliveries = session.exec(
        select(PollDelivery, Poll)
        .join(Poll, col(Poll.id) == col(PollDelivery.poll_id))
        .where(PollDelivery.person_id == person_id)
        .order_by(col(PollDelivery.id))
    ).all()
    # The polls they opened themselves (from /stemmen, a group's link): a message each.
    opened = session.exec(
        select(PollVoteMessage, Poll)
        .join(Poll, col(Poll.id) == col(PollVoteMessage.poll_id))
        .where(PollVoteMessage.person_id == person_id)
        .order_by(col(PollVoteMessage.id))
    ).all()
    # message_id: the message in their chat; buttons_removed_at: when it lost its vote buttons.
    return [
        {
            "poll": poll.question,
            "status": d.status,
            "sent_at": iso(d.sent_at),
            "message_id": d.message_id,
            "results_at": iso(d.results_at),
            "buttons_removed_at": iso(d.buttons_removed_at),
        }
        for d, poll in deliveries
    ] + [
        {
            "poll": poll.question,
            "status": "opened",
            "sent_at": iso(o.shown_at),
            "message_id": o.message_id,
            "results_at": None,
            "buttons_removed_at": iso(o.buttons_removed_at),
        }
        for o, poll in opened
    ]


def _polls_created(session: Session, person_id: int, slugs: dict[int, str]) -> list[dict[str, Any]]:
    polls_created = session.exec(
        select(Poll).where(Poll.creator_id == person_id).order_by(col(Poll.id))
    ).all()
    return [
        {
            "wijk": slugs.get(p.wijk_id),
            "question": p.question,
            "kind": p.kind,
            "audience": p.audience,
            "status": p.status,
            "opens_at": iso(p.opens_at),
            "closes_at": iso(p.closes_at),
            "created_at": iso(p.created_at),
        }
        for p in polls_created
    ]


def _groups_linked(session: Session, person_id: int, slugs: dict[int, str]) -> list[dict[str, Any]]:
    links = session.exec(
        select(GroupLink).where(GroupLink.linked_by_id == person_id).order_by(col(GroupLink.id))
    ).all()
    return [
        {"wijk": slugs.get(g.wijk_id), "title": g.title, "linked_at": iso(g.linked_at)}
        for g in links
    ]


def _supported(session: Session, person_id: int, slugs: dict[int, str]) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Supporter, Observation.wijk_id)
        .join(Observation, col(Observation.id) == col(Supporter.observation_id))
        .where(Supporter.person_id == person_id)
        .order_by(col(Supporter.id))
    ).all()
    return [
        {
            "observation": f"M-{s.observation_id}",
            "wijk": slugs.get(wijk_id),
            "your_text": s.text,
            "language": s.lang,
            "created_at": iso(s.created_at),
            "answer_sent_at": iso(s.answer_sent_at),
        }
        for s, wijk_id in rows
    ]


def _answers_given(session: Session, person_id: int, slugs: dict[int, str]) -> list[dict[str, Any]]:
    answered = session.exec(
        select(Observation)
        .where(Observation.answered_by_id == person_id)
        .order_by(col(Observation.id))
    ).all()
    return [
        {
            "observation": o.reference,
            "wijk": slugs.get(o.wijk_id),
            "answer": o.answer_text,
            "answered_at": iso(o.answered_at),
        }
        for o in answered
    ]


def _observations_hidden(
    session: Session, person_id: int, slugs: dict[int, str]
) -> list[dict[str, Any]]:
    hidden = session.exec(
        select(Observation)
        .where(Observation.hidden_by_id == person_id)
        .order_by(col(Observation.id))
    ).all()
    return [
        {
            "observation": o.reference,
            "wijk": slugs.get(o.wijk_id),
            "reason": o.hidden_reason,
            "hidden_at": iso(o.hidden_at),
        }
        for o in hidden
    ]


def _notes_about(session: Session, person_id: int) -> list[dict[str, Any]]:
    # The note's words and date, not who wrote it: the coach is another person (as for answers,
    # "wijkcoach"); their name would tell the sender nothing about their own data.
    notes = session.exec(
        select(ObservationNote)
        .join(Observation, col(Observation.id) == col(ObservationNote.observation_id))
        .where(Observation.person_id == person_id)
        .order_by(col(ObservationNote.observation_id), col(ObservationNote.id))
    ).all()
    return [
        {
            "observation": f"M-{n.observation_id}",
            "note": n.text,
            "written_at": iso(n.created_at),
            "written_by": COACH_LABEL,
        }
        for n in notes
    ]


def _notes_written(session: Session, person_id: int, slugs: dict[int, str]) -> list[dict[str, Any]]:
    # What they wrote as a coach; the observation is the sender's: only its reference.
    rows = session.exec(
        select(ObservationNote, Observation.wijk_id)
        .join(Observation, col(Observation.id) == col(ObservationNote.observation_id))
        .where(ObservationNote.author_id == person_id)
        .order_by(col(ObservationNote.id))
    ).all()
    return [
        {
            "observation": f"M-{n.observation_id}",
            "wijk": slugs.get(wijk_id),
            "note": n.text,
            "written_at": iso(n.created_at),
        }
        for n, wijk_id in rows
    ]


def _answer_templates_made(
    session: Session, person_id: int, slugs: dict[int, str]
) -> list[dict[str, Any]]:
    templates = session.exec(
        select(AnswerTemplate)
        .where(AnswerTemplate.created_by_id == person_id)
        .order_by(col(AnswerTemplate.id))
    ).all()
    return [
        {
            "wijk": slugs.get(t.wijk_id),
            "title": t.title,
            "text": t.body,
            "created_at": iso(t.created_at),
            "updated_at": iso(t.updated_at),
        }
        for t in templates
    ]


def _digests_received(
    session: Session, person_id: int, slugs: dict[int, str]
) -> list[dict[str, Any]]:
    digests = session.exec(
        select(Digest).where(Digest.coach_id == person_id).order_by(col(Digest.id))
    ).all()
    return [
        {
            "wijk": slugs.get(d.wijk_id),
            "period": d.period_key,
            "asked_for": d.asked,  # with "Wijkoverzicht nu", not sent by the schedule
            "status": d.status,
            "sent_at": iso(d.sent_at),
        }
        for d in digests
    ]


def _digest_settings(setting: DigestSetting) -> dict[str, Any]:
    return {
        "weekday": setting.weekday,
        "send_time": setting.send_time,
        "frequency": setting.frequency,
        "skip_quiet": setting.skip_quiet,
        "updated_at": iso(setting.updated_at),
    }


def _event(e: ObservationEvent, by: str | int | None) -> dict[str, Any]:
    return {
        "at": iso(e.at),
        "kind": e.kind,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "detail": e.detail,
        "by": by,
        "notified_at": iso(e.notified_at),
    }


def _history(session: Session, o: Observation, person_id: int) -> list[dict[str, Any]]:
    """What happened to their observation. Who did it: "you", or only a role ("wijkcoach",
    "supporter"), never another person's name or id."""
    events = session.exec(
        select(ObservationEvent)
        .where(ObservationEvent.observation_id == o.id)
        .order_by(col(ObservationEvent.at), col(ObservationEvent.id))
    ).all()

    def by(e: ObservationEvent) -> str | None:
        if e.actor_id == person_id or (e.actor_id is None and e.kind in ("reopen", "reply")):
            return "you"
        if e.actor_id is None:
            return None
        return "supporter" if e.kind == "reopen" else COACH_LABEL

    return [_event(e, by(e)) for e in events]


def _observation_steps(
    session: Session, person_id: int, slugs: dict[int, str]
) -> list[dict[str, Any]]:
    rows = session.exec(
        select(ObservationEvent, Observation.wijk_id)
        .join(Observation, col(Observation.id) == col(ObservationEvent.observation_id))
        .where(ObservationEvent.actor_id == person_id)
        .order_by(col(ObservationEvent.id))
    ).all()
    return [
        {"observation": f"M-{e.observation_id}", "wijk": slugs.get(wijk_id), **_event(e, "you")}
        for e, wijk_id in rows
    ]


def _observation(
    o: Observation, slugs: dict[int, str], history: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "reference": o.reference,
        "wijk": slugs.get(o.wijk_id),
        "swot": o.swot,
        "theme": o.theme,
        "text": o.text,
        "language": o.lang,
        "author_role": o.author_role,
        "share_name": o.share_name,
        "photo_file_id": o.photo_file_id,
        "latitude": o.latitude,
        "longitude": o.longitude,
        "status": o.status,
        "created_at": iso(o.created_at),
        "updated_at": iso(o.updated_at),
        "read_at": iso(o.read_at),
        "answer": o.answer_text,
        "answered_at": iso(o.answered_at),
        # Who answered is another person: only their role, never their name or id.
        "answered_by": COACH_LABEL if o.answered_at or o.answer_text else None,
        "your_reply": o.reply_text,
        "replied_at": iso(o.replied_at),
        "hidden_reason": o.hidden_reason,
        "hidden_at": iso(o.hidden_at),
        "referred_to": o.referred_to,
        "duplicate_of": f"M-{o.duplicate_of_id}" if o.duplicate_of_id else None,
        "status_changed_at": iso(o.status_changed_at),
        "answer_delivered_at": iso(o.answer_sent_at),
        "your_reply_delivered_at": iso(o.reply_sent_at),
        # What the bot's check (bot/urgent) found in the text, which the coaches see beside it,
        # and when they were told at once: a conclusion about them they have a right to read.
        "possibly_urgent": o.urgent_kind,
        "coaches_alerted_at": iso(o.urgent_alerted_at),
        "history": history,
    }


# The columns of an observation its export leaves out, and why (a test holds every other column
# to appearing in the export).
OBSERVATION_NOT_EXPORTED = {
    "id": "given as its reference, M-<id>",
    "wijk_id": "given as the wijk's name",
    "person_id": "the person themself",
    "answered_by_id": "another person: only their role is given",
    "hidden_by_id": "another person: only the reason and the time are given",
    "duplicate_of_id": "given as that observation's reference",
    "answer_key": "a technical key that makes an answer be stored once",
    "reply_key": "a technical key that makes a reply be stored once",
    "request_key": "a technical key that makes the observation be stored once",
    "grouping_signature": "the words of the text the digest groups by, found again from the text",
    "grouping_matter": "part of grouping_signature",
    "grouping_concept": "part of grouping_signature",
    "notes_removed_at": "set only once its sender erased themselves: it is nobody's then",
}


# The columns of a person's own rows (those stored with their id as person_id, EXPORTED_IN; an
# observation's are OBSERVATION_NOT_EXPORTED) that their export leaves out, and why (a test
# holds every other column to appearing in the export).
_OWN = {"id": "a number that means nothing outside this database", "person_id": "the person"}
OWN_ROWS_NOT_EXPORTED: dict[str, dict[str, str]] = {
    "membership": {
        **_OWN,
        "wijk_id": "given as the wijk's name",
        "invite_id": "the invite another person (a coach) made; only used to join",
    },
    "reaction": {
        **_OWN,
        "item_id": "given as the statement's text",
        "wijk_id": "given as the wijk's name",
        "comment_key": "a technical key that makes a comment be stored once",
    },
    "vote": {
        **_OWN,
        "poll_id": "given as the poll's question",
        "option_id": "given as the option's text",
    },
    "polldelivery": {**_OWN, "poll_id": "given as the poll's question"},
    "poll_vote_message": {**_OWN, "poll_id": "given as the poll's question"},
    "uncounted_vote": {**_OWN, "poll_id": "given as the poll's question"},
    "digestsetting": {"person_id": "the person (and the row's key)"},
    "observation_supporter": {
        **_OWN,
        "observation_id": "given as that observation's reference",
        "request_key": 'a technical key that makes an "ik ook" be stored once',
    },
    "person_profile": dict(_OWN),
    "desk_login": {**_OWN, "token_hash": "the hash of the link's secret: never given out"},
    "statement_change": {
        **_OWN,
        "item_id": "given as the statement's number",
        "wijk_id": "given as the wijk's name",
        "request_key": "a technical key that makes a change be stored once",
    },
}


def _json(data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False).encode()


# --- erasure -----------------------------------------------------------------------------------


@dataclass
class ErasureReport:
    """What erase_person did, counted per kind of row (votes: one per poll, as
    `count_contributions` counts them, however many options each chose)."""

    telegram_id: int
    kept_contributions: bool
    observations_deleted: int = 0
    observations_kept: int = 0
    reactions_deleted: int = 0
    reactions_kept: int = 0
    votes_deleted: int = 0
    votes_kept: int = 0
    memberships: int = 0
    poll_deliveries: int = 0
    uncounted_votes: int = 0
    digest_settings: int = 0
    supported: int = 0  # their "ik ook" rows deleted
    supported_kept: int = 0  # their "ik ook" rows kept without a name
    # Others' "ik ook" to their observations, filed as those others' own observations.
    supporters_carried_over: int = 0
    about_you: int = 0
    stored_states: int = 0
    links_cleared: int = 0
    # Keys of their flow runs that named them (PERSON_KEYS).
    run_keys_cleared: int = 0
    archived_digests_redacted: int = 0
    desk_logins: int = 0
    # Polls they created: they stay (the wijk's votes and result), without a creator. Also
    # counted in links_cleared.
    polls_kept: int = 0
    # Their kept observations whose coaches' notes went with them (a note can name them); the
    # observation's notes_removed_at makes the desk say so (notes.removed_with_sender).
    notes_removed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Contributions:
    # Their own observations and their "ik ook" words under someone else's, as "Mijn meldingen"
    # lists both.
    observations: int
    reactions: int
    votes: int  # one per poll, however many options it chose or put in order

    @property
    def any(self) -> bool:
        return bool(self.observations or self.reactions or self.votes)


def count_contributions(session: Session, person_id: int) -> Contributions:
    def count(model: Any) -> int:
        stmt = select(func.count()).select_from(model).where(model.person_id == person_id)
        return int(session.exec(stmt).one())

    votes = voting.votes_cast(session, col(Vote.person_id) == person_id)
    return Contributions(count(Observation) + count(Supporter), count(Reaction), votes)


def polls_created(session: Session, person_id: int) -> int:
    """The polls they created: erasure keeps them without a creator, whatever they choose (to
    say so where they decide)."""
    stmt = select(func.count()).select_from(Poll).where(col(Poll.creator_id) == person_id)
    return int(session.exec(stmt).one())


def erase_person(
    session: Session,
    person_id: int,
    keep_contributions: bool,
    *,
    now: datetime | None = None,
) -> ErasureReport:
    """Erase one person. Their observations, "ik ook" words, reactions and votes are deleted, or
    kept without any link to them (`keep_contributions`; votes in polls still open are deleted
    either way; the coaches' notes on kept observations are deleted either way, as they may
    name them).
    What others wrote under their observations ("ik ook") stays those others'.
    `now`: the project's clock (the time of an observation filed for a supporter, and of the
    digest archive's redaction).
    Commits once: all or nothing."""
    person = _person(session, person_id)
    report = ErasureReport(telegram_id=person.telegram_id, kept_contributions=keep_contributions)
    try:
        _erase(session, person, report, now or utcnow())
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report


def _quoted(session: Session, pid: int | None) -> list[digest_archive.Quoted]:
    """What an archived digest may quote of theirs: their observations and spiegel comments."""
    observations = session.exec(
        select(Observation.id, Observation.wijk_id, Observation.text, Observation.created_at).where(
            col(Observation.person_id) == pid
        )
    ).all()
    comments = session.exec(
        select(
            Reaction.wijk_id, Reaction.comment, Reaction.commented_at, Reaction.created_at
        ).where(col(Reaction.person_id) == pid, col(Reaction.comment).is_not(None))
    ).all()
    return [
        digest_archive.Quoted(wijk_id, text, at, f"M-{obs_id}")
        for obs_id, wijk_id, text, at in observations
    ] + [
        digest_archive.Quoted(wijk_id, comment or "", commented_at or created_at)
        for wijk_id, comment, commented_at, created_at in comments
    ]


def _erase(session: Session, person: Person, report: ErasureReport, now: datetime) -> None:
    pid = person.id

    def run(stmt: Any) -> int:
        return int(session.exec(stmt).rowcount or 0)

    own_obs = col(Observation.person_id) == pid
    # Votes in polls still open go either way: someone erased belongs to no audience any more
    # (bot/polls/voting.py, "Who counts"), and a vote kept without a name would let the same
    # person, back through /start, vote in that poll again.
    open_polls = select(Poll.id).where(Poll.status == PollStatus.OPEN.value)
    own_votes = col(Vote.person_id) == pid
    open_votes = (own_votes, col(Vote.poll_id).in_(open_polls))
    report.votes_deleted = voting.votes_cast(session, *open_votes)
    run(delete(Vote).where(*open_votes))
    if report.kept_contributions:
        # The coaches' notes on what they keep may name them ("Mevrouw Jansen belde nog"): the
        # notes go with them; one line without words says a note was removed.
        kept = list(session.exec(select(Observation.id).where(own_obs)).all())
        report.notes_removed = notes.removed_with_sender(
            session, [i for i in kept if i is not None], now
        )
        # Kept observations must not point back at them, not even by the name they shared.
        report.observations_kept = run(
            update(Observation).where(own_obs).values(person_id=None, share_name=False)
        )
        report.reactions_kept = run(
            update(Reaction).where(col(Reaction.person_id) == pid).values(person_id=None)
        )
        # Their "ik ook" rows: their own words about someone else's observation, kept as an
        # addition to it without a name, as their observations are.
        report.supported_kept = run(
            update(Supporter).where(col(Supporter.person_id) == pid).values(person_id=None)
        )
        report.votes_kept = voting.votes_cast(session, own_votes)
        run(update(Vote).where(own_votes).values(person_id=None))
    else:
        report.supported = run(delete(Supporter).where(col(Supporter.person_id) == pid))
        # Their words leave the digest archive too (bot.digest.archive, "erasure").
        report.archived_digests_redacted = digest_archive.redact(
            session, _quoted(session, pid), now
        )
        # Others' "ik ook" to their observations is those others' own words: each becomes its
        # writer's own observation, as when an author withdraws one (filing.carry_over_supporters).
        mine = select(Observation.id).where(own_obs)
        for observation in session.exec(select(Observation).where(own_obs)).all():
            report.supporters_carried_over += len(
                filing.carry_over_supporters(session, observation, now=now, unlinked=True)
            )
        # The coaches' notes about them go too (the foreign key cascades as well).
        run(delete(ObservationNote).where(col(ObservationNote.observation_id).in_(mine)))
        report.observations_deleted = run(delete(Observation).where(own_obs))
        report.reactions_deleted = run(delete(Reaction).where(col(Reaction.person_id) == pid))
        report.votes_deleted += voting.votes_cast(session, own_votes)
        run(delete(Vote).where(own_votes))
    # The keys of their runs that name them (PERSON_KEYS) go. They only made their own press,
    # delivered again, store nothing twice; nobody else's run ends in their id. Before the
    # links below: an answer's event is found by its actor.
    assert pid is not None
    report.run_keys_cleared = sum(
        (
            run(
                update(Edition)
                .where(col(Edition.request_key).endswith(run_key_end(pid)))
                .values(request_key=None)
            ),
            run(
                update(ObservationEvent)
                .where(
                    col(ObservationEvent.actor_id) == pid,
                    col(ObservationEvent.kind) == EventKind.ANSWER.value,
                    col(ObservationEvent.key).endswith(answer_run_key_end(pid)),
                )
                .values(key=None)
            ),
        )
    )
    # What they did for others (as coach or BIG member) stays, without their name on it.
    report.polls_kept = run(update(Poll).where(col(Poll.creator_id) == pid).values(creator_id=None))
    report.links_cleared = report.polls_kept + sum(
        (
            run(
                update(Observation)
                .where(col(Observation.answered_by_id) == pid)
                .values(answered_by_id=None, answer_key=None)
            ),
            run(
                update(Observation)
                .where(col(Observation.hidden_by_id) == pid)
                .values(hidden_by_id=None)
            ),
            run(update(Digest).where(col(Digest.coach_id) == pid).values(coach_id=None)),
            run(
                update(StatementChange)
                .where(col(StatementChange.person_id) == pid)
                .values(person_id=None)
            ),
            run(
                update(GroupLink)
                .where(col(GroupLink.linked_by_id) == pid)
                .values(linked_by_id=None)
            ),
            run(
                update(ObservationNote)
                .where(col(ObservationNote.author_id) == pid)
                .values(author_id=None)
            ),
            run(
                update(AnswerTemplate)
                .where(col(AnswerTemplate.created_by_id) == pid)
                .values(created_by_id=None)
            ),
            run(
                update(ObservationEvent)
                .where(col(ObservationEvent.actor_id) == pid)
                .values(actor_id=None)
            ),
        )
    )
    report.poll_deliveries = run(
        delete(PollDelivery).where(col(PollDelivery.person_id) == pid)
    ) + run(delete(PollVoteMessage).where(col(PollVoteMessage.person_id) == pid))
    report.uncounted_votes = run(delete(UncountedVote).where(col(UncountedVote.person_id) == pid))
    report.digest_settings = run(delete(DigestSetting).where(col(DigestSetting.person_id) == pid))
    report.memberships = run(delete(Membership).where(col(Membership.person_id) == pid))
    report.about_you = run(delete(PersonProfile).where(col(PersonProfile.person_id) == pid))
    report.desk_logins = run(delete(DeskLogin).where(col(DeskLogin.person_id) == pid))
    report.stored_states = run(
        delete(StoredState).where(
            col(StoredState.kind).in_(STATE_KINDS),
            col(StoredState.key) == str(person.telegram_id),
        )
    )
    session.delete(person)
    session.flush()
