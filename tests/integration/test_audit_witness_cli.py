"""``unionflow audit`` with the witness, as users run it: verify by default against the
witness, export and import it, refuse a key the witness did not pin."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bootstrap import build_app
from settings import Settings
from tests.conftest import EXAMPLE_DIRECTORY, ROOT
from tests.integration.test_cli import env_for, run
from tests.ledger.conftest import Bank


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "var"
    app = build_app(Settings(data_dir=data))
    try:
        bank = Bank(app.ledger)
        ann = bank.open("ann").aggregate.id
        for amount in (5, 7):
            bank.deposit(ann, amount)
        app.audit().seal()
        bank.deposit(ann, 9)  # not yet covered by a witnessed seal
    finally:
        app.close()
    return data


def env(data: Path, **extra: str) -> dict[str, str]:
    # The test's aggregates live in tests/: the subprocess must resolve their topics.
    return env_for(data, PYTHONPATH=str(ROOT), **extra)


def test_verify_checks_the_witness_by_default_and_counts_what_it_does_not_cover(
    data_dir: Path,
) -> None:
    zh = run(env(data_dir), "audit", "verify")
    en = run(env(data_dir), "--lang", "en", "audit", "verify")
    report = json.loads(run(env(data_dir), "audit", "verify", "--json").stdout)

    assert zh.returncode == 0, zh.stdout + zh.stderr
    assert "（见证 1 个）" in zh.stdout and "未被见证封印覆盖的事件 1 个" in zh.stdout
    assert "not covered by a witnessed seal 1" in en.stdout
    assert (report["witnessed_seals"], report["unwitnessed_events"]) == (1, 1)


def test_a_truncated_ledger_fails_verify_naming_what_the_witness_still_knows(
    data_dir: Path,
) -> None:
    with sqlite3.connect(data_dir / "ledger.db") as conn:
        conn.execute("DELETE FROM stored_events WHERE rowid >= 2")

    verify = run(env(data_dir), "--lang", "en", "audit", "verify")

    assert verify.returncode == 1, verify.stdout + verify.stderr
    assert "sealed_event_missing" in verify.stdout and "version 2" in verify.stdout
    assert "the witness knows" in verify.stdout
    assert "Traceback" not in verify.stderr


def test_the_witness_exports_and_imports_and_a_bad_file_is_refused(
    data_dir: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "witness.jsonl"
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("{}\n", "utf-8")
    elsewhere = str(tmp_path / "higher-union")

    export = run(env(data_dir), "audit", "export-witness", "-o", str(exported))
    imported = run(
        env(data_dir, UNIONFLOW_WITNESS_DIR=elsewhere), "audit", "import-witness", str(exported)
    )
    against = run(env(data_dir), "audit", "verify", "--witness", str(exported))
    refused = run(env(data_dir), "audit", "verify", "--witness", str(garbage))
    refused_import = run(env(data_dir), "audit", "import-witness", str(garbage))

    assert export.returncode == 0 and len(exported.read_text("utf-8").splitlines()) == 1
    assert imported.returncode == 0 and "1" in imported.stdout
    assert (Path(elsewhere) / "seals.jsonl").read_text("utf-8") == exported.read_text("utf-8")
    assert against.returncode == 0, against.stdout + against.stderr
    for result in (refused, refused_import):
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr


def test_sealing_with_a_key_the_witness_did_not_pin_is_refused(
    data_dir: Path, tmp_path: Path
) -> None:
    app = build_app(Settings(data_dir=data_dir))
    try:  # an operator, so that the refusal is the key's
        app.directory.load(app.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    finally:
        app.close()
    other = env(data_dir, UNIONFLOW_SEAL_KEY_FILE=str(tmp_path / "other" / "seal.pem"))

    refused = run(other, "--lang", "en", "audit", "seal", "--as", "ops.admin")

    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "pinned" in refused.stderr and "Traceback" not in refused.stderr
    assert run(env(data_dir), "audit", "verify").returncode == 0
