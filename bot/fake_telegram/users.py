"""Acting as people in front of a real PTB `Application` wired to a `FakeTelegram`.

    fake = FakeTelegram()
    app = fake.application_builder().build()  # + your handlers
    async with Harness(app, fake) as h:
        alice = h.user(1001, first_name="Alice", language_code="nl")
        await alice.send("/start")
        await alice.press("Akkoord")
        assert "Welkom" in alice.last.plain_text

Two modes behind the same API (`Harness.mode`): "process_update" feeds each update straight into
`app.process_update` (fast, deterministic); after `await h.start_polling()` updates go through
the fake's getUpdates and PTB's real Updater, and every action waits (`settle`) until they are
processed.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

from telegram import (
    CallbackQuery,
    ChatMember,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberUpdated,
    Contact,
    Document,
    Location,
    MessageEntity,
    MessageOriginHiddenUser,
    MessageOriginUser,
    PhotoSize,
    PollAnswer,
    Sticker,
    Update,
    Video,
    Voice,
)
from telegram.ext import Application, ContextTypes

from bot.fake_telegram.state import (
    CallbackQueryRecord,
    FakeChat,
    FakeTelegram,
    FakeUser,
    JSONDict,
    StoredFile,
    StoredMessage,
    strip_html,
    wire_dict,
)

# A 1x1 PNG, so a bot that downloads a user's photo gets a decodable image.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class PollView:
    id: str
    question: str
    options: list[str]
    is_anonymous: bool
    allows_multiple_answers: bool
    is_closed: bool
    type: str


@dataclass(frozen=True)
class BotMessage:
    """A snapshot of one message as the user sees it (re-read `person.last` after changes)."""

    chat_id: int
    message_id: int
    kind: str
    text: str | None  # text or caption exactly as sent (HTML source when parse_mode is HTML)
    parse_mode: str | None
    buttons: list[list[Button]]
    keyboard: list[list[str]]  # a reply keyboard, if the message brought one
    filename: str | None = None
    file_bytes: bytes | None = None
    poll: PollView | None = None
    location: tuple[float, float] | None = None
    edited: bool = False
    deleted: bool = False
    from_bot: bool = True

    @property
    def plain_text(self) -> str:
        """The text with HTML tags removed and entities unescaped: what the user reads."""
        if self.text is None:
            return ""
        if (self.parse_mode or "").upper() == "HTML":
            return strip_html(self.text)
        return self.text

    @property
    def button_texts(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]

    @classmethod
    def from_stored(cls, fake: FakeTelegram, stored: StoredMessage) -> BotMessage:
        rows = (stored.reply_markup or {}).get("inline_keyboard", [])
        buttons = [
            [Button(b.get("text", ""), b.get("callback_data"), b.get("url")) for b in row]
            for row in rows
        ]
        keyboard = [
            [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
            for row in (stored.reply_keyboard or {}).get("keyboard", [])
        ]
        poll = None
        if stored.poll_id is not None:
            fake_poll = fake.polls[stored.poll_id]
            poll = PollView(
                id=fake_poll.id,
                question=fake_poll.question,
                options=list(fake_poll.options),
                is_anonymous=fake_poll.is_anonymous,
                allows_multiple_answers=fake_poll.allows_multiple_answers,
                is_closed=fake_poll.is_closed,
                type=fake_poll.type,
            )
        return cls(
            chat_id=stored.chat_id,
            message_id=stored.message_id,
            kind=stored.kind,
            text=stored.text,
            parse_mode=stored.parse_mode,
            buttons=buttons,
            keyboard=keyboard,
            filename=stored.file.filename if stored.file else None,
            file_bytes=stored.file.content if stored.file else None,
            poll=poll,
            location=stored.location,
            edited=stored.edited,
            deleted=stored.deleted,
            from_bot=stored.from_bot,
        )


class Alert(str):
    """An answerCallbackQuery text; compares like a str and remembers `show_alert`."""

    show_alert: bool

    def __new__(cls, text: str, show_alert: bool = False) -> Alert:
        alert = super().__new__(cls, text)
        alert.show_alert = show_alert
        return alert


ChatRef = FakeChat | int | None


class Person:
    """One fake Telegram user. Every action returns the bot messages it produced."""

    def __init__(self, harness: Harness, user: FakeUser) -> None:
        self.harness = harness
        self.fake = harness.fake
        self.user = user
        self.id = user.id
        self.alerts: list[Alert] = []

    def __repr__(self) -> str:
        return f"Person({self.id}, {self.user.first_name!r})"

    # ---- what the person sees ----------------------------------------------------------------

    @property
    def messages(self) -> list[BotMessage]:
        """All bot messages in the private chat, oldest first (deleted ones flagged)."""
        return self.harness.bot_messages(self.id)

    @property
    def last(self) -> BotMessage:
        """The newest bot message still visible in the private chat."""
        visible = [m for m in self.messages if not m.deleted]
        if not visible:
            raise AssertionError(f"{self!r} has no message from the bot")
        return visible[-1]

    @property
    def sent(self) -> list[BotMessage]:
        """The person's own messages in the private chat (views with from_bot=False)."""
        return [
            BotMessage.from_stored(self.fake, m)
            for m in self.fake.messages.get(self.id, [])
            if not m.from_bot and m.sender_id == self.id
        ]

    # ---- messages ----------------------------------------------------------------------------

    async def send(
        self, text: str, *, chat: ChatRef = None, reply_to: BotMessage | int | None = None
    ) -> list[BotMessage]:
        """A text message; a leading "/word" gets a bot_command entity like a real client."""
        return await self._send_message(
            chat, kind="text", text=text, content=_text_content(text), reply_to=reply_to
        )

    async def send_photo(
        self, caption: str | None = None, *, content: bytes = TINY_PNG, chat: ChatRef = None
    ) -> list[BotMessage]:
        stored = self.fake.new_file(content, "photo.png", "image/png")
        small = self.fake.new_file(content, "photo_small.png", "image/png")
        photo = [
            PhotoSize(small.file_id, small.file_unique_id, 90, 90, file_size=len(content)),
            PhotoSize(stored.file_id, stored.file_unique_id, 800, 600, file_size=len(content)),
        ]
        return await self._send_message(
            chat,
            kind="photo",
            text=caption,
            content={"photo": photo, "caption": caption},
            file=stored,
        )

    async def send_document(
        self,
        filename: str = "document.pdf",
        content: bytes = b"%PDF-1.4\n%fake\n",
        *,
        mimetype: str = "application/pdf",
        caption: str | None = None,
        chat: ChatRef = None,
    ) -> list[BotMessage]:
        stored = self.fake.new_file(content, filename, mimetype)
        document = Document(
            stored.file_id,
            stored.file_unique_id,
            file_name=filename,
            mime_type=mimetype,
            file_size=len(content),
        )
        return await self._send_message(
            chat,
            kind="document",
            text=caption,
            content={"document": document, "caption": caption},
            file=stored,
        )

    async def send_location(
        self, latitude: float, longitude: float, *, chat: ChatRef = None
    ) -> list[BotMessage]:
        return await self._send_message(
            chat,
            kind="location",
            content={"location": Location(longitude=longitude, latitude=latitude)},
            location=(latitude, longitude),
        )

    async def send_sticker(self, emoji: str = "👍", *, chat: ChatRef = None) -> list[BotMessage]:
        stored = self.fake.new_file(b"RIFF-fake-webp", "sticker.webp", "image/webp")
        sticker = Sticker(
            stored.file_id,
            stored.file_unique_id,
            512,
            512,
            is_animated=False,
            is_video=False,
            type=Sticker.REGULAR,
            emoji=emoji,
        )
        return await self._send_message(
            chat, kind="sticker", content={"sticker": sticker}, file=stored
        )

    async def send_voice(self, duration: int = 3, *, chat: ChatRef = None) -> list[BotMessage]:
        stored = self.fake.new_file(b"OggS-fake", "voice.ogg", "audio/ogg")
        voice = Voice(
            stored.file_id,
            stored.file_unique_id,
            dtm.timedelta(seconds=duration),
            mime_type="audio/ogg",
        )
        return await self._send_message(chat, kind="voice", content={"voice": voice}, file=stored)

    async def send_video(
        self, caption: str | None = None, *, duration: int = 5, chat: ChatRef = None
    ) -> list[BotMessage]:
        stored = self.fake.new_file(b"fake-mp4", "video.mp4", "video/mp4")
        video = Video(
            stored.file_id,
            stored.file_unique_id,
            640,
            480,
            dtm.timedelta(seconds=duration),
            mime_type="video/mp4",
        )
        return await self._send_message(
            chat,
            kind="video",
            text=caption,
            content={"video": video, "caption": caption},
            file=stored,
        )

    async def send_contact(
        self,
        phone_number: str = "+31612345678",
        first_name: str | None = None,
        *,
        own: bool = True,
        chat: ChatRef = None,
    ) -> list[BotMessage]:
        """Share a contact; `own=True` shares the person's own (user_id set), like the
        "share my phone number" keyboard button does."""
        contact = Contact(
            phone_number=phone_number,
            first_name=first_name or self.user.first_name,
            user_id=self.id if own else None,
        )
        return await self._send_message(chat, kind="contact", content={"contact": contact})

    async def send_forwarded(
        self,
        text: str,
        *,
        origin: FakeUser | None = None,
        sender_name: str = "Iemand",
        chat: ChatRef = None,
    ) -> list[BotMessage]:
        """A forwarded text; from `origin` if given, else from a user who hides their account."""
        date = dtm.datetime.fromtimestamp(int(self.fake.wallclock()) - 60, dtm.UTC)
        forward_origin = (
            MessageOriginUser(date=date, sender_user=origin.to_ptb())
            if origin is not None
            else MessageOriginHiddenUser(date=date, sender_user_name=sender_name)
        )
        return await self._send_message(
            chat,
            kind="text",
            text=text,
            content={"text": text, "forward_origin": forward_origin},
        )

    async def edit(self, message: BotMessage | int, text: str) -> list[BotMessage]:
        """Edit one of the person's own text messages (an `edited_message` update)."""
        chat_id = message.chat_id if isinstance(message, BotMessage) else self.id
        message_id = message.message_id if isinstance(message, BotMessage) else message
        stored = self.fake.find_message(chat_id, message_id)
        if stored is None or stored.from_bot or stored.sender_id != self.id:
            raise AssertionError(f"{self!r} can only edit their own messages, not {message!r}")
        stored.wire = None
        stored.history.append((stored.text, stored.reply_markup))
        stored.text = text
        stored.content["text"] = text
        stored.edited = True
        stored.edit_date = int(self.fake.wallclock())
        update = Update(self.fake.next_update_id(), edited_message=self.fake.ptb_message(stored))
        return await self.harness.act(update, chats=(chat_id, self.id))

    # ---- buttons -----------------------------------------------------------------------------

    async def press(
        self, label: str, *, message: BotMessage | None = None, chat: ChatRef = None
    ) -> list[BotMessage]:
        """Press the inline button whose text is `label` (or contains it) on the newest bot
        message that has one."""
        candidate, data = self.find_button(label, message=message, chat=chat)
        return await self._callback(candidate, data)

    def find_button(
        self, label: str, *, message: BotMessage | None = None, chat: ChatRef = None
    ) -> tuple[BotMessage, str]:
        """The message and callback data of the button `press(label)` would press."""
        chat_id = self._chat_id(chat) if message is None else message.chat_id
        candidates = (
            [message]
            if message is not None
            else [m for m in reversed(self.harness.bot_messages(chat_id)) if not m.deleted]
        )
        for candidate in candidates:
            buttons = [b for row in candidate.buttons for b in row]
            exact = [b for b in buttons if b.text == label]
            partial = [b for b in buttons if label.lower() in b.text.lower()]
            matches = exact or partial
            if len(matches) > 1 and not exact:
                raise AssertionError(
                    f"{label!r} is ambiguous on message {candidate.message_id}: "
                    f"{[b.text for b in matches]}"
                )
            if matches:
                button = matches[0]
                if button.callback_data is None:
                    raise AssertionError(
                        f"button {button.text!r} has no callback_data (url={button.url!r})"
                    )
                return candidate, button.callback_data
        seen = [f"#{m.message_id}: {m.button_texts}" for m in candidates if m.buttons] or [
            "(no message with inline buttons)"
        ]
        raise AssertionError(
            f"{self!r}: no button matching {label!r} in chat {chat_id}. Buttons: " + "; ".join(seen)
        )

    async def press_data(
        self, data: str, *, message: BotMessage | None = None, chat: ChatRef = None
    ) -> list[BotMessage]:
        """Send arbitrary (possibly forged) callback data from `message` or the last bot message."""
        if message is None:
            chat_id = self._chat_id(chat)
            visible = [m for m in self.harness.bot_messages(chat_id) if not m.deleted]
            if not visible:
                raise AssertionError(f"no bot message in chat {chat_id} to press on")
            message = visible[-1]
        return await self._callback(message, data)

    # ---- crowds: act without waiting ---------------------------------------------------------

    def queue_text(self, text: str) -> int:
        """Queue a text (like `send`) for the bot's getUpdates and return at once, with the
        update_id. For many people acting at the same time while the Application polls
        (`Harness.start_polling`): each decides for themself when their answer is there."""
        update = self._message_update(None, kind="text", text=text, content=_text_content(text))
        return self.fake.enqueue_update(update)

    def queue_press(self, label: str, *, message: BotMessage | None = None) -> int:
        """Queue a button press (like `press`) for getUpdates and return at once."""
        candidate, data = self.find_button(label, message=message)
        update, _ = self._callback_update(candidate, data)
        return self.fake.enqueue_update(update)

    async def _callback(self, message: BotMessage, data: str) -> list[BotMessage]:
        update, record = self._callback_update(message, data)
        result = await self.harness.act(update, chats=(record.chat_id or self.id, self.id))
        if record.answered and record.text:
            self.alerts.append(Alert(record.text, record.show_alert))
        return result

    def _callback_update(
        self, message: BotMessage, data: str
    ) -> tuple[JSONDict, CallbackQueryRecord]:
        stored = self.fake.find_message(message.chat_id, message.message_id)
        if stored is None:
            raise AssertionError(f"message {message.message_id} is not in chat {message.chat_id}")
        query_id = str(self.fake.new_id())
        record = CallbackQueryRecord(
            id=query_id,
            user_id=self.id,
            chat_id=stored.chat_id,
            message_id=stored.message_id,
            data=data,
        )
        self.fake.callback_queries[query_id] = record
        query = CallbackQuery(
            id=query_id,
            from_user=self.user.to_ptb(),
            chat_instance=f"ci{stored.chat_id}",
            data=data,
        ).to_dict()
        # The message as the fake last answered it (built from PTB objects there), not rebuilt:
        # with its keyboard it is the largest part of the update.
        query["message"] = self.fake.message_json(stored)
        return {"update_id": self.fake.next_update_id(), "callback_query": query}, record

    # ---- polls and membership ----------------------------------------------------------------

    async def answer_poll(self, poll_id: str, option_ids: Sequence[int]) -> list[BotMessage]:
        """Vote. Non-anonymous polls produce a `PollAnswer` update (what Telegram sends the bot);
        anonymous polls only change the counts and produce a `poll` update."""
        poll = self.fake.polls.get(poll_id)
        if poll is None:
            raise AssertionError(f"unknown poll {poll_id!r}")
        if poll.is_closed:
            raise AssertionError(f"poll {poll.question!r} is closed")
        options = list(option_ids)
        if any(not 0 <= i < len(poll.options) for i in options):
            raise AssertionError(f"poll has options 0..{len(poll.options) - 1}, got {options}")
        if len(options) > 1 and not poll.allows_multiple_answers:
            raise AssertionError("this poll allows one answer only")
        if self.id in poll.votes and not poll.allows_revoting:
            raise AssertionError("this poll does not allow changing a vote")
        if options:
            poll.votes[self.id] = options
        else:
            poll.votes.pop(self.id, None)
        if poll.is_anonymous:
            update = Update(self.fake.next_update_id(), poll=poll.to_ptb())
        else:
            answer = PollAnswer(
                poll_id=poll.id,
                option_ids=options,
                user=self.user.to_ptb(),
                option_persistent_ids=[str(i) for i in options],
            )
            update = Update(self.fake.next_update_id(), poll_answer=answer)
        return await self.harness.act(update, chats=(poll.chat_id, self.id))

    async def block_bot(self) -> list[BotMessage]:
        """Block the bot: later sends answer 403, and the bot gets a `my_chat_member` update."""
        self.fake.block(self.id)
        return await self._my_chat_member(blocked=True)

    async def unblock_bot(self) -> list[BotMessage]:
        self.fake.unblock(self.id)
        return await self._my_chat_member(blocked=False)

    async def _my_chat_member(self, *, blocked: bool) -> list[BotMessage]:
        bot_user = self.fake.bot.to_ptb()
        member = ChatMemberMember(user=bot_user)
        # Telegram reports "kicked" with until_date 0 (forever) for a block.
        banned = ChatMemberBanned(user=bot_user, until_date=dtm.datetime.fromtimestamp(0, dtm.UTC))
        event = ChatMemberUpdated(
            chat=self.fake.ptb_chat(self.id),
            from_user=self.user.to_ptb(),
            date=dtm.datetime.fromtimestamp(int(self.fake.wallclock()), dtm.UTC),
            old_chat_member=member if blocked else banned,
            new_chat_member=banned if blocked else member,
        )
        update = Update(self.fake.next_update_id(), my_chat_member=event)
        return await self.harness.act(update, chats=(self.id,))

    # ---- the bot in a group ------------------------------------------------------------------

    async def add_bot(self, group: FakeChat) -> list[BotMessage]:
        """Add the bot to a group it is not in, as this person (an admin there). Telegram tells
        the bot twice: a `my_chat_member` update (left or kicked -> member), then the group's
        service message with the bot in `new_chat_members`."""
        if group.type == "private" or group.bot_is_member or group.migrated_to is not None:
            raise AssertionError(f"the bot cannot be added to chat {group.id}")
        before = self.fake.bot_member(group)
        group.bot_is_member, group.bot_is_kicked, group.bot_is_admin = True, False, False
        group.members.add(self.id)
        views = await self._bot_member_changed(group, before, self.fake.bot_member(group))
        joined = {"new_chat_members": (self.fake.bot.to_ptb(),)}
        return views + await self._service_message(group, joined, (group.id, self.id))

    async def remove_bot(self, group: FakeChat, *, kick: bool = True) -> list[BotMessage]:
        """Remove the bot from a group, as this person (an admin there): Telegram sends one
        `my_chat_member` update. Removed from a supergroup by an admin it is "kicked" (banned
        until date 0, forever); from a basic group, or with `kick=False`, it has "left"."""
        if group.type == "private" or not group.bot_is_member or group.migrated_to is not None:
            raise AssertionError(f"the bot is not in chat {group.id}")
        before = self.fake.bot_member(group)
        group.bot_is_member, group.bot_is_admin = False, False
        group.bot_is_kicked = kick and group.type == "supergroup"
        return await self._bot_member_changed(group, before, self.fake.bot_member(group))

    async def upgrade_group(
        self, group: FakeChat, *, new_id: int | None = None
    ) -> list[BotMessage]:
        """Upgrade a basic group to a supergroup, as this person (its admin): the chat gets a new
        id (`FakeTelegram.migrate_chat`), and the bot, still in it, hears of it three times: the
        service message `migrate_to_chat_id` in the old group, a `my_chat_member` update for the
        supergroup (left -> member: it "joins" the new chat; none says it left the old one,
        tdlib/telegram-bot-api#266), and `migrate_from_chat_id` as the supergroup's first
        message. Telegram documents no order; this is one a bot must survive. From then on every
        call naming the old id answers 400 with the new one (PTB raises `ChatMigrated`)."""
        new = self.fake.migrate_chat(group.id, new_id)
        if not group.bot_is_member:
            return []  # a bot outside the group hears nothing of it
        chats = (group.id, new.id, self.id)
        views = await self._service_message(group, {"migrate_to_chat_id": new.id}, chats)
        left = ChatMemberLeft(user=self.fake.bot.to_ptb())
        views += await self._bot_member_changed(new, left, self.fake.bot_member(new))
        views += await self._service_message(new, {"migrate_from_chat_id": group.id}, chats)
        return views

    async def _service_message(
        self, chat: FakeChat, content: dict[str, Any], chats: Iterable[int]
    ) -> list[BotMessage]:
        """A service message from this person in a group (its kind: the content's one field)."""
        kind = next(iter(content))
        stored = self.fake.add_message(chat.id, self.id, kind=kind, content=content)
        update = Update(self.fake.next_update_id(), message=self.fake.ptb_message(stored))
        return await self.harness.act(update, chats=chats)

    async def _bot_member_changed(
        self, group: FakeChat, before: ChatMember, after: ChatMember
    ) -> list[BotMessage]:
        event = ChatMemberUpdated(
            chat=self.fake.ptb_chat(group.id),
            from_user=self.user.to_ptb(),
            date=dtm.datetime.fromtimestamp(int(self.fake.wallclock()), dtm.UTC),
            old_chat_member=before,
            new_chat_member=after,
        )
        update = Update(self.fake.next_update_id(), my_chat_member=event)
        return await self.harness.act(update, chats=(group.id, self.id))

    # ---- plumbing ----------------------------------------------------------------------------

    def _chat_id(self, chat: ChatRef) -> int:
        if chat is None:
            return self.id
        return chat.id if isinstance(chat, FakeChat) else chat

    async def _send_message(
        self,
        chat: ChatRef,
        *,
        kind: str,
        content: dict[str, Any],
        text: str | None = None,
        file: StoredFile | None = None,
        location: tuple[float, float] | None = None,
        reply_to: BotMessage | int | None = None,
    ) -> list[BotMessage]:
        update = self._message_update(
            chat,
            kind=kind,
            content=content,
            text=text,
            file=file,
            location=location,
            reply_to=reply_to,
        )
        return await self.harness.act(update, chats=(self._chat_id(chat), self.id))

    def _message_update(
        self,
        chat: ChatRef,
        *,
        kind: str,
        content: dict[str, Any],
        text: str | None = None,
        file: StoredFile | None = None,
        location: tuple[float, float] | None = None,
        reply_to: BotMessage | int | None = None,
    ) -> Update:
        chat_id = self._chat_id(chat)
        fake_chat = self.fake.chats.get(chat_id)
        if fake_chat is None:
            raise AssertionError(f"chat {chat_id} does not exist; create it with h.group()")
        if fake_chat.type != "private":
            fake_chat.members.add(self.id)
        elif chat_id != self.id:
            raise AssertionError(f"{self!r} cannot write in someone else's private chat")
        reply_id = reply_to.message_id if isinstance(reply_to, BotMessage) else reply_to
        stored = self.fake.add_message(
            chat_id,
            self.id,
            kind=kind,
            text=text,
            content={k: v for k, v in content.items() if v is not None},
            file=file,
            location=location,
            reply_to_message_id=reply_id,
        )
        return Update(self.fake.next_update_id(), message=self.fake.ptb_message(stored))


def _text_content(text: str) -> dict[str, Any]:
    """A text message's content; a leading "/word" gets a bot_command entity like a client's."""
    entities = None
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        entities = [MessageEntity(MessageEntity.BOT_COMMAND, 0, len(command))]
    return {"text": text, "entities": entities}


class Harness:
    """Starts an Application against a FakeTelegram and lets tests act as users.

    Handler exceptions that reach PTB's error handling are collected in `errors`; with
    `raise_errors=True` (default) the action that caused one re-raises it, so a crashing handler
    cannot pass a test silently (PTB itself would only log it).
    """

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        fake: FakeTelegram,
        *,
        raise_errors: bool = True,
        settle_timeout: float = 10.0,
    ) -> None:
        self.app = app
        self.fake = fake
        self.raise_errors = raise_errors
        self.settle_timeout = settle_timeout
        self.mode: Literal["process_update", "polling"] = "process_update"
        self.errors: list[BaseException] = []
        self.people: dict[int, Person] = {}
        #: The last update handed to the bot, as Telegram's JSON (see `act`).
        self.last_update: JSONDict | None = None

    async def __aenter__(self) -> Harness:
        self.app.add_error_handler(self._record_error)
        await self.app.initialize()
        if self.app.post_init is not None:
            await self.app.post_init(self.app)
        await self.app.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # The same order as Application.run_polling's shutdown.
        try:
            await self.stop_polling()
            if self.app.running:
                await self.app.stop()
            if self.app.post_stop is not None:
                await self.app.post_stop(self.app)
            await self.app.shutdown()
            if self.app.post_shutdown is not None:
                await self.app.post_shutdown(self.app)
        finally:
            self.app.remove_error_handler(self._record_error)

    async def _record_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            self.errors.append(context.error)

    # ---- world -------------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nl",
        started: bool = False,
    ) -> Person:
        """A person. The bot may write to them once they wrote to it in their private chat (any
        `send` there starts it, as Telegram's Start button does); before that Telegram answers
        the bot 403. `started=True`: someone who started the bot before the test begins."""
        if user_id in self.people:
            if started:
                self.fake.start(user_id)
            return self.people[user_id]
        user = self.fake.add_user(
            user_id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            started=started,
        )
        person = Person(self, user)
        self.people[user_id] = person
        return person

    def group(
        self,
        chat_id: int,
        title: str = "Groep",
        *,
        admins: Iterable[int] = (),
        members: Iterable[int] = (),
        username: str | None = None,
        supergroup: bool | None = None,
        bot_is_admin: bool = False,
        bot_is_member: bool = True,
    ) -> FakeChat:
        """A group chat, the bot in it unless told (then `Person.add_bot` brings it in). Ids
        starting with -100 are supergroups unless told."""
        if supergroup is None:
            supergroup = str(chat_id).startswith("-100")
        return self.fake.add_chat(
            chat_id,
            type="supergroup" if supergroup else "group",
            title=title,
            username=username,
            admins=admins,
            members=members,
            bot_is_admin=bot_is_admin,
            bot_is_member=bot_is_member,
        )

    def bot_messages(self, chat: FakeChat | int) -> list[BotMessage]:
        """All bot messages in a chat (private or group), oldest first, deleted ones flagged."""
        chat_id = chat.id if isinstance(chat, FakeChat) else chat
        return [
            BotMessage.from_stored(self.fake, m)
            for m in self.fake.messages.get(chat_id, [])
            if m.from_bot
        ]

    # ---- feeding updates ---------------------------------------------------------------------

    async def act(self, update: Update | JSONDict, *, chats: Iterable[int]) -> list[BotMessage]:
        """Deliver one update (a PTB object or Telegram's JSON) and return the bot messages sent
        or edited in `chats` meanwhile."""
        mark = len(self.fake.events)
        errors_before = len(self.errors)
        # Round-trip through JSON so the update is exactly what PTB would parse off the wire
        # and carries the application's bot (needed by reply_text & co). Kept, so that a test
        # can deliver the very same update again, as Telegram does when a bot died on it.
        data = update if isinstance(update, dict) else wire_dict(update)
        self.last_update = data
        if self.mode == "polling":
            self.fake.enqueue_update(data)
            await self.settle()
        else:
            await self.app.process_update(Update.de_json(data, self.app.bot))
        if self.raise_errors and len(self.errors) > errors_before:
            raise self.errors[errors_before]
        return self.collect(mark, chats)

    def collect(self, mark: int, chats: Iterable[int]) -> list[BotMessage]:
        """Bot messages sent or edited in `chats` since `len(fake.events) == mark`."""
        wanted = set(chats)
        seen: dict[tuple[int, int], None] = {}
        for action, chat_id, message_id in self.fake.events[mark:]:
            if action in {"send", "edit"} and chat_id in wanted:
                seen[(chat_id, message_id)] = None
        views = []
        for chat_id, message_id in seen:
            stored = self.fake.find_message(chat_id, message_id)
            if stored is not None:
                views.append(BotMessage.from_stored(self.fake, stored))
        return views

    async def start_polling(self) -> None:
        """Switch to real polling: PTB's Updater long-polls the fake's getUpdates."""
        if self.app.updater is None:
            raise RuntimeError("the Application was built without an Updater")
        await self.app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=1))
        self.mode = "polling"

    async def stop_polling(self) -> None:
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        self.mode = "process_update"

    async def settle(self, max_wait: float | None = None) -> None:
        """Wait until getUpdates has handed out (and confirmed) every queued update and the
        application has finished processing them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.settle_timeout if max_wait is None else max_wait)
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"not settled: {self.fake.pending_updates} update(s) still queued in the "
                    f"fake, {self.app.update_queue.qsize()} in the application"
                )
            if self.fake.pending_updates == 0:
                try:
                    # task_done() is called after each update is processed, so join() waits
                    # for the handlers, not just for the queue to be read.
                    await asyncio.wait_for(self.app.update_queue.join(), remaining)
                except TimeoutError:
                    continue
                if self.fake.pending_updates == 0:
                    return
            await asyncio.sleep(0.002)
