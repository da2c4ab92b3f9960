"""The status workflow: which changes a coach may make, for which wijk, with two coaches at once;
bulk changes; the notices to senders and supporters (through the real Application on the fake
Bot API, rate-limited); the sender's one "klopt niet"."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from bot.context import Services
from bot.fake_telegram import Harness
from bot.fake_telegram.users import Person as FakePerson
from bot.observations import workflow
from bot.observations.coach import Refused
from bot.people import persons
from bot.people.permissions import Actor, PermissionDenied, load_actor
from models import Membership, Observation, ObservationEvent, Person, Role, Supporter
from tests.helpers import join_as, onboard
from tests.observations.test_coach import file

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


# --- the service, on both databases --------------------------------------------------------------


def _wijk(services: Services, slug: str) -> int:
    with services.db.session() as session:
        wijk = persons.wijk_by_slug(session, slug)
        assert wijk is not None and wijk.id is not None
        return wijk.id


def _person(services: Services, telegram_id: int, *memberships: tuple[str, Role]) -> int:
    with services.db.session() as session:
        person = Person(telegram_id=telegram_id, consent_at=NOW, pseudonym=f"Buur-{telegram_id}")
        session.add(person)
        session.flush()
        assert person.id is not None
        for slug, role in memberships:
            wijk_id = _wijk(services, slug)
            session.add(Membership(person_id=person.id, wijk_id=wijk_id, role=role.value))
        session.commit()
        return person.id


def _actor(services: Services, telegram_id: int) -> Actor:
    with services.db.session() as session:
        actor = load_actor(session, telegram_id)
        assert actor is not None
        return actor


def _observation(services: Services, slug: str, person_id: int | None, **extra: Any) -> int:
    with services.db.session() as session:
        obs = Observation(
            wijk_id=_wijk(services, slug),
            person_id=person_id,
            author_role="resident",
            swot="weakness",
            text="De lantaarn is kapot",
            created_at=NOW,
            **extra,
        )
        session.add(obs)
        session.commit()
        assert obs.id is not None
        return obs.id


def _status(services: Services, observation_id: int) -> str:
    with services.db.session() as session:
        obs = session.get(Observation, observation_id)
        assert obs is not None
        return obs.status


@pytest.fixture
def world(services: Services) -> dict[str, Any]:
    sender = _person(services, 501, ("elsrijk", Role.RESIDENT))
    _person(services, 601, ("elsrijk", Role.COACH))
    _person(services, 602, ("elsrijk", Role.COACH))
    _person(services, 701, ("bovenkerk", Role.COACH))
    return {
        "sender": sender,
        "coach": _actor(services, 601),
        "coach2": _actor(services, 602),
        "other_coach": _actor(services, 701),
        "obs": _observation(services, "elsrijk", sender),
    }


def test_transitions_table() -> None:
    allowed = workflow.allowed
    assert allowed("new", "read") and allowed("read", "in_progress")
    assert allowed("in_progress", "referred") and allowed("referred", "resolved")
    assert allowed("new", "resolved")  # a busy coach may skip steps forward
    assert allowed("referred", "referred") and allowed("referred", "in_progress")
    assert not allowed("resolved", "in_progress") and not allowed("in_progress", "read")
    assert allowed("resolved", "new") and allowed("hidden", "new")  # reopen
    assert allowed("resolved", "duplicate") and allowed("duplicate", "hidden")
    assert not allowed("hidden", "duplicate") and not allowed("new", "new")
    assert not allowed("withdrawn", "read") and not allowed("new", "withdrawn")
    assert not allowed("new", "answered")


def test_change_records_event_and_refuses_what_is_not_allowed(
    services: Services, world: dict[str, Any]
) -> None:
    coach, obs = world["coach"], world["obs"]
    with services.db.session() as session:
        read = workflow.change_status(session, coach, obs, "read", now=NOW)
        assert (read.from_status, read.to_status, read.notify) == ("new", "read", False)
        with pytest.raises(Refused) as refused:
            workflow.change_status(session, coach, obs, "read", now=NOW)
        assert refused.value.message_key == "workflow.not_allowed"
        with pytest.raises(Refused) as refused:
            workflow.change_status(session, coach, obs, "referred", now=NOW, referred_to="  ")
        assert refused.value.message_key == "workflow.partner_needed"
        ref = workflow.change_status(
            session, coach, obs, "referred", now=NOW, referred_to="Woonstichting De Key"
        )
        assert ref.notify and ref.detail == "Woonstichting De Key" and ref.actor_id == coach.id
        with pytest.raises(Refused) as refused:
            workflow.change_status(session, coach, obs, "hidden", now=NOW)
        assert refused.value.message_key == "workflow.reason_needed"
        done = workflow.change_status(session, coach, obs, "resolved", now=NOW)
        with pytest.raises(Refused):
            workflow.change_status(session, coach, obs, "in_progress", now=NOW)
        with pytest.raises(Refused) as refused:
            workflow.change_status(session, coach, obs, "answered", now=NOW)
        assert refused.value.message_key == "workflow.unknown_status"
        stored = session.get(Observation, obs)
        assert stored is not None
        assert stored.status == "resolved" and stored.referred_to is None
        assert stored.status_changed_at is not None
        steps = [(e.kind, e.to_status) for e in workflow.history(session, obs)]
    assert steps == [("status", "read"), ("status", "referred"), ("status", "resolved")]
    assert done.notify


def test_duplicates_same_wijk_not_itself_no_loop(services: Services, world: dict[str, Any]) -> None:
    coach, obs = world["coach"], world["obs"]
    first = _observation(services, "elsrijk", world["sender"])
    elsewhere = _observation(services, "bovenkerk", None)
    with services.db.session() as session:
        for target, key in (
            (None, "workflow.duplicate_needed"),
            (obs, "workflow.duplicate_self"),
            (elsewhere, "workflow.duplicate_unknown"),
            (999999, "workflow.duplicate_unknown"),
        ):
            with pytest.raises(Refused) as refused:
                workflow.change_status(
                    session, coach, obs, "duplicate", now=NOW, duplicate_of_id=target
                )
            assert refused.value.message_key == key
        event = workflow.change_status(
            session, coach, obs, "duplicate", now=NOW, duplicate_of_id=first
        )
        assert event.detail == f"M-{first}"
        # The first may not become a duplicate of the one that repeats it.
        with pytest.raises(Refused) as refused:
            workflow.change_status(session, coach, first, "duplicate", now=NOW, duplicate_of_id=obs)
        assert refused.value.message_key == "workflow.duplicate_loop"
        stored = session.get(Observation, obs)
        assert stored is not None and stored.duplicate_of_id == first


def test_a_coach_of_another_wijk_is_refused(services: Services, world: dict[str, Any]) -> None:
    with services.db.session() as session:
        with pytest.raises(PermissionDenied):
            workflow.change_status(session, world["other_coach"], world["obs"], "read", now=NOW)
        resident = _actor(services, 501)
        with pytest.raises(PermissionDenied):
            workflow.change_status(session, resident, world["obs"], "read", now=NOW)
        assert workflow.history(session, world["obs"]) == []
    assert _status(services, world["obs"]) == "new"


def test_two_coaches_at_once_only_one_wins(
    services: Services, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both read "new" before either writes: the conditional UPDATE lets one through."""
    loaded = threading.Barrier(2, timeout=10)
    real_load = workflow._load

    def load_then_wait(session: Any, actor: Actor, observation_id: int) -> Observation:
        obs = real_load(session, actor, observation_id)
        loaded.wait()
        return obs

    monkeypatch.setattr(workflow, "_load", load_then_wait)
    outcomes: dict[str, Any] = {}

    def change(name: str, actor: Actor, to: str, **extra: Any) -> None:
        with services.db.session() as session:
            try:
                outcomes[name] = workflow.change_status(
                    session, actor, world["obs"], to, now=NOW, **extra
                )
            except Refused as refused:
                outcomes[name] = refused

    threads = [
        threading.Thread(target=change, args=("a", world["coach"], "resolved")),
        threading.Thread(
            target=change, args=("b", world["coach2"], "hidden"), kwargs={"reason": "spam"}
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [o for o in outcomes.values() if isinstance(o, ObservationEvent)]
    lost = [o for o in outcomes.values() if isinstance(o, Refused)]
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].message_key == "workflow.changed"
    with services.db.session() as session:
        assert len(workflow.history(session, world["obs"])) == 1
    assert _status(services, world["obs"]) == won[0].to_status


def test_bulk_checks_each_for_its_own_wijk(services: Services, world: dict[str, Any]) -> None:
    ours = [_observation(services, "elsrijk", world["sender"]) for _ in range(3)]
    theirs = _observation(services, "bovenkerk", None)
    with services.db.session() as session:
        results = workflow.change_many(
            session, world["coach"], [*ours, theirs, 424242], "in_progress", now=NOW
        )
    assert [type(r).__name__ for r in results] == ["ObservationEvent"] * 3 + ["Refused"] * 2
    assert isinstance(results[3], Refused) and results[3].message_key == "errors.not_allowed"
    assert isinstance(results[4], Refused) and results[4].message_key == "coach.unknown"
    assert _status(services, theirs) == "new"
    assert all(_status(services, o) == "in_progress" for o in ours)


def test_bulk_without_what_the_status_needs_touches_nothing(
    services: Services, world: dict[str, Any]
) -> None:
    """Referred without a partner, hidden without a reason, duplicate without the observation it
    repeats: refused once, before any row is read, instead of one refusal per observation."""
    ours = [_observation(services, "elsrijk", world["sender"]) for _ in range(3)]
    for to, extra, key in (
        ("referred", {"referred_to": "   "}, "workflow.partner_needed"),
        ("referred", {"referred_to": "x" * (workflow.PARTNER_MAX + 1)}, "workflow.too_long"),
        ("hidden", {}, "workflow.reason_needed"),
        ("duplicate", {}, "workflow.duplicate_needed"),
    ):
        with services.db.session() as session, pytest.raises(Refused) as refused:
            workflow.change_many(session, world["coach"], ours, to, now=NOW, **extra)
        assert refused.value.message_key == key
    assert all(_status(services, o) == "new" for o in ours)
    with services.db.session() as session:
        assert not session.exec(select(ObservationEvent)).all()


# --- through the bot: notices and the sender's "klopt niet" --------------------------------------


async def _filed(bot: Harness, services: Services) -> tuple[FakePerson, FakePerson, Observation]:
    alice = await onboard(bot, 1001, "Alice")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    obs = await file(alice, services, "De lantaarn bij de school is kapot")
    return alice, carla, obs


async def _change(services: Services, telegram_id: int, obs_id: int, to: str, **extra: Any) -> Any:
    with services.db.session() as session:
        event = workflow.change_status(
            session, _actor(services, telegram_id), obs_id, to, now=services.clock.now(), **extra
        )
    services.desk_notices.wake()
    await services.desk_notices.idle()
    return event


def _notices(person: FakePerson, words: str) -> list[Any]:
    return [m for m in person.messages if words in m.plain_text]


async def test_sender_hears_of_changes_in_their_language_read_is_silent(
    bot: Harness, services: Services
) -> None:
    alice, _carla, obs = await _filed(bot, services)
    assert obs.id is not None
    before = len(alice.messages)
    await _change(services, 2001, obs.id, "read")
    assert len(alice.messages) == before
    await _change(services, 2001, obs.id, "referred", referred_to="Woonstichting <De Key>")
    (notice,) = _notices(alice, "doorgestuurd naar")
    assert f"Je melding {obs.reference} is doorgestuurd naar Woonstichting <De Key>." in (
        notice.plain_text
    )
    assert "Klopt niet" in notice.button_texts
    assert "Nog steeds niet opgelost" not in notice.button_texts
    # Once: another run finds nothing left to send.
    services.desk_notices.wake()
    await services.desk_notices.idle()
    assert len(_notices(alice, "doorgestuurd naar")) == 1
    with services.db.session() as session:
        pending = session.exec(
            select(ObservationEvent).where(col(ObservationEvent.notified_at).is_(None))
        ).all()
    # "read" was nothing to tell: never claimed, never sent.
    assert [(e.to_status, e.notify) for e in pending] == [("read", False)]


async def test_english_sender_and_supporter_each_get_their_notice(
    bot: Harness, services: Services
) -> None:
    alice, _carla, obs = await _filed(bot, services)
    assert obs.id is not None
    bob = await onboard(bot, 1002, "Bob")
    with services.db.session() as session:
        bob_person = session.exec(select(Person).where(Person.telegram_id == 1002)).one()
        alice_person = session.exec(select(Person).where(Person.telegram_id == 1001)).one()
        bob_person.language = "en"
        session.add(bob_person)
        session.add(Supporter(observation_id=obs.id, person_id=bob_person.id, text="Ik ook"))
        session.commit()
        assert alice_person.id is not None
    await _change(services, 2001, obs.id, "resolved")
    (own,) = _notices(alice, "is opgelost")
    assert f"Je melding {obs.reference} is opgelost." in own.plain_text
    assert {"Klopt niet", "Nog steeds niet opgelost"} <= set(own.button_texts)
    (theirs,) = _notices(bob, "has been solved")
    assert f"Report {obs.reference}, which you reported too, has been solved." in theirs.plain_text
    assert "Still not solved" in theirs.button_texts


async def test_anonymous_sender_hears_too_and_a_blocked_one_is_marked(
    bot: Harness, services: Services
) -> None:
    alice, _carla, obs = await _filed(bot, services)
    assert obs.id is not None and not obs.share_name
    alice.fake.block(alice.id)
    await _change(services, 2001, obs.id, "hidden", reason="Reclame")
    with services.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_id == alice.id)).one()
        event = session.exec(select(ObservationEvent)).one()
    assert person.unreachable_at is not None
    assert event.notified_at is not None  # claimed once, not tried for ever
    alice.fake.unblock(alice.id)
    await _change(services, 2001, obs.id, "new")
    await _change(services, 2001, obs.id, "in_progress")
    (notice,) = _notices(alice, "in behandeling")
    assert f"Je melding {obs.reference} is in behandeling." in notice.plain_text


async def test_bulk_of_100_returns_at_once_and_each_sender_hears_once_through_the_limiter(
    bot: Harness, services: Services
) -> None:
    coach = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    assert coach is not None
    people = [_person(services, 30000 + n, ("elsrijk", Role.RESIDENT)) for n in range(100)]
    for n in range(100):
        bot.fake.add_user(30000 + n)
    ids = [_observation(services, "elsrijk", p) for p in people]
    bot.fake.set_limits(overall_per_second=30, per_chat_per_second=1)
    bot.fake.fail_next("sendMessage", chat_id=30007, error="retry_after", retry_after=1)

    started = time.perf_counter()
    with services.db.session() as session:
        results = workflow.change_many(
            session, _actor(services, 2001), ids, "resolved", now=services.clock.now()
        )
    services.desk_notices.wake()
    returned = time.perf_counter() - started
    assert all(isinstance(r, ObservationEvent) for r in results)
    assert returned < 5.0  # the notices are not sent yet: that is the background's work
    await asyncio.wait_for(services.desk_notices.idle(), timeout=60)

    sends = [
        c for c in bot.fake.calls_to("sendMessage") if 30000 <= int(c.params["chat_id"]) < 30100
    ]
    delivered = [c for c in sends if c.status == 200]
    assert sorted(int(c.params["chat_id"]) for c in delivered) == list(range(30000, 30100))
    # The injected 429 was waited out and that person still got theirs, once. (Telegram's limits
    # are on in the fake: the limiter kept the pace, so the hundred took seconds.)
    assert bot.fake.retry_after_answers >= 1
    span = delivered[-1].time - delivered[0].time
    assert span >= 2.0, span
    with services.db.session() as session:
        assert not session.exec(
            select(ObservationEvent).where(
                col(ObservationEvent.notify).is_(True), col(ObservationEvent.notified_at).is_(None)
            )
        ).all()


async def test_reopen_once_and_a_stale_press_is_told(bot: Harness, services: Services) -> None:
    alice, _carla, obs = await _filed(bot, services)
    assert obs.id is not None
    await _change(services, 2001, obs.id, "resolved")
    (notice,) = _notices(alice, "is opgelost")
    await alice.press("Nog steeds niet opgelost", message=notice)
    assert f"Melding {obs.reference} staat weer open" in alice.last.plain_text
    assert _status(services, obs.id) == "new"
    with services.db.session() as session:
        last = workflow.history(session, obs.id)[-1]
    assert (last.kind, last.to_status, last.detail, last.actor_id) == (
        "reopen",
        "new",
        "not_solved",
        None,
    )
    # The same press again (the old message still had the button): a clear answer, no change.
    await alice.press_data(f"sn:{last.id - 1}:w", message=notice)
    assert alice.alerts[-1] == "Je hebt hier al op gereageerd. De melding staat weer open."

    # A notice overtaken by a later change: stale.
    await _change(services, 2001, obs.id, "referred", referred_to="Gemeente")
    (referred,) = _notices(alice, "doorgestuurd naar")
    await _change(services, 2001, obs.id, "resolved")
    await alice.press("Klopt niet", message=referred)
    assert "Er is intussen al iets veranderd" in alice.alerts[-1]
    assert _status(services, obs.id) == "resolved"


async def test_only_the_sender_or_a_supporter_may_reopen(bot: Harness, services: Services) -> None:
    _alice, _carla, obs = await _filed(bot, services)
    assert obs.id is not None
    event = await _change(services, 2001, obs.id, "resolved")
    mallory = await onboard(bot, 1666, "Mallory")
    await mallory.press_data(f"sn:{event.id}:w")
    assert mallory.alerts[-1] == "Deze melding ken ik niet."
    await mallory.press_data(f"sn:{event.id}:x")
    assert _status(services, obs.id) == "resolved"
