"""The "Nieuwe stemming" wizard: question, options, kind, audience, closing time, results, preview.

The `poll_wizard` flow, as one table (written through before every reply). Buttons are
pw:<nonce>:<step>:<value>; a button of an older wizard is stale. After each answer the wizard
asks the first thing not answered yet, or, once the preview was shown, goes back to it. Every
step is checked again on the server when the poll is stored (bot.polls.voting.validate_draft).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from telegram import Update
from telegram.error import TelegramError

from bot.context import WijkApplication, WijkContext
from bot.core.i18n import tn
from bot.core.text import utf16_len
from bot.people import persons
from bot.people.permissions import Action, PermissionDenied
from bot.polls import delivery, groups, voting
from bot.telegram import flow_table, flows
from bot.telegram.callbacks import (
    BadCallback,
    FlowButton,
    Kind,
    PollView,
    PollWizardStep,
    number,
)
from bot.telegram.flow_table import (
    END,
    STAY,
    TEXT,
    Entry,
    FlowTable,
    Invalid,
    Refused,
    Reply,
    Step,
)
from bot.telegram.flows import Flow, JsonDraft
from handlers.common import (
    EDITED,
    Turn,
    Who,
    button,
    esc,
    keyboard,
    menu_button,
    menu_keyboard,
    payload,
    private_handler,
    rest_of_split,
    said_again,
)
from handlers.polls import views
from models import Edition, Poll, PollAudience, PollKind, Role, SpiegelItem

FLOW = "poll_wizard"
CHOOSING_WIJK = "wijk"
QUESTION = "question"
OPTIONS = "options"
SPIEGEL = "spiegel"
KIND = "kind"
AUDIENCE = "audience"
CLOSES = "closes"
HIDE = "hide"
PREVIEW = "preview"
CHANGING = "changing"
STATES: tuple[str, ...] = (CHOOSING_WIJK, QUESTION, OPTIONS, SPIEGEL, KIND, AUDIENCE, CLOSES)
STATES += (HIDE, PREVIEW, CHANGING)

NATIVE_KINDS = (PollKind.SINGLE.value, PollKind.MULTIPLE.value)


@dataclass(frozen=True)
class WizardDraft(JsonDraft):
    wijk_id: int | None = None
    question: str | None = None
    options: tuple[str, ...] = ()
    picked: tuple[int, ...] = ()  # spiegel statements taken as options
    spiegel_page: int = 0
    kind: str | None = None  # a PollKind value
    audience: str | None = None  # a PollAudience value
    closes_at: str | None = None  # ISO 8601
    hide: bool | None = None  # hide the results until it closes
    editing: bool = False  # the preview was shown: every answer goes back to it

    @property
    def native(self) -> bool:
        """Posted in the group as Telegram's own poll, which shows its counts to voters."""
        return self.audience == PollAudience.GROUP.value and self.kind in NATIVE_KINDS

    def onward(self) -> WizardDraft:
        """After an answer: a native poll has nothing to hide; complete, it is being edited."""
        draft = replace(self, hide=False) if self.native and self.hide is None else self
        return replace(draft, editing=True) if draft.next_step() == PREVIEW else draft

    def next_step(self) -> str:
        if self.editing:
            return PREVIEW
        answered = {
            KIND: self.kind is not None,
            AUDIENCE: self.audience is not None,
            CLOSES: self.closes_at is not None,
            HIDE: self.hide is not None,
        }
        return next((step for step, done in answered.items() if not done), PREVIEW)


def can_create(who: Who) -> bool:
    return who.actor is not None and who.actor.can_anywhere(Action.CREATE_POLL)


def _creator_wijken(who: Who) -> list[int]:
    assert who.actor is not None
    wijken = who.actor.wijken_with(Role.BIG, Role.COACH, Role.ADMIN)
    return [w for w in wijken if who.actor.can(Action.CREATE_POLL, w)]


async def open_wizard(update: Update, context: WijkContext, who: Who) -> None:
    wijken = _creator_wijken(who)
    if not wijken:
        raise PermissionDenied()
    turn = Turn(update, context, who)
    if len(wijken) == 1 or who.wijk_id in wijken:
        wijk_id = who.wijk_id if who.wijk_id in wijken else wijken[0]
        draft = WizardDraft(wijk_id=wijk_id)
        flow = await flows.start(context, FLOW, QUESTION, draft)
    else:
        draft = WizardDraft()
        flow = await flows.start(context, FLOW, CHOOSING_WIJK, draft)
    await _show(turn, flow, draft, Reply(edit=False))


@private_handler()
async def new_poll_command(update: Update, context: WijkContext, who: Who) -> None:
    await open_wizard(update, context, who)


# --- showing a state -----------------------------------------------------------------------------


async def _show(turn: Turn, flow: Flow, draft: WizardDraft, how: Reply) -> None:
    who, nonce = turn.who, flow.nonce
    if how.note is not None and flow.state in (OPTIONS, SPIEGEL):
        # Keep "Klaar met antwoorden" at hand: 12 options is a reason to go on, not to stop.
        spiegel = _has_spiegel(turn, draft)
        text, markup = views.options(who, draft.options, nonce, how.note, spiegel=spiegel)
    else:
        # Why (a text that cannot be used, a sticker, an edit) above the step, with its buttons.
        text, markup = _view(turn, flow.state, draft, nonce)
        text = f"{how.note}\n\n{text}" if how.note is not None else text
    if how.edit:
        await turn.answer(how.toast)
    await turn.reply(text, markup, edit=how.edit)


def _view(turn: Turn, state: str, draft: WizardDraft, nonce: int) -> views.View:
    who, editing = turn.who, draft.editing
    if state == CHOOSING_WIJK:
        with turn.services.db.session() as session:
            named = [persons.wijk_by_id(session, w) for w in _creator_wijken(who)]
        return views.choose_wijk(who, [w for w in named if w is not None], nonce)
    if state == QUESTION:
        return views.question(who, nonce, editing=editing, wijk=_elsewhere(turn, draft))
    if state == OPTIONS:
        return views.options(who, draft.options, nonce, spiegel=_has_spiegel(turn, draft))
    if state == SPIEGEL:
        items, year = _spiegel(turn, draft)
        return views.spiegel(who, items, draft.spiegel_page, draft.picked, year, nonce)
    if state == AUDIENCE:
        with turn.services.db.session() as session:
            linked = groups.group_link_for(session, draft.wijk_id or 0) is not None
        return views.audience(who, nonce, editing=editing, group_linked=linked)
    if state == PREVIEW:
        return views.preview(who, _preview(turn, draft), nonce)
    if state == CHANGING:
        return views.changing(who, nonce, native=draft.native)
    ask = {KIND: views.kind, CLOSES: views.closes, HIDE: views.hide}[state]
    return ask(who, nonce, editing=editing)


def _elsewhere(turn: Turn, draft: WizardDraft) -> str | None:
    """The poll's wijk, when it is not the one the person's menu shows (a BIG role for
    another wijk than their own): said, so nobody thinks it is for their own."""
    if draft.wijk_id is None or draft.wijk_id == turn.who.wijk_id:
        return None
    with turn.services.db.session() as session:
        wijk = persons.wijk_by_id(session, draft.wijk_id)
    return wijk.name if wijk is not None else None


def _spiegel(turn: Turn, draft: WizardDraft) -> tuple[list[SpiegelItem], str]:
    """The wijk's current spiegel statements, and the year of their edition."""
    with turn.services.db.session() as session:
        items = voting.spiegel_items(session, draft.wijk_id or 0)
        edition = session.get(Edition, items[0].edition_id) if items else None
    return items, str(edition.year) if edition else ""


def _has_spiegel(turn: Turn, draft: WizardDraft) -> bool:
    """Whether the options step offers the wijk's spiegel statements: only when there are."""
    return bool(_spiegel(turn, draft)[0])


def _preview(turn: Turn, draft: WizardDraft) -> views.Preview:
    closes = datetime.fromisoformat(str(draft.closes_at))
    nobody_else_in, votes_self = None, False
    actor = turn.who.actor
    to_group = str(draft.audience) == PollAudience.GROUP.value  # the whole group gets it
    if not draft.native and not to_group and draft.wijk_id is not None and actor is not None:
        # Said before it is sent: the BIG (or wijk) has nobody else in it yet.
        wijk_id, audience = draft.wijk_id, str(draft.audience)
        with turn.services.db.session() as session:
            if voting.others_in_audience(session, wijk_id, audience, actor.id) == 0:
                wijk = persons.wijk_by_id(session, wijk_id)
                nobody_else_in = wijk.name if wijk is not None else ""
                votes_self = voting.in_audience_of(session, wijk_id, audience, actor.id)
    return views.Preview(
        question=str(draft.question),
        options=draft.options,
        kind=str(draft.kind),
        audience=str(draft.audience),
        closes=delivery.when(closes, turn.who.lang, turn.services),
        hide=bool(draft.hide),
        native=draft.native,
        nobody_else_in=nobody_else_in,
        votes_self=votes_self,
    )


def _not_taken(turn: Turn, flow: Flow, draft: WizardDraft, why: str) -> str | None:
    """A sticker, a voice message, a forward or an edit halfway: why, above the step shown
    again. After an edit, what changes it: a text where a text is asked, else the buttons."""
    if why != EDITED or flow.state in (CHOOSING_WIJK, QUESTION, CLOSES):
        return said_again(turn, flow, draft, why)
    hint = {
        OPTIONS: "polls.w_edited_options",
        SPIEGEL: "polls.w_edited_options",
        PREVIEW: "polls.w_edited_preview",
    }.get(flow.state, "polls.w_edited_later")
    said = [turn.who.t("common.edited_first")]
    if flow.state != CHANGING:  # that step asks what to change
        said.append(turn.who.t(hint))
    return "\n".join(said)


def _unsent(turn: Turn, flow: Flow, draft: WizardDraft, anew: bool) -> str | None:
    """Left with a question or an answer in it: the poll was not sent (a new one starts empty)."""
    if draft.question is None and not draft.options:
        return None
    return turn.who.t("polls.w_left_anew" if anew else "polls.w_left")


async def _otherwise(turn: Turn, flow: Flow, draft: WizardDraft, takes: str, raw: Any) -> None:
    """Text at a step of buttons only (the wijk, the kind, the audience, the results, the
    preview): say so, and show the step again with its buttons."""
    await _show(turn, flow, draft, Reply(edit=False, note=turn.who.t("common.use_buttons")))


def _check(turn: Turn, draft: WizardDraft, step: Step[Turn, WizardDraft]) -> None:
    """Before every button but the wijk's: someone whose role was taken away mid-wizard must
    not go on."""
    if step.takes == _pw("w"):
        return
    if draft.wijk_id is None:
        raise BadCallback("wizard without wijk")
    assert turn.who.actor is not None
    turn.who.actor.require(Action.CREATE_POLL, draft.wijk_id)


# --- the steps -----------------------------------------------------------------------------------


def _error(turn: Turn, err: voting.PollError) -> str:
    return turn.who.t(err.key, **err.values)


def _wijk(turn: Turn, draft: WizardDraft, pressed: PollWizardStep) -> int:
    wijk_id = number(pressed.value)
    assert turn.who.actor is not None
    turn.who.actor.require(Action.CREATE_POLL, wijk_id)
    return wijk_id


def _typed(turn: Turn, text: str, clean: Callable[[str], str], too_long: str, limit: int) -> str:
    """The question or an answer as `clean` makes it, or Invalid with why not. First: the rest
    of a long text Telegram split (rest_of_split) may be anything; it is too long as well, said
    as for a part alone (`too_long`), with the length of all of it."""
    try:
        cleaned, error = clean(text), None
    except voting.PollError as err:
        cleaned, error = "", err
    # Counted as the poll's limits are: in UTF-16 units, as Telegram counts them.
    long = error is not None and error.key == too_long
    whole = rest_of_split(turn, text, long=long, measure=utf16_len)
    if whole is not None:
        raise Invalid(turn.who.t(too_long, length=whole, limit=limit))
    if error is not None:
        raise Invalid(_error(turn, error))
    return cleaned


def _question(turn: Turn, draft: WizardDraft, text: str) -> str:
    question = voting.clean_question
    return _typed(turn, text, question, "polls.err_question_long", voting.MAX_QUESTION)


def _option(turn: Turn, draft: WizardDraft, text: str) -> str:
    existing = list(draft.options)

    def clean(typed: str) -> str:
        return voting.clean_option(typed, existing)

    return _typed(turn, text, clean, "polls.err_option_long", voting.MAX_OPTION)


def _spiegel_page(turn: Turn, draft: WizardDraft, pressed: PollWizardStep) -> int:
    items, _ = _spiegel(turn, draft)
    if not items:
        raise Invalid(turn.who.t("polls.w_spiegel_empty"))
    pages = max(1, -(-len(items) // views.SPIEGEL_PAGE))
    return number(pressed.value) % pages


@dataclass(frozen=True)
class _Pick:
    option: str
    item_id: int
    page: int  # the page of the spiegel it is on


def _pick(turn: Turn, draft: WizardDraft, pressed: PollWizardStep) -> _Pick:
    item_id = number(pressed.value)
    items, _ = _spiegel(turn, draft)
    ids = [i.id for i in items]
    if item_id not in ids:
        raise BadCallback("not an item of this wijk's current spiegel")
    item = items[ids.index(item_id)]
    try:
        option = voting.clean_option(voting.shorten(item.text), list(draft.options))
    except voting.PollError as err:
        raise Refused(_error(turn, err)) from None
    return _Pick(option, item_id, ids.index(item_id) // views.SPIEGEL_PAGE)


def _picked(draft: WizardDraft, pick: _Pick) -> WizardDraft:
    options, picked = (*draft.options, pick.option), (*draft.picked, pick.item_id)
    return replace(draft, options=options, picked=picked, spiegel_page=pick.page)


def _last_option(turn: Turn, draft: WizardDraft, pressed: PollWizardStep) -> str | None:
    return draft.options[-1] if draft.options else None


def _options_done(turn: Turn, draft: WizardDraft, pressed: PollWizardStep) -> None:
    if len(draft.options) < voting.MIN_OPTIONS:
        raise Refused(turn.who.t("polls.err_need_two", low=voting.MIN_OPTIONS))


def _kind(turn: Turn, draft: WizardDraft, pressed: PollWizardStep) -> str:
    if pressed.value not in {k.value for k in PollKind}:
        raise BadCallback("kind")
    return pressed.value


def _audience(turn: Turn, draft: WizardDraft, pressed: PollWizardStep) -> str:
    if pressed.value not in {a.value for a in PollAudience}:
        raise BadCallback("audience")
    if pressed.value == PollAudience.GROUP.value:
        with turn.services.db.session() as session:
            if groups.group_link_for(session, draft.wijk_id or 0) is None:
                raise Refused(turn.who.t("polls.err_no_group"))
    return pressed.value


def _preset(turn: Turn, draft: WizardDraft, pressed: PollWizardStep) -> str:
    days = number(pressed.value)
    if days not in voting.CLOSING_PRESETS_DAYS:
        raise BadCallback("preset")
    return (turn.services.clock.now() + timedelta(days=days)).isoformat()


def _typed_date(turn: Turn, draft: WizardDraft, text: str) -> str:
    services = turn.services
    try:
        return voting.parse_closing(text, services.clock.now(), services.tz).isoformat()
    except voting.PollError as err:
        raise Invalid(_error(turn, err)) from None


def _hide(turn: Turn, draft: WizardDraft, pressed: PollWizardStep) -> bool:
    return number(pressed.value) == 1


def _previewable(turn: Turn, draft: WizardDraft, pressed: PollWizardStep) -> None:
    if not draft.editing:
        raise BadCallback("no preview yet")


def _onward(draft: WizardDraft, value: Any) -> str:
    return draft.next_step()


def _pw(step: str, value: str | None = None) -> str:
    return flow_table.button(Kind.POLL_WIZARD, step, value)


def _said(key: str, field: str) -> Any:
    def say(turn: Turn, value: Any) -> str | None:
        return turn.who.t(key, **{field: esc(value)}) if value is not None else None

    return say


def _app(turn: Turn) -> WijkApplication:
    return cast(WijkApplication, turn.context.application)


# --- storing and sending -------------------------------------------------------------------------


def draft_from(draft: WizardDraft) -> voting.PollDraft:
    if draft.wijk_id is None or draft.question is None:
        raise voting.PollError("polls.err_incomplete")
    try:
        return voting.PollDraft(
            wijk_id=draft.wijk_id,
            question=draft.question,
            options=list(draft.options),
            kind=str(draft.kind),
            audience=str(draft.audience),
            closes_at=datetime.fromisoformat(str(draft.closes_at)),
            hide_results=bool(draft.hide),
        )
    except (KeyError, TypeError, ValueError):
        raise voting.PollError("polls.err_incomplete") from None


async def _send(turn: Turn, flow: Flow, draft: WizardDraft, value: Any) -> None:
    who, services = turn.who, turn.services
    assert who.actor is not None
    try:
        with services.db.session() as session:
            poll = voting.create_poll(
                session,
                who.actor,
                draft_from(draft),
                services.clock.now(),
                # The same press delivered again finds the poll the first one stored.
                request_key=flow.key,
            )
    except voting.PollError as err:
        await turn.alert(_error(turn, err))
        return
    except PermissionDenied:
        raise
    except Exception:
        # Nothing is lost: the draft stays in the flow and Versturen can be pressed again.
        await turn.answer()
        await turn.reply(who.t("polls.err_save"), views.retry_send(who, flow.nonce))
        raise
    assert poll.id is not None
    await turn.answer()
    # A poll this run stored before the bot died may be in the group already: not posted twice.
    group = poll.audience == PollAudience.GROUP.value
    if group and poll.group_message_id is None and not await _post_in_group(turn, flow, poll.id):
        return
    await flows.end(turn.context)
    await _show_sent(turn, poll)


async def _post_in_group(turn: Turn, flow: Flow, poll_id: int) -> bool:
    who, services = turn.who, turn.services
    try:
        await delivery.post_in_group(_app(turn), poll_id)
    except TelegramError:
        with services.db.session() as session:
            voting.delete_unsent_poll(session, poll_id)
        markup = views.retry_send(who, flow.nonce, change=True)
        await turn.reply(who.t("polls.err_group_send"), markup)
        return False
    return True


async def _show_sent(turn: Turn, poll: Poll) -> None:
    """Where the stored poll went; a private one's broadcast starts (or goes on) here."""
    who, services = turn.who, turn.services
    assert poll.id is not None
    group = poll.audience == PollAudience.GROUP.value
    with services.db.session() as session:
        link = groups.group_link_for(session, poll.wijk_id) if group else None
        count = 0 if group else sum(voting.delivery_counts(session, poll.id).values())
    if group:
        title = esc(link.title if link else "")
        await turn.reply(who.t("polls.saved_group", group=title), menu_keyboard(who), edit=True)
        return
    if count == 0:
        # Nobody else to send it to (the preview said so): they can vote themselves, if theirs.
        assert who.actor is not None
        with services.db.session() as session:
            votes_self = voting.may_vote(session, who.actor, poll)
        if not votes_self:
            await turn.reply(who.t("polls.saved_nobody"), menu_keyboard(who), edit=True)
            return
        text = f"{who.t('polls.saved_nobody')} {who.t('polls.saved_nobody_self')}"
        vote = button(who.t("polls.btn_vote_self"), PollView(poll.id, "show"))
        await turn.reply(text, keyboard([vote], [menu_button(who)]), edit=True)
        return
    await turn.reply(tn(who.lang, "polls.saved_private", count), menu_keyboard(who), edit=True)
    delivery.start_broadcast(_app(turn), poll.id, who.telegram_id)


async def _sent_before(turn: Turn, pressed: FlowButton) -> bool:
    """Versturen of a run that has ended: where the poll it stored went, if it stored one."""
    if pressed.step != "ok" or turn.who.actor is None:
        return False
    with turn.services.db.session() as session:
        key = flows.request_key(FLOW, pressed.nonce)
        poll = voting.poll_by_request_key(session, turn.who.actor.id, key)
    if poll is None:
        return False
    await turn.answer()
    await _show_sent(turn, poll)
    return True


# --- the table -----------------------------------------------------------------------------------

EDITING = "once the preview was shown"
OPTION_STATES = (OPTIONS, SPIEGEL)  # the spiegel's message is a page of options to pick from


def _answer(field: str) -> Any:
    return lambda draft, value: replace(draft, **{field: value}).onward()


TABLE: FlowTable[Turn, WizardDraft] = FlowTable(
    name=FLOW,
    for_others=True,
    states=STATES,
    load=WizardDraft.from_json,
    steps=(
        Step(
            "a wijk",
            (CHOOSING_WIJK,),
            _pw("w"),
            QUESTION,
            _wijk,
            lambda d, wijk_id: replace(d, wijk_id=wijk_id),
        ),
        Step(
            "the question, at most 300 characters",
            (QUESTION,),
            TEXT,
            {OPTIONS: "", PREVIEW: EDITING},
            _question,
            lambda d, q: replace(d, question=q),
            lambda d, q: PREVIEW if d.editing else OPTIONS,
        ),
        Step(
            "an option typed, at most 100 characters",
            OPTION_STATES,
            TEXT,
            OPTIONS,
            _option,
            lambda d, option: replace(d, options=(*d.options, option)),
            note=_said("polls.w_option_added", "option"),
        ),
        Step(
            "Laatste antwoord weghalen",
            OPTION_STATES,
            _pw("ou"),
            OPTIONS,
            _last_option,
            lambda d, last: replace(d, options=d.options[:-1]),
            note=_said("polls.w_option_removed", "option"),
        ),
        Step(
            "Uit de wijkspiegel kiezen / Meer",
            OPTION_STATES,
            _pw("sp"),
            SPIEGEL,
            _spiegel_page,
            lambda d, page: replace(d, spiegel_page=page),
        ),
        Step(
            "a statement",
            OPTION_STATES,
            _pw("pi"),
            SPIEGEL,
            _pick,
            _picked,
            toast=lambda turn, pick: turn.who.t("polls.w_option_added", option=pick.option),
        ),
        Step("Terug naar de antwoorden", OPTION_STATES, _pw("ob"), OPTIONS),
        Step(
            "Klaar met antwoorden, with 2 to 12",
            OPTION_STATES,
            _pw("od"),
            {KIND: "", PREVIEW: EDITING},
            _options_done,
            lambda d, _: d.onward(),
            _onward,
        ),
        Step(
            "a kind",
            (KIND,),
            _pw("k"),
            {AUDIENCE: "", PREVIEW: EDITING},
            _kind,
            _answer("kind"),
            _onward,
        ),
        Step(
            "an audience",
            (AUDIENCE,),
            _pw("a"),
            {CLOSES: "", PREVIEW: EDITING},
            _audience,
            _answer("audience"),
            _onward,
        ),
        Step(
            "a preset",
            (CLOSES,),
            _pw("c"),
            {HIDE: "", PREVIEW: "a native group poll hides nothing, or the preview was shown"},
            _preset,
            _answer("closes_at"),
            _onward,
        ),
        Step(
            "a typed date",
            (CLOSES,),
            TEXT,
            {HIDE: "", PREVIEW: "a native group poll hides nothing, or the preview was shown"},
            _typed_date,
            _answer("closes_at"),
            _onward,
        ),
        Step("hide or show results", (HIDE,), _pw("h"), PREVIEW, _hide, _answer("hide")),
        Step(
            "Terug naar het voorbeeld",
            STATES[1:],
            _pw("p"),
            PREVIEW,
            _previewable,
        ),
        Step("Iets veranderen", (PREVIEW,), _pw("ch"), CHANGING),
        *(
            Step(f"the part to change ({field})", (CHANGING,), _pw("e", field), state)
            for field, state in {
                "question": QUESTION,
                "options": OPTIONS,
                "kind": KIND,
                "audience": AUDIENCE,
                "closes": CLOSES,
                "hide": HIDE,
            }.items()
        ),
        Step(
            "Versturen",
            (PREVIEW,),
            _pw("ok"),
            {
                END: "stored; broadcast or group post",
                STAY: "not stored or not in the group; Versturen again, or Iets veranderen",
            },
            act=_send,
        ),
    ),
    show=_show,
    otherwise=_otherwise,
    check=_check,
    ended=_sent_before,
    unsent=_unsent,
    not_taken=_not_taken,
    entries=(
        Entry("Nieuwe stemming (several wijken)", CHOOSING_WIJK),
        Entry("Nieuwe stemming", QUESTION),
    ),
)


# --- handlers ------------------------------------------------------------------------------------


async def typed(update: Update, context: WijkContext, who: Who, flow: Flow) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    await flow_table.send(TABLE, Turn(update, context, who), TEXT, message.text)


@private_handler()
async def pressed(update: Update, context: WijkContext, who: Who) -> None:
    """pw:<nonce>:<step>:<value>"""
    await flow_table.press(TABLE, Turn(update, context, who), payload(update, PollWizardStep))
