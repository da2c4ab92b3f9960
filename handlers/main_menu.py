"""The main menu: its entries (which bot/wiring.py lists) and how it is shown.

Its own module because every feature ends at the menu (onboarding included), while
handlers/menu.py, which handles the menu's buttons, sends people without consent to onboarding.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, Update, WebAppInfo

from bot.context import WijkContext
from bot.core.i18n import tn
from bot.people import about_you, persons
from bot.telegram.callbacks import AboutYou, MenuItem
from handlers.common import Who, button, esc, keyboard, reply
from models import Role


def invitation_text(who: Who) -> str:
    """ "Over jou", asked in the menu message (its questions: handlers/about_you/)."""
    return "\n".join((who.t("about_you.invite"), who.t("about_you.why")))


def invitation_buttons(who: Who) -> list[list[InlineKeyboardButton]]:
    return [
        [button(who.t("about_you.yes"), AboutYou("x", "go"))],
        [button(who.t("about_you.no"), AboutYou("x", "no"))],
    ]


Opener = Callable[[Update, WijkContext, Who], Awaitable[None]]


@dataclass(frozen=True)
class MenuEntry:
    item: str  # the callback argument: mn:<item>
    label_key: str
    open: Opener
    visible: Callable[[Who], bool] = lambda who: True
    # Where the entry is a Mini App instead (a URL: a web_app button; None: a button as usual).
    web_app: Callable[[WijkContext, Who], str | None] | None = None


def entry_button(context: WijkContext, who: Who, entry: MenuEntry) -> InlineKeyboardButton:
    url = entry.web_app(context, who) if entry.web_app is not None else None
    if url:
        return InlineKeyboardButton(who.t(entry.label_key), web_app=WebAppInfo(url))
    return button(who.t(entry.label_key), MenuItem(entry.item))


def visible_entries(context: WijkContext, who: Who) -> list[MenuEntry]:
    return [e for e in context.routes.menu if e.visible(who)]


def entry(context: WijkContext, item: str) -> MenuEntry | None:
    return next((e for e in context.routes.menu if e.item == item), None)


async def show_menu(
    update: Update, context: WijkContext, who: Who, *, edit: bool = False, note: str = ""
) -> None:
    """The main menu; `note` (already rendered) goes above "Wat wil je doen?"."""
    lines = [who.t("menu.title")]
    if note:
        lines.insert(0, note)
    ask: list[list[InlineKeyboardButton]] = []
    if who.actor is not None and who.wijk_id is not None:
        with context.services.db.session() as session:
            wijk = persons.wijk_by_id(session, who.wijk_id)
            # "Over jou", once, at the first menu after they first took part (participation):
            # in this message, so the question adds no message of its own.
            if about_you.should_ask(session, who.actor.id, context.services.clock.now()):
                about_you.mark_asked(session, who.actor.id)
                lines.insert(len(lines) - 1, invitation_text(who))
                ask = invitation_buttons(who)
        if wijk is not None:
            lines.insert(0, who.t("menu.your_wijk", wijk=esc(wijk.name)))
            roles = sorted(who.actor.roles_in(wijk.id or 0) - {Role.RESIDENT})
            if roles:
                names = ", ".join(who.t(f"roles.{r.value}") for r in roles)
                lines.insert(1, tn(who.lang, "menu.your_roles", len(roles), roles=names))
    entries = visible_entries(context, who)
    rows = [*ask, *([entry_button(context, who, e)] for e in entries)]
    await reply(update, "\n".join(lines), keyboard(*rows), edit=edit)
