"""Secret ballot: nothing stored links a delegate to a choice."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
import structlog

from domain.poll import ANONYMOUS, PollKind, SealedBallot
from logs import configure_logging
from tests.congress.fixtures import make_floor


@pytest.fixture(autouse=True)
def _logging_restored():
    """These tests log JSON at INFO into the captured streams; put logging back after, or
    the worker of later tests keeps writing into streams pytest has closed (and the shared
    time-skipping server, waiting on its stuck activities, no longer skips time)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    config = structlog.get_config()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.configure(**config)


def test_no_stored_byte_links_a_delegate_to_a_choice(tmp_path: Path, capsys):
    configure_logging("json", "INFO")  # as a worker logs, into this test's captured stderr
    floor = make_floor(tmp_path, 20)
    floor.check_in(floor.delegates)
    key = floor.open(1, PollKind.YES_NO, secret=True)
    cast_order, receipts = [], {}
    for i, d in enumerate(floor.delegates):
        choice = "yes" if i % 4 else "no"
        receipt = floor.polls.cast(key, d, [choice]).receipt
        receipts[d] = receipt
        cast_order.append(receipt)

    # While the poll is open, no receipt is stored anywhere: ballots are sealed.
    open_rows = [n.state for n in floor.ledger.all_notifications()]
    assert not any(r.encode() in state for state in open_rows for r in receipts.values())

    view = floor.close_and_tally(key)
    rows = list(floor.ledger.all_notifications())
    sealed_topic = f"{SealedBallot.Created.__module__}:{SealedBallot.Created.__qualname__}"
    for n in rows:
        state = n.state
        named = [d for d in floor.delegates if f'"{d}"'.encode() in state]
        holds_receipt = [r for r in receipts.values() if r.encode() in state]
        # No record names a delegate together with a receipt (which the publication maps to a choice).
        assert not (named and holds_receipt), f"event {n.id} links {named[:1]} to a receipt"
        if n.topic == sealed_topic:
            event = floor.ledger.mapper.to_domain_event(n)
            assert not named, "a sealed ballot names a delegate"
            assert event.actor["id"] == ANONYMOUS
            assert event.timestamp == view.opened_at, "a sealed ballot carries its casting time"
            assert b'"yes"' not in state and b'"no"' not in state

    # The publication holds receipts (sorted) and choices (shuffled) apart: nothing pairs them.
    assert view.published == [] and view.published_receipts == sorted(cast_order)
    assert sorted(map(tuple, view.published_choices)) == sorted(
        ("yes",) if i % 4 else ("no",) for i in range(20)
    )
    # A delegate would appear as a JSON string ("d0007"), not inside a hex digest.
    assert not any(f'"{d}"' in view.model_dump_json() for d in floor.delegates)

    # The key is gone: the sealed records next to the participation records stay shut.
    sealed = [floor.ledger.mapper.to_domain_event(n) for n in rows if n.topic == sealed_topic]
    assert len(sealed) == 20
    with pytest.raises(FileNotFoundError):
        floor.polls.box.open(key, sealed[0].ephemeral_key, sealed[0].nonce, sealed[0].ciphertext)

    # The logs name neither voters with ballots nor receipts.
    logs = capsys.readouterr()
    text = logs.out + logs.err
    assert "ballot_cast" in text
    assert not any(r in text for r in receipts.values())
    assert not any(d in text for d in floor.delegates)


async def test_no_ledger_byte_temporal_history_or_log_line_links_a_voter_to_a_choice(
    time_skipping_env, app, task_queue, running_worker, capsys
):
    from datetime import timedelta

    from domain.poll import ItemKind
    from domain.session import AgendaItem
    from services.sessions import SessionService
    from tests.congress.workflow.test_session_workflow import (
        CHAIR,
        congress_with_roster,
        roster_ids,
        today,
    )
    from tests.wage_contract.helpers import terminate_open_workflows
    from workflows.congress_session import session_workflow_id

    configure_logging("json", "INFO")
    env = time_skipping_env
    await terminate_open_workflows(env)
    key = await congress_with_roster(app, env, key="dl-bearing-secret")
    svc = SessionService(env.client, app.congresses, app.polls, app.settings, task_queue)
    d = await today(env)
    agenda = [AgendaItem(no=1, title="审议通过", kind=ItemKind.APPROVAL)]
    sid = (
        await svc.convene(CHAIR, key, "s", agenda, papers_sent_on=d, opens_on=d + timedelta(days=7))
    ).session_id
    await env.sleep(timedelta(days=7))
    await svc.open_session(sid, CHAIR)
    delegates = roster_ids()
    for delegate in delegates:
        await svc.check_in(sid, delegate)
    await svc.open_poll(sid, CHAIR, 1)
    # The key is committed outside the database as the poll opens: sealed and witnessed.
    from domain.poll import poll_id
    from ledger.witness import Witness

    poll_key = svc.view(sid).poll_key(1)
    witness = Witness(app.settings.witness_path)
    assert witness.vouches_for(app.ledger, poll_id(poll_key), 1) is not None
    receipts = [
        (await svc.cast(sid, 1, delegate, ["yes" if i % 3 else "no"])).receipt
        for i, delegate in enumerate(delegates)
    ]
    for _ in range(200):
        if svc.view(sid).outcomes:
            break
        await asyncio.sleep(0.05)
    assert svc.view(sid).outcomes, "the poll was never tallied"

    history = (
        await env.client.get_workflow_handle(session_workflow_id(sid)).fetch_history()
    ).to_json()
    assert not any(r in history for r in receipts), "a receipt reached Temporal history"
    assert not any(f'"{d}"' in history for d in delegates), "a voter reached Temporal history"

    ledger_bytes = [n.state for n in app.ledger.all_notifications()]
    for state in ledger_bytes:
        named = [d for d in delegates if f'"{d}"'.encode() in state]
        assert not (named and any(r.encode() in state for r in receipts))

    logs = capsys.readouterr()
    text = logs.out + logs.err
    assert not any(r in text for r in receipts)
    for line in text.splitlines():
        if "ballot_cast" in line:
            assert not any(d in line for d in delegates)
    await terminate_open_workflows(env)
