"""An in-memory Telegram Bot API server.

`FakeTelegram.handle(method, params)` answers like api.telegram.org would: the same status codes,
the same `{"ok": ..., ...}` envelopes and the error descriptions PTB turns into exceptions. Every
`result` is built from PTB objects with `.to_dict()`, so it always matches the Bot API schema of the
pinned PTB (22.8 parses Bot API 10.0 and rejects objects that miss newly required fields).

The state is plain Python (users, chats, messages, polls, files, an update queue) so tests can look
at what a user would see, and so the same object can sit behind `FakeRequest` (in-process) and
`FakeTelegramServer` (real HTTP).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import itertools
import json
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import (
    AcceptedGiftTypes,
    BotCommand,
    Chat,
    ChatFullInfo,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    Document,
    File,
    InlineKeyboardMarkup,
    Location,
    Message,
    MessageEntity,
    PhotoSize,
    Poll,
    PollOption,
    Update,
    User,
    WebhookInfo,
)
from telegram.error import TimedOut

from bot.fake_telegram.request import FakeRequest, UploadedFile

if TYPE_CHECKING:
    from telegram.ext import ApplicationBuilder

JSONDict = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
MIN_POLL_OPTIONS = 2
MAX_POLL_OPTIONS = 12

#: Methods that put a new message into a chat.
SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendLocation",
        "sendPoll",
    }
)
#: Methods that change a message the bot sent (stopPoll changes the poll message).
EDIT_METHODS = frozenset(
    {
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "stopPoll",
    }
)
#: What flood control counts, per chat and overall. Telegram's FAQ speaks of messages; edits
#: count as well (the bot got 429 for progress edits in one chat), while answerCallbackQuery,
#: sendChatAction, deleteMessage and the getters put nothing into a chat and are not counted.
FLOOD_METHODS = SEND_METHODS | EDIT_METHODS
#: `fail_next(None, ...)` must not hit the housekeeping calls PTB makes on its own (getMe in
#: `initialize`, deleteWebhook and getUpdates in the updater): a test that injects "the next call
#: fails" means the next call *its code* makes.
_HOUSEKEEPING = frozenset(
    {"getMe", "getUpdates", "deleteWebhook", "setWebhook", "getWebhookInfo", "close", "logOut"}
)

FAILURE_KINDS = frozenset(
    {
        "forbidden",
        "retry_after",
        "bad_request",
        "timeout",
        "server_error",
        "bad_gateway",
        "migrated",
        # The call takes effect (the message arrives) but its answer comes after the client's
        # timeout: the sender is told it failed. What a slow Telegram does to a bot.
        "late",
    }
)

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer; raised inside method implementations and turned into JSON by `handle`."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass
class Call:
    """One Bot API call as the fake saw it."""

    method: str
    params: JSONDict
    time: float
    status: int = 0  # 0 while running, and for injected timeouts (no answer was ever sent)
    result: Any = None
    description: str | None = None


@dataclass
class FakeUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_ptb(self) -> User:
        return User(
            id=self.id,
            first_name=self.first_name,
            is_bot=self.is_bot,
            last_name=self.last_name,
            username=self.username,
            language_code=self.language_code,
        )


@dataclass
class FakeChat:
    id: int
    type: str  # "private", "group", "supergroup", "channel"
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    owner_id: int | None = None
    admins: set[int] = field(default_factory=set)
    members: set[int] = field(default_factory=set)
    bot_is_member: bool = True
    bot_is_admin: bool = False
    #: Removed by an admin (Telegram: "kicked"), not left of its own accord.
    bot_is_kicked: bool = False
    #: A group upgraded to a supergroup: the supergroup's id. Telegram then refuses every call
    #: naming this chat with 400 "group chat was upgraded to a supergroup chat".
    migrated_to: int | None = None
    menu_button: JSONDict | None = None
    #: A private chat: the person wrote to the bot in it (pressed Start, or sent anything).
    #: Until then Telegram refuses every message of the bot there with 403 "bot can't initiate
    #: conversation with a user": a bot may not write first. Set by `add_message` when the
    #: person's first message arrives, or by `FakeTelegram.start` for someone who did long ago.
    started: bool = False

    def to_ptb(self) -> Chat:
        return Chat(
            id=self.id,
            type=self.type,
            title=self.title,
            username=self.username,
            first_name=self.first_name,
            last_name=self.last_name,
        )


@dataclass
class FakePoll:
    id: str
    chat_id: int
    message_id: int
    question: str
    options: list[str]
    is_anonymous: bool = True
    type: str = "regular"
    allows_multiple_answers: bool = False
    allows_revoting: bool = True
    is_closed: bool = False
    #: user id -> chosen option ids; a `PollAnswer` with no options retracts the vote.
    votes: dict[int, list[int]] = field(default_factory=dict)

    def to_ptb(self) -> Poll:
        counts = [0] * len(self.options)
        for chosen in self.votes.values():
            for option in chosen:
                counts[option] += 1
        return Poll(
            id=self.id,
            question=self.question,
            options=[
                PollOption(text=text, voter_count=counts[i], persistent_id=str(i))
                for i, text in enumerate(self.options)
            ],
            total_voter_count=len(self.votes),
            is_closed=self.is_closed,
            is_anonymous=self.is_anonymous,
            type=self.type,
            allows_multiple_answers=self.allows_multiple_answers,
            allows_revoting=self.allows_revoting,
            members_only=False,
        )


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    filename: str | None = None
    mimetype: str | None = None


@dataclass
class StoredMessage:
    """A message in a chat, sent by the bot or by a (fake) user. Mutable: edits replace it."""

    chat_id: int
    message_id: int
    sender_id: int
    from_bot: bool
    date: int
    kind: str  # "text", "photo", "document", "poll", "location", "sticker", ...
    #: The text or caption as sent (HTML source for bot messages with parse_mode HTML).
    text: str | None = None
    parse_mode: str | None = None
    reply_markup: JSONDict | None = None
    #: A reply keyboard (ReplyKeyboardMarkup etc.) is not part of the Message object Telegram
    #: returns, but the user sees it, so it is kept for assertions.
    reply_keyboard: JSONDict | None = None
    file: StoredFile | None = None
    poll_id: str | None = None
    location: tuple[float, float] | None = None
    reply_to_message_id: int | None = None
    #: Extra `telegram.Message` keyword arguments for the content (text, entities, photo, ...).
    content: dict[str, Any] = field(default_factory=dict)
    edited: bool = False
    edit_date: int | None = None
    #: Previous (text, reply_markup) pairs, oldest first.
    history: list[tuple[str | None, JSONDict | None]] = field(default_factory=list)
    deleted: bool = False
    #: The message's JSON (built from PTB objects) while it is unchanged: the answer to its send
    #: or edit, reused as the `message` of callback queries on its buttons. Cleared on a change.
    wire: JSONDict | None = field(default=None, repr=False, compare=False)


@dataclass
class CallbackQueryRecord:
    id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


@dataclass
class _Failure:
    method: str | None
    chat_id: int | None
    error: str
    times: int
    retry_after: int


#: Float slack when comparing token counts: a request exactly on its slot is on time.
_EPSILON = 1e-9


@dataclass
class _Bucket:
    """Token bucket: `rate` tokens per second, at most max(1, rate) stored."""

    rate: float
    tokens: float
    stamp: float

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0 when one is)."""
        capacity = max(1.0, self.rate)
        self.tokens = min(capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1.0 - _EPSILON else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


@dataclass
class _Window:
    """At most `count` messages in any `period` seconds (a sliding window: the strict reading of
    Telegram's "20 messages per minute to the same group", which a bucket would let reach 40)."""

    count: int
    period: float
    times: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        while self.times and self.times[0] <= now - self.period + _EPSILON:
            self.times.popleft()
        return 0.0 if len(self.times) < self.count else self.times[0] + self.period - now

    def take(self, now: float) -> None:
        self.times.append(now)


# --------------------------------------------------------------------------------------------
# HTML parse mode
# --------------------------------------------------------------------------------------------

_HTML_ENTITY_TYPES = {
    "b": MessageEntity.BOLD,
    "strong": MessageEntity.BOLD,
    "i": MessageEntity.ITALIC,
    "em": MessageEntity.ITALIC,
    "u": MessageEntity.UNDERLINE,
    "ins": MessageEntity.UNDERLINE,
    "s": MessageEntity.STRIKETHROUGH,
    "strike": MessageEntity.STRIKETHROUGH,
    "del": MessageEntity.STRIKETHROUGH,
    "a": MessageEntity.TEXT_LINK,
    "code": MessageEntity.CODE,
    "pre": MessageEntity.PRE,
    "tg-spoiler": MessageEntity.SPOILER,
    "span": MessageEntity.SPOILER,
    "blockquote": MessageEntity.BLOCKQUOTE,
}
_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_CHAR_REF_RE = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def utf16_len(text: str) -> int:
    """Telegram counts entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _poll_text(text: Any, parse_mode: Any) -> str:
    """A poll's question or option as Telegram shows it (only its plain text is kept)."""
    source = "" if text is None else str(text)
    if parse_mode is not None and str(parse_mode).upper() == "HTML":
        return parse_html(source)[0]
    return source


def parse_html(source: str) -> tuple[str, list[MessageEntity]]:
    """Parse Telegram's HTML subset into plain text and entities.

    Strict where Telegram is strict: a `<` that does not open a supported tag, an unknown tag or
    mismatched nesting raises `ApiError` "can't parse entities". That is exactly what happens
    when user text reaches an HTML message without `html.escape`.
    """
    out: list[str] = []
    out_len = 0  # UTF-16 length of "".join(out)
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[MessageEntity] = []
    pos = 0

    def fail(detail: str) -> ApiError:
        return bad_request(f"can't parse entities: {detail}")

    def byte_offset(index: int) -> int:
        return len(source[:index].encode())

    while pos < len(source):
        char = source[pos]
        if char == "<":
            match = _TAG_RE.match(source, pos)
            if match is None:
                raise fail(f"Unsupported start tag at byte offset {byte_offset(pos)}")
            closing, name, raw_attrs = match.group(1), match.group(2).lower(), match.group(3)
            if closing:
                if not stack:
                    raise fail(f'Unexpected end tag "{name}" at byte offset {byte_offset(pos)}')
                open_name, start, attrs = stack.pop()
                if open_name != name:
                    raise fail(
                        f"Unmatched end tag at byte offset {byte_offset(pos)}, expected "
                        f'"</{open_name}>", found "</{name}>"'
                    )
                _close_entity(open_name, start, out_len, attrs, stack, entities)
            else:
                if name not in _HTML_ENTITY_TYPES:
                    raise fail(f'Unsupported start tag "{name}" at byte offset {byte_offset(pos)}')
                attrs = {
                    key.lower(): _unescape(value.strip("\"'")) if value else ""
                    for key, value in _ATTR_RE.findall(raw_attrs)
                }
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise fail('Tag "span" must have class "tg-spoiler"')
                stack.append((name, out_len, attrs))
            pos = match.end()
        elif char == "&":
            ref = _CHAR_REF_RE.match(source, pos)
            decoded = _decode_ref(ref.group(1)) if ref else None
            if ref is not None and decoded is not None:
                out.append(decoded)
                out_len += utf16_len(decoded)
                pos = ref.end()
            else:
                # Telegram keeps a lone "&" (or an unknown reference) as text.
                out.append("&")
                out_len += 1
                pos += 1
        else:
            nxt = min(
                (i for i in (source.find("<", pos), source.find("&", pos)) if i >= 0),
                default=len(source),
            )
            chunk = source[pos:nxt]
            out.append(chunk)
            out_len += utf16_len(chunk)
            pos = nxt
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e.offset, -e.length))
    return "".join(out), entities


def _decode_ref(ref: str) -> str | None:
    if ref.startswith(("#x", "#X")):
        return chr(int(ref[2:], 16))
    if ref.startswith("#"):
        return chr(int(ref[1:]))
    return _NAMED_REFS.get(ref)


def _unescape(value: str) -> str:
    return _CHAR_REF_RE.sub(lambda m: _decode_ref(m.group(1)) or m.group(0), value)


def _close_entity(
    name: str,
    start: int,
    end: int,
    attrs: dict[str, str],
    stack: list[tuple[str, int, dict[str, str]]],
    entities: list[MessageEntity],
) -> None:
    # <pre><code class="language-x"> is one pre entity with a language, not two entities.
    if name == "code" and stack and stack[-1][0] == "pre" and "class" in attrs:
        language = attrs["class"].removeprefix("language-")
        stack[-1][2]["language"] = language
        return
    if end == start:
        return
    entity_type = _HTML_ENTITY_TYPES[name]
    if name == "blockquote" and "expandable" in attrs:
        entity_type = MessageEntity.EXPANDABLE_BLOCKQUOTE
    entities.append(
        MessageEntity(
            type=entity_type,
            offset=start,
            length=end - start,
            url=attrs.get("href") if name == "a" else None,
            language=attrs.get("language") if name == "pre" else None,
        )
    )


def strip_html(source: str) -> str:
    """Plain text of an HTML message; lenient (never raises) because it is for assertions."""
    try:
        return parse_html(source)[0]
    except ApiError:
        return _unescape(re.sub(r"</?[a-zA-Z][^>]*>", "", source))


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------

Handler = Callable[[JSONDict], Awaitable[Any]]


def wire_dict(update: Update) -> JSONDict:
    """The update as Telegram would send it. PTB's to_dict() drops empty lists, but a retracted
    vote's PollAnswer carries `option_ids: []` on the wire (and PTB requires the field)."""
    data = update.to_dict()
    answer = data.get("poll_answer")
    if answer is not None:
        answer.setdefault("option_ids", [])
        answer.setdefault("option_persistent_ids", [])
    return data


class FakeTelegram:
    """In-memory Telegram: bot, users, chats, messages, updates, and a recorder of calls."""

    def __init__(
        self,
        *,
        bot_id: int = 7_000_000_001,
        bot_username: str = "wijkspiegel_bot",
        bot_first_name: str = "Wijkspiegel",
    ) -> None:
        self.bot = FakeUser(
            id=bot_id, first_name=bot_first_name, username=bot_username, is_bot=True
        )
        self.token = f"{bot_id}:FAKE-{bot_username}"
        #: Monotonic seconds; replace (e.g. with a lambda over a counter) to move time in a demo.
        #: Used for flood control and `Call.time`.
        self.clock: Callable[[], float] = time.monotonic
        #: Wall-clock seconds for message dates; replaceable like `clock`.
        self.wallclock: Callable[[], float] = time.time

        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self.messages: dict[int, list[StoredMessage]] = {}
        self.polls: dict[str, FakePoll] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.default_menu_button: JSONDict = {"type": "default"}
        self.webhook_url = ""
        self.blocked: set[int] = set()
        #: Whether someone started the bot before this fake knew them (asked once, for a private
        #: chat not started here, before refusing the bot's message): e.g. the tests' "whoever
        #: the database holds", as the bot stores a person only after they wrote to it.
        self.started_before: Callable[[int], bool] | None = None

        self.calls: list[Call] = []
        #: Every change to a chat, in order: ("send" | "edit" | "delete", chat_id, message_id).
        #: The harness reads the tail of this to know what a user saw during one action.
        self.events: list[tuple[str, int, int]] = []
        self.retry_after_answers = 0

        self._updates: list[tuple[int, JSONDict]] = []
        self._update_ids = itertools.count(1)
        self._ids = itertools.count(1)
        self._updates_event: asyncio.Event | None = None
        self._poll_generation = 0
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self._failures: list[_Failure] = []
        self._chat_rate: float | None = None
        self._group_per_minute: int | None = None
        self._overall_bucket: _Bucket | None = None
        self._chat_buckets: dict[int, _Bucket] = {}
        self._group_windows: dict[int, _Window] = {}

        self._methods: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageCaption": self._edit_message_caption,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendLocation": self._send_location,
            "sendPoll": self._send_poll,
            "stopPoll": self._stop_poll,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "leaveChat": self._leave_chat,
            "getFile": self._get_file,
            "close": self._true,
            "logOut": self._true,
        }

    # ---- wiring ------------------------------------------------------------------------------

    def request(self, read_timeout: float | None = 5.0) -> FakeRequest:
        """A PTB request object talking to this fake; make one per ApplicationBuilder slot."""
        return FakeRequest(self, read_timeout=read_timeout)

    def application_builder(self) -> ApplicationBuilder:
        """`ApplicationBuilder` with token and both request slots pointing at this fake."""
        from telegram.ext import ApplicationBuilder

        return (
            ApplicationBuilder()
            .token(self.token)
            .request(self.request())
            .get_updates_request(self.request())
        )

    # ---- world building ----------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        started: bool = False,
    ) -> FakeUser:
        """Register a person and their private chat with the bot (chat id = user id).

        The bot may write there once the person wrote to it (`add_message` marks the chat
        started); `started=True` is someone who did so before the test or demo begins."""
        user = FakeUser(user_id, first_name, last_name, username, language_code)
        self.users[user_id] = user
        if user_id not in self.chats:
            self.chats[user_id] = FakeChat(
                id=user_id,
                type=Chat.PRIVATE,
                first_name=first_name,
                last_name=last_name,
                username=username,
                members={user_id},
            )
            self.messages.setdefault(user_id, [])
        if started:
            self.start(user_id)
        return user

    def start(self, user_id: int) -> None:
        """The person has started the bot (written to it in their private chat): from now on
        the bot may write to them there."""
        self.chats[user_id].started = True

    def add_chat(
        self,
        chat_id: int,
        *,
        type: str = Chat.SUPERGROUP,  # the Bot API field name
        title: str = "Group",
        username: str | None = None,
        admins: Iterable[int] = (),
        members: Iterable[int] = (),
        owner_id: int | None = None,
        bot_is_admin: bool = False,
        bot_is_member: bool = True,
    ) -> FakeChat:
        admin_set = set(admins)
        chat = FakeChat(
            id=chat_id,
            type=type,
            title=title,
            username=username,
            owner_id=owner_id if owner_id is not None else next(iter(admins), None),
            admins=admin_set,
            members=set(members) | admin_set,
            bot_is_admin=bot_is_admin,
            bot_is_member=bot_is_member,
        )
        self.chats[chat_id] = chat
        self.messages.setdefault(chat_id, [])
        return chat

    def migrate_chat(self, chat_id: int, new_id: int | None = None) -> FakeChat:
        """Upgrade a group to a supergroup, as Telegram does when an admin turns on a
        supergroup feature: a new chat (a new id, -100 before the old number unless given,
        the same title, people and bot), whose message ids start again at 1; the old chat
        refuses every call from now on, naming the new id. The updates that tell the bot are
        the harness's (`Person.upgrade_group`); alone, this is an upgrade the bot missed."""
        old = self.chats[chat_id]
        if old.type != Chat.GROUP or old.migrated_to is not None:
            raise ValueError(f"chat {chat_id} is not a group that can be upgraded")
        new_id = int(f"-100{abs(chat_id)}") if new_id is None else new_id
        if new_id in self.chats:
            raise ValueError(f"chat {new_id} exists already")
        new = FakeChat(
            id=new_id,
            type=Chat.SUPERGROUP,
            title=old.title,
            username=old.username,
            owner_id=old.owner_id,
            admins=set(old.admins),
            members=set(old.members),
            bot_is_member=old.bot_is_member,
            bot_is_admin=old.bot_is_admin,
        )
        self.chats[new_id] = new
        self.messages.setdefault(new_id, [])
        old.migrated_to = new_id
        return new

    def ptb_chat(self, chat_id: int) -> Chat:
        return self.chats[chat_id].to_ptb()

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def new_id(self) -> int:
        """A fresh number for ids (files, polls, callback queries), unique in this fake."""
        return next(self._ids)

    def new_file(
        self, content: bytes, filename: str | None = None, mimetype: str | None = None
    ) -> StoredFile:
        n = next(self._ids)
        stored = StoredFile(
            file_id=f"FAKEFILE-{n:06d}",
            file_unique_id=f"fakeuniq{n:06d}",
            content=content,
            filename=filename,
            mimetype=mimetype,
        )
        self.files[stored.file_id] = stored
        self.files[stored.file_unique_id] = stored
        return stored

    def add_message(
        self,
        chat_id: int,
        sender_id: int,
        *,
        kind: str = "text",
        text: str | None = None,
        content: Mapping[str, Any] | None = None,
        file: StoredFile | None = None,
        location: tuple[float, float] | None = None,
        reply_to_message_id: int | None = None,
        from_bot: bool = False,
    ) -> StoredMessage:
        """Store a message (usually one a fake user sends) and give it the next message_id.

        A person's message in their private chat starts it: the bot may write there from now
        on (Telegram's Start button sends "/start"; any message the person sends counts)."""
        chat = self.chats.get(chat_id)
        if chat is not None and chat.type == Chat.PRIVATE and not from_bot and sender_id == chat_id:
            chat.started = True
        history = self.messages.setdefault(chat_id, [])
        message = StoredMessage(
            chat_id=chat_id,
            message_id=(history[-1].message_id + 1) if history else 1,
            sender_id=sender_id,
            from_bot=from_bot,
            date=int(self.wallclock()),
            kind=kind,
            text=text,
            file=file,
            location=location,
            reply_to_message_id=reply_to_message_id,
            content=dict(content or {}),
        )
        history.append(message)
        return message

    def find_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        for message in reversed(self.messages.get(chat_id, [])):
            if message.message_id == message_id:
                return message
        return None

    def ptb_message(self, stored: StoredMessage, *, with_reply: bool = True) -> Message:
        """The message as a `telegram.Message` in its current state."""
        content = dict(stored.content)
        if stored.poll_id is not None:
            content["poll"] = self.polls[stored.poll_id].to_ptb()
        reply_to = None
        if with_reply and stored.reply_to_message_id is not None:
            original = self.find_message(stored.chat_id, stored.reply_to_message_id)
            if original is not None and not original.deleted:
                reply_to = self.ptb_message(original, with_reply=False)
        sender = self.bot if stored.from_bot else self.users.get(stored.sender_id)
        return Message(
            message_id=stored.message_id,
            date=dtm.datetime.fromtimestamp(stored.date, dtm.UTC),
            chat=self.ptb_chat(stored.chat_id),
            from_user=sender.to_ptb() if sender else None,
            reply_markup=(
                InlineKeyboardMarkup.de_json(stored.reply_markup, None)
                if stored.reply_markup
                else None
            ),
            edit_date=(
                dtm.datetime.fromtimestamp(stored.edit_date, dtm.UTC) if stored.edit_date else None
            ),
            reply_to_message=reply_to,
            **content,
        )

    def message_json(self, stored: StoredMessage) -> JSONDict:
        """The message as Telegram's JSON in its current state. Kept until the message changes
        (not for polls and replies: their counts or the replied-to message change behind it)."""
        if stored.wire is not None:
            return stored.wire
        data = self.ptb_message(stored).to_dict()
        if stored.poll_id is None and stored.reply_to_message_id is None:
            stored.wire = data
        return data

    # ---- updates -----------------------------------------------------------------------------

    def enqueue_update(self, update: Update | JSONDict) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        data = wire_dict(update) if isinstance(update, Update) else dict(update)
        self._updates.append((int(data["update_id"]), data))
        self._event().set()
        return int(data["update_id"])

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by a getUpdates offset."""
        return len(self._updates)

    def _event(self) -> asyncio.Event:
        # An asyncio.Event binds to the loop it is first awaited in; pytest-asyncio gives each
        # test a fresh loop, so make a new event whenever the loop changes.
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self._updates_event is None or (loop is not None and loop is not self._event_loop):
            self._updates_event = asyncio.Event()
            self._event_loop = loop
            if self._updates:
                self._updates_event.set()
        return self._updates_event

    # ---- recorder ----------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def reset_calls(self) -> None:
        self.calls.clear()

    def unanswered_callback_queries(self) -> list[CallbackQueryRecord]:
        """Queries the bot never answered: a real client would show a spinner for ~15 s."""
        return [q for q in self.callback_queries.values() if not q.answered]

    # ---- failure injection and limits --------------------------------------------------------

    def fail_next(
        self,
        method: str | None = None,
        *,
        chat_id: int | None = None,
        error: str,
        times: int = 1,
        retry_after: int = 3,
    ) -> None:
        """Make the next `times` matching calls fail with `error` (see FAILURE_KINDS).

        `method=None` matches any method except PTB's own housekeeping calls (getMe,
        getUpdates, deleteWebhook, ...). `chat_id` restricts it to calls for that chat.
        """
        if error not in FAILURE_KINDS:
            raise ValueError(f"unknown error kind {error!r}; use one of {sorted(FAILURE_KINDS)}")
        self._failures.append(_Failure(method, chat_id, error, times, retry_after))

    def clear_failures(self) -> None:
        self._failures.clear()

    def block(self, user_id: int) -> None:
        """The user blocked the bot: every call into their private chat answers 403."""
        self.blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self.blocked.discard(user_id)

    def set_limits(
        self,
        overall_per_second: float | None = None,
        per_chat_per_second: float | None = None,
        per_group_per_minute: int | None = None,
    ) -> None:
        """Flood control for what puts or changes a message in a chat (FLOOD_METHODS), like
        Telegram's: `overall_per_second` for the whole bot (a bucket holding one second's
        worth), `per_chat_per_second` in each chat, private or group (a bucket holding one
        second's worth: at 1/s no burst at all), and `per_group_per_minute` in any 60 seconds of
        one group, supergroup or channel. Over a limit the call is refused with 429 and
        `retry_after`, and counts for nothing. None switches a limit off."""
        now = self.clock()
        self._chat_rate = per_chat_per_second
        self._group_per_minute = per_group_per_minute
        self._overall_bucket = (
            _Bucket(overall_per_second, max(1.0, overall_per_second), now)
            if overall_per_second
            else None
        )
        self._chat_buckets.clear()
        self._group_windows.clear()

    # ---- the entry point ---------------------------------------------------------------------

    async def handle(self, method: str, params: Mapping[str, Any]) -> tuple[int, bytes]:
        """Answer one Bot API call: (HTTP status, JSON body).

        Raises `telegram.error.TimedOut` for an injected timeout, because that is what a PTB
        request object raises when Telegram does not answer in time.
        """
        params = dict(params)
        call = Call(method=method, params=params, time=self.clock())
        self.calls.append(call)
        try:
            late = self._inject_failure(method, params)
            handler = self._methods.get(method)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
            if late:
                call.status = 200
                call.result = result
                raise TimedOut("Timed out after the call took effect (injected by FakeTelegram)")
        except ApiError as exc:
            call.status = exc.status
            call.description = exc.description
            if exc.status == 429:
                self.retry_after_answers += 1
            body: JSONDict = {
                "ok": False,
                "error_code": exc.status,
                "description": exc.description,
            }
            if exc.parameters:
                body["parameters"] = exc.parameters
            return exc.status, json.dumps(body).encode()
        call.status = 200
        call.result = result
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def download(self, url: str) -> tuple[int, bytes]:
        """Serve a file URL built from a getFile `file_path` (`.../files/<file_unique_id>`)."""
        stored = self.files.get(url.rsplit("/", 1)[-1])
        if stored is None:
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        return 200, stored.content

    def _inject_failure(self, method: str, params: JSONDict) -> bool:
        """Raise the first matching injected failure; True for "late" (raised after the call)."""
        chat_id = _maybe_int(params.get("chat_id"))
        for failure in self._failures:
            if failure.method is None and method in _HOUSEKEEPING:
                continue
            if failure.method is not None and failure.method != method:
                continue
            if failure.chat_id is not None and failure.chat_id != chat_id:
                continue
            failure.times -= 1
            if failure.times <= 0:
                self._failures.remove(failure)
            if failure.error == "late":
                return True
            self._raise_failure(failure, chat_id)
        return False

    def _raise_failure(self, failure: _Failure, chat_id: int | None) -> None:
        if failure.error == "forbidden":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if failure.error == "retry_after":
            raise ApiError(
                429,
                f"Too Many Requests: retry after {failure.retry_after}",
                {"retry_after": failure.retry_after},
            )
        if failure.error == "bad_request":
            raise bad_request("injected failure")
        if failure.error == "server_error":
            raise ApiError(500, "Internal Server Error")
        if failure.error == "bad_gateway":
            raise ApiError(502, "Bad Gateway")
        if failure.error == "migrated":
            chat = self.chats.get(chat_id) if chat_id is not None else None
            if chat is not None and chat.migrated_to is not None:
                raise _migrated(chat.migrated_to)
            old = abs(chat_id) if chat_id is not None else 1
            raise _migrated(int(f"-100{old}"))
        # "timeout": the call never gets an answer.
        raise TimedOut("Timed out (injected by FakeTelegram)")

    # ---- shared checks -----------------------------------------------------------------------

    def _chat(self, params: JSONDict, key: str = "chat_id") -> FakeChat:
        raw = params.get(key)
        if raw is None:
            raise bad_request(f"{key} is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for chat in self.chats.values():
                if chat.username and f"@{chat.username}".lower() == raw.lower():
                    return chat
            raise bad_request("chat not found")
        chat_id = _maybe_int(raw)
        if chat_id is None or chat_id not in self.chats:
            raise bad_request("chat not found")
        chat = self.chats[chat_id]
        if chat.migrated_to is not None:
            raise _migrated(chat.migrated_to)
        return chat

    def _writable_chat(self, params: JSONDict, method: str) -> FakeChat:
        chat = self._chat(params)
        if chat.type == Chat.PRIVATE and chat.id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.type == Chat.PRIVATE and not chat.started:
            if self.started_before is None or not self.started_before(chat.id):
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            chat.started = True
        if chat.type != Chat.PRIVATE and not chat.bot_is_member:
            if chat.bot_is_kicked:
                raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        if method in FLOOD_METHODS:
            self._flood_control(chat)
        return chat

    def _flood_control(self, chat: FakeChat) -> None:
        now = self.clock()
        overall = self._overall_bucket
        bucket = window = None
        if self._chat_rate:
            bucket = self._chat_buckets.get(chat.id)
            if bucket is None:
                bucket = _Bucket(self._chat_rate, max(1.0, self._chat_rate), now)
                self._chat_buckets[chat.id] = bucket
        if self._group_per_minute and chat.type != Chat.PRIVATE:
            window = self._group_windows.setdefault(chat.id, _Window(self._group_per_minute, 60.0))
        wait = max(
            overall.wait(now) if overall else 0.0,
            bucket.wait(now) if bucket else 0.0,
            window.wait(now) if window else 0.0,
        )
        if wait > 0:
            # Telegram answers whole seconds, at least 1.
            seconds = max(1, math.ceil(wait))
            raise ApiError(
                429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
            )
        if overall:
            overall.take()
        if bucket:
            bucket.take()
        if window:
            window.take(now)

    def _formatted(
        self, text: Any, parse_mode: Any, entities: Any, *, what: str, limit: int
    ) -> tuple[str, list[MessageEntity]]:
        """Validate a text or caption and return (plain text, entities) as Telegram stores it."""
        source = "" if text is None else str(text)
        if parse_mode is not None and str(parse_mode).upper() == "HTML":
            plain, parsed = parse_html(source)
        else:
            # Markdown modes are taken literally: the project sends HTML only.
            plain = source
            parsed = [MessageEntity.de_json(e, None) for e in entities or []]
        if what == "text" and not plain.strip():
            raise bad_request("message text is empty")
        # The limit in characters (code points) after parsing, not in UTF-16 units as entity
        # offsets are. The one measurement against the real Bot API we know of (a public issue,
        # FerroxLabs/wayland#934: 4,096 astral emoji accepted, 4,097 refused) says so; other
        # write-ups say UTF-16 units, without a measurement. Not checked by us.
        if len(plain) > limit:
            raise bad_request(
                "message is too long" if what == "text" else "message caption is too long"
            )
        return plain, parsed

    @staticmethod
    def _markup(params: JSONDict) -> tuple[JSONDict | None, JSONDict | None]:
        """(inline keyboard, other keyboard) from `reply_markup`, validated like Telegram."""
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if not markup:
            return None, None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None, markup
        for row in markup["inline_keyboard"]:
            for button in row:
                if not str(button.get("text", "")).strip():
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
                actions = (
                    "callback_data",
                    "url",
                    "switch_inline_query",
                    "switch_inline_query_current_chat",
                    "switch_inline_query_chosen_chat",
                    "web_app",
                    "login_url",
                    "callback_game",
                    "pay",
                    "copy_text",
                )
                if not any(key in button for key in actions):
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are "
                        "unallowed in the inline keyboard"
                    )
        return markup, None

    def _store_bot_message(
        self,
        chat: FakeChat,
        params: JSONDict,
        *,
        kind: str,
        text: str | None = None,
        content: dict[str, Any] | None = None,
        file: StoredFile | None = None,
        location: tuple[float, float] | None = None,
    ) -> StoredMessage:
        inline, keyboard = self._markup(params)
        reply_to = None
        reply_parameters = params.get("reply_parameters")
        if isinstance(reply_parameters, dict):
            reply_to = _maybe_int(reply_parameters.get("message_id"))
        elif params.get("reply_to_message_id") is not None:
            reply_to = _maybe_int(params.get("reply_to_message_id"))
        stored = self.add_message(
            chat.id,
            self.bot.id,
            kind=kind,
            text=text,
            content=content,
            file=file,
            location=location,
            reply_to_message_id=reply_to,
            from_bot=True,
        )
        stored.parse_mode = _str_or_none(params.get("parse_mode"))
        stored.reply_markup = inline
        stored.reply_keyboard = keyboard
        self.events.append(("send", chat.id, stored.message_id))
        return stored

    def _message_to_edit(self, params: JSONDict) -> StoredMessage:
        if params.get("inline_message_id") is not None:
            raise bad_request("inline messages are not supported by FakeTelegram")
        chat = self._chat(params)
        message_id = _maybe_int(params.get("message_id"))
        stored = self.find_message(chat.id, message_id) if message_id is not None else None
        if stored is None or stored.deleted:
            raise bad_request("message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return stored

    def _apply_edit(
        self,
        stored: StoredMessage,
        *,
        text: str | None,
        parse_mode: str | None,
        content: dict[str, Any],
        markup: JSONDict | None,
    ) -> JSONDict:
        if (
            text == stored.text
            and markup == stored.reply_markup
            and (parse_mode == stored.parse_mode or text is None)
        ):
            raise bad_request(_NOT_MODIFIED[len("Bad Request: ") :])
        stored.wire = None
        stored.history.append((stored.text, stored.reply_markup))
        stored.text = text
        if text is not None:
            stored.parse_mode = parse_mode
        stored.content.update(content)
        stored.reply_markup = markup
        stored.edited = True
        stored.edit_date = int(self.wallclock())
        self.events.append(("edit", stored.chat_id, stored.message_id))
        return self.message_json(stored)

    # ---- methods -----------------------------------------------------------------------------

    async def _true(self, params: JSONDict) -> bool:
        return True

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return User(
            id=self.bot.id,
            first_name=self.bot.first_name,
            is_bot=True,
            username=self.bot.username,
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
        ).to_dict()

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = _maybe_int(params.get("offset")) or 0
        limit = min(max(_maybe_int(params.get("limit")) or 100, 1), 100)
        timeout = float(params.get("timeout") or 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, str):
            allowed = json.loads(allowed)

        def select() -> list[JSONDict]:
            # A positive offset confirms (drops) every update before it, like Telegram.
            if offset > 0:
                self._updates = [(uid, data) for uid, data in self._updates if uid >= offset]
            elif offset < 0:
                self._updates = self._updates[offset:]
            picked = []
            for _uid, data in self._updates:
                if allowed and not any(key in data for key in allowed):
                    continue
                picked.append(data)
            return picked[:limit]

        updates = select()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        generation = self._poll_generation
        while not updates and (remaining := deadline - loop.time()) > 0:
            event = self._event()
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                break
            if generation != self._poll_generation:
                break  # release_long_polls(): answer now, with nothing
            updates = select()
        return updates

    def release_long_polls(self) -> None:
        """Make every waiting getUpdates answer `[]` now (e.g. before an HTTP server stops,
        so no request is left hanging when the loop closes)."""
        self._poll_generation += 1
        self._event().set()

    async def _delete_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = str(params.get("url") or "")
        return True

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        return WebhookInfo(
            url=self.webhook_url,
            has_custom_certificate=False,
            pending_update_count=len(self._updates),
        ).to_dict()

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if isinstance(scope, str):
            scope = json.loads(scope)
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands") or []
        if isinstance(commands, str):
            commands = json.loads(commands)
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            name = str(command.get("command", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = [
            BotCommand(c["command"], c["description"]).to_dict() for c in commands
        ]
        return True

    async def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return self.commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, params: JSONDict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _set_chat_menu_button(self, params: JSONDict) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if params.get("chat_id") is None:
            self.default_menu_button = button
        else:
            self._chat(params).menu_button = button
        return True

    async def _get_chat_menu_button(self, params: JSONDict) -> JSONDict:
        if params.get("chat_id") is None:
            return self.default_menu_button
        return self._chat(params).menu_button or self.default_menu_button

    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat = self._writable_chat(params, "sendMessage")
        plain, entities = self._formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            what="text",
            limit=MAX_TEXT,
        )
        stored = self._store_bot_message(
            chat,
            params,
            kind="text",
            text=str(params.get("text")),
            content={"text": plain, "entities": entities or None},
        )
        return self.message_json(stored)

    async def _edit_message_text(self, params: JSONDict) -> JSONDict:
        stored = self._message_to_edit(params)
        self._writable_chat(params, "editMessageText")
        if stored.kind != "text":
            raise bad_request("there is no text in the message to edit")
        plain, entities = self._formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            what="text",
            limit=MAX_TEXT,
        )
        inline, _ = self._markup(params)
        return self._apply_edit(
            stored,
            text=str(params.get("text")),
            parse_mode=_str_or_none(params.get("parse_mode")),
            content={"text": plain, "entities": entities or None},
            markup=inline,
        )

    async def _edit_message_caption(self, params: JSONDict) -> JSONDict:
        stored = self._message_to_edit(params)
        self._writable_chat(params, "editMessageCaption")
        if stored.kind not in {"photo", "document", "video", "audio", "animation"}:
            raise bad_request("there is no caption in the message to edit")
        caption = _str_or_none(params.get("caption"))
        plain, entities = self._formatted(
            caption,
            params.get("parse_mode"),
            params.get("caption_entities"),
            what="caption",
            limit=MAX_CAPTION,
        )
        inline, _ = self._markup(params)
        return self._apply_edit(
            stored,
            text=caption,
            parse_mode=_str_or_none(params.get("parse_mode")),
            content={"caption": plain or None, "caption_entities": entities or None},
            markup=inline,
        )

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        stored = self._message_to_edit(params)
        self._writable_chat(params, "editMessageReplyMarkup")
        inline, _ = self._markup(params)
        return self._apply_edit(
            stored, text=stored.text, parse_mode=stored.parse_mode, content={}, markup=inline
        )

    async def _delete_message(self, params: JSONDict) -> bool:
        chat = self._chat(params)
        message_id = _maybe_int(params.get("message_id"))
        stored = self.find_message(chat.id, message_id) if message_id is not None else None
        if stored is None or stored.deleted:
            raise bad_request("message to delete not found")
        if not stored.from_bot and chat.type != Chat.PRIVATE and not chat.bot_is_admin:
            raise bad_request("message can't be deleted")
        stored.deleted = True
        self.events.append(("delete", chat.id, stored.message_id))
        return True

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query = self.callback_queries.get(str(params.get("callback_query_id")))
        if query is None or query.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = _str_or_none(params.get("text"))
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.text = text
        query.show_alert = bool(params.get("show_alert"))
        query.url = _str_or_none(params.get("url"))
        return True

    def _upload(self, value: Any, default_name: str, mimetype: str) -> StoredFile:
        if isinstance(value, UploadedFile):
            return self.new_file(value.content, value.filename, value.mimetype or mimetype)
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        if isinstance(value, str) and value:
            # A URL or an unknown file_id: Telegram would fetch it; keep the reference as content.
            return self.new_file(value.encode(), default_name, mimetype)
        raise bad_request("there is no file in the request")

    def _caption_content(self, params: JSONDict) -> tuple[str | None, dict[str, Any]]:
        caption = _str_or_none(params.get("caption"))
        if caption is None:
            return None, {}
        plain, entities = self._formatted(
            caption,
            params.get("parse_mode"),
            params.get("caption_entities"),
            what="caption",
            limit=MAX_CAPTION,
        )
        return caption, {"caption": plain or None, "caption_entities": entities or None}

    async def _send_photo(self, params: JSONDict) -> JSONDict:
        chat = self._writable_chat(params, "sendPhoto")
        caption, content = self._caption_content(params)
        stored_file = self._upload(params.get("photo"), "photo.jpg", "image/jpeg")
        content["photo"] = [
            PhotoSize(
                file_id=stored_file.file_id,
                file_unique_id=stored_file.file_unique_id,
                width=800,
                height=600,
                file_size=len(stored_file.content),
            )
        ]
        stored = self._store_bot_message(
            chat, params, kind="photo", text=caption, content=content, file=stored_file
        )
        return self.message_json(stored)

    async def _send_document(self, params: JSONDict) -> JSONDict:
        chat = self._writable_chat(params, "sendDocument")
        caption, content = self._caption_content(params)
        stored_file = self._upload(params.get("document"), "document", "application/octet-stream")
        content["document"] = Document(
            file_id=stored_file.file_id,
            file_unique_id=stored_file.file_unique_id,
            file_name=stored_file.filename,
            mime_type=stored_file.mimetype,
            file_size=len(stored_file.content),
        )
        stored = self._store_bot_message(
            chat, params, kind="document", text=caption, content=content, file=stored_file
        )
        return self.message_json(stored)

    async def _send_location(self, params: JSONDict) -> JSONDict:
        chat = self._writable_chat(params, "sendLocation")
        try:
            latitude = float(params["latitude"])
            longitude = float(params["longitude"])
        except (KeyError, TypeError, ValueError):
            raise bad_request("wrong latitude or longitude") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request("wrong latitude or longitude")
        stored = self._store_bot_message(
            chat,
            params,
            kind="location",
            content={"location": Location(longitude=longitude, latitude=latitude)},
            location=(latitude, longitude),
        )
        return self.message_json(stored)

    async def _send_poll(self, params: JSONDict) -> JSONDict:
        chat = self._writable_chat(params, "sendPoll")
        # The question and each option are parsed in their parse mode, as Telegram does: a "<"
        # of the person's own text under HTML is refused, a typed tag becomes formatting.
        question = _poll_text(params.get("question"), params.get("question_parse_mode"))
        if not 1 <= len(question) <= MAX_POLL_QUESTION:
            raise bad_request("POLL_QUESTION_INVALID" if question else "poll question is empty")
        raw_options = params.get("options") or []
        if isinstance(raw_options, str):
            raw_options = json.loads(raw_options)
        options = [
            _poll_text(option.get("text"), option.get("text_parse_mode"))
            if isinstance(option, dict)
            else str(option)
            for option in raw_options
        ]
        if not MIN_POLL_OPTIONS <= len(options) <= MAX_POLL_OPTIONS:
            raise bad_request(
                "poll must have at least 2 option"
                if len(options) < 2
                else "poll can't have more than 12 options"
            )
        if any(not 1 <= len(option) <= MAX_POLL_OPTION for option in options):
            raise bad_request("POLL_OPTION_INVALID")
        poll_type = str(params.get("type") or Poll.REGULAR)
        is_anonymous = params.get("is_anonymous")
        allows_revoting = params.get("allows_revoting")
        poll = FakePoll(
            id=f"{next(self._ids):019d}",
            chat_id=chat.id,
            message_id=0,
            question=question,
            options=options,
            is_anonymous=True if is_anonymous is None else bool(is_anonymous),
            type=poll_type,
            allows_multiple_answers=bool(params.get("allows_multiple_answers")),
            allows_revoting=(
                poll_type != Poll.QUIZ if allows_revoting is None else bool(allows_revoting)
            ),
            is_closed=bool(params.get("is_closed")),
        )
        self.polls[poll.id] = poll
        stored = self._store_bot_message(chat, params, kind="poll", text=question)
        stored.poll_id = poll.id
        poll.message_id = stored.message_id
        return self.message_json(stored)

    async def _stop_poll(self, params: JSONDict) -> JSONDict:
        stored = self._message_to_edit(params)
        self._writable_chat(params, "stopPoll")
        if stored.poll_id is None:
            raise bad_request("message with poll to stop not found")
        poll = self.polls[stored.poll_id]
        if poll.is_closed:
            raise bad_request("poll has already been closed")
        poll.is_closed = True
        inline, _ = self._markup(params)
        stored.reply_markup = inline
        stored.wire = None
        self.events.append(("edit", stored.chat_id, stored.message_id))
        return poll.to_ptb().to_dict()

    async def _send_chat_action(self, params: JSONDict) -> bool:
        self._writable_chat(params, "sendChatAction")
        return True

    async def _get_chat(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params)
        return ChatFullInfo(
            id=chat.id,
            type=chat.type,
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types=AcceptedGiftTypes(
                unlimited_gifts=False,
                limited_gifts=False,
                unique_gifts=False,
                premium_subscription=False,
                gifts_from_channels=False,
            ),
            title=chat.title,
            username=chat.username,
            first_name=chat.first_name,
            last_name=chat.last_name,
        ).to_dict()

    def bot_member(self, chat: FakeChat) -> ChatMember:
        """The bot's membership of a chat, as getChatMember and `my_chat_member` show it."""
        user = self.bot.to_ptb()
        if chat.type == Chat.PRIVATE or (chat.bot_is_member and not chat.bot_is_admin):
            return ChatMemberMember(user=user)
        if chat.bot_is_member:
            return _administrator(user)
        if chat.bot_is_kicked:
            return ChatMemberBanned(user=user, until_date=_FOREVER)
        return ChatMemberLeft(user=user)

    def _member(self, chat: FakeChat, user_id: int) -> ChatMember:
        if user_id == self.bot.id:
            return self.bot_member(chat)
        fake_user = self.users.get(user_id)
        if fake_user is None:
            raise bad_request("user not found")
        user = fake_user.to_ptb()
        if chat.type == Chat.PRIVATE:
            return ChatMemberMember(user=user) if user_id == chat.id else ChatMemberLeft(user=user)
        if user_id == chat.owner_id:
            return ChatMemberOwner(user=user, is_anonymous=False)
        if user_id in chat.admins:
            return _administrator(user)
        if user_id in chat.members:
            return ChatMemberMember(user=user)
        return ChatMemberLeft(user=user)

    async def _get_chat_member(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params)
        user_id = _maybe_int(params.get("user_id"))
        if user_id is None:
            raise bad_request("user not found")
        return self._member(chat, user_id).to_dict()

    async def _get_chat_administrators(self, params: JSONDict) -> list[JSONDict]:
        chat = self._chat(params)
        if chat.type == Chat.PRIVATE:
            raise bad_request("there are no administrators in the private chat")
        ids = sorted(chat.admins | ({chat.owner_id} if chat.owner_id is not None else set()))
        members = [self._member(chat, user_id).to_dict() for user_id in ids]
        if chat.bot_is_admin and chat.bot_is_member:
            members.append(self._member(chat, self.bot.id).to_dict())
        return members

    async def _leave_chat(self, params: JSONDict) -> bool:
        chat = self._chat(params)
        if chat.type == Chat.PRIVATE:
            raise bad_request("chat member status can't be changed in private chats")
        chat.bot_is_member = False
        return True

    async def _get_file(self, params: JSONDict) -> JSONDict:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        return File(
            file_id=stored.file_id,
            file_unique_id=stored.file_unique_id,
            file_size=len(stored.content),
            file_path=f"files/{stored.file_unique_id}",
        ).to_dict()


#: A ban's until_date of 0: forever (how Telegram reports a kicked bot or a block).
_FOREVER = dtm.datetime.fromtimestamp(0, dtm.UTC)


def _migrated(new_id: int) -> ApiError:
    return ApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": new_id},
    )


def _administrator(user: User) -> ChatMemberAdministrator:
    return ChatMemberAdministrator(
        user=user,
        can_be_edited=False,
        is_anonymous=False,
        can_manage_chat=True,
        can_delete_messages=True,
        can_manage_video_chats=True,
        can_restrict_members=True,
        can_promote_members=False,
        can_change_info=True,
        can_invite_users=True,
        can_post_stories=False,
        can_edit_stories=False,
        can_delete_stories=False,
        can_pin_messages=True,
    )


def _maybe_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
