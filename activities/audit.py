"""The seal activity: workflows seal the ledger at process milestones."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from temporalio import activity

from contracts.audit import SealRequest, SealResult

if TYPE_CHECKING:  # types only: injected by the composition root (workflows import this module)
    from application.audit import AuditService


log = structlog.get_logger(__name__)


class AuditActivities:
    """Activities over the whole ledger."""

    def __init__(self, audit: AuditService) -> None:
        self.audit = audit

    @activity.defn(name="ledger.seal")
    def seal(self, req: SealRequest) -> SealResult:
        """Append a signed seal over everything recorded since the last one."""
        seal = self.audit.seal(f"milestone {req.milestone} of {req.case_id}")
        info = activity.info()
        log.info(
            "ledger_sealed",
            case_id=req.case_id,
            milestone=req.milestone,
            upto=seal.to_notification_id if seal else None,
            workflow_id=info.workflow_id,
            run_id=info.workflow_run_id,
        )
        return SealResult(to_notification_id=seal.to_notification_id if seal else None)
