"""What the HTTP path keeps in memory (accounts, actors, the congress) is as fresh as the
ledger: a change made by another process counts at the very next request."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from application.accounts import AccountService
from bootstrap import App, build_app
from domain.congress import congress_id
from settings import Settings
from tests.congress.workflow.test_session_workflow import ROOT
from tests.web.conftest import client_of
from tests.web.congress_floor import CHAIR, roster_ids
from tests.web.signin_stub import settings_on


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def settings(tmp_path: Path, task_queue: str) -> Settings:
    return settings_on(tmp_path, task_queue)  # the facades start workflows on the worker's queue


def another_process(app: App) -> App:
    """The same ledger opened again, as another worker or web process would."""
    return build_app(app.settings)


async def test_a_token_revoked_by_another_process_stops_working_at_the_next_request(
    signed_in_client, web, app: App
):
    liu = await signed_in_client("liu.qiang")
    issued = (await liu.post("/api/v1/me/tokens", json={"label": "robot"})).json()
    async with client_of(web) as machine:
        for _ in range(2):  # the second answer comes from what the first kept
            assert (
                await machine.get("/api/v1/me", headers=bearer(issued["token"]))
            ).status_code == 200
        other = another_process(app)
        accounts = AccountService(other.ledger, other.directory, other.settings)
        try:
            accounts.revoke_token("liu.qiang", issued["token_id"])
        finally:
            accounts.close()
            other.close()
        gone = await machine.get("/api/v1/me", headers=bearer(issued["token"]))
        assert gone.status_code == 401


def test_a_delegate_recalled_by_another_process_is_no_longer_one_for_the_next_check_in(
    app: App,
):
    """Check-ins ask whether someone is a delegate of the congress as the ballot box keeps
    it in memory, right after its catch-up with the log (``SessionService._is_delegate``):
    a recall written by another process is seen by that next catch-up."""
    start = date.today()
    key = "dl-bearing-fresh"
    app.congresses.create(CHAIR, key, "dl-bearing", 6, start, start + timedelta(days=5 * 365))
    app.congresses.import_roster(CHAIR, key, ROOT / "examples" / "roster.csv")
    recalled = roster_ids()[1]
    polls = app.polls
    polls.latest.tail.catch_up()
    assert app.congresses.delegate(key, recalled, find=polls.current) is not None
    assert polls.latest.peek(congress_id(key)) is not None  # kept in memory now
    other = another_process(app)
    try:
        other.congresses.recall(CHAIR, key, recalled, "调离本单位")
    finally:
        other.close()
    polls.latest.tail.catch_up()  # what check_in does first
    assert app.congresses.delegate(key, recalled, find=polls.current) is None
    assert app.congresses.state(key, find=polls.current).total() == len(roster_ids()) - 1
