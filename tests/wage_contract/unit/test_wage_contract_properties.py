"""Random command sequences from many actors never break the wage contract's invariants.

Each example opens a case and issues up to 60 commands, most of them steered towards
what the rules allow now (so runs reach filing, effect and renewal), the rest drawn from
every actor and command. An independent reading of ``RULES`` predicts each refusal.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from application.calendar import work_calendar
from application.profiles import load_profile
from domain.actors import CHINA_TZ, Acting, CommandMeta, Role, system_acting
from domain.errors import DomainError, InvalidInput, InvalidState, NotAuthorised
from domain.wage_contract import (
    RULES,
    SYSTEM_ALSO,
    AppointNegotiators,
    ApproveReview,
    CorrectDeadlines,
    EscalateReplyOverdue,
    EscalateReview,
    FileContract,
    FlagFilingOverdue,
    FlagHigherUnionReportOverdue,
    FlagPublicationOverdue,
    FlagTalksStartOverdue,
    Negotiator,
    OpenRenewal,
    PublishContract,
    RecordAdoptionFromPoll,
    RecordAdoptionVote,
    RecordFilingIncomplete,
    RecordObjection,
    RecordReply,
    RecordTalksDataProvided,
    RecordTalksRound,
    RemindFiling,
    RemindReviewer,
    RemindTalksStart,
    ReportToHigherUnion,
    RequestAdoptionPoll,
    RequestTalksData,
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
    VoteCount,
    WageContract,
    WageContractView,
)
from tests.wage_contract.helpers import draft, negotiators, offer

PROFILE = load_profile("liaoning")
CALENDAR = work_calendar()
UNIT_PATH = ["dl-city", "dl-ganjingzi", "dl-bearing"]
ANCESTORS = set(UNIT_PATH[:-1])
START = date(2026, 1, 5)


def acting(actor_id: str, role: Role, org: str) -> Acting:
    return Acting(actor_id=actor_id, role=role, roles=[role], org_id=org)


CADRE = acting("wang.li", Role.CADRE, "dl-bearing")
ACTORS = [
    CADRE,
    acting("zhao.min", Role.CADRE, "dl-garment"),
    acting("chen.jing", Role.REVIEWER, "dl-ganjingzi"),
    acting("li.wei", Role.REVIEWER, "dl-city"),
    acting("sun.hao", Role.REVIEWER, "dl-textile"),
    # The submitter, had they also held the reviewer role at the parent union.
    Acting(
        actor_id="wang.li",
        role=Role.REVIEWER,
        roles=[Role.CADRE, Role.REVIEWER],
        org_id="dl-ganjingzi",
    ),
    acting("liu.qiang", Role.DELEGATE, "dl-bearing"),
    system_acting(),
]

# -- payloads -----------------------------------------------------------------------------

PEOPLE = [
    negotiators(),
    negotiators(per_side=2),
    negotiators(per_side=5, outsiders=2),
    [*negotiators(), Negotiator(name="union-9", side=Side.UNION)],
    [*negotiators(), Negotiator(name="union-1", side=Side.EMPLOYER)],  # both sides
    [n.model_copy(update={"outsider": n.chief}) for n in negotiators()],  # outsider chief
]
DRAFTS = [
    draft(),
    draft(),
    draft(monthly="2229.99"),
    draft(monthly="2230"),
    draft(signed=False),
    draft(raise_pct="12"),
]


@st.composite
def vote_counts(draw: st.DrawFn) -> VoteCount:
    total = draw(st.integers(1, 60))
    present = draw(st.integers(0, total))
    votes_for = draw(st.integers(0, present))
    against = draw(st.integers(0, present - votes_for))
    return VoteCount(
        total_delegates=total,
        present=present,
        votes_for=votes_for,
        votes_against=against,
        abstentions=draw(st.integers(0, present - votes_for - against)),
    )


def tally(total: int, present: int, votes_for: int) -> VoteCount:
    return VoteCount(
        total_delegates=total,
        present=present,
        votes_for=votes_for,
        votes_against=present - votes_for,
        abstentions=0,
    )


EDGE_VOTES = [
    tally(30, 30, 20),  # passes
    tally(30, 20, 16),  # quorum exactly, half + 1: passes
    tally(30, 19, 16),  # a majority of all delegates, but no quorum
    tally(30, 30, 15),  # exactly half
    tally(30, 20, 11),  # a majority of those present only
]

PAYLOADS: dict[str, st.SearchStrategy[Any]] = {
    "record_reply": st.just(RecordReply(content="同意协商")),
    "appoint_negotiators": st.sampled_from(PEOPLE).map(lambda p: AppointNegotiators(negotiators=p)),
    "record_talks_round": st.booleans().map(
        lambda d: RecordTalksRound(minutes="纪要", deadlocked=d)
    ),
    "request_talks_data": st.just(
        RequestTalksData(requested_from=Side.EMPLOYER, items=["工资总额"])
    ),
    "record_talks_data_provided": st.integers(1, 2).map(lambda n: RecordTalksDataProvided(no=n)),
    "suspend_talks": st.integers(1, 70).map(lambda d: SuspendTalks(days=d, reason="僵局")),
    "resume_talks": st.just(ResumeTalks()),
    "sign_draft": st.sampled_from(DRAFTS).map(lambda d: SignDraft(draft=d)),
    "submit_for_review": st.just(SubmitForReview()),
    "approve": st.builds(
        lambda r, t: ApproveReview(override_reason=r, takeover_reason=t),
        st.sampled_from([None, "", "  ", "试点企业，同意", "试点企业，同意"]),
        st.sampled_from([None, " ", "区总工会人手不足，市总接手"]),
    ),
    "return_for_revision": st.builds(
        lambda c, t: ReturnForRevision(
            comments=[ReviewComment(clause=c, comment="请修改")], takeover_reason=t
        ),
        st.sampled_from(["1", "2", "*", "9"]),
        st.sampled_from([None, "区总工会人手不足，市总接手"]),
    ),
    "revise_draft": st.sampled_from(DRAFTS).map(lambda d: ReviseDraft(draft=d)),
    "record_adoption_vote": st.one_of(vote_counts(), st.sampled_from(EDGE_VOTES)).map(
        lambda c: RecordAdoptionVote.agreed(c)
    ),
    "request_adoption_poll": st.just(RequestAdoptionPoll(session_id="s1", item_no=1)),
    "record_adoption_from_poll": st.one_of(vote_counts(), st.sampled_from(EDGE_VOTES)).map(
        lambda c: RecordAdoptionFromPoll(poll_key="s1:item1", count=c)
    ),
    "sign_contract": st.just(SignContract()),
    "file_contract": st.integers(1, 4).map(lambda n: FileContract(copies=n, office="人社局")),
    "record_objection": st.just(RecordObjection(text="审查意见")),
    "publish": st.just(PublishContract(channel="厂务公开栏")),
    "record_filing_incomplete": st.just(RecordFilingIncomplete(missing=["职代会决议"])),
    "report_to_higher_union": st.just(ReportToHigherUnion(reference="甘工字[2026]3号")),
    "remind_talks_start": st.just(RemindTalksStart()),
    "flag_talks_start_overdue": st.just(FlagTalksStartOverdue()),
    "flag_higher_union_report_overdue": st.just(FlagHigherUnionReportOverdue()),
    "escalate_reply_overdue": st.just(EscalateReplyOverdue()),
    "remind_reviewer": st.just(RemindReviewer()),
    "escalate_review": st.just(EscalateReview()),
    "remind_filing": st.just(RemindFiling()),
    "flag_filing_overdue": st.just(FlagFilingOverdue()),
    "take_effect": st.just(TakeEffect()),
    "flag_publication_overdue": st.just(FlagPublicationOverdue()),
    "open_renewal": st.just(OpenRenewal()),
    "correct_deadlines": st.just(CorrectDeadlines()),
}
assert set(PAYLOADS) == set(RULES)

# -- the oracle: RULES read independently of precheck -------------------------------------


def actor_allowed(kind: str, who: Acting, view: WageContractView) -> bool:
    role, _ = RULES[kind]
    if role == "system":
        return who.role is Role.SYSTEM
    if role == "unit_cadre":
        engine = who.role is Role.SYSTEM and kind in SYSTEM_ALSO
        return engine or (who.role is Role.CADRE and who.org_id == view.unit_org)
    assert role == "reviewer"
    if who.role is not Role.REVIEWER or who.org_id not in ANCESTORS:
        return False
    under = view.stage is Stage.UNDER_REVIEW and view.reviews
    if under and view.reviews[-1].submitted_by == who.actor_id:
        return False
    # Nobody below the union the round was escalated to decides it.
    return not (
        under and UNIT_PATH.index(who.org_id) > UNIT_PATH.index(view.reviews[-1].reviewer_org)
    )


def expected_refusal(kind: str, who: Acting, view: WageContractView) -> type[DomainError] | None:
    if not actor_allowed(kind, who, view):
        return NotAuthorised
    if view.stage not in RULES[kind][1]:
        return InvalidState
    return None


# -- invariants ---------------------------------------------------------------------------


def check_invariants(agg: WageContract) -> None:
    view = agg.view()
    events = agg.pending_events
    assert isinstance(view.stage, Stage)
    assert agg.version == view.version == len(events)
    assert [r.round for r in view.reviews] == list(range(1, len(view.reviews) + 1))
    if view.stage is Stage.APPROVED:
        assert view.reviews and view.reviews[-1].outcome == "approved"
    advisory = set(PROFILE.wage_contract.advisory_checks)
    for review in view.reviews:
        if review.outcome == "approved":
            # Legal floors are floors: no reason approves past them.
            assert not [c for c in review.checks if not c.passed and c.code not in advisory]
            if any(not c.passed for c in review.checks):
                assert review.override_reason and review.override_reason.strip()
        if review.taken_over_from is not None:
            assert review.takeover_reason and review.takeover_reason.strip()
        assert (review.outcome is None) == (review.decided_by is None)
        assert review.decided_by != review.submitted_by
    decisions = [
        e
        for e in events
        if isinstance(e, WageContract.PreReviewApproved | WageContract.PreReviewReturned)
    ]
    assert len(decisions) == sum(r.outcome is not None for r in view.reviews)
    takeovers = [e for e in events if isinstance(e, WageContract.ReviewTakenOver)]
    for decision in decisions:
        assert decision.actor["role"] == Role.REVIEWER.value
        assert decision.actor["org"] in ANCESTORS
        round_ = view.reviews[decision.round - 1]
        # The record names the deciding union as the reviewer: escalated, or taken over.
        assert round_.reviewer_org == decision.actor["org"]
    for takeover in takeovers:
        assert takeover.reason.strip() and takeover.to_org == takeover.actor["org"]
    for vote in view.adoption_votes:
        c = vote.count
        if vote.passed:
            assert vote.quorum_met
            assert 3 * c.present >= 2 * c.total_delegates
            assert 2 * c.votes_for > c.total_delegates
    if view.suspended_until is not None or view.stage is Stage.SUSPENDED:
        assert view.stage is Stage.SUSPENDED
    assert view.suspended_days_total <= PROFILE.wage_contract.suspension_cap_days


def rebuilt(agg: WageContract) -> WageContractView:
    """The state the recorded events alone produce."""
    copy: Any = None
    for recorded in agg.pending_events:
        copy = recorded.mutate(copy)
    return copy.view()


DAYS = [0, 0, 0, 0, 1, 3, 9, 16, 21, 70, 200]

# -- the property -------------------------------------------------------------------------


def meta(who: Acting, day: date) -> CommandMeta:
    return CommandMeta(
        command_id=str(uuid.uuid4()),
        acting=who,
        occurred_at=datetime.combine(day, time(10), tzinfo=CHINA_TZ),
    )


def allowed_moves(view: WageContractView) -> list[tuple[str, Acting]]:
    return [
        (kind, who) for kind in RULES for who in ACTORS if expected_refusal(kind, who, view) is None
    ]


# Steps that move a case towards renewal; steering prefers them so runs get deep.
FORWARD = set(RULES) - {
    "appoint_negotiators",
    "suspend_talks",
    "return_for_revision",
    "record_objection",
    "remind_reviewer",
    "escalate_review",
    "remind_filing",
    "flag_filing_overdue",
    "flag_publication_overdue",
    "escalate_reply_overdue",
    "record_filing_incomplete",
    "request_talks_data",
    "remind_talks_start",
    "flag_talks_start_overdue",
    "flag_higher_union_report_overdue",
    "correct_deadlines",
}


def choose(data: st.DataObject, view: WageContractView) -> tuple[str, Acting]:
    """Half forward along the process, a quarter any allowed step, a quarter anything."""
    moves = allowed_moves(view)
    if not view.negotiators or (view.stage is Stage.IN_TALKS and view.rounds_held == 0):
        forward = [m for m in moves if m[0] in {"appoint_negotiators", "record_talks_round"}]
    else:
        forward = [m for m in moves if m[0] in FORWARD]
    mode = data.draw(st.sampled_from(["forward", "forward", "allowed", "any"]), label="mode")
    if mode == "forward" and forward:
        return data.draw(st.sampled_from(forward), label="move")
    if mode in ("forward", "allowed") and moves:
        return data.draw(st.sampled_from(moves), label="move")
    kind = data.draw(st.sampled_from(sorted(RULES)), label="kind")
    return kind, data.draw(st.sampled_from(ACTORS), label="actor")


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_no_command_sequence_breaks_invariants_or_lets_an_unauthorised_actor_act(
    data: st.DataObject,
) -> None:
    today = START
    agg = WageContract.open(
        offer(),
        meta(CADRE, today),
        unit_path=UNIT_PATH,
        wage_area_class=1,
        profile=PROFILE,
        today=today,
    )
    check_invariants(agg)
    steps = data.draw(st.integers(1, 60), label="steps")
    order = list(Stage)
    furthest = Stage.OFFERED
    for _ in range(steps):
        today += timedelta(days=data.draw(st.sampled_from(DAYS), label="days"))
        view = agg.view()
        kind, who = choose(data, view)
        command = data.draw(PAYLOADS[kind], label="command")
        expected = expected_refusal(kind, who, view)
        before = (agg.version, len(agg.pending_events), view)
        try:
            agg.handle(command, meta(who, today), today=today, calendar=CALENDAR)
        except (NotAuthorised, InvalidState, InvalidInput) as error:
            if expected is not None:
                assert type(error) is expected, (kind, who.actor_id, view.stage, error)
            else:
                # Allowed by the rules, refused by the case's facts (dates, counts, data).
                assert not isinstance(error, NotAuthorised), (kind, who.actor_id, error)
            assert (agg.version, len(agg.pending_events), agg.view()) == before
        else:
            assert expected is None, (kind, who.actor_id, view.stage)
        check_invariants(agg)
        furthest = max(furthest, agg.view().stage, key=order.index)
    event(f"furthest stage: {furthest.value}")
    assert rebuilt(agg) == agg.view()
