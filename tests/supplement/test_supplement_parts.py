"""The supplement's parts from other capabilities: the wijk's CBS figures (stored `cbs_figure`
rows), the year's theme × question cells with little input, and whose voices are missing ("Over
jou", with the small-number rule). Each read back from the DOCX and checked against the database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.context import Services
from bot.figures.combine import wijk_figures
from bot.supplement import render
from models import Edition, PersonProfile, Reaction, SpiegelItem
from models.figures import CbsFigure
from tests.digest.test_digest import person
from tests.supplement.test_supplement import IN_YEAR, built, clock, seed, texts

__all__ = ["clock"]  # the fixture: the supplement's year is frozen at 2026

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DATASET = {2024: "85984NED", 2025: "86165NED"}


def store_figures(services: Services) -> None:
    """Elsrijk (WK036203) and the municipality (GM0362) in 2024 and 2025."""
    rows = {
        2024: {"inhabitants": 9712.0, "age_15_24": 1000.0, "age_65_plus": 2100.0},
        2025: {"inhabitants": 9830.0, "age_15_24": 1100.0, "age_65_plus": 2300.0},
    }
    with services.db.session() as session:
        for year, measures in rows.items():
            for measure, value in measures.items():
                session.add(
                    CbsFigure(
                        dataset=DATASET[year],
                        year=year,
                        region_code="WK036203",
                        measure=measure,
                        value=value,
                    )
                )
            session.add(
                CbsFigure(
                    dataset=DATASET[year],
                    year=year,
                    region_code="GM0362",
                    measure="inhabitants",
                    value=95000.0 + year - 2024,
                )
            )
        session.commit()


def section(paragraphs: list[str], heading: str, following: str) -> list[str]:
    return paragraphs[paragraphs.index(heading) + 1 : paragraphs.index(following)]


def test_figures_in_dutch_with_their_change_match_the_database(services: Services) -> None:
    seed(services)
    store_figures(services)
    data = built(services)
    with services.db.session() as session:
        stored = wijk_figures(session, services.config, "elsrijk", year=2026)
    assert stored is not None
    inhabitants = stored.measures["inhabitants"]
    assert (inhabitants.value, inhabitants.previous) == (9830.0, 9712.0)
    assert data.figures is not None and {f.measure for f in data.figures} == set(stored.measures)
    _, paragraphs = texts(render.render(data, "nl", "docx"))
    figures = section(paragraphs, "Cijfers", "Wat bewoners lieten weten")
    assert "Nog geen cijfers van het CBS." not in paragraphs
    line = next(p for p in figures if p.startswith("Inwoners:"))
    assert line.startswith("Inwoners: 9.830 (2025). In 2024: 9.712. Verschil: +118.")
    assert "In heel Amstelveen: 95.001." in line
    assert any(p.startswith("65 jaar of ouder: 2.300 (2025).") for p in figures)
    assert any("1 op de 4 is 65 jaar of ouder." in p for p in figures)
    assert any("Bron: CBS" in p for p in figures)
    with services.db.session() as session:
        assert wijk_figures(session, services.config, "elsrijk", year=2023) is None
    _, en = texts(render.render(data, "en", "docx"))
    assert any(p.startswith("Inhabitants: 9,830 (2025). In 2024: 9,712. Change: +118.") for p in en)


def test_nothing_stored_keeps_saying_no_figures_yet(services: Services) -> None:
    seed(services)
    data = built(services)
    assert data.figures is None
    _, paragraphs = texts(render.render(data, "nl", "docx"))
    assert "Nog geen cijfers van het CBS." in paragraphs


def test_missing_voices_follow_the_small_number_rule(services: Services) -> None:
    ids = seed(services)
    store_figures(services)
    with services.db.session() as session:
        people = sorted(
            {
                p
                for p in session.exec(
                    select(Reaction.person_id).where(Reaction.item_id == ids["weak"])
                ).all()
                if p is not None
            }
        )
        assert len(people) == 12
        # Seven of 65 and older, three under 25 (a group below 5), two told nothing of their age.
        for n, pid in enumerate(people[:10]):
            session.add(
                PersonProfile(
                    person_id=pid,
                    age_group="65plus" if n < 7 else "u25",
                    household="alone" if n < 6 else None,
                    years_in_wijk="gt10" if n < 8 else "lt2",
                    asked_at=T0,
                    updated_at=T0,
                )
            )
        session.commit()
    data = built(services)
    voices = data.missing_voices
    assert voices is not None and voices.answered == 10
    by_group = {g.group: g for g in voices.groups}
    assert by_group["65plus"].people == 7 and by_group["u25"].people == 3
    assert by_group["lt2"].people == 2
    en = ("Whose voices we do not hear yet", "Proposed changes to the statements")
    for lang, heading, following, small in (
        ("nl", "Wie we nog niet horen", "Voorstel voor de zinnen", "minder dan 5"),
        ("en", *en, "fewer than 5"),
    ):
        _, paragraphs = texts(render.render(data, lang, "docx"))
        part = section(paragraphs, heading, following)
        joined = "\n".join(part)
        if lang == "nl":
            assert "Mensen die iets over zichzelf vertelden: 10." in part
            assert any(p.startswith("65 jaar of ouder: 7.") for p in part)
            assert any(p.startswith("Jonger dan 25: minder dan 5.") for p in part)
            assert any(p.startswith("Woont alleen: 6.") for p in part)
            assert any(p.startswith("Korter dan 2 jaar in de wijk: minder dan 5.") for p in part)
            assert any(p.startswith("Langer dan 10 jaar in de wijk: 8.") for p in part)
        assert small in joined
        # The small numbers never appear, and nothing anyone said is quoted here.
        for digit in ("1", "2", "3", "4"):
            assert f": {digit}." not in joined, (lang, digit)
        assert "Parkeren" not in joined and "‘" not in joined


def test_little_input_cells_appear_as_words(services: Services) -> None:
    seed(services)
    data = built(services)
    assert data.blind_spots is not None
    cells = {(c.question, c.theme) for c in data.blind_spots}
    # Seven people reported about parking (wonen, weakness): enough. Nobody about buitenruimte.
    assert ("weakness", "wonen") not in cells
    assert ("strength", "buitenruimte") in cells and ("threat", "wonen") in cells
    _, paragraphs = texts(render.render(data, "nl", "docx"))
    part = section(paragraphs, "Wat de wijkspiegel nog niet weet", "Wie we nog niet horen")
    assert "Hier zeiden in 2026 minder dan 5 mensen iets." in part
    weak = next(p for p in part if p.startswith("Wat kan beter?"))
    assert "Buiten: straat, groen, spelen" in weak and "Wonen" not in weak.split("?", 1)[1]
    strong = next(p for p in part if p.startswith("Wat gaat goed?"))
    assert "Buiten: straat, groen, spelen" in strong


def test_reactions_to_recommendations_have_their_own_line(services: Services) -> None:
    """Reactions to the advice about housing were left out of what the spiegel does not know
    yet. Now they count, in a line of their own under the advice's theme, as on the coach's
    page: three people said "eens", fewer than 5, so little is known there."""
    seed(services)
    at = IN_YEAR.astimezone(UTC)
    people = [person(services, 9300 + i) for i in range(3)]
    with services.db.session() as session:
        edition = session.exec(select(Edition)).one()
        assert edition.id is not None
        advice = SpiegelItem(
            edition_id=edition.id,
            key="r1",
            kind="recommendation",
            theme="wonen",
            text="Maak een parkeerplaats bij de school.",
        )
        session.add(advice)
        session.commit()
        assert advice.id is not None
        for pid in people:
            session.add(
                Reaction(
                    item_id=advice.id,
                    wijk_id=edition.wijk_id,
                    person_id=pid,
                    verdict="recognise",
                    created_at=at,
                    updated_at=at,
                )
            )
        session.commit()
    data = built(services)
    assert data.blind_spots is not None
    cells = {(c.question, c.theme) for c in data.blind_spots}
    assert ("recommendation", "wonen") in cells
    # Only advice about housing: no other topic is missing advice.
    assert not any(q == "recommendation" and t != "wonen" for q, t in cells)
    for lang, heading, following, line, note in (
        (
            "nl",
            "Wat de wijkspiegel nog niet weet",
            "Wie we nog niet horen",
            "Wat raadt de wijkcoach aan? Wonen",
            "Reacties op een advies tellen bij het onderwerp van dat advies. "
            "Ze staan apart, bij Wat raadt de wijkcoach aan?",
        ),
        (
            "en",
            "What the district mirror does not know yet",
            "Whose voices we do not hear yet",
            "What does the district coach recommend? Housing",
            "Reactions to a recommendation count under its topic. "
            "They have a line of their own: What does the district coach recommend?",
        ),
    ):
        _, paragraphs = texts(render.render(data, lang, "docx"))
        part = section(paragraphs, heading, following)
        assert line in part and note in part, (lang, part)


def test_a_group_cbs_leaves_empty_is_not_known_rather_than_zero(services: Services) -> None:
    """CBS gave Elsrijk's inhabitants, under-15s and 65-plussers only: the 65-plussers are 30%
    of the people of 15 and older (not 100% of the known groups), the other groups' share is
    not known (not 0%), and the supplement does not say every group is heard enough."""
    ids = seed(services)
    with services.db.session() as session:
        for measure, value in (
            ("inhabitants", 9830.0),
            ("age_0_14", 1640.0),
            ("age_65_plus", 2455.0),
        ):
            session.add(
                CbsFigure(
                    dataset=DATASET[2025],
                    year=2025,
                    region_code="WK036203",
                    measure=measure,
                    value=value,
                )
            )
        people = session.exec(select(Reaction.person_id).where(Reaction.item_id == ids["weak"]))
        for n, pid in enumerate(sorted({p for p in people.all() if p is not None})):
            age = "65plus" if n < 6 else "25_44"
            session.add(PersonProfile(person_id=pid, age_group=age, asked_at=T0, updated_at=T0))
        session.commit()
    _, paragraphs = texts(render.render(built(services), "nl", "docx"))
    part = section(paragraphs, "Wie we nog niet horen", "Voorstel voor de zinnen")
    assert "65 jaar of ouder: 6. In de wijk: 30%." in part, part
    assert "25 tot 45 jaar: 6. In de wijk: niet bekend." in part, part
    assert not any(p.endswith(("In de wijk: 0%.", "In de wijk: 100%.")) for p in part), part
    assert (
        "Van sommige groepen weet het CBS niet hoeveel er in de wijk wonen. "
        "Die kunnen we niet vergelijken."
    ) in part
    assert "We horen elke groep genoeg." not in part
