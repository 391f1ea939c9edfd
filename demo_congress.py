"""The workers' congress part of ``unionflow demo``: a session with a secret poll, two
elections (one tied at its last seat), an appraisal and a paper-ballot item, on the
time-skipping server."""

from __future__ import annotations

import asyncio
import csv
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from temporalio.testing import WorkflowEnvironment

from bootstrap import App
from domain.actors import CHINA_TZ
from domain.motion import STAGE_LABELS as MOTION_STAGE_LABELS
from domain.motion import Decision, FileMotion, Rating
from domain.poll import ItemKind
from domain.session import AgendaItem
from domain.wage_contract import RequestAdoptionPoll
from i18n import SESSION_STATUS_LABELS, fmt, label_of, pick
from interfaces.text import Names, check_detail, poll_outcome
from services.motions import MotionService
from services.sessions import SessionService

ROOT = Path(__file__).resolve().parent
ROSTER = ROOT / "examples" / "roster.csv"
CHAIR = "wang.li"


def roster_ids() -> list[str]:
    """The delegate ids of the example roster."""
    with ROSTER.open(encoding="utf-8-sig") as f:
        return [row["编号"] for row in csv.DictReader(f)]


class CongressDemo:
    """One scripted session; every step goes through the services like a real user's."""

    def __init__(
        self, app: App, env: WorkflowEnvironment, console: Console, task_queue: str, suffix: str
    ) -> None:
        self.app = app
        self.env = env
        self.console = console
        self.sessions = SessionService(
            env.client, app.congresses, app.polls, app.settings, task_queue, env.get_current_time
        )
        self.motions = MotionService(
            env.client, app.congresses, app.settings, task_queue, clock=env.get_current_time
        )
        self.key = f"dl-bearing-demo-{suffix}"
        self.names = Names(app.directory)
        self._term_created = False
        self._wage_sessions = 0

    async def today(self) -> Any:
        return (await self.env.get_current_time()).astimezone(CHINA_TZ).date()

    def say(self, when: Any, text: str) -> None:
        self.console.print(f"[dim]{when}[/]  {text}")

    async def ensure_congress(self) -> None:
        """The unit's congress term with the example roster, once.

        Terms of one unit may not overlap nor repeat a number: run again on the same data,
        the demo skips (simulated) time to the day after the last term ends and sets up the
        next term.
        """
        if self._term_created:
            return
        self._term_created = True
        d = await self.today()
        earlier = [v for v in self.app.congresses.congresses() if v.unit_org == "dl-bearing"]
        term_no = max((v.term_no for v in earlier), default=5) + 1
        starts = max((v.term_end + timedelta(days=1) for v in earlier), default=d)
        if starts > d:
            await self.env.sleep(timedelta(days=(starts - d).days))
            d = await self.today()
        self.app.congresses.create(
            CHAIR,
            self.key,
            "dl-bearing",
            term_no,
            d,
            d.replace(year=d.year + 5) - timedelta(days=1),
        )
        report = self.app.congresses.import_roster(CHAIR, self.key, ROSTER)
        checks = pick(("；", "; ")).join(
            f"{'✓' if ch.passed else '✗'} {check_detail(ch)}" for ch in report.checks
        )
        self.say(
            d,
            fmt(
                (
                    "第{no}届职代会名册导入：代表 {n} 名 · {checks}",
                    "congress term no. {no}: roster imported, {n} delegates · {checks}",
                ),
                no=term_no,
                n=report.imported,
                checks=checks,
            ),
        )

    async def adopt_wage_draft(
        self, wage: Any, case_id: str, votes: list[str], comment: str = ""
    ) -> None:
        """The congress votes on the wage draft: a session convened with the draft on its
        agenda, the delegates in ``votes`` checked in and voting by secret ballot."""
        await self.ensure_congress()
        self._wage_sessions += 1
        d = await self.today()
        agenda = [
            AgendaItem(
                no=1,
                title="审议《工资专项集体合同（草案）》",
                kind=ItemKind.APPROVAL,
                wage_case_id=case_id,
            )
        ]
        view = await self.sessions.convene(
            CHAIR,
            self.key,
            f"wage-{self._wage_sessions}",
            agenda,
            papers_sent_on=d,
            opens_on=d + timedelta(days=7),
        )
        sid = view.session_id
        before = len(wage.view(case_id).adoption_votes)
        await wage.act(
            case_id, CHAIR, RequestAdoptionPoll(session_id=sid, item_no=1), comment=comment
        )
        days = pick(("7 天过去", "7 days pass"))
        why = pick(("会议材料提前7日送达代表", "papers reach the delegates 7 days ahead"))
        self.console.print(f"[yellow]   …… {days}{pick(('：', ': '))}{why}[/]")
        await self.env.sleep(timedelta(days=7))
        await self.sessions.open_session(sid, CHAIR)
        delegates = roster_ids()
        for delegate in delegates[: len(votes)]:
            await self.sessions.check_in(sid, delegate)
        await self.sessions.open_poll(sid, CHAIR, 1)
        for delegate, choice in zip(delegates, votes, strict=False):
            await self.sessions.cast(sid, 1, delegate, [choice])
        await self._wait(sid, 1)
        await self.sessions.close_session(sid, CHAIR)
        for _ in range(400):  # until the wage workflow itself has the vote
            status = await wage.status(case_id)
            if status is not None and status.view and len(status.view.adoption_votes) > before:
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("the congress's vote did not reach the wage contract")

    async def run(self) -> str:
        c = self.console
        c.rule(pick(("职工代表大会演示", "Workers' congress demo")))
        await self.ensure_congress()
        d = await self.today()
        delegates = roster_ids()
        agenda = [
            AgendaItem(
                no=1, title="审议《职工劳动保护专项集体合同（草案）》", kind=ItemKind.APPROVAL
            ),
            AgendaItem(
                no=2,
                title="补选职工董事",
                kind=ItemKind.ELECTION,
                candidates=["dlb-d01", "dlb-d05", "dlb-d09"],
            ),
            AgendaItem(no=3, title="民主评议企业经营管理人员", kind=ItemKind.APPRAISAL),
            AgendaItem(no=4, title="审议职工福利基金使用方案（纸质选票）", kind=ItemKind.APPROVAL),
            AgendaItem(
                no=5,
                title="选举提案工作委员会委员（两名）",
                kind=ItemKind.ELECTION,
                candidates=["dlb-d03", "dlb-d07", "dlb-d11"],
                max_choices=2,
            ),
        ]
        view = await self.sessions.convene(
            CHAIR, self.key, "2026-1", agenda, papers_sent_on=d, opens_on=d + timedelta(days=7)
        )
        sid = view.session_id
        self.say(
            d,
            fmt(
                (
                    "发出会议通知并送达会议材料；开会日期 {d}（材料提前7日送达）",
                    "convened, papers sent; opens on {d} (papers 7 days ahead)",
                ),
                d=view.opens_on,
            ),
        )
        motion_id = await self._file_motion(view.opens_on)
        c.print(f"[yellow]   …… {pick(('7 天过去', '7 days pass'))}[/]")
        await self.env.sleep(timedelta(days=7))
        d = await self.today()
        await self.sessions.open_session(sid, CHAIR)
        present = delegates[:27]
        for delegate in present:
            await self.sessions.check_in(sid, delegate)
        self.say(
            d,
            fmt(
                (
                    "开幕：全体代表 {total} 名，签到 {n} 名（法定人数：三分之二以上）",
                    "opened: {n} of {total} delegates checked in (quorum: two thirds)",
                ),
                n=len(present),
                total=len(delegates),
            ),
        )

        # 1. Secret yes/no: closes by itself once every checked-in delegate has voted.
        await self.sessions.open_poll(sid, CHAIR, 1)
        receipts: list[str] = []
        for i, delegate in enumerate(present):
            result = await self.sessions.cast(
                sid, 1, delegate, ["yes" if i < 22 else ("no" if i < 25 else "abstain")]
            )
            assert result.receipt is not None  # a secret poll gives every voter a receipt
            receipts.append(result.receipt)
        await self._wait(sid, 1)
        counted = self.sessions.verify_receipt(sid, 1, receipts[0]).counted
        self.say(
            d,
            pick(
                (
                    "议题1 无记名表决，全部签到代表投票后自动结束",
                    "item 1, secret ballot, closed itself once every delegate present had voted",
                )
            )
            + f" · {self._outcome(sid, 1)}",
        )
        found = pick(("已计入", "counted") if counted else ("未找到", "not found"))
        self.say(
            d,
            "   "
            + fmt(
                ("代表凭回执码 {r} 核验 → {found}", "a delegate checks receipt {r} → {found}"),
                r=receipts[0],
                found=found,
            ),
        )

        # 2. and 5. Elections and 3. an appraisal, closed by the chair. Item 5 fills two
        # seats; the second is tied (16 votes each), so it stays vacant for another ballot.
        for item in (2, 3, 5):
            await self.sessions.open_poll(sid, CHAIR, item)
        second = [["dlb-d03", "dlb-d07"]] * 9 + [["dlb-d03", "dlb-d11"]] * 9
        for i, delegate in enumerate(present[:25]):
            await self.sessions.cast(sid, 2, delegate, ["dlb-d05" if i < 18 else "dlb-d09"])
            rating = "satisfied" if i % 3 else ("basically_satisfied" if i % 2 else "dissatisfied")
            await self.sessions.cast(sid, 3, delegate, [rating])
            choices = second[i] if i < len(second) else ["dlb-d07", "dlb-d11"]
            await self.sessions.cast(sid, 5, delegate, choices)
        for item in (2, 3, 5):
            await self.sessions.close_poll(sid, CHAIR, item)
        for item in (2, 3, 5):
            await self._wait(sid, item)
        self.say(d, f"{pick(('议题2 民主选举', 'item 2, election'))} · {self._outcome(sid, 2)}")
        self.say(d, f"{pick(('议题3 民主评议', 'item 3, appraisal'))} · {self._outcome(sid, 3)}")
        self.say(d, f"{pick(('议题5 民主选举', 'item 5, election'))} · {self._outcome(sid, 5)}")

        # 4. Paper ballots, counted by two tellers who must agree.
        tellers = [delegates[28], delegates[29]]
        await self.sessions.open_poll(sid, CHAIR, 4, paper=True, tellers=tellers)
        await self.sessions.close_poll(sid, CHAIR, 4)
        await self.sessions.enter_paper_count(
            sid, 4, tellers[0], {"yes": 21, "no": 4, "abstain": 2}, 27
        )
        mismatch = await self.sessions.enter_paper_count(
            sid, 4, tellers[1], {"yes": 20, "no": 5, "abstain": 2}, 27
        )
        if mismatch.paper_mismatch:
            disagree = (
                "议题4 纸质选票：监票人与计票人结果不一致，提示主持人复核",
                "item 4, paper ballots: the tellers disagree; the chair is told to have them recount",
            )
            self.say(d, f"[magenta]{pick(disagree)}[/]")
        await self.sessions.enter_paper_count(
            sid, 4, tellers[1], {"yes": 21, "no": 4, "abstain": 2}, 27
        )
        await self._wait(sid, 4)
        self.say(
            d,
            f"{pick(('议题4 复核一致后计票', 'item 4, counted once both agree'))} · {self._outcome(sid, 4)}",
        )

        await self.sessions.close_session(sid, CHAIR)
        view = await self.sessions.publish_results(sid, CHAIR)
        self.say(
            d,
            fmt(
                (
                    "闭幕并公布结果；报告上级工会期限 {d}",
                    "closed, results published; report due {d}",
                ),
                d=view.report_due,
            ),
        )
        c.print(f"[yellow]   …… {pick(('3 天过去', '3 days pass'))}[/]")
        await self.env.sleep(timedelta(days=3))
        view = await self.sessions.report(sid, CHAIR)
        self.say(
            await self.today(),
            fmt(
                ("会议状态：{s}", "session: {s}"),
                s=label_of(SESSION_STATUS_LABELS, view.status.value),
            ),
        )
        status = await self.sessions.status(sid)
        self.say(
            await self.today(),
            fmt(
                ("会议工作流历史共 {n} 个事件", "the session's workflow history holds {n} events"),
                n=status.history_length,
            ),
        )
        await self._handle_motion(motion_id)
        return sid

    async def _file_motion(self, session_on: Any) -> str:
        """A delegate files a motion before the session; two others second it."""
        d = await self.today()
        call = await self.motions.open_call(CHAIR, self.key, session_on)
        self.say(
            d, fmt(("征集提案，截至 {d}", "call for motions open until {d}"), d=call.closes_on)
        )
        motion = await self.motions.file(
            "liu.qiang",
            self.key,
            FileMotion(
                title="关于改善一车间夏季防暑降温条件的提案",
                reasons="一车间夏季室温超过35℃，现有降温设施不足",
                proposal="增设工业冷风机并调整高温时段作息",
            ),
        )
        for seconder in ("dlb-d01", "dlb-d02"):
            await self.motions.second(motion.motion_id, seconder)
        self.say(
            d,
            fmt(
                ("{who}提出提案 {id}，{s}附议", "{who} filed motion {id}, seconded by {s}"),
                who=self.names.person("liu.qiang"),
                id=motion.motion_id,
                s=self.names.people(["dlb-d01", "dlb-d02"]),
            ),
        )
        return motion.motion_id

    async def _handle_motion(self, motion_id: str) -> None:
        """The committee files it, a department answers, the proposer rates the answer."""
        d = await self.today()
        await self._wait_motion(motion_id)
        await self.motions.decide(motion_id, CHAIR, Decision.FILE, "符合提案条件，予以立案")
        view = await self.motions.assign(motion_id, CHAIR, "safety.dept", ["admin.dept"])
        self.say(
            d,
            fmt(
                (
                    "提案委员会立案，交{lead}承办；答复期限 {d}",
                    "filed by the committee and assigned to {lead}; answer due {d}",
                ),
                lead=self.names.person("safety.dept"),
                d=view.due,
            ),
        )
        self.console.print(f"[yellow]   …… {pick(('20 天过去', '20 days pass'))}[/]")
        await self.env.sleep(timedelta(days=20))
        d = await self.today()
        await self.motions.answer(
            motion_id, "safety.dept", "已采购12台工业冷风机，6月1日前安装到位，高温时段延长午休"
        )
        view = await self.motions.rate(
            motion_id, "liu.qiang", Rating.SATISFIED, "措施具体，按期落实"
        )
        self.say(
            d,
            pick(("承办部门书面答复，提案人评价“满意”", "answered in writing, rated satisfied"))
            + f" → {pick(MOTION_STAGE_LABELS[view.stage])}",
        )

    async def _wait_motion(self, motion_id: str) -> None:
        for _ in range(400):
            if self.motions.view(motion_id).stage.value != "seconding":
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("the seconding window did not close")

    def _outcome(self, sid: str, item_no: int) -> str:
        """The item's result as the minutes write it, read from its poll."""
        poll = self.app.polls.poll(self.sessions.view(sid).poll_key(item_no))
        return poll_outcome(poll, self.names) or "…"

    async def _wait(self, sid: str, item_no: int) -> None:
        """Until the item's outcome is in the ledger and the session workflow has seen it
        (the chair's next step is validated against the workflow's own state)."""
        for _ in range(400):
            if any(o.item_no == item_no for o in self.sessions.view(sid).outcomes):
                polls = (await self.sessions.status(sid)).polls
                if any(p.item_no == item_no and p.stage == "tallied" for p in polls):
                    return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"item {item_no} was not tallied in time")
