"""Failed sign-ins lock an account for the source they come from, not for the person
signing in elsewhere; a ceiling over all sources locks it everywhere. The source is the
peer, or (only from a trusted proxy) the rightmost untrusted X-Forwarded-For hop."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from application.accounts import AccountService, SignInRefused
from bootstrap import App
from domain.accounts import Account, account_id
from interfaces.web.app import create_app
from interfaces.web.context import WebContext
from interfaces.web.source import client_source
from ledger.app import Ledger
from settings import Settings
from tests.web.conftest import BASE, Clock, create_account, login

PROXY = "10.0.0.5"
WRONG = "not the password at all"
Clients = Callable[..., AsyncIterator[httpx.AsyncClient]]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        rule_profile="liaoning",
        signin_max_failures=3,
        signin_max_failures_everywhere=7,
    )


@pytest_asyncio.fixture
async def from_address(app: App, accounts: AccountService, clock: Clock):
    """``await from_address(peer, trusted=[...])``: a browser at ``peer`` of a web app
    whose sign-in believes X-Forwarded-For from ``trusted`` proxies only."""
    async with AsyncExitStack() as stack:
        apps: dict[tuple[str, ...], object] = {}

        async def client(peer: str, *, trusted: tuple[str, ...] = ()) -> httpx.AsyncClient:
            if trusted not in apps:
                settings = app.settings.model_copy(update={"trusted_proxies": list(trusted)})
                service = AccountService(
                    app.ledger, app.directory, settings, clock=clock, store=accounts.store
                )
                web = create_app(context=WebContext(app, _accounts=service))
                await stack.enter_async_context(web.router.lifespan_context(web))
                apps[trusted] = web
            transport = httpx.ASGITransport(app=apps[trusted], client=(peer, 40000))  # type: ignore[arg-type]
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url=BASE)
            )

        yield client


def locks(app: App, actor: str) -> list[str]:
    """The source of each lock the ledger recorded ("" : everywhere)."""
    return [e.source for e in app.ledger.stream(account_id(actor)) if isinstance(e, Account.Locked)]


async def test_failures_from_one_source_do_not_lock_the_person_out_elsewhere(
    from_address, accounts: AccountService, app: App
):
    create_account(accounts, "wang.li")
    attacker, office = await from_address("203.0.113.7"), await from_address("192.0.2.10")
    for _ in range(3):
        assert (await login(attacker, "wang.li", password=WRONG)).status_code == 401
    assert (await login(attacker, "wang.li")).status_code == 429  # even the right password
    assert locks(app, "wang.li") == ["203.0.113.7"]
    assert (await login(office, "wang.li")).status_code == 303  # the person, at work
    # Their sign-in ended the run over all sources, not the attacker's own lock.
    assert accounts.store.failures("wang.li") == 0
    assert (await login(attacker, "wang.li")).status_code == 429


async def test_failures_from_many_sources_reach_the_ceiling_that_locks_everywhere(
    from_address, accounts: AccountService, app: App, clock: Clock
):
    create_account(accounts, "wang.li")
    sources = [f"198.51.100.{i}" for i in range(1, 4)]
    for source in sources:  # 2 + 2 + 2 failures: no source reaches its 3
        browser = await from_address(source)
        for _ in range(2):
            assert (await login(browser, "wang.li", password=WRONG)).status_code == 401
    assert locks(app, "wang.li") == []
    last = await from_address("198.51.100.99")
    assert (await login(last, "wang.li", password=WRONG)).status_code == 401  # the 7th
    assert locks(app, "wang.li") == [""]
    locked: Account = app.ledger.get(account_id("wang.li"))
    assert locked.locked_for("192.0.2.10", clock()) is not None
    fresh = await from_address("192.0.2.10")
    refused = await login(fresh, "wang.li")
    assert refused.status_code == 429 and "锁定" in refused.text
    clock.advance(minutes=15)
    assert (await login(fresh, "wang.li")).status_code == 303


async def test_unknown_ids_lock_per_source_alike(from_address, accounts: AccountService):
    """An id that does not exist reads exactly like one that does, per source too."""
    create_account(accounts, "wang.li")
    here, there = await from_address("203.0.113.7"), await from_address("192.0.2.10")
    for actor in ("wang.li", "nobody.here"):
        for _ in range(3):
            await login(here, actor, password=WRONG)
    known, unknown = await login(here, "wang.li"), await login(here, "nobody.here", password=WRONG)
    assert known.status_code == unknown.status_code == 429
    assert (await login(there, "nobody.here", password=WRONG)).status_code == 401


async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(
    from_address, accounts: AccountService, app: App
):
    """Trust off (the default): each attempt claims another address; all are the peer's."""
    create_account(accounts, "wang.li")
    browser = await from_address("203.0.113.7")
    for i in range(3):
        browser.headers["x-forwarded-for"] = f"192.0.2.{i + 1}"
        await login(browser, "wang.li", password=WRONG)
    assert locks(app, "wang.li") == ["203.0.113.7"]
    browser.headers["x-forwarded-for"] = "192.0.2.200"
    assert (await login(browser, "wang.li")).status_code == 429
    # Not a trusted proxy either when the proxy list names someone else.
    other = await from_address(PROXY, trusted=("10.9.9.9",))
    other.headers["x-forwarded-for"] = "192.0.2.50"
    for _ in range(3):
        await login(other, "wang.li", password=WRONG)
    assert locks(app, "wang.li") == ["203.0.113.7", PROXY]


async def test_behind_a_trusted_proxy_each_client_is_its_own_source(
    from_address, accounts: AccountService, app: App
):
    create_account(accounts, "wang.li")
    attacker = await from_address(PROXY, trusted=(PROXY,))
    # The client wrote a fake hop at the left; the proxy appended the real address.
    attacker.headers["x-forwarded-for"] = "192.0.2.10, 203.0.113.7"
    for _ in range(3):
        await login(attacker, "wang.li", password=WRONG)
    assert locks(app, "wang.li") == ["203.0.113.7"]
    assert (await login(attacker, "wang.li")).status_code == 429
    person = await from_address(PROXY, trusted=(PROXY,))
    person.headers["x-forwarded-for"] = "192.0.2.10"  # the address the attacker claimed
    assert (await login(person, "wang.li")).status_code == 303


def test_the_source_is_the_rightmost_hop_no_trusted_proxy_wrote():
    proxies = ["10.0.0.0/8", "2001:db8::/32"]
    assert client_source("10.0.0.5", ["1.1.1.1, 203.0.113.7, 10.0.0.9"], proxies) == "203.0.113.7"
    assert client_source("10.0.0.5", ["1.1.1.1", "203.0.113.7"], proxies) == "203.0.113.7"
    assert client_source("2001:db8::1", ["[2001:db8::2]:443, 198.51.100.4:5123"], proxies) == (
        "198.51.100.4"
    )
    assert client_source("10.0.0.5", [], proxies) == "10.0.0.5"  # no header: the proxy itself
    assert client_source("10.0.0.5", ["10.0.0.7"], proxies) == "10.0.0.7"  # all ours
    assert client_source("10.0.0.5", ["203.0.113.7, junk"], proxies) == "10.0.0.5"
    assert client_source("203.0.113.7", ["10.0.0.1"], proxies) == "203.0.113.7"  # untrusted peer
    assert client_source("203.0.113.7", ["192.0.2.1"], []) == "203.0.113.7"
    assert client_source("::ffff:203.0.113.7", [], []) == "203.0.113.7"
    assert client_source(None, ["192.0.2.1"], proxies) == "unknown"


def test_trusted_proxies_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("UNIONFLOW_TRUSTED_PROXIES", "10.0.0.5, 172.16.0.0/12")
    assert Settings().trusted_proxies == ["10.0.0.5/32", "172.16.0.0/12"]
    monkeypatch.setenv("UNIONFLOW_TRUSTED_PROXIES", "10.0.0.5, not-an-address")
    with pytest.raises(ValueError, match="not-an-address"):
        Settings()
    monkeypatch.delenv("UNIONFLOW_TRUSTED_PROXIES")
    assert Settings().trusted_proxies == []


def test_a_lock_stored_before_sources_reads_as_a_lock_everywhere(
    app: App, accounts: AccountService, clock: Clock
):
    """``Account.Locked`` version 1 had no source: such a lock still holds everywhere."""
    create_account(accounts, "wang.li")
    for _ in range(3):
        with pytest.raises(SignInRefused):
            accounts.verify("wang.li", WRONG, source="203.0.113.7")
    with sqlite3.connect(app.settings.sqlite_path) as db:
        (rowid, state), *_ = db.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE '%Account.Locked'"
        ).fetchall()
        stored = json.loads(state)
        assert stored.pop("source") == "203.0.113.7" and stored.pop("class_version") == 2
        db.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            (json.dumps(stored).encode(), rowid),
        )
    fresh = Ledger(env=app.settings.ledger_env())  # nothing cached: read from the file
    try:
        old: Account = fresh.get(account_id("wang.li"))
        assert old.locked_for("192.0.2.10", clock()) is not None
        assert old.locked_for("203.0.113.7", clock()) == old.locked_until
    finally:
        fresh.close()
