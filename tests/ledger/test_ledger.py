"""The ledger runs commands exactly once, reads the past, and seals what it recorded."""

from __future__ import annotations

import hashlib
import stat
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from domain.actors import CommandMeta, system_acting
from domain.errors import NotFound
from ledger import verify
from ledger.app import Ledger
from ledger.seal import SEAL_CHAIN_ID, SealKey, export_seal, merkle_root, seal_ledger
from ledger.verify import verify_ledger

if TYPE_CHECKING:
    from tests.ledger.conftest import Bank

T = TypeVar("T")


def seal_meta(command_id: str) -> CommandMeta:
    return CommandMeta(command_id=command_id, acting=system_acting(), occurred_at=datetime.now(UTC))


def run_together(workers: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` on ``workers`` threads released at the same instant."""
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as e:  # noqa: BLE001 - surfaced below: a thread's failure must fail the test
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def test_retried_command_is_applied_once_and_returns_the_state_it_recorded(
    bank: Bank, ledger: Ledger
) -> None:
    account_id = bank.open("ann").aggregate.id
    first = bank.deposit(account_id, 10, command_id="dep-1")
    bank.deposit(account_id, 20, command_id="dep-2")

    retried = bank.deposit(account_id, 10, command_id="dep-1")

    assert first.applied and not retried.applied
    assert (retried.aggregate.version, retried.aggregate.balance) == (2, 10)
    assert [e.originator_version for e in ledger.stream(account_id)] == [1, 2, 3]
    assert ledger.get(account_id).balance == 30


def test_creating_the_same_deterministic_aggregate_twice_keeps_one(
    bank: Bank, ledger: Ledger
) -> None:
    first = bank.open("ann", command_id="open-1")
    second = bank.open("ann", command_id="open-2")

    assert first.applied and not second.applied
    assert second.aggregate.id == first.aggregate.id
    assert len(ledger.stream(first.aggregate.id)) == 1


def test_concurrent_distinct_commands_on_one_aggregate_all_apply_exactly_once(
    bank: Bank, ledger: Ledger
) -> None:
    account_id = bank.open("ann").aggregate.id

    results = run_together(8, lambda i: bank.deposit(account_id, i + 1, command_id=f"dep-{i}"))

    assert all(r.applied for r in results)
    events = ledger.stream(account_id)
    assert [e.originator_version for e in events] == list(range(1, 10))
    assert sorted(e.command_id for e in events[1:]) == sorted(f"dep-{i}" for i in range(8))
    assert ledger.get(account_id).balance == sum(range(1, 9))
    assert verify_ledger(ledger).ok


def test_concurrent_duplicates_of_one_command_apply_once(bank: Bank, ledger: Ledger) -> None:
    account_id = bank.open("ann").aggregate.id

    results = run_together(8, lambda i: bank.deposit(account_id, 5, command_id="dep-same"))

    assert sum(r.applied for r in results) == 1
    assert all(r.aggregate.balance == 5 for r in results)
    assert len(ledger.stream(account_id)) == 2


def test_reads_at_a_version_and_at_an_instant(bank: Bank, ledger: Ledger) -> None:
    opened = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    account_id = bank.open("ann", at=opened).aggregate.id
    bank.deposit(account_id, 5, at=opened + timedelta(hours=1))
    bank.deposit(account_id, 7, at=opened + timedelta(hours=2))

    assert ledger.get(account_id, version=2).balance == 5
    with pytest.raises(NotFound):
        ledger.get(account_id, at=opened - timedelta(microseconds=1))
    assert ledger.get(account_id, at=opened).balance == 0
    assert ledger.get(account_id, at=opened + timedelta(minutes=90)).balance == 5
    assert ledger.get(account_id, at=opened + timedelta(hours=2)).balance == 12


def test_intact_sealed_ledger_verifies(bank: Bank, ledger: Ledger) -> None:
    key = SealKey.generate()
    ids = [bank.open(name).aggregate.id for name in ("ann", "bo", "cy")]
    for n, account_id in enumerate(ids):
        bank.deposit(account_id, n + 1)
    first = seal_ledger(ledger, key, seal_meta("seal-1"))
    bank.deposit(ids[0], 4)
    second = seal_ledger(ledger, key, seal_meta("seal-2"))
    bank.deposit(ids[1], 5)
    bank.deposit(ids[2], 6)

    report = verify_ledger(
        ledger, trusted_public_key=key.public_bytes(), against=export_seal(ledger)
    )

    assert first is not None and second is not None
    assert second.from_notification_id == first.to_notification_id
    assert report.ok, report.first_bad
    assert report.events_checked == len(list(ledger.all_notifications()))
    assert report.aggregates_checked == 4  # three accounts and the seal chain
    assert report.seals_checked == 2
    assert report.last_sealed_notification_id == second.to_notification_id
    assert report.unsealed_events == 2


def test_retried_seal_returns_the_recorded_seal_and_an_idle_seal_records_nothing(
    bank: Bank, ledger: Ledger
) -> None:
    key = SealKey.generate()
    bank.open("ann")
    first = seal_ledger(ledger, key, seal_meta("seal-1"))

    retried = seal_ledger(ledger, key, seal_meta("seal-1"))
    idle = seal_ledger(ledger, key, seal_meta("seal-2"))

    assert first is not None and retried == first
    assert idle is None
    assert [type(e).__name__ for e in ledger.stream(SEAL_CHAIN_ID)] == ["Created", "Sealed"]


def test_empty_ledger_is_not_sealed(ledger: Ledger) -> None:
    assert seal_ledger(ledger, SealKey.generate(), seal_meta("seal-1")) is None
    assert ledger.max_notification_id() == 0


@pytest.mark.parametrize("window", [1, 4096])
def test_seal_that_ends_before_writes_made_while_sealing_still_verifies(
    bank: Bank, ledger: Ledger, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    key = SealKey.generate()
    account_id = bank.open("ann").aggregate.id
    for amount in range(1, 6):
        bank.deposit(account_id, amount)
    real_max = ledger.max_notification_id
    # As if two deposits committed between reading the log's end and saving the seal.
    monkeypatch.setattr(ledger, "max_notification_id", lambda: real_max() - 2)
    lagging = seal_ledger(ledger, key, seal_meta("seal-1"))
    monkeypatch.setattr(ledger, "max_notification_id", real_max)
    bank.deposit(account_id, 6)
    following = seal_ledger(ledger, key, seal_meta("seal-2"))
    # A window of 1 forces the audit to re-read the ranges it had already folded.
    monkeypatch.setattr(verify, "LEAF_WINDOW", window)

    report = verify_ledger(ledger, trusted_public_key=key.public_bytes())

    assert lagging is not None and lagging.count == 4
    # The two late deposits, the seal chain's Created and Sealed, and the new deposit.
    assert following is not None and following.count == 5
    assert report.ok, report.first_bad
    assert (report.seals_checked, report.unsealed_events) == (2, 0)


def test_merkle_root_pairs_an_odd_node_with_itself() -> None:
    def h(data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    a, b, c = h(b"a"), h(b"b"), h(b"c")

    assert merkle_root([a]) == a.hex()
    assert merkle_root([a, b]) == h(a + b).hex()
    assert merkle_root([a, b, c]) == h(h(a + b) + h(c + c)).hex()
    assert merkle_root([a, b, c, a, b]) == h(h(h(a + b) + h(c + a)) + h(h(b + b) + h(b + b))).hex()


def test_seal_key_is_created_private_and_loaded_again(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "seal.pem"

    created = SealKey.load_or_create(path)
    loaded = SealKey.load_or_create(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert loaded.public_bytes() == created.public_bytes()
    assert len(created.public_bytes()) == 32
