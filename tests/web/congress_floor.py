"""A congress session open on the time-skipping server, for the web and browser tests:
the example roster's 30 delegates, the four-item agenda of the session workflow tests."""

from __future__ import annotations

import re
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from bootstrap import App
from tests.congress.workflow.test_session_workflow import (
    AGENDA,
    CHAIR,
    congress_with_roster,
    roster_ids,
    today,
)

__all__ = ["AGENDA", "CHAIR", "open_session", "receipt_in", "roster_ids"]

RECEIPT = re.compile(r"data-receipt>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2})<")


async def open_session(app: App, env: WorkflowEnvironment, label: str = "2026-1") -> str:
    """Convene a session of ``dl-bearing`` and open it on its day; its id."""
    sessions = app.facades(env.client).sessions
    key = await congress_with_roster(app, env, key=f"dl-bearing-{label}")
    d = await today(env)
    view = await sessions.convene(
        CHAIR, key, label, AGENDA, papers_sent_on=d, opens_on=d + timedelta(days=7)
    )
    await env.sleep(timedelta(days=7))
    await sessions.open_session(view.session_id, CHAIR)
    return view.session_id


def receipt_in(html: str) -> str:
    """The receipt code a ballot page shows."""
    found = RECEIPT.search(html)
    assert found, html
    return found[1]
