"""/start → privacy → consent → wijk → menu, through the real Application and the fake Bot API."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.context import Services
from bot.fake_telegram import Harness
from models import Membership, Person, Role, StoredState


def people_in(services: Services) -> list[Person]:
    with services.db.session() as session:
        return list(session.exec(select(Person)).all())


async def test_nothing_is_stored_before_consent(bot: Harness, services: Services) -> None:
    alice = bot.user(1001, "Alice", language_code="nl")
    (privacy,) = await alice.send("/start")
    assert "Eerst over je gegevens" in privacy.plain_text
    assert "Hallo Alice" in privacy.plain_text
    assert privacy.button_texts == ["Akkoord", "Liever niet", "Meer over je gegevens", "English"]
    await alice.send("hallo?")  # a message before consent
    assert people_in(services) == []
    with services.db.session() as session:
        assert session.exec(select(StoredState)).all() == []

    (declined,) = await alice.press("Liever niet")
    assert "niets bewaard" in declined.plain_text
    assert people_in(services) == []


async def test_consent_then_wijk_then_menu(bot: Harness, services: Services) -> None:
    alice = bot.user(1001, "Alice")
    await alice.send("/start")
    (listing,) = await alice.press("Akkoord")
    # One edit of the privacy message: what she agreed to stays, the wijk question follows.
    assert "Eerst over je gegevens" in listing.plain_text
    assert "In welke wijk woon je?" in listing.plain_text
    assert "Elsrijk" in listing.button_texts and "Akkoord" not in listing.button_texts
    (person,) = people_in(services)
    assert person.telegram_id == 1001 and person.language == "nl" and person.consent_at is not None
    assert person.pseudonym.startswith("Buur-")
    assert person.display_name is None  # the name is stored only when someone chooses to share it

    (menu,) = await alice.press("Elsrijk")
    # One edit again: the list becomes the menu, which names the wijk.
    assert menu.message_id == listing.message_id
    assert "Je wijk: Elsrijk" in menu.plain_text and "Wat wil je doen?" in menu.plain_text
    assert bot.fake.calls_to("sendMessage")[-1].params["text"].startswith("Hallo Alice")
    with services.db.session() as session:
        person = session.exec(select(Person)).one()
        (membership,) = session.exec(select(Membership)).all()
        assert (
            membership.role == Role.RESIDENT.value and membership.wijk_id == person.current_wijk_id
        )


async def test_english_telegram_language_gets_english(bot: Harness, services: Services) -> None:
    bob = bot.user(1002, "Bob", language_code="en-GB")
    (privacy,) = await bob.send("/start")
    assert "First, about your data" in privacy.plain_text
    await bob.press("I agree")
    assert "Which district do you live in?" in bob.last.plain_text
    assert people_in(services)[0].language == "en"


async def test_language_switch_before_consent_stores_nothing(
    bot: Harness, services: Services
) -> None:
    carla = bot.user(1003, "Carla", language_code="de")  # neither nl nor en: the default, Dutch
    (privacy,) = await carla.send("/start")
    assert "Eerst over je gegevens" in privacy.plain_text
    await carla.press("English")
    assert "First, about your data" in carla.last.plain_text
    assert people_in(services) == []
    await carla.press("I agree")
    assert people_in(services)[0].language == "en"


async def test_declining_after_choosing_english_answers_in_english(
    bot: Harness, services: Services
) -> None:
    amy = bot.user(1004, "Amy", language_code="nl")  # a Dutch phone, an English reader
    await amy.send("/start")
    await amy.press("English")
    (declined,) = await amy.press("No thanks")
    assert "I have not saved anything" in declined.plain_text
    assert declined.button_texts == ["Start"]
    assert people_in(services) == []
    # Starting after all: the privacy statement again, in the language chosen on it.
    (statement,) = await amy.press("Start")
    assert "No thanks" in statement.button_texts and "Nederlands" in statement.button_texts
    assert people_in(services) == []


async def test_a_typed_message_after_choosing_english_on_the_statement_answers_in_english(
    bot: Harness, services: Services
) -> None:
    # Telegram says Dutch; on the privacy statement the person presses "English": the statement
    # is now English. Before pressing "I agree" they type something (or /menu, /report).
    piet = bot.user(4101, "Piet", language_code="nl")
    await piet.send("/start")
    (statement,) = await piet.press("English")
    assert "I agree" in statement.button_texts
    for typed in ("Hello, how does this work?", "/menu", "/report"):
        (answer,) = await piet.send(typed)
        # They chose English a moment ago: the bot goes on in English, with the English buttons.
        assert "Je doet nog niet mee" not in answer.plain_text, typed
        assert "You are not taking part yet" in answer.plain_text, typed
        assert "First, about your data" in answer.plain_text, typed
        assert "I agree" in answer.button_texts, typed
        assert "Akkoord" not in answer.button_texts, typed
    # Remembered for the chat only: nothing is stored before consent.
    assert people_in(services) == []
    with services.db.session() as session:
        assert session.exec(select(StoredState)).all() == []
    # "No thanks", then typing: still English.
    await piet.press("No thanks")
    (answer,) = await piet.send("hello?")
    assert "You are not taking part yet" in answer.plain_text
    (joined,) = await piet.press("I agree")
    assert "Which district do you live in?" in joined.plain_text
    assert people_in(services)[0].language == "en"


async def test_a_typed_message_after_choosing_dutch_on_the_statement_answers_in_dutch(
    bot: Harness, services: Services
) -> None:
    # The mirror: Telegram says English, the person presses "Nederlands", then types.
    ruth = bot.user(4103, "Ruth", language_code="en")
    (statement,) = await ruth.send("/start")
    assert "I agree" in statement.button_texts
    await ruth.press("Nederlands")
    for typed in ("Hoe werkt dit?", "/menu"):
        (answer,) = await ruth.send(typed)
        assert "You are not taking part yet" not in answer.plain_text, typed
        assert "Je doet nog niet mee" in answer.plain_text, typed
        assert "Akkoord" in answer.button_texts, typed
    assert people_in(services) == []
    await ruth.press("Akkoord")
    assert people_in(services)[0].language == "nl"


def what_is_stored(services: Services) -> list[tuple[object, ...]]:
    with services.db.session() as session:
        people = [(p.id, p.language, p.consent_at, p.current_wijk_id) for p in people_in(services)]
        members = [(m.person_id, m.wijk_id, m.role) for m in session.exec(select(Membership))]
        return [*people, *members]


async def test_declining_on_an_old_statement_after_joining_keeps_everything(
    bot: Harness, services: Services
) -> None:
    """Alice sent /start three times, agreed on the last statement and joined. Later she presses
    "Liever niet" (or "Meer over je gegevens") on the first one: she is told, in her language
    now, that she takes part and how to stop; nothing she stored changes."""
    alice = bot.user(1001, "Alice", language_code="nl")
    (old,) = await alice.send("/start")
    (older,) = await alice.send("/start")
    await alice.send("/start")
    await alice.press("Akkoord")
    await alice.press("Elsrijk")
    stored = what_is_stored(services)

    (answer,) = await alice.press("Liever niet", message=old)

    assert answer.message_id == old.message_id  # the old statement becomes the answer
    assert answer.plain_text == (
        "Je doet al mee. Je gegevens blijven zoals ze zijn.\n"
        "Wil je stoppen? Met /vergeetmij wis ik alles. "
        "Met /mijngegevens krijg je alles wat ik over je bewaar."
    )
    assert answer.button_texts == ["Naar het menu"]
    assert what_is_stored(services) == stored

    # In English after /taal, on a statement she was shown in Dutch; its details too.
    await alice.send("/taal")
    await alice.press("English")
    stored = what_is_stored(services)
    (details,) = await alice.press("Meer over je gegevens", message=older)
    assert "More about your data" in details.plain_text
    (answer,) = await alice.press("No thanks", message=details)
    assert answer.plain_text.startswith("You already take part.")
    assert "/forgetme" in answer.plain_text and "/mydata" in answer.plain_text
    assert answer.button_texts == ["Back to the menu"]
    assert what_is_stored(services) == stored


async def test_taal_changes_language(bot: Harness, services: Services) -> None:
    alice = bot.user(1001, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    await alice.press("Elsrijk")
    await alice.send("/taal")
    await alice.press("English")
    assert any("I will write to you in English" in m.plain_text for m in alice.messages[-2:])
    assert "What would you like to do?" in alice.last.plain_text
    assert people_in(services)[0].language == "en"


@pytest.mark.parametrize(
    ("command", "lang"),
    [
        ("/taal en", "en"),
        ("/taal engels", "en"),
        ("/taal English", "en"),
        ("/language en", "en"),
        ("/language nl", "nl"),
        ("/taal Nederlands", "nl"),
    ],
)
async def test_taal_with_a_language_switches_at_once(
    bot: Harness, services: Services, command: str, lang: str
) -> None:
    alice = bot.user(1001, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    await alice.press("Elsrijk")
    if lang == "nl":  # from English back to Dutch
        await alice.send("/taal")
        await alice.press("English")
    replies = await alice.send(command)
    said = "\n".join(m.plain_text for m in replies)
    assert "Welke taal wil je?" not in said
    changed = "I will write to you in English" if lang == "en" else "Ik praat nu Nederlands"
    assert changed in said
    assert people_in(services)[0].language == lang


async def test_taal_with_another_word_asks_which_language(bot: Harness) -> None:
    alice = bot.user(1001, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    await alice.press("Elsrijk")
    (asked,) = await alice.send("/taal klingon")
    assert "Welke taal wil je?" in asked.plain_text
    assert asked.button_texts == ["Nederlands", "English"]


async def test_start_again_shows_menu(bot: Harness) -> None:
    alice = bot.user(1001, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    await alice.press("Groenelaan")
    replies = await alice.send("/start")
    assert "Welkom terug" in replies[0].plain_text
    assert "Je wijk: Groenelaan" in alice.last.plain_text


async def test_wijk_command_changes_wijk_and_moves_membership(
    bot: Harness, services: Services
) -> None:
    alice = bot.user(1001, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    await alice.press("Groenelaan")
    await alice.send("/wijk")
    await alice.press("Randwijck")
    assert "Je wijk: Randwijck" in alice.last.plain_text
    with services.db.session() as session:
        memberships = session.exec(select(Membership)).all()
    assert len(memberships) == 1


async def test_a_wijk_draft_with_a_key_no_release_wrote_loads_without_it(
    bot: Harness, services: Services
) -> None:
    """`stopped` (a catalogue key) was in the wijk draft for 25 minutes of one day's work,
    before `left` replaced it, and no release stored it; a draft that has it anyway still loads
    (unknown keys are ignored) and the choice works, saying nothing of it."""
    alice = bot.user(1001, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    await alice.press("Groenelaan")
    await alice.send("/wijk")
    bot.app.user_data[1001]["flow"]["data"] = {"stopped": "common.cancelled"}
    (menu,) = await alice.press("Randwijck")
    assert "Je wijk: Randwijck" in menu.plain_text
    assert "Gestopt" not in menu.plain_text


async def test_old_wijk_button_is_stale(bot: Harness, services: Services) -> None:
    alice = bot.user(1001, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    first_list = alice.last
    await alice.send("/wijk")  # a new list: the first one's buttons are now stale
    await alice.press("Stadshart", message=first_list)
    assert alice.alerts[-1] == "Deze knop werkt niet meer."
    with services.db.session() as session:
        assert session.exec(select(Person)).one().current_wijk_id is None


async def test_forged_wijk_id_is_refused(bot: Harness, services: Services) -> None:
    alice = bot.user(1001, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    listing = alice.last
    nonce = listing.buttons[0][0].callback_data.split(":")[1]  # type: ignore[union-attr]
    await alice.press_data(f"wk:{nonce}:99999", message=listing)
    assert alice.alerts[-1] == "Deze knop werkt niet meer."
    await alice.press_data("garbage", message=listing)
    assert alice.alerts[-1] == "Deze knop werkt niet meer."


async def test_commands_need_consent_first(bot: Harness, services: Services) -> None:
    dave = bot.user(1004, "Dave")
    (reply,) = await dave.send("/menu")
    # What comes first, and the button it names: the privacy statement with Akkoord.
    assert "Wil je meedoen? Druk dan op Akkoord." in reply.plain_text
    assert "Eerst over je gegevens" in reply.plain_text
    assert "Akkoord" in reply.button_texts
    assert people_in(services) == []


async def test_cancel_during_wijk_choice(bot: Harness) -> None:
    alice = bot.user(1001, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    await alice.press("Stoppen")
    assert "Gestopt" in alice.last.plain_text
    # Every message has a way on: the menu button asks for the wijk again.
    await alice.press("Naar het menu")
    assert "In welke wijk woon je?" in alice.last.plain_text


async def test_unknown_command_and_text_get_help(bot: Harness) -> None:
    alice = bot.user(1001, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    await alice.press("Elsrijk")
    (reply,) = await alice.send("/bestaatniet")
    assert "Die opdracht ken ik niet" in reply.plain_text
    assert reply.button_texts == ["Naar het menu"]


async def test_unsupported_message_types(bot: Harness) -> None:
    alice = bot.user(1001, "Alice")
    await alice.send("/start")
    await alice.press("Akkoord")
    await alice.press("Elsrijk")
    for send in (alice.send_sticker, alice.send_voice, alice.send_video, alice.send_contact):
        (reply,) = await send()
        assert "Dit soort bericht kan ik niet gebruiken" in reply.plain_text
    (reply,) = await alice.send_forwarded("doorgestuurd")
    assert "Doorgestuurde berichten" in reply.plain_text


async def test_group_chat_commands_point_to_private_chat(bot: Harness) -> None:
    alice = bot.user(1001, "Alice")
    group = bot.group(-1001234, "BIG Elsrijk", members=[1001])
    replies = await alice.send("/start", chat=group)
    assert "alleen in een eigen chat" in replies[0].plain_text
    assert "@wijkspiegel_bot" in replies[0].plain_text


async def test_command_menu_set_per_language(bot: Harness) -> None:
    calls = bot.fake.calls_to("setMyCommands")
    languages = {c.params.get("language_code") for c in calls}
    assert {"nl", "en", None} <= languages
    nl = next(c for c in calls if c.params.get("language_code") == "nl")
    names = [c["command"] if isinstance(c, dict) else c.command for c in nl.params["commands"]]
    assert names[:2] == ["start", "menu"] and "wijk" in names and "taal" in names
