"""A contest round on the time-skipping server: the round's workflow closes registration,
reminds the units that have not self-assessed (and only them), starts judging and ranks the
round at its dates; the organiser's steps are validated updates (a refused one writes
nothing); sheets committed first put the round in its reveal phase once all are in; and a
long round continues as new keeping what it has done."""

from __future__ import annotations

import asyncio
import os
import secrets
from datetime import date, timedelta
from pathlib import Path

import pytest

from application import contest_notice
from application.contests import OpenContestRound, Registration
from bootstrap import App
from contracts.contest import ContestBrief
from domain.actors import CHINA_TZ
from domain.award.commands import FileObjection, ResolveObjection
from domain.contest.scoring import sheet_commitment
from domain.contest.values import RANKED_OR_LATER, EntryStatus, Phase
from domain.errors import InvalidState, NotAuthorised
from processes import CONTEST
from services.contests import ContestFacade
from tests.contest.support import directory_with_judges, full, shipped
from tests.replay.recorded import PROCESS_HISTORIES
from workflows.contest_round import ContestRoundWorkflow, contest_round_workflow_id

ANKANG = shipped("ankang-cup")
SIX = shipped("six-good-union")
POOL = ["judge.city1", "judge.city2", "judge.textile", "judge.agri", "judge.gjz", "judge.seed",
        "judge.bearing"]  # fmt: skip
UNITS = {"dl-bearing": "wang.li", "dl-garment": "zhao.min", "dl-seed": "he.jun"}


async def today(env) -> date:
    return (await env.get_current_time()).astimezone(CHINA_TZ).date()


def facade(env, app: App, task_queue: str, days_per_run: int | None = None) -> ContestFacade:
    return ContestFacade(env.client, app.contests, app.directory, app.settings, task_queue,
                         clock=env.get_current_time, days_per_run=days_per_run)  # fmt: skip


@pytest.fixture
def judged_app(app: App, tmp_path: Path) -> App:
    """The example directory with seven judges."""
    app.directory.load(app.directory.parse(directory_with_judges(tmp_path)), operator="ops.admin")
    return app


async def status(env, key: str):
    handle = env.client.get_workflow_handle(contest_round_workflow_id(key))
    return await handle.query(ContestRoundWorkflow.status)


async def sleep_until(env, day: date) -> None:
    """Until the engine's steps of ``day`` have run (00:05 China time, and a little)."""
    days = (day - await today(env)).days
    await env.sleep(timedelta(days=days, hours=1))


async def step_becomes(env, key: str, step: str, *, seconds: float = 20.0) -> str:
    """The round's step once it reads ``step``, or what it still reads after ``seconds`` of
    wall time: the day's check runs as an activity, which a loaded machine may not have
    finished when the skipped time has already passed."""
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds
    current = (await status(env, key)).step
    while current != step and loop.time() < until:
        await asyncio.sleep(0.1)
        current = (await status(env, key)).step
    return current


def inbox(app: App, contests: ContestFacade, actor: str) -> list[tuple[str, str]]:
    return [(i.key, i.todo[1]) for i in CONTEST.inbox(app, contests, actor)]


async def test_the_round_runs_its_phases_at_its_dates(
    time_skipping_env, judged_app: App, task_queue, running_worker
):
    env, app = time_skipping_env, judged_app
    contests = facade(env, app, task_queue)
    start = await today(env)
    c = OpenContestRound(round_key="ankang-wf", title="“安康杯”竞赛（测试）", definition="ankang-cup",
                         stage="review", year=start.year, registration_closes=start + timedelta(days=3),
                         self_assessment_closes=start + timedelta(days=20),
                         ranks_on=start + timedelta(days=30))  # fmt: skip
    key = (await contests.open_round("sun.lihua", c, command_id="open-1")).key
    assert (await contests.open_round("sun.lihua", c, command_id="open-1")).key == key  # a retry
    for unit, cadre in UNITS.items():
        await contests.register(cadre, key, Registration(entrant=unit, category="enterprise"))
    await contests.self_assess("wang.li", f"{key}:dl-bearing", full(ANKANG, 0.92))
    assert ("ankang-wf", "close registration") in inbox(app, contests, "sun.lihua")
    assert inbox(app, contests, "he.jun") == [(f"{key}:dl-seed", "self-assess the unit")]
    # Registration closes the day after its deadline, by the workflow.
    await sleep_until(env, start + timedelta(days=4))
    assert contests.round(key).phase is Phase.SELF_ASSESSMENT
    assert (await status(env, key)).reminder_rounds == 0
    # A week into the activity period the laggards are reminded, and only they.
    await sleep_until(env, start + timedelta(days=11))
    reminded = {u: app.contests.entry(f"{key}:{u}").reminded for u in UNITS}
    assert reminded == {"dl-bearing": [], "dl-garment": [start + timedelta(days=11)],
                        "dl-seed": [start + timedelta(days=11)]}  # fmt: skip
    await contests.self_assess("he.jun", f"{key}:dl-seed", full(ANKANG, 0.9))
    await sleep_until(env, start + timedelta(days=18))
    reminded = {u: len(app.contests.entry(f"{key}:{u}").reminded) for u in UNITS}
    assert reminded == {"dl-bearing": 0, "dl-garment": 2, "dl-seed": 1}
    st = await status(env, key)
    assert (st.reminder_rounds, st.reminded, st.step) == (2, 3, "self_assessment")
    # Judging starts the day after the self-assessment deadline; the laggard stays out.
    await sleep_until(env, start + timedelta(days=21))
    assert contests.round(key).phase is Phase.JUDGING
    assert app.contests.entry(f"{key}:dl-garment").status is EntryStatus.REGISTERED
    assert inbox(app, contests, "sun.lihua") == [("ankang-wf", "assign judges")]
    app.contests.assign_pool("sun.lihua", key, POOL, now=await env.get_current_time())
    assert inbox(app, contests, "sun.lihua") == [("ankang-wf", "rank the round")]
    todo = inbox(app, contests, "judge.city1")
    assert sorted(todo) == [(f"{key}:dl-bearing", "score the entry"),
                            (f"{key}:dl-seed", "score the entry")]  # fmt: skip
    for n, entry in enumerate((f"{key}:dl-bearing", f"{key}:dl-seed")):
        for judge in app.contests.entry(entry).judges:
            await contests.score(judge, entry, full(ANKANG, 0.96 + n / 100))
    assert inbox(app, contests, "judge.city1") == []
    # The engine ranks the round on its ranking day and posts the notice at once.
    ranks_on = start + timedelta(days=30)
    await sleep_until(env, ranks_on)
    assert await step_becomes(env, key, "notice") == "notice"
    r = contests.round(key)
    assert r.ranking is not None and r.notice is not None and r.notice.starts == ranks_on
    assert [row.entrant for row in r.ranking.rows if row.rank][:2] == ["dl-seed", "dl-bearing"]
    assert app.contests.recompute(key).matches
    objection = FileObjection(substance="自评材料与实际不符", name="李群", contact="13900000000")
    await contests.file_objection("liu.qiang", key, f"{key}:dl-seed", objection)
    # The day after its last the notice would close, but an objection is open.
    await sleep_until(env, r.notice.ends + timedelta(days=1))
    st = await status(env, key)
    assert contests.round(key).phase is Phase.NOTICE and "第 1 号" in st.close_refused, st
    assert app.awards.facts.honours("dl-seed") == []
    await contests.resolve(
        "sun.lihua", key, ResolveObjection(no=1, upheld=False, findings="不属实")
    )
    # The next day it closes, the titles are granted and the workflow ends.
    await sleep_until(env, r.notice.ends + timedelta(days=2))
    handle = env.client.get_workflow_handle(
        contest_round_workflow_id(key), result_type=ContestBrief
    )
    done = await handle.result()
    assert done.phase == "closed" and contests.round(key).phase is Phase.CLOSED
    st = await status(env, key)
    assert st.titles is not None and (st.titles.granted, st.titles.already) == (2, 0)
    assert st.close_refused == ""
    for unit in ("dl-bearing", "dl-seed"):
        held = app.awards.facts.honours(unit)
        assert [(h.title, h.round_key) for h in held] == [("ankang-cup-winner", key)]
    history = await handle.fetch_history()
    assert len(history.events) < 20 * 45  # the days, not the entries or sheets
    if os.environ.get("UNIONFLOW_RECORD_HISTORIES") == "1":  # the replay guard's history
        # contest-round-ankang-wf.json is the history from before the notice was the
        # workflow's (it ended ranked): kept as recorded, it replays on the old branch.
        PROCESS_HISTORIES.mkdir(exist_ok=True)
        name = "contest-round-ankang-wf-notice.json"
        (PROCESS_HISTORIES / name).write_text(history.to_json(), "utf-8")


async def test_a_refused_update_writes_nothing_and_a_step_applies_once(
    time_skipping_env, judged_app: App, task_queue, running_worker
):
    env, app = time_skipping_env, judged_app
    contests = facade(env, app, task_queue)
    start = await today(env)
    c = OpenContestRound(round_key="ankang-up", title="安康杯（更新）", definition="ankang-cup",
                         stage="review", year=start.year,
                         registration_closes=start + timedelta(days=30))  # fmt: skip
    key = (await contests.open_round("sun.lihua", c)).key
    await contests.register(
        "wang.li", key, Registration(entrant="dl-bearing", category="enterprise")
    )
    await env.sleep(timedelta(hours=2))
    before = app.ledger.max_notification_id()
    with pytest.raises(NotAuthorised):  # a unit's cadre is not the organiser
        await contests.close_registration("wang.li", key)
    with pytest.raises(InvalidState, match="registration"):  # not in this phase
        await contests.start_judging("sun.lihua", key)
    with pytest.raises(InvalidState):
        await contests.rank("sun.lihua", key)
    assert app.ledger.max_notification_id() == before
    # The organiser closes registration early; the same command id applies once.
    closed = await contests.close_registration("sun.lihua", key, command_id="close-1")
    assert closed.phase is Phase.SELF_ASSESSMENT
    after = app.ledger.max_notification_id()
    again = await contests.close_registration("sun.lihua", key, command_id="close-1")
    assert again.phase is Phase.SELF_ASSESSMENT and app.ledger.max_notification_id() == after
    await contests.self_assess("wang.li", f"{key}:dl-bearing", full(ANKANG, 0.92))
    judging = await contests.start_judging("sun.lihua", key, command_id="judge-1")
    assert judging.phase is Phase.JUDGING
    assert (await status(env, key)).brief.phase == "judging"


async def test_commit_reveal_and_continue_as_new_keep_the_round(
    time_skipping_env, judged_app: App, task_queue, running_worker
):
    env, app = time_skipping_env, judged_app
    contests = facade(env, app, task_queue, days_per_run=5)
    start = await today(env)
    c = OpenContestRound(round_key="six-wf", title="“六好”考核（测试）", definition="six-good-union",
                         stage="assessment", year=start.year,
                         registration_closes=start + timedelta(days=2),
                         self_assessment_closes=start + timedelta(days=25))  # fmt: skip
    key = (await contests.open_round("sun.lihua", c)).key
    entry = f"{key}:dl-bearing"
    await contests.register("wang.li", key, Registration(entrant="dl-bearing"))
    await sleep_until(env, start + timedelta(days=18))
    st = await status(env, key)  # phase entered on day 3: reminders on days 10 and 17
    assert st.runs >= 3 and (st.reminder_rounds, st.reminded) == (2, 2), st
    assert app.contests.entry(entry).reminded == [start + timedelta(days=10),
                                                 start + timedelta(days=17)]  # fmt: skip
    await contests.self_assess("wang.li", entry, full(SIX, 0.9))
    await sleep_until(env, start + timedelta(days=26))
    assert contests.round(key).phase is Phase.JUDGING
    three = ["judge.city1", "judge.textile", "judge.agri"]
    app.contests.assign_judges("sun.lihua", entry, three, now=await env.get_current_time())
    sheets = {j: full(SIX, s) for j, s in zip(three, (0.9, 0.85, 0.95), strict=True)}
    nonces = {j: secrets.token_hex(8) for j in three}
    for j in three[:2]:
        app.contests.commit(j, entry, sheet_commitment(sheets[j], nonces[j]))
    await sleep_until(env, start + timedelta(days=27))
    assert (await status(env, key)).step == "judging:commit"
    assert inbox(app, contests, "judge.agri") == [(entry, "commit the sheet's hash")]
    app.contests.commit(
        "judge.agri", entry, sheet_commitment(sheets["judge.agri"], nonces["judge.agri"])
    )
    assert inbox(app, contests, "judge.agri") == [(entry, "reveal the sheet")]
    await sleep_until(env, start + timedelta(days=28))
    assert await step_becomes(env, key, "judging:reveal") == "judging:reveal"
    for j in three:
        app.contests.reveal(j, entry, sheets[j], nonces[j])
    ranked = await contests.rank("sun.lihua", key, command_id="rank-1")
    assert ranked.phase in RANKED_OR_LATER and ranked.ranking is not None
    wid = contest_round_workflow_id(key)
    # After the ranking the workflow runs the notice (posted at once) to its close,
    # continuing as new on the way.
    assert await step_becomes(env, key, "notice") == "notice"
    notice = contests.round(key).notice
    assert notice is not None and notice.starts == await today(env)
    await sleep_until(env, notice.ends + timedelta(days=2))
    done = await env.client.get_workflow_handle(wid, result_type=ContestBrief).result()
    assert done.phase == "closed"


async def test_a_worker_dying_between_title_grants_grants_each_title_once(
    time_skipping_env, judged_app: App, task_queue, running_worker, monkeypatch
):
    env, app = time_skipping_env, judged_app
    contests = facade(env, app, task_queue)
    start = await today(env)
    c = OpenContestRound(round_key="ankang-titles", title="安康杯（称号）", definition="ankang-cup",
                         stage="review", year=start.year,
                         registration_closes=start + timedelta(days=30))  # fmt: skip
    key = (await contests.open_round("sun.lihua", c)).key
    for unit, cadre in (("dl-bearing", "wang.li"), ("dl-seed", "he.jun")):
        await contests.register(cadre, key, Registration(entrant=unit, category="enterprise"))
        await contests.self_assess(cadre, f"{key}:{unit}", full(ANKANG, 0.92))
    assert await step_becomes(env, key, "registration") == "registration"  # round read
    await contests.close_registration("sun.lihua", key)
    await contests.start_judging("sun.lihua", key)
    app.contests.assign_pool("sun.lihua", key, POOL, now=await env.get_current_time())
    for n, unit in enumerate(("dl-bearing", "dl-seed")):
        for judge in app.contests.entry(f"{key}:{unit}").judges:
            await contests.score(judge, f"{key}:{unit}", full(ANKANG, 0.96 + n / 100))
    real = contest_notice.record_honour
    attempts: list[str] = []

    def dies_once_after_one(ledger, holder, grant, meta):
        attempts.append(holder)
        if len(attempts) == 2:  # the activity dies between the first and second grant
            raise RuntimeError("the worker died")
        real(ledger, holder, grant, meta)

    monkeypatch.setattr(contest_notice, "record_honour", dies_once_after_one)
    await contests.rank("sun.lihua", key, command_id="rank-1")
    assert await step_becomes(env, key, "notice") == "notice"
    notice = contests.round(key).notice
    assert notice is not None
    await sleep_until(env, notice.ends + timedelta(days=2))
    handle = env.client.get_workflow_handle(
        contest_round_workflow_id(key), result_type=ContestBrief
    )
    assert (await handle.result()).phase == "closed"
    st = await status(env, key)
    # The retried activity found the first title granted and granted only the second.
    assert st.titles is not None and (st.titles.granted, st.titles.already) == (1, 1)
    assert len(attempts) == 3
    for unit in ("dl-bearing", "dl-seed"):
        held = app.awards.facts.honours(unit)
        assert [(h.title, h.round_key) for h in held] == [("ankang-cup-winner", key)]


async def test_steps_taken_straight_in_the_ledger_are_followed_by_the_workflow(
    time_skipping_env, judged_app: App, task_queue, running_worker
):
    env, app = time_skipping_env, judged_app
    contests = facade(env, app, task_queue)
    start = await today(env)
    c = OpenContestRound(round_key="ankang-ledger", title="安康杯（账本）", definition="ankang-cup",
                         stage="review", year=start.year, registration_closes=start + timedelta(days=5),
                         self_assessment_closes=start + timedelta(days=20))  # fmt: skip
    key = (await contests.open_round("sun.lihua", c)).key
    await contests.register(
        "wang.li", key, Registration(entrant="dl-bearing", category="enterprise")
    )
    assert await step_becomes(env, key, "registration") == "registration"
    # The organiser closes registration early in the ledger (the pages, the CLI without
    # --workflow); on the registration date the workflow does not try it again.
    app.contests.close_registration("sun.lihua", key, now=await env.get_current_time())
    await sleep_until(env, start + timedelta(days=7))
    assert await step_becomes(env, key, "self_assessment") == "self_assessment"
    await contests.self_assess("wang.li", f"{key}:dl-bearing", full(ANKANG, 0.92))
    await sleep_until(env, start + timedelta(days=21))
    assert await step_becomes(env, key, "judging") == "judging"
    assert contests.round(key).phase is Phase.JUDGING
    handle = env.client.get_workflow_handle(contest_round_workflow_id(key))
    assert (await handle.describe()).status.name == "RUNNING"
