"""Benchmark: the congress through the HTTP API, against the services, in one run.

On the real Temporal dev server with an in-process worker (as ``bench/congress.py``, whose
setup this imports), the web app serves on a free port with uvicorn, on the worker's event
loop; the HTTP clients run in a process of their own, each delegate with an API token of
its own. Every delegate checks in through the API, then casts a secret ballot on the first
half of the items through ``SessionService`` (the service-level figure) and on the second
half through ``POST /api/v1/sessions/{id}/items/{n}/ballots``; every poll must tally
exactly. Then the ledger gets ``--cases`` wage contract cases, saved directly as
``bench/read_side.py`` does, and the first page of ``GET /inbox`` is timed for a reviewer
and for the cadre, to whom every case is a task, and of ``GET /cases`` for the cadre.

    python bench/web.py --delegates 1000 --clients 50 --items 5 --cases 10000
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import multiprocessing
import os
import ssl
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import pyotp

# bench/ is on sys.path when run as a script (after the repository, see above).
from congress import (
    CHAIR,
    backend,
    check_tallies,
    choice_of,
    dev_server,
    fan_in,
    free_port,
    print_table,
    run_in_tmp,
    set_up_session,
    stderr,
    wait_tallied,
)
from read_side import fill

from application.accounts import AccountService
from bootstrap import build_app, build_worker
from interfaces.web.context import WebContext
from interfaces.web.serve import Embedded
from services.sessions import SessionService
from tests.accounts_support import cheap_hashing  # the same cheap argon2 as the tests'

REVIEWER = "li.wei"  # a reviewer of dl-ganjingzi in examples/directory.yaml
PASSWORD = "bench-password-1"
Request = tuple[str, str, str, dict[str, object]]  # method, path, token, JSON body


# -- accounts -----------------------------------------------------------------------------


def issue_tokens(accounts: AccountService, actors: list[str]) -> dict[str, str]:
    """An account with a password and one API token for every actor: actor → token."""
    tokens = {}
    with cheap_hashing():
        for actor in actors:
            code = accounts.issue_setup_code(actor, "ops.admin").code
            totp: dict[str, str] = {}
            if accounts.totp_required(actor):  # the cadre: a second factor, enrolled at once
                secret = pyotp.random_base32()
                totp = {"totp_secret": secret, "totp_code": pyotp.TOTP(secret).now()}
            accounts.set_password(actor, code, PASSWORD, **totp)
            issued = accounts.issue_token(actor, "bench")
            assert issued is not None
            tokens[actor] = issued.token
    return tokens


# -- the HTTP clients, in a process of their own -------------------------------------------


@dataclass
class Load:
    seconds: float
    latencies: list[float] = field(default_factory=list)
    cpu_s: float = 0.0  # CPU seconds of the process that served (or sent) the load
    sys_s: float = 0.0  # of which in the kernel (thread hand-overs, sockets, SQLite I/O)
    client_cpu_s: float = 0.0  # of the HTTP clients' process, for the HTTP path


def http_load(url: str, requests: list[Request], clients: int, kind: str = "raw") -> Load:
    """Send every request from ``clients`` concurrent tasks, each over a keep-alive
    connection of its own; every answer must be 2xx. Seconds from first to last, and each
    request's latency; the CPU seconds this (client) process spent meanwhile.

    Each task has an ``httpx.AsyncClient`` of its own: one client's pool shared by 50
    tasks spent more CPU assigning requests to connections than the server spent on
    them (py-spy: the server idle, the client in ``_assign_requests_to_connections``),
    and the connections it left idle past the server's 5 s keep-alive broke with a
    ``ReadError``. The clients are made before the clock starts and share one TLS
    context: each ``AsyncClient`` made its own (``ssl.create_default_context``, loading
    the CA bundle, unused on plain HTTP), about 0.1 s of CPU each, 50 of them inside the
    timed window (py-spy: 28% of the clients' CPU in a 500-delegate run).

    ``kind="raw"`` sends the same requests with a few lines of HTTP/1.1 over asyncio
    streams instead (keep-alive, ``Content-Length`` bodies): on two shared cores the
    clients' CPU is taken from the server's, and httpx spent about as much CPU per
    request as the server did, so the figure measured httpx as much as UnionFlow."""
    if kind == "raw":
        return asyncio.run(raw_load(url, requests, clients))

    async def go() -> Load:
        queue = list(reversed(requests))
        latencies: list[float] = []
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        tls = ssl.create_default_context()
        https = [
            httpx.AsyncClient(base_url=url, limits=limits, timeout=120, verify=tls)
            for _ in range(clients)
        ]

        async def client(http: httpx.AsyncClient) -> None:
            async with http:
                while queue:
                    method, path, token, body = queue.pop()
                    sent = time.perf_counter()
                    answer = await http.request(
                        method, path, json=body, headers={"Authorization": f"Bearer {token}"}
                    )
                    latencies.append(time.perf_counter() - sent)
                    if answer.status_code >= 300:
                        raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text}")

        cpu = time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for http in https))
        seconds = time.perf_counter() - started
        return Load(seconds, latencies, client_cpu_s=time.process_time() - cpu)

    return asyncio.run(go())


async def raw_load(url: str, requests: list[Request], clients: int) -> Load:
    """``http_load`` with a minimal HTTP/1.1 client: one keep-alive connection per task,
    every answer read to its ``Content-Length`` and required to be 2xx."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    queue = list(reversed(requests))
    latencies: list[float] = []
    streams = [await asyncio.open_connection(host, port) for _ in range(clients)]

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while queue:
                method, path, token, body = queue.pop()
                data = json.dumps(body).encode()
                head = (
                    f"{method} {quote(path, safe=PATH_SAFE)} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                    f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n"
                ).encode()
                sent = time.perf_counter()
                writer.write(head + data)
                status = int((await reader.readline()).split()[1])
                length = None
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length is None:
                    raise RuntimeError(f"{method} {path}: {status} without a Content-Length")
                answer = await reader.readexactly(length)
                latencies.append(time.perf_counter() - sent)
                if status >= 300:
                    raise RuntimeError(f"{method} {path}: {status} {answer.decode()}")
        finally:
            writer.close()

    cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(client(r, w) for r, w in streams))
    seconds = time.perf_counter() - started
    return Load(seconds, latencies, client_cpu_s=time.process_time() - cpu)


PATH_SAFE = "/:@-._~!$&'()*+,;="


async def in_client_process(
    pool: concurrent.futures.ProcessPoolExecutor,
    url: str,
    requests: list[Request],
    clients: int,
    kind: str = "raw",
) -> Load:
    loop = asyncio.get_running_loop()
    cpu, kernel = time.process_time(), os.times().system
    load = await loop.run_in_executor(pool, http_load, url, requests, clients, kind)
    load.cpu_s, load.sys_s = time.process_time() - cpu, os.times().system - kernel
    return load


async def timed_jobs(label: str, jobs: list[Callable[[], Awaitable[object]]], clients: int) -> Load:
    """``fan_in`` (the congress bench's clients), with each job's latency."""
    latencies: list[float] = []

    def timing(job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            sent = time.perf_counter()
            await job()
            latencies.append(time.perf_counter() - sent)

        return run

    cpu, kernel = time.process_time(), os.times().system
    seconds = await fan_in(label, [timing(j) for j in jobs], clients)
    return Load(
        seconds, latencies, cpu_s=time.process_time() - cpu, sys_s=os.times().system - kernel
    )


# -- the run ------------------------------------------------------------------------------


@dataclass
class Result:
    args: argparse.Namespace
    setup_s: float = 0.0
    tokens_s: float = 0.0
    check_in: Load | None = None
    service: Load | None = None
    http: Load | None = None
    seed_s: float = 0.0
    pages: dict[tuple[str, str], PageTimes] = field(default_factory=dict)
    load: list[float] = field(default_factory=list)  # 1-minute load average, before each path


@dataclass
class PageTimes:
    first: float  # the first request: the read side catching up on the new cases
    warm: list[float]  # the ones after it
    shown: int  # rows on the page
    total: int  # rows in the whole list (its API's ``total``)


async def time_page(url: str, token: str, path: str, repeats: int) -> PageTimes:
    """The first GET of a list page (the first page), then ``repeats`` more, one at a
    time; the rows it shows and the rows of the whole list."""
    async with httpx.AsyncClient(base_url=url, timeout=300) as http:
        headers = {"Authorization": f"Bearer {token}"}
        times = []
        for _ in range(repeats + 1):
            sent = time.perf_counter()
            answer = await http.get(path, headers=headers)
            times.append(time.perf_counter() - sent)
            answer.raise_for_status()
        rows = answer.text.count("<tr") - 1  # less the header row
        listed = await http.get(f"/api/v1{path}", headers=headers)
        listed.raise_for_status()
    return PageTimes(times[0], times[1:], max(rows, 0), listed.json()["total"])


async def run(args: argparse.Namespace, tmp: Path) -> Result:
    out = Result(args)
    items = 2 * args.items  # the first half through the services, the second over HTTP
    with backend("sqlite", tmp) as be:
        settings = be.settings.model_copy(update={"web_port": free_port()})
        app = build_app(settings, migrate=True)
        app.use_io_threads()  # as the stack does (its web app and worker share this loop)
        spawn = multiprocessing.get_context("spawn")
        try:
            async with (
                dev_server(settings, tmp) as env,
                build_worker(env.client, app, settings.task_queue),
            ):
                svc = SessionService(
                    env.client, app.congresses, app.polls, settings, settings.task_queue
                )
                stderr.print(f"setting up {args.delegates} delegates…")
                started = time.perf_counter()
                sid, ids = await set_up_session(app, svc, tmp, args.delegates, items)
                out.setup_s = time.perf_counter() - started
                ctx = WebContext(app, _client=env.client)
                started = time.perf_counter()
                tokens = await asyncio.to_thread(
                    issue_tokens, ctx.accounts(), [*ids, REVIEWER, CHAIR]
                )
                out.tokens_s = time.perf_counter() - started
                web = Embedded(settings, ctx)
                await web.start()
                url = f"http://{settings.web_host}:{settings.web_port}"
                try:
                    with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as pool:
                        await in_client_process(pool, url, [], 1)  # start it off the clock
                        stderr.print("check-in over HTTP…")
                        out.check_in = await in_client_process(
                            pool,
                            url,
                            [
                                ("POST", f"/api/v1/sessions/{sid}/check-ins", tokens[d], {})
                                for d in ids
                            ],
                            args.clients,
                            args.client,
                        )
                        if app.polls.present(sid) != args.delegates:
                            raise SystemExit("not every delegate is checked in")
                        for no in range(1, items + 1):
                            await svc.open_poll(sid, CHAIR, no)
                        out.load.append(os.getloadavg()[0])

                        # Delegate by delegate, as bench/congress.py casts.
                        async def cast(no: int, i: int) -> None:
                            await svc.cast(sid, no, ids[i], [choice_of(i)])

                        out.service = await timed_jobs(
                            "ballots (services)",
                            [
                                lambda no=no, i=i: cast(no, i)
                                for i in range(args.delegates)
                                for no in range(1, args.items + 1)
                            ],
                            args.clients,
                        )
                        await wait_tallied(app, sid, args.items, args.tally_timeout)
                        stderr.print("ballots over HTTP…")
                        out.load.append(os.getloadavg()[0])
                        out.http = await in_client_process(
                            pool,
                            url,
                            [
                                (
                                    "POST",
                                    f"/api/v1/sessions/{sid}/items/{no}/ballots",
                                    tokens[d],
                                    {"choices": [choice_of(i)]},
                                )
                                for i, d in enumerate(ids)
                                for no in range(args.items + 1, items + 1)
                            ],
                            args.clients,
                            args.client,
                        )
                    out.load.append(os.getloadavg()[0])
                    await wait_tallied(app, sid, items, args.tally_timeout)
                    check_tallies(app, sid, items, args.delegates)

                    stderr.print(f"saving {args.cases} wage cases to the ledger…")
                    started = time.perf_counter()
                    await asyncio.to_thread(fill, app.ledger, args.cases)
                    out.seed_s = time.perf_counter() - started
                    for actor, path in ((REVIEWER, "/inbox"), (CHAIR, "/inbox"), (CHAIR, "/cases")):
                        stderr.print(f"GET {path} as {actor}…")
                        out.pages[actor, path] = await time_page(
                            url, tokens[actor], path, args.inbox_repeats
                        )
                finally:
                    await web.stop()
                    ctx.close()
        finally:
            app.close()
    return out


# -- the report ---------------------------------------------------------------------------


def pct(latencies: list[float], p: int) -> float:
    """The p-th percentile in milliseconds (inclusive method)."""
    if len(latencies) == 1:
        return latencies[0] * 1000
    return statistics.quantiles(latencies, n=100, method="inclusive")[p - 1] * 1000


def latency(load: Load) -> str:
    return " / ".join(f"{pct(load.latencies, p):.1f}" for p in (50, 95, 99))


def http_parser() -> str:
    """What uvicorn parses HTTP/1.1 with here: httptools (C) when installed, else h11."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    return "httptools" if AutoHTTPProtocol.__module__.endswith("httptools_impl") else "h11"


def cpu_per(service: Load, http: Load, ballots: int) -> str:
    """The serving process's CPU per ballot on each path (its worker threads too): the
    cost the machine's load does not change, unlike ballots/s."""

    def per(load: Load) -> str:
        return f"{1000 * load.cpu_s / ballots:.2f} ({1000 * load.sys_s / ballots:.2f} sys)"

    return f"{per(service)} / {per(http)}"


def report(r: Result) -> None:
    a = r.args
    assert r.check_in and r.service and r.http
    ballots = a.delegates * a.items
    service_rate = ballots / r.service.seconds
    http_rate = ballots / r.http.seconds
    title = (
        f"UnionFlow web benchmark (sqlite, real dev server, {a.delegates} delegates, "
        f"{a.clients} {a.client} clients, {a.items} secret items per path, {a.cases:,} wage cases)"
    )
    rows = [
        ("setup s (directory, congress, roster, session)", f"{r.setup_s:.2f}"),
        (f"accounts and API tokens s ({a.delegates + 2:,})", f"{r.tokens_s:.2f}"),
        ("HTTP check-ins/s", f"{a.delegates / r.check_in.seconds:,.0f}"),
        ("HTTP check-in latency ms p50 / p95 / p99", latency(r.check_in)),
        ("ballots per path", f"{ballots:,}"),
        ("service ballots/s (SessionService.cast)", f"{service_rate:,.0f}"),
        ("service ballot latency ms p50 / p95 / p99", latency(r.service)),
        ("HTTP ballots/s (POST …/ballots)", f"{http_rate:,.0f}"),
        ("HTTP ballot latency ms p50 / p95 / p99", latency(r.http)),
        ("HTTP ÷ service ballots/s (hoped ≥ 0.5)", f"{http_rate / service_rate:.2f}"),
        ("serving process CPU ms per ballot: services / HTTP", cpu_per(r.service, r.http, ballots)),
        ("HTTP clients' process CPU ms per ballot", f"{1000 * r.http.client_cpu_s / ballots:.2f}"),
        (
            "load average (1 min): services / HTTP / after",
            " / ".join(f"{x:.1f}" for x in r.load),
        ),
        ("HTTP parser of the server (uvicorn's choice)", http_parser()),
        ("tallies exactly as expected", f"{2 * a.items}/{2 * a.items}"),
        (f"saving {a.cases:,} wage cases s", f"{r.seed_s:.2f}"),
    ]
    for (actor, path), t in r.pages.items():
        rows.append(
            (f"GET {path} as {actor}: first s ({t.shown:,} of {t.total:,} rows)", f"{t.first:.2f}")
        )
        rows.append(
            (
                f"GET {path} as {actor}: ms p50 / p95 ({len(t.warm)} more)",
                f"{pct(t.warm, 50):.1f} / {pct(t.warm, 95):.1f}",
            )
        )
    print_table(
        title,
        rows,
        "One process serves (uvicorn) and runs the worker, on one event loop; the HTTP "
        "clients run in another, with keep-alive connections and one bearer token per "
        "delegate. The service path casts from the serving process itself, as "
        "bench/congress.py does. The inbox's first request catches the read side up on the "
        "new cases; the hope for a reviewer's inbox is p95 < 100 ms. Lists show a page "
        "(50 rows) of the whole.",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delegates", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50, help="concurrent HTTP clients")
    parser.add_argument(
        "--items", type=int, default=5, help="secret items per path (services, HTTP)"
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="the HTTP clients: a minimal HTTP/1.1 client (raw) or httpx",
    )
    parser.add_argument("--cases", type=int, default=10_000, help="wage cases for the inbox")
    parser.add_argument("--inbox-repeats", type=int, default=30, help="timed GETs of each list")
    parser.add_argument(
        "--tally-timeout", type=float, default=600, help="seconds to wait for the tallies"
    )
    args = parser.parse_args()
    if min(args.delegates, args.clients, args.items, args.inbox_repeats) < 1 or args.cases < 0:
        parser.error("sizes must be positive")
    run_in_tmp(args, "bench-web-", run, report)


if __name__ == "__main__":
    main()
