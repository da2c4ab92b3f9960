"""The spiegel as a living document: adding, rewording, retiring statements, making one from a
group of observations and starting next year's edition; on SQLite and PostgreSQL, as a service,
from the command line and through the real Application."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bot.cli import wijkbot as cli
from bot.context import Services
from bot.core.config import Config
from bot.digest import jobs as digest_jobs
from bot.digest import llm as digest_llm
from bot.digest import periods
from bot.fake_telegram import Harness
from bot.people import persons as people
from bot.people.permissions import Actor, PermissionDenied
from bot.spiegel import editing
from bot.spiegel import mirror as spiegel
from models import (
    Edition,
    ItemKind,
    Membership,
    Observation,
    Person,
    Reaction,
    Role,
    SpiegelItem,
    StatementAction,
    StatementChange,
    Verdict,
)
from tests.digest.test_digest_llm import llm_config, model_server  # noqa: F401 (fixtures)
from tests.helpers import join_as, onboard, taken_out_wijk
from tests.spiegel.test_spiegel import item_id, load, this_year

T0 = datetime(2026, 3, 1, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]
RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_cli(cli_services: Services, capsys: pytest.CaptureFixture[str]) -> RunCli:
    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["--config", str(REPO / "config.example.toml"), *argv])
        out, err = capsys.readouterr()
        return code, out.strip(), err.strip()

    return run


def _person(session: Session, telegram_id: int, slug: str, role: Role) -> Actor:
    wijk = people.wijk_by_slug(session, slug)
    assert wijk is not None and wijk.id is not None
    person = people.give_consent(session, telegram_id, "nl", T0)
    assert person.id is not None
    session.add(Membership(person_id=person.id, wijk_id=wijk.id, role=role.value))
    person.current_wijk_id = wijk.id
    session.add(person)
    session.commit()
    return Actor(person, people.memberships(session, person.id))


def _wijk_id(session: Session, slug: str) -> int:
    wijk = people.wijk_by_slug(session, slug)
    assert wijk is not None and wijk.id is not None
    return wijk.id


def _texts(session: Session, edition_id: int, kind: ItemKind) -> list[str]:
    return [i.text for i in spiegel.items(session, edition_id, kind)]


def test_coach_adds_rewords_and_retires_with_history(services: Services) -> None:
    edition_id = load(services, "elsrijk")
    with services.db.session() as session:
        coach = _person(session, 5001, "elsrijk", Role.COACH)
        wijk_id = _wijk_id(session, "elsrijk")
        added = editing.add(
            session, coach, wijk_id, ItemKind.WEAKNESS, "  Er zijn te weinig bankjes. "
        )
        assert added.id is not None and added.edition_id == edition_id
        assert _texts(session, edition_id, ItemKind.WEAKNESS)[-1] == "Er zijn te weinig bankjes."
        editing.reword(
            session, coach, added.id, "Er zijn te weinig bankjes in het park.", reason="Beter"
        )
        editing.retire(session, coach, item_id(services, "stoep"), reason="Is opgelost")
        assert _texts(session, edition_id, ItemKind.WEAKNESS) == [
            "Voor jongeren is er weinig te doen.",
            "Er zijn te weinig bankjes in het park.",
        ]
        changes = editing.history(session, added.id)
        assert [(c.action, c.old_text, c.new_text, c.person_id, c.reason) for c in changes] == [
            ("add", None, "Er zijn te weinig bankjes.", coach.id, ""),
            (
                "reword",
                "Er zijn te weinig bankjes.",
                "Er zijn te weinig bankjes in het park.",
                coach.id,
                "Beter",
            ),
        ]
        assert all(c.created_at.tzinfo is not None for c in changes)
        retired = session.get(SpiegelItem, item_id(services, "stoep"))
        assert retired is not None and retired.retired and retired.retired_at is not None
        assert spiegel.active_item(session, item_id(services, "stoep")) is None


@pytest.mark.parametrize("who", ["other_coach", "resident"])
def test_refused_for_others_and_nothing_changes(services: Services, who: str) -> None:
    load(services, "elsrijk")
    stoep = item_id(services, "stoep")
    with services.db.session() as session:
        wijk_id = _wijk_id(session, "elsrijk")
        actor = (
            _person(session, 5002, "bovenkerk", Role.COACH)
            if who == "other_coach"
            else _person(session, 5003, "elsrijk", Role.RESIDENT)
        )
        with pytest.raises(PermissionDenied) as refused:
            editing.add(session, actor, wijk_id, ItemKind.STRENGTH, "Mooi")
        assert refused.value.message_key == "spiegel_editing.not_allowed"
        with pytest.raises(PermissionDenied):
            editing.reword(session, actor, stoep, "Anders")
        with pytest.raises(PermissionDenied):
            editing.retire(session, actor, stoep, reason="Weg")
        with pytest.raises(PermissionDenied):
            editing.new_edition(session, actor, wijk_id, 2027, this_year=2026)
    with services.db.session() as session:
        assert session.exec(select(StatementChange)).all() == []
        item = session.get(SpiegelItem, stoep)
        assert item is not None and item.text == "De stoepen zijn ongelijk." and not item.retired
        assert len(session.exec(select(Edition)).all()) == 1


def test_bad_input_changes_nothing(services: Services) -> None:
    load(services, "elsrijk")
    stoep = item_id(services, "stoep")
    with services.db.session() as session:
        coach = _person(session, 5001, "elsrijk", Role.COACH)
        wijk_id = _wijk_id(session, "elsrijk")
        cases = [
            (lambda: editing.add(session, coach, wijk_id, ItemKind.STRENGTH, "\u200b "), "empty"),
            (
                lambda: editing.add(session, coach, wijk_id, ItemKind.STRENGTH, "x" * 1001),
                "too_long",
            ),
            (
                lambda: editing.add(
                    session, coach, wijk_id, ItemKind.STRENGTH, "Er is veel groen!"
                ),
                "duplicate",
            ),
            (lambda: editing.retire(session, coach, stoep, reason=" "), "reason_needed"),
            (lambda: editing.reword(session, None, stoep, "Anders"), "reason_needed"),
            (
                lambda: editing.new_edition(session, coach, wijk_id, 2026, this_year=2026),
                "year_not_later",
            ),
            (
                lambda: editing.new_edition(session, coach, wijk_id, 2028, this_year=2026),
                "year_too_far",
            ),
            (
                lambda: editing.add(
                    session, coach, _wijk_id(session, "bovenkerk"), ItemKind.STRENGTH, "x"
                ),
                None,
            ),
        ]
        for call, key in cases:
            with pytest.raises((editing.EditError, PermissionDenied)) as failed:
                call()
            if key is not None:
                assert failed.value.message_key == f"spiegel_editing.{key}"
    with services.db.session() as session:
        assert session.exec(select(StatementChange)).all() == []


def test_a_change_under_its_flow_runs_key_is_stored_once(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same run's change again (its text delivered twice) returns the statement it changed
    and stores nothing; also when both tries got past the first look (the unique key refuses
    the second). Another run's key is another change."""
    load(services, "elsrijk")
    stoep = item_id(services, "stoep")
    with services.db.session() as session:
        coach = _person(session, 5001, "elsrijk", Role.COACH)
        wijk_id = _wijk_id(session, "elsrijk")
        weakness = ItemKind.WEAKNESS
        added = editing.add(session, coach, wijk_id, weakness, "Bankjes", request_key="e:1")
        again = editing.add(session, coach, wijk_id, weakness, "Bankjes", request_key="e:1")
        assert again.id == added.id
        editing.reword(session, coach, stoep, "Stoepen scheef", request_key="e:2")
        assert (
            editing.reword(session, coach, stoep, "Stoepen scheef", request_key="e:2").id == stoep
        )
        assert added.id is not None
        editing.retire(session, coach, added.id, reason="Staat er al", request_key="e:3")
        assert editing.retire(session, coach, added.id, reason="Staat er al", request_key="e:3")
        # Both tries past the first look (the first's statement is retired now, so its words are
        # free again): the second's commit is refused, and it returns the first one's statement.
        real = editing.stored_by
        looks: list[str] = []

        def first_look_misses(session: Session, person_id: int, key: str) -> StatementChange | None:
            looks.append(key)
            return None if len(looks) == 1 else real(session, person_id, key)

        monkeypatch.setattr(editing, "stored_by", first_look_misses)
        raced = editing.add(session, coach, wijk_id, weakness, "Bankjes", request_key="e:1")
        assert raced.id == added.id and looks == ["e:1", "e:1"]
        monkeypatch.undo()
        # A new run with the same words is a new change: refused here as the same wording.
        with pytest.raises(editing.EditError) as same:
            editing.reword(session, coach, stoep, "Stoepen scheef", request_key="e:4")
        assert same.value.message_key == "spiegel_editing.same_text"
    with services.db.session() as session:
        changes = session.exec(select(StatementChange).order_by(col(StatementChange.id))).all()
        assert [(c.action, c.request_key) for c in changes] == [
            ("add", "e:1"),
            ("reword", "e:2"),
            ("retire", "e:3"),
        ]
        item = session.get(SpiegelItem, stoep)
        assert item is not None and item.text == "Stoepen scheef"
        bankjes = session.exec(select(SpiegelItem).where(SpiegelItem.text == "Bankjes")).all()
        assert [i.id for i in bankjes] == [added.id]


def test_new_edition_carries_statements_and_leaves_reactions(services: Services) -> None:
    old_id = load(services, "elsrijk")
    stoep, groen = item_id(services, "stoep"), item_id(services, "groen")
    with services.db.session() as session:
        coach = _person(session, 5001, "elsrijk", Role.COACH)
        resident = _person(session, 5004, "elsrijk", Role.RESIDENT)
        wijk_id = _wijk_id(session, "elsrijk")
        spiegel.react(session, resident.id, groen, Verdict.RECOGNISE)
        editing.retire(session, coach, stoep, reason="Opgelost")
        edition, carried = editing.new_edition(session, coach, wijk_id, 2027, this_year=2026)
        assert edition.id is not None and edition.year == 2027 and carried == 7
        assert spiegel.current_edition(session, wijk_id) == edition
        assert _texts(session, edition.id, ItemKind.WEAKNESS) == [
            "Voor jongeren is er weinig te doen."
        ]
        new_groen = item_id(services, "groen", edition.id)
        # The reaction stays with last year's statement; this year's starts without.
        (reaction,) = session.exec(select(Reaction)).all()
        assert reaction.item_id == groen
        assert spiegel.reaction_counts(session, [new_groen])[new_groen].total == 0
        assert spiegel.active_item(session, groen) is None  # last year's takes no reactions
        copy = session.get(SpiegelItem, new_groen)
        assert copy is not None and copy.origin_item_id == groen
        history = editing.history(session, new_groen)
        assert [c.action for c in history] == ["carry_over"]
        assert len(_texts(session, old_id, ItemKind.STRENGTH)) == 4  # the old edition stays
        carried_changes = session.exec(
            select(StatementChange).where(
                StatementChange.action == StatementAction.CARRY_OVER.value
            )
        ).all()
        assert len(carried_changes) == 7


def test_every_column_of_a_statement_is_carried_over_or_belongs_to_its_edition() -> None:
    # A new column of SpiegelItem must be sorted into one of the two, or next year's
    # statements silently lose it (as they once lost the figures they name).
    columns = set(SpiegelItem.model_fields)
    assert set(editing.CARRIED) | set(editing.NOT_CARRIED) == columns
    assert not set(editing.CARRIED) & set(editing.NOT_CARRIED)


def test_from_group_proposal_and_reason(services: Services) -> None:
    load(services, "elsrijk")
    proposal = editing.proposal("verlichting", "Het is 's avonds\n donker bij de tunnel.")
    assert proposal == "Verlichting: Het is 's avonds donker bij de tunnel."
    with services.db.session() as session:
        coach = _person(session, 5001, "elsrijk", Role.COACH)
        wijk_id = _wijk_id(session, "elsrijk")
        item = editing.from_group(
            session,
            coach,
            wijk_id,
            ItemKind.WEAKNESS,
            "Het is donker bij de tunnel.",
            label="verlichting",
            references=["M-3", "M-5"],
        )
        (change,) = editing.history(session, item.id or 0)
        assert change.reason == "from group verlichting (M-3, M-5)"


def test_erasing_the_coach_keeps_the_history(services: Services) -> None:
    load(services, "elsrijk")
    with services.db.session() as session:
        coach = _person(session, 5001, "elsrijk", Role.COACH)
        wijk_id = _wijk_id(session, "elsrijk")
        item = editing.add(session, coach, wijk_id, ItemKind.STRENGTH, "Nieuw")
        person = session.get(Person, coach.id)
        session.delete(person)
        session.commit()
        (change,) = editing.history(session, item.id or 0)
        assert change.person_id is None
        assert session.exec(select(StatementChange).where(col(StatementChange.id) > 0)).all()


# --- the command line ----------------------------------------------------------------------------


def test_cli_add_reword_retire_new_edition_history(services: Services, run_cli: RunCli) -> None:
    year = this_year(services)
    load(services, "elsrijk", year=year)
    code, out, err = run_cli(
        "spiegel",
        "add",
        "--wijk",
        "elsrijk",
        "--kind",
        "threat",
        "--text",
        "Meer verkeer.",
        "--reason",
        "Uit de bewonersavond",
    )
    assert code == 0, err
    assert out.startswith("elsrijk: added statement ")
    new_id = int(out.split()[3])
    code, out, err = run_cli(
        "spiegel", "reword", str(new_id), "--text", "Meer vrachtverkeer.", "--reason", "Preciezer"
    )
    assert (code, out) == (0, f"statement {new_id} reworded"), err
    with pytest.raises(SystemExit):  # argparse: a reason is required
        run_cli("spiegel", "retire", str(item_id(services, "stoep")))
    code, out, err = run_cli(
        "spiegel", "retire", str(item_id(services, "stoep")), "--reason", "Opgelost"
    )
    assert code == 0, err
    code, out, err = run_cli("spiegel", "new-edition", "--wijk", "elsrijk", "--year", f"{year + 1}")
    assert (code, out) == (0, f"elsrijk {year + 1}: new edition, 8 statements carried over"), err
    code, out, err = run_cli("spiegel", "new-edition", "--wijk", "elsrijk", "--year", f"{year + 1}")
    assert code == 2 and f"{year + 1} is not after the current edition ({year + 1})" in err
    code, out, err = run_cli("spiegel", "history", str(new_id))
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2 and "add  administrator" in lines[0]
    assert "reword  administrator  was 'Meer verkeer.'  now 'Meer vrachtverkeer.'" in lines[1]
    code, out, err = run_cli("spiegel", "history", "--wijk", "elsrijk")
    assert code == 0 and len(out.splitlines()) == 8 + 3
    with services.db.session() as session:
        assert all(c.person_id is None for c in session.exec(select(StatementChange)).all())
    code, out, err = run_cli("spiegel", "reword", "999999", "--text", "x", "--reason", "y")
    assert code == 2 and "no active statement 999999" in err
    code, out, err = run_cli(
        "spiegel", "add", "--wijk", "nergens", "--kind", "threat", "--text", "x", "--reason", "y"
    )
    assert code == 2 and "unknown wijk 'nergens'" in err


def test_cli_history_says_what_is_missing_or_unknown(services: Services, run_cli: RunCli) -> None:
    """`spiegel history` with neither an id nor --wijk said "give a statement's id or --wijk,
    not both" (none was given); an id that is no statement said "no changes recorded", exit 0."""
    load(services, "elsrijk")
    code, out, err = run_cli("spiegel", "history")
    assert (code, out) == (2, "")
    assert err == "history: give a statement's id, or --wijk for a wijk's latest changes"
    code, out, err = run_cli("spiegel", "history", "1", "--wijk", "elsrijk")
    assert code == 2 and err == "history: give a statement's id or --wijk, not both"
    for unknown in ("999999", "99999999999", "0"):
        code, out, err = run_cli("spiegel", "history", unknown)
        assert (code, out) == (2, ""), err
        assert err == f"no statement {unknown} (see `spiegel list --wijk SLUG`)"
    code, out, err = run_cli("spiegel", "history", str(item_id(services, "stoep")))
    assert (code, err) == (0, "")
    assert out == "no changes recorded (the statements: `wijkbot spiegel list --wijk SLUG`)"


def test_cli_history_of_a_wijk_taken_out_of_the_config_says_so(
    services: Services, run_cli: RunCli
) -> None:
    """`spiegel add` refuses a wijk taken out of config.toml ("unknown wijk"); its history is
    still shown, with one line on stderr that the wijk is no longer in the file."""
    taken_out_wijk(services)
    code, out, err = run_cli("spiegel", "history", "--wijk", "verdwenen")
    assert code == 0 and out.startswith("no changes recorded")
    assert err.startswith("note: wijk 'verdwenen' is no longer in ") and "\n" not in err
    code, out, err = run_cli(
        "spiegel", "add", "--wijk", "verdwenen", "--kind", "threat", "--text", "x", "--reason", "y"
    )
    assert code == 2 and err.startswith("unknown wijk 'verdwenen'")


def test_cli_history_of_a_statement_of_a_wijk_taken_out_of_the_config_says_so(
    services: Services, run_cli: RunCli
) -> None:
    """`spiegel history ID` of a statement of a wijk taken out of config.toml showed its history
    without a word, while `history --wijk`, `digest` and `supplement` say the wijk is no longer
    in the file: now the same line on stderr; a statement of a wijk in the file gets none."""
    taken_out_wijk(services)
    edition = load(services, "verdwenen")
    code, out, err = run_cli("spiegel", "history", str(item_id(services, "stoep", edition)))
    assert code == 0 and out.startswith("no changes recorded")
    assert err == (
        f"note: wijk 'verdwenen' is no longer in {services.config.source} (switched off in the "
        "database); its old data is used all the same"
    )
    elsrijk = load(services, "elsrijk")
    code, out, err = run_cli("spiegel", "history", str(item_id(services, "stoep", elsrijk)))
    assert (code, err) == (0, "")


# --- through the real Application ------------------------------------------------------------


async def test_coach_adds_rewords_retires_and_starts_next_year(
    bot: Harness, services: Services
) -> None:
    year = this_year(services)
    load(services, "elsrijk", year=year)
    coach = await join_as(bot, services, 6001, "Carla", Role.COACH, "elsrijk")
    (overview,) = await coach.send("/spiegel")
    assert "Zin toevoegen ➕" in overview.button_texts
    (ask,) = await coach.press("Zin toevoegen ➕")
    assert "In welk deel" in ask.plain_text
    (prompt,) = await coach.press("Wat kan beter?")
    assert "Typ de nieuwe zin" in prompt.plain_text
    replies = await coach.send("Er zijn te weinig <bankjes>.")
    assert "De zin staat nu in de wijkspiegel" in replies[0].plain_text
    assert "<bankjes>" in replies[0].plain_text  # escaped, shown as typed
    assert "Wat kan beter? (3)" in replies[-1].button_texts
    # Change one: its message carries the coach's buttons.
    page = await coach.press("Wat kan beter? (3)")
    stoep = next(m for m in page if "De stoepen zijn ongelijk." in m.plain_text)
    (prompt,) = await coach.press("Zin aanpassen ✏️", message=stoep)
    assert "De oude zin bewaren we" in prompt.plain_text
    replies = await coach.send("De stoepen in de Parkstraat zijn ongelijk.")
    assert "De zin is aangepast" in replies[0].plain_text
    page = await coach.press("Wat kan beter? (3)", message=replies[-1])
    jongeren = next(m for m in page if "Voor jongeren" in m.plain_text)
    (prompt,) = await coach.press("Zin weghalen 🗑️", message=jongeren)
    (again,) = await coach.send("\u200b")
    assert "Typ in een kort bericht waarom" in again.plain_text
    replies = await coach.send("Er is nu een jongerencentrum.")
    assert "De zin is weg" in replies[0].plain_text
    with services.db.session() as session:
        actions = [c.action for c in session.exec(select(StatementChange)).all()]
        assert actions == ["add", "reword", "retire"]
        stoep_id = item_id(services, "stoep")
        (reword,) = editing.history(session, stoep_id)[-1:]
        assert reword.old_text == "De stoepen zijn ongelijk." and reword.person_id is not None
    # Next year's spiegel.
    (overview,) = await coach.send("/spiegel")
    await coach.press("Begin aan volgend jaar")
    replies = await coach.press(f"Ja, begin {year + 1}")
    assert f"De wijkspiegel voor {year + 1} is er. Er gingen 8 zinnen mee." in replies[0].plain_text
    assert f"Wijkspiegel Elsrijk {year + 1}" in replies[-1].plain_text


def made_before(year: int) -> str:
    return f"De wijkspiegel voor {year} is er al. Hij is eerder gemaakt, niet met deze knop."


async def test_ja_begin_after_the_command_line_made_the_year_says_it_was_made_before(
    bot: Harness, services: Services, run_cli: RunCli
) -> None:
    """ "Ja, begin 2027" pressed after `wijkbot spiegel new-edition` made 2027: not "De
    wijkspiegel voor 2027 is er" as if this press made it, but that it was made before."""
    year = this_year(services)
    load(services, "elsrijk", year=year)
    coach = await join_as(bot, services, 6001, "Carla", Role.COACH, "elsrijk")
    await coach.send("/spiegel")
    (question,) = await coach.press("Begin aan volgend jaar")
    code, _out, err = run_cli(
        "spiegel", "new-edition", "--wijk", "elsrijk", "--year", f"{year + 1}"
    )
    assert code == 0, err
    replies = await coach.press(f"Ja, begin {year + 1}", message=question)
    assert made_before(year + 1) in replies[0].plain_text
    assert "Er gingen" not in replies[0].plain_text
    assert f"Wijkspiegel Elsrijk {year + 1}" in replies[-1].plain_text
    with services.db.session() as session:
        assert sorted(e.year for e in session.exec(select(Edition)).all()) == [year, year + 1]


async def test_ja_begin_of_an_older_question_says_the_year_was_made_before(
    bot: Harness, services: Services
) -> None:
    """Two questions on screen: the newer one's "Ja" makes 2027, the older one's says that it
    was made before; an English coach reads it in English."""
    year = this_year(services)
    load(services, "elsrijk", year=year)
    coach = await join_as(bot, services, 6001, "Carla", Role.COACH, "elsrijk")
    (overview,) = await coach.send("/spiegel")
    (older,) = await coach.press("Begin aan volgend jaar")
    (overview,) = await coach.send("/spiegel")
    (newer,) = await coach.press("Begin aan volgend jaar", message=overview)
    replies = await coach.press(f"Ja, begin {year + 1}", message=newer)
    assert f"De wijkspiegel voor {year + 1} is er. Er gingen 8 zinnen mee." in replies[0].plain_text
    replies = await coach.press(f"Ja, begin {year + 1}", message=older)
    assert made_before(year + 1) in replies[0].plain_text
    assert f"Wijkspiegel Elsrijk {year + 1}" in replies[-1].plain_text
    # A colleague's question from before, in English.
    colleague = await join_as(bot, services, 6002, "Daan", Role.COACH, "elsrijk")
    await colleague.send("/language")
    await colleague.press("English")
    with services.db.session() as session:
        first = session.exec(select(Edition).where(Edition.year == year)).one()
    (asked,) = await colleague.press_data(f"se:{first.id}:n")
    assert f"Do you want to start the district mirror for {year + 1}?" in asked.plain_text
    replies = await colleague.press(f"Yes, start {year + 1}", message=asked)
    assert f"The district mirror for {year + 1} is already there. It was made earlier" in (
        replies[0].plain_text
    )
    with services.db.session() as session:
        assert sorted(e.year for e in session.exec(select(Edition)).all()) == [year, year + 1]
        carried = session.exec(
            select(StatementChange).where(StatementChange.action == "carry_over")
        ).all()
        assert len(carried) == 8


async def test_resident_sees_no_coach_buttons_and_forged_ones_change_nothing(
    bot: Harness, services: Services
) -> None:
    edition_id = load(services, "elsrijk")
    alice = await onboard(bot, 6002, "Alice")
    (overview,) = await alice.send("/spiegel")
    assert "Zin toevoegen ➕" not in overview.button_texts
    page = await alice.press("Wat kan beter? (2)")
    assert all("Zin aanpassen ✏️" not in m.button_texts for m in page)
    (refused,) = await alice.press_data(f"se:{item_id(services, 'stoep')}:r")
    assert "Alleen de wijkcoach van deze wijk" in refused.plain_text
    await alice.press_data(f"se:{edition_id}:ny")
    other = await join_as(bot, services, 6003, "Bert", Role.COACH, "bovenkerk")
    (refused,) = await other.press_data(f"se:{edition_id}:k:w")
    assert "Alleen de wijkcoach van deze wijk" in refused.plain_text
    with services.db.session() as session:
        assert session.exec(select(StatementChange)).all() == []
        assert len(session.exec(select(Edition)).all()) == 1


PARKING = [f"Parkeren is onmogelijk, auto's overal op de stoep ({i})" for i in range(3)]


def group_of_this_period(
    services: Services, coach_telegram_id: int, texts: Sequence[str] = PARKING
) -> list[int]:
    """Observations in Elsrijk (three about parking), in the current period of the coach's
    digest (one group for "Zin maken uit meldingen"); their ids."""
    with services.db.session() as session:
        wijk_id = _wijk_id(session, "elsrijk")
        query = select(Person.id).where(Person.telegram_id == coach_telegram_id)
        coach_id = session.exec(query).one()
        assert coach_id is not None
        plan = digest_jobs.schedule_for(session, coach_id, services.config)
        now = services.clock.now()
        period = periods.current_period(plan, now, services.tz)
        at = period.start + (now - period.start) / 2
        for text in texts:
            session.add(
                Observation(
                    wijk_id=wijk_id,
                    author_role="resident",
                    swot="weakness",
                    theme="verkeer",
                    text=text,
                    created_at=at,
                    updated_at=at,
                )
            )
        session.commit()
        return sorted(o.id or 0 for o in session.exec(select(Observation)).all())


async def test_coach_makes_a_statement_from_a_group_of_this_period(
    bot: Harness, services: Services
) -> None:
    load(services, "elsrijk")
    coach = await join_as(bot, services, 6011, "Carla", Role.COACH, "elsrijk")
    await coach.send("/spiegel")
    (empty,) = await coach.press("Zin maken uit meldingen")
    assert "nog geen nieuwe meldingen die bij elkaar horen" in empty.plain_text
    ids = group_of_this_period(services, 6011)
    with services.db.session() as session:
        coach_id = session.exec(select(Person.id).where(Person.telegram_id == 6011)).one()
    (overview,) = await coach.send("/spiegel")
    (listed,) = await coach.press("Zin maken uit meldingen", message=overview)
    assert "horen bij elkaar" in listed.plain_text
    (group,) = [b for b in listed.button_texts if b.startswith("Maak hier een zin van: ")]
    assert group.endswith("(3)")
    (prompt,) = await coach.press(group, message=listed)
    assert "Dit is ons voorstel" in prompt.plain_text
    assert "Parkeren is onmogelijk" in prompt.plain_text
    assert "Wat kan beter?" in prompt.plain_text
    replies = await coach.send("Er is te weinig plek om te parkeren.")
    assert "De zin staat nu in de wijkspiegel" in replies[0].plain_text
    assert "Wat kan beter? (3)" in replies[-1].button_texts
    with services.db.session() as session:
        (change,) = session.exec(select(StatementChange)).all()
        assert change.action == "add" and change.person_id == coach_id
        assert change.new_text == "Er is te weinig plek om te parkeren."
        refs = ", ".join(f"M-{i}" for i in ids)
        assert change.reason.startswith("from group ") and change.reason.endswith(f"({refs})")
    # A resident cannot, even with a forged button.
    alice = await onboard(bot, 6012, "Alice")
    (refused,) = await alice.press_data(f"se:{ids[0]}:g")
    assert "Alleen de wijkcoach van deze wijk" in refused.plain_text


async def test_a_group_labelled_by_an_empty_text_reads_in_the_coachs_language(
    bot: Harness, services: Services, request: pytest.FixtureRequest
) -> None:
    """A group's label is the first text's words when nothing else names it; an empty text
    has none, and the label says so in the coach's language, as a concept's name does. Here
    the embeddings grouping puts two blank texts together."""
    load(services, "elsrijk")
    coach = await join_as(bot, services, 6031, "Carla", Role.COACH, "elsrijk")
    await coach.send("/taal")
    await coach.press("English")
    served: Config = request.getfixturevalue("llm_config")  # a model server on 127.0.0.1
    embeddings = replace(served.digest.embeddings, threshold=0.0)  # everything one group
    services.digest_grouper = digest_llm.make_grouper(
        replace(served, digest=replace(served.digest, embeddings=embeddings))
    )
    group_of_this_period(services, 6031, texts=["", " "])
    (overview,) = await coach.send("/spiegel")
    (listed,) = await coach.press("Make a statement from reports", message=overview)
    assert "Make a statement from this: (empty) (2)" in listed.button_texts


async def test_a_reason_too_long_is_asked_again_with_the_limit(
    bot: Harness, services: Services
) -> None:
    load(services, "elsrijk")
    coach = await join_as(bot, services, 6021, "Carla", Role.COACH, "elsrijk")
    await coach.send("/spiegel")
    page = await coach.press("Wat kan beter? (2)")
    stoep = next(m for m in page if "De stoepen zijn ongelijk." in m.plain_text)
    await coach.press("Zin weghalen 🗑️", message=stoep)
    reason = "De stoepen zijn gemaakt. " * 21
    (again,) = await coach.send(reason)
    length = len(reason.strip())
    assert length > editing.REASON_LIMIT
    assert f"Je reden is te lang: {length} letters en tekens" in again.plain_text
    assert f"maximaal {editing.REASON_LIMIT} letters en tekens" in again.plain_text
    assert "Stoppen" in again.button_texts  # still this step: the next message is the reason
    with services.db.session() as session:
        assert session.exec(select(StatementChange)).all() == []
    replies = await coach.send("De stoepen zijn gemaakt.")
    assert "De zin is weg" in replies[0].plain_text
    with services.db.session() as session:
        (change,) = session.exec(select(StatementChange)).all()
        assert (change.action, change.reason) == ("retire", "De stoepen zijn gemaakt.")


# --- at most one year ahead ----------------------------------------------------------------------


async def test_next_year_can_be_begun_once_not_two_years_ahead(
    bot: Harness, services: Services
) -> None:
    """This year's spiegel, and the coach pressed "Begin aan volgend jaar": next year's is made.
    Its overview offers no "Begin aan volgend jaar" again (that would be the year after next,
    read by residents now, with every reaction count back at zero); an older button for it is
    refused in the coach's language, and nothing is made."""
    year = this_year(services)
    load(services, "elsrijk", year=year)
    coach = await join_as(bot, services, 6001, "Carla", Role.COACH, "elsrijk")
    await coach.send("/spiegel")
    await coach.press("Begin aan volgend jaar")
    replies = await coach.press(f"Ja, begin {year + 1}")
    assert f"Wijkspiegel Elsrijk {year + 1}" in replies[-1].plain_text
    assert "Begin aan volgend jaar" not in replies[-1].button_texts
    assert "Zin toevoegen ➕" in replies[-1].button_texts
    with services.db.session() as session:
        following = session.exec(select(Edition).where(Edition.year == year + 1)).one()
    (refused,) = await coach.press_data(f"se:{following.id}:n")
    assert refused.plain_text.startswith(
        f"Je kunt de wijkspiegel voor {year + 2} nog niet beginnen. Dat kan vanaf {year + 1}."
    )
    assert not any(b.startswith("Ja, begin") for b in refused.button_texts)
    # A "Ja" made for it anyway (an old question's, or forged): refused the same way.
    (refused,) = await coach.press_data(f"se:{following.id}:ny")
    assert f"Je kunt de wijkspiegel voor {year + 2} nog niet beginnen." in refused.plain_text
    await coach.send("/language")
    await coach.press("English")
    (refused,) = await coach.press_data(f"se:{following.id}:n")
    assert f"You cannot start the district mirror for {year + 2} yet." in refused.plain_text
    with services.db.session() as session:
        assert sorted(e.year for e in session.exec(select(Edition)).all()) == [year, year + 1]


def test_cli_new_edition_far_in_the_future_is_refused(services: Services, run_cli: RunCli) -> None:
    """`wijkbot spiegel new-edition --year` five years ahead (a typo for next year): one line
    on standard error, exit 2, and no edition made; next year's can be begun."""
    year = this_year(services)
    load(services, "elsrijk", year=year)
    for ahead in (year + 5, year + 2):
        code, out, err = run_cli(
            "spiegel", "new-edition", "--wijk", "elsrijk", "--year", str(ahead)
        )
        assert (code, out) == (2, ""), out
        assert err == (
            f"{ahead} is more than one year ahead of this year ({year}); "
            f"the latest edition you can begin now is {year + 1}"
        )
    with services.db.session() as session:
        assert [e.year for e in session.exec(select(Edition)).all()] == [year]
    code, out, err = run_cli("spiegel", "new-edition", "--wijk", "elsrijk", "--year", str(year + 1))
    assert (code, out) == (0, f"elsrijk {year + 1}: new edition, 8 statements carried over"), err


def test_cli_lists_the_statements_with_the_ids_retire_and_reword_need(
    services: Services, run_cli: RunCli
) -> None:
    """After `wijkbot import-spiegel`, `spiegel retire ID` and `reword ID` said "(see
    `history`)", and `spiegel history --wijk elsrijk` said "no changes recorded": an
    administrator had no way to find a statement's id. `spiegel list --wijk` shows them."""
    load(services, "elsrijk", year=this_year(services))
    code, out, err = run_cli("spiegel", "history", "--wijk", "elsrijk")
    assert code == 0 and "spiegel list --wijk elsrijk" in out, out
    code, out, err = run_cli("spiegel", "list", "--wijk", "elsrijk")
    assert code == 0, err
    stoep = item_id(services, "stoep")
    line = next(line for line in out.splitlines() if line.split()[0] == str(stoep))
    assert "weakness" in line and "stoep" in line
    code, out, err = run_cli("spiegel", "retire", str(stoep), "--reason", "Opgelost")
    assert code == 0, err
    code, out, err = run_cli("spiegel", "list", "--wijk", "elsrijk")
    assert str(stoep) not in [line.split()[0] for line in out.splitlines()]
    code, out, err = run_cli("spiegel", "list", "--wijk", "nergens")
    assert code == 2 and "unknown wijk 'nergens'" in err
