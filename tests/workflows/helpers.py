"""Building blocks for wage-contract workflow tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from temporalio.testing import WorkflowEnvironment

from bootstrap import App
from domain.wage_contract import (
    AppointNegotiators,
    Clause,
    Draft,
    Negotiator,
    OpenCase,
    RecordReply,
    RecordTalksRound,
    Side,
    SignDraft,
    SubmitForReview,
    WageStandard,
)
from services.wage_contracts import WageContractService

CADRE = "wang.li"  # dl-bearing
REVIEWER = "chen.jing"  # dl-ganjingzi, the parent
CITY_REVIEWER = "li.wei"  # dl-city, the grandparent
OTHER_REVIEWER = "sun.hao"  # dl-textile, not an ancestor of dl-bearing
UNIT = "dl-bearing"


def service(env: WorkflowEnvironment, app: App, task_queue: str) -> WageContractService:
    return WageContractService(env.client, app.ledger, app.directory, app.settings, task_queue)


def offer(case_id: str = "WC-1") -> OpenCase:
    return OpenCase(
        case_id=case_id,
        unit_org=UNIT,
        employer="大连轴承制造有限公司",
        year=2026,
        offer_place="公司三楼会议室",
        offer_content="2026年度工资专项集体协商要约",
    )


def negotiators(per_side: int = 3, outsiders: int = 0) -> list[Negotiator]:
    people = []
    for side in Side:
        for i in range(per_side):
            people.append(
                Negotiator(
                    name=f"{side.value}-{i}",
                    side=side,
                    chief=i == 0,
                    outsider=side is Side.UNION and 0 < i <= outsiders,
                )
            )
    return people


def draft(monthly: str = "3000", raise_pct: str = "5", signed: bool = True) -> Draft:
    return Draft(
        clauses=[
            Clause(no="1", title="工资标准", text="一线岗位月工资标准"),
            Clause(no="2", title="增长幅度", text="年度工资增长"),
        ],
        wage_standards=[
            WageStandard(post="车工", monthly_yuan=Decimal(monthly)),
            WageStandard(post="质检", monthly_yuan=Decimal("3500")),
        ],
        raise_pct=Decimal(raise_pct),
        union_chief_signed=signed,
        employer_chief_signed=signed,
    )


async def to_review(svc: WageContractService, case_id: str = "WC-1", **draft_kw: object):
    """Open, reply, appoint, one round, sign the draft, submit: the case is under review."""
    await svc.open(CADRE, offer(case_id))
    await svc.act(case_id, CADRE, RecordReply(content="同意协商"))
    await svc.act(case_id, CADRE, AppointNegotiators(negotiators=negotiators()))
    await svc.act(case_id, CADRE, RecordTalksRound(minutes="第一轮协商纪要"))
    await svc.act(case_id, CADRE, SignDraft(draft=draft(**draft_kw)))  # type: ignore[arg-type]
    return await svc.act(case_id, CADRE, SubmitForReview())


async def skip(env: WorkflowEnvironment, days: float) -> None:
    await env.sleep(timedelta(days=days))
