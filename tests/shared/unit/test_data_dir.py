"""One data directory, resolved once; the demo keeps to its own (issue 7, point 19)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from interfaces.cli import app
from settings import LedgerBackend, Settings, default_data_dir


def test_the_data_directory_is_resolved_once_and_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UNIONFLOW_DATA_DIR", raising=False)
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    monkeypatch.chdir(first)
    default = Settings().data_dir
    assert default.is_absolute() and default == default_data_dir()
    monkeypatch.chdir(second)
    assert Settings().data_dir == default  # the same ledger from wherever a command runs

    monkeypatch.setenv("UNIONFLOW_DATA_DIR", "relative/var")
    monkeypatch.chdir(first)
    settings = Settings()
    monkeypatch.chdir(second)
    assert settings.data_dir == first / "relative" / "var"
    assert settings.sqlite_path == first / "relative" / "var" / "ledger.db"


def test_a_command_run_from_another_directory_creates_no_stray_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UNIONFLOW_DATA_DIR", raising=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    checkout_ledger = default_data_dir() / "ledger.db"
    existed = checkout_ledger.exists()
    listed = CliRunner().invoke(app, ["wage", "list"])
    assert listed.exit_code == (0 if existed else 2), listed.output
    assert list(elsewhere.iterdir()) == []  # no var/ where the command happened to run
    assert checkout_ledger.exists() == existed  # nor a new, empty one in the checkout

    nowhere = tmp_path / "nowhere"
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(nowhere))
    for args in (["wage", "list"], ["status", "WC-1"], ["audit", "verify"]):
        refused = CliRunner().invoke(app, args)
        assert refused.exit_code == 2, refused.output
        assert "no ledger at" in refused.stderr or "没有账本" in refused.stderr
    assert not nowhere.exists()


def test_the_demo_writes_into_its_own_data_directory_unless_told_where(tmp_path: Path) -> None:
    production = Settings(data_dir=tmp_path / "var", ledger_backend=LedgerBackend.POSTGRES)
    demo = production.for_demo()
    assert demo.data_dir == tmp_path / "var" / "demo"
    assert demo.ledger_backend is LedgerBackend.SQLITE  # never the production database
    assert demo.sqlite_path != production.sqlite_path
    assert production.for_demo(tmp_path / "var").data_dir == tmp_path / "var"  # asked for
    assert production.for_demo(Path("rel")).data_dir.is_absolute()
