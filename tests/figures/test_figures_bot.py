"""What residents and coaches see of the CBS figures, through the real Application.

The figures come from the mock CBS (tests/figures/cbs.py) with values made up for the tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlmodel import col, select

from bot.context import Services
from bot.core.config import WijkConfig
from bot.fake_telegram import Harness
from bot.figures.fetch import fetch_figures
from bot.people import persons
from models import Role, SpiegelItem
from tests.figures.cbs import FakeCbs
from tests.figures.test_figures_fetch import elsrijk_2024, elsrijk_2025, gm_2024, gm_2025
from tests.helpers import join_as, onboard
from tests.spiegel.test_spiegel import load, this_year

MIRROR = """\
[[strength]]
key = "groen"
text = "Er is veel groen."

[[weakness]]
key = "ouderen"
text = "Voor ouderen is er weinig te doen."
figures = ["age_65_plus", "inhabitants"]
"""

SOURCE_NL = (
    "Cijfers van 2025. Bron: CBS (het bureau voor cijfers van de overheid), "
    "Kerncijfers wijken en buurten."
)


@pytest.fixture
async def with_figures(services: Services) -> Services:
    cbs = FakeCbs()
    cbs.edition("86165NED", [gm_2025(), elsrijk_2025()])
    cbs.edition("85984NED", [gm_2024(), elsrijk_2024()])
    result = await fetch_figures(services.db, services.config, transport=cbs.transport())
    assert result.ok
    return services


def wijk_id(services: Services, slug: str) -> int:
    with services.db.session() as session:
        wijk = persons.wijk_by_slug(session, slug)
        assert wijk is not None and wijk.id is not None
        return wijk.id


async def test_resident_reads_figures_in_plain_words(bot: Harness, with_figures: Services) -> None:
    load(with_figures, "elsrijk", MIRROR)
    alice = await onboard(bot, 1001, "Alice")
    await alice.press("Wijkspiegel lezen")
    (shown,) = await alice.press("Cijfers over je wijk")
    text = shown.plain_text
    assert "Cijfers over Elsrijk" in text
    assert "In Elsrijk wonen 9.830 mensen." in text
    assert "1 op de 4 is 65 jaar of ouder. In heel Amstelveen is dat 1 op de 5." in text
    assert "1 op de 6 is jonger dan 15 jaar." in text
    assert "Van elke 100 huizen zijn er 56 koophuizen. In heel Amstelveen is dat 50." in text
    assert SOURCE_NL in text
    assert "voorbeeldcijfers" not in text
    assert shown.button_texts == ["Terug naar alle delen", "Naar het menu"]
    # A resident cannot open the coach's view, even with a made button.
    replies = await alice.press_data(f"fg:{wijk_id(with_figures, 'elsrijk')}:c")
    assert "Dat kan niet met jouw rol" in replies[-1].plain_text
    # Nor another wijk's figures.
    replies = await alice.press_data(f"fg:{wijk_id(with_figures, 'groenelaan')}:r")
    assert "andere wijk" in replies[-1].plain_text


async def test_one_in_n_does_not_turn_41_and_40_percent_into_half_and_a_third(
    bot: Harness, with_figures: Services
) -> None:
    """Elsrijk: 2.000 single-person households of 4.900 (40,8%); Amstelveen: 17.000 of 43.000
    (39,5%). "In 1 op de 2 huishoudens woont iemand alleen. In heel Amstelveen is dat 1 op de
    3." showed one percentage point as half against a third. Two shares are said on one scale,
    each close to its number: "1 op de N" where it fits both, else "N op de 10", else "op de
    100"."""
    load(with_figures, "elsrijk", MIRROR)
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    (shown,) = await alice.press("Cijfers over je wijk")
    lines = shown.plain_text.splitlines()
    alone = next(x for x in lines if "alleen" in x)
    assert alone == (
        "In 4 op de 10 huishoudens woont iemand alleen. In heel Amstelveen is dat 4 op de 10."
    )
    # 24,5% against 30,2%: "1 op de 4" against "1 op de 3" would make it 8 points.
    children = next(x for x in lines if "kinderen" in x)
    assert children == (
        "In 24 op de 100 huishoudens wonen kinderen. In heel Amstelveen is dat 30 op de 100."
    )
    # Where "1 op de N" is close for both, it stays.
    assert "1 op de 4 is 65 jaar of ouder. In heel Amstelveen is dat 1 op de 5." in lines
    assert "1 op de 6 is jonger dan 15 jaar. In heel Amstelveen is dat 1 op de 6." in lines


async def test_resident_in_english(bot: Harness, with_figures: Services) -> None:
    load(with_figures, "elsrijk", MIRROR)
    bob = await onboard(bot, 1002, "Bob", language_code="en")
    await bob.send("/spiegel")
    (shown,) = await bob.press("Figures about your district")
    assert "9,830 people live in Elsrijk." in shown.plain_text
    assert "1 in 4 people are 65 or older. In all of Amstelveen it is 1 in 5." in shown.plain_text
    assert "In 4 in 10 households, someone lives alone." in shown.plain_text
    assert "In 24 in 100 households, there are children." in shown.plain_text
    assert "Figures from 2025. Source: CBS (Statistics Netherlands)" in shown.plain_text


async def test_coach_sees_all_figures_with_trend_and_reactions(
    bot: Harness, with_figures: Services
) -> None:
    load(with_figures, "elsrijk", MIRROR)
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    page = await alice.press("Wat kan beter? (1)")
    await alice.press("Herken ik 👍", message=page[0])
    coach = await join_as(bot, with_figures, 2001, "Carla", Role.COACH, "elsrijk")
    await coach.send("/spiegel")
    await coach.press("Cijfers over je wijk")
    (shown,) = await coach.press("Alle cijfers, voor wijkcoaches")
    text = shown.plain_text
    assert "Alle cijfers over Elsrijk" in text
    assert "Inwoners: 9.830 (2025)\nEen jaar eerder (2024): 9.700. Verschil: +130." in text
    assert "Heel Amstelveen: 92.000." in text
    assert "Koophuizen: 56% (2025)\nEen jaar eerder (2024): 57%. Verschil: -1%." in text
    # Empty in 2025: the 2024 edition's figure, with its year.
    assert "Inkomen per inwoner: € 38.500 (2024)" in text
    assert "‘Voor ouderen is er weinig te doen.’" in text
    assert "• 65 jaar of ouder: 2.455 (2025), een jaar eerder 2.300" in text
    assert "Herken ik: 1. Herken ik niet: 0." in text
    assert "‘Er is veel groen.’" not in text

    # Beside the statement in the wijkspiegel itself, for the coach only.
    await coach.send("/spiegel")
    (statement, _footer) = await coach.press("Wat kan beter? (1)")
    assert "• 65 jaar of ouder: 2.455 (2025), een jaar eerder 2.300" in statement.plain_text
    assert "Herken ik: 1. Herken ik niet: 0." in statement.plain_text
    (edited,) = await coach.press("Herken ik niet 👎", message=statement)
    assert "Herken ik: 1. Herken ik niet: 1." in edited.plain_text
    # The press keeps the figures beside the statement (read for the coach on the press).
    assert "• 65 jaar of ouder: 2.455 (2025), een jaar eerder 2.300" in edited.plain_text
    assert not any("65 jaar of ouder: 2.455" in m.plain_text for m in alice.messages)


async def test_a_recommendations_reactions_beside_its_figures_are_eens_and_niet_eens(
    bot: Harness, with_figures: Services
) -> None:
    """A recommendation that names figures has the buttons "Eens / Niet eens". Beside its
    figures the coach read "Herken ik: 0. Herken ik niet: 1."; now its own words."""
    advice = '[[recommendation]]\nkey = "ouderen"\ntext = "Organiseer meer voor ouderen."\n'
    load(with_figures, "elsrijk", advice + 'figures = ["age_65_plus"]\n')
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    page = await alice.press("Wat raadt de wijkcoach aan? (1)")
    await alice.press("Niet eens 👎", message=page[0])
    coach = await join_as(bot, with_figures, 2001, "Carla", Role.COACH, "elsrijk")
    await coach.send("/spiegel")
    await coach.press("Cijfers over je wijk")
    (shown,) = await coach.press("Alle cijfers, voor wijkcoaches")
    assert "‘Organiseer meer voor ouderen.’" in shown.plain_text
    assert "Eens: 0. Niet eens: 1." in shown.plain_text, shown.plain_text
    assert "Herken ik" not in shown.plain_text
    await coach.send("/spiegel")
    (statement, _footer) = await coach.press("Wat raadt de wijkcoach aan? (1)")
    assert "Eens: 0. Niet eens: 1." in statement.plain_text, statement.plain_text
    (edited,) = await coach.press("Eens 👍", message=statement)
    assert "Eens: 1. Niet eens: 1." in edited.plain_text, edited.plain_text


async def test_next_years_statements_keep_their_figures(
    bot: Harness, with_figures: Services
) -> None:
    year = this_year(with_figures)
    load(with_figures, "elsrijk", MIRROR, year=year)
    coach = await join_as(bot, with_figures, 2001, "Carla", Role.COACH, "elsrijk")
    await coach.send("/spiegel")
    await coach.press("Begin aan volgend jaar")
    replies = await coach.press(f"Ja, begin {year + 1}")
    assert f"Wijkspiegel Elsrijk {year + 1}" in replies[-1].plain_text
    (statement, _footer) = await coach.press("Wat kan beter? (1)", message=replies[-1])
    assert "• 65 jaar of ouder: 2.455 (2025), een jaar eerder 2.300" in statement.plain_text
    await coach.press("Cijfers over je wijk", message=replies[-1])
    (shown,) = await coach.press("Alle cijfers, voor wijkcoaches")
    assert "‘Voor ouderen is er weinig te doen.’" in shown.plain_text
    with with_figures.db.session() as session:
        items = session.exec(
            select(SpiegelItem).where(SpiegelItem.key == "ouderen").order_by(col(SpiegelItem.id))
        ).all()
        assert [i.figures for i in items] == ["age_65_plus,inhabitants"] * 2
        assert items[0].id is not None and items[1].origin_item_id == items[0].id


async def test_no_figures_yet_and_no_mapping(bot: Harness, services: Services) -> None:
    load(services, "elsrijk", MIRROR)
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    (shown,) = await alice.press("Cijfers over je wijk")
    assert "Er zijn nog geen cijfers over Elsrijk. Kijk later nog eens." in shown.plain_text
    # The spiegel wijk loses its CBS mapping: a clear answer, nothing else changes.
    unmapped = [
        WijkConfig(slug=w.slug, name=w.name) if w.slug == "elsrijk" else w
        for w in services.config.wijken
    ]
    services.config = replace(services.config, wijken=unmapped)
    await alice.send("/spiegel")
    (shown,) = await alice.press("Cijfers over je wijk")
    assert "Over Elsrijk hebben we geen cijfers." in shown.plain_text


async def test_demo_file_is_shown_as_example_figures(bot: Harness, services: Services) -> None:
    from importlib import resources

    from bot.figures.fetch import load_file

    path = resources.files("bot.demo") / "data" / "figures_elsrijk.json"
    services.figures_example = load_file(services.db, path)
    assert services.figures_example
    alice = await onboard(bot, 1001, "Alice")
    load(services, "elsrijk", MIRROR)
    await alice.send("/spiegel")
    (shown,) = await alice.press("Cijfers over je wijk")
    assert "In Elsrijk wonen 10.000 mensen." in shown.plain_text
    assert "Let op: dit zijn voorbeeldcijfers. Ze zijn niet echt." in shown.plain_text


async def test_a_snapshot_of_cbs_figures_is_shown_as_real(
    bot: Harness, with_figures: Services, tmp_path: Any
) -> None:
    """The demo's file replaced by `wijkbot figures snapshot` (CBS's own figures): shown with
    their year and source, without the "voorbeeldcijfers" warning."""
    import json

    from sqlmodel import select

    from bot.figures.fetch import load_file
    from bot.figures.snapshot import snapshot
    from models import CbsFigure

    services = with_figures
    with services.db.session() as session:
        body = snapshot(session, services.config, "elsrijk")
        for figure in session.exec(select(CbsFigure)):
            session.delete(figure)
        session.commit()
    path = tmp_path / "figures_elsrijk.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    services.figures_example = load_file(services.db, path)
    alice = await onboard(bot, 1001, "Alice")
    load(services, "elsrijk", MIRROR)
    await alice.send("/spiegel")
    (shown,) = await alice.press("Cijfers over je wijk")
    assert "In Elsrijk wonen 9.830 mensen." in shown.plain_text
    assert SOURCE_NL in shown.plain_text
    assert "voorbeeldcijfers" not in shown.plain_text
