"""The demo's campaign scene (demo_campaign.py) on the time-skipping server: the story it
tells is what the ledger holds — the target met as reports are approved, the bearing
company counted from its renewed wage contract without a report, laggards reminded every
round, the one unit that never reports escalated once, late joiners never escalated, a
returned report approved when resubmitted, the final report and the close."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from demo_campaign import BEARING, LATE, CampaignDemo
from demo_congress import CongressDemo
from domain.campaign.aggregate import CampaignUnit
from domain.campaign.values import ReportStatus, unit_ledger_id
from i18n import Lang
from settings import Settings

UNITS = 60  # generated units (the demo has 240): the same story, fewer rows


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        rule_profile="liaoning",
        activity_timeout_seconds=30,
        campaign_definition_dir=tmp_path / "campaign-definitions",
    )


async def test_the_campaign_scene_tells_what_the_ledger_holds(
    app, time_skipping_env, task_queue, running_worker
):
    console = Console(record=True, width=200)
    before, Lang.code = Lang.code, "zh"  # the demo speaks Chinese first
    try:
        congress = CongressDemo(app, time_skipping_env, console, task_queue, "t")
        await congress.ensure_congress()
        scene = CampaignDemo(
            app, time_skipping_env, console, task_queue, congress, "t", units=UNITS
        )
        key = await scene.run()
    finally:
        Lang.code = before
    story = scene.story
    units = app.campaigns.units(key)
    members = [u for u in units if u.unionised]
    assert story["joined"] == UNITS + 3  # the generated units and the example's three
    assert story["outside"] == sum(1 for u in units if not u.unionised) == UNITS // 10
    assert len(units) == UNITS + 3 + LATE

    # Reports arrive: under the target the first week, over it the second.
    rates = story["rates"]
    assert rates[0] < 0.8 <= rates[1] <= rates[2]

    # Laggards are reminded every round, fewer each time; one unit is escalated, once.
    reminded = [r for r, _ in story["rounds"]]
    assert len(reminded) == 4 and reminded == sorted(reminded, reverse=True)
    assert [e for _, e in story["rounds"]] == [0, 0, 1, 0]
    never = app.campaigns.unit(key, story["never"])
    assert story["escalated"] == [never.code] and never.reminders[scene.period] == 4
    assert never.escalated == {scene.period: never.district_org}
    assert reminded[-1] == 1  # by the last round only that unit lags
    late = [app.campaigns.unit(key, u.code) for u in scene.late]
    assert all(scene.period not in u.escalated for u in units if u.code != never.code)
    assert all(u.reminders.get(scene.period, 0) == 2 for u in late)  # rounds 2 and 3 only

    # The bearing company reported nothing: its renewed wage contract counts from the ledger.
    bearing = app.campaigns.unit(key, BEARING)
    assert bearing.reports == {}
    assert "WageContract.TookEffect" in story["bearing_basis"]

    # The report returned once, then approved when resubmitted.
    returned = [
        u
        for u in members
        if any(
            isinstance(e, CampaignUnit.ReportReturned)
            for e in app.ledger.stream(unit_ledger_id(key, u.code))
        )
    ]
    assert len(returned) == 1
    assert returned[0].report(scene.period, "wage_contract").status is ReportStatus.APPROVED

    # The final report counts every member unit but the one that never reported.
    target = story["final"]["targets"][0]
    assert target["met"] and target["denominator"] == len(members)
    assert target["numerator"] == len(members) - 1
    assert story["phase"] == "closed"
    out = console.export_text()
    for fact in ("按台账事实计入", "已达标", "上报", "总结报告", "集中行动结束"):
        assert fact in out, fact
