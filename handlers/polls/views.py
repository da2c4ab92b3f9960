"""Texts and keyboards of the polls: the list, managing one, and each step of the wizard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.polls import voting
from bot.telegram.callbacks import GroupLinkPick, MenuItem, PollManage, PollView, PollWizardStep
from handlers.common import Who, button, cancel_button, columns, esc, keyboard, menu_button
from models import Poll, PollAudience, PollKind, SpiegelItem, Wijk

View = tuple[str, InlineKeyboardMarkup]
BUTTON_QUESTION = 40
SPIEGEL_PAGE = 8


def _short(text: str, limit: int = BUTTON_QUESTION) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- the list and managing -----------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    poll: Poll
    when: str  # when it closes (open) or closed
    manage: bool = False  # the person may close or cancel it
    # They are in its audience. A coach who manages a BIG poll is not: no vote button that
    # would only refuse, the results so far instead.
    vote: bool = True
    # Telegram's own poll in the BIG's group: voted on there only, so no vote button here.
    in_group: bool = False


def poll_list(
    who: Who, open_polls: Sequence[Listed], closed: Sequence[Listed], *, can_create: bool
) -> View:
    lines = [who.t("polls.list_title")]
    rows: list[list[InlineKeyboardButton]] = []
    if open_polls:
        lines += ["", who.t("polls.list_open")]
    for item in open_polls:
        p = item.poll
        key = "polls.list_item_in_group" if item.in_group else "polls.list_item_open"
        lines.append(who.t(key, question=esc(p.question), when=item.when))
        if item.vote:
            label = who.t("polls.btn_poll_open", question=_short(p.question))
            rows.append([button(label, PollView(p.id or 0, "show"))])
        else:
            label = who.t("polls.btn_poll_results", question=_short(p.question))
            rows.append([button(label, PollView(p.id or 0, "res"))])
        if item.manage:
            label = who.t("polls.btn_poll_manage", question=_short(p.question))
            rows.append([button(label, PollManage(p.id or 0, "m"))])
    if closed:
        lines += ["", who.t("polls.list_closed")]
    for item in closed:
        p = item.poll
        lines.append(who.t("polls.list_item_closed", question=esc(p.question), when=item.when))
        label = who.t("polls.btn_poll_results", question=_short(p.question))
        rows.append([button(label, PollView(p.id or 0, "res"))])
    if not open_polls and not closed:
        lines += ["", who.t("polls.list_none")]
    if can_create:
        rows.append([button(who.t("polls.menu_new"), MenuItem("newpoll"))])
    rows.append([menu_button(who)])
    return "\n".join(lines), keyboard(*rows)


def to_polls(who: Who) -> list[InlineKeyboardButton]:
    return [button(who.t("polls.menu"), MenuItem("polls"))]


def manage(who: Who, poll: Poll, voters: int, when: str) -> View:
    poll_id = poll.id or 0
    text = who.t("polls.manage", question=esc(poll.question), voters=voters, when=when)
    markup = keyboard(
        [button(who.t("polls.btn_close_now"), PollManage(poll_id, "cl"))],
        [button(who.t("polls.btn_cancel_poll"), PollManage(poll_id, "cx"))],
        to_polls(who),
    )
    return text, markup


def manage_confirm(who: Who, poll_id: int, action: str) -> View:
    """Are you sure? `action`: "cl" (close now) or "cx" (cancel)."""
    key, yes = (
        ("polls.confirm_close", "polls.btn_yes_close")
        if action == "cl"
        else ("polls.confirm_cancel", "polls.btn_yes_cancel")
    )
    markup = keyboard(
        [button(who.t(yes), PollManage(poll_id, action + "Y"))],
        [button(who.t("common.back"), PollManage(poll_id, "m"))],
    )
    return who.t(key), markup


def managed(who: Who, key: str) -> View:
    return who.t(key), keyboard(to_polls(who), [menu_button(who)])


def link_choice(who: Who, wijken: Sequence[Wijk]) -> View:
    """In the group, after /koppel: which wijk (for someone who may link several)."""
    rows = [[button(w.name, GroupLinkPick(w.id or 0))] for w in wijken]
    return who.t("polls.koppel_choose"), keyboard(*rows)


# --- the wizard ----------------------------------------------------------------------------------


def _pw(who: Who, label_key: str, nonce: int, step: str, value: str = "0") -> InlineKeyboardButton:
    return button(who.t(label_key), PollWizardStep(nonce, step, value))


def nav(who: Who, nonce: int, *, editing: bool) -> list[InlineKeyboardButton]:
    """Stoppen, and once the preview was shown, the way back to it."""
    row = [cancel_button(who, nonce)]
    if editing:
        row.insert(0, _pw(who, "polls.btn_to_preview", nonce, "p"))
    return row


def choose_wijk(who: Who, wijken: Sequence[Wijk], nonce: int) -> View:
    rows = columns([button(w.name, PollWizardStep(nonce, "w", str(w.id or 0))) for w in wijken])
    rows.append([cancel_button(who, nonce)])
    return who.t("polls.w_choose_wijk"), keyboard(*rows)


def question(who: Who, nonce: int, *, editing: bool, wijk: str | None = None) -> View:
    """`wijk`: the poll's, named when it is not the one the person's menu shows."""
    if wijk is None:
        text = who.t("polls.w_question", limit=voting.MAX_QUESTION)
    else:
        text = who.t("polls.w_question_for", wijk=esc(wijk), limit=voting.MAX_QUESTION)
    return text, keyboard(nav(who, nonce, editing=editing))


def options(
    who: Who, chosen: Sequence[str], nonce: int, note: str | None = None, *, spiegel: bool
) -> View:
    """`spiegel`: the wijk has spiegel statements to take (else neither the line nor the button
    that offers them)."""
    listing = (
        "\n".join(f"{i}. {esc(o)}" for i, o in enumerate(chosen, 1))
        if chosen
        else who.t("polls.w_options_none")
    )
    parts = [] if note is None else [note, ""]
    if not chosen:
        low, high, limit = voting.MIN_OPTIONS, voting.MAX_OPTIONS, voting.MAX_OPTION
        parts.append(who.t("polls.w_options", low=low, high=high, limit=limit))
        if spiegel:
            parts.append(who.t("polls.w_options_spiegel"))
        parts.append("")
    count, high = len(chosen), voting.MAX_OPTIONS
    parts.append(who.t("polls.w_options_list", count=count, high=high, list=listing))
    rows = [[_pw(who, "polls.btn_from_spiegel", nonce, "sp")]] if spiegel else []
    if chosen:
        rows.append([_pw(who, "polls.btn_remove_last", nonce, "ou")])
    rows.append([_pw(who, "polls.btn_options_done", nonce, "od")])
    rows.append([cancel_button(who, nonce)])
    return "\n".join(parts), keyboard(*rows)


def spiegel(
    who: Who,
    items: Sequence[SpiegelItem],
    page: int,
    picked: Sequence[int],
    year: str,
    nonce: int,
) -> View:
    """One page of the wijk's spiegel statements, to take as options (`page` within range)."""
    pages = max(1, -(-len(items) // SPIEGEL_PAGE))
    shown = items[page * SPIEGEL_PAGE : (page + 1) * SPIEGEL_PAGE]
    lines = []
    buttons = []
    for index, item in enumerate(shown, page * SPIEGEL_PAGE + 1):
        lines.append(f"{index}. {esc(voting.shorten(item.text, 200))}")
        key = "polls.btn_item_picked" if item.id in picked else "polls.btn_item"
        item_button = PollWizardStep(nonce, "pi", str(item.id or 0))
        buttons.append(button(who.t(key, n=index), item_button))
    rows = columns(buttons, 2)
    if pages > 1:
        rows.append([_pw(who, "polls.btn_more", nonce, "sp", str(page + 1))])
    rows.append([_pw(who, "polls.btn_back_options", nonce, "ob")])
    rows.append([cancel_button(who, nonce)])
    return who.t("polls.w_spiegel", year=year, list="\n".join(lines)), keyboard(*rows)


def kind(who: Who, nonce: int, *, editing: bool) -> View:
    rows = [[_pw(who, f"polls.kind_{k.value}", nonce, "k", k.value)] for k in PollKind]
    rows.append(nav(who, nonce, editing=editing))
    return who.t("polls.w_kind"), keyboard(*rows)


def audience(who: Who, nonce: int, *, editing: bool, group_linked: bool) -> View:
    rows = [
        [_pw(who, "polls.aud_big", nonce, "a", PollAudience.BIG.value)],
        [_pw(who, "polls.aud_wijk", nonce, "a", PollAudience.WIJK.value)],
    ]
    text = who.t("polls.w_audience")
    if group_linked:
        rows.append([_pw(who, "polls.aud_group", nonce, "a", PollAudience.GROUP.value)])
    else:
        text += "\n\n" + who.t("polls.w_no_group_hint")
    rows.append(nav(who, nonce, editing=editing))
    return text, keyboard(*rows)


def closes(who: Who, nonce: int, *, editing: bool) -> View:
    rows = [[_pw(who, f"polls.close_{d}", nonce, "c", str(d))] for d in voting.CLOSING_PRESETS_DAYS]
    rows.append(nav(who, nonce, editing=editing))
    return who.t("polls.w_closes"), keyboard(*rows)


def hide(who: Who, nonce: int, *, editing: bool) -> View:
    rows = [
        [_pw(who, "polls.hide_no", nonce, "h", "0")],
        [_pw(who, "polls.hide_yes", nonce, "h", "1")],
        nav(who, nonce, editing=editing),
    ]
    return who.t("polls.w_hide"), keyboard(*rows)


@dataclass(frozen=True)
class Preview:
    question: str
    options: Sequence[str]
    kind: str
    audience: str
    closes: str  # when, as the person reads it
    hide: bool
    native: bool  # posted as Telegram's own poll in the group
    # Nobody but the creator can get it yet: the wijk's name, to say so before it is sent.
    nobody_else_in: str | None = None
    votes_self: bool = False  # the creator is in its audience


def preview(who: Who, poll: Preview, nonce: int) -> View:
    text = who.t(
        "polls.w_preview",
        question=esc(poll.question),
        options="\n".join(f"{i}. {esc(o)}" for i, o in enumerate(poll.options, 1)),
        kind=who.t(f"polls.kind_{poll.kind}"),
        audience=who.t(f"polls.aud_{poll.audience}"),
        closes=poll.closes,
        hide=who.t("polls.prev_hide_yes" if poll.hide else "polls.prev_hide_no"),
    )
    if poll.native:
        text += "\n\n" + who.t("polls.prev_native_note")
    if poll.nobody_else_in is not None:
        said = [who.t(f"polls.prev_nobody_{poll.audience}", wijk=esc(poll.nobody_else_in))]
        if poll.votes_self:
            said.append(who.t("polls.prev_nobody_self"))
        said.append(who.t("polls.prev_nobody_go_on"))
        text += "\n\n" + " ".join(said)
    markup = keyboard(
        [_pw(who, "polls.btn_send", nonce, "ok")],
        [_pw(who, "polls.btn_change", nonce, "ch")],
        [cancel_button(who, nonce)],
    )
    return text, markup


CHANGEABLE = ("question", "options", "kind", "audience", "closes", "hide")


def changing(who: Who, nonce: int, *, native: bool) -> View:
    fields = [f for f in CHANGEABLE if f != "hide" or not native]
    rows = [[_pw(who, f"polls.ch_{f}", nonce, "e", f)] for f in fields]
    rows.append(nav(who, nonce, editing=True))
    return who.t("polls.w_change"), keyboard(*rows)


def retry_send(who: Who, nonce: int, *, change: bool = False) -> InlineKeyboardMarkup:
    """Versturen again and Stoppen; with `change` (the group could not be reached) also Iets
    veranderen, to choose whom the poll is for without losing the draft."""
    rows = [[_pw(who, "polls.btn_send", nonce, "ok")]]
    if change:
        rows.append([_pw(who, "polls.btn_change", nonce, "ch")])
    return keyboard(*rows, [cancel_button(who, nonce)])
