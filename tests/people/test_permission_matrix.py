"""Who may see and do what, through the real Application: every callback kind and the commands,
for every role (and none), on objects of the person's own wijk and of another wijk.

The buttons are forged: callback data a client can send for any id. Whatever the role may not
see must not reach it (messages, edits, alerts, files), whatever it may not do must not change
the database, and every forbidden press gets a refusal. One harness per role, many presses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import Session, col, func, select

from bot.context import Services
from bot.core.clock import utcnow
from bot.core.i18n import t
from bot.fake_telegram import Harness
from bot.fake_telegram.users import Person as FakePerson
from bot.people import persons
from models import (
    Edition,
    Membership,
    Observation,
    Person,
    Poll,
    PollOption,
    PollStatus,
    Reaction,
    Role,
    SpiegelItem,
    Vote,
)
from tests.helpers import join_as, onboard

ROLES = ["resident", "big", "partner", "coach", "admin", "none"]
COACHES = {"coach", "admin"}
ME = 5001


@dataclass
class World:
    """Wijk A (Elsrijk, where the person under test has their role) and wijk B (Randwijck)."""

    wijk_a: int
    wijk_b: int
    edition_b: int
    item_b: int
    obs_a: int  # someone else's observation in A, answered
    obs_b: int
    big_a: int  # open, BIG members only, interim results shown
    big_a_option: int
    closed_big_a: int
    wijk_b_poll: int
    wijk_b_option: int
    big_b: int


# Texts only some roles may ever see, with the roles that may (all of them in wijk A).
SECRETS: dict[str, set[str]] = {
    "GEHEIM-MELDING-A": COACHES,
    "GEHEIM-ANTWOORD-A": COACHES,
    "GEHEIM-MELDING-B": set(),
    "GEHEIM-UITSPRAAK-B": set(),
    "GEHEIM-BIGVRAAG-A": {"big", *COACHES},
    "GEHEIM-BIGKEUZE-A": {"big", *COACHES},
    "GEHEIM-GESLOTEN-A": {"big", *COACHES},
    "GEHEIM-GESLOTENKEUZE-A": {"big", *COACHES},
    "GEHEIM-VRAAG-B": set(),
    "GEHEIM-KEUZE-B": set(),
    "GEHEIM-BIGVRAAG-B": set(),
    "GEHEIM-BIGKEUZE-B": set(),
}


def _person(session: Session, telegram_id: int, wijk_id: int, *roles: Role) -> int:
    person = Person(
        telegram_id=telegram_id,
        language="nl",
        pseudonym=f"Buur-{telegram_id}",
        current_wijk_id=wijk_id,
        consent_at=utcnow(),
    )
    session.add(person)
    session.flush()
    assert person.id is not None
    for role in roles:
        session.add(Membership(person_id=person.id, wijk_id=wijk_id, role=role.value))
    return person.id


def _poll(
    session: Session,
    services: Services,
    wijk_id: int,
    creator: int,
    audience: str,
    question: str,
    option: str,
    voter: int,
    *,
    closed: bool = False,
) -> tuple[int, int]:
    now = services.clock.now()
    poll = Poll(
        wijk_id=wijk_id,
        creator_id=creator,
        question=question,
        kind="single",
        audience=audience,
        closes_at=now + timedelta(days=7),
        status=PollStatus.CLOSED.value if closed else PollStatus.OPEN.value,
        closed_at=now if closed else None,
        results_sent_at=now if closed else None,
    )
    session.add(poll)
    session.flush()
    assert poll.id is not None
    options = [PollOption(poll_id=poll.id, position=0, text=option)]
    options.append(PollOption(poll_id=poll.id, position=1, text="Iets anders"))
    session.add_all(options)
    session.flush()
    assert options[0].id is not None
    session.add(Vote(poll_id=poll.id, option_id=options[0].id, person_id=voter))
    return poll.id, options[0].id


def build_world(services: Services) -> World:
    with services.db.session() as session:
        a = persons.wijk_by_slug(session, "elsrijk")
        b = persons.wijk_by_slug(session, "randwijck")
        assert a is not None and a.id is not None and b is not None and b.id is not None
        res_a = _person(session, 9101, a.id, Role.RESIDENT)
        res_b = _person(session, 9102, b.id, Role.RESIDENT)
        big_a = _person(session, 9103, a.id, Role.RESIDENT, Role.BIG)
        big_b = _person(session, 9104, b.id, Role.RESIDENT, Role.BIG)
        coach_a = _person(session, 9105, a.id, Role.COACH)
        now = services.clock.now()
        obs_a = Observation(
            wijk_id=a.id,
            person_id=res_a,
            author_role="resident",
            swot="weakness",
            text="GEHEIM-MELDING-A over de stoep",
            status="in_progress",
            answer_text="GEHEIM-ANTWOORD-A van de coach",
            answered_at=now,
            answered_by_id=coach_a,
        )
        obs_b = Observation(
            wijk_id=b.id,
            person_id=res_b,
            author_role="resident",
            swot="threat",
            text="GEHEIM-MELDING-B over de brug",
        )
        edition_b = Edition(wijk_id=b.id, year=2026, title="Randwijck 2026")
        session.add_all([obs_a, obs_b, edition_b])
        session.flush()
        assert edition_b.id is not None
        item_b = SpiegelItem(
            edition_id=edition_b.id, key="b1", kind="weakness", text="GEHEIM-UITSPRAAK-B"
        )
        session.add(item_b)
        session.flush()
        big_poll, big_option = _poll(
            session, services, a.id, big_a, "big", "GEHEIM-BIGVRAAG-A?", "GEHEIM-BIGKEUZE-A", big_a
        )
        closed, _ = _poll(
            session,
            services,
            a.id,
            big_a,
            "big",
            "GEHEIM-GESLOTEN-A?",
            "GEHEIM-GESLOTENKEUZE-A",
            big_a,
            closed=True,
        )
        wijk_poll, wijk_option = _poll(
            session, services, b.id, big_b, "wijk", "GEHEIM-VRAAG-B?", "GEHEIM-KEUZE-B", res_b
        )
        big_b_poll, _ = _poll(
            session, services, b.id, big_b, "big", "GEHEIM-BIGVRAAG-B?", "GEHEIM-BIGKEUZE-B", big_b
        )
        session.commit()
        assert obs_a.id and obs_b.id and item_b.id
        return World(
            a.id,
            b.id,
            edition_b.id,
            item_b.id,
            obs_a.id,
            obs_b.id,
            big_poll,
            big_option,
            closed,
            wijk_poll,
            wijk_option,
            big_b_poll,
        )


def presses(w: World) -> list[tuple[str, set[str]]]:
    """Forged callback data, each with the roles that may use it (everyone else is refused)."""
    return [
        # the spiegel and reactions of another wijk
        (f"sp:{w.edition_b}", set()),
        (f"sp:{w.edition_b}:w:0", set()),
        (f"rx:{w.item_b}:y", set()),
        (f"rx:{w.item_b}:c", set()),
        (f"rx:{w.item_b}:r:1", set()),
        # someone else's observations, as if they were one's own
        (f"mo:{w.obs_a}:w:0", set()),
        (f"mo:{w.obs_a}:wy:0", set()),
        (f"mo:{w.obs_b}:wy:0", set()),
        # a coach's actions, in another wijk and (for those who are not its coach) in one's own
        (f"co:l:{w.wijk_b}:all:0", set()),
        (f"co:{w.obs_b}:open", set()),
        (f"co:{w.obs_b}:tx", set()),
        (f"co:{w.obs_b}:rd", set()),
        (f"co:{w.obs_b}:an", set()),
        (f"co:{w.obs_b}:hd", set()),
        (f"co:{w.obs_b}:hr:abuse", set()),
        (f"co:{w.obs_b}:ph", set()),
        (f"co:{w.obs_b}:lo", set()),
        (f"co:{w.obs_a}:rp", set()),  # only the sender replies to an answer
        (f"co:{w.obs_a}:rps:1", set()),
        (f"co:l:{w.wijk_a}:all:0", COACHES),
        (f"co:{w.obs_a}:open", COACHES),
        (f"co:{w.obs_a}:tx", COACHES),
        # digests and their settings
        (f"dg:{w.wijk_b}:now", set()),
        (f"dg:{w.wijk_a}:now", COACHES),
        ("ds:show:0", COACHES),
        ("ds:day:3", COACHES),
        # polls of another wijk, and BIG polls of one's own
        (f"pl:{w.wijk_b_poll}:show", set()),
        (f"pl:{w.wijk_b_poll}:res", set()),
        (f"pl:{w.wijk_b_poll}:chg", set()),
        (f"pl:{w.wijk_b_poll}:o:{w.wijk_b_option}:n", set()),
        (f"pl:{w.wijk_b_poll}:t:1:n", set()),
        (f"pl:{w.wijk_b_poll}:r:0:n", set()),
        (f"pl:{w.big_b}:res", set()),
        (f"pl:{w.big_a}:res", {"big", *COACHES}),
        (f"pl:{w.big_a}:show", {"big"}),  # a coach manages it, but does not vote in it
        (f"pl:{w.big_a}:o:{w.big_a_option}:n", {"big"}),
        (f"pl:{w.closed_big_a}:res", {"big", *COACHES}),
        (f"pm:{w.wijk_b_poll}:m", set()),
        (f"pm:{w.wijk_b_poll}:clY", set()),
        (f"pm:{w.wijk_b_poll}:cxY", set()),
        (f"pm:{w.big_a}:m", COACHES),
        (f"pm:lk:{w.wijk_b}", set()),
        # flow buttons with a made-up nonce, aimed at another wijk
        (f"pw:7:wk:{w.wijk_b}", set()),
        (f"ob:7:wk:{w.wijk_b}", set()),
        (f"wk:7:{w.wijk_b}", set()),
        ("ft:7:y", set()),
        ("pv:7:go", set()),
        # buttons that only ever act on the one pressing: no refusal, nothing to leak
        ("cx:7", set(ROLES)),
        ("ok:nl:n:-", set(ROLES)),
        ("lg:nl", set(ROLES)),
        # menu entries of other roles
        # (an entry of another role shows one's own menu instead)
        ("mn:newpoll", {"big", *COACHES}),
        ("mn:meldingen", COACHES),
        ("mn:digest", COACHES),
    ]


COMMANDS = [
    "/meldingen",
    "/digest",
    "/peilingen",
    "/spiegel",
    "/koppel",
    "/start poll_{wijk_b_poll}",
    "/start poll_{big_a}",
    "/start poll_{big_b}",
    "/mijngegevens",
]


async def person_with(bot: Harness, services: Services, role: str) -> FakePerson:
    if role == "resident":
        return await onboard(bot, ME, "Tess")
    if role == "none":  # consented, never chose a wijk: no role anywhere
        person = bot.user(ME, "Tess")
        await person.send("/start")
        await person.press("Akkoord")
        return person
    return await join_as(bot, services, ME, "Tess", Role(role), "elsrijk")


REFUSALS = [
    "errors.not_allowed",
    "errors.stale_button",
    "errors.stale_button_long",
    "onboarding.choose_wijk",
    "spiegel.other_wijk",
    "observations.withdraw_refused",
    "digest.coach_only",
    "polls.err_not_audience",
    "polls.err_not_manager",
    "polls.koppel_private",
    "coach.reply_unknown",
]


def refusals(data: str) -> list[str]:
    keys = ["menu.title", "onboarding.choose_wijk"] if data.startswith("mn:") else REFUSALS
    texts = [t("nl", key) for key in keys]
    assert all(text not in keys for text in texts), "a refusal key is missing"
    return [re.sub(r"<[^>]+>", "", text) for text in texts]


def seen_by(bot: Harness, person: FakePerson) -> str:
    """Everything the person was ever shown: each version of every message, files, alerts."""
    parts: list[str] = [str(a) for a in person.alerts]
    for stored in bot.fake.messages.get(person.id, []):
        if not stored.from_bot:
            continue
        parts += [text or "" for text, _ in stored.history]
        parts.append(stored.text or "")
        parts.append(str(stored.reply_markup or ""))
        if stored.file is not None:
            parts.append(stored.file.content.decode(errors="replace"))
    return "\n".join(parts)


def state(services: Services, world: World) -> dict[str, object]:
    """What a forbidden press could change."""
    with services.db.session() as session:
        me = session.exec(select(Person.id).where(Person.telegram_id == ME)).first()
        obs = {
            o.id: (o.status, o.answer_text, o.hidden_reason)
            for o in session.exec(select(Observation))
        }
        polls = {p.id: p.status for p in session.exec(select(Poll))}
        my_votes = sorted(session.exec(select(Vote.poll_id).where(col(Vote.person_id) == me)).all())
        reactions_b = session.exec(
            select(func.count()).select_from(Reaction).where(Reaction.wijk_id == world.wijk_b)
        ).one()
        return {"obs": obs, "polls": polls, "my_votes": my_votes, "reactions_b": reactions_b}


@pytest.mark.parametrize("role", ROLES)
async def test_forged_buttons_and_commands_per_role(
    bot: Harness, services: Services, role: str
) -> None:
    world = build_world(services)
    person = await person_with(bot, services, role)
    before = state(services, world)
    failures: list[str] = []
    for data, allowed in presses(world):
        alerts = len(person.alerts)
        replies = await person.press_data(data)
        if role in allowed:
            continue
        shown = [str(a) for a in person.alerts[alerts:]] + [m.plain_text for m in replies]
        if not any(r in s for r in refusals(data) for s in shown):
            failures.append(f"{data}: {shown}")
    for command in COMMANDS:
        await person.send(command.format(**vars(world)))

    assert not failures, "\n".join(failures)
    seen = seen_by(bot, person)
    leaked = [s for s, roles in SECRETS.items() if role not in roles and s in seen]
    assert not leaked, leaked
    after = state(services, world)
    # A BIG member may vote in their own BIG poll; nothing else changes for anyone.
    if role == "big":
        assert after.pop("my_votes") == [world.big_a]
        before.pop("my_votes")
    assert after == before
