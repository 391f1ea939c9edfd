"""What every request shares: the ledger-side application and one Temporal client."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from fastapi import Request

from interfaces.web.work import InboxMemo

if TYPE_CHECKING:
    from temporalio.client import Client

    from application.accounts import AccountService
    from application.checkin_codes import CheckInCodes
    from bootstrap import App, Facades


T = TypeVar("T")


@dataclass
class WebContext:
    """Built once in the app's lifespan; closed when the app stops."""

    app: App
    _client: Client | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Built once: each facade opens its read models' stores (SQLite files) when made.
    _readers: Facades | None = None
    _connected: Facades | None = None
    _accounts: AccountService | None = None
    _checkin_codes: CheckInCodes | None = None
    # Who a request comes from is looked up off the event loop, in threads of its own:
    # never queued behind the ballots' writes in the loop's default executor, and
    # cheaper to hand over to than anyio's thread pool (a C queue, no Condition).
    # Each person's whole inbox while the ledger stands still (interfaces.web.work).
    inbox_memo: InboxMemo = field(default_factory=InboxMemo)
    _lookups: concurrent.futures.ThreadPoolExecutor = field(
        default_factory=lambda: concurrent.futures.ThreadPoolExecutor(
            max_workers=16, thread_name_prefix="uf-signin"
        )
    )

    def accounts(self) -> AccountService:
        """Sign-in: accounts in the ledger, sessions in the local sign-in store (built once;
        a test passes its own, with a clock of its own)."""
        if self._accounts is None:
            from application.accounts import AccountService

            self._accounts = AccountService(
                self.app.ledger, self.app.directory, self.app.settings, latest=self.app.polls.latest
            )
        return self._accounts

    def checkin_codes(self) -> CheckInCodes:
        """Delegates' one-time check-in codes, in their own short-lived store (built once;
        shared by every web process on a PostgreSQL ledger)."""
        if self._checkin_codes is None:
            from application.checkin_codes import CheckInCodes, open_checkin_code_store

            settings = self.app.settings
            self._checkin_codes = CheckInCodes(
                self.app.polls,
                self.app.congresses,
                open_checkin_code_store(settings, self.app.ledger),
                seconds=settings.checkin_code_seconds,
            )
        return self._checkin_codes

    async def look_up(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` in a sign-in thread (a short read, as fresh as the ledger)."""
        return await asyncio.get_running_loop().run_in_executor(self._lookups, fn, *args)

    def close(self) -> None:
        """Release what this context opened (the sign-in and check-in code stores, threads)."""
        self._lookups.shutdown(wait=False)
        if self._accounts is not None:
            self._accounts.close()
            self._accounts = None
        if self._checkin_codes is not None:
            self._checkin_codes.close()
            self._checkin_codes = None

    async def client(self) -> Client:
        """The Temporal client, connected on first use (a refusal reads the domain error;
        an unreachable server is ``TemporalUnavailable``)."""
        from bootstrap import connect

        async with self._lock:
            if self._client is None:
                try:
                    self._client = await connect(self.app.settings)
                except Exception as e:
                    raise TemporalUnavailable(str(e)) from e
            return self._client

    def readers(self) -> Facades:
        """The facades for what the ledger knows (lists, views, inboxes) and for the steps
        that go straight to it (check-in, ballots): connected to Temporal once a client
        is, so a ballot that completes the roll tells the session at once; without one
        the workers' roll watcher tells it later."""
        if self._client is not None:
            return self._facades_of(self._client)
        if self._readers is None:
            self._readers = self.app.facades()
        return self._readers

    async def facades(self) -> Facades:
        """The facades connected to Temporal, for acts."""
        return self._facades_of(await self.client())

    def _facades_of(self, client: Client) -> Facades:
        if self._connected is None:
            self._connected = self.app.facades(client)
        return self._connected


class TemporalUnavailable(Exception):
    """The Temporal server cannot be reached: acts wait, reading pages still work."""


def context_of(request: Request) -> WebContext:
    """The shared context of the running app."""
    found: WebContext = request.app.state.uf
    return found
