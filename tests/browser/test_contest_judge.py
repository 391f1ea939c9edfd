"""A contest judge in Chromium: a judge of the city federation opens the 安康杯 round from
the contests list, finds the entries assigned to them (not the one of their own unit),
fills the scoring table and submits the sheet, after an entrant's cadre self-assessed in
the page; the organiser's dashboard counts it. axe on
the judge's list, the scoring form, the entrant's self-assessment, the organiser's
dashboard and the public ranking, each saved as a screenshot (copied to
docs/screenshots/contest-*.png)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Browser, expect

from application.contests import OpenContestRound, Registration
from domain.contest.values import SheetStatus
from tests.browser.conftest import SCREENSHOTS, LiveStack, accessible, sign_in
from tests.contest.support import directory_with_judges, full
from tests.contest.test_contest_service import ANKANG, POOL

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
RK = "ankang-browser"


def _registered(tmp_path: Path):
    async def make(app, _env):
        app.directory.load(
            app.directory.parse(directory_with_judges(tmp_path)), operator="ops.admin"
        )
        s = app.contests
        c = OpenContestRound(
            round_key=RK, title="2027年大连市“安康杯”竞赛", definition="ankang-cup", stage="review",
            year=2027, registration_closes=date.today() + timedelta(days=30),
        )  # fmt: skip
        s.open_round("sun.lihua", c)
        for cadre, unit, share in (("wang.li", "dl-bearing", 0.92), ("he.jun", "dl-seed", 0.9)):
            s.register(cadre, RK, Registration(entrant=unit, category="enterprise"))
            s.self_assess(cadre, f"{RK}:{unit}", full(ANKANG, share))
        s.register("zhao.min", RK, Registration(entrant="dl-garment", category="enterprise"))

    return make


async def _judging(app, _env):
    s = app.contests
    s.close_registration("sun.lihua", RK)
    s.start_judging("sun.lihua", RK)
    s.assign_pool("sun.lihua", RK, POOL)
    return s.entry(f"{RK}:dl-bearing"), s.entry(f"{RK}:dl-seed")


def _ranked(bearing, seed, judge: str):
    async def make(app, _env):
        s = app.contests
        for e, share in ((bearing, 0.95), (seed, 0.9)):
            for j in e.judges:
                if j != judge or e is seed:
                    s.score(j, e.key, full(ANKANG, share, innovation=2))
        s.rank("sun.lihua", RK)

    return make


def test_a_judge_scores_an_entry_and_the_organiser_sees_it(
    live: LiveStack, browser: Browser, tmp_path: Path
):
    live.run(_registered(tmp_path))
    # The garment works' cadre self-assesses in the page: under 80% in one section.
    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "zhao.min")
    page = context.new_page()
    page.goto(f"{live.url}/contests/{RK}")
    page.get_by_role("link", name="对照评分表自评").click()
    expect(page.locator("h1")).to_contain_text("对照评分表自评")
    for key, points in full(ANKANG, 0.95, teams=4).items():
        page.locator(f"#mark-{key}").fill(str(points))
    page.get_by_role("button", name="提交自评").click()
    expect(page.get_by_role("status")).to_contain_text("自评已记录")
    expect(page.get_by_text("未达参评条件").first).to_be_visible()
    accessible(page, "contest-self-assessment")
    context.close()

    bearing, seed = live.run(_judging)
    judge = next(j for j in bearing.judges if j in seed.judges and j != "judge.bearing")

    context = browser.new_context(**DESKTOP)
    sign_in(context, live, judge)
    page = context.new_page()
    page.goto(f"{live.url}/contests")
    page.get_by_role("link", name="2027年大连市“安康杯”竞赛").click()
    page.get_by_role("link", name="我的评审对象（评分）").click()
    expect(page.locator("h1")).to_contain_text("我的评审对象")
    expect(page.get_by_role("link", name=bearing.code)).to_be_visible()
    accessible(page, "contest-judge-list")
    page.get_by_role("link", name=bearing.code).click()
    expect(page.locator("h1")).to_contain_text("大连轴承制造有限公司工会")
    for key, points in full(ANKANG, 0.9, innovation=2).items():
        page.locator(f"#mark-{key}").fill(str(points))
    accessible(page, "contest-sheet")
    page.get_by_role("button", name="提交评分表").click()
    expect(page.get_by_role("status")).to_contain_text("评分表已提交")
    expect(page.get_by_text("已评分")).to_be_visible()
    sheet = live.app.contests.sheet(bearing.key, judge)
    assert sheet is not None and sheet.status is SheetStatus.SUBMITTED
    context.close()

    # judge.bearing belongs to the bearing works: its entry is not theirs to see.
    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "judge.bearing")
    page = context.new_page()
    page.goto(f"{live.url}/contests/{RK}/judge")
    expect(page.get_by_role("link", name=seed.code)).to_be_visible()
    expect(page.get_by_role("link", name=bearing.code)).to_have_count(0)
    context.close()

    live.run(_ranked(bearing, seed, judge))
    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "sun.lihua")
    page = context.new_page()
    page.goto(f"{live.url}/contests/{RK}")
    expect(page.get_by_role("heading", name="排名及其输入")).to_be_visible()
    expect(page.get_by_role("link", name="排名公示（PDF）").first).to_be_visible()
    accessible(page, "contest-round")
    page.goto(f"{live.url}/contests/{RK}/ranking")
    expect(page.get_by_text("优胜企业").first).to_be_visible()
    accessible(page, "contest-ranking")
    context.close()
    # The chart of the scores per section, as the ranking page offers it (for the README).
    with live.api("sun.hao") as api:
        chart = api.get(f"/contests/{RK}/files/sections.png")
    assert chart.status_code == 200 and chart.content[:8] == b"\x89PNG\r\n\x1a\n"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "contest-sections.png").write_bytes(chart.content)
