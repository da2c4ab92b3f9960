"""A PTB request object that answers from a `FakeTelegram` instead of the network.

It imports the fake's state for types only: state.py builds these requests (`FakeTelegram.request`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, cast

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

if TYPE_CHECKING:
    from bot.fake_telegram.state import FakeTelegram


@dataclass(frozen=True)
class UploadedFile:
    """A file that arrived as multipart data (the params hold this instead of an InputFile)."""

    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"


def resolve_attachments(value: Any, files: dict[str, UploadedFile]) -> Any:
    """Replace `attach://name` references (media groups, InputMedia) with the uploaded file."""
    if isinstance(value, str) and value.startswith("attach://"):
        return files.get(value.removeprefix("attach://"), value)
    if isinstance(value, dict):
        return {key: resolve_attachments(item, files) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_attachments(item, files) for item in value]
    return value


def _read(content: bytes | IO[bytes]) -> bytes:
    # Since PTB 21.5 the multipart content may be an open file handle instead of bytes.
    if isinstance(content, bytes):
        return content
    return content.read()


class FakeRequest(BaseRequest):
    """Pass one to `ApplicationBuilder().request(...)` and another to `.get_updates_request(...)`.

    The endpoint is the last path segment of the URL, so any `base_url` works. Parameters are
    handed over as Python values (what `RequestData.parameters` holds); uploads become
    `UploadedFile` objects, so `FakeTelegram.handle` sees the same thing as over real HTTP.
    """

    def __init__(self, fake: FakeTelegram, read_timeout: float | None = 5.0) -> None:
        self.fake = fake
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open: there is no connection pool."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if method == "GET":
            # `BaseRequest.retrieve`: a file download from a getFile path.
            return self.fake.download(url)
        endpoint = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = {}
        if request_data is not None:
            files = {
                name: UploadedFile(
                    filename=filename or name,
                    content=_read(cast("bytes | IO[bytes]", content)),
                    mimetype=mimetype or "application/octet-stream",
                )
                for name, (filename, content, mimetype) in request_data.multipart_data.items()
            }
            params = {
                key: resolve_attachments(value, files)
                for key, value in request_data.parameters.items()
            }
            # A file that is not sent as attach://… has no JSON value: its part name is the
            # parameter name itself (sendDocument's "document", sendPhoto's "photo", ...).
            for name, uploaded in files.items():
                if not name.startswith("attached"):
                    params.setdefault(name, uploaded)
        return await self.fake.handle(endpoint, params)
