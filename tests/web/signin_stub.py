"""TEST ONLY: who is signed in, named by the test, until real sign-in lands.

A middleware that reads the actor id from the ``X-Test-Actor`` header (httpx) or the
``uf_test_actor`` cookie (a browser context), looks the actor up in the directory, and
sets ``request.state.signed_in`` and ``request.state.csrf`` as the real sign-in middleware
will. Replace it with the real login (sessions, CSRF check) once that is merged: the
routes under test only ever read ``Depends(signed_in)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response

from bootstrap import App
from domain.errors import NotFound
from interfaces.web.app import create_app
from interfaces.web.auth import Channel, SignedIn
from interfaces.web.context import WebContext
from settings import Settings

HEADER = "x-test-actor"
COOKIE = "uf_test_actor"
CSRF = "test-csrf-token"


def web_app(app: App, context: WebContext | None = None) -> FastAPI:
    """The web app over ``app`` with the test-only sign-in in front of it."""
    web = create_app(context=context or WebContext(app))

    @web.middleware("http")
    async def test_sign_in(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        actor = request.headers.get(HEADER) or request.cookies.get(COOKIE)
        if actor:
            try:
                spec = app.directory.actor(actor).spec
            except NotFound:
                spec = None
            if spec is not None:
                api = request.url.path.startswith("/api/")
                request.state.signed_in = SignedIn(
                    actor_id=spec.id,
                    name=spec.name,
                    roles=[r.value for r in spec.roles],
                    channel=Channel.API if api else Channel.WEB,
                )
                request.state.csrf = CSRF
        return await call_next(request)

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
