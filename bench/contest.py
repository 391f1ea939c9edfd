"""Benchmark: a contest round of N entrants × 5 judges on the time-skipping server.

The shipped skills contest (blind judging, drop high and low, five judges each) with N
individual entrants (default 1,000) registered through the service layer; the round's one
workflow closes registration at its deadline; judges come from a pool of five; every judge
scores every entry through the service layer (5 × N sheets, straight to the ledger, one per
judge and entry); the workflow ranks the round on its ranking day. Printed: sheets/s
through the service layer and — measured in the same run on the same ledger — bare ledger
appends/s (one new record per append, the hash chain and idempotency, no contest rules,
directory or read models), the ratio of the two, the aggregation time (``compute``: drop,
normalise, rank from the raw sheets) and the round workflow's largest history.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml
from rich.console import Console
from rich.table import Table
from temporalio.client import WorkflowHistory

from application.contest_inputs import OpenContestRound, Registration
from bootstrap import build_app, build_worker, start_time_skipping
from domain.actors import CHINA_TZ, Acting, CommandMeta, Role
from domain.base import LedgerAggregate, deterministic_id
from domain.contest.values import RANKED_OR_LATER, Phase
from logs import configure_logging
from services.contests import ContestFacade
from settings import Settings
from workflows.contest_round import contest_round_workflow_id

ROOT = Path(__file__).resolve().parent.parent
JUDGES = [f"bench.judge{i}" for i in range(1, 6)]
UNITS = ["dl-bearing", "dl-seed", "dl-garment"]
BARE = Acting(actor_id="bench", role=Role.CADRE, roles=[Role.CADRE], org_id="dl-city")


class BenchRecord(LedgerAggregate):
    """The bare append: a new ledger record with one field, no rules."""

    class Created(LedgerAggregate.Created):
        n: int

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n


def directory(tmp: Path) -> Path:
    """The example directory plus five judges of the city federation."""
    data = yaml.safe_load((ROOT / "examples/directory.yaml").read_text(encoding="utf-8"))
    data["actors"] = [*data["actors"], *(
        {"id": j, "name": f"裁判{i}", "org": "dl-city", "roles": ["judge"]}
        for i, j in enumerate(JUDGES, 1)
    )]  # fmt: skip
    path = tmp / "directory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def marks(i: int, j: int) -> dict[str, Decimal]:
    """A judge's sheet: spread over entrants and judges, inside each item's points."""
    return {
        "exam": Decimal(60 + (i * 7 + j * 3) % 40),
        "procedure": Decimal(18 + (i + j) % 12),
        "quality": Decimal(30 + (i * 3 + j) % 20),
        "safety": Decimal(12 + (i + 2 * j) % 8),
    }


async def sleep_until(env, day: date) -> None:  # type: ignore[no-untyped-def]
    now = (await env.get_current_time()).astimezone(CHINA_TZ).date()
    await env.sleep(timedelta(days=max((day - now).days, 0), hours=1))


async def histories(env, workflow_id: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """How many runs the workflow had, and the largest history among them."""
    runs, largest, run_id = 0, 0, None
    while True:  # back along the continue-as-new chain, from the current run
        handle = env.client.get_workflow_handle(workflow_id, run_id=run_id)
        history: WorkflowHistory = await handle.fetch_history()
        runs += 1
        largest = max(largest, len(history.events))
        started = history.events[0].workflow_execution_started_event_attributes
        run_id = started.continued_execution_run_id or None
        if run_id is None:
            return runs, largest


async def run(args: argparse.Namespace, tmp: Path) -> None:
    console = Console()
    settings = Settings(data_dir=tmp / "var", activity_timeout_seconds=120)
    app = build_app(settings)
    app.directory.load(app.directory.parse(directory(tmp)), operator="ops.admin")
    env = await start_time_skipping(settings)
    n = args.entries
    rows: list[tuple[str, float, int]] = []

    def timed(name: str, seconds: float, count: int = 0) -> None:
        rows.append((name, seconds, count))
        console.print(f"{name}: {seconds:.1f} s")

    try:
        async with build_worker(env.client, app, "bench-contest"):
            facade = ContestFacade(env.client, app.contests, app.directory, settings,
                                   "bench-contest", clock=env.get_current_time)  # fmt: skip
            start = (await env.get_current_time()).astimezone(CHINA_TZ).date()
            c = OpenContestRound(round_key="bench", title="基准技能竞赛", definition="skills-contest",
                                 stage="preliminary", year=start.year,
                                 registration_closes=start + timedelta(days=10),
                                 ranks_on=start + timedelta(days=20))  # fmt: skip
            await facade.open_round("sun.lihua", c)
            t = time.perf_counter()
            for i in range(n):
                reg = Registration(entrant=f"P{i:05d}", name=f"选手{i}", unit_org=UNITS[i % 3])
                await facade.register("sun.lihua", "bench", reg)
            timed("register", time.perf_counter() - t, n)
            t = time.perf_counter()
            await sleep_until(env, start + timedelta(days=11))
            assert facade.round("bench").phase is Phase.JUDGING
            timed("registration closed by the workflow", time.perf_counter() - t)
            t = time.perf_counter()
            now = await env.get_current_time()
            report = app.contests.assign_pool("sun.lihua", "bench", JUDGES, now=now)
            assert report.assigned == 5 * n and not report.short, report
            timed("judges from the pool", time.perf_counter() - t, n)
            entries = app.contests.entries("bench")
            t = time.perf_counter()
            for i, e in enumerate(entries):
                for j, judge in enumerate(e.judges):
                    await facade.score(judge, e.key, marks(i, j))
            sheet_seconds = time.perf_counter() - t
            timed("sheets through the service layer", sheet_seconds, 5 * n)
            meta_time = datetime.now(UTC)
            t = time.perf_counter()
            for k in range(5 * n):
                meta = CommandMeta(command_id=f"bare-{k}", acting=BARE, occurred_at=meta_time)
                aggregate_id = deterministic_id("bench_record", str(k))
                app.ledger.execute(
                    aggregate_id,
                    meta,
                    create=lambda a=aggregate_id, m=meta, k=k: BenchRecord._new(a, m, n=k),
                )
            bare_seconds = time.perf_counter() - t
            timed("bare ledger appends", bare_seconds, 5 * n)
            t = time.perf_counter()
            ranking = app.contests.compute("bench")
            compute_seconds = time.perf_counter() - t
            assert ranking.sheets == 5 * n, ranking.sheets
            timed("aggregation (compute the ranking)", compute_seconds, n)
            t = time.perf_counter()
            await sleep_until(env, c.ranks_on or start)
            ranked = facade.round("bench")
            assert ranked.phase in RANKED_OR_LATER and ranked.ranking is not None  # notice posted
            timed("ranked by the workflow on its day", time.perf_counter() - t)
            runs, largest = await histories(env, contest_round_workflow_id("bench"))
    finally:
        await env.shutdown()
        app.close()
    table = Table(title=f"contest round: {n} entrants × 5 judges = {5 * n} sheets")
    for col in ("step", "seconds", "count", "per second"):
        table.add_column(col)
    for name, seconds, count in rows:
        rate = f"{count / seconds:.0f}" if count and seconds else ""
        table.add_row(name, f"{seconds:.2f}", str(count or ""), rate)
    console.print(table)
    sheets_rate, bare_rate = 5 * n / sheet_seconds, 5 * n / bare_seconds
    console.print(f"sheets/s through the service layer: {sheets_rate:.0f}; "
                  f"bare ledger appends/s: {bare_rate:.0f}; ratio: {sheets_rate / bare_rate:.2f}")  # fmt: skip
    console.print(f"aggregation (rank) of {5 * n} sheets: {compute_seconds:.2f} s")
    console.print(f"round workflow runs: {runs}, largest history: {largest} events")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1000)
    args = parser.parse_args()
    configure_logging("console", "WARNING")
    with tempfile.TemporaryDirectory(prefix="unionflow-bench-contest-") as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
