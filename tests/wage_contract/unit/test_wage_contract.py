"""The wage-contract aggregate without Temporal: checks, votes, refusals, periods."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from application.calendar import work_calendar
from application.profiles import load_profile
from domain.actors import CHINA_TZ, Acting, CommandMeta, Role, system_acting
from domain.errors import DomainError, InvalidInput, InvalidState, NotAuthorised
from domain.profiles import RuleProfile
from domain.wage_contract import (
    AppointNegotiators,
    ApproveReview,
    Check,
    EscalateReplyOverdue,
    EscalateReview,
    FileContract,
    Negotiator,
    OpenRenewal,
    PublishContract,
    RecordAdoptionFromPoll,
    RecordAdoptionVote,
    RecordObjection,
    RecordReply,
    RecordTalksRound,
    RequestAdoptionPoll,
    ResumeTalks,
    ReturnForRevision,
    ReviewComment,
    ReviseDraft,
    Side,
    SignContract,
    SignDraft,
    Stage,
    SubmitForReview,
    SuspendTalks,
    TakeEffect,
    TellerCount,
    VoteCount,
    WageContract,
    pre_review_checks,
    precheck,
    vote_outcome,
)
from tests.wage_contract.helpers import draft, negotiators, offer

PROFILE = load_profile("liaoning")
CALENDAR = work_calendar()
UNIT_PATH = ["dl-city", "dl-ganjingzi", "dl-bearing"]
START = date(2026, 3, 2)  # a Monday with no holiday near it


def acting(actor_id: str, role: Role, org: str) -> Acting:
    return Acting(actor_id=actor_id, role=role, roles=[role], org_id=org)


CADRE = acting("wang.li", Role.CADRE, "dl-bearing")
OTHER_CADRE = acting("zhao.min", Role.CADRE, "dl-garment")
PARENT_REVIEWER = acting("chen.jing", Role.REVIEWER, "dl-ganjingzi")
CITY_REVIEWER = acting("li.wei", Role.REVIEWER, "dl-city")
UNRELATED_REVIEWER = acting("sun.hao", Role.REVIEWER, "dl-textile")
DELEGATE = acting("liu.qiang", Role.DELEGATE, "dl-bearing")
SYSTEM = system_acting()
# The submitter, had they also held the reviewer role at the parent union.
SUBMITTER_AS_REVIEWER = acting("wang.li", Role.REVIEWER, "dl-ganjingzi")


def meta(who: Acting, day: date) -> CommandMeta:
    return CommandMeta(
        command_id=str(uuid.uuid4()),
        acting=who,
        occurred_at=datetime.combine(day, time(10), tzinfo=CHINA_TZ),
    )


class Case:
    """One case and the business date its next command happens on."""

    def __init__(self, today: date = START, profile: RuleProfile = PROFILE) -> None:
        self.today = today
        self.agg = WageContract.open(
            offer(),
            meta(CADRE, today),
            unit_path=UNIT_PATH,
            wage_area_class=1,
            profile=profile,
            today=today,
        )

    @property
    def stage(self) -> Stage:
        return self.agg.view().stage

    def do(self, who: Acting, command: Any) -> WageContract:
        self.agg.handle(command, meta(who, self.today), today=self.today, calendar=CALENDAR)
        return self.agg

    def later(self, days: int) -> Case:
        self.today += timedelta(days=days)
        return self

    def refused(self, who: Acting, command: Any, error: type[DomainError]) -> DomainError:
        """Assert the command is refused with ``error`` and nothing was written."""
        before = (self.agg.version, len(self.agg.pending_events), self.agg.view())
        with pytest.raises(error) as caught:
            self.do(who, command)
        assert (self.agg.version, len(self.agg.pending_events), self.agg.view()) == before
        return caught.value


def congress_votes(case: Case, vote: VoteCount) -> WageContract:
    """The unit's congress votes on the draft: an item of a session, its poll tallied."""
    case.do(CADRE, RequestAdoptionPoll(session_id="s1", item_no=1))
    return case.do(SYSTEM, RecordAdoptionFromPoll(poll_key="s1:item1", count=vote))


def in_talks(people: list[Negotiator] | None = None) -> Case:
    case = Case()
    case.do(CADRE, RecordReply(content="同意协商"))
    case.do(CADRE, AppointNegotiators(negotiators=people or negotiators()))
    case.do(CADRE, RecordTalksRound(minutes="第一轮"))
    return case


def under_review(people: list[Negotiator] | None = None, **draft_kw: Any) -> Case:
    case = in_talks(people)
    case.do(CADRE, SignDraft(draft=draft(**draft_kw)))
    case.do(CADRE, SubmitForReview())
    return case


def signed() -> Case:
    case = under_review()
    case.do(PARENT_REVIEWER, ApproveReview())
    congress_votes(case, count(30, 30, 20))
    case.do(CADRE, SignContract())
    return case


def filed() -> Case:
    case = signed()
    case.do(CADRE, FileContract(copies=3, office="甘井子区人社局"))
    return case


def count(total: int, present: int, votes_for: int) -> VoteCount:
    return VoteCount(
        total_delegates=total,
        present=present,
        votes_for=votes_for,
        votes_against=present - votes_for,
        abstentions=0,
    )


def checks(people: list[Negotiator] | None = None, **draft_kw: Any) -> dict[str, Check]:
    found = pre_review_checks(draft(**draft_kw), people or negotiators(), PROFILE, 1)
    return {c.code: c for c in found}


# -- pre-review checks --------------------------------------------------------------------


def test_wage_exactly_at_minimum_wage_passes() -> None:
    assert checks(monthly="2230")["minimum_wage"].passed


def test_wage_one_fen_below_minimum_wage_fails_as_hard_check() -> None:
    check = checks(monthly="2229.99")["minimum_wage"]
    assert check.hard and not check.passed
    assert "2229.99" in check.detail


def test_minimum_wage_follows_the_wage_area_class() -> None:
    # Class 2 in Liaoning is 2080 yuan: 2100 passes there but not in class 1.
    low = draft(monthly="2100")
    area2 = {c.code: c for c in pre_review_checks(low, negotiators(), PROFILE, 2)}
    area1 = {c.code: c for c in pre_review_checks(low, negotiators(), PROFILE, 1)}
    assert area2["minimum_wage"].passed and not area1["minimum_wage"].passed


@pytest.mark.parametrize(
    ("raise_pct", "within"),
    [("2.00", True), ("1.99", False), ("8.00", True), ("8.01", False), ("5", True), ("-1", False)],
)
def test_raise_checked_against_wage_guideline_band_edges(raise_pct: str, within: bool) -> None:
    check = checks(raise_pct=raise_pct)["wage_guideline"]
    assert check.passed is within
    assert not check.hard  # outside the band the reviewer decides, no override needed


def test_three_negotiators_per_side_pass() -> None:
    assert checks(negotiators(per_side=3))["negotiators"].passed


def test_two_negotiators_per_side_fail() -> None:
    check = checks(negotiators(per_side=2))["negotiators"]
    assert check.hard and not check.passed


def test_unequal_sides_fail_even_when_both_are_large_enough() -> None:
    people = [*negotiators(per_side=3), Negotiator(name="union-9", side=Side.UNION)]
    check = checks(people)["negotiators"]
    assert not check.passed
    assert check.detail == "union 4, employer 3"


def test_one_outsider_of_three_is_allowed() -> None:
    assert checks(negotiators(per_side=3, outsiders=1))["outsiders"].passed


def test_two_outsiders_of_six_is_exactly_one_third_and_allowed() -> None:
    assert checks(negotiators(per_side=6, outsiders=2))["outsiders"].passed


def test_two_outsiders_of_five_exceed_one_third() -> None:
    check = checks(negotiators(per_side=5, outsiders=2))["outsiders"]
    assert check.hard and not check.passed
    assert "union 2/5" in check.detail


def test_unsigned_draft_fails_chiefs_check() -> None:
    check = checks(signed=False)["chiefs_signed"]
    assert check.hard and not check.passed


def test_draft_signed_by_one_chief_only_fails_chiefs_check() -> None:
    half = draft().model_copy(update={"employer_chief_signed": False})
    found = {c.code: c for c in pre_review_checks(half, negotiators(), PROFILE, 1)}
    assert not found["chiefs_signed"].passed


def test_two_chiefs_on_one_side_fail_chiefs_check() -> None:
    people = [
        n.model_copy(update={"chief": True}) if n.name == "union-1" else n for n in negotiators()
    ]
    assert not checks(people)["chiefs_signed"].passed


def test_compliant_draft_passes_every_check() -> None:
    assert all(c.passed for c in checks().values())


# -- adoption vote ------------------------------------------------------------------------


def test_quorum_exactly_two_thirds_present_is_met() -> None:
    assert vote_outcome(count(30, 20, 16), PROFILE) == (True, True)


def test_quorum_one_below_two_thirds_is_not_met_and_vote_fails() -> None:
    assert vote_outcome(count(30, 19, 19), PROFILE) == (False, False)


def test_exactly_half_of_all_delegates_does_not_pass() -> None:
    assert vote_outcome(count(30, 30, 15), PROFILE) == (True, False)


def test_half_plus_one_of_all_delegates_passes() -> None:
    assert vote_outcome(count(30, 30, 16), PROFILE) == (True, True)


def test_pass_counts_all_delegates_not_those_present() -> None:
    # 11 of the 20 present is a majority of the room but not of the 30 delegates.
    assert vote_outcome(count(30, 20, 11), PROFILE) == (True, False)


def test_vote_with_more_votes_than_present_is_invalid_input() -> None:
    with pytest.raises(ValidationError, match="more votes than delegates present"):
        VoteCount(total_delegates=30, present=20, votes_for=15, votes_against=6, abstentions=0)


def test_failed_adoption_vote_is_recorded_and_returns_to_talks() -> None:
    case = under_review()
    case.do(PARENT_REVIEWER, ApproveReview())
    congress_votes(case, count(30, 30, 15))
    view = case.agg.view()
    assert view.stage is Stage.IN_TALKS
    assert [(v.quorum_met, v.passed) for v in view.adoption_votes] == [(True, False)]


def test_passed_adoption_vote_moves_to_adopted() -> None:
    case = under_review()
    case.do(PARENT_REVIEWER, ApproveReview())
    congress_votes(case, count(30, 20, 16))
    assert case.stage is Stage.ADOPTED


# -- pre-review decisions -----------------------------------------------------------------


def test_minimum_wage_below_floor_blocks_approval_even_with_a_reason() -> None:
    case = under_review(monthly="2000")
    error = case.refused(PARENT_REVIEWER, ApproveReview(), InvalidInput)
    assert "minimum_wage" in str(error)
    error = case.refused(PARENT_REVIEWER, ApproveReview(override_reason="试点企业"), InvalidInput)
    assert "unionflow wage return" in str(error)


def test_override_reason_is_recorded_in_the_approval_event() -> None:
    case = under_review(raise_pct="12")
    case.do(PARENT_REVIEWER, ApproveReview(override_reason="  试点企业，市总同意  "))
    event = case.agg.pending_events[-1]
    assert isinstance(event, WageContract.PreReviewApproved)
    assert event.override_reason == "试点企业，市总同意"
    assert event.failed_hard_checks == ["wage_guideline"]
    review = case.agg.view().reviews[-1]
    assert (review.outcome, review.override_reason, review.decided_by) == (
        "approved",
        "试点企业，市总同意",
        "chen.jing",
    )


def test_guideline_band_failure_is_advisory_and_needs_a_written_reason() -> None:
    case = under_review(raise_pct="12")
    case.refused(PARENT_REVIEWER, ApproveReview(), InvalidInput)
    case.refused(PARENT_REVIEWER, ApproveReview(override_reason="   "), InvalidInput)
    case.do(PARENT_REVIEWER, ApproveReview(override_reason="效益大幅增长"))
    assert case.stage is Stage.APPROVED


def test_compliant_draft_is_approved_without_a_reason() -> None:
    case = under_review()
    case.do(PARENT_REVIEWER, ApproveReview())
    assert case.stage is Stage.APPROVED
    assert case.agg.view().reviews[-1].override_reason is None


def test_grandparent_reviewer_may_decide_by_taking_the_round_over() -> None:
    case = under_review()
    case.do(CITY_REVIEWER, ApproveReview(takeover_reason="区总工会人手不足"))
    assert case.agg.view().reviews[-1].decided_by == "li.wei"


def test_reviewer_outside_parent_union_cannot_approve() -> None:
    under_review().refused(UNRELATED_REVIEWER, ApproveReview(), NotAuthorised)


def test_cadre_cannot_approve_own_case() -> None:
    under_review().refused(CADRE, ApproveReview(), NotAuthorised)


def test_submitter_cannot_review_the_round_they_submitted() -> None:
    case = under_review()
    with pytest.raises(NotAuthorised, match="submitted"):
        precheck("approve", SUBMITTER_AS_REVIEWER, case.agg.view())
    case.refused(SUBMITTER_AS_REVIEWER, ApproveReview(), NotAuthorised)
    case.refused(SUBMITTER_AS_REVIEWER, ReturnForRevision(comments=[comment()]), NotAuthorised)


def comment(clause: str = "1") -> ReviewComment:
    return ReviewComment(clause=clause, comment="请补充岗位工资标准")


def test_return_with_comment_on_unknown_clause_is_refused() -> None:
    under_review().refused(
        PARENT_REVIEWER, ReturnForRevision(comments=[comment("9")]), InvalidInput
    )


def test_returned_rounds_keep_their_comments_and_number_up() -> None:
    case = under_review()
    case.do(PARENT_REVIEWER, ReturnForRevision(comments=[comment("1")]))
    case.do(CADRE, ReviseDraft(draft=draft(monthly="3100")))
    case.do(CADRE, SubmitForReview())
    case.do(PARENT_REVIEWER, ReturnForRevision(comments=[comment("*")]))
    case.do(CADRE, ReviseDraft(draft=draft(monthly="3200")))
    case.do(CADRE, SubmitForReview())
    case.do(PARENT_REVIEWER, ApproveReview())
    reviews = case.agg.view().reviews
    assert [r.round for r in reviews] == [1, 2, 3]
    assert [r.outcome for r in reviews] == ["returned", "returned", "approved"]
    assert [c.clause for r in reviews for c in r.comments] == ["1", "*"]


# -- every refusal writes nothing ---------------------------------------------------------


REFUSALS: list[tuple[str, Any, Acting, Any, type[DomainError]]] = [
    ("reply by another unit", Case, OTHER_CADRE, RecordReply(content="x"), NotAuthorised),
    ("reply by a delegate", Case, DELEGATE, RecordReply(content="x"), NotAuthorised),
    ("reply by the engine", Case, SYSTEM, RecordReply(content="x"), NotAuthorised),
    ("talks before reply", Case, CADRE, RecordTalksRound(minutes="x"), InvalidState),
    ("escalation by a person", Case, CADRE, OpenRenewal(), NotAuthorised),
    ("reply escalated early", Case, SYSTEM, EscalateReplyOverdue(), InvalidState),
    ("draft without talks", lambda: replied(), CADRE, SignDraft(draft=draft()), InvalidState),
    ("submit in talks", in_talks, CADRE, SubmitForReview(), InvalidState),
    ("approve in talks", in_talks, PARENT_REVIEWER, ApproveReview(), InvalidState),
    ("approve by unrelated", under_review, UNRELATED_REVIEWER, ApproveReview(), NotAuthorised),
    ("approve by cadre", under_review, CADRE, ApproveReview(), NotAuthorised),
    ("approve by delegate", under_review, DELEGATE, ApproveReview(), NotAuthorised),
    ("review escalated early", under_review, SYSTEM, EscalateReview(), InvalidState),
    (
        "vote by reviewer",
        signed,
        PARENT_REVIEWER,
        RecordAdoptionVote.agreed(count(3, 3, 2)),
        NotAuthorised,
    ),
    ("sign twice", signed, CADRE, SignContract(), InvalidState),
    ("filing too few copies", signed, CADRE, FileContract(copies=2, office="x"), InvalidInput),
    (
        "filing by other unit",
        signed,
        OTHER_CADRE,
        FileContract(copies=3, office="x"),
        NotAuthorised,
    ),
    ("take effect early", filed, SYSTEM, TakeEffect(), InvalidState),
    ("publish before effect", filed, CADRE, PublishContract(channel="厂务公开栏"), InvalidState),
    ("resume by engine early", lambda: suspended(10), SYSTEM, ResumeTalks(), InvalidState),
]


def replied() -> Case:
    case = Case()
    case.do(CADRE, RecordReply(content="同意协商"))
    case.do(CADRE, AppointNegotiators(negotiators=negotiators()))
    return case


def suspended(days: int) -> Case:
    case = in_talks()
    case.do(CADRE, SuspendTalks(days=days, reason="工资增幅分歧"))
    return case


@pytest.mark.parametrize(
    ("build", "who", "command", "error"),
    [r[1:] for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
def test_refused_command_writes_nothing(
    build: Any, who: Acting, command: Any, error: type[DomainError]
) -> None:
    build().refused(who, command, error)


# -- negotiators --------------------------------------------------------------------------


def test_same_person_on_both_sides_is_refused() -> None:
    people = [*negotiators(), Negotiator(name="union-1", side=Side.EMPLOYER)]
    error = Case().refused(CADRE, AppointNegotiators(negotiators=people), InvalidInput)
    assert "both sides" in str(error)


def test_outside_expert_as_chief_is_refused() -> None:
    people = [
        n.model_copy(update={"outsider": True}) if n.name == "union-0" else n for n in negotiators()
    ]
    Case().refused(CADRE, AppointNegotiators(negotiators=people), InvalidInput)


# -- suspension ---------------------------------------------------------------------------


def test_suspension_up_to_the_cap_is_allowed() -> None:
    case = suspended(60)
    view = case.agg.view()
    assert view.stage is Stage.SUSPENDED
    assert view.suspended_until == START + timedelta(days=60)


def test_single_suspension_over_the_cap_is_refused() -> None:
    in_talks().refused(CADRE, SuspendTalks(days=61, reason="x"), InvalidInput)


def test_suspensions_are_capped_in_total() -> None:
    case = suspended(40)
    case.later(40).do(SYSTEM, ResumeTalks())
    error = case.refused(CADRE, SuspendTalks(days=21, reason="再次僵局"), InvalidInput)
    assert "20 left" in str(error)
    case.do(CADRE, SuspendTalks(days=20, reason="再次僵局"))
    assert case.agg.view().suspended_days_total == 60


def test_engine_resumes_talks_when_the_suspension_ends() -> None:
    case = suspended(10)
    case.later(10).do(SYSTEM, ResumeTalks())
    assert case.stage is Stage.IN_TALKS


def test_cadre_may_resume_talks_before_the_suspension_ends() -> None:
    case = suspended(10)
    case.later(1).do(CADRE, ResumeTalks())
    assert case.stage is Stage.IN_TALKS


# -- periods ------------------------------------------------------------------------------


def test_reply_due_twenty_days_after_offer() -> None:
    assert Case().agg.view().reply_due == START + timedelta(days=20)


def test_reply_overdue_escalates_to_the_parent_union() -> None:
    case = Case()
    case.later(20).refused(SYSTEM, EscalateReplyOverdue(), InvalidState)
    case.later(1).do(SYSTEM, EscalateReplyOverdue())
    view = case.agg.view()
    assert (view.reply_overdue, view.reply_escalated_to) == (True, "dl-ganjingzi")


def test_objection_on_the_last_day_of_the_window_returns_to_talks() -> None:
    case = filed()
    case.later(15).do(CADRE, RecordObjection(text="工资标准条款表述不清"))
    view = case.agg.view()
    assert view.stage is Stage.IN_TALKS and view.objections == ["工资标准条款表述不清"]


def test_objection_after_the_review_window_is_refused() -> None:
    case = filed().later(16)
    error = case.refused(CADRE, RecordObjection(text="迟到的意见"), InvalidState)
    assert "review window" in str(error)


def test_contract_takes_effect_after_window_and_renewal_is_sixty_days_before_expiry() -> None:
    case = filed().later(16)
    case.do(SYSTEM, TakeEffect())
    view = case.agg.view()
    assert view.effective_on == case.today
    assert view.expires_on == date(
        case.today.year + 1, case.today.month, case.today.day
    ) - timedelta(days=1)
    assert view.renewal_on == view.expires_on - timedelta(days=60)
    assert view.publication_due == case.today + timedelta(days=5)


def test_filing_due_ten_days_after_signing_with_reminder_two_days_before() -> None:
    view = signed().agg.view()
    assert view.filing_due == START + timedelta(days=10)
    assert view.filing_reminder_on == START + timedelta(days=8)


def test_pre_review_due_in_ten_working_days_with_reminder_two_working_days_before() -> None:
    review = under_review().agg.view().reviews[-1]
    # 2026-03-02 is a Monday with no holiday for weeks: two plain working weeks.
    assert review.due == date(2026, 3, 16)
    assert review.reminder_on == date(2026, 3, 12)
    assert review.reviewer_org == "dl-ganjingzi"


def test_version_counts_every_event() -> None:
    case = filed()
    assert case.agg.version == len(case.agg.pending_events) == case.agg.view().version


def test_paper_adoption_counts_typed_for_the_whole_meeting_are_refused() -> None:
    # Both "tellers" typed by one cadre, with a number of delegates of their choosing:
    # 11 yes of a claimed 20 would adopt a contract whose congress has 30 delegates.
    case = under_review()
    case.do(PARENT_REVIEWER, ApproveReview())
    error = case.refused(
        CADRE,
        RecordAdoptionVote(
            tellers=[
                TellerCount(teller="甲", count=count(20, 20, 11)),
                TellerCount(teller="乙", count=count(20, 20, 11)),
            ]
        ),
        InvalidInput,
    )
    assert "职代会会议" in error.message("zh") and "congress count" in error.message("en")
    assert case.stage is Stage.APPROVED
