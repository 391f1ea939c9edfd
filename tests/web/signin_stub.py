"""TEST ONLY: the congress and motion tests' person, named by the ``X-Test-Actor`` header
(httpx, or a browser context's extra headers), signed in through a real session of the
app's store (``pages_support.sign_in_from_header``): the app's own sign-in middleware and
CSRF check run as for a browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from bootstrap import App
from interfaces.web.app import create_app
from interfaces.web.context import WebContext
from settings import Settings
from tests.web.pages_support import sign_in_from_header

HEADER = "x-test-actor"
CSRF = "test-csrf-token"  # replaced by the session's own token on the way in


def web_app(app: App, context: WebContext | None = None) -> FastAPI:
    """The web app over ``app`` with the tests' sign-in from a header in front of it: a
    real session opened in the app's store (``tests/web/pages_support.py``)."""
    built = context or WebContext(app)
    web = create_app(context=built)
    sign_in_from_header(web, built)
    return web


def as_actor(actor: str) -> dict[str, str]:
    """Headers of a request made by ``actor``."""
    return {HEADER: actor}


def htmx(actor: str) -> dict[str, str]:
    """Headers of an htmx request made by ``actor`` from a page."""
    return {HEADER: actor, "HX-Request": "true", "X-CSRF-Token": CSRF, "accept": "text/html"}


def page(actor: str) -> dict[str, str]:
    """Headers of a browser's page request made by ``actor``."""
    return {HEADER: actor, "accept": "text/html"}


def settings_on(tmp_path: Path, task_queue: str) -> Settings:
    """The tests' settings, with the facades the web app builds starting workflows on the
    running worker's task queue."""
    return Settings(
        data_dir=tmp_path / "var",
        rule_profile="liaoning",
        activity_timeout_seconds=10,
        task_queue=task_queue,
    )


@asynccontextmanager
async def web_client(app: App, temporal: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client of the web app (test sign-in) connected to ``temporal``'s client."""
    asgi = web_app(app, WebContext(app, _client=temporal))
    async with asgi.router.lifespan_context(asgi):
        transport = httpx.ASGITransport(app=asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
