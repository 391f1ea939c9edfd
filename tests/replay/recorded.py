"""What the replay tests share: where the recorded histories are, and how they were recorded.

Every history under ``demo/`` and ``histories/`` was recorded in clear (no payload key), so
the replay guards replay them with the converter of settings without a key; that they also
replay with a key configured is checked in ``test_encrypted_histories.py``.
"""

from __future__ import annotations

from pathlib import Path

from temporalio.client import WorkflowHistory

from settings import Settings

HERE = Path(__file__).resolve().parent
DEMO_HISTORIES = HERE / "demo"
WAGE_HISTORIES = HERE / "histories"
# Recorded by a process's own workflow test (``UNIONFLOW_RECORD_HISTORIES=1``), for workflow
# types the demo does not run yet: the award round (tests/award/workflow), the contest
# round (tests/contest/workflow) and the campaign (tests/campaign/workflow).
PROCESS_HISTORIES = HERE / "processes"
RECORDED_IN_CLEAR = Settings(payload_key_file=None)


def recorded_histories() -> list[Path]:
    """Every recorded history file, the demo's and the wage scenarios'."""
    return sorted(
        [
            *DEMO_HISTORIES.glob("*.json"),
            *WAGE_HISTORIES.glob("*.json"),
            *PROCESS_HISTORIES.glob("*.json"),
        ]
    )


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text("utf-8"))
