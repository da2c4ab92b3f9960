"""The main menu's buttons (its entries: bot/wiring.py), /uitleg (/help), /taal, /stop and what
nobody else handles."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.context import WijkContext
from bot.core.i18n import LANGUAGES, t
from bot.desk import links
from bot.observations.word_questions import COACH_GLOSSARY, GLOSSARY
from bot.people import persons
from bot.people.permissions import Action
from bot.telegram import command_menu, commands, flow_table, flows
from bot.telegram.callbacks import BadCallback, Cancel, Language, MenuItem
from handlers.common import (
    EDITED,
    FORWARDED,
    NOT_USED,
    PHOTO_SENT,
    PLACE_SENT,
    Turn,
    Who,
    answer_query,
    app_language,
    button,
    esc,
    keyboard,
    menu_keyboard,
    outside_a_flow,
    payload,
    private_handler,
    reply,
    stale_button,
    who_is,
)
from handlers.main_menu import entry, show_menu
from handlers.onboarding import show_privacy, show_start
from models import Role

if TYPE_CHECKING:
    from handlers.router import Routes


@private_handler()
async def menu_command(update: Update, context: WijkContext, who: Who) -> None:
    await flows.end(context)
    await show_menu(update, context, who)


async def menu_pressed(update: Update, context: WijkContext) -> None:
    """mn:<item>. `start` is open to people without consent; the rest need a person."""
    who = who_is(update, context.services)
    if who is None:
        return
    try:
        pressed = payload(update, MenuItem)
    except BadCallback:  # parsed before private_handler, which would otherwise catch it
        await stale_button(update, who)
        return
    if pressed.item == "start":
        await answer_query(update)
        if who.actor is None and pressed.lang is not None:
            # The language of the text it stood under (after /vergeetmij, say): kept in memory
            # for what they type next, as a choice on the privacy statement is.
            context.services.chosen_languages.choose(who.telegram_id, pressed.lang)
            who = Who(who.telegram_id, pressed.lang, None, who.first_name)
        await show_start(update, context, who, payload=None)
        return
    await _menu_item(update, context)


@private_handler()
async def _menu_item(update: Update, context: WijkContext, who: Who) -> None:
    item = payload(update, MenuItem).item
    await answer_query(update)
    if item == "main":
        await flows.end(context)
        await show_menu(update, context, who, edit=True)
        return
    chosen = entry(context, item)
    if chosen is None or not chosen.visible(who):
        # An entry of another role or an old version of the menu: show the current one.
        await show_menu(update, context, who)
        return
    await flows.end(context)
    await chosen.open(update, context, who)


def explanation(who: Who, municipality: str, routes: Routes) -> str:
    """The glossary and every command the person's roles give them (of the command menus in
    `routes`), by their names in the person's language."""
    actor = who.actor
    coach = actor is not None and bool(actor.wijken_with(Role.COACH, Role.ADMIN))
    links_groups = actor is not None and actor.can_anywhere(Action.LINK_GROUP)
    words = GLOSSARY + (COACH_GLOSSARY if coach else ())
    ids = command_menu.commands_for(command_menu.roles_of(actor), routes.private_commands)
    if links_groups:
        ids = [*ids, *routes.group_commands]
    lines = [who.t("help.title"), who.t("help.intro", municipality=municipality), ""]
    lines.append(who.t("help.words_title"))
    for word in words:
        term = who.t(f"glossary.term.{word}")
        term = term[:1].upper() + term[1:]
        lines.append(who.t("help.word_line", term=term, text=who.t(f"glossary.text.{word}")))
    lines += ["", who.t("help.commands_title")]
    for command_id in ids:
        lines.append(
            who.t(
                "help.command_line",
                command=commands.name(command_id, who.lang),
                text=who.t(f"commands.{command_id}"),
            )
        )
    lines += ["", who.t("help.footer")]
    return "\n".join(lines)


@private_handler(needs_person=False, needs_wijk=False)
async def help_command(update: Update, context: WijkContext, who: Who) -> None:
    text = explanation(who, esc(context.services.config.municipality.name), context.routes)
    await reply(update, text, menu_keyboard(who))


async def help_open(update: Update, context: WijkContext, who: Who) -> None:
    await help_command.__wrapped__(update, context, who)


async def language_open(update: Update, context: WijkContext, who: Who) -> None:
    await reply(update, who.t("language.choose"), language_keyboard(who))


# What may follow /taal (/language) to switch at once, lower case: the code, and the language's
# name in Dutch and in English.
LANGUAGE_NAMES = {
    "nl": "nl",
    "nederlands": "nl",
    "dutch": "nl",
    "en": "en",
    "engels": "en",
    "english": "en",
}


@private_handler(needs_wijk=False)
async def language_command(update: Update, context: WijkContext, who: Who) -> None:
    """/taal: which language? "/taal en", "/taal engels", "/language Dutch": that one at once."""
    message = update.effective_message
    words = (message.text or "").split() if message is not None else []
    named = LANGUAGE_NAMES.get(words[1].casefold()) if len(words) == 2 else None
    if named is None:
        await reply(update, who.t("language.choose"), language_keyboard(who))
        return
    await _switch_language(update, context, who, named, edit=False)


def language_keyboard(who: Who) -> InlineKeyboardMarkup:
    return keyboard(
        [
            button(t(lang, f"language.{'dutch' if lang == 'nl' else 'english'}"), Language(lang))
            for lang in LANGUAGES
        ]
    )


@private_handler(needs_person=False, needs_wijk=False)
async def language_pressed(update: Update, context: WijkContext, who: Who) -> None:
    pressed = payload(update, Language)
    lang = pressed.lang
    await answer_query(update)
    if who.actor is None:
        # Before consent nothing is stored: show the privacy statement again in that language,
        # with the invite its buttons carried (checked again when it is accepted); what they
        # type before Akkoord is answered in it too (kept in memory only).
        context.services.chosen_languages.choose(who.telegram_id, lang)
        newcomer = Who(who.telegram_id, lang, None, who.first_name)
        await show_privacy(update, context, newcomer, pressed.code, edit=True)
        return
    await _switch_language(update, context, who, lang, edit=True)


async def _switch_language(
    update: Update, context: WijkContext, who: Who, lang: str, *, edit: bool
) -> None:
    """Someone who takes part speaks `lang` from now on: said (in the pressed message, `edit`),
    the command menu in it, then the step of a run halfway or the menu."""
    assert who.actor is not None
    with context.services.db.session() as session:
        person = persons.get_person(session, who.telegram_id)
        assert person is not None
        app_menu = command_menu.everyone_language(app_language(update))
        persons.set_language(session, person, lang, app_language=app_menu)
    roles = command_menu.roles_of(who.actor)
    private = context.routes.private_commands
    who = Who(who.telegram_id, lang, who.actor, who.first_name)
    who.actor.person.language = lang  # type: ignore[union-attr]
    await reply(update, who.t("language.changed"), edit=edit)
    # The command menu in the language chosen: the chat's own when everyone's in the language
    # of their Telegram app is in another (or their roles give them one), else everyone's.
    await command_menu.show_menu(
        context.bot,
        who.telegram_id,
        lang,
        private,
        roles,
        app_language=app_language(update),
        desk_url=links.web_app_url(context.services.config),
    )
    # An aside: a run halfway (a melding, a poll) goes on at its step, now in that language.
    flow = flows.current(context)
    table = context.routes.tables.get(flow.name) if flow is not None else None
    if table is not None and await flow_table.show_current(table, Turn(update, context, who)):
        return
    if who.wijk_id is not None:
        await show_menu(update, context, who)


@private_handler(needs_person=False, needs_wijk=False)
async def cancel_command(update: Update, context: WijkContext, who: Who) -> None:
    flows.taken(context)  # "Gestopt. Er is niets verstuurd." says what became of it
    stopped = await flows.end(context)
    await reply(update, _cancelled(who, stopped), menu_keyboard(who))


@private_handler(needs_person=False, needs_wijk=False)
async def cancel_pressed(update: Update, context: WijkContext, who: Who) -> None:
    # Any cancel button ends whatever flow is current: stopping is always safe.
    pressed = payload(update, Cancel)  # but it must be one of ours
    await answer_query(update)
    run = flows.current(context)
    if run is not None and run.nonce == pressed.nonce:
        # The run's own Stoppen: "Er is niets verstuurd" says it. An older message's Stoppen
        # ends the current run too: that leaves it halfway (said above, handlers/common.py).
        flows.taken(context)
    stopped = await flows.end(context)
    await reply(update, _cancelled(who, stopped), menu_keyboard(who), edit=True)


def _cancelled(who: Who, stopped: bool) -> str:
    # With nothing running, "nothing was sent" could be untrue: the old message's run may have
    # stored what it was for (its confirmation lost), before this press of its Stoppen.
    return who.t("common.cancelled" if stopped else "common.nothing_to_stop")


# --- what nobody else handled ---------------------------------------------------------------


@private_handler(needs_wijk=False)
async def text_message(update: Update, context: WijkContext, who: Who) -> None:
    flow = flows.current(context)
    if flow is not None and flow.name in context.routes.text_steps:
        await context.routes.text_steps[flow.name](update, context, who, flow)
        return
    if flow is not None:
        # A flow of buttons only: offered as an observation, "Ja" would end it unasked.
        await reply(update, who.t("common.not_here"), menu_keyboard(who))
        return
    await outside_a_flow(update, context, who)


@private_handler(needs_wijk=False)
async def media_message(update: Update, context: WijkContext, who: Who) -> None:
    flow = flows.current(context)
    if flow is not None and flow.name in context.routes.media_steps:
        await context.routes.media_steps[flow.name](update, context, who, flow)
        return
    message = update.effective_message
    why = PLACE_SENT if message is not None and message.location is not None else PHOTO_SENT
    if flow is not None and await _told_to_flow(update, context, who, why):
        return  # a photo where a flow asks a text (or a button): named, and its step again
    if flow is not None:
        await reply(update, who.t("common.not_here"), menu_keyboard(who))
        return
    await outside_a_flow(update, context, who)


async def _told_to_flow(update: Update, context: WijkContext, who: Who, why: str) -> bool:
    """A message no step takes, during a flow whose table answers such messages (`not_taken`):
    it says why and shows its current step again, so the draft is not left behind a button
    ("Naar het menu") that would end it. False: no such flow is current."""
    flow = flows.current(context) if who.actor is not None else None
    if flow is None:
        return False
    table = context.routes.tables.get(flow.name)
    if table is None:
        again = context.routes.shown_again.get(flow.name)
        return again is not None and await again(update, context, who, flow, why)
    return await flow_table.show_again(table, Turn(update, context, who), why)


def _answer_with(key: str, why: str) -> Callable[[Update, WijkContext], Coroutine[Any, Any, None]]:
    """A fallback that tells the person, in their language, why this message was not used."""

    async def answer(update: Update, context: WijkContext) -> None:
        who = who_is(update, context.services)
        if who is not None and not await _told_to_flow(update, context, who, why):
            await reply(update, who.t(key), menu_keyboard(who))

    return answer


unsupported_message = _answer_with("errors.unsupported_type", NOT_USED)
forwarded_message = _answer_with("errors.forwarded", FORWARDED)


async def edited_message(update: Update, context: WijkContext) -> None:
    who = who_is(update, context.services)
    message = update.edited_message
    if who is None or message is None:
        return
    if message.location is not None:
        return  # a live location moving on the map: nobody changed anything
    if await _told_to_flow(update, context, who, EDITED):
        return
    await reply(update, who.t("errors.edited"), menu_keyboard(who))


async def unknown_command(update: Update, context: WijkContext) -> None:
    who = who_is(update, context.services)
    if who is None:
        return
    message = update.effective_message
    typed = (message.text or "").split(maxsplit=1)[0] if message is not None else ""
    word = typed.lstrip("/").split("@", 1)[0]
    # A typo of a command the person may use ("/meldng"): named, so one tap sends it.
    ids = command_menu.commands_for(
        command_menu.roles_of(who.actor), context.routes.private_commands
    )
    command = commands.meant(word, ids, who.lang) if word else None
    text = (
        who.t("errors.unknown_command_meant", command=command)
        if command is not None
        else who.t("errors.unknown_command")
    )
    await reply(update, text, menu_keyboard(who))


async def stale_callback(update: Update, context: WijkContext) -> None:
    """Any button nobody recognised: from an old version, another flow, or forged."""
    who = who_is(update, context.services)
    if who is None:
        return
    from handlers.common import stale_button

    await stale_button(update, who)


# Message kinds the bot does not take in private chats: answered by `unsupported_message`.
UNSUPPORTED = (
    filters.Sticker.ALL
    | filters.VOICE
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.AUDIO
    | filters.Document.ALL
    | filters.CONTACT
    | filters.ANIMATION
    | filters.Dice.ALL
    | filters.POLL
    | filters.VENUE
    | filters.GAME
    | filters.INVOICE
    | filters.STORY
)
