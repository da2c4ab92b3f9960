"""/spiegel: the wijk's mirror, one category at a time, and reacting to its statements.

Each statement is its own message with its own buttons, so the buttons sit right under the text
they are about on a phone; after a reaction that message shows the counts so far. Callback data
carries only ids (sp:<edition>[:<category>:<page>], rx:<item>:<y|n|c|r>[:<nonce>]); the wijk and
the person's rights are looked up on the server for every press.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import WijkContext
from bot.core.i18n import tn
from bot.people import persons
from bot.people.permissions import Action, PermissionDenied
from bot.spiegel import mirror as service
from bot.telegram import flows
from bot.telegram.callbacks import BadCallback, Kind
from handlers.common import (
    Who,
    answer_query,
    button,
    cancel_button,
    check_nonce,
    esc,
    keyboard,
    menu_button,
    menu_keyboard,
    parse_callback,
    private_handler,
    reply,
)
from models import Edition, ItemKind, Reaction, SpiegelItem, Verdict, Wijk

_log = logging.getLogger(__name__)

FLOW = "spiegel_comment"
TYPING = "typing"
PAGE_SIZE = 3
PREVIEW_CHARS = 300

CODES: dict[str, ItemKind] = {
    "s": ItemKind.STRENGTH,
    "w": ItemKind.WEAKNESS,
    "o": ItemKind.OPPORTUNITY,
    "t": ItemKind.THREAT,
    "r": ItemKind.RECOMMENDATION,
}
CODE_OF = {kind: code for code, kind in CODES.items()}
VERDICTS = {"y": Verdict.RECOGNISE, "n": Verdict.NOT_RECOGNISE}


# --- permissions -------------------------------------------------------------------------------


def _require(who: Who, action: Action, wijk_id: int) -> None:
    """Refuse with a message that says why: a partner reads only; another wijk is not yours."""
    actor = who.actor
    if actor is not None and actor.can(action, wijk_id):
        return
    if actor is not None and action is Action.REACT and actor.can(Action.READ_SPIEGEL, wijk_id):
        raise PermissionDenied("spiegel.read_only")
    raise PermissionDenied("spiegel.other_wijk")


def _can_react(who: Who, wijk_id: int) -> bool:
    return who.actor is not None and who.actor.can(Action.REACT, wijk_id)


def visible(who: Who) -> bool:
    return who.actor is not None and who.actor.can(Action.READ_SPIEGEL, who.wijk_id)


# --- the overview ------------------------------------------------------------------------------


@private_handler()
async def spiegel_command(update: Update, context: WijkContext, who: Who) -> None:
    await flows.end(context)
    await show_current(update, context, who)


async def open_from_menu(update: Update, context: WijkContext, who: Who) -> None:
    await show_current(update, context, who, edit=True)


async def show_current(
    update: Update, context: WijkContext, who: Who, *, edit: bool = False
) -> None:
    wijk_id = who.wijk_id
    if wijk_id is None:
        raise PermissionDenied("spiegel.other_wijk")
    _require(who, Action.READ_SPIEGEL, wijk_id)
    with context.services.db.session() as session:
        edition = service.current_edition(session, wijk_id)
        wijk = persons.wijk_by_id(session, wijk_id)
    if edition is None or edition.id is None:
        name = wijk.name if wijk is not None else ""
        await reply(
            update, who.t("spiegel.no_edition", wijk=esc(name)), menu_keyboard(who), edit=edit
        )
        return
    await show_overview(update, context, who, edition.id, edit=edit)


async def show_overview(
    update: Update, context: WijkContext, who: Who, edition_id: int, *, edit: bool = False
) -> None:
    with context.services.db.session() as session:
        edition = session.get(Edition, edition_id)
        if edition is None:
            raise BadCallback("no such edition")
        _require(who, Action.READ_SPIEGEL, edition.wijk_id)
        wijk = session.get(Wijk, edition.wijk_id)
        counts = service.item_counts(session, edition_id)
    lines = [
        who.t("spiegel.overview_title", wijk=esc(wijk.name if wijk else ""), year=edition.year)
    ]
    if edition.title:
        lines.append(f"<i>{esc(edition.title)}</i>")
    if edition.introduction:
        lines += ["", esc(edition.introduction)]
    help_key = (
        "spiegel.overview_help"
        if _can_react(who, edition.wijk_id)
        else "spiegel.overview_read_only"
    )
    lines += ["", who.t(help_key), ""]
    rows: list[list[InlineKeyboardButton]] = []
    for kind in service.KINDS:
        question = who.t(f"spiegel.question.{kind.value}")
        count = tn(who.lang, "spiegel.statements", counts[kind])
        lines.append(who.t("spiegel.overview_line", question=question, count=count))
        if counts[kind]:
            label = who.t("spiegel.category_button", question=question, count=counts[kind])
            rows.append([button(label, Kind.SPIEGEL, edition_id, CODE_OF[kind], 0)])
    rows.append([menu_button(who)])
    await reply(update, "\n".join(lines), keyboard(*rows), edit=edit)


# --- one category, paged -----------------------------------------------------------------------


@private_handler()
async def spiegel_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """sp:<edition_id> (overview) or sp:<edition_id>:<category>:<page>."""
    cb = parse_callback(update)
    edition_id = cb.int(0)
    if len(cb.args) == 1:
        await answer_query(update)
        await show_overview(update, context, who, edition_id, edit=True)
        return
    kind = CODES.get(cb.arg(1))
    page = cb.int(2)
    if kind is None or page < 0:
        raise BadCallback("category or page")
    await show_page(update, context, who, edition_id, kind, page)


async def show_page(
    update: Update, context: WijkContext, who: Who, edition_id: int, kind: ItemKind, page: int
) -> None:
    assert who.actor is not None
    with context.services.db.session() as session:
        edition = session.get(Edition, edition_id)
        if edition is None:
            raise BadCallback("no such edition")
        _require(who, Action.READ_SPIEGEL, edition.wijk_id)
        statements = service.items(session, edition_id, kind)
        last_page = max(0, (len(statements) - 1) // PAGE_SIZE)
        page = min(page, last_page)  # statements may have been retired since the button was made
        chunk = statements[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        ids = [i.id for i in chunk if i.id is not None]
        mine = service.reactions_of(session, who.actor.id, ids)
        counts = service.reaction_counts(session, list(mine))
    await answer_query(update)
    can_react = _can_react(who, edition.wijk_id)
    first = page * PAGE_SIZE
    for offset, item in enumerate(chunk):
        assert item.id is not None
        text, markup = _statement(
            context,
            who,
            item,
            first + offset + 1,
            len(statements),
            mine.get(item.id),
            counts.get(item.id),
            can_react=can_react,
        )
        await reply(update, text, markup)
    question = who.t(f"spiegel.question.{kind.value}")
    if not chunk:
        nav = who.t("spiegel.nav_empty")
    elif len(chunk) == 1:
        nav = who.t("spiegel.nav_one", question=question, first=first + 1, total=len(statements))
    else:
        nav = who.t(
            "spiegel.nav_many",
            question=question,
            first=first + 1,
            last=first + len(chunk),
            total=len(statements),
        )
    paging = []
    if page > 0:
        paging.append(
            button(who.t("spiegel.previous"), Kind.SPIEGEL, edition_id, CODE_OF[kind], page - 1)
        )
    if page < last_page:
        paging.append(
            button(who.t("spiegel.next"), Kind.SPIEGEL, edition_id, CODE_OF[kind], page + 1)
        )
    if not can_react:
        nav = f"{nav}\n{who.t('spiegel.read_only')}"
    markup = keyboard(
        paging,
        [button(who.t("spiegel.to_overview"), Kind.SPIEGEL, edition_id)],
        [menu_button(who)],
    )
    await reply(update, nav, markup)


def _statement(
    context: WijkContext,
    who: Who,
    item: SpiegelItem,
    number: int,
    total: int,
    reaction: Reaction | service.Judgement | None,
    counts: service.ReactionCounts | None,
    *,
    can_react: bool,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One statement's message: the text, and after the person reacted, their reaction and
    the counts so far (not before: the counts should not steer a first judgement)."""
    kind = ItemKind(item.kind)
    question = who.t(f"spiegel.question.{kind.value}")
    lines = [who.t("spiegel.statement_header", question=question, number=number, total=total)]
    theme = context.services.config.theme(item.theme) if item.theme else None
    if theme is not None:
        lines.append(who.t("spiegel.theme", theme=esc(theme.label(who.lang))))
    lines += ["", esc(item.text)]
    recommendation = kind is ItemKind.RECOMMENDATION
    if reaction is not None:
        lines.append("")
        if reaction.verdict == Verdict.RECOGNISE.value:
            lines.append(who.t("spiegel.you_agree" if recommendation else "spiegel.you_recognise"))
        elif reaction.verdict == Verdict.NOT_RECOGNISE.value:
            lines.append(
                who.t("spiegel.you_disagree" if recommendation else "spiegel.you_not_recognise")
            )
        if reaction.comment:
            lines.append(who.t("spiegel.your_comment", comment=esc(_preview(reaction.comment))))
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
    if not can_react or item.id is None:
        return "\n".join(lines), None
    labels = {
        "y": who.t("spiegel.agree" if recommendation else "spiegel.recognise"),
        "n": who.t("spiegel.disagree" if recommendation else "spiegel.not_recognise"),
    }
    chosen = reaction.verdict if reaction is not None else None
    verdict_buttons = [
        button(
            who.t("spiegel.chosen", label=label) if chosen == VERDICTS[code].value else label,
            Kind.REACT,
            item.id,
            code,
        )
        for code, label in labels.items()
    ]
    markup = keyboard(verdict_buttons, [button(who.t("spiegel.comment"), Kind.REACT, item.id, "c")])
    return "\n".join(lines), markup


def _preview(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"


# --- reacting ----------------------------------------------------------------------------------


@private_handler()
async def react_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """rx:<item_id>:y|n (verdict), :c (add a comment), :r:<nonce> (retry saving a comment)."""
    assert who.actor is not None
    cb = parse_callback(update)
    item_id, action = cb.int(0), cb.arg(1)
    if action not in ("y", "n", "c", "r"):
        raise BadCallback("react action")
    services = context.services
    found = services.statements.active_item(services.db, item_id)
    if found is None:
        raise BadCallback("statement unknown or retired")
    item, edition = found
    _require(who, Action.REACT, edition.wijk_id)
    shown: tuple[str, InlineKeyboardMarkup | None] | None = None
    if action in VERDICTS:
        with services.db.session() as session:
            try:
                reaction = service.react(
                    session, who.actor.id, item_id, VERDICTS[action], wijk_id=edition.wijk_id
                )
            except SQLAlchemyError:
                _log.warning("could not store a reaction", exc_info=True)
            else:
                shown = _statement_now(context, who, session, item, edition, reaction)
    if action == "c":
        await _ask_comment(update, context, who, item)
        return
    if action == "r":
        check_nonce(context, FLOW, cb.int(2))
        flow = flows.current(context)
        draft = flow.data.get("draft") if flow is not None else None
        if not isinstance(draft, str) or flow is None or flow.data.get("item_id") != item_id:
            raise BadCallback("nothing to retry")
        await answer_query(update)
        await _save_comment(update, context, who, flow, draft)
        return
    if shown is None:
        await answer_query(update, who.t("spiegel.react_failed"), alert=True)
        return
    await answer_query(update, who.t("spiegel.saved"))
    await reply(update, *shown, edit=True)


def _statement_now(
    context: WijkContext,
    who: Who,
    session: Session,
    item: SpiegelItem,
    edition: Edition,
    reaction: Reaction | service.Judgement | None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The statement's message as it is now (with the person's `reaction`, just stored), with
    its number within its category."""
    assert who.actor is not None and item.id is not None and edition.id is not None
    siblings = context.services.statements.sibling_ids(context.services.db, item)
    counts = service.reaction_counts(session, [item.id])[item.id]
    number = siblings.index(item.id) + 1 if item.id in siblings else 1
    return _statement(
        context,
        who,
        item,
        number,
        len(siblings),
        reaction,
        counts,
        can_react=_can_react(who, edition.wijk_id),
    )


# --- adding a comment (a small flow) -----------------------------------------------------------


async def _ask_comment(update: Update, context: WijkContext, who: Who, item: SpiegelItem) -> None:
    assert who.actor is not None and item.id is not None
    with context.services.db.session() as session:
        existing = service.reaction_of(session, who.actor.id, item.id)
    flow = await flows.start(context, FLOW, TYPING, item_id=item.id)
    await answer_query(update)
    limit = context.services.config.general.text_limit
    text = who.t("spiegel.comment_prompt", text=esc(_preview(item.text)), limit=limit)
    if existing is not None and existing.comment:
        text += "\n\n" + who.t("spiegel.comment_replaces", comment=esc(_preview(existing.comment)))
    await reply(update, text, keyboard([cancel_button(who, flow.nonce)]))


async def comment_typed(update: Update, context: WijkContext, who: Who, flow: flows.Flow) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = message.text.strip()
    limit = context.services.config.general.text_limit
    if len(text) > limit:
        # Stay in this step: they can shorten it and send it again, or stop.
        await reply(
            update,
            who.t("errors.too_long", length=len(text), limit=limit),
            keyboard([cancel_button(who, flow.nonce)]),
        )
        return
    # Kept in the flow before the database is tried, so a failed save can be retried.
    flow = await flows.update_data(context, draft=text)
    await _save_comment(update, context, who, flow, text)


async def comment_media(update: Update, context: WijkContext, who: Who, flow: flows.Flow) -> None:
    await reply(
        update, who.t("spiegel.comment_text_only"), keyboard([cancel_button(who, flow.nonce)])
    )


async def _save_comment(
    update: Update, context: WijkContext, who: Who, flow: flows.Flow, text: str
) -> None:
    assert who.actor is not None
    item_id = int(flow.data["item_id"])
    with context.services.db.session() as session:
        found = service.active_item(session, item_id)
    if found is None:
        await flows.end(context)
        await reply(update, who.t("spiegel.item_gone"), menu_keyboard(who))
        return
    item, edition = found
    if not _can_react(who, edition.wijk_id):
        await flows.end(context)  # e.g. they moved to another wijk meanwhile
        _require(who, Action.REACT, edition.wijk_id)
    try:
        with context.services.db.session() as session:
            reaction = service.comment(session, who.actor.id, item_id, text, request_key=flow.key)
    except SQLAlchemyError:
        _log.warning("could not store a comment", exc_info=True)
        markup = keyboard(
            [button(who.t("spiegel.retry"), Kind.REACT, item_id, "r", flow.nonce)],
            [cancel_button(who, flow.nonce)],
        )
        await reply(update, who.t("spiegel.comment_failed"), markup)
        return
    await flows.end(context)
    with context.services.db.session() as session:
        statement, _ = _statement_now(context, who, session, item, edition, reaction)
    assert edition.id is not None
    kind = ItemKind(item.kind)
    question = who.t(f"spiegel.question.{kind.value}")
    markup = keyboard(
        [
            button(
                who.t("spiegel.to_category", question=question),
                Kind.SPIEGEL,
                edition.id,
                CODE_OF[kind],
                0,
            )
        ],
        [button(who.t("spiegel.to_overview"), Kind.SPIEGEL, edition.id)],
        [menu_button(who)],
    )
    await reply(update, f"{who.t('spiegel.comment_saved')}\n\n{statement}", markup)
