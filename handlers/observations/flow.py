"""Filing an observation (a "melding"): the `observation` flow, as one table.

The whole draft lives in the flow (written through before each reply), so a database error at
the end, a sticker in between or a restart loses nothing. The next state is always the first
part the draft still lacks (`ObservationDraft.missing`), so "change" simply moves to one part and
answering it returns to the summary. Buttons ob:<nonce>:<step>:<value> and ft:<nonce>:<y|n>
carry the flow nonce (stale after the flow ended; "Versturen" then shows the number it stored).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Message, Update

from bot.context import Services, WijkContext
from bot.core.text import clean_input, has_words
from bot.digest.builder import vocabulary_or_shipped
from bot.observations import filing, same_matter, small_talk
from bot.observations.word_questions import asked_word
from bot.people import persons
from bot.people.permissions import Action, Actor, PermissionDenied, load_actor
from bot.telegram import flow_table, flows, redelivery
from bot.telegram.callbacks import (
    BadCallback,
    FileText,
    FlowButton,
    Kind,
    ObservationStep,
    number,
)
from bot.telegram.flow_table import (
    END,
    LOCATION,
    PHOTO,
    STAY,
    Entry,
    FlowTable,
    Invalid,
    Reply,
    Step,
    button,
)
from bot.telegram.flows import Flow
from handlers.common import (
    EDITED,
    Turn,
    Who,
    keyboard,
    menu_button,
    payload,
    private_handler,
    reply,
    too_long,
)
from handlers.main_menu import show_menu
from handlers.observations import views
from handlers.observations.draft import (
    CHANGE,
    CHANGE_PARTS,
    FILE_ASK,
    FLOW,
    NAME,
    NO_THEME,
    PARTS,
    SAME,
    STATES,
    SUMMARY,
    SWOT,
    SWOT_CODES,
    TEXT,
    THEME,
    WIJK,
    ObservationDraft,
)
from handlers.observations.draft import LOCATION as WHERE
from handlers.observations.mine import may_send
from handlers.spiegel import recognised as spiegel_recognised
from handlers.urgent import resident as urgent
from handlers.words import word_explained
from models import Observation, Wijk

_log = logging.getLogger(__name__)


def send_wijken(services: Services, actor: Actor) -> list[Wijk]:
    """The active wijken this person may send an observation for (a partner may have several)."""
    ids = {m.wijk_id for m in actor.memberships if actor.can(Action.SEND_OBSERVATION, m.wijk_id)}
    active = services.wijken.get(services.db)
    wijken = [w for i in ids if (w := active.get(i)) is not None]
    return sorted(wijken, key=lambda w: w.name)


def text_problem(turn: Turn, text: str | None) -> str | None:
    """The message to show when a text cannot be used, or None."""
    stripped = (text or "").strip()
    # First: the rest of a long text Telegram split may be anything, a few emoji too.
    long = too_long(turn, stripped, turn.services.config.general.text_limit)
    if long is not None:
        return long
    if not stripped:
        return turn.who.t("observations.empty_text")
    if not has_words(stripped):  # "👍👍": nothing the coach can read
        return turn.who.t("observations.no_words")
    return None


def _largest_photo(message: Message) -> str | None:
    if not message.photo:
        return None
    return max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0)).file_id


@dataclass(frozen=True)
class PhotoIn:
    file_id: str
    caption: str  # stripped; may be empty
    problem: str | None = None  # why the caption cannot be (added to) the text
    text: str | None = None  # the draft's text with the photo (None: the text stays as it was)
    added: bool = False  # the caption was added under the text the draft had


# --- starting ------------------------------------------------------------------------------------


async def start_observation(
    turn: Turn, draft: ObservationDraft | None = None, *, edit: bool = False
) -> None:
    """Begin a new draft (with a text, photo or location already known from a loose message)."""
    assert turn.who.actor is not None
    draft = draft or ObservationDraft()
    wijken = send_wijken(turn.services, turn.who.actor)
    if not wijken:
        raise PermissionDenied()
    draft = replace(draft, several_wijken=len(wijken) > 1)
    if len(wijken) == 1:
        draft = replace(draft, wijk_id=wijken[0].id)
    note = None
    if draft.text is not None and (problem := text_problem(turn, draft.text)):
        # A loose text that is too long: keep the photo/location, ask for a text that fits.
        note, draft = problem, replace(draft, text=None)
    elif draft.text:
        draft = replace(draft, text=draft.text.strip())
    flow = await flows.start(turn.context, FLOW, draft.missing(), draft)
    await show(turn, flow, draft, Reply(edit=edit, note=note))


@private_handler()
async def melding_command(update: Update, context: WijkContext, who: Who) -> None:
    # "/melding de lantaarn is kapot": the words after it are the text, as if typed next.
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message is not None else []
    words = clean_input(parts[1]) if len(parts) > 1 else ""
    draft = ObservationDraft(text=words) if words else None
    await start_observation(Turn(update, context, who), draft)


async def melding_open(update: Update, context: WijkContext, who: Who) -> None:
    # A new message: the button may sit under a confirmation whose reference must stay readable.
    await start_observation(Turn(update, context, who))


async def ask_file(turn: Turn, draft: ObservationDraft) -> None:
    """Keep what they sent in a new flow and ask whether it is an observation."""
    ids = draft.loose_ids
    message = turn.update.effective_message
    if message is not None:
        ids = (*ids, message.message_id)[-redelivery.KEEP :]
    draft = replace(draft, loose_at=turn.services.clock.now().timestamp(), loose_ids=ids)
    flow = await flows.start(turn.context, FLOW, FILE_ASK, draft)
    await show(turn, flow, draft, Reply(edit=False))


# --- showing a state -----------------------------------------------------------------------------


async def show(turn: Turn, flow: Flow, draft: ObservationDraft, how: Reply) -> None:
    who, services = turn.who, turn.services
    if flow.state == SAME:
        await _show_same(turn, flow, draft, how)
        return
    wijken: list[Wijk] = []
    wijk_name = None
    if flow.state == WIJK:
        assert who.actor is not None
        wijken = send_wijken(services, who.actor)
    elif flow.state == SUMMARY and draft.several_wijken and draft.wijk_id is not None:
        with services.db.session() as session:
            wijk = persons.wijk_by_id(session, draft.wijk_id)
        wijk_name = wijk.name if wijk else None
    config = services.config
    data = views.StepData(
        who, flow.nonce, draft, config.themes, wijken, wijk_name, config.municipality
    )
    text, markup = views.step(flow.state, data, how.note)
    if how.edit:
        await turn.answer(how.toast)
    await turn.reply(text, markup, edit=how.edit)


async def _otherwise(turn: Turn, flow: Flow, draft: ObservationDraft, takes: str, raw: Any) -> None:
    """Text or a photo where the step wants a button: say so, and show the step again."""
    key = "observations.photo_not_now" if takes == PHOTO else "common.use_buttons"
    await show(turn, flow, draft, Reply(edit=False, note=turn.who.t(key)))


def _not_taken(turn: Turn, flow: Flow, draft: ObservationDraft, why: str) -> str | None:
    """A sticker, a voice message, a forward or an edit while writing: said above the current
    step, shown again ("Naar het menu" alone would end the draft without a word). While a loose
    message is only asked about, nothing is being written: the usual answer (None); but the
    edit of the text asked about is that text now (`_retake`): said above the question again."""
    if flow.state == FILE_ASK:
        if why == EDITED and _edited_loose_text(turn, draft) == draft.text:
            return turn.who.t("observations.text_replaced")
        return None
    return views.not_taken(turn.who, why, flow.state, draft)


def _edited_loose_text(turn: Turn, draft: ObservationDraft) -> str | None:
    """The new wording of the one loose text the "als melding?" question holds, edited: the
    question is about it alone (no photo, place or other message added). None otherwise, or
    when the edit cannot be a melding (no words, too long)."""
    message = turn.update.edited_message
    if message is None or message.text is None or draft.photo or draft.location:
        return None
    if draft.loose_ids != (message.message_id,):
        return None
    text = clean_input(message.text).strip()
    if not has_words(text) or len(text) > turn.services.config.general.text_limit:
        return None
    return text


def _retake(turn: Turn, flow: Flow, draft: ObservationDraft, why: str) -> ObservationDraft | None:
    """An edit of the loose text asked about: the question is about its new wording. Sending
    it as a new message would add it under the old one (`_ask_again`), a melding with both."""
    if flow.state != FILE_ASK or why != EDITED:
        return None
    text = _edited_loose_text(turn, draft)
    return None if text is None or text == draft.text else replace(draft, text=text)


def _unsent(turn: Turn, flow: Flow, draft: ObservationDraft, anew: bool) -> str | None:
    """Left halfway with something sent in it (a text, a photo, a place): not sent, and how to
    send it after all; above a new melding, that the one before was not sent. A loose message
    only asked about ("als melding?") is no melding yet."""
    if flow.state == FILE_ASK or not (draft.text or draft.photo or draft.location):
        return None
    return turn.who.t("observations.not_sent_anew" if anew else "observations.not_sent")


# --- the steps: loose messages -------------------------------------------------------------------


async def _file_it(turn: Turn, flow: Flow, draft: ObservationDraft, answer: str) -> None:
    if answer == "n":
        await turn.answer()
        await flows.end(turn.context)
        markup = keyboard([menu_button(turn.who)])
        await turn.reply(turn.who.t("observations.file_no_done"), markup, edit=True)
        return
    kept = ObservationDraft(
        text=draft.text,
        photo=draft.photo,
        location=draft.location,
        location_asked=draft.location_asked,
    )
    await start_observation(turn, kept, edit=True)


# Loose messages this close after each other are one burst: "Er ligt glas op het fietspad",
# then "bij de Amstelveenseweg". Later, a message is something new.
JOIN_WITHIN = timedelta(minutes=10)


async def _ask_again(turn: Turn, flow: Flow, draft: ObservationDraft, newest: Any) -> None:
    """Another loose message while we ask about the first. Soon after it, it is added to what
    we ask about (a text under the text, a photo or a place it lacks), and the question shows
    the whole; later, or what cannot be added, is asked about alone. "Bedankt" or "ok" is no
    text to add: the question comes again. A message it holds already, delivered again (the
    bot died before Telegram heard it was handled, perhaps after the question was stored), is
    what it stored: the question as it stands, nothing added. An option of the poll on screen
    is a vote typed instead of pressed, as outside a flow: that poll again (the routes'
    `option_typed`), the question left as it is."""
    message = turn.update.effective_message
    if message is not None and message.message_id in draft.loose_ids:
        await show(turn, flow, draft, Reply(edit=False))
        return
    typed = turn.context.routes.option_typed if isinstance(newest, str) else None
    if typed is not None and await typed(turn.update, turn.context, turn.who):
        return
    if isinstance(newest, str) and small_talk.kind_of(newest) is not None:
        await show(turn, flow, draft, Reply(edit=False, note=turn.who.t("common.use_buttons")))
        return
    await ask_file(turn, _joined(turn, draft, newest) or _loose_draft(newest))


def _joined(turn: Turn, draft: ObservationDraft, newest: Any) -> ObservationDraft | None:
    """`draft` with the newest loose message added, in the order they came; None when it came
    too long after, it would replace a photo or place, or the text would be too long."""
    now = turn.services.clock.now().timestamp()
    if draft.loose_at is None or now - draft.loose_at > JOIN_WITHIN.total_seconds():
        return None
    if isinstance(newest, PhotoIn):
        if draft.photo:
            return None
        caption = newest.caption if has_words(newest.caption) else None
        added = replace(draft, photo=newest.file_id, text=_under(draft.text, caption))
    elif isinstance(newest, tuple):
        if draft.location:
            return None
        added = replace(draft, location=newest, location_asked=True)
    else:
        added = replace(draft, text=_under(draft.text, str(newest)))
    if added.text and text_problem(turn, added.text):
        return None
    return replace(added, joined=True)


def _under(text: str | None, more: str | None) -> str | None:
    return "\n".join(part for part in (text, more) if part) or None


def _loose_draft(raw: Any) -> ObservationDraft:
    if isinstance(raw, PhotoIn):
        return ObservationDraft(photo=raw.file_id, text=raw.caption or None)
    if isinstance(raw, tuple):
        return ObservationDraft(location=raw, location_asked=True)
    return ObservationDraft(text=str(raw))


# --- the steps: the parts of the draft -----------------------------------------------------------


def _onward(draft: ObservationDraft, value: Any) -> str:
    return draft.missing()


def _wijk(turn: Turn, draft: ObservationDraft, pressed: ObservationStep) -> int:
    wijk_id = number(pressed.value)
    assert turn.who.actor is not None
    allowed = {w.id for w in send_wijken(turn.services, turn.who.actor)}
    if wijk_id not in allowed:
        raise BadCallback("not a wijk of this person")
    return wijk_id


def _text(turn: Turn, draft: ObservationDraft, text: str) -> str:
    problem = text_problem(turn, text)
    if problem:
        raise Invalid(problem)
    return text.strip()


def _photo(turn: Turn, draft: ObservationDraft, photo: PhotoIn) -> PhotoIn:
    if not photo.caption:
        return photo
    if not draft.text:  # the caption is the text
        problem = text_problem(turn, photo.caption)
        return replace(photo, problem=problem, text=None if problem else photo.caption)
    # A photo added to a text typed before ("Tekst of foto"): a caption such as "Kijk maar" is
    # about the photo, so it goes under the text; the text is never thrown away for it.
    if not has_words(photo.caption) or photo.caption in draft.text:
        return photo  # nothing to add: only the photo
    added = f"{draft.text}\n{photo.caption}"
    problem = text_problem(turn, added)
    return replace(photo, problem=problem, text=None if problem else added, added=not problem)


def _with_photo(draft: ObservationDraft, photo: PhotoIn) -> ObservationDraft:
    # Without a usable caption the text stays as it was: changing only the photo.
    return replace(draft, photo=photo.file_id, text=photo.text or draft.text)


def _after_photo(draft: ObservationDraft, photo: PhotoIn) -> str:
    return TEXT if photo.problem else draft.missing()


def _photo_note(turn: Turn, photo: PhotoIn) -> str | None:
    # A problem: only the caption must go (the photo is kept). Added: say where the caption went.
    return turn.who.t("observations.caption_added") if photo.added else photo.problem


def _text_again(turn: Turn, draft: ObservationDraft, text: str) -> str:
    """A text typed at the step right after the text (the kind): the new text replaces it, as
    the advice after an edit says ("Stuur de nieuwe tekst als nieuw bericht"). "ok" or
    "bedankt", "?" or "👍" is no new text: the melding keeps its own. While changing the kind
    from the summary, a text is no answer: buttons are."""
    if draft.swot is not None:
        raise Invalid(turn.who.t("common.use_buttons"))
    if has_words(text) and small_talk.kind_of(text) is not None:
        raise Invalid(turn.who.t("observations.text_kept"))
    problem = text_problem(turn, text)
    no_text = (turn.who.t("observations.empty_text"), turn.who.t("observations.no_words"))
    if problem in no_text and draft.text:
        # "?" or "👍" from someone unsure: no new text ("Typ in een paar woorden" would ask for
        # the melding again, as if it were gone). The rest of a long text is "te lang" above.
        raise Invalid(turn.who.t("observations.text_kept"))
    if problem:
        raise Invalid(problem)
    return text.strip()


def _text_replaced(turn: Turn, text: str) -> str | None:
    return turn.who.t("observations.text_replaced")


@dataclass(frozen=True)
class EarlyText:
    """A text typed at "Over welke wijk gaat je melding?", before the wijk is chosen."""

    text: str
    replaces: bool  # the draft had a text already (a loose one, or one typed here before)


def _text_before_wijk(turn: Turn, draft: ObservationDraft, text: str) -> EarlyText:
    """A partner for several wijken who types the melding before choosing the wijk: the text
    is kept, and after the wijk the flow goes on with it. A new text replaces one typed
    before, as right after the text. "ok" or "bedankt" is no text; while changing the wijk
    from the summary, a text is no answer: buttons are."""
    if draft.swot is not None:
        raise Invalid(turn.who.t("common.use_buttons"))
    if has_words(text) and small_talk.kind_of(text) is not None:
        key = "observations.text_kept" if draft.text else "common.use_buttons"
        raise Invalid(turn.who.t(key))
    return EarlyText(_text(turn, draft, text), replaces=bool(draft.text))


def _early_text_note(turn: Turn, early: EarlyText) -> str | None:
    key = "observations.text_replaced" if early.replaces else "observations.text_saved"
    return turn.who.t(key)


@dataclass(frozen=True)
class EarlyPhoto:
    """A photo sent at a question of buttons, kept with the draft: before the wijk is chosen
    (`_photo_before_wijk`), or after the text (`_photo_after_text`)."""

    photo: PhotoIn
    replaces: bool  # the draft had a photo already (a loose one, or one sent here before)


def _photo_before_wijk(turn: Turn, draft: ObservationDraft, photo: PhotoIn) -> EarlyPhoto:
    """A partner for several wijken who sends the photo before choosing the wijk: it is kept
    as at the text step (its caption the text, or under a text typed before), and after the
    wijk the flow goes on with it. While changing the wijk from the summary, a photo is no
    answer: buttons are."""
    if draft.swot is not None:
        raise Invalid(turn.who.t("observations.photo_not_now"))
    return EarlyPhoto(_photo(turn, draft, photo), replaces=bool(draft.photo))


def _photo_after_text(turn: Turn, draft: ObservationDraft, photo: PhotoIn) -> EarlyPhoto:
    """A photo sent after the text, at a question of buttons (the kind, the theme, the place,
    the name): text first and the photo next is how people send them. It is kept as at the
    text step (a caption under the text), and the same question is asked again."""
    return EarlyPhoto(_photo(turn, draft, photo), replaces=bool(draft.photo))


def _early_photo_note(turn: Turn, early: EarlyPhoto) -> str | None:
    if early.photo.added:
        return turn.who.t("observations.caption_added")
    key = "observations.photo_replaced" if early.replaces else "observations.photo_saved"
    return "\n".join(part for part in (turn.who.t(key), early.photo.problem) if part)


def _remove_photo(turn: Turn, draft: ObservationDraft, pressed: ObservationStep) -> None:
    if not draft.photo:
        raise BadCallback("no photo")


def _swot(turn: Turn, draft: ObservationDraft, pressed: ObservationStep) -> str:
    if pressed.value not in SWOT_CODES:
        raise BadCallback("swot")
    return SWOT_CODES[pressed.value].value


def _theme(turn: Turn, draft: ObservationDraft, pressed: ObservationStep) -> str | None:
    if pressed.value == NO_THEME:
        return None
    if turn.services.config.theme(pressed.value) is None:
        raise BadCallback("theme")
    return pressed.value


def _share(turn: Turn, draft: ObservationDraft, pressed: ObservationStep) -> bool:
    if pressed.value == "y" and not views.share_name(turn.who):
        raise BadCallback("no name to share")
    return pressed.value == "y"


def _located(draft: ObservationDraft, where: tuple[float, float]) -> ObservationDraft:
    return replace(draft, location=where, location_asked=True)


def _part(turn: Turn, draft: ObservationDraft, pressed: ObservationStep) -> str:
    if pressed.value == "wijk" and not draft.several_wijken:
        raise BadCallback("one wijk only")
    return CHANGE_PARTS[pressed.value]


def _back(turn: Turn, draft: ObservationDraft, pressed: ObservationStep) -> None:
    if not draft.complete:
        raise BadCallback("nothing to go back to")


def _said(key: str) -> Any:
    return lambda turn, value: turn.who.t(key)


# --- the steps: sending --------------------------------------------------------------------------


async def _send(turn: Turn, flow: Flow, draft: ObservationDraft, value: Any) -> None:
    """Store the draft. The confirmation comes only after the commit; on failure the draft stays."""
    problem = text_problem(turn, draft.text)
    if problem:  # the limit may have changed since the text was typed
        flow = await flows.move(turn.context, TEXT)
        await show(turn, flow, draft, Reply(edit=True, note=problem))
        return
    # An urgent text is filed as its own melding, so that the wijk's coaches are told now.
    ask_same = not draft.same_asked and urgent.kind_of(turn, draft.text) is None
    if ask_same and await _ask_same(turn, draft):
        return  # "Dit is al gemeld": their answer stores it (_supported, or here again)
    try:
        reference = _store(turn, draft, flow.key)
    except SQLAlchemyError:
        _log.exception("could not store an observation")
        await show(turn, flow, draft, Reply(edit=True, note=turn.who.t("errors.db_failed")))
        return
    await flows.end(turn.context)
    await turn.answer()
    saved = await urgent.filed(turn, views.saved(turn.who, reference), flow.key, draft.text)
    # The wijkspiegel's matching statement to react to, when there is one, at the end.
    saved = spiegel_recognised.confirmation(turn, draft, saved)
    await turn.reply(*saved, edit=True)


async def _sent_before(turn: Turn, pressed: FlowButton) -> bool:
    """Versturen (or the answer to "Dit is al gemeld") of a run that has ended: the number of
    what it stored, if it stored anything."""
    if pressed.step not in ("c", SAME_STEP) or turn.who.actor is None:
        return False
    with turn.services.db.session() as session:
        key = flows.request_key(FLOW, pressed.nonce)
        stored = filing.by_request_key(session, turn.who.actor.id, key)
        supported = None
        if stored is None and pressed.step == SAME_STEP:
            supported = same_matter.by_request_key(session, turn.who.actor.id, key)
    if supported is not None:
        await turn.answer()
        reference = f"M-{supported.observation_id}"
        await turn.reply(*views.supported(turn.who, reference), edit=True)
        return True
    if stored is None:
        return False
    await turn.answer()
    saved = await urgent.filed(turn, views.saved(turn.who, stored.reference), key)
    await turn.reply(*saved, edit=True)
    return True


# --- the steps: "Dit is al gemeld" ---------------------------------------------------------------

SAME_STEP = "m"  # ob:<nonce>:m:<y|n>


async def _ask_same(turn: Turn, draft: ObservationDraft) -> bool:
    """At Versturen, the first time: is there an open observation in the wijk about the same
    matter? Then ask whether theirs is about it (True), else file as usual (False)."""
    services, who = turn.services, turn.who
    assert draft.wijk_id is not None and draft.text is not None and draft.swot is not None
    try:
        with services.db.session() as session:
            wijk = persons.wijk_by_id(session, draft.wijk_id)
            match = same_matter.closest_open(
                session,
                wijk_id=draft.wijk_id,
                text=draft.text,
                swot=draft.swot,
                now=services.clock.now(),
                exclude_person_id=who.actor.id if who.actor else None,
                wijk_name=wijk.name if wijk else "",
                vocabulary=vocabulary_or_shipped(services.config.digest.vocabulary),
            )
    except SQLAlchemyError:  # a question we cannot ask is no reason to lose the observation
        _log.exception("could not look for an observation about the same matter")
        return False
    if match is None:
        return False
    asked = replace(draft, same_asked=True, same_id=match.id)
    flow = await flows.move(turn.context, SAME, asked)
    await _show_same(turn, flow, asked, Reply(edit=True), match.text)
    return True


async def _show_same(
    turn: Turn, flow: Flow, draft: ObservationDraft, how: Reply, text: str | None = None
) -> None:
    assert draft.same_id is not None
    if text is None:
        with turn.services.db.session() as session:
            other = session.get(Observation, draft.same_id)
            text = other.text if other is not None else ""
    view_text, markup = views.same_question(turn.who, flow.nonce, f"M-{draft.same_id}", text)
    if how.note:
        view_text = f"{how.note}\n\n{view_text}"
    if how.edit:
        await turn.answer(how.toast)
    await turn.reply(view_text, markup, edit=how.edit)


async def _same_answered(turn: Turn, flow: Flow, draft: ObservationDraft, answer: str) -> None:
    """ "Ja, dat bedoel ik ook": a supporter of that observation; "Nee": filed as usual. Ja on
    one that closed since (hidden, withdrawn) files it as usual too."""
    if answer == "n" or draft.same_id is None:
        await _send(turn, flow, draft, None)
        return
    try:
        supported = _store_support(turn, draft, draft.same_id, flow.key)
    except SQLAlchemyError:
        _log.exception("could not store a supporter")
        await show(turn, flow, draft, Reply(edit=True, note=turn.who.t("errors.db_failed")))
        return
    if not supported:
        await _send(turn, flow, draft, None)
        return
    await flows.end(turn.context)
    await turn.answer()
    await turn.reply(*views.supported(turn.who, f"M-{draft.same_id}"), edit=True)


def _store_support(
    turn: Turn, draft: ObservationDraft, observation_id: int, request_key: str
) -> bool:
    """Store them as a supporter (committed); False when that observation cannot take one."""
    who, services = turn.who, turn.services
    assert draft.wijk_id is not None and draft.text is not None
    with services.db.session() as session:
        actor = load_actor(session, who.telegram_id)
        if actor is None:
            raise PermissionDenied()
        actor.require(Action.SEND_OBSERVATION, draft.wijk_id)
        other = session.get(Observation, observation_id)
        if other is None or other.wijk_id != draft.wijk_id:
            return False
        stored = same_matter.support(
            session,
            observation_id=observation_id,
            person=actor.person,
            text=draft.text,
            lang=who.lang,
            now=services.clock.now(),
            request_key=request_key,
        )
        return stored is not None


def _store(turn: Turn, draft: ObservationDraft, request_key: str) -> str:
    who, services = turn.who, turn.services
    assert draft.wijk_id is not None and draft.swot is not None and draft.text is not None
    wijk_id = draft.wijk_id
    with services.db.session() as session:
        # Roles are read again now: what was allowed when the flow began may not be any more.
        actor = load_actor(session, who.telegram_id)
        if actor is None or persons.wijk_by_id(session, wijk_id) is None:
            raise PermissionDenied()
        actor.require(Action.SEND_OBSERVATION, wijk_id)
        person = actor.person
        share = bool(draft.share_name) and bool(views.share_name(who))
        if share:
            person.display_name = views.share_name(who)
            session.add(person)
        lat, lon = draft.location or (None, None)
        observation = filing.create_observation(
            session,
            person=person,
            wijk_id=wijk_id,
            author_role=actor.author_role(wijk_id).value,
            swot=draft.swot,
            theme=draft.theme,
            text=draft.text,
            lang=who.lang,
            photo_file_id=draft.photo,
            lat=lat,
            lon=lon,
            share_name=share,
            now=services.clock.now(),
            # The same vocabulary the digest groups with, so the stored signature is used.
            vocabulary=vocabulary_or_shipped(services.config.digest.vocabulary),
            # The same press delivered again finds what the first one stored.
            request_key=request_key,
            urgent_kind=urgent.kind_of(turn, draft.text),
        )
        return observation.reference


# --- the table -----------------------------------------------------------------------------------

WHILE_ASKING = (WIJK, TEXT, SWOT, THEME, NAME, SUMMARY, CHANGE)  # a location may come any time
AFTER_TEXT = (SWOT, THEME, WHERE, NAME)  # questions of buttons: a photo sent then is kept
CHANGING = "changing"


def _ob(step: str, value: str | None = None) -> str:
    return button(Kind.OBSERVATION, step, value)


TABLE: FlowTable[Turn, ObservationDraft] = FlowTable(
    name=FLOW,
    states=STATES,
    load=ObservationDraft.from_json,
    steps=(
        Step(
            "Ja, als melding",
            (FILE_ASK,),
            button(Kind.FILE_TEXT, "y"),
            {WIJK: "several wijken", TEXT: "no text yet", SWOT: "the text is the draft"},
            act=lambda turn, flow, draft, pressed: _file_it(turn, flow, draft, "y"),
        ),
        Step(
            "Nee (nothing stored)",
            (FILE_ASK,),
            button(Kind.FILE_TEXT, "n"),
            END,
            act=lambda turn, flow, draft, pressed: _file_it(turn, flow, draft, "n"),
        ),
        # Soon after the first: added to it; later: asked about alone.
        Step(
            "another loose message (added; a poll's option, the poll again)",
            (FILE_ASK,),
            flow_table.TEXT,
            STAY,
            act=_ask_again,
        ),
        Step("another loose photo (added)", (FILE_ASK,), PHOTO, STAY, act=_ask_again),
        Step("another loose location (added)", (FILE_ASK,), LOCATION, STAY, act=_ask_again),
        Step(
            "a wijk",
            (WIJK,),
            _ob("w"),
            {TEXT: "", SWOT: "the text came first", SUMMARY: CHANGING},
            _wijk,
            lambda d, wijk_id: replace(d, wijk_id=wijk_id),
            _onward,
        ),
        Step(
            "a text before the wijk (kept)",
            (WIJK,),
            flow_table.TEXT,
            STAY,
            _text_before_wijk,
            lambda d, early: replace(d, text=early.text),
            note=_early_text_note,
        ),
        Step(
            "a photo before the wijk (kept)",
            (WIJK,),
            PHOTO,
            STAY,
            _photo_before_wijk,
            lambda d, early: _with_photo(d, early.photo),
            note=_early_photo_note,
        ),
        Step(
            "a text",
            (TEXT,),
            flow_table.TEXT,
            {SWOT: "", SUMMARY: CHANGING},
            _text,
            lambda d, text: replace(d, text=text),
            _onward,
        ),
        Step(
            "a text again (replaces it)",
            (SWOT,),
            flow_table.TEXT,
            STAY,
            _text_again,
            lambda d, text: replace(d, text=text),
            note=_text_replaced,
        ),
        Step(
            "a photo",
            (TEXT,),
            PHOTO,
            {
                SWOT: "with a caption",
                TEXT: "no caption, or too long",
                SUMMARY: "changing; a caption goes under the text",
            },
            _photo,
            _with_photo,
            _after_photo,
            note=_photo_note,
        ),
        Step(
            "a photo after the text (kept)",
            AFTER_TEXT,
            PHOTO,
            STAY,
            _photo_after_text,
            lambda d, early: _with_photo(d, early.photo),
            note=_early_photo_note,
        ),
        Step(
            "Foto weghalen",
            (TEXT,),
            _ob("p", "rm"),
            {SUMMARY: CHANGING, TEXT: "no text yet"},
            _remove_photo,
            lambda d, _: replace(d, photo=None),
            _onward,
            toast=_said("observations.photo_removed"),
        ),
        Step(
            "one of the four lay questions",
            (SWOT,),
            _ob("s"),
            {THEME: "", SUMMARY: CHANGING},
            _swot,
            lambda d, swot: replace(d, swot=swot),
            _onward,
        ),
        Step(
            "a theme / Weet ik niet",
            (THEME,),
            _ob("t"),
            {WHERE: "", NAME: "the location came already", SUMMARY: CHANGING},
            _theme,
            lambda d, theme: replace(d, theme=theme, theme_chosen=True),
            _onward,
        ),
        Step(
            "a location",
            (WHERE,),
            LOCATION,
            {NAME: "", SUMMARY: CHANGING},
            apply=_located,
            route=_onward,
        ),
        Step(
            "Overslaan",
            (WHERE,),
            _ob("l", "skip"),
            {NAME: "", SUMMARY: CHANGING},
            apply=lambda d, _: replace(d, location_asked=True),
            route=_onward,
        ),
        Step(
            "Plek weghalen",
            (WHERE,),
            _ob("l", "none"),
            {NAME: "", SUMMARY: CHANGING},
            apply=lambda d, _: replace(d, location=None, location_asked=True),
            route=_onward,
        ),
        Step(
            "my name / only my pseudonym",
            (NAME,),
            _ob("n"),
            SUMMARY,
            _share,
            lambda d, share: replace(d, share_name=share),
        ),
        Step(
            "a location sent early (kept)",
            WHILE_ASKING,
            LOCATION,
            STAY,
            apply=_located,
            note=_said("observations.location_saved"),
        ),
        Step(
            "Versturen",
            (SUMMARY,),
            _ob("c", "ok"),
            {
                END: "committed, then M-123",
                SAME: "an open one in the wijk is about the same matter",
                TEXT: "the text is now too long",
                STAY: "database error, told, draft kept",
            },
            act=_send,
        ),
        Step(
            "Ja, dat bedoel ik ook",
            (SAME,),
            _ob(SAME_STEP, "y"),
            {
                END: "stored as its supporter, or filed as new if it closed since",
                STAY: "database error, told, draft kept",
            },
            act=lambda turn, flow, draft, pressed: _same_answered(turn, flow, draft, "y"),
        ),
        Step(
            "Nee, het is iets anders",
            (SAME,),
            _ob(SAME_STEP, "n"),
            {
                END: "committed, then M-123",
                TEXT: "the text is now too long",
                STAY: "database error, told, draft kept",
            },
            act=lambda turn, flow, draft, pressed: _same_answered(turn, flow, draft, "n"),
        ),
        Step("Iets veranderen", (SUMMARY,), _ob("e", "menu"), CHANGE),
        *(
            Step(f"the part to change ({part})", (CHANGE,), _ob("e", part), state, _part)
            for part, state in CHANGE_PARTS.items()
        ),
        Step(
            "Terug naar het overzicht", (*PARTS, SUMMARY, CHANGE), _ob("e", "back"), SUMMARY, _back
        ),
    ),
    show=show,
    otherwise=_otherwise,
    ended=_sent_before,
    unsent=_unsent,
    not_taken=_not_taken,
    retake=_retake,
    entries=(
        Entry("loose text, photo or location outside a flow", FILE_ASK),
        Entry("Melding doen, /melding (several wijken)", WIJK),
        Entry("Melding doen, /melding", TEXT),
        Entry("/melding with words after it (the text)", SWOT),
    ),
)


# --- handlers ------------------------------------------------------------------------------------


async def text_in_flow(update: Update, context: WijkContext, who: Who, flow: Flow) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = clean_input(message.text)
    await flow_table.send(TABLE, Turn(update, context, who), flow_table.TEXT, text)


async def media_in_flow(update: Update, context: WijkContext, who: Who, flow: Flow) -> None:
    message = update.effective_message
    if message is None:
        return
    turn = Turn(update, context, who)
    if message.location is not None:
        where = (message.location.latitude, message.location.longitude)
        await flow_table.send(TABLE, turn, LOCATION, where)
        return
    photo = _largest_photo(message)
    if photo is not None:
        await flow_table.send(TABLE, turn, PHOTO, PhotoIn(photo, clean_input(message.caption)))


@private_handler()
async def observation_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """ob:<nonce>:<step>:<value>"""
    await flow_table.press(TABLE, Turn(update, context, who), payload(update, ObservationStep))


@private_handler()
async def file_pressed(update: Update, context: WijkContext, who: Who) -> None:
    """ft:<nonce>:<y|n>"""
    await flow_table.press(TABLE, Turn(update, context, who), payload(update, FileText))


async def loose_text(update: Update, context: WijkContext, who: Who) -> None:
    message = update.effective_message
    if message is None or message.text is None or not may_send(who):
        await reply(update, who.t("errors.not_understood"), keyboard([menu_button(who)]))
        return
    text = clean_input(message.text)
    word = asked_word(text)
    if word is not None:
        # "wat is een wijkspiegel?" asks what a word means (/uitleg): its line, with the menu.
        await show_menu(update, context, who, note=word_explained(who, word))
        return
    talk = small_talk.kind_of(text)
    if talk is not None:
        # "Bedankt!" after an answer is no observation: answered in kind, with the menu.
        await show_menu(update, context, who, note=who.t(f"observations.small_talk_{talk}"))
        return
    await ask_file(Turn(update, context, who), ObservationDraft(text=text))


async def loose_media(update: Update, context: WijkContext, who: Who) -> None:
    message = update.effective_message
    if message is None or not may_send(who):
        await reply(update, who.t("errors.not_understood"), keyboard([menu_button(who)]))
        return
    turn = Turn(update, context, who)
    if message.location is not None:
        where = (message.location.latitude, message.location.longitude)
        await ask_file(turn, _loose_draft(where))
        return
    photo = _largest_photo(message)
    if photo is None:
        await reply(update, who.t("errors.not_understood"), keyboard([menu_button(who)]))
        return
    await ask_file(turn, _loose_draft(PhotoIn(photo, clean_input(message.caption))))
