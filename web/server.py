"""The desk's HTTP server: uvicorn in the bot's own process and event loop.

`install(app)` (bot/wiring.py, when `[desk] enabled`) hooks the server onto the Application's
start and end: after the bot's own start-up (post_init, which polling, webhook mode
(bot/telegram/webhook.py) and the test harness all run) the socket is bound and uvicorn serves
on it as a task of the same loop; at post_shutdown it is asked to stop and awaited. uvicorn's
own loop set-up, lifespan and signal handlers are off: PTB owns the signals and the loop. A port
already in use is one clear log line; the bot keeps running without the desk.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import logging
import socket
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import uvicorn

if TYPE_CHECKING:
    from bot.context import WijkApplication

_log = logging.getLogger(__name__)

STOP_SECONDS = 5.0


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers (they would take Ctrl-C away from PTB)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class DeskServer:
    """One uvicorn server for one ASGI app, started and stopped from the bot's loop."""

    def __init__(self, asgi: Any, host: str, port: int) -> None:
        self.asgi = asgi
        self.host = host
        self.port = port  # 0: any free port; after start(), the one bound
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> bool:
        """Bind and serve; False (logged) when the address cannot be bound."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(128)
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            why = "is already in use" if exc.errno == errno.EADDRINUSE else f"failed ({exc})"
            _log.error(
                "the desk is off: %s:%s %s; the bot runs on without it "
                "(set [desk] port to a free one)",
                self.host,
                self.port,
                why,
            )
            return False
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.asgi,
            loop="none",
            lifespan="off",
            log_config=None,
            access_log=False,  # a login link's token is in its path
            server_header=False,
            proxy_headers=True,
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._serve(sock), name="desk-server")
        for _ in range(200):  # up to 2 s: the pages answer once start() returns
            if self._server.started or self._task.done():
                break
            await asyncio.sleep(0.01)
        _log.info("the desk listens on %s:%s", self.host, self.port)
        return True

    async def _serve(self, sock: socket.socket) -> None:
        assert self._server is not None
        try:
            await self._server.serve(sockets=[sock])
        except Exception:
            _log.exception("the desk's server stopped")
        finally:
            sock.close()

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_SECONDS)
        except TimeoutError:
            self._server.force_exit = True
            await self._task
        self._task = None


def install(app: WijkApplication) -> None:
    """Start the desk with the bot and stop it with the bot (after what is hooked already)."""
    from web.app import create_app

    services = app.services
    before_init, before_shutdown = app.post_init, app.post_shutdown

    async def post_init(application: Any) -> None:
        if before_init is not None:
            await before_init(application)
        config = services.config.desk
        server = DeskServer(create_app(services, application.bot), config.listen, config.port)
        if await server.start():
            services.desk_server = server
            if config.port == 0 and not config.public_url:
                # Any free port (tests, the demo): links name the one bound.
                desk = dataclasses.replace(config, port=server.port)
                services.config = dataclasses.replace(services.config, desk=desk)

    async def post_shutdown(application: Any) -> None:
        server, services.desk_server = services.desk_server, None
        if server is not None:
            await server.stop()
        if before_shutdown is not None:
            await before_shutdown(application)

    app.post_init = post_init
    app.post_shutdown = post_shutdown
