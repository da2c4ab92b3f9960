"""The digest marks an urgent melding where it lists it, so the coach sees it again there."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.context import Services
from bot.core.i18n import csv_dialect
from bot.digest import builder, periods, render
from bot.fake_telegram import Harness
from models import Wijk
from tests.helpers import onboard
from tests.urgent.test_urgent import URGENT_NL, file_urgent

AMS = ZoneInfo("Europe/Amsterdam")


async def test_the_digest_marks_an_urgent_melding(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await file_urgent(alice, URGENT_NL)
    await file_urgent(alice, "De stoep bij de bakker is kapot")
    now = services.clock.now()
    year, week, _ = now.astimezone(AMS).isocalendar()
    period = periods.parse_period_key(f"{year}-W{week:02d}", AMS)
    with services.db.session() as session:
        wijk = session.exec(select(Wijk).where(Wijk.slug == "elsrijk")).one()
        data = builder.build(session, services.config, wijk, period, now)
    text = render.render_text(data, "nl", services.config)
    assert "M-1 · Mogelijk dringend" in text
    assert "M-2 · Mogelijk dringend" not in text and "M-2" in text
    assert "M-1 · Possibly urgent" in render.render_text(data, "en", services.config)


async def test_the_digest_csv_marks_an_urgent_melding(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice")
    await file_urgent(alice, URGENT_NL)
    await file_urgent(alice, "De stoep bij de bakker is kapot")
    now = services.clock.now()
    year, week, _ = now.astimezone(AMS).isocalendar()
    period = periods.parse_period_key(f"{year}-W{week:02d}", AMS)
    with services.db.session() as session:
        wijk = session.exec(select(Wijk).where(Wijk.slug == "elsrijk")).one()
        data = builder.build(session, services.config, wijk, period, now)
    for lang, header, mark in (
        ("nl", "mogelijk dringend", "Mogelijk dringend"),
        ("en", "possibly urgent", "Possibly urgent"),
    ):
        raw = render.render_csv(data, lang, services.config).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(raw), delimiter=csv_dialect(lang)[0]))
        assert rows[0][-1] == header
        assert {r[0]: r[-1] for r in rows[1:]} == {"M-1": mark, "M-2": ""}
