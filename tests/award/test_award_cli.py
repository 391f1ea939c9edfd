"""``unionflow award`` as a cadre, a reviewer and a member of the public use it: a
nomination's steps go to the ledger without a Temporal server, refusals exit 2 and write
nothing, and the round's places and proportions print as tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bootstrap import build_app
from domain.award.commands import OpenRound
from interfaces.cli import app as cli_app
from settings import Settings
from tests.accounts_support import cli_login
from tests.conftest import EXAMPLE_DIRECTORY, ROOT
from tests.integration.test_cli import free_port

DEPARTMENTS = {"discipline": "jw.dept", "market": "market.dept", "tax": "tax.dept", "hr": "hrss.dept",
               "emergency": "emergency.dept", "environment": "env.dept", "audit": "audit.dept"}  # fmt: skip
DEFINITION = ROOT / "domain" / "award_data" / "dalian-labour-model.yaml"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("UNIONFLOW_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")  # no server
    app = build_app(Settings())
    app.directory.load(app.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    c = OpenRound(round_key="model-2027", title="2027年大连市劳动模范评选", definition="dalian-labour-model",
                  nominations_close=date(2099, 12, 31),
                  departments=DEPARTMENTS)  # fmt: skip
    app.awards.open_round("sun.lihua", c)
    cli_login(app, "wang.li", "zhao.min", "liu.qiang")
    app.close()

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli_app, list(args))

    return invoke


def test_a_cadre_nominates_and_takes_the_units_steps(cli):
    done = cli(
        "award",
        "nominate",
        "model-2027",
        "--file",
        str(ROOT / "examples" / "nominee.yaml"),
        "--as",
        "wang.li",
    )
    assert done.exit_code == 0, done.output
    key = "model-2027:dl-bearing:210211198001011234"
    assert key in done.stdout and "张秀英" in done.stdout
    agreed = cli("award", "agree", key, "--record", "2027-03-01 联席会议", "--as", "wang.li")
    assert agreed.exit_code == 0, agreed.output
    # The congress poll is checked in the ledger: a poll that does not exist is refused.
    missing = cli(
        "award", "congress-approval", key, "--poll", "dl-bearing-6:2027-1:item9", "--as", "wang.li"
    )
    assert missing.exit_code == 2 and "没有表决" in missing.stderr
    early = cli("award", "submit", key, "--as", "wang.li")
    assert early.exit_code == 2 and "公示期满" in " ".join(early.stderr.split())
    other = cli("award", "agree", key, "--record", "x", "--as", "zhao.min")
    assert other.exit_code == 2
    shown = cli("--lang", "en", "award", "show", "model-2027")
    assert shown.exit_code == 0 and "frontline workers and technicians" in shown.stdout
    assert "dl-ganjingzi" in shown.stdout
    listed = cli("award", "nominations", "model-2027")
    assert "张秀英" in listed.stdout and "单位推荐中" in listed.stdout
    history = cli("history", key)
    assert history.exit_code == 0 and "党政工联席会议同意" in history.stdout


def test_an_objection_outside_a_notice_is_refused(cli):
    cli(
        "award",
        "nominate",
        "model-2027",
        "--file",
        str(ROOT / "examples" / "nominee.yaml"),
        "--as",
        "wang.li",
    )
    key = "model-2027:dl-bearing:210211198001011234"
    refused = cli(
        "award", "object", key, "--substance", "事迹不实", "--anonymous", "--as", "liu.qiang"
    )
    assert refused.exit_code == 2 and "不在公示期内" in refused.stderr


def test_definitions_list_and_a_bad_file_is_refused_with_its_line(cli, tmp_path: Path):
    listed = cli("award", "definitions")
    assert listed.exit_code == 0 and "全国五一劳动奖章" in listed.stdout
    bad = tmp_path / "dalian-labour-model.yaml"
    bad.write_text(
        DEFINITION.read_text(encoding="utf-8").replace("level: city", "level: galaxy"),
        encoding="utf-8",
    )
    refused = cli("award", "check", str(bad))
    assert refused.exit_code == 2 and "第 8 行" in refused.stderr and "level" in refused.stderr
    assert cli("award", "check", str(DEFINITION)).exit_code == 0
