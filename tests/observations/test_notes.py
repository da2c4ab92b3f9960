"""Internal notes: only the coaches (and admins) of the observation's own wijk read and add them;
the text is cleaned like every typed text; the sender never gets them, but finds them in their
export; they go with the observation. Both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.core.config import Config
from bot.core.database import Database
from bot.observations import coach, notes
from bot.observations.typed_text import TooLong
from bot.people.permissions import PermissionDenied
from bot.privacy import personal_data
from models import Observation, ObservationNote, ObservationStatus
from tests.observations.desk_world import T0, build


def test_a_coach_adds_and_reads_notes_of_their_wijk(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        first = notes.add_note(
            session,
            world.carla,
            world.observation,
            "  Gemeente\u202e gebeld\r\nticket 77\u200b ",
            T0,
        )
        assert first.text == "Gemeente gebeld\nticket 77"  # cleaned as every typed text
        notes.add_note(session, world.anna, world.observation, "Ik neem het over", T0)
        seen = notes.notes_for(session, world.carla, world.observation)
    assert [(n.text, n.author, n.mine) for n in seen] == [
        ("Gemeente gebeld\nticket 77", "Carla", True),
        ("Ik neem het over", "Anna", False),
    ]
    assert seen[0].created_at.astimezone(T0.tzinfo) == T0


def test_the_same_note_sent_twice_is_stored_once(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        one = notes.add_note(session, world.carla, world.observation, "Gebeld", T0)
        two = notes.add_note(session, world.carla, world.observation, "Gebeld ", T0)
        assert one.id == two.id
        notes.add_note(session, world.carla, world.observation, "Nog eens gebeld", T0)
        notes.add_note(session, world.carla, world.observation, "Gebeld", T0)  # not in a row
        assert len(notes.notes_for(session, world.carla, world.observation)) == 3
        # The same words again the next day are a new note.
        notes.add_note(session, world.carla, world.observation, "Gebeld", T0)
        notes.add_note(session, world.carla, world.observation, "Gebeld", T0 + timedelta(days=1))
        assert len(notes.notes_for(session, world.carla, world.observation)) == 4


def test_residents_and_other_wijken_are_refused(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        notes.add_note(session, world.carla, world.observation, "Intern", T0)
        for outsider in (world.alice, world.dirk):  # the sender herself; Bovenkerk's coach
            with pytest.raises(PermissionDenied):
                notes.add_note(session, outsider, world.observation, "Mag ik?", T0)
            with pytest.raises(PermissionDenied):
                notes.notes_for(session, outsider, world.observation)
        with pytest.raises(PermissionDenied):  # Elsrijk's coach, Bovenkerk's observation
            notes.add_note(session, world.carla, world.other_observation, "Mag ik?", T0)
        with pytest.raises(coach.Refused, match=r"coach\.unknown"):
            notes.add_note(session, world.carla, 999_999, "Weg", T0)
        count = len(session.exec(select(ObservationNote)).all())
    assert count == 1


def test_empty_and_too_long_notes_are_refused(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        for empty in ("", "   ", "\u200b\u2060", "\u202e"):
            with pytest.raises(coach.Refused) as refused:
                notes.add_note(session, world.carla, world.observation, empty, T0)
            assert refused.value.message_key == "desk_notes.empty"
        with pytest.raises(TooLong) as long:
            notes.add_note(session, world.carla, world.observation, "x" * 2001, T0)
        assert long.value.message_key == "errors.too_long"
        assert long.value.values == {"length": 2001, "limit": 2000}
        kept = notes.add_note(session, world.carla, world.observation, "é" * 2000, T0)
        assert len(kept.text) == 2000


def test_a_withdrawn_observation_takes_no_notes(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        session.exec(
            update(Observation)
            .where(Observation.id == world.observation)  # type: ignore[arg-type]
            .values(status=ObservationStatus.WITHDRAWN.value)
        )
        session.commit()
        with pytest.raises(coach.Refused, match=r"coach\.withdrawn"):
            notes.add_note(session, world.carla, world.observation, "Te laat", T0)


def test_the_sender_finds_the_notes_in_their_export_without_the_coachs_name(
    db: Database, config: Config
) -> None:
    with db.session() as session:
        world = build(session, config)
        notes.add_note(session, world.carla, world.observation, "Gemeente gebeld", T0)
        mine = personal_data.export_person(session, world.alice.id, now=T0)
        coachs = personal_data.export_person(session, world.carla.id, now=T0)
    assert mine["notes_about_your_observations"] == [
        {
            "observation": f"M-{world.observation}",
            "note": "Gemeente gebeld",
            "written_at": T0.isoformat(),
            "written_by": "wijkcoach",
        }
    ]
    assert "Carla" not in str(mine)
    assert coachs["notes_written"] == [
        {
            "observation": f"M-{world.observation}",
            "wijk": "elsrijk",
            "note": "Gemeente gebeld",
            "written_at": T0.isoformat(),
        }
    ]
    assert "Lantaarn" not in str(coachs)  # the sender's text is not the coach's


def test_erasure_takes_the_notes_with_the_observations(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        notes.add_note(session, world.carla, world.observation, "Over Alice", T0)
        notes.add_note(session, world.dirk, world.other_observation, "Over Bob", T0)
        personal_data.erase_person(session, world.alice.id, keep_contributions=False)
    with db.session() as session:
        left = [n.text for n in session.exec(select(ObservationNote)).all()]
    assert left == ["Over Bob"]


def test_an_erased_coachs_notes_stay_without_their_name(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        notes.add_note(session, world.carla, world.observation, "Gebeld", T0)
        notes.add_note(session, world.anna, world.observation, "Dank", T0 + timedelta(hours=1))
        personal_data.erase_person(session, world.carla.id, keep_contributions=False)
    with db.session() as session:
        seen = notes.notes_for(session, world.anna, world.observation)
    assert [(n.text, n.author, n.mine) for n in seen] == [
        ("Gebeld", None, False),
        ("Dank", "Anna", True),
    ]


def test_the_database_itself_cascades(db: Database, config: Config) -> None:
    """An observation deleted by other means (the command line, a later clean-up) takes its
    notes along: the foreign key says so on both databases."""
    with db.session() as session:
        world = build(session, config)
        notes.add_note(session, world.carla, world.observation, "Gebeld", T0)
        obs = session.get(Observation, world.observation)
        session.delete(obs)
        session.commit()
        assert session.exec(select(ObservationNote)).all() == []
