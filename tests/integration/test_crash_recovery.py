"""On the real dev server: kill the worker with SIGKILL mid-lifecycle, restart the
server on its database, and finish with every fact in the ledger exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.testing import WorkflowEnvironment

from bootstrap import build_app, data_converter, temporal_binary
from domain.wage_contract import (
    ApproveReview,
    FileContract,
    SignContract,
    Stage,
    wage_contract_id,
)
from ledger.verify import verify_ledger
from services.wage_contracts import WageContractService
from settings import Settings
from tests.conftest import EXAMPLE_DIRECTORY, ROOT
from tests.wage_contract.helpers import CADRE, REVIEWER, passing_vote, to_review
from workflows.wage_contract import workflow_id_for

pytestmark = pytest.mark.devserver


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_server(settings: Settings, port: int, db: Path) -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        data_converter=data_converter(settings),
        port=port,
        ui=False,
        dev_server_existing_path=str(temporal_binary("temporal")),
        dev_server_database_filename=str(db),
        dev_server_log_level="error",
    )


def start_worker(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "UNIONFLOW_DATA_DIR": str(settings.data_dir),
        "UNIONFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
        "UNIONFLOW_TASK_QUEUE": settings.task_queue,
        "UNIONFLOW_LOG_FORMAT": "json",
    }
    out = log.open("ab")
    return subprocess.Popen(
        [sys.executable, str(ROOT / "worker.py")], env=env, stdout=out, stderr=out
    )


def kill(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


async def wait_for_started_activity(env: WorkflowEnvironment, case_id: str) -> None:
    handle = env.client.get_workflow_handle(workflow_id_for(case_id))
    for _ in range(300):
        desc = await handle.describe()
        if any(
            p.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            for p in desc.raw_description.pending_activities
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the activity never started")


def attempts(log: Path) -> set[tuple[str, int]]:
    """(step, attempt) pairs the workers logged as applied or replayed."""
    seen = set()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "attempt" in record:
            seen.add((record["event"], record["attempt"]))
    return seen


async def wait_for_event(app, case_id: str, name: str, timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        names = [type(e).__name__ for e in app.ledger.stream(wage_contract_id(case_id))]
        if name in names:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"{name} never reached the ledger")


async def test_sigkilled_worker_and_restarted_server_leave_each_event_exactly_once(tmp_path: Path):
    settings = Settings(
        data_dir=tmp_path / "var",
        task_queue=f"crash-{uuid.uuid4()}",
        rule_profile="liaoning",
        activity_timeout_seconds=3,
    )
    app = build_app(settings)
    app.directory.load(app.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    port, db = free_port(), tmp_path / "temporal.db"
    log = tmp_path / "worker.log"
    env = await start_server(settings, port, db)
    worker = start_worker(settings, port, log)
    try:
        svc = WageContractService(env.client, app.ledger, app.directory, settings)
        case = "CRASH-1"
        await to_review(svc, case)

        # SIGKILL the worker inside the approval's activity: a write lock held here
        # blocks its save, so the kill lands mid-activity, deterministically.
        blocker = sqlite3.connect(settings.sqlite_path, isolation_level=None, timeout=30)
        blocker.execute("BEGIN EXCLUSIVE")
        approval = asyncio.create_task(
            svc.act(case, REVIEWER, ApproveReview(), command_id="approve-1")
        )
        await wait_for_started_activity(env, case)
        kill(worker)
        blocker.execute("ROLLBACK")
        blocker.close()
        worker = start_worker(settings, port, log)
        view = await asyncio.wait_for(approval, timeout=60)
        assert view.stage is Stage.APPROVED
        assert ("approve", 2) in attempts(log), "the approval was not retried by the new worker"

        # Kill it again while idle, and restart the server itself on its database.
        kill(worker)
        await env.shutdown()
        env = await start_server(settings, port, db)
        worker = start_worker(settings, port, log)
        svc = WageContractService(env.client, app.ledger, app.directory, settings)
        assert (await passing_vote(svc, case)).stage is Stage.ADOPTED
        signing = asyncio.create_task(svc.act(case, CADRE, SignContract(), command_id="sign-1"))
        await wait_for_event(app, case, "ContractSigned")
        kill(worker)
        worker = start_worker(settings, port, log)
        await asyncio.wait_for(signing, timeout=60)
        view = await svc.act(case, CADRE, FileContract(copies=3, office="甘井子区人社局"))
        assert view.stage is Stage.FILED

        names = Counter(type(e).__name__ for e in app.ledger.stream(wage_contract_id(case)))
        expected = {
            "Created": 1,
            "ReplyReceived": 1,
            "NegotiatorsAppointed": 1,
            "TalksRoundHeld": 1,
            "DraftSigned": 1,
            "SubmittedForReview": 1,
            "PreReviewApproved": 1,
            "AdoptionPollRequested": 1,  # adopted by a congress poll (issue 7, point 1)
            "AdoptionVoteRecorded": 1,
            "ContractSigned": 1,
            "Filed": 1,
        }
        assert dict(names) == expected
        versions = [e.originator_version for e in app.ledger.stream(wage_contract_id(case))]
        assert versions == list(range(1, len(versions) + 1))
        status = await svc.status(case)
        assert status is not None and status.waiting is not None
        assert status.waiting.kind == "review_window"
        report = verify_ledger(app.ledger)
        assert report.ok, report.first_bad
    finally:
        if worker.poll() is None:
            kill(worker)
        await env.shutdown()
        app.close()
