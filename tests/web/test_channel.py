"""Every act records the channel it came through; what was stamped before stays as it was."""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime

from typer.testing import CliRunner

from application.channel import acting_through, current_channel
from application.directory import acting_from_directory
from bootstrap import App
from domain.accounts import account_id
from domain.actors import Acting, Channel, CommandMeta, Role
from domain.base import LedgerAggregate
from domain.wage_contract import RecordReply, wage_contract_id
from tests.conftest import EXAMPLE_DIRECTORY
from tests.wage_contract.helpers import CADRE, offer, service


def test_an_acting_without_a_channel_stamps_and_hashes_as_before():
    acting = Acting(actor_id="wang.li", role=Role.CADRE, roles=[Role.CADRE], org_id="dl-bearing")
    assert acting.stamp() == {"id": "wang.li", "role": "cadre", "org": "dl-bearing"}
    assert acting.model_copy(update={"channel": Channel.WEB}).stamp() == {
        "id": "wang.li",
        "role": "cadre",
        "org": "dl-bearing",
        "channel": "web",
    }
    # An Acting serialised before channels existed reads back with none.
    assert Acting.model_validate(acting.model_dump(exclude={"channel"})).channel is None


def test_the_directory_stamps_the_current_channel_and_the_worker_keeps_the_requests(app: App):
    assert current_channel() is None
    assert app.directory.acting("wang.li", Role.CADRE).channel is None
    with acting_through(Channel.API):
        claimed = app.directory.acting("wang.li", Role.CADRE)
    assert claimed.channel is Channel.API and current_channel() is None
    meta = CommandMeta(command_id="c", acting=claimed, occurred_at=datetime.now(UTC))
    # The worker runs in another context (here: none, or the CLI's): the request's stays.
    with acting_through(Channel.CLI):
        resolved = acting_from_directory(app.directory, meta).acting
    assert resolved.channel is Channel.API


async def test_an_act_sent_from_the_web_is_recorded_with_the_web_channel_by_the_worker(
    time_skipping_env, app: App, task_queue: str, running_worker
):
    svc = service(time_skipping_env, app, task_queue)
    with acting_through(Channel.WEB):
        await svc.open(CADRE, offer("WC-CH"))
    with acting_through(Channel.API):
        await svc.act("WC-CH", CADRE, RecordReply(content="同意协商"))
    events: list[LedgerAggregate.Event] = list(app.ledger.stream(wage_contract_id("WC-CH")))
    channels = [e.actor.get("channel") for e in events]
    assert channels[0] == "web" and channels[-1] == "api", [e.actor for e in events]


def test_the_operators_account_commands_are_recorded_as_cli_acts(tmp_path, monkeypatch):
    from interfaces.cli import app as cli

    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(tmp_path / "var"))
    runner = CliRunner()

    def invoke(*args: str):
        # The CLI sets the language and channel of its context: keep them out of this one.
        return contextvars.copy_context().run(runner.invoke, cli, list(args))

    load = invoke("directory", "load", str(EXAMPLE_DIRECTORY), "--as", "ops.admin")
    assert load.exit_code == 0, load.output
    issued = invoke("accounts", "issue-code", "wang.li", "--as", "ops.admin")
    assert issued.exit_code == 0, issued.output
    assert "/setup?actor=wang.li" in issued.stdout
    refused = invoke("accounts", "issue-code", "wang.li", "--as", "zhao.min")
    assert refused.exit_code == 2 and "zhao.min" in refused.stderr
    listed = invoke("--lang", "en", "accounts", "list")
    assert listed.exit_code == 0 and "awaiting setup" in listed.stdout
    not_locked = invoke("accounts", "unlock", "wang.li", "--as", "ops.admin")
    assert not_locked.exit_code == 0, not_locked.output
    assert runner.invoke(cli, ["accounts", "list"]).exit_code == 0
    assert current_channel() is None  # the invocation's channel ended with it

    from bootstrap import build_app
    from settings import Settings

    application = build_app(Settings(data_dir=tmp_path / "var"))
    try:
        events = list(application.ledger.stream(account_id("wang.li")))
    finally:
        application.close()
    assert [type(e).__name__ for e in events] == ["Created", "SetupCodeIssued"]
    assert events[-1].actor == {
        "id": "ops.admin",
        "role": "operator",
        "org": "dl-city",
        "channel": "cli",
    }
