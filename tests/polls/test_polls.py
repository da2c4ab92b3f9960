"""Voting and managing polls through the real Application: every refusal changes nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select
from telegram import Update

from bot.context import Services
from bot.fake_telegram import Harness
from bot.fake_telegram.users import BotMessage
from bot.fake_telegram.users import Person as FakePerson
from bot.people.permissions import load_actor
from bot.polls import delivery, voting
from bot.polls.tally import OptionResult, PollTally, tally
from models import Poll, PollKind, PollOption, PollStatus, Role, Vote
from tests.helpers import invite_code, join_as, onboard
from tests.people.test_wijk_by_postcode import pdok_for
from tests.polls.test_poll_wizard import GROUP_ID, create_poll, link_group, member, only_poll


def votes(services: Services) -> list[tuple[int | None, str, int | None]]:
    with services.db.session() as session:
        rows = session.exec(select(Vote, PollOption).join(PollOption)).all()
        return sorted(
            ((v.person_id, o.text, v.rank) for v, o in rows), key=lambda r: (r[0] or 0, r[2] or 0)
        )


def poll_message(person: FakePerson, question: str = "Wat pakken we eerst aan?") -> BotMessage:
    return next(m for m in reversed(person.messages) if question in m.plain_text and m.buttons)


async def retract(bot: Harness, person: FakePerson, telegram_poll_id: str) -> None:
    """Harness.answer_poll(id, []) cannot retract: PTB drops the empty option_ids in to_dict(),
    and de_json then refuses the update. So build the wire JSON as Telegram sends it."""
    bot.fake.polls[telegram_poll_id].votes.pop(person.id, None)
    data = {
        "update_id": bot.fake.next_update_id(),
        "poll_answer": {
            "poll_id": telegram_poll_id,
            "user": person.user.to_ptb().to_dict(),
            "option_ids": [],
            "option_persistent_ids": [],
        },
    }
    await bot.app.process_update(Update.de_json(data, bot.app.bot))


def person_id(services: Services, telegram_id: int) -> int:
    with services.db.session() as session:
        actor = load_actor(session, telegram_id)
        assert actor is not None
        return actor.id


# --- private-chat votes ------------------------------------------------------------------------


async def test_single_vote_change_and_second_vote_refused(bot: Harness, services: Services) -> None:
    creator = await member(bot, services, 3001, "Bea")
    voter = await member(bot, services, 3002, "Bram")
    await create_poll(bot, creator)
    delivered = poll_message(voter)
    (after,) = await voter.press("Bankjes")
    assert "Jouw stem: Bankjes" in after.plain_text and "Dank je!" in after.plain_text
    assert after.button_texts[0] == "Stem veranderen"
    me = person_id(services, voter.id)
    assert votes(services) == [(me, "Bankjes", None)]

    # The same delivered message pressed again (now edited) or a replayed button: a second vote.
    option_ids = {o: cb for o, cb in ((b.text, b.callback_data) for b in delivered.buttons[0])}
    await voter.press_data(str(option_ids["Speeltuin"]), message=after)
    assert voter.alerts[-1].startswith("Je hebt al gestemd")
    assert votes(services) == [(me, "Bankjes", None)]

    await voter.press("Stem veranderen")
    (changed,) = await voter.press("Straatlicht")
    assert "Je stem is veranderd" in changed.plain_text
    assert votes(services) == [(me, "Straatlicht", None)]


async def test_multiple_choice_vote(bot: Harness, services: Services) -> None:
    creator = await member(bot, services, 3001, "Bea")
    voter = await member(bot, services, 3002, "Bram")
    await create_poll(bot, creator, kind="Meer antwoorden kiezen mag")
    await voter.press("Stem versturen")  # nothing chosen yet
    assert voter.alerts[-1] == "Kies eerst minstens één antwoord."
    await voter.press("Speeltuin")
    await voter.press("Straatlicht")
    assert "Gekozen: Speeltuin" in voter.last.button_texts
    await voter.press("Gekozen: Speeltuin")  # unselect again
    await voter.press("Bankjes")
    await voter.press("Stem versturen")
    me = person_id(services, voter.id)
    assert votes(services) == [(me, "Bankjes", None), (me, "Straatlicht", None)]
    nonce_free = voter.last
    # A crafted mask with a bit for a 4th option that does not exist.
    pid = only_poll(services).id
    await voter.press_data(f"pl:{pid}:s:15:c", message=nonce_free)
    assert voter.alerts[-1] == "Dat antwoord hoort niet bij deze stemming. Er is niets veranderd."
    assert votes(services) == [(me, "Bankjes", None), (me, "Straatlicht", None)]


async def test_ranking_vote_in_private_chat(bot: Harness, services: Services) -> None:
    creator = await member(bot, services, 3001, "Bea")
    voters = [await member(bot, services, 3002 + i, f"Lid{i}") for i in range(2)]
    await create_poll(bot, creator, kind="Op volgorde zetten")
    first, second = voters
    await first.press("Straatlicht")
    await first.press("Speeltuin")
    assert "1. Straatlicht" in first.last.plain_text and "2. Speeltuin" in first.last.plain_text
    await first.press("Laatste antwoord weghalen")
    await first.press("Bankjes")
    await first.press("Speeltuin")
    (voted,) = await first.press("Stem versturen")
    # A line for each place: "…; 2. …" read badly when an option is a sentence.
    assert "Jouw stem:\n1. Straatlicht\n2. Bankjes\n3. Speeltuin" in voted.plain_text
    for label in ("Straatlicht", "Bankjes", "Stem versturen"):
        await second.press(label)
    me = person_id(services, first.id)
    assert [v for v in votes(services) if v[0] == me] == [
        (me, "Straatlicht", 1),
        (me, "Bankjes", 2),
        (me, "Speeltuin", 3),
    ]
    pid = only_poll(services).id
    assert pid is not None
    with services.db.session() as session:
        result = tally(session, pid)
    # 3 options: place 1 = 3 points. Straatlicht 3+3, Bankjes 2+2, Speeltuin 1+0.
    assert [(o.text, o.borda, o.first_places) for o in result.options] == [
        ("Straatlicht", 6, 2),
        ("Bankjes", 4, 0),
        ("Speeltuin", 1, 0),
    ]
    # A crafted order with an option position twice.
    await first.press("Stem veranderen")
    await first.press_data(f"pl:{pid}:R:x00:c")
    assert first.alerts[-1] == "Dat antwoord hoort niet bij deze stemming. Er is niets veranderd."


def test_ranking_results_read_well_when_an_option_is_a_sentence() -> None:
    """An option taken from the wijkspiegel ends with a full stop: its points follow in
    brackets, never as "parkeren.: 4 punten"."""
    option = OptionResult(1, "Maak een plan voor parkeren.", 2, 100.0, 4, 2)
    result = PollTally(
        1, "Wat eerst?", PollKind.RANKING.value, PollStatus.CLOSED.value, 2, None, (option,)
    )
    dutch = delivery.results_text(result, "nl")
    assert "1. Maak een plan voor parkeren. (4 punten, 2 keer als eerste gekozen)" in dutch
    english = delivery.results_text(result, "en")
    assert "1. Maak een plan voor parkeren. (4 points, put first by 2 people)" in english


# --- refusals ----------------------------------------------------------------------------------


async def test_outsider_and_crafted_option_refused(bot: Harness, services: Services) -> None:
    creator = await member(bot, services, 3001, "Bea")
    voter = await member(bot, services, 3002, "Bram")
    resident = await onboard(bot, 3100, "Rik")  # not a BIG member: outside this audience
    elsewhere = await onboard(bot, 3200, "Gijs", wijk="Groenelaan")
    await create_poll(bot, creator)
    await create_poll(bot, creator, question="Een andere vraag", options=("Ja", "Nee"))
    with services.db.session() as session:
        first = session.exec(select(Poll).where(Poll.question == "Wat pakken we eerst aan?")).one()
        other_option = session.exec(
            select(PollOption).where(PollOption.poll_id != first.id)
        ).first()
        assert other_option is not None
    delivered = poll_message(voter)
    button = delivered.buttons[0][0].callback_data
    assert button is not None

    for outsider in (resident, elsewhere):
        await outsider.send("/menu")
        await outsider.press_data(button)  # a forwarded or copied button
        assert outsider.alerts[-1] == "Deze stemming is niet voor jou. Je kunt hier niet stemmen."
    await voter.press_data(f"pl:{first.id}:o:{other_option.id}:n", message=delivered)
    assert voter.alerts[-1] == "Dat antwoord hoort niet bij deze stemming. Er is niets veranderd."
    await voter.press_data(f"pl:{first.id}:o:99999:n", message=delivered)
    assert voter.alerts[-1] == "Dat antwoord hoort niet bij deze stemming. Er is niets veranderd."
    await voter.press_data("pl:99999:o:1:n", message=delivered)
    assert voter.alerts[-1] == "Deze stemming is er niet meer."
    assert votes(services) == []


async def test_votes_after_close_refused_and_results_without_names(
    bot: Harness, services: Services
) -> None:
    creator = await member(bot, services, 3001, "Bea")
    voters = [await member(bot, services, 3002 + i, f"Lid{i}") for i in range(3)]
    await create_poll(bot, creator)
    await voters[0].press("Bankjes")
    await voters[1].press("Bankjes")
    late = poll_message(voters[2])

    await creator.send("/stemmen")
    await creator.press("Beheren")
    await creator.press("Nu sluiten")
    closing = await creator.press("Ja, nu sluiten")
    # The results go out in the background and may come before the confirmation's edit.
    assert any("De stemming is gesloten" in m.plain_text for m in closing)
    await delivery.wait_idle(bot.app)

    await voters[2].press("Speeltuin", message=late)
    assert voters[2].alerts[-1] == "Deze stemming is gesloten. Stemmen kan niet meer."
    assert len(votes(services)) == 2

    results = [m for m in creator.messages if "Uitslag: Wat pakken" in m.plain_text]
    assert len(results) == 1
    text = results[0].plain_text
    assert "Bankjes: 2 (100%)" in text and "Speeltuin: 0 (0%)" in text
    assert "Gestemd: 2 van 4 mensen (50%)" in text
    got = [v for v in voters if any("Uitslag: Wat pakken" in m.plain_text for m in v.messages)]
    assert len(got) == 3  # the audience gets the results too
    with services.db.session() as session:
        actors = [load_actor(session, v.id) for v in voters]
        pseudonyms = [a.person.pseudonym for a in actors if a is not None]
    results_only = " ".join(
        m.plain_text
        for who in [creator, *voters]
        for m in who.messages
        if "Uitslag" in m.plain_text
    )
    everything = " ".join(m.plain_text for who in [creator, *voters] for m in who.messages)
    for v in voters:
        assert v.user.first_name not in results_only
    for pseudonym in pseudonyms:
        assert pseudonym not in everything


async def test_early_close_and_cancel_only_for_creator_or_coach(
    bot: Harness, services: Services
) -> None:
    creator = await member(bot, services, 3001, "Bea")
    other_big = await member(bot, services, 3002, "Bram")
    coach = await member(bot, services, 3003, "Cora", Role.COACH)
    resident = await onboard(bot, 3100, "Rik")
    await create_poll(bot, creator, audience="Iedereen in de wijk")
    pid = only_poll(services).id

    await resident.send("/stemmen")
    assert not any("Beheren" in b for b in resident.last.button_texts)
    for stranger in (resident, other_big):
        await stranger.press_data(f"pm:{pid}:cxY")
        assert stranger.alerts[-1] == "Alleen wie de stemming maakte of de wijkcoach kan dit doen."
        await stranger.press_data(f"pm:{pid}:clY")
    assert only_poll(services).status == PollStatus.OPEN.value

    await coach.send("/stemmen")
    await coach.press("Beheren")
    await coach.press("Stemming afbreken")
    await coach.press("Ja, afbreken")
    assert "De stemming is afgebroken" in coach.last.plain_text
    assert only_poll(services).status == PollStatus.CANCELLED.value
    await creator.press_data(f"pm:{pid}:clY")
    assert creator.alerts[-1] == "Deze stemming is al afgebroken. Je hoeft niets meer te doen."
    # A resident's vote message loses its buttons; pressed all the same (a phone that did not
    # refresh), it says what became of the poll.
    await delivery.wait_idle(bot.app)
    (vote,) = [m for m in resident.messages if m.plain_text.startswith("Stemming voor")]
    assert vote.buttons == [] and "Deze stemming is afgebroken." in vote.plain_text
    await resident.press_data(f"pl:{pid}:o:1:n", message=vote)
    assert resident.alerts[-1] == "Deze stemming is afgebroken. Stemmen kan niet meer."
    await delivery.wait_idle(bot.app)
    assert not any("Uitslag:" in m.plain_text for m in creator.messages)


async def test_a_coach_managing_a_big_poll_is_offered_its_results_not_a_vote(
    bot: Harness, services: Services
) -> None:
    # The coach is not in a BIG poll's audience: a "Stemmen" button would only refuse.
    creator = await member(bot, services, 3001, "Bea")
    coach = await member(bot, services, 3003, "Cora", Role.COACH)
    await create_poll(bot, creator)  # for the BIG's members
    (listing,) = await coach.send("/stemmen")
    labels = listing.button_texts
    assert not any(label.startswith("Stemmen:") for label in labels), labels
    assert "Uitslag: Wat pakken we eerst aan?" in labels
    assert "Beheren: Wat pakken we eerst aan?" in labels
    await coach.press("Uitslag: Wat pakken we eerst aan?")
    assert "Wat pakken we eerst aan?" in coach.last.plain_text
    assert not coach.alerts
    # A member of the BIG still gets the vote button.
    (listing,) = await creator.send("/stemmen")
    assert "Stemmen: Wat pakken we eerst aan?" in listing.button_texts


async def test_a_partner_has_no_polls_and_is_told_why(bot: Harness, services: Services) -> None:
    """Partners are organisations: they do not vote, nor make polls. The menu offers them no
    "Stemmingen", and /stemmen says why, also while a poll for the whole wijk is open."""
    bea = await member(bot, services, 3001, "Bea")
    partner = await join_as(bot, services, 3400, "Pia", Role.PARTNER, "elsrijk")
    resident = await onboard(bot, 3100, "Rik")
    await create_poll(bot, bea, audience="Iedereen in de wijk")
    (menu,) = await partner.send("/menu")
    assert "Stemmingen" not in menu.button_texts, menu.button_texts
    (menu,) = await resident.send("/menu")
    assert "Stemmingen" in menu.button_texts
    for command in ("/stemmen", "/peilingen"):
        (answer,) = await partner.send(command)
        assert answer.plain_text == (
            "Stemmingen zijn voor bewoners en leden van de BIG. Partners stemmen niet mee."
        )
        assert "Nieuwe stemming" not in answer.button_texts
    # A partner with a BIG role elsewhere votes there: the menu and the list are theirs.
    both = await join_as(bot, services, 3401, "Piet", Role.PARTNER, "elsrijk")
    await both.send(f"/start {invite_code(services, Role.BIG, 'randwijck')}")
    await both.press("Akkoord")  # someone who has joined is asked before a role is theirs
    (menu,) = await both.send("/menu")
    assert "Stemmingen" in menu.button_texts


async def test_peilingen_lists_open_and_closed(bot: Harness, services: Services) -> None:
    creator = await member(bot, services, 3001, "Bea")
    voter = await member(bot, services, 3002, "Bram")
    await create_poll(bot, creator, hide="Nee, pas na het sluiten")
    (listing,) = await voter.send("/stemmen")
    assert "Open" in listing.plain_text and "Wat pakken we eerst aan?" in listing.plain_text
    await voter.press("Stemmen: Wat pakken")
    await voter.press("Bankjes")
    pid = only_poll(services).id
    await voter.press_data(f"pl:{pid}:res")  # results are hidden until it closes
    assert "De uitslag zie je als de stemming sluit" in voter.last.plain_text
    assert await delivery.close_now(bot.app, pid or 0)
    await delivery.wait_idle(bot.app)
    (listing,) = await voter.send("/stemmen")
    assert "Gesloten" in listing.plain_text
    await voter.press("Uitslag: Wat pakken")
    assert "Bankjes: 1 (100%)" in voter.last.plain_text


# --- the group ---------------------------------------------------------------------------------


async def test_group_link_by_non_admin_refused(bot: Harness, services: Services) -> None:
    big = await member(bot, services, 3001, "Bea")
    resident = await onboard(bot, 3100, "Rik")
    group = bot.group(GROUP_ID, "BIG Elsrijk", admins=[3999], members=[big.id, resident.id])
    (reply,) = await big.send("/verbind", chat=group)
    assert reply.plain_text == "Alleen een beheerder van deze groep kan de groep verbinden."
    (reply,) = await resident.send("/verbind", chat=group)
    assert "Alleen leden van de BIG en wijkcoaches" in reply.plain_text
    with services.db.session() as session:
        from models import GroupLink

        assert session.exec(select(GroupLink)).all() == []


async def test_native_poll_answers_change_retract_and_outsiders(
    bot: Harness, services: Services
) -> None:
    creator = await member(bot, services, 3001, "Bea")
    await link_group(bot, creator)
    neighbour = await onboard(bot, 3100, "Rik")
    stranger = bot.user(3300, "Vreemde")  # never started the bot
    elsewhere = await onboard(bot, 3200, "Gijs", wijk="Groenelaan")
    await create_poll(bot, creator, audience="De Telegram-groep", hide=None, kind="Meer antwoorden")
    poll = only_poll(services)
    assert poll.telegram_poll_id is not None
    me = person_id(services, neighbour.id)

    await neighbour.answer_poll(poll.telegram_poll_id, [0, 2])
    assert votes(services) == [(me, "Speeltuin", None), (me, "Straatlicht", None)]
    await neighbour.answer_poll(poll.telegram_poll_id, [1])  # a change, not a second vote
    assert votes(services) == [(me, "Bankjes", None)]
    await retract(bot, neighbour, poll.telegram_poll_id)
    assert votes(services) == []
    await neighbour.answer_poll(poll.telegram_poll_id, [1])

    for outsider in (stranger, elsewhere):
        await outsider.answer_poll(poll.telegram_poll_id, [0])
    assert "Deze stemming is niet voor jou" in elsewhere.last.plain_text
    assert elsewhere.last.buttons  # a way on
    assert stranger.messages == []  # never started the bot: not written to
    assert votes(services) == [(me, "Bankjes", None)]

    assert await delivery.close_now(bot.app, poll.id or 0)
    await delivery.wait_idle(bot.app)
    assert bot.fake.polls[poll.telegram_poll_id].is_closed
    group_results = [m for m in bot.bot_messages(GROUP_ID) if "Uitslag:" in m.plain_text]
    assert len(group_results) == 1
    assert "Bankjes: 1 (100%)" in group_results[0].plain_text
    assert "Rik" not in group_results[0].plain_text
    # The fake (like Telegram) takes no answers to a stopped poll; the service refuses too.
    with services.db.session() as session:
        actor = load_actor(session, neighbour.id)
        assert actor is not None
        try:
            voting.cast_vote(session, actor, poll.id or 0, [], services.clock.now(), change=True)
        except voting.PollError as err:
            assert err.key == "polls.err_closed"
        else:
            raise AssertionError("a vote after closing was accepted")


async def test_a_poll_in_the_group_is_voted_on_in_the_group_only(
    bot: Harness, services: Services
) -> None:
    """The bot cannot change an answer shown in the group's Telegram poll: a second vote in the
    private chat would make the results differ from what everyone in the group saw."""
    bea = await member(bot, services, 3001, "Bea")
    await link_group(bot, bea)
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    poll = only_poll(services)
    assert poll.telegram_poll_id is not None and poll.id is not None
    me = person_id(services, bea.id)
    await bea.answer_poll(poll.telegram_poll_id, [1])  # Bankjes, for the whole group to see
    assert votes(services) == [(me, "Bankjes", None)]

    (listing,) = await bea.send("/stemmen")
    assert "stemmen in de Telegram-groep" in listing.plain_text
    assert not any(label.startswith("Stemmen:") for label in listing.button_texts)
    (shown,) = await bea.press("Uitslag: Wat pakken we eerst aan?")
    in_the_group = "Voor deze stemming stem je in de Telegram-groep van de BIG."
    assert "Uitslag tot nu toe" in shown.plain_text and "Bankjes: 1 (100%)" in shown.plain_text
    assert in_the_group in shown.plain_text
    options = ("Speeltuin", "Bankjes", "Straatlicht", "Stem veranderen")
    assert not set(options) & set(shown.button_texts)
    # The way the group's ranking polls come in, and an older message's "show": the same.
    for way_in in (f"/start poll_{poll.id}", "/menu"):
        (shown,) = await bea.send(way_in)
        if way_in == "/menu":
            (shown,) = await bea.press_data(f"pl:{poll.id}:show", message=shown)
        assert in_the_group in shown.plain_text
        assert not set(options) & set(shown.button_texts)

    # Forged presses: "change my vote" and a vote, for a new one and a change.
    with services.db.session() as session:
        speeltuin = voting.option_ids_at(session, poll.id, [0])[0]
    for forged in (
        f"pl:{poll.id}:chg",
        f"pl:{poll.id}:o:{speeltuin}:c",
        f"pl:{poll.id}:o:{speeltuin}:n",
    ):
        await bea.press_data(forged, message=shown)
        assert bea.alerts[-1].startswith("Voor deze stemming stem je in de Telegram-groep")
    assert votes(services) == [(me, "Bankjes", None)]
    # The service refuses it too, whatever calls it.
    with services.db.session() as session:
        actor = load_actor(session, bea.id)
        assert actor is not None
        with pytest.raises(voting.PollError) as refused:
            voting.cast_vote(
                session, actor, poll.id, [speeltuin], services.clock.now(), change=True
            )
    assert refused.value.key == "polls.err_vote_in_group"

    assert await delivery.close_now(bot.app, poll.id)
    await delivery.wait_idle(bot.app)
    (results,) = [m for m in bot.bot_messages(GROUP_ID) if "Uitslag:" in m.plain_text]
    assert "Bankjes: 1 (100%)" in results.plain_text, results.plain_text
    assert bot.fake.polls[poll.telegram_poll_id].votes == {bea.id: [1]}


async def test_who_may_not_vote_in_a_group_poll_is_told_once_per_poll(
    bot: Harness, services: Services
) -> None:
    bea = await member(bot, services, 3001, "Bea")
    await link_group(bot, bea)
    stranger = bot.user(3300, "Vreemde")  # never started the bot
    elsewhere = await onboard(bot, 3200, "Gijs", wijk="Groenelaan")
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    first = only_poll(services).telegram_poll_id
    await create_poll(bot, bea, question="Nog een vraag?", audience="De Telegram-groep", hide=None)
    with services.db.session() as session:
        second = session.exec(select(Poll).where(Poll.question == "Nog een vraag?")).one()
    assert first is not None and second.telegram_poll_id is not None

    def told(person: FakePerson) -> list[BotMessage]:
        return [m for m in person.messages if "Deze stemming is niet voor jou" in m.plain_text]

    await elsewhere.answer_poll(first, [0])
    (message,) = told(elsewhere)
    assert message.button_texts == ["Naar het menu"], message.button_texts
    await elsewhere.answer_poll(first, [1])  # a change
    await retract(bot, elsewhere, first)  # and taking it back
    assert len(told(elsewhere)) == 1
    await elsewhere.answer_poll(second.telegram_poll_id, [0])  # another poll: told again
    assert len(told(elsewhere)) == 2
    # Someone who never started the bot is not written to (Telegram would refuse it anyway):
    # the group's result says how many votes were not counted.
    for poll_id in (first, second.telegram_poll_id):
        await stranger.answer_poll(poll_id, [0])
        await stranger.answer_poll(poll_id, [1])
    assert stranger.messages == []
    # A retraction is never answered, also as the first thing the bot hears.
    late = bot.user(3301, "Laat")
    bot.fake.polls[first].votes[late.id] = [0]
    await retract(bot, late, first)
    assert late.messages == []
    assert votes(services) == []


async def test_ranking_from_the_group_via_deep_link(bot: Harness, services: Services) -> None:
    creator = await member(bot, services, 3001, "Bea")
    await link_group(bot, creator)
    neighbour = await onboard(bot, 3100, "Rik")
    await create_poll(bot, creator, audience="De Telegram-groep", kind="Op volgorde zetten")
    pid = only_poll(services).id
    (shown,) = await neighbour.send(f"/start poll_{pid}")
    assert "Zet de antwoorden op volgorde" in shown.plain_text
    for label in ("Bankjes", "Speeltuin", "Straatlicht", "Stem versturen"):
        await neighbour.press(label)
    me = person_id(services, neighbour.id)
    assert votes(services) == [(me, "Bankjes", 1), (me, "Speeltuin", 2), (me, "Straatlicht", 3)]
    # Invites keep working next to the poll payload.
    (unknown,) = await neighbour.send("/start poll_999999")
    assert "Deze stemming is er niet meer" in unknown.plain_text
    replies = await neighbour.send("/start notaninvitecode")
    assert any("uitnodiging" in m.plain_text for m in replies)


@pytest.mark.parametrize(
    ("how", "said"),
    [
        (("Nu sluiten", "Ja, nu sluiten"), "Deze stemming is gesloten. Stemmen kan niet meer."),
        (("Stemming afbreken", "Ja, afbreken"), "Deze stemming is afgebroken."),
    ],
)
async def test_a_ranking_post_in_the_group_loses_its_button_when_the_poll_ends(
    bot: Harness, services: Services, how: tuple[str, str], said: str
) -> None:
    """The group's message with "Stemmen in een eigen chat" says the poll is closed (or
    cancelled) once it is, without the button."""
    creator = await member(bot, services, 3001, "Bea")
    await link_group(bot, creator)
    await create_poll(bot, creator, audience="De Telegram-groep", kind="Op volgorde zetten")
    (post,) = [m for m in bot.bot_messages(GROUP_ID) if m.buttons]
    assert post.button_texts == ["Stemmen in een eigen chat"]
    await creator.send("/stemmen")
    await creator.press("Beheren")
    for label in how:
        await creator.press(label)
    await delivery.wait_idle(bot.app)
    (now,) = [m for m in bot.bot_messages(GROUP_ID) if m.message_id == post.message_id]
    assert now.buttons == [] and said in now.plain_text
    assert "Wat pakken we eerst aan?" in now.plain_text and "Sluit:" not in now.plain_text


async def test_a_newcomer_from_the_group_s_vote_button_gets_the_poll_after_joining(
    bot: Harness, services: Services
) -> None:
    """Sam is in the BIG's group and has never used the bot. Under a ranking poll he presses
    "Stemmen in een eigen chat" (t.me/<bot>?start=poll_N): the privacy statement says he comes
    for a poll; after Akkoord and his wijk (the poll's), the wijk list becomes the poll, as an
    invite link survives the consent step."""
    bea = await member(bot, services, 2001, "Bea")
    await link_group(bot, bea)
    await create_poll(
        bot, bea, kind="Op volgorde zetten", audience="De Telegram-groep", hide="Ja, uitslag"
    )
    (post,) = [m for m in bot.bot_messages(GROUP_ID) if m.buttons]
    url = post.buttons[0][0].url or ""
    assert "?start=poll_" in url

    sam = bot.user(2300, "Sam")
    (statement,) = await sam.send("/start " + url.split("?start=")[1])
    assert "Je komt voor een stemming" in statement.plain_text
    await sam.press("Akkoord")
    (shown,) = await sam.press("Elsrijk")

    assert "Wat pakken we eerst aan?" in shown.plain_text, shown.plain_text
    assert "Zet de antwoorden op volgorde" in shown.plain_text
    for label in ("Bankjes", "Speeltuin", "Straatlicht", "Stem versturen"):
        await sam.press(label)
    me = person_id(services, sam.id)
    assert votes(services) == [(me, "Bankjes", 1), (me, "Speeltuin", 2), (me, "Straatlicht", 3)]


async def test_the_poll_a_newcomer_came_for_survives_a_language_and_a_postcode(
    bot: Harness, services: Services
) -> None:
    """The poll rides on every button before the wijk is chosen: the other language, "Liever
    niet" and "Beginnen", the postcode; someone who joined before without a wijk gets it after
    the wijk too. Another wijk's newcomer gets the menu and why."""
    bea = await member(bot, services, 2001, "Bea")
    await link_group(bot, bea)
    await create_poll(bot, bea, kind="Op volgorde zetten", audience="De Telegram-groep")
    link = f"/start poll_{only_poll(services).id}"

    sam = bot.user(2300, "Sam")
    await sam.send(link)
    await sam.press("Liever niet")
    await sam.press("Beginnen")
    (statement,) = await sam.press("English")
    assert "You came for a poll" in statement.plain_text
    await sam.press("I agree")
    (shown,) = await sam.press("Elsrijk")
    assert "Put the options in order" in shown.plain_text, shown.plain_text

    services.pdok = pdok_for(services)
    olga = bot.user(2301, "Olga")
    await olga.send(link)
    await olga.press("Akkoord")
    await olga.press("Ik weet mijn wijk niet")
    await olga.send("1181 za")
    (shown,) = await olga.press("Ja, dat klopt")
    assert "Zet de antwoorden op volgorde" in shown.plain_text, shown.plain_text

    # Joined before, without a wijk yet: the wijk question first, then the poll.
    eva = bot.user(2303, "Eva")
    await eva.send("/start")
    await eva.press("Akkoord")
    (question,) = await eva.send(link)
    assert "In welke wijk woon je?" in question.plain_text, question.plain_text
    (shown,) = await eva.press("Elsrijk")
    assert "Zet de antwoorden op volgorde" in shown.plain_text, shown.plain_text

    gijs = bot.user(2302, "Gijs")
    await gijs.send(link)
    await gijs.press("Akkoord")
    (menu,) = await gijs.press("Groenelaan")
    assert "Deze stemming is niet voor jou" in menu.plain_text, menu.plain_text
    assert "Je wijk: Groenelaan" in menu.plain_text


# --- moving house ------------------------------------------------------------------------------


async def test_moving_to_another_wijk_withdraws_open_votes_there(
    bot: Harness, services: Services
) -> None:
    """A wijk's poll is for the people who live there. Switching wijk back and forth must not
    let one person vote in every wijk's polls: a move withdraws the open votes of the old wijk."""
    bea = await member(bot, services, 3001, "Bea")
    ruud = await join_as(bot, services, 3003, "Ruud", Role.BIG, "randwijck")
    if "Randwijck" in ruud.last.button_texts:
        await ruud.press("Randwijck")
    eva = await onboard(bot, 3002, "Eva")  # lives in Elsrijk
    await create_poll(bot, bea, question="Elsrijk: wat eerst?", audience="Iedereen in de wijk")
    await create_poll(bot, ruud, question="Randwijck: wat eerst?", audience="Iedereen in de wijk")
    with services.db.session() as session:
        elsrijk, randwijck = session.exec(select(Poll).order_by(Poll.id)).all()  # type: ignore[arg-type]

    await eva.press("Bankjes", message=poll_message(eva, "Elsrijk: wat eerst?"))
    await eva.send("/wijk")
    replies = await eva.press("Randwijck")
    assert any(
        "Daarom telt je stem in 1 open stemming daar niet meer" in m.plain_text for m in replies
    )
    await eva.send("/peilingen")
    await eva.press("Stemmen: Randwijck")
    await eva.press("Speeltuin")
    await eva.send("/wijk")
    await eva.press("Elsrijk")
    await eva.send("/wijk")
    await eva.press("Randwijck")

    with services.db.session() as session:
        assert tally(session, elsrijk.id or 0).voters == 0
        assert tally(session, randwijck.id or 0).voters == 0
    # Back home she may vote again in what is open there.
    await eva.send("/wijk")
    await eva.press("Elsrijk")
    await eva.send("/peilingen")
    await eva.press("Stemmen: Elsrijk")
    await eva.press("Straatlicht")
    assert votes(services) == [(person_id(services, eva.id), "Straatlicht", None)]


async def test_results_go_to_who_may_see_them_when_the_poll_closes(
    bot: Harness, services: Services
) -> None:
    """A BIG member who left the BIG, or a resident who moved, while a poll was open gets no
    results when it closes: it is no longer theirs (they no longer see it under /stemmen)."""
    from bot.people import persons, roles

    bea = await member(bot, services, 3001, "Bea")
    bram = await member(bot, services, 3002, "Bram")
    stays = await member(bot, services, 3003, "Sam")
    eva = await onboard(bot, 3004, "Eva")
    await create_poll(bot, bea)
    await create_poll(bot, bea, question="Voor de hele wijk?", audience="Iedereen in de wijk")
    await bram.press("Bankjes", message=poll_message(bram))
    with services.db.session() as session:
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None
        roles.revoke(session, str(bram.id), Role.BIG, [wijk])
    await eva.send("/wijk")
    await eva.press("Randwijck")

    await bea.send("/stemmen")
    for question in ("Wat pakken", "Voor de hele wijk"):
        await bea.press(f"Beheren: {question}")
        await bea.press("Nu sluiten")
        await bea.press("Ja, nu sluiten")
        await delivery.wait_idle(bot.app)
        await bea.send("/stemmen")

    def results(person: FakePerson, question: str) -> int:
        return sum(f"Uitslag: {question}" in m.plain_text for m in person.messages)

    assert results(bea, "Wat pakken") == 1 and results(stays, "Wat pakken") == 1
    assert results(bram, "Wat pakken") == 0
    assert results(bea, "Voor de hele wijk") == 1 and results(stays, "Voor de hele wijk") == 1
    assert results(eva, "Voor de hele wijk") == 0
    (listing,) = await bram.send("/stemmen")
    assert "Wat pakken" not in listing.plain_text  # what he sees agrees


async def test_a_revoked_big_member_no_longer_counts_in_open_big_polls(
    bot: Harness, services: Services
) -> None:
    from bot.people import persons, roles

    bea = await member(bot, services, 3001, "Bea")
    bram = await member(bot, services, 3002, "Bram")
    await create_poll(bot, bea)
    await bram.press("Bankjes", message=poll_message(bram))
    with services.db.session() as session:
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None
        roles.revoke(session, str(bram.id), Role.BIG, [wijk])
        assert tally(session, only_poll(services).id or 0).voters == 0


async def test_an_option_typed_instead_of_pressed_gets_the_poll_again_not_a_melding(
    bot: Harness, services: Services
) -> None:
    creator = await member(bot, services, 3001, "Bea")
    voter = await member(bot, services, 3002, "Bram")
    await create_poll(bot, creator)
    replies = await voter.send("  speeltuin ")
    text = "\n".join(m.plain_text for m in replies)
    assert "als melding" not in text
    assert "Druk dan op de knop van je antwoord" in text
    # The poll again, with its buttons: pressing one votes.
    assert replies[-1].button_texts[:3] == ["Speeltuin", "Bankjes", "Straatlicht"]
    await voter.press("Speeltuin", message=replies[-1])
    me = person_id(services, voter.id)
    assert votes(services) == [(me, "Speeltuin", None)]
    # Another text is still offered as a melding.
    (asked,) = await voter.send("De speeltuin is kapot")
    assert "Wil je dit als melding" in asked.plain_text
    await voter.press("Nee")
    # Each message with the poll taken off the screen with "Naar het menu": typing an option
    # is a text again.
    for shown in [m for m in voter.messages if "Naar het menu" in m.button_texts]:
        if "Wat pakken we eerst aan?" in shown.plain_text:
            await voter.press("Naar het menu", message=shown)
    (asked,) = await voter.send("Bankjes")
    assert "Wil je dit als melding" in asked.plain_text


async def test_an_option_typed_while_als_melding_is_asked_gets_the_poll_and_leaves_the_question(
    bot: Harness, services: Services
) -> None:
    """A text, then "Wil je dit als melding ...?", then an option of the poll on screen typed:
    it was added to the text asked about ("Ik neem je berichten samen: ... Speeltuin"). It is a
    vote typed instead of pressed, as without the question: the poll again; the question stays
    as it was, and what comes next is still added to it."""
    creator = await member(bot, services, 3001, "Bea")
    voter = await member(bot, services, 3002, "Bram")
    await create_poll(bot, creator)
    (asked,) = await voter.send("De speeltuin is kapot")
    assert "Wil je dit als melding" in asked.plain_text

    replies = await voter.send("Speeltuin")
    text = "\n".join(m.plain_text for m in replies)
    assert "als melding" not in text
    assert "Druk dan op de knop van je antwoord" in text
    assert replies[-1].button_texts[:3] == ["Speeltuin", "Bankjes", "Straatlicht"]
    await voter.press("Speeltuin", message=replies[-1])
    assert votes(services) == [(person_id(services, voter.id), "Speeltuin", None)]

    (joined,) = await voter.send("bij de ingang")
    assert "Ik neem je berichten samen" in joined.plain_text
    assert "De speeltuin is kapot\nbij de ingang" in joined.plain_text
    assert "Speeltuin" not in joined.plain_text
