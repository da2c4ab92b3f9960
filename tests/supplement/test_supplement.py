"""The yearly supplement: built on seeded data, the DOCX read back and checked against the
database; privacy (no names, nothing hidden, no quote of an erased person); HTML escaping; the
CLI; and the coach's button through the real Application."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, update
from sqlmodel import col, select

from bot.cli import wijkbot as cli
from bot.context import Services
from bot.core.clock import Clock, FrozenClock
from bot.fake_telegram import Harness
from bot.supplement import builder, render
from models import (
    Edition,
    Observation,
    Reaction,
    SpiegelItem,
    Supporter,
    Verdict,
)
from tests.digest.test_digest import AMS, observe, person, wijk, wijk_id
from tests.helpers import taken_out_wijk

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=AMS)
IN_YEAR = datetime(2026, 5, 12, 10, 0, tzinfo=AMS)
PARKING = "Parkeren is onmogelijk, auto's op de stoep bij de school"
STRONG = "Er is veel groen in de wijk."
WEAK = "Er is genoeg plek om te parkeren."


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(NOW)


def seed(services: Services) -> dict[str, int]:
    """An edition of 2026 with two statements and 15 reactions, seven visible reports about
    parking (one answered, one of an erased author, one with three "ik ook"), two about nice
    neighbours (one with HTML in it), a hidden and a withdrawn one, a named author."""
    w = wijk_id(services)
    named = person(services, 9001, name="Jansen")
    people = [person(services, 9100 + i) for i in range(14)]
    at = IN_YEAR.astimezone(UTC)
    with services.db.session() as session:
        edition = Edition(wijk_id=w, year=2026, title="Wijkspiegel 2026")
        session.add(edition)
        session.commit()
        assert edition.id is not None
        strong = SpiegelItem(edition_id=edition.id, key="s1", kind="strength", text=STRONG)
        weak = SpiegelItem(edition_id=edition.id, key="w1", kind="weakness", text=WEAK)
        session.add_all([strong, weak])
        session.commit()
        assert strong.id is not None and weak.id is not None
        verdicts = [Verdict.NOT_RECOGNISE] * 9 + [Verdict.RECOGNISE] * 3
        for pid, verdict in zip(people, verdicts, strict=False):
            session.add(
                Reaction(
                    item_id=weak.id,
                    wijk_id=w,
                    person_id=pid,
                    verdict=verdict.value,
                    created_at=at,
                    updated_at=at,
                )
            )
        for pid in people[:3]:
            session.add(
                Reaction(
                    item_id=strong.id,
                    wijk_id=w,
                    person_id=pid,
                    verdict=Verdict.RECOGNISE.value,
                    created_at=at,
                    updated_at=at,
                )
            )
        session.commit()
        ids = {"strong": strong.id, "weak": weak.id}
    parking = [
        observe(services, f"{PARKING} ({i})", at=IN_YEAR, person_id=people[i]) for i in range(5)
    ]
    parking.append(
        observe(services, f"{PARKING} ERASED-AUTHOR", at=IN_YEAR, person_id=None)  # erased
    )
    parking.append(
        observe(
            services,
            f"{PARKING} van Jansen",
            at=IN_YEAR,
            person_id=named,
            share_name=True,
            status="resolved",
        )
    )
    observe(services, f"{PARKING} VERBORGEN", at=IN_YEAR, status="hidden", person_id=people[6])
    observe(services, f"{PARKING} TERUGGENOMEN", at=IN_YEAR, status="withdrawn")
    observe(services, f"{PARKING} VORIG-JAAR", at=IN_YEAR - timedelta(days=365))
    observe(
        services, "Aardige <b>buren</b> & veel groen", swot="strength", at=IN_YEAR, person_id=named
    )
    observe(services, "Aardige buren en veel groen hier", swot="strength", at=IN_YEAR)
    with services.db.session() as session:
        for i in range(3):
            session.add(
                Supporter(observation_id=parking[0], person_id=people[10 + i], text="ik ook")
            )
        session.commit()
    return ids


def texts(content: bytes) -> tuple[list[str], list[str]]:
    """(headings, every paragraph) of a DOCX."""
    document = docx.Document(io.BytesIO(content))
    paragraphs = [p.text for p in document.paragraphs]
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    return headings, paragraphs


def built(services: Services, year: int = 2026) -> builder.SupplementData:
    with services.db.session() as session:
        return builder.build(session, services.config, wijk(services), year)


def test_docx_sections_and_numbers_match_the_database(services: Services) -> None:
    ids = seed(services)
    data = built(services)
    headings, paragraphs = texts(render.render(data, "nl", "docx"))
    for heading in (
        "Wijkaanvulling 2026: Elsrijk",
        "Cijfers",
        "Wat bewoners lieten weten",
        "Wat gaat goed?",
        "Waar maak je je zorgen over?",
        "Stemmingen",
        "Waar cijfers en bewoners iets anders zeggen",
        "Wat de wijkspiegel nog niet weet",
        "Wie we nog niet horen",
        "Voorstel voor de zinnen",
    ):
        assert heading in headings, heading
    # Not known yet: said in words, not an empty heading or a zero.
    assert "Nog geen cijfers van het CBS." in paragraphs
    with services.db.session() as session:
        counts = dict(
            session.exec(
                select(Reaction.verdict, func.count())
                .where(Reaction.item_id == ids["weak"])
                .group_by(Reaction.verdict)
            ).all()
        )
        visible_weak = session.exec(
            select(func.count())
            .select_from(Observation)
            .where(
                Observation.swot == "weakness",
                Observation.status.in_(["new", "read", "in_progress", "referred", "resolved"]),  # type: ignore[attr-defined]
                Observation.created_at >= datetime(2026, 1, 1, tzinfo=AMS),
            )
        ).one()
        answered = session.exec(
            select(func.count())
            .select_from(Observation)
            .where(
                (Observation.status == "resolved")  # type: ignore[arg-type]
                | col(Observation.answered_at).is_not(None)
            )
        ).one()
    yes, no = counts["recognise"], counts["not_recognise"]
    assert (yes, no) == (3, 9)
    assert f"{WEAK} Herken ik: {yes}. Herken ik niet: {no}." in paragraphs
    assert f"{STRONG} Herken ik: 3. Herken ik niet: 0." in paragraphs
    assert visible_weak == 7
    assert f"Meldingen: {visible_weak}. Met antwoord van de wijkcoach: {answered}." in paragraphs
    group = data.question("weakness").groups[0]
    assert group.count == visible_weak and group.supporters == 3 and group.answered == 1
    assert any(
        p.endswith(f"Meldingen: {visible_weak}. Ik ook: 3. Met antwoord: 1.") for p in paragraphs
    )
    assert 1 <= len(group.quotes) <= 2
    # Mostly not recognised, 12 reactions: a disagreement and a proposed revision.
    assert f"{WEAK} Herken ik niet: 9. Herken ik: 3." in paragraphs
    assert f"Aanpassen? {WEAK} Herken ik niet: 9." in paragraphs
    assert data.totals.reactions == 15 and data.previous is not None
    assert data.previous.observations == 1


def test_no_names_nothing_hidden_no_quote_of_the_erased(services: Services) -> None:
    seed(services)
    data = built(services)
    for fmt in ("docx", "html", "md"):
        content = render.render(data, "nl", fmt)
        text = "\n".join(texts(content)[1]) if fmt == "docx" else content.decode()
        for banned in ("VERBORGEN", "TERUGGENOMEN", "ERASED-AUTHOR", "Buur-", "VORIG-JAAR"):
            assert banned not in text, (fmt, banned)
        # A named author's words may be quoted; their name never comes from the database.
        assert "Jansen" not in text.replace(f"{PARKING} van Jansen", "")


def test_html_escapes_and_prints_on_a4(services: Services) -> None:
    seed(services)
    html = render.render(built(services), "en", "html").decode()
    assert "@page { size: A4" in html
    assert "<b>buren</b>" not in html
    assert "&lt;b&gt;buren&lt;/b&gt; &amp; veel groen" in html
    assert "Yearly supplement 2026: Elsrijk" in html and "No figures from CBS yet." in html


def test_markdown(services: Services) -> None:
    seed(services)
    md = render.render(built(services), "nl", "md").decode()
    assert md.startswith("# Wijkaanvulling 2026: Elsrijk")
    assert "\\<b\\>buren\\</b\\>" in md


def test_a_year_without_data(services: Services) -> None:
    seed(services)
    with pytest.raises(builder.NoDataForYear):
        built(services, 2019)


def run(*args: str) -> int:
    return cli.main(["--config", str(EXAMPLE), "supplement", *args])


def test_cli(cli_services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(cli_services)
    out = tmp_path / "a.docx"
    assert run("--wijk", "elsrijk", "--year", "2026", "--out", str(out)) == 0
    headings, _ = texts(out.read_bytes())
    assert "Wat kan beter?" in headings
    assert run("--wijk", "elsrijk", "--year", "2026", "--format", "html", "--out", "-") == 0
    assert "<!DOCTYPE html>" in capsys.readouterr().out
    assert run("--wijk", "elsrijk", "--year", "2019", "--out", str(tmp_path / "b.docx")) == 1
    assert "no data for elsrijk in 2019" in capsys.readouterr().err
    assert not (tmp_path / "b.docx").exists()
    assert run("--wijk", "nergens", "--year", "2026") == 2
    assert "unknown wijk 'nergens'" in capsys.readouterr().err
    # A folder that is not there: one line, as `figures snapshot` says it.
    missing = tmp_path / "missing-dir" / "supplement.html"
    assert (
        run("--wijk", "elsrijk", "--year", "2026", "--format", "html", "--out", str(missing)) == 2
    )
    err = capsys.readouterr().err
    assert err == f"cannot write {missing}: No such file or directory\n"


def test_cli_on_a_wijk_taken_out_of_the_config_says_so(
    cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wijk taken out of config.toml (its data kept): the supplement of its old year is still
    drafted, with one line on stderr that the wijk is no longer in the file; exit codes as
    before (1 for a year without data)."""
    taken_out_wijk(cli_services)
    observe(cli_services, "Te weinig bankjes in het park", slug="verdwenen", at=IN_YEAR)
    assert run("--wijk", "verdwenen", "--year", "2026", "--format", "html", "--out", "-") == 0
    out, err = capsys.readouterr()
    assert "<title>Wijkaanvulling 2026: Verdwenen</title>" in out
    assert err.startswith("note: wijk 'verdwenen' is no longer in ") and err.count("\n") == 1
    assert run("--wijk", "verdwenen", "--year", "2019", "--format", "html", "--out", "-") == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("note: wijk 'verdwenen' is no longer in ")
        and "no data for verdwenen in 2019" in err
    )


async def test_coach_presses_the_button_and_receives_the_docx(
    bot: Harness, services: Services
) -> None:
    seed(services)
    anna = bot.user(5001, "Anna")
    from models import Role

    person(services, 5001, role=Role.COACH, since=NOW - timedelta(days=30))
    await anna.send("/menu")
    await anna.press("Wijkaanvulling maken")
    last = anna.last
    assert last.kind == "document" and last.filename == "wijkaanvulling-elsrijk-2026.docx"
    assert "Elsrijk" in last.plain_text
    headings, _ = texts(last.file_bytes or b"")
    assert "Wijkaanvulling 2026: Elsrijk" in headings
    # A resident has no such button.
    bert = bot.user(5002, "Bert")
    person(services, 5002, since=NOW - timedelta(days=30))
    await bert.send("/menu")
    assert "Wijkaanvulling maken" not in [b for row in bert.last.button_texts for b in row]


async def test_an_english_coach_receives_a_file_with_an_english_name(
    bot: Harness, services: Services
) -> None:
    """Chris works in English and presses "Make yearly supplement": the draft was English
    ("Yearly supplement 2026: Elsrijk"), its file called "wijkaanvulling-elsrijk-2026.docx".
    Now the file's name is in the draft's language too."""
    seed(services)
    chris = bot.user(7001, "Chris", language_code="en")
    from models import Role

    person(services, 7001, role=Role.COACH, since=NOW - timedelta(days=30), lang="en")
    await chris.send("/menu")
    await chris.press("Make yearly supplement")
    last = chris.last
    assert last.kind == "document" and last.filename == "yearly-supplement-elsrijk-2026.docx"
    assert "The yearly supplement of Elsrijk" in last.plain_text
    headings, _ = texts(last.file_bytes or b"")
    assert "Yearly supplement 2026: Elsrijk" in headings


def test_the_command_line_names_the_file_in_the_draft_s_language(
    cli_services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The administrator runs `wijkbot supplement --wijk elsrijk --year 2026 --format md --lang
    en`: the draft was English, but written to "wijkaanvulling-elsrijk-2026.md". Now to
    "yearly-supplement-elsrijk-2026.md"; in Dutch (the default here) the name stays Dutch."""
    seed(cli_services)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    assert run("--wijk", "elsrijk", "--year", "2026", "--format", "md", "--lang", "en") == 0
    assert run("--wijk", "elsrijk", "--year", "2026", "--format", "md") == 0
    english = out / "yearly-supplement-elsrijk-2026.md"
    dutch = out / "wijkaanvulling-elsrijk-2026.md"
    assert sorted(out.iterdir()) == [dutch, english]
    assert english.read_text().startswith("# Yearly supplement 2026: Elsrijk")
    assert dutch.read_text().startswith("# Wijkaanvulling 2026: Elsrijk")


async def test_a_stored_text_xml_cannot_hold_does_not_stop_the_docx(
    bot: Harness, services: Services
) -> None:
    # Stored before clean_input removed noncharacters (or by another way in): one U+FFFF in a
    # quoted report made python-docx refuse the whole file, for the whole wijk, every time.
    seed(services)
    with services.db.session() as session:
        session.exec(
            update(Observation)
            .where(col(Observation.text) == f"{PARKING} (1)")
            .values(text=f"{PARKING} (1)\uffff\x0b")
        )
        session.commit()
    anna = bot.user(5001, "Anna")
    from models import Role

    person(services, 5001, role=Role.COACH, since=NOW - timedelta(days=30))
    await anna.send("/menu")
    await anna.press("Wijkaanvulling maken")
    last = anna.last
    assert last.kind == "document", last.plain_text
    _, paragraphs = texts(last.file_bytes or b"")
    assert any(f"{PARKING} (1)" in p for p in paragraphs)
    assert not any("\uffff" in p or "\x0b" in p for p in paragraphs)


async def test_a_coach_without_data_this_year_is_told(bot: Harness, services: Services) -> None:
    anna = bot.user(5001, "Anna")
    from models import Role

    person(services, 5001, role=Role.COACH, since=NOW - timedelta(days=30))
    await anna.send("/menu")
    await anna.press("Wijkaanvulling maken")
    assert "nog geen wijkaanvulling" in anna.last.plain_text


@pytest.mark.parametrize("minimum", [12, 13])
async def test_the_supplement_and_the_coachs_screen_agree_on_contested_statements(
    bot: Harness, services: Services, minimum: int
) -> None:
    # The seed's weak statement has 12 reactions, 9 of them "herken ik niet": contested from
    # `[spiegel] disagree_min_reactions` 12 on, not at 13, on the screen and in the document.
    seed(services)
    services.config = replace(
        services.config, spiegel=replace(services.config.spiegel, disagree_min_reactions=minimum)
    )
    contested = minimum <= 12
    anna = bot.user(5001, "Anna")
    from models import Role

    person(services, 5001, role=Role.COACH, since=NOW - timedelta(days=30))
    await anna.send("/menu")
    (screen,) = await anna.press("Wat weten we nog niet?")
    line = f"‘{WEAK}’: 9 van de 12 mensen herkennen dit niet."
    assert (line in screen.plain_text) is contested
    # The rule in the same words as the document's: never "nothing to see" without it.
    none = f"Geen zin kreeg minstens {minimum} reacties met meer ‘herken ik niet’ dan ‘herken ik’."
    rule = f"Deze zinnen kregen minstens {minimum} reacties."
    assert (none in screen.plain_text) is not contested
    assert (rule in screen.plain_text) is contested
    await anna.send("/menu")
    await anna.press("Wijkaanvulling maken")
    _, paragraphs = texts(anna.last.file_bytes or b"")
    assert any(f"{WEAK} Herken ik niet: 9. Herken ik: 3." in p for p in paragraphs) is contested
    assert (none in paragraphs) is not contested
    assert any(p.startswith(rule) for p in paragraphs) is contested


def test_cli_writes_the_format_the_file_name_says(
    cli_services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--out aanvulling.html` wrote a DOCX into aanvulling.html, and `--format md --out
    a.docx` Markdown into a.docx ("wrote ... (38334 bytes)", exit 0): the browser or Word then
    showed rubbish. The name's extension chooses the format; a contradiction is refused."""
    seed(cli_services)
    html = tmp_path / "aanvulling.html"
    assert run("--wijk", "elsrijk", "--year", "2026", "--out", str(html)) == 0
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    md = tmp_path / "aanvulling.md"
    assert run("--wijk", "elsrijk", "--year", "2026", "--out", str(md)) == 0
    assert md.read_text(encoding="utf-8").startswith("# ")
    capsys.readouterr()
    for name, fmt in (("a.docx", "md"), ("a.pdf", None), ("a.html", "docx")):
        args = ["--wijk", "elsrijk", "--year", "2026", "--out", str(tmp_path / name)]
        assert run(*args, *(["--format", fmt] if fmt else [])) == 2, name
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and name in err and ".docx, .html or .md" in err, err
        assert not (tmp_path / name).exists()
