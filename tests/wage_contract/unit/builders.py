"""Cases at each step, under any rule profile, for the unit tests of issue 7's rules."""

from __future__ import annotations

from typing import Any

from domain.profiles import RuleProfile
from domain.wage_contract import (
    AppointNegotiators,
    ApproveReview,
    FileContract,
    Negotiator,
    RecordReply,
    RecordTalksRound,
    SignContract,
    SignDraft,
    SubmitForReview,
)
from tests.wage_contract.helpers import draft, negotiators
from tests.wage_contract.unit.test_wage_contract import (
    CADRE,
    PARENT_REVIEWER,
    PROFILE,
    START,
    Case,
    congress_votes,
    count,
)


def with_rules(**changes: Any) -> RuleProfile:
    """The test profile with some wage contract rules changed."""
    data = PROFILE.model_dump(mode="json")
    data["wage_contract"].update(changes)
    return RuleProfile.model_validate(data)


def talking(profile: RuleProfile = PROFILE, people: list[Negotiator] | None = None) -> Case:
    case = Case(START, profile)
    case.do(CADRE, RecordReply(content="同意协商"))
    case.do(CADRE, AppointNegotiators(negotiators=people or negotiators()))
    case.do(CADRE, RecordTalksRound(minutes="第一轮"))
    return case


def reviewing(
    profile: RuleProfile = PROFILE, people: list[Negotiator] | None = None, **draft_kw: Any
) -> Case:
    case = talking(profile, people)
    case.do(CADRE, SignDraft(draft=draft(**draft_kw)))
    case.do(CADRE, SubmitForReview())
    return case


def approved(profile: RuleProfile = PROFILE) -> Case:
    case = reviewing(profile)
    case.do(PARENT_REVIEWER, ApproveReview())
    return case


def adopted(profile: RuleProfile = PROFILE) -> Case:
    case = approved(profile)
    congress_votes(case, count(30, 28, 20))
    return case


def signed(profile: RuleProfile = PROFILE) -> Case:
    case = adopted(profile)
    case.do(CADRE, SignContract())
    return case


def filed(profile: RuleProfile = PROFILE) -> Case:
    case = signed(profile)
    case.do(CADRE, FileContract(copies=3, office="甘井子区人社局"))
    return case
