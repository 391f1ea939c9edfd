"""One tail of the notification log shared by several read models, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading

import pytest

from domain.base import deterministic_id
from ledger.app import Ledger
from projections.counters import KeyCounter, LogTail, SharedCatchUp, one_read_point
from projections.index import LatestAggregates
from tests.ledger.conftest import Account, Bank, Store, meta
from tests.ledger.test_ledger import run_together


def test_threads_catching_up_together_count_each_event_once_and_see_their_own(
    store: Store,
) -> None:
    writer, reader = Ledger(env=store.env), Ledger(env=store.env)  # two workers
    try:
        tail = LogTail(reader)
        owners = KeyCounter(reader, "owner", Account.Created, member="owner", tail=tail)
        owners.count("")  # the first catch-up reads history; the next ones tail
        done = threading.Event()
        seen = threading.Lock()
        behind: list[str] = []

        def work(i: int) -> None:
            if i >= 2:  # readers: catch up over and over while the writers write
                while not done.is_set():
                    owners.count("o0-0")
                return
            for j in range(30):
                Bank(writer if j % 2 else reader).open(f"o{i}-{j}")
                if not owners.has(f"o{i}-{j}", f"o{i}-{j}"):  # committed before the call
                    with seen:
                        behind.append(f"o{i}-{j}")
            if i == 0:
                done.set()

        run_together(8, work)

        assert behind == []
        counts = [owners.count(f"o{i}-{j}") for i in range(2) for j in range(30)]
        assert counts == [1] * 60
    finally:
        writer.close()
        reader.close()


def test_latest_aggregates_drop_what_another_worker_changed(store: Store) -> None:
    writer, reader = Ledger(env=store.env), Ledger(env=store.env)
    try:
        latest = LatestAggregates(reader, LogTail(reader))
        bank = Bank(writer)
        account = bank.open("ann").aggregate.id
        assert latest.get(account).balance == 0
        assert latest.get(account) is latest.get(account)  # held, not re-read
        bank.deposit(account, 5)
        assert latest.get(account).balance == 5
        assert latest.get(deterministic_id(Account.KIND, "nobody")) is None
    finally:
        writer.close()
        reader.close()


def test_subscribing_after_the_first_catch_up_is_refused(store: Store) -> None:
    ledger = Ledger(env=store.env)
    try:
        tail = LogTail(ledger)
        KeyCounter(ledger, "owner", Account.Created, tail=tail).count("x")
        with pytest.raises(RuntimeError):
            LatestAggregates(ledger, tail)
    finally:
        ledger.close()


async def test_callers_arriving_together_share_a_catch_up_that_started_after_their_call() -> None:
    """Every caller returns only after a catch-up that began after its call; a burst of
    callers costs at most two catch-ups, one running and one for those who came during it."""
    started: list[int] = []  # the arrivals counted when each catch-up began
    arrivals = 0
    release = threading.Event()

    def catch_up() -> None:
        started.append(arrivals)
        release.wait(5)

    shared = SharedCatchUp(catch_up)

    async def caller() -> int:
        nonlocal arrivals
        arrivals += 1
        mine = arrivals
        await shared()
        return mine

    first = asyncio.ensure_future(caller())
    await asyncio.sleep(0.05)  # the first catch-up is running
    burst = [asyncio.ensure_future(caller()) for _ in range(30)]
    await asyncio.sleep(0.05)
    release.set()
    mine = await asyncio.gather(first, *burst)
    assert len(started) == 2
    # Each caller's catch-up started after its arrival (it counted the caller in).
    assert mine[0] <= started[0] and all(m <= started[1] for m in mine[1:])


async def test_a_failing_shared_catch_up_fails_its_callers_and_the_next_one_runs() -> None:
    calls = 0

    def catch_up() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("database locked")

    shared = SharedCatchUp(catch_up)
    with pytest.raises(OSError, match="locked"):
        await shared()
    await shared()
    assert calls == 2


async def test_a_request_reads_the_log_as_of_one_catch_up_unless_it_asks_again(
    store: Store,
) -> None:
    """Inside ``one_read_point`` (a web request) the tail is caught up once, and anything
    committed before the request began is seen; outside it, every call catches up."""
    writer, reader = Ledger(env=store.env), Ledger(env=store.env)  # two workers
    tail = LogTail(reader)
    counter = KeyCounter(reader, "owner", Account.Created, tail=tail)
    tail.catch_up()
    queries = 0
    real = reader.recorder.select_notifications

    def counted(*args: object, **kwargs: object) -> object:
        nonlocal queries
        queries += 1
        return real(*args, **kwargs)

    reader.recorder.select_notifications = counted  # type: ignore[method-assign]
    writer.save(Account._new(deterministic_id(Account.KIND, "r1"), meta(), owner="r1"))
    with one_read_point():
        await tail.caught_up()
        assert counter.count("r1", catch_up=False) == 1  # committed before: seen
        seen = queries
        writer.save(Account._new(deterministic_id(Account.KIND, "r2"), meta(), owner="r2"))
        await tail.caught_up()  # the request's read point stands
        assert queries == seen and counter.count("r2", catch_up=False) == 0
        await tail.caught_up(again=True)
        assert counter.count("r2", catch_up=False) == 1
    writer.save(Account._new(deterministic_id(Account.KIND, "r3"), meta(), owner="r3"))
    await tail.caught_up()
    await tail.caught_up()
    assert counter.count("r3", catch_up=False) == 1 and queries >= seen + 2
