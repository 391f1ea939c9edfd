"""Campaigns through the web: the list, the dashboard (rate vs target with the gap in
units, breakdowns, laggards by name a page at a time, the trend, progress at a past
instant, exports), the unit cadre's report form and the district reviewer's list with its
approve and return forms. Each form applies once per ``command_id``; a refusal says why in
the domain's words and writes nothing."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from bootstrap import App
from domain.actors import CHINA_TZ
from domain.campaign.values import ReportStatus
from tests.campaign.web.support import APPROVED, BEFORE_PEOPLE, KEY, TITLE, written
from tests.web.pages_support import HTMX, form, person

DASHBOARD = f"/campaigns/{KEY}"
BEARING = f"/campaigns/{KEY}/units/dl-bearing"
REPORTS = f"{BEARING}/reports"
DECIDE = f"{BEARING}/reports/2026H2/wage_contract"


def command_id(page: str, action: str) -> str:
    """The ``command_id`` of the (first) form posting to ``action`` on ``page``."""
    found = re.search(
        rf'action="{re.escape(action)}"[^>]*>.*?name="command_id" value="([^"]+)"', page, re.S
    )
    assert found, f"no form posting to {action}"
    return found[1]


def report_form(**fields: str) -> dict[str, str]:
    values = {"indicator": "wage_contract", "period": "2026H2", "value": "1",
              "evidence": "工资专项集体合同文本", "evidence_file": "2026工资协议.pdf"}  # fmt: skip
    return form(**{**values, **fields})


async def test_the_list_and_dashboard_show_the_rate_the_gap_and_the_laggards_by_name(
    reader, app: App, key: str
):
    listed = await reader.get("/campaigns", headers=person("sun.lihua"))
    assert listed.status_code == 200 and TITLE in listed.text
    assert f'href="{DASHBOARD}"' in listed.text
    own = await reader.get("/campaigns", headers=person("wang.li"))
    assert f'href="{BEARING}"' in own.text  # the unit cadre's own unit
    board = await reader.get(DASHBOARD, headers=person("sun.lihua"))
    assert board.status_code == 200
    text = board.text
    # 33 unionised units (u00003 ... are unionised); 5 counted, 80% needs 27: 22 short.
    assert "≥80%" in text and "5/33" in text and "15.2%" in text and "还差 22 家" in text
    assert "甘井子区" in text and "沙河口区" in text and "中山区" in text  # by district
    assert "制造业" in text and "非公有制" in text  # by industry, by ownership
    assert "大连轴承制造有限公司" in text  # a laggard, by name
    assert f'href="{BEARING}"' in text
    assert "测试单位3<" not in text  # counted: not a laggard
    english = await reader.get(f"{DASHBOARD}?lang=en", headers=person("sun.lihua"))
    assert "22 units short" in english.text and "By district" in english.text


async def test_the_laggards_come_a_page_at_a_time_and_htmx_swaps_only_the_list(reader, key: str):
    first = await reader.get(f"{DASHBOARD}?size=10", headers=person("sun.lihua"))
    assert "第 1 / 3 页" in first.text and 'rel="next"' in first.text
    third = await reader.get(f"{DASHBOARD}?size=10&page=3", headers=person("sun.lihua", HTMX))
    assert third.status_code == 200
    assert third.text.lstrip().startswith('<section id="laggards"') and "<html" not in third.text
    assert "第 3 / 3 页" in third.text
    past = await reader.get(f"{DASHBOARD}?size=10&page=9", headers=person("sun.lihua"))
    assert past.status_code == 422 and "共 3 页" in past.text


async def test_who_is_outside_the_federation_or_not_signed_in_reads_nothing(reader, key: str):
    worker = await reader.get(DASHBOARD, headers=person("liu.qiang"))  # a delegate
    assert worker.status_code == 404
    missing = await reader.get("/campaigns/no-such-campaign", headers=person("sun.lihua"))
    assert missing.status_code == 404
    nobody = await reader.get(DASHBOARD, headers={"accept": "text/html"})
    assert nobody.status_code == 401
    other_unit = await reader.get(BEARING, headers=person("zhao.min"))  # dl-garment's cadre
    assert other_unit.status_code == 404


async def test_progress_at_a_past_instant_shows_what_the_dashboard_said_then(
    reader, app: App, key: str
):
    submitted = await reader.post(REPORTS, headers=person("wang.li"), data=report_form())
    assert submitted.status_code == 303
    approved = await reader.post(f"{DECIDE}/approve", headers=person("chen.jing"), data=form())
    assert approved.status_code == 303
    live = await reader.get(DASHBOARD, headers=person("sun.lihua"))
    assert "6/33" in live.text and "还差 21 家" in live.text
    at = BEFORE_PEOPLE.astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M")
    then = await reader.get(f"{DASHBOARD}?at={at}", headers=person("sun.lihua"))
    assert then.status_code == 200
    assert "5/33" in then.text and "还差 22 家" in then.text and "账本截至" in then.text
    future = await reader.get(f"{DASHBOARD}?at=2999-01-01T00:00", headers=person("sun.lihua"))
    assert future.status_code == 422 and "晚于现在" in future.text
    early = await reader.get(f"{DASHBOARD}?at=2026-01-05T09:00", headers=person("sun.lihua"))
    assert early.status_code == 422 and "尚未启动" in early.text
    bad = await reader.get(f"{DASHBOARD}?on=6月30日", headers=person("sun.lihua"))
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text


async def test_the_unit_cadre_reports_once_per_command_id_with_the_evidence_file_name(
    reader, app: App, key: str
):
    page = await reader.get(BEARING, headers=person("wang.li"))
    assert page.status_code == 200 and "大连轴承制造有限公司" in page.text
    assert f'action="{REPORTS}"' in page.text and "佐证材料文件名" in page.text
    fields = report_form(command_id=command_id(page.text, REPORTS))
    before = written(app)
    posted = await reader.post(REPORTS, headers=person("wang.li"), data=fields)
    assert posted.status_code == 303 and posted.headers["location"] == f"{BEARING}?done=submit"
    after = written(app)
    assert after > before
    again = await reader.post(REPORTS, headers=person("wang.li"), data=fields)
    assert again.status_code == 303 and written(app) == after  # a double submit: once
    r = app.campaigns.unit(KEY, "dl-bearing").report("2026H2", "wage_contract")
    assert r is not None and r.status is ReportStatus.PENDING and r.submitted_by == "wang.li"
    assert "工资专项集体合同文本" in r.evidence and "2026工资协议.pdf" in r.evidence
    shown = await reader.get(posted.headers["location"], headers=person("wang.li"))
    assert 'role="status"' in shown.text and "待审核" in shown.text and "王丽" in shown.text


async def test_a_refused_report_says_why_in_chinese_and_writes_nothing(reader, app: App, key: str):
    before = written(app)
    stranger = await reader.post(
        REPORTS, headers=person("zhao.min"), data=report_form()
    )  # dl-garment's cadre, for dl-bearing
    assert stranger.status_code == 403 and "只有本单位（dl-bearing）工会干部" in stranger.text
    reviewer = await reader.post(REPORTS, headers=person("chen.jing"), data=report_form())
    assert reviewer.status_code == 403  # a reviewer is no unit cadre
    no_evidence = await reader.post(
        REPORTS, headers=person("wang.li"), data=report_form(evidence="", evidence_file="")
    )
    assert no_evidence.status_code == 422 and "需要佐证材料" in no_evidence.text
    not_flag = await reader.post(REPORTS, headers=person("wang.li"), data=report_form(value="3"))
    assert not_flag.status_code == 422 and "只能填 0 或 1" in not_flag.text
    no_value = await reader.post(REPORTS, headers=person("wang.li"), data=report_form(value=""))
    assert no_value.status_code == 422 and "请填写数值" in no_value.text
    unknown = await reader.post(
        REPORTS, headers=person("wang.li"), data=report_form(period="2027H1")
    )
    assert unknown.status_code == 422
    assert written(app) == before
    ok = await reader.post(REPORTS, headers=person("wang.li"), data=report_form())
    assert ok.status_code == 303
    after = written(app)
    pending = await reader.post(REPORTS, headers=person("wang.li"), data=report_form())
    assert pending.status_code == 409 and "已有待审核的填报" in pending.text
    assert "操作被拒绝" in pending.text and written(app) == after


async def test_the_district_reviewer_returns_with_reasons_then_approves(reader, app: App, key: str):
    await reader.post(REPORTS, headers=person("wang.li"), data=report_form())
    listed = await reader.get("/campaigns/reviews", headers=person("chen.jing"))
    assert listed.status_code == 200 and "大连轴承制造有限公司" in listed.text
    assert "2026工资协议.pdf" in listed.text and "王丽（wang.li）" in listed.text
    assert f'action="{DECIDE}/approve"' in listed.text
    elsewhere = await reader.get("/campaigns/reviews", headers=person("sun.hao"))
    assert "大连轴承制造有限公司" not in elsewhere.text  # dl-textile reviews nothing here

    before = written(app)
    outsider = await reader.post(f"{DECIDE}/approve", headers=person("li.wei"), data=form())
    assert outsider.status_code == 403 and "dl-ganjingzi" in outsider.text
    blank = await reader.post(
        f"{DECIDE}/return", headers=person("chen.jing"), data=form(reasons=" ", back="reviews")
    )
    assert blank.status_code == 422 and "退回须说明理由" in blank.text
    assert "待审核的集中行动填报" in blank.text  # shown on the list it came from
    assert written(app) == before
    returned = await reader.post(
        f"{DECIDE}/return",
        headers=person("chen.jing"),
        data=form(reasons="合同未加盖企业公章", back="reviews"),
    )
    assert returned.status_code == 303
    assert returned.headers["location"] == "/campaigns/reviews?done=return"
    unit = await reader.get(BEARING, headers=person("wang.li"))
    assert "已退回" in unit.text and "合同未加盖企业公章" in unit.text
    late = await reader.post(f"{DECIDE}/approve", headers=person("chen.jing"), data=form())
    assert late.status_code == 409 and "没有待审核的填报" in late.text

    await reader.post(REPORTS, headers=person("wang.li"), data=report_form(evidence="盖章合同"))
    page = await reader.get(BEARING, headers=person("chen.jing"))
    fields = {"csrf_token": "t", "command_id": command_id(page.text, f"{DECIDE}/approve")}
    approved = await reader.post(f"{DECIDE}/approve", headers=person("chen.jing"), data=fields)
    assert approved.status_code == 303
    after = written(app)
    again = await reader.post(f"{DECIDE}/approve", headers=person("chen.jing"), data=fields)
    assert again.status_code == 303 and written(app) == after
    r = app.campaigns.unit(KEY, "dl-bearing").report("2026H2", "wage_contract")
    assert r is not None and r.status is ReportStatus.APPROVED and r.reviewed_by == "chen.jing"
    board = await reader.get(DASHBOARD, headers=person("chen.jing"))
    assert "6/33" in board.text


async def test_the_unit_cadre_withdraws_an_approved_report_and_it_no_longer_counts(
    reader, app: App, key: str
):
    code = APPROVED[0]
    url = f"/campaigns/{KEY}/units/{code}/reports/2026H2/wage_contract/withdraw"
    counted = await reader.get(DASHBOARD, headers=person("sun.lihua"))
    assert "5/33" in counted.text
    own = await reader.get(f"/campaigns/{KEY}/units/{code}", headers=person(f"cadre.{code}"))
    assert "已计入" in own.text and "填报 2026H2 · 已通过 · chen.jing" in own.text
    assert f'action="{url}"' in own.text
    before = written(app)
    other = await reader.post(url, headers=person("wang.li"), data=form(reasons="误报"))
    assert other.status_code == 403 and written(app) == before
    done = await reader.post(url, headers=person(f"cadre.{code}"), data=form(reasons="误报"))
    assert done.status_code == 303
    board = await reader.get(DASHBOARD, headers=person("sun.lihua"))
    assert "4/33" in board.text and "还差 23 家" in board.text
    own = await reader.get(f"/campaigns/{KEY}/units/{code}", headers=person(f"cadre.{code}"))
    assert "尚未计入" in own.text and "已撤回" in own.text and "误报" in own.text


async def test_a_post_without_the_sessions_csrf_token_is_refused_and_writes_nothing(
    app: App, key: str, signed_in_client
):
    wang = await signed_in_client("wang.li")
    page = await wang.get(BEARING)
    assert page.status_code == 200
    before = written(app)
    del wang.headers["X-CSRF-Token"]
    fields = report_form(command_id=command_id(page.text, REPORTS))
    del fields["csrf_token"]
    forged = await wang.post(REPORTS, data=fields, headers={"accept": "text/html"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert written(app) == before


async def test_the_exports_are_the_dashboards_figures_as_xlsx_png_and_pdf(reader, key: str):
    board = await reader.get(DASHBOARD, headers=person("sun.lihua"))
    for name in ("progress.xlsx", "chart.png", "report.pdf"):
        assert f'href="{DASHBOARD}/exports/{name}"' in board.text
    book = await reader.get(f"{DASHBOARD}/exports/progress.xlsx", headers=person("sun.lihua"))
    assert book.status_code == 200 and "attachment" in book.headers["content-disposition"]
    sheets = load_workbook(io.BytesIO(book.content))
    assert {"按区", "按行业", "明细"} <= set(sheets.sheetnames)
    detail = [row for row in sheets["明细"].iter_rows(values_only=True) if row and row[0]]
    assert any(row[0] == "dl-bearing" and row[1] == "大连轴承制造有限公司" for row in detail)
    chart = await reader.get(f"{DASHBOARD}/exports/chart.png", headers=person("sun.lihua"))
    assert (
        chart.headers["content-type"] == "image/png" and chart.content[:8] == b"\x89PNG\r\n\x1a\n"
    )
    pdf = await reader.get(f"{DASHBOARD}/exports/report.pdf", headers=person("sun.lihua"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    outsider = await reader.get(f"{DASHBOARD}/exports/chart.png", headers=person("liu.qiang"))
    assert outsider.status_code == 404
    other = await reader.get(f"{DASHBOARD}/exports/units.csv", headers=person("sun.lihua"))
    assert other.status_code in (404, 422)


async def test_the_inbox_links_a_due_report_and_a_review_to_the_units_page(reader, key: str):
    due = await reader.get("/inbox", headers=person("wang.li"))
    assert f'href="{BEARING}"' in due.text and "填报：签订工资专项集体合同（2026H2）" in due.text
    await reader.post(REPORTS, headers=person("wang.li"), data=report_form())
    review = await reader.get("/inbox", headers=person("chen.jing"))
    assert f'href="{BEARING}"' in review.text and "审核填报" in review.text
    page = await reader.get(BEARING, headers=person("chen.jing"))
    assert f'action="{DECIDE}/approve"' in page.text
