"""Steps the profile names are enforced (issue 7, point 11): talks start within
``talks_start_working_days`` of the reply (reminder, then overdue); the filing package
carries the adoption resolution from the ledger, an incomplete one gets ``filing_fix_days``;
the report to the higher union within ``higher_union_report_days``; employees' request
(``offer_request_fraction``) obliges the union to send the offer."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

import domain.wage_contract
from application.calendar import work_calendar
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.profiles import WageContractRules
from domain.wage_contract import (
    AppointNegotiators,
    FileContract,
    FlagFilingOverdue,
    FlagHigherUnionReportOverdue,
    FlagTalksStartOverdue,
    PublishContract,
    RecordFilingIncomplete,
    RecordReply,
    RecordTalksDataProvided,
    RecordTalksRound,
    RemindTalksStart,
    ReportToHigherUnion,
    RequestTalksData,
    Side,
    Stage,
    SuspendTalks,
    TakeEffect,
    WageContract,
)
from domain.wage_contract.offer_request import OfferRequest, RecordOfferRequest
from tests.wage_contract.helpers import negotiators
from tests.wage_contract.unit.builders import filed, signed
from tests.wage_contract.unit.test_wage_contract import (
    CADRE,
    OTHER_CADRE,
    PROFILE,
    START,
    SYSTEM,
    UNIT_PATH,
    Case,
    meta,
    offer,
)

CALENDAR = work_calendar()

# -- talks start within N working days of the reply ---------------------------------------


def replied() -> Case:
    case = Case()
    case.do(CADRE, RecordReply(content="同意协商"))
    case.do(CADRE, AppointNegotiators(negotiators=negotiators()))
    return case


def test_talks_must_start_within_the_working_days_after_the_reply_with_a_reminder() -> None:
    case = replied()
    view = case.agg.view()
    rules = PROFILE.wage_contract
    assert view.talks_start_due == CALENDAR.add_working_days(START, 10).date
    assert view.talks_start_reminder_on is not None
    assert view.talks_start_reminder_on < view.talks_start_due
    assert view.talks_not_started
    case.do(SYSTEM, RemindTalksStart())
    assert case.agg.view().talks_start_reminded
    # Not overdue through the last day; overdue the day after.
    case.today = view.talks_start_due
    case.refused(SYSTEM, FlagTalksStartOverdue(), InvalidState)
    case.later(1)
    case.do(SYSTEM, FlagTalksStartOverdue())
    event = case.agg.pending_events[-1]
    assert isinstance(event, WageContract.TalksStartOverdue) and event.due == view.talks_start_due
    assert case.agg.view().talks_start_overdue
    # A late first round is still accepted; the flag stays in the record.
    case.do(CADRE, RecordTalksRound(minutes="迟到的首轮协商"))
    assert not case.agg.view().talks_not_started and case.agg.view().talks_start_overdue
    assert rules.talks_start_working_days == 10


@pytest.mark.parametrize(
    "started",
    [RecordTalksRound(minutes="首轮"), SuspendTalks(days=5, reason="分歧")],
    ids=["a round held", "talks suspended"],
)
def test_once_talks_started_no_talks_start_reminder_or_overdue_flag(started) -> None:
    case = replied()
    if isinstance(started, SuspendTalks):
        case.do(CADRE, RecordTalksRound(minutes="x", deadlocked=True))
    case.do(CADRE, started)
    case.later(30)
    if case.stage is Stage.IN_TALKS:
        case.refused(SYSTEM, RemindTalksStart(), InvalidState)
        case.refused(SYSTEM, FlagTalksStartOverdue(), InvalidState)
    else:
        case.refused(SYSTEM, FlagTalksStartOverdue(), InvalidState)


# -- the filing package -------------------------------------------------------------------


def test_filing_package_carries_the_adoption_resolution_from_the_ledger() -> None:
    case = filed()
    vote = case.agg.view().adoption_votes[-1]
    event = case.agg.pending_events[-1]
    assert isinstance(event, WageContract.Filed)
    assert (
        event.adopted_on,
        event.delegates_total,
        event.delegates_present,
        event.votes_for,
        event.votes_against,
        event.abstentions,
        event.vote_source,
    ) == (
        vote.recorded_on,
        vote.count.total_delegates,
        vote.count.present,
        vote.count.votes_for,
        vote.count.votes_against,
        vote.count.abstentions,
        vote.source,
    )
    package = case.agg.view().filing_package
    assert package is not None and (package.delegates_present, package.votes_for) == (28, 20)


def test_the_filing_command_cannot_carry_counts_of_its_own() -> None:
    with pytest.raises(ValueError):
        FileContract.model_validate(
            {"copies": 3, "office": "人社局", "votes_for": 99, "delegates_present": 99}
        )


def test_incomplete_filing_package_gets_the_fix_period_then_overdue() -> None:
    case = filed()
    case.later(3)
    case.do(CADRE, RecordFilingIncomplete(missing=["  职代会决议原件 "]))
    view = case.agg.view()
    fix_due = case.today + timedelta(days=PROFILE.wage_contract.filing_fix_days)
    assert (view.stage, view.filing_fix_due, view.filing_due, view.filing_missing) == (
        Stage.SIGNED,
        fix_due,
        fix_due,
        ["职代会决议原件"],
    )
    assert view.review_window_until is None
    case.today = fix_due
    case.refused(SYSTEM, FlagFilingOverdue(), InvalidState)
    case.later(1)
    case.do(SYSTEM, FlagFilingOverdue())
    assert case.agg.view().filing_overdue
    case.do(CADRE, FileContract(copies=3, office="甘井子区人社局"))
    view = case.agg.view()
    assert (view.stage, view.filing_missing, view.filing_fix_due) == (Stage.FILED, [], None)


def test_an_incomplete_package_must_name_what_is_missing() -> None:
    with pytest.raises(ValueError):
        RecordFilingIncomplete(missing=[])
    with pytest.raises(ValueError):
        RecordFilingIncomplete(missing=["  "])


# -- the report to the higher union -------------------------------------------------------


def effective() -> Case:
    case = filed()
    case.later(PROFILE.wage_contract.review_window_days + 1)
    case.do(SYSTEM, TakeEffect())
    return case


def test_report_to_the_higher_union_is_due_after_taking_effect_then_overdue() -> None:
    case = effective()
    view = case.agg.view()
    assert view.effective_on is not None
    due = view.effective_on + timedelta(days=PROFILE.wage_contract.higher_union_report_days)
    assert view.higher_union_report_due == due
    case.do(CADRE, PublishContract(channel="厂务公开栏"))
    case.today = due
    case.refused(SYSTEM, FlagHigherUnionReportOverdue(), InvalidState)
    case.later(1)
    case.do(SYSTEM, FlagHigherUnionReportOverdue())
    assert case.agg.view().higher_union_report_overdue
    case.do(CADRE, ReportToHigherUnion(reference="甘工字2026第3号"))
    event = case.agg.pending_events[-1]
    assert isinstance(event, WageContract.ReportedToHigherUnion)
    assert (event.to_org, event.reported_on) == (UNIT_PATH[-2], case.today)
    case.refused(CADRE, ReportToHigherUnion(reference="再报"), InvalidState)


def test_reporting_on_time_leaves_nothing_to_flag() -> None:
    case = effective()
    case.do(CADRE, ReportToHigherUnion(reference="甘工字2026第3号"))
    case.later(30)
    case.refused(SYSTEM, FlagHigherUnionReportOverdue(), InvalidState)
    case.refused(OTHER_CADRE, ReportToHigherUnion(reference="x"), NotAuthorised)


def test_reporting_before_the_contract_takes_effect_is_refused() -> None:
    signed().refused(CADRE, ReportToHigherUnion(reference="x"), InvalidState)


# -- employees' request that the union send the offer --------------------------------------


def request(employees: int, signatures: int) -> RecordOfferRequest:
    return RecordOfferRequest(
        unit_org="dl-bearing", year=2026, employees=employees, signatures=signatures
    )


def test_a_fifth_of_employees_asking_obliges_the_offer_and_the_case_records_it() -> None:
    recorded = OfferRequest.record(request(500, 100), meta(CADRE, START), profile=PROFILE)
    view = recorded.view()
    assert (view.employees, view.signatures, view.fraction) == (500, 100, "1/5")
    case = WageContract.open(
        offer(),
        meta(CADRE, START),
        unit_path=UNIT_PATH,
        wage_area_class=1,
        profile=PROFILE,
        today=START,
        requested_by_employees=view.facts(),
    )
    assert case.view().requested_by_employees == view.facts()


@pytest.mark.parametrize(("employees", "signatures"), [(500, 99), (7, 1), (1000, 199)])
def test_a_request_below_the_fraction_of_employees_is_refused(
    employees: int, signatures: int
) -> None:
    with pytest.raises(InvalidInput, match="1/5"):
        OfferRequest.record(request(employees, signatures), meta(CADRE, START), profile=PROFILE)


def test_a_request_with_more_signatures_than_employees_or_from_another_unit_is_refused() -> None:
    with pytest.raises(InvalidInput):
        OfferRequest.record(request(100, 101), meta(CADRE, START), profile=PROFILE)
    with pytest.raises(NotAuthorised):
        OfferRequest.record(request(100, 50), meta(OTHER_CADRE, START), profile=PROFILE)


# -- every profile field is used ----------------------------------------------------------

# Fields another change is about to put to use; the test below fails once they are used,
# so this list cannot go stale.
PENDING: dict[str, str] = {}
PROJECT = Path(domain.wage_contract.__file__).parents[2]
RULE_CODE = ("domain", "application", "activities", "services", "workflows")


def _reads(name: str) -> list[str]:
    found = []
    for package in RULE_CODE:
        for path in (PROJECT / package).rglob("*.py"):
            if path.name != "profiles.py" and re.search(rf"\.{name}\b", path.read_text("utf-8")):
                found.append(str(path.relative_to(PROJECT)))
    return found


def test_every_wage_contract_profile_field_is_read_by_the_rules() -> None:
    # ``term_months_max`` is how the rules read ``contract_term_months_max``.
    aliases = {"contract_term_months_max": "term_months_max"}
    unused = [
        name
        for name in WageContractRules.model_fields
        if name not in PENDING and not _reads(aliases.get(name, name))
    ]
    assert not unused, f"profile fields nothing reads: {unused}"
    assert [name for name in PENDING if _reads(name)] == [], "used now: drop from PENDING"


# -- data before talks --------------------------------------------------------------------


def test_requested_data_must_be_provided_days_before_the_talks_round() -> None:
    case = replied()
    case.do(CADRE, RequestTalksData(requested_from=Side.EMPLOYER, items=["近三年工资总额"]))
    error = case.refused(CADRE, RecordTalksRound(minutes="首轮"), InvalidState)
    assert "data-provided" in str(error)
    case.later(2)
    case.do(CADRE, RecordTalksDataProvided(no=1))
    days = PROFILE.wage_contract.data_before_talks_days
    case.later(days - 1)
    error = case.refused(CADRE, RecordTalksRound(minutes="首轮"), InvalidState)
    assert str(case.today + timedelta(days=1)) in str(error)
    case.later(1)
    case.do(CADRE, RecordTalksRound(minutes="首轮"))
    assert case.agg.view().rounds_held == 1


def test_data_provided_twice_or_for_no_request_is_refused() -> None:
    case = replied()
    case.refused(CADRE, RecordTalksDataProvided(no=1), InvalidInput)
    case.do(CADRE, RequestTalksData(requested_from=Side.UNION, items=["职工工资诉求汇总"]))
    case.do(CADRE, RecordTalksDataProvided(no=1))
    case.refused(CADRE, RecordTalksDataProvided(no=1), InvalidState)
    request = case.agg.view().data_requests[0]
    assert (request.requested_from, request.items, request.provided_on) == (
        Side.UNION,
        ["职工工资诉求汇总"],
        case.today,
    )
