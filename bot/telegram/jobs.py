"""A job that runs once at start-up and then at a fixed interval, late runs included: what is
due comes from the database, so a run that starts late must still run (bot/digest/jobs.py,
bot/polls/delivery.py, bot/spiegel/news_delivery.py, bot/observations/notice_delivery.py).

An interval job added before the scheduler starts does not fire at `first=0`: APScheduler moves
a start in the past to the next interval. A date job in the past does fire at once, so the
start-up run is a date job of its own. APScheduler's default misfire_grace_time=1 would silently
skip a run that starts late; `coalesce` makes runs that piled up one.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import JobQueue

LATE_IS_FINE: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


def at_start_and_every(
    job_queue: JobQueue[Any],
    callback: Callable[[Any], Coroutine[Any, Any, Any]],
    seconds: float,
    name: str,
) -> None:
    """`callback` once at start-up (the job `name`-startup), then every `seconds` (`name`)."""
    job_queue.run_once(callback, when=0, name=f"{name}-startup", job_kwargs=LATE_IS_FINE)
    job_queue.run_repeating(
        callback, interval=seconds, first=seconds, name=name, job_kwargs=LATE_IS_FINE
    )
