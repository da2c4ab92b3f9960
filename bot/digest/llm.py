"""Optional help for the digest from an OpenAI-compatible server: narrative and embeddings.

Both are off by default (`[digest.llm]` / `[digest.embeddings]` need a base_url and a model) and
both fail soft: the digest never waits longer than the configured timeout and never breaks
because a model is slow, down, or talks nonsense.

Contract for the digest (bot/digest*.py)
----------------------------------------
`await narratives(config, texts_by_swot, lang) -> dict[str, str]`
    texts_by_swot: {"strength": [text, ...], "weakness": [...], ...}, the texts of the visible
    (not hidden, not withdrawn) observations of one wijk and period. Pass ONLY the texts: this
    module sends nothing else (no names, ids, references or dates) and adds only the category's
    question and an instruction. Returns {swot: one short paragraph} for every category that had
    texts, in `lang` ("nl"/"en"); {} when switched off or on any failure (timeout, HTTP error,
    malformed answer, missing API key) - a warning is logged and the digest goes out without it.
    The paragraph is model output: escape it before putting it into HTML.

`await group_by_embeddings(config, items) -> list[bot.grouping.groups.Group] | None`
    The same input and output as `bot.grouping.groups.group_items`: groups never cross wijken (nor
    praise/complaint), keys "<wijk>:<n>" with n = 1 for the wijk's largest group, every item in
    exactly one group, labels from the built-in vocabulary. None when switched off or on any
    failure: then call `bot.grouping.groups.group_items(items)` instead.

The digest's build runs in a worker thread and takes plain callables; `make_narrator(config)`
and `make_grouper(config)` adapt the two coroutines to the hooks `services.digest_narrator`
(`(DigestData, lang) -> dict`) and `services.digest_grouper` (`items -> groups`, falling back
to the deterministic grouping itself); `install(services)` sets both when enabled.

Endpoints: `base_url` may be given with or without the trailing `/v1`
("http://127.0.0.1:8080" or "https://api.example.com/v1"); the key comes from the environment
variable named by `api_key_env` and is sent as `Authorization: Bearer <key>`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from bot.core.config import Config
from bot.digest.builder import DigestData
from bot.grouping.groups import Group, Item, Labels, group_items
from bot.grouping.vocabulary import load_vocabulary

if TYPE_CHECKING:
    from bot.context import Services

_log = logging.getLogger(__name__)

SWOT_ORDER = ("strength", "weakness", "opportunity", "threat")
MAX_TEXTS_PER_SWOT = 60
MAX_CHARS_PER_TEXT = 500
MAX_NARRATIVE_CHARS = 800
EMBEDDING_BATCH = 128
_POSITIVE = frozenset({"strength", "opportunity"})
_NEGATIVE = frozenset({"weakness", "threat"})

_QUESTIONS = {
    "nl": {
        "strength": "Wat gaat goed?",
        "weakness": "Wat kan beter?",
        "opportunity": "Welke kansen zien bewoners?",
        "threat": "Waar maken bewoners zich zorgen over?",
    },
    "en": {
        "strength": "What goes well?",
        "weakness": "What could be better?",
        "opportunity": "What chances do residents see?",
        "threat": "What worries residents?",
    },
}
_INSTRUCTIONS = {
    "nl": (
        "Je vat meldingen van bewoners over hun wijk samen voor de wijkcoach. Schrijf één korte "
        "alinea van hoogstens drie zinnen in eenvoudig Nederlands (taalniveau B1). Noem wat vaak "
        "terugkomt. Verzin niets. Noem geen namen, adressen of andere persoonsgegevens. "
        "Geef alleen de alinea, zonder kop of opsomming."
    ),
    "en": (
        "You summarise residents' observations about their district for the district coach. "
        "Write one short paragraph of at most three sentences in plain English. Say what comes "
        "up often. Do not invent anything. Do not mention names, addresses or other personal "
        "details. Give only the paragraph, without a heading or a list."
    ),
}


class _Failure(Exception):
    """Anything that makes the model's help unusable; the message is safe to log."""


def _endpoint(base_url: str, path: str) -> str:
    base = base_url.rstrip("/")
    if not base.endswith("/v1"):
        base += "/v1"
    return f"{base}/{path}"


def _headers(api_key_env: str) -> dict[str, str]:
    key = os.environ.get(api_key_env, "").strip()
    if not key:
        raise _Failure(f"no API key in ${api_key_env}")
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


async def _post(
    client: httpx.AsyncClient | None,
    url: str,
    headers: dict[str, str],
    body: Mapping[str, object],
    seconds: float,
) -> object:
    async def go(c: httpx.AsyncClient) -> object:
        response = await c.post(url, json=body, headers=headers, timeout=seconds)
        if response.status_code != 200:
            raise _Failure(f"HTTP {response.status_code} from {url}")
        try:
            return response.json()
        except ValueError:
            raise _Failure(f"no JSON from {url}") from None

    if client is not None:
        return await go(client)
    async with httpx.AsyncClient() as own:
        return await go(own)


# --- narrative -------------------------------------------------------------------------------


def _prompt(swot: str, texts: Sequence[str], lang: str) -> str:
    question = _QUESTIONS[lang][swot]
    lines = [" ".join(t.split())[:MAX_CHARS_PER_TEXT] for t in texts[:MAX_TEXTS_PER_SWOT]]
    heading = "Vraag" if lang == "nl" else "Question"
    listed = "Meldingen" if lang == "nl" else "Observations"
    return f"{heading}: {question}\n{listed}:\n" + "\n".join(f"- {line}" for line in lines if line)


def _paragraph(payload: object) -> str:
    choices = payload.get("choices") if isinstance(payload, dict) else None
    first = choices[0] if isinstance(choices, list) and choices else None
    message = first.get("message") if isinstance(first, dict) else None
    if not isinstance(message, dict) or "content" not in message:
        raise _Failure("answer without choices[0].message.content")
    content = message["content"]
    if not isinstance(content, str) or not content.strip():
        raise _Failure("empty answer")
    text = " ".join(content.split())
    if len(text) > MAX_NARRATIVE_CHARS:
        text = text[:MAX_NARRATIVE_CHARS].rsplit(" ", 1)[0] + "…"
    return text


async def narratives(
    config: Config,
    texts_by_swot: dict[str, list[str]],
    lang: str,
    *,
    client: httpx.AsyncClient | None = None,
) -> dict[str, str]:
    """One short paragraph per SWOT category that has texts; {} when off or on any failure."""
    llm = config.digest.llm
    if not llm.enabled:
        return {}
    lang = lang if lang in _QUESTIONS else "nl"
    wanted = [s for s in SWOT_ORDER if texts_by_swot.get(s)]
    if not wanted:
        return {}
    try:
        headers = _headers(llm.api_key_env)
        url = _endpoint(llm.base_url, "chat/completions")

        async def one(swot: str) -> str:
            body = {
                "model": llm.model,
                "messages": [
                    {"role": "system", "content": _INSTRUCTIONS[lang]},
                    {"role": "user", "content": _prompt(swot, texts_by_swot[swot], lang)},
                ],
                "temperature": 0.2,
                "max_tokens": 300,
            }
            return _paragraph(await _post(client, url, headers, body, llm.timeout_seconds))

        async with asyncio.timeout(llm.timeout_seconds):
            paragraphs = await asyncio.gather(*(one(s) for s in wanted))
    except (_Failure, httpx.HTTPError, TimeoutError) as exc:
        _log.warning("digest narrative skipped: %s", _describe(exc))
        return {}
    return dict(zip(wanted, paragraphs, strict=True))


# --- embeddings grouping -----------------------------------------------------------------------


def _vectors(payload: object, count: int) -> list[list[float]]:
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list) or len(data) != count:
        raise _Failure(f"expected {count} embeddings")
    vectors: list[list[float] | None] = [None] * count
    for position, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise _Failure("embedding entry is not an object")
        index = entry.get("index", position)
        vector = entry.get("embedding")
        if not isinstance(index, int) or not 0 <= index < count or vectors[index] is not None:
            raise _Failure("embedding indexes do not match the input")
        if not isinstance(vector, list) or not vector:
            raise _Failure("embedding is not a list of numbers")
        try:
            values = [float(v) for v in vector]
        except (TypeError, ValueError):
            raise _Failure("embedding is not a list of numbers") from None
        norm = math.sqrt(sum(v * v for v in values))
        if not math.isfinite(norm) or norm == 0:
            raise _Failure("embedding of length zero")
        vectors[index] = [v / norm for v in values]
    dims = {len(v) for v in vectors if v is not None}
    if len(dims) != 1:
        raise _Failure("embeddings of different sizes")
    return [v for v in vectors if v is not None]


async def _embed(
    config: Config, texts: list[str], client: httpx.AsyncClient | None
) -> list[list[float]]:
    emb = config.digest.embeddings
    headers = _headers(emb.api_key_env)
    url = _endpoint(emb.base_url, "embeddings")
    result: list[list[float]] = []
    for start in range(0, len(texts), EMBEDDING_BATCH):
        batch = texts[start : start + EMBEDDING_BATCH]
        # Servers reject empty input strings; a blank observation still needs a vector.
        body = {"model": emb.model, "input": [t.strip() or "-" for t in batch]}
        result += _vectors(await _post(client, url, headers, body, emb.timeout_seconds), len(batch))
    return result


def _polarity(swot: str | None) -> str:
    swot = (swot or "").strip().lower()
    return "+" if swot in _POSITIVE else "-" if swot in _NEGATIVE else "?"


def _id_key(item_id: str) -> tuple[int, int, str]:
    return (0, int(item_id), item_id) if item_id.isdigit() else (1, 0, item_id)


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def _cluster(
    members: list[tuple[Item, list[float]]], threshold: float
) -> list[list[tuple[Item, list[float]]]]:
    """Leader clustering on centroids, in id order: deterministic, linear in the groups."""
    clusters: list[tuple[list[tuple[Item, list[float]]], list[float]]] = []
    for item, vector in members:
        best, best_sim = -1, threshold
        for i, (_, total) in enumerate(clusters):
            norm = math.sqrt(_dot(total, total)) or 1.0
            sim = _dot(vector, total) / norm
            if sim >= best_sim:
                best, best_sim = i, sim
        if best < 0:
            clusters.append(([(item, vector)], list(vector)))
        else:
            group, total = clusters[best]
            group.append((item, vector))
            clusters[best] = (group, [a + b for a, b in zip(total, vector, strict=True)])
    return [group for group, _ in clusters]


def _representative(group: list[tuple[Item, list[float]]]) -> str:
    total = [sum(values) for values in zip(*(v for _, v in group), strict=True)]
    return min(group, key=lambda iv: (-_dot(iv[1], total), _id_key(iv[0].id)))[0].id


def _label(group: list[tuple[Item, list[float]]]) -> tuple[str, Labels]:
    # The built-in vocabulary names what most members are about ("Parkeerdruk"), in each language.
    named = group_items([item for item, _ in group])[0]
    return named.label, named.labels


def _groups(items: Sequence[Item], vectors: list[list[float]], threshold: float) -> list[Group]:
    blocks: dict[tuple[str, str], list[tuple[Item, list[float]]]] = defaultdict(list)
    for item, vector in sorted(
        zip(items, vectors, strict=True), key=lambda iv: (iv[0].wijk, _id_key(iv[0].id))
    ):
        blocks[(item.wijk, _polarity(item.swot))].append((item, vector))
    per_wijk: dict[str, list[list[tuple[Item, list[float]]]]] = defaultdict(list)
    for (wijk, _), block in sorted(blocks.items()):
        per_wijk[wijk].extend(_cluster(block, threshold))
    ranked: list[tuple[int, str, int, Group]] = []
    for wijk, clusters in per_wijk.items():
        labelled = [(c, _label(c)) for c in clusters]
        labelled.sort(key=lambda cl: (-len(cl[0]), cl[1][0], _id_key(cl[0][0][0].id)))
        for number, (cluster, (label, labels)) in enumerate(labelled, start=1):
            group = Group(
                key=f"{wijk}:{number}",
                label=label,
                member_ids=tuple(item.id for item, _ in cluster),
                representative_id=_representative(cluster),
                labels=labels,
            )
            ranked.append((-len(cluster), wijk, number, group))
    ranked.sort(key=lambda r: r[:3])
    return [r[3] for r in ranked]


async def group_by_embeddings(
    config: Config, items: Sequence[Item], *, client: httpx.AsyncClient | None = None
) -> list[Group] | None:
    """Groups by cosine similarity of embeddings; None when off or on any failure."""
    emb = config.digest.embeddings
    if not emb.enabled:
        return None
    if not items:
        return []
    try:
        async with asyncio.timeout(emb.timeout_seconds):
            vectors = await _embed(config, [item.text for item in items], client)
    except (_Failure, httpx.HTTPError, TimeoutError) as exc:
        _log.warning("embeddings grouping skipped, using the built-in grouping: %s", _describe(exc))
        return None
    return _groups(items, vectors, emb.threshold)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "no answer in time"
    return str(exc) or type(exc).__name__


# --- adapters for the digest's synchronous hooks -------------------------------------------------

T = TypeVar("T")


def run_sync(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine from synchronous code, also when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_await(factory))
    box: dict[str, Any] = {}

    def worker() -> None:
        try:
            box["value"] = asyncio.run(_await(factory))
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=worker, name="digest-llm")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


async def _await(factory: Callable[[], Awaitable[T]]) -> T:
    return await factory()


def make_narrator(config: Config) -> Callable[[DigestData, str], dict[str, str]]:
    """`(DigestData, lang) -> {swot: paragraph}` from the digest's rows (texts only)."""

    def narrator(data: DigestData, lang: str) -> dict[str, str]:
        texts: dict[str, list[str]] = defaultdict(list)
        for row in data.rows:
            if row.swot in SWOT_ORDER and row.text:
                texts[row.swot].append(row.text)
        return run_sync(lambda: narratives(config, dict(texts), lang))

    return narrator


def make_grouper(config: Config) -> Callable[[Sequence[Item]], list[Group]]:
    """`items -> groups`: embeddings when they work, else the deterministic grouping."""
    path = config.digest.vocabulary
    vocabulary = load_vocabulary(Path(path) if path else None)

    def grouper(items: Sequence[Item]) -> list[Group]:
        groups = run_sync(lambda: group_by_embeddings(config, items))
        return groups if groups is not None else group_items(items, vocabulary)

    return grouper


def install(services: Services) -> None:
    """Hook whatever is enabled into the digest (`services.digest_narrator`, `digest_grouper`);
    nothing when both are off."""
    config = services.config
    if config.digest.llm.enabled:
        services.digest_narrator = make_narrator(config)
    if config.digest.embeddings.enabled:
        services.digest_grouper = make_grouper(config)
