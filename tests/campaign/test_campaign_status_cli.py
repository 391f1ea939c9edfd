"""``unionflow status`` and ``history --at`` know campaigns and campaign units (the
generic record commands, without a Temporal server)."""

from __future__ import annotations

from tests.campaign.test_campaign_cli import KEY, _opened, cli  # noqa: F401 - the fixture

UNIT = f"{KEY}:" + "dl-bearing"


def test_status_of_a_campaign_and_of_one_of_its_units(cli):  # noqa: F811 - the fixture
    _opened(cli)
    campaign = cli("status", KEY)
    assert campaign.exit_code == 0, campaign.output
    assert "“双合同”签订集中行动" in campaign.stdout and "大连市总工会" in campaign.stdout
    unit = cli("status", UNIT)
    assert unit.exit_code == 0, unit.output
    assert "大连轴承制造有限公司" in unit.stdout and "甘井子区总工会" in unit.stdout


def test_history_of_a_campaign_at_an_instant(cli):  # noqa: F811 - the fixture
    _opened(cli)
    history = cli("history", KEY, "--at", "2999-01-01T00:00:00+08:00")
    assert history.exit_code == 0, history.output
    assert "“双合同”签订集中行动" in history.stdout and "开展集中行动" in history.stdout
    unit = cli("history", UNIT, "--at", "2999-01-01T00:00:00+08:00")
    assert unit.exit_code == 0, unit.output
    assert "dl-bearing" in unit.stdout
    assert "单位加入集中行动" in unit.stdout  # the event's business name, not "Created"
