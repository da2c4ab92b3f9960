"""The spiegel's texts and keyboards: overview, pages, statements and comments."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from bot.core.i18n import t, tn
from bot.grouping.groups import label_in
from bot.spiegel import mirror as service
from bot.spiegel.groups import PeriodGroup
from bot.telegram.callbacks import (
    FiguresView,
    NewEdition,
    ReactComment,
    ReactRetry,
    ReactVerdict,
    SpiegelEdit,
    SpiegelEditKind,
    SpiegelOverview,
    SpiegelPage,
    SpiegelRecognised,
    WijkNewsChoice,
)
from handlers.common import Who, button, cancel_button, esc, keyboard, menu_button
from models import Edition, ItemKind, Reaction, SpiegelItem, Verdict

PREVIEW_CHARS = 300


def preview(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"


def overview(
    who: Who,
    edition: Edition,
    wijk_name: str,
    counts: Mapping[ItemKind, int],
    *,
    can_react: bool,
    figures: bool = False,
    can_edit: bool = False,
    can_begin_next: bool = False,
    ask_news: bool = False,
) -> tuple[str, InlineKeyboardMarkup]:
    """The edition's title and introduction, a button per category that has statements,
    (when `figures`) one to the CBS figures about the wijk, and for the wijk's coach: add a
    statement, start next year's edition (`can_begin_next`: the edition after this one may be
    begun now). `ask_news`: the once-only question "Nieuws uit je wijk?" with its two buttons."""
    assert edition.id is not None
    lines = [who.t("spiegel.overview_title", wijk=esc(wijk_name), year=edition.year)]
    if edition.title:
        lines.append(f"<i>{esc(edition.title)}</i>")
    if edition.introduction:
        lines += ["", esc(edition.introduction)]
    help_key = "spiegel.overview_help" if can_react else "spiegel.overview_read_only"
    if can_edit:  # the wijk's coach: the one who keeps it up to date
        help_key = "spiegel.overview_help_coach"
    lines += ["", who.t(help_key), ""]
    rows = []
    for kind in service.KINDS:
        question = who.t(f"spiegel.question.{kind.value}")
        count = tn(who.lang, "spiegel.statements", counts[kind])
        lines.append(who.t("spiegel.overview_line", question=question, count=count))
        if counts[kind]:
            label = who.t("spiegel.category_button", question=question, count=counts[kind])
            rows.append([button(label, SpiegelPage(edition.id, kind, 0))])
    if figures:
        rows.append([button(who.t("figures.button"), FiguresView(edition.wijk_id))])
    if can_edit:
        rows.append([button(who.t("spiegel_editing.add"), SpiegelEdit(edition.id, "a"))])
        if can_begin_next:
            next_year = button(who.t("spiegel_editing.new_edition"), SpiegelEdit(edition.id, "n"))
            rows.append([next_year])
        rows.append([button(who.t("spiegel_editing.groups"), SpiegelEdit(edition.id, "gl"))])
    if ask_news:
        lines += ["", who.t("spiegel_editing.news_ask")]
        rows.append(
            [
                button(who.t("spiegel_editing.news_yes"), WijkNewsChoice(True, "o")),
                button(who.t("spiegel_editing.news_no"), WijkNewsChoice(False, "o")),
            ]
        )
    rows.append([menu_button(who)])
    return "\n".join(lines), keyboard(*rows)


def replaced_edition(who: Who, old: Edition, current: Edition) -> tuple[str, InlineKeyboardMarkup]:
    """A button of an edition that is no longer the wijk's current one: which year it was, and
    the way to this year's spiegel (its statements take reactions; last year's no longer do)."""
    assert current.id is not None
    text = who.t("spiegel.replaced_edition", year=old.year, current=current.year)
    to_current = button(
        who.t("spiegel.to_current_edition", year=current.year), SpiegelOverview(current.id)
    )
    return text, keyboard([to_current], [menu_button(who)])


def news_setting(who: Who, on: bool) -> tuple[str, InlineKeyboardMarkup]:
    """ "Nieuws uit je wijk" in the menu: on or off, and the button that changes it."""
    text = who.t("spiegel_editing.news_on" if on else "spiegel_editing.news_off")
    change = button(
        who.t("spiegel_editing.news_turn_off" if on else "spiegel_editing.news_turn_on"),
        WijkNewsChoice(not on, "m"),
    )
    return text, keyboard([change], [menu_button(who)])


def page_footer(
    who: Who,
    edition_id: int,
    kind: ItemKind,
    page: int,
    last_page: int,
    first: int,
    shown: int,
    total: int,
    *,
    can_react: bool,
) -> tuple[str, InlineKeyboardMarkup]:
    """Below a page of statements (`shown` of them, from number `first` + 1): which ones these
    were, and the way on."""
    question = who.t(f"spiegel.question.{kind.value}")
    if not shown:
        nav = who.t("spiegel.nav_empty")
    elif shown == 1:
        nav = who.t("spiegel.nav_one", question=question, first=first + 1, total=total)
    else:
        last = first + shown
        nav = who.t("spiegel.nav_many", question=question, first=first + 1, last=last, total=total)
    paging = []
    if page > 0:
        paging.append(button(who.t("spiegel.previous"), SpiegelPage(edition_id, kind, page - 1)))
    if page < last_page:
        paging.append(button(who.t("spiegel.next"), SpiegelPage(edition_id, kind, page + 1)))
    if not can_react:
        nav = f"{nav}\n{who.t('spiegel.read_only')}"
    markup = keyboard(
        paging,
        [button(who.t("spiegel.to_overview"), SpiegelOverview(edition_id))],
        [menu_button(who)],
    )
    return nav, markup


def statement(
    who: Who,
    item: SpiegelItem,
    number: int,
    total: int,
    reaction: Reaction | service.Judgement | None,
    counts: service.ReactionCounts | None,
    *,
    theme: str | None,
    can_react: bool,
    beside: Sequence[str] = (),
    can_edit: bool = False,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One statement's message: the text, and after the person reacted, their reaction and
    the counts so far (not before: the counts should not steer a first judgement). `beside`:
    lines a wijkcoach sees under the text (the CBS figures it names, how residents reacted)."""
    chosen = reaction.verdict if reaction is not None else None
    view = statement_view(
        who, item, number, total, chosen, theme=theme, can_react=can_react, can_edit=can_edit
    )
    return view.shown(who, reaction, counts, beside=beside)


@dataclass(frozen=True)
class StatementView:
    """A statement's message without the person's reaction and the counts: what a press does not
    change, kept for the next press (`statement_view`)."""

    lines: tuple[str, ...]
    markup: InlineKeyboardMarkup | None
    recommendation: bool

    def shown(
        self,
        who: Who,
        reaction: Reaction | service.Judgement | None,
        counts: service.ReactionCounts | None,
        *,
        beside: Sequence[str] = (),
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        lines = list(self.lines)
        if beside:
            lines += ["", *beside]
        if reaction is not None:
            lines += _reacted(who, reaction, counts, recommendation=self.recommendation)
        return "\n".join(lines), self.markup


def statement_view(
    who: Who,
    item: SpiegelItem,
    number: int,
    total: int,
    chosen: str | None,
    *,
    theme: str | None,
    can_react: bool,
    can_edit: bool = False,
) -> StatementView:
    """`statement` up to the reaction; `chosen`: the person's verdict, marked on its button."""
    return _statement_view(
        who.lang, item.id, item.kind, item.text, number, total, chosen, theme, can_react, can_edit
    )


# Keyed by everything the view is made of (the statement's wording included, so a reworded one
# is made anew): a press on a statement shows the view the last press made, its buttons
# (immutable in PTB) included.
@functools.lru_cache(maxsize=4096)
def _statement_view(
    lang: str,
    item_id: int | None,
    item_kind: str,
    item_text: str,
    number: int,
    total: int,
    chosen: str | None,
    theme: str | None,
    can_react: bool,
    can_edit: bool,
) -> StatementView:
    kind = ItemKind(item_kind)
    question = t(lang, f"spiegel.question.{kind.value}")
    lines = [t(lang, "spiegel.statement_header", question=question, number=number, total=total)]
    if theme is not None:
        lines.append(t(lang, "spiegel.theme", theme=esc(theme)))
    lines += ["", esc(item_text)]
    recommendation = kind is ItemKind.RECOMMENDATION
    edit_row = (
        [
            button(t(lang, "spiegel_editing.reword"), SpiegelEdit(item_id, "w")),
            button(t(lang, "spiegel_editing.retire"), SpiegelEdit(item_id, "r")),
        ]
        if can_edit and item_id is not None
        else []
    )
    if not can_react or item_id is None:
        markup = keyboard(edit_row) if edit_row else None
        return StatementView(tuple(lines), markup, recommendation)
    labels = {
        Verdict.RECOGNISE: t(lang, "spiegel.agree" if recommendation else "spiegel.recognise"),
        Verdict.NOT_RECOGNISE: t(
            lang, "spiegel.disagree" if recommendation else "spiegel.not_recognise"
        ),
    }
    verdict_buttons = [
        button(
            t(lang, "spiegel.chosen", label=label) if chosen == verdict.value else label,
            ReactVerdict(item_id, verdict),
        )
        for verdict, label in labels.items()
    ]
    markup = keyboard(
        verdict_buttons, [button(t(lang, "spiegel.comment"), ReactComment(item_id))], edit_row
    )
    return StatementView(tuple(lines), markup, recommendation)


# --- changing the spiegel (coaches) ----------------------------------------------------------


def choose_kind(who: Who, edition_id: int) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [button(who.t(f"spiegel.question.{kind.value}"), SpiegelEditKind(edition_id, kind))]
        for kind in service.KINDS
    ]
    rows.append([button(who.t("spiegel.to_overview"), SpiegelOverview(edition_id))])
    return who.t("spiegel_editing.choose_kind"), keyboard(*rows)


def period_groups(
    who: Who, edition_id: int, groups: Sequence[PeriodGroup]
) -> tuple[str, InlineKeyboardMarkup]:
    """This period's groups of observations, a button each: "Maak hier een zin van"."""
    rows = [
        [
            button(
                who.t(
                    "spiegel_editing.group_button",
                    label=label_in(g.label, g.labels, who.lang),
                    count=g.count,
                ),
                SpiegelEdit(g.representative_id, "g"),
            )
        ]
        for g in groups
    ]
    rows.append([button(who.t("spiegel.to_overview"), SpiegelOverview(edition_id))])
    text = who.t("spiegel_editing.groups_title" if groups else "spiegel_editing.groups_none")
    return text, keyboard(*rows)


def confirm_new_edition(
    who: Who, edition_id: int, year: int, nonce: int
) -> tuple[str, InlineKeyboardMarkup]:
    """ "Begin aan volgend jaar?": its "Ja" carries the run of this question (`nonce`)."""
    markup = keyboard(
        [
            button(
                who.t("spiegel_editing.new_edition_yes", year=year), NewEdition(edition_id, nonce)
            )
        ],
        [button(who.t("spiegel.to_overview"), SpiegelOverview(edition_id))],
    )
    return who.t("spiegel_editing.new_edition_confirm", year=year), markup


def too_far_ahead(who: Who, edition_id: int, year: int) -> tuple[str, InlineKeyboardMarkup]:
    """ "Begin aan volgend jaar" for a year further ahead than next year's: from when it can."""
    text = who.t("spiegel_editing.year_too_far", year=year, start=year - 1)
    markup = keyboard(
        [button(who.t("spiegel.to_overview"), SpiegelOverview(edition_id))], [menu_button(who)]
    )
    return text, markup


def _reacted(
    who: Who,
    reaction: Reaction | service.Judgement,
    counts: service.ReactionCounts | None,
    *,
    recommendation: bool,
) -> list[str]:
    lines = [""]
    if reaction.verdict == Verdict.RECOGNISE.value:
        lines.append(who.t("spiegel.you_agree" if recommendation else "spiegel.you_recognise"))
    elif reaction.verdict == Verdict.NOT_RECOGNISE.value:
        lines.append(
            who.t("spiegel.you_disagree" if recommendation else "spiegel.you_not_recognise")
        )
    if reaction.comment:
        lines.append(who.t("spiegel.your_comment", comment=esc(preview(reaction.comment))))
    if counts is not None:
        yes_key = "spiegel.tally_agree" if recommendation else "spiegel.tally_recognise"
        no_key = "spiegel.tally_disagree" if recommendation else "spiegel.tally_not_recognise"
        lines += [
            "",
            who.t("spiegel.tally_title"),
            tn(who.lang, yes_key, counts.recognise),
            tn(who.lang, no_key, counts.not_recognise),
            tn(who.lang, "spiegel.tally_comments", counts.comments),
        ]
    return lines


# --- a comment -------------------------------------------------------------------------------


def comment_prompt(
    who: Who, item: SpiegelItem, existing: str | None, limit: int, nonce: int
) -> tuple[str, InlineKeyboardMarkup]:
    text = who.t("spiegel.comment_prompt", text=esc(preview(item.text)), limit=limit)
    if existing:
        text += "\n\n" + who.t("spiegel.comment_replaces", comment=esc(preview(existing)))
    return text, keyboard([cancel_button(who, nonce)])


def comment_failed(who: Who, item_id: int, nonce: int) -> tuple[str, InlineKeyboardMarkup]:
    markup = keyboard(
        [button(who.t("spiegel.retry"), ReactRetry(item_id, nonce))],
        [cancel_button(who, nonce)],
    )
    return who.t("spiegel.comment_failed"), markup


def comment_saved(
    who: Who, statement_text: str, edition_id: int, kind: ItemKind
) -> tuple[str, InlineKeyboardMarkup]:
    question = who.t(f"spiegel.question.{kind.value}")
    markup = keyboard(
        [
            button(
                who.t("spiegel.to_category", question=question),
                SpiegelPage(edition_id, kind, 0),
            )
        ],
        [button(who.t("spiegel.to_overview"), SpiegelOverview(edition_id))],
        [menu_button(who)],
    )
    return f"{who.t('spiegel.comment_saved')}\n\n{statement_text}", markup


# --- the wijkspiegel in a melding ------------------------------------------------------------

# The question is the confirmation's last paragraph: an answer takes it off again.
PARAGRAPH = "\n\n"


def recognised_question(
    who: Who, confirmation: tuple[str, InlineKeyboardMarkup], statement_text: str, item_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The confirmation of a melding, asking whether the person recognises the statement of the
    wijkspiegel it matched: Ja, Nee, Sla over above the confirmation's own buttons."""
    text, markup = confirmation
    one_paragraph = " ".join(statement_text.split())
    question = who.t("spiegel.recognised_question", text=esc(preview(one_paragraph)))
    answers = [
        button(who.t(key), SpiegelRecognised(item_id, answer))
        for key, answer in (
            ("common.yes", "y"),
            ("common.no", "n"),
            ("spiegel.recognised_skip", "s"),
        )
    ]
    return f"{text}{PARAGRAPH}{question}", keyboard(answers, *markup.inline_keyboard)


def recognised_thanks(
    who: Who, confirmation: tuple[str, InlineKeyboardMarkup], counts: service.ReactionCounts
) -> tuple[str, InlineKeyboardMarkup]:
    """The confirmation again, the question replaced by thanks and the counts so far."""
    text, markup = confirmation
    thanks = " ".join(
        (
            who.t("spiegel.recognised_thanks"),
            tn(who.lang, "spiegel.recognised_yes", counts.recognise),
            tn(who.lang, "spiegel.recognised_no", counts.not_recognise),
        )
    )
    return (f"{text}{PARAGRAPH}{thanks}" if text else thanks), markup
