"""``unionflow contest`` and ``unionflow safety`` as an organiser, units, judges and the
emergency department use them, straight to the ledger without a Temporal server: a 安康杯
round from opening to a published ranking that vetoes a unit for a recorded accident, a
recused judge refused (exit 2), and ``recompute`` printing the same ranking and hash."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from bootstrap import build_app
from interfaces.cli import app as cli_app
from settings import Settings
from tests.accounts_support import cli_login
from tests.contest.support import directory_with_judges, full, shipped
from tests.integration.test_cli import free_port

ANKANG = shipped("ankang-cup")
DEFINITION = Path(__file__).parents[2] / "domain" / "contest_data" / "ankang-cup.yaml"
JUDGES = ["judge.city1", "judge.city2", "judge.textile", "judge.agri", "judge.gjz"]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("UNIONFLOW_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")  # no server
    app = build_app(Settings())
    app.directory.load(app.directory.parse(directory_with_judges(tmp_path)), operator="ops.admin")
    cli_login(app, "sun.lihua", "wang.li", "he.jun", "emergency.dept", "judge.bearing", *JUDGES)
    app.close()

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli_app, list(args))

    return invoke


def sheet(tmp_path: Path, name: str, share: float) -> str:
    path = tmp_path / f"{name}.yaml"
    marks = {k: str(v) for k, v in full(ANKANG, share).items()}
    path.write_text(yaml.safe_dump(marks), encoding="utf-8")
    return str(path)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def test_an_ankang_round_from_opening_to_a_recomputed_ranking(cli, tmp_path: Path):
    assert "“安康杯”竞赛" in ok(cli("contest", "definitions")).stdout
    ok(
        cli(
            "contest",
            "open",
            "--round",
            "ankang-2026",
            "--title",
            "2026年“安康杯”竞赛",
            "--definition",
            "ankang-cup",
            "--stage",
            "review",
            "--year",
            "2026",
            "--close",
            "today+30",
            "--as",
            "sun.lihua",
        )
    )
    for cadre, unit in (("wang.li", "dl-bearing"), ("he.jun", "dl-seed")):
        ok(
            cli(
                "contest",
                "register",
                "ankang-2026",
                "--entrant",
                unit,
                "--category",
                "enterprise",
                "--as",
                cadre,
            )
        )
        done = ok(
            cli(
                "contest",
                "self-assess",
                f"ankang-2026:{unit}",
                "--file",
                sheet(tmp_path, f"self-{unit}", 0.92),
                "--as",
                cadre,
            )
        )
        assert "已入围" in done.stdout
    ok(cli("contest", "close-registration", "ankang-2026", "--as", "sun.lihua"))
    ok(cli("contest", "start-judging", "ankang-2026", "--as", "sun.lihua"))
    pool = ",".join(["judge.bearing", *JUDGES])
    assigned = ok(cli("contest", "judges", "ankang-2026", "--pool", pool, "--as", "sun.lihua"))
    assert "judge.bearing" in assigned.stdout and "同属" in assigned.stdout
    refused = cli(
        "contest",
        "score",
        "ankang-2026:dl-bearing",
        "--file",
        sheet(tmp_path, "x", 0.9),
        "--as",
        "judge.bearing",
    )
    assert refused.exit_code == 2 and "回避" in refused.stderr
    app = build_app(Settings())
    panels = {u: app.contests.entry(f"ankang-2026:{u}").judges for u in ("dl-bearing", "dl-seed")}
    app.close()
    assert "judge.bearing" not in panels["dl-bearing"]
    for unit, panel in panels.items():
        for i, judge in enumerate(panel):
            path = sheet(tmp_path, f"{unit}-{judge}", 0.9 + i * 0.02)
            ok(cli("contest", "score", f"ankang-2026:{unit}", "--file", path, "--as", judge))
    twice = cli(
        "contest",
        "score",
        "ankang-2026:dl-seed",
        "--file",
        sheet(tmp_path, "y", 0.5),
        "--as",
        panels["dl-seed"][0],
    )
    assert twice.exit_code == 2 and "一次" in twice.stderr
    recorded = ok(
        cli(
            "safety",
            "accident",
            "--unit",
            "dl-seed",
            "--on",
            "today-20",
            "--severity",
            "serious",
            "--description",
            "叉车伤人",
            "--as",
            "emergency.dept",
        )
    )
    assert "AccidentRecorded v2" in recorded.stdout
    progress = ok(cli("contest", "show", "ankang-2026"))
    assert "judge.city1" in progress.stdout and "评审进度" in progress.stdout
    ranked = ok(cli("contest", "rank", "ankang-2026", "--as", "sun.lihua"))
    assert "SafetyRecord.AccidentRecorded v2" in ranked.stdout
    published = re.search(r"\(SHA-256\): ([0-9a-f]{64})", ranked.stdout)
    assert published is not None
    again = ok(cli("contest", "recompute", "ankang-2026"))
    assert published.group(1) in again.stdout and "与发布的排名一致" in again.stdout
    history = ok(cli("history", "dl-seed"))
    assert "记录生产安全事故" in history.stdout and "emergency.dept" in history.stdout
    assert "发布排名" in ok(cli("history", "ankang-2026")).stdout
    assert "已排名" in ok(cli("status", "ankang-2026", "--kind", "contest")).stdout  # no server
    shown = ok(cli("--lang", "en", "safety", "show", "dl-seed"))
    assert "serious-injury accident" in shown.stdout


def test_a_definition_file_with_an_error_is_refused_with_its_line(cli, tmp_path: Path):
    text = DEFINITION.read_text(encoding="utf-8")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "judges_per_entry" in ln)
    bad = tmp_path / "ankang-cup.yaml"
    bad.write_text(text.replace("judges_per_entry: 5", "judges_per_entry: 0"), encoding="utf-8")
    refused = cli("contest", "check", str(bad))
    assert refused.exit_code == 2, refused.output
    assert f"第 {line} 行" in refused.stderr and "judges_per_entry" in refused.stderr
    unknown = tmp_path / "tie.yaml"
    unknown.write_text(
        text.replace("key: ankang-cup", "key: tie").replace(
            "tie_breaks: [management, protection]", "tie_breaks: [management, luck]"
        ),
        encoding="utf-8",
    )
    refused = cli("contest", "check", str(unknown))
    assert refused.exit_code == 2 and "luck" in refused.stderr
    assert ok(cli("contest", "check", str(DEFINITION))).exit_code == 0
