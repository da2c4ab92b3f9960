"""Answer templates: answers a wijk's coaches keep for observations that come in often.

No Telegram, no web. Every call checks Action.HANDLE_OBSERVATIONS for the wijk of the template
acted on (its own wijk, whatever the form said): coaches and admins of that wijk. A body may hold
the observation's reference (M-123) and the wijk's name, each named in either language:
{melding} or {report}, {wijk} or {district} (`PLACEHOLDERS`). The desk names them in the coach's
language (`placeholders`), and so do the examples; `fill` puts either in and leaves every other
brace as it is: a wijk's templates are shared by coaches of both languages. A template is not
saved with any other brace in it (`stray_blank`: "{onbekend}", an unclosed "{wijk"): the
resident would read it as typed; a template kept from before that check is refused the same way
by the desk's bulk answer, before anything is sent. The coach edits the
filled text before it is sent (`answer_with_text`, which stores it through `coach.answer`).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.i18n import Catalog
from bot.observations import coach
from bot.observations.coach import Refused
from bot.observations.typed_text import checked
from bot.people.permissions import Action, Actor, PermissionDenied
from models import AnswerTemplate, Observation, Wijk
from models.base import column_limit

TITLE_LIMIT = column_limit(AnswerTemplate, "title")
BODY_LIMIT = column_limit(AnswerTemplate, "body")
MAX_PER_WIJK = 50
# The answer the coach sends (Observation.answer_text holds up to 4000); the bot's own limit for
# typed text is config.general.text_limit, which the caller passes.
ANSWER_LIMIT = 2000
# What is filled in, and its name in each language (the first the Dutch, as it was).
PLACEHOLDERS: dict[str, dict[str, str]] = {
    "melding": {"nl": "melding", "en": "report"},
    "wijk": {"nl": "wijk", "en": "district"},
}
_FILLS = {name: what for what, names in PLACEHOLDERS.items() for name in names.values()}
_PLACEHOLDER = re.compile(r"\{(" + "|".join(map(re.escape, _FILLS)) + r")\}")
# The examples offered to a wijk that has no templates yet: desk_templates.default_<n>_title and
# desk_templates.default_<n>_body in the coach's language.
DEFAULTS = ("received", "referred", "resolved")


def placeholders(lang: str) -> dict[str, str]:
    """The placeholders as the desk shows them in `lang`: {"melding": "{report}", ...}."""
    return {what: "{" + names.get(lang, names["nl"]) + "}" for what, names in PLACEHOLDERS.items()}


def fill(body: str, reference: str, wijk_name: str) -> str:
    """The body with {melding}/{report} and {wijk}/{district} filled in, in one pass: a wijk's
    name holding "{melding}" stays as it is. Any other brace ("{naam}", "{", "{0}",
    "{melding!r}") is text."""
    values = {"melding": reference, "wijk": wijk_name}
    return _PLACEHOLDER.sub(lambda match: values[_FILLS[match.group(1)]], body)


# A brace that is not part of a blank: "{onbekend}", "{wijk" (never closed), "}", "{ wijk }".
_STRAY_BRACE = re.compile(r"\{[^{}\s]{0,40}\}|\{[^{}\s]{0,40}|\}")


def stray_blank(body: str) -> str | None:
    """The first brace in `body` that is not one of the blanks (`PLACEHOLDERS` in either
    language), as written ("{onbekend}", "{wijk"); None when there is none. A template is
    refused with it when saved: `fill` would leave it as it is, and the resident would read it."""
    found = _STRAY_BRACE.search(_PLACEHOLDER.sub("", body))
    return found.group(0) if found else None


def list_for(session: Session, actor: Actor, wijk_id: int) -> list[AnswerTemplate]:
    """The wijk's templates by title, for someone who may handle its observations."""
    actor.require(Action.HANDLE_OBSERVATIONS, wijk_id)
    return list(
        session.exec(
            select(AnswerTemplate)
            .where(AnswerTemplate.wijk_id == wijk_id)
            .order_by(col(AnswerTemplate.title), col(AnswerTemplate.id))
        ).all()
    )


def get(session: Session, actor: Actor, template_id: int) -> AnswerTemplate:
    """One template, if this actor may handle its own wijk; else Refused
    (`desk_templates.unknown`) or PermissionDenied (nothing of the template is shown)."""
    template = session.get(AnswerTemplate, template_id)
    if template is None:
        raise Refused("desk_templates.unknown")
    if not actor.can(Action.HANDLE_OBSERVATIONS, template.wijk_id):
        raise PermissionDenied()
    return template


def create(
    session: Session, actor: Actor, wijk_id: int, title: str, body: str, now: datetime
) -> AnswerTemplate:
    """Store a new template for the wijk (committed), or raise PermissionDenied / Refused
    (empty title or body, TooLong, `desk_templates.too_many`, `desk_templates.title_taken`).

    The same title and body sent twice (a form sent again) is stored once: the first is returned.
    """
    actor.require(Action.HANDLE_OBSERVATIONS, wijk_id)
    title, body = _checked(title, body)
    # Two coaches adding the 50th at once: PostgreSQL holds the second until the first commits.
    session.exec(select(Wijk.id).where(Wijk.id == wijk_id).with_for_update()).first()
    same = _titled(session, wijk_id, title)
    if same is not None:
        if same.body == body:
            return same
        raise Refused("desk_templates.title_taken")
    stored = session.exec(
        select(func.count()).select_from(AnswerTemplate).where(AnswerTemplate.wijk_id == wijk_id)
    ).one()
    if int(stored) >= MAX_PER_WIJK:
        raise Refused("desk_templates.too_many")
    template = AnswerTemplate(
        wijk_id=wijk_id,
        title=title,
        body=body,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(template)
    _commit(session, wijk_id, title)
    session.refresh(template)
    return template


def update(
    session: Session, actor: Actor, template_id: int, title: str, body: str, now: datetime
) -> AnswerTemplate:
    """Change a template's title and body (committed), or raise as `get` and `create` do."""
    template = get(session, actor, template_id)
    title, body = _checked(title, body)
    if (template.title, template.body) == (title, body):
        return template
    other = _titled(session, template.wijk_id, title)
    if other is not None and other.id != template.id:
        raise Refused("desk_templates.title_taken")
    template.title, template.body, template.updated_at = title, body, now
    session.add(template)
    _commit(session, template.wijk_id, title)
    session.refresh(template)
    return template


def delete(session: Session, actor: Actor, template_id: int) -> bool:
    """Delete a template (committed). False when it is gone already (a form sent again);
    PermissionDenied for a template of a wijk this actor may not handle."""
    template = session.get(AnswerTemplate, template_id)
    if template is None:
        return False
    actor.require(Action.HANDLE_OBSERVATIONS, template.wijk_id)
    session.delete(template)
    session.commit()
    return True


def defaults(catalog: Catalog, lang: str) -> list[tuple[str, str]]:
    """The example templates (title, body) in `lang`, placeholders left in the body under their
    names in `lang` ({report} in English)."""
    keep = placeholders(lang)
    return [
        (
            catalog.get(lang, f"desk_templates.default_{name}_title"),
            catalog.get(lang, f"desk_templates.default_{name}_body", **keep),
        )
        for name in DEFAULTS
    ]


def add_defaults(
    session: Session, actor: Actor, wijk_id: int, catalog: Catalog, lang: str, now: datetime
) -> list[AnswerTemplate]:
    """Store the examples for a wijk that has no templates yet (a wijk that has some keeps them
    as they are: then nothing is added). Returns the wijk's templates."""
    actor.require(Action.HANDLE_OBSERVATIONS, wijk_id)
    if not list_for(session, actor, wijk_id):
        for title, body in defaults(catalog, lang):
            create(session, actor, wijk_id, title, body, now)
    return list_for(session, actor, wijk_id)


def answer_with_text(
    session: Session,
    actor: Actor,
    observation_id: int,
    text: str,
    now: datetime,
    key: str,
    *,
    limit: int = ANSWER_LIMIT,
) -> Observation:
    """Store the coach's answer (committed) through `coach.answer`, for an observation of a wijk
    this actor may handle; raises PermissionDenied or Refused (`coach.empty_text`, TooLong, and
    `coach.answer`'s own refusals).

    `key`: the form's token. The same form sent twice finds the answer it stored the first
    time, as a Telegram press delivered twice does (it is kept hashed, in answer_key's 40
    characters). Delivery to the sender is not done here: the answer's event is marked for the
    background sender (bot/observations/notice_delivery.py), which sends the answer itself to
    the sender and the supporters once and sets `answer_sent_at`; the caller wakes it
    (`services.desk_notices.wake()`)."""
    observation = coach.get_for_coach(session, actor, observation_id)
    cleaned = checked(text, limit=limit, empty_key="coach.empty_text")
    return coach.answer(
        session, observation, actor, cleaned, now, request_key=desk_key(key), deliver_later=True
    )


def answer_many(
    session: Session,
    actor: Actor,
    observation_ids: list[int],
    body: str,
    now: datetime,
    key: str,
    *,
    limit: int = ANSWER_LIMIT,
) -> list[Observation | Refused | PermissionDenied]:
    """One body (a template's, perhaps edited; placeholders in it) as the answer to several
    observations, each filled with its own reference and wijk. One result per id, in order:
    the answered observation, or why that one was not answered."""
    names = {w.id: w.name for w in session.exec(select(Wijk)).all()}
    results: list[Observation | Refused | PermissionDenied] = []
    for observation_id in observation_ids:
        try:
            observation = coach.get_for_coach(session, actor, observation_id)
            text = fill(body, observation.reference, names.get(observation.wijk_id, ""))
            results.append(
                answer_with_text(
                    session,
                    actor,
                    observation_id,
                    text,
                    now,
                    f"{key}:{observation_id}",
                    limit=limit,
                )
            )
        except (Refused, PermissionDenied) as refused:
            results.append(refused)
    return results


def desk_key(key: str) -> str:
    """An answer key for a desk form's token (40 characters, apart from the bot's flow keys)."""
    return "desk:" + hashlib.sha256(key.encode()).hexdigest()[:35]


def _checked(title: str, body: str) -> tuple[str, str]:
    """The title and body as stored, or Refused: empty, TooLong, or a brace in the body that is
    no blank (`desk_templates.unknown_blank`, with `found`)."""
    title = checked(
        title, limit=TITLE_LIMIT, empty_key="desk_templates.empty_title", multiline=False
    )
    body = checked(body, limit=BODY_LIMIT, empty_key="desk_templates.empty_body")
    found = stray_blank(body)
    if found is not None:
        raise Refused("desk_templates.unknown_blank", found=found)
    return title, body


def _titled(session: Session, wijk_id: int, title: str) -> AnswerTemplate | None:
    return session.exec(
        select(AnswerTemplate).where(
            AnswerTemplate.wijk_id == wijk_id, AnswerTemplate.title == title
        )
    ).first()


def _commit(session: Session, wijk_id: int, title: str) -> None:
    """Commit; the same title stored by someone else a moment ago is `title_taken`."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Refused("desk_templates.title_taken") from exc
