""" "Ik ook" when filing: the service on both databases, and the flow through the real
Application (a resident says theirs is about an open observation; the author's updates reach
them too)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.context import Services
from bot.core.i18n import t
from bot.fake_telegram import FakeTelegram, Harness
from bot.fake_telegram.state import strip_html
from bot.fake_telegram.users import Person as FakePerson
from bot.observations import filing, same_matter
from bot.people import persons
from models import Observation, Person, Role, Supporter, Swot
from tests.conftest import make_app
from tests.helpers import join_as, onboard
from tests.observations.test_observations import to_summary
from tests.telegram.test_exactly_once import delivered_again, kill_after, killed_on, restarted

TILES_A = "Losliggende stoeptegels voor de bakker, mijn buurvrouw is gevallen"
TILES_B = "De tegels van het trottoir liggen los, ik struikelde er bijna over"
QUESTION = strip_html(t("nl", "observations.same_question", text="", reference="")).split("‘")[0]


def person_of(services: Services, telegram_id: int) -> Person:
    with services.db.session() as session:
        person = persons.get_person(session, telegram_id)
        assert person is not None
        return person


def stored(services: Services, person: Person, text: str, **kw: object) -> Observation:
    """An observation of `person` in their wijk, stored by the service (`now`: the clock's)."""
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
        "now": services.clock.now(),
    }
    values.update(kw)
    with services.db.session() as session:
        return filing.create_observation(session, **values)  # type: ignore[arg-type]


def all_rows(services: Services) -> tuple[list[Observation], list[Supporter]]:
    with services.db.session() as session:
        return (
            list(session.exec(select(Observation)).all()),
            list(session.exec(select(Supporter)).all()),
        )


def lookup(services: Services, person: Person, text: str = TILES_B, swot: str = "weakness") -> int:
    assert person.current_wijk_id is not None
    with services.db.session() as session:
        match = same_matter.closest_open(
            session,
            wijk_id=person.current_wijk_id,
            text=text,
            swot=swot,
            now=services.clock.now(),
            exclude_person_id=person.id,
        )
    return match.id if match is not None else 0


# --- the service, on SQLite and PostgreSQL ------------------------------------------------------


async def test_closest_open_only_with_confidence(bot: Harness, services: Services) -> None:
    await onboard(bot, 1001, "Alice")
    await onboard(bot, 1002, "Bob")
    await onboard(bot, 1003, "Olga", wijk="Groenelaan")
    alice, bob, olga = (person_of(services, i) for i in (1001, 1002, 1003))
    first = stored(services, alice, TILES_A)
    assert first.grouping_concept is not None
    assert lookup(services, bob) == first.id
    # Not for the author herself, not in another wijk, not about something else or with the
    # other polarity, not for a text about no known concept.
    assert lookup(services, alice) == 0
    assert lookup(services, olga) == 0
    assert lookup(services, bob, "Er wordt te hard gereden in onze straat") == 0
    assert lookup(services, bob, "Mooie nieuwe stoeptegels gelegd", "strength") == 0
    assert lookup(services, bob, "Ik vind het hier niet fijn") == 0
    # The closest: the one sharing most words, not merely the newest.
    newer = stored(services, alice, "Stoeptegels liggen scheef bij de school")
    assert lookup(services, bob, "Stoeptegels scheef bij de school") == newer.id
    # Hidden, withdrawn and older than eight weeks are not suggested.
    with services.db.session() as session:
        for obs_id in (first.id, newer.id):
            obs = session.get(Observation, obs_id)
            assert obs is not None
            obs.status = "hidden" if obs_id == first.id else "withdrawn"
            session.add(obs)
        session.commit()
    assert lookup(services, bob) == 0
    stored(services, alice, TILES_A, now=services.clock.now() - timedelta(weeks=8, hours=1))
    assert lookup(services, bob) == 0
    recent = stored(services, alice, TILES_A, now=services.clock.now() - timedelta(weeks=7))
    assert lookup(services, bob) == recent.id


async def test_support_is_stored_once(bot: Harness, services: Services) -> None:
    await onboard(bot, 1001, "Alice")
    await onboard(bot, 1002, "Bob")
    alice, bob = person_of(services, 1001), person_of(services, 1002)
    first = stored(services, alice, TILES_A)
    assert first.id is not None
    now = services.clock.now()
    with services.db.session() as session:
        one = same_matter.support(
            session,
            observation_id=first.id,
            person=bob,
            text="Ik \u202eook",
            lang="nl",
            now=now,
            request_key="observation:7",
        )
        again = same_matter.support(
            session,
            observation_id=first.id,
            person=bob,
            text="x",
            lang="nl",
            now=now,
            request_key="observation:7",
        )
        other_run = same_matter.support(
            session,
            observation_id=first.id,
            person=bob,
            text="y",
            lang="nl",
            now=now,
            request_key="observation:8",
        )
        own = same_matter.support(
            session, observation_id=first.id, person=alice, text="z", lang="nl", now=now
        )
    assert one is not None and again is not None and other_run is not None
    assert one.id == again.id == other_run.id and own is None
    (supporter,) = all_rows(services)[1]
    assert supporter.text == "Ik ook" and supporter.person_id == bob.id
    assert supporter.created_at.tzinfo is not None
    # Someone who supports it already is not asked again.
    assert lookup(services, bob) == 0


# --- the flow, through the real Application ------------------------------------------------------


async def asked(person: object, text: str = TILES_B) -> None:
    await to_summary(person, text)  # type: ignore[arg-type]
    await person.press("Versturen")  # type: ignore[attr-defined]


async def test_a_supporter_took_part_in_the_digest_and_is_asked_about_themself(
    bot: Harness, services: Services
) -> None:
    # "Ik ook" with one's own words is taking part, as the blind spots count it.
    alice = await onboard(bot, 1001, "Alice")
    bob = await onboard(bot, 1002, "Bob")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await asked(alice, TILES_A)
    await asked(bob)
    await bob.press("Ja, dat bedoel ik ook")
    _, (supporter,) = all_rows(services)
    assert supporter.person_id == person_of(services, 1002).id
    (menu,) = await bob.send("/menu")
    assert "Wil je iets over jezelf vertellen?" in menu.plain_text
    await carla.send("/digest")
    digest = next(m for m in carla.messages if "Mensen die meededen" in m.plain_text)
    assert "Mensen die meededen: 2" in digest.plain_text, digest.plain_text


async def test_ja_makes_a_supporter_who_gets_the_coachs_answer(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    bob = await onboard(bot, 1002, "Bob")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await asked(alice, TILES_A)
    assert "Je melding is bewaard" in alice.last.plain_text
    (first,), _ = all_rows(services)

    await asked(bob, f"{TILES_B} <b>&")
    question = bob.last
    assert QUESTION in question.plain_text
    assert f"({first.reference})" in question.plain_text and "bakker" in question.plain_text
    assert question.button_texts[:2] == ["Ja, dat bedoel ik ook", "Nee, het is iets anders"]
    await bob.press("Ja, dat bedoel ik ook")
    assert f"Je melding hoort bij {first.reference}" in bob.last.plain_text
    observations, (supporter,) = all_rows(services)
    assert len(observations) == 1
    assert supporter.observation_id == first.id and supporter.text.endswith("<b>&")
    assert supporter.person_id == person_of(services, 1002).id

    # The coach sees the count and Bob's words (by pseudonym), and answers Alice's observation.
    await carla.send("/meldingen")
    assert "Ook gemeld door 1 persoon" in carla.last.plain_text
    await carla.press(f"{first.reference} openen")
    card = carla.last.plain_text
    assert person_of(services, 1002).pseudonym in card and "trottoir" in card
    assert "Bob" not in card
    await carla.press("Beantwoorden")
    await carla.send("We maken de stoep deze week")
    await carla.press("Versturen")
    assert "Antwoord van je wijkcoach" in alice.last.plain_text
    assert "We maken de stoep deze week" in bob.last.plain_text
    assert f"melding {first.reference}. Jij meldde dit ook" in bob.last.plain_text
    assert "Terugschrijven" not in bob.last.button_texts
    (supporter,) = all_rows(services)[1]
    assert supporter.answer_sent_at is not None


async def test_a_supporter_who_coaches_the_wijk_gets_a_colleagues_answer(
    bot: Harness, services: Services
) -> None:
    """A coach who lives in the wijk and said "ik ook" gets a colleague's answer as one from
    another coach, not from "je wijkcoach"; a coach of another wijk who lives here gets it as
    any resident; the coach who answered, who said "ik ook" too, does not get their own."""
    alice = await onboard(bot, 1001, "Alice")
    dirk = await onboard(bot, 2002, "Dirk")
    await join_as(bot, services, 2002, "Dirk", Role.COACH, "elsrijk")
    erik = await onboard(bot, 2003, "Erik")
    await join_as(bot, services, 2003, "Erik", Role.COACH, "stadshart")
    carla = await onboard(bot, 2001, "Carla")
    await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await asked(alice, TILES_A)
    for supporter in (dirk, erik, carla):
        await supporter.send("/melding")
        if supporter is erik:  # a role in two wijken: which one is it about?
            await erik.press("Elsrijk")
        await supporter.send(TILES_B)
        for label in ("Wat kan beter?", "Verkeer", "Overslaan", "Nee, alleen", "Versturen"):
            await supporter.press(label)
        await supporter.press("Ja, dat bedoel ik ook")
    assert len(all_rows(services)[1]) == 3
    before = len(carla.messages)

    await carla.send("/meldingen")
    (first,), _ = all_rows(services)
    await carla.press(f"{first.reference} openen")
    await carla.press("Beantwoorden")
    await carla.send("We maken de stoep deze week")
    await carla.press("Versturen")
    assert "Antwoord van je wijkcoach" in alice.last.plain_text
    assert dirk.last.plain_text.startswith("Antwoord van een andere wijkcoach op melding")
    assert "We maken de stoep deze week" in dirk.last.plain_text
    assert erik.last.plain_text.startswith("Antwoord van je wijkcoach op melding")
    assert not [m for m in carla.messages[before:] if "Antwoord van" in m.plain_text]


async def test_nee_files_a_new_observation(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    bob = await onboard(bot, 1002, "Bob")
    await asked(alice, TILES_A)
    await asked(bob)
    assert QUESTION in bob.last.plain_text
    await bob.press("Nee, het is iets anders")
    assert "Je melding is bewaard" in bob.last.plain_text
    observations, supporters = all_rows(services)
    assert len(observations) == 2 and supporters == []


def hide_all(services: Services) -> None:
    with services.db.session() as session:
        for obs in session.exec(select(Observation)).all():
            obs.status = "hidden"
            session.add(obs)
        session.commit()


async def test_nothing_asked_for_own_other_wijk_hidden_or_old(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    olga = await onboard(bot, 1003, "Olga", wijk="Groenelaan")
    await asked(alice, TILES_A)
    await asked(alice, TILES_B)  # her own: not asked
    assert "Je melding is bewaard" in alice.last.plain_text
    await asked(olga)  # another wijk
    assert "Je melding is bewaard" in olga.last.plain_text
    hide_all(services)
    bob = await onboard(bot, 1002, "Bob")
    await asked(bob)
    assert "Je melding is bewaard" in bob.last.plain_text
    hide_all(services)
    alice_person = person_of(services, 1001)
    stored(services, alice_person, TILES_A, now=services.clock.now() - timedelta(weeks=9))
    dirk = await onboard(bot, 1004, "Dirk")
    await asked(dirk, "Losse stoeptegels bij de bakker")
    assert "Je melding is bewaard" in dirk.last.plain_text
    assert all_rows(services)[1] == []


async def test_ja_pressed_again_and_delivered_again_stores_one_supporter(
    services: Services, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await restarted(services, fake)
    alice = await onboard(first, 1001, "Alice")
    bob = await onboard(first, 1002, "Bob")
    await asked(alice, TILES_A)
    await asked(bob)
    question = bob.last
    monkeypatch.setattr(same_matter, "_commit", kill_after(same_matter._commit))
    press = await killed_on(first, bob.press("Ja, dat bedoel ik ook"))
    monkeypatch.undo()
    assert len(all_rows(services)[1]) == 1

    seen = await delivered_again(services, fake, press, (1002,))
    assert any("Je melding hoort bij" in m.plain_text for m in seen)
    async with Harness(make_app(services, fake), fake) as again:
        bob = again.user(1002, "Bob")
        await bob.press("Ja, dat bedoel ik ook", message=question)
        assert bob.alerts == [] and "Je melding hoort bij" in bob.last.plain_text
    observations, supporters = all_rows(services)
    assert len(observations) == 1 and len(supporters) == 1


async def test_ja_on_a_database_failure_keeps_the_draft(
    bot: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    alice = await onboard(bot, 1001, "Alice")
    bob = await onboard(bot, 1002, "Bob")
    await asked(alice, TILES_A)
    await asked(bob)

    def failing(session: object) -> None:
        raise OperationalError("commit", {}, Exception("database away"))

    monkeypatch.setattr(same_matter, "_commit", failing)
    await bob.press("Ja, dat bedoel ik ook")
    assert t("nl", "errors.db_failed") in bob.last.plain_text
    assert QUESTION in bob.last.plain_text
    monkeypatch.undo()
    await bob.press("Ja, dat bedoel ik ook")
    assert "Je melding hoort bij" in bob.last.plain_text
    assert len(all_rows(services)[1]) == 1


async def test_hidden_note_reaches_supporters_in_their_language(
    bot: Harness, services: Services
) -> None:
    alice = await onboard(bot, 1001, "Alice")
    erin = await onboard(bot, 1005, "Erin", language_code="en")
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await asked(alice, TILES_A)
    (first,), _ = all_rows(services)
    await erin.send("/melding")
    await erin.send("The paving stones on the pavement are loose, I almost tripped")
    await erin.press(t("en", "observations.swot_weakness"))
    await erin.press(erin.last.button_texts[0])
    await erin.press(t("en", "observations.skip"))
    await erin.press(erin.last.button_texts[1])
    await erin.press(t("en", "observations.confirm"))
    assert "reported already" in erin.last.plain_text
    await erin.press("Yes, that is what I mean")
    await carla.send("/meldingen")
    await carla.press(f"{first.reference} openen")
    await carla.press("Verbergen")
    await carla.press(t("nl", "coach.hide_reason.spam"))
    assert "verborgen" in alice.last.plain_text
    assert f"hidden report {first.reference}" in erin.last.plain_text
    assert t("en", "coach.hide_reason.spam") in erin.last.plain_text
    # Each may object under their own note.
    assert t("nl", "status_notice.btn_wrong") in alice.last.button_texts
    assert t("en", "status_notice.btn_wrong") in erin.last.button_texts
    # "Mijn meldingen" shows the reason each was told, in their own language.
    await alice.send("/mijnmeldingen")
    assert f"Reden van de wijkcoach: {t('nl', 'coach.hide_reason.spam')}" in alice.last.plain_text
    await erin.send("/mijnmeldingen")
    assert f"The district coach's reason: {t('en', 'coach.hide_reason.spam')}" in (
        erin.last.plain_text
    )


async def test_digest_shows_how_many_people_reported_it(bot: Harness, services: Services) -> None:
    from bot.digest import builder, render
    from bot.digest.periods import parse_period_key

    alice = await onboard(bot, 1001, "Alice")
    bob = await onboard(bot, 1002, "Bob")
    dirk = await onboard(bot, 1004, "Dirk")
    await asked(alice, TILES_A)
    for person in (bob, dirk):
        await asked(person)
        await person.press("Ja, dat bedoel ik ook")
    (first,), supporters = all_rows(services)
    assert len(supporters) == 2
    config, now = services.config, services.clock.now()
    week = now.astimezone(config.general.tz).isocalendar()
    period = parse_period_key(f"{week.year}-W{week.week:02d}", config.general.tz)
    with services.db.session() as session:
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None
        data = builder.build(session, config, wijk, period, now)
    (ref,) = [r for s in data.sections for r in s.singletons]
    assert ref.id == first.id and ref.supporters == 2
    text = render.render_text(data, "nl", config)
    assert f"{first.reference} " in text and "3 mensen" in text


# --- "Mijn meldingen" for a supporter, stopping, and the author withdrawing ----------------------


async def supported_by_bob(
    bot: Harness, services: Services
) -> tuple[FakePerson, FakePerson, Observation]:
    alice = await onboard(bot, 1001, "Alice")
    bob = await onboard(bot, 1002, "Bob")
    await asked(alice, TILES_A)
    await asked(bob)
    await bob.press("Ja, dat bedoel ik ook")
    (first,), _ = all_rows(services)
    return alice, bob, first


async def test_mine_shows_what_a_supporter_supports_without_the_author(
    bot: Harness, services: Services
) -> None:
    alice, bob, first = await supported_by_bob(bot, services)
    carla = await join_as(bot, services, 2001, "Carla", Role.COACH, "elsrijk")
    await carla.send("/meldingen")
    await carla.press(f"{first.reference} openen")
    await carla.press("Beantwoorden")
    await carla.send("We maken de stoep deze week")
    await carla.press("Versturen")
    # Bob has filed nothing of his own, and sees Alice's observation as his too.
    await bob.send("/mijnmeldingen")
    shown = bob.last
    text = shown.plain_text
    assert "Ook gemeld door jou" in text and first.reference in text
    assert "trottoir" in text and "bakker" not in text  # his own words, not Alice's
    assert "In behandeling" in text and "We maken de stoep deze week" in text
    alice_person = person_of(services, 1001)
    assert "Alice" not in text and alice_person.pseudonym not in text
    labels = shown.button_texts
    assert f"{first.reference}: ik steun dit niet meer" in labels
    assert not any("terugnemen" in label for label in labels)
    # Another person cannot use Bob's buttons: the database says Alice supports nothing.
    _, ask = bob.find_button(f"{first.reference}: ik steun dit niet meer", message=shown)
    await alice.send("/mijnmeldingen")
    for data in (ask, ask.replace(":u:", ":uy:")):
        await alice.press_data(data)
        assert "Je hoort niet bij deze melding" in alice.last.plain_text
    assert len(all_rows(services)[1]) == 1


async def test_paging_counts_supported_observations(bot: Harness, services: Services) -> None:
    _alice, bob, _first = await supported_by_bob(bot, services)
    bob_person = person_of(services, 1002)
    for n in range(5):
        stored(services, bob_person, f"Mijn eigen melding nummer {n} over de bankjes")
    await bob.send("/mijnmeldingen")
    assert "pagina 1 van 2" in bob.last.plain_text
    await bob.press("Volgende")
    text = bob.last.plain_text
    assert "pagina 2 van 2" in text and "Ook gemeld door jou" in text


async def test_a_supporter_stops_supporting(bot: Harness, services: Services) -> None:
    _alice, bob, first = await supported_by_bob(bot, services)
    await bob.send("/mijnmeldingen")
    await bob.press(f"{first.reference}: ik steun dit niet meer")
    assert "Wil je niet meer bij melding" in bob.last.plain_text
    confirm = bob.last
    await bob.press("Ja, ik steun dit niet meer")
    text = bob.last.plain_text
    assert f"Je hoort niet meer bij melding {first.reference}" in text
    # He did say "ik ook": his list is empty now, not "no meldingen yet".
    assert "Je lijst is nu leeg." in text and "nog geen meldingen" not in text
    assert all_rows(services)[1] == []
    # The same press again: refused, nothing else changes.
    await bob.press("Ja, ik steun dit niet meer", message=confirm)
    assert "Je hoort niet bij deze melding" in bob.last.plain_text
    assert "nog geen meldingen" not in bob.last.plain_text
    observations, _ = all_rows(services)
    assert len(observations) == 1 and observations[0].status == "new"


async def test_withdrawing_files_each_supporters_text_as_their_own(
    bot: Harness, services: Services
) -> None:
    alice, bob, first = await supported_by_bob(bot, services)
    erin = await onboard(bot, 1005, "Erin", language_code="en")
    assert first.id is not None
    with services.db.session() as session:
        erin_person = persons.get_person(session, 1005)
        assert erin_person is not None
        same_matter.support(
            session,
            observation_id=first.id,
            person=erin_person,
            text="Loose tiles, I almost fell",
            lang="en",
            now=services.clock.now(),
        )
    bob_before = len(bob.messages)
    erin_before = len(erin.messages)
    await alice.send("/mijnmeldingen")
    await alice.press(f"{first.reference} terugnemen")
    confirm = alice.last
    await alice.press("Ja, terugnemen")
    assert "is teruggenomen" in alice.last.plain_text
    observations, supporters = all_rows(services)
    assert supporters == []
    by_person = {o.person_id: o for o in observations if o.id != first.id}
    bob_obs = by_person[person_of(services, 1002).id]
    erin_obs = by_person[person_of(services, 1005).id]
    assert bob_obs.text.startswith("De tegels") and bob_obs.status == "new"
    assert bob_obs.wijk_id == first.wijk_id and bob_obs.swot == first.swot
    assert not bob_obs.share_name and erin_obs.text == "Loose tiles, I almost fell"
    bob_new = bob.messages[bob_before:]
    erin_new = erin.messages[erin_before:]
    assert len(bob_new) == 1 and len(erin_new) == 1
    assert f"Melding {first.reference} is teruggenomen" in bob_new[0].plain_text
    assert bob_obs.reference in bob_new[0].plain_text
    assert f"Report {first.reference} was withdrawn" in erin_new[0].plain_text
    assert erin_obs.reference in erin_new[0].plain_text
    # Pressed again: refused, nobody is told twice, nothing new is filed.
    await alice.press("Ja, terugnemen", message=confirm)
    assert len(bob.messages) == bob_before + 1
    assert len(all_rows(services)[0]) == 3
    # Bob finds it in "Mijn meldingen" as his own, with a withdraw button.
    await bob.send("/mijnmeldingen")
    assert f"{bob_obs.reference} terugnemen" in bob.last.button_texts
    assert "Ook gemeld door jou" not in bob.last.plain_text
