"""What the spiegel does not know yet (bot/spiegel/blind_spots.py): the grid of themes and
questions, "Over jou" and whose voice is missing (with the small-number rule), where figures and
voices disagree, and the coach's view. The services on both databases, and through the real
Application with the fake Bot API."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.cli import wijkbot
from bot.context import Services
from bot.core.config import Config
from bot.fake_telegram import Harness
from bot.people import about_you
from bot.people import persons as people
from bot.privacy import personal_data
from bot.spiegel import blind_spots as bs
from bot.spiegel import mirror
from models import (
    Observation,
    Person,
    PersonProfile,
    Reaction,
    Role,
    SpiegelItem,
    Supporter,
    Verdict,
    Wijk,
)
from models.figures import CbsFigure
from tests.helpers import invite_code, join_as, onboard
from tests.spiegel.test_recognised import file

AMS = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2026, 10, 15, 12, tzinfo=UTC)
Q4 = bs.parse_period("2026-Q4", AMS)

MIRROR = """\
[[strength]]
key = "groen"
theme = "buitenruimte"
text = "Er is veel groen in de wijk."

[[weakness]]
key = "parkeren"
theme = "verkeer"
text = "Er is te weinig parkeerplek."

[[threat]]
key = "zonder"
text = "Veel hondenpoep op de stoep."

[[recommendation]]
key = "advies"
text = "Maak meer parkeerplekken."
"""


def wijk(session: Session, slug: str = "elsrijk") -> Wijk:
    found = session.exec(select(Wijk).where(Wijk.slug == slug)).one()
    assert found.id is not None
    return found


def person(session: Session, n: int) -> int:
    p = Person(telegram_id=10_000 + n, consent_at=T0, pseudonym=f"Buur {n}")
    session.add(p)
    session.flush()
    assert p.id is not None
    return p.id


def observe(
    session: Session,
    wijk_id: int,
    person_id: int | None,
    swot: str,
    theme: str | None,
    *,
    at: datetime = T0,
    status: str = "new",
    text_: str = "Iets over de wijk",
) -> Observation:
    o = Observation(
        wijk_id=wijk_id,
        person_id=person_id,
        author_role="resident",
        swot=swot,
        theme=theme,
        text=text_,
        status=status,
        created_at=at,
        updated_at=at,
    )
    session.add(o)
    session.flush()
    return o


def load_mirror(session: Session, config: Config, source: str = MIRROR) -> dict[str, int]:
    themes = {t.slug for t in config.themes}
    w = wijk(session)
    mirror.import_edition(session, w, 2026, mirror.parse_toml(source, themes))
    items = session.exec(select(SpiegelItem)).all()
    return {i.key: i.id for i in items if i.id is not None}


def react_at(
    session: Session,
    wijk_id: int,
    item: int,
    person_id: int,
    verdict: str | None,
    *,
    at: datetime = T0,
    comment: str | None = None,
) -> None:
    session.add(
        Reaction(
            item_id=item,
            wijk_id=wijk_id,
            person_id=person_id,
            verdict=verdict,
            comment=comment,
            created_at=at,
            updated_at=at,
            commented_at=at if comment else None,
        )
    )
    session.flush()


# --- periods -------------------------------------------------------------------------------------


def test_periods_are_quarters_or_years_in_local_time() -> None:
    q4 = bs.parse_period("2026-Q4", AMS)
    assert q4.start == datetime(2026, 9, 30, 22, tzinfo=UTC)  # 1 October, Amsterdam summer time
    assert q4.end == datetime(2026, 12, 31, 23, tzinfo=UTC)
    year = bs.parse_period("2026", AMS)
    assert (year.start, year.end) == (
        datetime(2025, 12, 31, 23, tzinfo=UTC),
        datetime(2026, 12, 31, 23, tzinfo=UTC),
    )
    assert q4.previous_start == q4.start - (q4.end - q4.start)
    for bad in ("2026-Q5", "2026-Q0", "26", "2026-W47", "", "2026-q4x"):
        with pytest.raises(ValueError):
            bs.parse_period(bad, AMS)
    assert bs.current_quarter(T0, AMS) == q4


# --- the grid ------------------------------------------------------------------------------------


def test_the_grid_counts_people_not_messages(services: Services) -> None:
    config = services.config
    with services.db.session() as session:
        w = wijk(session)
        assert w.id is not None
        ids = load_mirror(session, config)
        alice, bob, carol, dave = (person(session, n) for n in range(4))
        # Alice: three observations about traffic problems and a reaction to the parking statement.
        for _ in range(3):
            observe(session, w.id, alice, "weakness", "verkeer")
        react_at(session, w.id, ids["parkeren"], alice, "recognise")
        # Bob: a reaction with a comment to the same statement; Carol only a comment.
        react_at(session, w.id, ids["parkeren"], bob, "not_recognise", comment="Klopt niet")
        react_at(session, w.id, ids["parkeren"], carol, None, comment="Soms")
        # Dave: "ik ook" to Alice's observation, and a threat without a theme.
        first = session.exec(select(Observation)).first()
        assert first is not None and first.id is not None
        session.add(
            Supporter(observation_id=first.id, person_id=dave, text="Ik ook", created_at=T0)
        )
        observe(session, w.id, dave, "threat", None)
        # Erin: an observation about traffic too, the fifth person there.
        observe(session, w.id, person(session, 4), "weakness", "verkeer")
        # Hidden and withdrawn observations, one outside the period, one in another wijk: not
        # counted; a reaction to a recommendation (none of the four questions): in its column.
        observe(session, w.id, bob, "weakness", "verkeer", status="hidden")
        observe(session, w.id, carol, "weakness", "verkeer", status="withdrawn")
        observe(session, w.id, carol, "weakness", "verkeer", at=Q4.start - timedelta(seconds=1))
        observe(session, wijk(session, "westwijk").id or 0, carol, "weakness", "verkeer")
        react_at(session, w.id, ids["advies"], carol, "recognise")
        # A statement without a theme: counted under "no theme".
        react_at(session, w.id, ids["zonder"], bob, "recognise")
        session.commit()

        found = bs.grid(session, config, w.id, Q4.start, Q4.end)

    traffic = found.cell("verkeer", "weakness")
    assert (traffic.people, traffic.observations, traffic.reactions, traffic.comments) == (
        5,
        3,
        2,
        2,
    )
    assert not traffic.little  # 5 people: enough
    threat = found.cell(bs.NO_THEME, "threat")
    assert (threat.people, threat.observations, threat.reactions) == (2, 1, 1)
    assert threat.little  # 2 < little_input 5
    assert found.cell("wonen", "strength").people == 0
    assert found.cell("wonen", "strength").little
    assert found.themes[-1] == bs.NO_THEME and found.themes[0] == config.themes[0].slug
    assert len(found.cells) == len(found.themes) * 5  # the four questions and the advice
    weak = [c.theme for c in found.little("weakness")]
    assert "verkeer" not in weak and "wonen" in weak
    advice = found.cell(bs.NO_THEME, bs.ADVICE)
    assert (advice.people, advice.observations, advice.reactions) == (1, 0, 1)
    assert found.advice_themes == (bs.NO_THEME,) and found.columns == (*bs.QUESTIONS, bs.ADVICE)


ADVICE_MIRROR = """\
[[weakness]]
key = "parkeren"
theme = "verkeer"
text = "Er is te weinig parkeerplek."

[[recommendation]]
key = "drempels"
theme = "verkeer"
text = "Leg drempels bij de school."

[[recommendation]]
key = "bankjes"
text = "Zet meer bankjes neer."
"""


def react_to_advice(services: Services, at: datetime) -> None:
    """Six people say "eens" or "niet eens" to the advice about traffic, a seventh only writes
    a comment to it; two react to the advice without a theme. Nobody says anything else."""
    with services.db.session() as session:
        w = wijk(session)
        assert w.id is not None
        ids = load_mirror(session, services.config, ADVICE_MIRROR)
        for n in range(6):
            verdict = "recognise" if n % 2 else "not_recognise"
            react_at(session, w.id, ids["drempels"], person(session, n), verdict, at=at)
        react_at(session, w.id, ids["drempels"], person(session, 6), None, at=at, comment="Ja!")
        for n in (7, 8):
            react_at(session, w.id, ids["bankjes"], person(session, n), "recognise", at=at)
        session.commit()


def test_reactions_to_recommendations_count_in_a_column_of_their_own(
    services: Services,
) -> None:
    """A recommendation is none of the four questions, so its reactions were left out: seven
    people who said "eens", "niet eens" or wrote a comment to the advice about traffic counted
    as nobody. Now they count in a column of their own, under the advice's theme; "we know
    little" there only where the spiegel gives advice."""
    react_to_advice(services, T0)
    with services.db.session() as session:
        w = wijk(session)
        assert w.id is not None
        found = bs.grid(session, services.config, w.id, Q4.start, Q4.end)
        elsewhere = wijk(session, "westwijk").id or 0
        none = bs.grid(session, services.config, elsewhere, Q4.start, Q4.end)
    traffic = found.cell("verkeer", bs.ADVICE)
    assert (traffic.people, traffic.reactions, traffic.comments) == (7, 6, 1)
    assert not traffic.little
    unthemed = found.cell(bs.NO_THEME, bs.ADVICE)
    assert unthemed.people == 2 and unthemed.little
    # No advice about housing: nothing to react to, so not "we know little".
    assert found.cell("wonen", bs.ADVICE).people == 0
    assert not found.cell("wonen", bs.ADVICE).little
    assert found.advice_themes == ("verkeer", bs.NO_THEME)
    assert [c.theme for c in found.little(bs.ADVICE)] == [bs.NO_THEME]
    # The four questions stay as they were: nobody said anything there.
    assert found.cell("verkeer", "weakness").people == 0
    # A wijk without a spiegel: no column of advice at all.
    assert none.columns == bs.QUESTIONS and none.advice_themes == ()


def test_little_input_is_configurable_but_never_below_the_small_number_rule(
    services: Services,
) -> None:
    """Below 5 the page shows no count of people, only "minder dan 5": a line "minder dan 3" would
    tell more than that, and a topic of 3 or 4 people would be "minder dan 5" in the counts yet
    not among those we know little of. So `[spiegel] little_input` below 5 counts as 5."""
    config = services.config
    with services.db.session() as session:
        w = wijk(session)
        assert w.id is not None
        for n in range(6):
            observe(session, w.id, person(session, n), "strength", "wonen")
        for n in range(6, 9):
            observe(session, w.id, person(session, n), "weakness", "wonen")
        session.commit()

        def little(spiegel_little_input: int, question: str) -> tuple[int, bool]:
            changed = replace(
                config, spiegel=replace(config.spiegel, little_input=spiegel_little_input)
            )
            found = bs.grid(session, changed, w.id, Q4.start, Q4.end)
            return found.threshold, found.cell("wonen", question).little

        assert config.spiegel.little_input == bs.SMALL == 5
        assert little(5, "strength") == (5, False) and little(5, "weakness") == (5, True)
        assert little(8, "strength") == (8, True)  # 6 people: shown as 6, and few
        assert little(2, "weakness") == (5, True)  # 3 people: "minder dan 5", so few


# --- whose voice is missing ----------------------------------------------------------------------


def test_under_represented_compares_shares() -> None:
    makeup = {"u25": 0.2, "25_44": 0.3, "45_64": 0.3, "65plus": 0.2}
    counts = {"u25": 1, "25_44": 10, "45_64": 8, "65plus": 6}
    assert bs.under_represented(counts, makeup) == {
        "u25": True,  # 4% against 20%
        "25_44": False,
        "45_64": False,
        "65plus": False,
    }
    assert bs.under_represented({}, makeup) == dict.fromkeys(makeup, True)
    assert bs.under_represented({"u25": 3}, {"u25": 0.0, "65plus": 1.0}) == {
        "u25": False,
        "65plus": True,
    }


def test_makeup_from_cbs_figures() -> None:
    figures = {
        "age_0_14": 500,
        "age_15_24": 100,
        "age_25_44": 300,
        "age_45_64": 400,
        "age_65_plus": 200,
        "households": 800,
        "households_single": 400,
        "households_without_children": 200,
        "households_with_children": 200,
    }
    makeup = bs.makeup_from_figures(figures)
    assert makeup["age"] == {"u25": 0.1, "25_44": 0.3, "45_64": 0.4, "65plus": 0.2}
    assert makeup["household"] == {"alone": 0.5, "together": 0.25, "with_children": 0.25}
    assert bs.makeup_from_figures({}) == {}


def test_a_missing_cbs_figure_is_unknown_not_zero() -> None:
    """CBS leaves a measure empty (too few people, or not counted yet): that group's share is
    unknown, never 0, and the known ones are shares of the wijk's people of 15 and older (or
    of all its households), not of the groups that happen to be known."""
    makeup = bs.makeup_from_figures({"inhabitants": 9830, "age_0_14": 1640, "age_65_plus": 2455})
    assert makeup == {"age": {"u25": None, "25_44": None, "45_64": None, "65plus": 2455 / 8190}}
    makeup = bs.makeup_from_figures({"households": 4900, "households_single": 2000})
    assert makeup == {"household": {"alone": 2000 / 4900, "together": None, "with_children": None}}
    # Without a whole to take a share of, nothing is known.
    assert bs.makeup_from_figures({"age_65_plus": 2455, "households_single": 2000}) == {}
    # An unknown share is never under-represented; a known one still is.
    assert bs.under_represented({"u25": 5}, {"u25": None, "65plus": 0.3}) == {
        "u25": False,
        "65plus": True,
    }


def test_the_small_number_rule() -> None:
    assert [bs.shown(n) for n in (0, 1, 4, 5, 12)] == [None, None, None, 5, 12]


def test_the_wijk_makeup_comes_from_the_stored_cbs_figures(services: Services) -> None:
    """The make-up beside "Over jou" is the wijk's combined CBS figures (bot.figures.combine):
    nothing stored, nothing to compare with; stored, each measure from its newest edition."""
    with services.db.session() as session:
        w = wijk(session)
        codes = services.config.wijk(w.slug).cbs_wijk_codes  # type: ignore[union-attr]
        assert bs.wijk_makeup(session, services.config, w.slug) == {}
        dataset = {2024: "85984NED", 2025: "86165NED"}
        for year, measure, value in (
            (2024, "age_15_24", 50.0),
            (2025, "age_15_24", 80.0),
            (2025, "age_65_plus", 120.0),
        ):
            session.add(
                CbsFigure(
                    dataset=dataset[year],
                    year=year,
                    region_code=codes[0],
                    measure=measure,
                    value=value,
                )
            )
        session.commit()
        makeup = bs.wijk_makeup(session, services.config, w.slug)
    assert makeup["age_15_24"] == 80.0 and makeup["age_65_plus"] == 120.0


def test_representation_counts_participants_who_told_about_themselves(
    services: Services,
) -> None:
    with services.db.session() as session:
        w = wijk(session)
        assert w.id is not None
        for n in range(8):
            pid = person(session, n)
            observe(session, w.id, pid, "strength", "wonen")
            age = "65plus" if n < 6 else "u25"
            session.add(PersonProfile(person_id=pid, age_group=age, household=None, asked_at=T0))
        # Someone who told about themselves but said nothing in the period: not counted.
        quiet = person(session, 99)
        session.add(PersonProfile(person_id=quiet, age_group="25_44", asked_at=T0))
        session.commit()
        makeup = {"age": {"u25": 0.25, "25_44": 0.25, "45_64": 0.25, "65plus": 0.25}}
        found = bs.representation(session, w.id, Q4.start, Q4.end, makeup)
    assert (found.participants, found.answered) == (8, 8)
    age = {g.group: g for g in found.groups if g.dimension == "age"}
    assert age["65plus"].people == 6 and not age["65plus"].under
    assert age["u25"].people == 2 and not age["u25"].under  # 25% against 25%
    assert age["25_44"].people == 0 and age["25_44"].under
    household = [g for g in found.groups if g.dimension == "household"]
    assert all(g.people == 0 and g.wijk_share is None and not g.under for g in household)


# --- where figures and voices disagree -----------------------------------------------------------


def test_contested_statements(services: Services) -> None:
    config = services.config
    with services.db.session() as session:
        w = wijk(session)
        assert w.id is not None
        ids = load_mirror(session, config)
        people = [person(session, n) for n in range(12)]
        # groen: 10 reactions, 6 do not recognise it; parkeren: 9, all not; zonder: 10, half.
        for i, pid in enumerate(people[:10]):
            react_at(session, w.id, ids["groen"], pid, "not_recognise" if i < 6 else "recognise")
            verdict = "not_recognise" if i < 5 else "recognise"
            react_at(session, w.id, ids["zonder"], pid, verdict)
        for pid in people[:9]:
            react_at(session, w.id, ids["parkeren"], pid, "not_recognise")
        session.commit()
        found = bs.contested_statements(session, w.id, config.spiegel.disagree_min_reactions)
        assert [(c.item_id, c.reactions, c.not_recognised) for c in found] == [
            (ids["groen"], 10, 6)
        ]
        assert [c.item_id for c in bs.contested_statements(session, w.id, 9)] == [
            ids["groen"],
            ids["parkeren"],
        ]
        assert Verdict.NOT_RECOGNISE.value == "not_recognise"


def test_groups_that_grow_without_a_statement(services: Services) -> None:
    config = services.config
    with services.db.session() as session:
        w = wijk(session)
        assert w.id is not None
        load_mirror(session, config)
        for n in range(3):
            pid = person(session, n)
            observe(
                session, w.id, pid, "weakness", "verkeer", text_=f"Geen parkeerplek te vinden ({n})"
            )
            observe(
                session,
                w.id,
                pid,
                "weakness",
                "verkeer",
                text_=f"Er wordt te hard gereden in de straat ({n})",
            )
        # Last quarter: one about speeding, so that group grew from 1 to 3.
        observe(
            session,
            w.id,
            None,
            "weakness",
            "verkeer",
            at=Q4.start - timedelta(days=10),
            text_="Er wordt te hard gereden in de straat",
        )
        session.commit()
        found = bs.disagreements(session, config, w, Q4, Q4.end)
    assert found.contested == []
    assert [(u.swot, u.label, u.count, u.previous) for u in found.uncovered] == [
        ("weakness", "te hard rijden", 3, 1)
    ]


# --- through the bot ---------------------------------------------------------------------------

INVITE = "Wil je iets over jezelf vertellen?"
WHY = (
    "Zo ziet de wijkcoach wie er meepraat en wie nog niet. "
    "Je antwoord staat nooit bij je meldingen."
)


def profile_of(services: Services, telegram_id: int) -> PersonProfile | None:
    with services.db.session() as session:
        found = people.get_person(session, telegram_id)
        assert found is not None and found.id is not None
        return about_you.answers(session, found.id)


async def test_over_jou_is_asked_once_after_a_first_observation(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/menu")
    assert INVITE not in alice.last.plain_text  # nothing said yet: not asked
    assert profile_of(services, 1001) is None

    await file(alice, "De stoep bij de school is kapot")
    (menu,) = await alice.press("Naar het menu")  # the confirmation becomes the menu
    assert menu.edited and INVITE in menu.plain_text and WHY in menu.plain_text
    assert menu.button_texts[:2] == ["Ja, ik beantwoord de vragen", "Nee, geen vragen over mij"]
    assert "Over jou" in menu.button_texts

    (age,) = await alice.press("Ja, ik beantwoord de vragen")
    assert age.message_id == menu.message_id and "Hoe oud ben je?" in age.plain_text
    assert WHY in age.plain_text
    (household,) = await alice.press("65 jaar of ouder")
    assert "Met wie woon je?" in household.plain_text
    (years,) = await alice.press("Overslaan")  # each question can be skipped
    assert "Hoe lang woon je al in de wijk?" in years.plain_text
    (done,) = await alice.press("Langer dan 10 jaar")
    assert done.message_id == menu.message_id
    assert "Dank je wel!" in done.plain_text and "Leeftijd: 65 jaar of ouder" in done.plain_text
    assert "Wonen: niet gezegd" in done.plain_text
    row = profile_of(services, 1001)
    assert row is not None
    assert (row.age_group, row.household, row.years_in_wijk) == ("65plus", None, "gt10")

    # Asked once: the next menus do not ask again.
    await alice.send("/menu")
    assert INVITE not in alice.last.plain_text
    await file(alice, "De lantaarn bij het park is stuk")
    (menu,) = await alice.press("Naar het menu")
    assert INVITE not in menu.plain_text


async def test_over_jou_no_ends_it_and_it_can_be_changed_and_erased(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await file(alice, "De stoep bij de school is kapot")
    await alice.press("Naar het menu")
    (declined,) = await alice.press("Nee, geen vragen over mij")
    assert "ik vraag het niet meer" in declined.plain_text
    row = profile_of(services, 1001)
    assert row is not None and (row.age_group, row.household, row.years_in_wijk) == (
        None,
        None,
        None,
    )
    await alice.send("/menu")
    assert INVITE not in alice.last.plain_text

    # Changing it later, from the menu.
    (summary,) = await alice.press("Over jou")
    assert "Leeftijd: niet gezegd" in summary.plain_text
    assert "Wis mijn antwoorden" not in summary.button_texts  # nothing to erase
    await alice.press("Antwoorden aanpassen")
    await alice.press("Jonger dan 25")
    await alice.press("Met kinderen")
    await alice.press("Nee, geen vragen over mij")  # stops; what was answered stays
    row = profile_of(services, 1001)
    assert row is not None and (row.age_group, row.household) == ("u25", "with_children")

    # In the export, then erased.
    with services.db.session() as session:
        found = people.get_person(session, 1001)
        assert found is not None and found.id is not None
        exported = personal_data.export_person(session, found.id)
    assert exported["about_you"]["age_group"] == "u25"
    await alice.send("/menu")
    (summary,) = await alice.press("Over jou")
    assert "Leeftijd: Jonger dan 25" in summary.plain_text
    (erased,) = await alice.press("Wis mijn antwoorden")
    assert "Je antwoorden zijn gewist." in erased.plain_text
    row = profile_of(services, 1001)
    assert row is not None and (row.age_group, row.household, row.years_in_wijk) == (
        None,
        None,
        None,
    )


async def test_over_jou_in_english_says_what_each_button_does(
    bot: Harness, services: Services
) -> None:
    """Beside "Skip" at a question, the other button says that it stops the questions."""
    bob = await onboard(bot, 1002, "Bob", language_code="en")
    await bob.send("/report")
    await bob.send("The pavement by the school is broken")
    for label in ("What could be better?", "Housing", "Skip", "No, only", "Send"):
        await bob.press(label)
    (menu,) = await bob.press("Back to the menu")
    assert "about yourself? There are three short questions." in menu.plain_text
    assert menu.button_texts[:2] == [
        "Yes, I will answer the questions",
        "No questions about me, please",
    ]
    (age,) = await bob.press("Yes, I will answer the questions")
    assert age.button_texts[-3:] == ["Skip", "Later", "No questions about me, please"]
    (declined,) = await bob.press("No questions about me, please")
    assert "I will not ask again" in declined.plain_text


async def test_over_jou_is_erased_with_the_person(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await file(alice, "De stoep bij de school is kapot")
    await alice.press("Naar het menu")
    await alice.press("Ja, ik beantwoord de vragen")
    await alice.press("45 tot 65 jaar")
    with services.db.session() as session:
        found = people.get_person(session, 1001)
        assert found is not None and found.id is not None
        personal_data.erase_person(session, found.id, keep_contributions=True)
        assert session.exec(select(PersonProfile)).all() == []


async def test_the_coach_sees_what_we_do_not_know_yet_and_a_resident_does_not(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await file(alice, "De stoep bij de school is kapot")
    await alice.press("Naar het menu")
    await alice.press("Ja, ik beantwoord de vragen")
    await alice.press("65 jaar of ouder")

    coach = await join_as(bot, services, 2001, "Coach", Role.COACH, "elsrijk")
    await coach.send("/menu")
    assert "Wat weten we nog niet?" in coach.last.button_texts
    (view,) = await coach.press("Wat weten we nog niet?")
    text = view.plain_text
    key = bs.current_quarter(services.clock.now(), services.tz).key
    year, quarter = key.split("-Q")
    assert f"Elsrijk, kwartaal {quarter} van {year}" in text
    assert "Hier weten we weinig van" in text and "Wat kan beter?" in text
    # The small-number rule: one person is "minder dan 5", never "1".
    assert "Wie horen we nog weinig?" in text
    assert "Mensen die iets over zichzelf vertelden: minder dan 5." in text
    assert "65 jaar of ouder: minder dan 5" in text
    assert ": 1" not in text and " 1;" not in text and not text.rstrip().endswith(" 1")
    assert "De cijfers van het CBS over de wijk zijn er nog niet." in text
    assert "Waar mensen het anders zien" in text
    # Never beside an observation: the view names no text anyone wrote.
    assert "De stoep bij de school is kapot" not in text
    (year_view,) = await coach.press("Heel het jaar")
    assert f"heel {year}" in year_view.plain_text

    # A resident has no such menu entry, and a forged button shows them nothing.
    await alice.send("/menu")
    assert "Wat weten we nog niet?" not in alice.last.button_texts
    with services.db.session() as session:
        elsrijk = wijk(session)
    replies = await alice.press_data(f"bs:{elsrijk.id}:{key}")
    assert [r.plain_text for r in replies] == ["Dit is alleen voor de wijkcoach."]
    replies = await alice.press_data("mn:blind")
    assert all("Hier weten we weinig van" not in r.plain_text for r in replies)


async def test_the_page_draws_one_line_below_which_it_tells_no_count(
    bot: Harness, services: Services
) -> None:
    """It said "Hier zeiden minder dan 3 mensen iets." above the topics we know little of and
    "Veiligheid: minder dan 5" a few lines lower: two numbers for one count. Now the line is
    the small-number rule's: a topic shown as "minder dan 5" is one we know little of."""
    now = services.clock.now()
    with services.db.session() as session:
        w = wijk(session)
        assert w.id is not None
        observe(session, w.id, person(session, 0), "weakness", "veiligheid", at=now)
        # Three people about traffic: "minder dan 5" below, so among the few above too.
        for n in range(1, 4):
            observe(session, w.id, person(session, n), "weakness", "verkeer", at=now)
        session.commit()
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await carla.send("/menu")
    (view,) = await carla.press("Wat weten we nog niet?")
    few, _, rest = view.plain_text.partition("Hoeveel mensen zeiden iets")
    counts = rest.partition("Wie horen we nog weinig?")[0]
    assert "Hier zeiden minder dan 5 mensen iets." in few and "minder dan 3" not in view.plain_text
    assert "Veiligheid" in few.partition("Wat kan beter?")[2].partition("\n")[0]
    assert "Verkeer" in few.partition("Wat kan beter?")[2].partition("\n")[0]
    assert "Veiligheid: minder dan 5" in counts and "Verkeer: minder dan 5" in counts

    emma = bot.user(2002, "Emma", language_code="en")
    await emma.send(f"/start {invite_code(services, Role.COACH, 'elsrijk')}")
    await emma.press("I agree")
    await emma.send("/menu")
    (view,) = await emma.press("What don't we know yet?")
    few, _, counts = view.plain_text.partition("How many people said something")
    assert "Fewer than 5 people said something here." in few
    assert "fewer than 3" not in view.plain_text.lower()
    assert "Safety: fewer than 5" in counts and "Traffic: fewer than 5" in counts


async def test_the_coach_sees_reactions_to_recommendations_in_their_own_line(
    bot: Harness, services: Services
) -> None:
    """Seven people reacted to the advice about traffic, two to the advice without a topic:
    the page said nobody said anything. Now the advice has a line of its own, said in the
    intro, counted under the small-number rule."""
    react_to_advice(services, services.clock.now())
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await carla.send("/menu")
    (view,) = await carla.press("Wat weten we nog niet?")
    few, _, rest = view.plain_text.partition("Hoeveel mensen zeiden iets")
    counts = rest.partition("Wie horen we nog weinig?")[0]
    assert (
        "Reacties op een advies tellen bij het onderwerp van dat advies. "
        "Ze staan apart, bij Wat raadt de wijkcoach aan?"
    ) in few
    lines = view.plain_text.splitlines()
    assert "Wat raadt de wijkcoach aan? zonder onderwerp" in few.splitlines()
    assert "Wat raadt de wijkcoach aan? Verkeer: 7; zonder onderwerp: minder dan 5" in lines
    assert "Wat kan beter? niemand" in counts.splitlines()
    assert ": 2" not in view.plain_text

    emma = bot.user(2002, "Emma", language_code="en")
    await emma.send(f"/start {invite_code(services, Role.COACH, 'elsrijk')}")
    await emma.press("I agree")
    await emma.send("/menu")
    (view,) = await emma.press("What don't we know yet?")
    assert "They have a line of their own: What does the district coach recommend?" in (
        view.plain_text
    )
    assert (
        "What does the district coach recommend? Traffic: 7; no topic: fewer than 5"
        in view.plain_text.splitlines()
    )


def _store_figures(services: Services, values: dict[str, float]) -> None:
    with services.db.session() as session:
        code = services.config.wijk("elsrijk").cbs_wijk_codes[0]  # type: ignore[union-attr]
        for measure, value in values.items():
            session.add(
                CbsFigure(
                    dataset="86165NED", year=2025, region_code=code, measure=measure, value=value
                )
            )
        session.commit()


async def test_blind_spots_do_not_make_a_missing_cbs_figure_zero(
    bot: Harness, services: Services
) -> None:
    """CBS gave Elsrijk's inhabitants, under-15s and 65-plussers, not the other age groups.
    "Cijfers over je wijk" says 1 in 4 is 65 or older; this page said "65 jaar of ouder ... (in
    de wijk 100%)" and "25 tot 45 jaar ... (in de wijk 0%)". Now: the known share of the
    wijk's people of 15 and older, the others unknown, and that the make-up is not all known."""
    _store_figures(services, {"inhabitants": 9830.0, "age_0_14": 1640.0, "age_65_plus": 2455.0})
    coach = await join_as(bot, services, 6001, "Carla", Role.COACH, "elsrijk")
    await coach.send("/menu")
    (screen,) = await coach.press("Wat weten we nog niet?")
    part = screen.plain_text.split("Wie horen we nog weinig?", 1)[1]
    part = part.split("Waar mensen het anders zien", 1)[0]
    assert "(in de wijk 100%)" not in part and "(in de wijk 0%)" not in part, part
    lines = part.splitlines()
    assert "65 jaar of ouder: minder dan 5 (in de wijk 30%)" in lines, part
    assert "25 tot 45 jaar: minder dan 5 (in de wijk niet bekend)" in lines, part
    assert "Van sommige groepen weet het CBS niet hoeveel er in de wijk wonen." in lines
    assert "Leeftijd in de wijk: van de mensen van 15 jaar en ouder." in lines
    # Households: nothing known at all, said the same way.
    assert "Woont alleen: minder dan 5 (in de wijk niet bekend)" in lines, part
    # The whole make-up known: no such sentence.
    _store_figures(
        services,
        {
            "age_15_24": 800.0,
            "age_25_44": 2600.0,
            "age_45_64": 2335.0,
            "households": 4900.0,
            "households_single": 2000.0,
            "households_without_children": 1700.0,
            "households_with_children": 1200.0,
        },
    )
    (screen,) = await coach.press("Kwartaal ervoor", message=screen)
    assert "Van sommige groepen weet het CBS niet" not in screen.plain_text
    assert "25 tot 45 jaar: minder dan 5 (in de wijk 32%)" in screen.plain_text


async def test_from_the_whole_year_back_to_this_quarter(bot: Harness, services: Services) -> None:
    """ "Heel het jaar" and "Kwartaal ervoor" lead away from this quarter; each has a way back."""
    coach = await join_as(bot, services, 2001, "Coach", Role.COACH, "elsrijk")
    key = bs.current_quarter(services.clock.now(), services.tz).key
    year, quarter = key.split("-Q")
    await coach.send("/menu")
    (view,) = await coach.press("Wat weten we nog niet?")
    assert "Terug naar dit kwartaal" not in view.button_texts
    (view,) = await coach.press("Heel het jaar")
    assert f"Elsrijk, heel {year}" in view.plain_text
    (view,) = await coach.press("Terug naar dit kwartaal")
    assert f"Elsrijk, kwartaal {quarter} van {year}" in view.plain_text
    (view,) = await coach.press("Kwartaal ervoor")
    assert f"Elsrijk, kwartaal {quarter} van {year}" not in view.plain_text
    (view,) = await coach.press("Terug naar dit kwartaal")
    assert f"Elsrijk, kwartaal {quarter} van {year}" in view.plain_text
    # In English too.
    await coach.send("/language")
    await coach.press("English")
    await coach.send("/menu")
    (view,) = await coach.press("What don't we know yet?")
    (view,) = await coach.press("The whole year")
    assert "Back to this quarter" in view.button_texts


# --- the command line ----------------------------------------------------------------------------


def test_wijkbot_blind_spots_prints_the_same(
    cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    with cli_services.db.session() as session:
        w = wijk(session)
        assert w.id is not None
        for n in range(6):
            observe(session, w.id, person(session, n), "weakness", "verkeer")
        session.commit()
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    command = ["--config", str(example), "blind-spots", "--wijk", "elsrijk", "--period"]
    code = wijkbot.main([*command, "2026-Q4"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Wat weten we nog niet?" in out and "Elsrijk, kwartaal 4 van 2026" in out
    assert "Wat kan beter? Verkeer: 6" in out and "<b>" not in out
    assert "Mensen die iets over zichzelf vertelden: minder dan 5." in out
    code = wijkbot.main([*command, "2026-Q9"])
    assert code == 2


def test_wijkbot_blind_spots_counts_reactions_to_recommendations(
    cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    react_to_advice(cli_services, T0)
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    command = ["--config", str(example), "blind-spots", "--wijk", "elsrijk", "--period"]
    assert wijkbot.main([*command, "2026-Q4"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "Wat raadt de wijkcoach aan? Verkeer: 7; zonder onderwerp: minder dan 5" in out
    assert "Wat raadt de wijkcoach aan? zonder onderwerp" in out
