"""``Ledger.save`` collects our events and aggregates without eventsourcing's Protocol checks,
and otherwise saves exactly as ``Application.save`` does."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate, CollectEventsProtocol, DomainEventProtocol

import domain
from domain.base import LedgerAggregate, deterministic_id
from ledger.app import Ledger, _collected, _is_event
from tests.ledger.conftest import Account, Bank, meta


class Plain(Aggregate):
    """Not one of the ledger's aggregates: saved the way eventsourcing saves it."""

    def __init__(self, name: str) -> None:
        self.name = name


class SnapshottingLedger(Ledger):
    snapshotting_intervals = {Account: 2}  # noqa: RUF012 - eventsourcing's class variable


def accounts(n: int, deposits: int = 0) -> list[Account]:
    made = []
    for i in range(n):
        m = meta()
        account = Account._new(deterministic_id(Account.KIND, f"a{i}"), m, owner=f"a{i}")
        for _ in range(deposits):
            account.deposit(m, 5)
        made.append(account)
    return made


def reference(*objs: Any, **kwargs: Any) -> ProcessingEvent[Any]:
    processing_event: ProcessingEvent[Any] = ProcessingEvent()
    processing_event.collect_events(*objs, **kwargs)
    return processing_event


def test_the_protocol_checks_only_what_is_event_checks() -> None:
    assert typing._get_protocol_attrs(DomainEventProtocol) == {  # type: ignore[attr-defined]
        "originator_id",
        "originator_version",
    }
    (account,) = accounts(1, deposits=1)
    for event in account._pending_events:
        assert _is_event(event) and isinstance(event, DomainEventProtocol)
    assert not _is_event(account) and not isinstance(account, DomainEventProtocol)


def test_every_aggregate_of_the_domain_collects_its_events() -> None:
    for module in pkgutil.walk_packages(domain.__path__, prefix="domain."):
        importlib.import_module(module.name)
    todo: list[type] = [LedgerAggregate]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        assert issubclass(cls, CollectEventsProtocol), cls
        assert callable(cls.collect_events), cls


def test_events_and_aggregates_are_collected_as_eventsourcing_collects_them() -> None:
    given, loose = accounts(2, deposits=2), accounts(2, deposits=1)
    expected_given = deepcopy(given)
    events = [e for a in loose for e in a.collect_events()]

    collected = _collected((given[0], None, *events, given[1]), {"k": 1})
    expected = reference(expected_given[0], None, *events, expected_given[1], k=1)

    assert collected is not None
    assert [e.__dict__ for e in collected.events] == [e.__dict__ for e in expected.events]
    assert len(collected.events) == 2 * 3 + 2 * 2
    assert list(collected.aggregates) == list(expected.aggregates) == [a.id for a in given]
    assert [collected.aggregates[i] for i in collected.aggregates] == given  # themselves
    assert collected.saved_kwargs == expected.saved_kwargs == {"k": 1}
    assert collected.tracking is None
    assert all(not a._pending_events for a in given)


def test_anything_else_is_left_to_eventsourcing_before_anything_is_collected() -> None:
    (account,) = accounts(1, deposits=1)
    for other in (Plain(name="p"), object()):
        assert _collected((account, other), {}) is None
        assert len(account._pending_events) == 2  # still pending


def test_a_ledger_saves_events_aggregates_and_others(bank: Bank, ledger: Ledger) -> None:
    ann = bank.open("ann").aggregate.id
    account: Account = ledger.get(ann)
    m = meta()
    account.deposit(m, 3)
    account.deposit(m, 4)
    recordings = ledger.save(*account.collect_events())
    assert [r.domain_event.originator_version for r in recordings] == [2, 3]
    plain = Plain(name="p")
    ledger.save(plain)
    assert ledger.get(ann).balance == 7 and ledger.repository.get(plain.id).name == "p"


def test_a_saved_aggregate_is_kept_for_its_snapshot(tmp_path: Path) -> None:
    """Snapshots are taken of the aggregates saved, not of loose events."""
    ledger = SnapshottingLedger(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "l.db")}
    )
    try:
        with_aggregate, with_events = accounts(2, deposits=1)
        ledger.save(with_aggregate)
        ledger.save(*with_events.collect_events())
        assert ledger.snapshots is not None
        assert [s.originator_version for s in ledger.snapshots.get(with_aggregate.id)] == [2]
        assert list(ledger.snapshots.get(with_events.id)) == []
    finally:
        ledger.close()


@pytest.mark.parametrize("n", [1, 64])
def test_saving_many_events_at_once_stores_each(ledger: Ledger, n: int) -> None:
    made = accounts(n)
    ledger.save(*(e for a in made for e in a.collect_events()))
    assert all(ledger.get(a.id).owner == a.owner for a in made)


def test_eventsourcing_still_saves_and_collects_as_ledger_save_copies() -> None:
    """A tripwire for an eventsourcing upgrade: ``Ledger.save`` repeats these steps."""
    save = inspect.getsource(Application.save)
    steps = [
        "processing_event.collect_events(*objs, **kwargs)",
        "recordings = self._record(processing_event)",
        "self._take_snapshots(processing_event)",
        "self._notify(recordings)",
        "self.notify(processing_event.events)",
        "return recordings",
    ]
    positions = [save.index(step) for step in steps]
    assert positions == sorted(positions)
    collect = inspect.getsource(ProcessingEvent.collect_events)
    for line in [
        "if isinstance(obj, DomainEventProtocol):",
        "self.events.append(obj)",
        "if isinstance(obj, CollectEventsProtocol):",
        "self.aggregates[obj.id] = obj",
        "self.saved_kwargs.update(kwargs)",
    ]:
        assert line in collect
