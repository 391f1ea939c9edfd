"""Histories of every workflow type, recorded from the demo, replay on today's code.

The demo runs a wage contract, a congress session (secret, named and paper polls, an
election and an appraisal) and a motion from filing to rating; a change to any of the
three workflows that would break a running process fails here. Re-record only after an
intended change guarded by ``workflow.patched``: ``python -m tests.guards.record``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from bootstrap import WORKFLOWS, data_converter
from tests.replay.recorded import DEMO_HISTORIES, RECORDED_IN_CLEAR


def recorded() -> list[Path]:
    return sorted(DEMO_HISTORIES.glob("*.json"))


def workflow_type(history: WorkflowHistory) -> str:
    first = history.events[0].workflow_execution_started_event_attributes
    return first.workflow_type.name


def test_every_workflow_type_has_a_recorded_history():
    types = {
        workflow_type(WorkflowHistory.from_json(p.stem, p.read_text("utf-8"))) for p in recorded()
    }
    assert types == {"WageContract", "CongressSession", "Motion"}


@pytest.mark.parametrize("path", recorded(), ids=lambda p: p.stem.split("-")[0])
async def test_recorded_demo_history_replays_on_current_workflow_code(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text("utf-8"))
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter(RECORDED_IN_CLEAR))
    await replayer.replay_workflow(history)
