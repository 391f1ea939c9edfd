"""Deadlines the wage-contract workflow fires itself, on the time-skipping server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import InvalidInput
from domain.wage_contract import (
    AppointNegotiators,
    ApproveReview,
    FileContract,
    PublishContract,
    RecordReply,
    Stage,
    SuspendTalks,
)
from tests.wage_contract.helpers import (
    CADRE,
    CITY_REVIEWER,
    REVIEWER,
    UNIT,
    event_names,
    ledger_events,
    ledger_version,
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
    to_signed,
)
from workflows.wage_contract import end_of, start_of


async def test_no_reply_in_twenty_days_escalates_to_parent_and_late_reply_still_proceeds(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    view = await svc.open(CADRE, offer(case))
    assert view.reply_due == view.offer_on + timedelta(days=20)
    st = await status(env, case)
    assert (st.waiting.kind, st.waiting.until) == ("reply", end_of(view.reply_due))

    await skip_to_before(env, "reply", case)
    assert not svc.view(case).reply_overdue
    await pass_deadline(env, "reply", case)

    view = svc.view(case)
    assert (view.stage, view.reply_overdue, view.reply_escalated_to) == (
        Stage.OFFERED,
        True,
        "dl-ganjingzi",
    )
    overdue = ledger_events(app, case)[-1]
    assert type(overdue).__name__ == "ReplyOverdue" and overdue.actor["role"] == "system"
    assert (await status(env, case)).waiting.kind == "people:offered"

    view = await svc.act(case, CADRE, RecordReply(content="迟到的书面回应，同意协商"))
    assert view.stage is Stage.IN_TALKS and view.reply_overdue
    assert view.replied_on == view.offer_on + timedelta(days=21)


async def test_suspended_talks_resume_by_themselves_when_the_period_ends_and_cap_holds(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await svc.open(CADRE, offer(case))
    await svc.act(case, CADRE, RecordReply(content="同意协商"))
    await svc.act(case, CADRE, AppointNegotiators(negotiators=negotiators()))
    view = await svc.act(case, CADRE, SuspendTalks(days=40, reason="工资增幅分歧"))
    assert view.stage is Stage.SUSPENDED
    st = await status(env, case)
    assert (st.waiting.kind, st.waiting.until) == ("suspension", start_of(view.suspended_until))

    await skip_to_before(env, "suspension", case)
    assert svc.view(case).stage is Stage.SUSPENDED
    await pass_deadline(env, "suspension", case)
    view = svc.view(case)
    assert (view.stage, view.suspended_until, view.suspended_days_total) == (
        Stage.IN_TALKS,
        None,
        40,
    )
    resumed = ledger_events(app, case)[-1]
    assert type(resumed).__name__ == "TalksResumed" and resumed.actor["role"] == "system"

    # 40 days used of the 60-day cap: 21 more are refused, 20 are not.
    before = ledger_version(app, case)
    with pytest.raises(InvalidInput, match="20 left"):
        await svc.act(case, CADRE, SuspendTalks(days=21, reason="再次僵局"))
    assert ledger_version(app, case) == before
    view = await svc.act(case, CADRE, SuspendTalks(days=20, reason="再次僵局"))
    assert (view.stage, view.suspended_days_total) == (Stage.SUSPENDED, 60)


async def test_filing_reminder_then_overdue_flag_and_late_filing_is_still_accepted(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    view = await to_signed(svc, case)
    assert view.filing_due == view.signed_on + timedelta(days=10)
    assert view.filing_reminder_on == view.filing_due - timedelta(days=2)
    st = await status(env, case)
    assert (st.waiting.kind, st.waiting.until) == (
        "filing_reminder",
        start_of(view.filing_reminder_on),
    )

    await skip_to_before(env, "filing_reminder", case)
    assert not svc.view(case).filing_reminded
    await pass_deadline(env, "filing_reminder", case)
    assert svc.view(case).filing_reminded
    st = await status(env, case)
    assert (st.waiting.kind, st.waiting.until) == ("filing", end_of(view.filing_due))

    await skip_to_before(env, "filing", case)
    assert not svc.view(case).filing_overdue
    await pass_deadline(env, "filing", case)
    view = svc.view(case)
    assert (view.stage, view.filing_overdue) == (Stage.SIGNED, True)
    assert (await status(env, case)).waiting.kind == "filing_overdue"

    view = await svc.act(case, CADRE, FileContract(copies=3, office="甘井子区人社局"))
    assert view.stage is Stage.FILED and view.filing_overdue
    assert event_names(app, case)[-3:] == ["FilingReminded", "FilingOverdue", "Filed"]


async def test_publication_overdue_is_flagged_and_late_publication_is_accepted(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await to_filed(svc, case)
    await pass_deadline(env, "review_window", case)
    view = svc.view(case)
    assert view.stage is Stage.EFFECTIVE
    st = await status(env, case)
    assert (st.waiting.kind, st.waiting.until) == ("publication", end_of(view.publication_due))

    await skip_to_before(env, "publication", case)
    assert not svc.view(case).publication_overdue
    await pass_deadline(env, "publication", case)
    view = svc.view(case)
    assert (view.stage, view.publication_overdue) == (Stage.EFFECTIVE, True)
    assert (await status(env, case)).waiting.kind == "higher_union_report"

    view = await svc.act(case, CADRE, PublishContract(channel="厂务公开栏"))
    assert view.stage is Stage.PUBLISHED and view.publication_overdue


async def test_pre_review_reminder_then_escalation_to_city_union_which_can_decide(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    review = (await to_review(svc, case)).reviews[-1]
    assert review.reminder_on is not None and review.reminder_on < review.due
    st = await status(env, case)
    assert (st.waiting.kind, st.waiting.until) == (
        "pre_review_reminder",
        start_of(review.reminder_on),
    )
    assert [kind for _, kind in svc.tasks(REVIEWER)] == ["approve", "return_for_revision"]
    assert svc.tasks(CITY_REVIEWER) == []

    await skip_to_before(env, "pre_review_reminder", case)
    assert not svc.view(case).reviews[-1].reminded
    await pass_deadline(env, "pre_review_reminder", case)
    assert svc.view(case).reviews[-1].reminded
    st = await status(env, case)
    assert (st.waiting.kind, st.waiting.until) == ("pre_review", end_of(review.due))

    await skip_to_before(env, "pre_review", case)
    assert svc.view(case).reviews[-1].reviewer_org == "dl-ganjingzi"
    await pass_deadline(env, "pre_review", case)

    escalated = svc.view(case).reviews[-1]
    assert (escalated.reviewer_org, escalated.level, escalated.escalations) == (
        "dl-city",
        2,
        ["dl-ganjingzi"],
    )
    assert escalated.due > review.due and not escalated.reminded
    assert svc.tasks(REVIEWER) == []
    assert [kind for _, kind in svc.tasks(CITY_REVIEWER)] == ["approve", "return_for_revision"]

    view = await svc.act(case, CITY_REVIEWER, ApproveReview())
    assert view.stage is Stage.APPROVED
    assert view.reviews[-1].decided_by == CITY_REVIEWER


async def test_pre_review_overdue_at_the_top_union_is_marked_and_still_decidable(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await to_review(svc, case)
    for _ in range(2):  # dl-ganjingzi, then dl-city: the root of UNIT's path
        await pass_deadline(env, "pre_review_reminder", case)
        await pass_deadline(env, "pre_review", case)

    review = svc.view(case).reviews[-1]
    assert review.overdue_at_top
    assert (review.reviewer_org, review.escalations) == ("dl-city", ["dl-ganjingzi"])
    assert app.directory.organisation(UNIT).path[0] == "dl-city"
    assert (await status(env, case)).waiting.kind == "pre_review_overdue"
    assert event_names(app, case)[-4:] == [
        "ReviewerReminded",
        "ReviewEscalated",
        "ReviewerReminded",
        "ReviewEscalated",
    ]

    view = await svc.act(case, CITY_REVIEWER, ApproveReview())
    assert view.stage is Stage.APPROVED and view.reviews[-1].overdue_at_top
