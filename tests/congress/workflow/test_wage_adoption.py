"""The wage contract's adoption step decided by a real secret poll of the unit's congress."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from domain.errors import InvalidInput, NotAuthorised
from domain.poll import ItemKind
from domain.session import AgendaItem
from domain.wage_contract import (
    ApproveReview,
    RecordAdoptionVote,
    RequestAdoptionPoll,
    Stage,
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


async def congress_session_for(env, app, task_queue, case: str, key: str, *, secret=None):
    """The unit's congress in session with the draft on its agenda, every delegate in."""
    await congress_with_roster(app, env, key=key)
    sessions = SessionService(env.client, app.congresses, app.polls, app.settings, task_queue)
    d = await today(env)
    agenda = [
        AgendaItem(
            no=1,
            title="审议工资专项集体合同草案",
            kind=ItemKind.APPROVAL,
            wage_case_id=case,
            secret=secret,
        )
    ]
    view = await sessions.convene(
        CHAIR, key, "s", agenda, papers_sent_on=d, opens_on=d + timedelta(days=7)
    )
    await env.sleep(timedelta(days=7))
    await sessions.open_session(view.session_id, CHAIR)
    return sessions, view.session_id


async def test_paper_adoption_takes_all_delegates_from_the_roster_and_each_tellers_own_count(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    case = "WC-PAPER"
    wage = await approved_case(env, app, task_queue, case)
    sessions, sid = await congress_session_for(env, app, task_queue, case, "dl-bearing-paper")
    delegates = roster_ids()
    for d_id in delegates[:22]:  # 22 of the roster's 30 present: a quorum
        await sessions.check_in(sid, d_id)
    await wage.act(case, "wang.li", RequestAdoptionPoll(session_id=sid, item_no=1))
    tellers = delegates[:2]
    await sessions.open_poll(sid, CHAIR, 1, paper=True, tellers=tellers)
    await sessions.close_poll(sid, CHAIR, 1)
    # A count that cannot be true is refused: 27 ballots with 22 present.
    with pytest.raises(InvalidInput, match="22"):
        await sessions.enter_paper_count(sid, 1, tellers[0], {"yes": 25, "no": 2}, 27)
    # 11 yes would be a majority of a claimed 20, not of the roster's 30 delegates.
    await sessions.enter_paper_count(sid, 1, tellers[0], {"yes": 11, "no": 9, "abstain": 2}, 22)
    # Nobody but the two tellers enters a count, and a mismatch decides nothing.
    with pytest.raises(NotAuthorised):
        await sessions.enter_paper_count(sid, 1, delegates[5], {"yes": 11, "no": 11}, 22)
    mismatch = await sessions.enter_paper_count(sid, 1, tellers[1], {"yes": 12, "no": 10}, 22)
    assert mismatch.paper_mismatch and wage.view(case).stage is Stage.APPROVED
    await sessions.enter_paper_count(sid, 1, tellers[1], {"yes": 11, "no": 9, "abstain": 2}, 22)
    final = await wait_stage(wage, case, Stage.IN_TALKS)
    vote = final.adoption_votes[-1]
    assert (vote.count.total_delegates, vote.count.present, vote.count.votes_for) == (30, 22, 11)
    assert vote.quorum_met and not vote.passed
    assert vote.source == f"poll:{sid}:item1"


async def test_a_named_poll_cannot_adopt_a_wage_contract(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    case = "WC-NAMED"
    wage = await approved_case(env, app, task_queue, case)
    sessions = SessionService(env.client, app.congresses, app.polls, app.settings, task_queue)
    key = await congress_with_roster(app, env, key="dl-bearing-named")
    d = await today(env)
    # The agenda cannot make an approval item named (SH §31) ...
    with pytest.raises(InvalidInput, match="无记名"):
        await sessions.convene(
            CHAIR,
            key,
            "s",
            [
                AgendaItem(
                    no=1,
                    title="审议工资专项集体合同草案",
                    kind=ItemKind.APPROVAL,
                    wage_case_id=case,
                    secret=False,
                )
            ],
            papers_sent_on=d,
            opens_on=d + timedelta(days=7),
        )
    # ... and a named item of another kind cannot stand in for the adoption vote.
    view = await sessions.convene(
        CHAIR,
        key,
        "s2",
        [
            AgendaItem(
                no=1,
                title="职工食堂改进建议",
                kind=ItemKind.ADVICE,
                secret=False,
                wage_case_id=case,
            )
        ],
        papers_sent_on=d,
        opens_on=d + timedelta(days=7),
    )
    with pytest.raises(InvalidInput):
        await wage.act(case, "wang.li", RequestAdoptionPoll(session_id=view.session_id, item_no=1))
    assert wage.view(case).stage is Stage.APPROVED and wage.view(case).adoption_poll is None
