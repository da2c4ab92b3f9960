"""Texts and keyboards of the coach's inbox, a card, the three message flows and what goes to
the sender or back to the coach, from data and the catalogue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.clock import as_utc
from bot.core.i18n import format_date, format_datetime, t, tn
from bot.core.text import TELEGRAM_TEXT_LIMIT, esc, utf16_cut, utf16_len
from bot.observations import coach, same_matter, workflow
from bot.observations.coach import Filter, Page
from bot.telegram.callbacks import (
    CoachAction,
    CoachDraft,
    CoachHideReason,
    CoachList,
    CoachVerb,
    CoachWijken,
    ListBack,
    MenuItem,
    StatusReopen,
)
from handlers.common import (
    Who,
    button,
    cancel_button,
    keyboard,
    menu_button,
    menu_keyboard,
    status_label,
)
from models import Observation, ObservationEvent, Role, Wijk

View = tuple[str, InlineKeyboardMarkup]
Rows = list[list[InlineKeyboardButton]]

MAX_MESSAGE = TELEGRAM_TEXT_LIMIT  # in UTF-16 code units: `fit`
SNIPPET = 90
DEFAULT_BACK = ListBack(Filter.OPEN, 0)


def fit(text: str, budget: int) -> tuple[str, bool]:
    """Escaped text of at most `budget` UTF-16 code units (as Telegram may count: an emoji is
    two, bot.core.text.TELEGRAM_TEXT_LIMIT); cut at the raw text so no entity breaks, and never
    inside an emoji."""
    escaped = esc(text)
    if utf16_len(escaped) <= budget:
        return escaped, False
    n = budget
    while n > 0:
        cut = esc(utf16_cut(text, n).rstrip()) + "…"
        size = utf16_len(cut)
        if size <= budget:
            return cut, True
        n -= max(1, size - budget)
    return "…", True


def snippet(text: str, limit: int = SNIPPET) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rstrip() + "…"


def _swot(lang: str, swot: str) -> str:
    key = f"coach.swot.{swot}"
    text = t(lang, key)
    return swot if text == key else text


def _menu_row(lang: str) -> InlineKeyboardButton:
    return button(t(lang, "menu.back_to_menu"), MenuItem("main"))


def open_again(who: Who, observation_id: int) -> InlineKeyboardMarkup:
    """Under a photo, a location or the full text: back to the card."""
    return keyboard([button(who.t("coach.btn_open"), CoachAction(observation_id, CoachVerb.OPEN))])


# --- the inbox -----------------------------------------------------------------------------------


def wijk_choice(who: Who, wijken: Sequence[tuple[Wijk, int]]) -> View:
    """For a coach of several wijken: which list, with how many wait in each."""
    rows = [
        [
            button(
                who.t("coach.wijk_button", wijk=wijk.name, count=waiting),
                CoachList(wijk.id or 0, DEFAULT_BACK),
            )
        ]
        for wijk, waiting in wijken
    ]
    rows.append([menu_button(who)])
    return who.t("coach.choose_wijk"), keyboard(*rows)


def inbox(
    who: Who,
    wijk: Wijk,
    flt: Filter,
    result: Page,
    authors: Mapping[int | None, str | None],
    tz: ZoneInfo,
    *,
    several_wijken: bool,
    supporters: Mapping[int, int] | None = None,
) -> View:
    """One page of a wijk's observations: a line and an "open" button each, paging, filters."""
    title = who.t(
        "coach.list_title",
        wijk=esc(wijk.name),
        filter=who.t(f"coach.filter.{flt.value}"),
        count=result.total,
    )
    lines = [title]
    if result.pages > 1:
        lines.append(who.t("coach.page", page=result.page + 1, pages=result.pages))
    if not result.items:
        lines += ["", who.t("coach.empty")]
    for obs in result.items:
        lines += ["", _inbox_line(who, obs, authors.get(obs.id), tz)]
        if supporters and (n := supporters.get(obs.id or 0, 0)):
            lines.append(who.t("coach.card_supporters", people=tn(who.lang, "coach.people", n)))
    return "\n".join(lines), keyboard(*_inbox_rows(who, wijk.id or 0, flt, result, several_wijken))


def urgent_mark(who: Who, obs: Observation) -> str:
    """ "Mogelijk dringend" above an observation the bot found urgent (bot/urgent), else nothing."""
    return f"<b>{who.t('urgent.mark')}</b>\n" if obs.urgent_kind else ""


def _inbox_line(who: Who, obs: Observation, author: str | None, tz: ZoneInfo) -> str:
    name = esc(author or who.t("coach.erased_author"))
    if obs.author_role != Role.RESIDENT.value:  # as on the card: "Pieter (partner)"
        name = who.t("coach.list_author_role", author=name, role=who.t(f"roles.{obs.author_role}"))
    return urgent_mark(who, obs) + who.t(
        "coach.list_line",
        reference=obs.reference,
        date=format_date(as_utc(obs.created_at), who.lang, tz, "d MMM"),
        swot=_swot(who.lang, obs.swot),
        author=name,
        status=status_label(who.lang, obs),
        snippet=esc(snippet(obs.text)),
    )


def _inbox_rows(who: Who, wijk_id: int, flt: Filter, result: Page, several: bool) -> Rows:
    back = ListBack(flt, result.page)
    open_buttons = [
        button(
            who.t("coach.open", reference=o.reference), CoachAction(o.id or 0, CoachVerb.OPEN, back)
        )
        for o in result.items
    ]
    rows = [open_buttons[i : i + 2] for i in range(0, len(open_buttons), 2)]
    nav = []
    if result.page > 0:
        nav.append(
            button(who.t("coach.previous"), CoachList(wijk_id, ListBack(flt, back.page - 1)))
        )
    if result.page + 1 < result.pages:
        nav.append(button(who.t("coach.next"), CoachList(wijk_id, ListBack(flt, back.page + 1))))
    rows.append(nav)
    others = [f for f in Filter if f is not flt]
    rows.append(
        [
            button(who.t(f"coach.filter.{f.value}"), CoachList(wijk_id, ListBack(f, 0)))
            for f in others
        ]
    )
    if several:
        rows.append([button(who.t("coach.other_wijk"), CoachWijken())])
    rows.append([menu_button(who)])
    return rows


# --- one observation -----------------------------------------------------------------------------


def card(
    who: Who,
    obs: Observation,
    *,
    wijk_name: str,
    author: str | None,
    theme: str | None,
    tz: ZoneInfo,
    back: ListBack,
    additions: Sequence[same_matter.Addition] = (),
    reopened: workflow.Reopened | None = None,
    own: bool = False,
) -> View:
    """The whole observation with what happened to it, and what the coach can do with it.
    `reopened`: its latest reopen, said under its status (it was hidden, referred, ... before,
    and the sender objected), with the answer that moved into the history then. `own`: the
    coach sent it themselves: it says so, and another coach answers or hides it."""
    head = _card_head(who, obs, wijk_name=wijk_name, author=author, theme=theme, tz=tz)
    if own:
        head.append(who.t("coach.own_observation"))
    tail, truncated = _card_tail(who, obs, tz)
    if reopened is not None:
        head.append(_reopened(who, reopened, tz))
        if reopened.answer is not None and reopened.answered_at is not None:
            text, cut = fit(reopened.answer, 600)
            truncated |= cut
            date = format_date(as_utc(reopened.answered_at), who.lang, tz)
            tail.insert(0, who.t("coach.card_earlier_answer", date=date, text=text))
    if additions:
        shown, cut = _additions(who, additions, tz)
        tail.insert(0, shown)
        truncated |= cut
    fixed = utf16_len("\n".join(head)) + utf16_len("\n\n".join(tail)) + 200
    body, cut = fit(obs.text, MAX_MESSAGE - fixed)
    truncated |= cut
    parts = ["\n".join(head), body, *tail]
    if truncated:
        parts.append(who.t("coach.card_truncated"))
    rows = _card_rows(who, obs, back, truncated=truncated, own=own)
    return "\n\n".join(parts), keyboard(*rows)


def _reopened(who: Who, reopened: workflow.Reopened, tz: ZoneInfo) -> str:
    """ "Weer open sinds 8 december. Eerder: Verborgen (reden: …). De schrijver vond dat niet
    terecht." """
    if reopened.before == "hidden" and reopened.detail:
        before = who.t("coach.card_before_hidden", reason=esc(reopened.detail))
    elif reopened.before == "referred" and reopened.detail:
        before = who.t("status.referred_to", partner=esc(reopened.detail))
    elif reopened.before == "duplicate" and reopened.detail:
        before = who.t("coach.card_before_duplicate", other=esc(reopened.detail))
    else:
        before = who.t(f"status.{reopened.before}")
    date = format_date(as_utc(reopened.at), who.lang, tz)
    said = who.t("coach.card_reopened", date=date, before=before)
    return f"{said} {who.t(reopened.why_key)}"


def _card_head(
    who: Who,
    obs: Observation,
    *,
    wijk_name: str,
    author: str | None,
    theme: str | None,
    tz: ZoneInfo,
) -> list[str]:
    created = format_datetime(as_utc(obs.created_at), who.lang, tz, "d MMMM y, HH:mm")
    head = [
        urgent_mark(who, obs)
        + who.t("coach.card_title", reference=obs.reference, wijk=esc(wijk_name)),
        who.t("coach.card_date", date=created),
        who.t("coach.card_swot", swot=_swot(who.lang, obs.swot)),
        who.t("coach.card_theme", theme=esc(theme) if theme else who.t("coach.card_no_theme")),
        who.t(
            "coach.card_author",
            author=esc(author) if author else who.t("coach.erased_author"),
            role=who.t(f"roles.{obs.author_role}"),
        ),
        who.t("coach.card_status", status=status_label(who.lang, obs)),
    ]
    if obs.photo_file_id:
        head.append(who.t("coach.card_photo"))
    if obs.latitude is not None and obs.longitude is not None:
        head.append(who.t("coach.card_location"))
    return head


ADDITIONS_SHOWN = 5  # the first supporters' texts on the card (the count names them all)
ADDITION_CHARS = 300


def _additions(
    who: Who, additions: Sequence[same_matter.Addition], tz: ZoneInfo
) -> tuple[str, bool]:
    """ "Ook gemeld door 3 mensen", and what the first of them wrote (by pseudonym)."""
    lines = [who.t("coach.card_supporters", people=tn(who.lang, "coach.people", len(additions)))]
    truncated = len(additions) > ADDITIONS_SHOWN
    for addition in additions[:ADDITIONS_SHOWN]:
        text, cut = fit(addition.text, ADDITION_CHARS)
        truncated |= cut
        author = esc(addition.author) if addition.author else who.t("coach.erased_author")
        date = format_date(as_utc(addition.created_at), who.lang, tz)
        lines.append(who.t("coach.card_addition", author=author, date=date, text=text))
    return "\n".join(lines), truncated


def _card_tail(who: Who, obs: Observation, tz: ZoneInfo) -> tuple[list[str], bool]:
    """The answer, the sender's reply, why it was hidden; and whether any was shortened."""
    tail: list[str] = []
    truncated = False
    if obs.answer_text is not None and obs.answered_at is not None:
        text, cut = fit(obs.answer_text, 900)
        truncated |= cut
        date = format_date(as_utc(obs.answered_at), who.lang, tz)
        tail.append(who.t("coach.card_answer", date=date, text=text))
    if obs.reply_text is not None and obs.replied_at is not None:
        text, cut = fit(obs.reply_text, 700)
        truncated |= cut
        date = format_date(as_utc(obs.replied_at), who.lang, tz)
        tail.append(who.t("coach.card_reply", date=date, text=text))
    if obs.hidden_at is not None:
        date = format_date(as_utc(obs.hidden_at), who.lang, tz)
        tail.append(who.t("coach.card_hidden", date=date, reason=esc(obs.hidden_reason)))
    if obs.person_id is None:
        tail.append(who.t("coach.card_erased_note"))
    return tail, truncated


def _card_rows(
    who: Who, obs: Observation, back: ListBack, *, truncated: bool, own: bool = False
) -> Rows:
    oid = obs.id or 0
    actions = []
    if coach.can_answer(obs) and not own:
        actions.append(button(who.t("coach.btn_answer"), CoachAction(oid, CoachVerb.ANSWER, back)))
    if obs.status == "new" and not own:
        actions.append(button(who.t("coach.btn_read"), CoachAction(oid, CoachVerb.READ, back)))
    extras = []
    if obs.photo_file_id:
        extras.append(button(who.t("coach.btn_photo"), CoachAction(oid, CoachVerb.PHOTO)))
    if obs.latitude is not None and obs.longitude is not None:
        extras.append(button(who.t("coach.btn_location"), CoachAction(oid, CoachVerb.LOCATION)))
    if truncated:
        extras.append(button(who.t("coach.btn_full"), CoachAction(oid, CoachVerb.FULL_TEXT)))
    rows = [actions, extras]
    if obs.status != "hidden" and not own:
        rows.append([button(who.t("coach.btn_hide"), CoachAction(oid, CoachVerb.HIDE, back))])
    rows.append([button(who.t("coach.btn_back"), CoachList(obs.wijk_id, back)), menu_button(who)])
    return rows


# --- the message flows: answer, hide reason, reply -----------------------------------------------


def prompt(who: Who, key: str, reference: str, limit: int, nonce: int) -> View:
    return who.t(key, reference=reference, limit=limit), keyboard([cancel_button(who, nonce)])


def preview(
    who: Who,
    key: str,
    text: str,
    *,
    observation_id: int,
    nonce: int,
    send: tuple[str, str],
    retype: str,
) -> View:
    """The draft as it will go, with "send" (`send`: its step and label key) and "type again"."""
    shown, _ = fit(text, MAX_MESSAGE - 300)
    return who.t(key, text=shown), preview_markup(
        who, observation_id=observation_id, nonce=nonce, send=send, retype=retype
    )


def not_sent(who: Who, why: str, text: str) -> tuple[str, View]:
    """Versturen refused: why (in place of the preview), then the typed text alone in a message
    of its own, easy to copy."""
    return f"{why}\n\n{who.t('coach.not_sent_below')}", (esc(text), menu_keyboard(who))


def preview_markup(
    who: Who, *, observation_id: int, nonce: int, send: tuple[str, str], retype: str
) -> InlineKeyboardMarkup:
    step, label = send
    return keyboard(
        [button(who.t(label), CoachDraft(observation_id, step, nonce))],
        [button(who.t("coach.btn_retype"), CoachDraft(observation_id, retype, nonce))],
        [cancel_button(who, nonce)],
    )


def answer_sent(who: Who, key: str, obs: Observation, back: ListBack) -> View:
    return _after_answer(who, who.t(key, reference=obs.reference), obs.id or 0, obs.wijk_id, back)


def answer_stored_before(who: Who, before: coach.StoredBefore, back: ListBack) -> View:
    """Versturen again of an answer a reopen moved into the history since."""
    said = who.t(before.message_key, **before.values)
    return _after_answer(who, said, before.observation_id, before.wijk_id, back)


def _after_answer(who: Who, said: str, observation_id: int, wijk_id: int, back: ListBack) -> View:
    markup = keyboard(
        [button(who.t("coach.btn_open"), CoachAction(observation_id, CoachVerb.OPEN, back))],
        [button(who.t("coach.back_to_list"), CoachList(wijk_id, back))],
        [menu_button(who)],
    )
    return said, markup


def hide_reasons(who: Who, obs: Observation, back: ListBack) -> View:
    oid = obs.id or 0
    rows = [
        [button(who.t(f"coach.hide_reason.{code}"), CoachHideReason(oid, code, back))]
        for code in (*coach.HIDE_REASONS, coach.OTHER_REASON)
    ]
    rows.append([button(who.t("coach.btn_back"), CoachAction(oid, CoachVerb.OPEN, back))])
    return who.t("coach.hide_ask", reference=obs.reference), keyboard(*rows)


def hidden_done(who: Who, obs: Observation, reason: str, back: ListBack) -> View:
    markup = keyboard(
        [button(who.t("coach.back_to_list"), CoachList(obs.wijk_id, back))], [menu_button(who)]
    )
    return who.t("coach.hidden_done", reference=obs.reference, reason=esc(reason)), markup


# --- to the sender, and back to the coach --------------------------------------------------------


def to_sender_answer(lang: str, obs: Observation, tz: ZoneInfo, colleague: bool = False) -> View:
    """The coach's answer, in the sender's language, with "Reageren" (once). `colleague`: the
    sender coaches that wijk themselves (their own observation), so it is an answer from another
    coach, not from "your" coach."""
    key = "coach.to_sender_answer_colleague" if colleague else "coach.to_sender_answer"
    original = esc(snippet(obs.text, 300))
    fixed = utf16_len(t(lang, key, reference="", date="", original=original, answer=""))
    answer, _ = fit(obs.answer_text or "", MAX_MESSAGE - fixed - 60)
    text = t(
        lang,
        key,
        reference=obs.reference,
        date=format_date(as_utc(obs.created_at), lang, tz),
        original=original,
        answer=answer,
    )
    markup = keyboard(
        [button(t(lang, "coach.btn_reply"), CoachAction(obs.id or 0, CoachVerb.REPLY))],
        [_menu_row(lang)],
    )
    return text, markup


def _may_object(lang: str, text: str, event: ObservationEvent) -> View:
    """A hide's note with "Klopt niet" under it, as the desk's notice of a hide has
    (bot/observations/notice_delivery.py `message`): pressed once, it reopens the observation."""
    if not event.notify or event.id is None:
        return text, keyboard([_menu_row(lang)])
    markup = keyboard(
        [button(t(lang, "status_notice.btn_wrong"), StatusReopen(event.id, "wrong"))],
        [_menu_row(lang)],
    )
    return f"{text}\n{t(lang, 'status_notice.ask_wrong')}", markup


def to_sender_hidden(
    lang: str, obs: Observation, reason: str, tz: ZoneInfo, event: ObservationEvent
) -> View:
    """A short neutral note is kinder than a message that silently disappears."""
    text = t(
        lang,
        "coach.to_sender_hidden",
        reference=obs.reference,
        date=format_date(as_utc(obs.created_at), lang, tz),
        reason=esc(reason),
    )
    return _may_object(lang, text, event)


def to_supporter_answer(
    lang: str, obs: Observation, their_text: str, colleague: bool = False
) -> View:
    """The coach's answer to someone who said "ik ook", in their language, with their own text
    (replying is for the author only). `colleague`: they coach that wijk themselves, so it is
    an answer from another coach, not from "your" coach."""
    key = "coach.to_supporter_answer_colleague" if colleague else "coach.to_supporter_answer"
    original = esc(snippet(their_text, 300))
    fixed = utf16_len(t(lang, key, reference="", original=original, answer=""))
    answer, _ = fit(obs.answer_text or "", MAX_MESSAGE - fixed - 60)
    text = t(
        lang,
        key,
        reference=obs.reference,
        original=original,
        answer=answer,
    )
    return text, keyboard([_menu_row(lang)])


def to_supporter_hidden(lang: str, obs: Observation, reason: str, event: ObservationEvent) -> View:
    text = t(lang, "coach.to_supporter_hidden", reference=obs.reference, reason=esc(reason))
    return _may_object(lang, text, event)


def to_coach_reply(lang: str, obs: Observation, author: str) -> View:
    values = {"reference": obs.reference, "author": esc(author)}
    fixed = utf16_len(t(lang, "coach.to_coach_reply", text="", **values))
    text, _ = fit(obs.reply_text or "", MAX_MESSAGE - fixed - 60)
    message = t(lang, "coach.to_coach_reply", text=text, **values)
    markup = keyboard(
        [button(t(lang, "coach.btn_open"), CoachAction(obs.id or 0, CoachVerb.OPEN))],
        [_menu_row(lang)],
    )
    return message, markup
