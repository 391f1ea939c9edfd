"""Motions on the time-skipping server: seconding window, lapse, handling deadlines, ratings."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError

from bootstrap import App
from domain.actors import CHINA_TZ, CommandMeta, Role
from domain.calendar import add_months
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.motion import Decision, FileMotion, MotionView, Rating, Stage, motion_ledger_id
from services.motions import MotionService
from tests.accounts_support import cli_login
from tests.conftest import ROOT
from tests.wage_contract.helpers import terminate_open_workflows
from workflows.motion import MotionInput, MotionWorkflow, motion_workflow_id
from workflows.wage_contract import end_of, start_of

CHAIR, PROPOSER, HR, SAFETY = "wang.li", "liu.qiang", "hr.dept", "safety.dept"
KEY = "dl-bearing-6"


@pytest.fixture(autouse=True)
async def _clean(time_skipping_env):
    await terminate_open_workflows(time_skipping_env)
    yield
    await terminate_open_workflows(time_skipping_env)


@pytest.fixture
async def svc(time_skipping_env, app: App, task_queue, running_worker) -> MotionService:
    """A congress with its roster, a call for motions closing in 30 days, and the service."""
    env = time_skipping_env
    start = await today(env)
    app.congresses.create(CHAIR, KEY, "dl-bearing", 6, start, add_months(start, 60) - timedelta(1))
    app.congresses.import_roster(CHAIR, KEY, ROOT / "examples" / "roster.csv")
    service = MotionService(
        env.client, app.congresses, app.settings, task_queue, clock=env.get_current_time
    )
    await service.open_call(CHAIR, KEY, start + timedelta(days=30))
    return service


async def today(env) -> date:
    return (await env.get_current_time()).astimezone(CHINA_TZ).date()


def ventilation() -> FileMotion:
    return FileMotion(
        title="改善一车间夏季通风降温条件",
        reasons="一车间夏季温度超过35度，影响职工健康和产品质量",
        proposal="加装排风设备，高温时段调整作息",
    )


async def skip_to(env, svc: MotionService, motion_id: str, kind: str, offset: timedelta) -> None:
    """Skip simulated time to ``offset`` from the date the workflow waits for (``kind``)."""
    waiting = (await svc.status(motion_id)).waiting
    assert waiting is not None and waiting.kind == kind and waiting.until is not None, waiting
    target = waiting.until + offset
    await env.sleep(target - await env.get_current_time())


async def past(env, svc: MotionService, motion_id: str, kind: str) -> None:
    await skip_to(env, svc, motion_id, kind, timedelta(minutes=1))


async def workflow_status(env, motion_id: str) -> WorkflowExecutionStatus | None:
    return (await env.client.get_workflow_handle(motion_workflow_id(motion_id)).describe()).status


async def seconded_and_filed(env, svc: MotionService) -> MotionView:
    """Filed, seconded twice, through the window, filed by the committee (立案)."""
    view = await svc.file(PROPOSER, KEY, ventilation())
    await svc.second(view.motion_id, "dlb-d01")
    await svc.second(view.motion_id, "dlb-d02")
    await past(env, svc, view.motion_id, "seconding")
    return await svc.decide(view.motion_id, CHAIR, Decision.FILE)


async def in_handling(env, svc: MotionService) -> MotionView:
    view = await seconded_and_filed(env, svc)
    return await svc.assign(view.motion_id, CHAIR, HR, [SAFETY])


async def test_a_motion_from_filing_through_seconding_and_handling_to_a_satisfied_rating(
    time_skipping_env, svc
):
    env = time_skipping_env
    view = await svc.file(PROPOSER, KEY, ventilation())
    mid = view.motion_id
    assert view.stage is Stage.SECONDING
    st = await svc.status(mid)
    assert (st.waiting.kind, st.waiting.until) == ("seconding", start_of(view.closes_on))

    with pytest.raises(NotAuthorised, match="自己"):
        await svc.second(mid, PROPOSER)
    with pytest.raises(NotAuthorised):
        await svc.second(mid, CHAIR)  # a cadre, not a delegate
    await svc.second(mid, "dlb-d01")
    with pytest.raises(InvalidState, match="已附议"):
        await svc.second(mid, "dlb-d01")
    await svc.second(mid, "dlb-d02")
    assert svc.tasks(CHAIR) == []

    await past(env, svc, mid, "seconding")
    assert svc.view(mid).stage is Stage.AWAITING_DECISION
    assert [(v.motion_id, todo) for v, todo in svc.tasks(CHAIR)] == [(mid, "decide")]
    with pytest.raises(InvalidState, match="待提案委员会审查"):
        await svc.second(mid, "dlb-d03")  # the window has closed

    await svc.decide(mid, CHAIR, Decision.FILE, "属于职工切身利益事项")
    assert [todo for _, todo in svc.tasks(CHAIR)] == ["assign"]
    view = await svc.assign(mid, CHAIR, HR, [SAFETY])
    assert (view.stage, view.due) == (Stage.IN_HANDLING, add_months(view.assigned_on, 3))
    assert [todo for _, todo in svc.tasks(HR)] == ["answer"] and svc.tasks(SAFETY) == []
    with pytest.raises(NotAuthorised, match="承办部门"):
        await svc.answer(mid, SAFETY, "协办部门不能代为答复")

    await env.sleep(timedelta(days=20))
    view = await svc.answer(mid, HR, "已在一车间加装排风设备四台，高温时段错峰作业")
    assert view.stage is Stage.ANSWERED and not view.answers[0].late
    assert [todo for _, todo in svc.tasks(PROPOSER)] == ["rate"]
    with pytest.raises(NotAuthorised, match="提案人"):
        await svc.rate(mid, "dlb-d01", Rating.SATISFIED)
    view = await svc.rate(mid, PROPOSER, Rating.SATISFIED)

    assert view.stage is Stage.CLOSED and view.closed_on == await today(env)
    assert await workflow_status(env, mid) is WorkflowExecutionStatus.COMPLETED
    line = svc.report(KEY).motions[0]
    assert (line.motion_id, line.stage, line.lead_department, line.rating, line.seconders) == (
        mid,
        Stage.CLOSED,
        HR,
        Rating.SATISFIED,
        2,
    )


async def test_a_motion_with_too_few_seconders_lapses_when_the_window_closes(
    time_skipping_env, svc, app
):
    env = time_skipping_env
    view = await svc.file(PROPOSER, KEY, ventilation())
    await svc.second(view.motion_id, "dlb-d01")
    await past(env, svc, view.motion_id, "seconding")

    view = svc.view(view.motion_id)
    assert (view.stage, view.seconders) == (Stage.LAPSED, ["dlb-d01"])
    lapsed = app.ledger.stream(motion_ledger_id(view.motion_id))[-1]
    assert type(lapsed).__name__ == "Lapsed" and lapsed.actor["role"] == "system"
    assert await workflow_status(env, view.motion_id) is WorkflowExecutionStatus.COMPLETED
    assert svc.report(KEY).by_stage == {Stage.LAPSED: 1}

    # The window has closed: a late filing is refused before any workflow starts.
    with pytest.raises(InvalidState, match="提案征集"):
        await svc.file(PROPOSER, KEY, ventilation(), motion_id="late-one")
    with pytest.raises(RPCError, match="not found"):  # nothing was started
        await env.client.get_workflow_handle(motion_workflow_id("late-one")).describe()


async def test_a_filing_the_ledger_refuses_ends_the_workflow_with_the_refusal_not_a_failure(
    time_skipping_env, svc, app, task_queue
):
    # The service's dry run catches this first; the workflow must cope should one slip by.
    env = time_skipping_env
    call_key = (await svc.file(PROPOSER, KEY, ventilation())).call_key
    motion_id = f"refused-{uuid.uuid4().hex[:8]}"
    meta = CommandMeta(
        command_id=f"{motion_workflow_id(motion_id)}:file",
        acting=app.directory.acting(CHAIR, Role.CADRE),
        occurred_at=await env.get_current_time(),
    )
    handle = await env.client.start_workflow(
        MotionWorkflow.run,
        MotionInput(motion_id=motion_id, call_key=call_key, command=ventilation(), meta=meta),
        id=motion_workflow_id(motion_id),
        task_queue=task_queue,
    )
    for _ in range(200):
        st = await handle.query(MotionWorkflow.status)
        if st.refusal is not None:
            break
        await asyncio.sleep(0.05)
    assert st.refusal is not None and st.refusal.code == "not_authorised" and st.view is None
    assert "在任代表" in st.refusal.message_zh
    assert (await handle.describe()).status is WorkflowExecutionStatus.COMPLETED


async def test_the_lead_department_is_reminded_then_escalated_to_the_chair_after_three_months(
    time_skipping_env, svc
):
    env = time_skipping_env
    view = await in_handling(env, svc)
    mid, due = view.motion_id, view.due
    assert due == add_months(view.assigned_on, 3)
    st = await svc.status(mid)
    assert (st.waiting.kind, st.waiting.until) == ("answer_reminder", start_of(due - timedelta(7)))

    await past(env, svc, mid, "answer_reminder")
    assert svc.view(mid).reminded and not svc.view(mid).overdue
    st = await svc.status(mid)
    assert (st.waiting.kind, st.waiting.until) == ("answer", end_of(due))
    await skip_to(env, svc, mid, "answer", -timedelta(hours=1))
    assert not svc.view(mid).overdue
    await past(env, svc, mid, "answer")

    view = svc.view(mid)
    assert (view.stage, view.overdue, view.escalated_to) == (Stage.IN_HANDLING, True, CHAIR)
    assert (await svc.status(mid)).waiting.kind == "answer_overdue"
    assert await workflow_status(env, mid) is WorkflowExecutionStatus.RUNNING
    view = await svc.answer(mid, HR, "逾期答复：设备已到货安装")
    assert view.stage is Stage.ANSWERED and view.answers[0].late


async def test_one_extension_moves_the_answer_due_date_by_one_month(time_skipping_env, svc):
    env = time_skipping_env
    view = await in_handling(env, svc)
    mid, due = view.motion_id, view.due
    view = await svc.extend(mid, HR, "设备采购需走招标程序")
    assert (view.due, view.extended) == (add_months(due, 1), True)
    with pytest.raises(InvalidState, match="一次"):
        await svc.extend(mid, HR, "再申请一次")

    await env.sleep(end_of(due) + timedelta(days=1) - await env.get_current_time())
    view = svc.view(mid)
    assert not view.overdue and view.reminded is False  # the old dates no longer apply
    st = await svc.status(mid)
    assert (st.waiting.kind, st.waiting.until) == (
        "answer_reminder",
        start_of(add_months(due, 1) - timedelta(7)),
    )


async def test_a_dissatisfied_proposer_sends_it_back_and_the_second_answer_is_basically_satisfying(
    time_skipping_env, svc
):
    env = time_skipping_env
    view = await in_handling(env, svc)
    mid = view.motion_id
    await svc.answer(mid, HR, "已研究，明年考虑")
    rated_on = await today(env)
    view = await svc.rate(mid, PROPOSER, Rating.DISSATISFIED, "没有具体措施和时间表")
    assert (view.stage, view.handling_round, view.due) == (
        Stage.IN_HANDLING,
        2,
        add_months(rated_on, 3),
    )
    assert [todo for _, todo in svc.tasks(HR)] == ["answer"]
    assert (await svc.status(mid)).waiting.kind == "answer_reminder"

    await env.sleep(timedelta(days=10))
    await svc.answer(mid, HR, "本年7月前加装排风设备，高温时段错峰作业")
    view = await svc.rate(mid, PROPOSER, Rating.BASICALLY_SATISFIED)
    assert view.stage is Stage.CLOSED
    assert [(a.round, a.rating) for a in view.answers] == [
        (1, Rating.DISSATISFIED),
        (2, Rating.BASICALLY_SATISFIED),
    ]
    line = svc.report(KEY).motions[0]
    assert (line.rating, line.answers) == (Rating.BASICALLY_SATISFIED, 2)
    assert await workflow_status(env, mid) is WorkflowExecutionStatus.COMPLETED


async def test_the_one_inbox_shows_each_actor_their_motion_step_with_the_process_and_due(
    time_skipping_env, app: App, svc, monkeypatch
):
    from typer.testing import CliRunner

    from interfaces.cli import app as cli_app

    view = await in_handling(time_skipping_env, svc)
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(app.settings.data_dir))
    cli_login(app, HR, CHAIR)
    runner = CliRunner()
    hr = runner.invoke(cli_app, ["--lang", "en", "tasks", "--as", HR])
    assert hr.exit_code == 0, hr.output
    assert "motion" in hr.output and view.motion_id in hr.output
    assert "answer in writing" in hr.output and str(view.due) in hr.output
    chair = runner.invoke(cli_app, ["--lang", "en", "tasks", "--as", CHAIR])
    assert chair.exit_code == 0 and view.motion_id not in chair.output
    unknown = runner.invoke(cli_app, ["tasks", "--as", "nobody"])
    assert unknown.exit_code == 2


async def test_a_seconding_command_id_reused_by_another_delegate_is_refused(
    time_skipping_env, svc, app: App
):
    view = await svc.file(PROPOSER, KEY, ventilation())
    mid = view.motion_id
    first = await svc.second(mid, "dlb-d01", command_id="second-1")
    version = app.ledger.get(motion_ledger_id(mid)).version

    with pytest.raises(InvalidInput, match="command id already used for another operation"):
        await svc.second(mid, "dlb-d02", command_id="second-1")  # another actor, same id
    assert app.ledger.get(motion_ledger_id(mid)).version == version
    # The same operation again is a retry: the recorded result, nothing applied.
    assert await svc.second(mid, "dlb-d01", command_id="second-1") == first
    assert app.ledger.get(motion_ledger_id(mid)).version == version
