"""Fetching CBS "Kerncijfers wijken en buurten" and storing them (`wijkbot figures fetch`, monthly).

Per configured edition (year → table id): the table's metadata (`DataProperties`: Key and Title
of each topic) says which column holds which of our measures (bot/figures/measures.py); then one
`TypedDataSet` request for the municipality and every configured CBS wijk and buurt. Everything is
asked first and stored after, in one transaction: an edition CBS did not answer for (unreachable,
an answer of the wrong shape) keeps the rows it had. Within an edition that answered, a value is
written, an empty or suppressed value (`null`: CBS hides small numbers) removes the stored one (it
is no row, never 0), and a column the answer lacks leaves that measure's rows as they were.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import time as dt_time
from typing import TYPE_CHECKING, Any, cast

import httpx
from sqlmodel import Session, select

from bot.core.config import Config
from bot.core.database import Database
from bot.figures.measures import MEASURES, column_map
from bot.telegram.jobs import LATE_IS_FINE
from models import CbsFigure
from models.base import utcnow

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.context import WijkApplication, WijkContext

log = logging.getLogger(__name__)

USER_AGENT = "wijkbot/0.1"
_CODE = re.compile(r"GM\d{4}|WK\d{6}|BU\d{8}")
_KEY_WIDTH = 10  # v3 pads WijkenEnBuurten keys to 10 characters; an unpadded `eq` finds nothing


class CbsUnavailable(Exception):
    """CBS gave no usable answer for one edition; `reason` is safe to log and print."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class EditionAnswer:
    year: int
    dataset: str
    columns: dict[str, str]  # our measure → CBS Key
    rows: dict[str, dict[str, float | None]]  # region code → measure → value (None: empty)


@dataclass
class EditionResult:
    year: int
    dataset: str
    error: str | None = None
    written: int = 0
    removed: int = 0
    missing_measures: list[str] = field(default_factory=list)
    missing_regions: list[str] = field(default_factory=list)


@dataclass
class FetchResult:
    editions: list[EditionResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(e.error is None for e in self.editions)

    def lines(self) -> list[str]:
        out = []
        for e in self.editions:
            if e.error is not None:
                out.append(f"{e.year} {e.dataset}: not updated ({e.error}); stored figures kept")
                continue
            line = f"{e.year} {e.dataset}: {e.written} figures stored, {e.removed} removed"
            if e.missing_measures:
                line += f"; not in this table: {', '.join(e.missing_measures)}"
            if e.missing_regions:
                line += f"; no row for: {', '.join(e.missing_regions)}"
            out.append(line)
        return out


def region_codes(config: Config) -> list[str]:
    """The municipality and every configured CBS wijk and buurt, each once."""
    codes: list[str] = []
    if config.municipality.gemeentecode:
        codes.append(f"GM{config.municipality.gemeentecode.removeprefix('GM').zfill(4)}")
    for wijk in config.wijken:
        for code in (*wijk.cbs_wijk_codes, *wijk.cbs_buurt_codes):
            code = code.strip().upper()
            if _CODE.fullmatch(code) and code not in codes:
                codes.append(code)
    return codes


async def _get(client: httpx.AsyncClient, url: str, params: dict[str, str], seconds: float) -> Any:
    """GET JSON; one retry on a transport error, timeout or 5xx; else CbsUnavailable."""
    reason = "no answer"
    for attempt in (1, 2):
        try:
            async with asyncio.timeout(seconds):
                response = await client.get(url, params=params)
        except (TimeoutError, httpx.TimeoutException):
            reason = "timeout"
        except httpx.HTTPError as exc:
            reason = type(exc).__name__
        else:
            if response.status_code >= 500:
                reason = f"HTTP {response.status_code}"
            elif response.status_code != 200:
                raise CbsUnavailable(f"HTTP {response.status_code}")
            else:
                try:
                    return response.json()
                except ValueError:
                    raise CbsUnavailable("the answer is not JSON") from None
        if attempt == 1:
            await asyncio.sleep(0.2)
    raise CbsUnavailable(reason)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):  # UntypedDataSet style: "   183.3", "       ." for empty
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            return None
    return None


async def fetch_edition(
    client: httpx.AsyncClient,
    base_url: str,
    year: int,
    dataset: str,
    codes: Sequence[str],
    seconds: float,
) -> EditionAnswer:
    root = f"{base_url.rstrip('/')}/{dataset}"
    meta = await _get(client, f"{root}/DataProperties", {"$format": "json"}, seconds)
    try:
        topics = [
            (str(p["Key"]).strip(), str(p.get("Title") or ""))
            for p in meta["value"]
            if str(p.get("Type", "")) == "Topic" and str(p.get("Key", "")).strip()
        ]
    except (KeyError, TypeError, AttributeError):
        raise CbsUnavailable("the metadata has an unexpected shape") from None
    columns, unknown = column_map(topics)
    if not columns:
        raise CbsUnavailable("the metadata names none of our measures")
    log.info("cbs %s: %d columns of ours, %d others skipped", dataset, len(columns), len(unknown))
    clauses = " or ".join(f"WijkenEnBuurten eq '{c.ljust(_KEY_WIDTH)}'" for c in codes)
    params = {
        "$format": "json",
        "$filter": clauses,
        "$select": ",".join(("WijkenEnBuurten", *columns.values())),
    }
    body = await _get(client, f"{root}/TypedDataSet", params, seconds)
    try:
        raw_rows = body["value"]
        if not isinstance(raw_rows, list):
            raise TypeError
        rows: dict[str, dict[str, float | None]] = {}
        present: set[str] = set()
        for row in raw_rows:
            code = str(row["WijkenEnBuurten"]).strip().upper()
            if code not in codes:
                continue
            values: dict[str, float | None] = {}
            for measure, key in columns.items():
                if key in row:
                    present.add(measure)
                    values[measure] = _number(row[key])
            rows[code] = values
    except (KeyError, TypeError, AttributeError):
        raise CbsUnavailable("the data has an unexpected shape") from None
    # A column the metadata named but the answer lacks: that measure stays as stored.
    kept = {m: k for m, k in columns.items() if m in present}
    return EditionAnswer(year, dataset, kept, rows)


def store(session: Session, answers: Sequence[EditionAnswer]) -> dict[str, tuple[int, int]]:
    """Writes what CBS answered into `session` (the caller commits): per edition and region,
    each measure it carries is written, or removed when its value is empty. Returns per
    dataset (values written, stored values removed)."""
    now = utcnow()
    done: dict[str, tuple[int, int]] = {}
    for answer in answers:
        written = removed = 0
        stored = {
            (f.region_code, f.measure): f
            for f in session.exec(select(CbsFigure).where(CbsFigure.dataset == answer.dataset))
        }
        for code, values in answer.rows.items():
            for measure, value in values.items():
                row = stored.get((code, measure))
                if value is None:
                    if row is not None:
                        session.delete(row)
                        removed += 1
                    continue
                written += 1
                if row is None:
                    session.add(
                        CbsFigure(
                            dataset=answer.dataset,
                            year=answer.year,
                            region_code=code,
                            measure=measure,
                            value=value,
                            fetched_at=now,
                        )
                    )
                else:
                    row.value, row.year, row.fetched_at = value, answer.year, now
                    session.add(row)
        done[answer.dataset] = (written, removed)
    return done


async def fetch_figures(
    db: Database,
    config: Config,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FetchResult:
    """Ask CBS for every configured edition, then store what came in one transaction."""
    codes = region_codes(config)
    result = FetchResult()
    answers: list[EditionAnswer] = []
    async with httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(config.opendata.timeout_seconds * 3),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
    ) as client:
        for year, dataset in config.figures.editions():
            outcome = EditionResult(year, dataset)
            result.editions.append(outcome)
            if not codes:
                outcome.error = "no CBS areas configured"
                continue
            try:
                answer = await fetch_edition(
                    client,
                    config.opendata.cbs_url,
                    year,
                    dataset,
                    codes,
                    config.opendata.timeout_seconds * 3,
                )
            except CbsUnavailable as exc:
                outcome.error = exc.reason
                log.warning("cbs %s (%d): not updated: %s", dataset, year, exc.reason)
                continue
            answers.append(answer)
    by_dataset = {e.dataset: e for e in result.editions}
    with db.session() as session:
        done = store(session, answers)
        session.commit()
    for answer in answers:
        outcome = by_dataset[answer.dataset]
        outcome.written, outcome.removed = done[answer.dataset]
        outcome.missing_measures = [m.key for m in MEASURES if m.key not in answer.columns]
        outcome.missing_regions = [c for c in codes if c not in answer.rows]
        if outcome.missing_measures:
            log.info(
                "cbs %s: no column for %s", answer.dataset, ", ".join(outcome.missing_measures)
            )
        if outcome.missing_regions:
            missing = ", ".join(outcome.missing_regions)
            log.warning("cbs %s: no row for %s", answer.dataset, missing)
    return result


# --- the monthly job ---------------------------------------------------------------------------

JOB_NAME = "cbs-figures"


def install(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Once a month (`[figures] fetch_day`, `fetch_hour`, local time); nothing at start-up: the
    stored figures serve until then (`wijkbot figures fetch` fills them at once)."""
    services = cast("WijkApplication", app).services
    figures = services.config.figures
    if not figures.enabled or not figures.datasets:
        return
    if app.job_queue is None:
        log.warning("no JobQueue: CBS figures will not be fetched monthly")
        return
    when = dt_time(figures.fetch_hour, 0, tzinfo=services.tz)
    app.job_queue.run_monthly(
        _monthly,
        when=when,
        day=figures.fetch_day,
        name=JOB_NAME,
        job_kwargs=LATE_IS_FINE,
    )


async def _monthly(context: WijkContext) -> None:
    services = context.services
    try:
        result = await fetch_figures(services.db, services.config, transport=services.cbs_transport)
    except Exception:  # a broken run keeps the stored figures and must not stop the next one
        log.exception("cbs figures: monthly fetch failed; stored figures kept")
        return
    for line in result.lines():
        log.info("cbs figures: %s", line)


# --- a shipped file (the offline demo) ---------------------------------------------------------


def load_file(db: Database, path: Any) -> bool:
    """Store the figures of a file shaped like bot/demo/data/figures_elsrijk.json (rows of
    dataset, year, region_code, measure, value); True when the file says they are illustrative."""
    body = json.loads(path.read_text(encoding="utf-8"))
    answers: dict[tuple[int, str], dict[str, dict[str, float | None]]] = {}
    for row in body["figures"]:
        rows = answers.setdefault((int(row["year"]), str(row["dataset"])), {})
        rows.setdefault(str(row["region_code"]), {})[str(row["measure"])] = float(row["value"])
    editions = [EditionAnswer(year, dataset, {}, rows) for (year, dataset), rows in answers.items()]
    with db.session() as session:
        store(session, editions)
        session.commit()
    return bool(body.get("illustrative", True))
