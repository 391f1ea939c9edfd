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
from domain.calendar import Calendar, Deadline, add_months, working_days_before
from domain.wage_contract.checks import pre_review_checks, vote_outcome
from domain.wage_contract.commands import (
    AppointNegotiators,
    ApproveReview,
    CorrectDeadlines,
    EscalateReplyOverdue,
    EscalateReview,
    FileContract,
    FlagFilingOverdue,
    FlagPublicationOverdue,
    OpenRenewal,
    PublishContract,
    RecordAdoptionFromPoll,
    RecordAdoptionVote,
    RecordObjection,
    RecordReply,
    RecordTalksRound,
    RemindFiling,
    RemindReviewer,
    RequestAdoptionPoll,
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
from domain.wage_contract.values import ReviewRound, Side, VoteCount


def record_reply(
    case: WageContract, c: RecordReply, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    start = cal.add_working_days(today, case.rule_profile.wage_contract.talks_start_working_days)
    case._emit(
        case.ReplyReceived,
        meta,
        replied_on=today,
        content=c.content,
        talks_start_due=start.date,
        talks_start_due_provisional=start.provisional,
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
    case._emit(case.DraftSigned, meta, draft=c.draft.model_dump(mode="json"))


def revise_draft(
    case: WageContract, c: ReviseDraft, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    case._emit(case.DraftRevised, meta, draft=c.draft.model_dump(mode="json"))


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
    failed = [ch.code for ch in review.checks if ch.hard and not ch.passed]
    reason = (c.override_reason or "").strip() or None
    if failed and reason is None:
        raise InvalidInput(
            f"硬性检查未通过（{', '.join(failed)}），批准须写明理由",
            f"hard checks failed ({', '.join(failed)}): approving needs an override reason",
        )
    case._emit(
        case.PreReviewApproved,
        meta,
        round=review.round,
        decided_on=today,
        override_reason=reason,
        failed_hard_checks=failed,
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


def sign_contract(
    case: WageContract, c: SignContract, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    rules = case.rule_profile.wage_contract
    due = today + timedelta(days=rules.filing_days)
    before = rules.filing_reminder_days_before
    reminder = (
        due - timedelta(days=before) if before and due - timedelta(days=before) > today else None
    )
    case._emit(
        case.ContractSigned, meta, signed_on=today, filing_due=due, filing_reminder_on=reminder
    )


def remind_filing(
    case: WageContract, c: RemindFiling, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    if not case.s.filing_reminded:
        case._emit(case.FilingReminded, meta)


def flag_filing_overdue(
    case: WageContract, c: FlagFilingOverdue, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    assert case.s.filing_due is not None
    if today <= case.s.filing_due:
        raise InvalidState("备案期限未到", "the filing period has not ended")
    if not case.s.filing_overdue:
        case._emit(case.FilingOverdue, meta)


def file_contract(
    case: WageContract, c: FileContract, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    needed = case.rule_profile.wage_contract.filing_copies
    if c.copies < needed:
        raise InvalidInput(f"报送备案须提交{needed}份文本", f"filing needs {needed} copies")
    window = case.rule_profile.wage_contract.review_window_days
    case._emit(
        case.Filed,
        meta,
        filed_on=today,
        copies=c.copies,
        office=c.office,
        review_window_until=today + timedelta(days=window),
    )


def record_objection(
    case: WageContract, c: RecordObjection, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    assert case.s.review_window_until is not None
    if today > case.s.review_window_until:
        raise InvalidState("审查期已过，合同已视为生效", "the review window has ended")
    case._emit(case.ObjectionRaised, meta, text=c.text)


def take_effect(
    case: WageContract, c: TakeEffect, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    assert case.s.review_window_until is not None and case.s.draft is not None
    if today <= case.s.review_window_until:
        raise InvalidState("审查期未满", "the review window has not ended")
    rules = case.rule_profile.wage_contract
    expires = add_months(today, case.s.draft.term_months) - timedelta(days=1)
    case._emit(
        case.TookEffect,
        meta,
        effective_on=today,
        expires_on=expires,
        publication_due=today + timedelta(days=rules.publication_days),
        renewal_on=expires - timedelta(days=rules.renewal_notice_days),
    )


def flag_publication_overdue(
    case: WageContract, c: FlagPublicationOverdue, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    assert case.s.publication_due is not None
    if today <= case.s.publication_due:
        raise InvalidState("公布期限未到", "the publication period has not ended")
    if not case.s.publication_overdue:
        case._emit(case.PublicationOverdue, meta)


def publish(
    case: WageContract, c: PublishContract, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    case._emit(case.Published, meta, published_on=today, channel=c.channel)


def correct_deadlines(
    case: WageContract, c: CorrectDeadlines, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    rules = case.rule_profile.wage_contract
    talks: Deadline | None = None
    if case.s.talks_start_due_provisional and case.s.replied_on is not None:
        talks = cal.add_working_days(case.s.replied_on, rules.talks_start_working_days)
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
    )


def open_renewal(
    case: WageContract, c: OpenRenewal, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    assert case.s.renewal_on is not None
    if today < case.s.renewal_on:
        raise InvalidState("续签提醒日期未到", "the renewal notice date has not come")
    case._emit(case.RenewalOpened, meta, opened_on=today)


Handler = Callable[["WageContract", Any, CommandMeta, date, Calendar], None]

# Commands map to their handler by type (a command without one fails at import).
HANDLERS: dict[type[BaseModel], Handler] = {
    RecordReply: record_reply,
    EscalateReplyOverdue: escalate_reply_overdue,
    AppointNegotiators: appoint_negotiators,
    RecordTalksRound: record_talks_round,
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
    CorrectDeadlines: correct_deadlines,
    OpenRenewal: open_renewal,
}

_unhandled = (set(get_args(_HumanCommands)) | set(get_args(_SystemCommands))) - HANDLERS.keys()
if _unhandled:
    raise RuntimeError(f"wage contract commands without a handler: {sorted(map(str, _unhandled))}")
