"""Benchmark: a target-rate campaign over N units on the time-skipping server (issue 12).

Two measurements in the same run, on the same test server:

bare fan-out
    a parent workflow runs N trivial child workflows (each returns its number) in a
    sliding window of at most ``--window`` pending children (default 500, well under
    Temporal's cap of 2,000 pending children), continuing as new every ``--per-run``
    children. No ledger, no activities: what Temporal alone costs for N units.
campaign
    (once the campaign workflow exists) the shipped wage-bargaining campaign over N
    generated units: units joined and reports submitted and approved through the service
    layer, the workflow's reminder rounds, recomputing every rate, the largest history.

Printed, with no thresholds: wall seconds of each step, facts/s through the service
layer, start-to-all-reminded time, time to recompute all rates, the largest workflow
history (events and bytes) and the ratio campaign / bare fan-out.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel
from temporalio import workflow

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if sys.path[0] != ROOT:  # this module runs again in each sandboxed workflow run
    sys.path.insert(0, ROOT)

# The bare workflows below run in Temporal's sandbox, which re-imports this module (as
# bench.campaign, see the end of the file): everything else is passed through.
with workflow.unsafe.imports_passed_through():
    from rich.console import Console
    from rich.table import Table
    from temporalio.client import Client, WorkflowHistory
    from temporalio.testing import WorkflowEnvironment
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker

    from bootstrap import start_time_skipping
    from logs import configure_logging
    from settings import Settings


# --- the bare fan-out -------------------------------------------------------------------


class FanOutInput(BaseModel):
    """N children in a sliding window; carried over continue-as-new."""

    total: int
    window: int = 500
    per_run: int = 2000
    done: int = 0  # children completed by earlier runs
    runs: int = 1


@workflow.defn(name="BenchBareChild")
class BareChild:
    """One trivial unit of work."""

    @workflow.run
    async def run(self, n: int) -> int:
        return n


@workflow.defn(name="BenchBareFanOut")
class BareFanOut:
    """Start children, never more than ``window`` pending, until ``total`` have completed;
    continue as new after ``per_run`` of them (the window drained first, so no child's
    completion is lost with the run)."""

    @workflow.run
    async def run(self, inp: FanOutInput) -> int:
        end = min(inp.total, inp.done + inp.per_run)
        pending: set[asyncio.Task[int]] = set()
        n, completed = inp.done, 0
        parent = workflow.info().workflow_id
        while n < end or pending:
            while n < end and len(pending) < inp.window:
                pending.add(
                    asyncio.ensure_future(
                        workflow.execute_child_workflow(BareChild.run, n, id=f"{parent}-child-{n}")
                    )
                )
                n += 1
            finished, rest = await workflow.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            pending = set(rest)
            for task in finished:
                task.result()
            completed += len(finished)
        if end < inp.total:
            workflow.continue_as_new(inp.model_copy(update={"done": end, "runs": inp.runs + 1}))
        return inp.done + completed


@dataclass(frozen=True)
class Histories:
    """The runs of one workflow along its continue-as-new chain."""

    runs: int
    largest_events: int
    largest_bytes: int
    total_events: int


async def histories(client: Client, workflow_id: str) -> Histories:
    """How many runs the workflow had, and the largest history among them."""
    runs, events, size, total, run_id = 0, 0, 0, 0, None
    while True:  # back along the continue-as-new chain, from the current run
        handle = client.get_workflow_handle(workflow_id, run_id=run_id)
        history: WorkflowHistory = await handle.fetch_history()
        runs += 1
        total += len(history.events)
        events = max(events, len(history.events))
        size = max(size, sum(e.ByteSize() for e in history.events))
        started = history.events[0].workflow_execution_started_event_attributes
        run_id = started.continued_execution_run_id or None
        if run_id is None:
            return Histories(runs, events, size, total)


@dataclass(frozen=True)
class BareResult:
    seconds: float
    units: int
    history: Histories


async def bare_fan_out(env: WorkflowEnvironment, units: int, window: int, per_run: int,
                       sandboxed: bool = True) -> BareResult:  # fmt: skip
    """Time N trivial children through one parent; returns the wall time and history.
    Sandboxed by default, like every UnionFlow workflow (``bootstrap.build_worker``)."""
    queue = f"bench-bare-{uuid.uuid4().hex[:8]}"
    workflow_id = f"bench-bare-{uuid.uuid4().hex[:8]}"
    runner = {} if sandboxed else {"workflow_runner": UnsandboxedWorkflowRunner()}
    async with Worker(env.client, task_queue=queue, workflows=[BareFanOut, BareChild],
                      **runner):  # type: ignore[arg-type]  # fmt: skip
        t = time.perf_counter()
        done = await env.client.execute_workflow(
            BareFanOut.run,
            FanOutInput(total=units, window=window, per_run=per_run),
            id=workflow_id,
            task_queue=queue,
            execution_timeout=timedelta(days=1),
        )
        seconds = time.perf_counter() - t
    assert done == units, (done, units)
    return BareResult(seconds, units, await histories(env.client, workflow_id))


# --- the report -------------------------------------------------------------------------


def kib(n: int) -> str:
    return f"{n / 1024:.0f} KiB"


def history_line(h: Histories) -> str:
    return (f"runs {h.runs}, largest history {h.largest_events} events / "
            f"{kib(h.largest_bytes)}, {h.total_events} events in all")  # fmt: skip


async def run(args: argparse.Namespace, tmp: Path) -> None:
    console = Console()
    settings = Settings(data_dir=tmp / "var", activity_timeout_seconds=120)
    env = await start_time_skipping(settings)
    bare: dict[str, BareResult] = {}
    try:
        for sandboxed in (True, False) if args.unsandboxed else (True,):
            name = "sandboxed" if sandboxed else "unsandboxed"
            console.print(f"bare fan-out ({name}): {args.units} children, window {args.window} …")
            bare[name] = await bare_fan_out(env, args.units, args.window, args.per_run, sandboxed)
            b = bare[name]
            console.print(f"  {b.seconds:.1f} s ({b.units / b.seconds:.0f}/s); "
                          f"{history_line(b.history)}")  # fmt: skip
    finally:
        await env.shutdown()
    table = Table(title=f"campaign bench: {args.units} units")
    for col in ("step", "seconds", "count", "per second"):
        table.add_column(col)
    for name, b in bare.items():
        table.add_row(f"bare fan-out, {name} (children)", f"{b.seconds:.2f}", str(b.units),
                      f"{b.units / b.seconds:.0f}")  # fmt: skip
    console.print(table)
    for name, b in bare.items():
        console.print(f"bare fan-out {name}: {history_line(b.history)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--window", type=int, default=500, help="pending children at most")
    parser.add_argument("--per-run", type=int, default=2000,
                        help="children per run of the parent before continue-as-new")  # fmt: skip
    parser.add_argument("--no-unsandboxed", dest="unsandboxed", action="store_false",
                        help="skip the bare fan-out without Temporal's sandbox")  # fmt: skip
    args = parser.parse_args()
    configure_logging("console", "WARNING")
    with tempfile.TemporaryDirectory(prefix="unionflow-bench-campaign-") as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    # Run as bench.campaign, not __main__: the sandbox imports a workflow's module by name.
    from bench.campaign import main as bench_main

    bench_main()
