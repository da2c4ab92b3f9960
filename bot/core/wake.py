"""A background run that can be woken: at most one run at a time in this process, and a wake-up
during a run makes it run once more afterwards (nothing woken for is missed).

`bind` gives it what to run (bot/wiring.py, once the Application exists); `wake` may be called
from anywhere in the event loop (a handler, a web page, a job) and returns at once; `idle` waits
until nothing runs (tests, shutdown).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

_log = logging.getLogger(__name__)


class Waker:
    def __init__(self, name: str = "background run") -> None:
        self.name = name
        self._run: Callable[[], Awaitable[Any]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self.runs = 0

    def bind(self, run: Callable[[], Awaitable[Any]]) -> None:
        self._run = run

    def wake(self) -> None:
        """Start a run now, or once more after the current one. Needs a running event loop."""
        if self._run is None:
            return
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.get_running_loop().create_task(self._loop(), name=self.name)

    async def _loop(self) -> None:
        assert self._run is not None
        while True:
            self._again = False
            try:
                await self._run()
            except Exception:
                _log.exception("%s failed", self.name)
            self.runs += 1
            if not self._again:
                return

    async def idle(self) -> None:
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)
