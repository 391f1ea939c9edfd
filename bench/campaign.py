"""Benchmark: a target-rate campaign over N units on the time-skipping server (issue 12).

Two measurements in the same run, on the same test server:

bare fan-out
    a parent workflow runs N trivial child workflows (each returns its number) in a
    sliding window of at most ``--window`` pending children (default 500, well under
    Temporal's cap of 2,000 pending children), continuing as new every ``--per-run``
    children. No ledger, no activities: what Temporal alone costs for N units.
campaign
    a wage-bargaining campaign with three targets (all units, public, non-public) and one
    reporting period over N generated units (each in the directory with its cadre; three
    district unions review): the workflow started by the facade; the units imported (N
    joins) through the service layer; the first reminder round of the workflow over every
    unit (pages of 500 in activities); a share of the units reporting, each report
    approved by its district union, through the service layer; every rate recomputed
    (live, live unchanged, a new read model from the log, as of an instant); the second
    round; the final report; the workflow's histories.

Printed, with no thresholds: wall seconds of each step, facts/s through the service
layer, start-to-all-reminded time, time to recompute all rates, the largest workflow
history (events and bytes) and the ratio campaign (start to all reminded: the period
opened and every unit reminded once) / bare fan-out (every unit a child workflow).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time as clock
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from pydantic import BaseModel
from temporalio import workflow

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if sys.path[0] != ROOT:  # this module runs again in each sandboxed workflow run
    sys.path.insert(0, ROOT)

# The bare workflows below run in Temporal's sandbox, which re-imports this module (as
# bench.campaign, see the end of the file): everything else is passed through.
with workflow.unsafe.imports_passed_through():
    import yaml
    from rich.console import Console
    from rich.table import Table
    from temporalio.client import Client, WorkflowHistory
    from temporalio.testing import WorkflowEnvironment
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker

    from application.campaign_progress import CampaignProgress
    from application.unit_facts import UnitFactsIndex
    from bootstrap import App, build_app, build_worker, start_time_skipping
    from demo_campaign import DISTRICTS, directory_file, generated_units, units_file
    from domain.actors import CHINA_TZ
    from domain.campaign.aggregate import Campaign
    from domain.campaign.values import campaign_ledger_id
    from logs import configure_logging
    from services.campaigns import CampaignFacade
    from settings import Settings
    from workflows.campaign import campaign_workflow_id


# --- the bare fan-out -------------------------------------------------------------------


class FanOutInput(BaseModel):
    """N children in a sliding window; carried over continue-as-new."""

    total: int
    window: int = 500
    per_run: int = 500
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
    # debug_mode: no two-second deadlock detector (the sandbox stays). On a shared, loaded
    # machine the parent's activation starting 500 children overran it, the run was
    # evicted and replayed, and the bench never finished.
    async with Worker(env.client, task_queue=queue, workflows=[BareFanOut, BareChild],
                      debug_mode=True, **runner):  # type: ignore[arg-type]  # fmt: skip
        t = clock.perf_counter()
        done = await env.client.execute_workflow(
            BareFanOut.run,
            FanOutInput(total=units, window=window, per_run=per_run),
            id=workflow_id,
            task_queue=queue,
            execution_timeout=timedelta(days=1),
        )
        seconds = clock.perf_counter() - t
    assert done == units, (done, units)
    return BareResult(seconds, units, await histories(env.client, workflow_id))


# --- the campaign ----------------------------------------------------------------------

KEY = "bench-campaign"
ORGANISER, ORGANISER_ORG = "sun.lihua", "dl-city"
EXAMPLE_DIRECTORY = os.path.join(ROOT, "examples", "directory.yaml")


def definition(opens: date) -> dict[str, object]:
    """The wage-bargaining campaign with three targets (all units, public, non-public) and
    one reporting period of two weeks starting the day after ``opens``."""
    starts = opens + timedelta(days=1)
    due = starts + timedelta(days=14)
    final = due + timedelta(days=1)
    rate = {"indicator": "wage_contract", "kind": "rate", "by": final.isoformat()}
    return {
        "key": KEY, "title": ["基准集中行动", "bench campaign"], "year": opens.year,
        "population": {"filter": {"unionised": True}},
        "indicators": [{"key": "wage_contract", "label": ["签订工资专项集体合同", "wage contract"],
                        "source": "either", "fact": "wage_contract_in_force",
                        "evidence": "required"}],
        "targets": [
            {"key": "coverage", "label": ["建制率≥80%", "coverage ≥ 80%"], "at_least": 0.8, **rate},
            {"key": "public", "label": ["公有制单位≥90%", "public ≥ 90%"], "at_least": 0.9,
             "among": {"ownership": ["public"]}, **rate},
            {"key": "non_public", "label": ["非公有制单位≥75%", "non-public ≥ 75%"],
             "at_least": 0.75, "among": {"ownership": ["non_public"]}, **rate},
        ],
        "timeline": {"periods": [{"key": "P1", "starts": starts.isoformat(), "due": due.isoformat()}],
                     "remind_every_days": 7, "escalate_after": 3,
                     "final_report": final.isoformat()},
    }  # fmt: skip


@dataclass
class CampaignResult:
    steps: list[tuple[str, float, int]]
    rounds: list[tuple[int, int]]  # (reminded, escalated) per round
    targets: list[tuple[str, float, bool]]
    history: Histories
    start_to_all_reminded: float = 0.0
    facts_seconds: float = 0.0
    facts: int = 0
    recompute: dict[str, float] = field(default_factory=dict)


class CampaignBench:
    """N units through the service layer and the campaign's own workflow."""

    def __init__(self, env: WorkflowEnvironment, app: App, units: int, share: float) -> None:
        self.env, self.app, self.n, self.share = env, app, units, share
        self.queue = f"bench-campaign-{uuid.uuid4().hex[:8]}"
        self.facade = CampaignFacade(env.client, app.campaigns, app.directory, app.settings,
                                     self.queue, clock=env.get_current_time)  # fmt: skip
        self.result = CampaignResult(steps=[], rounds=[], targets=[],
                                     history=Histories(0, 0, 0, 0))  # fmt: skip

    def step(self, name: str, seconds: float, count: int = 0) -> None:
        self.result.steps.append((name, seconds, count))
        print(f"  {name}: {seconds:.2f} s" + (f" ({count / seconds:.0f}/s)" if count else ""),
              flush=True)  # fmt: skip

    async def today(self) -> date:
        return (await self.env.get_current_time()).astimezone(CHINA_TZ).date()

    async def until(self, day: date) -> None:
        target = datetime.combine(day, time(0, 30), tzinfo=CHINA_TZ)
        gap = target - await self.env.get_current_time()
        if gap > timedelta(0):
            await self.env.sleep(gap)

    async def settle(self, done: object, what: str) -> None:
        for _ in range(36_000):  # wall time: the workflow's activities after a time skip
            if done():  # type: ignore[operator]
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"the campaign's workflow did not {what}")

    def rounds(self) -> int:
        return self.facade.campaign(KEY).reminder_rounds.get("P1", 0)

    def sent(self, n: int) -> tuple[int, int]:
        e = [e for e in self.app.ledger.stream(campaign_ledger_id(KEY))
             if isinstance(e, Campaign.RemindersSent) and e.round == n][-1]  # fmt: skip
        return e.reminded, e.escalated

    async def run(self, tmp: Path) -> CampaignResult:
        app, facade, r = self.app, self.facade, self.result
        units = generated_units(self.n)
        t = clock.perf_counter()
        path = directory_file(units, tmp / "bench-directory.yaml")
        app.directory.load(app.directory.parse(path), operator="ops.admin")
        self.step("setup: directory of the units and their cadres (not timed below)",
                  clock.perf_counter() - t, 2 * self.n)  # fmt: skip
        opens = await self.today()
        defs = app.settings.campaign_definition_dir
        assert defs is not None
        defs.mkdir(parents=True, exist_ok=True)
        (defs / f"{KEY}.yaml").write_text(yaml.safe_dump(definition(opens), allow_unicode=True),
                                          encoding="utf-8")  # fmt: skip
        async with build_worker(self.env.client, app, self.queue):
            t = clock.perf_counter()
            await facade.open(KEY, ORGANISER_ORG, ORGANISER)
            self.step("open the campaign and start its workflow", clock.perf_counter() - t)
            t = clock.perf_counter()
            imported = await facade.import_units(ORGANISER, KEY, units_file(units, tmp / "u.csv"))
            assert imported.joined == self.n, imported
            self.step("unit joins (population import) through the service layer",
                      clock.perf_counter() - t, self.n)  # fmt: skip
            members = [u for u in units if u.unionised]
            d = facade.campaign(KEY).definition
            p = d.timeline.periods[0]
            t = clock.perf_counter()
            await self.until(p.starts + timedelta(days=7))
            await self.settle(lambda: self.rounds() >= 1, "send its first reminder round")
            r.start_to_all_reminded = clock.perf_counter() - t
            r.rounds.append(self.sent(1))
            assert r.rounds[0][0] == len(members), (r.rounds, len(members))
            self.step("start to all reminded (period opened, round 1 over every unit)",
                      r.start_to_all_reminded, len(members))  # fmt: skip
            reporting = members[: round(len(members) * self.share)]
            t = clock.perf_counter()
            for u in reporting:
                reviewer = DISTRICTS[u.district][2]
                await facade.submit(u.cadre, KEY, u.code, indicator="wage_contract", period="P1",
                                    value=1, evidence=f"备案回执 {u.code}")  # fmt: skip
                await facade.approve(reviewer, KEY, u.code, indicator="wage_contract", period="P1")
            r.facts_seconds, r.facts = clock.perf_counter() - t, 2 * len(reporting)
            self.step("reports submitted + approved through the service layer",
                      r.facts_seconds, r.facts)  # fmt: skip
            on = await self.today()
            t = clock.perf_counter()
            report = facade.progress(KEY, on=on)
            r.recompute["live, after the reports"] = clock.perf_counter() - t
            t = clock.perf_counter()
            facade.progress(KEY, on=on)
            r.recompute["live, nothing changed"] = clock.perf_counter() - t
            t = clock.perf_counter()
            cold = CampaignProgress(app.ledger, UnitFactsIndex(app.ledger, app.settings),
                                    app.settings).report(KEY, on=on)  # fmt: skip
            r.recompute["rebuilt from the log (a new read model)"] = clock.perf_counter() - t
            t = clock.perf_counter()
            app.campaign_progress.report(KEY, at=await self.env.get_current_time())
            r.recompute["as of an instant (at=)"] = clock.perf_counter() - t
            assert [x.total for x in cold.targets] == [x.total for x in report.targets]
            for name, seconds in r.recompute.items():
                self.step(f"recompute all rates: {name}", seconds, self.n)
            r.targets = [(x.target, x.total.rate, x.total.met) for x in report.targets]
            t = clock.perf_counter()
            await self.until(p.starts + timedelta(days=14))
            await self.settle(lambda: self.rounds() >= 2, "send its second reminder round")
            r.rounds.append(self.sent(2))
            self.step("round 2 over every unit (laggards reminded)", clock.perf_counter() - t,
                      r.rounds[1][0])  # fmt: skip
            t = clock.perf_counter()
            await self.until(d.timeline.final_report)
            await self.settle(lambda: facade.campaign(KEY).final_report is not None,
                              "make its final report")  # fmt: skip
            self.step("final report by the workflow (every unit's row, hashed)",
                      clock.perf_counter() - t, self.n)  # fmt: skip
            r.history = await histories(self.env.client, campaign_workflow_id(KEY))
        return r


# --- the report -------------------------------------------------------------------------


def kib(n: int) -> str:
    return f"{n / 1024:.0f} KiB"


def history_line(h: Histories) -> str:
    return (f"runs {h.runs}, largest history {h.largest_events} events / "
            f"{kib(h.largest_bytes)}, {h.total_events} events in all")  # fmt: skip


async def run(args: argparse.Namespace, tmp: Path) -> None:
    console = Console()
    settings = Settings(data_dir=tmp / "var", activity_timeout_seconds=120,
                        campaign_definition_dir=tmp / "campaign-definitions")  # fmt: skip
    app = build_app(settings)
    app.directory.load(app.directory.parse(Path(EXAMPLE_DIRECTORY)), operator="ops.admin")
    env = await start_time_skipping(settings)
    bare: dict[str, BareResult] = {}
    result: CampaignResult | None = None
    try:
        for sandboxed in (True, False) if args.unsandboxed else (True,):
            name = "sandboxed" if sandboxed else "unsandboxed"
            console.print(f"bare fan-out ({name}): {args.units} children, window {args.window} …")
            bare[name] = await bare_fan_out(env, args.units, args.window, args.per_run, sandboxed)
            b = bare[name]
            console.print(f"  {b.seconds:.1f} s ({b.units / b.seconds:.0f}/s); "
                          f"{history_line(b.history)}")  # fmt: skip
        if not args.bare_only:
            console.print(f"campaign: {args.units} units, 3 targets, one reporting period …")
            result = await CampaignBench(env, app, args.units, args.share).run(tmp)
    finally:
        await env.shutdown()
        app.close()
    table = Table(title=f"campaign bench: {args.units} units")
    for col in ("step", "seconds", "count", "per second"):
        table.add_column(col)
    for name, b in bare.items():
        table.add_row(f"bare fan-out, {name} (children)", f"{b.seconds:.2f}", str(b.units),
                      f"{b.units / b.seconds:.0f}")  # fmt: skip
    for name, seconds, count in result.steps if result else []:
        rate = f"{count / seconds:.0f}" if count and seconds else ""
        table.add_row(name, f"{seconds:.2f}", str(count or ""), rate)
    console.print(table)
    for name, b in bare.items():
        console.print(f"bare fan-out {name}: {history_line(b.history)}")
    if result is None:
        return
    r = result
    console.print(
        f"facts/s through the service layer (reports submitted + approved): "
        f"{r.facts / r.facts_seconds:.0f} ({r.facts} facts in {r.facts_seconds:.1f} s)"
    )
    console.print(
        f"start-to-all-reminded: {r.start_to_all_reminded:.1f} s "
        f"(reminder rounds, reminded/escalated: {r.rounds})"
    )
    console.print(
        "time to recompute all rates: "
        + "; ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in r.recompute.items())
    )
    console.print(
        "targets after the reports: "
        + "; ".join(f"{t} {rate:.1%}{' met' if met else ''}" for t, rate, met in r.targets)
    )
    console.print(f"campaign workflow: {history_line(r.history)}")
    total = sum(sec for name, sec, _ in r.steps if not name.startswith(("setup", "recompute")))
    console.print(f"campaign from opening to final report (every step above but the setup and "
                  f"the recomputations): {total:.1f} s")  # fmt: skip
    for name, b in bare.items():
        console.print(f"ratio campaign / bare fan-out {name}: start to all reminded "
                      f"{r.start_to_all_reminded / b.seconds:.2f}×, opening to final report "
                      f"{total / b.seconds:.2f}×")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--window", type=int, default=500, help="pending children at most")
    parser.add_argument("--per-run", type=int, default=500,
                        help="children per run of the parent before continue-as-new")  # fmt: skip
    parser.add_argument("--unsandboxed", action="store_true",
                        help="also the bare fan-out without Temporal's sandbox")  # fmt: skip
    parser.add_argument("--bare-only", action="store_true", help="only the bare fan-out")
    parser.add_argument("--share", type=float, default=0.85,
                        help="share of the member units that report (and are approved)")  # fmt: skip
    args = parser.parse_args()
    configure_logging("console", "WARNING")
    with tempfile.TemporaryDirectory(prefix="unionflow-bench-campaign-") as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    # Run as bench.campaign, not __main__: the sandbox imports a workflow's module by name.
    from bench.campaign import main as bench_main

    bench_main()
