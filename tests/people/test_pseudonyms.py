"""Every person's pseudonym ("Buur-4821", what a coach sees unless they share their name) is
theirs alone: two residents never show up in the coach's list, card, digest, desk or export as
the same neighbour. Through the real Application and the fake Bot API, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.context import Services
from bot.fake_telegram import Harness
from bot.people import persons
from models import Person

pytestmark = pytest.mark.random_pseudonyms


def always(number: int):  # type: ignore[no-untyped-def]
    """A random source that draws `number` every time (below the bound it is asked for)."""

    def randbelow(bound: int) -> int:
        return number % bound

    return randbelow


def pseudonyms(services: Services) -> dict[int, str]:
    with services.db.session() as session:
        return {p.telegram_id: p.pseudonym for p in session.exec(select(Person)).all()}


async def join_at_the_same_moment(bot: Harness, *ids: int) -> None:
    people = [bot.user(telegram_id, f"Buur {telegram_id}") for telegram_id in ids]
    for person in people:
        await person.send("/start")
    await bot.start_polling()
    for person in people:
        person.queue_press("Akkoord")
    await bot.settle()
    await bot.stop_polling()
    for person in people:
        # Each got their confirmation: the statement they agreed to, and the wijk question.
        assert "In welke wijk woon je?" in person.last.plain_text, person


async def test_two_people_drawing_the_same_number_get_different_pseudonyms(
    bot: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The random source draws 4821 for everyone: the second to join must not be Buur-4821 too.
    monkeypatch.setattr(persons.secrets, "randbelow", always(3821))
    await join_at_the_same_moment(bot, 2001, 2002)
    found = pseudonyms(services)
    assert set(found) == {2001, 2002}
    assert found[2001] == "Buur-4821"
    assert found[2002] != "Buur-4821" and found[2002].startswith("Buur-")
    assert found[2002][5:].isdigit()


async def test_a_collision_at_the_write_is_retried_with_another_pseudonym(
    bot: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two people join at the same moment (two workers of the bot): each looked and found
    Buur-4821 free, the first stored it, the second's write is refused by the unique index.
    The second is stored under another pseudonym, and both are told they joined."""
    draws = iter([3821, 3821, 1234])
    monkeypatch.setattr(persons.secrets, "randbelow", lambda bound: next(draws) % bound)
    # The look-up never sees the other's row: it was not committed yet when they looked.
    monkeypatch.setattr(
        persons, "pseudonym_taken", lambda _session, _pseudonym: False, raising=False
    )
    await join_at_the_same_moment(bot, 2001, 2002)
    assert pseudonyms(services) == {2001: "Buur-4821", 2002: "Buur-2234"}


def test_the_database_refuses_a_second_person_with_the_same_pseudonym(
    services: Services,
) -> None:
    now = services.clock.now()
    with services.db.session() as session:
        session.add(Person(telegram_id=1, consent_at=now, pseudonym="Buur-4821"))
        session.commit()
        session.add(Person(telegram_id=2, consent_at=now, pseudonym="Buur-4821"))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()


def test_pseudonyms_grow_a_digit_when_four_keep_being_taken(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(persons.secrets, "randbelow", always(3821))
    now = services.clock.now()
    with services.db.session() as session:
        first = persons.give_consent(session, 1, "nl", now).pseudonym
        second = persons.give_consent(session, 2, "nl", now).pseudonym
        third = persons.give_consent(session, 3, "nl", now).pseudonym
    assert (first, second, third) == ("Buur-4821", "Buur-13821", "Buur-103821")
