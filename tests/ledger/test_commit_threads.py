"""Commit threads: saves from event loops share transactions, each caller its own outcome."""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from unittest import mock

import pytest
from eventsourcing.persistence import IntegrityError

from domain.base import deterministic_id
from ledger.app import Ledger
from ledger.group_commit import CommitThreads
from tests.ledger.conftest import Account, meta
from tests.ledger.test_group_commit import assert_only_the_bad_needs_refused


def _new(owner: str) -> Account:
    return Account._new(deterministic_id(Account.KIND, owner), meta(), owner=owner)


def _slowly(ledger: Ledger, seconds: float = 0.05) -> Any:
    """The ledger's save taking a while, so that saves queue meanwhile."""
    real = ledger.save
    pause = threading.Event()

    def slow_save(*objs: object, **kw: object) -> object:
        pause.wait(seconds)
        return real(*objs, **kw)

    return mock.patch.object(ledger, "save", side_effect=slow_save)


async def _together(saves: list[Any]) -> list[BaseException | None]:
    outcomes = await asyncio.gather(*saves, return_exceptions=True)
    return [o if isinstance(o, BaseException) else None for o in outcomes]


async def test_saves_from_a_loop_share_transactions_and_every_one_is_recorded(
    ledger: Ledger,
) -> None:
    threads = CommitThreads(ledger)
    try:
        with _slowly(ledger):
            outcomes = await _together([threads.save(_new(f"g{i}")) for i in range(40)])
        assert outcomes == [None] * 40
        for i in range(40):
            assert ledger.get(deterministic_id(Account.KIND, f"g{i}")).owner == f"g{i}"
        assert threads.batches < 40  # saved alone, it would be 40 transactions
    finally:
        threads.close()


async def test_a_colliding_save_is_refused_alone_and_the_rest_of_its_batch_stands(
    ledger: Ledger,
) -> None:
    threads = CommitThreads(ledger)
    try:
        await threads.save(_new("taken"))
        owners = [f"h{i}" for i in range(20)]
        owners[7] = owners[13] = "taken"  # two second votes among them
        with _slowly(ledger):
            outcomes = await _together([threads.save(_new(o)) for o in owners])
        refused = [i for i, o in enumerate(outcomes) if o is not None]
        assert refused == [7, 13]
        assert all(isinstance(outcomes[i], IntegrityError) for i in refused)
        for i, owner in enumerate(owners):
            if i not in refused:
                assert ledger.get(deterministic_id(Account.KIND, owner)).owner == owner
    finally:
        threads.close()


async def test_a_save_whose_need_fails_is_refused_with_that_error_and_the_rest_stand(
    ledger: Ledger,
) -> None:
    prepared: list[list[str]] = []

    def prepare(needs: list[str]) -> dict[str, BaseException]:
        assert len(set(needs)) == len(needs)  # each need once per batch
        prepared.append(needs)
        return {n: OSError(f"cannot sync {n}") for n in needs if n == "bad"}

    threads = CommitThreads(ledger, prepare=prepare)
    needs = ["bad" if i % 4 == 0 else "good" for i in range(12)]
    try:
        outcomes = await _together([threads.save(_new(f"f{i}"), needs=needs[i]) for i in range(12)])
    finally:
        threads.close()
    assert prepared
    assert_only_the_bad_needs_refused(ledger, needs, outcomes)


async def test_after_runs_after_the_commit_and_before_the_callers_return(ledger: Ledger) -> None:
    owners = [f"a{i}" for i in range(16)]
    seen: list[int] = []

    def after() -> None:
        seen.append(sum(ledger.find(deterministic_id(Account.KIND, o)) is not None for o in owners))

    threads = CommitThreads(ledger, after=after)

    async def vote(owner: str) -> bool:
        followed = await threads.save(_new(owner))
        assert seen and ledger.find(deterministic_id(Account.KIND, owner)) is not None
        return followed

    try:
        assert await asyncio.gather(*(vote(o) for o in owners)) == [True] * 16
    finally:
        threads.close()
    assert seen == sorted(seen) and seen[-1] == 16


async def test_a_failing_after_leaves_the_saves_standing_and_says_so(ledger: Ledger) -> None:
    def after() -> None:
        raise RuntimeError("log unreadable")

    threads = CommitThreads(ledger, after=after)
    try:
        assert await threads.save(_new("standing")) is False
    finally:
        threads.close()
    assert ledger.get(deterministic_id(Account.KIND, "standing")).owner == "standing"


async def test_a_cancelled_caller_leaves_its_save_to_commit(ledger: Ledger) -> None:
    threads = CommitThreads(ledger)
    try:
        with _slowly(ledger, 0.3):
            task = asyncio.ensure_future(threads.save(_new("gone")))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await threads.save(_new("next"))  # committed after the cancelled one's
    finally:
        threads.close()
    assert ledger.get(deterministic_id(Account.KIND, "gone")).owner == "gone"


async def test_closing_commits_what_is_queued_and_refuses_later_saves(ledger: Ledger) -> None:
    threads = CommitThreads(ledger)
    with _slowly(ledger, 0.1):
        pending = [asyncio.ensure_future(threads.save(_new(f"q{i}"))) for i in range(5)]
        await asyncio.sleep(0.02)  # queued
        await asyncio.to_thread(threads.close)
    assert await _together(pending) == [None] * 5
    for i in range(5):
        assert ledger.find(deterministic_id(Account.KIND, f"q{i}")) is not None
    with pytest.raises(RuntimeError, match="closed"):
        await threads.save(_new("late"))
