"""The workers' congress part of ``unionflow demo``: a session with a secret poll, an
election, an appraisal and a paper-ballot item, on the time-skipping server."""

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
from domain.motion import Decision, FileMotion, Rating
from domain.poll import ItemKind
from domain.session import AgendaItem
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

    async def today(self) -> Any:
        return (await self.env.get_current_time()).astimezone(CHINA_TZ).date()

    def say(self, when: Any, text: str) -> None:
        self.console.print(f"[dim]{when}[/]  {text}")

    async def run(self) -> str:
        c = self.console
        c.rule("职工代表大会演示 / workers' congress demo")
        d = await self.today()
        self.app.congresses.create(
            CHAIR, self.key, "dl-bearing", 6, d, d.replace(year=d.year + 5) - timedelta(days=1)
        )
        report = self.app.congresses.import_roster(CHAIR, self.key, ROSTER)
        checks = ", ".join(f"{ch.code}={'✓' if ch.passed else '✗'}" for ch in report.checks)
        self.say(
            d,
            f"第六届职代会名册导入 roster imported: {report.imported} 名代表 delegates · {checks}",
        )
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
        ]
        view = await self.sessions.convene(
            CHAIR, self.key, "2026-1", agenda, papers_sent_on=d, opens_on=d + timedelta(days=7)
        )
        sid = view.session_id
        self.say(
            d, f"召开通知并送达会议材料 convened; 开会日期 opens {view.opens_on}（材料提前7日送达）"
        )
        motion_id = await self._file_motion(view.opens_on)
        c.print("[yellow]   …… 7 天过去 / 7 days pass[/]")
        await self.env.sleep(timedelta(days=7))
        d = await self.today()
        await self.sessions.open_session(sid, CHAIR)
        present = delegates[:27]
        for delegate in present:
            await self.sessions.check_in(sid, delegate)
        self.say(
            d,
            f"开幕，{len(present)}/{len(delegates)} 名代表签到 opened, checked in (法定人数 quorum ≥2/3)",
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
        counted = self.sessions.verify_receipt(sid, 1, receipts[0])
        self.say(d, f"议题1 无记名表决，全部签到代表投票后自动结束 · {self._outcome(sid, 1)}")
        self.say(
            d,
            f"   代表凭回执码核验 receipt {receipts[0]} → {'已计入 counted' if counted else '未找到 not found'}",
        )

        # 2. Election and 3. appraisal, closed by the chair.
        await self.sessions.open_poll(sid, CHAIR, 2)
        await self.sessions.open_poll(sid, CHAIR, 3)
        for i, delegate in enumerate(present[:25]):
            await self.sessions.cast(sid, 2, delegate, ["dlb-d05" if i < 18 else "dlb-d09"])
            rating = "satisfied" if i % 3 else ("basically_satisfied" if i % 2 else "dissatisfied")
            await self.sessions.cast(sid, 3, delegate, [rating])
        await self.sessions.close_poll(sid, CHAIR, 2)
        await self.sessions.close_poll(sid, CHAIR, 3)
        await self._wait(sid, 2)  # each tally is its own activity: wait for both
        await self._wait(sid, 3)
        self.say(d, f"议题2 民主选举 election · {self._outcome(sid, 2)}")
        self.say(d, f"议题3 民主评议 appraisal · {self._outcome(sid, 3)}")

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
            self.say(
                d,
                "[magenta]议题4 纸质选票：监票人与计票人结果不一致，提示主持人复核 tellers disagree: shown to the chair[/]",
            )
        await self.sessions.enter_paper_count(
            sid, 4, tellers[1], {"yes": 21, "no": 4, "abstain": 2}, 27
        )
        await self._wait(sid, 4)
        self.say(d, f"议题4 复核一致后计票 counts agree · {self._outcome(sid, 4)}")

        await self.sessions.close_session(sid, CHAIR)
        view = await self.sessions.publish_results(sid, CHAIR)
        self.say(
            d,
            f"闭幕并公布结果 closed, results published; 报上级工会期限 report due {view.report_due}",
        )
        c.print("[yellow]   …… 3 天过去 / 3 days pass[/]")
        await self.env.sleep(timedelta(days=3))
        view = await self.sessions.report(sid, CHAIR)
        self.say(
            await self.today(), f"报告上级工会 reported to the higher union ({view.status.value})"
        )
        status = await self.sessions.status(sid)
        self.say(
            await self.today(),
            f"会议工作流历史 {status.history_length} 个事件 session history events",
        )
        await self._handle_motion(motion_id)
        return sid

    async def _file_motion(self, session_on: Any) -> str:
        """A delegate files a motion before the session; two others second it."""
        d = await self.today()
        call = await self.motions.open_call(CHAIR, self.key, session_on)
        self.say(d, f"征集提案 call for motions open until {call.closes_on}")
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
        self.say(d, f"刘强提出提案 motion {motion.motion_id}，2名代表附议 seconded by 2 delegates")
        return motion.motion_id

    async def _handle_motion(self, motion_id: str) -> None:
        """The committee files it, a department answers, the proposer rates the answer."""
        d = await self.today()
        await self._wait_motion(motion_id)
        await self.motions.decide(motion_id, CHAIR, Decision.FILE, "符合提案条件，予以立案")
        view = await self.motions.assign(motion_id, CHAIR, "safety.dept", ["admin.dept"])
        self.say(
            d,
            f"提案委员会立案并交安全环保部承办 filed and assigned; 答复期限 due {view.due}",
        )
        self.console.print("[yellow]   …… 20 天过去 / 20 days pass[/]")
        await self.env.sleep(timedelta(days=20))
        d = await self.today()
        await self.motions.answer(
            motion_id, "safety.dept", "已采购12台工业冷风机，6月1日前安装到位，高温时段延长午休"
        )
        view = await self.motions.rate(
            motion_id, "liu.qiang", Rating.SATISFIED, "措施具体，按期落实"
        )
        self.say(
            d, f"承办部门书面答复，提案人评价“满意” answered, rated satisfied → {view.stage.value}"
        )

    async def _wait_motion(self, motion_id: str) -> None:
        for _ in range(400):
            if self.motions.view(motion_id).stage.value != "seconding":
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("the seconding window did not close")

    def _outcome(self, sid: str, item_no: int) -> str:
        for outcome in self.sessions.view(sid).outcomes:
            if outcome.item_no == item_no:
                return outcome.summary
        return "…"

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
