"""Legal floors are floors (issue 7, point 6): minimum wage, negotiators, outside experts,
chiefs and their signatures block approval; only the checks the profile marks advisory
(the wage guideline band) can be approved past, and then only with a written reason."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.wage_contract import (
    ApproveReview,
    Negotiator,
    ReturnForRevision,
    ReviewComment,
    ReviseDraft,
    Side,
    SignDraft,
    Stage,
    SubmitForReview,
    WageContract,
)
from tests.wage_contract.helpers import draft, negotiators
from tests.wage_contract.unit.builders import reviewing, talking, with_rules
from tests.wage_contract.unit.test_wage_contract import (
    CADRE,
    PARENT_REVIEWER,
    PROFILE,
    Case,
    meta,
)

TWO_UNION_CHIEFS = [
    n.model_copy(update={"chief": True}) if n.name == "union-1" else n for n in negotiators()
]
OUTSIDER_CHIEF = [
    n.model_copy(update={"outsider": True}) if n.name == "union-0" else n for n in negotiators()
]
ON_BOTH_SIDES = [*negotiators(per_side=3), Negotiator(name="union-1", side=Side.EMPLOYER)]
FLOORS: dict[str, tuple[str, dict[str, Any]]] = {
    "wage below the minimum wage": ("minimum_wage", {"draft_kw": {"monthly": "2229.99"}}),
    "two negotiators a side": ("negotiators", {"people": negotiators(per_side=2)}),
    "unequal sides": (
        "negotiators",
        {"people": [*negotiators(), Negotiator(name="union-9", side=Side.UNION)]},
    ),
    "outside experts over a third": (
        "outsiders",
        {"people": negotiators(per_side=5, outsiders=2)},
    ),
    "two chiefs on one side": ("chiefs_signed", {"people": TWO_UNION_CHIEFS}),
}


def _under_review(people: list[Negotiator] | None = None, draft_kw: Any = None) -> Case:
    return reviewing(PROFILE, people, **(draft_kw or {}))


def _stored_before_the_rule(case: Case, **changes: Any) -> Case:
    """A case whose stored facts predate a refusal (the draft or sides were recorded when
    only the review checked them): the events are emitted as the old code stored them."""
    if "draft" in changes:
        case.agg._emit(
            case.agg.DraftSigned,
            meta(CADRE, case.today),
            draft=changes["draft"].model_dump(mode="json"),
        )
    if "people" in changes:
        case.agg._emit(
            case.agg.NegotiatorsAppointed,
            meta(CADRE, case.today),
            negotiators=[n.model_dump(mode="json") for n in changes["people"]],
        )
    return case


@pytest.mark.parametrize(("code", "setup"), FLOORS.values(), ids=FLOORS.keys())
def test_legal_floor_blocks_approval_even_with_an_override_reason(
    code: str, setup: dict[str, Any]
) -> None:
    case = _under_review(**setup)
    failed = [c.code for c in case.agg.view().reviews[-1].checks if not c.passed]
    assert failed == [code]
    for reason in (None, "试点企业，市总同意"):
        error = case.refused(PARENT_REVIEWER, ApproveReview(override_reason=reason), InvalidInput)
        assert code in str(error) and "unionflow wage return" in str(error)
    # The way forward stays open: the reviewer returns the draft for revision.
    case.do(PARENT_REVIEWER, ReturnForRevision(comments=[ReviewComment(clause="*", comment="改")]))
    assert case.stage is Stage.RETURNED


@pytest.mark.parametrize(
    "stored",
    [
        {"draft": draft(signed=False)},
        {"people": OUTSIDER_CHIEF},
        {"people": ON_BOTH_SIDES},
    ],
    ids=["unsigned draft", "outsider as chief", "one person on both sides"],
)
def test_floors_that_earlier_steps_refuse_still_block_a_case_stored_before_them(
    stored: dict[str, Any],
) -> None:
    case = talking()
    _stored_before_the_rule(case, **stored)
    if "draft" not in stored:
        _stored_before_the_rule(case, draft=draft())
    case.do(CADRE, SubmitForReview())
    failed = [c.code for c in case.agg.view().reviews[-1].checks if not c.passed]
    assert failed and set(failed) <= {"chiefs_signed", "negotiators"}
    case.refused(PARENT_REVIEWER, ApproveReview(override_reason="理由"), InvalidInput)


def test_only_checks_the_profile_marks_advisory_can_be_approved_with_a_reason() -> None:
    assert PROFILE.wage_contract.advisory_checks == ("wage_guideline",)
    lenient = with_rules(advisory_checks=["wage_guideline", "minimum_wage"])
    case = reviewing(lenient, monthly="2000")
    check = {c.code: c for c in case.agg.view().reviews[-1].checks}["minimum_wage"]
    assert not check.passed and not check.hard
    case.refused(PARENT_REVIEWER, ApproveReview(), InvalidInput)
    case.do(PARENT_REVIEWER, ApproveReview(override_reason="过渡期，市总同意"))
    event = case.agg.pending_events[-1]
    assert isinstance(event, WageContract.PreReviewApproved)
    assert (event.override_reason, event.failed_hard_checks) == (
        "过渡期，市总同意",
        ["minimum_wage"],
    )


def test_a_profile_naming_an_unknown_check_as_advisory_is_invalid() -> None:
    with pytest.raises(ValueError, match="unknown pre-review checks"):
        with_rules(advisory_checks=["wage_guideline", "minimum_wages"])


@pytest.mark.parametrize(
    ("union", "employer"), [(False, True), (True, False), (False, False)], ids=str
)
def test_signing_an_unsigned_draft_is_refused(union: bool, employer: bool) -> None:
    unsigned = draft().model_copy(
        update={"union_chief_signed": union, "employer_chief_signed": employer}
    )
    case = talking()
    error = case.refused(CADRE, SignDraft(draft=unsigned), InvalidInput)
    assert "首席代表签字" in str(error)
    case.do(CADRE, SignDraft(draft=draft()))
    case.do(CADRE, SubmitForReview())
    case.do(PARENT_REVIEWER, ReturnForRevision(comments=[ReviewComment(clause="1", comment="改")]))
    case.refused(CADRE, ReviseDraft(draft=unsigned), InvalidInput)
