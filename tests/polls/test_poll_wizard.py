"""The "Nieuwe stemming" wizard through the real Application: every kind and audience, limits,
options from the wijkspiegel, preview change and cancel."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import select

from bot.context import Services
from bot.fake_telegram import Harness
from bot.fake_telegram.users import Person as FakePerson
from bot.people import persons
from bot.polls import delivery
from models import Edition, GroupLink, Poll, PollDelivery, PollOption, Role, SpiegelItem
from tests.helpers import join_as, onboard

GROUP_ID = -1001234567


async def member(
    bot: Harness, services: Services, uid: int, name: str, role: Role = Role.BIG
) -> FakePerson:
    """A BIG member (or coach) of Elsrijk who lives there too."""
    person = await join_as(bot, services, uid, name, role, "elsrijk")
    if "Elsrijk" in person.last.button_texts:  # asked for their wijk
        await person.press("Elsrijk")
    return person


async def link_group(bot: Harness, admin: FakePerson) -> None:
    group = bot.group(GROUP_ID, "BIG Elsrijk", admins=[admin.id])
    replies = await admin.send("/verbind", chat=group)
    assert "verbonden met Elsrijk" in replies[-1].plain_text


async def create_poll(
    bot: Harness,
    creator: FakePerson,
    *,
    question: str = "Wat pakken we eerst aan?",
    options: Sequence[str] = ("Speeltuin", "Bankjes", "Straatlicht"),
    kind: str = "Eén antwoord kiezen",
    audience: str = "Leden van de BIG",
    closes: str = "Over een week",
    hide: str | None = "Ja, uitslag tot nu toe laten zien",
) -> None:
    await creator.send("/menu")
    await creator.press("Nieuwe stemming")
    assert "Wat wil je vragen?" in creator.last.plain_text
    await creator.send(question)
    for option in options:
        await creator.send(option)
    await creator.press("Klaar met antwoorden")
    await creator.press(kind)
    await creator.press(audience)
    await creator.press(closes)
    if hide is not None:
        await creator.press(hide)
    assert "Kijk je stemming na" in creator.last.plain_text
    await creator.press("Versturen")
    await delivery.wait_idle(bot.app)


def polls_in(services: Services) -> list[Poll]:
    with services.db.session() as session:
        return list(session.exec(select(Poll)).all())


def only_poll(services: Services) -> Poll:
    with services.db.session() as session:
        return session.exec(select(Poll)).one()


def options_of(services: Services, poll_id: int) -> list[str]:
    with services.db.session() as session:
        rows = session.exec(
            select(PollOption).where(PollOption.poll_id == poll_id).order_by(PollOption.position)  # type: ignore[arg-type]
        ).all()
        return [o.text for o in rows]


# --- happy paths -------------------------------------------------------------------------------


async def test_single_choice_for_the_wijk(bot: Harness, services: Services) -> None:
    coach = await member(bot, services, 2001, "Cora", Role.COACH)
    residents = [await onboard(bot, 2100 + i, f"Bewoner{i}") for i in range(3)]
    elsewhere = await onboard(bot, 2200, "Gijs", wijk="Groenelaan")
    await create_poll(bot, coach, kind="Eén antwoord kiezen", audience="Iedereen in de wijk")
    poll = only_poll(services)
    assert (poll.kind, poll.audience, poll.hide_results) == ("single", "wijk", False)
    assert options_of(services, poll.id or 0) == ["Speeltuin", "Bankjes", "Straatlicht"]
    for resident in residents:
        assert "Wat pakken we eerst aan?" in resident.last.plain_text
        assert resident.last.button_texts[:3] == ["Speeltuin", "Bankjes", "Straatlicht"]
    assert "Wat pakken we eerst aan?" not in elsewhere.last.plain_text
    assert "Aangekomen: 3" in coach.last.plain_text


async def test_multiple_choice_for_big_members_hidden_results(
    bot: Harness, services: Services
) -> None:
    creator = await member(bot, services, 2001, "Bea")
    other_big = await member(bot, services, 2002, "Bram")
    resident = await onboard(bot, 2100, "Rik")
    await create_poll(
        bot, creator, kind="Meer antwoorden kiezen mag", hide="Nee, pas na het sluiten"
    )
    poll = only_poll(services)
    assert (poll.kind, poll.audience, poll.hide_results) == ("multiple", "big", True)
    assert "Stem versturen" in other_big.last.button_texts
    assert "Uitslag tot nu toe" not in other_big.last.button_texts  # hidden until it closes
    assert "Wat pakken we eerst aan?" not in resident.last.plain_text


async def test_ranking_in_the_group_links_to_private_chat(bot: Harness, services: Services) -> None:
    creator = await member(bot, services, 2001, "Bea")
    await link_group(bot, creator)
    await create_poll(bot, creator, kind="Op volgorde zetten", audience="De Telegram-groep")
    poll = only_poll(services)
    assert poll.kind == "ranking" and poll.group_chat_id == GROUP_ID
    (post,) = [m for m in bot.bot_messages(GROUP_ID) if "Wat pakken we" in m.plain_text]
    assert post.buttons[0][0].url == f"https://t.me/wijkspiegel_bot?start=poll_{poll.id}"
    assert "Je stemming staat nu in de groep" in creator.last.plain_text
    with services.db.session() as session:
        assert session.exec(select(PollDelivery)).all() == []  # nothing goes out privately


async def test_single_choice_in_the_group_is_a_native_poll(
    bot: Harness, services: Services
) -> None:
    creator = await member(bot, services, 2001, "Bea")
    await link_group(bot, creator)
    # Telegram shows a native poll's counts itself: the wizard does not ask about hiding.
    await create_poll(bot, creator, audience="De Telegram-groep", hide=None)
    poll = only_poll(services)
    native = [m for m in bot.bot_messages(GROUP_ID) if m.poll is not None]
    assert len(native) == 1 and native[0].poll is not None
    assert native[0].poll.is_anonymous is False
    assert native[0].poll.options == ["Speeltuin", "Bankjes", "Straatlicht"]
    assert poll.telegram_poll_id == native[0].poll.id
    (call,) = bot.fake.calls_to("sendPoll")
    assert "correct_option_id" not in call.params


async def test_a_native_poll_shows_the_question_and_options_as_typed(
    bot: Harness, services: Services
) -> None:
    # The bot's HTML default must not reach a poll: "<3" would be refused, a tag shown as bold.
    creator = await member(bot, services, 2001, "Bea")
    await link_group(bot, creator)
    question, options = "Speeltuin <3 of bankjes?", ("Kinderen < 12 jaar", "<b>Ouderen</b>")
    await create_poll(
        bot, creator, question=question, options=options, audience="De Telegram-groep", hide=None
    )
    native = [m for m in bot.bot_messages(GROUP_ID) if m.poll is not None]
    assert len(native) == 1 and native[0].poll is not None
    assert native[0].poll.question == question
    assert native[0].poll.options == list(options)
    (call,) = bot.fake.calls_to("sendPoll")
    assert "question_parse_mode" not in call.params


async def test_typed_closing_time_in_amsterdam(bot: Harness, services: Services) -> None:
    creator = await member(bot, services, 2001, "Bea")
    await creator.send("/menu")
    await creator.press("Nieuwe stemming")
    await creator.send("Vraag?")
    await creator.send("Ja")
    await creator.send("Nee")
    await creator.press("Klaar met antwoorden")
    await creator.press("Eén antwoord kiezen")
    await creator.press("Leden van de BIG")
    (bad,) = await creator.send("morgen ergens")
    assert "28-11 20:00" in bad.plain_text
    now_local = services.clock.now().astimezone(services.tz)
    target = f"{now_local.day:02d}-{now_local.month:02d} 23:59"
    await creator.send(target if now_local.hour < 23 else "31-12 20:00")
    await creator.press("Nee, pas na het sluiten")
    await creator.press("Versturen")
    poll = only_poll(services)
    local = poll.closes_at.astimezone(services.tz)
    assert (local.hour, local.minute) in {(23, 59), (20, 0)}


# --- limits ------------------------------------------------------------------------------------


async def test_question_and_option_limits(bot: Harness, services: Services) -> None:
    creator = await member(bot, services, 2001, "Bea")
    await creator.send("/menu")
    await creator.press("Nieuwe stemming")
    # An emoji never carries meaning alone: not as the question, nor as an answer to choose.
    (emoji,) = await creator.send("🤔?")
    assert "Ik zie geen woorden in je vraag." in emoji.plain_text
    (too_long,) = await creator.send("v" * 301)
    assert "Je vraag is te lang: 301 letters en tekens" in too_long.plain_text
    # Telegram may count an emoji as two (UTF-16): 22 letters and 140 emoji are 302.
    (emoji_long,) = await creator.send("Wat vinden we hiervan " + "😀" * 140)
    assert "Je vraag is te lang: 302 letters en tekens" in emoji_long.plain_text
    assert "Een emoji telt als twee." in emoji_long.plain_text
    await creator.send("v" * 300)  # exactly the limit is fine
    assert "Antwoorden" in creator.last.plain_text
    (long_option,) = await creator.send("o" * 101)
    assert "Dit antwoord is te lang: 101 letters en tekens" in long_option.plain_text
    (thumb,) = await creator.send("👍")
    assert "Ik zie geen woorden in dit antwoord." in thumb.plain_text
    assert "Toegevoegd" not in thumb.plain_text
    await creator.send("Eerste")
    await creator.press("Klaar met antwoorden")  # only one option
    assert creator.alerts[-1] == "Je hebt minstens 2 antwoorden nodig."
    assert "Antwoorden tot nu toe (1 van 12)" in creator.last.plain_text
    for i in range(2, 13):
        await creator.send(f"Keuze {i}")
    (thirteenth,) = await creator.send("Keuze 13")
    assert "Je hebt al 12 antwoorden. Meer kan niet." in thirteenth.plain_text
    await creator.press("Klaar met antwoorden")
    assert "Hoe stemmen mensen?" in creator.last.plain_text


async def test_a_typed_answer_at_a_step_of_buttons_shows_the_step_again_with_them(
    bot: Harness, services: Services
) -> None:
    """Text at a step that takes buttons only (how people vote, who it is for, the results so
    far, the preview) is no answer there: "Kies hieronder met een knop." above the step,
    shown again with its own buttons, never "Typ je antwoord" with only Stoppen."""
    bea = await member(bot, services, 2001, "Bea")
    await bea.send("/menu")
    await bea.press("Nieuwe stemming")
    await bea.send("Wat eerst?")
    await bea.send("Bankjes")
    await bea.send("Licht")
    await bea.press("Klaar met antwoorden")
    steps = (
        ("Hoe stemmen mensen?", "Eén antwoord kiezen"),
        ("Voor wie is de stemming?", "Leden van de BIG (ieder in een eigen chat)"),
        ("Wanneer sluit de stemming?", "Over een week"),
        ("Uitslag tot nu toe", "Ja, uitslag tot nu toe laten zien"),
        ("Kijk je stemming na", "Versturen"),
    )
    for asked, choice in steps:
        assert asked in bea.last.plain_text
        if asked.startswith("Wanneer"):  # a typed date is an answer here
            await bea.press(choice)
            continue
        (reply,) = await bea.send("een")
        assert reply.plain_text.startswith("Kies hieronder met een knop."), reply.plain_text
        assert asked in reply.plain_text and choice in reply.button_texts, reply.button_texts
        if choice != "Versturen":
            await bea.press(choice)
    assert polls_in(services) == []

    bob = await member(bot, services, 2002, "Bob")
    await bob.send("/language")
    await bob.press("English")
    await bob.send("/menu")
    await bob.press("New poll")
    await bob.send("What first?")
    await bob.send("Benches")
    await bob.send("Lights")
    await bob.press("Done with options")
    (reply,) = await bob.send("one")
    assert reply.plain_text.startswith("Please use one of the buttons below."), reply.plain_text
    assert "How do people vote?" in reply.plain_text
    assert "Pick one option" in reply.button_texts, reply.button_texts


async def test_group_audience_needs_a_linked_group(bot: Harness, services: Services) -> None:
    creator = await member(bot, services, 2001, "Bea")
    await creator.send("/menu")
    await creator.press("Nieuwe stemming")
    await creator.send("Vraag?")
    await creator.send("Ja")
    await creator.send("Nee")
    await creator.press("Klaar met antwoorden")
    (screen,) = await creator.press("Eén antwoord kiezen")
    assert "De Telegram-groep van de BIG" not in screen.button_texts
    assert "Typ daar /verbind" in screen.plain_text
    nonce = screen.buttons[0][0].callback_data.split(":")[1]  # type: ignore[union-attr]
    await creator.press_data(f"pw:{nonce}:a:group")  # a crafted button
    assert "Deze wijk heeft nog geen Telegram-groep" in creator.alerts[-1]


async def test_resident_cannot_open_the_wizard(bot: Harness, services: Services) -> None:
    resident = await onboard(bot, 2100, "Rik")
    (menu,) = await resident.send("/menu")
    assert "Nieuwe stemming" not in menu.button_texts
    assert "Stemmingen" in menu.button_texts
    await resident.press_data("mn:newpoll", message=menu)
    assert "Nieuwe stemming" not in resident.last.plain_text
    assert resident.last.button_texts  # the menu again, never silence


# --- options from the spiegel ------------------------------------------------------------------


def seed_spiegel(services: Services) -> list[int]:
    with services.db.session() as session:
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None and wijk.id is not None
        old = Edition(wijk_id=wijk.id, year=2024, title="Oud")
        new = Edition(wijk_id=wijk.id, year=2025, title="Nieuw")
        session.add(old)
        session.add(new)
        session.flush()
        session.add(
            SpiegelItem(edition_id=old.id or 0, key="old", kind="weakness", text="Oud punt")
        )
        items = [
            SpiegelItem(
                edition_id=new.id or 0,
                key="r1",
                kind="recommendation",
                text="Meer groen in de wijk",
            ),
            SpiegelItem(
                edition_id=new.id or 0,
                key="w1",
                kind="weakness",
                text="Er is te weinig verlichting op de fietspaden langs het park, vooral in de "
                "winter als het vroeg donker wordt en veel mensen van hun werk komen",
            ),
        ]
        for item in items:
            session.add(item)
        session.commit()
        return [i.id or 0 for i in items]


async def test_pick_options_from_the_spiegel(bot: Harness, services: Services) -> None:
    ids = seed_spiegel(services)
    creator = await member(bot, services, 2001, "Bea")
    await creator.send("/menu")
    await creator.press("Nieuwe stemming")
    await creator.send("Waar beginnen we?")
    (listing,) = await creator.press("Uit de wijkspiegel kiezen")
    assert "wijkspiegel 2025" in listing.plain_text
    assert "Oud punt" not in listing.plain_text  # only the newest edition
    assert "1. Meer groen in de wijk" in listing.plain_text
    await creator.press("Zin 1")
    await creator.press("Zin 2")
    assert "Zin 1 (gekozen)" in creator.last.button_texts
    nonce = listing.buttons[0][0].callback_data.split(":")[1]  # type: ignore[union-attr]
    await creator.press_data(f"pw:{nonce}:pi:999999")  # an item that is not in this spiegel
    assert creator.alerts[-1] == "Deze knop werkt niet meer."
    await creator.press("Terug naar de antwoorden")
    await creator.press("Klaar met antwoorden")
    await creator.press("Eén antwoord kiezen")
    await creator.press("Leden van de BIG")
    await creator.press("Over 3 dagen")
    await creator.press("Ja, uitslag tot nu toe laten zien")
    await creator.press("Versturen")
    poll = only_poll(services)
    texts = options_of(services, poll.id or 0)
    assert texts[0] == "Meer groen in de wijk"
    assert len(texts[1]) <= 100 and texts[1].endswith("…")
    assert len(ids) == 2


# --- preview -----------------------------------------------------------------------------------


async def test_preview_change_and_cancel(bot: Harness, services: Services) -> None:
    creator = await member(bot, services, 2001, "Bea")
    await creator.send("/menu")
    await creator.press("Nieuwe stemming")
    await creator.send("Eerste vraag")
    await creator.send("Ja")
    await creator.send("Nee")
    await creator.press("Klaar met antwoorden")
    await creator.press("Eén antwoord kiezen")
    await creator.press("Leden van de BIG")
    await creator.press("Over twee weken")
    await creator.press("Ja, uitslag tot nu toe laten zien")
    await creator.press("Iets veranderen")
    await creator.press("De vraag")
    (preview,) = await creator.send("Betere vraag")
    assert "Betere vraag" in preview.plain_text and "Kijk je stemming na" in preview.plain_text
    await creator.press("Iets veranderen")
    await creator.press("Hoe mensen stemmen")
    (preview,) = await creator.press("Op volgorde zetten")
    assert "Op volgorde zetten" in preview.plain_text
    old_preview = preview
    await creator.press("Stoppen")
    assert "Gestopt" in creator.last.plain_text
    with services.db.session() as session:
        assert session.exec(select(Poll)).all() == []
    await creator.press("Versturen", message=old_preview)  # a button of the ended wizard
    assert creator.alerts[-1] == "Deze knop werkt niet meer."
    with services.db.session() as session:
        assert session.exec(select(Poll)).all() == []
        assert session.exec(select(GroupLink)).all() == []


async def test_without_a_spiegel_the_wizard_does_not_offer_its_sentences(
    bot: Harness, services: Services
) -> None:
    """Elsrijk has no wijkspiegel yet. The answers step offered "Uit de wijkspiegel kiezen"
    and "Je kunt ook zinnen uit de wijkspiegel nemen."; pressing it said there was none but
    kept both, and pressing it again did nothing at all. Now neither is offered."""
    creator = await member(bot, services, 2001, "Bea", Role.COACH)
    await creator.send("/menu")
    await creator.press("Nieuwe stemming")
    (step,) = await creator.send("Waar beginnen we?")
    assert "Typ de antwoorden waaruit mensen kiezen." in step.plain_text
    assert "wijkspiegel" not in step.plain_text
    assert step.button_texts == ["Klaar met antwoorden", "Stoppen"]
    (step,) = await creator.send("Speeltuin")
    assert "wijkspiegel" not in step.plain_text
    assert "Uit de wijkspiegel kiezen" not in step.button_texts


async def _preview_of_a_big_poll(creator: FakePerson, question: str) -> str:
    await creator.send("/menu")
    await creator.press("Nieuwe stemming")
    await creator.send(question)
    for option in ("Speeltuin", "Bankjes"):
        await creator.send(option)
    await creator.press("Klaar met antwoorden")
    await creator.press("Eén antwoord kiezen")
    await creator.press("Leden van de BIG")
    await creator.press("Over een week")
    await creator.press("Ja, uitslag tot nu toe laten zien")
    assert "Kijk je stemming na" in creator.last.plain_text
    return creator.last.plain_text


async def test_a_big_poll_nobody_else_can_get_says_so_before_sending(
    bot: Harness, services: Services
) -> None:
    creator = await member(bot, services, 2001, "Bea")  # the BIG's only member
    preview = await _preview_of_a_big_poll(creator, "Wat pakken we eerst aan?")
    assert "Let op: nog niemand anders in de BIG van Elsrijk kan deze stemming krijgen" in preview
    assert "uitnodiging" in preview and "wijkcoach" in preview
    assert "Je kunt zelf ook stemmen" in preview
    assert creator.last.button_texts == ["Versturen", "Iets veranderen", "Stoppen"]
    # Sent all the same: stored, and no "naar 0 mensen"; they vote themselves from there.
    (sent,) = await creator.press("Versturen")
    await delivery.wait_idle(bot.app)
    assert only_poll(services).status == "open"
    assert "0 mensen" not in sent.plain_text
    assert "Nog niemand anders kan je stemming krijgen" in sent.plain_text
    await creator.press("Zelf stemmen", message=sent)
    (voted,) = await creator.press("Bankjes")
    assert "Jouw stem: Bankjes" in voted.plain_text

    # With another member, the preview says nothing of the kind.
    await member(bot, services, 2002, "Bram")
    preview = await _preview_of_a_big_poll(creator, "Nog een vraag?")
    assert "nog niemand anders" not in preview
    (sent,) = await creator.press("Versturen")
    assert "Ik stuur de stemming nu naar 1 persoon" in sent.plain_text
    await delivery.wait_idle(bot.app)


async def test_a_big_poll_stopped_when_nobody_else_can_get_it(
    bot: Harness, services: Services
) -> None:
    creator = await member(bot, services, 2001, "Bea")
    await _preview_of_a_big_poll(creator, "Wat pakken we eerst aan?")
    await creator.press("Stoppen")
    assert polls_in(services) == []
