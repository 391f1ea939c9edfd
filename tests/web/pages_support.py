"""What the page tests share: a web app on the test's ledger (and Temporal server), and a
test-only sign-in. A test module imports the fixtures it uses: ``web_settings``
(``settings``), ``web_reader`` (``reader``), ``web_client`` (``client``).

A request names its person in the ``X-Test-Actor`` header, and a middleware of the tests
(never of the app) gives it that person's real session: a cookie and CSRF header of a
session opened in the app's session store, which the app's sign-in middleware then reads
as it reads a browser's. Tests of sign-in itself use ``signed_in_client`` (``conftest``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI, Request, Response

from bootstrap import App
from interfaces.web.app import create_app
from interfaces.web.context import WebContext
from interfaces.web.signin import SESSION_COOKIE
from settings import Settings

HTML = {"accept": "text/html"}
HTMX = {"accept": "text/html", "hx-request": "true"}
UNREACHABLE = "127.0.0.1:9"


@pytest.fixture(name="settings")
def web_settings(tmp_path: Path, task_queue: str) -> Settings:
    """The tests' settings, with the running worker's task queue: the facades the web app
    builds start and drive workflows on it. A web app built without the test's Temporal
    client finds no server (nothing listens on port 9), never another test's."""
    return Settings(
        data_dir=tmp_path / "var",
        rule_profile="liaoning",
        activity_timeout_seconds=10,
        task_queue=task_queue,
        temporal_address=UNREACHABLE,
    )


def sign_in_from_header(web: FastAPI, context: WebContext) -> None:
    """TEST ONLY: sign in the actor the ``X-Test-Actor`` header names, through the real
    sign-in: a session opened in the app's own session store (no password typed), its
    cookie and CSRF header put on the request before the app's middleware reads them."""
    sessions: dict[str, tuple[str, str]] = {}

    @web.middleware("http")
    async def test_sign_in(request: Request, call_next: Callable[..., Awaitable[Any]]) -> Response:
        who = request.headers.get("x-test-actor")
        if who:
            if who not in sessions:
                sessions[who] = context.accounts().open_session(who)
            session_id, csrf = sessions[who]
            kept = [
                (k, v) for k, v in request.scope["headers"] if k not in (b"cookie", b"x-csrf-token")
            ]
            request.scope["headers"] = [
                *kept,
                (b"cookie", f"{SESSION_COOKIE}={session_id}".encode()),
                (b"x-csrf-token", csrf.encode()),
            ]
        response: Response = await call_next(request)
        return response


async def browser(context: WebContext) -> AsyncIterator[httpx.AsyncClient]:
    web = create_app(context=context)
    sign_in_from_header(web, context)
    async with web.router.lifespan_context(web):
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


@pytest_asyncio.fixture(name="reader")
async def web_reader(app: App) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the web app with no Temporal client: what reads need."""
    async for c in browser(WebContext(app)):
        yield c


@pytest_asyncio.fixture(name="client")
async def web_client(app: App, time_skipping_env: Any, running_worker: Any) -> AsyncIterator[Any]:
    """A client of the web app whose acts reach the test's Temporal server and worker."""
    async for c in browser(WebContext(app, _client=time_skipping_env.client)):
        yield c


def person(actor: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    """Request headers of ``actor`` signed in (a browser's by default)."""
    return {**(HTML if headers is None else headers), "x-test-actor": actor}


def form(**fields: Any) -> dict[str, Any]:
    """A form as a page renders it: the CSRF token and a fresh idempotency key."""
    return {"csrf_token": "t", "command_id": str(uuid.uuid4()), **fields}
