"""Benchmark: a whole award round on the time-skipping server, against a bare fan-out.

N nominees (default 2,000), each with the unit's steps, a first review, seven department
clearances and a second review, all sent through the service layer (straight to the
ledger); the round's one workflow closes the notices and asks for the clearances in its
daily paged sweep, closes nominations, enters the federation's notice and closes it. Printed:
wall time per phase and in all, acts/s through the service layer, the round workflow's
largest history (per run: it continues as new), and — measured in the same run on the same
server — a bare Temporal fan-out of N child workflows in a sliding window of 1,000 pending
(below Temporal's 2,000 pending-children cap), with the ratio of the two.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml
from rich.console import Console
from rich.table import Table
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from bootstrap import build_app, build_worker, start_time_skipping
from domain.actors import CHINA_TZ
from domain.award import NominationStage, Nominee, RoundStage
from domain.award.commands import (
    GiveClearance,
    OpenRound,
    PostUnitNotice,
    RecordCongressApproval,
    RecordJointAgreement,
    ReviewNomination,
    Submit,
)
from domain.award.permissions import ApprovalPoll
from logs import configure_logging
from services.awards import AwardFacade
from settings import Settings
from workflows.award_round import award_round_workflow_id

ROOT = Path(__file__).resolve().parent.parent
DEPARTMENTS = {"discipline": "jw.dept", "market": "market.dept", "tax": "tax.dept",
               "hr": "hrss.dept", "emergency": "emergency.dept", "environment": "env.dept",
               "audit": "audit.dept"}  # fmt: skip
POLL = ApprovalPoll(poll="bench:poll:item1", exists=True, unit_org="dl-bearing", tallied=True,
                    passed=True, summary="赞成 25（应到 29）")  # fmt: skip
WINDOW = 1000  # pending children at most in the bare fan-out (Temporal's cap is 2,000)


def definition(n: int) -> dict[str, object]:
    """The shipped 劳动模范 rules with places for ``n`` nominees and no disqualifier (the
    bench's units have no wage contract or congress session in the ledger)."""
    d = yaml.safe_load((ROOT / "domain/award_data/dalian-labour-model.yaml").read_text("utf-8"))
    d.update(key="bench-award", places={"dl-ganjingzi": n}, disqualifiers=[], shares=[])
    return d


@workflow.defn(name="BenchChild", sandboxed=False)
class BenchChild:
    @workflow.run
    async def run(self, n: int) -> int:
        return n


@workflow.defn(name="BenchFanOut", sandboxed=False)
class BenchFanOut:
    """N children, at most ``WINDOW`` pending at once."""

    @workflow.run
    async def run(self, n: int) -> int:
        pending: set[asyncio.Task[int]] = set()
        done = 0
        for i in range(n):
            if len(pending) >= WINDOW:
                finished, still = await workflow.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                pending = set(still)  # workflow.wait answers with lists
                done += len(finished)
            pending.add(
                asyncio.ensure_future(
                    workflow.execute_child_workflow(
                        BenchChild.run, i, id=f"{workflow.info().workflow_id}-{i}"
                    )
                )
            )
        if pending:
            await workflow.wait(pending)
            done += len(pending)
        return done


@dataclass
class Phase:
    name: str
    seconds: float
    acts: int = 0


async def sleep_until(env, day: date) -> None:
    now = (await env.get_current_time()).astimezone(CHINA_TZ).date()
    await env.sleep(timedelta(days=max((day - now).days, 0) + 1, minutes=10))


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


async def bare_fan_out(env, n: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds for a bare parent to run ``n`` trivial children on the same server."""
    async with Worker(env.client, task_queue="bench-bare", workflows=[BenchFanOut, BenchChild],
                      workflow_runner=UnsandboxedWorkflowRunner()):  # fmt: skip
        t = time.perf_counter()
        await env.client.execute_workflow(
            BenchFanOut.run, n, id="bench-fan-out", task_queue="bench-bare"
        )
        return time.perf_counter() - t


def report(console: Console, phases: list[Phase], n: int, round_seconds: float, runs: int,
           largest: int, bare: float) -> None:  # fmt: skip
    table = Table(title=f"award round: {n} nominees, 7 clearances each")
    for col in ("phase", "seconds", "acts", "acts/s"):
        table.add_column(col)
    for p in phases:
        rate = f"{p.acts / p.seconds:.0f}" if p.acts else ""
        table.add_row(p.name, f"{p.seconds:.1f}", str(p.acts or ""), rate)
    console.print(table)
    console.print(f"round, wall time: {round_seconds:.1f} s; round workflow runs: {runs}, "
                  f"largest history: {largest} events")  # fmt: skip
    console.print(f"bare fan-out of {n} child workflows (window {WINDOW}): {bare:.1f} s")
    console.print(f"ratio round / bare fan-out: {round_seconds / bare:.2f}")


async def run(args: argparse.Namespace, tmp: Path) -> None:
    console = Console()
    defs = tmp / "definitions"
    defs.mkdir()
    (defs / "bench-award.yaml").write_text(
        yaml.safe_dump(definition(args.nominees), allow_unicode=True), "utf-8"
    )
    settings = Settings(
        data_dir=tmp / "var", award_definition_dir=defs, activity_timeout_seconds=120
    )
    app = build_app(settings)
    app.directory.load(app.directory.parse(ROOT / "examples/directory.yaml"), operator="ops.admin")
    app.awards.facts.approval_poll = lambda _key: POLL  # type: ignore[method-assign]
    env = await start_time_skipping(settings)
    phases: list[Phase] = []
    try:
        async with build_worker(env.client, app, "bench-awards"):
            facade = AwardFacade(env.client, app.awards, app.directory, settings, "bench-awards",
                                 clock=env.get_current_time)  # fmt: skip
            start = (await env.get_current_time()).astimezone(CHINA_TZ).date()
            began = time.perf_counter()

            async def phase(name: str, acts: int, coro) -> None:  # type: ignore[no-untyped-def]
                t = time.perf_counter()
                await coro
                phases.append(Phase(name, time.perf_counter() - t, acts))
                console.print(f"{name}: {phases[-1].seconds:.1f} s")

            c = OpenRound(round_key="bench", title="基准评选", definition="bench-award",
                          nominations_close=start + timedelta(days=60), departments=DEPARTMENTS)  # fmt: skip
            await facade.open_round("sun.lihua", c)
            n = args.nominees

            async def unit_steps() -> None:
                for i in range(n):
                    nominee = Nominee(person=f"P{i:05d}", name=f"候选人{i}", gender="female",
                                      unit_org="dl-bearing", sub_union="dl-ganjingzi", post="技师",
                                      category="industrial_worker", deeds="事迹")  # fmt: skip
                    key = (await facade.nominate("wang.li", "bench", nominee)).key
                    await facade.act("wang.li", key, RecordJointAgreement(record="联席会议"))
                    await facade.act("wang.li", key, RecordCongressApproval(poll=POLL.poll))
                    await facade.act("wang.li", key, PostUnitNotice(starts=start))

            await phase("nominate + unit steps", 4 * n, unit_steps())
            keys = [x.key for x in facade.nominations("bench")]
            ends = facade.nomination(keys[0]).notices[0].ends
            await phase("unit notices closed by the sweep", 0, sleep_until(env, ends))

            async def reviews() -> None:
                for key in keys:
                    await facade.act("wang.li", key, Submit())
                    await facade.act(
                        "chen.jing",
                        key,
                        ReviewNomination(kind="first_review", passed=True, opinion="同意"),
                    )

            await phase("submit + first review", 2 * n, reviews())
            sub_ends = facade.nomination(keys[0]).notices[1].ends
            await phase("sub-union notices closed, clearances asked", 0, sleep_until(env, sub_ends))

            async def clearances() -> None:
                for key in keys:
                    for k, dept in DEPARTMENTS.items():
                        await facade.act(dept, key, GiveClearance(key=k, clear=True))
                    await facade.act(
                        "li.wei",
                        key,
                        ReviewNomination(kind="second_review", passed=True, opinion="同意"),
                    )

            await phase("7 clearances + second review", 8 * n, clearances())
            await phase("nominations closed", 0, sleep_until(env, c.nominations_close))
            today = (await env.get_current_time()).astimezone(CHINA_TZ).date()
            r = await facade.start_notice("sun.lihua", "bench", today)
            assert r.notice is not None
            await phase("federation notice closed", 0, sleep_until(env, r.notice.ends))
            assert facade.round("bench").stage is RoundStage.COMMITTEE
            assert all(x.stage is NominationStage.COMMITTEE for x in facade.nominations("bench"))
            round_seconds = time.perf_counter() - began
            runs, largest = await histories(env, award_round_workflow_id("bench"))
        bare = await bare_fan_out(env, n)
    finally:
        await env.shutdown()
        app.close()
    report(console, phases, n, round_seconds, runs, largest, bare)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nominees", type=int, default=2000)
    args = parser.parse_args()
    configure_logging("console", "WARNING")
    with tempfile.TemporaryDirectory(prefix="unionflow-bench-awards-") as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
