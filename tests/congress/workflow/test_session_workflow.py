"""A congress session on the time-skipping server: convene, open, vote, close, publish, report."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest

from domain.actors import CHINA_TZ
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.poll import ItemKind
from domain.session import AgendaItem, SessionStatus
from services.sessions import SessionService
from tests.conftest import ROOT
from tests.wage_contract.helpers import terminate_open_workflows

CHAIR = "wang.li"


@pytest.fixture(autouse=True)
async def _clean(time_skipping_env):
    await terminate_open_workflows(time_skipping_env)
    yield
    await terminate_open_workflows(time_skipping_env)


def roster_ids() -> list[str]:
    with (ROOT / "examples" / "roster.csv").open(encoding="utf-8-sig") as f:
        return [row["编号"] for row in csv.DictReader(f)]


async def today(env) -> date:
    return (await env.get_current_time()).astimezone(CHINA_TZ).date()


async def congress_with_roster(app, env, key: str = "dl-bearing-6") -> str:
    start = await today(env)
    app.congresses.create(
        CHAIR, key, "dl-bearing", 6, start, start.replace(year=start.year + 5) - timedelta(days=1)
    )
    app.congresses.import_roster(CHAIR, key, ROOT / "examples" / "roster.csv")
    return key


AGENDA = [
    AgendaItem(no=1, title="审议《2026年度工资专项集体合同（草案）》", kind=ItemKind.APPROVAL),
    AgendaItem(
        no=2,
        title="补选职工董事",
        kind=ItemKind.ELECTION,
        candidates=["dlb-d01", "dlb-d02", "dlb-d03"],
        max_choices=1,
    ),
    AgendaItem(no=3, title="民主评议经营管理人员", kind=ItemKind.APPRAISAL),
    AgendaItem(no=4, title="审议职工福利基金使用方案", kind=ItemKind.APPROVAL, secret=False),
]


async def test_papers_less_than_seven_days_before_the_opening_are_refused(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    key = await congress_with_roster(app, env)
    svc = SessionService(env.client, app.congresses, app.polls, app.settings, task_queue)
    d = await today(env)
    with pytest.raises(InvalidInput, match="7"):
        await svc.convene(
            CHAIR, key, "early", AGENDA, papers_sent_on=d, opens_on=d + timedelta(days=6)
        )
    view = await svc.convene(
        CHAIR, key, "ok", AGENDA, papers_sent_on=d, opens_on=d + timedelta(days=7)
    )
    with pytest.raises(InvalidState, match="不能提前"):
        await svc.open_session(view.session_id, CHAIR)


async def test_a_whole_session_with_secret_named_election_and_appraisal_items(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    key = await congress_with_roster(app, env)
    svc = SessionService(env.client, app.congresses, app.polls, app.settings, task_queue)
    d = await today(env)
    view = await svc.convene(
        CHAIR, key, "2026-1", AGENDA, papers_sent_on=d, opens_on=d + timedelta(days=7)
    )
    sid = view.session_id
    await env.sleep(timedelta(days=7))
    with pytest.raises(NotAuthorised):
        await svc.open_session(sid, "chen.jing")
    await svc.open_session(sid, CHAIR)
    delegates = roster_ids()
    present = delegates[:24]  # 24 of 30: above the 2/3 quorum
    for d_id in present:
        assert await svc.check_in(sid, d_id) is True
    assert await svc.check_in(sid, present[0]) is False  # a second check-in changes nothing

    # Item 1, secret yes/no: closes by itself when every checked-in delegate has voted.
    await svc.open_poll(sid, CHAIR, 1)
    with pytest.raises(NotAuthorised, match="签到"):
        await svc.cast(sid, 1, delegates[25], ["yes"])  # a delegate who did not check in
    receipts = {}
    for i, d_id in enumerate(present):
        result = await svc.cast(sid, 1, d_id, ["yes" if i < 16 else "no"])
        receipts[d_id] = result.receipt
    assert result.roll_complete
    status = await _wait_tallied(svc, sid, 1)
    assert status.outcomes[0].passed is True  # 16 of 30 > 1/2 of ALL delegates
    assert svc.verify_receipt(sid, 1, receipts[present[0]]).choices == ["yes"]

    # Item 2, election; item 3, appraisal: closed by the chair.
    await svc.open_poll(sid, CHAIR, 2)
    await svc.open_poll(sid, CHAIR, 3)
    for i, d_id in enumerate(present[:20]):
        await svc.cast(sid, 2, d_id, ["dlb-d01" if i < 17 else "dlb-d02"])
        await svc.cast(sid, 3, d_id, ["satisfied" if i % 2 else "basically_satisfied"])
    await svc.close_poll(sid, CHAIR, 2)
    await svc.close_poll(sid, CHAIR, 3)

    # Item 4, named, closed at its deadline: exactly half of all delegates does not pass.
    await svc.open_poll(sid, CHAIR, 4, minutes=30)
    for d_id in present[:15]:
        await svc.cast(sid, 4, d_id, ["yes"])
    await env.sleep(timedelta(minutes=31))
    view = await _wait_tallied(svc, sid, 4)
    outcomes = {o.item_no: o for o in view.outcomes}
    assert "dlb-d01" in outcomes[2].summary and "当选" in outcomes[2].summary
    assert "20/20" in outcomes[3].summary
    assert outcomes[4].passed is False

    await svc.close_session(sid, CHAIR)
    view = await svc.publish_results(sid, CHAIR)
    assert view.status is SessionStatus.PUBLISHED and view.report_due is not None
    await env.sleep(timedelta(days=12))
    flagged = svc.view(sid)
    assert flagged.report_reminded and flagged.report_overdue
    view = await svc.report(sid, CHAIR)
    assert view.status is SessionStatus.REPORTED
    status = await svc.status(sid)
    assert status.history_length < 400
    assert app.congresses.view(key).sitting is None


async def _wait_tallied(svc: SessionService, sid: str, item_no: int):
    import asyncio

    for _ in range(200):
        view = svc.view(sid)
        if any(o.item_no == item_no for o in view.outcomes):
            return view
        await asyncio.sleep(0.05)
    raise AssertionError(f"item {item_no} was never tallied")
