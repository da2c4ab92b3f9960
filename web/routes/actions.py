"""What a coach does to observations on the desk: the forms of /m/{id} and the inbox's bulk form.

- POST /m/{id}/status: to a status the workflow allows from where it stands (the form names
  the status it was shown with: anything else now is "changed meanwhile"); referred needs the
  partner, duplicate the observation it repeats ("M-12" or "12", same wijk), hidden a reason.
- POST /m/{id}/answer: the coach's text (a template filled in, perhaps edited) with the form's
  own token as its key: the same form sent twice stores one answer.
- POST /m/{id}/notes: an internal note for the wijk's coaches.
- POST /bulk: the inbox's ticked observations (each checked for its own wijk) marked read, set
  to a status, or answered with a template; a summary of what was done and what was skipped.
  A choice that cannot be done at all (nothing ticked, no action, no partner, reason or
  observation it repeats, no template) is refused once, before any row is touched: the same
  inbox view with the same ticks, action and fields, and one message.

Every change goes through bot/observations (workflow, answer_templates, notes), which check
HANDLE_OBSERVATIONS for each observation's own wijk. Whoever should hear of a change hears of it
from the background sender (`services.desk_notices.wake()`, bot/observations/notice_delivery.py):
the page returns at once, also for a hundred. The bulk form's changes run in a worker thread (a
hundred commits, 0.3-1 s): the bot's event loop, which also serves every other page and every
update, goes on meanwhile (bench/desk_bulk.py). After a change: a redirect (303) back with a
short message (web/flash.py); after a refusal: the same page with the message and what was typed.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from urllib.parse import parse_qs

import anyio
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.core.i18n import t
from bot.desk.inbox import InboxFilter
from bot.observations import answer_templates, notes, workflow
from bot.observations.coach import Refused
from bot.people.permissions import PermissionDenied
from models import Observation, ObservationEvent
from models import ObservationStatus as S
from web.auth import Coach, Refusal, current_coach, desk, other_wijk
from web.flash import flash
from web.ids import number_beyond_ids, parse_id, parse_reference
from web.kept import typed_in
from web.render import status_label
from web.routes.inbox import BULK_STATUSES, BulkChoice, show_inbox
from web.routes.observation import _observation_id, show

BULK_MAX = 200
ANSWER = "answer"
_NOT_FOUND = ("coach.unknown", "coach.withdrawn")


def refusal_text(lang: str, refused: Refused | PermissionDenied) -> str:
    if isinstance(refused, Refused):
        return t(lang, refused.message_key, **refused.values)
    return t(lang, refused.message_key)


async def _form(request: Request, *names: str) -> dict[str, str]:
    async with request.form(max_files=0) as form:
        return {name: str(form.get(name) or "") for name in names}


def _refused_page(
    request: Request, coach: Coach, observation_id: int, refused: Exception, form: dict[str, str]
) -> Response:
    if isinstance(refused, PermissionDenied):
        raise other_wijk(coach, "desk.other_wijk_observation") from None
    assert isinstance(refused, Refused)
    if refused.message_key in _NOT_FOUND:
        # Gone meanwhile (withdrawn by its sender): what was typed comes back to copy.
        raise Refusal(
            refused.message_key,
            lang=coach.lang,
            status=404,
            coach=True,
            help_key=None,
            typed=typed_in(form),
        ) from None
    status = 409 if refused.message_key == "workflow.changed" else 400
    text = refusal_text(coach.lang, refused)
    return show(request, coach, observation_id, status=status, form=form, problem=text)


def _duplicate_of(to: str, typed: str) -> int | None:
    """The observation a "duplicate" status points to, as the coach typed it ("M-12", "12").
    Text that names no observation is refused here; nothing typed is left to the workflow, which
    asks for one."""
    if to != S.DUPLICATE.value or not typed.strip():
        return None
    found = parse_reference(typed)
    if found is None:
        raise Refused("workflow.duplicate_unknown")
    return found


async def change_status(request: Request) -> Response:
    coach = current_coach(request)
    services = desk(request).services
    observation_id = _observation_id(request, coach)
    form = await _form(request, "to", "seen", "partner", "duplicate", "reason")
    to = form["to"]
    try:
        duplicate_of = _duplicate_of(to, form["duplicate"])
        with services.db.session() as session:
            event = workflow.change_status(
                session,
                coach.actor,
                observation_id,
                to,
                now=services.clock.now(),
                referred_to=form["partner"] if to == S.REFERRED.value else None,
                duplicate_of_id=duplicate_of,
                reason=form["reason"] if to == S.HIDDEN.value else None,
                seen_status=form["seen"],
            )
            told = event.notify
    except (Refused, PermissionDenied) as refused:
        return _refused_page(request, coach, observation_id, refused, form)
    services.desk_notices.wake()
    said = t(
        coach.lang,
        "desk_actions.status_done",
        ref=f"M-{observation_id}",
        status=status_label(coach.lang, to),
    )
    tail = t(coach.lang, "desk_actions.status_told" if told else "desk_actions.status_silent")
    flash(request, f"{said} {tail}")
    return RedirectResponse(f"/m/{observation_id}", status_code=303)


async def answer(request: Request) -> Response:
    coach = current_coach(request)
    services = desk(request).services
    observation_id = _observation_id(request, coach)
    form = await _form(request, "answer", "key")
    key = form["key"].strip()[:100] or secrets.token_urlsafe(18)
    try:
        with services.db.session() as session:
            answer_templates.answer_with_text(
                session, coach.actor, observation_id, form["answer"], services.clock.now(), key
            )
    except (Refused, PermissionDenied) as refused:
        return _refused_page(request, coach, observation_id, refused, form)
    services.desk_notices.wake()
    flash(request, t(coach.lang, "desk_actions.answer_done", ref=f"M-{observation_id}"))
    return RedirectResponse(f"/m/{observation_id}", status_code=303)


async def add_note(request: Request) -> Response:
    coach = current_coach(request)
    services = desk(request).services
    observation_id = _observation_id(request, coach)
    form = await _form(request, "note")
    try:
        with services.db.session() as session:
            notes.add_note(session, coach.actor, observation_id, form["note"], services.clock.now())
    except (Refused, PermissionDenied) as refused:
        return _refused_page(request, coach, observation_id, refused, form)
    flash(request, t(coach.lang, "desk_notes.added"))
    return RedirectResponse(f"/m/{observation_id}#notes", status_code=303)


# --- several at once ----------------------------------------------------------------------------


def inbox_url(request: Request, back: str) -> str:
    """The inbox view the bulk form came from, rebuilt through its filter (nothing else)."""
    config = desk(request).services.config
    parsed = parse_qs(back[:2000], keep_blank_values=False)
    query = InboxFilter.from_query(parsed, themes=[th.slug for th in config.themes]).to_query()
    return "/?" + query if query else "/"


def _ids(raw: Sequence[str]) -> tuple[list[int], list[int]]:
    """The ticked ids, once each, and the numbers beyond every id: those are no observation,
    so they never reach the database and the summary reports them as unknown."""
    found: list[int] = []
    beyond: list[int] = []
    for value in raw:
        observation_id = parse_id(value)
        if observation_id is not None and observation_id not in found:
            found.append(observation_id)
        elif (number := number_beyond_ids(value)) is not None and number not in beyond:
            beyond.append(number)
    return found, beyond


def summarise(
    lang: str,
    ids: list[int],
    results: Sequence[ObservationEvent | Observation | Refused | PermissionDenied],
    done_key: str,
) -> list[str]:
    """ "12 aangepast, 1 overgeslagen." then one line per reason, with the references."""
    skipped: dict[str, list[str]] = {}
    done = 0
    for observation_id, result in zip(ids, results, strict=True):
        if isinstance(result, Refused | PermissionDenied):
            skipped.setdefault(refusal_text(lang, result), []).append(f"M-{observation_id}")
        else:
            done += 1
    count = sum(len(refs) for refs in skipped.values())
    lines = [t(lang, done_key, done=done, skipped=count)]
    for reason, refs in skipped.items():
        lines.append(t(lang, "desk_actions.bulk_skipped", refs=", ".join(refs), reason=reason))
    return lines


def _refused_choice(
    request: Request, coach: Coach, back: str, choice: BulkChoice, reason: str
) -> Response:
    """A bulk choice refused before any row was touched: the inbox view it came from, with the
    same ticks, action and fields, and one message (the reason, and that nothing changed)."""
    config = desk(request).services.config
    parsed = parse_qs(back[:2000], keep_blank_values=False)
    flt = InboxFilter.from_query(parsed, themes=[theme.slug for theme in config.themes])
    message = f"{reason} {t(coach.lang, 'desk_actions.bulk_nothing_changed')}"
    return show_inbox(request, coach, flt, status=400, chosen=choice, problem=message)


async def bulk(request: Request) -> Response:
    coach = current_coach(request)
    services = desk(request).services
    async with request.form(max_files=0) as form:
        raw_ids = [str(v) for v in form.getlist("id")]
        fields = {
            name: str(form.get(name) or "")
            for name in ("action", "partner", "duplicate", "reason", "template", "key", "back")
        }
    target = inbox_url(request, fields["back"])
    lang = coach.lang
    ids, beyond = _ids(raw_ids)
    unknown: list[Refused] = [Refused("coach.unknown") for _ in beyond]
    action = fields["action"]
    choice = BulkChoice(
        ids=frozenset(ids),
        action=action,
        partner=fields["partner"],
        duplicate=fields["duplicate"],
        reason=fields["reason"],
        template=fields["template"],
    )

    def refuse(reason: str) -> Response:
        return _refused_choice(request, coach, fields["back"], choice, reason)

    if not ids and not beyond:
        return refuse(t(lang, "desk_actions.bulk_none_picked"))
    if len(ids) + len(beyond) > BULK_MAX:
        return refuse(t(lang, "desk_actions.bulk_too_many", limit=BULK_MAX))
    now = services.clock.now()
    if action == ANSWER:
        if not fields["template"]:
            return refuse(t(lang, "desk_actions.bulk_template_needed"))
        template_id = parse_id(fields["template"])
        if template_id is None:
            return refuse(t(lang, "desk_templates.unknown"))
        key = fields["key"].strip()[:100] or secrets.token_urlsafe(18)

        def answer_all() -> list[Observation | Refused | PermissionDenied] | str | None:
            """The results; or None (no such template), or the brace that is no blank in it
            (a template kept from before blanks were checked): then nothing is sent."""
            with services.db.session() as session:
                try:
                    template = answer_templates.get(session, coach.actor, template_id)
                except (Refused, PermissionDenied):
                    return None
                found = answer_templates.stray_blank(template.body)
                if found is not None:
                    return found
                return answer_templates.answer_many(
                    session, coach.actor, ids, template.body, now, f"bulk:{key}"
                )

        answered = await anyio.to_thread.run_sync(answer_all)
        if answered is None:
            return refuse(t(lang, "desk_templates.unknown"))
        if isinstance(answered, str):
            names = answer_templates.placeholders(lang)
            return refuse(t(lang, "desk_actions.bulk_unknown_blank", **names, found=answered))
        lines = summarise(lang, ids + beyond, [*answered, *unknown], "desk_actions.bulk_answered")
        told = any(isinstance(r, Observation) for r in answered)
    elif action in BULK_STATUSES:
        referred_to = fields["partner"] if action == S.REFERRED.value else None
        reason = fields["reason"] if action == S.HIDDEN.value else None
        try:
            duplicate_of = _duplicate_of(action, fields["duplicate"])
            # What the status needs, once for all: refused, nothing is touched.
            workflow.check_details(
                action, referred_to=referred_to, duplicate_of_id=duplicate_of, reason=reason
            )
        except Refused as refused:
            return refuse(refusal_text(lang, refused))

        def change_all() -> tuple[list[ObservationEvent | Refused], bool]:
            with services.db.session() as session:
                done = workflow.change_many(
                    session,
                    coach.actor,
                    ids,
                    action,
                    now=now,
                    referred_to=referred_to,
                    duplicate_of_id=duplicate_of,
                    reason=reason,
                )
                # In the session: a refusal's rollback expired the events before it.
                return done, any(isinstance(r, ObservationEvent) and r.notify for r in done)

        changed, told = await anyio.to_thread.run_sync(change_all)
        lines = summarise(lang, ids + beyond, [*changed, *unknown], "desk_actions.bulk_done")
    else:
        return refuse(t(lang, "desk_actions.bulk_unknown_action"))
    if told:
        services.desk_notices.wake()
        lines[0] = f"{lines[0]} {t(lang, 'desk_actions.bulk_told')}"
    flash(request, lines[0])
    for line in lines[1:]:
        flash(request, line, kind="problem")
    return RedirectResponse(target, status_code=303)


routes = [
    Route("/m/{observation_id}/status", change_status, methods=["POST"]),
    Route("/m/{observation_id}/answer", answer, methods=["POST"]),
    Route("/m/{observation_id}/notes", add_note, methods=["POST"]),
    Route("/bulk", bulk, methods=["POST"]),
]
