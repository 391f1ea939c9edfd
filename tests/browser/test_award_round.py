"""A selection round in Chromium: the sub-union's reviewer reads the what-if of the
proportions and passes the first review; a worker files an anonymous objection on the
public notice page and the reviewer dismisses it with findings; the department's
clearance form. axe on the dashboard, nominee, notice, objection and clearance pages, each
saved as a screenshot (copied to docs/screenshots/award-*.png)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser, expect

from domain.award.commands import (
    OpenRound,
    PostUnitNotice,
    RecordCongressApproval,
    RecordJointAgreement,
    Submit,
)
from domain.award.values import NominationStage
from tests.award.workflow.test_award_round import DEPARTMENTS, POLL, team, today
from tests.browser.conftest import LiveStack, accessible, sign_in

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
RK = "pioneer-browser"


async def _submitted(app, env) -> list[str]:
    """A 工人先锋号 round with two of dl-bearing's nominations submitted: a team and a
    workshop (teams and sections must be ≥70% of the list)."""
    app.awards.facts.approval_poll = lambda _key: POLL
    awards = app.facades(env.client).awards
    start = await today(env)
    c = OpenRound(round_key=RK, title="2027年大连市工人先锋号评选", definition="workers-pioneer",
                  nominations_close=start + timedelta(days=60), departments=DEPARTMENTS)  # fmt: skip
    await awards.open_round("sun.lihua", c)
    keys = []
    for n, category in ((1, "team"), (2, "workshop")):
        nominee = team(n).model_copy(update={"category": category})
        key = (await awards.nominate("wang.li", RK, nominee)).key
        await awards.act("wang.li", key, RecordJointAgreement(record="联席会议纪要"))
        await awards.act("wang.li", key, RecordCongressApproval(poll=POLL.poll))
        await awards.act("wang.li", key, PostUnitNotice(starts=start))
        keys.append(key)
    # The engine's daily sweep, a fortnight on: the unit notices have run their days.
    app.awards.sweep(RK, datetime.now(UTC) + timedelta(days=14))
    for key in keys:
        await awards.act("wang.li", key, Submit())
    return keys


def test_a_reviewer_reads_the_what_if_and_passes_and_an_objection_is_dismissed(
    live: LiveStack, browser: Browser
):
    team_key, _workshop = live.run(_submitted)
    nominee_url = f"{live.url}/awards/nominations/{team_key}"

    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "chen.jing")
    page = context.new_page()
    page.goto(f"{live.url}/inbox")
    page.locator(f"a[href='/awards/nominations/{team_key}#steps']").click()
    expect(page.locator("h1")).to_have_text("装配1班")
    what_if = page.locator("#what-if")
    expect(what_if).to_contain_text("班组和科室")
    expect(what_if.get_by_role("cell", name="1/2 50.0%").first).to_be_visible()
    accessible(page, "award-nominee-review")
    review = page.locator(f"form[action='/awards/nominations/{team_key}/steps/first_review']")
    review.get_by_label("通过", exact=True).check()
    review.get_by_label("审查意见与理由").fill("事迹属实，同意推荐")
    review.get_by_role("button", name="初审").click()
    expect(page.get_by_role("status")).to_contain_text("初审")
    expect(page.get_by_text("初审后公示").first).to_be_visible()
    page.goto(f"{live.url}/awards/{RK}")
    expect(page.get_by_text("不符合").first).to_be_visible()  # 1 team of 2: under 70%
    accessible(page, "award-round")
    context.close()

    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "liu.qiang")
    page = context.new_page()
    page.goto(f"{live.url}/awards/{RK}/notice")
    expect(page.get_by_role("heading", name="初审后公示")).to_be_visible()
    page.get_by_label("对哪位人选").select_option(team_key)
    page.get_by_label("反映的问题（具体事实）").fill("该班组去年有违章作业记录")
    page.get_by_label("匿名反映（不留姓名和联系方式）").check()
    page.get_by_role("button", name="提交异议").click()
    expect(page.get_by_role("status")).to_contain_text("异议已登记")
    accessible(page, "award-notice")
    context.close()

    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "chen.jing")
    page = context.new_page()
    page.goto(nominee_url)
    page.locator("#objections").get_by_role("link", name="调查处理").click()
    expect(page.get_by_text("匿名（已登记并注明）")).to_be_visible()
    accessible(page, "award-objection")
    page.get_by_label("不属实（驳回）").check()
    page.get_by_label("调查结论与理由").fill("经核查，违章记录已于去年整改并销号")
    page.get_by_role("button", name="提交处理结论").click()
    expect(page.get_by_role("status")).to_contain_text("调查处理异议")
    expect(page.locator("#objections")).to_contain_text("不属实")
    context.close()

    # The notice ends with no objection open: the departments are asked.
    live.run(_sweep_later)
    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "market.dept")
    page = context.new_page()
    page.goto(nominee_url)
    page.locator("#clearances").get_by_role("link", name="出具意见").click()
    accessible(page, "award-clearance")
    page.get_by_label("无异议").check()
    page.get_by_role("button", name="提交意见").click()
    expect(page.locator("#clearances")).to_contain_text("无异议")
    context.close()

    async def stage(app, env):
        return app.awards.nomination(team_key).stage

    assert live.run(stage) is NominationStage.CLEARANCES  # emergency's is still to come


async def _sweep_later(app, env) -> None:
    app.awards.sweep(RK, datetime.now(UTC) + timedelta(days=40))
