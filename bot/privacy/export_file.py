"""The file of a person's own data: what /mijngegevens sends them and what
`wijkbot person export` writes for an administrator answering a request by letter. One file for
both: everything `personal_data.export_person` finds, with the guide at the top in the
person's language (`export_guide`), named as the bot names it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.core.i18n import t
from bot.privacy import export_guide, personal_data


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    # The export itself (without the guide), for what is said beside the file.
    data: dict[str, Any]


def export_file(
    session: Session, person_id: int, lang: str, *, now: datetime, tz: ZoneInfo
) -> ExportFile:
    data = personal_data.export_person(session, person_id, now=now)
    return ExportFile(
        filename=t(lang, "privacy.export_filename", date=now.astimezone(tz).date().isoformat()),
        content=personal_data.export_json(export_guide.with_guide(lang, data)),
        data=data,
    )
