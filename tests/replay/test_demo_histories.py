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
from tests.replay.recorded import DEMO_HISTORIES, PROCESS_HISTORIES, RECORDED_IN_CLEAR


def recorded() -> list[Path]:
    return sorted([*DEMO_HISTORIES.glob("*.json"), *PROCESS_HISTORIES.glob("*.json")])


def workflow_type(history: WorkflowHistory) -> str:
    first = history.events[0].workflow_execution_started_event_attributes
    return first.workflow_type.name


def test_every_workflow_type_has_a_recorded_history():
    types = {
        workflow_type(WorkflowHistory.from_json(p.stem, p.read_text("utf-8"))) for p in recorded()
    }
    registered = {getattr(w, "__temporal_workflow_definition").name for w in WORKFLOWS}
    assert registered == {
        "WageContract",
        "CongressSession",
        "Motion",
        "AwardRound",
        "ContestRound",
        "Campaign",
    }
    assert types == registered


@pytest.mark.parametrize("path", recorded(), ids=lambda p: p.stem.split("-")[0])
async def test_recorded_demo_history_replays_on_current_workflow_code(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text("utf-8"))
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter(RECORDED_IN_CLEAR))
    await replayer.replay_workflow(history)


def _patch_ids_in_code() -> set[str]:
    """Every id passed to ``workflow.patched`` in the workflows (literal or module constant)."""
    import ast

    found = set()
    for source in Path(__file__).resolve().parents[2].joinpath("workflows").glob("*.py"):
        tree = ast.parse(source.read_text("utf-8"))
        constants = {
            t.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for t in node.targets
            if isinstance(t, ast.Name) and isinstance(node.value.value, str)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "patched"
                and node.args
            ):
                arg = node.args[0]
                if isinstance(arg, ast.Constant):
                    found.add(arg.value)
                elif isinstance(arg, ast.Name):
                    found.add(constants[arg.id])
    return found


def _patch_ids_recorded() -> set[str]:
    import json

    found = set()
    for path in [*recorded(), *Path(__file__).with_name("histories").glob("*.json")]:
        history = WorkflowHistory.from_json(path.stem, path.read_text("utf-8"))
        for event in history.events:
            if event.HasField("marker_recorded_event_attributes"):
                for payloads in event.marker_recorded_event_attributes.details.values():
                    for payload in payloads.payloads:
                        found.add(json.loads(payload.data).get("id"))
    return found


def test_every_patched_branch_is_replayed_by_a_recorded_history():
    """A new ``workflow.patched`` branch is guarded only once a recorded history took it:
    record one (``python -m tests.guards.record``) beside the old ones."""
    in_code = _patch_ids_in_code()
    assert in_code, "no patch found: the scan is broken"
    assert in_code - _patch_ids_recorded() == set()
