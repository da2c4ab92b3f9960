"""The supplement counts what the digest and the bot's own screens count, the same way: a
ranking poll by its points, a statement's reactions beside the year's total of them, the rule
for a contested statement in words that are true, and group labels in the reader's language.
Through the command line and the coach's button, on both databases."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docx
import pytest

from bot.cli import wijkbot as cli
from bot.context import Services
from bot.core.clock import Clock, FrozenClock
from bot.fake_telegram import Harness
from bot.fake_telegram.users import Person as FakePerson
from bot.supplement import builder, render
from models import Edition, Poll, PollOption, Reaction, Role, SpiegelItem, Vote
from tests.digest.test_digest import AMS, IN_W47, observe, person, wijk, wijk_id
from tests.helpers import join_as, onboard
from tests.spiegel.test_spiegel import load

# A statement's reactions in the supplement: "Herken ik: 3. Herken ik niet: 9." (or Eens).
COUNTS = r"(?:Herken ik|Eens): (\d+)\. (?:Herken ik niet|Niet eens): (\d+)\."
EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
# A Friday in November 2026: the spiegel of 2026 is the current one; next year's can be begun.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=AMS)


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(NOW)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert cli.main(["--config", str(EXAMPLE), *args]) == 0
    return capsys.readouterr().out


def paragraphs(content: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


async def supplement_of(coach: FakePerson) -> list[str]:
    await coach.send("/menu")
    await coach.press("Wijkaanvulling maken")
    document = coach.last
    assert document.kind == "document", document.plain_text
    return paragraphs(document.file_bytes or b"")


async def residents_do_not_recognise(bot: Harness, statement_page: str, count: int) -> None:
    """`count` residents of Elsrijk open the spiegel part and press "Herken ik niet" on the
    part's second statement ("De stoepen zijn ongelijk." in the test spiegel)."""
    for i in range(count):
        resident = await onboard(bot, 8100 + i, f"Bewoner{i}")
        await resident.send("/spiegel")
        page = await resident.press(statement_page)
        stoep = next(m for m in page if "De stoepen zijn ongelijk." in m.plain_text)
        await resident.press("Herken ik niet 👎", message=stoep)


# --- polls ---------------------------------------------------------------------------------------


def _closed_poll(
    services: Services,
    question: str,
    kind: str,
    texts: tuple[str, ...],
    ballots: list[tuple[int, ...]],
    first_voter: int,
) -> None:
    """A poll of the wijk closed in week 47; each ballot the indexes of the options a voter
    chose, for a ranking in the order ranked."""
    w = wijk_id(services)
    voters = [person(services, first_voter + i) for i in range(len(ballots))]
    at = IN_W47.astimezone(UTC)
    with services.db.session() as session:
        poll = Poll(
            wijk_id=w,
            question=question,
            kind=kind,
            audience="wijk",
            status="closed",
            opens_at=at - timedelta(days=3),
            closes_at=at,
            closed_at=at,
        )
        session.add(poll)
        session.commit()
        assert poll.id is not None
        options = [
            PollOption(poll_id=poll.id, position=i, text=text) for i, text in enumerate(texts)
        ]
        session.add_all(options)
        session.commit()
        for voter, ballot in zip(voters, ballots, strict=True):
            for rank, index in enumerate(ballot, start=1):
                session.add(
                    Vote(
                        poll_id=poll.id,
                        option_id=options[index].id or 0,
                        person_id=voter,
                        rank=rank if kind == "ranking" else None,
                        created_at=at,
                    )
                )
        session.commit()


def _closed_ranking_poll(services: Services) -> None:
    """Four people put Bankjes first, two Speeltuin."""
    ballots = [(0, 1, 2)] * 4 + [(2, 1, 0)] * 2
    _closed_poll(services, "Wat eerst?", "ranking", ("Bankjes", "Bomen", "Speeltuin"), ballots, 300)


def test_supplement_shows_a_ranking_polls_result_as_the_digest_does(
    cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """The digest gives the ranking's result (Bankjes 14 punten, Bomen 12, Speeltuin 10). The
    yearly supplement listed every option as "6 (100%)": everyone ranks every option, so the
    document the coach hands on said all options were equally wanted."""
    _closed_ranking_poll(cli_services)
    digest = run(capsys, "digest", "--wijk", "elsrijk", "--period", "2026-W47")
    assert "1. Bankjes: 14 punten, 4 keer als eerste gekozen" in digest
    md = run(
        capsys, "supplement", "--wijk", "elsrijk", "--year", "2026", "--format", "md", "--out", "-"
    )
    part = md.split("## Stemmingen", 1)[1].split("\n## ", 1)[0]
    assert "(100%)" not in part, part
    assert "- 1. Bankjes: 14 punten, 4 keer als eerste gekozen" in part, part
    assert "- 2. Bomen: 12 punten, 0 keer als eerste gekozen" in part, part
    assert "- 3. Speeltuin: 10 punten, 2 keer als eerste gekozen" in part, part
    assert "Hoe telt het?" in part
    english = run(
        capsys,
        "supplement",
        *("--wijk", "elsrijk", "--year", "2026", "--format", "md", "--out", "-", "--lang", "en"),
    )
    assert "- 1. Bankjes: 14 points, put first by 4 people" in english


async def test_the_coachs_supplement_ranks_the_poll_too(bot: Harness, services: Services) -> None:
    _closed_ranking_poll(services)
    coach = bot.user(5001, "Anna")
    person(services, 5001, role=Role.COACH, since=NOW - timedelta(days=30))
    text = await supplement_of(coach)
    options = [p for p in text if re.match(r"\d\. (Bankjes|Bomen|Speeltuin):", p)]
    assert options == [
        "1. Bankjes: 14 punten, 4 keer als eerste gekozen",
        "2. Bomen: 12 punten, 0 keer als eerste gekozen",
        "3. Speeltuin: 10 punten, 2 keer als eerste gekozen",
    ]


def _closed_choice_poll(services: Services) -> None:
    """Two of three voters chose Zaterdag, one Woensdag."""
    question = "Welke dag voor de markt?"
    _closed_poll(services, question, "single", ("Zaterdag", "Woensdag"), [(0,), (0,), (1,)], 400)


async def test_a_share_of_votes_is_written_the_same_way_everywhere(
    bot: Harness, services: Services
) -> None:
    """Two of three voters chose Zaterdag. The digest said "67%", the supplement and the poll's
    own result screen "66,7%"; now all three say "66,7%"."""
    _closed_choice_poll(services)
    coach = bot.user(5001, "Anna")
    # A coach since this week: last week's scheduled digest is not theirs.
    person(services, 5001, role=Role.COACH, since=NOW - timedelta(days=2))
    await coach.send("/digest elsrijk")
    digest = next(m.plain_text for m in coach.messages if "tot nu" in m.plain_text)
    assert "1. Zaterdag: 2 (66,7%)" in digest and "2. Woensdag: 1 (33,3%)" in digest, digest
    text = await supplement_of(coach)
    assert "Zaterdag: 2 (66,7%)" in text and "Woensdag: 1 (33,3%)" in text
    await coach.send("/stemmen")
    await coach.press("Uitslag: Welke dag voor de markt?")
    screen = coach.last.plain_text
    assert "Zaterdag: 2 (66,7%)" in screen and "Woensdag: 1 (33,3%)" in screen, screen


# --- contested statements ------------------------------------------------------------------------


async def test_supplement_does_not_say_no_statement_was_mostly_not_recognised_beside_one(
    bot: Harness, services: Services
) -> None:
    """Six of six residents do not recognise "De stoepen zijn ongelijk". The supplement listed
    "De stoepen zijn ongelijk. Herken ik: 0. Herken ik niet: 6." and then, under "Waar cijfers en
    bewoners iets anders zeggen", stated "Geen zin kreeg vooral: herken ik niet." - untrue as
    written (the statement is below `disagree_min_reactions`, which the text did not say)."""
    load(services, "elsrijk")
    coach = await join_as(bot, services, 6001, "Carla", Role.COACH, "elsrijk")
    await residents_do_not_recognise(bot, "Wat kan beter? (2)", 6)
    text = await supplement_of(coach)
    assert "De stoepen zijn ongelijk. Herken ik: 0. Herken ik niet: 6." in text
    assert "Geen zin kreeg vooral: herken ik niet." not in text
    minimum = services.config.spiegel.disagree_min_reactions
    assert minimum == 10
    part = text[text.index("Waar cijfers en bewoners iets anders zeggen") :]
    assert part[1] == (
        "Geen zin kreeg minstens 10 reacties met meer ‘herken ik niet’ dan ‘herken ik’."
    )


async def test_a_contested_recommendation_is_listed_in_its_own_words(
    bot: Harness, services: Services
) -> None:
    """A recommendation has the buttons "Eens / Niet eens". Three residents press "Niet eens" on
    it and "Herken ik niet" on a statement. The supplement and "Wat weten we nog niet?" listed
    both as "herken ik niet"; now the recommendation says "niet eens", in both languages."""
    load(services, "elsrijk")
    services.config = replace(
        services.config, spiegel=replace(services.config.spiegel, disagree_min_reactions=3)
    )
    coach = await join_as(bot, services, 6001, "Carla", Role.COACH, "elsrijk")
    await residents_do_not_recognise(bot, "Wat kan beter? (2)", 3)
    for i in range(3):
        resident = bot.user(8100 + i, f"Bewoner{i}")
        await resident.send("/spiegel")
        page = await resident.press("Wat raadt de wijkcoach aan? (1)")
        advice = next(m for m in page if "Vertel wat er" in m.plain_text)
        await resident.press("Niet eens 👎", message=advice)

    text = await supplement_of(coach)
    part = text[text.index("Waar cijfers en bewoners iets anders zeggen") :]
    assert part[1:4] == [
        "Deze zinnen en adviezen kregen minstens 3 reacties. Bij een zin zeiden meer mensen"
        " ‘herken ik niet’ dan ‘herken ik’. Bij een advies zeiden meer mensen ‘niet eens’ dan"
        " ‘eens’.",
        "De stoepen zijn ongelijk. Herken ik niet: 3. Herken ik: 0.",
        "Vertel wat er in het wijkcentrum te doen is. Niet eens: 3. Eens: 0.",
    ]
    assert "Aanpassen? Vertel wat er in het wijkcentrum te doen is. Niet eens: 3." in text
    assert "Aanpassen? De stoepen zijn ongelijk. Herken ik niet: 3." in text
    assert not any("Vertel" in p and "Herken ik" in p for p in text)

    await coach.send("/menu")
    (screen,) = await coach.press("Wat weten we nog niet?")
    assert (
        "‘Vertel wat er in het wijkcentrum te doen is.’: 3 van de 3 mensen zijn het niet eens."
        in (screen.plain_text)
    )
    assert "‘De stoepen zijn ongelijk.’: 3 van de 3 mensen herkennen dit niet." in (
        screen.plain_text
    )

    english = markdown_in(services, 2026, "en")
    assert "Vertel wat er in het wijkcentrum te doen is. Disagree: 3. Agree: 0." in english
    assert "Revise? Vertel wat er in het wijkcentrum te doen is. Disagree: 3." in english


# --- which statements, which reactions -----------------------------------------------------------


def total_and_shown(text: list[str]) -> tuple[int, int]:
    """ "Reacties op zinnen: N" and the sum of what the statements show."""
    total = next(
        int(p.split(": ", 1)[1].split(" ")[0]) for p in text if p.startswith("Reacties op zinnen:")
    )
    shown = sum(int(a) + int(b) for p in text for a, b in re.findall(COUNTS, p))
    return total, shown


def markdown(services: Services, year: int) -> list[str]:
    return markdown_in(services, year, "nl")


def markdown_in(services: Services, year: int, lang: str) -> list[str]:
    with services.db.session() as session:
        data = builder.build(session, services.config, wijk(services), year)
    return [
        line.removeprefix("- ") for line in render.render(data, lang, "md").decode().splitlines()
    ]


async def test_supplement_totals_agree_with_its_statements_after_next_year_is_begun(
    bot: Harness, services: Services
) -> None:
    """In November the coach begins next year's spiegel (as the bot offers). Residents react in
    November - now to the 2027 statements. The 2026 supplement said "Reacties op zinnen: 6"
    while every statement in it showed "Herken ik: 0. Herken ik niet: 0.": the six reactions
    were in the total and nowhere else, and "De stoepen zijn ongelijk" looked uncontested.
    Now the year's supplement covers its own edition, and the 2027 supplement shows the six."""
    load(services, "elsrijk")
    coach = await join_as(bot, services, 6001, "Carla", Role.COACH, "elsrijk")
    await coach.send("/spiegel")
    await coach.press("Begin aan volgend jaar")
    await coach.press("Ja, begin 2027")
    await residents_do_not_recognise(bot, "Wat kan beter? (2)", 6)
    text = await supplement_of(coach)
    assert total_and_shown(text) == (0, 0)
    assert (
        "Bij de wijkspiegel van 2026. Bij elke zin staan alle reacties en opmerkingen tot nu toe."
        in text
    )
    next_year = markdown(services, 2027)
    assert any(line.startswith("*Bij de wijkspiegel van 2027.") for line in next_year)
    assert total_and_shown(next_year) == (6, 6)
    assert "De stoepen zijn ongelijk. Herken ik: 0. Herken ik niet: 6." in next_year


def _reactions(services: Services, item_id: int, times: list[datetime], first: int = 0) -> None:
    """A "herken ik niet" to the statement at each of `times`, each by another person."""
    w = wijk_id(services)
    with services.db.session() as session:
        for i, when in enumerate(times):
            at = when.astimezone(UTC)
            session.add(
                Reaction(
                    item_id=item_id,
                    wijk_id=w,
                    person_id=person(services, 700 + first + i),
                    verdict="not_recognise",
                    created_at=at,
                    updated_at=at,
                )
            )
        session.commit()


def _edition_with_a_statement(services: Services, year: int) -> int:
    """An edition of Elsrijk for `year` with one statement, "Te weinig groen."; its id."""
    with services.db.session() as session:
        edition = Edition(wijk_id=wijk_id(services), year=year)
        session.add(edition)
        session.commit()
        assert edition.id is not None
        item = SpiegelItem(edition_id=edition.id, key="g", kind="weakness", text="Te weinig groen.")
        session.add(item)
        session.commit()
        assert item.id is not None
        return item.id


def test_reactions_in_the_year_to_next_years_edition_are_named_with_it(
    services: Services,
) -> None:
    """2027's edition was begun in November 2026 and got six reactions in December; 2026's got
    four before. The 2026 supplement shows its own four and names the six with 2027; the 2027
    supplement shows the six."""
    this_year = _edition_with_a_statement(services, 2026)
    next_year = _edition_with_a_statement(services, 2027)
    _reactions(services, this_year, [datetime(2026, 6, 1, 12, 0, tzinfo=AMS)] * 4)
    _reactions(services, next_year, [datetime(2026, 12, 1, 12, 0, tzinfo=AMS)] * 6, first=10)
    text = markdown(services, 2026)
    assert total_and_shown(text) == (4, 4)
    assert (
        "In 2026 kwamen ook 6 reacties op de zinnen van de wijkspiegel 2027. "
        "Die staan in de wijkaanvulling van 2027."
    ) in text
    later = markdown(services, 2027)
    assert total_and_shown(later) == (6, 6)
    assert not any(line.startswith("In 2027 kwamen ook") for line in later)


def test_a_year_without_its_own_edition_does_not_compare_the_same_reactions(
    services: Services,
) -> None:
    """2026 has no edition of its own: its supplement covers 2025's, whose statement got three
    reactions in 2025 and two in 2026. It shows the five beside the statement and in the total,
    and does not put "Vorig jaar: 5" beside them: last year's supplement covers the same."""
    item_id = _edition_with_a_statement(services, 2025)
    in_2025 = datetime(2025, 6, 1, 12, 0, tzinfo=AMS)
    in_2026 = datetime(2026, 6, 1, 12, 0, tzinfo=AMS)
    _reactions(services, item_id, [in_2025] * 3 + [in_2026] * 2)
    observe(services, "Te weinig bomen in de straat", at=in_2025)
    observe(services, "Te weinig bomen op het plein", at=in_2026)
    text = markdown(services, 2026)
    assert total_and_shown(text) == (5, 5)
    assert "Te weinig groen. Herken ik: 0. Herken ik niet: 5." in text
    assert "Reacties op zinnen: 5" in text  # no "(Vorig jaar: 5)"
    assert "Meldingen: 1 (Vorig jaar: 1)" in text
    assert not any(line.startswith("In 2026 kwamen ook") for line in text)
    last_year = markdown(services, 2025)
    assert total_and_shown(last_year) == (5, 5)


# --- comments on statements ----------------------------------------------------------------------

COMMENT = "Not really, the <i>park</i> & the street are dirty"


async def test_a_residents_comment_on_a_statement_is_in_the_supplement(
    bot: Harness, services: Services
) -> None:
    """Emma types a comment on "De stoepen zijn ongelijk." and says nothing about whether it is
    true for her. The coach's district summary quotes it under "New comments"; the yearly
    supplement, which says each statement shows all its reactions so far, showed "True for me: 0.
    Not true for me: 0." and her words nowhere. A comment alone is no reaction (as the summary
    counts it): now the supplement counts comments beside the reactions and quotes them as it
    quotes reports, between quotation marks and without a name. Its fifth part is headed by the
    question the mirror asks ("What does the district coach recommend?"), not "Advice"."""
    load(services, "elsrijk")
    chris = await join_as(bot, services, 7001, "Chris", Role.COACH, "elsrijk", language_code="en")
    emma = await onboard(bot, 1002, "Emma", language_code="en")
    await emma.send("/mirror")
    page = await emma.press("What could be better? (2)")
    stoep = next(m for m in page if "De stoepen zijn ongelijk." in m.plain_text)
    await emma.press("Type a comment ✍️", message=stoep)
    await emma.send(COMMENT)
    assert "Your comment is saved" in emma.last.plain_text

    await chris.send("/menu")
    await chris.press("Make yearly supplement")
    text = paragraphs(chris.last.file_bytes or b"")
    assert (
        "For the district mirror of 2026. Each statement shows all its reactions and comments"
        " so far." in text
    )
    assert "Reactions to statements: 0" in text and "Comments on statements: 1" in text
    at = text.index("De stoepen zijn ongelijk. True for me: 0. Not true for me: 0. Comments: 1.")
    assert text[at + 1] == f"‘{COMMENT}’"
    assert "Voor jongeren is er weinig te doen. True for me: 0. Not true for me: 0." in text
    assert "Emma" not in "\n".join(text)
    assert "What does the district coach recommend?" in text and "Advice" not in text

    dutch = markdown(services, 2026)
    assert "De stoepen zijn ongelijk. Herken ik: 0. Herken ik niet: 0. Opmerkingen: 1." in dutch
    assert "Opmerkingen bij zinnen: 1" in dutch
    assert "## Wat raadt de wijkcoach aan?" in dutch


def test_comments_are_quoted_newest_first_and_the_rest_counted(services: Services) -> None:
    """Seven people commented on "Te weinig groen.", three of them also said it is not true for
    them; the newest comment is of someone since erased, who kept their reactions without a
    name. The statement counts all seven comments beside its three reactions, quotes the five
    newest of people who still take part, and says how many are not quoted: none is left out
    without a word, and the erased person's words are not quoted."""
    item_id = _edition_with_a_statement(services, 2026)
    w = wijk_id(services)
    with services.db.session() as session:
        for i in range(7):
            at = datetime(2026, 3, 1 + i, 12, 0, tzinfo=AMS).astimezone(UTC)
            erased = i == 6
            session.add(
                Reaction(
                    item_id=item_id,
                    wijk_id=w,
                    person_id=None if erased else person(services, 700 + i),
                    verdict="not_recognise" if i % 2 else None,
                    comment="Van iemand die weg is" if erased else f"Opmerking {i + 1}",
                    created_at=at,
                    updated_at=at,
                    commented_at=at,
                )
            )
        session.commit()
    text = [line for line in markdown(services, 2026) if line]
    at = text.index("Te weinig groen. Herken ik: 0. Herken ik niet: 3. Opmerkingen: 7.")
    assert text[at + 1 : at + 7] == [
        "> ‘Opmerking 6’",
        "> ‘Opmerking 5’",
        "> ‘Opmerking 4’",
        "> ‘Opmerking 3’",
        "> ‘Opmerking 2’",
        "Opmerkingen die hier niet staan: 2.",
    ]
    assert not any("weg is" in line for line in text)
    assert total_and_shown(text) == (3, 3)
    assert "Opmerkingen bij zinnen: 7" in text


# --- group labels in the reader's language -------------------------------------------------------


async def test_group_labels_are_in_the_coachs_language_everywhere(
    bot: Harness, services: Services
) -> None:
    """The vocabulary names each concept in Dutch and English. An English coach read
    "parkeerdruk" in the digest, the supplement, "What don't we know yet?" and the groups to
    make a statement from; now "car parking pressure" everywhere."""
    load(services, "elsrijk")  # a spiegel without a statement about parking
    parking = "Geen parkeerplek te vinden in de straat"
    # Three this week (the coach's digest now: this week so far), one the week before.
    for i in range(3):
        observe(services, f"{parking} ({i})", at=IN_W47)
    observe(services, f"{parking} (eerder)", at=IN_W47 - timedelta(days=7))
    coach = bot.user(5001, "Anna", language_code="en")
    person(services, 5001, role=Role.COACH, since=NOW - timedelta(days=30), lang="en")

    await coach.send("/menu")
    await coach.press("Get the district summary now")
    digest = next(m.plain_text for m in coach.messages if "16 Nov 2026 until now" in m.plain_text)
    assert "car parking pressure: 3 similar reports" in digest, digest
    assert "• car parking pressure (What could be better?): 3 reports" in digest, digest
    assert "parkeerdruk" not in digest

    await coach.send("/menu")
    await coach.press("Make yearly supplement")
    supplement = paragraphs(coach.last.file_bytes or b"")
    assert any(p.startswith("car parking pressure. Reports: 4.") for p in supplement), supplement
    assert any(
        p.startswith("car parking pressure. Reports: fewer than 5. The year before")
        for p in supplement
    )
    assert not any("parkeerdruk" in p for p in supplement)

    await coach.send("/menu")
    (blind,) = await coach.press("What don't we know yet?")
    assert "More reports about car parking pressure: fewer than 5" in blind.plain_text
    assert "parkeerdruk" not in blind.plain_text

    (overview,) = await coach.send("/spiegel")
    (listed,) = await coach.press("Make a statement from reports", message=overview)
    assert "Make a statement from this: car parking pressure (3)" in listed.button_texts
