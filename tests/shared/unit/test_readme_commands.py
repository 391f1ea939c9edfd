"""Every command the README shows parses as written: the command exists, its options
exist, and its values (dates, numbers, bounded texts, files) are accepted. Nothing runs:
each line is parsed by the CLI's own parser, so a removed command, a renamed option or a
date that went stale fails here."""

from __future__ import annotations

import itertools
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from interfaces.cli import app
from interfaces.cli._common import parse_date
from tests.conftest import ROOT

# What the README writes as a placeholder, and a value that stands for it.
PLACEHOLDERS = {
    "M-ID": "dl-bearing-6-035f38",
    "HEX": "ab" * 32,
    "K7QH-3MZP-WD": "K7QH-3MZP-WD",
}
# Files the README's earlier commands write (`-o seal.json`, `-o witness.jsonl`) or the
# user brings (a year's schedule).
WRITTEN_BY_EARLIER_COMMANDS = ("seal.json", "witness.jsonl", "2027.yaml")
# Lines that show two commands at once ("close / publish / report").
ALTERNATIVES = re.compile(r"\b(\w[\w-]*) / (\w[\w-]*) / (\w[\w-]*)\b")


def readme_commands() -> list[str]:
    """The `$U …` and `unionflow …` lines of the README's sh blocks, continuations joined."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.strip()
            for prefix in ("$U ", ".venv/bin/unionflow ", "unionflow "):
                if line.startswith(prefix):
                    lines.append(line[len(prefix) :])
    return lines


def expand(line: str) -> list[list[str]]:
    """One README line as argument lists: comments and [optional] parts dropped, the
    optional parts also tried as written, alternatives split."""
    line = re.sub(r"\s+#.*$", "", line)
    for name, value in PLACEHOLDERS.items():
        line = line.replace(name, value)
    variants = [re.sub(r"\s*\[[^\]]*\]", "", line)]
    optional = re.findall(r"\[([^\]]*)\]", line)
    if optional:
        variants.append(re.sub(r"\[([^\]]*)\]", r"\1", line).replace(" …", ""))
    out: list[list[str]] = []
    for variant in variants:
        match = ALTERNATIVES.search(variant)
        names = match.groups() if match else (None,)
        for name in names:
            text = ALTERNATIVES.sub(name, variant) if name else variant
            out.append(shlex.split(text))
    return out


DATE_OPTIONS = ("--start", "--end", "--papers-sent", "--opens", "--session-on")


def remaining(ctx: Any) -> list[str]:
    """What a group left for its subcommand (click 8.2 keeps the name apart)."""
    protected = getattr(ctx, "_protected_args", None) or getattr(ctx, "protected_args", [])
    return list(protected) + list(ctx.args)


def is_group(command: Any) -> bool:
    return hasattr(command, "resolve_command")


def parse(args: list[str]) -> None:
    """Resolve the command path and parse its arguments, without invoking it; the dates
    the command body would parse are parsed too."""
    command: Any = typer.main.get_command(app)
    ctx = command.make_context("unionflow", list(args), resilient_parsing=False)
    rest = remaining(ctx)
    while is_group(command) and rest:
        name, sub, rest = command.resolve_command(ctx, rest)
        assert sub is not None, f"no command {name}"
        command = sub
        ctx = command.make_context(name or "", rest, parent=ctx)
        rest = remaining(ctx) if is_group(command) else []
    assert not is_group(command), f"{' '.join(args)}: names a group, not a command"
    for option, value in itertools.pairwise(args):
        if option in DATE_OPTIONS:
            parse_date(value)
    if args[:2] == ["calendar", "deadline"]:
        parse_date(args[2])


LINES = readme_commands()


def test_the_readme_shows_commands_of_every_role() -> None:
    assert len(LINES) >= 60
    for group in ("wage", "congress", "motion", "audit", "directory", "calendar", "tasks"):
        assert any(line.split()[0] == group for line in LINES), group


@pytest.mark.parametrize("line", LINES)
def test_a_readme_command_parses_as_written(
    line: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    brought = [n for n in WRITTEN_BY_EARLIER_COMMANDS if n in line]
    if brought:
        monkeypatch.chdir(tmp_path)
        (tmp_path / "examples").symlink_to(ROOT / "examples")
        for name in brought:
            (tmp_path / name).write_text("{}", encoding="utf-8")
    for args in expand(line):
        try:
            parse(args)
        except SystemExit as e:  # a typed value refused by its callback or parse_date
            pytest.fail(f"{' '.join(args)}: refused with exit {e.code}")
        except Exception as e:  # typer's click: a usage error
            if not hasattr(e, "format_message"):
                raise
            pytest.fail(f"{' '.join(args)}: {e.format_message()}")


def test_a_date_may_be_today_or_days_from_today_and_nothing_else() -> None:
    from datetime import datetime, timedelta

    from domain.actors import CHINA_TZ

    today = datetime.now(CHINA_TZ).date()
    assert parse_date("today") == today
    assert parse_date("today+30") == today + timedelta(days=30)
    assert parse_date("today-7") == today - timedelta(days=7)
    assert parse_date("2026-11-14").isoformat() == "2026-11-14"
    for bad in ("today+", "today+x", "today*3", "tomorrow", "today+9999999", "2026-13-01"):
        with pytest.raises(BaseException) as refused:
            parse_date(bad)
        assert refused.type is not AssertionError, bad
