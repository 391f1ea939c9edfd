"""Nominating in Chromium: the unit's cadre opens the round from the dashboard's link,
fills the nominee's details and lands on the nominee's page with the unit's steps; axe on
the form, saved as a screenshot (copied to docs/screenshots/award-nominate.png)."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser, expect

from domain.award.commands import OpenRound
from tests.award.workflow.test_award_round import DEPARTMENTS, today
from tests.browser.conftest import LiveStack, accessible, sign_in

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
RK = "pioneer-nominate"


async def _opened(app, env) -> str:
    c = OpenRound(round_key=RK, title="2027年大连市工人先锋号评选", definition="workers-pioneer",
                  nominations_close=await today(env) + timedelta(days=60),
                  departments=DEPARTMENTS)  # fmt: skip
    return (await app.facades(env.client).awards.open_round("sun.lihua", c)).key


def test_the_units_cadre_nominates_from_the_dashboard(live: LiveStack, browser: Browser):
    live.run(_opened)
    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "wang.li")
    page = context.new_page()
    page.goto(f"{live.url}/awards/{RK}")
    page.get_by_role("link", name="推荐候选人").click()
    expect(page.locator("h1")).to_contain_text("推荐候选人")
    page.get_by_label("身份证号（集体填集体编号）").fill("T021")
    page.get_by_label("姓名（集体名称）").fill("精加工3班")
    page.get_by_label("职务/岗位").fill("班组")
    page.get_by_label("类别").select_option("team")
    page.get_by_label("主要事迹（摘要，将在公示中列出）").fill("全年零缺陷，节约成本40万元")
    accessible(page, "award-nominate")
    page.get_by_role("button", name="推荐", exact=True).click()
    expect(page.locator("h1")).to_have_text("精加工3班")
    expect(page.get_by_role("status")).to_contain_text("推荐候选人")
    expect(page.get_by_role("button", name="登记党政工联席会议意见")).to_be_visible()
    context.close()

    async def nominated(app, env):
        return [n.nominee.name for n in app.awards.nominations(RK)]

    assert live.run(nominated) == ["精加工3班"]
