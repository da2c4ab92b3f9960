"""/start, the privacy statement and consent, and invite links.

Before consent there is no state at all: the privacy message's buttons carry what they need, so
nothing about a person is stored. After consent a person without a wijk goes to the `wijk` flow
(handlers/onboarding/wijk.py). Someone known who opens an invite link is asked first, as a
newcomer is by Akkoord: the question's buttons carry the code (`InviteAnswer`), and say which
wijk the role is for when it is not their own.
"""

from __future__ import annotations

from sqlmodel import Session
from telegram import Update

from bot.context import WijkContext
from bot.core.i18n import format_list
from bot.desk import links
from bot.people import invites, persons
from bot.people.permissions import load_actor
from bot.telegram import command_menu, flows
from bot.telegram.callbacks import BadCallback, Consent, InviteAnswer
from handlers import common
from handlers.common import (
    Who,
    answer_query,
    app_language,
    ask_wijk,
    esc,
    private_handler,
    reply,
    stale_button,
    who_is,
)
from handlers.main_menu import show_menu
from handlers.onboarding import views
from handlers.onboarding.wijk import WijkDraft
from handlers.polls import open_poll_link, poll_in_link
from models import Person, Wijk


async def start_command(update: Update, context: WijkContext) -> None:
    who = who_is(update, context.services)
    if who is None or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        await reply(update, who.t("errors.private_only", bot=context.services.bot_username))
        return
    payload = context.args[0] if context.args else None
    if context.args and len(context.args) > 1:
        payload = " ".join(context.args)  # not a valid deep link: reported as malformed
    await show_start(update, context, who, payload=payload)


async def show_start(update: Update, context: WijkContext, who: Who, payload: str | None) -> None:
    services = context.services
    now = services.clock.now()
    if payload and payload.startswith("poll_"):
        # The group's "vote in a private chat" link (handlers/polls/); never an invite code.
        if await open_poll_link(update, context, who, payload):
            return
        poll_id = poll_in_link(payload)
        if who.actor is None and poll_id is not None:
            # A newcomer: the poll rides on the privacy statement's buttons, as an invite does,
            # and is shown once they have joined (`consent_pressed`, then the wijk question).
            await show_privacy(update, context, who, payload)
            return
        if poll_id is not None:  # joined, without a wijk yet: the poll after the wijk
            await flows.end(context)
            await ask_wijk(update, context, who, draft=WijkDraft(poll_id=poll_id))
            return
        payload = None
    if who.actor is None:
        code = None
        if payload:
            with services.db.session() as session:
                found = invites.check(session, payload, now)
                wijken = _wijken_sentence(session, found.wijk_ids, who.lang)
            if found.status is invites.RedeemStatus.OK and found.role is not None:
                code = payload
                await reply(
                    update,
                    who.t("invite.pending", role=who.t(f"roles.{found.role.value}"), wijken=wijken),
                )
            else:
                await reply(update, _refused(who, found.status, newcomer=True))
        await show_privacy(update, context, who, code)
        return
    await flows.end(context)
    if payload and await _ask_invite(update, context, who, payload):
        return
    if who.wijk_id is None:
        await ask_wijk(update, context, who)
        return
    await reply(update, who.t("onboarding.welcome_back"))
    await show_menu(update, context, who)


async def show_privacy(
    update: Update,
    context: WijkContext,
    who: Who,
    code: str | None,
    *,
    edit: bool = False,
    more: bool = False,
) -> None:
    """The first screen: a short privacy statement, its details one button away (`more`)."""
    municipality = context.services.config.municipality.name
    text, markup = views.privacy(who, municipality, code, more=more)
    await reply(update, text, markup, edit=edit)


async def not_joined(update: Update, context: WijkContext, who: Who) -> None:
    """Someone who has not pressed Akkoord yet types, or sends or presses what needs it: the
    privacy statement again, with Akkoord, and above it that this comes first. (An invite
    their first statement carried stays on its buttons: nothing is stored to find it by.)"""
    municipality = context.services.config.municipality.name
    text, markup = views.privacy(who, municipality, None)
    await reply(update, f"{who.t('errors.start_first')}\n\n{text}", markup)


def agreed_text(context: WijkContext, who: Who) -> str:
    return views.agreed_text(who, context.services.config.municipality.name)


async def consent_pressed(update: Update, context: WijkContext) -> None:
    """ok:<lang>:<y|n|m>:<invite code, poll_<id> or ->. The first moment anything is stored (y);
    m shows the privacy statement's details, and stores nothing. A poll (the group's "vote in a
    private chat" link) is shown once they have a wijk: the wijk question carries it."""
    who = who_is(update, context.services)
    if who is None:
        return
    try:
        consent = common.payload(update, Consent)
    except BadCallback:
        await stale_button(update, who)
        return
    await answer_query(update)
    if who.actor is None and not consent.accept:
        # Nothing is stored yet: the language is the one the statement was shown in, and what
        # they type next is answered in it (kept in memory only).
        context.services.chosen_languages.choose(who.telegram_id, consent.lang)
        shown = Who(who.telegram_id, consent.lang, None, who.first_name)
        if consent.more:
            await show_privacy(update, context, shown, consent.code, edit=True, more=True)
        else:
            await reply(update, *views.declined(shown, consent.code), edit=True)
        return
    if not consent.accept:
        # An older statement, pressed by someone who has joined since: its details, or that they
        # take part and how to stop. Nothing of theirs changes.
        if consent.more:
            await show_privacy(update, context, who, consent.code, edit=True, more=True)
        else:
            await reply(update, *views.declined_joined(who), edit=True)
        return
    services = context.services
    app_menu = command_menu.everyone_language(app_language(update))
    with services.db.session() as session:
        persons.give_consent(
            session, who.telegram_id, consent.lang, services.clock.now(), app_language=app_menu
        )
        actor = load_actor(session, who.telegram_id)
    services.chosen_languages.forget(who.telegram_id)  # their row holds it now
    lang = actor.person.language if actor else consent.lang
    who = Who(who.telegram_id, lang, actor, who.first_name)
    if lang != app_menu:
        # The statement read in another language than their Telegram app's: the command menu too.
        await command_menu.show_menu(
            context.bot,
            who.telegram_id,
            lang,
            context.routes.private_commands,
            command_menu.roles_of(actor),
            app_language=app_language(update),
        )
    poll_id = poll_in_link(consent.code) if consent.code else None
    if poll_id is not None:
        if who.wijk_id is None:
            above = agreed_text(context, who)
            draft = WijkDraft(poll_id=poll_id)
            await ask_wijk(update, context, who, edit=True, above=above, draft=draft)
        else:
            await reply(update, agreed_text(context, who), edit=True)
            await open_poll_link(update, context, who, consent.code or "")
        return
    if consent.code is None and who.wijk_id is None:
        # One edit carries all three: the statement they agreed to, the welcome (what the
        # wijkspiegel, a melding and a BIG are), then the wijk question with its buttons instead
        # of Akkoord. A new message right after an edit in the same chat would wait a second
        # (Telegram allows one a second per chat), and updates wait in line.
        await ask_wijk(update, context, who, edit=True, above=agreed_text(context, who))
        return
    # The privacy message, its buttons gone (it has done its job), gets the welcome below the
    # statement: the same one edit that would only have removed the buttons.
    await reply(update, agreed_text(context, who), edit=True)
    if consent.code is not None:
        await _redeem(update, context, who, consent.code)
        who = who_is(update, services) or who
    if who.wijk_id is None:
        await ask_wijk(update, context, who)
    else:
        await show_menu(update, context, who)


def _refused(who: Who, status: invites.RedeemStatus, *, newcomer: bool) -> str:
    """Why an invite gives no role; to someone who has not joined yet, that they still can."""
    text = who.t(f"invite.{status.value}")
    return f"{text} {who.t('invite.as_resident')}" if newcomer else text


async def _ask_invite(update: Update, context: WijkContext, who: Who, code: str) -> bool:
    """Someone known opens an invite link: nothing is granted before they say yes (as a
    newcomer's Akkoord), and the question names the wijken of the role, and their own wijk
    when the role is for another. True when asked; else what is true about the invite is
    said (held already, or why it gives nothing) and the caller goes on to the menu."""
    services = context.services
    with services.db.session() as session:
        person = persons.get_person(session, who.telegram_id)
        assert person is not None
        found = invites.check_for(session, person, code, services.clock.now())
        wijken = _wijken_sentence(session, found.wijk_ids, who.lang)
        home = _home_elsewhere(session, who, found.wijk_ids)
    role = who.t(f"roles.{found.role.value}") if found.role is not None else ""
    if found.status is invites.RedeemStatus.OK:
        await reply(update, *views.invite_question(who, code, role, wijken, home))
        return True
    if found.status is invites.RedeemStatus.HELD:
        await reply(update, who.t("invite.held", role=role, wijken=wijken))
    else:
        await reply(update, _refused(who, found.status, newcomer=False))
    return False


@private_handler(needs_wijk=False)
async def invite_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """iv:<code>:<y|n>, under the question to someone known: take the invite's role, or not.
    Yes pressed again (or delivered again) grants nothing twice: `invites.redeem`."""
    pressed = common.payload(update, InviteAnswer)
    await answer_query(update)
    if not pressed.accept:
        await _to_menu(update, context, who, who.t("invite.declined"))
        return
    services = context.services
    with services.db.session() as session:
        person = persons.get_person(session, who.telegram_id)
        assert person is not None
        before = _roles(session, person)
        result = invites.redeem(session, person, pressed.code, services.clock.now())
        wijken = _wijken_sentence(session, result.wijk_ids, who.lang)
        home = _home_elsewhere(session, who, result.wijk_ids)
        after = _roles(session, person)
    if result.status is not invites.RedeemStatus.OK or result.role is None:
        await _to_menu(update, context, who, _refused(who, result.status, newcomer=False))
        return
    said = [who.t("invite.ok", role=who.t(f"roles.{result.role.value}"), wijken=wijken)]
    if home is not None:
        said.append(who.t("invite.home_stays", home=esc(home.name)))
    await _own_menu(update, context, who, before, after)
    await _to_menu(update, context, who_is(update, services) or who, " ".join(said))


async def _to_menu(update: Update, context: WijkContext, who: Who, said: str) -> None:
    """The question becomes what happened, above the menu (or the wijk question)."""
    if who.wijk_id is None:
        await reply(update, said, edit=True)
        await ask_wijk(update, context, who)
        return
    await show_menu(update, context, who, edit=True, note=said)


def _home_elsewhere(session: Session, who: Who, wijk_ids: tuple[int, ...]) -> Wijk | None:
    """The person's wijk, when the invite's role is not for it."""
    if who.wijk_id is None or who.wijk_id in wijk_ids:
        return None
    return persons.wijk_by_id(session, who.wijk_id)


def _roles(session: Session, person: Person) -> frozenset[str]:
    assert person.id is not None
    return frozenset(m.role for m in persons.memberships(session, person.id))


async def _own_menu(
    update: Update, context: WijkContext, who: Who, before: frozenset[str], after: frozenset[str]
) -> None:
    """The role may change what they can do: a coach's commands, no /stemmen for a partner."""
    await command_menu.roles_changed(
        context.bot,
        who.telegram_id,
        who.lang,
        context.routes.private_commands,
        before,
        after,
        app_language=app_language(update),
        desk_url=links.web_app_url(context.services.config),
    )


async def _redeem(update: Update, context: WijkContext, who: Who, code: str) -> None:
    """The invite a newcomer's Akkoord carried."""
    services = context.services
    with services.db.session() as session:
        person = persons.get_person(session, who.telegram_id)
        assert person is not None
        before = _roles(session, person)
        result = invites.redeem(session, person, code, services.clock.now())
        wijken = _wijken_sentence(session, result.wijk_ids, who.lang)
        after = _roles(session, person)
    if result.status is invites.RedeemStatus.OK and result.role is not None:
        await reply(
            update, who.t("invite.ok", role=who.t(f"roles.{result.role.value}"), wijken=wijken)
        )
        await _own_menu(update, context, who, before, after)
    else:
        await reply(update, _refused(who, result.status, newcomer=True))


def _wijken_sentence(session: Session, wijk_ids: tuple[int, ...], lang: str) -> str:
    """The invite's wijken, each escaped and in bold, as a sentence names them (HTML):
    "<b>Elsrijk</b>, <b>Stadshart</b> en <b>Westwijk</b>"; "" for none."""
    names = [w.name for i in wijk_ids if (w := persons.wijk_by_id(session, i)) is not None]
    return format_list([f"<b>{esc(n)}</b>" for n in names], lang) if names else ""
