"""Fixtures of the award pages' tests: the web tests' settings and real sign-in (for the
CSRF check), the award workflow tests' facade on the time-skipping server, a clock the
test moves and a client of the web app whose award service reads it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from bootstrap import App
from tests.award.test_award_service import Clock
from tests.award.web.rounds import site_of
from tests.award.workflow.test_award_round import awards  # noqa: F401 - fixture
from tests.web.conftest import accounts, clock, signed_in_client, web, web_context  # noqa: F401
from tests.web.pages_support import web_settings  # noqa: F401 - the settings fixture


@pytest_asyncio.fixture
async def award_clock() -> Clock:
    return Clock()


@pytest_asyncio.fixture
async def site(app: App, award_clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    """The web app without Temporal: nominations' acts go straight to the ledger."""
    async for c in site_of(app, award_clock):
        yield c
