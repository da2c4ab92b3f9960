"""One observation: /m/{id}, and its photo /m/{id}/photo fetched through the bot.

Both check HANDLE_OBSERVATIONS for the observation's own wijk (bot/desk/observation_page.py,
bot.observations.coach.get_for_coach). The photo goes from Telegram through this server: the
browser never sees the bot token or Telegram's file path; a photo over `desk.photo_max_bytes` is
not fetched.

The page carries the coach's forms (web/routes/actions.py handles them): the status (only the
steps the workflow allows from where it stands), the answer (a template picked with
?template=ID, or by web/static/desk-actions.js without a reload; at most ANSWER_LIMIT
characters, said beside the box: a longer one is refused with the text kept, never cut) and the
notes. Opening a new observation marks it read (through the workflow; the sender is not told),
unless this coach put it back to new themselves (bot/desk/observation_page.py
`marks_read_on_open`): "Nieuw (weer open)" sticks. The coach's own observation (they live in
the wijk and sent it: `view.own`) says so in the chat's words, is not marked read, and has no
status or answer form (the workflow and the answer refuse it too); notes stay.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram.error import TelegramError

from bot.core.i18n import t
from bot.desk import observation_page
from bot.observations import answer_templates, notes, statuses, workflow
from bot.observations import coach as coach_service
from bot.observations.coach import Refused
from bot.people.permissions import PermissionDenied
from models import ObservationStatus
from web.auth import Coach, Refusal, current_coach, desk, not_there, other_wijk
from web.flash import Notice
from web.ids import parse_id, path_id
from web.kept import typed_in
from web.render import render, status_label

_log = logging.getLogger(__name__)

IMAGE_TYPES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"RIFF", "image/webp"),
    (b"GIF8", "image/gif"),
)


def _observation_id(request: Request, coach: Coach) -> int:
    return path_id(request, "observation_id", "coach.unknown", coach.lang)


def transitions(lang: str, current: str) -> list[tuple[str, str]]:
    """The statuses a coach may move an observation to from `current`, as (value, label)."""
    return [
        (
            value,
            t(lang, "desk_actions.status_reopen")
            if value == ObservationStatus.NEW.value
            else status_label(lang, value),
        )
        # Forward first; back to new ("weer open") last, so that it is never picked by chance.
        for value in (*statuses.COACH[1:], statuses.COACH[0])
        if workflow.allowed(current, value)
    ]


def _load(session: Session, coach: Coach, observation_id: int) -> observation_page.ObservationView:
    try:
        return observation_page.load(session, coach.actor, observation_id)
    except PermissionDenied:
        raise other_wijk(coach, "desk.other_wijk_observation") from None
    except Refused as refused:
        raise not_there(refused.message_key, coach.lang) from None


def show(
    request: Request,
    coach: Coach,
    observation_id: int,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    problem: str | None = None,
    mark_read: bool = False,
) -> Response:
    """The observation page with its forms; `form`: what the coach typed (kept after a
    refusal, with `problem`, the refusal's text, at the top)."""
    services = desk(request).services
    typed = dict(form or {})
    with services.db.session() as session:
        view = _load(session, coach, observation_id)
        if mark_read and observation_page.marks_read_on_open(
            session, coach.actor, view.observation
        ):
            # Someone else moved it meanwhile (Refused): the page shows where it stands.
            with contextlib.suppress(Refused):
                workflow.change_status(
                    session,
                    coach.actor,
                    observation_id,
                    ObservationStatus.READ.value,
                    now=services.clock.now(),
                )
            view = _load(session, coach, observation_id)
        obs = view.observation
        templates = [
            (tpl.id, tpl.title, answer_templates.fill(tpl.body, obs.reference, view.wijk_name))
            for tpl in answer_templates.list_for(session, coach.actor, obs.wijk_id)
        ]
        chosen = parse_id(request.query_params.get("template"))
        if "answer" not in typed and chosen is not None:
            typed["answer"] = next((body for tid, _, body in templates if tid == chosen), "")
        note_list = notes.notes_for(session, coach.actor, observation_id)
    values: dict[str, Any] = {
        "view": view,
        "o": obs,
        "transitions": [] if view.own else transitions(coach.lang, obs.status),
        "can_answer": not view.own and coach_service.can_answer(obs),
        "templates": templates,
        "chosen_template": chosen,
        "answer_key": secrets.token_urlsafe(18),
        "notes": note_list,
        "form": typed,
        # An answer the form sent that the page cannot take any more: shown to copy.
        "kept_answer": typed_in(form or {}, ("answer",)),
        "answer_limit": answer_templates.ANSWER_LIMIT,
        "note_limit": notes.NOTE_LIMIT,
    }
    if problem is not None:
        values["notices"] = [Notice(problem, "problem")]
    return render(request, "observation.html", coach.lang, status=status, **values)


async def observation(request: Request) -> Response:
    coach = current_coach(request)
    return show(request, coach, _observation_id(request, coach), mark_read=True)


async def photo(request: Request) -> Response:
    coach = current_coach(request)
    state = desk(request)
    services = state.services
    observation_id = _observation_id(request, coach)
    with services.db.session() as session:
        try:
            found = coach_service.get_for_coach(session, coach.actor, observation_id)
        except PermissionDenied:
            raise other_wijk(coach, "desk.other_wijk_observation") from None
        except coach_service.Refused as refused:
            raise not_there(refused.message_key, coach.lang) from None
        file_id = found.photo_file_id
    if not file_id:
        raise not_there("desk.photo_unavailable", coach.lang)
    limit = services.config.desk.photo_max_bytes
    try:
        telegram_file = await state.bot.get_file(file_id)
        if telegram_file.file_size is not None and telegram_file.file_size > limit:
            raise Refusal("desk.photo_unavailable", lang=coach.lang, status=413)
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        _log.warning("desk: a photo could not be fetched from Telegram: %s", type(exc).__name__)
        raise Refusal("desk.photo_unavailable", lang=coach.lang, status=502) from None
    if len(data) > limit:
        raise Refusal("desk.photo_unavailable", lang=coach.lang, status=413)
    media_type = next((kind for magic, kind in IMAGE_TYPES if data.startswith(magic)), None)
    if media_type is None:
        raise Refusal("desk.photo_unavailable", lang=coach.lang, status=415)
    return Response(
        data,
        media_type=media_type,
        headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline"},
    )


routes = [
    Route("/m/{observation_id}", observation, methods=["GET"]),
    Route("/m/{observation_id}/photo", photo, methods=["GET"]),
]
