"""Every ``unionflow`` command refuses what a person can type wrong (issue 7, point 14).

The commands are enumerated from the typer app, so a new command is driven too. Each gets
generated bad arguments: blank, huge, control characters, negative, infinite and NaN
numbers, unknown ids, bad dates, files that are not what they should be. Each must end
with exit 2 and a reason on stderr, never a traceback, and leave the ledger as it was.
Commands that need Temporal run with no server listening: each example holds a value no
rule accepts, so every command must refuse it before connecting (exit 3, "cannot reach
the Temporal server", would mean bad input got as far as the network).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import typing
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bootstrap import build_app
from domain.text import LONG_MAX
from interfaces.cli import app
from settings import Settings
from tests.conftest import EXAMPLE_DIRECTORY
from tests.integration.test_cli import free_port

# Long-running entry points with no typed input: they start servers, not refusals.
NOT_DRIVEN = {("up",), ("worker",), ("web",), ("demo",)}
UNREACHABLE = "cannot reach the Temporal server"

DEFINITELY_BAD_TEXT = ["\x00", "甲\x1b[31m乙", "字" * (LONG_MAX + 1), "a\rb\x7f"]
TEXT = [
    *DEFINITELY_BAD_TEXT,
    "",
    "   ",
    "未知-unknown",
    "nobody.here",
    "2026-13-45",
    "-1",
    "../../etc/passwd",
]
INTS = ["-3", "0", "-1", "99999999999999999999", "nan", "1.5", "一"]
FLOATS = ["inf", "nan", "-inf", "-1", "0", "1e400", "x"]
FILES = {
    "empty-object.yaml": "{}\n",
    "list.yaml": "[1, 2, 3]\n",
    "garbage.bin": "\x00\x01garbage\xff",
    "broken.yaml": "items: [unclosed\n",
    "other.json": '{"schema": "something else", "value": 1}\n',
}


def _leaves(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if hasattr(command, "commands"):
        return [
            leaf for name, sub in command.commands.items() for leaf in _leaves(sub, (*path, name))
        ]
    return [(path, command)]


COMMANDS = [
    (path, command)
    for path, command in _leaves(typer.main.get_command(app))
    if path not in NOT_DRIVEN
]


def _kind(command: Any, param: Any) -> str:
    hint = typing.get_type_hints(command.callback).get(param.name, str)
    args = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
    inner = typing.get_args(args[0]) or args  # list[str] -> str
    base = inner[0]
    if base is bool:
        return "flag"
    return {int: "int", float: "float", Path: "path"}.get(base, "text")


@st.composite
def bad_arguments(draw: st.DrawFn, command: Any, files: list[str]) -> list[str]:
    """Arguments with at least one value no rule can accept, the rest from the bad pool."""
    params = [p for p in command.params if _kind(command, p) != "flag"]
    if not params:  # nothing typed: an argument it does not take
        return [draw(st.sampled_from(DEFINITELY_BAD_TEXT))]
    target = draw(st.sampled_from(params))
    pools = {"int": INTS, "float": FLOATS, "path": [*files, "/nonexistent/x.yaml"]}
    argv: list[str] = []
    positional: list[str] = []
    for param in command.params:
        kind = _kind(command, param)
        if kind == "flag":
            if draw(st.booleans()):
                argv.append(param.opts[0])
            continue
        if param is target:
            value = draw(
                st.sampled_from(
                    {"int": INTS, "float": FLOATS}.get(kind)
                    or (pools["path"] if kind == "path" else DEFINITELY_BAD_TEXT)
                )
            )
        elif param.required or draw(st.booleans()):
            value = draw(st.sampled_from(pools.get(kind, TEXT)))
        else:
            continue
        if param.param_type_name == "argument":
            positional.append(value)
        else:
            argv += [param.opts[0], value]
    return [*argv, "--", *positional] if positional else argv


def _ledger_fingerprint(path: Path) -> tuple[int, str]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT * FROM stored_events ORDER BY rowid").fetchall()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad-input")
    application = build_app(Settings(data_dir=root / "var"))
    application.directory.load(application.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    application.close()
    for name, text in FILES.items():
        (root / name).write_text(text, encoding="utf-8", errors="surrogateescape")
    return root


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_no_command_prints_a_traceback_for_bad_input(
    path: tuple[str, ...], command: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(data_dir / "var"))
    monkeypatch.setenv("UNIONFLOW_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")  # nobody there
    monkeypatch.setenv("UNIONFLOW_LOG_FORMAT", "json")
    ledger = data_dir / "var" / "ledger.db"
    before = _ledger_fingerprint(ledger)
    files = [str(data_dir / name) for name in FILES]
    runner = CliRunner()

    @settings(
        max_examples=4,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(args=bad_arguments(command, files))
    def refused(args: list[str]) -> None:
        result = runner.invoke(app, [*path, *args])
        shown = f"{path} {args!r}\nexit {result.exit_code}\n{result.stdout}\n{result.stderr}"
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{shown}\n{result.exception!r}"
        )
        assert "Traceback" not in result.stdout + result.stderr, shown
        assert UNREACHABLE not in result.stderr, f"bad input reached the network: {shown}"
        assert result.exit_code == 2, shown
        assert result.stderr.strip(), shown
        assert _ledger_fingerprint(ledger) == before, shown

    refused()


def test_every_command_is_driven() -> None:
    """A command added to the app is in the list above without anyone adding it."""
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"wage suspend", "congress open-poll", "audit verify", "motion file"} <= names
    assert len(COMMANDS) == len(_leaves(typer.main.get_command(app))) - len(NOT_DRIVEN)


def test_audit_verify_takes_an_exported_seals_key_and_refuses_what_is_not_a_seal(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``audit verify --against seal.json --public-key HEX`` as the README shows it."""
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    load = ["directory", "load", str(EXAMPLE_DIRECTORY), "--as", "ops.admin"]
    assert runner.invoke(app, load).exit_code == 0
    assert runner.invoke(app, ["audit", "seal", "--as", "ops.admin"]).exit_code == 0
    seal = tmp_path / "seal.json"
    assert runner.invoke(app, ["audit", "export-seal", "-o", str(seal)]).exit_code == 0
    key = json.loads(seal.read_text(encoding="utf-8"))["public_key"]

    verified = runner.invoke(app, ["audit", "verify", "--against", str(seal), "--public-key", key])
    assert verified.exit_code == 0 and "✓" in verified.stdout, verified.output
    stranger = "ab" * 32  # a well-formed key that signed nothing here
    untrusted = runner.invoke(app, ["audit", "verify", "--public-key", stranger])
    assert untrusted.exit_code == 1, untrusted.output
    for name in FILES:  # `{}`, another JSON file, garbage: not a seal
        refused = runner.invoke(app, ["audit", "verify", "--against", str(data_dir / name)])
        assert refused.exit_code == 2 and "seal" in refused.stderr, refused.output
    for bad_key in ("zz", key[:-2], key + "00", ""):
        refused = runner.invoke(app, ["audit", "verify", "--public-key", bad_key])
        assert refused.exit_code == 2 and "64" in refused.stderr, refused.output
