"""Getting polls to people and results back: the broadcast, the group post, the closing job.

The broadcast sends to one recipient at a time through the Application's bot, so the rate
limiter (bot/telegram/rate_limit.py) paces it and a 429 delays it without skipping anyone. Each
recipient's PollDelivery row is updated after their send, so a restart resumes where it stopped.
The creator's progress message is edited by time, not by count: every edit counts against the
creator's chat (one message a second), so it is edited at most once per
`telegram.progress_edit_seconds`, beside the sends rather than between them, and once at the end.
What is due lives in the database: one repeating job (and a run at start-up) closes overdue
polls and sends their results exactly once (an UPDATE claims them). A poll that closed (on time
or early) or was cancelled has its vote messages edited to say so, without their buttons, in
each member's language (`close_vote_messages`), and a ranking poll's post in the group too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputPollOption, Message
from telegram.error import ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from bot.core.clock import as_utc
from bot.core.i18n import format_datetime, format_number, format_percent, t, tn
from bot.core.logs import pseudonym
from bot.core.text import esc
from bot.people import persons
from bot.people.permissions import load_actor
from bot.polls import groups, voting
from bot.polls.tally import PollTally, tally
from bot.telegram.broadcast import (
    ProgressEdits,
    Status,
    deliver_one,
    edit_one,
    finish,
    safe_send,
    seconds,
    send_all,
)
from bot.telegram.callbacks import (
    MenuItem,
    PollPick,
    PollRank,
    PollToggle,
    PollView,
    button,
)
from bot.telegram.jobs import at_start_and_every
from models import (
    Person,
    Poll,
    PollAudience,
    PollKind,
    PollOption,
    PollStatus,
    UncountedReason,
    Wijk,
)

if TYPE_CHECKING:
    from bot.context import Services, WijkApplication, WijkContext

_log = logging.getLogger(__name__)

SWEEP_SECONDS = 30
T = TypeVar("T")


# --- rendering (shared by the handlers) --------------------------------------------------------


def menu_button(lang: str) -> InlineKeyboardButton:
    return button(t(lang, "menu.back_to_menu"), MenuItem("main"))


def when(poll_time: datetime, lang: str, services: Services) -> str:
    return format_datetime(as_utc(poll_time), lang, services.tz)


def poll_text(
    poll: Poll,
    options: Sequence[PollOption],
    lang: str,
    services: Services,
    wijk_name: str,
    *,
    order: Sequence[int] = (),
    chosen: Sequence[int] = (),
) -> str:
    """The poll as a voter sees it. `order`: positions tapped so far (ranking);
    `chosen`: option ids of the person's stored vote (shown only to that person)."""
    lines = [
        t(lang, "polls.vote_header", wijk=esc(wijk_name)),
        f"<b>{esc(poll.question)}</b>",
        "",
        t(lang, f"polls.how_{poll.kind}"),
        t(lang, "polls.vote_closes", when=when(poll.closes_at, lang, services)),
    ]
    by_position = {o.position: o for o in options}
    if order:
        ranked = "\n".join(f"{i}. {esc(by_position[p].text)}" for i, p in enumerate(order, 1))
        lines += ["", t(lang, "polls.ranking_so_far", list=ranked)]
    if not order:
        lines += _your_vote(poll, options, lang, chosen)
    return "\n".join(lines)


def _your_vote(
    poll: Poll, options: Sequence[PollOption], lang: str, chosen: Sequence[int]
) -> list[str]:
    """The lines that show a person their stored vote (`chosen`: option ids), if any."""
    if not chosen:
        return []
    by_id = {o.id: o for o in options}
    texts = [esc(by_id[c].text) for c in chosen if c in by_id]
    if not texts:
        return []
    if poll.kind == PollKind.RANKING.value:
        texts = [f"{i}. {text}" for i, text in enumerate(texts, 1)]
    # More than one: a line each (options taken from the spiegel end in a full stop, and
    # "avond.; 2. Bankjes." reads badly on a phone).
    if len(texts) == 1:
        return ["", t(lang, "polls.your_vote", choice=texts[0])]
    return ["", t(lang, "polls.your_vote_list", list="\n".join(texts))]


def _ended_line(poll: Poll, lang: str) -> str:
    """That the poll is closed or cancelled and voting is over: as a press on its old buttons
    says it (`voting.check_may_vote`)."""
    cancelled = poll.status == PollStatus.CANCELLED.value
    return t(lang, "polls.err_cancelled" if cancelled else "polls.err_closed")


def ended_vote_text(
    poll: Poll,
    options: Sequence[PollOption],
    lang: str,
    wijk_name: str,
    chosen: Sequence[int] = (),
) -> str:
    """A vote message once the poll closed or was cancelled: its question, that voting is
    over, and the person's vote if they gave one. It carries no buttons."""
    lines = [
        t(lang, "polls.vote_header", wijk=esc(wijk_name)),
        f"<b>{esc(poll.question)}</b>",
        "",
        _ended_line(poll, lang),
    ]
    return "\n".join(lines + _your_vote(poll, options, lang, chosen))


def vote_keyboard(
    poll: Poll,
    options: Sequence[PollOption],
    lang: str,
    *,
    change: bool = False,
    mask: int = 0,
    order: Sequence[int] = (),
    voted: bool = False,
) -> InlineKeyboardMarkup:
    """Buttons that vote (a first vote, or a `change`). Positions, not names, travel."""
    assert poll.id is not None
    pid = poll.id
    order = tuple(order)
    rows: list[list[InlineKeyboardButton]] = []
    if voted and not change:
        rows.append([button(t(lang, "polls.btn_change_vote"), PollView(pid, "chg"))])
    elif poll.kind == PollKind.SINGLE.value:
        rows += [[button(o.text, PollPick(pid, o.id or 0, change))] for o in options]
    elif poll.kind == PollKind.MULTIPLE.value:
        for o in options:
            on = bool(mask & (1 << o.position))
            label = t(lang, "polls.btn_chosen", text=o.text) if on else o.text
            rows.append([button(label, PollToggle(pid, mask ^ (1 << o.position), change))])
        submit = PollToggle(pid, mask, change, submit=True)
        rows.append([button(t(lang, "polls.btn_submit"), submit)])
    else:
        for o in options:
            if o.position not in order:
                rows.append([button(o.text, PollRank(pid, (*order, o.position), change))])
        if order:
            undo = PollRank(pid, order[:-1], change)
            rows.append([button(t(lang, "polls.btn_undo"), undo)])
            done = PollRank(pid, order, change, submit=True)
            rows.append([button(t(lang, "polls.btn_submit"), done)])
    if not poll.hide_results:
        rows.append([button(t(lang, "polls.btn_results"), PollView(pid, "res"))])
    # "Naar het menu" that knows it leaves the poll: the message shows the menu from then on,
    # so closing the poll must not edit it (voting.vote_buttons_removed).
    rows.append([button(t(lang, "menu.back_to_menu"), PollView(pid, "menu"))])
    return InlineKeyboardMarkup(rows)


def results_text(result: PollTally, lang: str, *, interim: bool = False) -> str:
    """Counts only. Nothing here can name a voter: PollTally holds no people."""
    title = "polls.results_interim_title" if interim else "polls.results_title"
    lines = [t(lang, title, question=esc(result.question))]
    if result.audience_size:
        lines.append(
            tn(
                lang,
                "polls.results_turnout",
                result.audience_size,
                voters=format_number(result.voters, lang),
                percent=format_percent(result.turnout_percent or 0, lang),
            )
        )
    else:
        lines.append(t(lang, "polls.results_voters", voters=format_number(result.voters, lang)))
    lines.append("")
    if result.voters == 0:
        lines.append(t(lang, "polls.results_none"))
    elif result.kind == PollKind.RANKING.value:
        for place, option in enumerate(result.options, 1):
            lines.append(
                t(
                    lang,
                    "polls.results_line_ranking",
                    place=place,
                    text=esc(option.text),
                    points=tn(lang, "polls.points", option.borda or 0),
                    firsts=tn(lang, "polls.firsts", option.first_places or 0),
                )
            )
    else:
        for option in result.options:
            lines.append(
                t(
                    lang,
                    "polls.results_line_choice",
                    text=esc(option.text),
                    votes=format_number(option.votes, lang),
                    percent=format_percent(option.percent, lang),
                )
            )
    if result.kind == PollKind.RANKING.value:
        lines += ["", t(lang, "polls.results_method", n=len(result.options))]
    return "\n".join(lines)


def uncounted_counts(
    result: PollTally, answered: int | None, known: dict[UncountedReason, int]
) -> dict[UncountedReason, int]:
    """How many answers in the group's Telegram poll the result did not count, per reason, never
    who. `answered`: Telegram's count of who answered (None if unknown); those it counted that
    the bot neither counted nor knows (`known`: bot/polls/voting.py `uncounted_in_group`) have
    not joined the bot. Worked out once, when the results go out, and kept on the poll
    (`voting.keep_uncounted`): the rows that know who are deleted then."""
    counts = {reason: n for reason, n in known.items() if n}
    if answered is not None:
        strangers = max(0, answered - result.voters - sum(known.values()))
        if strangers:
            counts[UncountedReason.NOT_JOINED] = (
                counts.get(UncountedReason.NOT_JOINED, 0) + strangers
            )
    return counts


def uncounted_text(counts: dict[UncountedReason, int], lang: str, bot_name: str | None) -> str:
    """Below a group poll's result: `uncounted_counts`, as a line and a reason each (empty when
    all counted).

    The one place that renders it: for the group (`bot_name`: the bot, whose chat those who
    have not joined are invited to start) and for a private chat (`bot_name` None: "in de
    Telegram-groep", and no invitation: they have that chat): the creator's result, and the
    result of a closed poll looked at again (handlers/polls/voting.py `show_results`)."""
    total = sum(counts.values())
    if not total:
        return ""
    heading = "polls.results_uncounted" if bot_name else "polls.results_uncounted_private"
    lines = ["", tn(lang, heading, total)]
    lines += [
        tn(lang, f"polls.uncounted_{reason.value}", counts[reason])
        for reason in UncountedReason
        if counts.get(reason)
    ]
    if counts.get(UncountedReason.NOT_JOINED) and bot_name:
        lines.append(t(lang, "polls.uncounted_join", bot=bot_name))
    return "\n" + "\n".join(lines)


def closed_results_text(poll: Poll, result: PollTally, lang: str) -> str:
    """A closed poll's result in a private chat: the counts and, for a poll voted on in the
    group, the group's "Niet meegeteld" line as it was kept when the results went out (the
    creator's, and anyone's who looks at it again)."""
    text = results_text(result, lang)
    kept = voting.uncounted_kept(poll) if voting.voted_in_group(poll) else None
    if kept is not None:
        text += uncounted_text(kept, lang, None)
    return text


# --- background tasks --------------------------------------------------------------------------


def _tasks(app: WijkApplication) -> set[asyncio.Task[None]]:
    return app.services.poll_tasks


def spawn(app: WijkApplication, coro: Awaitable[None], name: str) -> asyncio.Task[None]:
    """application.create_task, remembered so tests and shutdown can wait for it."""
    task = app.create_task(coro, name=name)
    tasks = _tasks(app)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return task


async def wait_idle(app: WijkApplication) -> None:
    """Wait for every broadcast and results task this process started (tests, shutdown)."""
    while tasks := [t for t in _tasks(app) if not t.done()]:
        await asyncio.gather(*tasks, return_exceptions=True)


# --- private broadcast -------------------------------------------------------------------------


def start_broadcast(app: WijkApplication, poll_id: int, creator_chat_id: int | None) -> None:
    running = app.services.poll_broadcasts
    if poll_id in running:
        return
    running.add(poll_id)
    spawn(app, _broadcast_guarded(app, poll_id, creator_chat_id), f"poll-broadcast-{poll_id}")


async def _broadcast_guarded(
    app: WijkApplication, poll_id: int, creator_chat_id: int | None
) -> None:
    try:
        await broadcast(app, poll_id, creator_chat_id)
    except Exception:
        _log.exception("broadcast of poll %s stopped; the sweep resumes it", poll_id)
    finally:
        app.services.poll_broadcasts.discard(poll_id)


async def broadcast(
    app: WijkApplication, poll_id: int, creator_chat_id: int | None
) -> dict[str, int]:
    services = app.services
    bot: Bot = app.bot
    with services.db.session() as session:
        poll = session.get(Poll, poll_id)
        if poll is None:
            return {}
        options = voting.options_of(session, poll_id)
        wijk = session.get(Wijk, poll.wijk_id)
        creator = session.get(Person, poll.creator_id) if poll.creator_id else None
        # "Zelf stemmen" at the end: only for a creator the poll is for (a coach who sends one
        # to the BIG is not in it).
        creator_actor = load_actor(session, creator.telegram_id) if creator else None
        votes_self = creator_actor is not None and voting.may_vote(session, creator_actor, poll)
        pending = voting.pending_recipients(session, poll_id)
        counts = voting.delivery_counts(session, poll_id)
    wijk_name = wijk.name if wijk else ""
    creator_lang = creator.language if creator else "nl"
    if creator_chat_id is None and creator is not None:
        creator_chat_id = creator.telegram_id
    total = sum(counts.values())
    done = total - len(pending)
    progress: Message | None = None
    if creator_chat_id is not None and pending:
        progress = await safe_send(bot, creator_chat_id, _progress_text(creator_lang, done, total))
    edits = ProgressEdits(
        progress,
        lambda n: _progress_text(creator_lang, n, total),
        total,
        services.config.telegram.progress_edit_seconds,
    )
    rendered: dict[str, tuple[str, InlineKeyboardMarkup]] = {}

    async def send(recipient: voting.Recipient) -> None:
        if recipient.language not in rendered:
            rendered[recipient.language] = (
                poll_text(poll, options, recipient.language, services, wijk_name),
                vote_keyboard(poll, options, recipient.language),
            )
        text, markup = rendered[recipient.language]
        await _deliver_one(bot, services, recipient, text, markup)

    def keep_going(index: int) -> bool:
        # closed or cancelled meanwhile: stop sending
        return index % 50 != 49 or _still_open(services, poll_id)

    await send_all(pending, send, edits, done=done, keep_going=keep_going)
    with services.db.session() as session:
        counts = voting.delivery_counts(session, poll_id)
    if creator_chat_id is not None and pending:
        final = t(
            creator_lang,
            "polls.progress_done",
            reached=format_number(counts["sent"], creator_lang),
            unreachable=format_number(counts["unreachable"], creator_lang),
            failed=format_number(counts["failed"], creator_lang),
        )
        rows = [[menu_button(creator_lang)]]
        if votes_self:
            vote = button(t(creator_lang, "polls.btn_vote_self"), PollView(poll_id, "show"))
            rows.insert(0, [vote])
        markup = InlineKeyboardMarkup(rows)
        await finish(bot, creator_chat_id, progress, final, markup)
    if not _still_open(services, poll_id):
        # Closed or cancelled while it went out: the messages it sent after that lose their
        # buttons too (a run under way is asked to look once more).
        start_closing(app, poll_id)
    return counts


async def _deliver_one(
    bot: Bot,
    services: Services,
    recipient: voting.Recipient,
    text: str,
    markup: InlineKeyboardMarkup,
) -> None:
    outcome = await deliver_one(
        bot, recipient.telegram_id, text, markup, what=f"poll to person {recipient.person_id}"
    )
    now = services.clock.now()
    with services.db.session() as session:
        if outcome.status is Status.UNREACHABLE:
            persons.mark_unreachable(session, recipient.person_id, now)
            voting.mark_undeliverable(session, recipient.delivery_id, now)
        elif outcome.status is Status.FAILED:
            voting.mark_failed(session, recipient.delivery_id, now)
        else:
            # UNCERTAIN: the poll may be in their chat already: not sent again (a member who
            # missed it still finds it under /stemmen; docs/architecture/exactly-once.md).
            voting.mark_sent(session, recipient.delivery_id, outcome.message_id, now)


def _still_open(services: Services, poll_id: int) -> bool:
    with services.db.session() as session:
        poll = session.get(Poll, poll_id)
        return poll is not None and poll.status == PollStatus.OPEN.value


def _progress_text(lang: str, done: int, total: int) -> str:
    return t(
        lang,
        "polls.progress",
        done=format_number(done, lang),
        total=format_number(total, lang),
    )


# --- group post --------------------------------------------------------------------------------


async def to_group(app: WijkApplication, chat_id: int, call: Callable[[int], Awaitable[T]]) -> T:
    """`call(chat_id)` into a BIG's group. When Telegram answers that the group became a
    supergroup (ChatMigrated: the bot missed the upgrade's messages), the group's link and its
    polls move to the new id first (`groups.move_group`), then the call is made once more, there.
    When Telegram answers either call that the bot is not in that group, its link goes.
    """
    try:
        return await _unless_left(app, chat_id, call)
    except ChatMigrated as exc:
        new_chat_id = int(exc.new_chat_id)
        group_moved(app.services, chat_id, new_chat_id)
        return await _unless_left(app, new_chat_id, call)


async def _unless_left(
    app: WijkApplication, chat_id: int, call: Callable[[int], Awaitable[T]]
) -> T:
    """`call(chat_id)`; on Telegram's 403 that the bot is not in the group, the link goes."""
    try:
        return await call(chat_id)
    except Forbidden as exc:
        if any(words in exc.message.lower() for words in _NOT_IN_GROUP):
            group_left(app.services, chat_id)
        raise


# Telegram's words (403) for a group the bot is no longer in: removed while the bot was down, so
# its my_chat_member update never came. Other refusals leave the link alone.
_NOT_IN_GROUP = ("bot was kicked", "bot is not a member")


def group_left(services: Services, chat_id: int) -> None:
    """The bot is no longer in the group (its my_chat_member update, handlers/polls/group.py, or
    Telegram's 403 to a send there): the group's link goes (`groups.unlink_group`)."""
    with services.db.session() as session:
        wijk_id = groups.unlink_group(session, chat_id)
    if wijk_id is not None:
        _log.info("not in group %s any more: its link is gone", pseudonym(chat_id))


def group_moved(services: Services, old_chat_id: int, new_chat_id: int) -> None:
    with services.db.session() as session:
        moved = groups.move_group(session, old_chat_id, new_chat_id)
    _log.info(
        "group %s became supergroup %s: its link and %d poll(s) follow",
        pseudonym(old_chat_id),
        pseudonym(new_chat_id),
        moved,
    )


def group_language(services: Services, chat_id: int) -> str:
    """What the bot writes to the whole group in: the language of whoever linked it, else the
    municipality's (docs/architecture/roles-and-groups.md)."""
    with services.db.session() as session:
        lang = groups.language_of(session, chat_id)
    return lang or services.config.general.default_language


async def send_to_group(app: WijkApplication, chat_id: int, text: str, what: str) -> Message | None:
    """One message to a group, following an upgrade to a supergroup; None (logged) when it
    cannot be sent. Not sent again after a timeout: it may have arrived."""
    try:
        return await to_group(app, chat_id, lambda chat: app.bot.send_message(chat, text))
    except TelegramError as exc:
        _log.info("%s not delivered to group %s: %s", what, pseudonym(chat_id), exc)
        return None


async def post_in_group(app: WijkApplication, poll_id: int) -> None:
    """Native poll (one/several choices) or a message whose button opens the private chat.

    Raises TelegramError when the group cannot be reached; the caller takes the poll back.
    A group that became a supergroup is followed (`to_group`).
    """
    services = app.services
    bot: Bot = app.bot
    with services.db.session() as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None and poll.group_chat_id is not None
        options = voting.options_of(session, poll_id)
        wijk = session.get(Wijk, poll.wijk_id)
    lang = group_language(services, poll.group_chat_id)
    wijk_name = esc(wijk.name if wijk else "")
    closes = when(poll.closes_at, lang, services)
    if poll.kind == PollKind.RANKING.value:
        link = f"https://t.me/{services.bot_username}?start=poll_{poll_id}"
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t(lang, "polls.btn_open_private"), url=link)]]
        )
        text = t(
            lang,
            "polls.group_ranking",
            wijk=wijk_name,
            question=esc(poll.question),
            when=closes,
        )
        message = await to_group(
            app, poll.group_chat_id, lambda chat: bot.send_message(chat, text, reply_markup=markup)
        )
        telegram_poll_id = None
    else:
        # PTB 22.8: the 7th positional parameter is the deprecated correct_option_id.
        # Plain text, as typed: the bot's default parse mode (HTML) would fill the question's
        # and every option's, and Telegram would refuse a "<" or show a typed tag as bold.
        message = await to_group(
            app,
            poll.group_chat_id,
            lambda chat: bot.send_poll(
                chat_id=chat,
                question=poll.question,
                question_parse_mode=None,
                options=[InputPollOption(o.text, text_parse_mode=None) for o in options],
                is_anonymous=False,
                type="regular",
                allows_multiple_answers=poll.kind == PollKind.MULTIPLE.value,
            ),
        )
        telegram_poll_id = message.poll.id if message.poll else None
        try:
            await bot.send_message(
                message.chat_id,
                t(lang, "polls.group_native_note", wijk=wijk_name, when=closes),
            )
        except TelegramError as exc:  # the poll itself is out; the note is a courtesy
            _log.info("could not post the note under poll %s: %s", poll_id, exc)
    with services.db.session() as session:
        voting.set_group_message(session, poll_id, message.message_id, telegram_poll_id)


# --- closing and results -----------------------------------------------------------------------


async def sweep(app: WijkApplication) -> None:
    """Close what is due, take the buttons off the vote messages of what ended, send results
    not yet sent, resume broadcasts a restart interrupted."""
    services = app.services
    now = services.clock.now()
    with services.db.session() as session:
        for poll_id in voting.due_poll_ids(session, now):
            voting.close_poll(session, poll_id, now)
        unsent = voting.unsent_results_ids(session, now)
        interrupted = voting.polls_with_pending_deliveries(session)
        ended = voting.polls_with_vote_messages_to_close(session)
    for poll_id in ended:
        start_closing(app, poll_id)
    for poll_id in unsent:
        with services.db.session() as session:
            lease = voting.claim_results(session, poll_id, now)
        if lease is not None:
            spawn(app, _results_guarded(app, poll_id, lease), f"poll-results-{poll_id}")
    for poll_id in interrupted:
        start_broadcast(app, poll_id, None)


async def sweep_job(context: WijkContext) -> None:
    # The job's context holds our application; PTB's type of it is the plain Application.
    await sweep(cast("WijkApplication", context.application))


async def close_now(app: WijkApplication, poll_id: int) -> bool:
    """Close now (the creator or a coach, or an answer in the group's Telegram poll after the
    closing time, before the sweep came by): close, claim and send results in the background."""
    services = app.services
    now = services.clock.now()
    with services.db.session() as session:
        if not voting.close_poll(session, poll_id, now):
            return False
        lease = voting.claim_results(session, poll_id, now)
    start_closing(app, poll_id)
    if lease is not None:
        spawn(app, _results_guarded(app, poll_id, lease), f"poll-results-{poll_id}")
    return True


async def cancel_now(app: WijkApplication, poll_id: int) -> bool:
    services = app.services
    with services.db.session() as session:
        poll = session.get(Poll, poll_id)
        if poll is None or not voting.cancel_poll(session, poll_id, services.clock.now()):
            return False
        session.refresh(poll)
        session.expunge(poll)
    start_closing(app, poll_id)
    if poll.group_chat_id is not None:
        # Also when its message stayed behind in a group that became a supergroup (move_group).
        lang = group_language(services, poll.group_chat_id)
        if poll.telegram_poll_id:
            await _stop_native(app, poll)
        else:
            await _end_group_post(app, poll)
        await send_to_group(app, poll.group_chat_id, t(lang, "polls.group_cancelled"), "cancel")
    return True


async def _results_guarded(app: WijkApplication, poll_id: int, lease: datetime) -> None:
    try:
        await send_results(app, poll_id, lease)
    except Exception:
        _log.exception("sending the results of poll %s stopped; the sweep takes over", poll_id)


GROUP_DONE, CREATOR_DONE = 1, 2  # Poll.results_stage


async def send_results(app: WijkApplication, poll_id: int, lease: datetime) -> None:
    """The group, the creator, then each member the poll reached; each recorded as it goes, so
    a sender that takes over after a crash starts at the first one not known to have them."""
    services = app.services
    bot: Bot = app.bot
    with services.db.session() as session:
        poll = session.get(Poll, poll_id)
        if poll is None:
            return
        result = tally(session, poll_id)
        creator = session.get(Person, poll.creator_id) if poll.creator_id else None
        reached = (
            voting.reached_recipients(session, poll)
            if poll.audience != PollAudience.GROUP.value
            else []
        )
        uncounted = voting.uncounted_in_group(session, poll_id)
    held: datetime | None = lease
    in_group = voting.voted_in_group(poll)

    def done(stage: int | None = None, delivery_id: int | None = None) -> datetime | None:
        assert held is not None
        with services.db.session() as session:
            return voting.results_progress(
                session, poll_id, held, services.clock.now(), stage=stage, delivery_id=delivery_id
            )

    # Telegram's count of who answered the group's poll, when the bot stopped it (kept: a sender
    # that takes over after the group's result gives the creator the same count).
    answered = poll.group_answers
    if poll.results_stage < GROUP_DONE and poll.group_chat_id is not None:
        if poll.telegram_poll_id:
            stopped = await _stop_native(app, poll)
            if stopped is not None:
                answered = stopped
                with services.db.session() as session:
                    voting.set_group_answers(session, poll_id, stopped)
        else:
            await _end_group_post(app, poll)
    if in_group:
        # What did not count, per reason: kept on the poll before anyone reads it, so the
        # group, the creator and whoever looks at the result again read the same line.
        with services.db.session() as session:
            kept = voting.keep_uncounted(
                session, poll_id, uncounted_counts(result, answered, uncounted)
            )
            poll = session.get(Poll, poll_id) or poll
    group_missed = False  # the group could not get them (the bot removed, or mute there)
    if poll.results_stage < GROUP_DONE:
        if poll.group_chat_id is not None:
            group_lang = group_language(services, poll.group_chat_id)
            text = results_text(result, group_lang)
            if in_group:
                text += uncounted_text(kept, group_lang, services.bot_username)
            sent = await send_to_group(app, poll.group_chat_id, text, f"results of poll {poll_id}")
            group_missed = sent is None
        held = done(stage=GROUP_DONE)
    texts: dict[str, str] = {}

    async def send(person_id: int | None, chat_id: int, lang: str) -> None:
        if lang not in texts:
            texts[lang] = results_text(result, lang)
        await _send_results_to(services, bot, poll_id, person_id, chat_id, texts[lang], lang)

    if held is not None and poll.results_stage < CREATOR_DONE:
        if creator is not None:
            # The same count as the group's, and why answers there did not count, in their own
            # language (`uncounted_text`, for a private chat: no invitation to start one).
            lang = creator.language
            text = closed_results_text(poll, result, lang)
            if group_missed:
                text += "\n\n" + t(lang, "polls.results_group_missed")
            await _send_results_to(
                services, bot, poll_id, creator.id, creator.telegram_id, text, lang
            )
        held = done(stage=CREATOR_DONE)
    for recipient in reached:
        if held is None:
            _log.info("results of poll %s: another sender took over", poll_id)
            return
        if creator is None or recipient.telegram_id != creator.telegram_id:
            await send(recipient.person_id, recipient.telegram_id, recipient.language)
        held = done(delivery_id=recipient.delivery_id)
    if held is not None:
        with services.db.session() as session:
            voting.finish_results(session, poll_id, held, services.clock.now())


async def _send_results_to(
    services: Services,
    bot: Bot,
    poll_id: int,
    person_id: int | None,
    chat_id: int,
    text: str,
    lang: str,
) -> None:
    """One results message. Not sent again after a timeout: it may have arrived (a member who
    missed it finds the results under /stemmen; docs/architecture/exactly-once.md). A 403
    marks the person unreachable, as a refused poll does."""
    markup = InlineKeyboardMarkup([[menu_button(lang)]])
    while True:
        try:
            await bot.send_message(chat_id, text, reply_markup=markup)
        except RetryAfter as exc:
            await asyncio.sleep(seconds(exc.retry_after) + 0.1)
            continue
        except Forbidden:
            _log.info("results of poll %s: %s blocked the bot", poll_id, pseudonym(chat_id))
            if person_id is not None:
                with services.db.session() as session:
                    persons.mark_unreachable(session, person_id, services.clock.now())
        except TelegramError as exc:
            _log.info(
                "results of poll %s not delivered to %s: %s", poll_id, pseudonym(chat_id), exc
            )
        return


async def _end_group_post(app: WijkApplication, poll: Poll) -> None:
    """The group's message that sends voters to a private chat (a ranking poll) says the poll
    ended, without its button. Telegram's own poll is stopped instead (`_stop_native`)."""
    if poll.group_chat_id is None or poll.group_message_id is None:
        return  # never posted, or left behind in a group that became a supergroup
    services = app.services
    lang = group_language(services, poll.group_chat_id)
    with services.db.session() as session:
        wijk = session.get(Wijk, poll.wijk_id)
    text = t(
        lang,
        "polls.group_ranking_ended",
        wijk=esc(wijk.name if wijk else ""),
        question=esc(poll.question),
        ended=_ended_line(poll, lang),
    )
    await edit_one(
        app.bot, poll.group_chat_id, poll.group_message_id, text, what=f"poll {poll.id}'s post"
    )


# --- the vote messages of a poll that ended ----------------------------------------------------


def start_closing(app: WijkApplication, poll_id: int) -> None:
    """Take the buttons off the poll's vote messages in the background (`close_vote_messages`),
    once per process at a time: asked again while it runs, it looks once more when done (a
    broadcast that sent a few more after the close)."""
    running = app.services.poll_closings
    if poll_id in running:
        running[poll_id] = True
        return
    running[poll_id] = False
    spawn(app, _closing_guarded(app, poll_id), f"poll-closing-{poll_id}")


async def _closing_guarded(app: WijkApplication, poll_id: int) -> None:
    running = app.services.poll_closings
    try:
        while True:
            await close_vote_messages(app, poll_id)
            if not running.get(poll_id):
                return
            running[poll_id] = False
    except Exception:
        _log.exception("closing the vote messages of poll %s stopped; the sweep resumes", poll_id)
    finally:
        running.pop(poll_id, None)


async def close_vote_messages(app: WijkApplication, poll_id: int) -> int:
    """Each vote message the poll went out as (as far as the broadcast recorded it) says the
    poll closed or was cancelled, in its member's language, with their vote and no buttons.
    One edit at a time through the rate limiter, like a broadcast; each recorded as it goes, so
    the sweep resumes after a restart. Whatever Telegram answers an edit (403 blocked, 400 "not
    modified", 429 after waiting) leaves that message be: a press on its buttons still says
    why. A 403 marks its member unreachable, as a refused send does. Returns how many
    messages were edited."""
    services = app.services
    with services.db.session() as session:
        poll = session.get(Poll, poll_id)
        if poll is None or poll.status == PollStatus.OPEN.value:
            return 0
        session.expunge(poll)
        options = voting.options_of(session, poll_id)
        wijk = session.get(Wijk, poll.wijk_id)
        wijk_name = wijk.name if wijk else ""
        messages = voting.vote_messages_to_close(session, poll_id)
    edited = 0
    for message in messages:
        text = ended_vote_text(poll, options, message.language, wijk_name, message.chosen)
        status = await edit_one(
            app.bot,
            message.telegram_id,
            message.message_id,
            text,
            what=f"poll {poll_id}'s vote message",
        )
        edited += status is Status.SENT
        with services.db.session() as session:
            if status is Status.UNREACHABLE:
                persons.mark_unreachable(session, message.person_id, services.clock.now())
            voting.mark_buttons_removed(session, message, services.clock.now())
    with services.db.session() as session:
        voting.finish_closing_vote_messages(session, poll_id, services.clock.now())
    return edited


async def _stop_native(app: WijkApplication, poll: Poll) -> int | None:
    """Stop the group's Telegram poll; how many people answered it, as Telegram counted them
    (None when it could not be stopped)."""
    if poll.group_chat_id is None or poll.group_message_id is None:
        return None  # never posted, or left behind in a group that became a supergroup
    try:
        stopped = await app.bot.stop_poll(poll.group_chat_id, poll.group_message_id)
    except ChatMigrated as exc:
        # Its message stays in the old group, where nothing can be stopped any more.
        group_moved(app.services, poll.group_chat_id, int(exc.new_chat_id))
    except TelegramError as exc:  # already stopped by hand, or the bot left the group
        _log.info("could not stop poll %s in the group: %s", poll.id, exc)
    else:
        return stopped.total_voter_count
    return None


def install(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """ONE repeating job, plus one run at start-up that closes what fell due while we were down
    (bot/telegram/jobs.py: why the start-up run is a job of its own)."""
    if app.job_queue is None:
        _log.warning("no JobQueue: polls will not close on time")
        return
    at_start_and_every(app.job_queue, sweep_job, SWEEP_SECONDS, "polls-sweep")
