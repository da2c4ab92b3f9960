"""The coaches' message about an urgent observation: sent beside the resident's reply, not
before it (a task the application tracks), to every coach of the wijk, through the bot's
rate-limited path. A coach who blocked the bot (403) is marked unreachable; the others still
get it, and the resident's confirmation never waits for any of them."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from bot.context import WijkApplication, WijkContext
from bot.urgent import alerts
from handlers.coach.shared import Delivery, deliver
from handlers.urgent import views

_log = logging.getLogger(__name__)


def spawn(context: WijkContext, observation_id: int) -> asyncio.Task[None]:
    """Start telling the coaches (the caller has claimed the alert: this runs once)."""
    app = cast(WijkApplication, context.application)
    task = app.create_task(_tell(context, observation_id), name=f"urgent-{observation_id}")
    tasks = app.services.urgent_tasks
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return task


async def wait_idle(app: WijkApplication) -> None:
    """Wait for every coaches' message this process started (tests, shutdown)."""
    while tasks := [t for t in app.services.urgent_tasks if not t.done()]:
        await asyncio.gather(*tasks, return_exceptions=True)


async def _tell(context: WijkContext, observation_id: int) -> None:
    try:
        with context.services.db.session() as session:
            alert = alerts.alert_for(session, observation_id)
        if alert is None:
            return
        told = 0
        for person in alert.coaches:
            text, markup = views.coach_alert(person.language, alert)
            told += await deliver(context, person, text, markup) is Delivery.SENT
        _log.info(
            "urgent %s (%s): %d of %d coaches told",
            alert.reference,
            alert.kind,
            told,
            len(alert.coaches),
        )
    except Exception:  # a task: nobody else would see it
        _log.exception("telling the coaches about urgent M-%s failed", observation_id)
