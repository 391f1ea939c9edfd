"""YAML imports refuse hostile files (issue 8, point 18): "billion laughs" aliases, an
oversize or deeply nested file, an agenda of too many items; exit 2, nothing written."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bootstrap import App
from interfaces.cli import app as cli_app

KEY = "dl-bearing-6"
LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{b}: &{b} [{','.join(['*' + a] * 9)}]"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)


@pytest.mark.parametrize(
    "command",
    [
        ["directory", "load", "{file}", "--as", "ops.admin"],
        ["wage", "draft", "WC-1", "--as", "zhao.min", "--file", "{file}"],
        ["wage", "negotiators", "WC-1", "--as", "zhao.min", "--file", "{file}"],
        ["calendar", "load", "{file}", "--as", "ops.admin"],
        [
            "congress", "convene", KEY, "--as", "wang.li", "--label", "2026-1",
            "--agenda", "{file}", "--papers-sent", "2026-03-01", "--opens", "2026-03-10",
        ],
    ],
    ids=["directory", "draft", "negotiators", "calendar", "agenda"],
)  # fmt: skip
def test_a_billion_laughs_yaml_is_refused_by_every_import(
    app: App, tmp_path: Path, command: list[str]
):
    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS, encoding="utf-8")
    before = app.ledger.max_notification_id()
    runner = CliRunner(env={"UNIONFLOW_DATA_DIR": str(app.settings.data_dir)})
    started = time.monotonic()
    result = runner.invoke(cli_app, [a.replace("{file}", str(path)) for a in command])
    assert result.exit_code == 2 and "别名" in result.output, result.output
    assert time.monotonic() - started < 5
    assert app.ledger.max_notification_id() == before


def test_an_oversize_or_deeply_nested_yaml_is_refused(app: App, tmp_path: Path):
    runner = CliRunner(env={"UNIONFLOW_DATA_DIR": str(app.settings.data_dir)})
    big = tmp_path / "big.yaml"
    big.write_text("organisations: []\n" + "# padding\n" * 600_000, encoding="utf-8")
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 100_000, encoding="utf-8")
    before = app.ledger.max_notification_id()
    for path, reason in ((big, "UNIONFLOW_IMPORT_MAX_BYTES"), (deep, "嵌套过深")):
        result = runner.invoke(cli_app, ["directory", "load", str(path), "--as", "ops.admin"])
        assert result.exit_code == 2 and reason in result.output, result.output
    assert app.ledger.max_notification_id() == before


def test_an_agenda_of_more_items_than_the_limit_is_refused_before_connecting(
    app: App, tmp_path: Path
):
    path = tmp_path / "agenda.yaml"
    items = [f"- {{number: {n}, title: 议题{n}, kind: advice}}" for n in range(1, 202)]
    path.write_text("\n".join(items), encoding="utf-8")
    runner = CliRunner(
        env={
            "UNIONFLOW_DATA_DIR": str(app.settings.data_dir),
            "UNIONFLOW_TEMPORAL_ADDRESS": "127.0.0.1:1",  # never reached
        }
    )
    result = runner.invoke(
        cli_app,
        [
            "--lang", "en", "congress", "convene", KEY, "--as", "wang.li", "--label", "2026-1",
            "--agenda", str(path), "--papers-sent", "2026-03-01", "--opens", "2026-03-10",
        ],
    )  # fmt: skip
    assert result.exit_code == 2 and "more than 200 items" in result.output, result.output
