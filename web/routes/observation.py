"""One observation: /m/{id}, and its photo /m/{id}/photo fetched through the bot.

Both check HANDLE_OBSERVATIONS for the observation's own wijk (bot/desk/observation_page.py,
bot.observations.coach.get_for_coach). The photo goes from Telegram through this server: the
browser never sees the bot token or Telegram's file path; a photo over `desk.photo_max_bytes` is
not fetched.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram.error import TelegramError

from bot.desk import observation_page
from bot.observations import coach as coach_service
from bot.people.permissions import PermissionDenied
from web.auth import Refusal, current_coach, desk, other_wijk
from web.render import render

_log = logging.getLogger(__name__)

IMAGE_TYPES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"RIFF", "image/webp"),
    (b"GIF8", "image/gif"),
)


def _observation_id(request: Request) -> int:
    raw = request.path_params["observation_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise Refusal("coach.unknown", status=404)
    return int(raw)


async def observation(request: Request) -> Response:
    coach = current_coach(request)
    services = desk(request).services
    observation_id = _observation_id(request)
    with services.db.session() as session:
        try:
            view = observation_page.load(session, coach.actor, observation_id)
        except PermissionDenied:
            raise other_wijk(coach, "desk.other_wijk_observation") from None
        except coach_service.Refused as refused:
            raise Refusal(refused.message_key, lang=coach.lang, status=404) from None
    return render(request, "observation.html", coach.lang, view=view, o=view.observation)


async def photo(request: Request) -> Response:
    coach = current_coach(request)
    state = desk(request)
    services = state.services
    observation_id = _observation_id(request)
    with services.db.session() as session:
        try:
            found = coach_service.get_for_coach(session, coach.actor, observation_id)
        except PermissionDenied:
            raise other_wijk(coach, "desk.other_wijk_observation") from None
        except coach_service.Refused as refused:
            raise Refusal(refused.message_key, lang=coach.lang, status=404) from None
        file_id = found.photo_file_id
    if not file_id:
        raise Refusal("desk.photo_unavailable", lang=coach.lang, status=404)
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
