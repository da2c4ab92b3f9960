"""Meldingen: the service on both databases, and the flow through the real Application."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, delete, select

from bot.context import Services
from bot.core.database import Database
from bot.fake_telegram import BotMessage, Harness
from bot.fake_telegram.users import Person as FakePerson
from bot.observations import filing
from bot.people import persons
from models import Membership, Observation, ObservationStatus, Person, Role, Swot
from tests.helpers import join_as, onboard

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


# --- helpers ----------------------------------------------------------------------------------


def observations_in(services: Services) -> list[Observation]:
    with services.db.session() as session:
        return list(session.exec(select(Observation).order_by(Observation.id)).all())  # type: ignore[arg-type]


def person_row(services: Services, telegram_id: int) -> Person:
    with services.db.session() as session:
        person = persons.get_person(session, telegram_id)
        assert person is not None
        return person


def last_photo_file_id(bot: Harness, user: FakePerson) -> str:
    sent = [m for m in bot.fake.messages[user.id] if not m.from_bot and m.file is not None]
    assert sent[-1].file is not None
    return sent[-1].file.file_id


def make_person(session: Session, telegram_id: int, wijk_slug: str = "elsrijk") -> Person:
    person = persons.give_consent(session, telegram_id, "nl", NOW)
    wijk = persons.wijk_by_slug(session, wijk_slug)
    assert wijk is not None
    persons.choose_wijk(session, person, wijk)
    return person


def add(session: Session, person: Person, text: str, when: datetime, **kw: object) -> Observation:
    assert person.current_wijk_id is not None
    values: dict[str, object] = {
        "person": person,
        "wijk_id": person.current_wijk_id,
        "author_role": Role.RESIDENT.value,
        "swot": Swot.WEAKNESS.value,
        "theme": "verkeer",
        "text": text,
        "lang": "nl",
        "photo_file_id": None,
        "lat": None,
        "lon": None,
        "share_name": False,
        "now": when,
    }
    values.update(kw)
    return filing.create_observation(session, **values)  # type: ignore[arg-type]


async def to_summary(alice: FakePerson, text: str = "De stoep is kapot") -> BotMessage:
    """From the menu to the summary: text, Wat kan beter?, Verkeer, skip location, pseudonym."""
    await alice.send("/melding")
    assert "Wat wil je melden?" in alice.last.plain_text
    await alice.send(text)
    await alice.press("Wat kan beter?")
    await alice.press("Verkeer")
    await alice.press("Overslaan")
    await alice.press("Nee, alleen")
    assert "Klopt dit?" in alice.last.plain_text
    return alice.last


# --- the service, on SQLite and PostgreSQL ----------------------------------------------------


@pytest.fixture
def seeded(db: Database, config: object) -> Database:
    from bot.core.config import Config

    assert isinstance(config, Config)
    with db.session() as session:
        persons.sync_wijken(session, config)
    return db


def withdraw(
    session: Session, person_id: int, observation_id: int
) -> list[filing.CarriedOver] | None:
    """Withdraw one's own (None: refused); the people told about their carried-over texts."""
    return filing.withdraw_keeping_supporters(session, person_id, observation_id, now=NOW)


def test_create_list_and_withdraw(seeded: Database) -> None:
    with seeded.session() as session:
        alice = make_person(session, 1001)
        bob = make_person(session, 1002)
        first = add(session, alice, "oud", NOW)
        second = add(
            session,
            alice,
            "nieuw",
            NOW + timedelta(hours=1),
            photo_file_id="ph",
            lat=52.3,
            lon=4.86,
        )
        theirs = add(session, bob, "van bob", NOW)
        assert first.id is not None and second.id is not None and theirs.id is not None
        assert second.reference == f"M-{second.id}"
    with seeded.session() as session:
        assert alice.id is not None and bob.id is not None
        listed = filing.list_for_person(session, alice.id, 0, 10)
        assert [o.text for o in listed] == ["nieuw", "oud"]
        assert listed[0].photo_file_id == "ph" and listed[0].latitude == 52.3
        assert listed[0].status == ObservationStatus.NEW.value
        assert [o.text for o in filing.list_for_person(session, alice.id, 1, 1)] == ["oud"]
        assert filing.count_for_person(session, alice.id) == 2

        assert withdraw(session, alice.id, theirs.id) is None  # not hers
        assert withdraw(session, alice.id, 999_999) is None
        assert withdraw(session, alice.id, first.id) == []
        assert withdraw(session, alice.id, first.id) is None  # already withdrawn
    with seeded.session() as session:
        assert session.get(Observation, first.id).status == "withdrawn"  # type: ignore[union-attr]
        assert session.get(Observation, theirs.id).status == "new"  # type: ignore[union-attr]


def test_hidden_cannot_be_withdrawn_and_bad_data_is_refused(seeded: Database) -> None:
    with seeded.session() as session:
        alice = make_person(session, 1001)
        hidden = add(session, alice, "weg", NOW)
        hidden.status = ObservationStatus.HIDDEN.value
        session.add(hidden)
        session.commit()
        assert alice.id is not None and hidden.id is not None
        assert withdraw(session, alice.id, hidden.id) is None
        with pytest.raises(ValueError):
            add(session, alice, "x", NOW, swot="zwakte")
        with pytest.raises(ValueError):
            add(session, alice, "   ", NOW)
        with pytest.raises(ValueError):
            add(session, alice, "x", NOW, lat=52.0)
    with seeded.session() as session:
        assert len(session.exec(select(Observation)).all()) == 1


# --- the flow ---------------------------------------------------------------------------------


async def test_menu_has_melding_and_mijn_meldingen(bot: Harness) -> None:
    alice = await onboard(bot, 1001, "Alice")
    texts = alice.last.button_texts
    assert texts.index("Melding doen") < texts.index("Mijn meldingen")
    await alice.press("Melding doen")
    assert "Wat wil je melden?" in alice.last.plain_text
    assert "Stoppen" in alice.last.button_texts


async def test_the_first_question_says_where_the_municipality_takes_street_reports(
    bot: Harness, services: Services
) -> None:
    """ "Meld dat bij de gemeente" names how, from [municipality] report_url and report_phone
    (config.example.toml: Amstelveen's website and 14 020), in both languages; without them
    it stays one plain sentence, with nothing left empty."""
    alice = await onboard(bot, 1001, "Alice")
    bob = await onboard(bot, 1002, "Bob", language_code="en")
    await alice.send("/melding")
    assert (
        "Is er iets kapot op straat? Meld dat bij de gemeente, op www.amstelveen.nl. "
        "Of bel 14 020." in alice.last.plain_text
    )
    assert '<a href="https://www.amstelveen.nl">www.amstelveen.nl</a>' in (alice.last.text or "")
    await bob.send("/report")
    assert (
        "Something broken in the street? Please tell the municipality directly, at "
        "www.amstelveen.nl, or call 14 020." in bob.last.plain_text
    )

    municipality = services.config.municipality
    for url, phone, nl, en in (
        (
            "https://www.amstelveen.nl/melding",
            "",
            "Meld dat bij de gemeente, op www.amstelveen.nl/melding.",
            "tell the municipality directly, at www.amstelveen.nl/melding.",
        ),
        ("", "14 020", "Bel dan de gemeente: 14 020.", "call the municipality directly: 14 020."),
        ("", "", "Meld dat bij de gemeente.\nTyp", "tell the municipality directly.\nType"),
    ):
        services.config = replace(
            services.config,
            municipality=replace(municipality, report_url=url, report_phone=phone),
        )
        await alice.send("/melding")
        assert f"Is er iets kapot op straat? {nl}" in alice.last.plain_text, (url, phone)
        await bob.send("/report")
        assert f"Something broken in the street? Please {en}" in bob.last.plain_text
    assert "href" not in (alice.last.text or "") and "{" not in alice.last.plain_text


async def test_full_flow_stores_once_with_reference(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/melding")
    await alice.send("Gevaarlijk kruispunt <b>& geen zebrapad")
    swot = alice.last
    assert swot.button_texts[:4] == [
        "Wat gaat goed?",
        "Wat kan beter?",
        "Welke kansen of ideeën zie je?",
        "Waar maak je je zorgen over?",
    ]
    assert "Stoppen" in swot.button_texts
    await alice.press("Waar maak je je zorgen over?")
    assert "Weet ik niet / past niet" in alice.last.button_texts
    assert "Verkeer" in alice.last.button_texts
    await alice.press("Verkeer")
    assert "Waar is het?" in alice.last.plain_text
    await alice.send_location(52.3021, 4.8601)
    pseudonym = person_row(services, 1001).pseudonym
    assert pseudonym in alice.last.plain_text
    await alice.press("Nee, alleen")
    summary = alice.last
    assert "Klopt dit?" in summary.plain_text
    # The text is escaped: the person's "<b>" is shown as text, not as bold.
    assert "Gevaarlijk kruispunt &lt;b&gt;&amp; geen zebrapad" in (summary.text or "")
    assert "Gevaarlijk kruispunt <b>& geen zebrapad" in summary.plain_text
    assert "Waar maak je je zorgen over?" in summary.plain_text
    assert pseudonym in summary.plain_text
    assert observations_in(services) == []  # nothing before the confirmation

    await alice.press("Versturen")
    (stored,) = observations_in(services)
    assert f"M-{stored.id}" in alice.last.plain_text
    assert "bewaard" in alice.last.plain_text
    assert stored.text == "Gevaarlijk kruispunt <b>& geen zebrapad"
    assert stored.swot == "threat" and stored.theme == "verkeer"
    assert (stored.latitude, stored.longitude) == (52.3021, 4.8601)
    assert stored.author_role == "resident" and stored.share_name is False
    assert stored.wijk_id == person_row(services, 1001).current_wijk_id
    assert stored.status == "new" and stored.lang == "nl"
    # Stored with its grouping signature, made with the vocabulary the digest uses.
    from bot.digest.builder import vocabulary_for
    from bot.grouping.signatures import signature

    assert stored.grouping_signature == signature(
        stored.text, vocabulary_for(services.config.digest.vocabulary)
    )

    # A second press on the same (now old) button stores nothing and shows the number again.
    await alice.press("Versturen", message=summary)
    assert alice.alerts == [] and f"M-{stored.id}" in alice.last.plain_text
    assert len(observations_in(services)) == 1


async def test_filed_observation_stores_its_matter_key(bot: Harness, services: Services) -> None:
    """What the digest counts the previous period by (grouping_matter) is stored with the
    observation, as the "what about" part of its signature."""
    from bot.grouping.signatures import matter_key

    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/melding")
    await alice.send("Geen parkeerplek te vinden bij de Kalkoven")
    for label in ("Wat kan beter?", "Buiten", "Overslaan", "Nee, alleen", "Versturen"):
        await alice.press(label)
    (stored,) = observations_in(services)
    assert f"M-{stored.id}" in alice.last.plain_text
    assert stored.grouping_signature is not None
    assert stored.grouping_matter == matter_key(stored.grouping_signature)
    assert stored.grouping_matter.endswith("|kalkoven")
    assert "parkeerplek" not in stored.grouping_matter  # no words, only what it is about


async def test_a_vocabulary_file_gone_missing_loses_no_observation(
    bot: Harness, services: Services, tmp_path: Path
) -> None:
    """check-config refuses a missing vocabulary file, but it can go while the bot runs: the
    observation is stored all the same, grouped with the shipped vocabulary."""
    gone = str(tmp_path / "gone" / "vocabulary.toml")
    services.config = replace(
        services.config, digest=replace(services.config.digest, vocabulary=gone)
    )
    alice = await onboard(bot, 1001, "Alice")
    await to_summary(alice, "Geen parkeerplek te vinden bij de Kalkoven")
    await alice.press("Versturen")
    (stored,) = observations_in(services)
    assert f"M-{stored.id}" in alice.last.plain_text
    assert stored.grouping_signature is not None


async def test_share_name_stores_display_name(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/melding")
    await alice.send("Mooi nieuw speelveld")
    await alice.press("Wat gaat goed?")
    await alice.press("Weet ik niet")
    await alice.press("Overslaan")
    assert person_row(services, 1001).display_name is None
    await alice.press("Ja, mijn naam: Alice")
    assert "De wijkcoach ziet je naam: Alice" in alice.last.plain_text
    await alice.press("Versturen")
    (stored,) = observations_in(services)
    assert stored.share_name is True and stored.theme is None and stored.latitude is None
    assert person_row(services, 1001).display_name == "Alice"


async def test_photo_with_caption_and_without(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/melding")
    await alice.send_photo("Kapotte lantaarnpaal")
    largest = last_photo_file_id(bot, alice)
    assert "Wat voor melding is het?" in alice.last.plain_text
    await alice.press("Wat kan beter?")
    await alice.press("Veiligheid")
    await alice.press("Overslaan")
    await alice.press("Nee, alleen")
    assert "Foto: ja" in alice.last.plain_text
    await alice.press("Versturen")
    (stored,) = observations_in(services)
    assert stored.photo_file_id == largest and stored.text == "Kapotte lantaarnpaal"

    # Without caption (or an empty one) the bot asks for a short text and keeps the photo.
    await alice.send("/melding")
    await alice.send_photo("   ")
    second = last_photo_file_id(bot, alice)
    assert "Typ nu in een paar woorden" in alice.last.plain_text
    await alice.send("Zwerfvuil bij het water")
    await alice.press("Wat kan beter?")
    await alice.press("Weet ik niet")
    await alice.press("Overslaan")
    await alice.press("Nee, alleen")
    await alice.press("Versturen")
    latest = observations_in(services)[-1]
    assert latest.photo_file_id == second and latest.text == "Zwerfvuil bij het water"


async def test_loose_text_is_offered_as_observation(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    (question,) = await alice.send("Er staat al weken een kapotte fiets")
    assert "als melding" in question.plain_text
    await alice.press("Ja, als melding")
    # The text was kept while the bot asked: the next step is the kind.
    assert "Wat voor melding is het?" in alice.last.plain_text
    await alice.press("Wat kan beter?")
    await alice.press("Weet ik niet")
    await alice.press("Overslaan")
    await alice.press("Nee, alleen")
    assert "Er staat al weken een kapotte fiets" in alice.last.plain_text
    await alice.press("Versturen")
    assert observations_in(services)[0].text == "Er staat al weken een kapotte fiets"

    await alice.send("gewoon een berichtje")
    await alice.press("Nee")
    assert "niets bewaard" in alice.last.plain_text
    assert "Naar het menu" in alice.last.button_texts
    assert len(observations_in(services)) == 1


async def test_loose_photo_asks_then_needs_text(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await alice.send_photo()
    photo = last_photo_file_id(bot, alice)
    await alice.press("Ja, als melding")
    assert "Typ nu in een paar woorden" in alice.last.plain_text
    await alice.send("Nieuwe bankjes in het park")
    await alice.press("Wat gaat goed?")
    await alice.press("Buiten")
    await alice.press("Overslaan")
    await alice.press("Nee, alleen")
    await alice.press("Versturen")
    (stored,) = observations_in(services)
    assert stored.photo_file_id == photo and stored.theme == "buitenruimte"


async def test_text_too_long_and_empty(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    limit = services.config.general.text_limit
    await alice.send("/melding")
    (answer,) = await alice.send("x" * (limit + 1))
    assert (
        f"{limit + 1} letters en tekens" in answer.plain_text
        and f"maximaal {limit}" in answer.plain_text
    )
    assert "Stoppen" in answer.button_texts
    await alice.send_photo("y" * (limit + 5))
    assert f"{limit + 5} letters en tekens" in alice.last.plain_text
    await alice.send("Kort genoeg")
    assert "Wat voor melding is het?" in alice.last.plain_text
    await alice.press("Wat kan beter?")
    await alice.press("Weet ik niet")
    await alice.press("Overslaan")
    await alice.press("Nee, alleen")
    await alice.press("Versturen")
    (stored,) = observations_in(services)
    # The photo of the too-long caption was kept; only its text had to be shorter.
    assert stored.text == "Kort genoeg" and stored.photo_file_id is not None


async def test_wrong_types_mid_flow_keep_the_draft(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/melding")
    await alice.send("Te hard rijden in de Laan")
    swot = alice.last
    for send in (alice.send_sticker, alice.send_voice, alice.send_video, alice.send_contact):
        (reply,) = await send()
        assert "Dit soort bericht kan ik niet gebruiken" in reply.plain_text
    (reply,) = await alice.send_document()
    assert "Dit soort bericht kan ik niet gebruiken" in reply.plain_text
    (reply,) = await alice.send_forwarded("doorgestuurde tekst")
    assert "Doorgestuurde berichten" in reply.plain_text
    # The step message from before the stickers still works: the draft survived all of it.
    (theme,) = await alice.press("Wat kan beter?", message=swot)
    # Text while buttons are expected (past the step right after the text, where a text
    # replaces it): a hint and the same step again.
    (reply,) = await alice.send("hallo?")
    assert "Kies hieronder met een knop" in reply.plain_text
    assert "Verkeer" in reply.button_texts
    await alice.press("Verkeer", message=theme)
    await alice.press("Overslaan")
    await alice.press("Nee, alleen")
    summary = next(m for m in alice.messages if m.message_id == swot.message_id)
    assert "Te hard rijden in de Laan" in summary.plain_text
    await alice.press("Versturen", message=summary)
    (stored,) = observations_in(services)
    assert stored.text == "Te hard rijden in de Laan"


async def test_database_error_keeps_draft_and_retry_stores_once(
    bot: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    summary = await to_summary(alice)
    real_commit = filing._commit
    failures: list[int] = []

    def failing_once(session: Session) -> None:
        if not failures:
            failures.append(1)
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        real_commit(session)

    monkeypatch.setattr(filing, "_commit", failing_once)
    await alice.press("Versturen", message=summary)
    assert "Ik kon het nu niet bewaren" in alice.last.plain_text
    assert "De stoep is kapot" in alice.last.plain_text  # the draft is still there
    assert "Versturen" in alice.last.button_texts
    assert observations_in(services) == []

    await alice.press("Versturen")
    (stored,) = observations_in(services)
    assert f"M-{stored.id}" in alice.last.plain_text
    await alice.press("Versturen", message=summary)
    assert alice.alerts == [] and f"M-{stored.id}" in alice.last.plain_text
    assert len(observations_in(services)) == 1


async def test_change_returns_to_summary(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await to_summary(alice)
    await alice.press("Iets veranderen")
    await alice.press("Soort melding")
    await alice.press("Welke kansen of ideeën zie je?")
    assert "Klopt dit?" in alice.last.plain_text
    assert "Soort: Welke kansen of ideeën zie je?" in alice.last.plain_text
    await alice.press("Iets veranderen")
    await alice.press("Tekst of foto")
    await alice.send("De stoep bij de school is kapot")
    assert "Klopt dit?" in alice.last.plain_text
    await alice.press("Iets veranderen")
    await alice.press("Onderwerp")
    await alice.press("Terug naar je melding")
    assert "Onderwerp: Verkeer" in alice.last.plain_text
    await alice.press("Versturen")
    (stored,) = observations_in(services)
    assert stored.swot == "opportunity" and stored.text == "De stoep bij de school is kapot"


async def test_stale_and_forged_buttons(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/melding")
    await alice.send("Eerste versie")
    old_swot = alice.last
    await alice.send("/melding")  # a new draft: the old message's buttons are stale
    await alice.press("Wat gaat goed?", message=old_swot)
    assert alice.alerts[-1] == "Deze knop werkt niet meer."
    assert "Wat wil je melden?" in alice.messages[-2].plain_text
    await alice.send("Tweede versie")
    data = alice.last.buttons[0][0].callback_data
    assert data is not None
    nonce = data.split(":")[1]
    for forged in (f"ob:{nonce}:s:x", f"ob:{nonce}:t:wonen", f"ob:{nonce}:c:ok", f"ob:{nonce}:w:1"):
        await alice.press_data(forged)
        assert alice.alerts[-1] == "Deze knop werkt niet meer."
    await alice.press("Wat gaat goed?")
    await alice.press_data(f"ob:{nonce}:t:bestaatniet")
    assert alice.alerts[-1] == "Deze knop werkt niet meer."
    assert observations_in(services) == []
    (stopped,) = await alice.press("Stoppen")
    assert "Gestopt" in stopped.plain_text


async def test_permission_checked_again_at_confirm(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await to_summary(alice)
    with services.db.session() as session:
        session.exec(delete(Membership))
        session.commit()
    await alice.press("Versturen")
    assert "Dat kan niet met jouw rol" in alice.last.plain_text
    assert observations_in(services) == []


async def test_partner_with_several_wijken_chooses_and_is_marked(
    bot: Harness, services: Services
) -> None:
    partner = await join_as(bot, services, 2001, "Pien", Role.PARTNER, "elsrijk", "groenelaan")
    await partner.send("/melding")
    choice = partner.last
    assert "Over welke wijk" in choice.plain_text
    assert {"Elsrijk", "Groenelaan"} <= set(choice.button_texts)
    assert "Stadshart" not in choice.button_texts
    await partner.press("Groenelaan")
    await partner.send("Wachtlijst voor de dagbesteding groeit")
    await partner.press("Waar maak je je zorgen over?")
    await partner.press("Zorg en welzijn")
    await partner.press("Overslaan")
    await partner.press("Nee, alleen")
    assert "Wijk: Groenelaan" in partner.last.plain_text
    await partner.press("Versturen")
    (stored,) = observations_in(services)
    with services.db.session() as session:
        groenelaan = persons.wijk_by_slug(session, "groenelaan")
    assert groenelaan is not None
    assert stored.wijk_id == groenelaan.id and stored.author_role == "partner"


async def test_a_partner_who_types_before_choosing_the_wijk_keeps_the_text(
    bot: Harness, services: Services
) -> None:
    """A partner for two wijken sends /melding and, at "Over welke wijk gaat je melding?",
    types the observation straight away. The text is kept: after the wijk comes the kind of
    observation, and the stored observation holds it. A second text there replaces the
    first; "ok" is no text and changes nothing."""
    partner = await join_as(bot, services, 6001, "Pieter", Role.PARTNER, "elsrijk", "groenelaan")
    await partner.send("/melding")
    assert "Over welke wijk gaat je melding?" in partner.last.plain_text

    (kept,) = await partner.send("Het buurthuis is 's avonds dicht")
    assert "Ik heb je tekst bewaard." in kept.plain_text
    assert "Over welke wijk gaat je melding?" in kept.plain_text
    assert {"Elsrijk", "Groenelaan"} <= set(kept.button_texts)
    (replaced,) = await partner.send("Het buurthuis is 's avonds dicht en jongeren hangen buiten")
    assert "Ik gebruik nu je nieuwe tekst." in replaced.plain_text
    (ok,) = await partner.send("ok")
    assert "Je melding blijft zoals hij was." in ok.plain_text
    await partner.press("Groenelaan")

    assert "Wat wil je melden?" not in partner.last.plain_text
    assert "Wat voor melding is het?" in partner.last.plain_text
    await partner.press("Waar maak je je zorgen over?")
    await partner.press("Zorg en welzijn")
    await partner.press("Overslaan")
    await partner.press("Nee, alleen")
    await partner.press("Versturen")
    (stored,) = observations_in(services)
    assert stored.text == "Het buurthuis is 's avonds dicht en jongeren hangen buiten"


async def test_a_partner_who_sends_a_photo_before_choosing_the_wijk_keeps_it(
    bot: Harness, services: Services
) -> None:
    """A partner for two wijken sends /melding and, at "Over welke wijk gaat je melding?",
    sends a photo straight away, as a text there is kept. With a caption, the caption is the
    text and after the wijk comes the kind; without one, after the wijk the bot asks what the
    photo is about. The stored observation holds the photo."""
    partner = await join_as(bot, services, 6002, "Pieter", Role.PARTNER, "elsrijk", "groenelaan")
    await partner.send("/melding")
    assert "Over welke wijk gaat je melding?" in partner.last.plain_text
    (kept,) = await partner.send_photo("Kapotte lantaarnpaal bij het buurthuis")
    photo = last_photo_file_id(bot, partner)
    assert "Ik heb je foto bewaard." in kept.plain_text
    assert "Over welke wijk gaat je melding?" in kept.plain_text
    assert {"Elsrijk", "Groenelaan"} <= set(kept.button_texts)
    await partner.press("Groenelaan")
    assert "Wat voor melding is het?" in partner.last.plain_text
    await partner.press("Wat kan beter?")
    await partner.press("Veiligheid")
    await partner.press("Overslaan")
    await partner.press("Nee, alleen")
    assert "Foto: ja" in partner.last.plain_text
    await partner.press("Versturen")
    (stored,) = observations_in(services)
    assert stored.photo_file_id == photo
    assert stored.text == "Kapotte lantaarnpaal bij het buurthuis"

    await partner.send("/melding")
    (kept,) = await partner.send_photo()
    assert "Ik heb je foto bewaard." in kept.plain_text
    (replaced,) = await partner.send_photo()
    second = last_photo_file_id(bot, partner)
    assert "Ik gebruik nu je nieuwe foto." in replaced.plain_text
    await partner.press("Elsrijk")
    assert "Typ nu in een paar woorden" in partner.last.plain_text
    await partner.send("Zwerfvuil bij het water")
    await partner.press("Wat kan beter?")
    await partner.press("Weet ik niet")
    await partner.press("Overslaan")
    await partner.press("Nee, alleen")
    # Changing the wijk from the summary, a photo is no answer: the photo stays as it was.
    await partner.press("Iets veranderen")
    await partner.press("Wijk")
    (refused,) = await partner.send_photo("Nog een foto")
    assert "Een foto kan ik nu niet gebruiken." in refused.plain_text
    await partner.press("Elsrijk")
    await partner.press("Versturen")
    latest = observations_in(services)[-1]
    assert latest.photo_file_id == second and latest.text == "Zwerfvuil bij het water"


async def test_big_member_is_marked_big(bot: Harness, services: Services) -> None:
    member = await join_as(bot, services, 2002, "Bea", Role.BIG, "elsrijk")
    await to_summary(member)
    await member.press("Versturen")
    assert observations_in(services)[0].author_role == "big"


async def test_english_flow(bot: Harness, services: Services) -> None:
    bob = await onboard(bot, 1002, "Bob", language_code="en")
    await bob.press("Send a report")
    await bob.send("Too many cars")
    assert "What could be better?" in bob.last.button_texts
    await bob.press("What could be better?")
    await bob.press("Traffic")
    await bob.press("Skip")
    await bob.press("No, only")
    assert "Is this right?" in bob.last.plain_text
    await bob.press("Send")
    (stored,) = observations_in(services)
    assert f"M-{stored.id}" in bob.last.plain_text and stored.lang == "en"
    await bob.send("/myreports")
    assert "My reports" in bob.last.plain_text and "New" in bob.last.plain_text


# --- Mijn meldingen ---------------------------------------------------------------------------


async def test_mijn_meldingen_pages_status_answer_and_withdraw(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    bob = await onboard(bot, 1002, "Bob")
    with services.db.session() as session:
        me = persons.get_person(session, 1001)
        other = persons.get_person(session, 1002)
        assert me is not None and other is not None
        made = [add(session, me, f"melding {i} <b>&", NOW + timedelta(hours=i)) for i in range(7)]
        answered, hidden = made[6], made[5]
        answered.status, answered.answer_text = "in_progress", "Dank je <i>wel</i> & tot snel"
        hidden.status = "hidden"
        session.add_all([answered, hidden])
        session.commit()
        theirs = add(session, other, "van bob", NOW)
    await alice.send("/mijnmeldingen")
    page = alice.last
    assert "pagina 1 van 2" in page.plain_text
    plain = page.plain_text
    # Newest first, status in words, the coach's answer escaped.
    assert plain.index("melding 6") < plain.index("melding 5") < plain.index("melding 2")
    assert "melding 1" not in plain
    assert "In behandeling" in plain and "Verborgen" in plain and "Nieuw" in plain
    assert "Dank je &lt;i&gt;wel&lt;/i&gt; &amp; tot snel" in (page.text or "")
    assert "melding 6 &lt;b&gt;&amp;" in (page.text or "")
    assert f"M-{hidden.id} terugnemen" not in page.button_texts  # hidden: not withdrawable
    assert "van bob" not in plain

    await alice.press("Volgende")
    assert "pagina 2 van 2" in alice.last.plain_text and "melding 0" in alice.last.plain_text
    await alice.press("Vorige")
    assert "pagina 1 van 2" in alice.last.plain_text

    target = made[4]
    await alice.press(f"M-{target.id} terugnemen")
    assert f"melding M-{target.id} terugnemen?" in alice.last.plain_text
    await alice.press("Nee, laten staan")
    assert observations_in(services)[4].status == "new"
    await alice.press(f"M-{target.id} terugnemen")
    await alice.press("Ja, terugnemen")
    assert "is teruggenomen" in alice.last.plain_text and "Teruggenomen" in alice.last.plain_text
    assert next(o for o in observations_in(services) if o.id == target.id).status == "withdrawn"

    # Another person's id in crafted callback data: refused, nothing changes.
    for action in ("w", "wy"):
        await alice.press_data(f"mo:{theirs.id}:{action}:0")
        assert alice.alerts[-1] == "Deze melding kun je niet terugnemen."
    assert next(o for o in observations_in(services) if o.id == theirs.id).status == "new"
    await alice.press_data("mo:abc:wy:0")
    assert alice.alerts[-1] == "Deze knop werkt niet meer."
    assert bob.last is not None


async def test_pressing_an_old_terugnemen_says_it_was_already_withdrawn(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    with services.db.session() as session:
        me = persons.get_person(session, 1001)
        assert me is not None
        made = add(session, me, "De lantaarn is kapot", NOW)
    (older,) = await alice.send("/mijnmeldingen")
    await alice.send("/mijnmeldingen")
    await alice.press(f"{made.reference} terugnemen")  # on the newest list
    confirm = alice.last
    await alice.press("Ja, terugnemen")
    already = f"Melding {made.reference} heb je al teruggenomen."
    # The older list's button, and the confirmation's pressed again: both say what happened.
    (edited,) = await alice.press(f"{made.reference} terugnemen", message=older)
    assert alice.alerts[-1] == already
    assert edited.message_id == older.message_id and already in edited.plain_text
    await alice.press("Ja, terugnemen", message=confirm)
    assert alice.alerts[-1] == already


async def test_mijn_meldingen_empty_from_menu(bot: Harness) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await alice.press("Mijn meldingen")
    assert "nog geen meldingen" in alice.last.plain_text
    assert "Melding doen" in alice.last.button_texts and "Naar het menu" in alice.last.button_texts


async def test_a_draft_stored_by_the_previous_version_is_sent(
    bot: Harness, services: Services
) -> None:
    """A flow outlives a deploy: the dict draft of before the typed draft still reaches M-123."""
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/melding")
    wijk_id = person_row(services, 1001).current_wijk_id
    old = {"wijk_id": wijk_id, "text": "Losse stoeptegel", "photo": None, "swot": "weakness"}
    old |= {"theme": None, "theme_done": True, "lat": 52.3, "lon": 4.86, "loc_done": True}
    old |= {"share": False, "multi": False}
    nonce = bot.app.user_data[1001]["flow"]["nonce"]
    bot.app.user_data[1001]["flow"] = {
        "name": "observation",
        "state": "summary",
        "nonce": nonce,
        "data": old,
    }
    await alice.press_data(f"ob:{nonce}:c:ok")
    (stored,) = observations_in(services)
    assert f"M-{stored.id}" in alice.last.plain_text
    assert (stored.text, stored.swot, stored.theme) == ("Losse stoeptegel", "weakness", None)
    assert (stored.latitude, stored.longitude) == (52.3, 4.86)
