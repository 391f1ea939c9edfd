"""Attacks with a raw Temporal client: forged updates and forged signals change nothing.

An attacker with access to Temporal sends what the facades would never send: an update
whose payload claims a role its actor does not hold, or a signal that claims a fact the
ledger does not record. The activity resolves the actor from the directory, and the
workflow re-reads the fact from the ledger, so neither moves the process.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.actors import Acting, Role, system_acting
from domain.session import SessionStatus
from domain.wage_contract import RecordReply, Stage
from services.errors import as_domain_error
from tests.congress.workflow.test_session_workflow import (
    CHAIR,
    _clean,
    _open_session,
)
from tests.congress.workflow.test_wage_adoption import approved_case, congress_session_for
from tests.wage_contract.helpers import ledger_version, new_case_id, offer, service
from workflows.congress_session import ChairRequest, CongressSessionWorkflow, session_workflow_id
from workflows.wage_contract import ActRequest, WageContractWorkflow

__all__ = ["_clean"]

DELEGATE = "liu.qiang"  # a delegate of dl-bearing, not a cadre

# The delegate's payload claims to be the unit's cadre.
DELEGATE_CLAIMING_CADRE = Acting(
    actor_id=DELEGATE,
    name="王丽",
    role=Role.CADRE,
    roles=[Role.CADRE, Role.DELEGATE],
    org_id="dl-bearing",
    org_path=["dl-city", "dl-ganjingzi", "dl-bearing"],
)


async def test_a_delegate_claiming_cadre_cannot_close_a_session_by_raw_update(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    svc, sid, _ = await _open_session(env, app, task_queue, "forged-close")
    for item in (1, 2, 3, 4):  # the chair sets the agenda aside: the session may close
        await svc.set_aside(sid, CHAIR, item, "改期审议")
    before = app.ledger.max_notification_id()
    handle = env.client.get_workflow_handle(session_workflow_id(sid))

    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(
            CongressSessionWorkflow.close_session, ChairRequest(acting=DELEGATE_CLAIMING_CADRE)
        )
    error = as_domain_error(caught.value)
    assert error is not None and error.code == "not_authorised", caught.value
    assert "cadre" in error.message_en and "干部" in error.message_zh

    assert app.ledger.max_notification_id() == before
    assert svc.view(sid).status is SessionStatus.OPEN
    assert (await svc.close_session(sid, CHAIR)).status is SessionStatus.CLOSED


async def test_a_person_claiming_the_engine_role_is_refused_by_the_validator(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    svc, sid, _ = await _open_session(env, app, task_queue, "forged-system")
    before = app.ledger.max_notification_id()
    handle = env.client.get_workflow_handle(session_workflow_id(sid))
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(
            CongressSessionWorkflow.close_session,
            ChairRequest(acting=system_acting("dl-bearing")),
        )
    error = as_domain_error(caught.value)
    assert error is not None and error.code == "not_authorised", caught.value
    assert app.ledger.max_notification_id() == before
    assert svc.view(sid).status is SessionStatus.OPEN


async def test_an_id_not_in_the_directory_cannot_record_a_wage_reply(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, new_case_id()
    wage = service(env, app, task_queue)
    await wage.open(CHAIR, offer(case))
    version = ledger_version(app, case)
    mallory = Acting(
        actor_id="mallory",
        name="王丽",
        role=Role.CADRE,
        roles=[Role.CADRE],
        org_id="dl-bearing",
        org_path=["dl-city", "dl-ganjingzi", "dl-bearing"],
    )
    handle = env.client.get_workflow_handle(f"wage-contract-{case}")
    for acting in (mallory, system_acting()):
        with pytest.raises(WorkflowUpdateFailedError) as caught:
            await handle.execute_update(
                WageContractWorkflow.act,
                ActRequest(command=RecordReply(content="同意协商"), acting=acting),
            )
        error = as_domain_error(caught.value)
        assert error is not None and error.code == "not_authorised", caught.value
    assert ledger_version(app, case) == version
    assert wage.view(case).stage is Stage.OFFERED


async def test_a_forged_roll_complete_signal_does_not_close_the_poll(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    svc, sid, delegates = await _open_session(env, app, task_queue, "forged-roll")
    await svc.open_poll(sid, CHAIR, 1)
    await svc.cast(sid, 1, delegates[0], ["yes"])  # 1 of 24 present: the roll is not complete
    key = svc.view(sid).poll_key(1)
    before = app.ledger.max_notification_id()
    handle = env.client.get_workflow_handle(session_workflow_id(sid))

    await handle.signal(CongressSessionWorkflow.roll_completed, key)
    await handle.signal(CongressSessionWorkflow.paper_count_agreed, key)
    await asyncio.sleep(1)  # let the workflow act on the signals, were it to

    status = await svc.status(sid)
    assert [p.stage for p in status.polls] == ["open"]
    assert app.polls.poll(key).status.value == "open"
    assert app.ledger.max_notification_id() == before
    # The poll still takes ballots, and the real roll completes it.
    await svc.cast(sid, 1, delegates[1], ["no"])
    assert app.polls.poll(key).status.value == "open"


async def test_a_forged_paper_count_signal_does_not_tally_the_poll(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    svc, sid, delegates = await _open_session(env, app, task_queue, "forged-paper")
    await svc.open_poll(sid, CHAIR, 1, paper=True, tellers=delegates[:2])
    key = svc.view(sid).poll_key(1)
    await svc.close_poll(sid, CHAIR, 1)
    before = app.ledger.max_notification_id()
    handle = env.client.get_workflow_handle(session_workflow_id(sid))

    await handle.signal(CongressSessionWorkflow.paper_count_agreed, key)
    await asyncio.sleep(1)

    assert [p.stage for p in (await svc.status(sid)).polls] == ["counting"]
    assert app.polls.poll(key).status.value == "closed"
    assert app.ledger.max_notification_id() == before
    # The forged hint left the workflow waiting: the tellers' real counts still decide.
    tellers = delegates[:2]
    await svc.enter_paper_count(sid, 1, tellers[0], {"yes": 20, "no": 4}, 24)
    await svc.enter_paper_count(sid, 1, tellers[1], {"yes": 20, "no": 4}, 24)
    for _ in range(200):
        if [p.stage for p in (await svc.status(sid)).polls] == ["tallied"]:
            break
        await asyncio.sleep(0.05)
    assert app.polls.poll(key).status.value == "tallied"


async def test_a_forged_adoption_tallied_signal_records_no_adoption(
    time_skipping_env, app, task_queue, running_worker
):
    env, case = time_skipping_env, "WC-FORGED-SIGNAL"
    wage = await approved_case(env, app, task_queue, case)
    sessions, sid = await congress_session_for(env, app, task_queue, case, "dl-bearing-forged")
    from domain.wage_contract import RequestAdoptionPoll

    await wage.act(case, CHAIR, RequestAdoptionPoll(session_id=sid, item_no=1))
    key = sessions.view(sid).poll_key(1)
    version = ledger_version(app, case)
    handle = env.client.get_workflow_handle(f"wage-contract-{case}")

    await handle.signal(WageContractWorkflow.adoption_poll_tallied, key)
    await asyncio.sleep(1)

    assert ledger_version(app, case) == version
    assert wage.view(case).stage is Stage.APPROVED
    assert wage.view(case).adoption_votes == []
    # The workflow is still alive and waiting for the real poll.
    description = await handle.describe()
    assert description.status is not None and description.status.name == "RUNNING"
    await env.sleep(timedelta(seconds=1))
