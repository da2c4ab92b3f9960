"""Pages from templates (web/templates, Jinja2 with autoescape on) in the coach's language.

`render(request, name, lang, **values)` is the one way a route answers with a page: the
template gets `t(key, **values)` / `tn(key, count, **values)` bound to the language, the CSRF
token for its forms (`csrf`), `when(datetime)` for dates in the bot's time zone, and
`Cache-Control: no-store` (pages carry data), and `notices`: what the last action left for this
page (web/flash.py), shown once at the top.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.core.i18n import catalog, format_datetime, t, tn

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value is escaped unless a template says otherwise (none does)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def status_label(lang: str, value: str) -> str:
    """A status as a word (`status.<value>`, the status workflow's names)."""
    key = f"status.{value}"
    return t(lang, key) if catalog().has(key) else value


def swot_label(lang: str, value: str) -> str:
    key = f"coach.swot.{value}"
    return t(lang, key) if catalog().has(key) else value


def render(
    request: Request, name: str, lang: str, *, status: int = 200, **values: Any
) -> HTMLResponse:
    from web.auth import csrf_token, desk
    from web.flash import take

    state = desk(request)
    tz = state.services.config.general.tz

    config = state.services.config

    def theme_label(slug: str | None) -> str:
        theme = config.theme(slug) if slug else None
        return theme.label(lang) if theme is not None else t(lang, "desk.no_theme")

    def when(value: datetime | None, fmt: str = "d MMM y, HH:mm") -> str:
        return format_datetime(value, lang, tz, fmt) if value is not None else ""

    body = state.templates.get_template(name).render(
        lang=lang,
        t=lambda key, **kw: t(lang, key, **kw),
        tn=lambda key, count, **kw: tn(lang, key, count, **kw),
        when=when,
        csrf=csrf_token(request),
        telegram_js_url=state.services.config.desk.telegram_js_url,
        path=request.url.path,
        status_label=lambda value: status_label(lang, value),
        swot_label=lambda value: swot_label(lang, value),
        theme_label=theme_label,
        notices=values.pop("notices", None) or take(request),
        **values,
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
