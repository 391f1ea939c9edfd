"""A congress session on the time-skipping server: convene, open, vote, close, publish, report."""

from __future__ import annotations

import asyncio
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
    AgendaItem(no=4, title="审议职工食堂改进建议", kind=ItemKind.ADVICE, secret=False),
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
    assert svc.verify_receipt(sid, 1, receipts[present[0]]).counted  # never what it chose

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


async def _open_session(env, app, task_queue, label: str, present: int = 24):
    key = await congress_with_roster(app, env, key=f"dl-bearing-{label}")
    svc = SessionService(env.client, app.congresses, app.polls, app.settings, task_queue)
    d = await today(env)
    view = await svc.convene(
        CHAIR, key, label, AGENDA, papers_sent_on=d, opens_on=d + timedelta(days=7)
    )
    await env.sleep(timedelta(days=7))
    await svc.open_session(view.session_id, CHAIR)
    delegates = roster_ids()
    for d_id in delegates[:present]:
        await svc.check_in(view.session_id, d_id)
    return svc, view.session_id, delegates


async def test_paper_tellers_are_refused_before_the_workflow_sees_them(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    svc, sid, delegates = await _open_session(env, app, task_queue, "tellers")
    before = (await svc.status(sid)).history_length
    for tellers, reason in [
        ([delegates[0]], "两名"),  # one teller
        ([delegates[0], delegates[0]], "两名"),  # the same teller twice
        ([delegates[0], "chen.jing"], "代表"),  # a reviewer of the higher union
        ([delegates[0], "nobody"], "名录"),  # not in the directory
    ]:
        with pytest.raises(InvalidInput, match=reason):
            await svc.open_poll(sid, CHAIR, 1, paper=True, tellers=tellers)
    with pytest.raises(InvalidInput, match="--paper"):
        await svc.open_poll(sid, CHAIR, 1, tellers=delegates[:2])
    # Nothing reached the workflow's history.
    assert (await svc.status(sid)).history_length == before
    await svc.open_poll(sid, CHAIR, 1, paper=True, tellers=delegates[:2])


async def test_an_item_stuck_in_counting_is_set_aside_with_a_reason_and_the_session_closes(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    svc, sid, delegates = await _open_session(env, app, task_queue, "stuck")
    tellers = delegates[:2]
    await svc.open_poll(sid, CHAIR, 1, paper=True, tellers=tellers)
    await svc.close_poll(sid, CHAIR, 1)
    await svc.enter_paper_count(sid, 1, tellers[0], {"yes": 20, "no": 4}, 24)
    mismatch = await svc.enter_paper_count(sid, 1, tellers[1], {"yes": 19, "no": 5}, 24)
    assert mismatch.paper_mismatch
    with pytest.raises(InvalidState, match="第 1、2、3、4 项议题尚未表决"):
        await svc.close_session(sid, CHAIR)
    with pytest.raises(InvalidInput, match="理由"):
        await svc.set_aside(sid, CHAIR, 1, "   ")
    with pytest.raises(NotAuthorised):
        await svc.set_aside(sid, delegates[3], 1, "计票不一致")
    await svc.set_aside(sid, CHAIR, 1, "两名计票人结果不一致，下次会议重新表决")
    # Items never put to the vote keep the session open until they are set aside too.
    with pytest.raises(InvalidState, match="2、3、4"):
        await svc.close_session(sid, CHAIR)
    for no in (2, 3, 4):
        await svc.set_aside(sid, CHAIR, no, "改期审议")
    view = await svc.close_session(sid, CHAIR)
    assert view.status is SessionStatus.CLOSED
    first = next(o for o in view.outcomes if o.item_no == 1)
    assert first.set_aside and first.reason == "两名计票人结果不一致，下次会议重新表决"
    assert first.passed is None
    # A count that agrees after the item was set aside decides nothing.
    await svc.enter_paper_count(sid, 1, tellers[1], {"yes": 20, "no": 4}, 24)
    assert next(o for o in svc.view(sid).outcomes if o.item_no == 1).set_aside


async def _closed_session(env, app, task_queue, label: str):
    svc, sid, _ = await _open_session(env, app, task_queue, label)
    for no in (1, 2, 3, 4):
        await svc.set_aside(sid, CHAIR, no, "改期审议")
    return svc, sid, await svc.close_session(sid, CHAIR)


async def test_the_report_to_the_higher_union_counts_working_days_from_the_close(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    svc, sid, closed = await _closed_session(env, app, task_queue, "report-from-close")
    calendar = app.calendar.current()
    assert closed.closed_on == await today(env)
    assert closed.publication_due == calendar.add_working_days(closed.closed_on, 5).date
    await env.sleep(timedelta(days=3))
    published = await svc.publish_results(sid, CHAIR)
    # SH §37: 7 working days from the close, not from the publication three days later.
    assert published.report_due == calendar.add_working_days(closed.closed_on, 7).date
    assert published.report_due != calendar.add_working_days(published.published_on, 7).date
    assert not published.publication_overdue


async def test_results_not_published_by_their_deadline_are_flagged_overdue(
    time_skipping_env, app, task_queue, running_worker
):
    env = time_skipping_env
    svc, sid, closed = await _closed_session(env, app, task_queue, "publication-late")
    status = await svc.status(sid)
    assert status.view.publication_due == closed.publication_due
    due = closed.publication_due
    await env.sleep(timedelta(days=(due - closed.closed_on).days + 1, hours=1))
    for _ in range(100):
        if svc.view(sid).publication_overdue:
            break
        await asyncio.sleep(0.05)
    assert svc.view(sid).publication_overdue
    # Late, but still published: the report then falls due from the close as ever.
    published = await svc.publish_results(sid, CHAIR)
    assert published.status is SessionStatus.PUBLISHED
