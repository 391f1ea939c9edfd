"""The campaign facade on the time-skipping server: one workflow per campaign however often
its opening is retried, units' reports and reviews straight to the ledger, and the inbox
of a district reviewer, a lagging unit's cadre and the organiser."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bootstrap import App
from domain.campaign.values import ReportStatus
from domain.errors import InvalidState, NotAuthorised, NotFound
from processes import CAMPAIGN
from services.campaigns import CampaignFacade
from tests.campaign.workflow.support import (
    ORGANISER,
    definition,
    facade,
    install,
    sleep_until,
    today,
    write_units,
)
from workflows.campaign import CampaignWorkflow, campaign_workflow_id

UNITS = [
    ["dl-bearing", "大连轴承", "甘井子区", "制造业", "非公有", "860", "是", "dl-ganjingzi"],
    ["dl-garment", "大连华艺服装", "沙河口区", "纺织服装", "非公有", "420", "是", "dl-textile"],
    ["dl-seed", "大连金农种业", "中山区", "农林水利", "公有", "150", "是", ""],
]


@pytest.fixture
async def opened(time_skipping_env, app: App, task_queue, running_worker, tmp_path: Path):
    env = time_skipping_env
    d = definition(await today(env))
    install(app, tmp_path, d)
    f = facade(env, app, task_queue)
    await f.open(d.key, "dl-city", ORGANISER, "open-1")
    await f.import_units(ORGANISER, d.key, write_units(tmp_path / "u.csv", UNITS))
    return env, f, d


async def test_opening_twice_with_one_command_id_starts_one_workflow(opened):
    env, f, d = opened
    handle = env.client.get_workflow_handle_for(CampaignWorkflow.run, campaign_workflow_id(d.key))
    run_id = (await handle.describe()).run_id
    again = await f.open(d.key, "dl-city", ORGANISER, "open-1")  # a retry of the same command
    assert again.key == d.key and (await handle.describe()).run_id == run_id
    assert len(f.campaigns()) == 1
    with pytest.raises(InvalidState, match="已启动"):  # another opening of it
        await f.open(d.key, "dl-city", ORGANISER, "open-2")
    for _ in range(200):  # the workflow reads its campaign as its first step
        status = await f.status(d.key)
        if status is not None and status.brief is not None:
            break
        await asyncio.sleep(0.1)
    assert status is not None and status.brief is not None and status.brief.campaign_key == d.key
    assert status.waiting is not None and status.waiting.kind == "open_period:P1"


async def test_inbox_of_the_district_reviewer_the_lagging_unit_and_the_organiser(opened, app: App):
    env, f, d = opened
    p1 = d.timeline.periods[0]
    await sleep_until(env, p1.starts)
    day = await today(env)
    due = [(t.kind, t.code, t.period, t.due) for t in f.tasks("wang.li", day)]
    assert due == [("report", "dl-bearing", "P1", p1.due)]
    items = CAMPAIGN.inbox(app, f, "wang.li")
    assert [i.todo[0] for i in items] == ["填报：已建制（P1）"] and items[
        0
    ].key == f"{d.key}:dl-bearing"
    assert f.tasks("chen.jing", day) == []  # nothing to review yet
    await f.submit("wang.li", d.key, "dl-bearing", indicator="done", period="P1", value=1,
                   evidence="协议文本", command_id="s-1")  # fmt: skip
    assert f.tasks("wang.li", day) == []  # reported: no longer due
    review = f.tasks("chen.jing", day)
    assert [(t.kind, t.code, t.indicator) for t in review] == [("review", "dl-bearing", "done")]
    assert f.tasks("sun.hao", day) == []  # another district's reviewer sees none of it
    assert [t.code for t in f.tasks("zhao.min", day)] == ["dl-garment"]  # still lagging
    with pytest.raises(NotAuthorised):  # not the unit's district union
        await f.approve("sun.hao", d.key, "dl-bearing", indicator="done", period="P1")
    assert f.unit(d.key, "dl-bearing").report("P1", "done").status is ReportStatus.PENDING
    await f.approve("chen.jing", d.key, "dl-bearing", indicator="done", period="P1")
    assert f.tasks("chen.jing", day) == [] and f.tasks("wang.li", day) == []
    report = f.unit(d.key, "dl-bearing").report("P1", "done")
    assert report is not None and report.status is ReportStatus.APPROVED


async def test_without_temporal_the_facade_records_and_reads_the_ledger(app: App, tmp_path):
    d = definition(date(2026, 12, 7))
    install(app, tmp_path, d)
    app.campaigns.progress = None  # a ledger without its progress read model
    f = CampaignFacade(None, app.campaigns, app.directory, app.settings)
    assert (await f.open(d.key, "dl-city", ORGANISER, "open-1")).key == d.key
    assert [c.key for c in f.campaigns()] == [d.key] and await f.status(d.key) is None
    with pytest.raises(NotFound):
        await f.close(ORGANISER, "no-such-campaign")
    with pytest.raises(InvalidState, match="Temporal"):
        await f.close(ORGANISER, d.key)
    with pytest.raises(InvalidState, match="进度读模型未配置"):
        f.progress(d.key)


class Reports:
    """A progress read model that says which report it was asked for."""

    def report(self, key, on=None, at=None):
        return (key, on, at)


def test_progress_comes_from_the_ledgers_read_model_live_or_at_an_instant(app: App, tmp_path):
    d = definition(date(2026, 12, 7))
    install(app, tmp_path, d)
    app.campaigns.progress = Reports()  # type: ignore[assignment]
    f = CampaignFacade(None, app.campaigns, app.directory, app.settings)
    with pytest.raises(NotFound):
        f.progress(d.key)  # not opened
    asyncio.run(f.open(d.key, "dl-city", ORGANISER, "open-1"))
    at = datetime(2026, 12, 1, tzinfo=UTC)
    assert f.progress(d.key, date(2026, 12, 7)) == (d.key, date(2026, 12, 7), None)
    assert f.progress(d.key, at=at) == (d.key, None, at)
