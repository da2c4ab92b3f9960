"""The optional narrative and embeddings grouping, against a real HTTP server on 127.0.0.1.

The server answers like an OpenAI-compatible endpoint with deterministic fake completions and
embeddings, and can be told to be slow, fail with 500, or answer garbage.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.context import Services
from bot.core.config import Config, EmbeddingsConfig, LlmConfig
from bot.digest import llm as digest_llm
from bot.digest.builder import CsvRow
from bot.grouping.groups import Item, group_items

KEY_ENV = "WIJKBOT_TEST_MODEL_KEY"
TOPICS = {
    "parkeer": 0,
    "auto": 0,
    "parkeren": 0,
    "hond": 1,
    "poep": 1,
    "speeltuin": 2,
    "glijbaan": 2,
}


def fake_embedding(text: str) -> list[float]:
    """Topic words dominate; a small checksum part keeps texts distinct but deterministic."""
    vector = [0.0, 0.0, 0.0, 0.0]
    for word in text.lower().split():
        for stem, axis in TOPICS.items():
            if word.startswith(stem):
                vector[axis] += 1.0
    vector[3] = 0.2 + (zlib.crc32(text.encode()) % 10) / 100
    return vector


@dataclass
class FakeModelServer:
    mode: str = "ok"
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(
                    {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
                )
                if server.mode == "slow":
                    time.sleep(4.0)
                if server.mode == "500":
                    return self._send(500, b'{"error": "boom"}')
                if server.mode == "garbage":
                    return self._send(200, b"<html>not json</html>")
                if server.mode == "wrong_shape":
                    return self._send(200, b'{"data": [{"embedding": "x"}], "choices": []}')
                if self.path.endswith("/chat/completions"):
                    question = body["messages"][1]["content"].splitlines()[0]
                    count = body["messages"][1]["content"].count("\n- ")
                    content = f"Samenvatting ({question}): {count} meldingen <b>&"
                    answer = {"choices": [{"message": {"role": "assistant", "content": content}}]}
                    return self._send(200, json.dumps(answer).encode())
                if self.path.endswith("/embeddings"):
                    inputs = body["input"]
                    data = [
                        {"object": "embedding", "index": i, "embedding": fake_embedding(t)}
                        for i, t in enumerate(inputs)
                    ]
                    if server.mode == "wrong_count":
                        data = data[:-1]
                    data.reverse()  # indexes, not order, say which input a vector belongs to
                    return self._send(200, json.dumps({"data": data}).encode())
                return self._send(404, b"{}")

            def _send(self, status: int, payload: bytes) -> None:
                # After the slow answer the bot has given up and closed the connection: what
                # is written then goes nowhere (no traceback in the test output).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)

        return Handler


@pytest.fixture
def model_server() -> Iterator[FakeModelServer]:
    fake = FakeModelServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    httpd.daemon_threads = True
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield fake
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def llm_config(
    config: Config, model_server: FakeModelServer, monkeypatch: pytest.MonkeyPatch
) -> Config:
    monkeypatch.setenv(KEY_ENV, "sekrit")
    digest = replace(
        config.digest,
        llm=LlmConfig(
            base_url=model_server.url, model="fake-chat", api_key_env=KEY_ENV, timeout_seconds=2.0
        ),
        embeddings=EmbeddingsConfig(
            base_url=model_server.url + "/v1/",
            model="fake-embed",
            api_key_env=KEY_ENV,
            timeout_seconds=2.0,
            threshold=0.8,
        ),
    )
    return replace(config, digest=digest)


TEXTS = {
    "weakness": ["Geen parkeerplek te vinden", "Auto steeds verderop parkeren"],
    "strength": ["Mooie speeltuin"],
    "opportunity": [],
}


# --- narrative ---------------------------------------------------------------------------------


async def test_off_by_default(config: Config, model_server: FakeModelServer) -> None:
    assert not config.digest.llm.enabled and not config.digest.embeddings.enabled
    assert await digest_llm.narratives(config, TEXTS, "nl") == {}
    assert await digest_llm.group_by_embeddings(config, [Item("1", "x", "nl", "w")]) is None
    assert model_server.requests == []


async def test_narrative_per_category_sends_only_texts(
    llm_config: Config, model_server: FakeModelServer
) -> None:
    result = await digest_llm.narratives(llm_config, TEXTS, "nl")
    assert set(result) == {"weakness", "strength"}  # no request for an empty category
    assert result["weakness"] == "Samenvatting (Vraag: Wat kan beter?): 2 meldingen <b>&"
    assert len(model_server.requests) == 2
    for request in model_server.requests:
        assert request["path"] == "/v1/chat/completions"
        assert request["auth"] == "Bearer sekrit"
        assert request["body"]["model"] == "fake-chat"
    weakness = next(r for r in model_server.requests if "Wat kan beter?" in json.dumps(r["body"]))
    user = weakness["body"]["messages"][1]["content"]
    assert user.splitlines()[2:] == [
        "- Geen parkeerplek te vinden",
        "- Auto steeds verderop parkeren",
    ]


async def test_narrator_adapter_leaves_out_names_and_references(
    llm_config: Config, model_server: FakeModelServer
) -> None:
    when = datetime(2025, 5, 5, tzinfo=UTC)
    rows = [
        CsvRow("M-17", when, "weakness", "wonen", "Hondenpoep op de stoep", "new", "Buur-4321"),
        CsvRow("M-18", when, "weakness", None, "Veel hondenpoep", "read", "Alice Jansen"),
    ]

    @dataclass
    class Data:
        rows: list[CsvRow]

    # The digest calls its hook from a worker thread; run it in one here too.
    narrator = digest_llm.make_narrator(llm_config)
    box: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: box.update(result=narrator(Data(rows), "en")))
    worker.start()
    worker.join()
    assert set(box["result"]) == {"weakness"}
    (request,) = model_server.requests
    sent = json.dumps(request["body"])
    assert "Hondenpoep op de stoep" in sent and "Veel hondenpoep" in sent
    for secret in ("M-17", "M-18", "Buur-4321", "Alice", "wonen", "2025"):
        assert secret not in sent
    assert "What could be better?" in sent  # the coach's language


async def test_narrator_adapter_inside_a_running_loop(
    llm_config: Config, model_server: FakeModelServer
) -> None:
    rows = [
        CsvRow("M-1", datetime(2025, 5, 5, tzinfo=UTC), "threat", None, "Donkere steeg", "new", "")
    ]

    @dataclass
    class Data:
        rows: list[CsvRow]

    result = digest_llm.make_narrator(llm_config)(Data(rows), "nl")
    assert set(result) == {"threat"}


@pytest.mark.parametrize("mode", ["slow", "500", "garbage", "wrong_shape"])
async def test_narrative_failures_give_nothing(
    llm_config: Config, model_server: FakeModelServer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    model_server.mode = mode
    with caplog.at_level(logging.WARNING, logger="bot.digest.llm"):
        assert await digest_llm.narratives(llm_config, TEXTS, "nl") == {}
    assert "digest narrative skipped" in caplog.text
    assert "sekrit" not in caplog.text


async def test_narrative_without_key_sends_nothing(
    llm_config: Config,
    model_server: FakeModelServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.delenv(KEY_ENV)
    with caplog.at_level(logging.WARNING, logger="bot.digest.llm"):
        assert await digest_llm.narratives(llm_config, TEXTS, "nl") == {}
    assert model_server.requests == []
    assert KEY_ENV in caplog.text


async def test_unreachable_server_gives_nothing(llm_config: Config) -> None:
    # A port nobody listens on: connection refused.
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = f"http://127.0.0.1:{port}"
    digest = replace(
        llm_config.digest,
        llm=replace(llm_config.digest.llm, base_url=dead),
        embeddings=replace(llm_config.digest.embeddings, base_url=dead),
    )
    config = replace(llm_config, digest=digest)
    assert await digest_llm.narratives(config, TEXTS, "nl") == {}
    assert await digest_llm.group_by_embeddings(config, [Item("1", "x", "nl", "w")]) is None


# --- embeddings --------------------------------------------------------------------------------

ITEMS = [
    Item("1", "Geen parkeerplek bij huis", "nl", "elsrijk", "weakness"),
    Item("2", "Hondenpoep op de stoep", "nl", "elsrijk", "weakness"),
    Item("3", "Auto steeds verderop parkeren", "nl", "elsrijk", "weakness"),
    Item("4", "Overal hond poep in het park", "nl", "elsrijk", "weakness"),
    Item("5", "Parkeren is een ramp", "nl", "elsrijk", "weakness"),
    Item("6", "Parkeerplek te weinig", "nl", "groenelaan", "weakness"),
    Item("7", "Nieuwe glijbaan in speeltuin", "nl", "elsrijk", "strength"),
]


async def test_embeddings_group_by_similarity_within_a_wijk(
    llm_config: Config, model_server: FakeModelServer
) -> None:
    groups = await digest_llm.group_by_embeddings(llm_config, ITEMS)
    assert groups is not None
    members = {g.key: set(g.member_ids) for g in groups}
    assert members == {
        "elsrijk:1": {"1", "3", "5"},
        "elsrijk:2": {"2", "4"},
        "elsrijk:3": {"7"},
        "groenelaan:1": {"6"},
    }
    # Every item once; the same shape as the built-in grouping.
    assert sorted(i for g in groups for i in g.member_ids) == sorted(i.id for i in ITEMS)
    assert {g.key.split(":")[0] for g in groups} == {
        g.key.split(":")[0] for g in group_items(ITEMS)
    }
    first = groups[0]
    assert first.representative_id in first.member_ids and first.label
    (request,) = model_server.requests
    assert request["path"] == "/v1/embeddings"
    assert request["auth"] == "Bearer sekrit"
    assert request["body"] == {"model": "fake-embed", "input": [i.text for i in ITEMS]}


async def test_embeddings_threshold_from_config(
    llm_config: Config, model_server: FakeModelServer
) -> None:
    strict = replace(
        llm_config,
        digest=replace(
            llm_config.digest, embeddings=replace(llm_config.digest.embeddings, threshold=0.9999)
        ),
    )
    groups = await digest_llm.group_by_embeddings(strict, ITEMS)
    assert groups is not None and len(groups) == len(ITEMS)


@pytest.mark.parametrize("mode", ["slow", "500", "garbage", "wrong_shape", "wrong_count"])
async def test_embeddings_failures_fall_back(
    llm_config: Config, model_server: FakeModelServer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    model_server.mode = mode
    with caplog.at_level(logging.WARNING, logger="bot.digest.llm"):
        assert await digest_llm.group_by_embeddings(llm_config, ITEMS) is None
    assert "using the built-in grouping" in caplog.text
    # The adapter the digest uses falls back to the deterministic grouping by itself.
    grouper = digest_llm.make_grouper(llm_config)
    assert grouper(ITEMS) == group_items(ITEMS)


def test_install_hooks_only_what_is_enabled(services: Services, llm_config: Config) -> None:
    digest_llm.install(services)
    assert services.digest_narrator is None and services.digest_grouper is None
    services.config = llm_config
    digest_llm.install(services)
    assert callable(services.digest_narrator) and callable(services.digest_grouper)
