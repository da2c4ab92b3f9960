"""Needs attention: weakness and threat groups that grew against the previous period.

The previous period is not grouped again: it is counted by what each observation's stored
signature says it is about (bot/digest/builder.py, "which weakness and threat groups grew"). These
tests
pin the counts, so a wrong comparison fails here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.context import Services
from bot.core.clock import Clock, FrozenClock
from bot.digest import builder, periods
from bot.grouping.groups import Group, Item
from bot.grouping.signatures import matter_key, signature
from models import Observation
from tests.digest.test_digest import AMS, DUE, IN_W46, IN_W47, build, observe, wijk

PARKING = "Geen parkeerplek te vinden in de straat"  # parkeerdruk
DOGS = "Overal hondenpoep op de stoep"  # hondenpoep
KALKOVEN = "Al weken gedoe bij de Kalkoven"  # no concept, one named place


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(DUE + timedelta(minutes=1))


def stored(
    services: Services, text: str, *, sign: str | None = "", keyed: bool = True, **kwargs: object
) -> int:
    """An observation with its signature (and matter key) stored as create_observation stores
    them ("" = made from the text; None = none stored, like older rows; anything else is stored
    as given). keyed=False: the signature without its matter key (a row stored before the key
    existed and not migrated): the digest reads it one by one."""
    oid = observe(services, text, **kwargs)  # type: ignore[arg-type]
    value = signature(text) if sign == "" else sign
    key = matter_key(value) if keyed and value is not None and value.count("|") >= 2 else None
    with services.db.session() as session:
        session.exec(  # type: ignore[call-overload]
            update(Observation)
            .where(Observation.id == oid)
            .values(grouping_signature=value, grouping_matter=key)
        )
        session.commit()
    return oid


def growing(data: builder.DigestData) -> dict[tuple[str, str], tuple[int, int]]:
    return {(g.swot, g.label): (g.count, g.previous) for g in data.attention.growing}


@pytest.mark.parametrize("keyed", [True, False], ids=["matter-key", "signature-only"])
def test_previous_period_is_counted_by_stored_concept(services: Services, keyed: bool) -> None:
    """Counted in SQL by the stored matter key, or row by row from the signature: the same."""
    for n in range(3):
        stored(services, f"{PARKING} ({n})", at=IN_W46, keyed=keyed)
    # None of these count for last week's parking weaknesses:
    stored(services, f"{PARKING} verborgen", at=IN_W46, status="hidden", keyed=keyed)
    stored(services, f"{PARKING} ingetrokken", at=IN_W46, status="withdrawn", keyed=keyed)
    stored(services, f"{PARKING} in Groenelaan", at=IN_W46, slug="groenelaan", keyed=keyed)
    stored(services, f"{PARKING} als zorg", at=IN_W46, swot="threat", keyed=keyed)
    stored(services, f"{PARKING} twee weken terug", at=IN_W46 - timedelta(days=7), keyed=keyed)
    for n in range(4):
        stored(services, f"{PARKING} [{n}]")
    # Dogs: as many as last week (not grown); threats: fewer than last week.
    for n in range(2):
        stored(services, f"{DOGS} ({n})", at=IN_W46, keyed=keyed)
        stored(services, f"{DOGS} [{n}]")
    for n in range(5):
        stored(services, f"{DOGS} zorg ({n})", at=IN_W46, swot="threat", keyed=keyed)
    for n in range(3):
        stored(services, f"{DOGS} zorg [{n}]", swot="threat")

    data = build(services)

    assert growing(data) == {("weakness", "parkeerdruk"): (4, 3)}
    # Visible observations of last week in this wijk and category only.
    assert data.section("weakness").previous == 3 + 2
    assert data.section("threat").previous == 1 + 5


def test_rows_without_a_usable_signature_are_matched_from_their_text(
    services: Services,
) -> None:
    fingerprint = signature("x").split("|", 1)[0]
    stored(services, f"{PARKING} (oud)", at=IN_W46, sign=None)  # stored before signatures
    stored(services, f"{PARKING} (ander)", at=IN_W46, sign="0123456789ab|0||||")
    stored(services, f"{PARKING} (kapot)", at=IN_W46, sign=f"{fingerprint}|x|y|z|w|v")
    for n in range(4):
        stored(services, f"{PARKING} [{n}]", sign=None)
    assert growing(build(services)) == {("weakness", "parkeerdruk"): (4, 3)}


def test_a_group_about_a_place_is_compared_by_that_place(services: Services) -> None:
    stored(services, f"{KALKOVEN} (vorige week)", at=IN_W46)
    stored(services, f"{PARKING} bij de Kalkoven", at=IN_W46)  # about parking: not counted
    for n in range(3):
        stored(services, f"{KALKOVEN} [{n}]")
    grown = growing(build(services))
    assert grown == {("weakness", "Kalkoven"): (3, 1)}


def test_place_group_that_did_not_grow(services: Services) -> None:
    for n in range(2):
        stored(services, f"{KALKOVEN} ({n})", at=IN_W46)
        stored(services, f"{KALKOVEN} [{n}]")
    assert growing(build(services)) == {}


def test_another_grouper_is_compared_by_its_members_main_concept(services: Services) -> None:
    """The embeddings grouping (or any hook) makes its own groups; each is compared by the
    concept most of its members are about."""
    for n in range(2):
        stored(services, f"{PARKING} ({n})", at=IN_W46)
    for n in range(3):
        stored(services, f"{PARKING} [{n}]")
    stored(services, DOGS)

    def one_group(items: Sequence[Item]) -> list[Group]:
        ids = tuple(sorted((item.id for item in items), key=int))
        return [Group(f"{items[0].wijk}:1", "alles", ids, ids[0])]

    period = periods.parse_period_key("2026-W47", AMS)
    with services.db.session() as session:
        data = builder.build(
            session, services.config, wijk(services), period, DUE, grouper=one_group
        )
    assert growing(data) == {("weakness", "alles"): (4, 2)}


def test_this_period_is_grouped_on_its_own(services: Services) -> None:
    """Last week's observations are no members of this week's groups."""
    previous = [stored(services, f"{PARKING} ({n})", at=IN_W46) for n in range(5)]
    now = [stored(services, f"{PARKING} [{n}]", at=IN_W47) for n in range(2)]
    data = build(services)
    (group,) = data.section("weakness").groups
    assert group.member_ids == now and not set(previous) & set(group.member_ids)
    assert growing(data) == {}  # 2 now against 5
