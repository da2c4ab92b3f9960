"""A BIG's Telegram group through its life, through the real Application: the bot added (it says
how to link the group), linked (only the wijk's own people move a linked group), upgraded to a
supergroup (a new chat id: the link and the open polls follow), and removed (the link goes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select, update

from bot.context import Services
from bot.fake_telegram import FakeChat, FakeTelegram, Harness
from bot.fake_telegram.users import Person as FakePerson
from bot.people import persons
from bot.polls import delivery
from models import GroupLink, Poll, PollDelivery, Role, UncountedVote, Wijk
from tests.conftest import make_app
from tests.helpers import delivered_updates, join_as, onboard
from tests.polls.test_poll_wizard import GROUP_ID, create_poll, link_group, member, only_poll
from tests.polls.test_polls import retract
from tests.telegram.test_restart import crash

OLD, NEW = -4001, -1004001999  # a basic group, and the supergroup it becomes


def links(services: Services) -> list[tuple[int, str]]:
    """(chat id, wijk name) of every linked group."""
    with services.db.session() as session:
        rows = session.exec(select(GroupLink).order_by(GroupLink.id)).all()  # type: ignore[arg-type]
        names = {w.id: w.name for w in session.exec(select(Wijk)).all()}
        return [(link.chat_id, names[link.wijk_id]) for link in rows]


def polls(services: Services) -> list[Poll]:
    with services.db.session() as session:
        return list(session.exec(select(Poll).order_by(Poll.id)).all())  # type: ignore[arg-type]


async def basic_group(bot: Harness, services: Services) -> tuple[FakePerson, FakeChat]:
    """Bea of Elsrijk's BIG, admin of a basic group linked to Elsrijk."""
    bea = await member(bot, services, 2001, "Bea")
    group = bot.group(OLD, "BIG Elsrijk", admins=[bea.id], supergroup=False)
    (linked,) = await bea.send("/verbind", chat=group)
    assert "verbonden met Elsrijk" in linked.plain_text
    return bea, group


async def to_the_group(
    bot: Harness, creator: FakePerson, question: str, kind: str = "Eén antwoord kiezen"
) -> None:
    """A poll for the group: Telegram's own poll (which shows its counts: nothing to hide) or,
    to put options in order, a message with a button to the private chat."""
    hide = "Ja, uitslag tot nu toe" if kind == "Op volgorde zetten" else None
    await create_poll(
        bot, creator, question=question, audience="De Telegram-groep", kind=kind, hide=hide
    )


def results_in(bot: Harness, chat_id: int) -> list[str]:
    return [m.plain_text for m in bot.bot_messages(chat_id) if "Uitslag:" in m.plain_text]


# --- upgraded to a supergroup --------------------------------------------------------------------


async def test_after_the_upgrade_a_new_poll_lands_in_the_supergroup(
    bot: Harness, services: Services
) -> None:
    bea, group = await basic_group(bot, services)

    said = await bea.upgrade_group(group, new_id=NEW)

    assert said == []  # no hello in the supergroup: the link followed it there
    assert links(services) == [(NEW, "Elsrijk")]
    await to_the_group(bot, bea, "Wat eerst?")
    assert "Je stemming staat nu in de groep" in bea.last.plain_text
    assert [m.poll.question for m in bot.bot_messages(NEW) if m.poll] == ["Wat eerst?"]
    assert only_poll(services).group_chat_id == NEW


async def test_an_open_poll_follows_the_upgrade_and_its_results_reach_the_supergroup(
    bot: Harness, services: Services
) -> None:
    bea, group = await basic_group(bot, services)
    await to_the_group(bot, bea, "Wat eerst?")
    poll = only_poll(services)
    assert poll.telegram_poll_id is not None
    await bea.answer_poll(poll.telegram_poll_id, [1])

    await bea.upgrade_group(group, new_id=NEW)
    moved = only_poll(services)
    assert (moved.group_chat_id, moved.group_message_id) == (NEW, None)
    await bea.send("/stemmen")
    await bea.press("Beheren")
    await bea.press("Nu sluiten")
    await bea.press("Ja, nu sluiten")
    await delivery.wait_idle(bot.app)

    (results,) = results_in(bot, NEW)
    assert "Bankjes: 1 (100%)" in results
    # Its message stayed behind in the old group: nothing is stopped in the supergroup under
    # that message's number, which is another message's there.
    assert [c.params["chat_id"] for c in bot.fake.calls_to("stopPoll")] == []


async def test_a_missed_upgrade_is_followed_when_telegram_names_the_new_id(
    bot: Harness, services: Services
) -> None:
    """The bot was down during the upgrade: it learns of it from Telegram's refusal (PTB's
    ChatMigrated), moves the link and the polls, and sends once more to the new id."""
    bea, _ = await basic_group(bot, services)
    await to_the_group(bot, bea, "Eerste vraag?")
    await to_the_group(bot, bea, "Tweede vraag?", kind="Op volgorde zetten")
    first, second = polls(services)
    bot.fake.migrate_chat(OLD, NEW)  # no update reaches the bot

    assert await delivery.close_now(bot.app, first.id or 0)
    await delivery.wait_idle(bot.app)

    (results,) = results_in(bot, NEW)
    assert "Eerste vraag?" in results
    assert links(services) == [(NEW, "Elsrijk")]
    assert [p.group_chat_id for p in polls(services)] == [NEW, NEW]
    # The other open poll's cancellation reaches the supergroup too.
    assert await delivery.cancel_now(bot.app, second.id or 0)
    assert bot.bot_messages(NEW)[-1].plain_text == "Deze stemming is afgebroken."


async def test_a_new_poll_into_a_group_upgraded_unseen_lands_in_the_supergroup(
    bot: Harness, services: Services
) -> None:
    bea, _ = await basic_group(bot, services)
    bot.fake.migrate_chat(OLD, NEW)  # no update reaches the bot

    await to_the_group(bot, bea, "Wat eerst?")

    assert "Je stemming staat nu in de groep" in bea.last.plain_text
    assert [m.poll.question for m in bot.bot_messages(NEW) if m.poll] == ["Wat eerst?"]
    assert "Stem hierboven" in bot.bot_messages(NEW)[-1].plain_text  # the note under it
    assert links(services) == [(NEW, "Elsrijk")]
    assert only_poll(services).group_chat_id == NEW


# --- removed -------------------------------------------------------------------------------------


async def audience_step(creator: FakePerson) -> list[str]:
    await creator.send("/menu")
    await creator.press("Nieuwe stemming")
    await creator.send("Wat eerst?")
    await creator.send("Groen")
    await creator.send("Verkeer")
    await creator.press("Klaar met antwoorden")
    (screen,) = await creator.press("Eén antwoord kiezen")
    return screen.button_texts


async def test_removed_from_the_group_the_wizard_no_longer_offers_it(
    bot: Harness, services: Services
) -> None:
    bea = await member(bot, services, 2001, "Bea")
    await link_group(bot, bea)

    group = bot.fake.chats[GROUP_ID]

    assert await bea.remove_bot(group) == []  # nobody is told

    assert links(services) == []
    assert not any("Telegram-groep" in label for label in await audience_step(bea))
    # Added again, it says how to link the group, as the first time.
    (hello,) = await bea.add_bot(group)
    assert hello.chat_id == GROUP_ID and "typ /verbind" in hello.plain_text


async def test_after_a_failed_group_send_the_creator_chooses_another_audience(
    bot: Harness, services: Services
) -> None:
    bea = await member(bot, services, 2001, "Bea")
    bram = await member(bot, services, 2002, "Bram")
    await link_group(bot, bea)
    group = bot.fake.chats[GROUP_ID]
    group.bot_is_member, group.bot_is_kicked = False, True  # while the bot was down: no update

    assert any("Telegram-groep" in label for label in await audience_step(bea))
    await bea.press("De Telegram-groep")
    await bea.press("Over een week")
    (failed,) = await bea.press("Versturen")

    assert "Zit ik nog in de groep?" in failed.plain_text
    assert failed.button_texts == ["Versturen", "Iets veranderen", "Stoppen"]
    assert polls(services) == []
    # Telegram's answer said the bot is no longer in the group: the link went with it.
    assert links(services) == []
    await bea.press("Iets veranderen")
    (audiences,) = await bea.press("Voor wie")
    assert not any("Telegram-groep" in label for label in audiences.button_texts)
    (preview,) = await bea.press("Leden van de BIG")
    assert "Kijk je stemming na" in preview.plain_text
    assert "Wat eerst?" in preview.plain_text and "Groen" in preview.plain_text
    await bea.press("Versturen")
    await delivery.wait_idle(bot.app)
    assert "Wat eerst?" in bram.last.plain_text
    with services.db.session() as session:
        assert len(session.exec(select(PollDelivery)).all()) == 1  # Bram's


async def test_removed_from_the_supergroup_after_an_unseen_upgrade_the_link_goes(
    bot: Harness, services: Services
) -> None:
    """While the bot was down the group became a supergroup and the bot was removed from it:
    Telegram's first answer names the new id, its second says the bot is not in that group."""
    bea, _ = await basic_group(bot, services)
    supergroup = bot.fake.migrate_chat(OLD, NEW)  # no update reaches the bot
    supergroup.bot_is_member, supergroup.bot_is_kicked = False, True

    assert any("Telegram-groep" in label for label in await audience_step(bea))
    await bea.press("De Telegram-groep")
    await bea.press("Over een week")
    (failed,) = await bea.press("Versturen")

    assert "Zit ik nog in de groep?" in failed.plain_text
    assert [c.status for c in bot.fake.calls_to("sendPoll")] == [400, 403]
    assert polls(services) == []
    assert links(services) == []  # not left behind at the new id
    await bea.press("Iets veranderen")
    (audiences,) = await bea.press("Voor wie")
    assert not any("Telegram-groep" in label for label in audiences.button_texts)


# --- who may link --------------------------------------------------------------------------------


async def test_another_wijk_s_member_cannot_take_a_linked_group(
    bot: Harness, services: Services
) -> None:
    bea = await member(bot, services, 2001, "Bea")
    await link_group(bot, bea)
    group = bot.fake.chats[GROUP_ID]
    wim = await join_as(bot, services, 7001, "Wim", Role.BIG, "groenelaan")
    group.admins.add(wim.id)

    (answer,) = await wim.send("/verbind", chat=group)

    assert answer.plain_text == (
        "Deze groep is al verbonden met Elsrijk. "
        "Alleen leden van de BIG en wijkcoaches van Elsrijk kunnen dat veranderen."
    )
    with services.db.session() as session:
        groenelaan = persons.wijk_by_slug(session, "groenelaan")
        assert groenelaan is not None
    await wim.press_data(f"pm:lk:{groenelaan.id}", message=answer)  # a crafted button
    assert wim.alerts[-1].startswith("Deze groep is al verbonden met Elsrijk.")
    assert links(services) == [(GROUP_ID, "Elsrijk")]
    await to_the_group(bot, bea, "Wat eerst?")
    assert "Je stemming staat nu in de groep" in bea.last.plain_text


async def test_the_wijk_s_own_coach_may_move_its_group(bot: Harness, services: Services) -> None:
    bea = await member(bot, services, 2001, "Bea")
    await link_group(bot, bea)
    group = bot.fake.chats[GROUP_ID]
    cora = await join_as(bot, services, 7002, "Cora", Role.COACH, "elsrijk", "groenelaan")
    group.admins.add(cora.id)

    (choice,) = await cora.send("/verbind", chat=group)
    assert choice.button_texts == ["Elsrijk", "Groenelaan"]
    (done,) = await cora.press("Groenelaan", chat=group)

    assert "verbonden met Groenelaan" in done.plain_text
    assert links(services) == [(GROUP_ID, "Groenelaan")]


# --- the result in the group --------------------------------------------------------------------


async def test_the_group_s_result_explains_votes_it_did_not_count(
    bot: Harness, services: Services
) -> None:
    """In the group's own Telegram poll everyone in the group can vote, and everyone sees the
    counts. Bea (BIG) votes; Olga lives in Groenelaan; Rik voted, then moved to Groenelaan;
    Piet is a partner of Elsrijk; Sam never used the bot; Kees answered and took it back.
    Telegram shows 5 answers; the bot's result counts 1 and says why the other 4 did not
    count, never who."""
    bea = await member(bot, services, 2001, "Bea")
    await link_group(bot, bea)
    olga = await onboard(bot, 2200, "Olga", wijk="Groenelaan")
    rik = await onboard(bot, 2201, "Rik")
    piet = await join_as(bot, services, 2202, "Piet", Role.PARTNER, "elsrijk")
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    (poll,) = polls(services)
    assert poll.telegram_poll_id is not None
    sam, kees = bot.user(2300, "Sam"), bot.user(2301, "Kees")
    for person in (bea, olga, rik, piet, sam, kees):
        await person.answer_poll(poll.telegram_poll_id, [0])
    await olga.answer_poll(poll.telegram_poll_id, [1])  # a change: still one answer
    await retract(bot, kees, poll.telegram_poll_id)
    await rik.send("/wijk")
    await rik.press("Groenelaan")  # his vote in Elsrijk's open poll is withdrawn
    with services.db.session() as session:
        reasons = sorted(r.reason for r in session.exec(select(UncountedVote)).all())
    assert reasons == ["not_voting", "other_wijk", "other_wijk"]  # Sam: nothing stored

    await bea.send("/stemmen")
    await bea.press("Beheren")
    await bea.press("Nu sluiten")
    await bea.press("Ja, nu sluiten")
    await delivery.wait_idle(bot.app)

    (result,) = results_in(bot, GROUP_ID)
    assert "Aantal mensen dat stemde: 1" in result and "Speeltuin: 1 (100%)" in result
    assert (
        "Niet meegeteld: 4 stemmen in deze groep. Dit is waarom:\n"
        "• 2 van mensen uit een andere wijk\n"
        "• 1 van iemand die hier niet stemt, zoals een partner\n"
        "• 1 van iemand die nog geen wijk bij mij koos\n"
        "Wil je dat je stem de volgende keer telt? Start een chat met mij: @"
    ) in result, result
    assert not any(name in result for name in ("Olga", "Rik", "Piet", "Sam", "Kees"))
    with services.db.session() as session:  # said: why is not kept any longer
        assert session.exec(select(UncountedVote)).all() == []


async def test_the_creator_s_result_explains_the_votes_not_counted_in_their_language(
    bot: Harness, services: Services
) -> None:
    """Bea made the group's poll and reads its result in her own chat, in English (the group's
    is Dutch): the same count as the group, with the same reasons why answers were not counted,
    never who. The invitation to start a chat with the bot is for the group, not for her."""
    bea = await member(bot, services, 2001, "Bea")
    await link_group(bot, bea)
    olga = await onboard(bot, 2200, "Olga", wijk="Groenelaan")
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    (poll,) = polls(services)
    assert poll.telegram_poll_id is not None
    sam = bot.user(2300, "Sam")
    for person in (bea, olga, sam):
        await person.answer_poll(poll.telegram_poll_id, [0])
    await bea.send("/taal")
    await bea.press("English")

    assert await delivery.close_now(bot.app, poll.id or 0)
    await delivery.wait_idle(bot.app)

    (in_group,) = results_in(bot, GROUP_ID)
    assert "Niet meegeteld: 2 stemmen in deze groep." in in_group, in_group
    (own,) = [m.plain_text for m in bea.messages if m.plain_text.startswith("Results:")]
    assert "Number of people who voted: 1" in own and "Speeltuin: 1 (100%)" in own, own
    assert (
        "Not counted: 2 votes in the Telegram group. This is why:\n"
        "• 1 from someone in another district\n"
        "• 1 from someone who has not chosen a district with me yet"
    ) in own, own
    assert "Start a chat with me" not in own
    assert not any(name in own for name in ("Olga", "Sam"))


async def test_a_sender_that_takes_over_gives_the_creator_the_group_s_count(
    bot: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The group has its result; the sender dies before the creator's. The next sender takes
    over at the creator, after the group's Telegram poll was stopped: Telegram's count of who
    answered (Sam never joined the bot: only that count knows him) comes from the database, so
    Bea reads the group's count too."""
    bea = await member(bot, services, 2001, "Bea")
    await link_group(bot, bea)
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    (poll,) = polls(services)
    assert poll.telegram_poll_id is not None
    await bea.answer_poll(poll.telegram_poll_id, [0])
    await bot.user(2300, "Sam").answer_poll(poll.telegram_poll_id, [1])
    send = delivery._send_results_to

    async def dies(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(delivery, "_send_results_to", dies)
    assert await delivery.close_now(bot.app, poll.id or 0)
    await delivery.wait_idle(bot.app)
    (in_group,) = results_in(bot, GROUP_ID)
    assert "Niet meegeteld: 1 stem in deze groep." in in_group, in_group
    assert not [m for m in bea.messages if m.plain_text.startswith("Uitslag:")]

    monkeypatch.setattr(delivery, "_send_results_to", send)
    with services.db.session() as session:  # its lease ran out
        past = services.clock.now() - timedelta(seconds=1)
        session.exec(update(Poll).values(results_until=past))
        session.commit()
    await delivery.sweep(bot.app)
    await delivery.wait_idle(bot.app)

    assert results_in(bot, GROUP_ID) == [in_group]  # not again
    (own,) = [m.plain_text for m in bea.messages if m.plain_text.startswith("Uitslag:")]
    assert (
        "Niet meegeteld: 1 stem in de Telegram-groep. Dit is waarom:\n"
        "• 1 van iemand die nog geen wijk bij mij koos"
    ) in own, own


async def test_the_result_seen_again_privately_says_what_the_group_was_told(
    bot: Harness, services: Services
) -> None:
    """The group's result went out and the people behind the uncounted answers are forgotten.
    Afterwards Mia (Elsrijk's BIG, in English) and Bea (who made the poll) look at the closed
    poll's result again from /stemmen: the same count of answers not counted, and why, as the
    group read, in their own language, never who. Only the numbers per reason are kept."""
    bea = await member(bot, services, 2001, "Bea")
    mia = await member(bot, services, 2002, "Mia")
    await link_group(bot, bea)
    olga = await onboard(bot, 2200, "Olga", wijk="Groenelaan")
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    (poll,) = polls(services)
    assert poll.telegram_poll_id is not None
    sam = bot.user(2300, "Sam")
    for person in (bea, mia, olga, sam):
        await person.answer_poll(poll.telegram_poll_id, [0])
    await mia.send("/taal")
    await mia.press("English")

    assert await delivery.close_now(bot.app, poll.id or 0)
    await delivery.wait_idle(bot.app)
    (in_group,) = results_in(bot, GROUP_ID)
    assert (
        "Niet meegeteld: 2 stemmen in deze groep. Dit is waarom:\n"
        "• 1 van iemand uit een andere wijk\n"
        "• 1 van iemand die nog geen wijk bij mij koos"
    ) in in_group, in_group
    with services.db.session() as session:  # who is forgotten; the numbers per reason are kept
        assert session.exec(select(UncountedVote)).all() == []
        kept = session.get(Poll, poll.id)
        assert kept is not None
        assert kept.group_uncounted == '{"not_joined": 1, "other_wijk": 1}'

    await mia.send("/stemmen")
    (again,) = await mia.press("Results: Wat pakken we eerst aan?")
    assert "Number of people who voted: 2" in again.plain_text, again.plain_text
    assert (
        "Not counted: 2 votes in the Telegram group. This is why:\n"
        "• 1 from someone in another district\n"
        "• 1 from someone who has not chosen a district with me yet"
    ) in again.plain_text, again.plain_text
    assert "Start a chat with me" not in again.plain_text

    await bea.send("/stemmen")
    (own,) = await bea.press("Uitslag: Wat pakken we eerst aan?")
    assert (
        "Niet meegeteld: 2 stemmen in de Telegram-groep. Dit is waarom:\n"
        "• 1 van iemand uit een andere wijk\n"
        "• 1 van iemand die nog geen wijk bij mij koos"
    ) in own.plain_text, own.plain_text
    assert not any(name in own.plain_text + again.plain_text for name in ("Olga", "Sam"))


async def test_a_group_result_where_every_answer_counted_says_nothing_more(
    bot: Harness, services: Services
) -> None:
    bea = await member(bot, services, 2001, "Bea")
    await link_group(bot, bea)
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    (poll,) = polls(services)
    assert poll.telegram_poll_id is not None
    await bea.answer_poll(poll.telegram_poll_id, [1])
    assert await delivery.close_now(bot.app, poll.id or 0)
    await delivery.wait_idle(bot.app)
    (result,) = results_in(bot, GROUP_ID)
    assert "Bankjes: 1 (100%)" in result and "Niet meegeteld" not in result, result


def closing_time_passed(services: Services) -> None:
    """The poll's closing time was ten seconds ago; the bot has not closed it yet."""
    with services.db.session() as session:
        session.exec(update(Poll).values(closes_at=services.clock.now() - timedelta(seconds=10)))
        session.commit()


async def test_an_answer_after_the_closing_time_closes_the_poll_and_counts_as_late(
    bot: Harness, services: Services
) -> None:
    """The closing time has passed; the bot has not closed the poll yet (it looks every 30 s,
    or it was down), so Telegram's poll still takes answers. Bram, a BIG member of Elsrijk,
    answers now: the poll closes at once (Telegram's poll stops), and the result says his
    answer came too late, not that he never chose a wijk."""
    bea = await member(bot, services, 2001, "Bea")
    bram = await member(bot, services, 2002, "Bram")
    await link_group(bot, bea)
    olga = await onboard(bot, 2200, "Olga", wijk="Groenelaan")
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    (poll,) = polls(services)
    assert poll.telegram_poll_id is not None
    await bea.answer_poll(poll.telegram_poll_id, [0])
    await olga.answer_poll(poll.telegram_poll_id, [0])
    closing_time_passed(services)

    await bram.answer_poll(poll.telegram_poll_id, [1])
    await delivery.wait_idle(bot.app)

    assert bot.fake.polls[poll.telegram_poll_id].is_closed
    (result,) = results_in(bot, GROUP_ID)
    assert "Aantal mensen dat stemde: 1" in result and "Speeltuin: 1 (100%)" in result
    assert (
        "Niet meegeteld: 2 stemmen in deze groep. Dit is waarom:\n"
        "• 1 van iemand uit een andere wijk\n"
        "• 1 kwam te laat, na het sluiten"
    ) in result, result
    assert "nog geen wijk" not in result, result
    assert "gesloten" in bram.last.plain_text  # told why, once, in a private chat


async def test_a_late_answer_of_someone_who_may_not_vote_says_why_not(
    bot: Harness, services: Services
) -> None:
    """Olga lives in Groenelaan: her answer in Elsrijk's group poll would never count. She
    answers after the closing time: the result says she is from another wijk, the reason that
    stays, not that she was late."""
    bea = await member(bot, services, 2001, "Bea")
    await link_group(bot, bea)
    olga = await onboard(bot, 2200, "Olga", wijk="Groenelaan")
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    (poll,) = polls(services)
    assert poll.telegram_poll_id is not None
    await bea.answer_poll(poll.telegram_poll_id, [0])
    closing_time_passed(services)

    await olga.answer_poll(poll.telegram_poll_id, [1])
    await delivery.wait_idle(bot.app)

    (result,) = results_in(bot, GROUP_ID)
    assert (
        "Niet meegeteld: 1 stem in deze groep. Dit is waarom:\n• 1 van iemand uit een andere wijk"
    ) in result, result
    assert "te laat" not in result, result


async def test_a_late_answer_delivered_again_after_the_result_keeps_nothing(
    bot: Harness, services: Services
) -> None:
    """Bram's answer after the closing time closed the poll; its result said it came too late,
    and why was then forgotten. Telegram delivers his answer again (the bot had not confirmed
    it): nothing about it is kept now, as no result will ever say it."""
    bea = await member(bot, services, 2001, "Bea")
    bram = await member(bot, services, 2002, "Bram")
    await link_group(bot, bea)
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    (poll,) = polls(services)
    assert poll.telegram_poll_id is not None
    await bea.answer_poll(poll.telegram_poll_id, [0])
    closing_time_passed(services)
    answers = delivered_updates(bot, "poll_answer")
    await bram.answer_poll(poll.telegram_poll_id, [1])
    await delivery.wait_idle(bot.app)
    (result,) = results_in(bot, GROUP_ID)
    assert "1 kwam te laat" in result, result

    await bot.act(answers[-1], chats=(GROUP_ID, bram.id))
    await delivery.wait_idle(bot.app)

    assert bot.errors == []
    with services.db.session() as session:
        assert session.exec(select(UncountedVote)).all() == []
    assert len(results_in(bot, GROUP_ID)) == 1


async def test_why_an_answer_did_not_count_goes_when_the_poll_is_cancelled(
    bot: Harness, services: Services
) -> None:
    """Olga of Groenelaan answers Elsrijk's group poll: why it does not count is kept for the
    result. The poll is cancelled and has no result: why goes at once, not kept for ever."""
    bea = await member(bot, services, 2001, "Bea")
    await link_group(bot, bea)
    olga = await onboard(bot, 2200, "Olga", wijk="Groenelaan")
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    (poll,) = polls(services)
    assert poll.telegram_poll_id is not None
    await olga.answer_poll(poll.telegram_poll_id, [0])
    with services.db.session() as session:
        assert len(session.exec(select(UncountedVote)).all()) == 1

    await bea.send("/stemmen")
    await bea.press("Beheren")
    await bea.press("Stemming afbreken")
    await bea.press("Ja, afbreken")
    await delivery.wait_idle(bot.app)

    assert bot.bot_messages(GROUP_ID)[-1].plain_text == "Deze stemming is afgebroken."
    with services.db.session() as session:
        assert session.exec(select(UncountedVote)).all() == []


# --- added ---------------------------------------------------------------------------------------


async def test_added_to_a_group_the_bot_says_once_how_to_link_it(
    bot: Harness, services: Services
) -> None:
    bea = await join_as(bot, services, 2001, "Bea", Role.BIG, "elsrijk")
    group = bot.group(-1009999, "BIG Elsrijk", admins=[bea.id], bot_is_member=False)

    said = await bea.add_bot(group)  # my_chat_member, then "Bea added the bot"

    assert [m.plain_text for m in said] == [
        "Hallo! Ik kan hier stemmingen van de BIG neerzetten. Verbind deze groep eerst met "
        "jullie wijk: typ /verbind. Dat doet een beheerder van deze groep. Die moet lid van de "
        "BIG of wijkcoach zijn."
    ]
    assert [m.chat_id for m in said] == [group.id]
    await bea.send("Hoi allemaal", chat=group)
    (linked,) = await bea.send("/verbind", chat=group)
    assert "verbonden met Elsrijk" in linked.plain_text
    assert len(bot.bot_messages(group)) == 2


async def test_an_english_admin_who_adds_the_bot_is_told_how_to_link_in_english(
    bot: Harness, services: Services
) -> None:
    """Bob, a BIG member who uses the bot in English, adds it to his BIG's group. A group has
    no language of its own: the hello is in his language (with /link), then in the
    municipality's."""
    bob = await join_as(bot, services, 2001, "Bob", Role.BIG, "elsrijk")
    await bob.send("/language")
    await bob.press("English")
    group = bot.group(-1009999, "BIG Elsrijk", admins=[bob.id], bot_is_member=False)

    (said,) = await bob.add_bot(group)

    english, dutch = said.plain_text.split("\n\n")
    assert english.startswith("Hello!") and "type /link" in english, english
    assert dutch.startswith("Hallo!") and "typ /verbind" in dutch, dutch
    # Someone the bot does not know: their Telegram's language.
    stranger = bot.user(2002, "Stranger", language_code="en-GB")
    other = bot.group(-1008888, "Another group", admins=[stranger.id], bot_is_member=False)
    (said,) = await stranger.add_bot(other)
    assert said.plain_text.startswith("Hello!") and "Hallo!" in said.plain_text


async def test_the_group_hears_the_language_of_whoever_linked_it(
    bot: Harness, services: Services
) -> None:
    """Bob (English) links the group: the polls Bea (Dutch) puts there, their notes, results
    and a cancelled one are in English, as /link told him. Bea links it again: Dutch."""
    bea = await member(bot, services, 2001, "Bea")
    bob = await member(bot, services, 2002, "Bob")
    await bob.send("/language")
    await bob.press("English")
    group = bot.group(GROUP_ID, "BIG Elsrijk", admins=[bea.id, bob.id])
    (linked,) = await bob.send("/link", chat=group)
    assert "I write here in English" in linked.plain_text, linked.plain_text

    await to_the_group(bot, bea, "Wat eerst?")
    await to_the_group(bot, bea, "Welke volgorde?", kind="Op volgorde zetten")
    native, ranking = polls(services)
    note, post = bot.bot_messages(GROUP_ID)[-2:]
    assert note.plain_text.startswith("Poll by the BIG for Elsrijk. Vote above."), note.plain_text
    assert post.plain_text.startswith("Poll by the BIG for Elsrijk"), post.plain_text
    assert post.button_texts == ["Vote in a private chat"], post.button_texts
    assert await delivery.close_now(bot.app, native.id or 0)
    await delivery.wait_idle(bot.app)
    result = bot.bot_messages(GROUP_ID)[-1].plain_text
    assert result.startswith("Results: Wat eerst?"), result

    (linked,) = await bea.send("/verbind", chat=group)
    assert "Ik schrijf hier in het Nederlands" in linked.plain_text, linked.plain_text
    assert await delivery.cancel_now(bot.app, ranking.id or 0)
    assert bot.bot_messages(GROUP_ID)[-1].plain_text == "Deze stemming is afgebroken."


async def test_an_add_delivered_again_says_nothing_new(
    services: Services, fake: FakeTelegram
) -> None:
    """Telegram sends an update again when the bot did not confirm it: at once (a webhook
    answer lost), or after a restart (the bot died first), then with the ones after it."""
    first = await Harness(make_app(services, fake), fake).__aenter__()
    bea = await join_as(first, services, 2001, "Bea", Role.BIG, "elsrijk")
    group = first.group(-1009999, "BIG Elsrijk", admins=[bea.id], bot_is_member=False)
    updates = delivered_updates(first, "my_chat_member")
    await bea.add_bot(group)
    await bea.remove_bot(group)
    await bea.add_bot(group)
    # Added again after a removal: hello again.
    assert [m.plain_text.startswith("Hallo!") for m in first.bot_messages(group)] == [True, True]
    added = updates[-1]

    assert await first.act(added, chats=(group.id,)) == []
    await crash(first)
    async with Harness(make_app(services, fake), fake) as second:
        for update in updates:  # added, removed, added: all three again, in their order
            assert await second.act(update, chats=(group.id,)) == []
        assert second.errors == []
        assert len(second.bot_messages(group)) == 2


# --- unreachable in the private chat -------------------------------------------------------------


def unreachable(services: Services, person: FakePerson) -> bool:
    with services.db.session() as session:
        stored = persons.get_person(session, person.id)
        assert stored is not None
        return stored.unreachable_at is not None


async def test_what_someone_does_in_the_group_leaves_their_private_chat_unreachable(
    bot: Harness, services: Services
) -> None:
    """Piet blocked the bot in his private chat: unreachable there. Answering the group's poll
    or /verbind in the group says nothing about his private chat: the digest and news still
    pass him by. Writing to the bot in the private chat (after unblocking it) ends that."""
    bea = await member(bot, services, 2001, "Bea")
    piet = await member(bot, services, 2002, "Piet")
    group = bot.group(GROUP_ID, "BIG Elsrijk", admins=[bea.id])
    (linked,) = await bea.send("/verbind", chat=group)
    assert "verbonden met Elsrijk" in linked.plain_text
    await create_poll(bot, bea, audience="De Telegram-groep", hide=None)
    (poll,) = polls(services)
    assert poll.telegram_poll_id is not None
    await piet.block_bot()
    assert unreachable(services, piet)

    await piet.answer_poll(poll.telegram_poll_id, [0])
    assert unreachable(services, piet)
    await piet.send("/verbind", chat=group)
    assert unreachable(services, piet)

    bot.fake.unblock(piet.id)
    await piet.send("/menu")
    assert not unreachable(services, piet)


# --- the preview ---------------------------------------------------------------------------------


async def test_a_ranking_for_the_group_previews_without_a_note_that_nobody_gets_it(
    bot: Harness, services: Services
) -> None:
    """The BIG's only member puts a ranking in the group: it goes to the whole group, so the
    preview has no "nog niemand anders" note (it showed a raw key, polls.prev_nobody_group)."""
    bea, _ = await basic_group(bot, services)
    await bea.send("/menu")
    await bea.press("Nieuwe stemming")
    await bea.send("Wat eerst?")
    for option in ("Bankjes", "Speeltuin"):
        await bea.send(option)
    await bea.press("Klaar met antwoorden")
    await bea.press("Op volgorde zetten")
    await bea.press("De Telegram-groep")
    await bea.press("Over een week")
    await bea.press("Ja, uitslag tot nu toe")

    preview = bea.last.plain_text
    assert "Kijk je stemming na" in preview
    assert "polls." not in preview
    assert "nog niemand anders" not in preview
    assert bea.last.button_texts == ["Versturen", "Iets veranderen", "Stoppen"]


# --- a second group ------------------------------------------------------------------------------


async def test_linking_a_second_group_says_new_polls_go_there_and_not_to_the_first(
    bot: Harness, services: Services
) -> None:
    """Polls go to the group linked last: linking a second one says so, naming the first, which
    was told "Stemmingen voor de BIG kunnen hier komen" (before, nobody heard it changed)."""
    bea, first = await basic_group(bot, services)
    second = bot.group(-1009002, "BIG Elsrijk Zuid", admins=[bea.id])

    (linked,) = await bea.send("/verbind", chat=second)

    assert "verbonden met Elsrijk" in linked.plain_text
    assert "Nieuwe stemmingen komen nu hier, niet meer in de groep BIG Elsrijk." in (
        linked.plain_text
    )
    await to_the_group(bot, bea, "Wat eerst?")
    assert "Je stemming staat nu in de groep BIG Elsrijk Zuid" in bea.last.plain_text

    # Linked again, the first group gets them back, and is told so; the same group linked
    # again hears nothing of another group.
    (again,) = await bea.send("/verbind", chat=first)
    assert "niet meer in de groep BIG Elsrijk Zuid" in again.plain_text
    (same,) = await bea.send("/verbind", chat=first)
    assert "niet meer in" not in same.plain_text


# --- messages in the group -----------------------------------------------------------------------


async def test_a_reply_to_the_bot_in_the_group_is_answered_other_messages_are_not(
    bot: Harness, services: Services
) -> None:
    """Someone answers the poll's message with a reply ("Ik kies bankjes"): the bot reads no
    messages there, and says so and where to go (before: silence, as if the vote was taken).
    Other talk in the group it leaves alone."""
    bea, group = await basic_group(bot, services)
    await to_the_group(bot, bea, "Wat eerst?", kind="Op volgorde zetten")
    ranking = bot.bot_messages(group)[-1]
    sam = bot.user(3002, "Sam")  # in the group, never wrote to the bot
    group.members.add(sam.id)

    assert await sam.send("Leuk plan!", chat=group) == []
    (answer,) = await sam.send("Ik kies bankjes", chat=group, reply_to=ranking)

    assert answer.chat_id == group.id
    assert answer.plain_text == (
        "Ik lees hier geen berichten. Stemmen doe je bij de stemming zelf. Wil je iets melden "
        "of vragen? Dat kan in een eigen chat met mij: @wijkspiegel_bot"
    )
    (own,) = [m for m in bot.fake.messages[group.id] if m.text == "Ik kies bankjes"]
    assert await bea.send("Ik ook", chat=group, reply_to=own.message_id) == []


# --- results the group could not get -------------------------------------------------------------


async def test_the_creator_hears_when_the_group_could_not_get_the_result(
    bot: Harness, services: Services
) -> None:
    """The bot was removed from the group while its poll was open: closing it, the creator was
    told "de uitslag gaat meteen naar iedereen" and got the result, but never that the group
    did not. Now their result says so."""
    bea, group = await basic_group(bot, services)
    await to_the_group(bot, bea, "Wat eerst?")
    poll = only_poll(services)
    assert poll.telegram_poll_id is not None
    await bea.answer_poll(poll.telegram_poll_id, [1])
    await bea.remove_bot(group)

    assert await delivery.close_now(bot.app, poll.id or 0)
    await delivery.wait_idle(bot.app)

    (result,) = [m.plain_text for m in bea.messages if "Uitslag:" in m.plain_text]
    assert "Bankjes: 1 (100%)" in result
    assert "De Telegram-groep kreeg deze uitslag niet." in result
    assert results_in(bot, OLD) == []


async def test_the_creator_s_result_says_nothing_of_a_group_that_got_it(
    bot: Harness, services: Services
) -> None:
    bea, _ = await basic_group(bot, services)
    await to_the_group(bot, bea, "Wat eerst?")
    poll = only_poll(services)

    assert await delivery.close_now(bot.app, poll.id or 0)
    await delivery.wait_idle(bot.app)

    (result,) = [m.plain_text for m in bea.messages if "Uitslag:" in m.plain_text]
    assert "kreeg deze uitslag niet" not in result
    assert len(results_in(bot, OLD)) == 1
