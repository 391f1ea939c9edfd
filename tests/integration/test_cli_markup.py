"""User text is data, never Rich markup: ``[/]`` or ``[bold red]`` prints as typed.

Driven through the CLI itself (typer's runner on a temporary data directory): a name, a
roster name and a comment carrying markup must print literally in every listing, and
crash none of them for the readers who come after.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from interfaces.cli import app
from settings import Settings
from tests.accounts_support import cli_login
from tests.conftest import EXAMPLE_DIRECTORY, ROOT
from tests.integration.test_cli import free_port

NAME = "[bold red]x 马[/]克"
ROSTER_NAME = "张[/]三"
COMMENT = "[/] 请 [bold red]x 复核"


def _invoke(runner: CliRunner, *args: str):
    result = runner.invoke(app, list(args))
    shown = f"{args}\nexit {result.exit_code}\n{result.stdout}\n{result.stderr}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{shown}\n{result.exception!r}"
    )
    assert result.exit_code == 0, shown
    assert "Traceback" not in result.output, shown
    return result


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("UNIONFLOW_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")  # no server
    directory = yaml.safe_load(EXAMPLE_DIRECTORY.read_text(encoding="utf-8"))
    directory["actors"].append(
        {"id": "markup.man", "name": NAME, "org": "dl-bearing", "roles": ["cadre", "delegate"]}
    )
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(directory, allow_unicode=True), encoding="utf-8")
    roster = (ROOT / "examples" / "roster.csv").read_text(encoding="utf-8-sig")
    (tmp_path / "roster.csv").write_text(roster.replace("张秀英", ROSTER_NAME), encoding="utf-8")
    runner = CliRunner()
    _invoke(runner, *directory_load(path))
    cli_login(Settings(data_dir=tmp_path / "var"), "markup.man", "wang.li")
    return runner


def directory_load(path: Path) -> list[str]:
    return ["directory", "load", str(path), "--as", "ops.admin"]


def test_markup_in_names_and_comments_prints_literally(cli: CliRunner, tmp_path: Path):
    key = "dl-bearing-9"
    _invoke(
        cli,
        *["congress", "create", "--as", "markup.man", "--unit", "dl-bearing", "--term-no", "9"],
        *["--start", "2026-01-01", "--end", "2030-12-31", "--comment", COMMENT],
    )
    _invoke(cli, "congress", "roster-import", key, str(tmp_path / "roster.csv"), "--as", "wang.li")

    shown = _invoke(cli, "directory", "show").stdout
    assert NAME in shown
    assert ROSTER_NAME in _invoke(cli, "congress", "roster", key).stdout
    history = _invoke(cli, "history", key).stdout
    assert COMMENT in history and NAME in history
    _invoke(cli, "status", key)
    _invoke(cli, "tasks", "--as", "markup.man")
    _invoke(cli, "--lang", "en", "history", key)
