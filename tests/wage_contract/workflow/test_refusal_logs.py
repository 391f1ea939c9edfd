"""A refusal is an expected outcome: the worker logs it as one line (issue 7, point 20)."""

from __future__ import annotations

import json
import logging

import pytest

from domain.errors import InvalidInput, InvalidState
from domain.wage_contract import ApproveReview, SignContract
from logs import configure_logging
from tests.wage_contract.helpers import (
    CADRE,
    REVIEWER,
    ledger_version,
    new_case_id,
    no_workflow_left_open,  # noqa: F401 - an autouse fixture
    service,
    to_review,
)


async def test_refusals_are_logged_as_one_structured_line_not_a_traceback(
    time_skipping_env, app, task_queue, running_worker, capsys, caplog
):
    configure_logging("json", "INFO")  # as a worker logs, into this test's captured stderr
    caplog.set_level(logging.INFO)
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await to_review(svc, case, monthly="2000")  # below the minimum wage: a hard check fails
    version = ledger_version(app, case)
    capsys.readouterr()
    caplog.clear()

    # Refused by the ledger's rule, inside the activity the update runs...
    with pytest.raises(InvalidInput, match="legal floors not met"):
        await svc.act(case, REVIEWER, ApproveReview())
    # ...and by the update's validator, before it reaches the history.
    with pytest.raises(InvalidState):
        await svc.act(case, CADRE, SignContract())

    logged = capsys.readouterr().err
    assert ledger_version(app, case) == version
    assert "Traceback" not in logged and "Traceback" not in caplog.text, logged + caplog.text
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    refused = [line for line in lines if line.get("event") == "refused"]
    assert len(refused) == 1, lines
    assert refused[0]["code"] == "invalid_input"
    assert "legal floors not met" in refused[0]["reason"]
    assert refused[0]["workflow_id"].endswith(case) and refused[0]["level"] == "info"
