"""/mijngegevens and /vergeetmij: the services on both databases, and the flows through the bot."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from bot.context import Services
from bot.core.config import Config
from bot.core.database import Database
from bot.core.i18n import t
from bot.fake_telegram import Harness
from bot.people import persons
from bot.privacy import personal_data
from models import (
    AnswerTemplate,
    DeskLogin,
    Digest,
    DigestSetting,
    Edition,
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
    PollVoteMessage,
    Reaction,
    Role,
    SpiegelItem,
    StatementChange,
    StoredState,
    Supporter,
    UncountedVote,
    Vote,
    Wijk,
)
from models.base import use_clock
from tests.helpers import onboard

T0 = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


@dataclass
class World:
    alice: int  # a resident with contributions of every kind
    coach: int  # the coach who answered and hid things, got digests, made a poll
    bob: int  # another resident: must never be touched
    wijk: int
    observation: int
    bob_observation: int


def pk(row: Any) -> int:
    assert row.id is not None
    return int(row.id)


def _person(session: Session, telegram_id: int, wijk: Wijk, role: Role, **extra: Any) -> Person:
    person = Person(
        telegram_id=telegram_id,
        language="nl",
        consent_at=T0,
        pseudonym=f"Buur-{telegram_id % 10000}",
        current_wijk_id=wijk.id,
        **extra,
    )
    session.add(person)
    session.flush()
    session.add(Membership(person_id=pk(person), wijk_id=pk(wijk), role=Role.RESIDENT.value))
    if role is not Role.RESIDENT:
        session.add(Membership(person_id=pk(person), wijk_id=pk(wijk), role=role.value))
    return person


def build_world(session: Session, config: Config, alice_telegram_id: int = 1001) -> World:
    """Alice, Bob and a coach in Elsrijk, with one of everything the schema can hold about them.

    Every time stamp is T0 or a fixed time after it: the tables' defaults follow T0 while the
    world is built (as they follow the demo's clock), so an export holds no wall-clock time whose
    digits could hold an id the tests look for."""
    use_clock(lambda: T0)
    try:
        return _build_world(session, config, alice_telegram_id)
    finally:
        use_clock(None)


def _build_world(session: Session, config: Config, alice_telegram_id: int) -> World:
    persons.sync_wijken(session, config)
    wijk = persons.wijk_by_slug(session, "elsrijk")
    assert wijk is not None and wijk.id is not None
    alice = _person(
        session, alice_telegram_id, wijk, Role.BIG, display_name="Alice Jansen", share_name=True
    )
    coach = _person(session, 3003, wijk, Role.COACH, display_name="Coach Carla")
    bob = _person(session, 2002, wijk, Role.RESIDENT)
    edition = Edition(wijk_id=wijk.id, year=2026, title="Elsrijk 2026")
    session.add(edition)
    session.flush()
    item = SpiegelItem(
        edition_id=pk(edition), key="s1", kind="strength", text="Veel groen in de wijk"
    )
    session.add(item)
    session.flush()
    obs = Observation(
        wijk_id=wijk.id,
        person_id=pk(alice),
        author_role="big",
        swot="weakness",
        theme="verkeer",
        text="De oversteek bij school is gevaarlijk",
        share_name=True,
        status="in_progress",
        created_at=T0,
        answer_text="We kijken ernaar met de gemeente",
        answered_at=T0 + timedelta(days=1),
        answered_by_id=pk(coach),
        reply_text="Dank je!",
        replied_at=T0 + timedelta(days=2),
        latitude=52.3,
        longitude=4.86,
    )
    bob_obs = Observation(
        wijk_id=wijk.id,
        person_id=pk(bob),
        author_role="resident",
        swot="threat",
        text="Bob zijn melding",
        status="hidden",
        hidden_reason="scheldwoorden",
        hidden_at=T0,
        hidden_by_id=pk(coach),
    )
    session.add_all([obs, bob_obs])
    session.flush()
    # Its history: the coach answered and solved it, Alice said "klopt niet" (no actor: hers).
    for kind, actor, to, detail, at in (
        ("answer", pk(coach), "in_progress", None, T0 + timedelta(days=1)),
        ("status", pk(coach), "resolved", None, T0 + timedelta(days=3)),
        ("reopen", None, "new", "wrong", T0 + timedelta(days=4)),
    ):
        session.add(
            ObservationEvent(
                observation_id=pk(obs),
                at=at,
                actor_id=actor,
                kind=kind,
                to_status=to,
                detail=detail,
                notify=to == "resolved",
            )
        )
    session.add(
        Reaction(
            item_id=pk(item),
            wijk_id=wijk.id,
            person_id=pk(alice),
            verdict="recognise",
            comment="Klopt, het park",
        )
    )
    session.add(
        Reaction(item_id=pk(item), wijk_id=wijk.id, person_id=pk(bob), verdict="not_recognise")
    )
    poll = Poll(
        wijk_id=wijk.id,
        creator_id=pk(coach),
        question="Wat eerst?",
        kind="ranking",
        audience="wijk",
        closes_at=T0 + timedelta(days=7),
        # Closed: its votes are what erasure may keep (a vote in an open poll goes either way).
        status="closed",
        closed_at=T0 + timedelta(days=7),
    )
    session.add(poll)
    session.flush()
    options = [
        PollOption(poll_id=pk(poll), position=i, text=t) for i, t in enumerate(["Groen", "Verkeer"])
    ]
    session.add_all(options)
    session.flush()
    session.add_all(
        [
            Vote(poll_id=pk(poll), option_id=pk(options[1]), person_id=pk(alice), rank=1),
            Vote(poll_id=pk(poll), option_id=pk(options[0]), person_id=pk(alice), rank=2),
            Vote(poll_id=pk(poll), option_id=pk(options[0]), person_id=pk(bob), rank=1),
            PollDelivery(poll_id=pk(poll), person_id=pk(alice), status="sent", sent_at=T0),
            PollDelivery(poll_id=pk(poll), person_id=pk(bob), status="sent", sent_at=T0),
            # The poll opened once more from /stemmen: a message of its own.
            PollVoteMessage(poll_id=pk(poll), person_id=pk(alice), message_id=11, shown_at=T0),
            # An answer in the poll's Telegram group that did not count, kept until its result.
            UncountedVote(poll_id=pk(poll), person_id=pk(coach), reason="other_wijk"),
            DigestSetting(person_id=pk(alice), weekday=2, send_time="09:00"),
            DigestSetting(person_id=pk(coach)),
            Digest(
                coach_id=pk(coach),
                wijk_id=wijk.id,
                period_key="2026-W47",
                period_start=T0,
                period_end=T0,
            ),
            DeskLogin(
                token_hash="0" * 64,
                person_id=pk(coach),
                expires_at=T0,
            ),
            StatementChange(
                item_id=pk(item),
                wijk_id=wijk.id,
                action="reword",
                old_text="Groen",
                new_text="Veel groen in de wijk",
                person_id=pk(coach),
                reason="Duidelijker",
            ),
            GroupLink(
                chat_id=-1001234, wijk_id=wijk.id, title="BIG Elsrijk", linked_by_id=pk(alice)
            ),
            StoredState(
                kind="user", key=str(alice_telegram_id), data='{"nonce": 3, "note": "concept"}'
            ),
            StoredState(kind="user", key="2002", data='{"nonce": 1}'),
            # Alice said "ik ook" to Bob's observation; Bob to hers.
            Supporter(observation_id=pk(bob_obs), person_id=pk(alice), text="Ik ook, Alice"),
            Supporter(observation_id=pk(obs), person_id=pk(bob), text="Ik ook, Bob"),
            # Alice told "Over jou"; Bob only her age group.
            PersonProfile(person_id=pk(alice), age_group="25_44", household="with_children"),
            PersonProfile(person_id=pk(bob), age_group="65plus"),
            # The coach's internal notes: one on Alice's observation, one on Bob's.
            ObservationNote(
                observation_id=pk(obs), author_id=pk(coach), text="Gemeente gebeld, ticket 77"
            ),
            ObservationNote(
                observation_id=pk(bob_obs), author_id=pk(coach), text="Bob belde nog eens"
            ),
            AnswerTemplate(
                wijk_id=wijk.id,
                title="Gelezen",
                body="Dank je voor {melding}",
                created_by_id=pk(coach),
            ),
        ]
    )
    session.commit()
    assert pk(alice) and pk(coach) and pk(bob) and obs.id and bob_obs.id
    return World(pk(alice), pk(coach), pk(bob), wijk.id, obs.id, bob_obs.id)


def count(session: Session, model: Any, **where: Any) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return int(session.exec(stmt).one())


def snapshot(session: Session) -> dict[str, Any]:
    """Every row of the tables erasure touches, to compare before and after a failed erasure."""
    tables: list[Any] = [
        Person,
        Membership,
        Observation,
        Reaction,
        Vote,
        PollDelivery,
        DigestSetting,
        Digest,
        Poll,
        GroupLink,
        StoredState,
        Supporter,
        PersonProfile,
        ObservationNote,
        AnswerTemplate,
    ]
    return {
        m.__name__: sorted(
            repr(sorted(r.model_dump().items())) for r in session.exec(select(m)).all()
        )
        for m in tables
    }


# --- services ----------------------------------------------------------------------------------


def test_export_holds_everything_about_the_person_and_nothing_about_others(
    db: Database, config: Config
) -> None:
    with db.session() as session:
        world = build_world(session, config)
        data = personal_data.export_person(session, world.alice, now=T0)
    text = json.dumps(data)  # must be plain JSON
    profile = data["profile"]
    assert profile["telegram_id"] == 1001 and profile["pseudonym"] == "Buur-1001"
    assert profile["display_name"] == "Alice Jansen" and profile["share_name"] is True
    assert profile["current_wijk"] == "elsrijk"
    assert profile["consent_at"] == "2026-11-21T09:30:00+00:00"
    assert sorted((m["wijk"], m["role"]) for m in data["memberships"]) == [
        ("elsrijk", "big"),
        ("elsrijk", "resident"),
    ]
    (obs,) = data["observations"]
    assert obs["text"] == "De oversteek bij school is gevaarlijk" and obs["status"] == "in_progress"
    # What happened to it: who did it by role only, her own "klopt niet" as hers.
    assert [(e["kind"], e["to_status"], e["by"]) for e in obs["history"]] == [
        ("answer", "in_progress", "wijkcoach"),
        ("status", "resolved", "wijkcoach"),
        ("reopen", "new", "you"),
    ]
    (supported,) = data["supported"]  # her "ik ook" to Bob's, not Bob's to hers
    assert supported["your_text"] == "Ik ook, Alice" and supported["wijk"] == "elsrijk"
    assert supported["observation"] == f"M-{world.bob_observation}"
    assert "Ik ook, Bob" not in text
    about = data["about_you"]  # "Over jou": hers, not Bob's
    assert (about["age_group"], about["household"], about["years_in_wijk"]) == (
        "25_44",
        "with_children",
        None,
    )
    assert "65plus" not in text
    assert obs["answer"] == "We kijken ernaar met de gemeente" and obs["answered_by"] == "wijkcoach"
    assert (
        obs["your_reply"] == "Dank je!" and obs["theme"] == "verkeer" and obs["swot"] == "weakness"
    )
    assert obs["answered_at"] == "2026-11-22T09:30:00+00:00"
    assert obs["latitude"] == 52.3
    (reaction,) = data["reactions"]
    assert reaction == {
        **reaction,
        "statement": "Veel groen in de wijk",
        "verdict": "recognise",
        "comment": "Klopt, het park",
    }
    assert [(v["poll"], v["option"], v["rank"]) for v in data["votes"]] == [
        ("Wat eerst?", "Verkeer", 1),
        ("Wat eerst?", "Groen", 2),
    ]
    assert (
        data["digest_settings"]["weekday"] == 2 and data["digest_settings"]["send_time"] == "09:00"
    )
    assert data["conversation_state"]["user"] == {"nonce": 3, "note": "concept"}
    assert data["groups_linked"][0]["title"] == "BIG Elsrijk"
    # The coaches' note about what she wrote, with its date, without the coach's name.
    assert data["notes_about_your_observations"] == [
        {
            "observation": f"M-{world.observation}",
            "note": "Gemeente gebeld, ticket 77",
            "written_at": "2026-11-21T09:30:00+00:00",
            "written_by": "wijkcoach",
        }
    ]
    assert data["notes_written"] == [] and data["answer_templates_made"] == []
    # Nothing about other people: not the coach's name, pseudonym or Telegram id, nothing of Bob's.
    for other in (
        "Coach Carla",
        "Buur-3003",
        "3003",
        "Bob zijn melding",
        "scheldwoorden",
        "2002",
        "not_recognise",
        "Bob belde",
    ):
        assert other not in text, other


def test_export_of_a_coach_names_no_resident(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build_world(session, config)
        data = personal_data.export_person(session, world.coach, now=T0)
    text = json.dumps(data)
    assert data["digests_received"][0]["period"] == "2026-W47"
    assert data["digests_received"][0]["asked_for"] is False
    assert data["polls_created"][0]["question"] == "Wat eerst?"
    # The notes they wrote (with the observation's reference only) and the templates they made.
    assert [(n["observation"], n["note"]) for n in data["notes_written"]] == [
        (f"M-{world.observation}", "Gemeente gebeld, ticket 77"),
        (f"M-{world.bob_observation}", "Bob belde nog eens"),
    ]
    assert [(t["wijk"], t["title"], t["text"]) for t in data["answer_templates_made"]] == [
        ("elsrijk", "Gelezen", "Dank je voor {melding}")
    ]
    assert data["notes_about_your_observations"] == []
    for other in ("Alice", "Buur-1001", "Bob zijn melding", "oversteek"):
        assert other not in text, other
    # Alice's Telegram id as a value (a time stamp's digits may hold "1001" by chance).
    assert not {1001, "1001"} & set(_values(data))


def _values(data: object) -> list[object]:
    """Every value in a JSON document, nested ones included."""
    if isinstance(data, dict):
        return [v for value in data.values() for v in _values(value)]
    if isinstance(data, list):
        return [v for value in data for v in _values(value)]
    return [data]


def test_erase_keeping_contributions_unlinks_them(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build_world(session, config)
        report = personal_data.erase_person(session, world.alice, keep_contributions=True)
    # Her vote ranks two options (two rows): one vote.
    assert (report.observations_kept, report.reactions_kept, report.votes_kept) == (1, 1, 1)
    assert report.observations_deleted == report.reactions_deleted == report.votes_deleted == 0
    assert (
        report.memberships,
        report.poll_deliveries,
        report.digest_settings,
        report.stored_states,
    ) == (2, 2, 1, 1)
    with db.session() as session:
        assert session.get(Person, world.alice) is None
        assert count(session, Membership, person_id=world.alice) == 0
        obs = session.get(Observation, world.observation)
        assert obs is not None and obs.person_id is None and obs.share_name is False
        assert obs.text == "De oversteek bij school is gevaarlijk"  # the wijk keeps what was said
        # The coaches' notes on it may name her: they go with her, and the observation says
        # when (the desk says a note was removed). Bob's stays.
        assert count(session, ObservationNote, observation_id=world.observation) == 0
        assert obs.notes_removed_at is not None
        assert report.notes_removed == 1
        assert count(session, ObservationNote, observation_id=world.bob_observation) == 1
        bobs = session.get(Observation, world.bob_observation)
        assert bobs is not None and bobs.notes_removed_at is None
        assert count(session, Reaction, person_id=None) == 1
        assert count(session, Vote, person_id=None) == 2
        assert count(session, PollDelivery) == 1 and count(session, DigestSetting) == 1
        assert count(session, PollVoteMessage) == 0
        assert session.exec(select(GroupLink)).one().linked_by_id is None
        assert [s.key for s in session.exec(select(StoredState)).all()] == ["2002"]
        # Nobody in the database carries their name any more.
        assert all(p.display_name != "Alice Jansen" for p in session.exec(select(Person)).all())
        # Her "ik ook" is kept without her, as her observation is; Bob's to hers stays.
        assert report.supported_kept == 1 and report.supported == 0
        kept = session.exec(select(Supporter).where(col(Supporter.person_id).is_(None))).one()
        assert (kept.observation_id, kept.text) == (world.bob_observation, "Ik ook, Alice")
        assert count(session, Supporter, person_id=world.bob) == 1
        # "Over jou" is deleted either way: it is about her, not something she said.
        assert report.about_you == 1
        assert count(session, PersonProfile, person_id=world.alice) == 0
        assert count(session, PersonProfile, person_id=world.bob) == 1
        # Bob is untouched.
        assert count(session, Observation, person_id=world.bob) == 1
        assert count(session, Reaction, person_id=world.bob) == 1
        assert count(session, Vote, person_id=world.bob) == 1
        assert count(session, PollDelivery, person_id=world.bob) == 1


def test_erase_deleting_contributions(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build_world(session, config)
        report = personal_data.erase_person(session, world.alice, keep_contributions=False)
    # Her vote ranks two options (two rows): one vote.
    assert (report.observations_deleted, report.reactions_deleted, report.votes_deleted) == (
        1,
        1,
        1,
    )
    with db.session() as session:
        assert session.get(Observation, world.observation) is None
        assert count(session, Reaction) == 1 and count(session, Vote) == 1  # Bob's
        # Her "ik ook" is gone. Bob's to her deleted observation was his own words: they are
        # his own observation now, as when an author withdraws one.
        assert report.supported == 1 and report.supporters_carried_over == 1
        assert count(session, Supporter) == 0
        assert [(o.person_id, o.text) for o in session.exec(select(Observation)).all()] == [
            (world.bob, "Bob zijn melding"),
            (world.bob, "Ik ook, Bob"),
        ]
        assert count(session, Person) == 2
        # The coaches' notes about her observation went with it; Bob's stays.
        assert count(session, ObservationNote, observation_id=world.observation) == 0
        assert count(session, ObservationNote, observation_id=world.bob_observation) == 1


def test_erasing_a_coach_keeps_their_work_without_their_name(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build_world(session, config)
        report = personal_data.erase_person(session, world.coach, keep_contributions=False)
    # answered, hidden, digest, poll, spiegel change, two notes, a template, 2 steps
    assert report.links_cleared == 10
    with db.session() as session:
        obs = session.get(Observation, world.observation)
        bob_obs = session.get(Observation, world.bob_observation)
        assert obs is not None and obs.answered_by_id is None and obs.answer_text is not None
        assert bob_obs is not None and bob_obs.hidden_by_id is None and bob_obs.status == "hidden"
        assert session.exec(select(Digest)).one().coach_id is None
        poll = session.exec(select(Poll)).one()
        assert poll.creator_id is None
        assert count(session, Vote) == 3  # the residents' votes in the coach's poll stay
        change = session.exec(select(StatementChange)).one()
        assert change.person_id is None and change.reason == "Duidelijker"
        # Their notes and templates stay for the wijk's other coaches, without their name.
        notes = session.exec(select(ObservationNote)).all()
        assert len(notes) == 2 and all(n.author_id is None for n in notes)
        template = session.exec(select(AnswerTemplate)).one()
        assert template.created_by_id is None and template.title == "Gelezen"


def test_erasure_is_all_or_nothing(
    db: Database, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.session() as session:
        world = build_world(session, config)
        before = snapshot(session)

    def fail(self: Session, instance: object) -> None:
        raise RuntimeError("disk full")

    # Fails at the very end, after every other statement of the erasure has run.
    monkeypatch.setattr(Session, "delete", fail)
    for keep in (True, False):
        with db.session() as session, pytest.raises(RuntimeError):
            personal_data.erase_person(session, world.alice, keep_contributions=keep)
        with db.session() as session:
            assert snapshot(session) == before


def test_unknown_person(db: Database) -> None:
    with db.session() as session:
        with pytest.raises(personal_data.PersonNotFound):
            personal_data.export_person(session, 999)
        with pytest.raises(personal_data.PersonNotFound):
            personal_data.erase_person(session, 999, keep_contributions=True)


# --- through the bot ---------------------------------------------------------------------------


def person_id(services: Services, telegram_id: int) -> int | None:
    with services.db.session() as session:
        person = persons.get_person(session, telegram_id)
        return pk(person) if person else None


def add_contributions(services: Services, telegram_id: int) -> int:
    """An observation and a reaction for an onboarded person; returns the observation id."""
    with services.db.session() as session:
        person = persons.get_person(session, telegram_id)
        assert person is not None and person.current_wijk_id is not None
        person.display_name, person.share_name = "Alice Jansen", True
        edition = Edition(wijk_id=person.current_wijk_id, year=2026)
        session.add_all([person, edition])
        session.flush()
        item = SpiegelItem(edition_id=pk(edition), key="s1", kind="strength", text="Veel groen")
        session.add(item)
        session.flush()
        obs = Observation(
            wijk_id=person.current_wijk_id,
            person_id=pk(person),
            author_role="resident",
            swot="strength",
            text="Mooi park",
            share_name=True,
        )
        session.add_all(
            [
                obs,
                Reaction(
                    item_id=pk(item),
                    wijk_id=person.current_wijk_id,
                    person_id=pk(person),
                    verdict="recognise",
                ),
            ]
        )
        session.commit()
        assert obs.id is not None
        return obs.id


async def test_mijngegevens_sends_a_json_file(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    add_contributions(services, 1001)
    before = services.clock.now().astimezone(services.tz).date()
    replies = await alice.send("/mijngegevens")
    after = services.clock.now().astimezone(services.tz).date()
    document = next(m for m in replies if m.kind == "document")
    # Named for the day of the export (the project's clock; local midnight may pass meanwhile).
    assert document.filename in {f"mijngegevens-{day.isoformat()}.json" for day in (before, after)}
    assert document.file_bytes is not None
    data = json.loads(document.file_bytes)
    assert data["profile"]["telegram_id"] == 1001 and data["profile"]["current_wijk"] == "elsrijk"
    assert data["observations"][0]["text"] == "Mooi park"
    assert data["reactions"][0]["statement"] == "Veel groen"
    # The file opens with a guide in their language: every part, and the words behind its codes.
    assert next(iter(data)) == "uitleg"
    guide = data["uitleg"]
    assert "Engels" in guide["about"]
    assert set(guide["parts"]) == set(data) - {"uitleg", "format", "exported_at"}
    assert all(guide["parts"].values())
    assert guide["parts"]["observations"].startswith("Je meldingen.")
    swot = data["observations"][0]["swot"]
    assert guide["words"][swot] == t("nl", f"observations.swot_{swot}")
    assert guide["words"]["recognise"] == "Herken ik"
    assert guide["words"]["resident"] == "bewoner"
    explained = alice.last
    assert (
        "Dit zijn je gegevens" in explained.plain_text
        and "meldingen (1)" in explained.plain_text
        and "wat je vertelde bij Over jou" in explained.plain_text
    )
    assert explained.button_texts == ["Wis mijn gegevens", "Naar het menu"]
    # Exporting stores nothing new about them.
    with services.db.session() as session:
        assert count(session, Observation) == 1 and count(session, Person) == 1


async def test_my_data_from_the_menu_in_english(bot: Harness, services: Services) -> None:
    bob = await onboard(bot, 1002, "Bob", language_code="en")
    await bob.press("My data")
    document = next(m for m in bob.messages if m.kind == "document")
    assert document.filename is not None and document.filename.startswith("mydata-")
    data = json.loads(document.file_bytes or b"")
    assert data["profile"]["language"] == "en"
    assert data["guide"]["words"]["resident"] == "resident"
    assert "uitleg" not in data
    assert "This is your data" in bob.last.plain_text


async def test_vergeetmij_keep_contributions(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    obs_id = add_contributions(services, 1001)
    (ask,) = await alice.send("/vergeetmij")
    assert "Wat moet ik daarmee doen?" in ask.plain_text
    assert ask.button_texts == [
        "Wis ook alles wat ik stuurde",
        "Bewaar ze zonder naam of schuilnaam",
        "Nee, niets wissen",
    ]
    with services.db.session() as session:
        assert (
            count(session, StoredState, kind="user", key="1001") == 1
        )  # the flow is written through
    (confirm,) = await alice.press("Bewaar ze zonder naam of schuilnaam")
    assert (
        "Weet je het zeker?" in confirm.plain_text
        and "zonder naam of schuilnaam" in confirm.plain_text
    )
    assert confirm.button_texts == ["Ja, wis mijn gegevens voorgoed", "Nee, niets wissen"]
    (done,) = await alice.press("Ja, wis mijn gegevens voorgoed")
    assert (
        "Je gegevens zijn gewist" in done.plain_text
        and "bewaard zonder naam of schuilnaam" in done.plain_text
    )
    assert "/start" in done.plain_text and done.button_texts == ["Beginnen"]
    with services.db.session() as session:
        assert count(session, Person) == 0 and count(session, Membership) == 0
        obs = session.get(Observation, obs_id)
        assert obs is not None and obs.person_id is None and obs.share_name is False
        assert count(session, Reaction, person_id=None) == 1
        assert count(session, StoredState) == 0
    # The running Application forgot them too, and flushing does not write them back.
    assert not bot.app.user_data.get(1001)
    await bot.app.update_persistence()
    with services.db.session() as session:
        assert count(session, StoredState) == 0
    # They are a stranger now: /mijngegevens asks to start, /start begins anew.
    (again,) = await alice.send("/mijngegevens")
    assert "Wil je meedoen? Druk dan op Akkoord." in again.plain_text
    assert "Akkoord" in again.button_texts
    (privacy_text,) = await alice.send("/start")
    assert "Eerst over je gegevens" in privacy_text.plain_text
    # Back before PTB's next flush: the flush keeps the wijk question she is at now.
    await alice.press("Akkoord")
    await bot.app.update_persistence()
    with services.db.session() as session:
        assert count(session, StoredState, kind="user", key="1001") == 1


async def test_erasure_withdraws_a_vote_in_an_open_poll_even_when_keeping(
    bot: Harness, services: Services
) -> None:
    # A vote kept without a name in a poll still open, then /start again: the same resident
    # could vote again and again. Erased = in no audience any more (bot/polls/voting.py).
    from bot.polls.tally import tally
    from tests.polls.test_poll_wizard import create_poll, member

    bea = await member(bot, services, 3001, "Bea")
    rita = await onboard(bot, 3003, "Rita")
    await create_poll(bot, bea, audience="Iedereen in de wijk")
    with services.db.session() as session:
        poll_id = session.exec(select(Poll.id)).one()
    await rita.press("Bankjes")
    await rita.send("/vergeetmij")
    (confirm,) = await rita.press("Bewaar ze zonder naam of schuilnaam")
    assert "Alleen een stem in een stemming die nog open is, wis ik wel" in confirm.plain_text
    (done,) = await rita.press("Ja, wis mijn gegevens voorgoed")
    assert "Je stem in een stemming die nog open was, is gewist" in done.plain_text
    with services.db.session() as session:
        assert count(session, Vote) == 0
    # Back through /start, she votes once more: one ballot, not two.
    await onboard(bot, 3003, "Rita")
    await rita.send(f"/start poll_{poll_id}")
    await rita.press("Bankjes")
    with services.db.session() as session:
        result = tally(session, poll_id)
        assert result.voters == 1
        assert {o.text: o.votes for o in result.options}["Bankjes"] == 1


async def test_one_ranking_vote_is_counted_as_one_vote(bot: Harness, services: Services) -> None:
    """Emma puts three options of one poll in order and sends her vote once: /mydata says
    "your votes (1)", and so does /forgetme, though each option is a row of its own."""
    from tests.polls.test_poll_wizard import create_poll, member

    emma = await onboard(bot, 5001, "Emma", language_code="en")
    coach = await member(bot, services, 7001, "Cora", Role.COACH)
    await create_poll(
        bot, coach, audience="Iedereen in de wijk", kind="Op volgorde zetten", hide="Nee"
    )
    for option in ("Speeltuin", "Bankjes", "Straatlicht", "Send my vote"):
        await emma.press(option)
    assert "Your vote is saved" in emma.last.plain_text
    with services.db.session() as session:
        assert count(session, Vote) == 3

    await emma.send("/mydata")
    assert "your votes (1)" in emma.last.plain_text, emma.last.plain_text
    (ask,) = await emma.send("/forgetme")
    assert "and votes (1)" in ask.plain_text, ask.plain_text
    # What the erasure reports (`wijkbot erase` prints it): one vote withdrawn, not three.
    with services.db.session() as session:
        person = persons.get_person(session, emma.id)
        assert person is not None and person.id is not None
        report = personal_data.erase_person(session, person.id, keep_contributions=True)
    assert report.votes_deleted == 1 and report.votes_kept == 0


async def test_vergeetmij_delete_everything_in_english(bot: Harness, services: Services) -> None:
    bob = await onboard(bot, 1002, "Bob", language_code="en")
    add_contributions(services, 1002)
    await bob.send("/forgetme")
    await bob.press("Also erase everything I sent")
    assert "I will also erase your reports" in bob.last.plain_text
    (done,) = await bob.press("Yes, erase my data for good")
    assert "Your data has been erased" in done.plain_text and "were erased too" in done.plain_text
    with services.db.session() as session:
        assert (
            count(session, Person) == count(session, Observation) == count(session, Reaction) == 0
        )


async def test_start_after_erasing_in_english_shows_the_statement_in_english(
    bot: Harness, services: Services
) -> None:
    # Telegram says Dutch, the person chose English in the bot and reads everything in English.
    quinn = await onboard(bot, 4102, "Quinn")
    await quinn.send("/taal")
    await quinn.press("English")
    await quinn.send("/forgetme")
    (erased,) = await quinn.press("Yes, erase my data for good")
    assert "Your data has been erased" in erased.plain_text
    assert erased.button_texts == ["Start"]
    assert person_id(services, 4102) is None
    # The English "Start" the bot just offered leads to the English statement (as "No thanks",
    # then "Start" does before joining), not to a Dutch one with "Akkoord".
    (statement,) = await quinn.press("Start")
    assert "Eerst over je gegevens" not in statement.plain_text
    assert "First, about your data" in statement.plain_text
    assert "I agree" in statement.button_texts
    assert person_id(services, 4102) is None


async def test_vergeetmij_without_contributions_goes_straight_to_confirm(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    (confirm,) = await alice.send("/vergeetmij")
    assert "Weet je het zeker?" in confirm.plain_text and "meldingen" not in confirm.plain_text
    (no,) = await alice.press("Nee, niets wissen")
    assert "niets gewist" in no.plain_text and no.button_texts == ["Naar het menu"]
    assert person_id(services, 1001) is not None
    # The confirm message is dead after "no".
    await alice.press_data(confirm.buttons[0][0].callback_data or "", message=confirm)
    assert alice.alerts[-1] == "Deze knop werkt niet meer."
    assert person_id(services, 1001) is not None


async def test_old_confirm_button_erases_nobody(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    (old_confirm,) = await alice.send("/vergeetmij")
    await alice.send("/menu")  # the flow ended: the old confirm message must not work
    await alice.press("Ja, wis mijn gegevens voorgoed", message=old_confirm)
    assert alice.alerts[-1] == "Deze knop werkt niet meer."
    await alice.send("/vergeetmij")  # a new flow with a new nonce: the old message is still stale
    await alice.press("Ja, wis mijn gegevens voorgoed", message=old_confirm)
    assert alice.alerts[-1] == "Deze knop werkt niet meer."
    assert person_id(services, 1001) is not None


async def test_forged_erase_button_acts_only_on_the_presser(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    bob = await onboard(bot, 1002, "Bob")
    (alice_confirm,) = await alice.send("/vergeetmij")
    alice_data = alice_confirm.buttons[0][0].callback_data or ""
    alice_pid = person_id(services, 1001)
    # Bob replays Alice's button and variants with her id: nothing happens to anyone.
    for data in (
        alice_data,
        f"{alice_data}:{alice_pid}",
        f"pv:{alice_pid}:go",
        "pv:1:go:1001",
        "pv:x:go",
        "pv:1:zap",
    ):
        await bob.press_data(data)
        assert bob.alerts[-1] == "Deze knop werkt niet meer.", data
    assert person_id(services, 1001) is not None and person_id(services, 1002) is not None
    # Bob in his own erase flow, pressing a forged variant with Alice's id: still refused.
    (bob_confirm,) = await bob.send("/vergeetmij")
    bob_data = bob_confirm.buttons[0][0].callback_data or ""
    await bob.press_data(f"{bob_data}:{alice_pid}", message=bob_confirm)
    assert bob.alerts[-1] == "Deze knop werkt niet meer."
    assert person_id(services, 1001) is not None and person_id(services, 1002) is not None
    # His real button erases him, and only him.
    await bob.press("Ja, wis mijn gegevens voorgoed", message=bob_confirm)
    assert person_id(services, 1002) is None and person_id(services, 1001) is not None
    # Alice's own flow still works.
    await alice.press("Ja, wis mijn gegevens voorgoed", message=alice_confirm)
    assert person_id(services, 1001) is None


async def test_failed_erasure_says_so_and_keeps_everything(
    bot: Harness,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    add_contributions(services, 1001)
    await alice.send("/vergeetmij")
    await alice.press("Wis ook alles wat ik stuurde")
    with services.db.session() as session:
        before = snapshot(session)
    original = Session.delete

    def fail(self: Session, instance: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(Session, "delete", fail)
    (failed,) = await alice.press("Ja, wis mijn gegevens voorgoed")
    assert "Het wissen lukte niet. Er is niets gewist." in failed.plain_text
    assert failed.button_texts == ["Opnieuw proberen", "Naar het menu"]
    assert any("erasure failed" in r.getMessage() for r in caplog.records)
    with services.db.session() as session:
        assert snapshot(session) == before
    monkeypatch.setattr(Session, "delete", original)
    (done,) = await alice.press("Opnieuw proberen")
    assert "Je gegevens zijn gewist" in done.plain_text
    with services.db.session() as session:
        assert (
            count(session, Person)
            == count(session, Observation)
            == count(session, StoredState)
            == 0
        )


async def test_commands_are_in_the_command_menu(bot: Harness) -> None:
    nl = next(
        c for c in bot.fake.calls_to("setMyCommands") if c.params.get("language_code") == "nl"
    )
    names = [c["command"] if isinstance(c, dict) else c.command for c in nl.params["commands"]]
    assert "mijngegevens" in names and "vergeetmij" in names


def test_erased_author_does_not_appear_in_the_digest(db: Database, config: Config) -> None:
    from bot.digest import builder
    from bot.digest.periods import parse_period_key

    with db.session() as session:
        world = build_world(session, config)
        obs = session.get(Observation, world.observation)
        assert obs is not None
        obs.status = "new"  # a visible observation of week 47, with Alice's shared name on it
        session.add(obs)
        session.commit()
        wijk = session.get(Wijk, world.wijk)
        assert wijk is not None
        period = parse_period_key("2026-W47", config.general.tz)
        now = T0 + timedelta(days=3)
        before = json.dumps(builder.build(session, config, wijk, period, now).to_json())
        assert "Alice Jansen" in before  # the test would see her if she were still there
        personal_data.erase_person(session, world.alice, keep_contributions=True)
    with db.session() as session:
        wijk = session.get(Wijk, world.wijk)
        assert wijk is not None
        after = json.dumps(builder.build(session, config, wijk, period, now).to_json())
    assert "De oversteek bij school is gevaarlijk" in after  # what she said still counts
    for trace in ("Alice Jansen", "Buur-1001"):
        assert trace not in after, trace


def test_every_reference_to_a_person_is_handled_by_erasure() -> None:
    from sqlmodel import SQLModel

    referring = {
        (table.name, fk.parent.name)
        for table in SQLModel.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "person"
    }
    referring.add(("person", "id"))
    assert referring == set(personal_data.PERSON_COLUMNS)
    assert referring == set(personal_data.EXPORTED_IN)


def test_every_row_stored_with_a_persons_id_is_in_their_export(
    db: Database, config: Config
) -> None:
    """Walks the models: for every column that refers to person.id, whoever has a row behind it
    finds that row's section filled in their export."""
    from sqlmodel import SQLModel

    tables = {table.name: table for table in SQLModel.metadata.sorted_tables}
    with db.session() as session:
        world = build_world(session, config)
        exports = {
            pid: personal_data.export_person(session, pid, now=T0)
            for pid in (world.alice, world.coach)
        }
        for (table_name, column), section in personal_data.EXPORTED_IN.items():
            table = tables[table_name]
            holders = [
                pid
                for pid in exports
                if session.exec(
                    select(func.count()).select_from(table).where(table.c[column] == pid)
                ).one()
            ]
            assert holders, f"the test world has no {table_name}.{column}"
            for pid in holders:
                assert exports[pid][section], (table_name, column, pid)


def test_every_column_of_an_observation_is_in_its_authors_export(
    db: Database, config: Config
) -> None:
    """Each column not named in OBSERVATION_NOT_EXPORTED (with its reason) is given a value of
    its own, which must come back in the author's export."""
    from sqlalchemy import types as sa_types

    with db.session() as session:
        world = build_world(session, config)
        obs = session.get(Observation, world.observation)
        assert obs is not None
        expected: dict[str, object] = {}
        for i, column in enumerate(Observation.__table__.columns):  # type: ignore[attr-defined]
            name = column.name
            if name in personal_data.OBSERVATION_NOT_EXPORTED:
                continue
            kind = getattr(column.type, "impl", column.type)  # AutoString is a String inside
            if isinstance(kind, sa_types.DateTime):
                value: object = T0 + timedelta(minutes=i)
                expected[name] = personal_data.iso(value)  # type: ignore[arg-type]
            elif isinstance(kind, sa_types.String):
                value = expected[name] = f"x{i}"
            elif isinstance(kind, sa_types.Float):
                value = expected[name] = i + 0.25
            else:  # share_name: a flag, given as it is
                assert isinstance(kind, sa_types.Boolean), name
                value, expected[name] = True, True
            setattr(obs, name, value)
        session.add(obs)
        session.commit()
        (exported,) = personal_data.export_person(session, world.alice, now=T0)["observations"]
    missing = {name for name, value in expected.items() if value not in exported.values()}
    assert missing == set()


async def test_the_export_says_what_the_urgent_check_found(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/melding")
    await alice.send("m'n vriend slaat me en ik durf niet naar huis")
    await alice.press("Wat kan beter?")
    await alice.press("Wonen")
    await alice.press("Overslaan")
    await alice.press("Nee, alleen")
    await alice.press("Versturen")
    replies = await alice.send("/mijngegevens")
    document = next(m for m in replies if m.kind == "document")
    (observation,) = json.loads(document.file_bytes or b"")["observations"]
    assert observation["possibly_urgent"] == "home_violence"


async def test_a_coachs_export_holds_their_answers_and_hide_reasons(
    bot: Harness, services: Services
) -> None:
    """What a coach wrote is stored with the coach's id: it is theirs to see in /mijngegevens
    (the residents' texts are not: only the reference of the observation)."""
    from tests.helpers import join_as
    from tests.observations.test_coach import file

    alice = await onboard(bot, 1001, "Alice")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    first = await file(alice, services, "Lantaarn kapot bij de school")
    second = await file(alice, services, "Koop nu goedkope horloges")
    await carla.send("/meldingen")
    await carla.press(f"{first.reference} openen")
    await carla.press("Beantwoorden")
    await carla.send("We maken hem deze week")
    await carla.press("Versturen")
    await carla.send("/meldingen")
    await carla.press(f"{second.reference} openen")
    await carla.press("Verbergen")
    await carla.press("Iets anders")
    await carla.send("Dit is reclame voor horloges")
    await carla.press("Verbergen")

    replies = await carla.send("/mijngegevens")
    document = next(m for m in replies if m.kind == "document")
    assert document.file_bytes is not None
    data = json.loads(document.file_bytes)
    assert [(a["observation"], a["answer"]) for a in data["answers_given"]] == [
        (first.reference, "We maken hem deze week")
    ]
    assert [(h["observation"], h["reason"]) for h in data["observations_hidden"]] == [
        (second.reference, "Dit is reclame voor horloges")
    ]
    # Her steps in the status workflow (the events stored with her id as the actor).
    carla_id = "you"
    assert [
        (e["observation"], e["kind"], e["to_status"], e["by"]) for e in data["observation_steps"]
    ] == [
        (first.reference, "answer", "in_progress", carla_id),
        (second.reference, "status", "hidden", carla_id),
    ]
    exported = document.file_bytes.decode()
    assert "Lantaarn" not in exported and "Koop nu" not in exported  # Alice's, not Carla's


async def test_erasing_a_coach_leaves_no_key_that_names_them(
    bot: Harness, services: Services
) -> None:
    """A coach's "Ja, begin 2027" and answers in the chat keep their flow run's key with the
    coach's person id on the end (bot.spiegel.editing.run_key,
    bot.observations.coach.answer_run_key). Those rows are in their /mijngegevens; after
    /vergeetmij no key names their id any more, while a colleague's answer keeps its key (a
    press of his run delivered again still stores nothing twice)."""
    from tests.helpers import join_as
    from tests.observations.test_coach import file
    from tests.spiegel.test_spiegel import load

    load(services, "elsrijk")
    alice = await onboard(bot, 1001, "Alice")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    daan = await join_as(bot, services, 2002, "Daan", Role.COACH, "elsrijk")
    first = await file(alice, services, "Lantaarn kapot bij de school")
    second = await file(alice, services, "Afval naast de container")
    for coach, observation in ((carla, first), (daan, second)):
        await coach.send("/meldingen")
        await coach.press(f"{observation.reference} openen")
        await coach.press("Beantwoorden")
        await coach.send("We kijken ernaar")
        await coach.press("Versturen")
    await carla.send("/spiegel")
    await carla.press("Begin aan volgend jaar")
    await carla.press("Ja, begin 2027")
    carla_id, daan_id = person_id(services, 2001), person_id(services, 2002)

    def keys() -> list[str]:
        with services.db.session() as session:
            return [
                key
                for key in (
                    *session.exec(select(Edition.request_key)).all(),
                    *session.exec(select(Observation.answer_key)).all(),
                    *session.exec(select(ObservationEvent.key)).all(),
                )
                if key is not None
            ]

    assert [k for k in keys() if k.endswith(f":{carla_id}")] != []  # the test sees them
    replies = await carla.send("/mijngegevens")
    document = next(m for m in replies if m.kind == "document")
    data = json.loads(document.file_bytes or b"")
    assert [(e["wijk"], e["year"]) for e in data["spiegel_editions_begun"]] == [("elsrijk", 2027)]
    assert [a["observation"] for a in data["answers_given"]] == [first.reference]
    await carla.send("/vergeetmij")
    await carla.press("Ja, wis mij")
    assert person_id(services, 2001) is None
    left = keys()
    assert [k for k in left if k.endswith(f":{carla_id}")] == []
    # Daan's answer keeps its run's key, on the observation and on its event.
    assert len([k for k in left if k.endswith(f":{daan_id}")]) == 2
    with services.db.session() as session:
        edition = session.exec(select(Edition).where(Edition.year == 2027)).one()
        assert edition.request_key is None
