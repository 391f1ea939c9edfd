"""One function per wage contract command, mapped by command type in ``HANDLERS``.

Each checks and computes, then emits events on the aggregate; events only assign.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel

from domain.actors import CommandMeta, Role
from domain.errors import InvalidInput, InvalidState

if TYPE_CHECKING:
    from domain.wage_contract.aggregate import WageContract
from domain.calendar import Calendar, Deadline, working_days_before
from domain.wage_contract.after_adoption import (
    check_term,
    file_contract,
    flag_filing_overdue,
    flag_higher_union_report_overdue,
    flag_publication_overdue,
    open_renewal,
    publish,
    record_filing_incomplete,
    record_objection,
    remind_filing,
    report_to_higher_union,
    sign_contract,
    take_effect,
)
from domain.wage_contract.checks import (
    advisory_failures,
    blocking_failures,
    pre_review_checks,
    vote_outcome,
)
from domain.wage_contract.commands import (
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
    ReviseDraft,
    SignContract,
    SignDraft,
    SubmitForReview,
    SuspendTalks,
    TakeEffect,
    _HumanCommands,
    _SystemCommands,
)
from domain.wage_contract.permissions import takes_over
from domain.wage_contract.talks import (
    check_data_provided_in_time,
    flag_talks_start_overdue,
    record_talks_data_provided,
    remind_talks_start,
    request_talks_data,
)
from domain.wage_contract.values import Draft, ReviewRound, Side, VoteCount


def record_reply(
    case: WageContract, c: RecordReply, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    rules = case.rule_profile.wage_contract
    start = cal.add_working_days(today, rules.talks_start_working_days)
    case._emit(
        case.ReplyReceived,
        meta,
        replied_on=today,
        content=c.content,
        talks_start_due=start.date,
        talks_start_due_provisional=start.provisional,
        talks_start_reminder_on=working_days_before(
            cal, start.date, rules.talks_start_reminder_working_days_before, today
        ),
    )


def escalate_reply_overdue(
    case: WageContract, c: EscalateReplyOverdue, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    if case.s.reply_overdue:
        return
    if today <= case.s.reply_due:
        raise InvalidState("回应期限未到", "the reply period has not ended")
    case._emit(case.ReplyOverdue, meta, escalated_to=case.s.unit_path[-2])


def appoint_negotiators(
    case: WageContract, c: AppointNegotiators, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    names: dict[str, Side] = {}
    for n in c.negotiators:
        if n.name in names and names[n.name] is not n.side:
            raise InvalidInput(
                f"{n.name} 不能同时担任双方协商代表",
                f"{n.name} cannot sit on both sides (CCR §24)",
            )
        if n.name in names:
            raise InvalidInput(f"{n.name} 重复", f"{n.name} is listed twice")
        names[n.name] = n.side
        if n.chief and n.outsider:
            raise InvalidInput(
                f"外聘代表 {n.name} 不能担任首席代表",
                f"outside expert {n.name} cannot be the chief (CCR §23)",
            )
    case._emit(
        case.NegotiatorsAppointed,
        meta,
        negotiators=[n.model_dump(mode="json") for n in c.negotiators],
    )


def record_talks_round(
    case: WageContract, c: RecordTalksRound, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    if not case.s.negotiators:
        raise InvalidState("请先确定协商代表", "appoint the negotiators first")
    check_data_provided_in_time(case, today)
    case._emit(
        case.TalksRoundHeld,
        meta,
        round=case.s.rounds_held + 1,
        minutes=c.minutes,
        deadlocked=c.deadlocked,
    )


def suspend_talks(
    case: WageContract, c: SuspendTalks, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    cap = case.rule_profile.wage_contract.suspension_cap_days
    if case.s.suspended_days_total + c.days > cap:
        left = cap - case.s.suspended_days_total
        raise InvalidInput(
            f"中止期限累计不得超过{cap}天（尚余{left}天）",
            f"suspensions may total at most {cap} days ({left} left)",
        )
    case._emit(
        case.TalksSuspended,
        meta,
        until=today + timedelta(days=c.days),
        days=c.days,
        reason=c.reason,
    )


def resume_talks(
    case: WageContract, c: ResumeTalks, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    if (
        meta.acting.role is Role.SYSTEM
        and case.s.suspended_until
        and today < case.s.suspended_until
    ):
        raise InvalidState("中止期限未到", "the suspension has not ended")
    case._emit(case.TalksResumed, meta, resumed_on=today)


def sign_draft(
    case: WageContract, c: SignDraft, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    if case.s.rounds_held < 1:
        raise InvalidState("尚未进行协商，不能形成草案", "no talks round held yet")
    if not case.s.negotiators:
        raise InvalidState("请先确定协商代表", "appoint the negotiators first")
    case._emit(case.DraftSigned, meta, draft=_signed_draft(case, c.draft))


def revise_draft(
    case: WageContract, c: ReviseDraft, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    case._emit(case.DraftRevised, meta, draft=_signed_draft(case, c.draft))


def _signed_draft(case: WageContract, draft: Draft) -> dict[str, Any]:
    """The draft as stored: both chiefs' signatures required (CCR §34), the term filled
    in from the profile and kept within what it allows."""
    missing = [
        label
        for label, signed in (
            (("职工方", "the union's"), draft.union_chief_signed),
            (("企业方", "the employer's"), draft.employer_chief_signed),
        )
        if not signed
    ]
    if missing:
        raise InvalidInput(
            f"草案须由双方首席代表签字，缺少{'、'.join(zh for zh, _ in missing)}首席代表签字",
            f"both chiefs must sign the draft; missing {' and '.join(en for _, en in missing)} "
            "chief's signature",
        )
    term = draft.term_months or case.rule_profile.wage_contract.contract_term_months
    check_term(case, term)
    return draft.model_copy(update={"term_months": term}).model_dump(mode="json")


def submit_for_review(
    case: WageContract, c: SubmitForReview, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    assert case.s.draft is not None  # DRAFTED implies a draft
    rules = case.rule_profile.wage_contract
    due = cal.add_working_days(today, rules.pre_review_working_days)
    review = ReviewRound(
        round=len(case.s.reviews) + 1,
        submitted_by=meta.acting.actor_id,
        submitted_on=today,
        checks=pre_review_checks(
            case.s.draft, case.s.negotiators, case.rule_profile, case.s.wage_area_class
        ),
        reviewer_org=case.s.unit_path[-2],
        due=due.date,
        due_provisional=due.provisional,
        due_from=today,
        reminder_on=working_days_before(
            cal, due.date, rules.pre_review_reminder_working_days_before, today
        ),
    )
    case._emit(case.SubmittedForReview, meta, review=review.model_dump(mode="json"))


def remind_reviewer(
    case: WageContract, c: RemindReviewer, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    review = case.s.reviews[-1]
    if not review.reminded:
        case._emit(case.ReviewerReminded, meta, round=review.round)


def escalate_review(
    case: WageContract, c: EscalateReview, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    review = case.s.reviews[-1]
    if review.overdue_at_top:
        return
    if today <= review.due:
        raise InvalidState("预审期限未到", "the pre-review period has not ended")
    rules = case.rule_profile.wage_contract
    index = case.s.unit_path.index(review.reviewer_org)
    if index == 0 or not rules.pre_review_escalates:
        case._emit(
            case.ReviewEscalated,
            meta,
            round=review.round,
            to_org=None,
            due=None,
            due_provisional=False,
            reminder_on=None,
        )
        return
    due = cal.add_working_days(today, rules.pre_review_working_days)
    case._emit(
        case.ReviewEscalated,
        meta,
        round=review.round,
        to_org=case.s.unit_path[index - 1],
        due=due.date,
        due_provisional=due.provisional,
        due_from=today,
        reminder_on=working_days_before(
            cal, due.date, rules.pre_review_reminder_working_days_before, today
        ),
    )


def approve(
    case: WageContract, c: ApproveReview, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    review = case.s.reviews[-1]
    profile = case.rule_profile
    floors = blocking_failures(review.checks, profile)
    if floors:
        labels = "、".join(ch.label_zh for ch in review.checks if ch.code in floors)
        raise InvalidInput(
            f"未达到法定底线（{labels}），不能批准，也不能以理由放行；请退回修改："
            "unionflow wage return",
            f"legal floors not met ({', '.join(floors)}): the draft cannot be approved, "
            "with or without a reason; return it for revision: unionflow wage return",
        )
    advisory = advisory_failures(review.checks, profile)
    reason = (c.override_reason or "").strip() or None
    if advisory and reason is None:
        raise InvalidInput(
            f"参考性检查未通过（{', '.join(advisory)}），批准须写明理由（--override）",
            f"advisory checks failed ({', '.join(advisory)}): approving needs an override "
            "reason (--override)",
        )
    _take_over_if_needed(case, c, meta)
    case._emit(
        case.PreReviewApproved,
        meta,
        round=review.round,
        decided_on=today,
        override_reason=reason if advisory else None,
        failed_hard_checks=advisory,
    )


def _take_over_if_needed(
    case: WageContract, c: ApproveReview | ReturnForRevision, meta: CommandMeta
) -> None:
    """Record an ancestor union taking over a round not escalated to it, with its reason
    (``precheck_command`` already refused a takeover without one)."""
    if not takes_over(meta.acting, case.s):
        return
    review = case.s.reviews[-1]
    case._emit(
        case.ReviewTakenOver,
        meta,
        round=review.round,
        from_org=review.reviewer_org,
        to_org=meta.acting.org_id,
        reason=(c.takeover_reason or "").strip(),
    )


def return_for_revision(
    case: WageContract, c: ReturnForRevision, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    assert case.s.draft is not None
    known = {cl.no for cl in case.s.draft.clauses}
    unknown = [x.clause for x in c.comments if x.clause not in known and x.clause != "*"]
    if unknown:
        raise InvalidInput(
            f"草案中没有条款 {', '.join(unknown)}",
            f"the draft has no clause {', '.join(unknown)}",
        )
    _take_over_if_needed(case, c, meta)
    case._emit(
        case.PreReviewReturned,
        meta,
        round=case.s.reviews[-1].round,
        decided_on=today,
        comments=[x.model_dump() for x in c.comments],
    )


def record_adoption_vote(
    case: WageContract, c: RecordAdoptionVote, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    # Counts typed in for the whole meeting let anyone choose the number of delegates and
    # the tellers' names. Stored votes of this kind stay as they were; a new paper vote is
    # an item of a congress session, whose roster gives the number of all delegates and
    # whose two tellers, named when the item opens, each enter their own count.
    raise InvalidInput(
        "纸质表决须在职代会会议中进行：把本草案列入会议议程，"
        f"unionflow wage adoption-poll {case.s.case_id} --session 会议 --item 议题号，"
        "再由主持人 unionflow congress open-poll … --paper --teller 监票人 --teller 计票人，"
        "两名计票人各自 unionflow congress count 录入",
        "a paper vote is an item of a congress session: put the draft on the agenda, "
        f"unionflow wage adoption-poll {case.s.case_id} --session SESSION --item N, then the "
        "chair opens it with unionflow congress open-poll … --paper --teller A --teller B "
        "and each teller enters their own count with unionflow congress count",
    )


def request_adoption_poll(
    case: WageContract, c: RequestAdoptionPoll, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    if case.s.adoption_poll is not None:
        raise InvalidState("草案已提交职代会表决", "the draft is already before the congress")
    case._emit(
        case.AdoptionPollRequested,
        meta,
        session_id=c.session_id,
        item_no=c.item_no,
        poll_key=f"{c.session_id}:item{c.item_no}",
    )


def record_adoption_from_poll(
    case: WageContract, c: RecordAdoptionFromPoll, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    if case.s.adoption_poll != c.poll_key or c.count is None:
        raise InvalidState("不是本合同的表决", "not this contract's poll")
    _record_vote(case, c.count, meta, today, f"poll:{c.poll_key}")


def _record_vote(
    case: WageContract, count: VoteCount, meta: CommandMeta, today: date, source: str
) -> None:
    quorum, passed = vote_outcome(count, case.rule_profile)
    case._emit(
        case.AdoptionVoteRecorded,
        meta,
        count=count.model_dump(),
        quorum_met=quorum,
        passed=passed,
        recorded_on=today,
        source=source,
    )


def correct_deadlines(
    case: WageContract, c: CorrectDeadlines, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    rules = case.rule_profile.wage_contract
    talks: Deadline | None = None
    talks_reminder: date | None = None
    if case.s.talks_start_due_provisional and case.s.replied_on is not None:
        talks = cal.add_working_days(case.s.replied_on, rules.talks_start_working_days)
        talks_reminder = working_days_before(
            cal, talks.date, rules.talks_start_reminder_working_days_before, case.s.replied_on
        )
        if talks.date == case.s.talks_start_due and talks.provisional:
            talks = None
    review = case.s.current_review
    fixed: Deadline | None = None
    reminder: date | None = None
    if review is not None and review.due_provisional and not review.overdue_at_top:
        start = review.due_from or review.submitted_on
        fixed = cal.add_working_days(start, rules.pre_review_working_days)
        reminder = working_days_before(
            cal, fixed.date, rules.pre_review_reminder_working_days_before, start
        )
        if fixed.date == review.due and fixed.provisional:
            fixed = None
    if talks is None and fixed is None:
        return
    case._emit(
        case.DeadlinesCorrected,
        meta,
        talks_start_due=talks.date if talks else None,
        talks_start_due_provisional=talks.provisional if talks else False,
        review_round=review.round if fixed is not None and review is not None else None,
        review_due=fixed.date if fixed else None,
        review_due_provisional=fixed.provisional if fixed else False,
        review_reminder_on=reminder if fixed else None,
        talks_start_reminder_on=talks_reminder if talks else None,
    )


Handler = Callable[["WageContract", Any, CommandMeta, date, Calendar], None]

# Commands map to their handler by type (a command without one fails at import).
HANDLERS: dict[type[BaseModel], Handler] = {
    RecordReply: record_reply,
    EscalateReplyOverdue: escalate_reply_overdue,
    AppointNegotiators: appoint_negotiators,
    RecordTalksRound: record_talks_round,
    RequestTalksData: request_talks_data,
    RecordTalksDataProvided: record_talks_data_provided,
    SuspendTalks: suspend_talks,
    ResumeTalks: resume_talks,
    SignDraft: sign_draft,
    ReviseDraft: revise_draft,
    SubmitForReview: submit_for_review,
    RemindReviewer: remind_reviewer,
    EscalateReview: escalate_review,
    ApproveReview: approve,
    ReturnForRevision: return_for_revision,
    RecordAdoptionVote: record_adoption_vote,
    RequestAdoptionPoll: request_adoption_poll,
    RecordAdoptionFromPoll: record_adoption_from_poll,
    SignContract: sign_contract,
    RemindFiling: remind_filing,
    FlagFilingOverdue: flag_filing_overdue,
    FileContract: file_contract,
    RecordObjection: record_objection,
    TakeEffect: take_effect,
    FlagPublicationOverdue: flag_publication_overdue,
    PublishContract: publish,
    RecordFilingIncomplete: record_filing_incomplete,
    ReportToHigherUnion: report_to_higher_union,
    FlagHigherUnionReportOverdue: flag_higher_union_report_overdue,
    RemindTalksStart: remind_talks_start,
    FlagTalksStartOverdue: flag_talks_start_overdue,
    CorrectDeadlines: correct_deadlines,
    OpenRenewal: open_renewal,
}

_unhandled = (set(get_args(_HumanCommands)) | set(get_args(_SystemCommands))) - HANDLERS.keys()
if _unhandled:
    raise RuntimeError(f"wage contract commands without a handler: {sorted(map(str, _unhandled))}")
