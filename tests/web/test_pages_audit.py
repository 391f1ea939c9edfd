"""The auditor's pages: any record's timeline and its state at an instant, the ledger's
verification naming a tampered event, the seals and their export; all without Temporal."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

from bootstrap import App
from domain.wage_contract import wage_contract_id
from interfaces.web.context import WebContext
from tests.wage_contract.helpers import (
    CADRE,
    REVIEWER,
    ledger_events,
    ledger_version,
    no_workflow_left_open,  # noqa: F401 - an autouse fixture
    service,
    to_review,
)
from tests.web.pages_support import (  # noqa: F401 - fixtures
    HTMX,
    browser,
    form,
    person,
    web_client,
    web_reader,
    web_settings,
)

AUDITOR = "zhou.yan"
PROBLEM = "application/problem+json"


async def test_the_timeline_lists_the_events_with_actor_names_and_the_state_at_an_instant(
    client, app: App, time_skipping_env, task_queue
):
    await to_review(service(time_skipping_env, app, task_queue))
    events = ledger_events(app)
    page = await client.get("/records/WC-1", headers=person(AUDITOR))
    assert page.status_code == 200
    rows = page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>")
    assert rows == len(events) == 6
    for shown in ("发出协商要约，建立案件", "报上级工会预审", "王丽（wang.li）", "工会干部"):
        assert shown in page.text, shown
    assert "大连轴承制造有限公司工会" in page.text and events[0].hash[:12] in page.text

    at = events[1].timestamp.isoformat()  # just after the written reply
    then = await client.get("/records/WC-1", params={"at": at}, headers=person(AUDITOR))
    assert then.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>") == 2
    assert "协商中" in then.text and 'type="datetime-local"' in then.text
    api = await client.get(
        "/api/v1/records/WC-1/history", params={"at": at}, headers=person(AUDITOR, {})
    )
    body = api.json()
    assert (
        api.status_code == 200 and body["kind"] == "case" and body["state"]["stage"] == "in_talks"
    )
    assert [e["actor_name"] for e in body["events"]] == ["王丽（wang.li）"] * 2
    assert [(e["actor"]["role"], e["role_label"]) for e in body["events"]] == [
        ("cadre", "工会干部")
    ] * 2
    en = await client.get("/records/WC-1?lang=en", headers=person(AUDITOR))
    assert "王丽 (wang.li)" in en.text and "submitted for pre-review" in en.text


async def test_the_verify_page_reports_a_tampered_event_naming_it(
    client, app: App, time_skipping_env, task_queue
):
    await to_review(service(time_skipping_env, app, task_queue))
    app.audit().seal("before the audit")
    intact = await client.get("/audit/verify", headers=person(AUDITOR))
    assert intact.status_code == 200 and "账本完整：校验通过" in intact.text
    assert 'role="alert"' not in intact.text

    # Forge who submitted the case: the stored event now names another person.
    with sqlite3.connect(app.settings.sqlite_path) as conn:
        rowid, version, state = conn.execute(
            "SELECT rowid, originator_version, state FROM stored_events "
            "WHERE topic LIKE '%SubmittedForReview' ORDER BY rowid LIMIT 1"
        ).fetchone()
        forged = bytes(state).replace(b'"id":"wang.li"', b'"id":"li.wei"')
        assert forged != bytes(state)
        conn.execute("UPDATE stored_events SET state=? WHERE rowid=?", (forged, rowid))

    page = await client.get("/audit/verify", headers=person(AUDITOR))
    assert page.status_code == 200
    alert = page.text.split('<div class="problem" role="alert">', 1)[1].split("</div>", 1)[0]
    assert "账本校验失败" in alert and "SubmittedForReview" in alert
    assert str(wage_contract_id("WC-1")) in alert and f"第 {version} 版" in alert
    assert "hash_mismatch" in alert
    report = (await client.post("/api/v1/audit/verify", headers=person(AUDITOR, {}))).json()
    assert report["ok"] is False and report["first_bad"]["version"] == version
    assert report["first_bad"]["aggregate_id"] == str(wage_contract_id("WC-1"))


async def test_the_seals_are_listed_with_their_export(reader, app: App):
    none = await reader.get("/audit", headers=person(AUDITOR))
    assert none.status_code == 200 and "账本尚无封印" in none.text
    missing = await reader.get("/audit/export/seal", headers=person(AUDITOR))
    assert missing.status_code == 409 and 'role="alert"' in missing.text
    assert (await reader.get("/api/v1/audit/seals", headers=person(AUDITOR, {}))).json() == []

    sealed = app.audit().seal("before the audit")  # the directory's load is on record
    page = await reader.get("/audit", headers=person(AUDITOR))
    assert sealed.merkle_root[:16] in page.text and 'href="/audit/export/seal"' in page.text
    export = await reader.get("/audit/export/seal", headers=person(AUDITOR))
    assert export.status_code == 200
    assert export.headers["content-disposition"] == 'attachment; filename="seal.json"'
    assert json.loads(export.text) == app.audit().export_seal()
    witness = await reader.get("/audit/export/witness", headers=person(AUDITOR))
    assert witness.status_code == 200 and witness.text == app.audit().export_witness()
    seals = (await reader.get("/api/v1/audit/seals", headers=person(AUDITOR, {}))).json()
    assert [s["merkle_root"] for s in seals] == [sealed.merkle_root]


async def test_pages_render_while_no_temporal_server_is_reachable(
    client, app: App, time_skipping_env, task_queue
):
    await to_review(service(time_skipping_env, app, task_queue))
    version = ledger_version(app)
    # Another web app on the same ledger, whose Temporal server cannot be reached.
    async for offline in browser(WebContext(dataclasses.replace(app))):
        for url, who in (
            ("/inbox", REVIEWER),
            ("/cases", CADRE),
            ("/cases/WC-1", REVIEWER),
            ("/records/WC-1", AUDITOR),
            ("/audit", AUDITOR),
            ("/audit/verify", AUDITOR),
        ):
            page = await offline.get(url, headers=person(who))
            assert page.status_code == 200, (url, page.text)
        assert (
            'action="/cases/WC-1/acts/approve"'
            in (await offline.get("/cases/WC-1", headers=person(REVIEWER))).text
        )
        act = await offline.post(
            "/api/v1/cases/WC-1/acts", json={"kind": "approve"}, headers=person(REVIEWER, {})
        )
        assert act.status_code == 503 and act.headers["content-type"].startswith(PROBLEM)
        assert "Temporal" in act.json()["reason_zh"]
        page = await offline.post(
            "/cases/WC-1/acts/approve", data=form(), headers=person(REVIEWER, HTMX)
        )
        assert page.status_code == 200 and 'role="alert"' in page.text and "Temporal" in page.text
    assert ledger_version(app) == version


async def test_every_api_error_is_problem_json(reader):
    me = person(AUDITOR, {})
    cases = [
        ("get", "/api/v1/inbox", {}, 401),
        ("post", "/api/v1/audit/verify", {}, 401),
        ("get", "/api/v1/records/nope/history", me, 404),
        ("get", "/api/v1/records/nope/history?at=yesterday", me, 422),
        ("get", "/api/v1/records/nope/history?kind=thing", me, 422),
        ("get", "/api/v1/records/bad%20key/history", me, 422),
        ("get", "/api/v1/cases/nope", me, 404),
        ("post", "/api/v1/cases/nope/acts", me, 422),  # no body
    ]
    for method, url, headers, status in cases:
        answer = await reader.request(method, url, headers=headers)
        assert answer.status_code == status, (url, answer.text)
        assert answer.headers["content-type"].startswith(PROBLEM), url
        body = answer.json()
        assert body["status"] == status and body["reason_zh"] and body["reason_en"], url
    for act in ({"kind": "nonsense"}, {"kind": "approve", "comment": 7}, {"comment": ""}):
        answer = await reader.post("/api/v1/cases/nope/acts", json=act, headers=me)
        assert answer.status_code == 422 and answer.headers["content-type"].startswith(PROBLEM)
