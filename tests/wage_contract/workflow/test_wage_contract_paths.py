"""Whole paths of the wage-contract process on the time-skipping server."""

from __future__ import annotations

from datetime import timedelta

from domain.calendar import add_months
from domain.wage_contract import (
    ApproveReview,
    FileContract,
    PublishContract,
    RecordObjection,
    RecordTalksRound,
    ReportToHigherUnion,
    ReviseDraft,
    SignContract,
    SignDraft,
    Stage,
    SubmitForReview,
)
from tests.wage_contract.helpers import (
    CADRE,
    REVIEWER,
    draft,
    event_names,
    failing_vote,
    handle,
    new_case_id,
    no_workflow_left_open,  # noqa: F401 - an autouse fixture
    pass_deadline,
    passing_vote,
    return_comments,
    service,
    skip,
    skip_to_before,
    status,
    to_filed,
    to_review,
)
from workflows.wage_contract import end_of, start_of


async def test_full_lifecycle_reaches_renewal_due_and_returns_final_view(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    view = await to_review(svc, case)
    assert (view.stage, view.reviews[-1].reviewer_org) == (Stage.UNDER_REVIEW, "dl-ganjingzi")
    assert (await svc.act(case, REVIEWER, ApproveReview())).stage is Stage.APPROVED
    assert (await passing_vote(svc, case)).stage is Stage.ADOPTED
    assert (await svc.act(case, CADRE, SignContract())).stage is Stage.SIGNED
    view = await svc.act(case, CADRE, FileContract(copies=3, office="甘井子区人社局"))
    assert view.stage is Stage.FILED
    assert view.review_window_until == view.filed_on + timedelta(days=15)

    # Fifteen days of silence from the labour administration: the contract takes effect.
    st = await status(env, case)
    assert st.waiting is not None and st.waiting.until == end_of(view.review_window_until)
    await skip_to_before(env, "review_window", case)
    assert (await status(env, case)).view.stage is Stage.FILED
    await pass_deadline(env, "review_window", case)
    view = (await status(env, case)).view
    assert view.stage is Stage.EFFECTIVE
    assert view.effective_on == view.filed_on + timedelta(days=16)
    assert view.expires_on == add_months(view.effective_on, 12) - timedelta(days=1)
    assert view.publication_due == view.effective_on + timedelta(days=5)

    assert view.higher_union_report_due == view.effective_on + timedelta(days=15)

    view = await svc.act(case, CADRE, PublishContract(channel="厂务公开栏"))
    assert view.stage is Stage.PUBLISHED
    st = await status(env, case)
    assert (st.waiting.kind, st.waiting.until) == (
        "higher_union_report",
        end_of(view.higher_union_report_due),
    )
    view = await svc.act(case, CADRE, ReportToHigherUnion(reference="甘工字2026第3号"))
    assert view.higher_union_reported_on == view.published_on
    st = await status(env, case)
    assert view.renewal_on == view.expires_on - timedelta(days=60)
    assert st.waiting.kind == "renewal" and st.waiting.until == start_of(view.renewal_on)

    await pass_deadline(env, "renewal", case)
    final = await handle(env, case).result()
    assert final.stage is Stage.RENEWAL_DUE and final.terminal
    assert final == svc.view(case)
    assert (final.objections, final.filing_overdue, final.publication_overdue) == ([], False, False)
    assert event_names(app, case) == [
        "Created",
        "ReplyReceived",
        "NegotiatorsAppointed",
        "TalksRoundHeld",
        "DraftSigned",
        "SubmittedForReview",
        "PreReviewApproved",
        "AdoptionPollRequested",  # the congress votes in a session (issue 7, point 1)
        "AdoptionVoteRecorded",
        "ContractSigned",
        "Filed",
        "TookEffect",
        "Published",
        "ReportedToHigherUnion",
        "RenewalOpened",
    ]


async def test_returned_twice_then_approved_keeps_every_rounds_comments(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await to_review(svc, case)
    for n, monthly in ((1, "3100"), (2, "3200")):
        view = await svc.act(case, REVIEWER, return_comments(f"第{n}轮意见"))
        assert view.stage is Stage.RETURNED
        await svc.act(case, CADRE, ReviseDraft(draft=draft(monthly=monthly)))
        view = await svc.act(case, CADRE, SubmitForReview())
        assert (view.stage, len(view.reviews)) == (Stage.UNDER_REVIEW, n + 1)
    view = await svc.act(case, REVIEWER, ApproveReview())

    assert view.stage is Stage.APPROVED
    assert [r.round for r in view.reviews] == [1, 2, 3]
    assert [r.outcome for r in view.reviews] == ["returned", "returned", "approved"]
    assert [[c.comment for c in r.comments] for r in view.reviews] == [
        ["第1轮意见"],
        ["第2轮意见"],
        [],
    ]
    assert all(r.decided_by == REVIEWER for r in view.reviews)
    assert view.draft.wage_standards[0].monthly_yuan == 3200
    assert svc.view(case) == view


async def test_failed_adoption_vote_returns_to_talks_and_new_draft_passes(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await to_review(svc, case)
    await svc.act(case, REVIEWER, ApproveReview())
    view = await failing_vote(svc, case)
    assert view.stage is Stage.IN_TALKS
    assert [(v.quorum_met, v.passed) for v in view.adoption_votes] == [(True, False)]
    assert (await status(env, case)).waiting.kind == "people:in_talks"

    await svc.act(case, CADRE, RecordTalksRound(minutes="表决未通过后的第二轮协商"))
    await svc.act(case, CADRE, SignDraft(draft=draft(raise_pct="6")))
    await svc.act(case, CADRE, SubmitForReview())
    await svc.act(case, REVIEWER, ApproveReview())
    view = await passing_vote(svc, case)

    assert view.stage is Stage.ADOPTED
    assert [v.passed for v in view.adoption_votes] == [False, True]
    assert [r.outcome for r in view.reviews] == ["approved", "approved"]
    assert view.draft.raise_pct == 6
    assert view.rounds_held == 2


async def test_objection_in_review_window_returns_to_talks_and_case_must_be_refiled(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await to_filed(svc, case)
    await skip(env, 10)
    view = await svc.act(case, CADRE, RecordObjection(text="第三条工资标准表述不清"))
    assert view.stage is Stage.IN_TALKS
    assert view.objections == ["第三条工资标准表述不清"]

    # The first filing's window no longer runs: nothing takes effect by itself.
    await skip(env, 20)
    st = await status(env, case)
    assert (st.view.stage, st.waiting.kind) == (Stage.IN_TALKS, "people:in_talks")
    assert st.view.effective_on is None

    await svc.act(case, CADRE, SignDraft(draft=draft(monthly="3300")))
    await svc.act(case, CADRE, SubmitForReview())
    await svc.act(case, REVIEWER, ApproveReview())
    await passing_vote(svc, case)
    await svc.act(case, CADRE, SignContract())
    view = await svc.act(case, CADRE, FileContract(copies=3, office="甘井子区人社局"))
    assert view.stage is Stage.FILED
    await pass_deadline(env, "review_window", case)

    view = svc.view(case)
    assert view.stage is Stage.EFFECTIVE
    assert view.effective_on == view.filed_on + timedelta(days=16)
    assert event_names(app, case).count("Filed") == 2
    assert len(view.reviews) == 2
