"""A union cadre starts the year's work in the browser: sends the offer that opens a wage
case, sets up a congress term, uploads a roster with bad rows (every one shown, nothing
imported), then the good file, and convenes a session, landing on the chair's screen.
Signed in through the real login page; axe on every page, each saved as a screenshot
(``var/screenshots/guide-*.png``)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.conftest import LiveStack, accessible
from tests.browser.test_guide_pages import DESKTOP, _accounts, _log_in
from tests.conftest import ROOT
from tests.wage_contract.helpers import CADRE

BAD_ROSTER = (
    "编号,姓名,选区,类别,性别\n"
    "a01,张三,一车间,一线职工,男\n"
    "a02,李四,一车间,一线职工,未知\n"
    "a03,,一车间,专业技术人员,女\n"
    "a01,赵六,二车间,管理人员,女\n"
)


def test_a_cadre_opens_a_case_sets_up_a_term_fixes_the_roster_and_convenes(
    live: LiveStack, browser: Browser, tmp_path: Path
):
    secrets = _accounts(live, CADRE)
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    _log_in(page, live, CADRE, secrets[CADRE])

    # The offer that opens a wage case.
    page.goto(f"{live.url}/cases")
    page.get_by_role("link", name="发出要约（新案件）").click()
    page.get_by_label("企业名称").fill("大连轴承有限公司")
    page.get_by_label("协商地点").fill("公司三楼会议室")
    page.get_by_label("要约内容").fill("2026年度工资专项集体协商要约")
    page.get_by_label("案件编号（可选）").fill("WC-2026-001")
    accessible(page, "guide-case-new")
    page.get_by_role("button", name="发出要约").click()
    expect(page.get_by_role("status").first).to_contain_text("发出要约")
    expect(page).to_have_url(f"{live.url}/cases/WC-2026-001?done=open")

    # A congress term of the unit.
    page.goto(f"{live.url}/congresses")
    page.get_by_role("link", name="建立届次").click()
    page.get_by_label("届次（第几届）").fill("6")
    accessible(page, "guide-congress-new")
    page.get_by_role("button", name="建立届次").click()
    expect(page.get_by_role("status").first).to_contain_text("已建立届次")

    # A roster with bad rows: each shown with its row and reason, nothing imported.
    bad = tmp_path / "名册.csv"
    bad.write_text(BAD_ROSTER, encoding="utf-8")
    page.get_by_label("选择 CSV 或 XLSX 文件").set_input_files(bad)
    page.get_by_role("button", name="检查并导入").click()
    errors = page.locator("table.row-errors tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_contain_text("3")
    expect(errors.nth(0)).to_contain_text("性别“未知”无效")
    expect(errors.nth(1)).to_contain_text("“姓名”为空")
    expect(errors.nth(2)).to_contain_text("与第2行重复")
    expect(page.get_by_role("heading", name="代表名册（0）")).to_be_visible()
    accessible(page, "guide-roster-errors")

    # The corrected file: all thirty delegates, and the composition checks.
    page.get_by_label("选择 CSV 或 XLSX 文件").set_input_files(ROOT / "examples" / "roster.csv")
    page.get_by_role("button", name="检查并导入").click()
    expect(page.get_by_role("status").first).to_contain_text("名册已导入")
    expect(page.get_by_role("heading", name="代表名册（30）")).to_be_visible()
    accessible(page, "guide-congress-term")

    # Convene a session with its agenda: then the chair's screen.
    page.get_by_role("link", name="召开会议").click()
    page.get_by_label("会议标签").fill("2026-1")
    page.get_by_label("议题 1 标题").fill("审议《2026年度工资专项集体合同（草案）》")
    page.get_by_label("议题 1 工资合同案件编号").fill("WC-2026-001")
    page.get_by_label("议题 2 标题").fill("补选职工董事")
    page.get_by_label("议题 2 类型").select_option("election")
    page.get_by_label("议题 2 候选人编号").fill("dlb-d01 dlb-d05 dlb-d09")
    page.get_by_label("议题 3 标题").fill("审议职工食堂改进建议")
    page.get_by_label("议题 3 类型").select_option("advice")
    page.get_by_label("议题 3 表决方式").select_option("named")
    accessible(page, "guide-convene")
    page.get_by_role("button", name="召开会议").click()
    expect(page).to_have_url(f"{live.url}/sessions/dl-bearing-6:2026-1")
    expect(page.get_by_role("button", name="开幕")).to_be_visible()
    expect(page.locator("main")).to_contain_text("补选职工董事")
    accessible(page, "guide-convened")
    context.close()
