"""Shared test steps: onboard a person through the real bot, give someone a role."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.context import Services
from bot.fake_telegram import Harness
from bot.fake_telegram.state import JSONDict
from bot.fake_telegram.users import Person as FakePerson
from bot.people import invites, persons
from models import Role, Wijk

# Shaped like a real token (digits, a colon, 35 characters) so that token checks and log redaction
# treat it as one; it opens no bot. Joined at run time so that secret scanners, which look for
# that shape in source files, do not take it for a leaked one.
FAKE_TOKEN = ":".join(("123456789", "FAKE_test_token_not_a_real_one_00"))


def next_weekday_at(now: datetime, weekday: int, hour: int) -> datetime:
    """The first `weekday` (0 = Monday) at `hour`:00 UTC at least a day after `now`.

    Tests that need a moment after what the bot just stored take it from the project's clock
    through this, never from a fixed date (the stored rows carry the real time)."""
    day = now.astimezone(UTC).date() + timedelta(days=1)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    return datetime.combine(day, time(hour), tzinfo=UTC)


async def onboard(
    bot: Harness,
    user_id: int,
    name: str = "Test",
    *,
    wijk: str = "Elsrijk",
    language_code: str = "nl",
) -> FakePerson:
    """/start, accept, choose the wijk by its button text: the person lands on the main menu."""
    person = bot.user(user_id, name, language_code=language_code)
    await person.send("/start")
    await person.press("Akkoord" if language_code.startswith("nl") else "I agree")
    await person.press(wijk)
    return person


def invite_code(services: Services, role: Role, *slugs: str, uses: int = 1, days: int = 7) -> str:
    with services.db.session() as session:
        wijken = [w for s in slugs if (w := persons.wijk_by_slug(session, s)) is not None]
        _, code = invites.create_invite(
            session,
            role=role,
            wijken=wijken,
            now=services.clock.now(),
            expires_in=timedelta(days=days),
            uses=uses,
        )
    return code


async def join_as(
    bot: Harness,
    services: Services,
    user_id: int,
    name: str,
    role: Role,
    *slugs: str,
    language_code: str = "nl",
) -> FakePerson:
    """Join through an invite link (/start <code>), as a coach, BIG member or partner would."""
    code = invite_code(services, role, *slugs)
    person = bot.user(user_id, name, language_code=language_code)
    await person.send(f"/start {code}")
    await person.press("Akkoord" if language_code.startswith("nl") else "I agree")
    return person


def delivered_updates(harness: Harness, kind: str | None = None) -> list[JSONDict]:
    """From now on, every update the harness delivers (of `kind` only, when given), as Telegram
    sent it: to deliver one again, or to look at its JSON."""
    seen: list[JSONDict] = []
    act = harness.act

    async def recording(update: Any, *, chats: Any) -> Any:
        said = await act(update, chats=chats)
        data = harness.last_update
        if data is not None and (kind is None or kind in data):
            seen.append(data)
        return said

    harness.act = recording  # type: ignore[method-assign]
    return seen


def taken_out_wijk(services: Services, slug: str = "verdwenen", name: str = "Verdwenen") -> int:
    """A wijk the database holds but the configuration no longer has: taken out of config.toml,
    so start-up (persons.sync_wijken) switched it off. Its id."""
    with services.db.session() as session:
        wijk = Wijk(slug=slug, name=name, active=False)
        session.add(wijk)
        session.commit()
        assert wijk.id is not None
        return wijk.id
