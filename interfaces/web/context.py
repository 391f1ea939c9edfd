"""What every request shares: the ledger-side application and one Temporal client."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request

if TYPE_CHECKING:
    from temporalio.client import Client

    from application.accounts import AccountService
    from bootstrap import App, Facades


@dataclass
class WebContext:
    """Built once in the app's lifespan; closed when the app stops."""

    app: App
    _client: Client | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _accounts: AccountService | None = None

    def accounts(self) -> AccountService:
        """Sign-in: accounts in the ledger, sessions in the local sign-in store (built once;
        a test passes its own, with a clock of its own)."""
        if self._accounts is None:
            from application.accounts import AccountService

            self._accounts = AccountService(self.app.ledger, self.app.directory, self.app.settings)
        return self._accounts

    def close(self) -> None:
        """Release what this context opened (the sign-in store)."""
        if self._accounts is not None:
            self._accounts.close()
            self._accounts = None

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
        """The facades without Temporal: what the ledger knows (lists, views, inboxes)."""
        return self.app.facades()

    async def facades(self) -> Facades:
        """The facades connected to Temporal, for acts."""
        return self.app.facades(await self.client())


class TemporalUnavailable(Exception):
    """The Temporal server cannot be reached: acts wait, reading pages still work."""


def context_of(request: Request) -> WebContext:
    """The shared context of the running app."""
    found: WebContext = request.app.state.uf
    return found
