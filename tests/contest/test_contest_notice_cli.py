"""``unionflow contest notice|object|resolve|close-notice`` on a round ranked through the
application layer: the notice posted for its working days, a named objection without a
contact refused (exit 2), an anonymous one recorded and marked, upheld with the ranking
recomputed (``recompute`` agrees), and the notice that cannot close before its last day."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from domain.actors import CHINA_TZ
from interfaces.cli import app as cli_app
from tests.accounts_support import cli_login
from tests.contest.support import World
from tests.contest.test_contest_service import POOL, judging, score_all
from tests.integration.test_cli import free_port


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("UNIONFLOW_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")  # no server
    w = World(tmp_path, datetime.now(CHINA_TZ))
    key = judging(w)
    w.contests.assign_pool("sun.lihua", key, POOL)
    score_all(w, key, {"dl-bearing": [0.97] * 5, "dl-seed": [0.96] * 5})
    w.contests.rank("sun.lihua", key)
    cli_login(w.app, "sun.lihua", "wang.li", "liu.qiang")
    w.close()

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli_app, list(args))

    return invoke


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def test_notice_objection_upheld_and_the_notice_not_closed_early(cli):
    key = "ankang-2027"
    refused = cli(
        "contest",
        "object",
        key,
        f"{key}:dl-seed",
        "--substance",
        "x",
        "--anonymous",
        "--as",
        "liu.qiang",
    )
    assert refused.exit_code == 2 and "公示期" in refused.stderr  # no notice yet
    posted = ok(cli("contest", "notice", key, "--as", "sun.lihua"))
    assert "公示中" in posted.stdout and "公示期" in posted.stdout
    named = cli(
        "contest", "object", key, f"{key}:dl-bearing", "--substance", "瞒报工伤",
        "--name", "刘强", "--as", "liu.qiang",
    )  # fmt: skip
    assert named.exit_code == 2 and "联系方式" in named.stderr
    ok(
        cli(
            "contest",
            "object",
            key,
            f"{key}:dl-bearing",
            "--substance",
            "瞒报工伤",
            "--anonymous",
            "--as",
            "liu.qiang",
        )
    )
    early = cli("contest", "close-notice", key, "--as", "sun.lihua")
    assert early.exit_code == 2 and "尚未期满" in early.stderr
    notwho = cli(
        "contest", "resolve", key, "1", "--upheld", "--findings", "属实", "--as", "wang.li"
    )
    assert notwho.exit_code == 2
    done = ok(
        cli(
            "contest",
            "resolve",
            key,
            "1",
            "--upheld",
            "--findings",
            "经核查属实",
            "--as",
            "sun.lihua",
        )
    )
    assert "匿名" in done.stdout and "异议成立" in done.stdout and "经核查属实" in done.stdout
    published = re.search(r"\(SHA-256\): ([0-9a-f]{64})", done.stdout)
    assert published is not None
    again = ok(cli("contest", "recompute", key))
    assert published.group(1) in again.stdout and "与发布的排名一致" in again.stdout
