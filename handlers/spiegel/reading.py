"""/spiegel: the wijk's mirror, one category at a time.

Each statement is its own message with its own buttons, so the buttons sit right under the text
they are about on a phone. Callback data carries only ids (sp:<edition>[:<category>:<page>]);
the wijk and the person's rights are looked up on the server for every press. A button of an
edition that is no longer the wijk's current one says so and leads to the current one.
"""

from __future__ import annotations

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Update

from bot.context import WijkContext
from bot.figures.combine import wijk_figures
from bot.people import persons
from bot.people.permissions import Action, PermissionDenied
from bot.spiegel import mirror as service
from bot.spiegel import news
from bot.spiegel.editing import may_begin, year_now
from bot.telegram import flows
from bot.telegram.callbacks import BadCallback, SpiegelOverview, SpiegelPage
from handlers.common import (
    Who,
    answer_query,
    any_payload,
    esc,
    menu_keyboard,
    private_handler,
    reply,
)
from handlers.spiegel import figures_views, views
from models import Edition, ItemKind, Reaction, SpiegelItem, Wijk

PAGE_SIZE = 3


# --- permissions -------------------------------------------------------------------------------


def require(who: Who, action: Action, wijk_id: int) -> None:
    """Refuse with a message that says why: a partner reads only; another wijk is not yours."""
    actor = who.actor
    if actor is not None and actor.can(action, wijk_id):
        return
    if actor is not None and action is Action.REACT and actor.can(Action.READ_SPIEGEL, wijk_id):
        raise PermissionDenied("spiegel.read_only")
    raise PermissionDenied("spiegel.other_wijk")


def can_react(who: Who, wijk_id: int) -> bool:
    return who.actor is not None and who.actor.can(Action.REACT, wijk_id)


def can_edit(who: Who, wijk_id: int) -> bool:
    return who.actor is not None and who.actor.can(Action.EDIT_SPIEGEL, wijk_id)


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
    require(who, Action.READ_SPIEGEL, wijk_id)
    with context.services.db.session() as session:
        edition = service.current_edition(session, wijk_id)
        wijk = persons.wijk_by_id(session, wijk_id)
    if edition is None or edition.id is None:
        name = esc(wijk.name if wijk is not None else "")
        # A coach cannot begin the first edition in the bot (bot.spiegel.editing.new_edition
        # follows the current one): the administrator imports it; the coach edits it after.
        said = (
            who.t("spiegel.no_edition_coach", wijk=name)
            if can_edit(who, wijk_id)
            else who.t("spiegel.no_edition", wijk=name)
        )
        await reply(update, said, menu_keyboard(who), edit=edit)
        return
    await show_overview(update, context, who, edition.id, edit=edit)


async def show_overview(
    update: Update,
    context: WijkContext,
    who: Who,
    edition_id: int,
    *,
    edit: bool = False,
    ask_news: bool | None = None,
) -> None:
    """`ask_news` None: asked when the person can react and was not asked yet."""
    with context.services.db.session() as session:
        edition = session.get(Edition, edition_id)
        if edition is None:
            raise BadCallback("no such edition")
        require(who, Action.READ_SPIEGEL, edition.wijk_id)
        current = _replaced_by(session, edition)
        wijk = session.get(Wijk, edition.wijk_id)
        counts = service.item_counts(session, edition_id)
    if current is not None:
        await reply(update, *views.replaced_edition(who, edition, current), edit=edit)
        return
    wijk_name = wijk.name if wijk else ""
    reacts = can_react(who, edition.wijk_id)
    if ask_news is None:
        ask_news = reacts and who.actor is not None and who.actor.person.wijk_news is None
        if ask_news and who.actor is not None and who.actor.person.id is not None:
            # Asked once: from now on "no" (the default) until they say yes here or
            # change it in the menu.
            with context.services.db.session() as session:
                news.set_choice(session, who.actor.person.id, False)
    figures = context.services.config.figures.enabled
    editing = can_edit(who, edition.wijk_id)
    this_year = year_now(context.services.clock.now(), context.services.tz)
    text, markup = views.overview(
        who,
        edition,
        wijk_name,
        counts,
        can_react=reacts,
        figures=figures,
        can_edit=editing,
        can_begin_next=editing and may_begin(edition.year + 1, this_year),
        ask_news=ask_news,
    )
    await reply(update, text, markup, edit=edit)


def _replaced_by(session: Session, edition: Edition) -> Edition | None:
    """The wijk's current edition when `edition` is no longer it: a button on a message from
    last year's spiegel. None while `edition` is the current one."""
    current = service.current_edition(session, edition.wijk_id)
    return current if current is not None and current.id != edition.id else None


# --- one category, paged -----------------------------------------------------------------------


@private_handler()
async def spiegel_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """sp:<edition_id> (overview) or sp:<edition_id>:<category>:<page>."""
    pressed = any_payload(update)
    if isinstance(pressed, SpiegelOverview):
        await answer_query(update)
        await show_overview(update, context, who, pressed.edition_id, edit=True)
        return
    if not isinstance(pressed, SpiegelPage):
        raise BadCallback("not a spiegel button")
    await show_page(update, context, who, pressed.edition_id, pressed.category, pressed.page)


async def show_page(
    update: Update, context: WijkContext, who: Who, edition_id: int, kind: ItemKind, page: int
) -> None:
    assert who.actor is not None
    with context.services.db.session() as session:
        edition = session.get(Edition, edition_id)
        if edition is None:
            raise BadCallback("no such edition")
        require(who, Action.READ_SPIEGEL, edition.wijk_id)
        current = _replaced_by(session, edition)
        if current is None:
            statements = service.items(session, edition_id, kind)
            last_page = max(0, (len(statements) - 1) // PAGE_SIZE)
            # Statements may have been retired since the button was made.
            page = min(page, last_page)
            chunk = statements[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
            ids = [i.id for i in chunk if i.id is not None]
            mine = service.reactions_of(session, who.actor.id, ids)
            counts = service.reaction_counts(session, list(mine))
            beside = {
                i.id: coach_beside(context, who, session, i, edition.wijk_id)
                for i in chunk
                if i.id is not None
            }
    await answer_query(update)
    if current is not None:
        # Not last year's statements again, with reaction buttons that no longer work.
        await reply(update, *views.replaced_edition(who, edition, current), edit=True)
        return
    reacts = can_react(who, edition.wijk_id)
    first = page * PAGE_SIZE
    for offset, item in enumerate(chunk):
        assert item.id is not None
        text, markup = views.statement(
            who,
            item,
            first + offset + 1,
            len(statements),
            mine.get(item.id),
            counts.get(item.id),
            theme=theme_label(context, who, item),
            can_react=reacts,
            beside=beside.get(item.id, ()),
            can_edit=can_edit(who, edition.wijk_id),
        )
        await reply(update, text, markup)
    footer = views.page_footer(
        who, edition_id, kind, page, last_page, first, len(chunk), len(statements), can_react=reacts
    )
    await reply(update, *footer)


def theme_label(context: WijkContext, who: Who, item: SpiegelItem) -> str | None:
    theme = context.services.config.theme(item.theme) if item.theme else None
    return theme.label(who.lang) if theme is not None else None


def statement_now(
    context: WijkContext,
    who: Who,
    session: Session | None,
    item: SpiegelItem,
    edition: Edition,
    reaction: Reaction | service.Judgement | None,
    counts: service.ReactionCounts | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The statement's message as it is now (with the person's `reaction`, just stored), with
    its number within its category. `counts`: the statement's counts, when the caller has just
    read them (else read in `session`)."""
    assert who.actor is not None and item.id is not None and edition.id is not None
    if counts is None:
        if session is None:
            raise ValueError("statement_now needs the counts or a session to read them")
        counts = service.reaction_counts(session, [item.id])[item.id]
    siblings = context.services.statements.sibling_ids(context.services.db, item)
    number = siblings.index(item.id) + 1 if item.id in siblings else 1
    view = views.statement_view(
        who,
        item,
        number,
        len(siblings),
        reaction.verdict if reaction is not None else None,
        theme=theme_label(context, who, item),
        can_react=can_react(who, edition.wijk_id),
        can_edit=can_edit(who, edition.wijk_id),
    )
    beside = coach_beside(context, who, session, item, edition.wijk_id, counts)
    return view.shown(who, reaction, counts, beside=beside)


def coach_beside(
    context: WijkContext,
    who: Who,
    session: Session | None,
    item: SpiegelItem,
    wijk_id: int,
    counts: service.ReactionCounts | None = None,
) -> list[str]:
    """For a wijkcoach, under a statement that names CBS figures: their trend and how residents
    reacted. Nothing for anyone else, or for a statement that names none. `counts`: the
    statement's, when the caller has them (else read in `session`); `session` None: one is
    opened only when there is something to show."""
    figures = coach_figures(context, who, session, item, wijk_id)
    if figures is None or item.id is None:
        return []
    if counts is None:
        if session is None:
            raise ValueError("coach_beside needs the counts or a session to read them")
        counts = service.reaction_counts(session, [item.id])[item.id]
    return figures_views.with_reactions(who, item, figures, counts)


def coach_figures(
    context: WijkContext, who: Who, session: Session | None, item: SpiegelItem, wijk_id: int
) -> list[str] | None:
    """The figure lines of `coach_beside` (None: nothing is shown beside this statement). The
    database is read only when there is something to show: not on a resident's press."""
    if not item.figures or item.id is None:
        return None
    if who.actor is None or not who.actor.can(Action.MANAGE_SPIEGEL, wijk_id):
        return None
    if session is None:
        with context.services.db.session() as own:
            return coach_figures(context, who, own, item, wijk_id)
    wijk = persons.wijk_by_id(session, wijk_id)
    if wijk is None:
        return None
    figures = wijk_figures(session, context.services.config, wijk.slug)
    return figures_views.statement_figures(who, figures, item)
