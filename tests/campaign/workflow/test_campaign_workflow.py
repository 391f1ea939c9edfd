"""A campaign on the time-skipping server: its workflow opens each period on its first day,
reminds the laggards in rounds (in pages) until the period is due, escalates after N
reminders, makes the final report on its date, continues as new without repeating a
step, and takes the organiser's reminder round and close as validated updates."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from bootstrap import App
from domain.actors import system_acting
from domain.campaign.values import Phase
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from services.campaigns import CampaignFacade
from services.errors import raise_domain_error
from tests.campaign.workflow.support import (
    ORGANISER,
    definition,
    facade,
    generated,
    install,
    sleep_until,
    today,
    write_units,
)
from tests.replay.recorded import PROCESS_HISTORIES
from workflows.campaign import CampaignWorkflow, CloseCampaignRequest, campaign_workflow_id


class Run:
    """The campaign under test, through its facade, and its workflow on the test server."""

    def __init__(self, env, app: App, task_queue: str, tmp: Path) -> None:
        self.env, self.app, self.task_queue, self.tmp = env, app, task_queue, tmp
        self.facade: CampaignFacade | None = None

    async def open(self, units: int, *, bearing: bool = False, days_late: int = 0, **kw) -> str:
        """Open the campaign with ``units`` generated units (and dl-bearing, whose cadre
        is wang.li, with ``bearing``), ``days_late`` days after its timeline began."""
        d = definition(await today(self.env) - timedelta(days=days_late))
        self.definition = d
        install(self.app, self.tmp, d)
        self.facade = f = facade(self.env, self.app, self.task_queue, **kw)
        view = await f.open(d.key, "dl-city", ORGANISER, "open-1")
        rows = generated(units)
        if bearing:
            rows.append(["dl-bearing", "大连轴承", "甘井子区", "制造业", "非公有", "860", "是",
                         "dl-ganjingzi"])  # fmt: skip
        path = write_units(self.tmp / "units.csv", rows)
        await f.import_units(ORGANISER, d.key, path, command_id="import-1")
        return view.key

    def handle(self, key: str):
        return self.env.client.get_workflow_handle_for(
            CampaignWorkflow.run, campaign_workflow_id(key)
        )

    async def status(self, key: str):
        return await self.handle(key).query(CampaignWorkflow.status)

    async def until(self, day) -> None:
        """Let simulated time pass to just after the engine's steps of ``day``."""
        await sleep_until(self.env, day)

    def view(self, key: str):
        return self.app.campaigns.view(key)

    def reminders(self, key: str, code: str, period: str = "P1") -> int:
        return self.app.campaigns.unit(key, code).reminders.get(period, 0)


@pytest.fixture
async def run(time_skipping_env, app: App, task_queue, running_worker, tmp_path) -> Run:
    return Run(time_skipping_env, app, task_queue, tmp_path)


async def test_periods_open_on_their_day_and_laggards_are_reminded_until_due(run: Run):
    key = await run.open(units=5, bearing=True)
    p1, p2 = run.definition.timeline.periods
    assert run.view(key).periods_opened == []
    await run.until(p1.starts)
    assert run.view(key).periods_opened == ["P1"]
    assert run.reminders(key, "u00000") == 0  # the first round is a week after the start
    # A unit that reported (pending review) is not a laggard.
    assert run.facade is not None
    await run.facade.submit("wang.li", key, "dl-bearing", indicator="done", period="P1", value=1)
    await run.until(p1.starts + timedelta(days=7))
    assert [run.reminders(key, f"u{i:05d}") for i in range(5)] == [1] * 5
    assert run.view(key).reminder_rounds == {"P1": 1}
    await run.until(p1.starts + timedelta(days=14))
    assert run.app.campaigns.unit(key, "u00003").escalated == {}  # reminded twice
    await run.until(p1.starts + timedelta(days=21))
    assert run.app.campaigns.unit(key, "u00003").escalated == {"P1": "dl-ganjingzi"}  # thrice
    await run.until(p1.due)
    # Rounds on days 7, 14, 21 and 28 of the period; escalated once, at the third.
    u = run.app.campaigns.unit(key, "u00003")
    assert u.reminders == {"P1": 4} and u.escalated == {"P1": "dl-ganjingzi"}
    assert run.reminders(key, "dl-bearing") == 0
    st = await run.status(key)
    assert st.rounds == 4 and st.reminded == 20 and st.escalated == 5
    await run.until(p2.starts - timedelta(days=1))
    assert run.view(key).reminder_rounds == {"P1": 4}  # nothing after the due date
    await run.until(p2.starts)
    assert run.view(key).periods_opened == ["P1", "P2"]


async def test_a_campaign_started_after_a_period_was_due_sleeps_until_its_next_step(run: Run):
    # P1 ran from day -48 to day -18: due, no rounds left; P2 from day -10 to day +10.
    key = await run.open(units=3, days_late=50)
    await run.env.sleep(timedelta(minutes=10))
    view = run.view(key)
    assert view.periods_opened == ["P1", "P2"]
    assert "P1" not in view.reminder_rounds  # nobody reminded of a period already due
    assert view.reminder_rounds == {"P2": 1}  # the round missed in P2, made up once
    st = await run.status(key)
    assert st.waiting is not None and st.waiting.kind == "remind:P2"
    assert st.waiting.until is not None
    assert st.waiting.until.date() >= await today(run.env) + timedelta(days=6)
    # It sleeps: no wake-up every second for the past period's rounds.
    events = [e async for e in run.handle(key).fetch_history_events()]
    assert len(events) < 100, len(events)


async def update(handle, method, req, id: str | None = None):
    """An update as the facade sends it: a refusal comes back as its domain error."""
    try:
        return await handle.execute_update(method, req, **({"id": id} if id else {}))
    except Exception as e:
        raise_domain_error(e)
        raise


async def test_final_report_on_its_date_then_only_the_organiser_closes(run: Run):
    key = await run.open(units=2)
    f = run.facade
    assert f is not None
    final_on = run.definition.timeline.final_report
    with pytest.raises(InvalidState, match="总结报告之后才能结束"):
        await f.close(ORGANISER, key)
    await run.until(run.definition.timeline.periods[0].starts + timedelta(days=1))
    assert (await f.remind_now(ORGANISER, key, command_id="now-1")).reminded == 2
    await run.until(final_on - timedelta(days=1))
    assert run.view(key).phase is Phase.REPORTING
    await run.until(final_on)
    view = run.view(key)
    assert view.phase is Phase.FINAL_REPORTED and view.final_report is not None
    st = await run.status(key)
    assert st.final is not None and st.final.targets == 1 and st.final.met == 0
    assert st.final.inputs_hash == view.final_report["inputs_hash"]
    assert st.waiting is not None and st.waiting.kind == "close"
    assert [t.kind for t in f.tasks(ORGANISER, final_on)] == ["close"]
    with pytest.raises(NotAuthorised, match="dl-city"):  # a unit's cadre, not the organiser
        await f.close("wang.li", key)
    with pytest.raises(NotAuthorised, match="系统角色"):  # nobody claims to be the engine
        await update(run.handle(key), CampaignWorkflow.close,
                     CloseCampaignRequest(acting=system_acting()))  # fmt: skip
    assert run.view(key).phase is Phase.FINAL_REPORTED  # refusals changed nothing
    assert (await f.close(ORGANISER, key, command_id="close-1")).phase is Phase.CLOSED
    assert (await f.close(ORGANISER, key, command_id="close-1")).phase is Phase.CLOSED  # again
    assert (await run.handle(key).result()).phase == Phase.CLOSED.value
    if os.environ.get("UNIONFLOW_RECORD_HISTORIES") == "1":  # the replay guard's history
        history = await run.handle(key).fetch_history()
        PROCESS_HISTORIES.mkdir(exist_ok=True)
        (PROCESS_HISTORIES / "campaign-wf-test.json").write_text(history.to_json(), "utf-8")


async def test_continue_as_new_keeps_progress_and_repeats_nothing(run: Run):
    key = await run.open(units=3, rounds_per_run=1)
    f = run.facade
    assert f is not None
    p1, p2 = run.definition.timeline.periods
    await run.until(p1.starts + timedelta(days=1))
    first = await f.remind_now(ORGANISER, key, command_id="now-1")  # then a new run
    await run.until(p1.starts + timedelta(days=2))
    assert (await run.status(key)).runs == 2
    assert await f.remind_now(ORGANISER, key, command_id="now-1") == first  # once only
    await run.until(p2.starts + timedelta(days=14))
    st = await run.status(key)
    # P1: the round asked for and 4 more a week apart; P2: 2 so far; each in a run of its own.
    assert st.resumed and st.runs >= 7 and st.rounds == 7
    view = run.view(key)
    assert view.periods_opened == ["P1", "P2"] and view.reminder_rounds == {"P1": 5, "P2": 2}
    assert run.app.campaigns.unit(key, "u00001").reminders == {"P1": 5, "P2": 2}
    assert st.reminded == 3 * 7


async def test_a_refused_final_report_is_tried_again_the_next_day(run: Run):
    key = await run.open(units=2)
    final_on = run.definition.timeline.final_report
    progress, run.app.campaigns.progress = run.app.campaigns.progress, None
    await run.until(final_on)
    st = await run.status(key)
    assert run.view(key).phase is Phase.REPORTING and st.final is None
    assert "进度读模型" in st.refused  # the workflow runs on; the reason is shown
    run.app.campaigns.progress = progress
    await run.until(final_on + timedelta(days=1))
    view = run.view(key)
    assert view.phase is Phase.FINAL_REPORTED and (await run.status(key)).final is not None
    assert view.final_report is not None and view.final_report["on"] == str(final_on)  # its date


async def test_remind_now_runs_one_round_once_and_refuses_others(run: Run):
    key = await run.open(units=3)
    f = run.facade
    assert f is not None
    p1 = run.definition.timeline.periods[0]
    with pytest.raises(InvalidState, match="填报期尚未开始"):
        await f.remind_now(ORGANISER, key)
    await run.until(p1.starts + timedelta(days=1))
    with pytest.raises(NotAuthorised, match="dl-city"):
        await f.remind_now("wang.li", key)
    with pytest.raises(InvalidInput, match="没有填报期"):
        await f.remind_now(ORGANISER, key, "P9")
    assert run.reminders(key, "u00002") == 0  # refusals changed nothing
    first = await f.remind_now(ORGANISER, key, command_id="now-1")
    again = await f.remind_now(ORGANISER, key, command_id="now-1")
    assert first == again and first.round == 1 and first.reminded == 3
    assert run.reminders(key, "u00002") == 1
    # The next round comes a full interval after the one asked for.
    await run.until(p1.starts + timedelta(days=7))
    assert run.reminders(key, "u00002") == 1
    await run.until(p1.starts + timedelta(days=8))
    assert run.reminders(key, "u00002") == 2


async def test_history_grows_with_pages_not_with_units(run: Run):
    key = await run.open(units=1200, page_size=100)
    await run.until(run.definition.timeline.periods[0].starts + timedelta(days=7))
    st = await run.status(key)
    assert st.reminded == 1200 and st.last_round is not None and st.last_round.pages == 12
    # About six events a page (an activity and a workflow task), a few dozen besides.
    assert st.history_length < 6 * 12 + 60 < 1200, st.history_length
