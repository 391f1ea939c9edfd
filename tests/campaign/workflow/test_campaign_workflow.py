"""A campaign on the time-skipping server: its workflow opens each period on its first day,
reminds the laggards in rounds (in pages) until the period is due, escalates after N
reminders, makes the final report on its date, continues as new without repeating a
step, and takes the organiser's reminder round and close as validated updates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from temporalio.worker import Worker

from activities.acting import acting_from_ledger
from activities.campaign import CampaignActivities
from bootstrap import App
from domain.actors import CHINA_TZ, CommandMeta, Role, system_acting
from domain.campaign import CampaignDefinition
from domain.campaign.values import Phase
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from processes import activity_methods
from services.errors import raise_domain_error
from tests.campaign.workflow.fake_ledger import FakeCampaignLedger
from workflows.campaign import (
    CampaignInput,
    CampaignWorkflow,
    CloseCampaignRequest,
    RemindNowRequest,
    campaign_workflow_id,
)

ORGANISER = "sun.lihua"  # a cadre of dl-city


async def today(env) -> date:
    return (await env.get_current_time()).astimezone(CHINA_TZ).date()


def definition(start: date, key: str = "wf-test") -> CampaignDefinition:
    """Two periods (the first from ``start`` + 2 days, due 30 days later; reminders weekly,
    escalation after 3), the final report 65 days after ``start``."""
    p1 = start + timedelta(days=2)
    p2 = start + timedelta(days=40)
    return CampaignDefinition.model_validate(
        {
            "key": key,
            "title": ["集中行动（测试）", "campaign (test)"],
            "year": start.year,
            "indicators": [{"key": "done", "label": ["已完成", "done"], "source": "report"}],
            "targets": [{"key": "all", "label": ["全部", "all"], "indicator": "done",
                         "kind": "rate", "at_least": 0.8, "by": str(start + timedelta(days=65))}],
            "timeline": {
                "periods": [
                    {"key": "P1", "starts": str(p1), "due": str(p1 + timedelta(days=30))},
                    {"key": "P2", "starts": str(p2), "due": str(p2 + timedelta(days=20))},
                ],
                "remind_every_days": 7,
                "escalate_after": 3,
                "final_report": str(start + timedelta(days=65)),
            },
        }
    )  # fmt: skip


class Run:
    """The campaign under test: its ledger side, and its workflow on the test server."""

    def __init__(self, env, app: App, task_queue: str, ledger: FakeCampaignLedger) -> None:
        self.env, self.app, self.task_queue, self.ledger = env, app, task_queue, ledger

    async def open(self, d: CampaignDefinition, units: int, **inp) -> str:
        now = await self.env.get_current_time()
        self.ledger.definitions[d.key] = d
        acting = self.app.directory.acting(ORGANISER, Role.CADRE)
        meta = CommandMeta(command_id=f"open-{d.key}", acting=acting, occurred_at=now)
        view = self.ledger.open(d.key, "dl-city", meta)
        joined = CommandMeta(command_id=f"join-{d.key}", acting=acting, occurred_at=now)
        self.ledger.add_units(d.key, units, joined, now.astimezone(CHINA_TZ).date())
        await self.env.client.start_workflow(
            CampaignWorkflow.run,
            CampaignInput(campaign_key=view.key, activity_timeout_seconds=10, **inp),
            id=campaign_workflow_id(view.key),
            task_queue=self.task_queue,
        )
        return view.key

    def handle(self, key: str):
        return self.env.client.get_workflow_handle_for(
            CampaignWorkflow.run, campaign_workflow_id(key)
        )

    async def status(self, key: str):
        return await self.handle(key).query(CampaignWorkflow.status)

    async def until(self, day: date) -> None:
        """Let simulated time pass to just after the engine's steps of ``day``."""
        now = await today(self.env)
        await self.env.sleep(timedelta(days=(day - now).days, minutes=30))


@pytest.fixture
async def run(time_skipping_env, app: App, task_queue):
    fake = FakeCampaignLedger(app.ledger, {})
    activities = [
        acting_from_ledger(m, app.directory) for m in activity_methods(CampaignActivities(fake))
    ]
    worker = Worker(
        time_skipping_env.client,
        task_queue=task_queue,
        workflows=[CampaignWorkflow],
        activities=activities,
        activity_executor=app.executor,
    )
    async with worker:
        yield Run(time_skipping_env, app, task_queue, fake)


async def update(handle, method, req, id: str | None = None):
    """An update as a facade sends it: a refusal comes back as its domain error."""
    try:
        return await handle.execute_update(method, req, **({"id": id} if id else {}))
    except Exception as e:
        raise_domain_error(e)
        raise


def reminders(run: Run, key: str, code: str, period: str = "P1") -> int:
    return run.ledger.unit(key, code).reminders.get(period, 0)


async def test_periods_open_on_their_day_and_laggards_are_reminded_until_due(run: Run):
    start = await today(run.env)
    d = definition(start)
    key = await run.open(d, units=5)
    p1, p2 = d.timeline.periods
    assert run.ledger.view(key).periods_opened == []
    await run.until(p1.starts)
    assert run.ledger.view(key).periods_opened == ["P1"]
    assert reminders(run, key, "u00000") == 0  # the first round is a week after the start
    await run.until(p1.starts + timedelta(days=7))
    assert [reminders(run, key, f"u{i:05d}") for i in range(5)] == [1] * 5
    assert run.ledger.view(key).reminder_rounds == {"P1": 1}
    await run.until(p1.due)
    # Rounds on days 7, 14, 21 and 28 of the period; escalated once, at the third.
    u = run.ledger.unit(key, "u00003")
    assert u.reminders == {"P1": 4} and u.escalated == {"P1": "dl-ganjingzi"}
    st = await run.status(key)
    assert st.rounds == 4 and st.reminded == 20 and st.escalated == 5
    await run.until(p2.starts - timedelta(days=1))
    assert run.ledger.view(key).reminder_rounds == {"P1": 4}  # nothing after the due date
    await run.until(p2.starts)
    assert run.ledger.view(key).periods_opened == ["P1", "P2"]


async def test_final_report_on_its_date_then_only_the_organiser_closes(run: Run):
    start = await today(run.env)
    d = definition(start)
    key = await run.open(d, units=2)
    handle = run.handle(key)
    acting = run.app.directory.acting(ORGANISER, Role.CADRE)
    with pytest.raises(InvalidState, match="总结报告之后才能结束"):
        await update(handle, CampaignWorkflow.close, CloseCampaignRequest(acting=acting))
    await run.until(d.timeline.final_report - timedelta(days=1))
    assert run.ledger.view(key).phase is Phase.REPORTING
    await run.until(d.timeline.final_report)
    view = run.ledger.view(key)
    assert view.phase is Phase.FINAL_REPORTED and view.final_report is not None
    st = await run.status(key)
    assert st.final is not None and st.waiting is not None and st.waiting.kind == "close"
    cadre = run.app.directory.acting("wang.li", Role.CADRE)  # a unit's cadre, not the organiser
    with pytest.raises(NotAuthorised, match="dl-city"):
        await update(handle, CampaignWorkflow.close, CloseCampaignRequest(acting=cadre))
    with pytest.raises(NotAuthorised, match="系统角色"):
        await update(handle, CampaignWorkflow.close, CloseCampaignRequest(acting=system_acting()))
    assert run.ledger.view(key).phase is Phase.FINAL_REPORTED  # refusals changed nothing
    brief = await update(handle, CampaignWorkflow.close, CloseCampaignRequest(acting=acting), "c-1")
    assert brief.phase == Phase.CLOSED.value
    assert (await handle.result()).phase == Phase.CLOSED.value


async def test_continue_as_new_keeps_progress_and_repeats_nothing(run: Run):
    start = await today(run.env)
    d = definition(start)
    key = await run.open(d, units=3, rounds_per_run=1)
    p2 = d.timeline.periods[1]
    await run.until(p2.starts + timedelta(days=14))
    st = await run.status(key)
    # P1: 4 rounds, P2: 2 rounds so far, each in a run of its own.
    assert st.resumed and st.runs >= 6 and st.rounds == 6
    view = run.ledger.view(key)
    assert view.periods_opened == ["P1", "P2"] and view.reminder_rounds == {"P1": 4, "P2": 2}
    assert run.ledger.unit(key, "u00001").reminders == {"P1": 4, "P2": 2}
    assert st.reminded == 3 * 6


async def test_remind_now_runs_one_round_once_and_refuses_others(run: Run):
    start = await today(run.env)
    d = definition(start)
    key = await run.open(d, units=3)
    handle = run.handle(key)
    organiser = run.app.directory.acting(ORGANISER, Role.CADRE)
    with pytest.raises(InvalidState, match="填报期尚未开始"):
        await update(handle, CampaignWorkflow.remind_now, RemindNowRequest(acting=organiser))
    await run.until(d.timeline.periods[0].starts + timedelta(days=1))
    cadre = run.app.directory.acting("wang.li", Role.CADRE)
    with pytest.raises(NotAuthorised, match="dl-city"):
        await update(handle, CampaignWorkflow.remind_now, RemindNowRequest(acting=cadre))
    with pytest.raises(InvalidInput, match="没有填报期"):
        await update(
            handle, CampaignWorkflow.remind_now, RemindNowRequest(acting=organiser, period="P9")
        )
    assert reminders(run, key, "u00002") == 0  # refusals changed nothing
    req = RemindNowRequest(acting=organiser)
    first = await update(handle, CampaignWorkflow.remind_now, req, "now-1")
    again = await update(handle, CampaignWorkflow.remind_now, req, "now-1")
    assert first.round == again.round == 1 and first.reminded == 3
    assert reminders(run, key, "u00002") == 1
    # The next round comes a full interval after the one asked for.
    await run.until(d.timeline.periods[0].starts + timedelta(days=7))
    assert reminders(run, key, "u00002") == 1
    await run.until(d.timeline.periods[0].starts + timedelta(days=8))
    assert reminders(run, key, "u00002") == 2


async def test_history_grows_with_pages_not_with_units(run: Run):
    start = await today(run.env)
    d = definition(start)
    key = await run.open(d, units=1200, page_size=100)
    await run.until(d.timeline.periods[0].starts + timedelta(days=7))
    st = await run.status(key)
    assert st.reminded == 1200 and st.last_round is not None and st.last_round.pages == 12
    # About six events a page (an activity and a workflow task), a few dozen besides.
    assert st.history_length < 6 * 12 + 60 < 1200, st.history_length
