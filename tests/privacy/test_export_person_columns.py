"""/mijngegevens holds every column stored on the person themselves."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.context import Services
from bot.fake_telegram import Harness
from bot.people import persons
from tests.helpers import onboard


async def test_the_language_of_their_telegram_app_is_in_their_export(
    bot: Harness, services: Services
) -> None:
    """Emma's Telegram app is in English and she chose Nederlands: the bot keeps her app's
    language (Person.app_language, for her command menu). It is about her, so it is in her file
    (was: stored, and missing from /mijngegevens and `wijkbot person export`)."""
    emma = await onboard(bot, 5001, "Emma", language_code="en")
    await emma.send("/language")
    await emma.press("Nederlands")
    with services.db.session() as session:
        person = persons.get_person(session, 5001)
        assert person is not None and (person.language, person.app_language) == ("nl", "en")
    replies = await emma.send("/mijngegevens")
    document = next(m for m in replies if m.kind == "document")
    data = json.loads(document.file_bytes or b"")
    assert data["profile"]["language"] == "nl"
    assert data["profile"]["app_language"] == "en"
    assert "De taal van je Telegram-app." in data["uitleg"]["parts"]["profile"]


def test_every_column_of_a_person_is_in_their_profile() -> None:
    """A new column on Person is about the person: it goes in the export's profile too (the wijk
    by its slug, the id never: it means nothing outside this database)."""
    from bot.privacy import personal_data
    from models import Person

    columns = {column.name for column in Person.__table__.columns}  # type: ignore[attr-defined]
    person = Person(telegram_id=1, consent_at=datetime(2026, 1, 1, tzinfo=UTC), pseudonym="B")
    exported = set(personal_data._profile(person, {}))
    renamed = {"current_wijk_id": "current_wijk", "unreachable_at": "unreachable_since"}
    assert {renamed.get(c, c) for c in columns} - {"id"} <= exported
