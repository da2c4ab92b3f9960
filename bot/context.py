"""Everything a handler or job needs, built once per process and hung on the Application.

`Services` holds the process's configuration, database and caches; `WijkApplication` is PTB's
Application carrying them and the routes bot/wiring.py decided; `WijkContext` is the context
every handler and job receives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

import httpx
from telegram.ext import Application, CallbackContext, ExtBot

from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.database import Database
from bot.core.wake import Waker
from bot.people.actor_cache import ActorCache
from bot.people.chosen_language import ChosenLanguages
from bot.people.persons import ActiveWijken
from bot.polls.refusals import RefusalsTold
from bot.spiegel.mirror import StatementCache
from bot.spiegel.recognised import RecognisedCache
from bot.telegram.outage import Outage

if TYPE_CHECKING:
    from bot.digest.builder import DigestData, Grouper
    from bot.opendata.clients import PdokClient
    from handlers.router import Routes
    from web.server import DeskServer


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock = field(default_factory=Clock)
    pdok: PdokClient | None = None
    # How CBS is reached for the figures (bot/figures/fetch.py): None is the network; the demo
    # and tests set a mock transport.
    cbs_transport: httpx.AsyncBaseTransport | None = None
    # The stored figures are illustrative (the offline demo): shown as "voorbeeldcijfers".
    figures_example: bool = False
    bot_username: str = ""
    # Sender and roles between updates (see bot/people/actor_cache.py for when it forgets).
    actors: ActorCache = field(default_factory=ActorCache)
    # The language chosen on the privacy statement before Akkoord, in memory only (see
    # bot/people/chosen_language.py).
    chosen_languages: ChosenLanguages = field(default_factory=ChosenLanguages)
    # The active wijken between updates (see bot/people/persons.py ActiveWijken).
    wijken: ActiveWijken = field(default_factory=ActiveWijken)
    # Spiegel statements between reactions (see bot/spiegel/mirror.py StatementCache).
    statements: StatementCache = field(default_factory=StatementCache)
    # Each wijk's statements by what they are about, for the spiegel in a melding (see
    # bot/spiegel/recognised.py RecognisedCache).
    recognised: RecognisedCache = field(default_factory=RecognisedCache)
    # Updates that failed while the database was away, handled again when it is back.
    outage: Outage = field(default_factory=Outage)
    # The digest's optional language-model narrative (`(data, lang) -> {swot: paragraph}`) and
    # embeddings grouping, set by bot/digest/llm.py `install` when the config enables them;
    # None: no narrative, the built-in grouping.
    digest_narrator: Callable[[DigestData, str], dict[str, str] | None] | None = None
    digest_grouper: Grouper | None = None
    # How many runs of the digest job finished: lets a test (or an operator) see that the
    # start-up run happened.
    digest_runs: int = 0
    # How many start-up refreshes of the stored grouping signatures finished
    # (bot/grouping/refresh.py): lets a test (or an operator) see that it happened.
    signature_refreshes: int = 0
    # Poll broadcast and results tasks this process started (bot/polls/delivery.py spawn), so
    # tests and shutdown can wait for them, and the polls whose broadcast is running now.
    poll_tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    poll_broadcasts: set[int] = field(default_factory=set)
    # The polls whose vote messages are being closed now, each with whether it was asked for
    # again meanwhile (bot/polls/delivery.py `start_closing`).
    poll_closings: dict[int, bool] = field(default_factory=dict)
    # Who was told their answer in a group's poll does not count, once per poll (in memory).
    poll_refusals: RefusalsTold = field(default_factory=RefusalsTold)
    # Urgent alerts to coaches this process started (handlers/urgent/alert.py), so tests and
    # shutdown can wait for them.
    urgent_tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    # The coach's desk's web server while it runs (web/server.py; None: off, or its port was
    # taken); its `port` is the one bound.
    desk_server: DeskServer | None = None
    # Status notices to senders (bot/observations/notice_delivery.py): whoever changes a status
    # calls `desk_notices.wake()`; a repeating job wakes it too. Bound in bot/wiring.py.
    desk_notices: Waker = field(default_factory=lambda: Waker("status notices"))

    @property
    def tz(self) -> ZoneInfo:
        return self.config.general.tz


class WijkApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application plus our services (PTB uses __slots__; this subclass has a dict)."""

    # Where flow text, loose messages and menu presses go. Set by bot/wiring.py `wire`, which
    # bot/app.py `build_application` calls before the application runs; a type from the
    # handlers' layer, named here for the type checker only.
    routes: Routes

    def __init__(self, *, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services


class WijkContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], dict[str, Any]]):
    @property
    def services(self) -> Services:
        return cast(WijkApplication, self.application).services

    @property
    def routes(self) -> Routes:
        return cast(WijkApplication, self.application).routes
