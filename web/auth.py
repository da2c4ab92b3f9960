"""Who is asking: the session, the coach behind it, the CSRF token of its forms.

The session cookie (Starlette's SessionMiddleware: signed, HttpOnly, SameSite=Strict, Secure
when the desk is on https) holds only the Telegram id, a random session id, the way the person
logged in and the CSRF token. "Uitloggen" records the session id as ended (bot/desk/sessions.py):
from then on no copy of that cookie opens anything, in any browser; the coach's other sessions
(another device) go on. `current_coach(request)` looks the person up in the database on every
request (never from the cookie alone, never from a cache), builds the Actor the bot's handlers use
(bot.people.permissions) and refuses anyone who handles no wijk's observations; each page then
checks the permission for the wijk of the object it shows (bot.observations.coach.get_for_coach).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import jinja2
from starlette.requests import Request

from bot.context import Services
from bot.core.clock import utcnow
from bot.core.i18n import pick_language
from bot.desk import sessions
from bot.observations.coach import handled_wijken
from bot.people.permissions import Actor, load_actor

SESSION_USER = "tg"
SESSION_ID = "sid"
SESSION_VIA = "via"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


@dataclass
class DeskState:
    """What the web app needs of the bot, on `app.state.desk`."""

    services: Services
    bot: Any  # telegram.Bot: fetches photos (get_file) for /m/{id}/photo
    templates: jinja2.Environment
    extra: dict[str, Any] = field(default_factory=dict)


def desk(request: Request) -> DeskState:
    state: DeskState = request.app.state.desk
    return state


class NotLoggedIn(Exception):
    """No session: the page shows the login (Telegram's initData, or "ask /bureau for a link")."""


class Refusal(Exception):
    """A refusal page (403) with `message_key`, in `lang` where the person is known; it never
    shows anything of a wijk. `coach`: the person is a logged-in coach refused something of a
    wijk they do not handle (`help_key` says so) or of one that is gone; their page keeps the
    desk's header and a way back to their inbox. `typed`: what the refused form carried of
    typed text (web/kept.py), shown back to copy. `reopen`: inside Telegram, say to close the
    desk and open it again (not to someone who is no coach: that shows the same page)."""

    def __init__(
        self,
        message_key: str = "desk.refused",
        lang: str | None = None,
        status: int = 403,
        *,
        coach: bool = False,
        help_key: str | None = "desk.other_wijk_help",
        typed: Sequence[Any] = (),
        reopen: bool = True,
    ) -> None:
        super().__init__(message_key)
        self.message_key = message_key
        self.lang = lang
        self.status = status
        self.coach = coach
        self.help_key = help_key
        self.typed = list(typed)
        self.reopen = reopen


@dataclass(frozen=True)
class Coach:
    """The person behind the request, a coach of at least one wijk."""

    telegram_id: int
    actor: Actor
    lang: str
    wijk_ids: list[int]  # the wijken whose observations they handle


def other_wijk(coach: Coach, message_key: str = "desk.other_wijk") -> Refusal:
    """The refusal for a coach who asks for something of a wijk they do not handle."""
    return Refusal(message_key, lang=coach.lang, coach=True)


def not_there(message_key: str, lang: str | None, status: int = 404) -> Refusal:
    """For a logged-in coach: what they asked for is not there (gone meanwhile, or never was).
    Their session is fine: the desk's header and the way back to their inbox, not "close the
    desk and open it again"."""
    return Refusal(message_key, lang=lang, status=status, coach=True, help_key=None)


def coach_for(services: Services, telegram_id: int) -> Coach:
    """The coach with this Telegram id, read now; Refusal for anyone else."""
    with services.db.session() as session:
        actor = load_actor(session, telegram_id)
        if actor is not None:
            session.expunge_all()
    if actor is None:
        raise Refusal(reopen=False)
    wijken = handled_wijken(actor)
    if not wijken:
        raise Refusal(lang=actor.person.language, reopen=False)
    return Coach(telegram_id, actor, actor.person.language, wijken)


def session_user(request: Request) -> int | None:
    """The Telegram id of this request's session, unless it has none or it ended (logged out in
    some browser). An ended one is cleared here, so this browser's cookie goes too. A cookie
    from before sessions had ids counts as ended: its coach logs in once more."""
    telegram_id = request.session.get(SESSION_USER)
    if not isinstance(telegram_id, int):
        return None
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str):
        with desk(request).services.db.session() as session:
            if not sessions.is_ended(session, session_id):
                return telegram_id
    request.session.clear()
    return None


def current_coach(request: Request) -> Coach:
    """The coach logged in on this request (looked up once per request)."""
    cached = getattr(request.state, "coach", None)
    if isinstance(cached, Coach):
        return cached
    telegram_id = session_user(request)
    if telegram_id is None:
        raise NotLoggedIn()
    coach = coach_for(desk(request).services, telegram_id)
    request.state.coach = coach
    return coach


def browser_language(request: Request) -> str:
    """The browser's first language if it is one of ours, else the bot's default."""
    default = desk(request).services.config.general.default_language
    return pick_language(request.headers.get("accept-language", "").split(",")[0], default)


def session_language(request: Request) -> str | None:
    """The language of the person this request's live session belongs to (None without one).
    A refused non-coach has one too: Refusal carries it."""
    if "session" not in request.scope:
        return None
    try:
        return current_coach(request).lang
    except NotLoggedIn:
        return None
    except Refusal as refusal:
        return refusal.lang


def page_language(request: Request, lang: str | None = None) -> str:
    """The language of a page: `lang` if the caller knows it, else the session's person's,
    else the browser's. A coach's browser may ask for another language than theirs."""
    return lang or session_language(request) or browser_language(request)


def log_in(request: Request, telegram_id: int, via: str) -> None:
    """A new session for this person (whatever the cookie held before is dropped)."""
    request.session.clear()
    request.session[SESSION_USER] = telegram_id
    request.session[SESSION_ID] = sessions.new_id()
    request.session[SESSION_VIA] = via
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)


def log_out(request: Request) -> None:
    """The session ends everywhere: recorded as ended (every copy of its cookie is refused from
    now on), then cleared in this browser."""
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str):
        services = desk(request).services
        # Each response renews the cookie for session_hours: until then a copy may still pass.
        # Wall time, as the cookie's signature counts it (not the bot's clock, which a demo moves).
        cookie_life = timedelta(hours=services.config.desk.session_hours)
        with services.db.session() as session:
            sessions.end(session, session_id, now=utcnow(), cookie_life=cookie_life)
    request.session.clear()


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made when the session has none): every form carries it in a
    hidden field named `csrf` (or a script in the X-CSRF-Token header)."""
    if "session" not in request.scope:
        return ""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token
