"""Stored grouping signatures brought up to date after the vocabulary or the grouping changed.

An observation's signature (observation.grouping_signature, with grouping_matter and
grouping_concept beside it) is made when it is filed and names the vocabulary it was made with
(`bot.grouping.fingerprint`). After a new vocabulary or a new version of the grouping
code every stored one names the old one: the digest matches those texts again on every build,
its counts per matter mix old and new keys, and "ik ook" (bot/observations/same_matter.py, by
grouping_concept) finds none of them. This re-makes them from the stored text.

No Telegram here. Each batch is read by id (so a run resumes where it stopped), its signatures
are made outside any transaction, and it is written in one short transaction whose UPDATE only
changes a row that still holds the signature that was read (compare-and-set): a row filed or
refreshed by someone else meanwhile is left as it is. Nothing but the three grouping columns is
written. `install(app)` adds the start-up job; `wijkbot signatures refresh` runs it by hand.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.types import Integer, String

from bot.core.database import Database
from bot.grouping import signatures
from bot.grouping.vocabulary import Vocabulary
from bot.telegram.jobs import LATE_IS_FINE
from models import Observation

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.context import WijkContext

_log = logging.getLogger(__name__)

BATCH = 500
PAUSE_SECONDS = 0.2  # between the start-up job's batches: the bot keeps answering meanwhile
JOB_NAME = "signatures-refresh-startup"

_obs = Observation.__table__  # type: ignore[attr-defined]

# Built once: the rows after an id whose signature another vocabulary made (or none at all).
_STALE = (
    select(_obs.c.id, _obs.c.text, _obs.c.grouping_signature)
    .where(
        _obs.c.id > bindparam("after", type_=Integer),
        or_(
            _obs.c.grouping_signature.is_(None),
            _obs.c.grouping_signature.not_like(bindparam("current", type_=String)),
        ),
    )
    .order_by(_obs.c.id)
    .limit(bindparam("size", type_=Integer))
)
# Compare-and-set: only while the row still holds the signature that was read.
_SET = (
    update(_obs)
    .where(
        _obs.c.id == bindparam("row_id", type_=Integer),
        _obs.c.grouping_signature.is_not_distinct_from(bindparam("old", type_=String)),
    )
    .values(
        grouping_signature=bindparam("signature", type_=String),
        grouping_matter=bindparam("matter", type_=String),
        grouping_concept=bindparam("concept", type_=String),
    )
)


class Batch(NamedTuple):
    """One batch done: how many rows were refreshed, and the last id read (None: none left)."""

    refreshed: int
    last_id: int | None


def refresh_batch(
    db: Database, vocabulary: Vocabulary, *, after: int = 0, size: int = BATCH
) -> Batch:
    """Refresh up to `size` stale rows with an id above `after`."""
    current = vocabulary.matcher.fingerprint + "|%"  # hex digits and "|": no LIKE wildcards
    with db.engine.connect() as conn:
        rows = conn.execute(_STALE, {"after": after, "current": current, "size": size}).all()
        conn.rollback()  # nothing held while the signatures are made
    if not rows:
        return Batch(0, None)
    changes: list[dict[str, Any]] = []
    for row_id, text, old in rows:
        try:
            made = signatures.signature(text, vocabulary)
        except Exception:  # one text the matcher cannot read must not stop the others
            _log.exception("could not refresh the grouping signature of an observation")
            continue
        changes.append(
            {
                "row_id": row_id,
                "old": old,
                "signature": made,
                "matter": signatures.matter_key(made),
                "concept": signatures.concept_key(made),
            }
        )
    refreshed = 0
    if changes:
        with db.engine.begin() as conn:
            refreshed = conn.execute(_SET, changes).rowcount
    return Batch(refreshed, rows[-1][0])


def refresh_signatures(
    db: Database,
    vocabulary: Vocabulary,
    *,
    batch: int = BATCH,
    limit: int | None = None,
) -> int:
    """Refresh every observation whose signature another vocabulary (or version of the
    grouping) made, or that has none; at most `limit` rows read. Returns how many changed."""
    total, after, read = 0, 0, 0
    while limit is None or read < limit:
        size = batch if limit is None else min(batch, limit - read)
        done = refresh_batch(db, vocabulary, after=after, size=size)
        if done.last_id is None:
            break
        total += done.refreshed
        read += size
        after = done.last_id
    return total


# --- the start-up job ---------------------------------------------------------------------------


def install(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """One run at start-up, in batches with pauses between them, until nothing is left."""
    if app.job_queue is None:
        _log.warning("no JobQueue: stored grouping signatures will not be refreshed")
        return
    # A date job in the past fires at once; a late start must still run.
    app.job_queue.run_once(_startup, when=0, name=JOB_NAME, job_kwargs=LATE_IS_FINE)


async def refresh_in_background(
    db: Database, vocabulary: Vocabulary, pause: float = PAUSE_SECONDS
) -> int:
    """refresh_signatures, a batch at a time in a worker thread, pausing between batches."""
    total, after = 0, 0
    while True:
        done = await asyncio.to_thread(refresh_batch, db, vocabulary, after=after)
        if done.last_id is None:
            return total
        total += done.refreshed
        after = done.last_id
        await asyncio.sleep(pause)


async def _startup(context: WijkContext) -> None:
    from bot.digest.builder import vocabulary_for

    services = context.services
    try:
        vocabulary = vocabulary_for(services.config.digest.vocabulary)
        total = await refresh_in_background(services.db, vocabulary)
        _log.info("refreshed %d stored grouping signatures", total)
    except Exception:  # the bot works without it: the digest matches those texts itself
        _log.exception("refreshing the stored grouping signatures failed")
    finally:
        # Finished runs: lets a test (or an operator) see the start-up refresh happened.
        services.signature_refreshes += 1
