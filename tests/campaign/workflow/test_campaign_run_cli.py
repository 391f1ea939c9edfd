"""``unionflow campaign start | status | remind-now | close`` against a campaign workflow on
the time-skipping server: the organiser starts the workflow of a campaign opened on the
CLI (once), reads its status, asks for a reminder round; refusals exit 2 with the reason."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from typer.testing import CliRunner, Result

from application.command_meta import command_meta
from bootstrap import App
from domain.actors import Role
from interfaces.cli import app as cli_app
from tests.accounts_support import cli_login
from tests.campaign.workflow.support import (
    ORGANISER,
    definition,
    generated,
    install,
    today,
    write_units,
)


@pytest.fixture
async def cli(time_skipping_env, app: App, task_queue, running_worker, tmp_path, monkeypatch):
    env = time_skipping_env
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(app.settings.data_dir))
    monkeypatch.setenv("UNIONFLOW_RULE_PROFILE", "liaoning")
    monkeypatch.setenv("UNIONFLOW_TASK_QUEUE", task_queue)
    monkeypatch.setenv("UNIONFLOW_TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    cli_login(app, ORGANISER, "wang.li")

    async def invoke(*args: str) -> Result:
        return await asyncio.to_thread(CliRunner().invoke, cli_app, ["campaign", *args])

    return invoke


async def test_the_organiser_starts_reads_and_reminds_on_the_cli(
    cli, time_skipping_env, app, tmp_path
):
    env = time_skipping_env
    d = definition(await today(env))
    install(app, tmp_path, d)
    now = await env.get_current_time()
    acting = app.directory.acting(ORGANISER, Role.CADRE)
    app.campaigns.open(d.key, "dl-city", command_meta("t", acting, "open", "", "o-1", now))
    units = write_units(tmp_path / "u.csv", generated(4))
    app.campaigns.import_units(d.key, units, command_meta("t", acting, "imp", "", "i-1", now))

    refused = await cli("start", d.key, "--as", "wang.li")
    assert refused.exit_code == 2 and "dl-city" in refused.output
    started = await cli("start", d.key, "--as", ORGANISER)
    assert started.exit_code == 0 and "工作流已启动" in started.output, started.output
    again = await cli("start", d.key, "--as", ORGANISER)
    assert again.exit_code == 0 and "工作流已在运行" in again.output

    for _ in range(100):  # the workflow reads its campaign as its first step
        shown = await cli("status", d.key)
        if "P1" in shown.output:
            break
        await asyncio.sleep(0.1)
    assert shown.exit_code == 0 and "未开始" in shown.output and "open_period:P1" in shown.output

    p1 = d.timeline.periods[0]
    await env.sleep(timedelta(days=(p1.starts - await today(env)).days + 1, minutes=30))
    refused = await cli("remind-now", d.key, "--as", "wang.li")
    assert refused.exit_code == 2 and "dl-city" in refused.output
    assert app.campaigns.unit(d.key, "u00001").reminders == {}  # nothing changed
    done = await cli("remind-now", d.key, "--as", ORGANISER, "--command-id", "now-1")
    assert done.exit_code == 0 and "提醒 4" in done.output, done.output
    assert app.campaigns.unit(d.key, "u00001").reminders == {"P1": 1}
    closing = await cli("close", d.key, "--as", ORGANISER)
    assert closing.exit_code == 2 and "总结报告之后才能结束" in closing.output
