"""``unionflow demo``: a wage contract from offer to renewal on the time-skipping server.

Months pass in seconds. The demo has its own data directory (``demo/`` inside the data
directory unless ``--data-dir`` names another), never the production ledger; with
``UNIONFLOW_DATA_DIR`` set to it, ``unionflow audit verify`` and ``unionflow history``
inspect the run afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from temporalio.testing import WorkflowEnvironment

from application.audit import AuditService, timeline_entry
from bootstrap import App, build_worker, start_time_skipping
from demo_awards import AwardDemo
from demo_campaign import CampaignDemo
from demo_congress import CongressDemo
from demo_contest import ContestDemo
from domain.actors import CHINA_TZ
from domain.errors import DomainError
from domain.wage_contract import (
    STAGE_LABELS,
    AppointNegotiators,
    ApproveReview,
    Clause,
    Draft,
    FileContract,
    Negotiator,
    OpenCase,
    PublishContract,
    RecordObjection,
    RecordReply,
    RecordTalksRound,
    ReportToHigherUnion,
    ReturnForRevision,
    ReviewComment,
    ReviseDraft,
    Side,
    SignContract,
    SignDraft,
    SubmitForReview,
    SuspendTalks,
    VoteCount,
    WageContractView,
    WageStandard,
    wage_contract_id,
)
from i18n import Lang, event_label, fmt, pick, role_label
from interfaces.text import Names, adoption_count, check_detail
from services.wage_contracts import WageContractService
from workflows.wage_contract import WageContractWorkflow, workflow_id_for

EXAMPLE_DIRECTORY = Path(__file__).resolve().parent / "examples" / "directory.yaml"
CADRE, REVIEWER, CITY_REVIEWER = "wang.li", "chen.jing", "li.wei"
UNIT = "dl-bearing"


def _draft(low_wage: str, raise_pct: str = "5") -> Draft:
    return Draft(
        clauses=[
            Clause(no="1", title="工资标准", text="一线生产岗位月工资标准"),
            Clause(no="2", title="工资增长", text=f"年度工资平均增长{raise_pct}%"),
            Clause(no="3", title="支付时间", text="每月10日前足额支付"),
        ],
        wage_standards=[
            WageStandard(post="装配工", monthly_yuan=Decimal(low_wage)),
            WageStandard(post="车工", monthly_yuan=Decimal("3400")),
        ],
        raise_pct=Decimal(raise_pct),
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


class Demo:
    """One scripted run; every step goes through the service like a real user's."""

    def __init__(
        self, app: App, env: WorkflowEnvironment, console: Console, task_queue: str
    ) -> None:
        self.app = app
        self.env = env
        self.console = console
        self.svc = WageContractService(
            env.client, app.ledger, app.directory, app.settings, task_queue
        )
        self.task_queue = task_queue
        self.case_id = ""
        self.printed = 0
        self.names = Names(app.directory)

    async def today(self) -> str:
        now = await self.env.get_current_time()
        return now.astimezone(CHINA_TZ).strftime("%Y-%m-%d")

    async def narrate(self) -> None:
        """Print every ledger event of the case not printed yet, with its simulated date."""
        await self._settle()
        for event in self.app.ledger.stream(
            wage_contract_id(self.case_id), after=self.printed or None
        ):
            entry = timeline_entry(event)
            actor = entry.actor
            role = actor.get("role", "")
            who = (
                role_label("system") if role == "system" else self._name(actor.get("id", ""), role)
            )
            when = entry.timestamp.astimezone(CHINA_TZ).strftime("%Y-%m-%d")
            detail = _detail(entry.event, entry.facts, self.names)
            self.console.print(
                f"[dim]{when}[/]  v{entry.version:<3} [bold]{event_label(entry.event)}[/]"
                f"  [cyan]{who}[/]{('  · ' + detail) if detail else ''}"
            )
            self.printed = entry.version

    def _name(self, actor_id: str, role: str) -> str:
        try:
            record = self.app.directory.actor(actor_id)
        except DomainError:  # an unknown actor is shown by id
            return actor_id
        return fmt(
            ("{name}（{role}）", "{name} ({role})"), name=record.spec.name, role=role_label(role)
        )

    async def _settle(self) -> None:
        """Let the worker finish what a time skip triggered before reading the ledger."""
        handle = self.env.client.get_workflow_handle(workflow_id_for(self.case_id))
        last = -1
        for _ in range(50):
            try:
                status = await handle.query(WageContractWorkflow.status)
                version = status.view.version if status.view else 0
            except Exception:  # noqa: BLE001 - a completed workflow still answers; be lenient
                return
            if version == last:
                return
            last = version
            await asyncio.sleep(0.15)

    async def act(self, actor: str, command: Any, comment: str = "") -> WageContractView:
        view = await self.svc.act(self.case_id, actor, command, comment=comment)
        await self.narrate()
        return view

    async def vote(self, votes: list[str], comment: str = "") -> None:
        """The unit's congress votes on the draft in a session (secret ballot)."""
        await self.congress.adopt_wage_draft(self.svc, self.case_id, votes, comment)
        await self.narrate()

    async def skip(self, days: int, why: str) -> None:
        self.console.print(
            f"[yellow]   …… {fmt(('{n} 天过去：{why}', '{n} days pass: {why}'), n=days, why=why)}[/]"
        )
        await self.env.sleep(timedelta(days=days))
        await self.narrate()

    async def run(self) -> int:
        c = self.console
        now = await self.env.get_current_time()
        self.case_id = f"DEMO-{now.astimezone(CHINA_TZ):%Y%m%d}-{uuid.uuid4().hex[:6]}"
        c.rule(f"{pick(('工资专项集体合同演示', 'Wage contract demo'))} · {self.case_id}")
        self.congress = CongressDemo(self.app, self.env, c, self.task_queue, self.case_id.lower())
        await self.congress.ensure_congress()  # the unit's congress, which adopts the contract
        await self.svc.open(
            CADRE,
            OpenCase(
                case_id=self.case_id,
                unit_org=UNIT,
                employer="大连轴承制造有限公司",
                year=now.astimezone(CHINA_TZ).year,
                offer_place="公司三楼会议室",
                offer_content="就年度工资标准、增长幅度和支付办法进行工资专项集体协商",
            ),
            comment="依据《集体合同规定》第32条发出书面要约",
        )
        await self.narrate()

        await self.skip(21, pick(("企业20日内未书面回应", "no written reply within 20 days")))
        await self.act(CADRE, RecordReply(content="企业同意协商，建议下周开始"), "逾期后收到回应")
        await self.act(CADRE, AppointNegotiators(negotiators=NEGOTIATORS))
        await self.act(CADRE, RecordTalksRound(minutes="双方就增幅分歧较大", deadlocked=True))
        await self.act(CADRE, SuspendTalks(days=7, reason="双方同意中止7天后再谈"))
        await self.skip(8, pick(("中止期满自动恢复", "the suspension ends")))
        await self.act(CADRE, RecordTalksRound(minutes="就工资标准和5%增幅达成一致"))
        view = await self.act(CADRE, SignDraft(draft=_draft("1900")))
        view = await self.act(CADRE, SubmitForReview(), "请甘井子区总工会预审")
        self._checks(view)

        await self.skip(7, pick(("预审期限临近", "the pre-review deadline approaches")))
        await self.act(
            REVIEWER,
            ReturnForRevision(
                comments=[
                    ReviewComment(clause="1", comment="装配工月工资低于当地最低工资标准，请调整")
                ]
            ),
            "第一轮预审意见",
        )
        await self.act(CADRE, ReviseDraft(draft=_draft("2600", "9")))
        await self.act(CADRE, SubmitForReview())
        await self.act(
            REVIEWER,
            ReturnForRevision(
                comments=[
                    ReviewComment(
                        clause="2", comment="9%增幅超过工资指导线预警线，请说明依据或调整"
                    )
                ]
            ),
            "第二轮预审意见",
        )
        await self.act(CADRE, ReviseDraft(draft=_draft("2600", "6")))
        await self.act(CADRE, SubmitForReview())
        await self.act(REVIEWER, ApproveReview(), "修改后符合要求")

        await self.vote(
            ["yes"] * 15 + ["no"] * 4 + ["abstain"] * 2,
            "职代会无记名表决：赞成15票，恰为全体30名代表半数",
        )
        back = (
            "赞成票未超过全体代表半数，退回协商",
            "not more than half of ALL delegates: back to talks",
        )
        c.print(f"[magenta]   → {pick(back)}[/]")
        await self.act(CADRE, RecordTalksRound(minutes="根据代表意见调整支付办法"))
        await self.act(CADRE, SignDraft(draft=_draft("2650", "6")))
        await self.act(CADRE, SubmitForReview())
        await self.act(REVIEWER, ApproveReview())
        await self.vote(["yes"] * 20 + ["no"] * 3 + ["abstain"] * 1, "职代会无记名表决")
        await self.act(CADRE, SignContract(), "双方首席代表签字并加盖企业公章")
        await self.skip(9, pick(("备案期限临近", "the filing deadline approaches")))
        await self.act(CADRE, FileContract(copies=3, office="大连市甘井子区人力资源和社会保障局"))
        await self.skip(6, pick(("劳动行政部门审查中", "the labour administration reviews")))
        await self.act(
            CADRE, RecordObjection(text="第3条支付时间与本市工资支付规定不一致"), "收到审查意见书"
        )
        await self.act(CADRE, RecordTalksRound(minutes="按审查意见修改第3条"))
        await self.act(CADRE, SignDraft(draft=_draft("2650", "6")))
        await self.act(CADRE, SubmitForReview())
        await self.act(REVIEWER, ApproveReview())
        await self.vote(["yes"] * 22 + ["no"] * 2 + ["abstain"] * 1)
        await self.act(CADRE, SignContract())
        await self.act(
            CADRE, FileContract(copies=3, office="大连市甘井子区人力资源和社会保障局"), "重新报送"
        )
        await self.skip(16, pick(("审查期15日内无异议", "no objection within the 15-day window")))
        await self.act(CADRE, PublishContract(channel="厂务公开栏及职工微信群"))
        await self.act(
            CADRE, ReportToHigherUnion(reference="大轴工字2026第5号"), "报甘井子区总工会"
        )
        view = self.svc.view(self.case_id)
        days = (
            (view.renewal_on - view.effective_on).days
            if view.renewal_on and view.effective_on
            else 300
        )
        notice = (
            (view.expires_on - view.renewal_on).days if view.expires_on and view.renewal_on else "?"
        )
        await self.skip(days + 1, fmt(("合同到期前{n}日", "{n} days before expiry"), n=notice))

        handle = self.env.client.get_workflow_handle(
            workflow_id_for(self.case_id), result_type=WageContractView
        )
        final = await handle.result()
        c.print(
            f"[green]{pick(('流程结束', 'Workflow completed'))}[/]: "
            f"{pick(('阶段', 'stage'))} {pick(STAGE_LABELS[final.stage])}"
        )
        await self.congress.run()
        await AwardDemo(
            self.app, self.env, c, self.task_queue, self.congress, self.case_id.lower()
        ).run()
        await ContestDemo(self.app, self.env, c, self.task_queue, self.case_id.lower()).run()
        await CampaignDemo(
            self.app, self.env, c, self.task_queue, self.congress, self.case_id.lower()
        ).run()
        return await self.audit()

    def _checks(self, view: WageContractView) -> None:
        for check in view.reviews[-1].checks:
            mark = "[green]✓[/]" if check.passed else "[red]✗[/]"
            label = check.label_en if Lang.code == "en" else check.label_zh
            detail = check_detail(check)
            self.console.print(
                f"      {mark} {label}{pick(('：', ': ')) + detail if detail else ''}"
            )

    async def audit(self) -> int:
        audit = AuditService(self.app.ledger, self.app.settings)
        seal = audit.seal(f"demo {self.case_id}")
        if seal is not None:
            self.console.print(
                fmt(
                    (
                        "账本已封印至第 {n} 号事件，根哈希 {root}…",
                        "sealed up to #{n}, root {root}…",
                    ),
                    n=seal.to_notification_id,
                    root=seal.merkle_root[:16],
                )
            )
        report = audit.verify()
        if report.ok:
            checked = fmt(
                ("事件 {e} 个，封印 {s} 个", "events {e}, seals {s}"),
                e=report.events_checked,
                s=report.seals_checked,
            )
            self.console.print(
                f"[bold green]✓ {pick(('审计校验通过', 'audit verified'))}[/]: {checked}"
            )
        else:
            bad = report.first_bad
            where = (
                fmt(
                    ("{id} 第 {v} 版：{why}", "{id} version {v}: {why}"),
                    id=bad.aggregate_id,
                    v=bad.version,
                    why=pick((bad.reason_zh, bad.reason_en)),
                )
                if bad
                else ""
            )
            self.console.print(f"[bold red]✗ {pick(('审计校验失败', 'audit failed'))}[/]: {where}")
        data = f"UNIONFLOW_DATA_DIR={self.app.settings.data_dir}"
        self.console.print(
            f"{pick(('查看', 'Inspect'))}: {data} unionflow history {self.case_id} · "
            f"{data} unionflow audit verify"
        )
        return 0 if report.ok else 1


def _filed(facts: dict[str, Any], names: Names) -> str:
    window = fmt(("审查期至 {d}", "review window until {d}"), d=facts.get("review_window_until"))
    if not facts.get("adopted_on"):
        return window
    return window + fmt(
        (" · 所附决议：应到 {t} 实到 {p} 赞成 {y}", " · resolution: {y} for of {t}, {p} present"),
        t=facts.get("delegates_total"),
        p=facts.get("delegates_present"),
        y=facts.get("votes_for"),
    )


# Events of issue 7's wage rules: one line each.
_MORE_DETAILS: dict[str, Callable[[dict[str, Any], Names], str]] = {
    "Filed": _filed,
    "ReviewTakenOver": lambda f, names: (
        f"{names.org(f.get('from_org') or '')} → {names.org(f.get('to_org') or '')}：{f.get('reason')}"
    ),
    "FilingReturnedIncomplete": lambda f, names: fmt(
        ("{m} · 补正期限 {d}", "{m} · fix by {d}"),
        m=pick(("、", ", ")).join(f.get("missing", [])),
        d=f.get("fix_due"),
    ),
    "ReportedToHigherUnion": lambda f, names: (
        f"→ {names.org(f.get('to_org') or '')} · {f.get('reference')}"
    ),
}


def _detail(event: str, facts: dict[str, Any], names: Names) -> str:
    """The facts of a case event worth a line of the story, in the current language."""
    if event in _MORE_DETAILS:
        return _MORE_DETAILS[event](facts, names)
    if event == "Created":
        state = facts.get("state", {})
        return fmt(
            ("{employer} · 回应期限 {due}", "{employer} · reply due {due}"),
            employer=state.get("employer", ""),
            due=state.get("reply_due", ""),
        )
    if event == "ReplyOverdue":
        return f"→ {names.org(facts.get('escalated_to') or '')}"
    if event == "TalksSuspended":
        return fmt(("至 {d}", "until {d}"), d=facts.get("until"))
    if event == "SubmittedForReview":
        review = facts.get("review", {})
        provisional = pick(("（暂定）", " (provisional)")) if review.get("due_provisional") else ""
        return fmt(
            ("第 {n} 轮 · {org} · 期限 {due}{p}", "round {n} · {org} · due {due}{p}"),
            n=review.get("round"),
            org=names.org(review.get("reviewer_org") or ""),
            due=review.get("due"),
            p=provisional,
        )
    if event == "ReviewEscalated":
        return fmt(
            ("→ {org} · 期限 {due}", "→ {org} · due {due}"),
            org=names.org(facts.get("to_org") or ""),
            due=facts.get("due"),
        )
    if event == "PreReviewReturned":
        return pick(("；", "; ")).join(
            fmt(("第 {no} 条：{c}", "clause {no}: {c}"), no=c["clause"], c=c["comment"])
            for c in facts.get("comments", [])
        )
    if event == "PreReviewApproved" and facts.get("override_reason"):
        return fmt(("批准理由：{r}", "override: {r}"), r=facts["override_reason"])
    if event == "AdoptionVoteRecorded":
        verdict = pick(("通过", "passed") if facts.get("passed") else ("未通过", "failed"))
        return f"{adoption_count(VoteCount.model_validate(facts['count']))} · {verdict}"
    if event == "ContractSigned":
        return fmt(("备案期限 {d}", "filing due {d}"), d=facts.get("filing_due"))
    if event == "TookEffect":
        line = fmt(
            ("有效期至 {e} · 公布期限 {p}", "expires {e} · publish by {p}"),
            e=facts.get("expires_on"),
            p=facts.get("publication_due"),
        )
        report = facts.get("higher_union_report_due")
        return line + (
            fmt((" · 报上级工会期限 {d}", " · report by {d}"), d=report) if report else ""
        )
    return ""


async def run_demo(app: App, console: Console) -> int:
    """Run the scripted lifecycle; 0 when it completed and the ledger verifies."""
    if app.directory.summary()["organisations"] == 0:
        app.directory.load(
            app.directory.parse(EXAMPLE_DIRECTORY),
            operator="ops.admin",
            source=str(EXAMPLE_DIRECTORY),
        )
    console.print(pick(("启动时间跳跃测试服务器…", "Starting the time-skipping test server…")))
    env = await start_time_skipping(app.settings)
    task_queue = f"demo-{uuid.uuid4()}"
    try:
        async with build_worker(env.client, app, task_queue):
            return await Demo(app, env, console, task_queue).run()
    finally:
        await env.shutdown()
