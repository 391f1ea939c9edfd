"""On the real dev server: a worker SIGKILLed between a poll's close and its tally; the
restarted worker finishes the tally within seconds (the step heartbeats), not minutes."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

import pytest
from temporalio.api.enums.v1 import PendingActivityState

from application import polls as polls_module
from bootstrap import build_app
from domain.poll import ItemKind, PollStatus
from domain.session import AgendaItem
from services.sessions import SessionService
from settings import Settings
from tests.conftest import EXAMPLE_DIRECTORY, ROOT
from tests.congress.workflow.test_session_workflow import CHAIR, roster_ids
from tests.integration.test_crash_recovery import free_port, kill, start_server, start_worker
from workflows.congress_session import session_workflow_id

pytestmark = pytest.mark.devserver


async def _tally_started(env, sid: str) -> None:
    handle = env.client.get_workflow_handle(session_workflow_id(sid))
    for _ in range(600):
        desc = await handle.describe()
        if any(
            p.activity_type.name == "poll.tally"
            and p.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            for p in desc.raw_description.pending_activities
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the tally never started")


async def test_a_worker_killed_during_a_tally_is_replaced_and_the_tally_ends_within_seconds(
    tmp_path: Path,
):
    # 30 s activities: without heartbeats, the killed tally would wait 4 × 30 s to retry.
    settings = Settings(
        data_dir=tmp_path / "var",
        task_queue=f"tally-{uuid.uuid4()}",
        rule_profile="liaoning",
        activity_timeout_seconds=30,
    )
    app = build_app(settings)
    app.directory.load(app.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    d = date.today()
    app.congresses.create(
        CHAIR, "dl-k", "dl-bearing", 6, d - timedelta(days=30), d.replace(year=d.year + 4)
    )
    app.congresses.import_roster(CHAIR, "dl-k", ROOT / "examples" / "roster.csv")
    port = free_port()
    log = tmp_path / "worker.log"
    env = await start_server(settings, port, tmp_path / "temporal.db")
    worker = start_worker(settings, port, log)
    try:
        svc = SessionService(env.client, app.congresses, app.polls, settings)
        agenda = [AgendaItem(no=1, title="审议通过", kind=ItemKind.APPROVAL)]
        sid = (
            await svc.convene(
                CHAIR, "dl-k", "s", agenda, papers_sent_on=d - timedelta(days=7), opens_on=d
            )
        ).session_id
        await svc.open_session(sid, CHAIR)
        delegates = roster_ids()
        for delegate in delegates:
            await svc.check_in(sid, delegate)
        await svc.open_poll(sid, CHAIR, 1)
        key = app.polls.poll_key(sid, 1)
        # A vote that crashed after spooling its ballot: the tally waits for it to age out
        # (ten more seconds), so the kill lands inside the tally, deterministically.
        aged = time.time() - polls_module.SPOOL_GRACE_SECONDS + 10
        with mock.patch("application.ballot_spool.time.time", return_value=aged):
            app.polls.box.spool(key, "00", "00", "00")
        for delegate in delegates:
            await svc.cast(sid, 1, delegate, ["yes"])
        await _tally_started(env, sid)
        kill(worker)
        restarted = time.monotonic()
        worker = start_worker(settings, port, log)
        while not (
            app.polls.poll(key).status is PollStatus.TALLIED and app.polls.poll(key).key_destroyed
        ):
            assert time.monotonic() - restarted < 15, "the tally did not finish within 15 s"
            await asyncio.sleep(0.1)
        took = time.monotonic() - restarted
        poll = app.polls.poll(key)
        assert poll.result.ballots == len(delegates) and poll.result.counts["yes"] == len(delegates)
        assert poll.key_destroyed and app.polls.box.spooled(key) == []
        assert took < 15
        for _ in range(300):
            if svc.view(sid).outcomes:
                break
            await asyncio.sleep(0.1)
        assert len(svc.view(sid).outcomes) == 1  # decided once
    finally:
        kill(worker)
        await env.shutdown()
        app.close()
