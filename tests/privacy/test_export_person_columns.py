"""/mijngegevens holds every column stored on the person themselves."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.context import Services
from bot.core.config import Config
from bot.core.database import Database
from bot.fake_telegram import Harness
from bot.people import persons
from bot.privacy import personal_data
from tests.helpers import onboard
from tests.privacy.test_privacy import T0, build_world


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
    from models import Person

    columns = {column.name for column in Person.__table__.columns}  # type: ignore[attr-defined]
    person = Person(telegram_id=1, consent_at=datetime(2026, 1, 1, tzinfo=UTC), pseudonym="B")
    exported = set(personal_data._profile(person, {}))
    renamed = {"current_wijk_id": "current_wijk", "unreachable_at": "unreachable_since"}
    assert {renamed.get(c, c) for c in columns} - {"id"} <= exported


def test_every_column_of_a_persons_own_rows_is_in_their_export(
    db: Database, config: Config
) -> None:
    """Every row stored with a person's id is theirs (EXPORTED_IN); each of its columns not named
    in OWN_ROWS_NOT_EXPORTED (with its reason) is given a value of its own, which must come back
    in that person's export (was: Reaction.commented_at, PollDelivery.message_id and results_at
    and more were stored about them and missing from the file)."""
    from sqlalchemy import types as sa_types
    from sqlmodel import SQLModel

    tables = {table.name: table for table in SQLModel.metadata.sorted_tables}
    owned = {
        table: section
        for (table, column), section in personal_data.EXPORTED_IN.items()
        if column == "person_id" and table != "observation"  # its own test, in test_privacy
    }
    assert set(owned) == set(personal_data.OWN_ROWS_NOT_EXPORTED)
    with db.session() as session:
        world = build_world(session, config)
        holders = (world.alice, world.coach)
        expected: dict[tuple[int, str], list[tuple[str, object]]] = {}
        unique = itertools.count(1)
        for name, section in owned.items():
            table = tables[name]
            skipped = personal_data.OWN_ROWS_NOT_EXPORTED[name]
            assert set(skipped) <= set(table.c.keys()), name
            connection = session.connection()
            rows = connection.execute(sa.select(table).where(table.c.person_id.in_(holders))).all()
            assert rows, f"the test world has no {name} row of Alice's or the coach's"
            for row in rows:
                values: dict[str, object] = {}
                for column in table.columns:
                    if column.name in skipped:
                        continue
                    i = next(unique)  # a value no other column has
                    kind = getattr(column.type, "impl", column.type)
                    if isinstance(kind, sa_types.DateTime):
                        value: object = T0 + timedelta(minutes=i)
                        shown: object = personal_data.iso(value)  # type: ignore[arg-type]
                    elif isinstance(kind, sa_types.String):
                        value = shown = f"x{i}"
                    elif isinstance(kind, sa_types.Boolean):
                        value = shown = not getattr(row, column.name)
                    else:
                        assert isinstance(kind, sa_types.Integer), (name, column.name)
                        value = shown = 7000 + i
                    values[column.name] = value
                    expected.setdefault((row.person_id, section), []).append(
                        (f"{name}.{column.name}", shown)
                    )
                key = [c for c in table.primary_key.columns]
                connection.execute(
                    table.update().where(*(c == getattr(row, c.name) for c in key)).values(**values)
                )
        session.commit()
        exports = {pid: personal_data.export_person(session, pid, now=T0) for pid in holders}
    missing = [
        (pid, section, column, value)
        for (pid, section), wanted in expected.items()
        for column, value in wanted
        if not any(value in entry.values() for entry in _entries(exports[pid][section]))
    ]
    assert missing == [], missing


def _entries(part: object) -> list[dict[str, object]]:
    if isinstance(part, dict):
        return [part]
    assert isinstance(part, list)
    return part


async def test_when_a_comment_was_written_is_in_the_export(
    bot: Harness, services: Services
) -> None:
    """Alice writes a comment under a statement: when she wrote it (Reaction.commented_at) is in
    /mijngegevens beside the comment (was: only when the reaction was made and last changed)."""
    from tests.spiegel.test_spiegel import COMMENT, load, reactions, statement

    load(services, "elsrijk")
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    page = await alice.press("Wat kan beter? (2)")
    await alice.press(COMMENT, message=statement(page, "Voor jongeren"))
    await alice.send("Er is geen plek om te voetballen.")
    (reaction,) = reactions(services)
    replies = await alice.send("/mijngegevens")
    document = next(m for m in replies if m.kind == "document")
    (exported,) = json.loads(document.file_bytes or b"")["reactions"]
    assert exported["comment"] == "Er is geen plek om te voetballen."
    assert exported["commented_at"] == personal_data.iso(reaction.commented_at)
