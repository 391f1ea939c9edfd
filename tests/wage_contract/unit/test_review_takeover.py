"""An ancestor union deciding a round not (yet) escalated to it (issue 7, point 12) is
recorded as taking the round over, with a mandatory reason; a union below the one the
round was escalated to cannot decide it at all."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput, NotAuthorised
from domain.wage_contract import (
    ApproveReview,
    EscalateReview,
    ReturnForRevision,
    ReviewComment,
    Stage,
    WageContract,
    precheck_command,
)
from tests.wage_contract.unit.builders import reviewing
from tests.wage_contract.unit.test_wage_contract import (
    CITY_REVIEWER,
    PARENT_REVIEWER,
    SYSTEM,
    Case,
)

RETURN = [ReviewComment(clause="1", comment="请补充岗位工资标准")]


@pytest.mark.parametrize("reason", [None, "", "   "], ids=["none", "empty", "blank"])
@pytest.mark.parametrize(
    "command",
    [ApproveReview, lambda **kw: ReturnForRevision(comments=RETURN, **kw)],
    ids=["approve", "return"],
)
def test_ancestor_deciding_a_round_not_escalated_to_it_needs_a_takeover_reason(
    command, reason
) -> None:
    case = reviewing()
    with pytest.raises(InvalidInput, match="--takeover"):
        precheck_command(command(takeover_reason=reason), CITY_REVIEWER, case.agg.view())
    case.refused(CITY_REVIEWER, command(takeover_reason=reason), InvalidInput)


def test_takeover_is_recorded_with_who_took_over_from_whom_and_why() -> None:
    case = reviewing()
    case.do(CITY_REVIEWER, ApproveReview(takeover_reason="  区总工会换届，市总接手  "))
    takeover, decision = case.agg.pending_events[-2:]
    assert isinstance(takeover, WageContract.ReviewTakenOver)
    assert (takeover.from_org, takeover.to_org, takeover.reason) == (
        "dl-ganjingzi",
        "dl-city",
        "区总工会换届，市总接手",
    )
    assert takeover.actor["id"] == decision.actor["id"] == "li.wei"
    assert isinstance(decision, WageContract.PreReviewApproved)
    review = case.agg.view().reviews[-1]
    assert (review.reviewer_org, review.decided_by, review.outcome) == (
        "dl-city",
        "li.wei",
        "approved",
    )
    assert (review.taken_over_from, review.takeover_reason) == (
        "dl-ganjingzi",
        "区总工会换届，市总接手",
    )


def test_the_reviewing_union_itself_needs_no_takeover_and_records_none() -> None:
    case = reviewing()
    case.do(PARENT_REVIEWER, ReturnForRevision(comments=RETURN, takeover_reason=None))
    assert not any(isinstance(e, WageContract.ReviewTakenOver) for e in case.agg.pending_events)
    review = case.agg.view().reviews[-1]
    assert (review.reviewer_org, review.taken_over_from, review.decided_by) == (
        "dl-ganjingzi",
        None,
        "chen.jing",
    )


def test_after_escalation_the_union_it_left_cannot_decide() -> None:
    case: Case = reviewing()
    case.later(30)
    case.do(SYSTEM, EscalateReview())
    assert case.agg.view().reviews[-1].reviewer_org == "dl-city"
    for reason in (None, "我们已审完"):
        case.refused(PARENT_REVIEWER, ApproveReview(takeover_reason=reason), NotAuthorised)
    case.do(CITY_REVIEWER, ApproveReview())  # escalated to it: no takeover
    assert case.stage is Stage.APPROVED
    assert case.agg.view().reviews[-1].taken_over_from is None
