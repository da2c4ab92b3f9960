"""A stand-in for CBS's OData v3 API (httpx.MockTransport): DataProperties and TypedDataSet.

It honours `$filter` (`WijkenEnBuurten eq '<padded code>'` clauses; an unpadded code matches
nothing, as at CBS) and `$select`, pads the region keys to 10 characters and the text columns
like CBS does, and serves `null` for an empty or suppressed value."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

DATA = Path(__file__).parent / "data"
BASE = "https://opendata.cbs.nl/ODataApi/odata"


def properties(dataset: str) -> list[dict[str, Any]]:
    body = json.loads((DATA / f"dataproperties_{dataset}.json").read_text(encoding="utf-8"))
    return list(body["value"])


def real_row() -> dict[str, Any]:
    """The BU03620102 row of ../shared/data/cbs_kerncijfers_example.json."""
    body = json.loads((DATA / "typeddataset_86165NED_BU03620102.json").read_text(encoding="utf-8"))
    return dict(body["value"][0])


def row(code: str, **values: float | None) -> dict[str, Any]:
    kind = {"GM": "Gemeente", "WK": "Wijk", "BU": "Buurt"}[code[:2]]
    return {
        "WijkenEnBuurten": code.ljust(10),
        "Gemeentenaam_1": "Amstelveen".ljust(40),
        "SoortRegio_2": kind.ljust(10),
        "Codering_3": code.ljust(10),
        **values,
    }


class FakeCbs:
    """Editions by table id: (DataProperties rows, TypedDataSet rows). `fail` makes every request
    raise (CBS unreachable); `status` answers every request with that HTTP status."""

    def __init__(self) -> None:
        self.editions: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
        self.fail = False
        self.status: int | None = None
        self.requests: list[httpx.Request] = []
        self.tamper: Callable[[str, str, Any], Any] | None = None

    def edition(
        self, dataset: str, rows: list[dict[str, Any]], props: list[dict[str, Any]] | None = None
    ) -> None:
        self.editions[dataset] = (props if props is not None else properties(dataset), rows)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fail:
            raise httpx.ConnectError("CBS unreachable", request=request)
        if self.status is not None:
            return httpx.Response(self.status, text="error")
        m = re.fullmatch(r"/ODataApi/odata/(\w+)/(\w+)", request.url.path)
        if m is None or m.group(1) not in self.editions:
            return httpx.Response(404, json={"odata.error": {"message": {"value": "not found"}}})
        dataset, entity = m.groups()
        props, rows = self.editions[dataset]
        meta = f"{BASE}/{dataset}/$metadata#Cbs.OData.WebAPI.{entity}"
        if entity == "DataProperties":
            body: Any = {"odata.metadata": meta, "value": copy.deepcopy(props)}
        elif entity == "TypedDataSet":
            wanted = re.findall(r"WijkenEnBuurten eq '([^']*)'", request.url.params["$filter"])
            select = request.url.params.get("$select", "").split(",")
            body = {"odata.metadata": meta, "value": []}
            for i, r in enumerate(rows):
                if r["WijkenEnBuurten"] not in wanted:
                    continue
                body["value"].append({"ID": i, **{k: v for k, v in r.items() if k in select}})
        else:
            return httpx.Response(404)
        if self.tamper is not None:
            body = self.tamper(dataset, entity, body)
        return httpx.Response(200, json=body)
