"""Every kind of tampering a database writer can do is caught by plain ``audit verify``.

The writer holds the ledger's database (SQLite file or PostgreSQL schema) and the code, but
neither the seal key nor the witness. Each kind below is done to the same ledger: three
accounts sealed, then more events sealed again (both seals witnessed), then one event not
yet sealed. ``verify`` runs as the CLI runs it, from settings alone: no ``--against``, no
``--public-key``.

What no check can see, and is therefore not a kind here: a correctly chained event forged
after the last witnessed seal (``unwitnessed_events`` counts it until the next seal).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bootstrap import App, build_app
from domain.actors import CommandMeta, system_acting
from domain.base import GENESIS_HASH
from ledger.app import Ledger
from ledger.seal import SEAL_CHAIN_ID, SealKey, seal_ledger
from tests.ledger.conftest import Account, Bank, Store, Tamper


@dataclass
class World:
    app: App
    ledger: Ledger
    bank: Bank
    tamper: Tamper
    ann: uuid.UUID
    bo: uuid.UUID
    cy: uuid.UUID
    dee: uuid.UUID
    first_seal_to: int
    seals: list[int]


@pytest.fixture
def world(store: Store, tmp_path: Path) -> Iterator[World]:
    app = build_app(store.settings(tmp_path / "var"), migrate=True)
    bank = Bank(app.ledger)
    ann = bank.open("ann").aggregate.id
    bo = bank.open("bo").aggregate.id
    cy = bank.open("cy").aggregate.id
    for amount in (5, 7, 9):
        bank.deposit(ann, amount)
    bank.deposit(bo, 6)
    bank.deposit(cy, 1)
    first = app.audit().seal("first")
    bank.deposit(ann, 11)
    bank.deposit(bo, 3)
    dee = bank.open("dee").aggregate.id
    second = app.audit().seal("second")
    bank.deposit(ann, 13)  # ann v6: not sealed yet
    assert first is not None and second is not None
    w = World(
        app,
        app.ledger,
        bank,
        store.tamper,
        ann,
        bo,
        cy,
        dee,
        first.to_notification_id,
        [first.version, second.version],
    )
    assert app.audit().verify().ok
    yield w
    app.close()


def rewrite(w: World, aggregate_id: uuid.UUID, version: int, **changes: Any) -> None:
    """Change one event and recompute every later hash of its stream."""
    events = w.ledger.stream(aggregate_id)
    prev_hash = events[version - 2].hash if version > 1 else GENESIS_HASH
    for event in events[version - 1 :]:
        fields = {
            "prev_hash": prev_hash,
            **(changes if event.originator_version == version else {}),
        }
        forged = dataclasses.replace(event, **fields)
        w.tamper.set_state(
            aggregate_id, event.originator_version, w.ledger.mapper.to_stored_event(forged).state
        )
        prev_hash = forged.hash


def drop_seals(w: World) -> None:
    w.tamper.delete_aggregate(SEAL_CHAIN_ID)


def rewrite_then(w: World, *then: Callable[[World], None], amount: int | None = 500) -> None:
    if amount is not None:
        rewrite(w, w.ann, 2, amount=amount)
    for step in then:
        step(w)


def reseal(w: World) -> None:
    """Seal with a key of the attacker's own, as the application would."""
    key = SealKey.generate()
    meta = CommandMeta(
        command_id=uuid.uuid4().hex, acting=system_acting(), occurred_at=datetime.now(UTC)
    )
    attacker = Ledger(env=w.app.settings.ledger_env())  # the attacker's own process
    try:
        assert seal_ledger(attacker, key, meta) is not None
    finally:
        attacker.close()


def replace_in(w: World, aggregate_id: uuid.UUID, version: int, old: bytes, new: bytes) -> None:
    state = w.tamper.row(aggregate_id, version).state
    assert old in state, (old, state[:200])
    w.tamper.set_state(aggregate_id, version, state.replace(old, new, 1))


def iso_timestamp(w: World, aggregate_id: uuid.UUID, version: int) -> None:
    """Hash-neutral under rule 1: the timestamp stored as the same ISO string, untyped."""
    state = w.tamper.row(aggregate_id, version).state
    start = state.index(b'{"_type_":"datetime_iso","_data_":')
    end = state.index(b"}", start)
    iso = state[start + len(b'{"_type_":"datetime_iso","_data_":') : end]
    w.tamper.set_state(aggregate_id, version, state[:start] + iso + state[end + 1 :])


def forged_at_freed_id(w: World) -> None:
    freed = w.tamper.row(w.cy, 2).notification_id
    forged = w.bank.forge_deposit(w.dee, 1_000_000)
    w.tamper.delete(w.cy, 2)
    w.tamper.insert(forged, notification_id=freed)


def drop_seal_and_renumber(w: World) -> None:
    """Remove the first seal and put the second in its place, chain hash recomputed."""
    chain = {e.originator_version: e for e in w.ledger.stream(SEAL_CHAIN_ID)}
    first, second = w.seals
    moved = dataclasses.replace(
        chain[second], originator_version=first, prev_hash=chain[first - 1].hash
    )
    row = w.tamper.row(SEAL_CHAIN_ID, second)
    w.tamper.delete(SEAL_CHAIN_ID, second)
    w.tamper.delete(SEAL_CHAIN_ID, first)
    w.tamper.insert(w.ledger.mapper.to_stored_event(moved), notification_id=row.notification_id)


def swap_notification_ids(w: World) -> None:
    """Two events of different streams trade places in the log; both chains stay valid."""
    a, b = w.tamper.row(w.bo, 2), w.tamper.row(w.cy, 2)
    w.tamper.delete(w.bo, 2)
    w.tamper.delete(w.cy, 2)
    w.tamper.insert(_stored(w.bo, 2, a.topic, a.state), notification_id=b.notification_id)
    w.tamper.insert(_stored(w.cy, 2, b.topic, b.state), notification_id=a.notification_id)


def _stored(aggregate_id: uuid.UUID, version: int, topic: str, state: bytes) -> Any:
    from eventsourcing.persistence import StoredEvent

    return StoredEvent(aggregate_id, version, topic, state)


def swap_in_stream(w: World) -> None:
    second, third = w.tamper.row(w.ann, 2), w.tamper.row(w.ann, 3)
    w.tamper.set_state(w.ann, 2, third.state)
    w.tamper.set_state(w.ann, 3, second.state)


def replay_old_event(w: World) -> None:
    """A copy of ann's second event appended as her next one."""
    row = w.tamper.row(w.ann, 2)
    w.tamper.insert(_stored(w.ann, 7, row.topic, row.state))


def delete_everything(w: World) -> None:
    w.tamper.delete_from(-(2**62))


DEPOSITED = f"{Account.Deposited.__module__}:{Account.Deposited.__qualname__}"
CREATED = f"{Account.Created.__module__}:{Account.Created.__qualname__}"

KINDS: dict[str, Callable[[World], None]] = {
    "change a sealed payload": lambda w: replace_in(w, w.ann, 3, b'"amount":7', b'"amount":700'),
    "change an unsealed payload": lambda w: replace_in(
        w, w.ann, 6, b'"amount":13', b'"amount":1300'
    ),
    "change the topic": lambda w: w.tamper.set_topic(w.ann, 3, CREATED),
    "change the timestamp": lambda w: replace_in(w, w.ann, 3, b'"_data_":"20', b'"_data_":"19'),
    "change the actor": lambda w: replace_in(w, w.ann, 3, b'"id":"u-1"', b'"id":"u-2"'),
    "change the comment": lambda w: replace_in(w, w.ann, 3, b'"comment":""', b'"comment":"ok"'),
    "change the command id": lambda w: replace_in(
        w, w.ann, 3, b'"command_id":"', b'"command_id":"x'
    ),
    "garble the stored bytes": lambda w: w.tamper.set_state(w.ann, 3, b"{not json"),
    "renumber an event's version": lambda w: w.tamper.set_version(w.ann, 6, 7),
    "delete a middle event": lambda w: w.tamper.delete(w.ann, 3),
    "delete a stream's first event": lambda w: w.tamper.delete(w.bo, 1),
    "delete a sealed stream's tail": lambda w: w.tamper.delete(w.cy, 2),
    "delete a whole stream": lambda w: w.tamper.delete_aggregate(w.cy),
    "delete the newest stream": lambda w: w.tamper.delete_aggregate(w.dee),
    "truncate the log after the first seal": lambda w: w.tamper.delete_from(w.first_seal_to + 1),
    "truncate the log inside the first seal": lambda w: w.tamper.delete_from(w.first_seal_to - 2),
    "empty the ledger": delete_everything,
    "insert a forged event at a freed sealed id": forged_at_freed_id,
    "insert a forged event below the first id": lambda w: w.tamper.insert(
        w.bank.forge_deposit(w.bo, 1_000_000), notification_id=0
    ),
    "replay an old event as a new one": replay_old_event,
    "swap two events of one stream": swap_in_stream,
    "swap two streams' events in the log": swap_notification_ids,
    "move a sealed event to the end of the log": lambda w: w.tamper.move(w.bo, 3, 10_000),
    "rewrite with every later hash recomputed": lambda w: rewrite(w, w.ann, 2, amount=500),
    "rewrite a sealed tail with recomputed hashes": lambda w: rewrite(w, w.bo, 3, amount=300),
    "rewrite and delete the seals": lambda w: rewrite_then(w, drop_seals),
    "rewrite and re-seal with a new key": lambda w: rewrite_then(w, drop_seals, reseal),
    "delete every seal": lambda w: w.tamper.delete_aggregate(SEAL_CHAIN_ID),
    "delete the last seal": lambda w: w.tamper.delete(SEAL_CHAIN_ID, w.seals[1]),
    "re-seal everything with a new key": lambda w: rewrite_then(w, drop_seals, reseal, amount=None),
    "replace the public key in a stored seal": lambda w: rewrite(
        w, SEAL_CHAIN_ID, w.seals[0], public_key=SealKey.generate().public_bytes().hex()
    ),
    "rewrite a stored seal's root": lambda w: rewrite(
        w, SEAL_CHAIN_ID, w.seals[1], merkle_root="0" * 64
    ),
    "drop a seal and renumber the next": drop_seal_and_renumber,
    "hash-neutral re-encoding of a sealed event": lambda w: iso_timestamp(w, w.ann, 3),
    "hash-neutral re-encoding of an unsealed event": lambda w: iso_timestamp(w, w.ann, 6),
}


def test_at_least_thirty_kinds_of_tampering_are_tried() -> None:
    assert len(KINDS) >= 30


@pytest.mark.parametrize("kind", list(KINDS))
def test_plain_verify_detects_tampering(world: World, kind: str) -> None:
    KINDS[kind](world)

    auditor = build_app(world.app.settings)  # a fresh process, as the CLI is
    try:
        report = auditor.audit().verify()
    finally:
        auditor.close()

    assert not report.ok, f"not detected: {kind}"
    assert report.first_bad is not None and report.first_bad.reason_en
