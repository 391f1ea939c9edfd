"""Stored workflow histories still replay on today's workflow code.

A change to ``WageContractWorkflow`` that would break running cases (a new activity, a
timer moved, a branch reordered) fails here. ``histories/<workflow id>.json`` are
recorded from the scenarios below; re-record them after an intended, versioned change::

    UNIONFLOW_RECORD_HISTORIES=1 .venv/bin/python -m pytest tests/replay
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from bootstrap import data_converter
from domain.wage_contract import (
    AppointNegotiators,
    ApproveReview,
    FileContract,
    PublishContract,
    RecordReply,
    RecordTalksRound,
    ReportToHigherUnion,
    ReviseDraft,
    SignContract,
    SignDraft,
    Stage,
    SubmitForReview,
    SuspendTalks,
    WageContractView,
)
from services.wage_contracts import WageContractService
from settings import Settings
from tests.replay.recorded import RECORDED_IN_CLEAR, WAGE_HISTORIES
from tests.wage_contract.helpers import (
    CADRE,
    CITY_REVIEWER,
    REVIEWER,
    draft,
    handle,
    negotiators,
    no_workflow_left_open,  # noqa: F401 - an autouse fixture
    offer,
    pass_deadline,
    passing_vote,
    return_comments,
    service,
    to_review,
)
from workflows.wage_contract import WageContractWorkflow, workflow_id_for

HISTORIES = WAGE_HISTORIES
RECORD = os.environ.get("UNIONFLOW_RECORD_HISTORIES") == "1"

Scenario = Callable[[WorkflowEnvironment, WageContractService, str], Awaitable[None]]


async def lifecycle_with_two_returns(
    env: WorkflowEnvironment, svc: WageContractService, case: str
) -> None:
    await to_review(svc, case)
    for n, monthly in ((1, "3100"), (2, "3200")):
        await svc.act(case, REVIEWER, return_comments(f"第{n}轮意见"))
        await svc.act(case, CADRE, ReviseDraft(draft=draft(monthly=monthly)))
        await svc.act(case, CADRE, SubmitForReview())
    await svc.act(case, REVIEWER, ApproveReview())
    await passing_vote(svc, case)
    await svc.act(case, CADRE, SignContract())
    await svc.act(case, CADRE, FileContract(copies=3, office="甘井子区人社局"))
    await pass_deadline(env, "review_window", case)
    await svc.act(case, CADRE, PublishContract(channel="厂务公开栏"))
    await svc.act(case, CADRE, ReportToHigherUnion(reference="甘工字2026第3号"))
    await pass_deadline(env, "renewal", case)


async def every_deadline_fired(
    env: WorkflowEnvironment, svc: WageContractService, case: str
) -> None:
    """Each timer branch of the workflow fires at least once."""
    await svc.open(CADRE, offer(case))
    await pass_deadline(env, "reply", case)
    await svc.act(case, CADRE, RecordReply(content="迟到的书面回应"))
    await svc.act(case, CADRE, AppointNegotiators(negotiators=negotiators()))
    await pass_deadline(env, "talks_start_reminder", case)
    await pass_deadline(env, "talks_start", case)
    await svc.act(case, CADRE, SuspendTalks(days=10, reason="工资增幅分歧"))
    await pass_deadline(env, "suspension", case)
    await svc.act(case, CADRE, RecordTalksRound(minutes="恢复后的协商"))
    await svc.act(case, CADRE, SignDraft(draft=draft()))
    await svc.act(case, CADRE, SubmitForReview())
    await pass_deadline(env, "pre_review_reminder", case)
    await pass_deadline(env, "pre_review", case)
    await svc.act(case, CITY_REVIEWER, ApproveReview())
    await passing_vote(svc, case)
    await svc.act(case, CADRE, SignContract())
    await pass_deadline(env, "filing_reminder", case)
    await pass_deadline(env, "filing", case)
    await svc.act(case, CADRE, FileContract(copies=3, office="甘井子区人社局"))
    await pass_deadline(env, "review_window", case)
    await pass_deadline(env, "publication", case)
    await pass_deadline(env, "higher_union_report", case)
    await pass_deadline(env, "renewal", case)


# Scenarios are re-recorded under a new name after a patched change: the histories
# recorded before it stay in ``histories/`` and keep proving that the old branches replay.
SCENARIOS: dict[str, Scenario] = {
    "REPLAY-LIFECYCLE-TWO-RETURNS-V2": lifecycle_with_two_returns,
    "REPLAY-EVERY-DEADLINE-V2": every_deadline_fired,
}
# Recorded before the talks-start and higher-union-report patches (issue 7).
BEFORE_PATCHES = {"REPLAY-LIFECYCLE-TWO-RETURNS", "REPLAY-EVERY-DEADLINE"}


async def replay(history: WorkflowHistory, settings: Settings = RECORDED_IN_CLEAR) -> None:
    replayer = Replayer(workflows=[WageContractWorkflow], data_converter=data_converter(settings))
    await replayer.replay_workflow(history)


def completed(history: WorkflowHistory) -> bool:
    return history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED


@pytest.mark.parametrize("case", sorted(SCENARIOS))
async def test_fresh_history_of_scenario_replays(
    time_skipping_env, app, task_queue, running_worker, case
):
    assert not (RECORD and app.settings.payload_key_file), "record without a payload key"
    env = time_skipping_env
    svc = service(env, app, task_queue)
    await SCENARIOS[case](env, svc, case)
    final: WageContractView = await handle(env, case).result()
    assert final.stage is Stage.RENEWAL_DUE

    history = await handle(env, case).fetch_history()
    assert completed(history)
    await replay(history, app.settings)
    if RECORD:
        HISTORIES.mkdir(exist_ok=True)
        (HISTORIES / f"{workflow_id_for(case)}.json").write_text(history.to_json(), "utf-8")


def stored_histories() -> list[Path]:
    return sorted(HISTORIES.glob("*.json"))


def test_every_scenario_has_a_stored_history():
    expected = {workflow_id_for(c) for c in {*SCENARIOS, *BEFORE_PATCHES}}
    assert {p.stem for p in stored_histories()} == expected


@pytest.mark.parametrize("path", stored_histories(), ids=lambda p: p.stem)
async def test_stored_history_replays_on_current_workflow_code(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text("utf-8"))
    assert completed(history)
    await replay(history)
