"""On a PostgreSQL ledger, web sessions and failed sign-ins live in tables beside the
ledger's, so several web processes share them: a session opened on one works on another,
and signing out on one ends it on all. The tables are made by ``unionflow migrate``."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import psycopg
import pytest
import pytest_asyncio
from psycopg import sql

from application.accounts import AccountService
from application.signin_pg import PostgresSignInStore, open_postgres_store
from application.signin_store import LocalSignInStore, open_signin_store
from bootstrap import App, build_app, build_ledger
from domain.errors import NotFound
from interfaces.web.app import create_app
from interfaces.web.context import WebContext
from interfaces.web.signin import SESSION_COOKIE
from ledger.app import Ledger
from ledger.tables import create_tables
from settings import LedgerBackend, Settings
from tests.conftest import EXAMPLE_DIRECTORY
from tests.web.conftest import BASE, Clock, create_account, form_csrf, login

pytestmark = pytest.mark.postgres

PG_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
UNIONFLOW = str(Path(sys.executable).parent / "unionflow")


@pytest.fixture
def schema() -> Iterator[str]:
    """A schema of the test's own, dropped with everything in it afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


@pytest.fixture
def settings(schema: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        ledger_backend=LedgerBackend.POSTGRES,
        postgres_db="test",
        postgres_schema=schema,
        rule_profile="liaoning",
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[App]:
    """The first web process's application, on a migrated schema."""
    application = build_app(settings, migrate=True)
    application.directory.load(application.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    yield application
    application.close()


@pytest_asyncio.fixture
async def two_processes(
    app: App, settings: Settings, clock: Clock
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, AccountService]]:
    """Two web apps, each with its own App (pool, caches) and sign-in service, on one
    ledger: as two `unionflow web` processes behind one address."""
    other = build_app(settings)
    async with AsyncExitStack() as stack:
        stack.callback(other.close)
        clients, services = [], []
        for application in (app, other):
            service = AccountService(
                application.ledger, application.directory, settings, clock=clock
            )
            stack.callback(service.close)
            web = create_app(context=WebContext(application, _accounts=service))
            await stack.enter_async_context(web.router.lifespan_context(web))
            transport = httpx.ASGITransport(app=web)
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url=BASE)
                )
            )
            services.append(service)
        yield clients[0], clients[1], services[0]


async def test_a_session_opened_on_one_process_works_on_the_other_until_signed_out(
    two_processes,
):
    one, two, accounts = two_processes
    assert isinstance(accounts.store, PostgresSignInStore)
    create_account(accounts, "wang.li")
    assert (await login(one, "wang.li")).status_code == 303
    cookie = one.cookies[SESSION_COOKIE]
    two.cookies.set(SESSION_COOKIE, cookie)
    me = await two.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["actor_id"] == "wang.li"
    # Signed out on the second process (its CSRF token is the session's own) ...
    page = await two.get("/account")
    out = await two.post("/logout", data={"csrf_token": form_csrf(page.text)})
    assert out.status_code == 303
    # ... the first one no longer knows the session.
    one.cookies.set(SESSION_COOKIE, cookie)
    assert (await one.get("/api/v1/me")).status_code == 401
    assert accounts.store.sessions_of("wang.li") == 0


async def test_failures_counted_on_one_process_lock_on_the_other(two_processes, app: App):
    one, two, accounts = two_processes
    create_account(accounts, "wang.li")
    limit = app.settings.signin_max_failures
    for i in range(limit):
        on = one if i % 2 else two
        assert (await login(on, "wang.li", password="wrong password")).status_code == 401
    assert (await login(one, "wang.li")).status_code == 429
    assert (await login(two, "wang.li")).status_code == 429


async def test_a_totp_code_is_used_once_across_processes(app: App, settings: Settings):
    first = open_signin_store(settings, app.ledger)
    second = build_app(settings)
    try:
        other = open_signin_store(settings, second.ledger)
        assert first.use_totp_step("li.wei", 100)
        assert not other.use_totp_step("li.wei", 100)
        assert not other.use_totp_step("li.wei", 99)
        assert other.use_totp_step("li.wei", 101)
    finally:
        second.close()


def test_the_tables_come_from_migrate_not_from_opening(settings: Settings, schema: str):
    """A ledger whose tables an older migrate made: the sign-in store is refused, naming
    the command; `unionflow migrate` then makes its tables (again: nothing changes)."""
    env = {**settings.ledger_env(), "CREATE_TABLE": "false"}
    bare = Ledger(env=env)
    try:
        create_tables(bare)  # the ledger's tables only, as before this store existed
        with pytest.raises(NotFound, match="unionflow migrate"):
            open_postgres_store(bare)
    finally:
        bare.close()
    env_cli = {
        **os.environ,
        "UNIONFLOW_DATA_DIR": str(settings.data_dir),
        "UNIONFLOW_LEDGER_BACKEND": "postgres",
        "UNIONFLOW_POSTGRES_DB": settings.postgres_db,
        "UNIONFLOW_POSTGRES_SCHEMA": schema,
    }
    for _ in range(2):
        done = subprocess.run(
            [UNIONFLOW, "migrate"], env=env_cli, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    migrated = build_ledger(settings)
    try:
        store = open_postgres_store(migrated)
        assert store.has_tables()
        session_id, _ = store.open_session("wang.li", Clock()())
        assert store.sessions_of("wang.li") == 1
        store.close_session(session_id)
    finally:
        migrated.close()
    assert not (settings.data_dir / "signin.db").exists()  # nothing local on PostgreSQL


def test_sqlite_keeps_its_local_file(tmp_path: Path):
    local = Settings(data_dir=tmp_path / "var")
    ledger = build_ledger(local)
    try:
        store = open_signin_store(local, ledger)
        assert isinstance(store, LocalSignInStore)
        store.close()
    finally:
        ledger.close()
    assert (tmp_path / "var" / "signin.db").exists()
