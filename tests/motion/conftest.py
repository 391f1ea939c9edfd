"""Motion workflow tests get a time-skipping server of their own: they skip about a year,
and tests elsewhere read which calendar years are published off the shared server's clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from bootstrap import temporal_binary


@pytest_asyncio.fixture(scope="package")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(temporal_binary("temporal-test-server")),
    )
    yield env
    await env.shutdown()
