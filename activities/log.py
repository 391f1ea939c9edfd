"""One log line per ledger step, with the workflow, run, case and actor bound."""

from __future__ import annotations

import structlog
from temporalio import activity

log = structlog.get_logger("unionflow.activities")


def log_step(event: str, case_id: str, actor: str, applied: bool) -> None:
    """Log a step an activity ran (``applied`` is False for a repeated command id)."""
    info = activity.info()
    log.info(
        event,
        case_id=case_id,
        actor=actor,
        applied=applied,
        workflow_id=info.workflow_id,
        run_id=info.workflow_run_id,
        activity=info.activity_type,
        attempt=info.attempt,
    )
