"""Refreshing stored grouping signatures after the vocabulary changed: the service on both
databases, `wijkbot signatures refresh`, and the start-up job through the real Application (an
observation stored before the upgrade is found by "ik ook" again)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.cli import wijkbot as cli
from bot.context import Services
from bot.digest.builder import vocabulary_for
from bot.fake_telegram import FakeTelegram, Harness
from bot.grouping import refresh, signatures
from bot.grouping.signatures import concept_key, matter_key
from bot.grouping.vocabulary import Vocabulary
from models import Observation, Person
from tests.conftest import make_app
from tests.digest.test_digest import observe, person
from tests.grouping.test_grouping_signature import NOTHING
from tests.helpers import onboard
from tests.observations.test_same_matter import (
    QUESTION,
    TILES_A,
    TILES_B,
    asked,
    lookup,
    person_of,
    stored,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def current(services: Services) -> Vocabulary:
    return vocabulary_for(services.config.digest.vocabulary)


def older(services: Services) -> Vocabulary:
    """The vocabulary before the upgrade: its last concept not yet added."""
    vocabulary = current(services)
    return replace(vocabulary, concepts=vocabulary.concepts[:-1], _matcher=None)


def sign_with(services: Services, observation_id: int | None, vocabulary: Vocabulary) -> str:
    """Store the signature `vocabulary` makes of the row's text, as filing did back then."""
    with services.db.session() as session:
        obs = session.get(Observation, observation_id)
        assert obs is not None
        made = signatures.signature(obs.text, vocabulary)
        session.exec(
            update(Observation)  # type: ignore[call-overload]
            .where(Observation.id == observation_id)
            .values(
                grouping_signature=made,
                grouping_matter=matter_key(made),
                grouping_concept=concept_key(made),
            )
        )
        session.commit()
    return made


def row(services: Services, observation_id: int | None) -> Observation:
    with services.db.session() as session:
        obs = session.get(Observation, observation_id)
        assert obs is not None
        return obs


def grouping(obs: Observation) -> tuple[str | None, str | None, str | None]:
    return obs.grouping_signature, obs.grouping_matter, obs.grouping_concept


def residents(services: Services) -> tuple[Person, Person]:
    person(services, 1001)
    person(services, 1002)
    return person_of(services, 1001), person_of(services, 1002)


# --- the service, on SQLite and PostgreSQL ------------------------------------------------------


def test_old_signatures_are_made_again_and_found_by_ik_ook(services: Services) -> None:
    alice, bob = residents(services)
    vocabulary = current(services)
    old = stored(services, alice, TILES_A)
    fresh = stored(services, alice, "Er wordt te hard gereden in onze straat")
    missing = observe(services, "Hondenpoep op de stoep bij de school")  # no signature at all
    old_signature = sign_with(services, old.id, older(services))
    assert not old_signature.startswith(vocabulary.matcher.fingerprint)
    # A row already current is not touched: its matter (deliberately odd here) stays.
    with services.db.session() as session:
        session.exec(
            update(Observation)  # type: ignore[call-overload]
            .where(Observation.id == fresh.id)
            .values(grouping_matter="left alone")
        )
        session.commit()
    before = {o: row(services, o) for o in (old.id, fresh.id, missing)}
    assert lookup(services, bob) == 0

    assert refresh.refresh_signatures(services.db, vocabulary, batch=1) == 2

    assert lookup(services, bob) == old.id
    for oid in (old.id, missing):
        obs = row(services, oid)
        made = signatures.signature(obs.text, vocabulary)
        assert grouping(obs) == (made, matter_key(made), concept_key(made))
        # Nothing else changes.
        assert obs.model_dump(
            exclude={"grouping_signature", "grouping_matter", "grouping_concept"}
        ) == before[oid].model_dump(
            exclude={"grouping_signature", "grouping_matter", "grouping_concept"}
        )
    assert row(services, fresh.id).model_dump() == before[fresh.id].model_dump()
    assert row(services, fresh.id).grouping_matter == "left alone"
    # Nothing left: a second run changes nothing.
    assert refresh.refresh_signatures(services.db, vocabulary) == 0


def test_texts_about_nothing_recognised_get_no_matter_key(services: Services) -> None:
    """Rows stored without a signature (older ones, or by other means) get theirs here: texts
    about nothing the vocabulary knows get no matter key, so the desk does not show them as one
    matter; a text about something still gets its key."""
    vocabulary = current(services)
    nothing = [observe(services, text) for text in NOTHING]
    dogs = observe(services, "Overal hondenpoep")
    assert refresh.refresh_signatures(services.db, vocabulary) == len(NOTHING) + 1
    for oid in nothing:
        obs = row(services, oid)
        assert obs.grouping_signature == signatures.signature(obs.text, vocabulary)
        assert (obs.grouping_matter, obs.grouping_concept) == (None, None), obs.text
    assert row(services, dogs).grouping_matter is not None


def test_limit_and_resume(services: Services) -> None:
    vocabulary = current(services)
    ids = [observe(services, f"Stoeptegels liggen los ({n})") for n in range(5)]
    assert refresh.refresh_signatures(services.db, vocabulary, batch=2, limit=3) == 3
    done = [row(services, oid).grouping_signature is not None for oid in ids]
    assert done == [True, True, True, False, False]
    assert refresh.refresh_signatures(services.db, vocabulary, batch=2) == 2


def test_a_row_changed_between_read_and_update_is_not_overwritten(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, _ = residents(services)
    vocabulary = current(services)
    first = stored(services, alice, TILES_A)
    second = stored(services, alice, "Er wordt te hard gereden in onze straat")
    for obs in (first, second):
        sign_with(services, obs.id, older(services))
    made = signatures.signature
    filed: list[str] = []

    def meanwhile(text: str, vocab: Vocabulary | None = None) -> str:
        # Someone else stores a signature for the first row after the batch was read.
        if not filed:
            filed.append("")  # sign_with calls this again
            filed[0] = sign_with(services, first.id, vocabulary)
            with services.db.session() as session:
                session.exec(
                    update(Observation)  # type: ignore[call-overload]
                    .where(Observation.id == first.id)
                    .values(grouping_matter="theirs")
                )
                session.commit()
        return made(text, vocab)

    monkeypatch.setattr(signatures, "signature", meanwhile)
    assert refresh.refresh_signatures(services.db, vocabulary) == 1
    assert row(services, first.id).grouping_matter == "theirs"
    assert row(services, first.id).grouping_signature == filed[0]
    assert row(services, second.id).grouping_signature == made(second.text, vocabulary)


def test_cli_prints_the_count(cli_services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    for n in range(3):
        observe(cli_services, f"Stoeptegels liggen los ({n})")
    assert cli.main(["--config", str(EXAMPLE), "signatures", "refresh"]) == 0
    assert capsys.readouterr().out.strip() == "refreshed 3 grouping signatures"
    assert cli.main(["--config", str(EXAMPLE), "signatures", "refresh", "--batch", "1"]) == 0
    assert capsys.readouterr().out.strip() == "refreshed 0 grouping signatures"


# --- the start-up job, through the real Application ----------------------------------------------


async def refreshed(services: Services, runs: int) -> None:
    """Wait until the start-up refresh has finished `runs` times in all."""
    for _ in range(1000):
        if services.signature_refreshes >= runs:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the start-up refresh never ran")


async def test_after_an_upgrade_ik_ook_finds_what_was_stored_before(
    services: Services, fake: FakeTelegram
) -> None:
    async with Harness(make_app(services, fake), fake) as h:
        assert h.app.job_queue is not None and h.app.job_queue.get_jobs_by_name(refresh.JOB_NAME)
        await refreshed(services, 1)
        await onboard(h, 1001, "Alice")
        await onboard(h, 1002, "Bob")
        first = stored(services, person_of(services, 1001), TILES_A)
    # Stored by the version before the upgrade.
    sign_with(services, first.id, older(services))

    async with Harness(make_app(services, fake), fake) as h:
        await refreshed(services, 2)
        bob = h.user(1002, "Bob")
        await asked(bob, TILES_B)
        assert QUESTION in bob.last.plain_text and f"({first.reference})" in bob.last.plain_text
    assert row(services, first.id).grouping_signature == signatures.signature(
        TILES_A, current(services)
    )
