"""Browser tests: the web app served by uvicorn on a free port, driven in Debian's Chromium.

Each test gets a ``LiveStack``: a thread of its own running an event loop with a
time-skipping Temporal server, the worker and uvicorn over a temporary ledger, so the
test's synchronous Playwright calls never block the server. Playwright's own browser
download cannot work offline: pytest-playwright launches ``/usr/bin/chromium`` (``make
test`` installs it with apt when it is missing). Sign-in is the test-only stub of
``tests/web/signin_stub.py`` (a cookie naming the actor) until real sign-in is merged.

``accessible(page, name)`` runs axe on a page (0 serious or critical violations) and saves
its screenshot as ``var/screenshots/<name>.png``.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe

from bootstrap import App, build_app, build_worker, start_time_skipping
from interfaces.web.context import WebContext
from settings import Settings
from tests.conftest import EXAMPLE_DIRECTORY, ROOT
from tests.web.signin_stub import HEADER, web_app

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "var" / "screenshots"
# A phone in the hall: 375×812, touch, Chinese.
PHONE_CONTEXT: dict[str, Any] = {
    "viewport": {"width": 375, "height": 812},
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
T = TypeVar("T")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the browser tests and run them after every other test: pytest-playwright's
    sync Playwright lives for the session and leaves its event loop marked running on the
    main thread, where pytest-asyncio's tests would then refuse to start."""
    browser_tests = [i for i in items if "tests/browser/" in i.path.as_posix()]
    for item in browser_tests:
        item.add_marker(pytest.mark.browser)
    items[:] = [i for i in items if i not in browser_tests] + browser_tests


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """Debian's Chromium, headless (pytest-playwright's ``browser`` fixture uses these)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs chromium with apt)")
    return {"executable_path": str(CHROMIUM), "headless": True, "args": ["--no-sandbox"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveStack:
    """Temporal (time-skipping), a worker and the web app, on a thread's event loop."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app: App | None = None
        self.env: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="live-stack", daemon=True)

    def start(self) -> LiveStack:
        self._thread.start()
        if not self._ready.wait(60) or self._failure is not None:
            raise RuntimeError("the live stack did not start") from self._failure
        return self

    def run(self, make: Callable[[App, Any], Awaitable[T]], timeout: float = 60) -> T:
        """Run a coroutine on the stack's loop (setting a session up, with its env)."""
        assert self._loop is not None and self.app is not None
        future = asyncio.run_coroutine_threadsafe(make(self.app, self.env), self._loop)  # type: ignore[arg-type]
        return future.result(timeout)

    def api(self, actor: str) -> httpx.Client:
        """An HTTP client of the live app signed in (test stub) as ``actor``."""
        return httpx.Client(base_url=self.url, headers={HEADER: actor}, timeout=30)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as e:  # noqa: BLE001 - start() raises it in the test
            self._failure = e
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        queue = f"browser-{uuid.uuid4()}"
        settings = Settings(
            data_dir=self.data_dir,
            rule_profile="liaoning",
            activity_timeout_seconds=10,
            task_queue=queue,
        )
        env = await start_time_skipping(settings)
        app = build_app(settings)
        app.directory.load(app.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
        self.app, self.env = app, env
        try:
            async with build_worker(env.client, app, queue):
                web = web_app(app, WebContext(app, _client=env.client))
                config = uvicorn.Config(
                    web, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
                )
                server = uvicorn.Server(config)
                task = asyncio.create_task(server.serve())
                while not server.started:
                    if task.done():
                        task.result()
                    await asyncio.sleep(0.02)
                self._ready.set()
                await self._stop.wait()
                server.should_exit = True
                await task
        finally:
            app.close()
            await env.shutdown()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveStack]:
    stack = LiveStack(tmp_path / "var").start()
    try:
        yield stack
    finally:
        stack.stop()


def sign_in(context: Any, live: LiveStack, actor: str) -> None:
    """TEST ONLY: the browser context acts as ``actor`` through a real session opened for
    it (``tests/web/pages_support.py``), without typing a password."""
    context.set_extra_http_headers({HEADER: actor})


def accessible(page: Any, name: str) -> None:
    """Save the page's screenshot, then assert axe finds no serious or critical violation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not bad, f"{name}: " + "\n".join(bad)
