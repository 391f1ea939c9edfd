"""The profile's steps on the workflow clock (issue 7, points 11 and 12): talks start in
time (reminder, then overdue), the report to the higher union after taking effect, an
incomplete filing package's fix period, employees' request for the offer in the inbox,
and a review takeover that the inbox and the record tell alike."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import InvalidInput
from domain.wage_contract import (
    AppointNegotiators,
    ApproveReview,
    FileContract,
    RecordFilingIncomplete,
    RecordReply,
    RecordTalksRound,
    ReportToHigherUnion,
    Stage,
)
from domain.wage_contract.offer_request import RecordOfferRequest
from processes import WAGE_CONTRACT
from tests.wage_contract.helpers import (
    CADRE,
    CITY_REVIEWER,
    REVIEWER,
    UNIT,
    event_names,
    ledger_events,
    negotiators,
    new_case_id,
    no_workflow_left_open,  # noqa: F401 - an autouse fixture
    offer,
    pass_deadline,
    service,
    skip_to_before,
    status,
    to_filed,
    to_review,
)
from workflows.wage_contract import end_of, start_of


async def test_talks_start_reminder_then_overdue_flag_shown_in_status_and_inbox(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await svc.open(CADRE, offer(case))
    view = await svc.act(case, CADRE, RecordReply(content="同意协商"))
    await svc.act(case, CADRE, AppointNegotiators(negotiators=negotiators()))
    assert view.talks_start_due is not None and view.talks_start_reminder_on is not None
    st = await status(env, case)
    assert (st.waiting.kind, st.waiting.until) == (
        "talks_start_reminder",
        start_of(view.talks_start_reminder_on),
    )
    inbox = [i for i in WAGE_CONTRACT.inbox(app, svc, CADRE) if i.key == case]
    assert inbox and inbox[0].due == str(view.talks_start_due)

    await pass_deadline(env, "talks_start_reminder", case)
    assert svc.view(case).talks_start_reminded
    st = await status(env, case)
    assert (st.waiting.kind, st.waiting.until) == ("talks_start", end_of(view.talks_start_due))
    await skip_to_before(env, "talks_start", case)
    assert not svc.view(case).talks_start_overdue
    await pass_deadline(env, "talks_start", case)
    assert svc.view(case).talks_start_overdue
    inbox = [i for i in WAGE_CONTRACT.inbox(app, svc, CADRE) if i.key == case]
    assert inbox[0].overdue and inbox[0].due == str(view.talks_start_due)

    view = await svc.act(case, CADRE, RecordTalksRound(minutes="迟到的首轮协商"))
    assert view.rounds_held == 1 and view.talks_start_overdue
    assert (await status(env, case)).waiting.kind == "people:in_talks"
    assert event_names(app, case)[-3:] == [
        "TalksStartReminded",
        "TalksStartOverdue",
        "TalksRoundHeld",
    ]


async def test_report_to_the_higher_union_is_due_after_effect_flagged_then_made(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await to_filed(svc, case)
    await pass_deadline(env, "review_window", case)
    await pass_deadline(env, "publication", case)
    view = svc.view(case)
    assert view.higher_union_report_due == view.effective_on + timedelta(days=15)
    st = await status(env, case)
    assert (st.waiting.kind, st.waiting.until) == (
        "higher_union_report",
        end_of(view.higher_union_report_due),
    )
    assert "report_to_higher_union" in [kind for v, kind in svc.tasks(CADRE) if v.case_id == case]
    await pass_deadline(env, "higher_union_report", case)
    assert svc.view(case).higher_union_report_overdue
    assert (await status(env, case)).waiting.kind == "renewal"

    view = await svc.act(case, CADRE, ReportToHigherUnion(reference="甘工字2026第3号"))
    assert view.higher_union_reported_on is not None
    assert "report_to_higher_union" not in [
        kind for v, kind in svc.tasks(CADRE) if v.case_id == case
    ]


async def test_incomplete_filing_package_reopens_filing_with_the_fix_period(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    filed = await to_filed(svc, case)
    assert filed.filing_package is not None and filed.filing_package.votes_for == 28
    view = await svc.act(case, CADRE, RecordFilingIncomplete(missing=["职代会决议原件"]))
    assert (view.stage, view.filing_fix_due) == (Stage.SIGNED, view.filing_due)
    assert view.filing_fix_due == filed.filed_on + timedelta(days=7)
    st = await status(env, case)
    assert (st.waiting.kind, st.waiting.until) == ("filing", end_of(view.filing_fix_due))
    await pass_deadline(env, "filing", case)
    assert svc.view(case).filing_overdue
    view = await svc.act(case, CADRE, FileContract(copies=3, office="甘井子区人社局"))
    assert view.stage is Stage.FILED and view.filing_missing == []


async def test_employees_request_puts_the_offer_in_the_inbox_until_the_case_opens(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    svc = service(env, app, task_queue)
    year = 2031
    with pytest.raises(InvalidInput, match="1/5"):
        await svc.record_offer_request(
            CADRE, RecordOfferRequest(unit_org=UNIT, year=year, employees=500, signatures=99)
        )
    request = await svc.record_offer_request(
        CADRE, RecordOfferRequest(unit_org=UNIT, year=year, employees=500, signatures=120)
    )
    assert request.fraction == "1/5"
    items = [i for i in WAGE_CONTRACT.inbox(app, svc, CADRE) if i.key == f"{UNIT}:{year}"]
    assert items and "120" in items[0].todo[0] and "500" in items[0].todo[0]
    assert [i for i in WAGE_CONTRACT.inbox(app, svc, REVIEWER) if i.key == f"{UNIT}:{year}"] == []

    case = new_case_id()
    view = await svc.open(CADRE, offer(case).model_copy(update={"year": year}))
    assert view.requested_by_employees is not None
    assert view.requested_by_employees.signatures == 120
    assert [i for i in WAGE_CONTRACT.inbox(app, svc, CADRE) if i.key == f"{UNIT}:{year}"] == []


async def test_review_takeover_is_told_alike_by_inbox_and_record(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await to_review(svc, case)
    assert [kind for v, kind in svc.tasks(REVIEWER) if v.case_id == case] == [
        "approve",
        "return_for_revision",
    ]
    assert [v for v, _ in svc.tasks(CITY_REVIEWER) if v.case_id == case] == []
    with pytest.raises(InvalidInput, match="--takeover"):
        await svc.act(case, CITY_REVIEWER, ApproveReview())
    assert svc.view(case).stage is Stage.UNDER_REVIEW

    view = await svc.act(case, CITY_REVIEWER, ApproveReview(takeover_reason="区总工会换届"))
    review = view.reviews[-1]
    assert (review.reviewer_org, review.decided_by, review.taken_over_from) == (
        "dl-city",
        CITY_REVIEWER,
        "dl-ganjingzi",
    )
    assert review.takeover_reason == "区总工会换届"
    # The inbox no longer offers the decided round to anyone, the record names who and why.
    assert [v for v, _ in svc.tasks(REVIEWER) if v.case_id == case] == []
    assert event_names(app, case)[-2:] == ["ReviewTakenOver", "PreReviewApproved"]
    takeover = ledger_events(app, case)[-2]
    assert (takeover.actor["id"], takeover.reason) == (CITY_REVIEWER, "区总工会换届")
