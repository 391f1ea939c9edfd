"""Fixtures of the web tests: the app with a clock of the test's own, and people signed in
through the real ``/login`` (no fake session, no password typed by anyone).

``signed_in_client`` is the fixture other web tests use::

    async def test_something(signed_in_client):
        wang = await signed_in_client("wang.li")          # cookie session + CSRF header
        page = await wang.get("/account")

A test whose acts need Temporal overrides ``web_context`` (a ``WebContext`` whose client is
``time_skipping_env.client``) and keeps everything else.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import httpx
import pyotp
import pytest
import pytest_asyncio
from fastapi import FastAPI

from application.accounts import AccountService
from bootstrap import App
from interfaces.web.app import create_app
from interfaces.web.context import WebContext
from tests.accounts_support import PASSWORD, create_account

BASE = "http://test"


class Clock:
    """A clock the test moves: idle timeouts, expiries and TOTP steps without sleeping."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class SignedInClient(httpx.AsyncClient):
    """An httpx client with a session cookie; it sends the session's CSRF token as the
    ``X-CSRF-Token`` header (as htmx does) unless a test removes it."""

    actor_id: str
    csrf: str
    password: str
    totp_secret: str | None


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(app: App, clock: Clock) -> Iterator[AccountService]:
    service = AccountService(
        app.ledger, app.directory, app.settings, clock=clock, latest=app.polls.latest
    )
    yield service
    service.close()


@pytest.fixture
def web_context(app: App, accounts: AccountService) -> WebContext:
    return WebContext(app, _accounts=accounts)


@pytest_asyncio.fixture
async def web(web_context: WebContext) -> AsyncIterator[FastAPI]:
    built = create_app(context=web_context)
    async with built.router.lifespan_context(built):
        yield built


def client_of(
    web: FastAPI, cls: type[httpx.AsyncClient] = httpx.AsyncClient, base: str = BASE
) -> httpx.AsyncClient:
    return cls(transport=httpx.ASGITransport(app=web), base_url=base)


@pytest_asyncio.fixture
async def anonymous(web: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(web) as c:
        yield c


def form_csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def login(
    client: httpx.AsyncClient,
    actor_id: str,
    password: str = PASSWORD,
    totp: str = "",
    next: str = "/",
) -> httpx.Response:
    """Sign in through the real form (its CSRF token first)."""
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={
            "csrf_token": form_csrf(page.text),
            "actor_id": actor_id,
            "password": password,
            "totp": totp,
            "next": next,
        },
    )


@pytest_asyncio.fixture
async def signed_in_client(
    web: FastAPI, accounts: AccountService, clock: Clock
) -> AsyncIterator[Callable[[str], Awaitable[SignedInClient]]]:
    async with AsyncExitStack() as stack:

        async def sign_in(actor_id: str) -> SignedInClient:
            secret = create_account(accounts, actor_id)
            client = await stack.enter_async_context(client_of(web, SignedInClient))
            assert isinstance(client, SignedInClient)
            code = pyotp.TOTP(secret).at(clock()) if secret else ""
            signed = await login(client, actor_id, totp=code)
            assert signed.status_code == 303, signed.text
            page = await client.get("/account")
            assert page.status_code == 200, page.text
            client.actor_id, client.password, client.totp_secret = actor_id, PASSWORD, secret
            client.csrf = form_csrf(page.text)
            client.headers["X-CSRF-Token"] = client.csrf
            return client

        yield sign_in
