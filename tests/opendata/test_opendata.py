"""bot.opendata.clients against a fake PDOK Locatieserver / CBS StatLine (httpx.MockTransport,
no network).

The PDOK fake serves the JSON in tests/data/pdok/ (PDOK's response shape; see its README) and,
like v3_1, answers 400 to query parameters that are not in the OpenAPI spec. It applies the `fq`
filters, `fl` and `rows` the way Solr does, so the client's query is exercised, not just parsed.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.opendata.clients import (
    CbsClient,
    LookupStatus,
    PdokClient,
    PostcodeLookup,
    WijkArea,
    demo_transport,
    normalise_house_number,
    normalise_postcode,
    parse_postcode_input,
)

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "pdok"
PDOK = "https://api.pdok.nl/bzk/locatieserver/search/v3_1"
# Query parameters of /free in the v3_1 OpenAPI spec (OPEN_DATA.md §1.2).
FREE_PARAMS = {"q", "lat", "lon", "fl", "fq", "df", "qf", "bq", "start", "rows", "sort", "wt"}
FL_PATTERN = re.compile(r"^([a-z_\*]+( |,|, )?)+$")  # from the spec

AREAS = (
    WijkArea("randwijck", cbs_wijk_codes=("WK036201",)),
    WijkArea("elsrijk", cbs_wijk_codes=("WK036203",)),
    WijkArea("uilenstede", cbs_wijk_codes=("WK036205",)),
    WijkArea("bankras-kostverloren", cbs_wijk_codes=("WK036206",)),
    WijkArea("keizer-karelpark", cbs_wijk_codes=("WK036208",)),
    WijkArea("oude-dorp", cbs_buurt_codes=("BU03620805",)),
)

Body = dict[str, Any]


def load(name: str) -> Body:
    data: Body = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


FIXTURE_BY_POSTCODE = {
    "1118CP": "adres_1118CP_schiphol.json",
    "1181ZA": "adres_1181ZA_elsrijk.json",
    "1183ZC": "adres_1183ZC_two_wijken.json",
    "1186ZB": "adres_1186ZB_oude_dorp.json",
    "1187ZD": "adres_1187ZD_buitengebied.json",
    "3584CC": "postcode_3584CC_utrecht.json",
}


class FakePdok:
    """A tiny Locatieserver /free: queued failures first, then fixture answers."""

    def __init__(self, bodies: dict[str, Body] | None = None, *, apply_fq: bool = True) -> None:
        self.bodies = bodies or {pc: load(name) for pc, name in FIXTURE_BY_POSTCODE.items()}
        self.apply_fq = apply_fq
        self.requests: list[httpx.Request] = []
        self.failures: list[Exception | httpx.Response] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        assert request.url.path == "/bzk/locatieserver/search/v3_1/free"
        params = request.url.params
        unknown = set(params.keys()) - FREE_PARAMS
        if unknown:
            return httpx.Response(400, text=f"parameter {sorted(unknown)} in query is not allowed")
        fl = params.get("fl", "*")
        rows = int(params.get("rows", "10"))
        if not FL_PATTERN.match(fl) or rows > 100:
            return httpx.Response(400, json={"error": {"code": 400, "msg": "bad request"}})
        m = re.fullmatch(r"postcode:(\w+)", params.get("q", ""))
        body = copy.deepcopy(self.bodies.get(m.group(1) if m else "", load("no_hits.json")))
        docs = body["response"]["docs"]
        if self.apply_fq:
            for fq in params.get_list("fq"):
                field, value = fq.split(":", 1)
                docs = [d for d in docs if str(d.get(field)) == value]
        fields = set(fl.replace(",", " ").split())
        docs = [{k: v for k, v in d.items() if k in fields or "*" in fields} for d in docs]
        body["response"].update(numFound=len(docs), docs=docs[:rows])
        return httpx.Response(200, json=body)

    def params(self, index: int = -1) -> httpx.QueryParams:
        return self.requests[index].url.params


def client(fake: Callable[[httpx.Request], Any], **kwargs: Any) -> PdokClient:
    kwargs.setdefault("retry_delay", 0)
    return PdokClient(
        gemeentecode="0362", areas=AREAS, transport=httpx.MockTransport(fake), **kwargs
    )


async def lookup(
    fake: Callable[[httpx.Request], Any], postcode: str, number: str | None = None, **kw: Any
) -> PostcodeLookup:
    async with client(fake, **kw) as pdok:
        return await pdok.lookup(postcode, number)


# ------------------------------------------------------------------------------------------
# Parsing user input


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1181AB", "1181AB"),
        ("1181 ab", "1181AB"),
        ("  1181ab\n", "1181AB"),
        ("1181\u00a0AB", "1181AB"),
        ("1181   AB", "1181AB"),
        ("9999ZZ", "9999ZZ"),
        ("118A AB", None),  # a letter among the digits
        ("11B1AB", None),
        ("0123AB", None),  # no leading 0
        ("1181SA", None),  # SA, SD and SS are not issued
        ("1181sd", None),
        ("1181SS", None),
        ("", None),
        ("   ", None),
        ("1181", None),  # PC4 only
        ("1181ABC", None),  # too long
        ("11811AB", None),
        ("1181 A B", None),
        ("１１８１AB", None),  # full-width digits
        ("1181-AB", "1181AB"),  # as some write it
        ("NL-1181AB", "1181AB"),  # as on an international letter
        ("nl 1181 ab", "1181AB"),
        ("NL1181AB", "1181AB"),
        ("1181--AB", None),
        ("NL-NL-1181AB", None),
        ("BE-1181AB", None),
    ],
)
def test_normalise_postcode(text: str, expected: str | None) -> None:
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1181AB 12", ("1181AB", "12")),
        ("1181 ab, 12-a", ("1181AB", "12A")),
        ("1181AB12", ("1181AB", "12")),
        ("1181ab 12a-2", ("1181AB", "12A-2")),
        ("1181AB 12 bis", ("1181AB", "12-BIS")),
        ("1181AB 12-2", ("1181AB", "12-2")),
        ("1181 AB", ("1181AB", None)),
        (" 1181ab ", ("1181AB", None)),
        ("1181-ZA 12", ("1181ZA", "12")),
        ("NL-1181ZA, 12", ("1181ZA", "12")),
        ("nl 1181 za 12a", ("1181ZA", "12A")),
        ("1181AB twaalf", None),
        ("1181AB 0", None),
        ("0123AB 12", None),
        ("1181SS 12", None),
        ("hallo", None),
        ("", None),
    ],
)
def test_parse_postcode_input(text: str, expected: tuple[str, str | None] | None) -> None:
    assert parse_postcode_input(text) == expected


def test_normalise_house_number() -> None:
    assert normalise_house_number(" 7 ") == "7"
    assert normalise_house_number("7 b") == "7B"
    assert normalise_house_number("7/1") == "7-1"
    assert normalise_house_number("123456") is None
    assert normalise_house_number("") is None


# ------------------------------------------------------------------------------------------
# PDOK lookups


async def test_found_via_wijkcode_and_query_parameters() -> None:
    fake = FakePdok()
    result = await lookup(fake, "1181 za")
    assert result == PostcodeLookup(
        LookupStatus.FOUND,
        wijk_slug="elsrijk",
        address="Voorbeeldlaan, 1181ZA Amstelveen",
        cbs_wijk_code="WK036203",
        cbs_buurt_code="BU03620301",
    )
    (request,) = fake.requests
    assert str(request.url).startswith(PDOK + "/free?")
    params = request.url.params
    assert set(params.keys()) <= FREE_PARAMS
    assert params["q"] == "postcode:1181ZA"
    assert params.get_list("fq") == ["type:adres"]
    assert params["rows"] == "50"
    fields = set(params["fl"].split(","))
    assert {"weergavenaam", "gemeentecode", "wijkcode", "buurtcode", "huisnummer"} <= fields
    assert "centroide_rd" not in fields


@pytest.mark.parametrize(
    ("number", "huisnummer", "address"),
    [
        ("3", 3, "Voorbeeldlaan 3, 1181ZA Amstelveen"),
        ("3a", 3, "Voorbeeldlaan 3A, 1181ZA Amstelveen"),
        ("5-2", 5, "Voorbeeldlaan 5-2, 1181ZA Amstelveen"),
    ],
)
async def test_house_number_selects_the_address(number: str, huisnummer: int, address: str) -> None:
    fake = FakePdok()
    result = await lookup(fake, "1181ZA", number)
    assert fake.params().get_list("fq") == ["type:adres", f"huisnummer:{huisnummer}"]
    assert result.status is LookupStatus.FOUND
    assert (result.wijk_slug, result.address) == ("elsrijk", address)


async def test_unknown_house_number_gives_the_postcodes_wijk() -> None:
    # 1181ZA exists (Elsrijk), 52 is no number there: the postcode is not "not found".
    fake = FakePdok()
    async with client(fake) as pdok:
        result = await pdok.lookup("1181ZA", "52")
        assert result == PostcodeLookup(
            LookupStatus.UNKNOWN_HOUSE_NUMBER,
            wijk_slug="elsrijk",
            candidates=("elsrijk",),
            cbs_wijk_code="WK036203",
            cbs_buurt_code="BU03620301",
        )
        assert [r.url.params.get_list("fq") for r in fake.requests] == [
            ["type:adres", "huisnummer:52"],
            ["type:adres"],  # asked once more, for the postcode alone
        ]
        # The postcode alone was cached by the way; both answers are.
        await pdok.lookup("1181ZA")
        await pdok.lookup("1181ZA", "52")
        assert len(fake.requests) == 2


async def test_unknown_house_number_in_a_postcode_of_two_wijken_offers_both() -> None:
    result = await lookup(FakePdok(), "1183ZC", "99")
    assert result.status is LookupStatus.UNKNOWN_HOUSE_NUMBER
    assert result.candidates == ("uilenstede", "bankras-kostverloren")
    assert result.wijk_slug is None


async def test_unknown_house_number_in_an_unknown_postcode_is_not_found() -> None:
    fake = FakePdok()
    assert (await lookup(fake, "1181AB", "3")).status is LookupStatus.NOT_FOUND
    assert len(fake.requests) == 2


async def test_unknown_suffix_still_gives_the_wijk_of_the_number() -> None:
    result = await lookup(FakePdok(), "1181ZA", "3C")
    assert result.status is LookupStatus.FOUND
    assert result.wijk_slug == "elsrijk"
    assert result.address == "Voorbeeldlaan, 1181ZA Amstelveen"  # 3 and 3A: no single address


async def test_found_via_buurtcode_before_wijkcode() -> None:
    result = await lookup(FakePdok(), "1186ZB", "4")
    # WK036208 is Keizer Karelpark, but buurt BU03620805 is configured for Oude Dorp.
    assert result.status is LookupStatus.FOUND
    assert result.wijk_slug == "oude-dorp"
    assert result.address == "Proefstraat 4, 1186ZB Amstelveen"
    assert (result.cbs_wijk_code, result.cbs_buurt_code) == ("WK036208", "BU03620805")


async def test_outside_municipality() -> None:
    fake = FakePdok()
    result = await lookup(fake, "1118CP", "202")
    assert result.status is LookupStatus.OUTSIDE_MUNICIPALITY
    assert result.wijk_slug is None
    assert result.address == "Evert van de Beekstraat 202, 1118CP Schiphol"
    assert fake.params().get_list("fq") == ["type:adres", "huisnummer:202"]


async def test_not_found() -> None:
    fake = FakePdok()
    assert (await lookup(fake, "1181AB")).status is LookupStatus.NOT_FOUND
    assert len(fake.requests) == 1


async def test_postcode_documents_carry_no_wijk_and_are_ignored() -> None:
    # Should PDOK ever ignore fq=type:adres, the postcode docs (no wijkcode) must not count.
    result = await lookup(FakePdok(apply_fq=False), "3584CC")
    assert result.status is LookupStatus.NOT_FOUND


async def test_postcode_spanning_two_wijken_needs_a_house_number() -> None:
    fake = FakePdok()
    async with client(fake) as pdok:
        first = await pdok.lookup("1183ZC")
        assert first.status is LookupStatus.NEEDS_HOUSE_NUMBER
        assert first.candidates == ("uilenstede", "bankras-kostverloren")  # config order
        assert first.wijk_slug is None
        second = await pdok.lookup("1183ZC", "3")
        assert second.status is LookupStatus.FOUND
        assert second.wijk_slug == "bankras-kostverloren"
        assert second.address == "Grenspad 3, 1183ZC Amstelveen"
        assert fake.params().get_list("fq") == ["type:adres", "huisnummer:3"]


async def test_house_number_in_two_wijken_is_ambiguous() -> None:
    body = load("adres_1183ZC_two_wijken.json")
    body["response"]["docs"][2]["huisnummer"] = 2  # now number 2 exists in both wijken
    body["response"]["docs"][2]["huisletter"] = "A"
    result = await lookup(FakePdok({"1183ZC": body}), "1183ZC", "2B")
    assert result.status is LookupStatus.AMBIGUOUS
    assert result.candidates == ("uilenstede", "bankras-kostverloren")


async def test_unmapped_cbs_wijk() -> None:
    result = await lookup(FakePdok(), "1187ZD")
    assert result.status is LookupStatus.UNMAPPED
    assert result.wijk_slug is None
    assert (result.cbs_wijk_code, result.cbs_buurt_code) == ("WK036213", "BU03621301")


async def test_postcode_partly_outside_the_municipality() -> None:
    body = load("adres_1181ZA_elsrijk.json")
    body["response"]["docs"][0]["gemeentecode"] = "0363"
    fake = FakePdok({"1181ZA": body})
    async with client(fake) as pdok:
        first = await pdok.lookup("1181ZA")
        assert first.status is LookupStatus.NEEDS_HOUSE_NUMBER
        assert first.candidates == ("elsrijk",)
        assert (await pdok.lookup("1181ZA", "1")).status is LookupStatus.OUTSIDE_MUNICIPALITY
        assert (await pdok.lookup("1181ZA", "3")).wijk_slug == "elsrijk"


async def test_padded_strings_are_stripped() -> None:
    body = load("adres_1181ZA_elsrijk.json")
    for doc in body["response"]["docs"]:
        doc.update(
            postcode="1181ZA ",
            gemeentecode=" 0362",
            wijkcode="WK036203  ",
            buurtcode=" BU03620301 ",
            weergavenaam=doc["weergavenaam"] + "  ",
        )
    result = await lookup(FakePdok({"1181ZA": body}), "1181ZA", "1")
    assert result == PostcodeLookup(
        LookupStatus.FOUND,
        wijk_slug="elsrijk",
        address="Voorbeeldlaan 1, 1181ZA Amstelveen",
        cbs_wijk_code="WK036203",
        cbs_buurt_code="BU03620301",
    )


async def test_gemeentecode_with_gm_prefix_is_accepted() -> None:
    fake = FakePdok()
    async with PdokClient(
        gemeentecode="GM0362", areas=AREAS, transport=httpx.MockTransport(fake)
    ) as pdok:
        assert (await pdok.lookup("1181ZA")).status is LookupStatus.FOUND


@pytest.mark.parametrize(
    ("postcode", "number"), [("0123AB", None), ("1181SA", "1"), ("1181ZA", "x")]
)
async def test_malformed_input_makes_no_request(postcode: str, number: str | None) -> None:
    fake = FakePdok()
    assert (await lookup(fake, postcode, number)).status is LookupStatus.MALFORMED
    assert fake.requests == []


# ------------------------------------------------------------------------------------------
# Network trouble: one retry, then UNREACHABLE, never an exception


async def test_connect_error_twice_is_unreachable() -> None:
    fake = FakePdok()
    fake.failures = [httpx.ConnectError("down"), httpx.ConnectError("down")]
    assert (await lookup(fake, "1181ZA")).status is LookupStatus.UNREACHABLE
    assert len(fake.requests) == 2


async def test_connect_error_once_is_retried() -> None:
    fake = FakePdok()
    fake.failures = [httpx.ConnectError("blip")]
    result = await lookup(fake, "1181ZA")
    assert result.status is LookupStatus.FOUND
    assert len(fake.requests) == 2
    assert fake.params(0) == fake.params(1)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_is_retried_once(status: int) -> None:
    fake = FakePdok()
    fake.failures = [httpx.Response(status), httpx.Response(status)]
    assert (await lookup(fake, "1181ZA")).status is LookupStatus.UNREACHABLE
    assert len(fake.requests) == 2
    fake.failures = [httpx.Response(status)]
    assert (await lookup(fake, "1181ZA")).status is LookupStatus.FOUND


async def test_4xx_is_not_retried() -> None:
    fake = FakePdok()
    fake.failures = [httpx.Response(400, text="parameter indent in query has an error")]
    assert (await lookup(fake, "1181ZA")).status is LookupStatus.UNREACHABLE
    assert len(fake.requests) == 1


async def test_timeout_exception_twice_is_unreachable() -> None:
    fake = FakePdok()
    fake.failures = [httpx.ReadTimeout("slow"), httpx.ConnectTimeout("slow")]
    assert (await lookup(fake, "1181ZA")).status is LookupStatus.UNREACHABLE
    assert len(fake.requests) == 2


async def test_slow_server_times_out() -> None:
    calls = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        await asyncio.sleep(5)
        return httpx.Response(200, json=load("adres_1181ZA_elsrijk.json"))

    started = time.monotonic()
    result = await lookup(slow, "1181ZA", timeout=0.05)
    assert result.status is LookupStatus.UNREACHABLE
    assert calls == 2
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>Bad gateway</html>"),
        httpx.Response(200, text='{"response": {"docs": '),
        httpx.Response(200, json={"error": {"code": 400, "msg": "undefined field"}}),
        httpx.Response(200, json={"response": {"numFound": 1, "docs": "nope"}}),
        httpx.Response(200, json={"response": {"numFound": 1, "docs": ["nope"]}}),
        httpx.Response(200, json=[]),
    ],
)
async def test_malformed_pdok_answer_is_unreachable(response: httpx.Response) -> None:
    fake = FakePdok()
    fake.failures = [response]
    async with client(fake) as pdok:
        assert (await pdok.lookup("1181ZA")).status is LookupStatus.UNREACHABLE
        # not cached: the next call asks again and succeeds
        assert (await pdok.lookup("1181ZA")).status is LookupStatus.FOUND
    assert len(fake.requests) == 2


async def test_transport_bug_is_unreachable_not_a_crash() -> None:
    fake = FakePdok()
    fake.failures = [httpx.DecodingError("bad gzip")]
    assert (await lookup(fake, "1181ZA")).status is LookupStatus.UNREACHABLE


# ------------------------------------------------------------------------------------------
# Cache


async def test_cache_hit_makes_no_request() -> None:
    fake = FakePdok()
    async with client(fake) as pdok:
        first = await pdok.lookup("1181ZA")
        again = await pdok.lookup("1181 za")
        assert again == first
        assert len(fake.requests) == 1
        await pdok.lookup("1181ZA", "3a")
        await pdok.lookup("1181ZA", "3-A")  # same normalised number
        assert len(fake.requests) == 2
        for postcode in ("1181AB", "1118CP", "1183ZC"):  # NOT_FOUND, OUTSIDE, NEEDS are cached
            await pdok.lookup(postcode)
            await pdok.lookup(postcode)
        assert len(fake.requests) == 5


async def test_unreachable_is_not_cached() -> None:
    fake = FakePdok()
    fake.failures = [httpx.ConnectError("down"), httpx.ConnectError("down")]
    async with client(fake) as pdok:
        assert (await pdok.lookup("1181ZA")).status is LookupStatus.UNREACHABLE
        assert (await pdok.lookup("1181ZA")).status is LookupStatus.FOUND
    assert len(fake.requests) == 3


async def test_cache_expires_and_evicts() -> None:
    now = [1000.0]
    fake = FakePdok()
    async with client(fake, cache_ttl=60, cache_size=2, clock=lambda: now[0]) as pdok:
        await pdok.lookup("1181ZA")
        now[0] += 59
        await pdok.lookup("1181ZA")
        assert len(fake.requests) == 1
        now[0] += 2
        await pdok.lookup("1181ZA")  # expired
        assert len(fake.requests) == 2
        await pdok.lookup("1186ZB")
        await pdok.lookup("1187ZD")  # evicts 1181ZA, the least recently used
        await pdok.lookup("1186ZB")
        assert len(fake.requests) == 4
        await pdok.lookup("1181ZA")
        assert len(fake.requests) == 5


# ------------------------------------------------------------------------------------------
# Configuration and demo


async def test_a_cbs_wijk_shared_by_two_spiegel_wijken_offers_both() -> None:
    # Spiegel wijken that are part of one CBS wijk (Bovenkerk and Westwijk share WK036211):
    # the address is certain, the spiegel wijk is the person's choice.
    areas = [
        WijkArea("elsrijk", cbs_wijk_codes=("WK036203",)),
        WijkArea("elsrijk-noord", cbs_wijk_codes=("WK036203",)),
    ]
    pdok = PdokClient(
        gemeentecode="0362", areas=areas, transport=httpx.MockTransport(FakePdok()), retry_delay=0
    )
    result = await pdok.lookup("1181ZA", "1")
    assert result.status is LookupStatus.SHARED
    assert result.candidates == ("elsrijk", "elsrijk-noord")
    assert result.address == "Voorbeeldlaan 1, 1181ZA Amstelveen"
    assert result.wijk_slug is None


async def test_config_like_objects_are_accepted() -> None:
    class Wijk:  # like bot.core.config.WijkConfig: lists, plus other fields
        def __init__(self) -> None:
            self.slug, self.name = "elsrijk", "Elsrijk"
            self.cbs_wijk_codes: list[str] = ["WK036203"]
            self.cbs_buurt_codes: list[str] = []

    assert WijkArea.of(Wijk()) == WijkArea("elsrijk", ("WK036203",))
    async with PdokClient(
        gemeentecode="0362", areas=[Wijk()], transport=httpx.MockTransport(FakePdok())
    ) as pdok:
        assert (await pdok.lookup("1181ZA")).wijk_slug == "elsrijk"


async def test_demo_transport_serves_the_constructed_set() -> None:
    areas = [
        WijkArea("randwijck", ("WK036201",)),
        WijkArea("patrimonium", ("WK036202",)),
        WijkArea("elsrijk", ("WK036203",)),
        WijkArea("stadshart", ("WK036204",)),
    ]
    async with PdokClient(gemeentecode="0362", areas=areas, transport=demo_transport()) as pdok:
        assert (await pdok.lookup("1183ZD", "12a")).address == "Demoplein 12A, 1183ZD Amstelveen"
        spanning = await pdok.lookup("1181ZC")
        assert spanning.candidates == ("patrimonium", "elsrijk")
        assert (await pdok.lookup("1181ZC", "4")).wijk_slug == "elsrijk"
        assert (await pdok.lookup("1181ZB")).wijk_slug == "randwijck"
        assert (await pdok.lookup("1187ZH")).status is LookupStatus.UNMAPPED
        assert (await pdok.lookup("1181AB")).status is LookupStatus.NOT_FOUND


# ------------------------------------------------------------------------------------------
# CBS


CBS_BODY: Body = {
    "odata.metadata": (
        "https://opendata.cbs.nl/ODataApi/OData/86165NED/$metadata#Cbs.OData.WebAPI.TypedDataSet"
    ),
    "value": [
        {
            "ID": 1234,
            "WijkenEnBuurten": "WK036203  ",
            "Gemeentenaam_1": "Amstelveen                              ",
            "SoortRegio_2": "Wijk      ",
            "Codering_3": "WK036203  ",
            "AantalInwoners_5": 3720,
            "HuishoudensTotaal_29": 1745,
            "GemiddeldeHuishoudensgrootte_33": 2.1,
            "Koopwoningen_47": None,
        },
        {
            "ID": 1240,
            "WijkenEnBuurten": "BU03620102",
            "Gemeentenaam_1": "Amstelveen                              ",
            "SoortRegio_2": "Buurt     ",
            "Codering_3": "BU03620102",
            "AantalInwoners_5": 3720,
            "k_0Tot15Jaar_8": 675,
            "InBezitWoningcorporatie_49": 0,
        },
    ],
}


class FakeCbs:
    def __init__(self, body: Body = CBS_BODY) -> None:
        self.body = body
        self.requests: list[httpx.Request] = []
        self.failures: list[Exception | httpx.Response] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        return httpx.Response(200, json=self.body)


def cbs(fake: FakeCbs, **kwargs: Any) -> CbsClient:
    return CbsClient(transport=httpx.MockTransport(fake), retry_delay=0, **kwargs)


async def test_cbs_kerncijfers_parse_and_query() -> None:
    fake = FakeCbs()
    async with cbs(fake) as client_:
        result = await client_.kerncijfers(["WK036203", " bu03620102 ", "WK036203", "WK036299"])
    assert result == {
        "WK036203": {
            "AantalInwoners_5": 3720,
            "HuishoudensTotaal_29": 1745,
            "GemiddeldeHuishoudensgrootte_33": 2.1,
            "Koopwoningen_47": None,
        },
        "BU03620102": {
            "AantalInwoners_5": 3720,
            "k_0Tot15Jaar_8": 675,
            "InBezitWoningcorporatie_49": 0,
        },
    }
    (request,) = fake.requests
    assert request.url.path == "/ODataApi/odata/86165NED/TypedDataSet"
    params = request.url.params
    assert params["$format"] == "json"
    assert params["$filter"] == (
        "WijkenEnBuurten eq 'WK036203  ' or WijkenEnBuurten eq 'BU03620102' "
        "or WijkenEnBuurten eq 'WK036299  '"
    )
    select = params["$select"].split(",")
    assert select[0] == "WijkenEnBuurten"
    assert "AantalInwoners_5" in select


async def test_cbs_table_and_fields_are_configurable() -> None:
    fake = FakeCbs()
    async with cbs(fake, table_id="85984NED", fields=["AantalInwoners_5"]) as client_:
        await client_.kerncijfers(["GM0362"])
    params = fake.requests[0].url.params
    assert fake.requests[0].url.path == "/ODataApi/odata/85984NED/TypedDataSet"
    assert params["$select"] == "WijkenEnBuurten,AantalInwoners_5"
    assert params["$filter"] == "WijkenEnBuurten eq 'GM0362    '"


async def test_cbs_malformed_codes_are_skipped() -> None:
    fake = FakeCbs()
    async with cbs(fake) as client_:
        assert await client_.kerncijfers(["Elsrijk", "WK0362' or 1 eq 1"]) == {}
    assert fake.requests == []


async def test_cbs_unreachable_returns_empty() -> None:
    fake = FakeCbs()
    fake.failures = [httpx.ConnectError("down"), httpx.ReadTimeout("slow")]
    async with cbs(fake) as client_:
        assert await client_.kerncijfers(["WK036203"]) == {}
        assert len(fake.requests) == 2
        fake.failures = [httpx.Response(503)]
        assert "WK036203" in await client_.kerncijfers(["WK036203"])
        assert len(fake.requests) == 4


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html/>"),
        httpx.Response(200, json={"odata.error": {"message": {"value": "bad"}}}),
        httpx.Response(200, json={"value": [1, 2]}),
        httpx.Response(406),
    ],
)
async def test_cbs_malformed_answer_returns_empty(response: httpx.Response) -> None:
    fake = FakeCbs()
    fake.failures = [response]
    async with cbs(fake) as client_:
        assert await client_.kerncijfers(["WK036203"]) == {}
    assert len(fake.requests) == 1


async def test_logs_name_at_most_the_pc4(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="bot.opendata.clients")
    fake = FakePdok()
    fake.failures = [httpx.ConnectError("down"), httpx.Response(503)]
    async with client(fake) as pdok:
        await pdok.lookup("1181ZA", "3a")
        await pdok.lookup("1181ZA", "3a")
        await pdok.lookup("1181ZA", "3a")
    assert "pc4=1181" in caplog.text
    assert "1181ZA" not in caplog.text
    assert "3A" not in caplog.text
