"""The award part of ``unionflow demo``: a 劳动模范 round, "two reviews, three public
notices", on the time-skipping server — the unit's congress approving its nominees, places
used up, a proportion breach caught at the first review, a negative clearance, an upheld
and a dismissed objection, the committee's secret election and the exported lists."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from temporalio.testing import WorkflowEnvironment

from application.award_exports import as_pdf, as_xlsx, award_list
from bootstrap import App
from demo_congress import CHAIR, CongressDemo, roster_ids
from domain.actors import CHINA_TZ
from domain.award import checks
from domain.award.commands import (
    FileObjection,
    GiveClearance,
    OpenRound,
    PostUnitNotice,
    RecordCongressApproval,
    RecordJointAgreement,
    ResolveObjection,
    ReviewNomination,
    Submit,
)
from domain.award.values import NOMINATION_STAGE_LABELS, Nominee
from domain.congress import Body
from domain.errors import DomainError
from domain.poll import ItemKind
from domain.session import AgendaItem
from i18n import Lang, pick
from services.awards import AwardFacade


def SEP() -> str:
    return pick(("：", ": "))


FEDERATION = "sun.lihua"  # the city federation's award office (examples/directory.yaml)
REVIEWER, CITY_REVIEWER = "chen.jing", "li.wei"
DEPARTMENTS = {"discipline": "jw.dept", "market": "market.dept", "tax": "tax.dept",
               "hr": "hrss.dept", "emergency": "emergency.dept", "environment": "env.dept",
               "audit": "audit.dept"}  # fmt: skip
PEOPLE = [  # person, name, gender, post, category
    ("210211198001011234", "张秀英", "female", "装配车间班组长", "industrial_worker"),
    ("210211197505052345", "李建国", "male", "总经理", "enterprise_head"),
    ("210211198808083456", "王海", "male", "数控技师", "frontline_technician"),
    ("210211199009094567", "陈芳", "female", "质检员", "industrial_worker"),
]


class AwardDemo:
    """One scripted round; every step goes through the facade like a real user's."""

    def __init__(self, app: App, env: WorkflowEnvironment, console: Console, task_queue: str,
                 congress: CongressDemo, suffix: str) -> None:  # fmt: skip
        self.app, self.env, self.console, self.congress = app, env, console, congress
        self.task_queue = task_queue
        self.awards = AwardFacade(env.client, app.awards, app.directory, app.settings, task_queue,
                                  clock=env.get_current_time)  # fmt: skip
        self.round_key = f"model-{suffix}"

    async def today(self) -> date:
        d: date = (await self.env.get_current_time()).astimezone(CHINA_TZ).date()
        return d

    def say(self, when: Any, text: str) -> None:
        self.console.print(f"[dim]{when}[/]  {text}")

    async def until(self, day: date, why: tuple[str, str]) -> None:
        self.console.print(f"[yellow]   …… {pick(why)}[/]")
        await self.env.sleep(timedelta(days=max((day - await self.today()).days, 0) + 1, hours=1))
        await asyncio.sleep(0.2)  # the sweep's activities finish

    async def run(self) -> str:
        c = self.console
        c.rule(pick(("劳动模范评选演示（两审三公示）", "Labour-model selection demo")))
        d = await self.today()
        opened = await self.awards.open_round(FEDERATION, OpenRound(
            round_key=self.round_key, title=f"{d.year}年大连市劳动模范评选",
            definition="dalian-labour-model", nominations_close=d + timedelta(days=45),
            departments=DEPARTMENTS))  # fmt: skip
        closes = pick(("推荐截止", "nominations close"))
        self.say(d, f"{opened.title}{SEP()}{closes} {opened.nominations_close}")
        unit = self.app.awards.facts.unit("dl-garment", d)
        for bar in checks.disqualifications(opened.definition, unit, d):
            no = pick(("不能推荐", "may not nominate"))
            self.say(d, f"[red]✗[/] {unit.unit_name} {no}{SEP()}{pick((bar.why_zh, bar.why_en))}")
        polls = await self._unit_congress([name for _, name, *_ in PEOPLE])
        keys = [
            await self._nominate(person, poll) for person, poll in zip(PEOPLE, polls, strict=True)
        ]
        ends = self.awards.nomination(keys[0]).notices[0].ends
        self.say(
            await self.today(),
            pick(("4 名候选人在本单位公示至 ", "4 nominees noticed at the unit until "))
            + str(ends),
        )
        await self.until(ends, ("单位公示期满（5个工作日）", "the unit notice runs 5 working days"))
        for key in keys[:3]:
            await self.awards.act(CHAIR, key, Submit())
        try:
            await self.awards.act(CHAIR, keys[3], Submit())
        except DomainError as e:
            self.say(await self.today(), f"[red]✗[/] {PEOPLE[3][1]}{SEP()}{e.message(Lang.code)}")
        await self._first_review_of_the_head(keys[1])
        await self.awards.act(CHAIR, keys[3], Submit())  # the place the rejection freed
        for key in (keys[0], keys[2], keys[3]):
            await self.awards.act(
                REVIEWER,
                key,
                ReviewNomination(kind="first_review", passed=True, opinion="同意推荐"),
            )
        await self.awards.act("liu.qiang", keys[3], FileObjection(
            substance="该同志质检数据存在弄虚作假", name="刘强", contact="13800000001"))  # fmt: skip
        await self.awards.act(
            REVIEWER, keys[3], ResolveObjection(no=1, upheld=True, findings="经调查，反映情况属实")
        )
        self.say(
            await self.today(),
            pick(
                (
                    "初审后公示期间收到实名异议，经调查属实",
                    "a named objection during the notice, upheld",
                )
            ),
        )
        self._stage(keys[3])
        sub_ends = self.awards.nomination(keys[0]).notices[1].ends
        await self.until(
            sub_ends,
            (
                "初审后公示期满，向七个部门征求意见",
                "the notice after the first review runs; 7 clearances asked",
            ),
        )
        for k, dept in DEPARTMENTS.items():
            await self.awards.act(dept, keys[0], GiveClearance(key=k, clear=True))
        await self.awards.act(
            "tax.dept", keys[2], GiveClearance(key="tax", clear=False, opinion="存在欠税记录")
        )
        self._stage(keys[2])
        await self.awards.act(
            CITY_REVIEWER,
            keys[0],
            ReviewNomination(kind="second_review", passed=True, opinion="同意"),
        )
        await self.until(opened.nominations_close, ("推荐截止", "nominations close"))
        r = await self.awards.start_notice(FEDERATION, self.round_key, await self.today())
        assert r.notice is not None
        started = pick(("总工会公示开始，名单摘要 ", "the federation's notice starts, list hash "))
        self.say(await self.today(), f"{started}{r.notice.list_hash[:16]}…")
        await self.awards.act(
            "dlb-d02", keys[0], FileObjection(substance="听说有人代写事迹材料", anonymous=True)
        )
        await self.awards.act(
            CITY_REVIEWER,
            keys[0],
            ResolveObjection(no=1, upheld=False, findings="经核实，事迹材料由本人撰写"),
        )
        self.say(
            await self.today(),
            pick(
                (
                    "匿名异议已登记并注明匿名，经核实不属实，予以驳回",
                    "an anonymous objection, recorded as such, is dismissed after inquiry",
                )
            ),
        )
        await self.until(r.notice.ends, ("总工会公示期满", "the federation's notice runs"))
        poll_key = await self._committee([keys[0]])
        r = await self.awards.record_committee(FEDERATION, self.round_key, poll_key)
        names = pick(("、", ", ")).join(
            self.awards.nomination(k).nominee.name for k in r.final_list
        )
        approved = pick(
            ("评审委员会无记名表决，确定名单", "the committee's secret ballot approves")
        )
        self.say(await self.today(), f"{approved}{SEP()}{names}")
        await self.awards.publish(FEDERATION, self.round_key, "大连日报", "大总工发[2027]12号")
        out = Path(self.app.settings.data_dir)
        found = award_list(self.app.awards, self.round_key, "final")
        (out / f"{self.round_key}-final.xlsx").write_bytes(as_xlsx(found))
        (out / f"{self.round_key}-final.pdf").write_bytes(as_pdf(found))
        exported = pick(("表彰名单已导出", "the list is exported"))
        self.say(
            await self.today(),
            f"{exported}{SEP()}{self.round_key}-final.xlsx{pick(('、', ', '))}{self.round_key}-final.pdf",
        )
        return self.round_key

    async def _nominate(self, person: tuple[str, ...], poll: str) -> str:
        """The unit's steps for one nominee: nominated, agreed, approved, noticed."""
        pid, name, gender, post, category = person
        # A demo run again on its own data is another year's round of other people: the
        # honours register would rightly refuse to grant the same person the title twice.
        nominee = Nominee(person=f"{pid}-{self.round_key[-6:]}", name=name, gender=gender, unit_org="dl-bearing",
                          sub_union="dl-ganjingzi", post=post, category=category,
                          deeds=f"{name}同志爱岗敬业，成绩突出。")  # fmt: skip
        key = (await self.awards.nominate(CHAIR, self.round_key, nominee)).key
        d = await self.today()
        await self.awards.act(CHAIR, key, RecordJointAgreement(record=f"{d} 党政工联席会议纪要"))
        await self.awards.act(CHAIR, key, RecordCongressApproval(poll=poll))
        await self.awards.act(CHAIR, key, PostUnitNotice(starts=d))
        return key

    async def _first_review_of_the_head(self, key: str) -> None:
        """The reviewer sees what keeping an enterprise head does to the proportions."""
        for change in self.awards.what_if(key, remove=False):
            if change.breaks:
                a = change.after
                self.say(await self.today(), pick((
                    f"初审：若同意李建国，“{a.zh}”将为 {a.count}/{a.total}（{a.share}），"
                    f"不符合 {a.bound}，初审不予通过",
                    f"first review: keeping 李建国 makes '{a.en}' {a.count}/{a.total} "
                    f"({a.share}), beyond {a.bound}: not passed")))  # fmt: skip
        await self.awards.act(REVIEWER, key, ReviewNomination(kind="first_review", passed=False,
                                                               opinion="企业负责人比例超过13%"))  # fmt: skip

    def _stage(self, key: str) -> None:
        n = self.awards.nomination(key)
        stage = pick(NOMINATION_STAGE_LABELS[n.stage])
        self.console.print(f"      {n.nominee.name}{SEP()}{stage} ({n.removed_reason})")

    async def _unit_congress(self, names: list[str]) -> list[str]:
        """The unit's congress approves each nominee in a secret poll: the poll keys."""
        d = await self.today()
        agenda = [AgendaItem(no=i, title=f"推荐{name}为劳动模范候选人", kind=ItemKind.APPROVAL)
                  for i, name in enumerate(names, 1)]  # fmt: skip
        sessions = self.congress.sessions
        view = await sessions.convene(CHAIR, self.congress.key, f"award-{self.round_key}", agenda,
                                      papers_sent_on=d, opens_on=d + timedelta(days=7))  # fmt: skip
        await self.env.sleep(timedelta(days=7))
        sid = view.session_id
        await sessions.open_session(sid, CHAIR)
        delegates = roster_ids()[:25]
        for delegate in delegates:
            await sessions.check_in(sid, delegate)
        for item in range(1, len(names) + 1):
            await sessions.open_poll(sid, CHAIR, item)
            for delegate in delegates:
                await sessions.cast(sid, item, delegate, ["yes"])
            await self.congress._wait(sid, item)
        await sessions.close_session(sid, CHAIR)
        self.say(
            await self.today(),
            pick(
                (
                    "职代会无记名表决通过 4 名候选人（赞成 25 票，全体 30 名）",
                    "the congress approves the 4 nominees (25 of 30 delegates)",
                )
            ),
        )
        return [view.poll_key(i) for i in range(1, len(names) + 1)]

    async def _committee(self, candidates: list[str]) -> str:
        """The federation's award committee meets and elects by secret ballot."""
        d = await self.today()
        terms = [
            t
            for t in self.app.congresses.congresses()
            if t.unit_org == "dl-city" and t.body is Body.COMMITTEE
        ]
        current = [t for t in terms if t.term_start <= d <= t.term_end]
        if current:
            key = current[-1].key  # an earlier demo's committee, still in office
        else:
            term_no = max((t.term_no for t in terms), default=0) + 1
            key = f"dl-city-committee-{term_no}"
            last = d.replace(year=d.year + 3) - timedelta(days=1)
            self.app.congresses.create(
                FEDERATION, key, "dl-city", term_no, d, last, body=Body.COMMITTEE
            )
            roster = Path(self.app.settings.data_dir) / "award-committee.csv"
            roster.write_text("编号,姓名,选区,类别,性别\n" + "".join(
                f"cm-{i},评审委员{i},评审委员会,专业技术人员,{'女' if i % 2 else '男'}\n" for i in range(1, 8)), encoding="utf-8")  # fmt: skip
            self.app.congresses.import_roster(FEDERATION, key, roster)
        sessions = self.congress.sessions
        item = AgendaItem(no=1, title="劳动模范评审表决", kind=ItemKind.ELECTION, candidates=candidates,
                          max_choices=len(candidates))  # fmt: skip
        view = await sessions.convene(FEDERATION, key, f"vote-{self.round_key}", [item],
                                      papers_sent_on=d - timedelta(days=7), opens_on=d)  # fmt: skip
        sid = view.session_id
        await sessions.open_session(sid, FEDERATION)
        members = [f"cm-{i}" for i in range(1, 8)]
        for m in members:
            await sessions.check_in(sid, m)
        await sessions.open_poll(sid, FEDERATION, 1)
        for m in members:
            await sessions.cast(sid, 1, m, candidates)
        await self.congress._wait(sid, 1)
        await sessions.close_session(sid, FEDERATION)
        return view.poll_key(1)
