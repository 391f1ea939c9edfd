"""Group commit: saves that meet share a transaction, and each caller gets its own outcome."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
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


def test_needs_are_made_durable_once_per_batch_and_before_their_saves_commit(
    ledger: Ledger,
) -> None:
    need_of = {deterministic_id(Account.KIND, f"n{i}"): f"poll{i % 3}" for i in range(30)}
    order: list[tuple[str, set[str]]] = []  # what happened, in order
    lock = threading.Lock()

    def prepare(needs: list[str]) -> dict[str, BaseException]:
        assert len(set(needs)) == len(needs)  # each need once per batch
        with lock:
            order.append(("prepare", set(needs)))
        return {}

    group = GroupCommit(ledger, prepare=prepare)
    real = ledger.save
    slow = threading.Event()

    def slow_save(*events: Any, **kw: object) -> object:
        slow.wait(0.05)  # a commit takes a while: the others queue meanwhile
        with lock:
            order.append(("save", {need_of[e.originator_id] for e in events}))
        return real(*events, **kw)

    with mock.patch.object(ledger, "save", side_effect=slow_save):
        outcomes = _together(30, lambda i: group.save(_new(f"n{i}"), needs=f"poll{i % 3}"))
    assert outcomes == [None] * 30
    saves = [k for k, (what, _) in enumerate(order) if what == "save"]
    assert len(saves) < 30  # saves that met shared transactions
    for k in saves:
        # The need of every save in this transaction was made durable by the prepare
        # just before it (a later batch may be prepared meanwhile, never an earlier one).
        last_prepare = max(j for j in range(k) if order[j][0] == "prepare")
        prepared = set().union(*(n for w, n in order[: last_prepare + 1] if w == "prepare"))
        assert order[k][1] <= prepared
    for i in range(30):
        assert ledger.get(deterministic_id(Account.KIND, f"n{i}")).owner == f"n{i}"


def test_a_save_whose_need_fails_is_refused_with_that_error_and_the_rest_stand(
    ledger: Ledger,
) -> None:
    def prepare(needs: list[str]) -> dict[str, BaseException]:
        return {n: OSError(f"cannot sync {n}") for n in needs if n == "bad"}

    group = GroupCommit(ledger, prepare=prepare)
    needs = ["bad" if i % 4 == 0 else "good" for i in range(12)]
    outcomes = _together(12, lambda i: group.save(_new(f"f{i}"), needs=needs[i]))
    assert_only_the_bad_needs_refused(ledger, needs, outcomes)


def assert_only_the_bad_needs_refused(
    ledger: Ledger, needs: list[str], outcomes: list[BaseException | None]
) -> None:
    """Save ``f{i}`` with ``needs[i]``: each "bad" one refused with its need's error and
    never committed, every other one committed."""
    for i, outcome in enumerate(outcomes):
        found = ledger.find(deterministic_id(Account.KIND, f"f{i}"))
        if needs[i] == "bad":
            assert isinstance(outcome, OSError) and "cannot sync bad" in str(outcome)
            assert found is None  # never committed
        else:
            assert outcome is None and found is not None


def test_after_runs_after_the_commit_and_before_the_callers_return(ledger: Ledger) -> None:
    seen: list[int] = []
    owners = [f"a{i}" for i in range(16)]

    def after() -> None:
        # Every save this commit answered is in the ledger already.
        seen.append(sum(ledger.find(deterministic_id(Account.KIND, o)) is not None for o in owners))

    group = GroupCommit(ledger, after=after)
    returned: list[bool] = []

    def vote(i: int) -> None:
        followed = group.save(_new(owners[i]))
        returned.append(followed)
        assert seen and seen[-1] >= 1

    assert _together(16, vote) == [None] * 16
    assert returned == [True] * 16
    assert len(seen) == group.batches and seen == sorted(seen) and seen[-1] == 16


def test_a_failing_after_leaves_the_saves_standing_and_says_so(ledger: Ledger) -> None:
    def after() -> None:
        raise RuntimeError("log unreadable")

    group = GroupCommit(ledger, after=after)
    assert group.save(_new("standing")) is False
    assert ledger.get(deterministic_id(Account.KIND, "standing")).owner == "standing"


def test_the_next_batch_is_prepared_while_the_one_before_commits(ledger: Ledger) -> None:
    """Preparing (the spool's sync) and committing overlap: a batch's need is made
    durable while the batch before it is still being committed."""
    committing = threading.Event()
    overlapped = threading.Event()

    def prepare(needs: list[str]) -> dict[str, BaseException]:
        if committing.is_set():
            overlapped.set()
        return {}

    group = GroupCommit(ledger, prepare=prepare)
    real = ledger.save

    def held_save(*objs: object, **kw: object) -> object:
        committing.set()
        overlapped.wait(5)  # the first commit holds until the next batch is prepared
        try:
            return real(*objs, **kw)
        finally:
            committing.clear()

    first = threading.Thread(target=lambda: group.save(_new("first"), needs="p"))
    with mock.patch.object(ledger, "save", side_effect=held_save):
        first.start()
        committing.wait(5)
        group.save(_new("second"), needs="p")
        first.join()
    assert overlapped.is_set()
    for owner in ("first", "second"):
        assert ledger.get(deterministic_id(Account.KIND, owner)).owner == owner
