"""Choosing a wijk: from the list, or by postcode (PDOK). The `wijk` flow, as one table.

Every button and a typed postcode work in each state: an older message (the list above a typed
postcode, say) stays on the screen, and its buttons still mean what they say.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from telegram import Update

from bot.context import WijkContext
from bot.core.i18n import tn
from bot.desk import links
from bot.opendata.clients import LookupStatus, parse_postcode_input
from bot.people import persons
from bot.people.permissions import load_actor
from bot.telegram import command_menu, flow_table, flows
from bot.telegram.callbacks import BadCallback, Kind, WijkStep
from bot.telegram.flow_table import END, TEXT, Entry, FlowTable, Reply, Step, button
from bot.telegram.flows import Flow, JsonDraft
from handlers import urgent
from handlers.common import (
    CHOOSING_WIJK,
    WIJK_FLOW,
    Turn,
    Who,
    app_language,
    ask_wijk,
    esc,
    payload,
    private_handler,
    said_again,
    unsent_now,
    wijk_list,
)
from handlers.main_menu import show_menu
from handlers.onboarding import views
from handlers.polls.voting import poll_after_joining
from models import Wijk

FLOW = WIJK_FLOW  # its first state and step, ask_wijk, are in handlers/common.py
TYPING_POSTCODE = "typing_postcode"
CONFIRMING_WIJK = "confirming_wijk"
STATES = (CHOOSING_WIJK, TYPING_POSTCODE, CONFIRMING_WIJK)

_LOOKUPS = {
    LookupStatus.MALFORMED: "malformed",
    LookupStatus.OUTSIDE_MUNICIPALITY: "outside",
    LookupStatus.NOT_FOUND: "not_found",
    LookupStatus.UNREACHABLE: "unreachable",
}


@dataclass(frozen=True)
class WijkDraft(JsonDraft):
    """What the last postcode lookup said; empty while choosing from the list."""

    lookup: str | None = None  # onboarding.postcode_<lookup>; see views.RETRY_LOOKUPS
    candidates: tuple[int, ...] = ()  # the wijk the postcode is in, or the ones it may be in
    address: str | None = None
    wijk_id: int | None = None  # the wijk found (kept under the name older drafts used)
    # What /wijk left unsent (a melding being written: handlers/common.py `unsent_now`), said
    # above the list and again above the menu the list becomes.
    left: str | None = None
    # The poll a newcomer came for (the group's "vote in a private chat" link), shown instead
    # of the menu once the wijk is chosen.
    poll_id: int | None = None

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        # Drafts from before the table held only the wijk found.
        if data.get("wijk_id") is not None and "candidates" not in data:
            data = {**data, "lookup": "found", "candidates": [data["wijk_id"]]}
        return data


# --- starting ------------------------------------------------------------------------------------


@private_handler(needs_wijk=False)
async def wijk_command(update: Update, context: WijkContext, who: Who) -> None:
    # The wijk list replaces whatever the person was doing: leaving it halfway is said above
    # the list (handlers/common.py, as for every flow left), and again above the menu.
    left = unsent_now(Turn(update, context, who))
    await ask_wijk(update, context, who, draft=WijkDraft(left=left))


async def wijk_open(update: Update, context: WijkContext, who: Who) -> None:
    await ask_wijk(update, context, who)


# --- the steps -----------------------------------------------------------------------------------


def _picked(turn: Turn, draft: WijkDraft, pressed: WijkStep) -> int:
    return pressed.wijk_id


async def _choose(turn: Turn, flow: Flow, draft: WijkDraft, wijk_id: int) -> None:
    who = turn.who
    with turn.services.db.session() as session:
        wijk = persons.wijk_by_id(session, wijk_id)
        if wijk is None:
            raise BadCallback("no such wijk")
        person = persons.get_person(session, who.telegram_id)
        assert person is not None
        withdrawn = persons.choose_wijk(session, person, wijk)
        # One sentence per wijk left behind (a move leaves one): their open votes there are gone.
        notes = [
            tn(who.lang, "onboarding.votes_withdrawn", count, wijk=esc(left.name))
            for wijk_id, count in withdrawn.items()
            if (left := session.get(Wijk, wijk_id)) is not None
        ]
        if draft.left:  # the list said so; the menu it becomes says it again
            notes.insert(0, draft.left)
        actor = load_actor(session, who.telegram_id)
    await turn.answer()
    await flows.end(turn.context)
    # A partner who says they live in a wijk is its resident too: they may vote there now.
    await command_menu.roles_changed(
        turn.context.bot,
        who.telegram_id,
        who.lang,
        turn.context.routes.private_commands,
        command_menu.roles_of(who.actor),
        command_menu.roles_of(actor),
        app_language=app_language(turn.update),
        desk_url=links.web_app_url(turn.services.config),
    )
    # The list becomes the menu, which opens with "Je wijk: ...": one edit, where "your wijk is
    # now ..." and a new menu message would be two messages in the same second. What a move did
    # to their votes is said in that same message.
    chosen = Who(who.telegram_id, who.lang, actor, who.first_name)
    if draft.poll_id is not None:
        await poll_after_joining(turn.update, turn.context, chosen, draft.poll_id)
        return
    await show_menu(turn.update, turn.context, chosen, edit=True, note="\n".join(notes))


def _fresh(draft: WijkDraft, value: Any) -> WijkDraft:
    return WijkDraft(left=draft.left, poll_id=draft.poll_id)


async def _typed(turn: Turn, draft: WijkDraft, text: str) -> WijkDraft | int:
    """A wijk's name typed instead of pressing its button: that wijk (its id). Else the
    postcode, looked up."""
    with turn.services.db.session() as session:
        named = persons.wijk_named(session, text)
    if named is not None and named.id is not None:
        return named.id
    return await _look_up(turn, draft, text)


async def _typed_act(turn: Turn, flow: Flow, draft: WijkDraft, value: WijkDraft | int) -> None:
    if isinstance(value, int):
        await _choose(turn, flow, draft, value)
        return
    new = _looked_up(draft, value)
    moved = await flows.move(turn.context, _after_lookup(new, value), new)
    await _show(turn, moved, new, Reply(edit=False))


async def _look_up(turn: Turn, draft: WijkDraft, text: str) -> WijkDraft:
    """The postcode (with a house number, maybe) at PDOK: which of our wijken it is in."""
    services = turn.services
    parsed = parse_postcode_input(text)
    if parsed is None and urgent.kind_of(turn, text) is not None:
        # An emergency, not a bad postcode: the help numbers are above (handlers/urgent), then
        # the question again, plainly, with the list; "or type your postcode" when that works.
        return WijkDraft(lookup="urgent" if services.pdok is not None else None)
    if parsed is None:
        return WijkDraft(lookup="malformed")
    if services.pdok is None:
        return WijkDraft(lookup="off")
    result = await services.pdok.lookup(*parsed)
    with services.db.session() as session:
        slugs = [result.wijk_slug] if result.wijk_slug else list(result.candidates)
        wijken = [
            w for s in slugs if (w := persons.wijk_by_slug(session, s)) is not None and w.active
        ]
    ids = tuple(w.id or 0 for w in wijken)
    if result.status is LookupStatus.FOUND and wijken:
        return WijkDraft("found", ids[:1], result.address, ids[0])
    if result.status is LookupStatus.NEEDS_HOUSE_NUMBER and wijken:
        return WijkDraft("needs_number", ids)
    if result.status is LookupStatus.AMBIGUOUS and wijken:
        return WijkDraft("ambiguous", ids)
    if result.status is LookupStatus.SHARED and len(wijken) == 1:  # the others are not active
        return WijkDraft("found", ids, result.address, ids[0])
    if result.status is LookupStatus.SHARED and wijken:
        return WijkDraft("shared", ids, result.address)
    if result.status is LookupStatus.UNKNOWN_HOUSE_NUMBER and wijken:
        if result.wijk_slug is not None:  # the postcode lies in one wijk: that one?
            return WijkDraft("number_unknown_found", ids[:1], None, ids[0])
        return WijkDraft("number_unknown", ids)
    return WijkDraft(_LOOKUPS.get(result.status, "unmapped"))


def _looked_up(draft: WijkDraft, found: WijkDraft) -> WijkDraft:
    return replace(found, left=draft.left, poll_id=draft.poll_id)


def _after_lookup(draft: WijkDraft, found: WijkDraft) -> str:
    if draft.lookup in views.RETRY_LOOKUPS:
        return TYPING_POSTCODE  # they may retype; the list is offered too
    if draft.lookup in views.CONFIRM_LOOKUPS:
        return CONFIRMING_WIJK
    return CHOOSING_WIJK


# --- showing a state -----------------------------------------------------------------------------


async def _show(turn: Turn, flow: Flow, draft: WijkDraft, how: Reply) -> None:
    who, services = turn.who, turn.services
    place = services.config.municipality.name
    if flow.state == TYPING_POSTCODE:
        text, markup = views.typing_postcode(who, flow.nonce, lookup=draft.lookup, place=place)
    elif flow.state == CONFIRMING_WIJK:
        with services.db.session() as session:
            found = (persons.wijk_by_id(session, i) for i in draft.candidates)
            wijken = [w for w in found if w is not None]
        lookup = draft.lookup or "ambiguous"
        text, markup = views.confirming_wijk(
            who, wijken, flow.nonce, lookup=lookup, address=draft.address
        )
    else:
        text = views.choosing_wijk(who, lookup=draft.lookup, place=place)
        markup = wijk_list(turn.context, who, flow.nonce)
    if how.note is not None:  # why (a sticker, an edit) above the step, with its buttons
        text = f"{how.note}\n\n{text}"
    if how.edit:
        await turn.answer(how.toast)
    await turn.reply(text, markup, edit=how.edit)


TABLE: FlowTable[Turn, WijkDraft] = FlowTable(
    name=FLOW,
    states=STATES,
    load=WijkDraft.from_json,
    steps=(
        Step(
            "a wijk / Ja, dat klopt", STATES, button(Kind.WIJK, "pick"), END, _picked, act=_choose
        ),
        Step(
            "Ik weet mijn wijk niet", STATES, button(Kind.WIJK, "pc"), TYPING_POSTCODE, apply=_fresh
        ),
        Step("Kies uit de lijst", STATES, button(Kind.WIJK, "list"), CHOOSING_WIJK, apply=_fresh),
        Step(
            "a postcode",
            STATES,
            TEXT,
            {
                CONFIRMING_WIJK: "PDOK found the wijk, or several",
                TYPING_POSTCODE: "malformed, not found, outside",
                CHOOSING_WIJK: "PDOK unreachable, no wijk of ours, an emergency",
                END: "the name of a wijk, typed",
            },
            _typed,
            act=_typed_act,
        ),
    ),
    show=_show,
    entries=(Entry("Akkoord without a wijk, /wijk, Mijn wijk", CHOOSING_WIJK),),
    not_taken=said_again,
)


# --- handlers ------------------------------------------------------------------------------------


@private_handler(needs_wijk=False)
async def wijk_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """wk:<nonce>:<wijk id | pc | list>"""
    await flow_table.press(TABLE, Turn(update, context, who), payload(update, WijkStep))


async def postcode_typed(update: Update, context: WijkContext, who: Who, flow: Flow) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    await flow_table.send(TABLE, Turn(update, context, who), TEXT, message.text)
