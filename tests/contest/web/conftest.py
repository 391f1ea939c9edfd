"""Fixtures of the contest pages' tests: the web tests' settings with a blind, commit-then-
reveal variant of the 安康杯 among the definitions, an App whose directory has the contest
tests' seven judges, its contest service on a clock the test moves, and a client of the
web app (no Temporal server: contests go straight to the ledger)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import yaml

from application.contest_definitions import CONTEST_DATA_DIR
from bootstrap import App, build_app
from interfaces.web.context import WebContext
from settings import Settings
from tests.contest.support import Clock, directory_with_judges
from tests.contest.test_contest_service import START
from tests.web.conftest import accounts, clock, signed_in_client, web, web_context  # noqa: F401
from tests.web.pages_support import UNREACHABLE, browser


@pytest.fixture
def settings(tmp_path: Path, task_queue: str) -> Settings:
    extra = tmp_path / "contests"
    extra.mkdir()
    data = yaml.safe_load((CONTEST_DATA_DIR / "ankang-cup.yaml").read_text(encoding="utf-8"))
    data["key"], data["zh"] = "ankang-blind", "“安康杯”竞赛（匿名、先摘要后揭示）"
    data["judging"] |= {"blind": True, "commit_reveal": True, "judges_per_entry": 3}
    (extra / "ankang-blind.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return Settings(
        data_dir=tmp_path / "var",
        rule_profile="liaoning",
        activity_timeout_seconds=10,
        task_queue=task_queue,
        temporal_address=UNREACHABLE,
        contest_definition_dir=extra,
    )


class WebWorld:
    """What the contest service tests' helpers take (``contests``, ``safety``, ``clock``,
    ``events``), over the web app's own App."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.clock = Clock(START)
        self.contests = app.contests
        self.contests.clock = self.clock
        self.safety = app.safety
        self.safety.clock = self.clock

    def events(self) -> int:
        return self.app.ledger.max_notification_id()


@pytest.fixture
def app(settings: Settings, tmp_path: Path) -> Iterator[App]:
    application = build_app(settings)
    directory = application.directory
    directory.load(directory.parse(directory_with_judges(tmp_path)), operator="ops.admin")
    yield application
    application.close()


@pytest.fixture
def world(app: App) -> WebWorld:
    return WebWorld(app)


@pytest_asyncio.fixture
async def site(app: App, world: WebWorld) -> AsyncIterator[httpx.AsyncClient]:
    async for c in browser(WebContext(app)):
        yield c
