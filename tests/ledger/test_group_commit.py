"""Group commit: saves that meet share a transaction, and each caller gets its own outcome."""

from __future__ import annotations

import threading
from collections.abc import Callable
from unittest import mock

import pytest
from eventsourcing.persistence import IntegrityError

from domain.base import deterministic_id
from ledger.app import Ledger
from ledger.group_commit import GroupCommit
from tests.ledger.conftest import Account, meta


def _new(owner: str) -> Account:
    return Account._new(deterministic_id(Account.KIND, owner), meta(), owner=owner)


def _together(n: int, work: Callable[[int], object]) -> list[BaseException | None]:
    start = threading.Barrier(n)
    outcomes: list[BaseException | None] = [None] * n

    def run(i: int) -> None:
        start.wait()
        try:
            work(i)
        except BaseException as error:  # noqa: BLE001 - collected for the assertions
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.parametrize("max_batch", [64, 4])
def test_saves_that_meet_share_transactions_and_every_one_is_recorded(
    ledger: Ledger, max_batch: int
) -> None:
    group = GroupCommit(ledger, max_batch=max_batch)
    real = ledger.save
    slow = threading.Event()

    def slow_save(*objs: object, **kw: object) -> object:
        slow.wait(0.05)  # a commit takes a while: the others queue meanwhile
        return real(*objs, **kw)

    with mock.patch.object(ledger, "save", side_effect=slow_save):
        outcomes = _together(40, lambda i: group.save(_new(f"g{i}")))
    assert outcomes == [None] * 40
    for i in range(40):
        assert ledger.get(deterministic_id(Account.KIND, f"g{i}")).owner == f"g{i}"
    assert group.batches < 40  # saved alone, it would be 40 transactions


def test_a_colliding_save_is_refused_alone_and_the_rest_of_its_batch_stands(
    ledger: Ledger,
) -> None:
    group = GroupCommit(ledger)
    group.save(_new("taken"))
    real = ledger.save
    slow = threading.Event()

    def slow_save(*objs: object, **kw: object) -> object:
        slow.wait(0.05)
        return real(*objs, **kw)

    owners = [f"h{i}" for i in range(20)]
    owners[7] = owners[13] = "taken"  # two second votes among them
    with mock.patch.object(ledger, "save", side_effect=slow_save):
        outcomes = _together(20, lambda i: group.save(_new(owners[i])))
    refused = [i for i, o in enumerate(outcomes) if o is not None]
    assert refused == [7, 13]
    assert all(isinstance(outcomes[i], IntegrityError) for i in refused)
    for i, owner in enumerate(owners):
        if i not in refused:
            assert ledger.get(deterministic_id(Account.KIND, owner)).owner == owner


def test_a_failing_store_fails_every_save_of_the_batch_and_the_next_save_works(
    ledger: Ledger,
) -> None:
    group = GroupCommit(ledger)
    with (
        mock.patch.object(ledger, "save", side_effect=OSError("disk gone")),
        pytest.raises(OSError, match="disk gone"),
    ):
        group.save(_new("lost"))
    group.save(_new("kept"))
    assert ledger.get(deterministic_id(Account.KIND, "kept")).owner == "kept"
