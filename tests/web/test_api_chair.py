"""``/api/v1/sessions``: the chair's steps and the tellers' paper counts as JSON, by token
or session; refusals are problem+json with the domain's reason and change nothing, and a
retried request with the same ``command_id`` applies once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bootstrap import App
from settings import Settings
from tests.web.congress_floor import CHAIR, open_session, roster_ids
from tests.web.signin_stub import as_actor, settings_on, web_client

PROBLEM = "application/problem+json"
TELLERS = ("dlb-d28", "dlb-d29")


@pytest.fixture
def settings(tmp_path: Path, task_queue: str) -> Settings:
    return settings_on(tmp_path, task_queue)


@pytest.fixture
async def api(app, time_skipping_env, running_worker):
    async with web_client(app, time_skipping_env.client) as client:
        yield client


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["reason_zh"] and body["reason_en"]
    return body


async def _item(api, sid: str, no: int, stage: str) -> dict:
    for _ in range(200):
        got = await api.get(f"/api/v1/sessions/{sid}", headers=as_actor(CHAIR))
        item = got.json()["items"][no - 1]
        if item["stage"] == stage:
            return item
        await asyncio.sleep(0.05)
    raise AssertionError(f"item {no} never reached {stage}")


async def test_only_the_unit_cadre_takes_the_chairs_steps_and_a_retry_applies_once(
    app: App, time_skipping_env, api
):
    sid = await open_session(app, time_skipping_env)
    await api.post(
        f"/api/v1/sessions/{sid}/check-ins",
        json={"delegates": roster_ids()[:24]},
        headers=as_actor(CHAIR),
    )
    delegate = roster_ids()[0]
    refused = await api.post(
        f"/api/v1/sessions/{sid}/items/1/open", json={}, headers=as_actor(delegate)
    )
    assert "工会干部" in _problem(refused, 403)["reason_zh"]
    assert (await _item(api, sid, 1, "not_voted"))["stage"] == "not_voted"

    for _ in range(2):  # a retried request: the same poll, opened once
        opened = await api.post(
            f"/api/v1/sessions/{sid}/items/1/open",
            json={"command_id": "open-1"},
            headers=as_actor(CHAIR),
        )
        assert opened.status_code == 200, opened.text
        assert opened.json()["status"] == "open"
    reopened = await api.post(
        f"/api/v1/sessions/{sid}/items/1/open",
        json={"command_id": "open-1-again"},
        headers=as_actor(CHAIR),
    )
    _problem(reopened, 409)
    closed = await api.post(
        f"/api/v1/sessions/{sid}/items/1/close",
        json={"command_id": "close-1"},
        headers=as_actor(CHAIR),
    )
    assert closed.status_code == 200 and closed.json()["item_no"] == 1
    await _item(api, sid, 1, "tallied")

    blank = await api.post(
        f"/api/v1/sessions/{sid}/items/2/set-aside", json={"reason": " "}, headers=as_actor(CHAIR)
    )
    _problem(blank, 422)
    for _ in range(2):
        aside = await api.post(
            f"/api/v1/sessions/{sid}/items/2/set-aside",
            json={"reason": "候选人资格待核实", "command_id": "aside-2"},
            headers=as_actor(CHAIR),
        )
        assert aside.status_code == 200, aside.text
    outcomes = [o for o in aside.json()["outcomes"] if o["item_no"] == 2]
    assert len(outcomes) == 1 and outcomes[0]["set_aside"] is True

    # Closing with items 3 and 4 never voted is refused, and the session stays open.
    early = await api.post(
        f"/api/v1/sessions/{sid}/steps/close", json={"command_id": "c"}, headers=as_actor(CHAIR)
    )
    _problem(early, 409)
    assert app.polls.session(sid).status.value == "open"
    for no in (3, 4):
        await api.post(
            f"/api/v1/sessions/{sid}/items/{no}/set-aside",
            json={"reason": "下次会议审议"},
            headers=as_actor(CHAIR),
        )
    by_delegate = await api.post(
        f"/api/v1/sessions/{sid}/steps/close", json={}, headers=as_actor(delegate)
    )
    _problem(by_delegate, 403)
    for _ in range(2):
        done = await api.post(
            f"/api/v1/sessions/{sid}/steps/close",
            json={"command_id": "close-session", "comment": "会议圆满结束"},
            headers=as_actor(CHAIR),
        )
        assert done.status_code == 200 and done.json()["status"] == "closed", done.text
    unknown = await api.post(
        f"/api/v1/sessions/{sid}/steps/adjourn", json={}, headers=as_actor(CHAIR)
    )
    _problem(unknown, 422)


async def test_tellers_enter_their_paper_counts_once_each_and_agreeing_counts_stand(
    app: App, time_skipping_env, api
):
    sid = await open_session(app, time_skipping_env, "paper")
    await api.post(
        f"/api/v1/sessions/{sid}/check-ins",
        json={"delegates": roster_ids()},
        headers=as_actor(CHAIR),
    )
    one_teller = await api.post(
        f"/api/v1/sessions/{sid}/items/4/open",
        json={"paper": True, "tellers": [TELLERS[0]]},
        headers=as_actor(CHAIR),
    )
    _problem(one_teller, 422)
    opened = await api.post(
        f"/api/v1/sessions/{sid}/items/4/open",
        json={"paper": True, "tellers": list(TELLERS), "command_id": "open-4"},
        headers=as_actor(CHAIR),
    )
    assert opened.status_code == 200 and opened.json()["spec"]["paper"] is True, opened.text
    await api.post(
        f"/api/v1/sessions/{sid}/items/4/close", json={"command_id": "c4"}, headers=as_actor(CHAIR)
    )
    await _item(api, sid, 4, "closed")

    count = {"counts": {"yes": 20, "no": 6, "abstain": 4}, "ballots": 30}
    not_a_teller = await api.post(
        f"/api/v1/sessions/{sid}/items/4/paper-counts",
        json=count,
        headers=as_actor(roster_ids()[0]),
    )
    assert "监票人或计票人" in _problem(not_a_teller, 403)["reason_zh"]
    negative = await api.post(
        f"/api/v1/sessions/{sid}/items/4/paper-counts",
        json={**count, "ballots": -1},
        headers=as_actor(TELLERS[0]),
    )
    _problem(negative, 422)
    for _ in range(2):  # a retried entry is one count
        first = await api.post(
            f"/api/v1/sessions/{sid}/items/4/paper-counts",
            json={**count, "command_id": "t1"},
            headers=as_actor(TELLERS[0]),
        )
        assert first.status_code == 200, first.text
        assert len(first.json()["paper_counts"]) == 1
    second = await api.post(
        f"/api/v1/sessions/{sid}/items/4/paper-counts",
        json={**count, "command_id": "t2"},
        headers=as_actor(TELLERS[1]),
    )
    assert second.status_code == 200 and len(second.json()["paper_counts"]) == 2
    item = await _item(api, sid, 4, "tallied")
    assert item["outcome"].startswith("通过") and "赞成 20 票" in item["outcome"]
