"""When the database is away: everyone gets an answer, and what they sent is not lost.

Every update starts by looking the sender up, so with the database down every handler fails,
and the error handler used to look the sender up as well: nobody heard anything. Now the error
handler (handlers/errors.py) asks `is_storage_away`; if so it answers without the database, in
the language the actor cache remembers for the person (or their Telegram app's language), and
hands the update to `Outage.hold`. A repeating job tries the database; once it answers, the held
updates go back onto the application's update queue in the order they came, so they are handled
like new ones (a flow's nonce still guards a button pressed twice). An update that fails again
is held again without a second apology. Held updates live in this process only: too old ones
(MAX_AGE) are dropped, as the person was told to try again themselves after a few minutes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import exc as sa
from sqlalchemy import text
from telegram import Update, User

from bot.core.i18n import pick_language
from bot.telegram.jobs import LATE_IS_FINE

if TYPE_CHECKING:
    from bot.context import Services, WijkApplication

_log = logging.getLogger(__name__)

# A dropped or refused connection, a pool that hands out none in time, a locked or missing
# SQLite file: the database is not there (as opposed to a bug in a statement).
STORAGE_AWAY: tuple[type[BaseException], ...] = (
    sa.OperationalError,
    sa.InterfaceError,
    sa.DisconnectionError,
    sa.TimeoutError,
)
CHECK_SECONDS = 10.0
MAX_AGE = 30 * 60.0
MAX_HELD = 1000
JOB_NAME = "storage-back"


def is_storage_away(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, STORAGE_AWAY):
            return True
        error = error.__cause__  # a service may wrap it
    return False


def language(services: Services, user: User | None) -> str:
    """The person's language without the database: as last read, else their Telegram app's."""
    default = services.config.general.default_language
    if user is None:
        return default
    return services.actors.language_of(user.id) or pick_language(user.language_code, default)


class Outage:
    """Updates that could not be handled because the database was away, oldest first."""

    def __init__(
        self,
        *,
        max_age: float = MAX_AGE,
        max_held: int = MAX_HELD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_age = max_age
        self.max_held = max_held
        self._clock = clock
        self._held: OrderedDict[int, tuple[float, Update]] = OrderedDict()
        # Update ids held once already: a second failure is held again, not apologised for twice.
        self._seen: OrderedDict[int, None] = OrderedDict()

    @property
    def held(self) -> int:
        return len(self._held)

    def hold(self, update: Update) -> bool:
        """Keep `update` for when the database is back; True the first time it is held."""
        first = update.update_id not in self._seen
        if len(self._held) >= self.max_held:
            self._held.popitem(last=False)  # the oldest: its sender was told to try again
        self._held[update.update_id] = (self._clock(), update)
        self._seen[update.update_id] = None
        while len(self._seen) > 10 * self.max_held:
            self._seen.popitem(last=False)
        return first

    def take(self) -> list[Update]:
        """Everything held and not too old, in the order it came; the rest is dropped."""
        now = self._clock()
        fresh = [u for since, u in self._held.values() if now - since <= self.max_age]
        if len(fresh) < len(self._held):
            _log.warning("dropped %d update(s) held too long", len(self._held) - len(fresh))
        self._held.clear()
        return fresh


def _database_answers(services: Services) -> bool:
    try:
        with services.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


async def replay_now(app: WijkApplication) -> int:
    """If the database answers, put the held updates back on the update queue; how many."""
    services = app.services
    if not services.outage.held:
        return 0
    # In a thread: connecting to a server that is away can take until its timeout.
    if not await asyncio.to_thread(_database_answers, services):
        return 0
    updates = services.outage.take()
    for update in updates:
        await app.update_queue.put(update)
    if updates:
        _log.warning("the database is back: handling %d held update(s)", len(updates))
    return len(updates)


async def _check(context: Any) -> None:
    await replay_now(context.application)


def install(app: WijkApplication) -> None:
    if app.job_queue is None:
        _log.warning("no JobQueue: updates held while the database is away are not handled again")
        return
    app.job_queue.run_repeating(
        _check,
        interval=CHECK_SECONDS,
        first=CHECK_SECONDS,
        name=JOB_NAME,
        job_kwargs=LATE_IS_FINE,
    )
