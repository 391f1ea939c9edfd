"""Serving the web app: on its own (``unionflow web``) or inside the local stack."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import uvicorn

from interfaces.web.app import create_app
from interfaces.web.context import WebContext
from settings import Settings


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signals to its host (the stack stops it)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def server(settings: Settings, context: WebContext | None = None) -> uvicorn.Server:
    """A server of the web app on ``settings.web_host:web_port``."""
    config = uvicorn.Config(
        create_app(settings, context=context),
        host=settings.web_host,
        port=settings.web_port,
        log_level="warning",
        lifespan="on",
        proxy_headers=False,
        server_header=False,
    )
    return (EmbeddedServer if context is not None else uvicorn.Server)(config)


class Embedded:
    """The web app running inside the local stack, on the stack's event loop."""

    def __init__(self, settings: Settings, context: WebContext) -> None:
        self.server = server(settings, context)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Serve, and return once the port is bound (a failure to bind is raised)."""
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
                raise RuntimeError("the web app stopped while starting")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task


def url(settings: Settings) -> str:
    return f"http://{settings.web_host}:{settings.web_port}"
