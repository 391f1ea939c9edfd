"""The wage contract's adoption step decided by a real secret poll of the unit's congress."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from domain.errors import InvalidInput
from domain.poll import ItemKind
from domain.session import AgendaItem
from domain.wage_contract import (
    ApproveReview,
    RecordAdoptionVote,
    RequestAdoptionPoll,
    Stage,
    TellerCount,
    VoteCount,
)
from services.sessions import SessionService
from tests.congress.workflow.test_session_workflow import (
    CHAIR,
    _clean,
    congress_with_roster,
    roster_ids,
    today,
)
from tests.wage_contract.helpers import REVIEWER, service, to_review

__all__ = ["_clean"]


async def approved_case(env, app, task_queue, case: str):
    wage = service(env, app, task_queue)
    await to_review(wage, case)
    await wage.act(case, REVIEWER, ApproveReview())
    return wage


async def wait_stage(wage, case: str, stage: Stage):
    for _ in range(200):
        if wage.view(case).stage is stage:
            return wage.view(case)
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case} never reached {stage}")


@pytest.mark.parametrize(("yes", "stage"), [(16, Stage.ADOPTED), (15, Stage.IN_TALKS)])
async def test_the_congress_poll_decides_the_adoption(
    time_skipping_env, app, task_queue, running_worker, yes: int, stage: Stage
):
    env = time_skipping_env
    case = f"WC-POLL-{yes}"
    wage = await approved_case(env, app, task_queue, case)
    key = await congress_with_roster(app, env, key=f"dl-bearing-{yes}")
    sessions = SessionService(env.client, app.congresses, app.polls, app.settings, task_queue)
    d = await today(env)
    agenda = [
        AgendaItem(
            no=1, title="审议工资专项集体合同草案", kind=ItemKind.APPROVAL, wage_case_id=case
        )
    ]
    view = await sessions.convene(
        CHAIR, key, "s", agenda, papers_sent_on=d, opens_on=d + timedelta(days=7)
    )
    sid = view.session_id
    await env.sleep(timedelta(days=7))
    await sessions.open_session(sid, CHAIR)
    delegates = roster_ids()
    for d_id in delegates:
        await sessions.check_in(sid, d_id)

    await wage.act(case, "wang.li", RequestAdoptionPoll(session_id=sid, item_no=1))
    # While the congress decides, a hand-entered result is refused.
    with pytest.raises(Exception, match="congress"):
        await wage.act(
            case,
            "wang.li",
            RecordAdoptionVote.agreed(
                VoteCount(
                    total_delegates=30, present=30, votes_for=30, votes_against=0, abstentions=0
                )
            ),
        )
    await sessions.open_poll(sid, CHAIR, 1)
    for i, d_id in enumerate(delegates):
        await sessions.cast(sid, 1, d_id, ["yes" if i < yes else "no"])
    final = await wait_stage(wage, case, stage)
    vote = final.adoption_votes[-1]
    assert vote.source == f"poll:{sid}:item1"
    assert vote.count.votes_for == yes and vote.count.total_delegates == 30
    assert vote.passed is (stage is Stage.ADOPTED)


async def test_a_paper_result_needs_both_tellers_to_agree(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    case = "WC-PAPER"
    wage = await approved_case(env, app, task_queue, case)
    a = VoteCount(total_delegates=30, present=25, votes_for=20, votes_against=3, abstentions=2)
    b = VoteCount(total_delegates=30, present=25, votes_for=19, votes_against=4, abstentions=2)
    with pytest.raises(InvalidInput, match="不一致"):
        await wage.act(
            case,
            "wang.li",
            RecordAdoptionVote(
                tellers=[
                    TellerCount(teller="张监票", count=a),
                    TellerCount(teller="李计票", count=b),
                ]
            ),
        )
    assert wage.view(case).stage is Stage.APPROVED
    view = await wage.act(
        case,
        "wang.li",
        RecordAdoptionVote(
            tellers=[TellerCount(teller="张监票", count=a), TellerCount(teller="李计票", count=a)]
        ),
    )
    assert view.stage is Stage.ADOPTED and view.adoption_votes[-1].source == "paper: 张监票, 李计票"
