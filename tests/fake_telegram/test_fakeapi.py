"""The fake Bot API behaves like Telegram where the bot can tell the difference."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import json
from typing import Any

import pytest
from telegram import (
    Bot,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from bot.fake_telegram import FakeTelegram, FakeTelegramServer, Harness, parse_html, strip_html
from bot.fake_telegram.state import CallbackQueryRecord

ALICE = 1001
BOB = 1002


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Akkoord", callback_data="ok:1"),
                InlineKeyboardButton("Niet akkoord", callback_data="no:1"),
            ],
            [InlineKeyboardButton("Website", url="https://example.org")],
        ]
    )


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    context.bot_data.setdefault("update_ids", []).append(update.update_id)
    await update.message.reply_text(
        f"Je zei: <b>{html.escape(update.message.text)}</b>", reply_markup=keyboard()
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    context.bot_data.setdefault("update_ids", []).append(update.update_id)
    await query.answer("Opgeslagen", show_alert=query.data == "no:1")
    await query.edit_message_text(f"Gekozen: <i>{html.escape(query.data or '')}</i>")


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text("Welkom")


async def send_poll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await context.bot.send_poll(
        update.effective_chat.id,
        "Wat kan beter?",
        ["Groen", "Verkeer", "Veiligheid"],
        is_anonymous=False,
        allows_multiple_answers=True,
    )


async def on_poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    answer = update.poll_answer
    assert answer is not None and answer.user is not None
    context.bot_data.setdefault("answers", []).append((answer.user.id, list(answer.option_ids)))
    await context.bot.send_message(answer.user.id, "Dank je voor je stem")


async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None
    kinds = context.bot_data.setdefault("kinds", [])
    for kind in ("photo", "location", "sticker", "voice", "video", "document", "contact"):
        if getattr(message, kind):
            kinds.append(kind)
    if message.forward_origin is not None:
        kinds.append("forwarded")
    if message.document is not None:
        data = await (await message.document.get_file()).download_as_bytearray()
        context.bot_data["document_bytes"] = bytes(data)


async def on_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.edited_message is not None
    context.bot_data["edited"] = update.edited_message.text


async def on_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    assert isinstance(change, ChatMemberUpdated)
    context.bot_data.setdefault("member", []).append(change.new_chat_member.status)


async def on_service(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None
    seen = context.bot_data.setdefault("service", [])
    if message.migrate_to_chat_id is not None:
        seen.append((message.chat_id, "to", message.migrate_to_chat_id))
    if message.migrate_from_chat_id is not None:
        seen.append((message.chat_id, "from", message.migrate_from_chat_id))
    for user in message.new_chat_members:
        seen.append((message.chat_id, "joined", user.id))


async def crash(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    raise RuntimeError("boom")


def build_app(fake: FakeTelegram) -> Application[Any, Any, Any, Any, Any, Any]:
    app = fake.application_builder().defaults(Defaults(parse_mode=ParseMode.HTML)).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("poll", send_poll))
    app.add_handler(CommandHandler("crash", crash))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edit))
    app.add_handler(
        MessageHandler(
            filters.StatusUpdate.MIGRATE | filters.StatusUpdate.NEW_CHAT_MEMBERS, on_service
        )
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.FORWARDED, echo))
    app.add_handler(MessageHandler(~filters.TEXT | filters.FORWARDED, on_media))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(PollAnswerHandler(on_poll_answer))
    app.add_handler(ChatMemberHandler(on_member, ChatMemberHandler.MY_CHAT_MEMBER))
    return app


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
def app(fake: FakeTelegram) -> Application[Any, Any, Any, Any, Any, Any]:
    return build_app(fake)


# ---- acting as users ---------------------------------------------------------------------------


async def check_echo_and_button(h: Harness) -> None:
    alice = h.user(ALICE, "Alice")
    sent = await alice.send("hallo <wereld> & co")
    assert len(sent) == 1
    reply = sent[0]
    assert reply.text == "Je zei: <b>hallo &lt;wereld&gt; &amp; co</b>"
    assert reply.plain_text == "Je zei: hallo <wereld> & co"
    assert reply.button_texts == ["Akkoord", "Niet akkoord", "Website"]
    assert reply.buttons[0][0].callback_data == "ok:1"

    edited = await alice.press("Akkoord")  # exact match wins over "Niet akkoord"
    assert [m.message_id for m in edited] == [reply.message_id]
    assert edited[0].edited and edited[0].plain_text == "Gekozen: ok:1"
    assert edited[0].buttons == []  # edit_message_text without markup removes the keyboard
    assert alice.alerts == ["Opgeslagen"] and not alice.alerts[0].show_alert

    await alice.send("nog eens")
    await alice.press("niet")  # case-insensitive substring
    assert alice.alerts[-1].show_alert
    assert alice.last.plain_text == "Gekozen: no:1"
    assert h.fake.unanswered_callback_queries() == []

    ids = h.app.bot_data["update_ids"]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) == 4


async def test_process_update_mode(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async with Harness(app, fake) as h:
        assert h.mode == "process_update"
        await check_echo_and_button(h)
        assert fake.calls_to("getUpdates") == []


async def test_polling_mode(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async with Harness(app, fake) as h:
        await h.start_polling()
        assert h.mode == "polling"
        await check_echo_and_button(h)
        assert fake.calls_to("deleteWebhook")
        assert fake.calls_to("getUpdates")
        assert fake.pending_updates == 0
    assert not app.running


async def test_press_without_match_lists_buttons(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async with Harness(app, fake) as h:
        alice = h.user(ALICE)
        await alice.send("hoi")
        with pytest.raises(AssertionError, match=r"Akkoord.*Niet akkoord"):
            await alice.press("Annuleren")
        with pytest.raises(AssertionError, match="no callback_data"):
            await alice.press("Website")


async def test_forged_callback_data(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async with Harness(app, fake) as h:
        alice = h.user(ALICE)
        [reply] = await alice.send("hoi")
        [edited] = await alice.press_data("x:<1>", message=reply)
        assert edited.plain_text == "Gekozen: x:<1>"


async def test_user_media_edit_and_download(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async with Harness(app, fake) as h:
        alice = h.user(ALICE)
        await alice.send_photo(caption="kapotte lantaarn")
        await alice.send_location(52.3, 4.86)
        await alice.send_sticker()
        await alice.send_voice()
        await alice.send_video()
        await alice.send_document("rapport.pdf", b"%PDF-1.4 inhoud")
        await alice.send_contact()
        await alice.send_forwarded("doorgestuurd")
        assert app.bot_data["kinds"] == [
            "photo",
            "location",
            "sticker",
            "voice",
            "video",
            "document",
            "contact",
            "forwarded",
        ]
        assert app.bot_data["document_bytes"] == b"%PDF-1.4 inhoud"

        await alice.send("eerste versie")
        mine = alice.sent[-1]
        await alice.edit(mine, "tweede versie")
        assert app.bot_data["edited"] == "tweede versie"


async def test_group_chat(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async with Harness(app, fake) as h:
        alice = h.user(ALICE)
        group = h.group(-1001234, title="BIG Elsrijk", admins=[ALICE])
        [reply] = await alice.send("/start", chat=group)
        assert reply.chat_id == group.id and reply.text == "Welkom"
        assert alice.messages == []
        member = await app.bot.get_chat_member(group.id, ALICE)
        assert member.status == "creator"
        bob = h.user(BOB)
        assert (await app.bot.get_chat_member(group.id, bob.id)).status == "left"
        admins = await app.bot.get_chat_administrators(group.id)
        assert [a.user.id for a in admins] == [ALICE]
        chat = await app.bot.get_chat(group.id)
        assert chat.title == "BIG Elsrijk" and chat.type == "supergroup"


async def test_poll_answer_reaches_handler(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async with Harness(app, fake) as h:
        alice = h.user(ALICE)
        [poll_message] = await alice.send("/poll")
        assert poll_message.kind == "poll" and poll_message.poll is not None
        assert poll_message.poll.options == ["Groen", "Verkeer", "Veiligheid"]
        replies = await alice.answer_poll(poll_message.poll.id, [0, 2])
        assert app.bot_data["answers"] == [(ALICE, [0, 2])]
        assert [m.text for m in replies] == ["Dank je voor je stem"]
        assert fake.polls[poll_message.poll.id].to_ptb().options[2].voter_count == 1

        stopped = await app.bot.stop_poll(ALICE, poll_message.message_id)
        assert stopped.is_closed
        with pytest.raises(AssertionError, match="closed"):
            await alice.answer_poll(poll_message.poll.id, [1])


async def test_a_bot_may_not_write_first(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async with Harness(app, fake) as h:
        alice = h.user(ALICE)
        group = h.group(-100555, "Buurt", members=[ALICE])
        await alice.send("hoi allemaal", chat=group)  # known to the bot from a group only
        for send in (
            lambda: app.bot.send_message(ALICE, "hallo?"),
            lambda: app.bot.send_document(ALICE, b"x", filename="x.txt"),
            lambda: app.bot.send_chat_action(ALICE, "typing"),
        ):
            with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
                await send()
        assert [c.status for c in fake.calls_to("sendMessage")][-1] == 403
        assert alice.messages == []
        # Pressing Start sends "/start": from then on the bot may write to her.
        assert [m.text for m in await alice.send("/start")] == ["Welkom"]
        await app.bot.send_message(ALICE, "hallo!")
        assert alice.last.text == "hallo!"
        # Someone who started the bot before the test began.
        bob = h.user(BOB, started=True)
        await app.bot.send_message(BOB, "welkom terug")
        assert bob.last.text == "welkom terug"


async def test_block_bot(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async with Harness(app, fake) as h:
        alice = h.user(ALICE)
        await alice.send("/start")
        await alice.block_bot()
        assert app.bot_data["member"] == ["kicked"]
        with pytest.raises(Forbidden, match="blocked by the user"):
            await app.bot.send_message(ALICE, "hallo?")
        await alice.unblock_bot()
        assert app.bot_data["member"] == ["kicked", "member"]
        await app.bot.send_message(ALICE, "welkom terug")
        assert alice.last.text == "welkom terug"


async def test_a_group_upgraded_to_a_supergroup(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async with Harness(app, fake) as h:
        alice = h.user(ALICE)
        old = h.group(-4567, "Buurt", admins=[ALICE])
        assert old.type == "group"
        await app.bot.send_message(old.id, "voor")
        await alice.upgrade_group(old, new_id=-1004567999)
        # Telegram's two service messages: in the old group, then the supergroup's first; and
        # the bot "joins" the supergroup (it never hears that it left the old group).
        assert app.bot_data["service"] == [
            (old.id, "to", -1004567999),
            (-1004567999, "from", old.id),
        ]
        assert app.bot_data["member"] == ["member"]
        new = fake.chats[-1004567999]
        assert (new.type, new.title, new.admins) == ("supergroup", "Buurt", {ALICE})
        # Every call naming the old id is refused with the new one.
        for call in (
            app.bot.send_message(old.id, "hallo"),
            app.bot.get_chat_member(old.id, ALICE),
            app.bot.get_chat(old.id),
        ):
            with pytest.raises(ChatMigrated) as info:
                await call
            assert info.value.new_chat_id == new.id
        sent = await app.bot.send_message(new.id, "na")
        assert (sent.chat.type, sent.message_id) == ("supergroup", 2)
        assert [m.text for m in h.bot_messages(new)] == ["na"]
        with pytest.raises(ValueError, match="not a group"):
            fake.migrate_chat(new.id)


async def test_the_bot_added_to_and_removed_from_a_group(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async with Harness(app, fake) as h:
        alice = h.user(ALICE)
        group = h.group(-1004567, "Buurt", admins=[ALICE], bot_is_member=False)
        with pytest.raises(Forbidden, match="not a member of the supergroup"):
            await app.bot.send_message(group.id, "hallo")
        await alice.add_bot(group)
        assert app.bot_data["member"] == ["member"]
        assert app.bot_data["service"] == [(group.id, "joined", fake.bot.id)]
        await app.bot.send_message(group.id, "hallo")
        with pytest.raises(AssertionError, match="cannot be added"):
            await alice.add_bot(group)

        await alice.remove_bot(group)  # an admin removes it from a supergroup: kicked
        assert app.bot_data["member"] == ["member", "kicked"]
        with pytest.raises(Forbidden, match="kicked from the supergroup"):
            await app.bot.send_message(group.id, "hallo?")
        await alice.add_bot(group)
        assert app.bot_data["member"] == ["member", "kicked", "member"]

        basic = h.group(-4568, "Oud", admins=[ALICE])
        await alice.remove_bot(basic)  # from a basic group it has left
        assert app.bot_data["member"][-1] == "left"
        with pytest.raises(Forbidden, match="not a member of the group"):
            await app.bot.send_message(basic.id, "hallo?")


async def test_handler_errors_are_raised(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async with Harness(app, fake) as h:
        with pytest.raises(RuntimeError, match="boom"):
            await h.user(ALICE).send("/crash")
    async with Harness(build_app(FakeTelegram()), FakeTelegram(), raise_errors=False) as h2:
        await h2.user(ALICE).send("/crash")
        assert [str(e) for e in h2.errors] == ["boom"]


# ---- failure injection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "exception"),
    [
        ("forbidden", Forbidden),
        ("retry_after", RetryAfter),
        ("bad_request", BadRequest),
        ("timeout", TimedOut),
        ("server_error", NetworkError),
        ("migrated", ChatMigrated),
    ],
)
async def test_failure_kinds(
    fake: FakeTelegram,
    app: Application[Any, Any, Any, Any, Any, Any],
    monkeypatch: pytest.MonkeyPatch,
    error: str,
    exception: type[Exception],
) -> None:
    # PTB 22.8 warns on every RetryAfter unless opted in; the warning is an error in this suite.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.add_user(ALICE, started=True)
    fake.add_chat(-4567, type="group", title="Oud")
    async with app:
        fake.fail_next("sendMessage", error=error, retry_after=7)
        chat_id = -4567 if error == "migrated" else ALICE
        with pytest.raises(exception) as info:
            await app.bot.send_message(chat_id, "hallo")
        if isinstance(info.value, RetryAfter):
            assert info.value.retry_after == dtm.timedelta(seconds=7)
        if isinstance(info.value, ChatMigrated):
            assert info.value.new_chat_id == -1004567
        # Only once: the next call goes through.
        await app.bot.send_message(ALICE, "hallo")
        assert [c.status for c in fake.calls_to("sendMessage")][-1] == 200


async def test_fail_next_filters_by_chat_and_counts(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    fake.add_user(ALICE, started=True)
    fake.add_user(BOB, started=True)
    async with app:
        fake.fail_next(chat_id=BOB, error="forbidden", times=2)
        await app.bot.send_message(ALICE, "a")
        for _ in range(2):
            with pytest.raises(Forbidden):
                await app.bot.send_message(BOB, "b")
        await app.bot.send_message(BOB, "b")
        assert [c.status for c in fake.calls_to("sendMessage")] == [200, 403, 403, 200]


async def test_rate_limits(
    fake: FakeTelegram,
    app: Application[Any, Any, Any, Any, Any, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    now = [100.0]
    fake.clock = lambda: now[0]
    fake.add_user(ALICE, started=True)
    fake.add_user(BOB, started=True)
    fake.set_limits(overall_per_second=30, per_chat_per_second=1)
    async with app:
        await app.bot.send_message(ALICE, "1")
        with pytest.raises(RetryAfter) as info:
            await app.bot.send_message(ALICE, "2")
        assert info.value.retry_after == dtm.timedelta(seconds=1)
        await app.bot.send_message(BOB, "other chat is fine")
        now[0] += 1.0
        await app.bot.send_message(ALICE, "2")
        assert fake.retry_after_answers == 1


async def test_edits_count_against_the_chat_limit(
    fake: FakeTelegram,
    app: Application[Any, Any, Any, Any, Any, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    now = [100.0]
    fake.clock = lambda: now[0]
    fake.add_user(ALICE, started=True)
    fake.set_limits(overall_per_second=30, per_chat_per_second=1)
    async with app:
        sent = await app.bot.send_message(ALICE, "Verstuurd: 0", reply_markup=keyboard())
        now[0] += 0.5
        # An edit half a second after a message in the same private chat is refused ...
        with pytest.raises(RetryAfter) as info:
            await app.bot.edit_message_text("Verstuurd: 1", ALICE, sent.message_id)
        assert info.value.retry_after == dtm.timedelta(seconds=1)
        with pytest.raises(RetryAfter):
            await app.bot.edit_message_reply_markup(ALICE, sent.message_id)
        assert fake.find_message(ALICE, sent.message_id).text == "Verstuurd: 0"  # type: ignore[union-attr]
        now[0] += 0.5
        # ... and a refused call counted for nothing: a second after the message it goes.
        await app.bot.edit_message_text("Verstuurd: 1", ALICE, sent.message_id)
        # Answering a button puts nothing into the chat: not counted.
        fake.callback_queries["q1"] = CallbackQueryRecord("q1", ALICE, ALICE, sent.message_id, "x")
        await app.bot.answer_callback_query("q1", "Dank je")
        now[0] += 0.2
        with pytest.raises(RetryAfter):
            await app.bot.send_message(ALICE, "te snel na de bewerking")
    assert [c.status for c in fake.calls if c.method != "getMe"] == [
        200,
        429,
        429,
        200,
        200,
        429,
    ]


async def test_group_limit_is_twenty_in_any_minute(
    fake: FakeTelegram,
    app: Application[Any, Any, Any, Any, Any, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    now = [100.0]
    fake.clock = lambda: now[0]
    group = -1001234
    fake.add_chat(group, title="Buurt")
    fake.set_limits(overall_per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    async with app:
        first = await app.bot.send_message(group, "0")
        for i in range(1, 20):
            now[0] += 1.0
            await app.bot.send_message(group, str(i))
        now[0] += 1.0
        with pytest.raises(RetryAfter) as info:
            await app.bot.edit_message_text("bewerkt", group, first.message_id)
        # The first of the twenty leaves the window 60 s after it was sent, 40 s from now.
        assert info.value.retry_after == dtm.timedelta(seconds=40)
        now[0] += 40.0
        await app.bot.edit_message_text("bewerkt", group, first.message_id)


# ---- validation like Telegram ------------------------------------------------------------------


async def test_validation(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    fake.add_user(ALICE, started=True)
    async with app:
        bot = app.bot
        too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="a" * 65)]])
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(ALICE, "kies", reply_markup=too_long)
        fits = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 32)]])
        await bot.send_message(ALICE, "kies", reply_markup=fits)

        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(ALICE, "Buurt <Elsrijk> meldt", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(ALICE, "<b>open", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(ALICE, "x" * 4097)
        await bot.send_message(ALICE, "x" * 4096)
        # Characters, not UTF-16 units: 4,096 emoji (8,192 units) go through, as on Telegram.
        await bot.send_message(ALICE, "\N{GRINNING FACE}" * 4096)
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(ALICE, "\N{GRINNING FACE}" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(ALICE, "<b></b>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
            await bot.send_photo(ALICE, b"png", caption="x" * 1025)
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(999, "hallo")

        message = await bot.send_message(ALICE, "zelfde", reply_markup=fits)
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text("zelfde", ALICE, message.message_id, reply_markup=fits)
        await bot.edit_message_text("anders", ALICE, message.message_id, reply_markup=fits)
        assert await bot.delete_message(ALICE, message.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("weg", ALICE, message.message_id)

        with pytest.raises(BadRequest):
            await bot.send_poll(ALICE, "?" * 301, ["a", "b"])
        with pytest.raises(BadRequest):
            await bot.send_poll(ALICE, "Vraag", ["a"])
        with pytest.raises(BadRequest):
            await bot.send_poll(ALICE, "Vraag", [str(i) for i in range(13)])
        with pytest.raises(BadRequest):
            await bot.send_poll(ALICE, "Vraag", ["a", "b" * 101])

        status, body = await fake.handle("noSuchMethod", {})
        assert status == 404 and json.loads(body)["description"] == "Not Found"
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")


def test_parse_html() -> None:
    text, entities = parse_html(
        '<b>vet</b> &amp; <a href="https://x.nl/?a=1&amp;b=2">link</a> 😀<i>i</i>'
    )
    assert text == "vet & link 😀i"
    assert [(e.type, e.offset, e.length) for e in entities] == [
        ("bold", 0, 3),
        ("text_link", 6, 4),
        ("italic", 13, 1),  # the emoji counts as two UTF-16 units
    ]
    assert entities[1].url == "https://x.nl/?a=1&b=2"
    assert strip_html("a <b>b</b> &lt;c&gt;") == "a b <c>"
    assert strip_html("kapot <x") == "kapot <x"


async def test_commands_menu_and_documents(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async with Harness(app, fake) as h:
        alice = h.user(ALICE, started=True)
        await app.bot.set_my_commands([("start", "Begin"), ("help", "Hulp")], language_code="nl")
        assert [c.command for c in await app.bot.get_my_commands(language_code="nl")] == [
            "start",
            "help",
        ]
        assert await app.bot.get_my_commands() == ()
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await app.bot.set_my_commands([("Start!", "x")])
        await app.bot.delete_my_commands(language_code="nl")
        assert await app.bot.get_my_commands(language_code="nl") == ()
        await app.bot.set_chat_menu_button()
        await app.bot.send_chat_action(ALICE, "typing")

        await app.bot.send_document(ALICE, b"a;b\n1;2\n", filename="wijk.csv", caption="Cijfers")
        document = alice.last
        assert (document.kind, document.filename, document.file_bytes) == (
            "document",
            "wijk.csv",
            b"a;b\n1;2\n",
        )
        assert document.text == "Cijfers"
        await app.bot.send_location(ALICE, 52.3, 4.86)
        assert alice.last.location == (52.3, 4.86)
        assert await app.bot.leave_chat(h.group(-100777).id)


async def test_get_updates_long_poll(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    fake.add_user(ALICE, started=True)
    async with app:
        waiter = asyncio.create_task(app.bot.get_updates(timeout=5))
        await asyncio.sleep(0.05)
        assert not waiter.done()
        fake.enqueue_update(
            {
                "update_id": fake.next_update_id(),
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": ALICE, "type": "private"},
                    "text": "hoi",
                },
            }
        )
        updates = await asyncio.wait_for(waiter, 2)
        assert [u.message.text for u in updates if u.message] == ["hoi"]
        # Confirming with offset drops it; an empty queue with timeout=0 answers at once.
        assert await app.bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
        assert fake.pending_updates == 0


# ---- real HTTP ---------------------------------------------------------------------------------


async def test_http_server_with_real_bot(fake: FakeTelegram) -> None:
    fake.add_user(ALICE, "Alice", started=True)
    async with FakeTelegramServer(fake) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        async with Bot(
            fake.token, base_url=server.base_url, base_file_url=server.base_file_url
        ) as bot:
            me = await bot.get_me()
            assert me.username == "wijkspiegel_bot"

            message = await bot.send_message(ALICE, "123", reply_markup=keyboard())
            assert message.text == "123"  # a numeric-looking text stays a string
            call = fake.calls_to("sendMessage")[-1]
            assert call.params["chat_id"] == ALICE
            assert call.params["text"] == "123"
            assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ok:1"

            sent = await bot.send_document(ALICE, b"\x00\x01binair", filename="data.bin")
            assert sent.document is not None and sent.document.file_name == "data.bin"
            stored = fake.find_message(ALICE, sent.message_id)
            assert stored is not None and stored.file is not None
            assert stored.file.content == b"\x00\x01binair"
            downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
            assert bytes(downloaded) == b"\x00\x01binair"

            with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
                await bot.send_message(
                    ALICE,
                    "x",
                    reply_markup=InlineKeyboardMarkup(
                        [[InlineKeyboardButton("x", callback_data="y" * 65)]]
                    ),
                )

            fake.enqueue_update(
                {
                    "update_id": fake.next_update_id(),
                    "message": {
                        "message_id": 99,
                        "date": 0,
                        "chat": {"id": ALICE, "type": "private"},
                        "text": "via http",
                    },
                }
            )
            updates = await bot.get_updates(timeout=1)
            assert [u.message.text for u in updates if u.message] == ["via http"]


async def test_retracted_vote_reaches_the_bot_as_an_empty_poll_answer() -> None:
    from telegram.ext import PollAnswerHandler

    fake = FakeTelegram()
    app = fake.application_builder().build()
    seen: list[tuple[int, ...]] = []

    async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.poll_answer is not None
        seen.append(tuple(update.poll_answer.option_ids))

    app.add_handler(PollAnswerHandler(on_answer))

    async def send_poll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_poll(
            update.effective_chat.id, "Wat eerst?", ["A", "B"], is_anonymous=False
        )

    app.add_handler(MessageHandler(filters.TEXT, send_poll))
    async with Harness(app, fake) as h:
        alice = h.user(1001, "Alice")
        (poll_message,) = await alice.send("peiling")
        assert poll_message.poll is not None
        await alice.answer_poll(poll_message.poll.id, [1])
        await alice.answer_poll(poll_message.poll.id, [])
    assert seen == [(1,), ()]
