from __future__ import annotations

from domain.wage_contract import ApproveReview, Stage
from tests.wage_contract.helpers import REVIEWER, service, to_review


async def test_case_reaches_approval(time_skipping_env, app, task_queue, running_worker):
    svc = service(time_skipping_env, app, task_queue)
    view = await to_review(svc)
    assert view.stage is Stage.UNDER_REVIEW
    view = await svc.act("WC-1", REVIEWER, ApproveReview())
    assert view.stage is Stage.APPROVED
