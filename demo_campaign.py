"""The campaign part of ``unionflow demo``: a 工资集体协商集中行动 over a few hundred units
after the contest scene — the shipped wage-bargaining campaign, its timeline moved to the
simulated year; the units imported from a file (a few not unionised, left out of the rate;
a few joining late); reports with evidence reviewed by the district unions (one returned);
the bearing company's renewed wage contract counted from the ledger the day it takes
effect, with no report; weekly reminder rounds of the campaign's workflow, and the one unit
that never reports escalated to its district union after the third; the target met; the
final report and the close.

Reports and reviews go straight to the ledger through the campaign use cases, never
through the workflow; the renewal goes through the wage contract's own workflow and the
unit's congress, as in the first scene."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from temporalio.testing import WorkflowEnvironment

from application.campaign_definitions import CampaignDefinitions
from bootstrap import App
from demo_congress import CongressDemo
from domain.actors import CHINA_TZ
from domain.campaign.aggregate import Campaign
from domain.campaign.definition import CampaignDefinition
from domain.campaign.values import UnitView, campaign_ledger_id
from domain.wage_contract import (
    AppointNegotiators,
    ApproveReview,
    Clause,
    Draft,
    FileContract,
    Negotiator,
    OpenCase,
    RecordReply,
    RecordTalksRound,
    Side,
    SignContract,
    SignDraft,
    Stage,
    SubmitForReview,
    WageStandard,
)
from i18n import fmt, pick
from interfaces.text import Names
from services.campaigns import CampaignFacade
from services.wage_contracts import WageContractService

SHIPPED = "wage-bargaining-2026"
ORGANISER = "sun.lihua"  # a cadre of the city federation, which runs the campaign
ORGANISER_ORG = "dl-city"
BEARING, BEARING_CADRE = "dl-bearing", "wang.li"
# (district union, district, reviewer, reviewer's name): 甘井子 is the example directory's.
DISTRICTS = [
    ("dl-ganjingzi", "甘井子区", "chen.jing", "陈静"),
    ("dl-zhongshan", "中山区", "review.zhongshan", "郑晓梅"),
    ("dl-shahekou", "沙河口区", "review.shahekou", "吴国栋"),
]
INDUSTRIES = ["制造业", "纺织服装", "农林水利", "商贸服务"]
WORDS = "华金海星新恒远盛泰鑫宏达利通丰瑞隆德顺安"
TRADES = {"制造业": "机械", "纺织服装": "服饰", "农林水利": "农业", "商贸服务": "商贸"}
UNITS = 240  # generated units, besides the three above
LATE = 6  # generated units newly unionised that join after the first round


@dataclass(frozen=True)
class DemoUnit:
    """A unit of the demo's population file (and of the directory, with its cadre)."""

    code: str
    name: str
    district: int  # index into DISTRICTS
    industry: str
    employees: int
    unionised: bool
    cadre: str
    public: bool = False

    def row(self) -> list[Any]:
        org, district, _, _ = DISTRICTS[self.district]
        return [self.code, self.name, district, self.industry,
                "公有" if self.public else "非公有", self.employees,
                "是" if self.unionised else "否", org]  # fmt: skip


def generated_units(n: int, start: int = 1) -> list[DemoUnit]:
    """``n`` units numbered from ``start``: spread over the districts and industries; every
    tenth not unionised."""
    out = []
    for i in range(start, start + n):
        industry = INDUSTRIES[i % len(INDUSTRIES)]
        name = (f"大连{WORDS[i % len(WORDS)]}{WORDS[(i // len(WORDS)) % len(WORDS)]}"
                f"{TRADES[industry]}有限公司{i:03d}工会")  # fmt: skip
        out.append(DemoUnit(code=f"dl-u{i:03d}", name=name, district=i % len(DISTRICTS),
                            industry=industry, employees=30 + (i * 37) % 900,
                            unionised=i % 10 != 0, cadre=f"cadre.u{i:03d}",
                            public=i % 7 == 0))  # fmt: skip
    return out


# The example directory's own units (the bearing company reports nothing: its renewed wage
# contract counts from the ledger).
BEARING_UNIT = DemoUnit(BEARING, "大连轴承制造有限公司工会", 0, "制造业", 860, True, BEARING_CADRE)
REAL_UNITS = [
    DemoUnit("dl-garment", "大连华艺服装有限公司工会", 2, "纺织服装", 420, True, "zhao.min"),
    DemoUnit("dl-seed", "大连金农种业有限公司工会", 1, "农林水利", 150, True, "he.jun"),
]


def directory_file(units: list[DemoUnit], path: Path) -> Path:
    """The districts' unions and reviewers and every generated unit with its cadre."""
    orgs: list[dict[str, Any]] = [
        {"code": org, "name": f"{district}总工会", "kind": "district_union", "parent": "dl-city",
         "region": f"大连市{district}"}
        for org, district, _, _ in DISTRICTS[1:]
    ]  # fmt: skip
    actors: list[dict[str, Any]] = [
        {"id": rid, "name": rname, "org": org, "roles": ["reviewer"]}
        for org, _, rid, rname in DISTRICTS[1:]
    ]
    for u in units:
        orgs.append({"code": u.code, "name": u.name, "kind": "grassroots_union",
                     "parent": DISTRICTS[u.district][0], "employees": u.employees})  # fmt: skip
        actors.append({"id": u.cadre, "name": f"{u.name[2:4]}工会主席", "org": u.code,
                       "roles": ["cadre"]})  # fmt: skip
    path.write_text(yaml.safe_dump({"organisations": orgs, "actors": actors},
                                   allow_unicode=True), encoding="utf-8")  # fmt: skip
    return path


def units_file(units: list[DemoUnit], path: Path) -> Path:
    """The population file as a federation keeps it: CSV with Chinese headers."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["单位编号", "单位名称", "区县", "行业", "所有制", "职工人数", "是否建会", "审核单位"]
        )
        w.writerows(u.row() for u in units)
    return path


def this_years(shipped: CampaignDefinition, key: str, opens: date) -> CampaignDefinition:
    """The shipped campaign with its timeline moved to ``opens``: a week to prepare, one
    reporting period of four weeks (reminders and escalation as shipped), the final report
    the day after it is due."""
    t = shipped.timeline
    starts = opens + timedelta(days=7)
    due = starts + timedelta(days=4 * t.remind_every_days)
    final = due + timedelta(days=1)
    period = t.periods[-1].model_copy(
        update={"key": f"{opens.year}-P1", "starts": starts, "due": due}
    )
    return shipped.model_copy(update={
        "key": key, "year": opens.year,
        "title": (f"{opens.year}年{shipped.title[0]}", f"{shipped.title[1]} {opens.year}"),
        "targets": [x.model_copy(update={"by": final}) for x in shipped.targets],
        "timeline": t.model_copy(update={"periods": [period], "final_report": final}),
    })  # fmt: skip


def _draft() -> Draft:
    return Draft(
        clauses=[
            Clause(no="1", title="工资标准", text="一线生产岗位月工资标准"),
            Clause(no="2", title="工资增长", text="年度工资平均增长6%"),
            Clause(no="3", title="支付时间", text="每月10日前足额支付"),
        ],
        wage_standards=[
            WageStandard(post="装配工", monthly_yuan=Decimal("2750")),
            WageStandard(post="车工", monthly_yuan=Decimal("3500")),
        ],
        raise_pct=Decimal("6"),
        union_chief_signed=True,
        employer_chief_signed=True,
    )


NEGOTIATORS = [
    Negotiator(name="王丽", side=Side.UNION, chief=True),
    Negotiator(name="刘强", side=Side.UNION),
    Negotiator(name="张红", side=Side.UNION),
    Negotiator(name="李总", side=Side.EMPLOYER, chief=True),
    Negotiator(name="马经理", side=Side.EMPLOYER),
    Negotiator(name="高会计", side=Side.EMPLOYER),
]


class CampaignDemo:
    """One scripted campaign on the time-skipping server."""

    def __init__(self, app: App, env: WorkflowEnvironment, console: Console, task_queue: str,
                 congress: CongressDemo, suffix: str, units: int = UNITS) -> None:  # fmt: skip
        self.app, self.env, self.console, self.task_queue = app, env, console, task_queue
        self.congress = congress
        self.wage = WageContractService(env.client, app.ledger, app.directory, app.settings,
                                        task_queue)  # fmt: skip
        self.facade = CampaignFacade(env.client, app.campaigns, app.directory, app.settings,
                                     task_queue, clock=env.get_current_time)  # fmt: skip
        self.key = f"wage-bargaining-{suffix}"
        self.names = Names(app.directory)
        self.units = generated_units(units)
        self.late = generated_units(LATE, start=units + 1)
        self.period = ""  # the reporting period (set when the campaign is defined)
        self.story: dict[str, Any] = {}  # what happened, for the tests

    # -- time --------------------------------------------------------------------------

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def today(self) -> date:
        return (await self.now()).astimezone(CHINA_TZ).date()

    async def until(self, day: date, hour: int = 10) -> None:
        """Sleep (simulated) until ``hour`` o'clock, China time, of ``day``."""
        target = datetime.combine(day, time(hour), tzinfo=CHINA_TZ)
        gap = target - await self.now()
        if gap > timedelta(0):
            await self.env.sleep(gap)

    async def settle(self, done: Callable[[], bool], what: str) -> None:
        """Let the workflow's activities for a time skip finish (wall time, bounded)."""
        for _ in range(600):
            if done():
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"the campaign's workflow did not {what}")

    def say(self, when: Any, text: str) -> None:
        self.console.print(f"[dim]{when}[/]  {text}")

    # -- acting (through the campaign facade, straight to the ledger) ----------------

    async def report(self, u: DemoUnit, evidence: str = "") -> None:
        await self.facade.submit(u.cadre, self.key, u.code, indicator="wage_contract",
                                 period=self.period, value=1,
                                 evidence=evidence or f"工资专项集体合同备案回执 {u.code}")  # fmt: skip

    async def review(self, code: str, reasons: str = "") -> UnitView:
        u = self.facade.unit(self.key, code)
        reviewer = next(d[2] for d in DISTRICTS if d[0] == u.district_org)
        if reasons:
            return await self.facade.return_report(reviewer, self.key, code, indicator="wage_contract",
                                                   period=self.period, reasons=reasons)  # fmt: skip
        return await self.facade.approve(reviewer, self.key, code, indicator="wage_contract",
                                         period=self.period)  # fmt: skip

    async def reports(self, units: list[DemoUnit]) -> None:
        for u in units:
            await self.report(u)
            await self.review(u.code)

    # -- the story ---------------------------------------------------------------------

    async def run(self) -> str:
        c = self.console
        c.rule(pick(("工资集体协商集中行动演示（建制率目标、催报、上报区县工会）",
                     "Wage bargaining campaign demo (target rate, reminders, escalation)")))  # fmt: skip
        d0 = await self.today()
        here = self.app.settings.data_dir / f"campaign-{self.key}"
        here.mkdir(parents=True, exist_ok=True)
        if not self.app.directory.knows(self.units[0].cadre):
            path = directory_file(self.units + self.late, here / "directory.yaml")
            self.app.directory.load(self.app.directory.parse(path), operator="ops.admin",
                                    source=str(path))  # fmt: skip
        shipped = CampaignDefinitions().get(SHIPPED)
        d = this_years(shipped, self.key, d0)
        self.period = d.timeline.periods[0].key
        defs = self.app.settings.campaign_definition_dir
        assert defs is not None, "the demo's settings name a campaign definition directory"
        defs.mkdir(parents=True, exist_ok=True)
        (defs / f"{self.key}.yaml").write_text(
            yaml.safe_dump(d.model_dump(mode="json"), allow_unicode=True), encoding="utf-8"
        )
        await self._open(d)
        imported = await self.facade.import_units(
            ORGANISER, self.key, units_file([BEARING_UNIT, *REAL_UNITS, *self.units], here / "units.csv"))  # fmt: skip
        self.say(d0, fmt(("导入单位名单：{j} 家单位加入，其中 {o} 家尚未建会，不计入建制率",
                          "the units' list imported: {j} units join, {o} not unionised (outside the rate)"),
                         j=imported.joined, o=imported.outside_population))  # fmt: skip
        self.story["joined"] = imported.joined
        self.story["outside"] = imported.outside_population
        case = await self._renewal_opened()
        p = d.timeline.periods[0]
        # Who reports when: nearly half in the first week, past the target in the second,
        # all but one by the third; the one left is escalated after its third reminder.
        members = [*REAL_UNITS, *(u for u in self.units if u.unionised)]
        counted = len(members) + 1 + len(self.late)  # and the bearing company, and late joiners
        a, b = round(counted * 0.45), min(math.ceil(counted * 0.84), len(members) - 2)
        first, second, third, never = members[:a], members[a:b], members[b:-1], members[-1]
        self.story["never"] = never.code
        # The unit's congress adopts the renewed contract (a week: papers ahead of the session).
        await self.congress.adopt_wage_draft(self.wage, case, ["yes"] * 22 + ["no"] * 2)
        await self.wage.act(case, BEARING_CADRE, SignContract())
        await self.wage.act(case, BEARING_CADRE,
                            FileContract(copies=3, office="大连市甘井子区人力资源和社会保障局"))  # fmt: skip
        self.say(await self.today(), pick(("大连轴承：职代会通过续签合同，双方签字后报送劳动行政部门审查",
                                           "the bearing company: its congress adopts the renewal; signed and filed")))  # fmt: skip
        await self.until(p.starts)
        await self.settle(lambda: self.period in self._view().periods_opened, "open the period")
        self.say(p.starts, fmt(("填报期开始（至 {due}），系统每 {n} 天催报一次，连续 {e} 次未报的上报区县工会",
                                "the reporting period begins (due {due}); reminders every {n} days, escalation after {e}"),
                               due=p.due, n=d.timeline.remind_every_days, e=d.timeline.escalate_after))  # fmt: skip
        await self.reports(first[:-1])
        await self.report(first[-1], evidence="集体合同文本（未附备案回执）")
        why = pick(
            (
                "请上传劳动行政部门出具的备案回执",
                "please upload the labour administration's filing receipt",
            )
        )
        back = await self.review(first[-1].code, reasons=why)
        self.say(await self.today(), fmt(("{n} 家单位填报并经区县工会审核通过；{u} 的填报被退回：{r}",
                                          "{n} units report and are approved; {u} returned: {r}"),
                                         n=len(first) - 1, u=back.name,
                                         r=why))  # fmt: skip
        self._progress(await self.today())
        await self._round(p.starts + timedelta(days=7), 1)
        late = await self.facade.import_units(ORGANISER, self.key,
                                              units_file(self.late, here / "late.csv"))  # fmt: skip
        self.say(await self.today(), fmt(("新建会的 {j} 家单位补充加入集中行动（从加入之日起计入）",
                                          "{j} newly unionised units join late (counted from joining)"),
                                         j=late.joined))  # fmt: skip
        await self.report(first[-1])
        await self.review(first[-1].code)
        await self.reports(second)
        self._progress(await self.today())
        await self._round(p.starts + timedelta(days=14), 2)
        await self.reports(third)
        await self.until(p.starts + timedelta(days=20))  # the renewal's review window is over
        await self.settle(lambda: self._in_force(case), "take the renewal into effect")
        on = await self.today()
        self._counted_by_fact(on)
        self._progress(on)
        await self._round(p.starts + timedelta(days=21), 3)
        await self.reports(self.late)
        self.say(await self.today(), fmt(("补充加入的 {n} 家单位填报并审核通过",
                                          "the {n} late joiners report and are approved"),
                                         n=len(self.late)))  # fmt: skip
        await self._round(p.starts + timedelta(days=28), 4)
        await self._final(d)
        await self._close()
        return self.key

    async def _open(self, d: CampaignDefinition) -> None:
        view = await self.facade.open(self.key, ORGANISER_ORG, ORGANISER)
        t = d.targets[0]
        self.say(view.created_on, fmt(("{org}启动“{title}”：目标 {label}（截至 {by}）",
                                       "{org} opens '{title}': {label} by {by}"),
                                      org=self.names.org(ORGANISER_ORG), title=pick(view.title),
                                      label=pick(t.label), by=t.by))  # fmt: skip

    async def _renewal_opened(self) -> str:
        """The bearing company's next wage contract: offer, talks, a draft pre-reviewed."""
        d = await self.today()
        # A demo case id like the first scene's (DEMO-date-hex), the hex from this campaign.
        case = f"DEMO-{d:%Y%m%d}-{hashlib.sha256(self.key.encode()).hexdigest()[:6]}"
        await self.wage.open(BEARING_CADRE, OpenCase(
            case_id=case, unit_org=BEARING, employer="大连轴承制造有限公司", year=d.year,
            offer_place="公司三楼会议室", offer_content="就新一年度工资标准和增长幅度进行工资专项集体协商"))  # fmt: skip
        await self.wage.act(case, BEARING_CADRE, RecordReply(content="企业同意协商"))
        await self.wage.act(case, BEARING_CADRE, AppointNegotiators(negotiators=NEGOTIATORS))
        await self.wage.act(case, BEARING_CADRE, RecordTalksRound(minutes="就6%增幅达成一致"))
        await self.wage.act(case, BEARING_CADRE, SignDraft(draft=_draft()))
        await self.wage.act(case, BEARING_CADRE, SubmitForReview())
        await self.wage.act(case, "chen.jing", ApproveReview(), comment="符合要求")
        self.say(d, pick(("大连轴承制造有限公司工会发出续签要约，协商达成草案，甘井子区总工会预审通过",
                          "the bearing company's union offers to renew; a draft agreed and pre-reviewed")))  # fmt: skip
        return case

    def _in_force(self, case: str) -> bool:
        return self.wage.view(case).stage in (Stage.EFFECTIVE, Stage.PUBLISHED)

    def _view(self) -> Any:
        return self.facade.campaign(self.key)

    async def _round(self, day: date, n: int) -> None:
        await self.until(day)
        await self.settle(lambda: self._view().reminder_rounds.get(self.period, 0) >= n,
                          f"send reminder round {n}")  # fmt: skip
        sent = [e for e in self.app.ledger.stream(campaign_ledger_id(self.key))
                if isinstance(e, Campaign.RemindersSent) and e.round == n][-1]  # fmt: skip
        self.story.setdefault("rounds", []).append((sent.reminded, sent.escalated))
        line = fmt(("第 {n} 轮催报：{r} 家尚未填报的单位收到提醒", "reminder round {n}: {r} laggards reminded"),
                   n=n, r=sent.reminded)  # fmt: skip
        if sent.escalated:
            before = set(self.story.get("escalated", []))
            up = [u for u in self.facade.units(self.key)
                  if self.period in u.escalated and u.code not in before]  # fmt: skip
            self.story["escalated"] = sorted(before | {u.code for u in up})
            line += fmt(("；{u} 已连续 {e} 次未报，上报{d}", "; {u}, reminded {e} times, escalated to {d}"),
                        u=pick(("、", ", ")).join(u.name for u in up),
                        e=self._view().definition.timeline.escalate_after,
                        d=pick(("、", ", ")).join(sorted({self.names.org(u.district_org) for u in up})))  # fmt: skip
        self.say(sent.on, line)

    def _counted_by_fact(self, on: date) -> None:
        row = next(r for r in self.app.campaign_progress.rows(self.key, on) if r.code == BEARING)
        self.story["bearing_basis"] = row.basis.get("wage_contract", "")
        fact = self.app.unit_facts.facts(BEARING, on)["wage_contract_in_force"]
        self.say(on, fmt(("大连轴承的续签合同审查期满，{d} 生效：按台账事实计入，无需填报",
                          "the bearing company's renewal took effect on {d}: counted from the ledger, no report"),
                         d=fact.on))  # fmt: skip

    def _progress(self, on: date) -> None:
        report = self.facade.progress(self.key, on=on)
        for t in report.targets:
            total = t.total
            self.story.setdefault("rates", []).append(total.rate)
            gap = pick(("已达标", "target met")) if total.met else fmt(
                ("还差 {g} 家", "{g} units short"), g=total.gap)  # fmt: skip
            self.say(on, fmt(("建制率 {r:.1%}（{a}/{b}）· {gap}", "coverage {r:.1%} ({a}/{b}) · {gap}"),
                             r=total.rate, a=total.numerator, b=total.denominator, gap=gap))  # fmt: skip

    async def _final(self, d: CampaignDefinition) -> None:
        final = d.timeline.final_report
        await self.until(final)
        await self.settle(lambda: self._view().final_report is not None, "make the final report")
        report = self._view().final_report or {}
        self.story["final"] = report
        for t in report.get("targets", []):
            met = pick(("已达标", "target met")) if t["met"] else pick(("未达标", "not met"))
            self.say(final, fmt(("总结报告：建制率 {r:.1%}（{a}/{b}）· {m} · 输入摘要 {h}…",
                                 "final report: {r:.1%} ({a}/{b}) · {m} · inputs {h}…"),
                                r=t["rate"], a=t["numerator"], b=t["denominator"], m=met,
                                h=report.get("inputs_hash", "")[:16]))  # fmt: skip
        progress = self.facade.progress(self.key, on=final)
        for district, tally in sorted(progress.targets[0].by_district.items()):
            union = self.names.org(progress.districts.get(district, ""))
            self.console.print(f"      {union}{pick(('：', ': '))}{tally.rate:.1%}"
                               + fmt(("（{a}/{b}）", " ({a}/{b})"), a=tally.numerator,
                                     b=tally.denominator))  # fmt: skip

    async def _close(self) -> None:
        view = await self.facade.close(ORGANISER, self.key, comment="总结报告已报市总工会党组")
        self.story["phase"] = view.phase.value
        self.say(
            await self.today(),
            pick(("市总工会确认总结报告，集中行动结束", "the federation closes the campaign")),
        )
