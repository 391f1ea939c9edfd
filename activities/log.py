"""One log line per ledger step or refusal, with the workflow, run, case and actor bound."""

from __future__ import annotations

import structlog
from temporalio import activity

from domain.errors import DomainError

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


def log_refusal(error: DomainError) -> None:
    """One line for a command a rule refused: an expected outcome, so no traceback."""
    where: dict[str, object] = {}
    if activity.in_activity():  # the bodies also run bare, in tests and tools
        info = activity.info()
        where = {
            "workflow_id": info.workflow_id,
            "run_id": info.workflow_run_id,
            "activity": info.activity_type,
            "attempt": info.attempt,
        }
    log.info("refused", code=error.code, reason=error.message_en, **where)
