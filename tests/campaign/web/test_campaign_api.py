"""``/api/v1/campaigns``: the campaigns, progress live and at a past instant, the units a
page at a time, the reviews waiting, and a unit's report with its review and withdrawal.
The actor is always the caller (a bearer token's person or a session's); a refusal is
problem+json with the reason in both languages, and writes nothing."""

from __future__ import annotations

from bootstrap import App
from interfaces.web.problem import PROBLEM
from tests.campaign.web.support import BEFORE_PEOPLE, KEY, written
from tests.web.pages_support import person

API = {"accept": "application/json"}
BASE = f"/api/v1/campaigns/{KEY}"
REPORTS = f"{BASE}/units/dl-bearing/reports"
DECIDE = f"{REPORTS}/2026H2/wage_contract"
REPORT = {"indicator": "wage_contract", "period": "2026H2", "value": 1,
          "evidence": "工资专项集体合同（文件：2026工资协议.pdf）"}  # fmt: skip


def refused(response, status: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == PROBLEM
    body = response.json()
    assert body["reason_zh"] and body["reason_en"]
    return body  # type: ignore[no-any-return]


async def test_the_list_and_progress_live_and_at_a_past_instant(reader, app: App, key: str):
    listed = await reader.get("/api/v1/campaigns", headers=person("chen.jing", API))
    assert [c["key"] for c in listed.json()] == [KEY]
    assert (await reader.get("/api/v1/campaigns", headers=person("liu.qiang", API))).json() == []
    live = await reader.get(f"{BASE}/progress", headers=person("sun.lihua", API))
    assert live.status_code == 200
    body = live.json()
    (coverage,) = body["targets"]
    assert coverage["total"] == {"numerator": 5, "denominator": 33, "rate": 5 / 33, "gap": 22,
                                 "met": False}  # fmt: skip
    assert coverage["gap_label"] == ["还差 22 家", "22 units short"]
    assert coverage["by_district"]["甘井子区"]["numerator"] == 5
    assert coverage["laggards"] == 28 and body["units"] == 33
    created = await reader.post(REPORTS, json=REPORT, headers=person("wang.li", API))
    assert created.status_code == 201
    await reader.post(f"{DECIDE}/approve", json={}, headers=person("chen.jing", API))
    now = await reader.get(f"{BASE}/progress", headers=person("sun.lihua", API))
    assert now.json()["targets"][0]["total"]["numerator"] == 6
    then = await reader.get(
        f"{BASE}/progress",
        params={"at": BEFORE_PEOPLE.isoformat()},
        headers=person("sun.lihua", API),
    )
    assert then.status_code == 200
    assert then.json()["targets"][0]["total"]["numerator"] == 5
    naive = await reader.get(
        f"{BASE}/progress", params={"at": "2026-08-01T00:00:00"}, headers=person("sun.lihua", API)
    )
    refused(naive, 422)  # an instant names its zone
    refused(await reader.get(f"{BASE}/progress", headers=person("liu.qiang", API)), 404)


async def test_the_units_come_a_page_at_a_time(reader, key: str):
    first = await reader.get(f"{BASE}/units", params={"size": 10}, headers=person("sun.lihua", API))
    page = first.json()
    assert page["total"] == 33 and page["pages"] == 4 and page["next_page"] == 2
    assert [u["code"] for u in page["units"]][:2] == ["dl-bearing", "dl-garment"]
    last = await reader.get(
        f"{BASE}/units", params={"size": 10, "page": 4}, headers=person("sun.lihua", API)
    )
    assert len(last.json()["units"]) == 3
    refused(
        await reader.get(
            f"{BASE}/units", params={"size": 10, "page": 5}, headers=person("sun.lihua", API)
        ),
        422,
    )
    district = await reader.get(
        f"{BASE}/units", params={"size": 200}, headers=person("chen.jing", API)
    )
    assert {u["district_org"] for u in district.json()["units"]} == {"dl-ganjingzi"}
    one = await reader.get(f"{BASE}/units/dl-bearing", headers=person("wang.li", API))
    assert one.json()["name"] == "大连轴承制造有限公司"
    refused(await reader.get(f"{BASE}/units/dl-bearing", headers=person("zhao.min", API)), 404)


async def test_a_report_applies_once_and_refusals_change_nothing(reader, app: App, key: str):
    before = written(app)
    body = refused(
        await reader.post(REPORTS, json=REPORT, headers=person("zhao.min", API)), 404
    )  # dl-garment's cadre may not even read dl-bearing's record
    assert "dl-bearing" in body["reason_zh"]
    body = refused(
        await reader.post(REPORTS, json={**REPORT, "evidence": ""}, headers=person("wang.li", API)),
        422,
    )
    assert "需要佐证材料" in body["reason_zh"] and "needs evidence" in body["reason_en"]
    refused(
        await reader.post(REPORTS, json={**REPORT, "value": -1}, headers=person("wang.li", API)),
        422,
    )
    assert written(app) == before
    sent = {**REPORT, "command_id": "api-report-1"}
    created = await reader.post(REPORTS, json=sent, headers=person("wang.li", API))
    assert created.status_code == 201
    assert created.json()["reports"]["2026H2:wage_contract"]["status"] == "pending"
    after = written(app)
    again = await reader.post(REPORTS, json=sent, headers=person("wang.li", API))
    assert again.status_code == 201 and written(app) == after  # a retry: once
    other = await reader.post(
        REPORTS, json={**sent, "value": 0}, headers=person("wang.li", API)
    )  # the same id for another report: refused
    assert other.status_code in (409, 422) and written(app) == after
    body = refused(await reader.post(REPORTS, json=REPORT, headers=person("wang.li", API)), 409)
    assert "待审核" in body["reason_zh"]


async def test_only_the_district_union_reviews_and_nobody_acts_as_another(
    reader, app: App, key: str
):
    await reader.post(REPORTS, json=REPORT, headers=person("wang.li", API))
    pending = await reader.get("/api/v1/campaigns/reviews", headers=person("chen.jing", API))
    assert [(p["code"], p["period"]) for p in pending.json()] == [("dl-bearing", "2026H2")]
    assert (
        await reader.get("/api/v1/campaigns/reviews", headers=person("li.wei", API))
    ).json() == []
    before = written(app)
    body = refused(
        await reader.post(f"{DECIDE}/approve", json={}, headers=person("li.wei", API)), 403
    )
    assert "dl-ganjingzi" in body["reason_zh"]
    # A body naming someone else changes nothing: the actor is the caller.
    refused(
        await reader.post(
            f"{DECIDE}/approve", json={"actor": "chen.jing"}, headers=person("wang.li", API)
        ),
        403,
    )
    refused(
        await reader.post(
            f"{DECIDE}/return", json={"reasons": ""}, headers=person("chen.jing", API)
        ),
        422,
    )
    assert written(app) == before
    returned = await reader.post(
        f"{DECIDE}/return", json={"reasons": "缺少备案回执"}, headers=person("chen.jing", API)
    )
    assert returned.status_code == 200
    r = returned.json()["reports"]["2026H2:wage_contract"]
    assert r["status"] == "returned" and r["reviewed_by"] == "chen.jing"
    assert r["reasons"] == "缺少备案回执"
    refused(await reader.post(f"{DECIDE}/withdraw", json={}, headers=person("wang.li", API)), 409)
    await reader.post(REPORTS, json=REPORT, headers=person("wang.li", API))
    withdrawn = await reader.post(
        f"{DECIDE}/withdraw", json={"reasons": "重新整理材料"}, headers=person("wang.li", API)
    )
    assert withdrawn.json()["reports"]["2026H2:wage_contract"]["status"] == "withdrawn"
    assert (
        await reader.get("/api/v1/campaigns/reviews", headers=person("chen.jing", API))
    ).json() == []


async def test_without_the_session_csrf_token_the_api_refuses_a_cookie_post(
    app: App, key: str, signed_in_client
):
    wang = await signed_in_client("wang.li")
    before = written(app)
    del wang.headers["X-CSRF-Token"]
    forged = await wang.post(REPORTS, json=REPORT)
    refused(forged, 403)
    assert "CSRF" in forged.json()["reason_en"] and written(app) == before
