"""Texts and keyboards of the observation flow and "Mijn meldingen", from data and the catalogue."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.config import MunicipalityConfig, ThemeConfig
from bot.core.i18n import LANGUAGES, format_date, t
from bot.core.text import TELEGRAM_TEXT_LIMIT, utf16_len
from bot.observations import coach, filing
from bot.telegram.callbacks import FileText, MenuItem, MinePage, MineWithdraw, ObservationStep
from handlers.common import (
    EDITED,
    Who,
    button,
    cancel_button,
    columns,
    esc,
    keyboard,
    menu_button,
    not_taken_reason,
    status_label,
)
from handlers.observations.draft import (
    CHANGE,
    FILE_ASK,
    LOCATION,
    NAME,
    NO_THEME,
    SAME,
    SUMMARY,
    SWOT,
    SWOT_CODES,
    TEXT,
    THEME,
    WIJK,
    ObservationDraft,
)
from models import Observation, ObservationStatus, Wijk

View = tuple[str, InlineKeyboardMarkup]
Rows = list[list[InlineKeyboardButton]]

# "Mijn meldingen" shows texts shortened so that a page stays under Telegram's 4,096 characters
# (measured in UTF-16 code units, bot.core.text.TELEGRAM_TEXT_LIMIT): first this much, then
# shorter until it fits.
MINE_SHORTENED = ((280, 400), (150, 200), (60, 80))  # (text, answer) characters
MESSAGE_LIMIT = TELEGRAM_TEXT_LIMIT
SAME_QUOTED = 160  # characters of the other person's observation quoted in the "ik ook" question


@dataclass(frozen=True)
class StepData:
    """What showing a step of the flow needs besides the draft."""

    who: Who
    nonce: int
    draft: ObservationDraft
    themes: Sequence[ThemeConfig]
    wijken: Sequence[Wijk] = ()  # the wijken they may send for (the wijk step)
    wijk_name: str | None = None  # the draft's wijk, shown when they have several
    # Its report_url and report_phone: where something broken in the street goes instead.
    municipality: MunicipalityConfig = field(default_factory=MunicipalityConfig)

    def ob(self, label: str, step: str, value: str | int) -> InlineKeyboardButton:
        return button(label, ObservationStep(self.nonce, step, str(value)))

    def around(self, *rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
        """The step's rows, then "back to the summary" (once complete) and "Stoppen"."""
        back = (
            [self.ob(self.who.t("observations.back_to_summary"), "e", "back")]
            if self.draft.complete
            else []
        )
        return keyboard(*rows, back, [cancel_button(self.who, self.nonce)])


def swot_label(who: Who, swot: str) -> str:
    return who.t(f"observations.swot_{swot}")


def theme_label(who: Who, themes: Sequence[ThemeConfig], slug: str | None) -> str:
    if not slug:
        return who.t("observations.theme_none")
    theme = next((t for t in themes if t.slug == slug), None)
    return theme.label(who.lang) if theme else slug


def share_name(who: Who) -> str:
    """The name shared when they choose to: their Telegram first name, shortened."""
    return who.first_name.strip()[:120]


def pseudonym(who: Who) -> str:
    return who.actor.person.pseudonym if who.actor else ""


# --- the steps -----------------------------------------------------------------------------------


def step(state: str, data: StepData, note: str | None = None) -> View:
    """The message for a state of the flow (the summary for SUMMARY), with `note` above it."""
    text, markup = _STEPS.get(state, summary)(data)
    return (f"{note}\n\n{text}" if note else text), markup


def _file_ask(data: StepData) -> View:
    """ "Als melding?"; about several messages together, what they are together first."""
    who, nonce, draft = data.who, data.nonce, data.draft
    lines = []
    if draft.joined:
        lines.append(who.t("observations.file_ask_joined"))
        if draft.text:
            lines.append(who.t("observations.summary_text", text=esc(draft.text)))
        if draft.photo:
            lines.append(who.t("observations.summary_photo"))
        if draft.location is not None:
            lines.append(who.t("observations.summary_location_yes"))
        lines.append("")
    lines.append(who.t("observations.file_ask"))
    return "\n".join(lines), keyboard(
        [button(who.t("observations.file_yes"), FileText(nonce, "y"))],
        [button(who.t("observations.file_no"), FileText(nonce, "n"))],
    )


def _wijk(data: StepData) -> View:
    rows = columns([data.ob(w.name, "w", w.id or 0) for w in data.wijken])
    return data.who.t("observations.choose_wijk"), data.around(*rows)


def _text(data: StepData) -> View:
    who, draft = data.who, data.draft
    key = "ask_photo_text" if draft.photo and not draft.text else "ask_text"
    photo_row = (
        [data.ob(who.t("observations.remove_photo"), "p", "rm")]
        if draft.photo and draft.complete
        else []
    )
    text = who.t(f"observations.{key}", street=street(who, data.municipality))
    return text, data.around(photo_row)


def street(who: Who, municipality: MunicipalityConfig) -> str:
    """ "Is er iets kapot op straat? Meld dat bij de gemeente", with the municipality's own web
    page and phone number when the configuration names them."""
    values: dict[str, str] = {}
    if municipality.report_url:
        values["link"] = web_link(municipality.report_url)
    if municipality.report_phone:
        values["phone"] = esc(municipality.report_phone)
    key = {0: "street", 1: "street_web" if "link" in values else "street_phone", 2: "street_both"}
    return who.t(f"observations.{key[len(values)]}", **values)


def web_link(url: str) -> str:
    """A link that reads as the address without its scheme: www.amstelveen.nl."""
    shown = url.split("://", 1)[-1]
    if shown.count("/") == 1 and shown.endswith("/"):
        shown = shown[:-1]
    return f'<a href="{html.escape(url, quote=True)}">{esc(shown)}</a>'


def _swot(data: StepData) -> View:
    who = data.who
    rows = [[data.ob(swot_label(who, swot.value), "s", code)] for code, swot in SWOT_CODES.items()]
    return who.t("observations.ask_swot"), data.around(*rows)


def _theme(data: StepData) -> View:
    who = data.who
    rows = columns([data.ob(theme.label(who.lang), "t", theme.slug) for theme in data.themes])
    rows.append([data.ob(who.t("observations.theme_none"), "t", NO_THEME)])
    return who.t("observations.ask_theme"), data.around(*rows)


def _location(data: StepData) -> View:
    who = data.who
    rows = [[data.ob(who.t("observations.skip"), "l", "skip")]]
    if data.draft.location is not None:
        rows.append([data.ob(who.t("observations.no_location"), "l", "none")])
    return who.t("observations.ask_location"), data.around(*rows)


def _name(data: StepData) -> View:
    who = data.who
    rows = []
    if share_name(who):
        rows.append([data.ob(who.t("observations.name_yes", name=share_name(who)), "n", "y")])
    rows.append([data.ob(who.t("observations.name_no", pseudonym=pseudonym(who)), "n", "n")])
    return who.t("observations.ask_name", pseudonym=esc(pseudonym(who))), data.around(*rows)


_CHANGE_LABELS = {
    "text": "change_text",
    "swot": "change_kind",
    "theme": "change_theme",
    "loc": "change_location",
    "name": "change_name",
    "wijk": "change_wijk",
}


def _change(data: StepData) -> View:
    parts = [p for p in _CHANGE_LABELS if p != "wijk" or data.draft.several_wijken]
    who = data.who
    rows = columns([data.ob(who.t(f"observations.{_CHANGE_LABELS[p]}"), "e", p) for p in parts])
    return who.t("observations.change_what"), data.around(*rows)


def summary(data: StepData) -> View:
    who, draft = data.who, data.draft
    lines = [who.t("observations.summary_title"), ""]
    if draft.several_wijken:
        lines.append(who.t("observations.summary_wijk", wijk=esc(data.wijk_name or "?")))
    lines.append(who.t("observations.summary_text", text=esc(draft.text)))
    if draft.photo:
        lines.append(who.t("observations.summary_photo"))
    lines.append(who.t("observations.summary_kind", kind=esc(swot_label(who, draft.swot or ""))))
    theme = theme_label(who, data.themes, draft.theme)
    lines.append(who.t("observations.summary_theme", theme=esc(theme)))
    located = "yes" if draft.location is not None else "no"
    lines.append(who.t(f"observations.summary_location_{located}"))
    if draft.share_name:
        lines.append(who.t("observations.summary_name_yes", name=esc(share_name(who))))
    else:
        lines.append(who.t("observations.summary_name_no", pseudonym=esc(pseudonym(who))))
    markup = keyboard(
        [data.ob(who.t("observations.confirm"), "c", "ok")],
        [data.ob(who.t("observations.change"), "e", "menu")],
        [cancel_button(who, data.nonce)],
    )
    return "\n".join(lines), markup


_STEPS: dict[str, Callable[[StepData], View]] = {
    FILE_ASK: _file_ask,
    WIJK: _wijk,
    TEXT: _text,
    SWOT: _swot,
    THEME: _theme,
    LOCATION: _location,
    NAME: _name,
    CHANGE: _change,
}


def not_taken(who: Who, why: str, state: str, draft: ObservationDraft) -> str:
    """Above the step shown again after a message no step takes (handlers.common NOT_USED,
    FORWARDED, EDITED): why, and that the melding is still there. After an edit: how the text
    can still be changed from where they are."""
    if why != EDITED:
        return "\n".join((not_taken_reason(who, why), who.t("observations.draft_kept")))
    # Right after the text (or before it, or before the wijk) a new text replaces it; later the
    # summary changes it.
    if state == TEXT or (state in (WIJK, SWOT) and draft.swot is None):
        how = "edited_send_new"
    elif state in (SUMMARY, CHANGE, SAME):
        how = f"edited_{state}"
    else:
        how = "edited_later"
    return "\n".join((who.t("common.edited_first"), who.t(f"observations.{how}")))


def same_question(who: Who, nonce: int, reference: str, text: str) -> View:
    """Someone else filed this already: is theirs about it? Their words, shortened."""
    flat = " ".join(text.split())
    quoted = flat if len(flat) <= SAME_QUOTED else flat[:SAME_QUOTED].rstrip() + "…"
    question = who.t("observations.same_question", text=esc(quoted), reference=reference)
    return question, keyboard(
        [button(who.t("observations.same_yes"), ObservationStep(nonce, "m", "y"))],
        [button(who.t("observations.same_no"), ObservationStep(nonce, "m", "n"))],
        [cancel_button(who, nonce)],
    )


def supported(who: Who, reference: str) -> View:
    markup = keyboard(
        [button(who.t("observations.menu_mine"), MenuItem("mijn"))],
        [button(who.t("observations.new_observation"), MenuItem("melding"))],
        [menu_button(who)],
    )
    return who.t("observations.supported", reference=reference), markup


def saved(who: Who, reference: str) -> View:
    markup = keyboard(
        [button(who.t("observations.menu_mine"), MenuItem("mijn"))],
        [button(who.t("observations.new_observation"), MenuItem("melding"))],
        [menu_button(who)],
    )
    return who.t("observations.saved", reference=reference), markup


# --- Mijn meldingen ------------------------------------------------------------------------------


def _shorten(text: str, limit: int, more: str) -> str:
    text = text.strip()
    if len(text) <= limit:
        return esc(text)
    return f"{esc(text[:limit].rstrip())}… {more}"


def _mine_item(
    who: Who,
    obs: Observation,
    themes: Sequence[ThemeConfig],
    tz: ZoneInfo,
    chars: tuple[int, int],
    supported: str | None = None,
    wijk: str | None = None,
) -> str:
    """One observation of the list; `supported`: what the person wrote when they said "ik ook"
    to someone else's (shown instead of that person's text, and nothing about who sent it)."""
    created = obs.created_at
    if created.tzinfo is None:  # SQLite hands back naive datetimes; they are UTC
        created = created.replace(tzinfo=UTC)
    more = who.t("observations.mine_more")
    head = who.t(
        "observations.mine_item" if wijk is None else "observations.mine_item_wijk",
        reference=obs.reference,
        date=format_date(created, who.lang, tz),
        status=status_label(who.lang, obs),
        wijk=esc(wijk or ""),
    )
    extras = [who.t("observations.mine_extras_photo")] if obs.photo_file_id else []
    if obs.latitude is not None:
        extras.append(who.t("observations.mine_extras_location"))
    kind = who.t(
        "observations.mine_kind",
        kind=esc(swot_label(who, obs.swot)),
        theme=esc(theme_label(who, themes, obs.theme)),
    )
    if extras:
        kind = f"{kind} ({', '.join(extras)})"
    if supported is not None:
        lines = [head, who.t("observations.mine_supporter"), _shorten(supported, chars[0], more)]
    else:
        lines = [head, kind, _shorten(obs.text, chars[0], more)]
    if obs.answer_text and obs.status != ObservationStatus.HIDDEN.value:
        answer = _shorten(obs.answer_text, chars[1], more)
        lines.append(who.t("observations.mine_answer", answer=answer))
    if obs.status == ObservationStatus.HIDDEN.value and obs.hidden_reason:
        reason = _shorten(_hide_reason(who.lang, obs.hidden_reason), chars[1], more)
        lines.append(who.t("observations.mine_hidden_reason", reason=reason))
    return "\n".join(lines)


def _hide_reason(lang: str, stored: str) -> str:
    """The coach's reason for hiding, as the person was told it: a preset reason in their own
    language (it is stored in the sender's), a typed one as typed."""
    for code in coach.HIDE_REASONS:
        key = f"coach.hide_reason.{code}"
        if any(t(other, key) == stored for other in LANGUAGES):
            return t(lang, key)
    return stored


def mine(
    who: Who,
    items: Sequence[Observation],
    page: int,
    pages: int,
    *,
    themes: Sequence[ThemeConfig],
    tz: ZoneInfo,
    may_send: bool,
    note: str | None = None,
    supported: dict[int, str] | None = None,
    emptied: bool = False,
    wijk_names: dict[int, str] | None = None,
) -> View:
    """One page of the person's own observations and those they support (`supported`: by id,
    their own text), each withdrawable one with its button, each supported one with "stop".
    `wijk_names`: each one's wijk by id, named in its line (for someone of several wijken).
    `emptied`: shown after "ik steun dit niet meer" (pressed once or again): when nothing is
    left, the list is empty now, not "nothing sent yet"."""
    supported = supported or {}
    rows: Rows = []
    if not items:
        text = who.t("observations.mine_emptied" if emptied else "observations.mine_empty")
    else:
        text = ""
        for chars in MINE_SHORTENED:  # shorten harder until the page fits in one message
            blocks = [
                _mine_item(
                    who,
                    o,
                    themes,
                    tz,
                    chars,
                    supported.get(o.id or 0),
                    (wijk_names or {}).get(o.wijk_id),
                )
                for o in items
            ]
            title = who.t("observations.mine_title", page=page + 1, pages=pages)
            text = "\n\n".join([title, *blocks])
            if utf16_len(text) + utf16_len(note or "") < MESSAGE_LIMIT - 100:
                break
        for obs in items:
            if (obs.id or 0) in supported:
                label = who.t("observations.unsupport_button", reference=obs.reference)
                rows.append([button(label, MineWithdraw(obs.id or 0, "u", page))])
            elif obs.status in filing.WITHDRAWABLE:
                label = who.t("observations.withdraw_button", reference=obs.reference)
                rows.append([button(label, MineWithdraw(obs.id or 0, "w", page))])
        paging = []
        if page > 0:
            paging.append(button(who.t("observations.previous"), MinePage(page - 1)))
        if page < pages - 1:
            paging.append(button(who.t("observations.next"), MinePage(page + 1)))
        rows.append(paging)
    if may_send:
        rows.append([button(who.t("observations.menu_new"), MenuItem("melding"))])
    rows.append([menu_button(who)])
    return (f"{note}\n\n{text}" if note else text), keyboard(*rows)


def withdraw_confirm(who: Who, obs: Observation, page: int) -> View:
    oid = obs.id or 0
    markup = keyboard(
        [button(who.t("observations.withdraw_yes"), MineWithdraw(oid, "wy", page))],
        [button(who.t("observations.withdraw_no"), MineWithdraw(oid, "wn", page))],
    )
    return who.t("observations.withdraw_confirm", reference=obs.reference), markup


def unsupport_confirm(who: Who, reference: str, observation_id: int, page: int) -> View:
    markup = keyboard(
        [button(who.t("observations.unsupport_yes"), MineWithdraw(observation_id, "uy", page))],
        [button(who.t("observations.withdraw_no"), MineWithdraw(observation_id, "wn", page))],
    )
    return who.t("observations.unsupport_confirm", reference=reference), markup


def to_supporter_withdrawn(lang: str, withdrawn: str, reference: str) -> View:
    """To a supporter: the observation they supported was withdrawn; their text is now theirs."""
    text = t(lang, "observations.supporter_withdrawn", withdrawn=withdrawn, reference=reference)
    return text, keyboard([button(t(lang, "observations.menu_mine"), MenuItem("mijn"))])
