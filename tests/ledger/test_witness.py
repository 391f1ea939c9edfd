"""The witness: seals kept outside the database, checked by ``verify`` by default.

A database writer cannot change the witness; what the witness knows, the ledger must still
hold, event by event. The witness itself must be consistent, and pins the seal key.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from application.audit import AuditService
from bootstrap import App, build_app
from domain.actors import CommandMeta, system_acting
from domain.base import hash_rule, state_hash, tagged_hash
from domain.errors import InvalidInput, InvalidState
from ledger.seal import SEAL_CHAIN_ID, SealKey, seal_ledger
from ledger.verify import VerifyReport
from settings import Settings
from tests.ledger.conftest import Bank, Store, Tamper
from tests.ledger.test_tamper_kinds import rewrite_then
from worker import seal_periodically


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Iterator[App]:
    built = build_app(store.settings(tmp_path / "var"), migrate=True)
    yield built
    built.close()


@pytest.fixture
def bank(app: App) -> Bank:
    return Bank(app.ledger)


def verify(app: App, **options: object) -> VerifyReport:
    """Plain verify, from a fresh process built from the same settings."""
    auditor = build_app(app.settings)
    try:
        report: VerifyReport = auditor.audit().verify(**options)  # type: ignore[arg-type]
        return report
    finally:
        auditor.close()


def bad(report: VerifyReport) -> tuple[str, int, str]:
    assert not report.ok and report.first_bad is not None, report
    return report.first_bad.aggregate_id, report.first_bad.version, report.first_bad.reason_code


def witness_lines(app: App) -> list[str]:
    return app.audit().witness().seals_path.read_text("utf-8").splitlines()


def test_each_seal_is_appended_to_the_witness_with_the_events_it_covers(
    app: App, bank: Bank
) -> None:
    ann = bank.open("ann").aggregate.id
    first = app.audit().seal()
    bank.deposit(ann, 5)
    second = app.audit().seal()

    witness = app.audit().witness()
    held = witness.seals()
    assert [s.version for s in held] == [first.version, second.version]
    assert held[-1] == second
    leaves = witness.leaves(second)
    assert leaves is not None and [(x.aggregate_id, x.version) for x in leaves][-1] == (
        str(ann),
        2,
    )
    assert witness.pinned_key() == first.public_key


def test_a_rewrite_inside_a_sealed_range_names_the_first_changed_event(
    app: App, bank: Bank, tamper: Tamper
) -> None:
    ann = bank.open("ann").aggregate.id
    bo = bank.open("bo").aggregate.id
    for amount in (5, 7):
        bank.deposit(ann, amount)
    bank.deposit(bo, 1)
    app.audit().seal()
    from tests.ledger.test_tamper_kinds import World

    w = World(app, app.ledger, bank, tamper, ann, bo, bo, bo, 0, [])
    rewrite_then(w, amount=500)  # ann v2 and every later hash of ann

    report = verify(app)

    assert bad(report) == (str(ann), 2, "sealed_event_changed")
    assert report.first_bad is not None
    assert report.first_bad.notification_id == tamper.row(ann, 2).notification_id


def test_a_truncated_ledger_names_the_first_missing_event_and_what_the_witness_knows(
    app: App, bank: Bank, tamper: Tamper
) -> None:
    ann = bank.open("ann").aggregate.id
    for amount in (5, 7, 9):
        bank.deposit(ann, amount)
    sealed = app.audit().seal()
    tamper.delete_from(tamper.row(ann, 3).notification_id)

    report = verify(app)

    assert bad(report) == (str(ann), 3, "sealed_event_missing")
    assert report.first_bad is not None
    assert f"the witness knows {sealed.count} events" in report.first_bad.reason_en


def test_an_empty_ledger_fails_against_a_witness_that_knows_more(
    app: App, bank: Bank, tamper: Tamper
) -> None:
    ann = bank.open("ann").aggregate.id
    app.audit().seal()
    tamper.delete_from(-(2**62))

    report = verify(app)

    assert report.events_checked == 0
    assert bad(report) == (str(ann), 1, "sealed_event_missing")


def test_seals_deleted_from_the_database_are_named_from_the_witness(
    app: App, bank: Bank, tamper: Tamper
) -> None:
    ann = bank.open("ann").aggregate.id
    app.audit().seal()
    bank.deposit(ann, 5)
    last = app.audit().seal()
    tamper.delete(SEAL_CHAIN_ID, last.version)

    assert bad(verify(app)) == (str(SEAL_CHAIN_ID), last.version, "seal_missing")


def test_events_after_the_last_witnessed_seal_are_counted(app: App, bank: Bank) -> None:
    ann = bank.open("ann").aggregate.id
    app.audit().seal()
    bank.deposit(ann, 5)
    bank.deposit(ann, 6)

    report = verify(app)

    assert report.ok
    assert (report.witnessed_seals, report.unwitnessed_events) == (1, 2)


def test_a_seal_the_database_holds_but_the_witness_missed_is_witnessed_by_the_next_seal(
    app: App, bank: Bank
) -> None:
    # A crash between the database's commit and the witness's append.
    ann = bank.open("ann").aggregate.id
    app.audit().seal()
    bank.deposit(ann, 5)
    key = SealKey.load_or_create(app.settings.seal_key_path)
    meta = CommandMeta(command_id="crashed", acting=system_acting(), occurred_at=datetime.now(UTC))
    missed = seal_ledger(app.ledger, key, meta)
    assert missed is not None
    assert verify(app).unwitnessed_events == 1
    bank.deposit(ann, 6)

    app.audit().seal()

    assert missed.version in [s.version for s in app.audit().witness().seals()]
    assert verify(app).unwitnessed_events == 0


def test_sealing_with_a_key_the_witness_did_not_pin_is_refused_before_anything_is_written(
    app: App, bank: Bank, tmp_path: Path
) -> None:
    ann = bank.open("ann").aggregate.id
    app.audit().seal()
    bank.deposit(ann, 5)
    before = app.ledger.max_notification_id()
    other = app.settings.model_copy(update={"seal_key_file": tmp_path / "other" / "k.pem"})

    with pytest.raises(InvalidState, match="pinned"):
        AuditService(app.ledger, other).seal()

    assert app.ledger.max_notification_id() == before
    assert len(witness_lines(app)) == 1


def test_a_witness_with_a_broken_chain_of_seals_is_reported(app: App, bank: Bank) -> None:
    ann = bank.open("ann").aggregate.id
    for amount in (1, 2, 3):
        bank.deposit(ann, amount)
        app.audit().seal()
    lines = witness_lines(app)
    app.audit().witness().seals_path.write_text(lines[0] + "\n" + lines[2] + "\n", "utf-8")

    assert bad(verify(app))[2] == "witness_inconsistent"


def test_a_witness_with_a_bad_signature_is_reported(app: App, bank: Bank) -> None:
    bank.open("ann")
    app.audit().seal()
    path = app.audit().witness().seals_path
    seal = json.loads(path.read_text("utf-8"))
    seal["count"] += 1
    path.write_text(json.dumps(seal) + "\n", "utf-8")

    report = verify(app)

    assert bad(report)[2] == "witness_inconsistent"
    assert report.first_bad is not None and "signature" in report.first_bad.reason_en


def test_a_witness_whose_event_list_does_not_match_its_seal_is_reported(
    app: App, bank: Bank
) -> None:
    bank.open("ann")
    sealed = app.audit().seal()
    leaves = app.audit().witness().directory / "leaves" / f"{sealed.version:08d}.jsonl"
    with leaves.open("a", encoding="utf-8") as f:
        f.write('[99, "x", 1, "h", "t"]\n')

    assert bad(verify(app)) == (str(SEAL_CHAIN_ID), sealed.version, "witness_inconsistent")


def test_a_torn_last_line_was_never_witnessed_and_is_repaired_by_the_next_seal(
    app: App, bank: Bank
) -> None:
    ann = bank.open("ann").aggregate.id
    app.audit().seal()
    path = app.audit().witness().seals_path
    with path.open("a", encoding="utf-8") as f:
        f.write('{"seal_chain_id": "torn')
    assert verify(app).ok
    bank.deposit(ann, 5)

    app.audit().seal()

    assert len(witness_lines(app)) == 2
    assert verify(app).ok


def test_an_exported_witness_verifies_the_ledger_elsewhere_and_imports_into_a_new_witness(
    app: App, bank: Bank, tamper: Tamper, tmp_path: Path
) -> None:
    ann = bank.open("ann").aggregate.id
    bank.deposit(ann, 5)
    sealed = app.audit().seal()
    exported = tmp_path / "witness.jsonl"
    exported.write_text(app.audit().export_witness(), "utf-8")
    fresh = app.settings.model_copy(update={"witness_dir": tmp_path / "higher-union"})
    imported = AuditService(app.ledger, fresh)
    assert imported.import_witness(exported.read_text("utf-8")) == 1
    assert imported.import_witness(exported.read_text("utf-8")) == 0
    # A rewrite of ann's last event with its hash recomputed: only the seal's root can tell.
    tamper.set_state(ann, 2, app.ledger.mapper.to_stored_event(_rehashed(app, ann, 2)).state)

    for report in (verify(app, witness_path=exported), imported.verify()):
        # Seals only, no list of events: the seal whose range changed is named.
        assert bad(report) == (str(SEAL_CHAIN_ID), sealed.version, "seal_root_mismatch")


def _rehashed(app: App, aggregate_id: uuid.UUID, version: int) -> object:
    import dataclasses

    event = app.ledger.stream(aggregate_id)[version - 1]
    return dataclasses.replace(event, amount=6)


def test_importing_a_witness_that_disagrees_is_refused(
    app: App, bank: Bank, tmp_path: Path
) -> None:
    bank.open("ann")
    app.audit().seal()
    other_settings = Settings(data_dir=tmp_path / "elsewhere")
    other = build_app(other_settings)
    try:
        Bank(other.ledger).open("bo")
        other.audit().seal()
        foreign = other.audit().export_witness()
    finally:
        other.close()

    with pytest.raises(InvalidState):
        app.audit().import_witness(foreign)
    with pytest.raises(InvalidInput):
        app.audit().import_witness("not a seal\n")


def test_a_sealed_ledger_with_an_empty_witness_verifies_and_the_next_seal_adopts_its_seals(
    app: App, bank: Bank
) -> None:
    ann = bank.open("ann").aggregate.id
    key = SealKey.load_or_create(app.settings.seal_key_path)
    meta = CommandMeta(command_id="old", acting=system_acting(), occurred_at=datetime.now(UTC))
    seal_ledger(app.ledger, key, meta)  # as code before the witness sealed

    before = verify(app)
    bank.deposit(ann, 5)
    app.audit().seal()

    assert before.ok and before.witnessed_seals == 0 and before.seals_checked == 1
    assert len(witness_lines(app)) == 2


def test_the_periodic_seal_runs_only_while_the_log_advances(
    app: App, bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    original = AuditService.seal

    def counting(self: AuditService, comment: str = "") -> object:
        calls.append(app.ledger.max_notification_id())
        return original(self, comment)

    monkeypatch.setattr(AuditService, "seal", counting)
    app.settings = app.settings.model_copy(update={"seal_interval_seconds": 0.05})
    bank.open("ann")

    async def run() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(seal_periodically(app, stop))
        await asyncio.sleep(0.6)  # about ten periods, nothing written after the first seal
        stop.set()
        await task

    asyncio.run(run())

    assert len(calls) == 1
    assert verify(app).unwitnessed_events == 0


def test_periodic_seals_default_to_every_sixty_seconds() -> None:
    assert Settings().seal_interval_seconds == 60


def test_new_events_use_the_type_tagged_hash_rule(app: App, bank: Bank) -> None:
    ann = bank.open("ann").aggregate.id
    (n,) = [n for n in app.ledger.all_notifications() if n.originator_id == ann]

    assert hash_rule(app.ledger.stored_state(n), n.topic) == 2


def test_the_tagged_hash_tells_values_apart_that_plain_json_hashes_alike() -> None:
    moment = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    some = uuid.uuid4()
    neutral_under_rule_1 = [
        ({"t": moment}, {"t": moment.isoformat()}),
        ({"d": date(2026, 12, 2)}, {"d": "2026-12-02"}),
        ({"u": some}, {"u": str(some)}),
        ({"m": Decimal("1.50")}, {"m": "1.50"}),
    ]
    for typed, plain in neutral_under_rule_1:
        assert state_hash(typed, "t:T") == state_hash(plain, "t:T"), typed
        assert tagged_hash(typed, "t:T") != tagged_hash(plain, "t:T"), typed
    # A dict shaped like a tag is still a dict; a float is not an int.
    assert tagged_hash({"x": {"u": some.hex}}, "t:T") != tagged_hash({"x": some}, "t:T")
    assert tagged_hash({"x": ["u", some.hex]}, "t:T") != tagged_hash({"x": some}, "t:T")
    assert tagged_hash({"x": 5}, "t:T") != tagged_hash({"x": 5.0}, "t:T")


def test_sealing_reads_only_the_first_and_last_witnessed_seal_even_after_a_torn_line(
    app: App, bank: Bank
) -> None:
    ann = bank.open("ann").aggregate.id
    sealed = []
    for amount in (1, 2, 3):
        bank.deposit(ann, amount)
        sealed.append(app.audit().seal())
    witness = app.audit().witness()
    with witness.seals_path.open("a", encoding="utf-8") as f:
        f.write('{"torn": ')

    assert witness.ends() == (sealed[0], sealed[-1])
    assert witness.pinned_key() == sealed[0].public_key


def test_the_demo_never_seals_into_the_production_witness_or_with_its_key(tmp_path: Path) -> None:
    production = Settings(
        data_dir=tmp_path / "var",
        witness_dir=tmp_path / "witness-host",
        seal_key_file=tmp_path / "secrets" / "seal.pem",
    )

    demo = production.for_demo()

    assert demo.witness_path == demo.data_dir / "witness"
    assert demo.seal_key_path == demo.data_dir / "keys" / "seal_ed25519.pem"
    assert (production.witness_path, production.seal_key_path) == (
        tmp_path / "witness-host",
        tmp_path / "secrets" / "seal.pem",
    )
