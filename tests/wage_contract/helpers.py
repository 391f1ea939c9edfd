"""Building blocks for wage-contract workflow tests."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest_asyncio
from temporalio.api.workflowservice.v1 import ListOpenWorkflowExecutionsRequest
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from application.profiles import load_profile
from bootstrap import App
from domain.actors import CHINA_TZ, CommandMeta, Role
from domain.poll import ItemKind, Poll, tally
from domain.session import AgendaItem, Session, SessionKind, SessionStatus, SessionView
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
    RequestAdoptionPoll,
    ReturnForRevision,
    ReviewComment,
    Side,
    SignContract,
    SignDraft,
    SubmitForReview,
    WageContractView,
    WageStandard,
    wage_contract_id,
)
from services.wage_contracts import WageContractService
from workflows.wage_contract import WageContractStatus, WageContractWorkflow, workflow_id_for

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


# -- additions for the wage-contract path, refusal and deadline tests ---------------------


def handle(env: WorkflowEnvironment, case_id: str = "WC-1") -> WorkflowHandle[Any, Any]:
    """The handle of a case's workflow, typed to return the final view."""
    return env.client.get_workflow_handle_for(WageContractWorkflow.run, workflow_id_for(case_id))


async def status(env: WorkflowEnvironment, case_id: str = "WC-1") -> WageContractStatus:
    return await handle(env, case_id).query(WageContractWorkflow.status)


def ledger_version(app: App, case_id: str = "WC-1") -> int:
    """The version the ledger holds for a case (0 when it does not exist)."""
    aggregate = app.ledger.find(wage_contract_id(case_id))
    return 0 if aggregate is None else aggregate.version


def ledger_events(app: App, case_id: str = "WC-1") -> list[Any]:
    return app.ledger.stream(wage_contract_id(case_id))


async def skip_to(
    env: WorkflowEnvironment, kind: str, case_id: str = "WC-1", offset: timedelta = timedelta()
) -> None:
    """Skip simulated time to ``offset`` from the deadline the workflow waits for (``kind``)."""
    st = await status(env, case_id)
    assert st.waiting is not None and st.waiting.kind == kind, st.waiting
    assert st.waiting.until is not None
    # The server's clock, not the workflow's: that one stops at its last task.
    target = st.waiting.until + offset
    now = await env.get_current_time()
    assert target > now, (kind, target, now)
    await env.sleep(target - now)


async def pass_deadline(env: WorkflowEnvironment, kind: str, case_id: str = "WC-1") -> None:
    """Skip simulated time just past the deadline ``kind`` the workflow waits for."""
    await skip_to(env, kind, case_id, timedelta(minutes=1))


async def skip_to_before(env: WorkflowEnvironment, kind: str, case_id: str = "WC-1") -> None:
    """Skip simulated time to an hour before the deadline ``kind`` the workflow waits for."""
    await skip_to(env, kind, case_id, -timedelta(hours=1))


async def congress_votes(
    svc: WageContractService, case_id: str, votes_for: int, *, total: int = 30
) -> WageContractView:
    """The unit's congress votes on the draft, all ``total`` delegates present.

    The way a contract is adopted: an item of a congress session linked to the case, its
    poll tallied. Here the session and its tallied poll are written straight to the
    ledger (the congress's own tests run real sessions), then the wage workflow is told,
    as the session workflow tells it, and reads the result from the ledger.
    """
    assert svc.client is not None
    n = len(svc.ledger.find(wage_contract_id(case_id)).s.adoption_votes)  # type: ignore[union-attr]
    sid = f"adoption-{case_id}:{n + 1}"
    now = await svc.client.get_workflow_handle(workflow_id_for(case_id)).query(
        WageContractWorkflow.status
    )
    at = now.now
    chair = svc.directory.acting(CADRE, Role.CADRE)
    unit = svc.directory.organisation(UNIT)

    def meta(step: str) -> CommandMeta:
        return CommandMeta(command_id=f"{sid}:{step}", acting=chair, occurred_at=at)

    state = SessionView(
        session_id=sid,
        congress_key="dl-bearing-adoption",
        unit_org=UNIT,
        unit_path=list(unit.path),
        kind=SessionKind.REGULAR,
        agenda=[
            AgendaItem(
                no=1, title="审议工资专项集体合同草案", kind=ItemKind.APPROVAL, wage_case_id=case_id
            )
        ],
        papers_sent_on=at.astimezone(CHINA_TZ).date() - timedelta(days=7),
        opens_on=at.astimezone(CHINA_TZ).date(),
        status=SessionStatus.CONVENED,
    )
    profile = load_profile("national")
    svc.ledger.save(Session.convene(state, meta("convene"), profile=profile, total_delegates=total))
    await svc.act(case_id, CADRE, RequestAdoptionPoll(session_id=sid, item_no=1))
    poll = Poll.open(
        state.poll_spec(1),
        meta("open"),
        unit_org=UNIT,
        total_delegates=total,
        present=total,
        quorum=profile.congress.quorum,
        public_key="00" * 32,
    )
    poll.close("roll_complete", total, total, meta("close"))
    against = total - votes_for
    poll.record_tally(
        tally(
            poll.s.spec,
            [["yes"]] * votes_for + [["no"]] * against,
            total_delegates=total,
            present=total,
            quorum=profile.congress.quorum,
            pass_rule=profile.congress.pass_threshold,
        ),
        meta("tally"),
    )
    svc.ledger.save(poll)
    await svc.client.get_workflow_handle(workflow_id_for(case_id)).signal(
        WageContractWorkflow.adoption_poll_tallied, poll.s.spec.poll_key
    )
    # Until the workflow itself has the vote: the next step is validated against its view.
    for _ in range(400):
        st = await svc.status(case_id)
        if st is not None and st.view is not None and len(st.view.adoption_votes) > n:
            return st.view
        await asyncio.sleep(0.025)
    raise AssertionError(f"{case_id}: the congress's vote was never recorded")


async def passing_vote(svc: WageContractService, case_id: str) -> WageContractView:
    """28 of 30 delegates in favour: adopted."""
    return await congress_votes(svc, case_id, 28)


async def failing_vote(svc: WageContractService, case_id: str) -> WageContractView:
    """Quorum met, but exactly half of all delegates in favour: not adopted."""
    return await congress_votes(svc, case_id, 15)


def return_comments(text: str) -> ReturnForRevision:
    return ReturnForRevision(comments=[ReviewComment(clause="1", comment=text)])


async def to_signed(svc: WageContractService, case_id: str = "WC-1") -> WageContractView:
    """From the offer to the signed contract, approved at the first review."""
    await to_review(svc, case_id)
    await svc.act(case_id, REVIEWER, ApproveReview())
    await passing_vote(svc, case_id)
    return await svc.act(case_id, CADRE, SignContract())


async def to_filed(svc: WageContractService, case_id: str = "WC-1") -> WageContractView:
    await to_signed(svc, case_id)
    return await svc.act(case_id, CADRE, FileContract(copies=3, office="甘井子区人社局"))


def new_case_id(prefix: str = "WC") -> str:
    """A case id no other test uses (the time-skipping server is shared by the session)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def event_names(app: App, case_id: str) -> list[str]:
    return [type(e).__name__ for e in ledger_events(app, case_id)]


async def terminate_open_workflows(env: WorkflowEnvironment) -> None:
    """Terminate every workflow still open on the shared server.

    A workflow left waiting on a timer after its test's worker stopped would get a task
    nobody polls when a later test skips time, and the test server stops skipping while
    any task is outstanding.
    """
    service_ = env.client.workflow_service
    request = ListOpenWorkflowExecutionsRequest(
        namespace=env.client.namespace, maximum_page_size=1000
    )
    # The test server does not always list every open execution in one answer: list
    # again until none is left.
    for _ in range(100):
        executions = (await service_.list_open_workflow_executions(request)).executions
        if not executions:
            return
        for execution in executions:
            info = execution.execution
            with contextlib.suppress(RPCError):  # it may have completed meanwhile
                await env.client.get_workflow_handle(
                    info.workflow_id, run_id=info.run_id
                ).terminate(reason="test finished")
    raise RuntimeError("workflows are still open after 100 rounds of terminating them")


@pytest_asyncio.fixture(autouse=True)
async def no_workflow_left_open(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[None]:
    """Autouse in each module that imports it: every test starts and ends with no open workflow."""
    await terminate_open_workflows(time_skipping_env)
    yield
    await terminate_open_workflows(time_skipping_env)
