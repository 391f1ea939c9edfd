"""A wage contract runs for the profile's term (issue 7, point 8; WCN §24: one year).

A longer term in the draft is refused unless the profile allows it
(``contract_term_months_max``). No rule found in domain-rules §1 forbids a shorter term,
so a shorter one is accepted.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.calendar import add_months
from domain.errors import InvalidInput
from domain.wage_contract import (
    ApproveReview,
    ReturnForRevision,
    ReviewComment,
    ReviseDraft,
    SignContract,
    SignDraft,
    SubmitForReview,
    TakeEffect,
)
from tests.wage_contract.helpers import draft
from tests.wage_contract.unit.builders import filed, reviewing, talking, with_rules
from tests.wage_contract.unit.test_wage_contract import (
    CADRE,
    PARENT_REVIEWER,
    PROFILE,
    SYSTEM,
    congress_votes,
    count,
    meta,
)


def termed(months: int | None):
    return draft().model_copy(update={"term_months": months})


def test_a_draft_longer_than_the_annual_term_is_refused() -> None:
    assert PROFILE.wage_contract.term_months_max == PROFILE.wage_contract.contract_term_months == 12
    case = talking()
    error = case.refused(CADRE, SignDraft(draft=termed(13)), InvalidInput)
    assert "12" in str(error) and "13" in str(error)
    case.do(CADRE, SignDraft(draft=termed(12)))


def test_a_revised_draft_longer_than_the_term_is_refused() -> None:
    case = reviewing()
    case.do(PARENT_REVIEWER, ReturnForRevision(comments=[ReviewComment(clause="1", comment="改")]))
    case.refused(CADRE, ReviseDraft(draft=termed(24)), InvalidInput)


def test_a_draft_without_a_term_runs_for_the_profiles_term() -> None:
    case = filed()
    assert case.agg.view().draft is not None and case.agg.view().draft.term_months == 12
    case.later(16)
    case.do(SYSTEM, TakeEffect())
    view = case.agg.view()
    assert view.effective_on is not None
    assert view.expires_on == add_months(view.effective_on, 12) - timedelta(days=1)


def test_a_profile_may_allow_a_longer_term_up_to_its_maximum() -> None:
    longer = with_rules(contract_term_months_max=24)
    case = talking(longer)
    case.refused(CADRE, SignDraft(draft=termed(25)), InvalidInput)
    case.do(CADRE, SignDraft(draft=termed(24)))
    assert case.agg.view().draft.term_months == 24  # type: ignore[union-attr]


def test_a_shorter_term_is_accepted() -> None:
    case = talking()
    case.do(CADRE, SignDraft(draft=termed(6)))
    assert case.agg.view().draft.term_months == 6  # type: ignore[union-attr]


def test_a_profile_maximum_below_its_own_term_is_invalid() -> None:
    with pytest.raises(ValueError, match="contract_term_months_max"):
        with_rules(contract_term_months_max=6)


def test_signing_a_contract_drafted_before_the_rule_with_a_longer_term_is_refused() -> None:
    case = talking()
    # Stored as the code before the term rule let it through.
    case.agg._emit(
        case.agg.DraftSigned,
        meta(CADRE, case.today),
        draft=termed(24).model_dump(mode="json"),
    )
    case.do(CADRE, SubmitForReview())
    case.do(PARENT_REVIEWER, ApproveReview())
    congress_votes(case, count(30, 30, 20))
    error = case.refused(CADRE, SignContract(), InvalidInput)
    assert "24" in str(error)
