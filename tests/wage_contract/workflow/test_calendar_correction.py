"""A deadline that reaches an unpublished year is provisional until the year is loaded."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import yaml

from domain.actors import CHINA_TZ
from domain.wage_contract import (
    AppointNegotiators,
    RecordReply,
    RecordTalksRound,
    SignDraft,
    Stage,
    SubmitForReview,
    wage_contract_id,
)
from tests.wage_contract.helpers import CADRE, draft, negotiators, offer, service
from workflows.wage_contract import WageContractWorkflow, end_of, workflow_id_for


async def today(env) -> date:
    return (await env.get_current_time()).astimezone(CHINA_TZ).date()


async def test_loading_the_year_schedule_corrects_a_provisional_review_deadline(
    time_skipping_env, app, task_queue, running_worker, tmp_path: Path
):
    env = time_skipping_env
    svc = service(env, app, task_queue)
    case = "CAL-1"
    await svc.open(CADRE, offer(case))
    await svc.act(case, CADRE, RecordReply(content="同意"))
    await svc.act(case, CADRE, AppointNegotiators(negotiators=negotiators()))
    await svc.act(case, CADRE, RecordTalksRound(minutes="第一轮"))
    # Talk until a 10-working-day period reaches a year the packages do not cover.
    while not app.calendar.current().add_working_days(await today(env), 10).provisional:
        await env.sleep(timedelta(days=5))
        await svc.act(case, CADRE, RecordTalksRound(minutes="继续协商"))
    await svc.act(case, CADRE, SignDraft(draft=draft()))
    view = await svc.act(case, CADRE, SubmitForReview())
    review = view.reviews[-1]
    year = review.due.year
    assert review.due_provisional, (
        "a pre-review deadline in an unpublished year must be provisional"
    )
    assert not app.calendar.current().is_published(year)

    # The State Council publishes the year: New Year's Day, and the old due made a holiday.
    # The shared server's clock may already stand in an unpublished year when the case is
    # submitted: that year is published too, so the corrected period is wholly known.
    # The schedule keeps the holidays the fallback assumed (so no deadline moves earlier)
    # and adds the old due, so the corrected one is later whatever date the clock reached.
    calendar = app.calendar.current()
    for published in range(review.submitted_on.year, year + 1):
        if calendar.is_published(published):
            continue
        days = (date(published, 1, 1) + timedelta(days=n) for n in range(366))
        assumed = {
            d
            for d in days
            if d.year == published and d.weekday() < 5 and not calendar.is_working_day(d)
        }
        holidays = sorted(
            assumed | {date(published, 1, 1)} | ({review.due} if published == year else set())
        )
        schedule = {
            "year": published,
            "holidays": [d.isoformat() for d in holidays],
            "workdays": [],
            "source": "test schedule",
        }
        path = tmp_path / f"{published}.yaml"
        path.write_text(yaml.safe_dump(schedule), encoding="utf-8")
        app.calendar.install(path)
    corrected = await svc.correct_deadlines(case)
    new = corrected.reviews[-1]
    assert not new.due_provisional
    assert new.due > review.due
    expected = app.calendar.current().add_working_days(review.submitted_on, 10)
    assert new.due == expected.date and not expected.provisional
    names = [type(e).__name__ for e in app.ledger.stream(wage_contract_id(case))]
    assert names.count("DeadlinesCorrected") == 1

    # The old deadline passes without escalation; the new one escalates.
    handle = env.client.get_workflow_handle(workflow_id_for(case))
    now = await env.get_current_time()
    await env.sleep(end_of(review.due) - now + timedelta(hours=1))
    status = await handle.query(WageContractWorkflow.status)
    assert status.view.stage is Stage.UNDER_REVIEW
    assert status.view.reviews[-1].escalations == []
    now = await env.get_current_time()
    await env.sleep(end_of(new.due) - now + timedelta(hours=1))
    status = await handle.query(WageContractWorkflow.status)
    assert status.view.reviews[-1].escalations == ["dl-ganjingzi"]


async def test_correcting_without_a_published_year_changes_nothing(
    time_skipping_env, app, task_queue, running_worker
):
    svc = service(time_skipping_env, app, task_queue)
    case = "CAL-2"
    await svc.open(CADRE, offer(case))
    before = svc.view(case).version
    view = await svc.correct_deadlines(case)
    assert view.version == before
