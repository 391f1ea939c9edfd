"""Handlers from the adopted draft to the renewal notice: signing, filing with the labour
administration, taking effect, publication, the report to the higher union, renewal.

Each checks and computes, then emits events on the aggregate; events only assign.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from domain.actors import CommandMeta
from domain.calendar import Calendar, add_months
from domain.errors import InvalidInput, InvalidState
from domain.wage_contract.commands import (
    FileContract,
    FlagFilingOverdue,
    FlagHigherUnionReportOverdue,
    FlagPublicationOverdue,
    OpenRenewal,
    PublishContract,
    RecordFilingIncomplete,
    RecordObjection,
    RemindFiling,
    ReportToHigherUnion,
    SignContract,
    TakeEffect,
)
from domain.wage_contract.values import AdoptionVote

if TYPE_CHECKING:
    from domain.wage_contract.aggregate import WageContract


def check_term(case: WageContract, term_months: int) -> None:
    """A wage contract runs for the profile's term (WCN §24: one year); longer is refused."""
    rules = case.rule_profile.wage_contract
    longest = rules.term_months_max
    if term_months > longest:
        raise InvalidInput(
            f"工资专项集体合同期限为{rules.contract_term_months}个月，草案定为{term_months}个月，"
            f"超过规则允许的{longest}个月；请修改草案期限",
            f"a wage contract runs {rules.contract_term_months} months; the draft's "
            f"{term_months} months exceed the {longest} the profile allows: change the term",
        )


def adoption_resolution(case: WageContract) -> AdoptionVote:
    """The congress vote that adopted the draft now before signing (the last one, passed)."""
    votes = case.s.adoption_votes
    if not votes or not votes[-1].passed:
        raise InvalidState(
            "职代会尚未表决通过本草案，不能签订或备案",
            "the congress has not adopted this draft: it cannot be signed or filed",
        )
    return votes[-1]


def sign_contract(
    case: WageContract, c: SignContract, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    adoption_resolution(case)
    assert case.s.draft is not None  # ADOPTED implies a draft
    draft = case.s.draft
    if not (draft.union_chief_signed and draft.employer_chief_signed):
        raise InvalidInput(
            "草案未经双方首席代表签字，不能签订", "both chiefs must have signed the draft"
        )
    check_term(case, draft.term_months or case.rule_profile.wage_contract.contract_term_months)
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
    if case.s.signed_on is None:
        raise InvalidState("合同尚未签订，不能备案", "the contract is not signed yet")
    needed = case.rule_profile.wage_contract.filing_copies
    if c.copies < needed:
        raise InvalidInput(f"报送备案须提交{needed}份文本", f"filing needs {needed} copies")
    resolution = adoption_resolution(case)
    window = case.rule_profile.wage_contract.review_window_days
    count = resolution.count
    case._emit(
        case.Filed,
        meta,
        filed_on=today,
        copies=c.copies,
        office=c.office,
        review_window_until=today + timedelta(days=window),
        adopted_on=resolution.recorded_on,
        delegates_total=count.total_delegates,
        delegates_present=count.present,
        votes_for=count.votes_for,
        votes_against=count.votes_against,
        abstentions=count.abstentions,
        vote_source=resolution.source,
    )


def record_filing_incomplete(
    case: WageContract, c: RecordFilingIncomplete, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    fix_days = case.rule_profile.wage_contract.filing_fix_days
    case._emit(
        case.FilingReturnedIncomplete,
        meta,
        missing=[item.strip() for item in c.missing],
        fix_due=today + timedelta(days=fix_days),
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
    term = case.s.draft.term_months or rules.contract_term_months
    expires = add_months(today, term) - timedelta(days=1)
    case._emit(
        case.TookEffect,
        meta,
        effective_on=today,
        expires_on=expires,
        publication_due=today + timedelta(days=rules.publication_days),
        renewal_on=expires - timedelta(days=rules.renewal_notice_days),
        higher_union_report_due=today + timedelta(days=rules.higher_union_report_days),
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


def report_to_higher_union(
    case: WageContract, c: ReportToHigherUnion, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    if case.s.higher_union_reported_on is not None:
        raise InvalidState(
            f"已于{case.s.higher_union_reported_on}报上级工会",
            f"already reported to the higher union on {case.s.higher_union_reported_on}",
        )
    case._emit(
        case.ReportedToHigherUnion,
        meta,
        reported_on=today,
        to_org=case.s.unit_path[-2],
        reference=c.reference.strip(),
    )


def flag_higher_union_report_overdue(
    case: WageContract,
    c: FlagHigherUnionReportOverdue,
    meta: CommandMeta,
    today: date,
    cal: Calendar,
) -> None:
    due = case.s.higher_union_report_due
    if due is None or case.s.higher_union_reported_on is not None:
        raise InvalidState("无须报上级工会或已报送", "no report to the higher union is due")
    if today <= due:
        raise InvalidState("报上级工会期限未到", "the report period has not ended")
    if not case.s.higher_union_report_overdue:
        case._emit(case.HigherUnionReportOverdue, meta, due=due)


def open_renewal(
    case: WageContract, c: OpenRenewal, meta: CommandMeta, today: date, cal: Calendar
) -> None:
    assert case.s.renewal_on is not None
    if today < case.s.renewal_on:
        raise InvalidState("续签提醒日期未到", "the renewal notice date has not come")
    case._emit(case.RenewalOpened, meta, opened_on=today)
