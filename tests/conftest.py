"""Shared fixtures: settings on a temporary data dir, the app graph, Temporal servers."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from temporalio.testing import WorkflowEnvironment

from bootstrap import App, build_app, build_worker, start_time_skipping
from settings import Settings

# Property tests check properties, not speed: on a loaded 2-core machine (CI shares the
# session's machine) an example can take longer than Hypothesis' default 200 ms deadline
# and its "too slow" health check, which would fail a correct test.
hypothesis_settings.register_profile(
    "unionflow", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("unionflow")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_DIRECTORY = ROOT / "examples" / "directory.yaml"

# The CLI's logins of this test run (``tests/accounts_support.cli_login``), never the
# tester's own; the CLI subprocesses of the tests inherit it with the environment.
os.environ["UNIONFLOW_CREDENTIALS_FILE"] = str(
    Path(tempfile.mkdtemp(prefix="unionflow-test-credentials-")) / "credentials.json"
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", rule_profile="liaoning", activity_timeout_seconds=10)


@pytest.fixture
def app(settings: Settings) -> Iterator[App]:
    application = build_app(settings)
    application.directory.load(application.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    yield application
    application.close()


@pytest_asyncio.fixture
async def time_skipping_env(settings: Settings) -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own (it starts in ~0.1 s).

    One shared server was a cascade waiting to happen: an activity task handed to a
    worker that was shutting down at the end of one test stays "started" on the server,
    which locks its virtual clock; the next test's ``env.sleep`` then never returns
    ("Timeout expired") and every later deadline test fails the same way.
    """
    env = await start_time_skipping(settings)
    yield env
    await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4()}"


@pytest_asyncio.fixture
async def running_worker(time_skipping_env: WorkflowEnvironment, app: App, task_queue: str):
    worker = build_worker(time_skipping_env.client, app, task_queue)
    async with worker:
        yield worker
