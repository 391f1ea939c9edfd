"""``unionflow campaign`` as the organiser, a unit's cadre and a district reviewer use it:
every act goes to the ledger without a Temporal server, output names units and unions by
name (Chinese first), and a refusal exits 2 and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bootstrap import build_app
from contracts.campaign import OpenPeriodRequest
from interfaces.cli import app as cli_app
from settings import Settings
from tests.accounts_support import cli_login
from tests.campaign.campaign_support import generated_units, system, write_units
from tests.conftest import EXAMPLE_DIRECTORY, ROOT
from tests.integration.test_cli import free_port
from tests.language import stray_chinese, untranslated

EXAMPLE = ROOT / "examples" / "campaign-units.csv"
KEY = "double-contract-2026"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("UNIONFLOW_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")  # no server
    app = build_app(Settings())
    app.directory.load(app.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    cli_login(app, "sun.lihua", "wang.li", "zhao.min", "chen.jing", "li.wei")
    app.close()

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli_app, list(args))

    return invoke


def _open_period() -> None:
    """What the campaign's workflow does at the period's start."""
    app = build_app(Settings())
    try:
        app.campaigns.open_period(
            OpenPeriodRequest(campaign_key=KEY, period="2026H2", meta=system())
        )
    finally:
        app.close()


def _opened(cli) -> None:
    done = cli("campaign", "open", KEY, "--organiser", "dl-city", "--as", "sun.lihua")
    assert done.exit_code == 0, done.output
    imported = cli("campaign", "import", KEY, str(EXAMPLE), "--as", "sun.lihua")
    assert imported.exit_code == 0, imported.output
    assert "新加入 40" in imported.stdout


def test_definitions_list_the_shipped_campaigns(cli):
    listed = cli("campaign", "definitions")
    assert listed.exit_code == 0
    assert "工资集体协商集中行动" in listed.stdout and "double-contract-2026" in listed.stdout
    english = cli("--lang", "en", "campaign", "definitions")
    assert "wage collective bargaining campaign" in english.stdout


def test_the_organiser_opens_and_imports_and_units_list_by_name(cli):
    _opened(cli)
    listed = cli("campaign", "list")
    assert "“双合同”签订集中行动" in listed.stdout and "大连市总工会" in listed.stdout
    assert "40" in listed.stdout
    units = cli("campaign", "units", KEY, "--district", "甘井子区")
    assert units.exit_code == 0, units.output
    assert "大连轴承制造有限公司" in units.stdout and "甘井子区总工会" in units.stdout
    assert "大连华艺服装有限公司" not in units.stdout  # 沙河口区
    again = cli("campaign", "import", KEY, str(EXAMPLE), "--as", "sun.lihua")
    assert again.exit_code == 0 and "新加入 0" in again.stdout and "未变 40" in again.stdout
    twice = cli("campaign", "open", KEY, "--organiser", "dl-city", "--as", "sun.lihua")
    assert twice.exit_code == 2 and "已启动" in twice.stderr
    unknown = cli("campaign", "open", "no-such", "--organiser", "dl-city", "--as", "sun.lihua")
    assert unknown.exit_code == 2


def test_a_bad_file_is_refused_with_a_table_of_lines_and_nothing_imported(cli, tmp_path: Path):
    assert (
        cli("campaign", "open", KEY, "--organiser", "dl-city", "--as", "sun.lihua").exit_code == 0
    )
    rows = generated_units(4)
    rows[2][6] = "也许"
    path = write_units(tmp_path / "bad.csv", rows)
    refused = cli("campaign", "import", KEY, str(path), "--as", "sun.lihua")
    assert refused.exit_code == 2
    assert "单位名单未导入" in refused.stderr and "是否建会" in refused.stderr
    assert "4" in refused.stderr  # line 4: the header is line 1
    listed = cli("campaign", "units", KEY)
    assert "0/0" in listed.stdout
    outsider = cli("campaign", "import", KEY, str(EXAMPLE), "--as", "wang.li")
    assert outsider.exit_code == 2


def test_a_cadre_reports_the_district_reviews_and_the_cadre_withdraws(cli):
    _opened(cli)
    early = cli(
        "campaign", "report", KEY, "dl-bearing", "--evidence", "合同.pdf", "--as", "wang.li"
    )
    assert early.exit_code == 2  # no period open yet
    _open_period()
    other = cli("campaign", "report", KEY, "dl-bearing", "--evidence", "x", "--as", "zhao.min")
    assert other.exit_code == 2
    done = cli("campaign", "report", KEY, "dl-bearing", "--evidence", "合同.pdf", "--as", "wang.li")
    assert done.exit_code == 0, done.output
    assert "待审核" in done.stdout and "大连轴承制造有限公司" in done.stdout
    queue = cli("campaign", "reviews", "--as", "chen.jing")
    assert queue.exit_code == 0, queue.output
    assert "大连轴承制造有限公司" in queue.stdout and "王丽" in queue.stdout
    assert "合同.pdf" in queue.stdout
    assert "大连轴承" not in cli("campaign", "reviews", "--as", "li.wei").stdout
    wrong = cli("campaign", "approve", KEY, "dl-bearing", "--as", "li.wei")
    assert wrong.exit_code == 2
    ok = cli("campaign", "approve", KEY, "dl-bearing", "--as", "chen.jing")
    assert ok.exit_code == 0 and "已通过" in ok.stdout
    gone = cli("campaign", "withdraw", KEY, "dl-bearing", "--reason", "数据有误", "--as", "wang.li")
    assert gone.exit_code == 0 and "已撤回" in gone.stdout
    cli("campaign", "report", KEY, "dl-garment", "--evidence", "x.pdf", "--as", "zhao.min")
    back = cli("campaign", "return", KEY, "dl-garment", "--reasons", "缺集体合同", "--as", "li.wei")
    assert back.exit_code == 0 and "已退回" in back.stdout and "缺集体合同" in back.stdout
    history = cli("history", f"{KEY}:dl-bearing")
    assert history.exit_code == 0, history.output


def test_the_organiser_takes_a_unit_out_and_back(cli):
    _opened(cli)
    left = cli("campaign", "leave", KEY, "dl-seed", "--reason", "企业停产", "--as", "sun.lihua")
    assert left.exit_code == 0, left.output
    assert "已退出" in left.stdout
    refused = cli("campaign", "leave", KEY, "dl-seed", "--reason", "x", "--as", "sun.lihua")
    assert refused.exit_code == 2
    back = cli("campaign", "rejoin", KEY, "dl-seed", "--as", "sun.lihua")
    assert back.exit_code == 0 and "参加中" in back.stdout
    shown = cli("--lang", "en", "campaign", "unit", KEY, "dl-seed")
    assert shown.exit_code == 0 and "大连金农种业有限公司" in shown.stdout and " in" in shown.stdout
    history = cli("history", KEY, "--kind", "campaign")
    assert history.exit_code == 0, history.output


def test_chinese_output_holds_no_english_labels_and_english_no_chinese_ones(cli):
    _opened(cli)
    _open_period()
    cli("campaign", "report", KEY, "dl-bearing", "--evidence", "合同.pdf", "--as", "wang.li")
    codes = [line.split(",")[0] for line in EXAMPLE.read_text(encoding="utf-8").splitlines()[1:]]
    ids = {KEY, "2026H2", "wang.li", "合同.pdf", *codes}
    for args in (("campaign", "units", KEY, "--limit", "40"), ("campaign", "list"),
                 ("campaign", "unit", KEY, "dl-bearing"), ("campaign", "reviews", "--as", "chen.jing")):  # fmt: skip
        shown = cli(*args)
        assert shown.exit_code == 0, shown.output
        assert untranslated(shown.stdout, ids=ids) == [], args
    data = {line.split(",")[i] for line in EXAMPLE.read_text(encoding="utf-8").splitlines()[1:]
            for i in (1, 2, 3)} | {"合同.pdf"}  # fmt: skip
    for args in (("campaign", "units", KEY, "--limit", "40"), ("campaign", "list"),
                 ("campaign", "definitions")):  # fmt: skip
        shown = cli("--lang", "en", *args)
        assert shown.exit_code == 0, shown.output
        assert stray_chinese(shown.stdout, data) == [], args
