"""Answer templates per wijk: only the wijk's coaches and admins list, add, change and delete
them (checked for the template's own wijk on every call); {melding} and {wijk} are filled in and
every other brace stays text; the limits hold; an answer from a desk form is stored once. Both
databases."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.core.config import Config
from bot.core.database import Database
from bot.core.i18n import catalog
from bot.observations import answer_templates as templates
from bot.observations.coach import Refused
from bot.observations.typed_text import TooLong
from bot.people.permissions import PermissionDenied
from bot.privacy import personal_data
from models import AnswerTemplate, Observation
from tests.observations.desk_world import T0, build

# --- fill --------------------------------------------------------------------------------------


def test_fill_puts_in_the_reference_and_the_wijk() -> None:
    body = "Dank je voor {melding}. In {wijk} kijken we ernaar. {melding} staat open."
    assert templates.fill(body, "M-12", "Elsrijk") == (
        "Dank je voor M-12. In Elsrijk kijken we ernaar. M-12 staat open."
    )


def test_fill_takes_the_english_names_too() -> None:
    """An English coach writes {report} and {district}; a Dutch colleague's {melding} and
    {wijk} in the same template are filled in as well."""
    body = "Thanks for {report} in {district}. Dank voor {melding} in {wijk}. {Report} {reports}"
    assert templates.fill(body, "M-12", "Elsrijk") == (
        "Thanks for M-12 in Elsrijk. Dank voor M-12 in Elsrijk. {Report} {reports}"
    )
    assert templates.placeholders("en") == {"melding": "{report}", "wijk": "{district}"}
    assert templates.placeholders("nl") == {"melding": "{melding}", "wijk": "{wijk}"}


@pytest.mark.parametrize(
    "body",
    [
        "{naam} en {0} en {} en { melding } en {MELDING}",
        "{melding!r} {melding:>10} {wijk.__class__} {wijk[0]}",
        "{{melding}} blijft {{ zo",
        "open { zonder einde",
        "} dicht zonder begin {",
        "%(melding)s $melding ${wijk}",
    ],
)
def test_fill_leaves_every_other_brace_as_text(body: str) -> None:
    filled = templates.fill(body, "M-12", "Elsrijk")
    # Only an exact {melding} / {wijk} changes; "{{melding}}" holds one, inside its own braces.
    assert filled == body.replace("{melding}", "M-12").replace("{wijk}", "Elsrijk")


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("Dank voor {onbekend}.", "{onbekend}"),
        ("Dank voor {melding} in {wijk. Groet", "{wijk."),
        ("In {wijk", "{wijk"),
        ("{ melding }", "{"),
        ("{MELDING}", "{MELDING}"),
        ("{{melding}}", "{}"),
        ("klaar }", "}"),
        ("Over {report} in {district}, {melding} in {wijk}.", None),
        ("Geen blanco's hier.", None),
    ],
)
def test_a_brace_that_is_no_blank_is_found(body: str, found: str | None) -> None:
    """What a template is refused for when saved: the first brace `fill` would leave as text."""
    assert templates.stray_blank(body) == found


def test_fill_does_not_fill_what_it_put_in() -> None:
    """A wijk's name (or a reference) holding a placeholder stays as it is: one pass."""
    assert templates.fill("{wijk}: {melding}", "{wijk}", "{melding} {0} {}") == (
        "{melding} {0} {}: {wijk}"
    )


# --- permissions -------------------------------------------------------------------------------


def test_coaches_and_admins_of_the_wijk_keep_templates(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        made = templates.create(
            session, world.carla, world.elsrijk, " Gelezen ", "Dank je voor {melding}.", T0
        )
        assert (made.title, made.created_by_id) == ("Gelezen", world.carla.id)
        templates.create(session, world.anna, world.elsrijk, "Afval", "Bel de gemeente.", T0)
        assert [t.title for t in templates.list_for(session, world.anna, world.elsrijk)] == [
            "Afval",
            "Gelezen",
        ]
        assert made.id is not None
        changed = templates.update(
            session, world.anna, made.id, "Gelezen", "Dank je wel voor {melding}.", T0
        )
        assert changed.body == "Dank je wel voor {melding}." and changed.created_by_id == (
            world.carla.id
        )
        assert templates.get(session, world.carla, made.id).body == changed.body
        assert templates.delete(session, world.carla, made.id) is True
        assert templates.delete(session, world.carla, made.id) is False  # sent again: gone
        assert [t.title for t in templates.list_for(session, world.carla, world.elsrijk)] == [
            "Afval"
        ]


def test_residents_and_other_wijken_are_refused(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        ours = templates.create(session, world.carla, world.elsrijk, "Gelezen", "Dank je.", T0)
        theirs = templates.create(session, world.dirk, world.bovenkerk, "Bovenkerk", "Hoi.", T0)
        assert ours.id is not None and theirs.id is not None
        for outsider in (world.alice, world.dirk):  # a resident; Bovenkerk's coach
            with pytest.raises(PermissionDenied):
                templates.list_for(session, outsider, world.elsrijk)
            with pytest.raises(PermissionDenied):
                templates.create(session, outsider, world.elsrijk, "Nep", "Nep.", T0)
            with pytest.raises(PermissionDenied):
                templates.get(session, outsider, ours.id)
            with pytest.raises(PermissionDenied):
                templates.update(session, outsider, ours.id, "Nep", "Nep.", T0)
            with pytest.raises(PermissionDenied):
                templates.delete(session, outsider, ours.id)
        # Elsrijk's coach and admin, on Bovenkerk's template: its own wijk counts, not the form's.
        for coach in (world.carla, world.anna):
            with pytest.raises(PermissionDenied):
                templates.update(session, coach, theirs.id, "Nep", "Nep.", T0)
            with pytest.raises(PermissionDenied):
                templates.delete(session, coach, theirs.id)
            with pytest.raises(PermissionDenied):
                templates.list_for(session, coach, world.bovenkerk)
        with pytest.raises(Refused, match=r"desk_templates\.unknown"):
            templates.get(session, world.carla, 999_999)
        rows = {(t.title, t.body) for t in session.exec(select(AnswerTemplate)).all()}
    assert rows == {("Gelezen", "Dank je."), ("Bovenkerk", "Hoi.")}


# --- limits ------------------------------------------------------------------------------------


def test_empty_long_and_taken_are_refused(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        cases = [
            ("", "Tekst", "desk_templates.empty_title"),
            ("\u200b \u2800", "Tekst", "desk_templates.empty_title"),
            ("Naam", " \n\t ", "desk_templates.empty_body"),
        ]
        for title, body, key in cases:
            with pytest.raises(Refused) as refused:
                templates.create(session, world.carla, world.elsrijk, title, body, T0)
            assert refused.value.message_key == key
        with pytest.raises(TooLong) as long:
            templates.create(session, world.carla, world.elsrijk, "t" * 81, "Tekst", T0)
        assert long.value.values == {"length": 81, "limit": 80}
        with pytest.raises(TooLong) as long:
            templates.create(session, world.carla, world.elsrijk, "Naam", "b" * 2001, T0)
        assert long.value.values == {"length": 2001, "limit": 2000}
        # A title is one line: a newline in it becomes a space.
        made = templates.create(session, world.carla, world.elsrijk, "Twee\nregels", "b" * 2000, T0)
        assert made.title == "Twee regels"
        # The same title and body again (a form sent twice): the first one.
        again = templates.create(session, world.carla, world.elsrijk, "Twee regels", "b" * 2000, T0)
        assert again.id == made.id
        with pytest.raises(Refused, match=r"desk_templates\.title_taken"):
            templates.create(session, world.carla, world.elsrijk, "Twee regels", "Anders", T0)
        other = templates.create(session, world.carla, world.elsrijk, "Ander", "Anders", T0)
        assert other.id is not None
        with pytest.raises(Refused, match=r"desk_templates\.title_taken"):
            templates.update(session, world.carla, other.id, "Twee regels", "Anders", T0)
        # Another wijk may use the same title.
        templates.create(session, world.dirk, world.bovenkerk, "Twee regels", "Anders", T0)


def test_at_most_fifty_templates_per_wijk(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        for n in range(templates.MAX_PER_WIJK):
            templates.create(session, world.carla, world.elsrijk, f"Antwoord {n}", "Tekst", T0)
        with pytest.raises(Refused, match=r"desk_templates\.too_many"):
            templates.create(session, world.carla, world.elsrijk, "Nog een", "Tekst", T0)
        # Another wijk has its own fifty; one deleted makes room again.
        templates.create(session, world.dirk, world.bovenkerk, "Nog een", "Tekst", T0)
        first = templates.list_for(session, world.carla, world.elsrijk)[0]
        assert first.id is not None
        templates.delete(session, world.carla, first.id)
        templates.create(session, world.carla, world.elsrijk, "Nog een", "Tekst", T0)


# --- examples ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_examples_for_a_wijk_without_templates(db: Database, config: Config, lang: str) -> None:
    with db.session() as session:
        world = build(session, config)
        with pytest.raises(PermissionDenied):
            templates.add_defaults(session, world.alice, world.elsrijk, catalog(), lang, T0)
        added = templates.add_defaults(session, world.carla, world.elsrijk, catalog(), lang, T0)
        assert len(added) == len(templates.DEFAULTS)
        # Each placeholder under its name in the coach's language; either is filled in.
        named = {"nl": "{melding}", "en": "{report}"}[lang]
        assert all(named in t.body for t in added)
        filled = [templates.fill(t.body, "M-7", "Elsrijk") for t in added]
        assert all("M-7" in text and "{" not in text for text in filled)
        # Pressed again: nothing more.
        again = templates.add_defaults(session, world.carla, world.elsrijk, catalog(), lang, T0)
        assert [t.id for t in again] == [t.id for t in added]


def test_examples_are_not_added_to_a_wijk_that_has_templates(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        templates.create(session, world.carla, world.elsrijk, "Eigen", "Eigen tekst.", T0)
        kept = templates.add_defaults(session, world.carla, world.elsrijk, catalog(), "nl", T0)
        assert [t.title for t in kept] == ["Eigen"]


# --- answering ---------------------------------------------------------------------------------


def test_an_answer_from_a_form_is_stored_once(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        made = templates.create(
            session, world.carla, world.elsrijk, "Gelezen", "Dank je voor {melding} in {wijk}.", T0
        )
        text = templates.fill(made.body, f"M-{world.observation}", "Elsrijk") + " Groet, Carla"
        with pytest.raises(PermissionDenied):
            templates.answer_with_text(session, world.dirk, world.observation, text, T0, "tok")
        with pytest.raises(Refused, match=r"coach\.empty_text"):
            templates.answer_with_text(session, world.carla, world.observation, "\u200b", T0, "t")
        with pytest.raises(TooLong):
            templates.answer_with_text(
                session, world.carla, world.observation, "x" * 101, T0, "tok", limit=100
            )
        obs = templates.answer_with_text(
            session, world.carla, world.observation, text, T0, "form-token-" + "z" * 80
        )
        assert obs.answer_text == f"Dank je voor M-{world.observation} in Elsrijk. Groet, Carla"
        assert obs.answered_by_id == world.carla.id and obs.answer_sent_at is None
        assert obs.answer_key is not None and len(obs.answer_key) <= 40
        # The same form again: the same answer, not "already answered".
        same = templates.answer_with_text(
            session, world.carla, world.observation, text, T0, "form-token-" + "z" * 80
        )
        assert same.id == obs.id
        # Another form (another coach, or a new token): already answered.
        with pytest.raises(Refused, match=r"coach\.already_answered"):
            templates.answer_with_text(session, world.anna, world.observation, "Ook", T0, "new")


def test_one_body_answers_several_each_with_its_own_reference(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        second = Observation(
            wijk_id=world.elsrijk,
            person_id=world.alice.id,
            author_role="resident",
            swot="threat",
            text="Nog iets",
            created_at=T0,
            updated_at=T0,
        )
        session.add(second)
        session.commit()
        assert second.id is not None
        ids = [world.observation, second.id, world.other_observation, 999_999]
        results = templates.answer_many(
            session, world.carla, ids, "Dank je voor {melding} in {wijk}.", T0, "bulk-1"
        )
        assert isinstance(results[0], Observation) and isinstance(results[1], Observation)
        assert results[0].answer_text == f"Dank je voor M-{world.observation} in Elsrijk."
        assert results[1].answer_text == f"Dank je voor M-{second.id} in Elsrijk."
        assert isinstance(results[2], PermissionDenied)  # Bovenkerk's
        assert isinstance(results[3], Refused)  # unknown
        # The same bulk form sent again answers nothing twice and refuses nothing it did.
        again = templates.answer_many(
            session, world.carla, ids[:2], "Dank je voor {melding} in {wijk}.", T0, "bulk-1"
        )
        assert [getattr(r, "id", None) for r in again] == ids[:2]


def test_templates_in_the_export_and_after_erasure(db: Database, config: Config) -> None:
    with db.session() as session:
        world = build(session, config)
        templates.create(session, world.carla, world.elsrijk, "Gelezen", "Dank je.", T0)
        data = personal_data.export_person(session, world.carla.id, now=T0)
        assert data["answer_templates_made"] == [
            {
                "wijk": "elsrijk",
                "title": "Gelezen",
                "text": "Dank je.",
                "created_at": T0.isoformat(),
                "updated_at": T0.isoformat(),
            }
        ]
        personal_data.erase_person(session, world.carla.id, keep_contributions=False)
    with db.session() as session:
        kept = session.exec(select(AnswerTemplate)).one()
        assert kept.created_by_id is None
        # The wijk's other coaches keep it.
        assert [t.title for t in templates.list_for(session, world.anna, world.elsrijk)] == [
            "Gelezen"
        ]
