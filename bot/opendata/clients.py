"""Open data: postcode → spiegel wijk through PDOK Locatieserver, and CBS key figures per wijk.

PDOK (`/free`, v3_1): only *address* documents carry `wijkcode`/`buurtcode`; postcode documents do
not. So a lookup asks for the addresses of one PC6 (`q=postcode:1181AB`, `fq=type:adres`, plus
`fq=huisnummer:12` when given) and maps each address to a spiegel wijk: buurtcode first (the
configured buurt mapping is more specific), then wijkcode. v3_1 rejects query parameters that are
not in its OpenAPI spec, so only `q`, `fq`, `fl` and `rows` are sent.

CBS (OData v3 `TypedDataSet`): `WijkenEnBuurten` keys are space-padded to 10 characters and an
unpadded `eq` silently matches nothing, so the filter pads and the answer is stripped.

Network problems never raise: short timeouts, exactly one retry on a transport error, a timeout or
a 5xx, then `LookupStatus.UNREACHABLE` (PDOK) or `{}` (CBS). Logs name at most the PC4.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any, Protocol

import httpx

log = logging.getLogger(__name__)

PDOK_URL = "https://api.pdok.nl/bzk/locatieserver/search/v3_1"
CBS_URL = "https://opendata.cbs.nl/ODataApi/odata"
CBS_TABLE = "86165NED"
USER_AGENT = "wijkbot/0.1"

# Fields asked from PDOK: Solr returns only these (and omits empty ones, e.g. `huisletter`).
PDOK_FIELDS = (
    "type",
    "weergavenaam",
    "straatnaam",
    "woonplaatsnaam",
    "postcode",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "gemeentecode",
    "wijkcode",
    "buurtcode",
)

# 86165NED (2025) keys; the number suffix changes between editions (OPEN_DATA.md §2.5).
CBS_FIELDS = (
    "AantalInwoners_5",
    "k_0Tot15Jaar_8",
    "k_15Tot25Jaar_9",
    "k_25Tot45Jaar_10",
    "k_45Tot65Jaar_11",
    "k_65JaarOfOuder_12",
    "HuishoudensTotaal_29",
    "Eenpersoonshuishoudens_30",
    "HuishoudensZonderKinderen_31",
    "HuishoudensMetKinderen_32",
    "GemiddeldeHuishoudensgrootte_33",
    "Koopwoningen_47",
    "HuurwoningenTotaal_48",
)

# "1181AB", "1181 AB", "1181-AB", with the country before it as on a letter from abroad
# ("NL-1181AB", "NL 1181 AB"): the forms people write.
_NL = r"(?:NL\s*-?\s*)?"
_POSTCODE = re.compile(_NL + r"([1-9][0-9]{3})\s*-?\s*([A-Z]{2})")
_FORBIDDEN_LETTERS = frozenset({"SA", "SD", "SS"})
_HOUSE_NUMBER = re.compile(
    r"(?P<num>[1-9][0-9]{0,4})"
    r"(?:\s*[-/]?\s*(?P<letter>[A-Z])(?![A-Z0-9]))?"
    r"(?:\s*[-/]?\s*(?P<addition>[A-Z0-9]{1,4}))?"
)
_INPUT = re.compile(
    _NL + r"(?P<pc>[0-9]{4}\s*-?\s*[A-Z]{2})(?:(?:\s*[,;]\s*|\s+|(?=[0-9]))(?P<nr>\S.*))?"
)
_CBS_CODE = re.compile(r"NL[0-9]{2}|GM[0-9]{4}|WK[0-9]{4}[0-9A-Z]{2}|BU[0-9]{4}[0-9A-Z]{4}")
_CBS_KEY_WIDTH = 10


# --------------------------------------------------------------------------------------------
# Input parsing


def normalise_postcode(text: str) -> str | None:
    """Normalise a PC6: "1181 ab", "1181-AB", "NL-1181AB" → "1181AB"; None unless Dutch (no
    leading 0, not SA/SD/SS). The one place that says what a postcode may look like."""
    m = _POSTCODE.fullmatch(" ".join(text.split()).upper())
    if m is None or m.group(2) in _FORBIDDEN_LETTERS:
        return None
    return m.group(1) + m.group(2)


def _split_house_number(text: str) -> tuple[int, str, str] | None:
    text = text.strip().upper()
    m = _HOUSE_NUMBER.fullmatch(text)
    if m is None or (m.group("addition") and text[m.start("addition") - 1].isdigit()):
        return None  # "123456" is not 12345 with addition 6
    return int(m.group("num")), m.group("letter") or "", m.group("addition") or ""


def normalise_house_number(text: str) -> str | None:
    """Canonical form: "12-a" → "12A", "12a-2" → "12A-2", "12 bis" → "12-BIS"; None if malformed."""
    parts = _split_house_number(text)
    if parts is None:
        return None
    num, letter, addition = parts
    return f"{num}{letter}" + (f"-{addition}" if addition else "")


def parse_postcode_input(text: str) -> tuple[str, str | None] | None:
    """Split "1181AB 12" or "1181 ab, 12-a" into (postcode, house number or None), or None."""
    m = _INPUT.fullmatch(text.strip().upper())
    if m is None:
        return None
    postcode = normalise_postcode(m.group("pc"))
    if postcode is None:
        return None
    if m.group("nr") is None:
        return postcode, None
    house_number = normalise_house_number(m.group("nr"))
    return (postcode, house_number) if house_number is not None else None


# --------------------------------------------------------------------------------------------
# Results and configuration


class LookupStatus(StrEnum):
    FOUND = "found"
    AMBIGUOUS = "ambiguous"  # a house number was given and still spans several wijken
    NEEDS_HOUSE_NUMBER = "needs_house_number"  # the postcode spans several wijken
    # The address (or the postcode) is certain, but its CBS area is shared by several spiegel
    # wijken: the person chooses (candidates).
    SHARED = "shared"
    # The postcode exists, the house number not: `wijk_slug` when the postcode lies in one
    # wijk, else the wijken it spans (candidates).
    UNKNOWN_HOUSE_NUMBER = "unknown_house_number"
    OUTSIDE_MUNICIPALITY = "outside_municipality"
    NOT_FOUND = "not_found"
    MALFORMED = "malformed"
    UNREACHABLE = "unreachable"
    UNMAPPED = "unmapped"  # a CBS wijk/buurt in the municipality that no spiegel wijk covers


@dataclass(frozen=True)
class PostcodeLookup:
    status: LookupStatus
    wijk_slug: str | None = None
    candidates: tuple[str, ...] = ()  # wijk slugs when a postcode spans several wijken
    address: str | None = None  # PDOK weergavenaam of the matched address
    cbs_wijk_code: str | None = None
    cbs_buurt_code: str | None = None


class AreaLike(Protocol):
    """What the client needs of a configured spiegel wijk (e.g. `bot.core.config.WijkConfig`)."""

    @property
    def slug(self) -> str: ...
    @property
    def cbs_wijk_codes(self) -> Sequence[str]: ...
    @property
    def cbs_buurt_codes(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class WijkArea:
    slug: str
    cbs_wijk_codes: tuple[str, ...] = ()
    cbs_buurt_codes: tuple[str, ...] = ()

    @classmethod
    def of(cls, area: AreaLike) -> WijkArea:
        return cls(area.slug, tuple(area.cbs_wijk_codes), tuple(area.cbs_buurt_codes))


_CACHED = frozenset(LookupStatus) - {LookupStatus.UNREACHABLE, LookupStatus.MALFORMED}


class _TtlLru:
    """A small LRU cache whose entries also expire after `ttl` seconds."""

    def __init__(self, size: int, ttl: float, clock: Callable[[], float]) -> None:
        self._size, self._ttl, self._clock = size, ttl, clock
        self._data: OrderedDict[tuple[str, str | None], tuple[float, PostcodeLookup]] = (
            OrderedDict()
        )

    def get(self, key: tuple[str, str | None]) -> PostcodeLookup | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires <= self._clock():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return value

    def put(self, key: tuple[str, str | None], value: PostcodeLookup) -> None:
        if self._size <= 0 or self._ttl <= 0:
            return
        self._data[key] = (self._clock() + self._ttl, value)
        self._data.move_to_end(key)
        while len(self._data) > self._size:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


# --------------------------------------------------------------------------------------------
# HTTP with one retry


class _Unavailable(Exception):
    """The service could not give a usable answer (after the retry, where one applies)."""


async def _get_json(
    client: httpx.AsyncClient,
    url: str,
    params: Mapping[str, str | Sequence[str]],
    *,
    attempt_seconds: float,
    retry_delay: float,
    what: str,
) -> Any:
    """GET and decode JSON; one retry on transport error, timeout or 5xx; else `_Unavailable`."""
    for attempt in (1, 2):
        try:
            async with asyncio.timeout(attempt_seconds):
                response = await client.get(url, params=params)
        except (TimeoutError, httpx.TimeoutException):
            reason = "timeout"
        except httpx.TransportError as exc:
            reason = type(exc).__name__
        except httpx.HTTPError as exc:  # e.g. a body that cannot be decoded: not transient
            log.warning("%s: request failed: %s", what, type(exc).__name__)
            raise _Unavailable from exc
        else:
            if response.status_code >= 500:
                reason = f"HTTP {response.status_code}"
            elif response.status_code != 200:
                # 4xx: our request is wrong (v3_1 answers 400 to unknown parameters); no retry.
                log.error("%s: HTTP %d, not retried", what, response.status_code)
                raise _Unavailable
            else:
                try:
                    return response.json()
                except ValueError as exc:
                    log.warning("%s: response is not JSON", what)
                    raise _Unavailable from exc
        if attempt == 1:
            log.info("%s: %s, retrying once", what, reason)
            await asyncio.sleep(retry_delay)
        else:
            log.warning("%s: %s after retry, giving up", what, reason)
    raise _Unavailable


def _text(value: object) -> str:
    """A PDOK/CBS field as a stripped string ("" when absent or not scalar)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


# --------------------------------------------------------------------------------------------
# PDOK


@dataclass(frozen=True)
class _Address:
    weergavenaam: str
    postcode: str
    straatnaam: str
    woonplaatsnaam: str
    huisnummer: str
    suffix: tuple[str, str]  # (huisletter, huisnummertoevoeging), upper case
    gemeentecode: str
    wijkcode: str
    buurtcode: str


def _gemeentecode(code: str) -> str:
    code = code.strip().upper()
    return code[2:] if code.startswith("GM") else code


class PdokClient:
    """Postcode (+ house number) → spiegel wijk, through PDOK Locatieserver `/free`."""

    def __init__(
        self,
        *,
        gemeentecode: str,
        areas: Sequence[AreaLike],
        base_url: str = PDOK_URL,
        timeout: float = 3.0,
        transport: httpx.AsyncBaseTransport | None = None,
        cache_size: int = 2048,
        cache_ttl: float = 86400,
        rows: int = 50,
        retry_delay: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._gemeentecode = _gemeentecode(gemeentecode)
        self._url = base_url.rstrip("/") + "/free"
        self._timeout = timeout
        self._rows = max(1, min(rows, 100))  # the spec's maximum is 100
        self._retry_delay = retry_delay
        self._cache = _TtlLru(cache_size, cache_ttl, clock)
        self._order: dict[str, int] = {}
        # A CBS code may belong to several spiegel wijken (a spiegel wijk that is only part of a
        # CBS wijk): the lookup then offers those wijken to choose from.
        self._by_wijk: dict[str, tuple[str, ...]] = {}
        self._by_buurt: dict[str, tuple[str, ...]] = {}
        for index, area in enumerate(areas):
            self._order.setdefault(area.slug, index)
            for table, codes in (
                (self._by_wijk, area.cbs_wijk_codes),
                (self._by_buurt, area.cbs_buurt_codes),
            ):
                for raw in codes:
                    code = raw.strip().upper()
                    if area.slug not in table.get(code, ()):
                        table[code] = (*table.get(code, ()), area.slug)
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )

    async def __aenter__(self) -> PdokClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def lookup(self, postcode: str, house_number: str | None = None) -> PostcodeLookup:
        pc = normalise_postcode(postcode)
        given = house_number is not None and str(house_number).strip() != ""
        number = normalise_house_number(str(house_number)) if given else None
        if pc is None or (given and number is None):
            return PostcodeLookup(LookupStatus.MALFORMED)
        key = (pc, number)
        cached = self._cache.get(key)
        if cached is not None:
            log.debug("pdok pc4=%s: cached %s", pc[:4], cached.status)
            return cached
        result = await self._lookup(pc, number)
        log.info("pdok pc4=%s house_number=%s: %s", pc[:4], number is not None, result.status)
        if result.status in _CACHED:
            self._cache.put(key, result)
        return result

    async def _lookup(self, pc: str, number: str | None) -> PostcodeLookup:
        parts = None if number is None else _split_house_number(number)
        fq = ["type:adres"]
        if parts is not None:
            fq.append(f"huisnummer:{parts[0]}")
        params = {
            "q": f"postcode:{pc}",
            "fq": fq,
            "fl": ",".join(PDOK_FIELDS),
            "rows": str(self._rows),
        }
        what = f"pdok pc4={pc[:4]}"
        try:
            body = await _get_json(
                self._client,
                self._url,
                params,
                attempt_seconds=self._timeout,
                retry_delay=self._retry_delay,
                what=what,
            )
            num_found, addresses = self._parse(body, pc)
        except _Unavailable:
            return PostcodeLookup(LookupStatus.UNREACHABLE)
        if parts is not None:
            addresses = _match_house_number(addresses, parts)
            if not addresses:
                return await self._number_unknown(pc)
        elif num_found > len(addresses):
            log.info("%s: %d of %d addresses seen", what, len(addresses), num_found)
        return self._decide(addresses, house_number_given=parts is not None)

    async def _number_unknown(self, pc: str) -> PostcodeLookup:
        """No address with that number: what the postcode alone says (asked once more, without
        the number; cached as any lookup). A postcode that exists is not "not found"."""
        whole = await self.lookup(pc)
        if whole.status is LookupStatus.FOUND:
            return PostcodeLookup(
                LookupStatus.UNKNOWN_HOUSE_NUMBER,
                wijk_slug=whole.wijk_slug,
                candidates=(whole.wijk_slug,) if whole.wijk_slug else (),
                cbs_wijk_code=whole.cbs_wijk_code,
                cbs_buurt_code=whole.cbs_buurt_code,
            )
        if whole.candidates:  # the postcode spans several wijken, or a shared CBS area
            return PostcodeLookup(LookupStatus.UNKNOWN_HOUSE_NUMBER, candidates=whole.candidates)
        return whole  # not found, outside, unmapped or unreachable: as for the postcode

    def _parse(self, body: Any, pc: str) -> tuple[int, list[_Address]]:
        try:
            response = body["response"]
            docs = response["docs"]
            if not isinstance(docs, list):
                raise TypeError("docs is not a list")
            num_found = response.get("numFound", len(docs))
            if not isinstance(num_found, int):
                num_found = len(docs)
            addresses = []
            for doc in docs:
                postcode = _text(doc.get("postcode")).replace(" ", "").upper()
                if _text(doc.get("type", "adres")) != "adres" or postcode not in ("", pc):
                    continue  # a postcode doc (no wijk fields) or a fuzzy hit on another postcode
                addresses.append(
                    _Address(
                        weergavenaam=_text(doc.get("weergavenaam")),
                        postcode=postcode or pc,
                        straatnaam=_text(doc.get("straatnaam")),
                        woonplaatsnaam=_text(doc.get("woonplaatsnaam")),
                        huisnummer=_text(doc.get("huisnummer")),
                        suffix=(
                            _text(doc.get("huisletter")).upper(),
                            _text(doc.get("huisnummertoevoeging")).upper(),
                        ),
                        gemeentecode=_gemeentecode(_text(doc.get("gemeentecode"))),
                        wijkcode=_text(doc.get("wijkcode")).upper(),
                        buurtcode=_text(doc.get("buurtcode")).upper(),
                    )
                )
        except (KeyError, TypeError, AttributeError) as exc:
            log.warning("pdok pc4=%s: unexpected response shape", pc[:4])
            raise _Unavailable from exc
        return num_found, addresses

    def _slugs(self, address: _Address) -> tuple[str, ...]:
        return self._by_buurt.get(address.buurtcode) or self._by_wijk.get(address.wijkcode) or ()

    def _decide(self, addresses: list[_Address], *, house_number_given: bool) -> PostcodeLookup:
        if not addresses:
            return PostcodeLookup(LookupStatus.NOT_FOUND)
        inside = [a for a in addresses if a.gemeentecode == self._gemeentecode]
        if not inside:
            return PostcodeLookup(LookupStatus.OUTSIDE_MUNICIPALITY, address=_address(addresses))
        by_slugs: dict[tuple[str, ...], list[_Address]] = {}
        for a in inside:
            by_slugs.setdefault(self._slugs(a), []).append(a)
        outcomes = len(by_slugs) + (len(inside) < len(addresses))  # outside counts as one more
        if outcomes == 1:
            ((slugs, chosen),) = by_slugs.items()
            if len(slugs) > 1:
                # The address is certain, but its CBS area is shared by several spiegel wijken:
                # a house number cannot decide, the person can.
                return PostcodeLookup(
                    LookupStatus.SHARED,
                    candidates=tuple(sorted(slugs, key=self._order.__getitem__)),
                    address=_address(chosen),
                    cbs_wijk_code=_only(a.wijkcode for a in chosen),
                    cbs_buurt_code=_only(a.buurtcode for a in chosen),
                )
            return PostcodeLookup(
                LookupStatus.FOUND if slugs else LookupStatus.UNMAPPED,
                wijk_slug=slugs[0] if slugs else None,
                address=_address(chosen),
                cbs_wijk_code=_only(a.wijkcode for a in chosen),
                cbs_buurt_code=_only(a.buurtcode for a in chosen),
            )
        candidates = tuple(
            sorted({s for slugs in by_slugs for s in slugs}, key=self._order.__getitem__)
        )
        status = LookupStatus.AMBIGUOUS if house_number_given else LookupStatus.NEEDS_HOUSE_NUMBER
        return PostcodeLookup(status, candidates=candidates)


def _match_house_number(addresses: list[_Address], parts: tuple[int, str, str]) -> list[_Address]:
    """The addresses with this number; narrowed to the exact letter/addition when one matches."""
    num, letter, addition = parts
    same_number = [a for a in addresses if a.huisnummer == str(num)]
    exact = [a for a in same_number if a.suffix == (letter, addition)]
    if exact:
        return exact
    loose = [a for a in same_number if "".join(a.suffix) == letter + addition]
    return loose or same_number  # an unknown suffix still tells the wijk of the number


def _only(values: Iterable[str]) -> str | None:
    distinct = {v for v in values if v}
    return distinct.pop() if len(distinct) == 1 else None


def _address(addresses: list[_Address]) -> str | None:
    """The weergavenaam of a single address, else "Straat, 1181AB Plaats" when they share it."""
    if len(addresses) == 1:
        return addresses[0].weergavenaam or None
    streets = {(a.straatnaam, a.woonplaatsnaam) for a in addresses}
    if len(streets) == 1:
        ((street, place),) = streets
        if street and place:
            return f"{street}, {addresses[0].postcode} {place}"
    return None


# --------------------------------------------------------------------------------------------
# CBS


def _number(value: object) -> float | int | None:
    """A TypedDataSet value as a number or None; ValueError for a text column (a name, a type)."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text in ("", "."):  # "." is CBS's mark for a suppressed value in untyped data
            return None
        try:
            return int(text)
        except ValueError:
            return float(text)  # raises ValueError for text
    raise ValueError(f"not a number: {type(value).__name__}")


class CbsClient:
    """CBS StatLine key figures ("Kerncijfers wijken en buurten") per wijk/buurt code."""

    def __init__(
        self,
        *,
        table_id: str = CBS_TABLE,
        base_url: str = CBS_URL,
        fields: Sequence[str] = CBS_FIELDS,
        timeout: float = 3.0,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_delay: float = 0.2,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/{table_id}/TypedDataSet"
        self._fields = tuple(fields)
        self._timeout = timeout
        self._retry_delay = retry_delay
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )

    async def __aenter__(self) -> CbsClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def kerncijfers(self, codes: Sequence[str]) -> dict[str, dict[str, float | int | None]]:
        """{"WK036203": {"AantalInwoners_5": 3720, ...}}; codes CBS has no row for are absent."""
        wanted: list[str] = []
        for raw in codes:
            code = raw.strip().upper()
            if not _CBS_CODE.fullmatch(code):
                log.warning("cbs: skipping malformed code %r", raw)
            elif code not in wanted:
                wanted.append(code)
        if not wanted:
            return {}
        # Keys are padded to 10 characters in v3; an unpadded `eq` matches nothing.
        clauses = (f"WijkenEnBuurten eq '{code.ljust(_CBS_KEY_WIDTH)}'" for code in wanted)
        params = {
            "$format": "json",
            "$filter": " or ".join(clauses),
            "$select": ",".join(("WijkenEnBuurten", *self._fields)),
        }
        try:
            body = await _get_json(
                self._client,
                self._url,
                params,
                attempt_seconds=self._timeout,
                retry_delay=self._retry_delay,
                what="cbs kerncijfers",
            )
            rows = body["value"]
            if not isinstance(rows, list):
                raise TypeError("value is not a list")
            result: dict[str, dict[str, float | int | None]] = {}
            for row in rows:
                code = _text(row.get("WijkenEnBuurten")).upper()
                if code not in wanted:
                    continue
                figures: dict[str, float | int | None] = {}
                for key, value in row.items():
                    name = key.strip()
                    if name in ("ID", "WijkenEnBuurten"):
                        continue
                    try:
                        figures[name] = _number(value)
                    except ValueError:
                        continue  # Gemeentenaam_1, SoortRegio_2, Codering_3: text, not figures
                result[code] = figures
        except _Unavailable:
            return {}
        except (KeyError, TypeError, AttributeError):
            log.warning("cbs kerncijfers: unexpected response shape")
            return {}
        return result


# --------------------------------------------------------------------------------------------
# Offline demo


def demo_transport(responses: Mapping[str, Any] | None = None) -> httpx.MockTransport:
    """A stand-in for PDOK `/free` serving `bot/demo/data/pdok_amstelveen_demo.json`
    (constructed data).

    `responses` maps a PC6 to a `/free` response body in PDOK's shape. The transport honours
    `q=postcode:…`, `fq=huisnummer:…` and `rows`; other postcodes get PDOK's empty answer.
    """
    if responses is None:
        path = resources.files("bot.demo") / "data" / "pdok_amstelveen_demo.json"
        responses = json.loads(path.read_text(encoding="utf-8"))["responses"]
    data = dict(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        m = re.fullmatch(r"postcode:(\w+)", params.get("q", ""))
        docs = list(data.get(m.group(1), {}).get("response", {}).get("docs", [])) if m else []
        for fq in params.get_list("fq"):
            if fq.startswith("huisnummer:"):
                docs = [d for d in docs if str(d.get("huisnummer")) == fq.split(":", 1)[1]]
        rows = int(params.get("rows", "10"))
        body = {"numFound": len(docs), "start": 0, "numFoundExact": True, "docs": docs[:rows]}
        return httpx.Response(200, json={"response": body})

    return httpx.MockTransport(handle)
