"""Who may read which record: each role reads what the directory gives it and nothing more;
a record one may not read is a 404 shaped like a missing one, on pages and in /api/v1;
lists and the inbox hold only readable records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio

from application.profiles import load_profile
from bootstrap import App
from domain.motion import FileMotion
from domain.wage_contract import WageContract
from interfaces.web.work import _readable_items
from tests.congress.workflow.test_session_workflow import AGENDA, congress_with_roster, today
from tests.wage_contract.helpers import offer
from tests.web.pages_support import person, web_client, web_settings  # noqa: F401 - fixtures
from tests.web.test_inbox_paging import FIRST_DAY, UNIT_PATH, meta

CASE, KEY = "RP-1", "dl-bearing-6"
CHAIR, DELEGATE, RECALLED = "wang.li", "liu.qiang", "dlb-d29"
AUDITOR, OPERATOR = "zhou.yan", "ops.admin"

# (actor, reads the case, the session and congress, the motion, timelines and audit)
MATRIX = [
    (CHAIR, True, True, True, False),  # the unit's cadre
    ("chen.jing", True, True, False, False),  # reviewer of the parent union
    ("li.wei", True, True, False, False),  # reviewer of the city federation
    ("sun.hao", False, False, False, False),  # reviewer of another branch of the tree
    ("zhao.min", False, False, False, False),  # cadre of another unit
    (DELEGATE, False, True, True, False),  # delegate of the term
    (RECALLED, False, False, False, False),  # recalled: no longer in office
    ("hr.dept", False, False, False, False),  # a department the motion was not assigned to
    (AUDITOR, True, True, True, True),
    (OPERATOR, True, True, True, True),
]


@pytest_asyncio.fixture
async def records(
    app: App, time_skipping_env: Any, running_worker: Any, client: Any
) -> AsyncIterator[dict[str, str]]:
    """A wage case of dl-bearing, its congress term (one delegate recalled), a session
    convened and a motion filed; the web client."""
    env = time_skipping_env
    case = WageContract.open(
        offer(CASE),
        meta(FIRST_DAY),
        unit_path=UNIT_PATH,
        wage_area_class=1,
        profile=load_profile("liaoning"),
        today=FIRST_DAY,
    )
    app.ledger.save(case)
    await congress_with_roster(app, env, key=KEY)
    app.congresses.recall(CHAIR, KEY, RECALLED, "调离本单位")
    facades = app.facades(env.client)
    d = await today(env)
    session = await facades.sessions.convene(
        CHAIR, KEY, "2026-1", AGENDA, papers_sent_on=d, opens_on=d + timedelta(days=7)
    )
    await facades.motions.open_call(CHAIR, KEY, d + timedelta(days=30))
    motion = await facades.motions.file(
        DELEGATE,
        KEY,
        FileMotion(title="改善一车间通风", reasons="夏季温度过高", proposal="加装排风设备"),
    )
    yield {"session": session.session_id, "motion": motion.motion_id}


@pytest.mark.parametrize(("who", "case", "session", "motion", "audit"), MATRIX)
async def test_each_role_reads_what_the_directory_gives_it(
    client, records, who, case, session, motion, audit
):
    sid, mid = records["session"], records["motion"]
    expected = {
        f"/cases/{CASE}": case,
        f"/api/v1/cases/{CASE}": case,
        f"/congresses/{KEY}": session,
        f"/sessions/{sid}": session,
        f"/sessions/{sid}/results": session,
        f"/sessions/{sid}/vote": session,
        f"/api/v1/sessions/{sid}": session,
        f"/motions/{mid}": motion,
        f"/api/v1/motions/{mid}": motion,
        f"/records/{CASE}?kind=case": audit,
        f"/api/v1/records/{CASE}/history?kind=case": audit,
        "/audit": audit,
        "/api/v1/audit/seals": audit,
    }
    for path, readable in expected.items():
        headers = person(who, {} if path.startswith("/api/") else None)
        got = await client.get(path, headers=headers)
        assert got.status_code == (200 if readable else 404), (who, path, got.text[:200])


async def test_an_unreadable_record_is_refused_exactly_as_a_missing_one(client, records):
    """Same status, same words, whether the case is there or not: ids do not leak."""
    outsider = person("zhao.min", {})
    hidden = await client.get(f"/api/v1/cases/{CASE}", headers=outsider)
    missing = await client.get("/api/v1/cases/NO-SUCH", headers=outsider)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.headers["content-type"] == missing.headers["content-type"]
    assert hidden.headers["content-type"].startswith("application/problem+json")
    shown, absent = hidden.json(), missing.json()
    assert shown["reason_zh"] == f"案件 {CASE} 不存在"
    assert absent["reason_zh"] == "案件 NO-SUCH 不存在"
    assert shown.keys() == absent.keys() and shown["title"] == absent["title"]
    page = await client.get(f"/motions/{records['motion']}", headers=person("zhao.min"))
    assert page.status_code == 404 and "改善一车间通风" not in page.text
    assert f"提案 {records['motion']} 不存在" in page.text


async def test_lists_hold_only_what_the_person_may_read(client, records):
    mid = records["motion"]
    for who, sees_case, sees_motion in [
        (CHAIR, True, True),
        ("chen.jing", True, False),
        ("zhao.min", False, False),
        (DELEGATE, False, True),
        (AUDITOR, True, True),
    ]:
        cases = (await client.get("/api/v1/cases", headers=person(who, {}))).json()
        assert (CASE in [c["case_id"] for c in cases["items"]]) is sees_case, who
        assert cases["total"] == (1 if sees_case else 0), who
        page = await client.get("/cases", headers=person(who))
        assert (f'href="/cases/{CASE}"' in page.text) is sees_case, who
        motions = (await client.get("/api/v1/motions", headers=person(who, {}))).json()
        assert (mid in [m["motion_id"] for m in motions]) is sees_motion, who
        listing = await client.get("/motions", headers=person(who))
        assert (f'href="/motions/{mid}"' in listing.text) is sees_motion, who
    for who, sees_term in [(CHAIR, True), ("chen.jing", True), ("zhao.min", False)]:
        terms = await client.get("/congresses", headers=person(who))
        assert (f'href="/congresses/{KEY}"' in terms.text) is sees_term, who
    # The motion report of a term is the term's: a cadre elsewhere does not get it.
    report = await client.get(f"/motions?congress={KEY}", headers=person("zhao.min"))
    assert report.status_code == 404
    # A reviewer of the parent union reads the term, not its motions.
    reviewed = await client.get(f"/motions?congress={KEY}", headers=person("chen.jing"))
    assert reviewed.status_code == 200 and f'href="/motions/{mid}"' not in reviewed.text


async def test_the_inbox_lists_only_readable_records(client, app: App, records):
    """The cadre's inbox has the case's next step; the inbox's filter refuses the same
    records to a cadre of another unit (an item left over from a directory change)."""
    mine = (await client.get("/api/v1/inbox", headers=person(CHAIR, {}))).json()
    assert CASE in [i["key"] for i in mine["items"]]
    mid = records["motion"]
    for who, reads_case, reads_motion in [
        (CHAIR, True, True),
        ("zhao.min", False, False),
        (DELEGATE, False, True),
    ]:
        readable = _readable_items(app, app.facades(), who)
        assert readable("wage_contract", CASE) is reads_case, who
        assert readable("motion", mid) is reads_motion, who
    outsider = (await client.get("/api/v1/inbox", headers=person("zhao.min", {}))).json()
    assert CASE not in [i["key"] for i in outsider["items"]]


async def test_assigned_departments_read_the_motion_and_others_do_not(app: App, records):
    policy = app.read_policy
    view = app.facades().motions.view(records["motion"])
    assigned = view.model_copy(
        update={"lead_department": "hr.dept", "supporting_departments": ["safety.dept"]}
    )
    for who, reads in [("hr.dept", True), ("safety.dept", True), ("admin.dept", False)]:
        assert policy.may_read_motion(policy.reader(who), assigned) is reads, who
        assert policy.may_read_motion(policy.reader(who), view) is False, who
    assert policy.motions("hr.dept", [assigned, view]) == [assigned]


async def test_someone_no_longer_in_the_directory_reads_nothing(app: App, records):
    policy = app.read_policy
    view = app.facades().wage_contracts.view(CASE)
    assert not policy.reader("nobody.here").roles
    assert policy.cases("nobody.here", [view]) == []
    assert not policy.may_read_history("nobody.here")
    assert policy.may_read_history(AUDITOR) and policy.may_read_history(OPERATOR)
