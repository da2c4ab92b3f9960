"""What a coach typed into a form that could not be kept: shown back on the page that says why,
so that it can be copied (a session that ended while typing, a form refused as too old, an
observation withdrawn meanwhile). Never stored anywhere.

Only the free text a person types is shown back (the answer, a note, a partner, a reason, a
template), each under the label its form gave it, and only to a form sent from the desk's own
pages: a browser that says the form came from another site (Sec-Fetch-Site) gets nothing back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from bot.core.text import clean_input

# The fields people type text into, with the label their form shows (in the order shown).
TYPED_FIELDS = (
    ("answer", "desk_actions.answer_text"),
    ("note", "desk_actions.note_field"),
    ("partner", "desk_actions.partner_field"),
    ("reason", "desk_actions.reason_field"),
    ("title", "desk_templates.field_title"),
    ("body", "desk_templates.field_body"),
)
# Sec-Fetch-Site of a form sent from the desk itself (or typed into the address bar).
OWN_SITE = ("same-origin", "none")


@dataclass(frozen=True)
class Kept:
    """One text the coach typed: the form field's name, its label's key and the text."""

    name: str
    label_key: str
    text: str


def typed_in(form: Mapping[str, Any], names: tuple[str, ...] | None = None) -> list[Kept]:
    """The texts typed into `form` (those of `names` only, if given), empty ones left out."""
    kept = []
    for name, label_key in TYPED_FIELDS:
        if names is not None and name not in names:
            continue
        value = form.get(name)
        text = clean_input(value) if isinstance(value, str) else ""
        if text:
            kept.append(Kept(name, label_key, text))
    return kept


async def typed(request: Request) -> list[Kept]:
    """What the request's form carried of typed text; nothing for a request from another site
    or without a form."""
    if request.method != "POST":
        return []
    if request.headers.get("sec-fetch-site", "same-origin") not in OWN_SITE:
        return []
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return []
    try:
        async with request.form(max_files=0, max_fields=1000) as form:
            return typed_in({name: form.get(name) for name, _ in TYPED_FIELDS})
    except Exception:  # a malformed body: nothing to give back
        return []


def form_page(path: str) -> str:
    """The page a form's address belongs to (/m/12/answer is on /m/12; /bulk on the inbox)."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "m":
        return f"/m/{parts[1]}"
    if parts and parts[0] == "sjablonen":
        return "/sjablonen"
    return "/"


def login_url(path: str) -> str:
    """The login page, coming back to `path` after it."""
    return "/login?" + urlencode({"next": path})
