"""What every handler shares: who is writing (person, language, roles), replies, keyboards.

Handlers stay thin: `@private_handler` resolves the person and language, refuses group chats and
people without consent, sends people without a wijk to the wijk choice (`ask_wijk`, the first
step of onboarding's `wijk` flow), and turns a PermissionDenied into a clear message.

A flow left halfway is said here, for every flow at once: when an update leaves a run with
something typed in it (another flow starts, a command or a button ends it;
`flows.left_halfway`), its first reply starts with what the run's table says is not sent
(`FlowTable.unsent`), and if it sends none, `unsent_said` says it after the handler.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, NetworkError

from bot.context import Services, WijkContext
from bot.core.i18n import format_list, pick_language, t
from bot.core.text import TELEGRAM_TEXT_LIMIT, clean_input, utf16_cut, utf16_len
from bot.core.text import esc as esc  # re-exported for the handlers
from bot.people import persons
from bot.people.permissions import Actor, PermissionDenied
from bot.telegram import callbacks, flow_table, flows, persistence
from bot.telegram.callbacks import BadCallback, Cancel, MenuItem, WijkStep
from bot.telegram.callbacks import button as button  # re-exported for the handlers
from bot.telegram.outage import STORAGE_AWAY
from bot.telegram.sending import retried
from models import Observation, ObservationStatus, Role

_log = logging.getLogger(__name__)

P = TypeVar("P")
Markup = InlineKeyboardMarkup
Rows = Sequence[Sequence[InlineKeyboardButton]]


@dataclass
class Who:
    """The person behind an update, as far as we know them."""

    telegram_id: int
    lang: str
    actor: Actor | None
    first_name: str = ""

    @property
    def known(self) -> bool:
        return self.actor is not None and self.actor.person.current_wijk_id is not None

    @property
    def wijk_id(self) -> int | None:
        return self.actor.person.current_wijk_id if self.actor else None

    def t(self, key: str, **values: Any) -> str:
        return t(self.lang, key, **values)


# Telegram's longest callback answer (a toast or an alert), in UTF-16 code units as a message's.
ALERT_LIMIT = 200


@dataclass(frozen=True)
class Turn:
    """One update as a flow's steps see it (bot.telegram.flow_table.Turn): the update, its
    context and who sent it."""

    update: Update
    context: WijkContext
    who: Who

    @property
    def services(self) -> Services:
        return self.context.services

    async def alert(self, text: str) -> None:
        await answer_query(self.update, utf16_cut(text, ALERT_LIMIT), alert=True)

    async def answer(self, text: str | None = None) -> None:
        await answer_query(self.update, utf16_cut(text, ALERT_LIMIT) if text else None)

    async def reply(
        self, text: str, markup: InlineKeyboardMarkup | None = None, *, edit: bool = False
    ) -> Message | None:
        return await reply(self.update, text, markup, edit=edit)


def who_is(update: Update, services: Services) -> Who | None:
    user = update.effective_user
    if user is None:
        return None
    actor = services.actors.get(services.db, user.id)
    # Writing or pressing in their private chat shows it is open again; what they do in a group
    # (/verbind, a button there) says nothing about it (unblocking: `blocked_or_unblocked`).
    chat = update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    if actor is not None and actor.person.unreachable_at is not None and private:
        with services.db.session() as session:
            persons.mark_reachable(session, actor.person)
    if actor is not None:
        lang = actor.person.language
    else:  # the language chosen on the privacy statement, else Telegram's
        lang = services.chosen_languages.get(user.id) or pick_language(
            user.language_code, services.config.general.default_language
        )
    # Shown to coaches when shared, so cleaned like typed text (a direction override in a name
    # would turn their list line around).
    return Who(user.id, lang, actor, clean_input(user.first_name, multiline=False))


async def blocked_or_unblocked(update: Update, context: WijkContext) -> None:
    """my_chat_member in a private chat: the person blocked the bot, or unblocked it. A coach
    who unblocks it expects the digest again without writing first (a group's: handlers/polls)."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    blocked = change.new_chat_member.status == ChatMemberStatus.BANNED
    services = context.services
    with services.db.session() as session:
        persons.blocked_or_unblocked(session, change.from_user.id, blocked, services.clock.now())


def app_language(update: Update) -> str | None:
    """The language of the person's Telegram app (its IETF code), which picks the language of
    everyone's command menu they see (bot/telegram/command_menu.py chat_menu)."""
    user = update.effective_user
    return user.language_code if user is not None else None


Handler = Callable[[Update, WijkContext, Who], Awaitable[None]]

# Why a message goes to its flow's table's `not_taken` (handlers/menu.py): no step takes it.
NOT_USED = "not_used"  # a kind of message the bot does not use: a sticker, a voice message
FORWARDED = "forwarded"
EDITED = "edited"  # a message sent before, changed: the bot reads only the first version
PHOTO_SENT = "photo"  # a photo where no step of the flow takes one (a text is asked)
PLACE_SENT = "location"  # a location, likewise

_NOT_TAKEN = {
    FORWARDED: "errors.forwarded",
    EDITED: "errors.edited",
    PHOTO_SENT: "common.photo_not_here",
    PLACE_SENT: "common.place_not_here",
}


def not_taken_reason(who: Who, why: str) -> str:
    """Why a message no step takes was not used, naming it where it has a name (a photo, a
    place, a forward, an edit); a sticker or a voice message: "this kind of message"."""
    return who.t(_NOT_TAKEN.get(why, "common.not_usable"))


# Telegram sends a text longer than 4,096 characters as several messages, at the same moment;
# each part but the last is close to that length, counted as Telegram counts it: in UTF-16 code
# units, where an emoji is two (a part full of emoji holds far fewer characters). A part after
# one refused as too long is the rest of the same text: never a text of its own (a piece from
# the middle of a sentence).
_SPLIT_PART = 4000  # UTF-16 code units
_SPLIT_WITHIN_SECONDS = 2
_TOO_LONG_KEY = "too_long_text"  # in user_data: {"at": the part's time (epoch), "length": sum}


def rest_of_split(
    turn: Turn, text: str, long: bool, measure: Callable[[str], int] = len
) -> int | None:
    """The length of all of a long text Telegram split into messages when `text` is its rest,
    else None: the one place that decides it. The rest is a message that comes at the same
    moment as a part refused for its length (the parts' times are Telegram's, compared with each
    other); it is too long as well, whatever it says. `long`: the step refuses `text` itself for
    its length (a step with a limit of its own says so in its own words: too_long otherwise).
    `measure`: how the step's limit counts, and so the length returned: characters (our own
    limits, as the database's columns count), or UTF-16 units (Telegram's, such as a poll's).
    Whether a message is a part of a split text is always counted as Telegram splits."""
    message = turn.update.effective_message
    store = turn.context.user_data
    when = message.date.timestamp() if message is not None and message.date else None
    seen = store.pop(_TOO_LONG_KEY, None) if store is not None else None
    whole = None
    if isinstance(seen, dict) and when is not None:
        since = when - float(seen.get("at", 0))
        if 0 <= since <= _SPLIT_WITHIN_SECONDS:
            whole = measure(text) + int(seen.get("length", 0))
    # Refused, and a rest may follow it: a part of the split text, or close to one in length.
    follows = whole is not None or (long and utf16_len(text) >= _SPLIT_PART)
    if store is not None and when is not None and follows:
        store[_TOO_LONG_KEY] = {"at": when, "length": measure(text) if whole is None else whole}
    return whole


def too_long(turn: Turn, text: str, limit: int) -> str | None:
    """Why a typed text cannot be used for its length ("Je tekst is te lang: 4096 ..."), or
    None. The rest of a long text that Telegram split into messages is too long as well, with
    the length of all of it (rest_of_split)."""
    whole = rest_of_split(turn, text, long=len(text) > limit)
    if whole is None and len(text) <= limit:
        return None
    length = len(text) if whole is None else whole
    return turn.who.t("errors.too_long", length=length, limit=limit)


def said_again(turn: Turn, flow: flows.Flow, draft: Any, why: str) -> str:
    """A flow's usual `not_taken` note (FlowTable.not_taken): why the message was not used, and
    to go on below, where the step is shown again with its buttons. An edit: the new text as a
    new message, which a text step takes (a flow whose steps want otherwise says so itself)."""
    return "\n".join((not_taken_reason(turn.who, why), turn.who.t("common.go_on_below")))


def private_handler(
    *, needs_person: bool = True, needs_wijk: bool = True
) -> Callable[[Handler], Any]:
    """Wrap a handler for private chats: resolve the person, guard consent and permissions."""

    def wrap(fn: Handler) -> Any:
        @functools.wraps(fn)
        async def inner(update: Update, context: WijkContext) -> None:
            who = who_is(update, context.services)
            if who is None:
                return
            chat = update.effective_chat
            if chat is not None and chat.type != ChatType.PRIVATE:
                await reply(update, who.t("errors.private_only", bot=context.services.bot_username))
                return
            if needs_person and who.actor is None:
                await answer_query(update)
                await _not_joined(update, context, who)
                return
            if needs_wijk and who.actor is not None and who.actor.person.current_wijk_id is None:
                await answer_query(update)
                await ask_wijk(update, context, who)
                return
            try:
                await fn(update, context, who)
            except PermissionDenied as denied:
                await answer_query(update)
                await reply(update, who.t(denied.message_key), menu_keyboard(who))
            except BadCallback:
                await stale_button(update, who)

        return inner

    return wrap


async def _not_joined(update: Update, context: WijkContext, who: Who) -> None:
    """Before Akkoord: the privacy statement with its Akkoord, below why (handlers/onboarding,
    named in bot/wiring.py)."""
    show = context.routes.not_joined
    if show is None:
        raise RuntimeError("bot/wiring.py names no `not_joined` in the routes")
    await show(update, context, who)


# --- leaving a flow halfway --------------------------------------------------------------------

# Telegram's longest message (in UTF-16 code units); a reply with the sentence above it that
# would be longer gets the sentence as a message of its own, first.
_LONGEST = TELEGRAM_TEXT_LIMIT


def _above(update: Update) -> str | None:
    """What the first reply says above itself: what a run left halfway left unsent; None when
    nothing (or it was said)."""
    return _left_unsent(update)


async def update_arrived(update: object, context: WijkContext) -> None:
    """Before any handler (bot/wiring.py): drop what this process holds for someone erased
    meanwhile by another process (`erased_elsewhere`), then note the run this update finds
    (flows.arrive)."""
    if isinstance(update, Update) and update.effective_user is not None:
        erased_elsewhere(context, update.effective_user.id)
    flows.arrive(context)


def erased_elsewhere(context: WijkContext, telegram_id: int) -> bool:
    """`wijkbot person erase` runs in another process: the running bot still holds who they
    were (the actor cache), their flow and draft (user_data) and what they chose before
    Akkoord. When it holds anything for them and has not read them for the actor cache's
    ttl, one cheap read asks whether they are still there; if not, all of it goes, so this
    update finds no person and no run (no "not sent", nothing of the old draft stored again)
    and they start at the privacy statement. With the database away the question waits: the
    handler meets the outage itself."""
    services = context.services
    if services.actors.cached(telegram_id) is None and not context.user_data:
        return False
    try:
        if not services.actors.erased(services.db, telegram_id):
            return False
    except STORAGE_AWAY:
        return False
    persistence.forget_person(context.application, telegram_id)
    services.chosen_languages.forget(telegram_id)
    _log.info("a person erased elsewhere wrote again; what was held for them is dropped")
    return True


def unsent_now(turn: Turn) -> str | None:
    """What leaving the current run now would leave unsent, in the person's words (None:
    nothing typed yet, or a flow without `unsent`): for a handler that remembers it (/wijk)."""
    run = flows.current(turn.context)
    table = turn.context.routes.tables.get(run.name) if run is not None else None
    if run is None or table is None:
        return None
    return flow_table.unsent(table, turn, flows.Left(run, anew=False))


def _left_unsent(update: Update) -> str | None:
    """What this update left unsent by leaving a run halfway, once (the first reply says it);
    None when it left nothing, or it was said."""
    noted, left = flows.arrival(), flows.left_halfway()
    chat = update.effective_chat
    if noted is None or left is None or noted.told or chat is None:
        return None
    if chat.type != ChatType.PRIVATE:
        return None
    context = cast(WijkContext, noted.context)
    table = context.routes.tables.get(left.run.name)
    who = who_is(update, context.services) if table is not None else None
    if table is None or who is None:
        return None
    said = flow_table.unsent(table, Turn(update, context, who), left)
    noted.told = said is not None
    return said


async def unsent_said(update: object, context: WijkContext) -> None:
    """After every handler (bot/wiring.py): a run left halfway whose handler sent no reply
    (a file, say) gets what it left unsent as a message of its own: never silence."""
    if not isinstance(update, Update):
        return
    said = _above(update)
    if said is not None and update.effective_chat is not None:
        await update.effective_chat.send_message(said)


# --- replies ---------------------------------------------------------------------------------


async def reply(
    update: Update,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = False,
) -> Message | None:
    """Send a new message to the chat of the update, or edit the pressed message when `edit`.
    When the update left a flow halfway, its first reply says above it what that left unsent."""
    said = _above(update)
    if (
        said is not None
        and utf16_len(said) + utf16_len(text) + 2 > _LONGEST
        and update.effective_chat
    ):
        await update.effective_chat.send_message(said)
    elif said is not None:
        text = f"{said}\n\n{text}"
    query = update.callback_query
    if edit and query is not None and isinstance(query.message, Message):
        message = query.message
        try:
            # An edit to a fixed text may be repeated without harm: a confirmation that a timeout
            # or a 502 swallowed is tried again, then sent as a new message.
            result = await retried(lambda: message.edit_text(text, reply_markup=markup))
            return result if isinstance(result, Message) else None
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return None
            _log.info("could not edit, sending anew: %s", exc)
        except NetworkError as exc:
            _log.warning("could not edit (Telegram unreachable), sending anew: %s", exc)
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text, reply_markup=markup)


# The catalogue's markup: a message shows it as bold or italic, an alert (plain text) as it is.
_CATALOGUE_TAGS = re.compile(r"</?(?:b|i|code)>")


async def answer_query(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a pressed button, with `text` as a toast or an alert: plain text, so a catalogue
    text made for messages loses its tags (values in it are raw, never escaped)."""
    query: CallbackQuery | None = update.callback_query
    if query is None:
        return
    if text:
        text = _CATALOGUE_TAGS.sub("", text)
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:  # a query older than ~15 minutes can no longer be answered
        _log.debug("could not answer callback query: %s", exc)


async def stale_button(update: Update, who: Who) -> None:
    await answer_query(update, who.t("errors.stale_button"), alert=True)
    await reply(update, who.t("errors.stale_button_long"), menu_keyboard(who))


def any_payload(update: Update) -> callbacks.Payload:
    """The pressed button's payload, of whatever kind (BadCallback if it is malformed)."""
    query = update.callback_query
    return callbacks.decode(query.data if query else None)


def payload(update: Update, expected: type[P]) -> P:
    """The pressed button's payload, which must be an `expected` (else BadCallback)."""
    query = update.callback_query
    return callbacks.decode_as(query.data if query else None, expected)


# --- keyboards -------------------------------------------------------------------------------


def keyboard(*rows: Sequence[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(r) for r in rows if r])


def columns(
    buttons: Sequence[InlineKeyboardButton], width: int = 2
) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def menu_button(who: Who) -> InlineKeyboardButton:
    return button(who.t("menu.back_to_menu"), MenuItem("main"))


def menu_keyboard(who: Who) -> InlineKeyboardMarkup:
    if who.actor is None:
        return start_keyboard(who)
    return keyboard([menu_button(who)])


def start_keyboard(who: Who) -> InlineKeyboardMarkup:
    """[Start]; to someone not (or no longer) known, it carries the language they read, so the
    privacy statement it opens is in that language (nothing is stored to remember it by)."""
    lang = who.lang if who.actor is None else None
    return keyboard([button(who.t("menu.start"), MenuItem("start", lang))])


def cancel_button(who: Who, nonce: int) -> InlineKeyboardButton:
    return button(who.t("common.cancel"), Cancel(nonce))


# --- the wijk choice ---------------------------------------------------------------------------
# Here, not in handlers/onboarding/ (which runs the rest of the `wijk` flow): every handler
# sends a person without a wijk to it.

WIJK_FLOW = "wijk"
CHOOSING_WIJK = "choosing_wijk"


async def ask_wijk(
    update: Update,
    context: WijkContext,
    who: Who,
    *,
    edit: bool = False,
    above: str = "",
    draft: flows.Draft | None = None,
) -> None:
    """Start the `wijk` flow (its draft: handlers/onboarding/wijk.py WijkDraft, empty unless
    given) with the wijk list; `above`: text the question follows in the same message."""
    flow = await flows.start(context, WIJK_FLOW, CHOOSING_WIJK, draft)
    question = _wijk_question(context, who)
    text = f"{above}\n\n{question}" if above else question
    await reply(update, text, wijk_list(context, who, flow.nonce), edit=edit)


def _wijk_question(context: WijkContext, who: Who) -> str:
    """Where do you live; for a partner or coach, which wijk to see (one they work in only
    shows it, persons.choose_wijk), with those wijken named."""
    work = who.actor.wijken_with(Role.PARTNER, Role.COACH) if who.actor is not None else []
    with context.services.db.session() as session:
        names = [w.name for i in work if (w := persons.wijk_by_id(session, i)) is not None]
    if not names:
        return who.t("onboarding.choose_wijk")
    return who.t("onboarding.choose_wijk_work", wijken=esc(format_list(names, who.lang)))


def wijk_list(context: WijkContext, who: Who, nonce: int) -> InlineKeyboardMarkup:
    with context.services.db.session() as session:
        wijken = persons.active_wijken(session)
    pick = WijkStep.PICK
    rows = columns([button(w.name, WijkStep(nonce, pick, w.id or 0)) for w in wijken])
    if context.services.pdok is not None:
        rows.append([button(who.t("onboarding.unknown_wijk"), WijkStep(nonce, "pc"))])
    rows.append([cancel_button(who, nonce)])
    return keyboard(*rows)


def status_label(lang: str, obs: Observation) -> str:
    """An observation's status in words (escaped): with the partner it was passed on to, or the
    observation it repeats."""
    if obs.status == ObservationStatus.REFERRED.value and obs.referred_to:
        return t(lang, "status.referred_to", partner=esc(obs.referred_to))
    if obs.status == ObservationStatus.DUPLICATE.value and obs.duplicate_of_id:
        return t(lang, "status.duplicate_of", other=f"M-{obs.duplicate_of_id}")
    return t(lang, f"status.{obs.status}")


async def outside_a_flow(update: Update, context: WijkContext, who: Who) -> None:
    """What a text or a photo gets outside any flow: a text that stored a flow's result,
    delivered again, what it stored (the routes' `text_again`); a text sent with Telegram's
    Reply to a message it answers (the routes' `replied`); an option of the poll on screen,
    typed instead of pressed: that poll again (`option_typed`); else the loose text or media
    route (whether to send it as an observation); else "not understood" with the menu."""
    message = update.effective_message
    typed = message is not None and message.text is not None
    if typed and message is not None:
        ended = flows.ended_by(context, message.message_id)
        again = context.routes.text_again.get(ended.name) if ended is not None else None
        if ended is not None and again is not None and await again(update, context, who, ended):
            return
        replied = context.routes.replied
        answering = message.reply_to_message is not None and who.known
        if answering and replied is not None and await replied(update, context, who):
            return
        option_typed = context.routes.option_typed
        if who.known and option_typed is not None and await option_typed(update, context, who):
            return
    loose = context.routes.loose_text if typed else context.routes.loose_media
    if loose is not None and who.known:
        await loose(update, context, who)
        return
    await reply(update, who.t("errors.not_understood"), menu_keyboard(who))
