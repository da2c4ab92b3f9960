"""The coach's three message flows share one shape: type a text, see it, send it (or type again).

`coach_answer` (the coach answers an observation), `coach_hide` (the coach types a reason to hide
one) and `coach_reply` (the sender replies once to the answer) each get their table from
`message_table`: what differs is said by a `MessageFlow`, and what sending does by its `act`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.core.text import clean_input
from bot.observations.coach import Filter, Refused
from bot.telegram import flow_table, flows
from bot.telegram.callbacks import BadCallback, CoachDraft, Kind, ListBack
from bot.telegram.flow_table import END, STAY, TEXT, Ended, Entry, FlowTable, Invalid, Reply, Step
from bot.telegram.flows import Flow, JsonDraft
from handlers.coach import views
from handlers.common import Turn, said_again, too_long
from models import Observation

TYPING = "typing"
PREVIEW = "preview"


@dataclass(frozen=True)
class MessageDraft(JsonDraft):
    observation_id: int = 0
    text: str | None = None
    filter: str = Filter.OPEN.value  # the coach's list the card came from, for "Terug"
    page: int = 0

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        # The keys before the draft was typed.
        renamed = {"obs": "observation_id", "draft": "text", "f": "filter", "p": "page"}
        return {renamed.get(key, key): value for key, value in data.items()}

    @property
    def back(self) -> ListBack:
        return ListBack(Filter(self.filter), self.page)


Send = Callable[[Turn, Flow, MessageDraft, None], Awaitable[None]]


@dataclass(frozen=True)
class MessageFlow:
    """What one of the three flows says."""

    name: str
    prompt_key: str  # "type your text" (reference, limit)
    preview_key: str  # "this is what goes" (text)
    send: tuple[str, str]  # the send button's step and label key
    retype: str  # the "type again" button's step
    left_key: str  # left halfway with a text typed: not sent (reference)
    left_how_key: str  # and how to send it after all, said only while `may_still` holds
    # Whether this person may still do it to the draft's observation (their role, its status):
    # the way to send it after all is no advice to someone who can no longer follow it.
    may_still: Callable[[Turn, MessageDraft], bool]
    limit: Callable[[Turn], int]
    # For the diagram: how the flow starts, the send button, and what sending does.
    started_by: str
    send_label: str
    sent: str
    # Written for someone else (a coach's answer, a hide reason), not the writer's own words
    # (the author's reply): see FlowTable.for_others.
    for_others: bool = False

    def preview_markup(self, turn: Turn, draft: MessageDraft, nonce: int) -> InlineKeyboardMarkup:
        return views.preview_markup(
            turn.who,
            observation_id=draft.observation_id,
            nonce=nonce,
            send=self.send,
            retype=self.retype,
        )


def text_limit(turn: Turn) -> int:
    return turn.services.config.general.text_limit


def prompt(turn: Turn, spec: MessageFlow, observation_id: int, nonce: int) -> views.View:
    with turn.services.db.session() as session:
        obs = session.get(Observation, observation_id)
    reference = obs.reference if obs else f"M-{observation_id}"
    return views.prompt(turn.who, spec.prompt_key, reference, spec.limit(turn), nonce)


def message_table(
    spec: MessageFlow, send: Send, ended: Ended[Turn] | None = None
) -> FlowTable[Turn, MessageDraft]:
    def coach_button(step: str) -> str:
        return flow_table.button(Kind.COACH, step)

    return FlowTable(
        name=spec.name,
        for_others=spec.for_others,
        states=(TYPING, PREVIEW),
        load=MessageDraft.from_json,
        steps=(
            Step(
                "a text",
                (TYPING,),
                TEXT,
                PREVIEW,
                functools.partial(_typed, spec),
                lambda d, text: replace(d, text=text),
            ),
            # At the preview too: a person who spots a typo types the text again, and the new
            # text replaces the draft (what they would do in any chat).
            Step(
                "a text again",
                (PREVIEW,),
                TEXT,
                PREVIEW,
                functools.partial(_typed, spec),
                act=functools.partial(_retyped, spec),
            ),
            Step(
                "Opnieuw typen",
                (TYPING, PREVIEW),
                coach_button(spec.retype),
                TYPING,
                _same_observation,
                lambda d, _: replace(d, text=None),
            ),
            Step(
                spec.send_label,
                (PREVIEW,),
                coach_button(spec.send[0]),
                {END: spec.sent, STAY: "database error, the draft stays"},
                _ready,
                act=send,
            ),
        ),
        show=functools.partial(_show, spec),
        entries=(Entry(spec.started_by, TYPING),),
        ended=ended,
        unsent=functools.partial(_unsent, spec),
        not_taken=said_again,
    )


def _typed(spec: MessageFlow, turn: Turn, draft: MessageDraft, text: str) -> str:
    text = clean_input(text)
    long = too_long(turn, text, spec.limit(turn))  # or the rest of a long text Telegram split
    if long is not None:  # stay in the typing step: they shorten it and send it again
        raise Invalid(long)
    if not text:
        raise Invalid(turn.who.t("coach.empty_text"))
    return text


async def _retyped(
    spec: MessageFlow, turn: Turn, flow: Flow, draft: MessageDraft, text: str
) -> None:
    """The new preview is a new message: the run starts again (a new nonce) with the new text,
    so the old preview's Versturen, still on screen above, no longer sends what it does not show."""
    new = replace(draft, text=text)
    again = await flows.start(turn.context, flow.name, PREVIEW, new)
    await _show(spec, turn, again, new, Reply(edit=False))


async def _show(spec: MessageFlow, turn: Turn, flow: Flow, draft: MessageDraft, how: Reply) -> None:
    if flow.state == PREVIEW:
        text, markup = views.preview(
            turn.who,
            spec.preview_key,
            draft.text or "",
            observation_id=draft.observation_id,
            nonce=flow.nonce,
            send=spec.send,
            retype=spec.retype,
        )
        # A new text that cannot be used at the preview: why, above the draft that stays.
        view = (f"{how.note}\n\n{text}" if how.note is not None else text), markup
    else:
        text, markup = prompt(turn, spec, draft.observation_id, flow.nonce)
        view = (f"{how.note}\n\n{text}" if how.note is not None else text), markup
    if how.edit:
        await turn.answer(how.toast)
    await turn.reply(*view, edit=how.edit)


def _unsent(
    spec: MessageFlow, turn: Turn, flow: Flow, draft: MessageDraft, anew: bool
) -> str | None:
    """Left with a text typed (at the preview): it was not sent, and how to send it after all
    while this person still may (a coach whose role was taken back, or whose colleague answered
    meanwhile, hears only that it was not sent)."""
    if not draft.text:
        return None
    said = turn.who.t(spec.left_key, reference=f"M-{draft.observation_id}")
    if spec.may_still(turn, draft):
        said = f"{said} {turn.who.t(spec.left_how_key)}"
    return said


def _same_observation(turn: Turn, draft: MessageDraft, pressed: CoachDraft) -> None:
    if pressed.observation_id != draft.observation_id:
        raise BadCallback("flow button for another draft")


def _ready(turn: Turn, draft: MessageDraft, pressed: CoachDraft) -> None:
    _same_observation(turn, draft, pressed)
    if not draft.text:
        raise BadCallback("nothing to send")


async def not_sent(turn: Turn, refused: Refused, text: str) -> None:
    """Versturen refused (a colleague resolved or hid the observation meanwhile, ...): the flow
    ends, and the person reads why, with what they typed below it to copy. Nothing a person
    sends is lost silently."""
    await flows.end(turn.context)
    why = turn.who.t(refused.message_key, **refused.values)
    await turn.alert(views.snippet(why, 190))
    said, kept = views.not_sent(turn.who, why, text)
    await turn.reply(said, edit=True)
    await turn.reply(*kept)
