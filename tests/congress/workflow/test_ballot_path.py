"""The ballot path without Temporal, what reaches Temporal of it, and timers that overflow."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
from datetime import timedelta

import pytest
from pydantic import ValidationError
from temporalio.client import WorkflowUpdateFailedError

from domain.poll import ItemKind, PollStatus, poll_id
from domain.session import AgendaItem
from services.sessions import SessionService
from tests.accounts_support import cli_login
from tests.conftest import ROOT
from tests.congress.workflow.test_session_workflow import (
    CHAIR,
    congress_with_roster,
    roster_ids,
    today,
)
from tests.wage_contract.helpers import terminate_open_workflows
from workflows.congress_session import CongressSessionWorkflow, session_workflow_id

UNIONFLOW = str(ROOT / ".venv" / "bin" / "unionflow")


@pytest.fixture(autouse=True)
async def _clean(time_skipping_env):
    await terminate_open_workflows(time_skipping_env)
    yield
    await terminate_open_workflows(time_skipping_env)


def _dead_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"  # closed again: nobody listens there


def _cli(app, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "UNIONFLOW_DATA_DIR": str(app.settings.data_dir),
        "UNIONFLOW_TEMPORAL_ADDRESS": _dead_address(),  # the Temporal server is down
        "UNIONFLOW_LOG_FORMAT": "json",
    }
    return subprocess.run(
        [UNIONFLOW, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


async def _session(env, app, task_queue, key: str, agenda) -> tuple[SessionService, str]:
    key = await congress_with_roster(app, env, key=key)
    svc = SessionService(env.client, app.congresses, app.polls, app.settings, task_queue)
    d = await today(env)
    # Papers sent a week ago, opening today: the shared server's clock is not moved on
    # (later tests count working days from it).
    sid = (
        await svc.convene(CHAIR, key, "s", agenda, papers_sent_on=d - timedelta(days=7), opens_on=d)
    ).session_id
    await svc.open_session(sid, CHAIR)
    return svc, sid


async def test_voting_and_checking_in_need_no_temporal_and_the_poll_closes_once_it_is_back(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    agenda = [AgendaItem(no=1, title="审议通过", kind=ItemKind.APPROVAL)]
    svc, sid = await _session(env, app, task_queue, "dl-bearing-offline", agenda)
    offline = SessionService(None, app.congresses, app.polls, app.settings, task_queue)
    delegates = roster_ids()
    for d in delegates[1:]:
        await offline.check_in(sid, d)
    cli_login(app, delegates[0])
    checked = _cli(app, "congress", "check-in", sid, "--as", delegates[0])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    await svc.open_poll(sid, CHAIR, 1)
    key = app.polls.poll_key(sid, 1)
    receipts = []
    for i, d in enumerate(delegates[1:]):
        receipts.append((await offline.cast(sid, 1, d, ["yes" if i % 3 else "no"])).receipt)
    # A hint before the roll is complete (forged, or early) closes nothing: checked in the ledger.
    await svc._handle(sid).signal(CongressSessionWorkflow.roll_completed, key)
    await asyncio.sleep(1)
    assert app.polls.poll(key).status is PollStatus.OPEN
    voted = _cli(app, "congress", "vote", sid, "1", "--as", delegates[0], "--choice", "赞成")
    assert voted.returncode == 0, voted.stdout + voted.stderr
    assert "回执码" in voted.stdout and "Traceback" not in voted.stderr
    await asyncio.sleep(1)
    assert app.polls.poll(key).status is PollStatus.OPEN  # nobody told the workflow yet

    # The workers' roll watcher tells it once Temporal is reachable; it checks and closes.
    assert await svc.wake_complete_rolls() == [key]
    for _ in range(200):
        if svc.view(sid).outcomes:
            break
        await asyncio.sleep(0.05)
    poll = app.polls.poll(key)
    assert poll.status is PollStatus.TALLIED and poll.close_reason == "roll_complete"
    assert poll.result.ballots == len(delegates)  # no ballot lost

    # Nothing about a ballot reached Temporal: the tally's result carries counts only,
    # and every signal names the poll and nothing else.
    history = await env.client.get_workflow_handle(session_workflow_id(sid)).fetch_history()
    text = history.to_json()
    assert not any(r in text for r in receipts)
    assert not any(f'"{d}"' in text for d in delegates)
    results = []
    for event in history.events:
        if event.HasField("activity_task_completed_event_attributes"):
            for p in event.activity_task_completed_event_attributes.result.payloads:
                results.append(json.loads(p.data))
        if event.HasField("workflow_execution_signaled_event_attributes"):
            inputs = event.workflow_execution_signaled_event_attributes.input.payloads
            assert [json.loads(p.data) for p in inputs] == [key]
    tallies = [r for r in results if isinstance(r, dict) and r.get("result")]
    assert tallies and all(
        r["published"] == [] and r["published_receipts"] == [] and r["published_choices"] == []
        for r in tallies
    )
    assert tallies[-1]["result"]["counts"]["yes"] > 0


async def test_a_minutes_value_that_overflows_a_timer_is_refused_before_anything_is_written(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    agenda = [AgendaItem(no=1, title="审议通过", kind=ItemKind.APPROVAL)]
    svc, sid = await _session(env, app, task_queue, "dl-bearing-timer", agenda)
    for d in roster_ids():
        await svc.check_in(sid, d)
    key = app.polls.poll_key(sid, 1)
    for minutes in (1e15, float("inf"), 0, -5):
        with pytest.raises(ValidationError):
            await svc.open_poll(sid, CHAIR, 1, minutes=minutes)
    # A raw update, as a client that skips the facade sends it, is refused too.
    acting = app.directory.acting(CHAIR, "cadre").model_dump(mode="json")
    handle = env.client.get_workflow_handle(session_workflow_id(sid))
    for minutes in (1e15, 1441):
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(
                "open_poll", {"acting": acting, "item_no": 1, "minutes": minutes}
            )
    assert app.ledger.find(poll_id(key)) is None  # no poll opened without its timer
    # The workflow is alive and well: a real limit opens with its timer, and the poll
    # closes and its key is destroyed. (The shared test server's clock is not moved on:
    # later tests count working days from it; deadlines closing polls are tested apart.)
    await svc.open_poll(sid, CHAIR, 1, minutes=30)
    assert app.polls.poll(key).status is PollStatus.OPEN
    await svc.close_poll(sid, CHAIR, 1)
    for _ in range(200):
        if svc.view(sid).outcomes:
            break
        await asyncio.sleep(0.05)
    poll = app.polls.poll(key)
    assert poll.close_reason == "chair" and poll.key_destroyed
