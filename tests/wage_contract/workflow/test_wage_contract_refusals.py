"""Refusals through the service and the workflow's validator: nothing reaches the ledger.

Also the idempotency of a person's step (one ``command_id``, one ledger event), through
the service and through the activity called directly.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.wage_contract import WageContractActivities
from contracts.wage_contract import OpenCaseRequest, WageCommandRequest
from domain.actors import Acting, CommandMeta, Role
from domain.errors import DomainError, InvalidInput, InvalidState, NotAuthorised, NotFound
from domain.wage_contract import (
    ApproveReview,
    RecordAdoptionVote,
    RecordReply,
    SignContract,
    Stage,
    SubmitForReview,
    TakeEffect,
    VoteCount,
    precheck,
)
from services.errors import as_domain_error
from tests.wage_contract.helpers import (
    CADRE,
    OTHER_REVIEWER,
    REVIEWER,
    event_names,
    handle,
    ledger_events,
    ledger_version,
    new_case_id,
    no_workflow_left_open,  # noqa: F401 - an autouse fixture
    offer,
    return_comments,
    service,
    status,
    to_review,
)
from workflows.wage_contract import ActRequest, WageContractWorkflow

# The cadre who submitted the case, had they also held the reviewer role at the parent.
SUBMITTER_AS_REVIEWER = Acting(
    actor_id=CADRE,
    role=Role.REVIEWER,
    roles=[Role.CADRE, Role.REVIEWER],
    org_id="dl-ganjingzi",
    org_path=["dl-city", "dl-ganjingzi"],
)


async def accepted_updates(env: WorkflowEnvironment, case_id: str) -> int:
    history = await handle(env, case_id).fetch_history()
    return sum(
        e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
        for e in history.events
    )


async def refused_by_validator(
    env: WorkflowEnvironment, case_id: str, request: ActRequest
) -> DomainError:
    """Send an update straight to the workflow; its validator must refuse it unrecorded."""
    before = await accepted_updates(env, case_id)
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle(env, case_id).execute_update(WageContractWorkflow.act, request)
    assert await accepted_updates(env, case_id) == before
    error = as_domain_error(caught.value)
    assert error is not None, caught.value
    return error


async def test_reviewer_of_unrelated_union_cannot_approve(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await to_review(svc, case)
    version = ledger_version(app, case)

    with pytest.raises(NotAuthorised, match="dl-textile is not a higher union"):
        await svc.act(case, OTHER_REVIEWER, ApproveReview())
    acting = app.directory.acting(OTHER_REVIEWER, Role.REVIEWER)
    error = await refused_by_validator(
        env, case, ActRequest(command=ApproveReview(), acting=acting)
    )
    assert isinstance(error, NotAuthorised)

    assert ledger_version(app, case) == version
    assert (await status(env, case)).view.stage is Stage.UNDER_REVIEW


async def test_cadre_cannot_approve(time_skipping_env, app, task_queue, running_worker):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await to_review(svc, case)
    version = ledger_version(app, case)

    # The cadre holds no reviewer role at all, so the directory refuses first.
    with pytest.raises(NotAuthorised, match="reviewer"):
        await svc.act(case, CADRE, ApproveReview())
    acting = app.directory.acting(CADRE, Role.CADRE)
    error = await refused_by_validator(
        env, case, ActRequest(command=ApproveReview(), acting=acting)
    )
    assert isinstance(error, NotAuthorised)
    assert ledger_version(app, case) == version


async def test_submitter_cannot_review_the_case_they_submitted(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    view = await to_review(svc, case)
    assert view.reviews[-1].submitted_by == SUBMITTER_AS_REVIEWER.actor_id
    version = ledger_version(app, case)

    with pytest.raises(NotAuthorised, match="submitted"):
        precheck("approve", SUBMITTER_AS_REVIEWER, view)
    for command in (ApproveReview(), return_comments("自己审自己")):
        request = ActRequest(command=command, acting=SUBMITTER_AS_REVIEWER)
        error = await refused_by_validator(env, case, request)
        assert isinstance(error, NotAuthorised) and "submitted" in str(error)
    assert ledger_version(app, case) == version

    # Someone else at the same union may decide.
    assert (await svc.act(case, REVIEWER, ApproveReview())).stage is Stage.APPROVED


async def test_command_at_wrong_stage_is_refused(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await to_review(svc, case)
    version = ledger_version(app, case)

    with pytest.raises(
        InvalidState, match=r"cannot sign the contract\. it waits for the higher union"
    ):
        await svc.act(case, CADRE, SignContract())
    with pytest.raises(InvalidState, match="cannot submit for pre-review"):
        await svc.act(case, CADRE, SubmitForReview())
    acting = app.directory.acting(CADRE, Role.CADRE)
    error = await refused_by_validator(env, case, ActRequest(command=SignContract(), acting=acting))
    assert isinstance(error, InvalidState)
    assert ledger_version(app, case) == version


async def test_engine_steps_cannot_be_taken_through_the_service(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await svc.open(CADRE, offer(case))
    with pytest.raises(InvalidState, match="engine"):
        await svc.act(case, CADRE, TakeEffect())
    assert ledger_version(app, case) == 1


async def test_unknown_actor_and_unknown_case_are_not_found(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await svc.open(CADRE, offer(case))
    with pytest.raises(NotFound):
        await svc.act(case, "nobody", RecordReply(content="x"))
    with pytest.raises(NotFound):
        await svc.act("no-such-case", CADRE, RecordReply(content="x"))
    assert ledger_version(app, case) == 1


async def test_legal_floor_blocks_approval_and_advisory_check_needs_a_reason_the_ledger_keeps(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    view = await to_review(svc, case, monthly="2000")
    failed = [c.code for c in view.reviews[-1].checks if c.hard and not c.passed]
    assert failed == ["minimum_wage"]
    version = ledger_version(app, case)
    for reason in (None, "困难企业过渡期，市总同意"):
        with pytest.raises(InvalidInput, match="legal floors"):
            await svc.act(case, REVIEWER, ApproveReview(override_reason=reason))
    assert ledger_version(app, case) == version
    assert (await status(env, case)).view.stage is Stage.UNDER_REVIEW

    other = new_case_id()
    view = await to_review(svc, other, raise_pct="12")
    version = ledger_version(app, other)
    for reason in (None, "   "):
        with pytest.raises(InvalidInput, match="override reason"):
            await svc.act(other, REVIEWER, ApproveReview(override_reason=reason))
    assert ledger_version(app, other) == version
    view = await svc.act(other, REVIEWER, ApproveReview(override_reason="效益增长较快，市总同意"))
    assert view.stage is Stage.APPROVED
    assert ledger_version(app, other) == version + 1
    event = ledger_events(app, other)[-1]
    assert type(event).__name__ == "PreReviewApproved"
    assert (event.override_reason, event.failed_hard_checks) == (
        "效益增长较快，市总同意",
        ["wage_guideline"],
    )
    assert event.actor == {"id": REVIEWER, "role": "reviewer", "org": "dl-ganjingzi"}


async def test_vote_with_more_votes_than_present_is_refused_before_anything_is_sent(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await to_review(svc, case)
    await svc.act(case, REVIEWER, ApproveReview())
    version = ledger_version(app, case)
    history = len((await handle(env, case).fetch_history()).events)
    bad = {
        "total_delegates": 30,
        "present": 20,
        "votes_for": 15,
        "votes_against": 6,
        "abstentions": 0,
    }

    with pytest.raises(ValidationError, match="more votes than delegates present"):
        RecordAdoptionVote.agreed(VoteCount(**bad))
    with pytest.raises(ValidationError, match="more votes than delegates present"):
        ActRequest.model_validate(
            {
                "command": {
                    "kind": "record_adoption_vote",
                    "tellers": [
                        {"teller": "监票人", "count": bad},
                        {"teller": "计票人", "count": bad},
                    ],
                },
                "acting": app.directory.acting(CADRE, Role.CADRE).model_dump(),
            }
        )
    assert ledger_version(app, case) == version
    assert len((await handle(env, case).fetch_history()).events) == history


async def test_same_command_id_twice_through_the_service_applies_once(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await svc.open(CADRE, offer(case))

    first = await svc.act(case, CADRE, RecordReply(content="同意协商"), command_id="reply-1")
    again = await svc.act(case, CADRE, RecordReply(content="同意协商"), command_id="reply-1")

    assert first == again
    assert first.stage is Stage.IN_TALKS
    assert event_names(app, case) == ["Created", "ReplyReceived"]
    assert await accepted_updates(env, case) == 1
    # A new command id is a new decision, refused at this stage.
    with pytest.raises(InvalidState):
        await svc.act(case, CADRE, RecordReply(content="同意协商"), command_id="reply-2")


def test_run_command_activity_twice_with_one_command_id_applies_once(app):
    activities = WageContractActivities(app.ledger, app.calendar, app.profiles, app.directory)
    env = ActivityEnvironment()
    acting = app.directory.acting(CADRE, Role.CADRE)
    now = datetime(2026, 3, 2, 2, tzinfo=UTC)
    case = new_case_id()
    env.run(
        activities.open_case,
        OpenCaseRequest(
            command=offer(case),
            meta=CommandMeta(command_id=f"{case}:open", acting=acting, occurred_at=now),
            profile="liaoning",
        ),
    )
    request = WageCommandRequest(
        case_id=case,
        command=RecordReply(content="同意协商"),
        meta=CommandMeta(command_id=f"{case}:reply", acting=acting, occurred_at=now),
    )

    first = env.run(activities.run_command, request)
    again = env.run(activities.run_command, request)

    assert first == again
    assert (first.stage, first.version) == (Stage.IN_TALKS, 2)
    assert event_names(app, case) == ["Created", "ReplyReceived"]
    assert ledger_events(app, case)[-1].command_id == f"{case}:reply"


async def test_a_command_id_reused_for_another_operation_is_refused_and_applies_nothing(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    svc = service(env, app, task_queue)
    await svc.open(CADRE, offer(case))
    first = await svc.act(case, CADRE, RecordReply(content="同意协商"), command_id="reply-1")
    version, updates = ledger_version(app, case), await accepted_updates(env, case)

    for other in (
        (RecordReply(content="拒绝协商"), ""),  # another payload
        (RecordReply(content="同意协商"), "另一说明"),  # another reason
    ):
        with pytest.raises(InvalidInput, match="command id already used for another operation"):
            await svc.act(case, CADRE, other[0], comment=other[1], command_id="reply-1")
    assert ledger_version(app, case) == version
    assert await accepted_updates(env, case) == updates
    # The same operation again is a retry: the recorded result, nothing applied.
    again = await svc.act(case, CADRE, RecordReply(content="同意协商"), command_id="reply-1")
    assert again == first
    assert ledger_version(app, case) == version


def test_the_ledger_refuses_a_fingerprinted_command_id_bound_to_another_operation(app):
    from domain.actors import fingerprinted

    activities = WageContractActivities(app.ledger, app.calendar, app.profiles, app.directory)
    env = ActivityEnvironment()
    acting = app.directory.acting(CADRE, Role.CADRE)
    now = datetime(2026, 3, 2, 2, tzinfo=UTC)
    case = new_case_id()
    env.run(
        activities.open_case,
        OpenCaseRequest(
            command=offer(case),
            meta=CommandMeta(command_id=f"{case}:open", acting=acting, occurred_at=now),
            profile="liaoning",
        ),
    )

    def request(content: str) -> WageCommandRequest:
        command_id = fingerprinted(f"{case}:reply-1", [content])
        return WageCommandRequest(
            case_id=case,
            command=RecordReply(content=content),
            meta=CommandMeta(command_id=command_id, acting=acting, occurred_at=now),
        )

    first = env.run(activities.run_command, request("同意协商"))
    with pytest.raises(ApplicationError) as caught:
        env.run(activities.run_command, request("拒绝协商"))
    assert caught.value.type == "invalid_input"
    assert "命令编号已用于另一操作" in str(caught.value.details)
    assert env.run(activities.run_command, request("同意协商")) == first
    assert event_names(app, case) == ["Created", "ReplyReceived"]
