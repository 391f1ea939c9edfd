"""Benchmark: what the web framework adds to a ballot, in one process, without sockets.

``bench/web.py`` compares HTTP ballots with service ballots on the real stack; this one
takes uvicorn, the sockets and Temporal out, to see the framework's own share. A session
with secret polls is set up straight on the ledger (as ``tests/congress/fixtures.py``
does), every delegate gets an API token, and in the same run:
- every delegate casts on item 1 through ``SessionService.cast``, from ``--clients`` tasks;
- every delegate casts on item 2 through the ASGI app (``create_app``, its lifespan run),
  with prepared ``POST /api/v1/sessions/{id}/items/2/ballots`` scopes: a warm-up (each
  token's account read once);
- and again on item 3: the measured ASGI pass.
It prints ballots/s and CPU ms per ballot of both paths (the process's, commit threads
included) and the framework's share: the difference.

    python bench/web_asgi.py --delegates 1000 --clients 50
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console
from rich.table import Table
from web import issue_tokens  # bench/ is on sys.path when run as a script

from application.directory import DirectoryFile
from application.profiles import load_profile
from bootstrap import App, build_app
from domain.actors import CommandMeta, Role
from domain.directory import ActorSpec
from domain.poll import ItemKind, PollKind, PollSpec
from domain.session import AgendaItem, Session, SessionKind, SessionView
from interfaces.web.app import create_app
from interfaces.web.context import WebContext
from logs import configure_logging
from services.sessions import SessionService
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
UNIT, CHAIR, SESSION = "dl-bearing", "wang.li", "bench:s1"
ITEMS = (1, 2, 3)  # services, ASGI warm-up, ASGI measured


def set_up(app: App, delegates: int) -> list[str]:
    """The example directory, ``delegates`` delegates checked in, an open session of three
    secret yes/no polls, all straight on the ledger; returns the delegates' ids."""
    app.directory.load(
        app.directory.parse(ROOT / "examples" / "directory.yaml"), operator="ops.admin"
    )
    ids = [f"asgi-d{i:05d}" for i in range(delegates)]
    actors = [ActorSpec(id=d, name=f"代表{i}", org=UNIT, roles=[Role.DELEGATE]) for i, d in enumerate(ids)]  # fmt: skip
    app.directory.load(DirectoryFile(organisations=[], actors=actors), operator="ops.admin")

    def meta(command_id: str) -> CommandMeta:
        acting = app.directory.acting(CHAIR, Role.CADRE)
        return CommandMeta(command_id=command_id, acting=acting, occurred_at=datetime.now(UTC))

    today, profile = date.today(), load_profile("national")
    state = SessionView(
        session_id=SESSION,
        congress_key="bench",
        unit_org=UNIT,
        unit_path=["dl-city", "dl-ganjingzi", UNIT],
        kind=SessionKind.REGULAR,
        agenda=[AgendaItem(no=no, title=f"第{no}项", kind=ItemKind.APPROVAL) for no in ITEMS],
        papers_sent_on=today - timedelta(days=7),
        opens_on=today,
        status="convened",
    )
    session = Session.convene(state, meta("convene"), profile=profile, total_delegates=delegates)
    session.open(meta("open"))
    app.ledger.save(session)
    for d in ids:
        app.polls.check_in(SESSION, d, is_delegate=lambda _: True)
    for no in ITEMS:
        spec = PollSpec(
            poll_key=state.poll_key(no),
            congress_key="bench",
            session_id=SESSION,
            item_no=no,
            title=f"第{no}项",
            item_kind=ItemKind.APPROVAL,
            kind=PollKind.YES_NO,
            secret=True,
        )
        app.polls.open_poll(spec, meta(f"open:{no}"), total_delegates=delegates, profile=profile)
    return ids


def cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


async def fan_in(jobs: list[Callable[[], Awaitable[object]]], clients: int) -> tuple[float, float]:
    """Every job from ``clients`` tasks: (seconds, CPU seconds of the process)."""
    queue = list(reversed(jobs))

    async def client() -> None:
        while queue:
            await queue.pop()()

    cpu, started = cpu_s(), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started, cpu_s() - cpu


class Asgi:
    """The web app driven in-process: its lifespan, then one prepared request at a time."""

    def __init__(self, web: Any) -> None:
        self.web = web
        self._life: asyncio.Future[None] | None = None

    async def start(self) -> None:
        started = asyncio.Event()
        events: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        events.put_nowait({"type": "lifespan.startup"})

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "lifespan.startup.complete":
                started.set()

        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        self._life = asyncio.ensure_future(self.web(scope, events.get, send))
        await started.wait()

    async def post(self, path: str, token: str, body: dict[str, Any]) -> int:
        data = json.dumps(body).encode()
        headers = [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(data)).encode()),
        ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = asyncio.Event()
        status: list[int] = []

        async def receive() -> dict[str, Any]:
            if not sent.is_set():
                sent.set()
                return {"type": "http.request", "body": data, "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await self.web(scope, receive, send)
        return status[0]


async def run(args: argparse.Namespace, tmp: Path) -> list[tuple[str, str]]:
    settings = Settings(data_dir=tmp / "var")
    app = build_app(settings, migrate=True)
    app.use_io_threads()
    try:
        ids = set_up(app, args.delegates)
        ctx = WebContext(app)
        tokens = await asyncio.to_thread(issue_tokens, ctx.accounts(), ids)
        asgi = Asgi(create_app(settings, context=ctx))
        await asgi.start()
        svc = SessionService(None, app.congresses, app.polls, settings, settings.task_queue)

        async def by_service(d: str) -> None:
            await svc.cast(SESSION, 1, d, ["yes"])

        async def by_asgi(no: int, d: str) -> None:
            path = f"/api/v1/sessions/{SESSION}/items/{no}/ballots"
            status = await asgi.post(path, tokens[d], {"choices": ["yes"]})
            if status != 201:
                raise SystemExit(f"{d}: HTTP {status}")

        service = await fan_in([lambda d=d: by_service(d) for d in ids], args.clients)
        await fan_in([lambda d=d: by_asgi(2, d) for d in ids], args.clients)  # warm-up
        measured = await fan_in([lambda d=d: by_asgi(3, d) for d in ids], args.clients)
        for no in ITEMS:
            if app.polls.voters(f"{SESSION}:item{no}") != args.delegates:
                raise SystemExit(f"item {no}: not every ballot was counted")
    finally:
        app.close()
    n = args.delegates
    svc_ms, asgi_ms = 1000 * service[1] / n, 1000 * measured[1] / n
    return [
        ("delegates × items per path", f"{n:,} × 1"),
        ("clients", f"{args.clients}"),
        ("service ballots/s (SessionService.cast)", f"{n / service[0]:,.0f}"),
        ("ASGI ballots/s (POST …/ballots, in-process)", f"{n / measured[0]:,.0f}"),
        ("ASGI ÷ service ballots/s", f"{service[0] / measured[0]:.2f}"),
        ("CPU ms per ballot: service / ASGI", f"{svc_ms:.2f} / {asgi_ms:.2f}"),
        ("the framework's share, CPU ms per ballot", f"{asgi_ms - svc_ms:.2f}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delegates", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    configure_logging("console", "WARNING")
    with tempfile.TemporaryDirectory(prefix="bench-web-asgi-") as tmp:
        rows = asyncio.run(run(args, Path(tmp)))
    table = Table(title="UnionFlow ballots through the ASGI app, in one process (SQLite)")
    table.add_column("measurement")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    Console().print(table)


if __name__ == "__main__":
    main()
