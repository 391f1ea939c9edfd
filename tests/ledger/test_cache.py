"""The aggregate cache: never stale, and never holding what a failed command did.

Every test runs on SQLite and PostgreSQL (the ``store`` fixture). Two Ledger instances on
one store stand for two workers (processes) writing the same ledger. The unsafe cache
options of eventsourcing are passed in on purpose: the ledger must override them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from eventsourcing.persistence import IntegrityError

from bootstrap import build_ledger
from domain.errors import InvalidInput
from settings import Settings
from tests.ledger.conftest import Account, Bank, Store, meta
from tests.ledger.test_ledger import run_together

UNSAFE = {
    "AGGREGATE_CACHE_FASTFORWARD": "n",  # would trust the cache: stale with other workers
    "AGGREGATE_CACHE_FASTFORWARD_SKIPPING": "y",  # would return a stale copy under contention
    "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",  # would hand out the cached object itself
}


@pytest.fixture(autouse=True)
def cache_every_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    # Short streams are replayed, not cached; these tests need every one cached.
    monkeypatch.setattr("ledger.app.CACHE_MIN_VERSION", 1)


def cached_env(store: Store, size: int = 100) -> dict[str, str]:
    return {**store.env, **UNSAFE, "AGGREGATE_CACHE_MAXSIZE": str(size)}


@pytest.fixture
def workers(store: Store) -> Iterator[tuple[Bank, Bank]]:
    from ledger.app import Ledger

    first, second = Ledger(env=cached_env(store)), Ledger(env=cached_env(store))
    assert first.repository.cache is not None and second.repository.cache is not None
    yield Bank(first), Bank(second)
    first.close()
    second.close()


def test_two_workers_interleaving_commands_on_one_aggregate_stay_correct(
    workers: tuple[Bank, Bank],
) -> None:
    a, b = workers
    account = a.open("ann").aggregate.id
    assert b.ledger.get(account).balance == 0  # both caches now hold version 1

    for i in range(1, 11):
        worker = a if i % 2 else b
        result = worker.deposit(account, i, command_id=f"dep-{i}")
        assert result.applied
        assert result.aggregate.version == i + 1
        assert result.aggregate.balance == sum(range(1, i + 1))

    for worker in (a, b):
        now: Account = worker.ledger.get(account)
        assert (now.version, now.balance) == (11, 55)
        assert [e.originator_version for e in worker.ledger.stream(account)] == list(range(1, 12))
    # A retry through the other worker is recognised from its (fast-forwarded) cache.
    again = b.deposit(account, 1, command_id="dep-1")
    assert not again.applied and again.aggregate.balance == 1


def test_a_command_that_raises_leaves_the_next_read_unchanged(
    workers: tuple[Bank, Bank],
) -> None:
    a, _ = workers
    account = a.open("ann").aggregate.id
    a.deposit(account, 10)

    def deposit_then_fail(acc: Account) -> None:
        acc.deposit(meta(), 5)  # the event is applied to the object...
        raise InvalidInput("拒绝", "refused after mutating")  # ...then the command fails

    with pytest.raises(InvalidInput):
        a.ledger.execute(account, meta("bad"), deposit_then_fail)
    with pytest.raises(InvalidInput):
        a.deposit(account, -1)  # a plain domain refusal too

    now: Account = a.ledger.get(account)
    assert (now.version, now.balance) == (2, 10)
    assert not now.has_applied("bad")
    after = a.deposit(account, 1)
    assert (after.aggregate.version, after.aggregate.balance) == (3, 11)


def test_a_conflict_retry_applies_the_command_once(workers: tuple[Bank, Bank]) -> None:
    a, b = workers
    account = a.open("ann").aggregate.id
    a.ledger.get(account)  # cached at version 1 in worker a
    calls = 0

    def deposit_after_another_worker(acc: Account) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            # Another worker commits between this worker's read and its save.
            b.deposit(account, 100, command_id="other")
        acc.deposit(m, 1)

    m = meta("mine")
    result = a.ledger.execute(account, m, deposit_after_another_worker)

    assert calls == 2  # the first save lost the race (IntegrityError) and was re-run
    assert result.applied
    assert (result.aggregate.version, result.aggregate.balance) == (3, 101)
    for worker in (a, b):
        now: Account = worker.ledger.get(account)
        assert (now.version, now.balance) == (3, 101)
        assert now.commands["mine"] == 3 and now.commands["other"] == 2
    retried = a.ledger.execute(account, m, lambda acc: acc.deposit(m, 1))
    assert not retried.applied and retried.aggregate.balance == 101


def test_a_lost_save_leaves_nothing_in_the_cache(workers: tuple[Bank, Bank]) -> None:
    a, b = workers
    account = a.open("ann").aggregate.id
    stale: Account = a.ledger.get(account)
    b.deposit(account, 7)

    stale.deposit(meta(), 1_000)  # a copy at version 1 making version 2: taken already
    with pytest.raises(IntegrityError):
        a.ledger.save(stale)

    now: Account = a.ledger.get(account)
    assert (now.version, now.balance) == (2, 7)


def test_reads_hand_out_copies(workers: tuple[Bank, Bank]) -> None:
    a, _ = workers
    account = a.open("ann").aggregate.id
    first: Account = a.ledger.get(account)
    first.balance = 999
    first.commands["forged"] = 1
    assert a.ledger.find(account) is not first
    assert a.ledger.get(account).balance == 0
    assert not a.ledger.get(account).has_applied("forged")


def test_two_workers_depositing_together_lose_nothing(workers: tuple[Bank, Bank]) -> None:
    a, b = workers
    account = a.open("ann").aggregate.id
    lock = threading.Lock()
    applied: list[str] = []

    def work(i: int) -> None:
        worker = (a, b)[i % 2]
        for j in range(10):
            command_id = f"t{i}-{j}"
            if worker.deposit(account, 1, command_id=command_id).applied:
                with lock:
                    applied.append(command_id)

    # Two writers only: many writers looping on one aggregate can exhaust
    # MAX_CONFLICT_RETRIES on PostgreSQL, with or without the cache.
    run_together(2, work)

    assert len(applied) == len(set(applied)) == 20
    for worker in (a, b):
        now: Account = worker.ledger.get(account)
        assert (now.version, now.balance) == (21, 20)


def test_readers_never_see_a_torn_copy_while_the_cache_fast_forwards(
    workers: tuple[Bank, Bank],
) -> None:
    a, b = workers
    account = a.open("ann").aggregate.id
    done = threading.Event()
    torn: list[tuple[int, int, int]] = []

    def read(i: int) -> None:
        if i == 0:
            for j in range(60):
                b.deposit(account, 1, command_id=f"w-{j}")  # worker b appends...
            done.set()
            return
        while not done.is_set():  # ...while threads of worker a fast-forward and copy
            now: Account = a.ledger.get(account)
            if not (now.balance == now.version - 1 == len(now.commands) - 1):
                torn.append((now.version, now.balance, len(now.commands)))

    run_together(5, read)

    assert torn == []
    assert a.ledger.get(account).balance == 60


def test_historical_reads_bypass_the_cache(workers: tuple[Bank, Bank]) -> None:
    a, b = workers
    account = a.open("ann").aggregate.id
    b.deposit(account, 3)
    a.deposit(account, 4)
    assert a.ledger.get(account, version=2).balance == 3
    assert a.ledger.get(account).balance == 7


def test_missing_aggregates_are_not_cached(workers: tuple[Bank, Bank]) -> None:
    a, b = workers
    missing = uuid.uuid4()
    assert a.ledger.find(missing) is None
    created = b.ledger.execute(
        missing, meta(), create=lambda: Account._new(missing, meta(), owner="late")
    )
    assert created.applied
    assert a.ledger.find(missing).owner == "late"


def test_short_streams_are_replayed_not_cached(
    workers: tuple[Bank, Bank], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ledger.app.CACHE_MIN_VERSION", 3)
    a, _ = workers
    account = a.open("ann").aggregate.id
    a.deposit(account, 1)
    assert a.ledger.get(account).version == 2
    assert account not in a.ledger.repository.cache.cache  # type: ignore[union-attr]
    a.deposit(account, 1)
    assert a.ledger.get(account).balance == 2
    assert account in a.ledger.repository.cache.cache  # type: ignore[union-attr]


def test_the_cache_size_is_a_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    default = build_ledger(Settings(data_dir=tmp_path / "a"))
    off = build_ledger(Settings(data_dir=tmp_path / "b", ledger_cache_size=0))
    try:
        assert Settings().ledger_cache_size > 0
        assert default.repository.cache is not None
        assert off.repository.cache is None
    finally:
        default.close()
        off.close()
