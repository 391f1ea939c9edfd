"""An objection to a contest ranking in Chromium: while the ranking's notice (公示) runs, a
signed-in member opens the public ranking, chooses an entry, writes the facts with a real
name and a contact and files the objection; the ranking shows it as named without the
objector's name; the organiser sees the name and contact and upholds it with findings,
and the entry leaves the places. axe on the ranking with the objection form, and on the
organiser's view with the finding form, each saved as a screenshot
(``contest-objection.png``, ``contest-objection-finding.png``)."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Browser, expect

from application.contest_notice import ContestNotices
from application.contests import OpenContestRound, Registration
from domain.objections import ObjectionStatus
from tests.browser.conftest import LiveStack, accessible, sign_in
from tests.contest.support import directory_with_judges, full
from tests.contest.test_contest_service import ANKANG, POOL

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
RK = "ankang-objection"


def _in_notice(tmp_path):
    async def make(app, _env):
        app.directory.load(
            app.directory.parse(directory_with_judges(tmp_path)), operator="ops.admin"
        )
        s = app.contests
        c = OpenContestRound(
            round_key=RK, title="2027年大连市“安康杯”竞赛（公示）", definition="ankang-cup",
            stage="review", year=2027, registration_closes=date.today() + timedelta(days=30),
        )  # fmt: skip
        s.open_round("sun.lihua", c)
        for cadre, unit in (("wang.li", "dl-bearing"), ("he.jun", "dl-seed")):
            s.register(cadre, RK, Registration(entrant=unit, category="enterprise"))
            s.self_assess(cadre, f"{RK}:{unit}", full(ANKANG, 0.92))
        s.close_registration("sun.lihua", RK)
        s.start_judging("sun.lihua", RK)
        s.assign_pool("sun.lihua", RK, POOL)
        for unit, share in (("dl-bearing", 0.97), ("dl-seed", 0.96)):
            for j in s.entry(f"{RK}:{unit}").judges:
                s.score(j, f"{RK}:{unit}", full(ANKANG, share))
        s.rank("sun.lihua", RK)
        ContestNotices(s, app.calendar).post("sun.lihua", RK)

    return make


def test_a_member_objects_to_an_entry_and_the_organiser_upholds_it(
    live: LiveStack, browser: Browser, tmp_path
):
    live.run(_in_notice(tmp_path))
    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "sun.hao")
    page = context.new_page()
    page.goto(f"{live.url}/contests/{RK}/ranking")
    expect(page.get_by_role("heading", name="提出异议")).to_be_visible()
    page.get_by_label("对哪个参评对象").select_option(f"{RK}:dl-bearing")
    page.get_by_label("反映的问题（具体事实）").fill("去年瞒报一起工伤事故")
    page.get_by_label("真实姓名", exact=True).fill("孙浩")
    page.get_by_label("联系方式", exact=True).fill("13900000000")
    accessible(page, "contest-objection")
    page.get_by_role("button", name="提交异议").click()
    expect(page.get_by_role("status")).to_contain_text("异议已登记")
    objections = page.get_by_role("table", name="异议")
    expect(objections).to_contain_text("去年瞒报一起工伤事故")
    expect(objections).to_contain_text("实名")
    expect(objections).not_to_contain_text("13900000000")  # the organiser's to see
    context.close()
    filed = live.app.contests.round(RK).objections
    assert [(o.entry, o.name, o.contact, o.anonymous) for o in filed] == [
        (f"{RK}:dl-bearing", "孙浩", "13900000000", False)
    ]

    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "sun.lihua")
    page = context.new_page()
    page.goto(f"{live.url}/contests/{RK}/ranking")
    expect(page.get_by_role("table", name="异议")).to_contain_text("孙浩（13900000000）")
    page.get_by_label("调查结论和理由").fill("经调查属实")
    page.get_by_label("成立（移出排名和奖项，重算排名）").check()
    accessible(page, "contest-objection-finding")
    page.get_by_role("button", name="记录处理结论").click()
    expect(page.get_by_role("status")).to_contain_text("异议已处理")
    context.close()
    r = live.app.contests.round(RK)
    assert r.objections[0].status is ObjectionStatus.UPHELD
    assert r.removed == {f"{RK}:dl-bearing": "经调查属实"}
    assert r.ranking is not None
    assert next(x for x in r.ranking.rows if x.entrant == "dl-seed").rank == 1
