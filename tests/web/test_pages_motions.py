"""Motions through the web: filed on the form, seconded on the page and through the API,
refusals with the domain's reason. Signed in through the test-only stub."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from settings import Settings
from tests.congress.workflow.test_session_workflow import congress_with_roster, today
from tests.web.signin_stub import as_actor, page, settings_on, web_client

CHAIR, PROPOSER = "wang.li", "liu.qiang"
KEY = "dl-bearing-6"


@pytest.fixture
def settings(tmp_path: Path, task_queue: str) -> Settings:
    return settings_on(tmp_path, task_queue)


@pytest.fixture
async def web(app, time_skipping_env, running_worker):
    env = time_skipping_env
    await congress_with_roster(app, env, key=KEY)
    await app.facades(env.client).motions.open_call(
        CHAIR, KEY, await today(env) + timedelta(days=30)
    )
    async with web_client(app, env.client) as client:
        yield client


def _filing(command_id: str) -> dict[str, str]:
    return {
        "congress": KEY,
        "title": "改善一车间夏季通风降温条件",
        "reasons": "一车间夏季温度超过35度，影响职工健康",
        "proposal": "加装排风设备，高温时段调整作息",
        "command_id": command_id,
        "csrf_token": "t",
    }


async def test_a_motion_filed_on_the_form_and_seconded_on_the_page_and_through_the_api(web):
    form = await web.get(f"/motions/new?congress={KEY}", headers=page(PROPOSER))
    command_id = re.search(r'name="command_id" value="([^"]+)"', form.text)[1]
    filed = await web.post("/motions", data=_filing(command_id), headers=page(PROPOSER))
    assert filed.status_code == 303
    where = filed.headers["location"]
    motion_id = where.rsplit("/", 1)[1]
    # The same form posted again (a double click) files nothing more.
    again = await web.post("/motions", data=_filing(command_id), headers=page(PROPOSER))
    assert again.status_code == 303 and again.headers["location"] == where

    shown = await web.get(where, headers=page("dlb-d01"))
    assert "征集附议中" in shown.text and "改善一车间夏季通风降温条件" in shown.text
    assert f'action="/motions/{motion_id}/second"' in shown.text
    own = await web.post(
        f"/motions/{motion_id}/second",
        data={"command_id": "s0", "csrf_token": "t"},
        headers=page(PROPOSER),
    )
    assert own.status_code == 403 and "自己" in own.text
    seconded = await web.post(
        f"/motions/{motion_id}/second",
        data={"command_id": "s1", "csrf_token": "t"},
        headers=page("dlb-d01"),
    )
    assert seconded.status_code == 303
    via_api = await web.post(
        f"/api/v1/motions/{motion_id}/seconds",
        json={"command_id": "s2"},
        headers=as_actor("dlb-d02"),
    )
    assert via_api.status_code == 200 and via_api.json()["seconders"] == ["dlb-d01", "dlb-d02"]
    retried = await web.post(
        f"/api/v1/motions/{motion_id}/seconds",
        json={"command_id": "s2"},
        headers=as_actor("dlb-d02"),
    )
    assert retried.status_code == 200 and len(retried.json()["seconders"]) == 2
    twice = await web.post(
        f"/api/v1/motions/{motion_id}/seconds", json={}, headers=as_actor("dlb-d01")
    )
    assert twice.status_code == 409 and "已附议" in twice.json()["reason_zh"]

    listed = await web.get(f"/motions?congress={KEY}", headers=page(CHAIR))
    assert motion_id in listed.text and "刘强（liu.qiang）" in listed.text
    api_list = await web.get("/api/v1/motions", params={"congress": KEY}, headers=as_actor(CHAIR))
    assert [m["motion_id"] for m in api_list.json()] == [motion_id]
    one = await web.get(f"/api/v1/motions/{motion_id}", headers=as_actor(CHAIR))
    assert one.json()["proposer"] == PROPOSER


async def test_filing_is_refused_with_the_domains_reason(web):
    # A cadre is not a delegate: the facade refuses, the API says why in both languages.
    refused = await web.post(
        "/api/v1/motions",
        json={"congress_key": KEY, "title": "食堂", "reasons": "太贵", "proposal": "降价"},
        headers=as_actor(CHAIR),
    )
    assert refused.status_code == 403
    body = refused.json()
    assert body["reason_zh"] and body["reason_en"] and body["status"] == 403
    filed = await web.post(
        "/api/v1/motions",
        json={"congress_key": KEY, "title": "食堂", "reasons": "太贵", "proposal": "降价"},
        headers=as_actor(PROPOSER),
    )
    assert filed.status_code == 201 and filed.json()["stage"] == "seconding"
    blank = await web.post("/motions", data={**_filing("b1"), "title": " "}, headers=page(PROPOSER))
    assert blank.status_code == 422 and "title" in blank.text
    nobody = await web.get("/api/v1/motions")
    assert nobody.status_code == 401


async def test_the_committee_decides_and_assigns_the_department_answers_and_the_proposer_rates(
    web, app, time_skipping_env
):
    env = time_skipping_env
    filed = await web.post("/motions", data=_filing("f1"), headers=page(PROPOSER))
    motion_id = filed.headers["location"].rsplit("/", 1)[1]
    for i, d in enumerate(("dlb-d01", "dlb-d02")):
        await web.post(
            f"/motions/{motion_id}/second",
            data={"command_id": f"s{i}", "csrf_token": "t"},
            headers=page(d),
        )
    await env.sleep(timedelta(days=31))  # the seconding window closes
    svc = app.facades().motions
    for _ in range(100):
        if svc.view(motion_id).stage.value == "awaiting_decision":
            break
        await asyncio.sleep(0.05)

    async def step(actor: str, name: str, **form: str) -> httpx.Response:
        shown = await web.get(f"/motions/{motion_id}", headers=page(actor))
        assert f'action="/motions/{motion_id}/{name}"' in shown.text, shown.text
        return await web.post(
            f"/motions/{motion_id}/{name}",
            data={"command_id": f"{name}-1", "csrf_token": "t", **form},
            headers=page(actor),
        )

    assert (await step(CHAIR, "decide", decision="file", reasons="职工切身利益")).status_code == 303
    assert (await step(CHAIR, "assign", lead="hr.dept", support="safety.dept")).status_code == 303
    assert (await step("hr.dept", "answer", text="已加装排风设备")).status_code == 303
    rated = await step(PROPOSER, "rate", rating="satisfied", opinion="及时")
    assert rated.status_code == 303
    shown = await web.get(f"/motions/{motion_id}", headers=page(PROPOSER))
    assert "已办结" in shown.text and "已加装排风设备" in shown.text and "满意" in shown.text
