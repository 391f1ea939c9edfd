"""Motion workflow tests get a time-skipping server of their own: they skip about a year,
and tests elsewhere read which calendar years are published off the shared server's clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from bootstrap import start_time_skipping
from settings import Settings


@pytest_asyncio.fixture(scope="package")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_skipping(Settings())
    yield env
    await env.shutdown()
