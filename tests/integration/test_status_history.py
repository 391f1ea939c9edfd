"""``unionflow status`` and ``unionflow history`` for every kind of record.

The ledger is filled through the services and their workflows on a time-skipping server
of this module's own (it skips a week); the CLI then reads it through typer's CliRunner,
in a thread so that the worker keeps answering the workflows' status queries.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from click.testing import Result
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from application.records import resolve
from bootstrap import build_app, build_worker, start_time_skipping
from demo_congress import ROSTER, roster_ids
from domain.actors import CHINA_TZ
from domain.errors import InvalidInput, NotFound
from domain.motion import FileMotion
from domain.poll import ItemKind, poll_id
from domain.session import AgendaItem
from interfaces.cli import app as cli_app
from services.motions import MotionService
from services.sessions import SessionService
from services.wage_contracts import WageContractService
from settings import Settings
from tests.accounts_support import cli_login
from tests.conftest import EXAMPLE_DIRECTORY
from tests.wage_contract.helpers import offer

KEY = "dl-bearing-6"
SESSION = f"{KEY}:2026-1"
POLL = f"{SESSION}:item1"
MOTION = "M-2026-01"
CASE = "WC-2026-001"
TWIN = "dl-bearing-7"  # both a congress term and a wage case
CHAIR = "wang.li"


@dataclass
class Filled:
    data_dir: Path
    address: str
    call: str
    convened_at: datetime  # after the session was convened, before it opened
    voters: list[str]


@pytest_asyncio.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_skipping(Settings())
    yield env
    await env.shutdown()


@pytest_asyncio.fixture(scope="module")
async def filled(
    env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Filled]:
    data_dir = tmp_path_factory.mktemp("records") / "var"
    app = build_app(Settings(data_dir=data_dir, activity_timeout_seconds=10))
    app.directory.load(app.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    queue = "status-history"
    sessions = SessionService(env.client, app.congresses, app.polls, app.settings, queue)
    motions = MotionService(
        env.client, app.congresses, app.settings, queue, clock=env.get_current_time
    )
    cases = WageContractService(env.client, app.ledger, app.directory, app.settings, queue)
    try:
        async with build_worker(env.client, app, queue):
            today = (await env.get_current_time()).astimezone(CHINA_TZ).date()
            end = today.replace(year=today.year + 5) - timedelta(days=1)
            app.congresses.create(CHAIR, KEY, "dl-bearing", 6, today, end)
            app.congresses.import_roster(CHAIR, KEY, ROSTER)
            agenda = [
                AgendaItem(no=1, title="审议专项集体合同草案", kind=ItemKind.APPROVAL),
                AgendaItem(no=2, title="审议福利基金方案", kind=ItemKind.APPROVAL),
            ]
            opens = today + timedelta(days=7)
            await sessions.convene(
                CHAIR, KEY, "2026-1", agenda, papers_sent_on=today, opens_on=opens
            )
            call = await motions.open_call(CHAIR, KEY, opens)
            motion = FileMotion(title="改善降温条件", reasons="室温过高", proposal="增设冷风机")
            await motions.file("liu.qiang", KEY, motion, motion_id=MOTION)
            for seconder in ("dlb-d01", "dlb-d02"):
                await motions.second(MOTION, seconder)
            await cases.open(CHAIR, offer(CASE))
            nxt = end + timedelta(days=1)
            app.congresses.create(CHAIR, TWIN, "dl-bearing", 7, nxt, nxt.replace(year=nxt.year + 4))
            await cases.open(CHAIR, offer(TWIN))
            convened_at = await env.get_current_time()

            await env.sleep(timedelta(days=7))
            await sessions.open_session(SESSION, CHAIR)
            voters = roster_ids()[:27]
            for delegate in voters:
                await sessions.check_in(SESSION, delegate)
            await sessions.open_poll(SESSION, CHAIR, 1)
            for delegate in voters:
                await sessions.cast(SESSION, 1, delegate, ["yes"])
            for _ in range(400):  # the last ballot closes the poll; the workflow tallies it
                if app.polls.poll(POLL).result is not None:
                    break
                await asyncio.sleep(0.05)
            await sessions.open_poll(SESSION, CHAIR, 2, minutes=60)
            yield Filled(
                data_dir,
                env.client.service_client.config.target_host,
                call.call_key,
                convened_at,
                voters,
            )
    finally:
        app.close()


async def cli(filled: Filled, *args: str) -> Result:
    runner = CliRunner(
        env={
            "UNIONFLOW_DATA_DIR": str(filled.data_dir),
            "UNIONFLOW_TEMPORAL_ADDRESS": filled.address,
        }
    )
    return await asyncio.to_thread(runner.invoke, cli_app, list(args))


def refusal(result: Result) -> str:
    """The refusal on stderr, its lines (wrapped at 80 columns) joined again."""
    assert result.exit_code == 2, result.output
    return " ".join(result.stderr.split())


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


# -- status --------------------------------------------------------------------------------


async def test_status_of_a_wage_case_shows_its_table_and_the_workflows_waiting_line(filled):
    out = ok(await cli(filled, "status", CASE))
    assert out.splitlines()[0].startswith(f"案件 {CASE} · dl-bearing · 阶段: ")
    assert "大连轴承制造有限公司" in out and "回应期限" in out
    assert re.search(r"等待\s*│ \w+ → \d{4}-\d\d-\d\d \d\d:\d\d", out), out


async def test_status_of_a_congress_term(filled):
    out = ok(await cli(filled, "--lang", "en", "status", KEY))
    assert f"Congress {KEY} · dl-bearing · term 6" in out
    assert "Delegates 30" in out


async def test_status_of_a_session_lists_its_items_and_what_its_workflow_waits_for(filled):
    out = ok(await cli(filled, "--lang", "en", "status", SESSION))
    assert f"Session {SESSION} · dl-bearing · Stage: in session" in out
    assert re.search(r"│ 1\s+│ 审议专项集体合同草案\s+│ counted\s+│ passed \(yes 27, no 0", out), (
        out
    )
    assert re.search(r"│ 2\s+│ 审议福利基金方案\s+│ voting ", out), out
    assert re.search(rf"Waiting for: {SESSION}:item2 voting → \d{{4}}-\d\d-\d\d \d\d:\d\d", out), (
        out
    )
    assert f"Waiting for: {SESSION}:item1" not in out  # tallied: nothing to wait for


async def test_status_of_a_poll(filled):
    out = ok(await cli(filled, "--lang", "en", "status", POLL))
    assert f"{POLL} · 审议专项集体合同草案 · secret · counted · 27 of 30 delegates present" in out
    assert "Result: passed (yes 27, no 0, abstain 0; more than half of all 30 delegates)" in out


async def test_status_of_a_motion_shows_its_details_and_what_its_workflow_waits_for(filled):
    out = ok(await cli(filled, "--lang", "en", "status", MOTION))
    assert f"Motion {MOTION} · 改善降温条件 · Stage: " in out
    assert "张秀英 (dlb-d01), 李建国 (dlb-d02)" in out and "刘强 (liu.qiang)" in out
    # the committee decides next
    assert "Waiting for: someone to act (awaiting the committee's decision)" in out


async def test_status_of_the_call_for_motions(filled):
    out = ok(await cli(filled, "--lang", "en", "status", filled.call))
    assert f"Call for motions {filled.call} · " in out


# -- history -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "kind", "title", "first_events"),
    [
        (CASE, "case", f"案件 {CASE}", ["Created"]),
        (KEY, "congress", f"职代会届次 {KEY}", ["Created", "RosterImported"]),
        (SESSION, "session", f"职代会会议 {SESSION}", ["Created", "Opened", "ItemDecided"]),
        (POLL, "poll", f"表决 {POLL}", ["Created", "Closed", "BallotsCollected", "Tallied"]),
        (MOTION, "motion", f"提案 {MOTION}", ["Created", "Seconded", "Seconded"]),
        ("<call>", "call", "提案征集 <call>", ["Created"]),
    ],
)
async def test_history_of_every_kind_of_record(filled, key, kind, title, first_events):
    key = key.replace("<call>", filled.call)
    table = ok(await cli(filled, "history", key))
    assert title.replace("<call>", filled.call) in table
    for col in ("版本", "时间", "事件", "操作人", "角色", "组织", "说明", "哈希"):
        assert col in table
    payload = json.loads(ok(await cli(filled, "history", key, "--json")))
    assert (payload["case"], payload["kind"], payload["at"], payload["state"]) == (
        key,
        kind,
        None,
        None,
    )
    events = payload["events"]
    assert [e["event"] for e in events[: len(first_events)]] == first_events
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    assert all(len(e["hash"]) == 64 and e["hash"][:12] in table for e in events)


async def test_history_at_shows_the_record_as_it_was_then(filled):
    at = filled.convened_at.astimezone(CHINA_TZ).isoformat()
    payload = json.loads(ok(await cli(filled, "history", SESSION, "--at", at, "--json")))
    assert [e["event"] for e in payload["events"]] == ["Created"]
    assert payload["state"]["status"] == "convened" and payload["kind"] == "session"
    now = json.loads(ok(await cli(filled, "history", SESSION, "--json")))
    assert len(now["events"]) > 1
    out = ok(await cli(filled, "--lang", "en", "history", SESSION, "--at", at))
    assert f"Congress session {SESSION} @ " in out
    assert f"Session {SESSION} · dl-bearing · Stage: convened, papers sent" in out
    case = json.loads(ok(await cli(filled, "history", CASE, "--at", at, "--json")))
    assert case["state"]["case_id"] == CASE and case["kind"] == "case"


async def test_a_secret_polls_history_names_no_voter(filled):
    out = ok(await cli(filled, "history", POLL))
    payload = json.loads(ok(await cli(filled, "history", POLL, "--json")))
    text = out + json.dumps(payload, ensure_ascii=False)
    assert not [v for v in filled.voters if v in text]
    assert {e["aggregate_id"] for e in payload["events"]} == {str(poll_id(POLL))}


# -- refusals ------------------------------------------------------------------------------


async def test_a_key_of_two_kinds_is_refused_until_kind_names_one(filled):
    for command in ("status", "history"):
        refused = refusal(await cli(filled, "--lang", "en", command, TWIN))
        assert f"{TWIN} names several records" in refused
        assert "case (--kind case), congress term (--kind congress);" in refused
    term = ok(await cli(filled, "--lang", "en", "status", TWIN, "--kind", "congress"))
    assert f"Congress {TWIN} · dl-bearing · term 7" in term
    case = json.loads(ok(await cli(filled, "history", TWIN, "--kind", "case", "--json")))
    assert case["kind"] == "case" and case["events"][0]["event"] == "Created"


async def test_a_key_of_no_record_is_refused_with_exit_2(filled):
    for command in ("status", "history"):
        missing = refusal(await cli(filled, "--lang", "en", command, "NO-SUCH-KEY"))
        assert "no record NO-SUCH-KEY" in missing
        assert "记录 NO-SUCH-KEY 不存在" in refusal(await cli(filled, command, "NO-SUCH-KEY"))
    wrong_kind = refusal(await cli(filled, "--lang", "en", "status", KEY, "--kind", "motion"))
    assert f"no motion {KEY}" in wrong_kind
    assert f"案件 {KEY} 不存在" in refusal(await cli(filled, "history", KEY, "--kind", "case"))
    bad_kind = refusal(await cli(filled, "--lang", "en", "history", KEY, "--kind", "ballot"))
    assert "unknown record kind: ballot" in bad_kind


async def test_resolve_tries_each_kind_and_accepts_kind_labels(filled):
    app = build_app(Settings(data_dir=filled.data_dir))
    try:
        assert resolve(app.ledger, SESSION).kind.name == "session"
        assert resolve(app.ledger, TWIN, "职代会届次").kind.name == "congress"
        assert resolve(app.ledger, TWIN, "Case").view().case_id == TWIN
        with pytest.raises(InvalidInput):
            resolve(app.ledger, TWIN)
        with pytest.raises(NotFound):
            resolve(app.ledger, f"{SESSION}:item9")
    finally:
        app.close()


# -- the language of it all (issue 7, point 17) -----------------------------------------------


async def test_status_history_and_tasks_of_running_processes_read_in_one_language(
    filled, monkeypatch
):
    from interfaces.cli._common import console
    from tests.language import data_strings, stray_chinese, untranslated

    monkeypatch.setattr(console, "width", 1000)
    keys = [CASE, KEY, SESSION, POLL, f"{SESSION}:item2", MOTION, filled.call]
    app = build_app(Settings(data_dir=filled.data_dir))
    try:
        ids = {a.spec.id for a in app.directory.actors()}
        ids |= {o.spec.code for o in app.directory.organisations()} | {*keys, TWIN, "national"}
        data = {a.spec.name for a in app.directory.actors()}
        data |= {o.spec.name for o in app.directory.organisations()}
        cli_login(app, "wang.li", "dlb-d01", "chen.jing")  # their inboxes are read as them
    finally:
        app.close()
    for key in keys:
        payload = json.loads(ok(await cli(filled, "history", key, "--json")))
        for event in payload["events"]:
            data |= data_strings(event["facts"], frozenset({"summary", "label_zh", "detail"}))
            data.add(event["comment"])
    commands = [("status", k) for k in keys] + [("history", k) for k in keys]
    commands += [("tasks", "--as", who) for who in ("wang.li", "dlb-d01", "chen.jing")]
    zh, en = {}, {}
    for command in commands:
        zh[command] = untranslated(ok(await cli(filled, *command)), ids)
        en[command] = stray_chinese(ok(await cli(filled, "--lang", "en", *command)), data)
    assert not {c: f for c, f in zh.items() if f}, zh
    assert not {c: f for c, f in en.items() if f}, en
    waiting = ok(await cli(filled, "status", SESSION))
    assert re.search(rf"等待: {SESSION}:item2 表决中 → ", waiting), waiting
    inbox = ok(await cli(filled, "tasks", "--as", "dlb-d01"))
    assert "无记名投票" in inbox and "审议福利基金方案" in inbox
