"""Changing the directory, loading a calendar and sealing are acts of a named operator.

Driven through the CLI on a temporary data directory: without ``--as``, or as someone
who does not hold the operator role, each is refused with exit 2 and the ledger is left
as it was (the issue's attack: a file that makes ``mallory`` a cadre).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bootstrap import build_app
from domain.directory import actor_id
from interfaces.cli import app
from settings import Settings
from tests.conftest import EXAMPLE_DIRECTORY
from tests.integration.test_cli import free_port


def _events(data_dir: Path) -> int:
    ledger = data_dir / "ledger.db"
    if not ledger.exists():
        return 0
    with sqlite3.connect(ledger) as db:
        tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
        if "stored_events" not in tables:
            return 0
        return db.execute("select count(*) from stored_events").fetchone()[0]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("UNIONFLOW_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    return tmp_path / "var"


def _mallory_file(tmp_path: Path, *, operator: bool = False) -> Path:
    data = yaml.safe_load(EXAMPLE_DIRECTORY.read_text(encoding="utf-8"))
    roles = ["cadre", "operator"] if operator else ["cadre"]
    data["actors"].append({"id": "mallory", "name": "马洛", "org": "dl-bearing", "roles": roles})
    path = tmp_path / "mallory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_first_load_needs_an_operator_the_file_declares(data_dir: Path, tmp_path: Path):
    runner = CliRunner()
    bare = runner.invoke(app, ["directory", "load", str(EXAMPLE_DIRECTORY)])
    assert bare.exit_code == 2 and "--as" in bare.stderr, bare.output
    stranger = runner.invoke(app, ["directory", "load", str(EXAMPLE_DIRECTORY), "--as", "wang.li"])
    assert stranger.exit_code == 2 and "运维管理员" in stranger.stderr, stranger.output
    assert _events(data_dir) == 0

    loaded = runner.invoke(app, ["directory", "load", str(EXAMPLE_DIRECTORY), "--as", "ops.admin"])
    assert loaded.exit_code == 0, loaded.output
    application = build_app(Settings())
    try:
        first = application.ledger.stream(actor_id("wang.li"))[0]
        assert first.actor == {
            "id": "ops.admin",
            "role": "operator",
            "org": "dl-city",
            "channel": "cli",
        }
        assert "bootstrap" in first.comment
    finally:
        application.close()


def test_only_an_operator_in_the_ledger_may_change_the_directory(data_dir: Path, tmp_path: Path):
    runner = CliRunner()
    load = ["directory", "load", str(EXAMPLE_DIRECTORY), "--as", "ops.admin"]
    assert runner.invoke(app, load).exit_code == 0
    before = _events(data_dir)

    # The attack: a file that makes mallory a cadre, loaded without --as, as a cadre, as
    # mallory herself, or by a mallory the file declares an operator (no bootstrap now).
    attacks = [
        ["directory", "load", str(_mallory_file(tmp_path))],
        ["directory", "load", str(_mallory_file(tmp_path)), "--as", "wang.li"],
        ["directory", "load", str(_mallory_file(tmp_path)), "--as", "mallory"],
        ["directory", "load", str(_mallory_file(tmp_path, operator=True)), "--as", "mallory"],
    ]
    for args in attacks:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
    assert _events(data_dir) == before
    assert "mallory" not in runner.invoke(app, ["directory", "show"]).stdout

    made = runner.invoke(
        app, ["directory", "load", str(_mallory_file(tmp_path)), "--as", "ops.admin"]
    )
    assert made.exit_code == 0, made.output
    assert _events(data_dir) == before + 1


def test_sealing_and_calendar_loading_need_an_operator(data_dir: Path, tmp_path: Path):
    runner = CliRunner()
    load = ["directory", "load", str(EXAMPLE_DIRECTORY), "--as", "ops.admin"]
    assert runner.invoke(app, load).exit_code == 0
    before = _events(data_dir)
    for args in (["audit", "seal"], ["audit", "seal", "--as", "li.wei"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and result.stderr.strip(), (args, result.output)
    assert _events(data_dir) == before
    sealed = runner.invoke(app, ["audit", "seal", "--as", "ops.admin"])
    assert sealed.exit_code == 0, sealed.output
    assert _events(data_dir) > before
    with sqlite3.connect(data_dir / "ledger.db") as db:
        state = db.execute("select state from stored_events order by rowid desc").fetchone()[0]
    assert b'"id":"ops.admin"' in state and b'"role":"operator"' in state

    schedule = tmp_path / "2031.yaml"
    schedule.write_text(
        "year: 2031\nsource: test-made\nholidays:\n  - 2031-01-01\nworkdays: []\n",
        encoding="utf-8",
    )
    for args in (
        ["calendar", "load", str(schedule)],
        ["calendar", "load", str(schedule), "--as", "wang.li"],
    ):
        refused = runner.invoke(app, args)
        assert refused.exit_code == 2 and refused.stderr.strip(), (args, refused.output)
    calendar_dir = data_dir / "calendar"
    assert not calendar_dir.exists() or not any(calendar_dir.iterdir())
