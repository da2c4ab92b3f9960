"""Everything a handler or job needs, built once per process and hung on the Application."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.database import Database
from bot.people.actor_cache import ActorCache
from bot.spiegel.mirror import StatementCache

if TYPE_CHECKING:
    from bot.opendata.clients import PdokClient


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock = field(default_factory=Clock)
    pdok: PdokClient | None = None
    # Optional capabilities attached by their modules (postcode lookup, grouping, LLM, ...).
    extras: dict[str, Any] = field(default_factory=dict)
    bot_username: str = ""
    # Sender and roles between updates (see bot/people/actor_cache.py for when it forgets).
    actors: ActorCache = field(default_factory=ActorCache)
    # Spiegel statements between reactions (see bot/spiegel/mirror.py StatementCache).
    statements: StatementCache = field(default_factory=StatementCache)

    @property
    def tz(self) -> ZoneInfo:
        return self.config.general.tz
