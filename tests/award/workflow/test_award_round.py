"""A selection round on the time-skipping server: the round's workflow closes nominations
at the deadline, its daily sweep closes each notice on the statutory calendar and asks
for the clearances, a federation cadre's steps are validated updates, and the round's
history does not grow with the number of nominees."""

from __future__ import annotations

import asyncio
import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from bootstrap import App
from domain.actors import CHINA_TZ
from domain.award import NominationStage, Nominee, RoundStage
from domain.award.commands import (
    GiveClearance,
    OpenRound,
    PostUnitNotice,
    RecordCongressApproval,
    RecordJointAgreement,
    ReviewNomination,
    Submit,
)
from domain.award.permissions import ApprovalPoll
from domain.congress import Body
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.poll import ItemKind
from domain.session import AgendaItem
from services.awards import AwardFacade
from services.sessions import SessionService
from tests.replay.recorded import PROCESS_HISTORIES
from workflows.award_round import AwardRoundWorkflow, award_round_workflow_id

DEPARTMENTS = {"emergency": "emergency.dept", "market": "market.dept"}
POLL = ApprovalPoll(poll="dl-bearing-6:2027-1:item2", exists=True, unit_org="dl-bearing",
                    tallied=True, passed=True, summary="赞成 25（应到 29）")  # fmt: skip


async def today(env) -> date:
    return (await env.get_current_time()).astimezone(CHINA_TZ).date()


@pytest.fixture
async def awards(time_skipping_env, app: App, task_queue, running_worker, tmp_path) -> AwardFacade:
    # The unit congress's approving poll is read as a fact (its own process is tested
    # in tests/congress); here it is given.
    app.awards.facts.approval_poll = lambda _key: POLL  # type: ignore[method-assign]
    env = time_skipping_env
    return AwardFacade(
        env.client, app.awards, app.directory, app.settings, task_queue, clock=env.get_current_time
    )


def team(n: int) -> Nominee:
    return Nominee(person=f"T{n:03d}", name=f"装配{n}班", unit_org="dl-bearing",
                   sub_union="dl-ganjingzi", post="班组", category="team", deeds="零事故")  # fmt: skip


async def status(env, key: str):
    return await env.client.get_workflow_handle(award_round_workflow_id(key)).query(
        AwardRoundWorkflow.status
    )


async def test_the_round_drives_its_dates_and_the_federation_steps(time_skipping_env, awards):
    await round_at_committee(time_skipping_env, awards)


async def round_at_committee(env, awards: AwardFacade) -> tuple[str, list[str]]:
    """A round driven from its opening to the committee's vote, checking each step."""
    start = await today(env)
    close = start + timedelta(days=20)
    c = OpenRound(round_key="pioneer-wf", title="工人先锋号评选（测试）", definition="workers-pioneer",
                  nominations_close=close, departments=DEPARTMENTS)  # fmt: skip
    r = await awards.open_round("sun.lihua", c, command_id="open-1")
    assert (await awards.open_round("sun.lihua", c, command_id="open-1")).key == r.key  # a retry
    keys = []
    for n in (1, 2):
        key = (await awards.nominate("wang.li", r.key, team(n))).key
        await awards.act("wang.li", key, RecordJointAgreement(record="联席会议纪要"))
        await awards.act("wang.li", key, RecordCongressApproval(poll=POLL.poll))
        await awards.act("wang.li", key, PostUnitNotice(starts=start))
        keys.append(key)
    # The sweep closes each unit notice on the first day after its last working day.
    ends = awards.nomination(keys[0]).notices[0].ends
    await env.sleep(timedelta(days=(ends - start).days + 2))
    assert all(awards.nomination(k).notice_of_unit_closed() for k in keys)
    for key in keys:
        await awards.act("wang.li", key, Submit())
        await awards.act(
            "chen.jing", key, ReviewNomination(kind="first_review", passed=True, opinion="同意")
        )
    sub_ends = awards.nomination(keys[0]).notices[1].ends
    await env.sleep(timedelta(days=(sub_ends - await today(env)).days + 2))
    view = awards.nomination(keys[0])
    assert view.stage is NominationStage.CLEARANCES and len(view.clearances) == 2
    tasks = awards.tasks("market.dept")
    assert {t.kind for t in tasks} == {"clearance"} and len(tasks) == 2
    for key in keys:
        for k, dept in DEPARTMENTS.items():
            await awards.act(dept, key, GiveClearance(key=k, clear=True))
        await awards.act(
            "li.wei", key, ReviewNomination(kind="second_review", passed=True, opinion="同意")
        )
    # Nominations close at the deadline, by the workflow.
    await env.sleep(timedelta(days=(close - await today(env)).days + 2))
    assert awards.round(r.key).stage is RoundStage.REVIEWING
    assert [t.kind for t in awards.tasks("sun.lihua")] == ["start_notice"]
    with pytest.raises(NotAuthorised):  # a cadre of a unit is not the federation
        await awards.start_notice("wang.li", r.key, await today(env))
    noticed = await awards.start_notice("sun.lihua", r.key, await today(env), command_id="n-1")
    assert noticed.stage is RoundStage.FEDERATION_NOTICE and noticed.notice is not None
    assert all(awards.nomination(k).stage is NominationStage.FEDERATION_NOTICE for k in keys)
    with pytest.raises(InvalidState):  # publish is not a step of the notice
        await awards.publish("sun.lihua", r.key, "厂务公开栏", "大总工发[2027]1号")
    await env.sleep(timedelta(days=(noticed.notice.ends - await today(env)).days + 2))
    assert awards.round(r.key).stage is RoundStage.COMMITTEE
    with pytest.raises(InvalidInput, match="尚未计票"):
        await awards.record_committee("sun.lihua", r.key, "no-such:poll:item1")
    # One sweep a day; the history grows with the days, not with the nominees (about 18
    # events a day here), and continue-as-new bounds it at 60 days a run.
    st = await status(env, r.key)
    days = (await today(env) - start).days
    assert st.sweeps >= days - 1 and st.history_length < 30 * days, st  # (+1 a cadre's step)
    return r.key, keys


COMMITTEE = "dl-city-committee-1"


async def committee_elects(
    env, app: App, task_queue: str, candidates: list[str], elect: str
) -> str:
    """The federation's award committee (a committee term of dl-city, 5 members) meets and
    elects ``elect`` of ``candidates`` by secret ballot; the tallied poll's key."""
    day = await today(env)
    app.congresses.create("sun.lihua", COMMITTEE, "dl-city", 1, day, day + timedelta(days=3 * 365),
                          body=Body.COMMITTEE)  # fmt: skip
    roster = Path(app.settings.data_dir) / "committee.csv"
    members = [f"cm.{i}" for i in range(1, 6)]
    roster.write_text("编号,姓名,选区,类别,性别\n" + "".join(
        f"{m},委员{i},评审委员会,专业技术人员,{'女' if i % 2 else '男'}\n" for i, m in enumerate(members, 1)
    ), encoding="utf-8")  # fmt: skip
    app.congresses.import_roster("sun.lihua", COMMITTEE, roster)
    sessions = SessionService(env.client, app.congresses, app.polls, app.settings, task_queue,
                              clock=env.get_current_time)  # fmt: skip
    item = AgendaItem(no=1, title="评审表决", kind=ItemKind.ELECTION, candidates=candidates,
                      max_choices=len(candidates))  # fmt: skip
    sid = (await sessions.convene("sun.lihua", COMMITTEE, "2027-1", [item],
                                  papers_sent_on=day - timedelta(days=7), opens_on=day)).session_id  # fmt: skip
    await sessions.open_session(sid, "sun.lihua")
    for m in members:
        await sessions.check_in(sid, m)
    await sessions.open_poll(sid, "sun.lihua", 1)
    for m in members:
        await sessions.cast(sid, 1, m, [elect])
    poll_key = app.polls.poll_key(sid, 1)
    for _ in range(300):
        if app.polls.poll(poll_key).result is not None:
            return poll_key
        await asyncio.sleep(0.1)
    raise AssertionError("the committee's poll was not tallied")


async def test_the_committee_elects_and_the_list_is_approved_granted_and_published(
    time_skipping_env, awards, app, task_queue
):
    env = time_skipping_env
    rk, keys = await round_at_committee(env, awards)
    with pytest.raises(
        InvalidInput, match="评审委员会"
    ):  # a unit congress's poll is not the committee's
        await awards.record_committee("sun.lihua", rk, POLL.poll)
    poll_key = await committee_elects(env, app, task_queue, keys, elect=keys[1])
    with pytest.raises(NotAuthorised):
        await awards.record_committee("wang.li", rk, poll_key)
    r = await awards.record_committee("sun.lihua", rk, poll_key, command_id="committee-1")
    assert r.stage is RoundStage.APPROVED and r.final_list == [keys[1]]
    assert awards.nomination(keys[0]).stage is NominationStage.REMOVED  # not elected
    assert "得票 0" in awards.nomination(keys[0]).removed_reason
    held = app.awards.facts.honours(awards.nomination(keys[1]).nominee.person)
    assert [(h.title, h.round_key) for h in held] == [("workers-pioneer", rk)]
    published = await awards.publish("sun.lihua", rk, "大连日报", "大总工发[2027]12号")
    assert published.stage is RoundStage.PUBLISHED
    if os.environ.get("UNIONFLOW_RECORD_HISTORIES") == "1":  # the replay guard's history
        handle = env.client.get_workflow_handle(award_round_workflow_id(rk))
        await handle.result()
        history = await handle.fetch_history()
        PROCESS_HISTORIES.mkdir(exist_ok=True)
        (PROCESS_HISTORIES / "award-round-pioneer-wf.json").write_text(history.to_json(), "utf-8")
