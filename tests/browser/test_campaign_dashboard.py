"""A campaign in Chromium: the organiser's dashboard (rate vs target with the gap in units,
breakdowns, laggards by name), the unit cadre's report form, and the district reviewer
approving the report from the reviews list, after which the dashboard counts the unit.
axe on the dashboard, the report form and the reviews list, each saved as a screenshot."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.conftest import LiveStack, accessible, sign_in
from tests.campaign.web.support import KEY, campaign

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def test_the_dashboard_and_a_report_approved_by_the_district_reviewer(
    live: LiveStack, browser: Browser, tmp_path: Path
):
    async def set_up(app, env) -> str:  # type: ignore[no-untyped-def]
        return campaign(app, tmp_path)

    assert live.run(set_up) == KEY
    dashboard = f"{live.url}/campaigns/{KEY}"

    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "sun.lihua")
    page = context.new_page()
    page.goto(f"{live.url}/campaigns")
    page.get_by_role("link", name="工资集体协商集中行动").click()
    expect(page.locator("h1")).to_have_text("工资集体协商集中行动")
    targets = page.locator("section[aria-labelledby='targets']")
    expect(targets).to_contain_text("5/33")
    expect(targets).to_contain_text("还差 22 家")
    expect(page.locator("#laggards")).to_contain_text("大连轴承制造有限公司")
    accessible(page, "campaign-dashboard")
    context.close()

    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "wang.li")
    page = context.new_page()
    page.goto(f"{live.url}/campaigns/{KEY}/units/dl-bearing")
    accessible(page, "campaign-unit-report")
    report = page.locator(f"form[action='/campaigns/{KEY}/units/dl-bearing/reports']")
    report.get_by_label("填报期").select_option("2026H2")
    report.get_by_label("是", exact=True).check()
    report.get_by_label("佐证材料说明").fill("2026年工资专项集体合同已签订并备案")
    report.get_by_label("佐证材料文件名").fill("工资专项集体合同-2026.pdf")
    report.get_by_role("button", name="提交填报").click()
    expect(page.get_by_role("status")).to_contain_text("填报已提交")
    expect(page.locator("#reports ~ div")).to_contain_text("待审核")
    context.close()

    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "chen.jing")
    page = context.new_page()
    page.goto(f"{live.url}/campaigns/reviews")
    expect(
        page.get_by_role("heading", name="大连轴承制造有限公司 · 签订工资专项集体合同")
    ).to_be_visible()
    expect(page.get_by_text("工资专项集体合同-2026.pdf")).to_be_visible()
    accessible(page, "campaign-reviews")
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_role("status")).to_contain_text("审核通过")
    expect(page.get_by_text("没有待审核的填报")).to_be_visible()
    page.goto(dashboard)
    expect(page.locator("section[aria-labelledby='targets']")).to_contain_text("6/33")
    expect(page.locator("section[aria-labelledby='targets']")).to_contain_text("还差 21 家")
    context.close()
