"""PTB persistence in the bot's own database, as JSON rows (models.StoredState).

Empty user and chat data are not stored: a person who never accepted the privacy statement
leaves no row. Writes happen immediately (each update_* call commits), and bot/telegram/flows.py
calls update_user_data before it replies, so a kill -9 loses no step the person saw answered.
On PostgreSQL they go through `Database.state_engine`: committed without waiting for the disk.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from telegram.ext import Application, BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.core.clock import utcnow
from bot.core.database import Database, DriverStatement
from models import StoredState

USER, CHAT, BOT = "user", "chat", "bot"
_UNKNOWN = object()

# Built once, values bound at execution: on this hot path, building a statement and its cache
# key would cost more than running it. (Bound names must differ from column names in UPDATE.)
_ROW = (
    col(StoredState.kind) == bindparam("row_kind"),
    col(StoredState.key) == bindparam("row_key"),
)
_DELETE = delete(StoredState).where(*_ROW)
_STATE = StoredState.__table__  # type: ignore[attr-defined]


def _upsert(dialect: str) -> Any:
    """Insert the row or replace its data: one statement, so on PostgreSQL one round trip (the
    state engine commits each statement by itself)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(_STATE).values(
        kind=bindparam("row_kind"),
        key=bindparam("row_key"),
        data=bindparam("new_data"),
        updated_at=bindparam("new_updated_at"),
    )
    return stmt.on_conflict_do_update(
        index_elements=["kind", "key"],
        set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at},
    )


_UPSERTS = {name: _upsert(name) for name in ("sqlite", "postgresql")}
# PostgreSQL: on the driver's connection of the state engine (autocommit), no SQLAlchemy
# Connection around the one statement (bot.core.database.DriverStatement).
_DRIVER = {"delete": DriverStatement(_DELETE), "upsert": DriverStatement(_UPSERTS["postgresql"])}


class DatabasePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    def __init__(self, db: Database, update_interval: float = 60) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=True, chat_data=True, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.db = db
        # What this process last wrote or read per (kind, key): lets unchanged data skip the
        # database. Rows deleted elsewhere (erasure) only cost one UPDATE that finds nothing.
        self._stored: dict[tuple[str, str], str | None] = {}

    # --- reading ---------------------------------------------------------------------------

    def _load(self, kind: str) -> dict[str, Any]:
        with self.db.session() as session:
            rows = session.exec(select(StoredState).where(StoredState.kind == kind)).all()
            for row in rows:
                self._stored[(kind, row.key)] = row.data
            return {row.key: json.loads(row.data) for row in rows}

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        return defaultdict(dict, {int(k): v for k, v in self._load(USER).items()})

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return defaultdict(dict, {int(k): v for k, v in self._load(CHAT).items()})

    async def get_bot_data(self) -> dict[str, Any]:
        return self._load(BOT).get("bot", {})

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        return {tuple(json.loads(k)): v for k, v in self._load(f"conv:{name}").items()}

    # --- writing ---------------------------------------------------------------------------

    def _write(self, kind: str, key: str, value: Any) -> None:
        """One statement and a commit; nothing at all when the stored JSON would not change.

        This runs before most replies (write-through), so it avoids the ORM and a read."""
        data = (
            None
            if value is None or value == {}
            else json.dumps(value, separators=(",", ":"), sort_keys=True)
        )
        if self._stored.get((kind, key), _UNKNOWN) == data:
            return
        row = {"row_kind": kind, "row_key": key}
        engine = self.db.state_engine
        if engine.dialect.name == "postgresql":
            if data is None:
                _DRIVER["delete"].one(engine, row)
            else:
                _DRIVER["upsert"].one(engine, {**row, "new_data": data, "new_updated_at": utcnow()})
            self._stored[(kind, key)] = data
            return
        with engine.begin() as connection:
            if data is None:
                connection.execute(_DELETE, row)
            else:
                upsert = _UPSERTS[connection.dialect.name]
                connection.execute(upsert, {**row, "new_data": data, "new_updated_at": utcnow()})
        self._stored[(kind, key)] = data

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        self._write(USER, str(user_id), data)

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        self._write(CHAT, str(chat_id), data)

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        self._write(BOT, "bot", data)

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        self._write(f"conv:{name}", json.dumps(list(key)), new_state)

    async def drop_user_data(self, user_id: int) -> None:
        self._write(USER, str(user_id), None)

    async def drop_chat_data(self, chat_id: int) -> None:
        self._write(CHAT, str(chat_id), None)

    def forget(self, kind: str, key: str) -> None:
        """Someone deleted this row outside the persistence (erasure): stop trusting our copy."""
        self._stored.pop((kind, key), None)

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None


def forget_person(application: Application[Any, Any, Any, Any, Any, Any], telegram_id: int) -> None:
    """The person was erased (their rows went in the erasure's transaction): empty what the
    running Application holds for them, their user_data and their private chat's chat_data (a
    private chat has the person's id), and stop trusting this persistence's copies of the rows.
    Emptied in place, not dropped: neither a later `flows.save` nor PTB's periodic flush writes
    the old state back (empty data is no row), and a drop still pending at that flush cannot
    delete what they store after joining again meanwhile."""
    user_data = application.user_data.get(telegram_id)
    if user_data:
        user_data.clear()
    chat_data = application.chat_data.get(telegram_id)
    if chat_data:
        chat_data.clear()
    persistence = application.persistence
    if isinstance(persistence, DatabasePersistence):
        persistence.forget(USER, str(telegram_id))
        persistence.forget(CHAT, str(telegram_id))
