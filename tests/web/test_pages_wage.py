"""Wage contract pages: a case's steps are forms of the people who may take them, posted
once each, refused in the domain's words with nothing written."""

from __future__ import annotations

import re

from bootstrap import App
from domain.wage_contract import RecordReply, Stage
from tests.conftest import ROOT
from tests.wage_contract.helpers import (
    CADRE,
    REVIEWER,
    event_names,
    ledger_events,
    ledger_version,
    no_workflow_left_open,  # noqa: F401 - an autouse fixture
    offer,
    service,
    to_review,
)
from tests.web.pages_support import HTMX, form, person, web_client, web_settings  # noqa: F401 - fixtures

DRAFT = (
    "clauses:\n"
    "  - {number: '1', title: 工资标准, text: 一线岗位月工资标准}\n"
    "  - {number: '2', title: 增长幅度, text: 年度工资增长6%}\n"
    "wage_standards:\n"
    "  - {post: 车工, monthly_yuan: '3200'}\n"
    "raise_pct: '6'\n"
    "union_chief_signed: true\n"
    "employer_chief_signed: true\n"
)


async def under_review(time_skipping_env, app: App, task_queue: str, case: str = "WC-1"):
    return await to_review(service(time_skipping_env, app, task_queue), case)


async def test_a_reviewer_returns_a_case_per_clause_then_approves_it_through_the_forms(
    client, app: App, time_skipping_env, task_queue
):
    await under_review(time_skipping_env, app, task_queue)
    page = await client.get("/cases/WC-1", headers=person(REVIEWER))
    assert page.status_code == 200
    assert 'action="/cases/WC-1/acts/approve"' in page.text
    assert 'action="/cases/WC-1/acts/return_for_revision"' in page.text
    assert "submit_for_review" not in page.text  # the cadre's step is not offered to them

    returned = await client.post(
        "/cases/WC-1/acts/return_for_revision",
        headers=person(REVIEWER),
        data=form(
            clause=["1", "2", ""],
            clause_comment=["岗位工资标准偏低", "增长幅度请对照指导线", ""],
            comment="逐条意见见附表",
        ),
    )
    assert returned.status_code == 303 and returned.headers["location"].startswith("/cases/WC-1")
    shown = await client.get(returned.headers["location"], headers=person(CADRE))
    assert "岗位工资标准偏低" in shown.text and "增长幅度请对照指导线" in shown.text
    assert 'role="status"' in shown.text  # the step done is said
    assert 'action="/cases/WC-1/acts/revise_draft"' in shown.text

    revised = await client.post(
        "/cases/WC-1/acts/revise_draft",
        headers=person(CADRE),
        data=form(),
        files={"draft_file": ("draft.yaml", DRAFT.encode(), "application/yaml")},
    )
    assert revised.status_code == 303, revised.text
    submitted = await client.post(
        "/cases/WC-1/acts/submit_for_review", headers=person(CADRE), data=form()
    )
    assert submitted.status_code == 303
    approved = await client.post(
        "/cases/WC-1/acts/approve", headers=person(REVIEWER), data=form(comment="同意")
    )
    assert approved.status_code == 303

    view = app.facades().wage_contracts.view("WC-1")
    assert view.stage is Stage.APPROVED and view.draft is not None
    assert str(view.draft.raise_pct) == "6"
    assert [c.comment for c in view.reviews[0].comments] == [
        "岗位工资标准偏低",
        "增长幅度请对照指导线",
    ]
    by_reviewer = [
        (type(e).__name__, e.comment) for e in ledger_events(app) if e.actor["id"] == REVIEWER
    ]
    assert by_reviewer == [("PreReviewReturned", "逐条意见见附表"), ("PreReviewApproved", "同意")]


async def test_a_double_submit_with_the_same_command_id_applies_once(
    client, app: App, time_skipping_env, task_queue
):
    await under_review(time_skipping_env, app, task_queue)
    twice = form(comment="同意")
    first = await client.post("/cases/WC-1/acts/approve", headers=person(REVIEWER), data=twice)
    version = ledger_version(app)
    again = await client.post("/cases/WC-1/acts/approve", headers=person(REVIEWER), data=twice)
    assert first.status_code == again.status_code == 303
    assert ledger_version(app) == version
    assert event_names(app, "WC-1").count("PreReviewApproved") == 1


async def test_a_refused_step_shows_the_reason_and_writes_nothing(
    client, app: App, time_skipping_env, task_queue
):
    await under_review(time_skipping_env, app, task_queue)
    version = ledger_version(app)
    # sun.hao reviews for dl-textile, which is not a higher union of dl-bearing.
    page = await client.post("/cases/WC-1/acts/approve", headers=person("sun.hao"), data=form())
    assert page.status_code == 403
    alert = re.search(r'<div class="problem" role="alert">(.*?)</div>', page.text, re.S)
    assert alert and "dl-textile 不是 dl-bearing 的上级工会" in alert.group(1)
    # From the page with htmx: only the message region is replaced, the form stays filled.
    swapped = await client.post(
        "/cases/WC-1/acts/approve", headers=person("sun.hao", HTMX), data=form()
    )
    assert swapped.status_code == 200 and swapped.headers["hx-retarget"] == "#notice"
    assert 'role="alert"' in swapped.text and "不是 dl-bearing 的上级工会" in swapped.text
    # A bad form is refused by the command's model before anything is sent.
    empty = await client.post(
        "/cases/WC-1/acts/return_for_revision", headers=person(REVIEWER), data=form()
    )
    assert empty.status_code == 422 and "至少写一条意见" in empty.text
    assert ledger_version(app) == version


async def test_only_the_steps_a_person_may_take_are_offered(
    client, app: App, time_skipping_env, task_queue
):
    await under_review(time_skipping_env, app, task_queue)
    # Readers of the case with no step on it: its unit's cadre, the auditor, the operator.
    for who in (CADRE, "zhou.yan", "ops.admin"):
        page = await client.get("/cases/WC-1", headers=person(who))
        assert page.status_code == 200 and "/acts/" not in page.text, who
        assert "当前没有需要你办理的步骤" in page.text
    # li.wei (the city federation) may take the round over, giving a reason.
    city = await client.get("/cases/WC-1", headers=person("li.wei"))
    assert 'name="takeover_reason"' in city.text
    reviewer = await client.get("/cases/WC-1", headers=person(REVIEWER))
    assert 'name="takeover_reason"' not in reviewer.text


async def test_the_case_page_shows_stage_deadlines_checks_and_the_timeline_link(
    client, app: App, time_skipping_env, task_queue
):
    view = await under_review(time_skipping_env, app, task_queue)
    page = await client.get("/cases/WC-1", headers=person(REVIEWER))
    assert "上级工会预审中" in page.text
    assert str(view.reply_due) in page.text and str(view.reviews[-1].due) in page.text
    assert page.text.count('<tr class="pass">') + page.text.count('<tr class="fail">') == len(
        view.reviews[-1].checks
    )
    assert "通过" in page.text
    # The timeline link is for those who read timelines (an auditor), not the reviewer.
    assert 'href="/records/WC-1?kind=case"' not in page.text
    audited = await client.get("/cases/WC-1", headers=person("zhou.yan"))
    assert 'href="/records/WC-1?kind=case"' in audited.text
    timeline = await client.get("/records/WC-1?kind=case", headers=person(REVIEWER))
    assert timeline.status_code == 404
    listing = await client.get("/cases", headers=person(CADRE))
    assert 'href="/cases/WC-1"' in listing.text and "上级工会预审中" in listing.text
    en = await client.get("/cases?lang=en", headers=person(CADRE))
    assert "under pre-review by the higher union" in en.text


async def test_a_cadre_takes_the_steps_to_review_through_the_forms(
    client, app: App, time_skipping_env, task_queue
):
    await service(time_skipping_env, app, task_queue).open(CADRE, offer("WC-2"))
    negotiators = (ROOT / "examples" / "negotiators.yaml").read_text(encoding="utf-8")
    steps = [
        ("record_reply", {"content": "同意协商"}, None),
        ("appoint_negotiators", {"negotiators": negotiators}, None),
        ("record_talks_round", {"minutes": "第一轮协商纪要"}, None),
        ("sign_draft", {}, {"draft_file": ("draft.yaml", DRAFT.encode(), "application/yaml")}),
    ]
    for kind, fields, files in steps:
        done = await client.post(
            f"/cases/WC-2/acts/{kind}", headers=person(CADRE), data=form(**fields), files=files
        )
        assert done.status_code == 303, (kind, done.text)
    # Posted from the page with htmx, the case region comes back saying what was done.
    swapped = await client.post(
        "/cases/WC-2/acts/submit_for_review", headers=person(CADRE, HTMX), data=form()
    )
    assert swapped.status_code == 200 and swapped.text.lstrip().startswith('<div id="case">')
    assert "已完成：报上级工会预审" in swapped.text and "<html" not in swapped.text
    view = app.facades().wage_contracts.view("WC-2")
    assert view.stage is Stage.UNDER_REVIEW and len(view.negotiators) == 6


async def test_a_bad_draft_file_is_refused_naming_its_first_problem(
    client, app: App, time_skipping_env, task_queue
):
    svc = service(time_skipping_env, app, task_queue)
    await svc.open(CADRE, offer("WC-3"))
    await svc.act("WC-3", CADRE, RecordReply(content="同意协商"))
    version = ledger_version(app, "WC-3")
    for text, reason in (
        ("clauses: []\n", "草案文件 draft.yaml 的 clauses 无效"),
        ("a: &x [1]\nb: *x\n", "YAML 别名"),
        ("clauses: [unclosed\n", "无法读取草案文件"),
    ):
        refused = await client.post(
            "/cases/WC-3/acts/sign_draft",
            headers=person(CADRE),
            data=form(),
            files={"draft_file": ("draft.yaml", text.encode(), "application/yaml")},
        )
        assert refused.status_code == 422 and reason in refused.text, refused.text
    assert ledger_version(app, "WC-3") == version


async def test_approving_past_a_failed_guideline_check_needs_the_override_reason(
    client, app: App, time_skipping_env, task_queue
):
    # A 1% raise is below Liaoning's wage guideline (an advisory check, not a legal floor).
    await to_review(service(time_skipping_env, app, task_queue), "WC-4", raise_pct="1")
    page = await client.get("/cases/WC-4", headers=person(REVIEWER))
    assert 'name="override_reason"' in page.text and '<tr class="fail">' in page.text
    version = ledger_version(app, "WC-4")
    refused = await client.post("/cases/WC-4/acts/approve", headers=person(REVIEWER), data=form())
    assert refused.status_code in (409, 422) and 'role="alert"' in refused.text
    assert ledger_version(app, "WC-4") == version
    approved = await client.post(
        "/cases/WC-4/acts/approve",
        headers=person(REVIEWER),
        data=form(override_reason="企业经营困难，经协商同意低于指导线"),
    )
    assert approved.status_code == 303
    review = app.facades().wage_contracts.view("WC-4").reviews[-1]
    assert review.outcome == "approved" and review.override_reason.startswith("企业经营困难")


async def test_the_api_takes_a_step_once_and_refuses_as_problem_json(
    client, app: App, time_skipping_env, task_queue
):
    await under_review(time_skipping_env, app, task_queue)
    url = "/api/v1/cases/WC-1/acts"
    refused = await client.post(url, json={"kind": "approve"}, headers=person("liu.qiang", {}))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["reason_zh"] and refused.json()["reason_en"]
    empty = {"kind": "return_for_revision", "comments": []}
    invalid = await client.post(url, json=empty, headers=person(REVIEWER, {}))
    assert invalid.status_code == 422 and "comments" in invalid.json()["reason_en"]

    body = {
        "kind": "return_for_revision",
        "comments": [{"clause": "1", "comment": "岗位工资标准偏低"}],
        "comment": "见逐条意见",
        "command_id": "api-return-1",
    }
    first = await client.post(url, json=body, headers=person(REVIEWER, {}))
    assert first.status_code == 200 and first.json()["stage"] == "returned"
    version = ledger_version(app)
    again = await client.post(url, json=body, headers=person(REVIEWER, {}))
    assert again.status_code == 200 and ledger_version(app) == version
    late = await client.post(url, json={"kind": "approve"}, headers=person(REVIEWER, {}))
    assert late.status_code == 409 and "预审退回修改" in late.json()["reason_zh"]

    listed = (await client.get("/api/v1/cases", headers=person(CADRE, {}))).json()["items"]
    assert [(c["case_id"], c["stage"], c["url"]) for c in listed] == [
        ("WC-1", "returned", "/cases/WC-1")
    ]
    case = (await client.get("/api/v1/cases/WC-1", headers=person(CADRE, {}))).json()
    assert case["case"]["reviews"][0]["comments"][0]["comment"] == "岗位工资标准偏低"
    assert "revise_draft" in case["steps"] and "approve" not in case["steps"]
