"""Benchmark: a whole congress session on the real Temporal dev server.

N delegates check in and cast secret ballots on every item from concurrent clients
(fan-in through SessionService straight to the ledger); every poll closes itself when
its roll is complete and is tallied by the session workflow. Measured in the same run:
check-ins/s, ballots/s, the wait for the tallies, the largest workflow history, and the
bare eventsourcing append rate on the same backend for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import functools
import multiprocessing
import multiprocessing.queues
import multiprocessing.synchronize
import os
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

# Run as a script, this file's directory comes first on sys.path and its name would shadow
# the ``ledger`` package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg import sql
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from bootstrap import App, build_app, build_worker, connect, data_converter, temporal_binary
from domain.actors import CHINA_TZ
from domain.congress import add_years
from domain.poll import ItemKind
from domain.session import AgendaItem
from logs import configure_logging
from services.sessions import SessionService
from settings import LedgerBackend, Settings
from workflows.congress_session import session_workflow_id

ROOT = Path(__file__).resolve().parent.parent
PG_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
CHAIR = "wang.li"  # a cadre of dl-bearing in examples/directory.yaml
UNIT = "dl-bearing"
CONGRESS = "dl-bearing-bench"
HISTORY_WARNING = 10_240  # Temporal warns at this many events (hard stop 51,200)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"

stderr = Console(stderr=True)


# -- the generated congress ---------------------------------------------------------------


def delegate_ids(n: int) -> list[str]:
    return [f"bench-d{i:05d}" for i in range(n)]


def write_roster(path: Path, n: int) -> list[str]:
    """A roster CSV of n delegates: 10% managers (the limit is 20%), 20% technicians."""
    ids = delegate_ids(n)
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["id", "name", "constituency", "category", "gender"])
        for i, ident in enumerate(ids):
            category = {9: "manager", 7: "technician", 8: "technician"}.get(i % 10, "frontline")
            name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)] + str(i)
            out.writerow(
                [ident, name, f"第{i % 12 + 1}车间", category, "female" if i % 2 else "male"]
            )
    return ids


def choice_of(i: int) -> str:
    """Delegate i's vote, the same on every item, so the tally is known in advance."""
    if i % 10 < 6:
        return "yes"
    if i % 10 < 9:
        return "no"
    return "abstain"


def expected_counts(n: int) -> dict[str, int]:
    counts = {"yes": 0, "no": 0, "abstain": 0}
    for i in range(n):
        counts[choice_of(i)] += 1
    return counts


# -- the bare baseline --------------------------------------------------------------------


class BareRecord(Aggregate):
    """A trivial aggregate: one created event, nothing else."""

    @event("Created")
    def __init__(self, n: int) -> None:
        self.n = n


class BareApp(Application):
    name = "barecongress"


def bare_appends(env: dict[str, str], ops: int) -> float:
    """Seconds for ``ops`` plain ``Application.save`` calls of a new aggregate each."""
    app = BareApp(env=env)
    try:
        started = time.perf_counter()
        for i in range(ops):
            app.save(BareRecord(n=i))
        return time.perf_counter() - started
    finally:
        app.close()


# -- backends -----------------------------------------------------------------------------


@dataclass
class Backend:
    settings: Settings
    bare_env: dict[str, str]


@contextmanager
def backend(kind: str, tmp: Path) -> Iterator[Backend]:
    task_queue = f"bench-congress-{uuid.uuid4()}"
    if kind == "sqlite":
        yield Backend(
            Settings(data_dir=tmp / "var", task_queue=task_queue),
            {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(tmp / "bare.db"),
                "SQLITE_LOCK_TIMEOUT": "30",
            },
        )
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        settings = Settings(
            data_dir=tmp / "var",
            task_queue=task_queue,
            ledger_backend=LedgerBackend.POSTGRES,
            postgres_db="test",
            postgres_schema=schema,
        )
        yield Backend(settings, {**settings.ledger_env(), "POSTGRES_SCHEMA": schema})
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the run ------------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    delegates: int
    items: int
    clients: int
    to_thread_workers: int
    setup_s: float
    check_in_s: float
    open_polls_s: float
    cast_s: float
    tally_s: float
    history: dict[str, int]
    bare_ops: int
    bare_s: float  # the two timings' mean
    bare_before_s: float  # timed before the session, on the same backend
    bare_after_s: float  # and after it
    load: tuple[float, float]  # the 1-minute load average when casting began and ended

    @property
    def ballots(self) -> int:
        return self.delegates * self.items


def progress(show: bool = True) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=stderr,
        disable=not show,
    )


async def fan_in(
    label: str,
    jobs: list[Callable[[], Awaitable[object]]],
    clients: int,
    *,
    show: bool = True,
) -> float:
    """Run every job from ``clients`` concurrent tasks; seconds from first to last."""
    queue: asyncio.Queue[Callable[[], Awaitable[object]]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    failures: list[BaseException] = []
    with progress(show) as bar:
        task = bar.add_task(label, total=len(jobs), rate="")
        started = time.perf_counter()

        async def client() -> None:
            while not failures:
                try:
                    job = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    await job()
                except Exception as e:  # noqa: BLE001 - reported below, and the run fails
                    failures.append(e)
                    return
                done = bar.tasks[task].completed + 1
                bar.update(task, advance=1, rate=f"{done / (time.perf_counter() - started):,.0f}/s")

        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{label}: {len(failures)} client(s) failed; first: {failures[0]!r}")
    return elapsed


def cast_share(
    settings: Settings,
    address: str,
    session_id: str,
    items: int,
    share: list[int],
    clients: int,
    ready: multiprocessing.synchronize.Barrier,
) -> float:
    """In a process of its own (as a web app's worker would be): cast the ballots of the
    delegates in ``share`` on every item from ``clients`` tasks; seconds spent casting."""
    configure_logging("console", os.environ.get("UNIONFLOW_LOG_LEVEL", "WARNING"))

    async def go() -> float:
        app = build_app(settings)
        app.use_io_threads()
        try:
            client = await connect(settings, address)
            svc = SessionService(client, app.congresses, app.polls, settings, settings.task_queue)
            ids = delegate_ids(max(share) + 1)
            # Warm the read side (the log tail, the session, the polls) before the clock.
            for no in range(1, items + 1):
                svc.polls.poll(svc.polls.poll_key(session_id, no))
            await asyncio.to_thread(ready.wait)

            async def cast(no: int, i: int) -> None:
                await svc.cast(session_id, no, ids[i], [choice_of(i)])

            jobs: list[Callable[[], Awaitable[object]]] = [
                functools.partial(cast, no, i) for i in share for no in range(1, items + 1)
            ]
            return await fan_in(f"ballots {os.getpid()}", jobs, clients, show=False)
        finally:
            app.close()

    return asyncio.run(go())


def cast_share_main(
    results: multiprocessing.queues.Queue[tuple[int, float | str]], k: int, *args: Any
) -> None:
    try:
        results.put((k, cast_share(*args)))
    except BaseException as e:  # noqa: BLE001 - reported by the parent, which fails the run
        results.put((k, repr(e)))


async def cast_in_processes(
    settings: Settings, address: str, session_id: str, args: argparse.Namespace
) -> float:
    """Every delegate votes on every item, the delegates split over ``args.processes``
    processes and the clients with them; seconds from the common start to the last ballot."""
    n = args.processes
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Barrier(n + 1)
    results: multiprocessing.queues.Queue[tuple[int, float | str]] = ctx.Queue()
    per = [args.clients // n + (1 if k < args.clients % n else 0) for k in range(n)]
    procs = [
        ctx.Process(
            target=cast_share_main,
            args=(
                results,
                k,
                settings,
                address,
                session_id,
                args.items,
                list(range(k, args.delegates, n)),
                max(1, per[k]),
                ready,
            ),
        )
        for k in range(n)
    ]
    for p in procs:
        p.start()
    try:
        await asyncio.to_thread(ready.wait, 120)
        started = time.perf_counter()
        outcomes = [await asyncio.to_thread(results.get) for _ in procs]
        elapsed = time.perf_counter() - started
    finally:
        for p in procs:
            p.join(30)
    failed = [out for _, out in outcomes if isinstance(out, str)]
    if failed:
        raise SystemExit(f"casting: {len(failed)} process(es) failed; first: {failed[0]}")
    return elapsed


async def wait_tallied(app: App, session_id: str, items: int, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        view = await asyncio.to_thread(app.polls.session, session_id)
        if len(view.outcomes) >= items:
            return
        await asyncio.sleep(0.05)
    view = app.polls.session(session_id)
    done = sorted(o.item_no for o in view.outcomes)
    raise SystemExit(f"only items {done} of {items} were tallied within {timeout:.0f}s")


def check_tallies(app: App, session_id: str, items: int, n: int) -> None:
    """Every poll's counts must equal the deterministic expectation exactly."""
    want = expected_counts(n)
    view = app.polls.session(session_id)
    wrong = []
    for no in range(1, items + 1):
        poll = app.polls.poll(view.poll_key(no))
        result = poll.result
        got = dict(result.counts) if result else None
        if (
            result is None
            or got != want
            or result.ballots != n
            or result.present != n
            or len(poll.published_choices) != n
        ):
            wrong.append((no, got, result.ballots if result else None, len(poll.published_choices)))
    if wrong:
        for no, got, ballots, published in wrong[:10]:
            stderr.print(
                f"[red]item {no}: counts {got} ballots {ballots} published {published}, "
                f"expected {want} and {n} ballots"
            )
        raise SystemExit(f"{len(wrong)} of {items} tallies differ from the expected counts")


async def history_lengths(client: Client, session_id: str) -> dict[str, int]:
    """Events in the history of every workflow of this run (the session's at least)."""
    ids = {session_workflow_id(session_id)}
    try:
        async for wf in client.list_workflows():
            ids.add(wf.id)
    except Exception as e:  # noqa: BLE001 - visibility is best effort; the session is enough
        stderr.print(f"[yellow]list_workflows failed ({e!r}); counting the session only")
    lengths = {}
    for wf_id in sorted(ids):
        history = await client.get_workflow_handle(wf_id).fetch_history()
        lengths[wf_id] = len(history.events)
    return lengths


@asynccontextmanager
async def dev_server(settings: Settings, tmp: Path) -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server on a free port, its database in ``tmp``."""
    env = await WorkflowEnvironment.start_local(
        data_converter=data_converter(settings),
        port=free_port(),
        ui=False,
        dev_server_existing_path=str(temporal_binary("temporal")),
        dev_server_database_filename=str(tmp / "temporal.db"),
        dev_server_log_level="error",
    )
    try:
        yield env
    finally:
        await env.shutdown()


async def set_up_session(
    app: App, svc: SessionService, tmp: Path, delegates: int, items: int
) -> tuple[str, list[str]]:
    """The directory, a congress of ``delegates`` and a session of ``items`` secret items,
    opened today: (session id, delegate ids)."""
    today = datetime.now(CHINA_TZ).date()
    app.directory.load(
        app.directory.parse(ROOT / "examples" / "directory.yaml"), operator="ops.admin"
    )
    app.congresses.create(
        CHAIR,
        CONGRESS,
        UNIT,
        6,
        today,
        add_years(today, 5) - timedelta(days=1),  # a 5-year term
    )
    roster = tmp / "roster.csv"
    ids = write_roster(roster, delegates)
    report = app.congresses.import_roster(CHAIR, CONGRESS, roster)
    failed = [c.code for c in report.checks if c.hard and not c.passed]
    if report.total != delegates or failed:
        raise SystemExit(f"roster import: {report.total} delegates, failed {failed}")
    agenda = [
        AgendaItem(no=no, title=f"审议第{no}项议案", kind=ItemKind.APPROVAL, secret=True)
        for no in range(1, items + 1)
    ]
    view = await svc.convene(
        CHAIR,
        CONGRESS,
        "bench-1",
        agenda,
        papers_sent_on=today - timedelta(days=7),
        opens_on=today,
    )
    await svc.open_session(view.session_id, CHAIR)
    return view.session_id, ids


async def run(args: argparse.Namespace, tmp: Path) -> Result:
    with backend(args.backend, tmp) as be:
        settings = be.settings
        # The bare append rate on the same backend, before and after the session: on a
        # shared machine the load moves during a run, and the ratio uses their mean.
        stderr.print(f"bare eventsourcing appends ({args.bare_ops})…")
        bare_before_s = await asyncio.to_thread(bare_appends, be.bare_env, args.bare_ops)
        app = build_app(settings, migrate=True)  # installs the tables; the casters only open
        app.use_io_threads()  # as a worker or web process does
        try:
            async with dev_server(settings, tmp) as env:
                worker = build_worker(env.client, app, settings.task_queue)
                async with worker:
                    svc = SessionService(
                        env.client, app.congresses, app.polls, settings, settings.task_queue
                    )

                    # 1. Directory, congress, roster, session: opened on its day.
                    stderr.print(f"setting up {args.delegates} delegates on {args.backend}…")
                    started = time.perf_counter()
                    sid, ids = await set_up_session(app, svc, tmp, args.delegates, args.items)
                    setup_s = time.perf_counter() - started

                    # Check in every delegate from the clients.
                    async def check_in(d: str) -> None:
                        if not await svc.check_in(sid, d):
                            raise AssertionError(f"{d} was already checked in")

                    check_in_s = await fan_in(
                        "check-in", [lambda d=d: check_in(d) for d in ids], args.clients
                    )
                    present = app.polls.present(sid)
                    if present != args.delegates:
                        raise SystemExit(f"{present} of {args.delegates} delegates checked in")

                    # 2. Open every poll, then every delegate votes on every item.
                    started = time.perf_counter()
                    for no in range(1, args.items + 1):
                        await svc.open_poll(sid, CHAIR, no)
                    open_polls_s = time.perf_counter() - started

                    load_before = os.getloadavg()[0]
                    if args.processes > 1:
                        stderr.print(f"casting from {args.processes} processes…")
                        cast_s = await cast_in_processes(
                            settings, env.client.service_client.config.target_host, sid, args
                        )
                    else:

                        async def cast(no: int, i: int) -> None:
                            await svc.cast(sid, no, ids[i], [choice_of(i)])

                        # Delegate by delegate, so every roll completes near the end of
                        # casting and the tally wait below covers all the items.
                        jobs = [
                            lambda no=no, i=i: cast(no, i)
                            for i in range(args.delegates)
                            for no in range(1, args.items + 1)
                        ]
                        cast_s = await fan_in("ballots", jobs, args.clients)
                    load_after = os.getloadavg()[0]

                    # 3. Every poll closes itself on a complete roll and is tallied.
                    started = time.perf_counter()
                    await wait_tallied(app, sid, args.items, args.tally_timeout)
                    tally_s = time.perf_counter() - started
                    check_tallies(app, sid, args.items, args.delegates)
                    history = await history_lengths(env.client, sid)
        finally:
            app.close()

        # 4. The bare append rate again, with nothing else of the run running.
        stderr.print(f"bare eventsourcing appends ({args.bare_ops})…")
        bare_after_s = await asyncio.to_thread(bare_appends, be.bare_env, args.bare_ops)
    return Result(
        backend=args.backend,
        delegates=args.delegates,
        items=args.items,
        clients=args.clients,
        # asyncio.to_thread's pool, as a worker or web process sets it (App.use_io_threads).
        to_thread_workers=settings.io_threads,
        setup_s=setup_s,
        check_in_s=check_in_s,
        open_polls_s=open_polls_s,
        cast_s=cast_s,
        tally_s=tally_s,
        history=history,
        bare_ops=args.bare_ops,
        bare_s=(bare_before_s + bare_after_s) / 2,
        bare_before_s=bare_before_s,
        bare_after_s=bare_after_s,
        load=(load_before, load_after),
    )


def print_table(title: str, rows: list[tuple[str, str]], note: str) -> None:
    """A two-column table of measurements, then a note on what they measure."""
    table = Table(title=title)
    table.add_column("measurement")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    console = Console()
    console.print(table)
    console.print(note)


def report(r: Result) -> None:
    ballots_rate = r.ballots / r.cast_s
    bare_rate = r.bare_ops / r.bare_s
    largest_id, largest = max(r.history.items(), key=lambda kv: kv[1])
    title = (
        f"UnionFlow congress benchmark ({r.backend}, real dev server, "
        f"{r.delegates} delegates × {r.items} secret items, {r.clients} clients)"
    )
    rows = [
        ("backend", r.backend),
        ("delegates", f"{r.delegates:,}"),
        ("items", f"{r.items:,}"),
        ("ballots", f"{r.ballots:,}"),
        ("clients", f"{r.clients:,}"),
        ("setup s (directory, congress, roster import, convene, open)", f"{r.setup_s:.2f}"),
        ("check-in s", f"{r.check_in_s:.2f}"),
        ("check-ins/s", f"{r.delegates / r.check_in_s:,.0f}"),
        ("open all polls s", f"{r.open_polls_s:.2f}"),
        ("casting s", f"{r.cast_s:.2f}"),
        ("ballots/s", f"{ballots_rate:,.0f}"),
        ("tally s (last ballot → every poll tallied)", f"{r.tally_s:.2f}"),
        ("tallies exactly as expected", f"{r.items}/{r.items}"),
        (
            f"largest history, events (warning at {HISTORY_WARNING:,})",
            f"{largest:,}" + (" [red]OVER[/red]" if largest >= HISTORY_WARNING else ""),
        ),
        ("workflows in the run", f"{len(r.history)}"),
        ("load average (1 min) as casting began / ended", f"{r.load[0]:.1f} / {r.load[1]:.1f}"),
        (
            f"bare eventsourcing appends/s ({r.bare_ops:,} saves) before / after the session",
            f"{r.bare_ops / r.bare_before_s:,.0f} / {r.bare_ops / r.bare_after_s:,.0f}",
        ),
        ("bare eventsourcing appends/s (mean time of the two)", f"{bare_rate:,.0f}"),
        ("ballots/s ÷ bare appends/s", f"{ballots_rate / bare_rate:.3f}"),
    ]
    print_table(
        title,
        rows,
        f"largest history: {largest_id}. A ballot is a sealed ballot appended to the poll's "
        "spool, then a Participation saved by the group commit, whose one thread syncs the "
        "spools of its batch before committing it (after loading the voter, the poll, the "
        "check-in and the session); the sealed ballots reach the ledger in one batch at the close. "
        "bare: one plain eventsourcing Application.save of a new one-event aggregate, one client. "
        f"asyncio.to_thread pool: {r.to_thread_workers} threads (UNIONFLOW_IO_THREADS); worker activity pool: 16.",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delegates", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--clients", type=int, default=50, help="concurrent client tasks")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="processes the clients cast from (a web app's workers); 1: the worker's own",
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--bare-ops", type=int, default=5000, help="bare saves to time")
    parser.add_argument(
        "--tally-timeout", type=float, default=600, help="seconds to wait for the tallies"
    )
    args = parser.parse_args()
    if args.delegates < 1 or args.items < 1 or args.clients < 1:
        parser.error("--delegates, --items and --clients must be positive")
    run_in_tmp(args, "bench-congress-", run, report)


def run_in_tmp(
    args: argparse.Namespace,
    prefix: str,
    run: Callable[[argparse.Namespace, Path], Awaitable[Any]],
    report: Callable[[Any], None],
) -> None:
    """Run a bench in a temporary directory of its own, then report what it measured."""
    configure_logging("console", os.environ.get("UNIONFLOW_LOG_LEVEL", "WARNING"))
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        result = asyncio.run(run(args, Path(tmp)))
    report(result)


if __name__ == "__main__":
    main()
