"""Reading the mirror and reacting to it, through the real Application and the fake Bot API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.context import Services
from bot.core.i18n import t
from bot.fake_telegram import Harness
from bot.fake_telegram.users import BotMessage
from bot.fake_telegram.users import Person as FakePerson
from bot.people import persons as people
from bot.spiegel import editing
from bot.spiegel import mirror as spiegel
from models import Edition, ItemKind, Reaction, Role, SpiegelItem, Verdict
from tests.helpers import join_as, onboard

MIRROR = """\
[edition]
title = "Spiegel voor de test"

[[strength]]
key = "groen"
theme = "buitenruimte"
text = "Er is veel groen."

[[strength]]
key = "buren"
text = "Buren helpen elkaar."

[[strength]]
key = "winkels"
text = "De winkels zijn dichtbij."

[[strength]]
key = "rust"
text = "Het is een rustige wijk."

[[weakness]]
key = "jongeren"
text = "Voor jongeren is er weinig te doen."

[[weakness]]
key = "stoep"
text = "De stoepen zijn ongelijk."

[[opportunity]]
key = "moestuin"
text = "Een moestuin op het grasveld."

[[recommendation]]
key = "vertel"
text = "Vertel wat er in het wijkcentrum te doen is."
"""

RECOGNISE = "Herken ik 👍"
NOT_RECOGNISE = "Herken ik niet 👎"
COMMENT = "Opmerking typen ✍️"


def this_year(services: Services) -> int:
    """The year of the project's clock where the wijken are: a new edition is at most the next
    one (bot.spiegel.editing), so a test that begins one loads this year's, on any date."""
    return services.clock.now().astimezone(services.tz).year


def load(services: Services, slug: str, source: str = MIRROR, year: int = 2026) -> int:
    themes = {t.slug for t in services.config.themes}
    with services.db.session() as session:
        wijk = people.wijk_by_slug(session, slug)
        assert wijk is not None
        return spiegel.import_edition(
            session, wijk, year, spiegel.parse_toml(source, themes)
        ).edition_id


def item_id(services: Services, key: str, edition_id: int | None = None) -> int:
    with services.db.session() as session:
        query = select(SpiegelItem).where(SpiegelItem.key == key)
        if edition_id is not None:
            query = query.where(SpiegelItem.edition_id == edition_id)
        item = session.exec(query).one()
        assert item.id is not None
        return item.id


def reactions(services: Services) -> list[Reaction]:
    with services.db.session() as session:
        return list(session.exec(select(Reaction).order_by(col(Reaction.id))).all())


def statement(replies: list[BotMessage], text: str) -> BotMessage:
    return next(m for m in replies if text in m.plain_text)


async def test_no_edition_yet(bot: Harness) -> None:
    alice = await onboard(bot, 1001, "Alice")
    (reply,) = await alice.send("/spiegel")
    assert "Er is nog geen wijkspiegel voor Elsrijk" in reply.plain_text
    assert reply.button_texts == ["Naar het menu"]


@pytest.mark.parametrize(
    ("language", "menu", "residents"),
    [
        ("nl", "Wijkspiegel lezen", "De wijkcoach schrijft die"),
        ("en", "Read the district mirror", "The district coach writes"),
    ],
)
async def test_no_edition_yet_says_to_the_coach_what_they_can_do(
    bot: Harness, services: Services, language: str, menu: str, residents: str
) -> None:
    """A coach who opens a wijk without a spiegel is not told that the coach writes it: the
    first edition is imported by the administrator; the coach adds statements after that."""
    carla = await join_as(
        bot, services, 2001, "Carla", Role.COACH, "elsrijk", language_code=language
    )
    (reply,) = await carla.press(menu)
    assert residents not in reply.plain_text
    assert "wijkbot import-spiegel" in reply.plain_text


async def test_menu_entry_opens_overview_with_counts(bot: Harness, services: Services) -> None:
    load(services, "elsrijk")
    alice = await onboard(bot, 1001, "Alice")
    menu = alice.last
    assert menu.button_texts[0] == "Wijkspiegel lezen"
    (overview,) = await alice.press("Wijkspiegel lezen")
    text = overview.plain_text
    assert "Wijkspiegel Elsrijk 2026" in text and "Spiegel voor de test" in text
    assert "• Wat gaat goed? (4 zinnen)" in text
    assert "• Wat kan beter? (2 zinnen)" in text
    assert "• Welke kansen of ideeën zie je? (1 zin)" in text
    assert "• Waar maak je je zorgen over? (0 zinnen)" in text
    assert "• Wat raadt de wijkcoach aan? (1 zin)" in text
    assert overview.button_texts == [
        "Wat gaat goed? (4)",
        "Wat kan beter? (2)",
        "Welke kansen of ideeën zie je? (1)",
        "Wat raadt de wijkcoach aan? (1)",
        "Cijfers over je wijk 📊",
        # Asked once: "Nieuws uit je wijk" (tests/spiegel/test_news.py).
        "Ja, stuur me nieuws uit mijn wijk",
        "Nee, geen nieuws uit mijn wijk",
        "Naar het menu",
    ]
    assert all(len((b.callback_data or "").encode()) <= 64 for row in overview.buttons for b in row)


async def test_category_is_paged_three_at_a_time(bot: Harness, services: Services) -> None:
    load(services, "elsrijk")
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    replies = await alice.press("Wat gaat goed? (4)")
    assert len(replies) == 4
    assert "Wat gaat goed? · zin 1 van 4" in replies[0].plain_text
    assert "Er is veel groen." in replies[0].plain_text
    assert "Onderwerp: Buiten: straat, groen, spelen" in replies[0].plain_text
    assert "De winkels zijn dichtbij." in replies[2].plain_text
    for message in replies[:3]:
        assert message.button_texts == [RECOGNISE, NOT_RECOGNISE, COMMENT]
        assert "Zo reageerden" not in message.plain_text  # no counts before your own reaction
    nav = replies[3]
    assert "Wat gaat goed? · zin 1 tot en met 3 van 4" in nav.plain_text
    assert nav.button_texts == ["Volgende ▶", "Terug naar alle delen", "Naar het menu"]

    replies = await alice.press("Volgende ▶")
    assert len(replies) == 2
    assert (
        "4 van 4" in replies[0].plain_text and "Het is een rustige wijk." in replies[0].plain_text
    )
    assert "zin 4 van 4" in replies[1].plain_text
    assert replies[1].button_texts == ["◀ Vorige", "Terug naar alle delen", "Naar het menu"]

    (overview,) = await alice.press("Terug naar alle delen")
    assert "Wat kan beter? (2 zinnen)" in overview.plain_text
    await alice.press("Naar het menu")
    assert "Wat wil je doen?" in alice.last.plain_text


async def test_react_replace_and_see_counts(bot: Harness, services: Services) -> None:
    load(services, "elsrijk")
    bob = await onboard(bot, 1002, "Bob")
    await bob.send("/spiegel")
    page = await bob.press("Wat gaat goed? (4)")
    await bob.press(NOT_RECOGNISE, message=statement(page, "Er is veel groen."))

    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    page = await alice.press("Wat gaat goed? (4)")
    (edited,) = await alice.press(RECOGNISE, message=statement(page, "Er is veel groen."))
    assert alice.alerts[-1] == "Bewaard."
    text = edited.plain_text
    assert "Er is veel groen." in text and "Jij herkent dit." in text
    assert "👍 1 persoon herkent dit\n" in text and "👎 1 persoon herkent dit niet" in text
    assert "Bob" not in text and "Buur-" not in text  # counts, never names
    assert edited.button_texts == [f"✓ {RECOGNISE}", NOT_RECOGNISE, COMMENT]

    (edited,) = await alice.press(NOT_RECOGNISE, message=edited)
    assert "Jij herkent dit niet." in edited.plain_text
    assert "👍 0 mensen herkennen dit" in edited.plain_text
    assert "👎 2 mensen herkennen dit niet" in edited.plain_text
    assert edited.button_texts == [RECOGNISE, f"✓ {NOT_RECOGNISE}", COMMENT]
    stored = reactions(services)
    assert len(stored) == 2  # one per person: the change replaced Alice's first verdict
    assert {r.verdict for r in stored} == {Verdict.NOT_RECOGNISE.value}

    # Coming back later, the statement shows her reaction and the counts straight away.
    await alice.send("/spiegel")
    page = await alice.press("Wat gaat goed? (4)")
    assert "Jij herkent dit niet." in statement(page, "Er is veel groen.").plain_text
    assert "Jij" not in statement(page, "Buren helpen elkaar.").plain_text


async def test_recommendations_ask_agree(bot: Harness, services: Services) -> None:
    load(services, "elsrijk")
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    replies = await alice.press("Wat raadt de wijkcoach aan? (1)")
    assert replies[0].button_texts == ["Eens 👍", "Niet eens 👎", COMMENT]
    (edited,) = await alice.press("Eens 👍", message=replies[0])
    assert (
        "Jij bent het eens." in edited.plain_text and "1 persoon is het eens" in edited.plain_text
    )


async def at_comment_prompt(bot: Harness, services: Services) -> tuple[FakePerson, BotMessage]:
    """Alice, a resident of Elsrijk, at the comment prompt of "Er is veel groen." (the prompt)."""
    load(services, "elsrijk")
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    page = await alice.press("Wat gaat goed? (4)")
    (prompt,) = await alice.press(COMMENT, message=statement(page, "Er is veel groen."))
    return alice, prompt


async def test_comment_flow_too_long_then_stored(bot: Harness, services: Services) -> None:
    load(services, "elsrijk")
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    page = await alice.press("Wat kan beter? (2)")
    (prompt,) = await alice.press(COMMENT, message=statement(page, "Voor jongeren"))
    limit = services.config.general.text_limit
    assert "Voor jongeren is er weinig te doen." in prompt.plain_text
    assert f"maximaal {limit} tekens" in prompt.plain_text
    assert prompt.button_texts == ["Stoppen"]

    (too_long,) = await alice.send("x" * (limit + 1))
    assert f"Je tekst is te lang: {limit + 1} letters en tekens" in too_long.plain_text
    assert too_long.button_texts == ["Stoppen"]
    assert reactions(services) == []

    (saved,) = await alice.send("Er is geen plek om te voetballen.")
    assert "Dank je! Je opmerking is bewaard." in saved.plain_text
    assert "Jouw opmerking: Er is geen plek om te voetballen." in saved.plain_text
    assert "✍️ 1 opmerking" in saved.plain_text
    assert saved.button_texts == [
        "Terug naar: Wat kan beter?",
        "Terug naar alle delen",
        "Naar het menu",
    ]
    (reaction,) = reactions(services)
    assert reaction.comment == "Er is geen plek om te voetballen."
    assert reaction.verdict is None and reaction.commented_at is not None
    assert reaction.item_id == item_id(services, "jongeren")

    # A second comment replaces the first, and the prompt says so.
    page = await alice.press("Terug naar: Wat kan beter?")
    (prompt,) = await alice.press(COMMENT, message=statement(page, "Voor jongeren"))
    assert "Dan is de oude weg" in prompt.plain_text
    await alice.send("Een trapveldje zou mooi zijn.")
    (reaction,) = reactions(services)
    assert reaction.comment == "Een trapveldje zou mooi zijn."


async def test_comment_kept_and_retried_after_database_error(
    bot: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, _prompt = await at_comment_prompt(bot, services)

    real_comment = spiegel.comment
    failures = [OperationalError("INSERT", {}, Exception("database is locked"))]

    def flaky(*args: object, **kwargs: object) -> Reaction:
        if failures:
            raise failures.pop()
        return real_comment(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(spiegel, "comment", flaky)
    (failed,) = await alice.send("Het park is ook 's avonds mooi.")
    assert "Ik kon je opmerking nu niet bewaren. Je bent hem niet kwijt." in failed.plain_text
    assert failed.button_texts == ["Opnieuw proberen", "Stoppen"]
    assert reactions(services) == []

    replies = await alice.press("Opnieuw proberen")
    assert "Dank je! Je opmerking is bewaard." in replies[-1].plain_text
    (reaction,) = reactions(services)
    assert reaction.comment == "Het park is ook 's avonds mooi."
    # The flow is over: the retry button of the failed message no longer does anything.
    await alice.press("Opnieuw proberen", message=failed)
    assert alice.alerts[-1] == "Deze knop werkt niet meer."
    assert len(reactions(services)) == 1


async def test_a_press_after_a_rewording_shows_the_new_wording(
    bot: Harness, services: Services
) -> None:
    # The statement's message is kept between presses (views.statement_view): never its old text.
    load(services, "elsrijk")
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    page = await alice.press("Wat gaat goed? (4)")
    shown = statement(page, "Er is veel groen.")
    (first,) = await alice.press(RECOGNISE, message=shown)
    assert "Er is veel groen." in first.plain_text
    with services.db.session() as session:
        editing.reword(
            session, None, item_id(services, "groen"), "Er zijn veel parken.", reason="Duidelijker"
        )

    (second,) = await alice.press(NOT_RECOGNISE, message=first)
    assert "Er zijn veel parken." in second.plain_text
    assert "Er is veel groen." not in second.plain_text
    assert "Jij herkent dit niet." in second.plain_text
    assert second.button_texts == [RECOGNISE, f"✓ {NOT_RECOGNISE}", COMMENT]


async def test_reaction_not_stored_is_said_and_can_be_pressed_again(
    bot: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(services, "elsrijk")
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    page = await alice.press("Wat gaat goed? (4)")
    shown = statement(page, "Er is veel groen.")

    real = spiegel.react_and_count
    failures = [OperationalError("INSERT", {}, Exception("database is locked"))]

    def flaky(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return real(*args, **kwargs)

    monkeypatch.setattr(spiegel, "react_and_count", flaky)
    assert await alice.press(RECOGNISE, message=shown) == []  # the statement is not changed
    assert alice.alerts[-1] == t("nl", "spiegel.react_failed")
    assert reactions(services) == []

    (edited,) = await alice.press(RECOGNISE, message=shown)
    assert alice.alerts[-1] == "Bewaard."
    assert "Jij herkent dit." in edited.plain_text
    assert [r.verdict for r in reactions(services)] == [Verdict.RECOGNISE.value]


async def test_cancel_comment_stores_nothing(bot: Harness, services: Services) -> None:
    alice, _prompt = await at_comment_prompt(bot, services)
    (cancelled,) = await alice.press("Stoppen")
    assert "Gestopt" in cancelled.plain_text and cancelled.button_texts == ["Naar het menu"]
    assert reactions(services) == []


async def test_stoppen_after_the_comment_was_stored_does_not_say_nothing_was_sent(
    bot: Harness, services: Services
) -> None:
    """The prompt's Stoppen stays on screen after the comment ended the run (or when its
    confirmation was lost): "Er is niets verstuurd" would then be untrue."""
    alice, prompt = await at_comment_prompt(bot, services)
    await alice.send("Het park is mooi.")
    (stopped,) = await alice.press("Stoppen", message=prompt)
    assert stopped.plain_text == "Er was niets meer om te stoppen."
    assert stopped.button_texts == ["Naar het menu"]
    (reaction,) = reactions(services)
    assert reaction.comment == "Het park is mooi."


async def test_other_wijk_refused_even_with_crafted_buttons(
    bot: Harness, services: Services
) -> None:
    load(services, "elsrijk")
    other_edition = load(services, "groenelaan", MIRROR.replace("veel groen", "veel water"))
    foreign = item_id(services, "groen", other_edition)
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")

    replies = await alice.press_data(f"rx:{foreign}:y")
    assert "hoort bij een andere wijk" in replies[-1].plain_text
    assert replies[-1].button_texts == ["Naar het menu"]
    replies = await alice.press_data(f"rx:{foreign}:c")
    assert "hoort bij een andere wijk" in replies[-1].plain_text
    replies = await alice.press_data(f"sp:{other_edition}:s:0")
    assert "hoort bij een andere wijk" in replies[-1].plain_text
    assert not any("veel water" in m.plain_text for m in alice.messages)
    replies = await alice.press_data(f"sp:{other_edition}")
    assert "hoort bij een andere wijk" in replies[-1].plain_text
    assert reactions(services) == []


async def test_retired_unknown_and_malformed_buttons_are_stale(
    bot: Harness, services: Services
) -> None:
    load(services, "elsrijk")
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    page = await alice.press("Wat kan beter? (2)")
    old = statement(page, "De stoepen zijn ongelijk.")
    load(services, "elsrijk", MIRROR.replace('key = "stoep"', 'key = "stoepen"'))  # retires "stoep"

    await alice.press(RECOGNISE, message=old)
    assert alice.alerts[-1] == "Deze knop werkt niet meer."
    for data in ("rx:999999:y", f"rx:{item_id(services, 'buren')}:x", "rx:abc:y", "sp:999999:s:0"):
        await alice.press_data(data)
        assert alice.alerts[-1] == "Deze knop werkt niet meer.", data
    assert reactions(services) == []


async def test_partner_reads_but_cannot_react(bot: Harness, services: Services) -> None:
    load(services, "elsrijk")
    petra = await join_as(bot, services, 3001, "Petra", Role.PARTNER, "elsrijk")
    assert "Wijkspiegel lezen" in petra.last.button_texts
    (overview,) = await petra.send("/spiegel")
    assert "Als partner kun je hem lezen." in overview.plain_text
    replies = await petra.press("Wat gaat goed? (4)")
    assert "Er is veel groen." in replies[0].plain_text
    assert all(m.buttons == [] for m in replies[:3])  # no reaction buttons at all
    assert "Bewoners en leden van de BIG kunnen erop reageren" in replies[3].plain_text

    replies = await petra.press_data(f"rx:{item_id(services, 'groen')}:y")
    assert "Als partner kun je de wijkspiegel lezen" in replies[-1].plain_text
    await petra.press_data(f"rx:{item_id(services, 'groen')}:c")
    assert "Als partner kun je de wijkspiegel lezen" in petra.last.plain_text
    assert reactions(services) == []


async def test_statement_text_is_escaped(bot: Harness, services: Services) -> None:
    source = (
        '[edition]\ntitle = "A & B <b>"\n\n'
        '[[threat]]\ntext = "Let op <script>alert(1)</script> & <b>vet</b>"\n'
    )
    load(services, "elsrijk", source)
    alice = await onboard(bot, 1001, "Alice")
    (overview,) = await alice.send("/spiegel")
    assert "A &amp; B &lt;b&gt;" in (overview.text or "")
    assert "A & B <b>" in overview.plain_text
    replies = await alice.press("Waar maak je je zorgen over? (1)")
    message = replies[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;vet&lt;/b&gt;" in (
        message.text or ""
    )
    assert "Let op <script>alert(1)</script> & <b>vet</b>" in message.plain_text
    (edited,) = await alice.press(RECOGNISE, message=message)
    assert "&lt;script&gt;" in (edited.text or "")


async def test_english(bot: Harness, services: Services) -> None:
    load(services, "elsrijk")
    bob = await onboard(bot, 1002, "Bob", language_code="en")
    (overview,) = await bob.send("/spiegel")
    assert "What is going well? (4 statements)" in overview.plain_text
    replies = await bob.press("What is going well? (4)")
    assert replies[0].button_texts == [
        "True for me 👍",
        "Not true for me 👎",
        "Type a comment ✍️",
    ]


# --- the service, directly ---------------------------------------------------------------------


def test_react_comment_counts_and_summary(services: Services) -> None:
    with services.db.session() as session:
        people.sync_wijken(session, services.config)
    edition_id = load(services, "elsrijk")
    now = services.clock.now()
    with services.db.session() as session:
        wijk = people.wijk_by_slug(session, "elsrijk")
        assert wijk is not None and wijk.id is not None
        ids = [
            i.id for i in spiegel.items(session, edition_id, ItemKind.STRENGTH) if i.id is not None
        ]
        persons = [people.give_consent(session, 100 + n, "nl", now).id for n in range(3)]
        a, b, c = (p for p in persons if p is not None)
        spiegel.react(session, a, ids[0], Verdict.RECOGNISE)
        spiegel.react(session, b, ids[0], Verdict.NOT_RECOGNISE)
        spiegel.react(session, c, ids[0], Verdict.RECOGNISE)
        spiegel.react(session, c, ids[0], Verdict.NOT_RECOGNISE)  # replaces
        spiegel.comment(session, a, ids[0], "Klopt, vooral het park.")
        spiegel.comment(session, b, ids[1], "Niet in mijn straat.")

        counts = spiegel.reaction_counts(session, [ids[0], ids[1], ids[2]])
        assert counts[ids[0]] == spiegel.ReactionCounts(recognise=1, not_recognise=2, comments=1)
        assert counts[ids[1]] == spiegel.ReactionCounts(recognise=0, not_recognise=0, comments=1)
        assert counts[ids[2]] == spiegel.ReactionCounts()

        summary = spiegel.reaction_summary(
            session, wijk.id, now - timedelta(hours=1), now + timedelta(hours=1)
        )
        assert len(summary) == 8  # every statement of the current edition
        first = summary[0]
        assert (first.item_id, first.text, first.kind) == (
            ids[0],
            "Er is veel groen.",
            ItemKind.STRENGTH,
        )
        assert (first.recognise, first.not_recognise) == (1, 2)
        assert [c.text for c in first.comments] == ["Klopt, vooral het park."]
        assert first.comments[0].verdict is Verdict.RECOGNISE
        assert first.contested == pytest.approx(2 / 3)
        assert [c.text for c in summary[1].comments] == ["Niet in mijn straat."]

        # Comments of another period are not new; the totals still are.
        later = spiegel.reaction_summary(
            session, wijk.id, now + timedelta(days=7), now + timedelta(days=14)
        )
        assert all(s.comments == [] for s in later)
        assert next(s for s in later if s.item_id == ids[0]).not_recognise == 2

        # A verdict changed later does not make an old comment new again.
        spiegel.react(session, a, ids[0], Verdict.NOT_RECOGNISE)
        reaction = spiegel.reaction_of(session, a, ids[0])
        assert reaction is not None and reaction.commented_at is not None
        assert reaction.commented_at <= reaction.updated_at

        with pytest.raises(LookupError):
            spiegel.react(session, a, 999999, Verdict.RECOGNISE)


def test_summary_holds_the_current_edition_and_older_statements_reacted_to(
    services: Services,
) -> None:
    with services.db.session() as session:
        people.sync_wijken(session, services.config)
    last_year = load(services, "elsrijk", year=2025)
    load(services, "elsrijk", year=2026)
    load(services, "bovenkerk", year=2026)  # another wijk's statements never appear
    now = services.clock.now()
    old = item_id(services, "stoep", last_year)
    untouched = item_id(services, "groen", last_year)
    with services.db.session() as session:
        wijk = people.wijk_by_slug(session, "elsrijk")
        assert wijk is not None and wijk.id is not None
        someone = people.give_consent(session, 100, "nl", now).id
        assert someone is not None
        spiegel.react(session, someone, old, Verdict.NOT_RECOGNISE, wijk_id=wijk.id)
        spiegel.comment(session, someone, old, "Nog steeds <zo>.")
        summary = spiegel.reaction_summary(
            session, wijk.id, now - timedelta(hours=1), now + timedelta(hours=1)
        )
    assert len(summary) == 8 + 1  # this year's edition, and last year's statement reacted to
    first = summary[0]
    assert (first.item_id, first.edition_year, first.not_recognise) == (old, 2025, 1)
    assert [c.text for c in first.comments] == ["Nog steeds <zo>."]
    assert {s.edition_year for s in summary[1:]} == {2026}
    assert untouched not in {s.item_id for s in summary}


async def test_buttons_of_last_years_edition_are_stale(bot: Harness, services: Services) -> None:
    load(services, "elsrijk", year=2025)
    alice = await onboard(bot, 1001, "Alice")
    await alice.send("/spiegel")
    page = await alice.press("Wat kan beter? (2)")
    old = statement(page, "De stoepen zijn ongelijk.")
    load(services, "elsrijk", year=2026)  # this year's edition: last year's is not current

    await alice.press(RECOGNISE, message=old)
    assert alice.alerts[-1] == "Deze knop werkt niet meer."
    await alice.press(COMMENT, message=old)
    assert alice.alerts[-1] == "Deze knop werkt niet meer."
    assert reactions(services) == []

    await alice.send("/spiegel")
    page = await alice.press("Wat kan beter? (2)")
    await alice.press(RECOGNISE, message=statement(page, "De stoepen zijn ongelijk."))
    (stored,) = reactions(services)
    with services.db.session() as session:
        edition = session.exec(select(Edition).where(Edition.year == 2026)).one()
    assert stored.item_id == item_id(services, "stoep", edition.id)


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_way_buttons_of_last_years_edition_lead_to_this_years(
    bot: Harness, services: Services, language: str
) -> None:
    load(services, "elsrijk", year=2025)
    alice = await onboard(bot, 1001, "Alice", language_code=language)
    (old_overview,) = await alice.send("/spiegel")
    category = old_overview.button_texts[0]
    footers = [(await alice.press(category, message=old_overview))[-1] for _ in range(2)]
    load(services, "elsrijk", MIRROR.replace("Er is veel groen.", "Er zijn nu parken."), year=2026)
    told = t(language, "spiegel.replaced_edition", year=2025, current=2026)
    to_current = t(language, "spiegel.to_current_edition", year=2026)

    for label, message in [
        (t(language, "spiegel.next"), footers[0]),
        (t(language, "spiegel.to_overview"), footers[1]),
        (category, old_overview),
    ]:
        # The pressed message says so, in the person's language; no statement of 2025 again.
        (shown,) = await alice.press(label, message=message)
        assert shown.message_id == message.message_id
        assert shown.plain_text == told
        assert shown.button_texts == [to_current, t(language, "menu.back_to_menu")]
    (overview,) = await alice.press(to_current)
    assert "2026" in overview.plain_text
    page = await alice.press(overview.button_texts[0])
    assert "Er zijn nu parken." in page[0].plain_text
    await alice.press(t(language, "spiegel.recognise"), message=page[0])
    (stored,) = reactions(services)
    with services.db.session() as session:
        edition = session.exec(select(Edition).where(Edition.year == 2026)).one()
    assert stored.item_id == item_id(services, "groen", edition.id)
