"""Tampering done directly in the database is detected, and named, by the audit.

Each test states which mechanism catches the attack (hash chain, seal, exported seal) and
what none of them can see.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from domain.actors import CommandMeta, system_acting
from domain.base import GENESIS_HASH
from ledger.app import Ledger
from ledger.seal import SEAL_CHAIN_ID, SealKey, SealView, export_seal, seal_ledger
from ledger.verify import BadEvent, verify_ledger

if TYPE_CHECKING:
    from tests.ledger.conftest import Bank, Tamper

KEY = SealKey.generate()


def seal(ledger: Ledger, key: SealKey = KEY) -> SealView:
    meta = CommandMeta(
        command_id=uuid.uuid4().hex, acting=system_acting(), occurred_at=datetime.now(UTC)
    )
    view = seal_ledger(ledger, key, meta)
    assert view is not None
    return view


def first_bad(ledger: Ledger, **options: Any) -> BadEvent:
    report = verify_ledger(ledger, trusted_public_key=KEY.public_bytes(), **options)
    assert not report.ok and report.first_bad is not None
    return report.first_bad


def named(bad: BadEvent) -> tuple[str, int, str]:
    return (bad.aggregate_id, bad.version, bad.reason_code)


def rewrite(
    ledger: Ledger, tamper: Tamper, aggregate_id: uuid.UUID, version: int, **changes: Any
) -> None:
    """Change one event and recompute every later hash of its stream, as an attacker with the code would."""
    events = ledger.stream(aggregate_id)
    prev_hash = events[version - 2].hash if version > 1 else GENESIS_HASH
    for event in events[version - 1 :]:
        fields = {
            "prev_hash": prev_hash,
            **(changes if event.originator_version == version else {}),
        }
        forged = dataclasses.replace(event, **fields)
        tamper.set_state(
            aggregate_id, event.originator_version, ledger.mapper.to_stored_event(forged).state
        )
        prev_hash = forged.hash


def test_altered_amount_is_named_as_a_hash_mismatch(
    bank: Bank, ledger: Ledger, tamper: Tamper
) -> None:
    ann = bank.open("ann").aggregate.id
    for amount in (5, 7, 9):
        bank.deposit(ann, amount)
    row = tamper.row(ann, 3)
    tamper.set_state(ann, 3, row.state.replace(b'"amount":7', b'"amount":700'))

    bad = first_bad(ledger)

    assert named(bad) == (str(ann), 3, "hash_mismatch")
    assert bad.notification_id == row.notification_id
    assert bad.reason_zh and bad.reason_en


def test_garbled_state_is_named_as_undecodable(bank: Bank, ledger: Ledger, tamper: Tamper) -> None:
    ann = bank.open("ann").aggregate.id
    bank.deposit(ann, 5)
    tamper.set_state(ann, 2, b"{not json")

    assert named(first_bad(ledger)) == (str(ann), 2, "undecodable")


def test_deleted_middle_event_is_named_as_the_missing_version(
    bank: Bank, ledger: Ledger, tamper: Tamper
) -> None:
    ann = bank.open("ann").aggregate.id
    for amount in (5, 7, 9):
        bank.deposit(ann, amount)
    tamper.delete(ann, 3)

    bad = first_bad(ledger)

    assert named(bad) == (str(ann), 3, "version_gap")
    assert bad.notification_id == tamper.row(ann, 4).notification_id


def test_swapped_events_of_one_stream_are_named_at_the_earlier(
    bank: Bank, ledger: Ledger, tamper: Tamper
) -> None:
    ann = bank.open("ann").aggregate.id
    for amount in (5, 7, 9):
        bank.deposit(ann, amount)
    second, third = tamper.row(ann, 2), tamper.row(ann, 3)
    tamper.set_state(ann, 2, third.state)
    tamper.set_state(ann, 3, second.state)

    assert named(first_bad(ledger)) == (str(ann), 2, "hash_mismatch")


def test_deleted_last_event_of_an_unsealed_stream_goes_unnoticed(
    bank: Bank, ledger: Ledger, tamper: Tamper
) -> None:
    # The limit of the hash chain: a shorter stream is still a valid chain.
    ann = bank.open("ann").aggregate.id
    bank.deposit(ann, 5)
    tamper.delete(ann, 2)

    report = verify_ledger(ledger)

    assert report.ok
    assert (report.events_checked, report.unsealed_events) == (1, 1)


def test_deleted_last_event_of_a_sealed_stream_fails_the_seal(
    bank: Bank, ledger: Ledger, tamper: Tamper
) -> None:
    ann = bank.open("ann").aggregate.id
    bo = bank.open("bo").aggregate.id
    bank.deposit(ann, 5)
    sealed = seal(ledger)
    bank.deposit(bo, 6)
    tamper.delete(ann, 2)

    bad = first_bad(ledger)

    # A Merkle root cannot say which leaf went missing: the seal is named, with its range.
    assert named(bad) == (str(SEAL_CHAIN_ID), sealed.version, "seal_root_mismatch")
    assert f"({sealed.from_notification_id}, {sealed.to_notification_id}]" in bad.reason_en
    assert f"{sealed.count} sealed, {sealed.count - 1} present" in bad.reason_en


def test_forged_event_appended_after_the_last_seal_shows_only_as_unsealed(
    bank: Bank, ledger: Ledger, tamper: Tamper
) -> None:
    # Honest limit: a correctly chained event after the last seal is indistinguishable
    # from a legitimate unsealed write; only the unsealed count reveals it until the next seal.
    ann = bank.open("ann").aggregate.id
    bank.deposit(ann, 5)
    seal(ledger)
    exported = export_seal(ledger)
    tamper.insert(bank.forge_deposit(ann, 1_000_000))

    report = verify_ledger(ledger, trusted_public_key=KEY.public_bytes(), against=exported)

    assert report.ok
    assert report.unsealed_events == 1
    assert ledger.get(ann).balance == 1_000_005


def test_forged_event_put_at_a_sealed_notification_id_fails_the_seal(
    bank: Bank, ledger: Ledger, tamper: Tamper
) -> None:
    ann = bank.open("ann").aggregate.id
    bo = bank.open("bo").aggregate.id
    bank.deposit(bo, 6)
    bank.deposit(ann, 5)
    sealed = seal(ledger)
    # Reuse the id of ann's last event for a forged next event of bo: both chains stay
    # valid, the sealed range keeps its count, only the leaves differ.
    freed = tamper.row(ann, 2).notification_id
    assert tamper.row(bo, 2).notification_id < freed
    forged = bank.forge_deposit(bo, 1_000_000)
    tamper.delete(ann, 2)
    tamper.insert(forged, notification_id=freed)

    bad = first_bad(ledger)

    assert named(bad) == (str(SEAL_CHAIN_ID), sealed.version, "seal_root_mismatch")
    assert f"{sealed.count} sealed, {sealed.count} present" in bad.reason_en


def test_event_forged_below_the_first_notification_id_is_still_audited(
    bank: Bank, ledger: Ledger, tamper: Tamper
) -> None:
    # A walk from id 1 would never see it, yet the application loads it.
    bo = bank.open("bo").aggregate.id
    bank.deposit(bo, 6)
    tamper.insert(bank.forge_deposit(bo, 1_000_000), notification_id=0)

    bad = first_bad(ledger)

    assert ledger.get(bo).balance == 1_000_006
    assert (bad.aggregate_id, bad.notification_id, bad.reason_code) == (str(bo), 0, "version_gap")


def test_rewritten_history_with_recomputed_hashes_passes_the_chain_but_fails_the_seal(
    bank: Bank, ledger: Ledger, tamper: Tamper
) -> None:
    ann = bank.open("ann").aggregate.id
    for amount in (5, 7, 9):
        bank.deposit(ann, amount)
    sealed = seal(ledger)
    rewrite(ledger, tamper, ann, 2, amount=500)

    bad = first_bad(ledger)

    assert ledger.get(ann).balance == 516
    # The rewritten events precede the seal in the walk, so their chain passed.
    assert named(bad) == (str(SEAL_CHAIN_ID), sealed.version, "seal_root_mismatch")


def test_rewritten_history_with_the_seals_deleted_is_caught_only_against_an_exported_seal(
    bank: Bank, ledger: Ledger, tamper: Tamper
) -> None:
    ann = bank.open("ann").aggregate.id
    bank.deposit(ann, 5)
    sealed = seal(ledger)
    exported = export_seal(ledger)
    rewrite(ledger, tamper, ann, 2, amount=500)
    tamper.delete_aggregate(SEAL_CHAIN_ID)

    alone = verify_ledger(ledger, trusted_public_key=KEY.public_bytes())
    bad = first_bad(ledger, against=exported)

    assert alone.ok and alone.seals_checked == 0
    assert named(bad) == (str(SEAL_CHAIN_ID), sealed.version, "seal_missing")


def test_seal_signed_with_another_key_fails_against_the_trusted_key(
    bank: Bank, ledger: Ledger
) -> None:
    ann = bank.open("ann").aggregate.id
    seal(ledger)
    bank.deposit(ann, 5)
    rogue = seal(ledger, SealKey.generate())

    bad = first_bad(ledger)

    assert named(bad) == (str(SEAL_CHAIN_ID), rogue.version, "seal_key_untrusted")
    assert verify_ledger(ledger).ok


def test_rewritten_seal_fails_its_signature(bank: Bank, ledger: Ledger, tamper: Tamper) -> None:
    bank.open("ann")
    sealed = seal(ledger)
    rewrite(ledger, tamper, SEAL_CHAIN_ID, sealed.version, count=sealed.count + 1)

    assert named(first_bad(ledger)) == (
        str(SEAL_CHAIN_ID),
        sealed.version,
        "seal_signature_invalid",
    )


def test_seal_removed_from_the_middle_of_a_rehashed_seal_chain_breaks_the_seal_chain(
    bank: Bank, ledger: Ledger, tamper: Tamper
) -> None:
    ann = bank.open("ann").aggregate.id
    first = seal(ledger)
    bank.deposit(ann, 5)
    second = seal(ledger)
    bank.deposit(ann, 7)
    third = seal(ledger)
    # Drop the second seal and renumber the third in its place with a recomputed hash.
    chain = {e.originator_version: e for e in ledger.stream(SEAL_CHAIN_ID)}
    moved = dataclasses.replace(
        chain[third.version],
        originator_version=second.version,
        prev_hash=chain[first.version].hash,
    )
    third_row = tamper.row(SEAL_CHAIN_ID, third.version)
    tamper.delete(SEAL_CHAIN_ID, third.version)
    tamper.delete(SEAL_CHAIN_ID, second.version)
    tamper.insert(ledger.mapper.to_stored_event(moved), notification_id=third_row.notification_id)

    assert named(first_bad(ledger)) == (str(SEAL_CHAIN_ID), second.version, "seal_chain_broken")
