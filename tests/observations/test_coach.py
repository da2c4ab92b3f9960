"""Closing the loop: a coach opens, reads, answers and hides observations; the sender replies once.

Everything goes through the real Application on the fake Bot API. Observations are filed through
the residents' real /melding flow, so the coach sees exactly what a resident produced.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

import bot.observations.coach as coach_service
from bot.context import Services
from bot.fake_telegram import Harness
from bot.fake_telegram.users import BotMessage
from bot.fake_telegram.users import Person as FakePerson
from bot.observations import answer_templates, workflow
from bot.people.permissions import load_actor
from models import Membership, Observation, ObservationStatus, Person, Role
from tests.helpers import join_as, onboard

NASTY = "<b>&"


async def file(
    person: FakePerson, services: Services, text: str, *, share: bool = False
) -> Observation:
    """The resident's real flow: /melding, text, kind, theme, no place, name or pseudonym, send."""
    await person.send("/melding")
    await person.send(text)
    await person.press("Wat kan beter?")
    await person.press("Wonen")
    await person.press("Overslaan")
    await person.press("Ja, mijn naam" if share else "Nee, alleen")
    await person.press("Versturen")
    assert "Je melding is bewaard" in person.last.plain_text
    with services.db.session() as session:
        return session.exec(select(Observation).order_by(col(Observation.id).desc())).first()  # type: ignore[return-value]


def observation(services: Services, obs_id: int) -> Observation:
    with services.db.session() as session:
        obs = session.get(Observation, obs_id)
        assert obs is not None
        return obs


def person_of(services: Services, telegram_id: int) -> Person:
    with services.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_id == telegram_id)).one()
        return person


def coach_texts(coach: FakePerson) -> str:
    """Everything the coach ever got from the bot, raw (HTML source) and as read."""
    return "\n".join(f"{m.text}\n{m.plain_text}" for m in coach.messages)


async def setup_people(
    bot: Harness, services: Services
) -> tuple[FakePerson, FakePerson, Observation]:
    alice = await onboard(bot, 1001, "Alice")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    obs = await file(alice, services, f"Lantaarn kapot {NASTY} bij de school")
    return alice, carla, obs


async def open_card(coach: FakePerson, obs: Observation) -> BotMessage:
    await coach.send("/meldingen")
    await coach.press(f"{obs.reference} openen")
    return coach.last


async def test_coach_answers_anonymous_sender_who_replies_once(
    bot: Harness, services: Services
) -> None:
    alice, carla, obs = await setup_people(bot, services)
    alice_person = person_of(services, 1001)

    (listing,) = await carla.send("/meldingen")
    assert "Meldingen uit Elsrijk" in listing.plain_text
    assert obs.reference in listing.plain_text
    assert "&lt;b&gt;&amp;" in (listing.text or "")  # the sender's text is escaped

    await carla.press(f"{obs.reference} openen")
    card = carla.last
    assert f"Melding {obs.reference}" in card.plain_text
    assert "Wat kan beter?" in card.plain_text and "Wonen" in card.plain_text
    assert f"Van: {alice_person.pseudonym} (bewoner)" in card.plain_text
    assert f"Lantaarn kapot {NASTY} bij de school" in card.plain_text
    assert "&lt;b&gt;&amp;" in (card.text or "")
    assert card.button_texts[:3] == ["Beantwoorden", "Zet op gelezen", "Verbergen"]

    await carla.press("Beantwoorden")
    assert "Typ je antwoord" in carla.last.plain_text
    await carla.send(f"Dank je, we gaan het maken {NASTY}")
    assert "Zo krijgt de schrijver je antwoord" in carla.last.plain_text
    assert "&lt;b&gt;&amp;" in (carla.last.text or "")
    await carla.press("Versturen")
    assert "bij de schrijver aangekomen" in carla.last.plain_text

    # The resident gets the answer through the bot, with their own text and a way to reply.
    answer = alice.last
    assert "Antwoord van je wijkcoach" in answer.plain_text
    assert f"Dank je, we gaan het maken {NASTY}" in answer.plain_text
    assert "&lt;b&gt;&amp;" in (answer.text or "")
    assert obs.reference in answer.plain_text
    assert "Terugschrijven" in answer.button_texts

    # The coach never saw the sender's name or Telegram id.
    seen = coach_texts(carla)
    assert "Alice" not in seen and "1001" not in seen

    stored = observation(services, obs.id or 0)
    carla_person = person_of(services, 2001)
    assert stored.status == ObservationStatus.IN_PROGRESS.value
    assert stored.answer_text == f"Dank je, we gaan het maken {NASTY}"
    assert stored.answered_by_id == carla_person.id and stored.answered_at is not None
    # In the history: the answer, by the coach, which put it in progress; no status notice (the
    # answer itself reached the sender).
    with services.db.session() as session:
        steps = workflow.history(session, obs.id or 0)
    assert [(e.kind, e.from_status, e.to_status, e.actor_id, e.notify) for e in steps] == [
        ("answer", "new", "in_progress", carla_person.id, False)
    ]

    # One reply, delivered to the coach who answered.
    await alice.press("Terugschrijven", message=answer)
    assert "Dat kan één keer" in alice.last.plain_text
    await alice.send(f"Super, dank! {NASTY}")
    await alice.press("Versturen")
    assert "naar de wijkcoach gestuurd" in alice.last.plain_text
    to_coach = carla.last
    assert "Bericht terug op je antwoord" in to_coach.plain_text
    assert f"Super, dank! {NASTY}" in to_coach.plain_text
    assert alice_person.pseudonym in to_coach.plain_text
    assert "Melding openen" in to_coach.button_texts
    stored = observation(services, obs.id or 0)
    assert stored.reply_text == f"Super, dank! {NASTY}" and stored.replied_at is not None

    # A second reply is refused clearly, and nothing changes.
    await alice.press("Terugschrijven", message=answer)
    assert "Je hebt al iets teruggeschreven" in alice.last.plain_text
    assert alice.alerts[-1].startswith("Je hebt al iets teruggeschreven")
    assert observation(services, obs.id or 0).reply_text == f"Super, dank! {NASTY}"

    # The card now shows the whole conversation, and no second answer.
    await carla.press("Melding openen", message=to_coach)
    card = carla.last
    assert "Antwoord" in card.plain_text and "Bericht terug van de schrijver" in card.plain_text
    assert "Beantwoorden" not in card.button_texts


async def test_name_shown_only_when_shared(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    shared = await file(alice, services, "Fijne speeltuin", share=True)
    card = await open_card(carla, shared)
    assert "Van: Alice (bewoner)" in card.plain_text


async def test_a_partner_s_observation_is_marked_in_the_list_as_on_the_card(
    bot: Harness, services: Services
) -> None:
    """The card says "Van: Pieter (partner)"; the list says it too, so the coach sees which
    observations come from an organisation before opening one. A resident's line stays short."""
    pieter = await join_as(bot, services, 6001, "Pieter", Role.PARTNER, "elsrijk")
    alice = await onboard(bot, 1001, "Alice")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    from_partner = await file(pieter, services, "Het buurthuis is 's avonds dicht", share=True)
    await file(alice, services, "Fijne speeltuin", share=True)

    (listing,) = await carla.send("/meldingen")
    assert "Van Pieter (partner) · Nieuw" in listing.plain_text, listing.plain_text
    assert "Van Alice · Nieuw" in listing.plain_text, listing.plain_text
    card = await open_card(carla, from_partner)
    assert "Van: Pieter (partner)" in card.plain_text


async def test_mark_read(bot: Harness, services: Services) -> None:
    _alice, carla, obs = await setup_people(bot, services)
    await open_card(carla, obs)
    await carla.press("Zet op gelezen")
    assert carla.alerts[-1] == "Deze melding staat nu op gelezen."
    assert "Status: Gelezen" in carla.last.plain_text
    assert "Zet op gelezen" not in carla.last.button_texts
    stored = observation(services, obs.id or 0)
    assert stored.status == ObservationStatus.READ.value and stored.read_at is not None
    # Still in "not answered yet", gone from "new".
    await carla.press("Terug")
    assert obs.reference in carla.last.plain_text
    await carla.press("Nieuw")
    assert obs.reference not in carla.last.plain_text
    assert "Hier zijn geen meldingen" in carla.last.plain_text


async def test_hide_with_preset_reason_notifies_sender(bot: Harness, services: Services) -> None:
    alice, carla, obs = await setup_people(bot, services)
    await open_card(carla, obs)
    await carla.press("Verbergen")
    assert "Waarom verberg je deze melding?" in carla.last.plain_text
    await carla.press("Reclame of spam")
    assert f"Melding {obs.reference} is verborgen" in carla.last.plain_text
    stored = observation(services, obs.id or 0)
    carla_person = person_of(services, 2001)
    assert stored.status == ObservationStatus.HIDDEN.value
    assert stored.hidden_reason == "Reclame of spam"
    assert stored.hidden_by_id == carla_person.id and stored.hidden_at is not None
    assert stored.text.startswith("Lantaarn")  # kept for the audit
    with services.db.session() as session:
        steps = workflow.history(session, obs.id or 0)
    # A status event and a notice (the sender may object under it), which the chat sent itself:
    # no second one from the background.
    assert [
        (e.kind, e.to_status, e.detail, e.notify, e.notified_at is not None) for e in steps
    ] == [("status", "hidden", "Reclame of spam", True, True)]
    note = alice.last
    assert "De wijkcoach heeft je melding" in note.plain_text
    assert "Reden: Reclame of spam" in note.plain_text
    # Gone from the open list; visible with its reason under "all"; no way to answer it.
    await carla.send("/meldingen")
    assert obs.reference not in carla.last.plain_text
    await carla.press("Alle meldingen")
    assert obs.reference in carla.last.plain_text
    await carla.press(f"{obs.reference} openen")
    assert "Verborgen" in carla.last.plain_text and "Reclame of spam" in carla.last.plain_text
    assert "Beantwoorden" not in carla.last.button_texts
    # Hiding twice (an old button) is refused and changes nothing.
    await carla.press_data(f"co:{obs.id}:hr:abuse")
    assert "al verborgen" in carla.last.plain_text
    assert observation(services, obs.id or 0).hidden_reason == "Reclame of spam"


async def test_hidden_in_the_coach_chat_lets_the_sender_object(
    bot: Harness, services: Services
) -> None:
    """Hidden from the chat, as from the desk: "Klopt niet" under the note, once; the background
    sender does not send a second note."""
    alice, carla, obs = await setup_people(bot, services)
    await open_card(carla, obs)
    await carla.press("Verbergen")
    await carla.press("Scheldwoorden of bedreigingen")
    services.desk_notices.wake()
    await services.desk_notices.idle()
    (note,) = [m for m in alice.messages if "verborgen" in m.plain_text]
    assert f"De wijkcoach heeft je melding {obs.reference}" in note.plain_text
    assert "Klopt dit niet? Druk dan op Klopt niet." in note.plain_text
    assert note.button_texts == ["Klopt niet", "Naar het menu"]
    await alice.press("Klopt niet", message=note)
    assert f"Melding {obs.reference} staat weer open" in alice.last.plain_text
    stored = observation(services, obs.id or 0)
    assert (stored.status, stored.hidden_reason) == (ObservationStatus.NEW.value, None)
    await alice.press("Klopt niet", message=note)
    assert alice.alerts[-1] == "Je hebt hier al op gereageerd. De melding staat weer open."


async def test_hide_reason_in_senders_language(bot: Harness, services: Services) -> None:
    bob = await onboard(bot, 1002, "Bob", language_code="en")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    with services.db.session() as session:
        person = person_of(services, 1002)
        obs = Observation(
            wijk_id=person.current_wijk_id or 0,
            person_id=person.id,
            author_role="resident",
            swot="threat",
            text="Spam spam",
            lang="en",
        )
        session.add(obs)
        session.commit()
        session.refresh(obs)
    await open_card(carla, obs)
    await carla.press("Verbergen")
    await carla.press("Reclame of spam")
    assert observation(services, obs.id or 0).hidden_reason == "Advertising or spam"
    assert "Reason: Advertising or spam" in bob.last.plain_text
    assert "That's not right" in bob.last.button_texts


async def test_hide_with_typed_reason(bot: Harness, services: Services) -> None:
    alice, carla, obs = await setup_people(bot, services)
    await open_card(carla, obs)
    await carla.press("Verbergen")
    await carla.press("Iets anders")
    assert "Typ de reden" in carla.last.plain_text
    await carla.send("x" * 301)
    assert "te lang" in carla.last.plain_text
    await carla.send(f"Gaat over een buurman {NASTY}")
    assert "Melding verbergen met deze reden?" in carla.last.plain_text
    await carla.press("Verbergen")
    stored = observation(services, obs.id or 0)
    assert stored.status == ObservationStatus.HIDDEN.value
    assert stored.hidden_reason == f"Gaat over een buurman {NASTY}"
    assert "&lt;b&gt;&amp;" in (alice.last.text or "")
    # The sender finds the reason in "Mijn meldingen" too, as typed (escaped).
    await alice.send("/mijnmeldingen")
    assert f"Reden van de wijkcoach: Gaat over een buurman {NASTY}" in alice.last.plain_text
    assert "Gaat over een buurman &lt;b&gt;&amp;" in (alice.last.text or "")


async def test_coach_of_other_wijk_is_refused_even_with_crafted_data(
    bot: Harness, services: Services
) -> None:
    _alice, _carla, obs = await setup_people(bot, services)
    otto = await join_as(bot, services, 3001, "Otto", Role.COACH, "groenelaan")
    (listing,) = await otto.send("/meldingen")
    assert "Meldingen uit Groenelaan" in listing.plain_text
    assert obs.reference not in listing.plain_text
    before = observation(services, obs.id or 0)
    for data in (
        f"co:{obs.id}:open",
        f"co:{obs.id}:rd",
        f"co:{obs.id}:an",
        f"co:{obs.id}:hd",
        f"co:{obs.id}:hr:spam",
        f"co:{obs.id}:hr:other",
        f"co:{obs.id}:tx",
    ):
        await otto.press_data(data)
        assert "Dat kan niet met jouw rol" in otto.last.plain_text, data
        assert "Lantaarn" not in otto.last.plain_text
    wijk_id = before.wijk_id
    await otto.press_data(f"co:l:{wijk_id}:a:0")
    assert "Dat kan niet met jouw rol" in otto.last.plain_text
    assert observation(services, obs.id or 0) == before


async def test_resident_is_refused(bot: Harness, services: Services) -> None:
    alice, _carla, obs = await setup_people(bot, services)
    await alice.send("/menu")
    assert "Meldingen uit de wijk" not in alice.last.button_texts
    await alice.send("/meldingen")
    assert "Dat kan niet met jouw rol" in alice.last.plain_text
    before = observation(services, obs.id or 0)
    for data in (f"co:{obs.id}:open", f"co:{obs.id}:rd", f"co:{obs.id}:hr:spam", f"co:{obs.id}:an"):
        await alice.press_data(data)
        assert "Dat kan niet met jouw rol" in alice.last.plain_text, data
    # The sender cannot reply before there is an answer.
    await alice.press_data(f"co:{obs.id}:rp")
    assert "niets terugschrijven" in alice.last.plain_text
    assert observation(services, obs.id or 0) == before


async def test_someone_else_cannot_reply(bot: Harness, services: Services) -> None:
    _alice, carla, obs = await setup_people(bot, services)
    await open_card(carla, obs)
    await carla.press("Beantwoorden")
    await carla.send("Dank je")
    await carla.press("Versturen")
    dirk = await onboard(bot, 1003, "Dirk")
    await dirk.press_data(f"co:{obs.id}:rp")
    assert "Deze melding ken ik niet" in dirk.last.plain_text
    assert observation(services, obs.id or 0).reply_text is None


async def test_blocked_sender_answer_is_stored(bot: Harness, services: Services) -> None:
    alice, carla, obs = await setup_people(bot, services)
    await alice.block_bot()
    await open_card(carla, obs)
    await carla.press("Beantwoorden")
    await carla.send("We kijken ernaar")
    await carla.press("Versturen")
    assert "de schrijver heeft mij geblokkeerd" in carla.last.plain_text
    assert "Mijn meldingen" in carla.last.plain_text
    stored = observation(services, obs.id or 0)
    assert stored.answer_text == "We kijken ernaar"
    assert stored.status == ObservationStatus.IN_PROGRESS.value
    assert person_of(services, 1001).unreachable_at is not None


async def test_erased_sender_cannot_be_answered(bot: Harness, services: Services) -> None:
    _alice, carla, obs = await setup_people(bot, services)
    card = await open_card(carla, obs)
    with services.db.session() as session:
        session.exec(update(Observation).values(person_id=None))
        session.commit()
    await carla.press("Beantwoorden", message=card)
    assert "gegevens gewist" in carla.last.plain_text
    assert observation(services, obs.id or 0).answer_text is None
    await carla.press("Terug", message=card)
    await carla.press(f"{obs.reference} openen")
    assert "onbekend (gegevens gewist)" in carla.last.plain_text
    assert "Beantwoorden" not in carla.last.button_texts


async def test_erased_between_preview_and_send(bot: Harness, services: Services) -> None:
    _alice, carla, obs = await setup_people(bot, services)
    await open_card(carla, obs)
    await carla.press("Beantwoorden")
    await carla.send("Dank je")
    with services.db.session() as session:
        session.exec(update(Observation).values(person_id=None))
        session.commit()
    await carla.press("Versturen")
    # Why, and below it the typed text to copy.
    assert "gegevens gewist" in carla.messages[-2].plain_text
    assert carla.last.plain_text == "Dank je"
    assert observation(services, obs.id or 0).answer_text is None


async def test_stale_flow_button_and_too_long_answer(bot: Harness, services: Services) -> None:
    alice, carla, obs = await setup_people(bot, services)
    await open_card(carla, obs)
    await carla.press("Beantwoorden")
    await carla.send_photo()
    assert "Een foto kan ik hier niet gebruiken" in carla.last.plain_text
    limit = services.config.general.text_limit
    await carla.send("x" * (limit + 1))
    assert f"maximaal {limit} letters en tekens" in carla.last.plain_text
    await carla.send("Eerste versie")
    preview = carla.last
    await carla.send("/cancel")
    await carla.press("Versturen", message=preview)
    assert carla.alerts[-1] == "Deze knop werkt niet meer."
    assert observation(services, obs.id or 0).answer_text is None
    # A forged flow step without a flow is stale too.
    await carla.press_data(f"co:{obs.id}:snd:999")
    assert carla.alerts[-1] == "Deze knop werkt niet meer."
    assert "Antwoord van je wijkcoach" not in alice.last.plain_text


async def test_database_failure_keeps_the_draft(
    bot: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, carla, obs = await setup_people(bot, services)
    await open_card(carla, obs)
    await carla.press("Beantwoorden")
    await carla.send("Bewaar mij")
    real = coach_service.answer

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("UPDATE", {}, Exception("database is locked"))

    monkeypatch.setattr(coach_service, "answer", broken)
    await carla.press("Versturen")
    assert "Ik kon het nu niet bewaren" in carla.last.plain_text
    assert "Antwoord van je wijkcoach" not in alice.last.plain_text
    monkeypatch.setattr(coach_service, "answer", real)
    await carla.press("Versturen")
    assert "bij de schrijver aangekomen" in carla.last.plain_text
    assert observation(services, obs.id or 0).answer_text == "Bewaar mij"


async def test_reply_falls_back_to_all_coaches(bot: Harness, services: Services) -> None:
    alice, carla, obs = await setup_people(bot, services)
    dora = await join_as(bot, services, 2002, "Dora", Role.COACH, "elsrijk")
    await open_card(carla, obs)
    await carla.press("Beantwoorden")
    await carla.send("Dank je")
    await carla.press("Versturen")
    answer = alice.last
    # Carla stops being a coach here: the reply goes to the wijk's other coaches.
    carla_id = person_of(services, 2001).id
    with services.db.session() as session:
        for m in session.exec(select(Membership).where(Membership.person_id == carla_id)).all():
            if m.role == Role.COACH.value:
                session.delete(m)
        session.commit()
    carla_count = len(carla.messages)
    await alice.press("Terugschrijven", message=answer)
    await alice.send("Nog een vraag")
    await alice.press("Versturen")
    assert "Bericht terug op je antwoord" in dora.last.plain_text
    assert len(carla.messages) == carla_count


async def test_deep_link_from_digest_and_media(bot: Harness, services: Services) -> None:
    _alice, carla, _obs = await setup_people(bot, services)
    photo = bot.fake.new_file(b"\x89PNG fake", "photo.png", "image/png")
    alice_person = person_of(services, 1001)
    with services.db.session() as session:
        obs = Observation(
            wijk_id=alice_person.current_wijk_id or 0,
            person_id=alice_person.id,
            author_role="big",
            swot="opportunity",
            text="Moestuin op het pleintje",
            photo_file_id=photo.file_id,
            latitude=52.3,
            longitude=4.86,
        )
        session.add(obs)
        session.commit()
        session.refresh(obs)
    # A digest message carries co:<id>:open; any message of the bot works the same way.
    await carla.press_data(f"co:{obs.id}:open")
    card = carla.last
    assert f"Melding {obs.reference}" in card.plain_text
    assert "(lid van de BIG)" in card.plain_text
    assert "Welke kansen of ideeën zie je?" in card.plain_text
    await carla.press("Foto bekijken", message=card)
    assert carla.last.kind == "photo"
    assert obs.reference in carla.last.plain_text
    await carla.press("Plek bekijken", message=card)
    assert carla.last.location == (52.3, 4.86)
    # Unknown ids and malformed data get a clear answer.
    await carla.press_data("co:99999:open")
    assert "is er niet meer" in carla.last.plain_text
    await carla.press_data(f"co:{obs.id}:zz")
    assert carla.alerts[-1] == "Deze knop werkt niet meer."


async def test_coach_of_two_wijken_chooses_and_pages(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk", "groenelaan")
    alice_person = person_of(services, 1001)
    with services.db.session() as session:
        for i in range(7):
            session.add(
                Observation(
                    wijk_id=alice_person.current_wijk_id or 0,
                    person_id=alice_person.id,
                    author_role="resident",
                    swot="weakness",
                    text=f"Melding nummer {i}",
                )
            )
        session.commit()
    await carla.send("/menu")
    await carla.press("Meldingen uit de wijk")
    assert "Van welke wijk" in carla.last.plain_text
    await carla.press("Elsrijk (7 nog open)")
    first = carla.last
    assert "Pagina 1 van 2" in first.plain_text
    assert "Melding nummer 6" in first.plain_text  # newest first
    await carla.press("Volgende")
    assert "Pagina 2 van 2" in carla.last.plain_text
    assert "Melding nummer 0" in carla.last.plain_text
    await carla.press("Andere wijk")
    await carla.press("Groenelaan (0 nog open)")
    assert "Hier zijn geen meldingen" in carla.last.plain_text
    assert alice.messages  # the resident was not bothered by any of this


async def test_english_coach_and_sender(bot: Harness, services: Services) -> None:
    bob = await onboard(bot, 1002, "Bob", language_code="en")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await carla.send("/taal")
    await carla.press("English")
    person = person_of(services, 1002)
    with services.db.session() as session:
        obs = Observation(
            wijk_id=person.current_wijk_id or 0,
            person_id=person.id,
            author_role="partner",
            swot="strength",
            theme="wonen",
            text="Nice new houses",
            lang="en",
        )
        session.add(obs)
        session.commit()
        session.refresh(obs)
    await carla.send("/meldingen")
    assert "Reports from Elsrijk" in carla.last.plain_text
    await carla.press(f"Open {obs.reference}")
    card = carla.last.plain_text
    assert "What is going well?" in card and "Housing" in card and "(partner)" in card
    await carla.press("Answer")
    await carla.send("Thanks!")
    await carla.press("Send")
    assert "reached the sender" in carla.last.plain_text
    assert "Answer from your district coach" in bob.last.plain_text
    assert "Reply" in bob.last.button_texts


def test_a_coach_draft_from_before_the_typed_draft_loads() -> None:
    """A flow outlives a deploy: the keys the three message flows used before load."""
    from bot.observations.coach import Filter
    from bot.telegram.callbacks import ListBack
    from handlers.coach.drafts import MessageDraft

    draft = MessageDraft.from_json({"obs": 12, "draft": "Dank je!", "f": "a", "p": 2})
    assert draft == MessageDraft(12, "Dank je!", "a", 2)
    assert draft.back == ListBack(Filter.ALL, 2)
    assert MessageDraft.from_json(draft.to_json()) == draft


async def test_a_new_text_at_the_preview_replaces_the_draft_in_each_message_flow(
    bot: Harness, services: Services
) -> None:
    """A person who spots a typo at "Wil je het versturen?" types the text again: the new text
    is the draft and the preview shows it (answer, reply and typed hide reason alike)."""
    alice, carla, obs = await setup_people(bot, services)
    await open_card(carla, obs)
    await carla.press("Beantwoorden")
    (typo,) = await carla.send("We mkaen het volgende week")
    await carla.send("We maken het volgende week")
    assert "Zo krijgt de schrijver je antwoord" in carla.last.plain_text
    assert "We maken het volgende week" in carla.last.plain_text
    assert "kan ik hier niet gebruiken" not in carla.last.plain_text
    # The first preview, still on screen, no longer sends: it shows the other text.
    await carla.press("Versturen", message=typo)
    assert "Deze knop hoort bij een oud bericht" in carla.last.plain_text
    assert observation(services, obs.id or 0).answer_text is None
    # A text that cannot be used at the preview says why and keeps the draft.
    limit = services.config.general.text_limit
    await carla.send("x" * (limit + 1))
    assert f"maximaal {limit} letters en tekens" in carla.last.plain_text
    assert "We maken het volgende week" in carla.last.plain_text
    assert "Versturen" in carla.last.button_texts
    await carla.press("Versturen")
    assert "bij de schrijver aangekomen" in carla.last.plain_text
    assert observation(services, obs.id or 0).answer_text == "We maken het volgende week"
    assert "We maken het volgende week" in alice.last.plain_text

    # The sender's reply.
    await alice.press("Terugschrijven", message=alice.last)
    await alice.send("Dank je wle")
    await alice.send("Dank je wel")
    assert "Zo krijgt de wijkcoach je bericht" in alice.last.plain_text
    assert "Dank je wel" in alice.last.plain_text
    await alice.press("Versturen")
    assert observation(services, obs.id or 0).reply_text == "Dank je wel"

    # The typed reason to hide.
    other = await file(alice, services, "De buurman van nummer 3 is vervelend")
    await open_card(carla, other)
    await carla.press("Verbergen")
    await carla.press("Iets anders")
    await carla.send("Gaat over een buurmna")
    await carla.send("Gaat over een buurman")
    assert "Melding verbergen met deze reden?" in carla.last.plain_text
    assert "Gaat over een buurman" in carla.last.plain_text
    await carla.press("Verbergen")
    assert observation(services, other.id or 0).hidden_reason == "Gaat over een buurman"


async def test_an_answer_closed_meanwhile_says_what_happened_and_keeps_the_typed_text(
    bot: Harness, services: Services
) -> None:
    """A colleague resolves an observation, or marks it a duplicate, on the desk while the coach
    has its card open or an answer typed: the refusal names what happened (not "already
    answered"), and the typed answer comes back to copy."""
    alice, carla, first = await setup_people(bot, services)
    second = await file(alice, services, "Het zebrapad bij de school is weg")
    card = await open_card(carla, first)
    with services.db.session() as session:
        workflow.change_status(
            session, load_actor(session, 2001), first.id or 0, "resolved", now=services.clock.now()
        )
    await carla.press("Beantwoorden", message=card)
    assert "Deze melding is al opgelost" in carla.last.plain_text
    assert "al beantwoord" not in carla.last.plain_text

    await open_card(carla, second)
    await carla.press("Beantwoorden")
    await carla.send("We kijken ernaar, volgende week komt de gemeente")
    preview = carla.last
    with services.db.session() as session:
        workflow.change_status(
            session,
            load_actor(session, 2001),
            second.id or 0,
            "duplicate",
            now=services.clock.now(),
            duplicate_of_id=first.id,
        )
    await carla.press("Versturen", message=preview)
    said = f"gaat over hetzelfde als melding {first.reference}"
    assert said in carla.alerts[-1]
    assert said in carla.messages[-2].plain_text and "kopiëren" in carla.messages[-2].plain_text
    assert carla.last.plain_text == "We kijken ernaar, volgende week komt de gemeente"
    stored = observation(services, second.id or 0)
    assert stored.status == ObservationStatus.DUPLICATE.value and stored.answer_text is None
    assert "We kijken ernaar" not in alice.last.plain_text


async def test_a_typed_hide_reason_refused_at_the_end_comes_back_to_copy(
    bot: Harness, services: Services
) -> None:
    # The sender withdrew it while the coach typed why to hide it: why, and the reason back.
    _alice, carla, obs = await setup_people(bot, services)
    await open_card(carla, obs)
    await carla.press("Verbergen")
    await carla.press("Iets anders")
    await carla.send("Dit gaat over een buurman met naam")
    preview = carla.last
    with services.db.session() as session:
        session.exec(
            update(Observation)
            .where(col(Observation.id) == obs.id)
            .values(status=ObservationStatus.WITHDRAWN.value)
        )
        session.commit()
    await carla.press("Verbergen", message=preview)
    assert "kopiëren" in carla.messages[-2].plain_text
    assert carla.last.plain_text == "Dit gaat over een buurman met naam"
    assert observation(services, obs.id or 0).hidden_reason is None


# --- two coaches of one wijk ---------------------------------------------------------------------


async def typed_answer(coach: FakePerson, obs: Observation, text: str) -> BotMessage:
    """The coach's preview of `text` as the answer to `obs`."""
    await open_card(coach, obs)
    await coach.press("Beantwoorden")
    (preview,) = await coach.send(text)
    return preview


def send_data(coach: FakePerson, preview: BotMessage) -> str:
    """The preview's Versturen: its callback data carries the run's number."""
    return coach.find_button("Versturen", message=preview)[1]


async def test_a_colleague_who_answered_first_is_said_and_the_text_comes_back(
    bot: Harness, services: Services
) -> None:
    """Carla and Daan both type an answer; Carla sends first. Daan is told that it was answered
    (not that his answer was stored before and the observation reopened since: neither
    happened), and his text comes back to copy. Their runs have the same number: a run's key
    is unique per person only."""
    alice, carla, obs = await setup_people(bot, services)
    daan = await join_as(bot, services, 2002, "Daan", Role.COACH, "elsrijk")
    carla_preview = await typed_answer(carla, obs, "We gaan ernaar kijken")
    daan_preview = await typed_answer(daan, obs, "De gemeente is gebeld")
    assert send_data(carla, carla_preview) == send_data(daan, daan_preview)
    await carla.press("Versturen")
    assert "bij de schrijver aangekomen" in carla.last.plain_text

    await daan.press("Versturen")
    said = daan.messages[-2].plain_text
    assert "Deze melding is al beantwoord." in said and "kopiëren" in said
    assert "was al bewaard" not in said and "weer open" not in said
    assert daan.last.plain_text == "De gemeente is gebeld"
    assert [m for m in alice.messages if "Antwoord van je wijkcoach" in m.plain_text] == [
        alice.messages[-1]
    ]
    assert "We gaan ernaar kijken" in alice.last.plain_text
    stored = observation(services, obs.id or 0)
    assert stored.answer_text == "We gaan ernaar kijken"
    assert stored.answered_by_id == person_of(services, 2001).id


async def test_a_colleague_answers_after_a_reopen_with_a_run_of_the_same_number(
    bot: Harness, services: Services
) -> None:
    """Carla's answer moved into the history by a reopen keeps her run's key; Daan's run of the
    same number answers anew (it is not Carla's run delivered again)."""
    alice, carla, obs = await setup_people(bot, services)
    daan = await join_as(bot, services, 2002, "Daan", Role.COACH, "elsrijk")
    carla_preview = await typed_answer(carla, obs, "We gaan ernaar kijken")
    await carla.press("Versturen")
    with services.db.session() as session:
        workflow.change_status(
            session, load_actor(session, 2001), obs.id or 0, "new", now=services.clock.now()
        )
    daan_preview = await typed_answer(daan, obs, "De lamp is morgen gemaakt")
    assert send_data(carla, carla_preview) == send_data(daan, daan_preview)

    await daan.press("Versturen")
    assert "bij de schrijver aangekomen" in daan.last.plain_text
    assert "De lamp is morgen gemaakt" in alice.last.plain_text
    stored = observation(services, obs.id or 0)
    assert stored.answer_text == "De lamp is morgen gemaakt"
    assert stored.answered_by_id == person_of(services, 2002).id
    with services.db.session() as session:
        answers = [
            (e.actor_id, e.detail)
            for e in workflow.history(session, obs.id or 0)
            if e.kind == "answer"
        ]
    assert answers == [
        (person_of(services, 2001).id, "We gaan ernaar kijken"),
        (person_of(services, 2002).id, None),
    ]
    # Carla's Versturen delivered again still stores nothing and says why.
    await carla.press("Versturen", message=carla_preview)
    assert "was al bewaard" in carla.last.plain_text
    assert observation(services, obs.id or 0).answer_text == "De lamp is morgen gemaakt"


# --- a coach's own observation -------------------------------------------------------------------


async def test_a_coachs_own_observation_says_so_and_another_coach_answers_it(
    bot: Harness, services: Services
) -> None:
    """A coach who lives in the wijk sees their own observation as theirs ("Van: jou"), not under
    their pseudonym; they neither answer it (their "Antwoord van je wijkcoach" to themselves)
    nor hide it or mark it read: another coach of the wijk closes the loop, and the answer reads
    as from another coach, as for a coach who said "ik ook"."""
    carla = await onboard(bot, 2001, "Carla")
    obs = await file(carla, services, "Er is te weinig groen in de straat bij mij")
    await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk", "stadshart")
    daan = await join_as(bot, services, 2002, "Daan", Role.COACH, "elsrijk")
    pseudonym = person_of(services, 2001).pseudonym

    await carla.send("/meldingen")
    (listing,) = await carla.press("Elsrijk")
    assert "Van jou · Nieuw" in listing.plain_text and pseudonym not in listing.plain_text
    (card,) = await carla.press(f"{obs.reference} openen")
    assert "Van: jou (bewoner)" in card.plain_text and pseudonym not in card.plain_text
    assert "Dit is jouw eigen melding. Een andere wijkcoach pakt hem op." in card.plain_text
    assert card.button_texts == ["Terug", "Naar het menu"]
    before = observation(services, obs.id or 0)
    for data in (f"co:{obs.id}:an", f"co:{obs.id}:rd", f"co:{obs.id}:hd", f"co:{obs.id}:hr:spam"):
        await carla.press_data(data, message=card)
        assert "Dit is jouw eigen melding" in carla.alerts[-1], data
    assert observation(services, obs.id or 0) == before
    # Nor from the desk (the same service).
    with services.db.session() as session, pytest.raises(coach_service.Refused) as refused:
        answer_templates.answer_with_text(
            session, load_actor(session, 2001), obs.id or 0, "Klopt", services.clock.now(), "k"
        )
    assert refused.value.message_key == "coach.own_observation"

    # Daan sees the pseudonym, answers, and the answer reaches Carla as another coach's.
    card = await open_card(daan, obs)
    assert (
        f"Van: {pseudonym} (bewoner)" in card.plain_text and "eigen melding" not in card.plain_text
    )
    await daan.press("Beantwoorden")
    await daan.send("We zetten er in het voorjaar bomen neer")
    await daan.press("Versturen")
    assert carla.last.plain_text.startswith("Antwoord van een andere wijkcoach op je melding")
    assert "bomen neer" in carla.last.plain_text and carla.last.button_texts[0] == "Terugschrijven"
    assert observation(services, obs.id or 0).answered_by_id == person_of(services, 2002).id


# --- long texts as Telegram may count them ------------------------------------------------------


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def test_texts_of_emoji_stay_within_a_message_as_telegram_may_count_it(
    bot: Harness, services: Services
) -> None:
    """Telegram allows 4,096 characters per message; some say it counts UTF-16 code units, where
    an emoji is two. A text of nearly 2,000 emoji (8,000 bytes, 4,000 units) fits the bot's own
    limit; the card, its whole text, the answer and the reply built from it each stay within 4,096
    units (the fake counts code points, as the one measurement did, so we check it here), and
    nothing is lost: the whole text comes in pieces, never an emoji cut in half."""
    alice = await onboard(bot, 1001, "Alice")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    limit = services.config.general.text_limit
    text = "Stoep kapot " + "\N{GRINNING FACE}" * (limit - 12)
    assert len(text) == limit and utf16_units(text) > 3900
    obs = await file(alice, services, text)
    assert observation(services, obs.id or 0).text == text

    card = await open_card(carla, obs)
    assert "Stoep kapot" in card.plain_text and "Ingekort" in card.plain_text
    whole = await carla.press("Hele tekst")
    assert "".join(m.plain_text for m in whole if m.kind == "text") == text
    await carla.press("Melding openen", message=whole[-1])
    await carla.press("Beantwoorden")
    await carla.send("Wij kijken ernaar " + "\N{THUMBS UP SIGN}" * (limit - 18))
    await carla.press("Versturen")
    assert "Antwoord van je wijkcoach" in alice.last.plain_text
    await alice.press("Terugschrijven")
    await alice.send("Dank je " + "\N{SMILING FACE WITH SMILING EYES}" * (limit - 8))
    await alice.press("Versturen")
    assert "Bericht terug" in carla.last.plain_text

    for person in (alice, carla):
        for message in person.messages:
            assert utf16_units(message.plain_text) <= 4096, (person, message.plain_text[:80])
            assert "\ufffd" not in message.plain_text  # no emoji cut in half
