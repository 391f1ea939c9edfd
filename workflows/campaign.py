"""The campaign workflow (集中行动): one per campaign, from its opening to its close.

It owns the campaign's time, in China time: each reporting period opens on its first day;
from then until the period is due, every ``remind_every_days`` a reminder round goes over
the units in pages (at most 500 a page, one activity each) reminding the laggards and
escalating to the district union those reminded ``escalate_after`` times; on the final
report's date the engine makes the final report. The organiser's steps (a reminder round
now, the close after the final report) are validated updates.

Nothing here grows with the number of units: units' reports and reviews go to the ledger
through the service layer, never as signals, and a reminder round writes a page's counts
into the history, not a unit's. The ledger holds what was done (periods opened, rounds
sent), so a run continued as new, or a round retried, opens nothing twice and reminds
no unit twice in a round.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.clock import Wait, run_step, start_of, step_meta, update_id

with workflow.unsafe.imports_passed_through():
    from activities.campaign import PAGE, CampaignActivities
    from activities.errors import refusal
    from contracts.campaign import (
        CampaignBrief,
        CampaignRef,
        CloseRequest,
        FinalReportRequest,
        FinalReportResult,
        OpenPeriodRequest,
        PeriodBrief,
        RecordRemindersRequest,
        RemindPageRequest,
    )
    from domain.actors import CHINA_TZ, Acting, check_person, system_acting
    from domain.campaign.aggregate import ORGANISE
    from domain.campaign.values import Phase
    from domain.errors import DomainError, InvalidInput, InvalidState
    from domain.policies import check_unit_cadre

SWEEP_MINUTES = 5  # the engine's steps of a day run five minutes after midnight, China time
ROUNDS_PER_RUN = 20  # continue-as-new after this many reminder rounds (a campaign runs a year)
REMEMBERED_UPDATES = 50  # remind-now results kept across runs, so a retried command applies once


class RoundResult(BaseModel):
    """One reminder round: which period, its number, and its counts over all pages."""

    period: str
    round: int
    reminded: int = 0
    escalated: int = 0
    pages: int = 0
    on: date


class CampaignInput(BaseModel):
    """Drive a campaign the service has recorded (or continue it after continue-as-new)."""

    campaign_key: str
    activity_timeout_seconds: float = 60.0
    page_size: int = PAGE
    rounds_per_run: int = ROUNDS_PER_RUN
    # Carried over continue-as-new:
    resumed: bool = False
    runs: int = 1
    rounds: int = 0  # reminder rounds over all runs
    reminded: int = 0  # reminders over all rounds
    escalated: int = 0
    last_round_on: dict[str, date] = Field(default_factory=dict)  # period -> last round's day
    remind_now_done: dict[str, RoundResult] = Field(default_factory=dict)  # update id -> result
    final: FinalReportResult | None = None


class RemindNowRequest(BaseModel):
    """The organiser's reminder round now (``period`` empty: the period open now)."""

    acting: Acting
    period: str = ""
    comment: str = ""


class CloseCampaignRequest(BaseModel):
    """The organiser closes the campaign after its final report."""

    acting: Acting
    comment: str = ""


class CampaignStatus(BaseModel):
    brief: CampaignBrief | None
    waiting: Wait | None = None
    now: datetime
    runs: int = 1
    resumed: bool = False
    rounds: int = 0
    reminded: int = 0
    escalated: int = 0
    last_round: RoundResult | None = None
    final: FinalReportResult | None = None
    refused: str = ""  # why the engine's last refused step (e.g. the final report) was refused
    history_length: int = 0


def campaign_workflow_id(campaign_key: str) -> str:
    return f"campaign-{campaign_key}"


@workflow.defn(name="Campaign")
class CampaignWorkflow:
    """A campaign with target rates over a population of units."""

    @workflow.init
    def __init__(self, inp: CampaignInput) -> None:
        self.inp = inp
        self.brief: CampaignBrief | None = None
        self.waiting: Wait | None = None
        self.lock = asyncio.Lock()
        self.poked = False
        self.last_round: RoundResult | None = None
        self.rounds_this_run = 0
        self.refused = ""  # why the engine's last refused step was refused
        self.final_retry_on = date.min

    @workflow.run
    async def run(self, inp: CampaignInput) -> CampaignBrief:
        self.brief = await self._step(CampaignActivities.brief, self._ref())
        while self._phase() is not Phase.CLOSED:
            async with self.lock:
                await self._due_steps()
            if self._phase() is Phase.CLOSED:
                break
            if (
                self.rounds_this_run >= max(1, inp.rounds_per_run)
                or workflow.info().is_continue_as_new_suggested()
            ):
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    self.inp.model_copy(update={"resumed": True, "runs": self.inp.runs + 1})
                )
            await self._until_next()
        self.waiting = None
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._brief()

    async def _due_steps(self) -> None:
        """What is due by now, in order: periods opened, reminder rounds, the final report."""
        today = self._today()
        for p in self._brief().periods:
            if self._over():
                return
            if p.key not in self._brief().periods_opened and today >= p.starts:
                meta = step_meta(system_acting(), f"open-period:{p.key}")
                opened = await self._engine(
                    CampaignActivities.open_period,
                    OpenPeriodRequest(campaign_key=self.inp.campaign_key, period=p.key, meta=meta),
                )
                if opened is not None:
                    self.brief = opened
            if p.key in self._brief().periods_opened:
                next_on = self._next_round_on(p)
                if next_on <= today <= p.due:
                    await self._round(p)
        b = self._brief()
        if not self._over() and today >= b.final_report and self.final_retry_on <= today:
            meta = step_meta(system_acting(), "final-report")
            self.inp.final = await self._engine(
                CampaignActivities.final_report,
                # The report speaks for its own date, also when made a day late.
                FinalReportRequest(
                    campaign_key=self.inp.campaign_key, at=b.final_report, meta=meta
                ),
            )
            if self.inp.final is None:  # refused: the engine tries again the next day
                self.final_retry_on = today + timedelta(days=1)
            self.brief = await self._step(CampaignActivities.brief, self._ref())

    async def _engine(self, activity: Any, req: Any) -> Any | None:
        """The engine's own step at its date; refused (the organiser took it first, or the
        final report cannot be made yet), it is noted and the campaign read again, so a
        refusal never ends the campaign's workflow."""
        try:
            return await self._step(activity, req)
        except ApplicationError as e:
            self.refused = str(e.details[0]) if e.details else e.message
            workflow.logger.warning("campaign_step_refused", extra={"reason": self.refused})
            self.brief = await self._step(CampaignActivities.brief, self._ref())
            return None

    def _next_round_on(self, p: PeriodBrief) -> date:
        """The day of the period's next reminder round: an interval after the last round
        (a round the organiser asked for moves the next one), or after the period began."""
        every = timedelta(days=self._brief().remind_every_days)
        last = self.inp.last_round_on.get(p.key)
        if last is None:
            last = p.starts + every * self._brief().reminder_rounds.get(p.key, 0)
        return last + every

    async def _round(self, p: PeriodBrief) -> RoundResult:
        """One reminder round of the period over every unit, a page at a time."""
        today = self._today()
        n = self._brief().reminder_rounds.get(p.key, 0) + 1
        result = RoundResult(period=p.key, round=n, on=today)
        after = ""
        while True:
            page = await self._step(
                CampaignActivities.remind_page,
                RemindPageRequest(
                    campaign_key=self.inp.campaign_key,
                    period=p.key,
                    round=n,
                    now=workflow.now(),
                    after=after,
                    limit=max(1, min(self.inp.page_size, PAGE)),
                ),
            )
            result.reminded += page.reminded
            result.escalated += page.escalated
            result.pages += 1
            if not page.more:
                break
            after = page.last
        meta = step_meta(system_acting(), f"reminders:{p.key}:{n}")
        self.brief = await self._step(
            CampaignActivities.record_reminders,
            RecordRemindersRequest(
                campaign_key=self.inp.campaign_key,
                period=p.key,
                round=n,
                reminded=result.reminded,
                escalated=result.escalated,
                on=today,
                meta=meta,
            ),
        )
        self.inp.last_round_on[p.key] = today
        self.inp.rounds += 1
        self.inp.reminded += result.reminded
        self.inp.escalated += result.escalated
        self.rounds_this_run += 1
        self.last_round = result
        return result

    async def _until_next(self) -> None:
        """Sleep until the next step due (a period's start, a round, the final report), or
        until the organiser's step wakes the campaign."""
        at = self._next_at()
        self.poked = False
        if at is None:  # the final report is made: wait for the organiser's close
            self.waiting = Wait(kind="close")
            await workflow.wait_condition(lambda: self.poked)
            return
        kind, moment = at
        self.waiting = Wait(kind=kind, until=moment)
        seconds = (moment - workflow.now()).total_seconds()
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: self.poked, timeout=max(seconds, 1))

    def _next_at(self) -> tuple[str, datetime] | None:
        if self._over():
            return None
        b = self._brief()
        due: list[tuple[date, str]] = [(max(b.final_report, self.final_retry_on), "final_report")]
        for p in b.periods:
            if p.key not in b.periods_opened:
                due.append((p.starts, f"open_period:{p.key}"))
            elif self._today() <= p.due:  # a period already due has no rounds left
                # (started late, or down over its due date: waking for a round that
                # _due_steps will not run would wake the campaign every second)
                next_on = self._next_round_on(p)
                if next_on <= p.due:
                    due.append((next_on, f"remind:{p.key}"))
        day, kind = min(due)
        return kind, start_of(day) + timedelta(minutes=SWEEP_MINUTES)

    # -- the organiser's steps --------------------------------------------------------------

    @workflow.update
    async def remind_now(self, req: RemindNowRequest) -> RoundResult:
        key = update_id()
        done = self.inp.remind_now_done.get(key)
        if done is not None:  # the same command again (after continue-as-new): once only
            return done
        await workflow.wait_condition(lambda: self.brief is not None)
        async with self.lock:
            period = self._check_remind(req)
            result = await self._round(period)
            self.inp.remind_now_done[key] = result
            while len(self.inp.remind_now_done) > REMEMBERED_UPDATES:
                self.inp.remind_now_done.pop(next(iter(self.inp.remind_now_done)))
            self.poked = True
            return result

    @remind_now.validator
    def validate_remind_now(self, req: RemindNowRequest) -> None:
        if update_id() in self.inp.remind_now_done:
            return
        if self.brief is None:  # the handler checks it all once the campaign is read
            self._check_person(req.acting)
            return
        self._check_remind(req)

    def _check_remind(self, req: RemindNowRequest) -> PeriodBrief:
        try:
            self._check_organiser(req.acting)
            if self._over():
                raise InvalidState("集中行动已结束填报", "the campaign is over")
            return self._period_for(req.period)
        except DomainError as e:
            raise refusal(e) from None

    def _period_for(self, key: str) -> PeriodBrief:
        """The period a reminder round now goes to: the one named, else the latest opened."""
        b = self._brief()
        opened = [p for p in b.periods if p.key in b.periods_opened]
        if key:
            if key not in {p.key for p in b.periods}:
                raise InvalidInput(f"没有填报期 {key}", f"no period {key}")
            opened = [p for p in opened if p.key == key]
        if not opened:
            raise InvalidState("填报期尚未开始", "no reporting period has begun")
        return opened[-1]

    @workflow.update
    async def close(self, req: CloseCampaignRequest) -> CampaignBrief:
        await workflow.wait_condition(lambda: self.brief is not None)
        async with self.lock:
            self._check_close(req)
            meta = step_meta(req.acting, update_id(), req.comment)
            self.brief = await self._step(
                CampaignActivities.close,
                CloseRequest(campaign_key=self.inp.campaign_key, meta=meta),
            )
            self.poked = True
            return self._brief()

    @close.validator
    def validate_close(self, req: CloseCampaignRequest) -> None:
        if self.brief is None:  # the handler checks it all once the campaign is read
            self._check_person(req.acting)
            return
        self._check_close(req)

    def _check_close(self, req: CloseCampaignRequest) -> None:
        try:
            self._check_organiser(req.acting)
            if self._phase() is not Phase.FINAL_REPORTED:
                raise InvalidState("总结报告之后才能结束", "close only after the final report")
        except DomainError as e:
            raise refusal(e) from None

    def _check_organiser(self, acting: Acting) -> None:
        check_person(acting)
        check_unit_cadre(acting, self._brief().organiser_org, ORGANISE)

    @staticmethod
    def _check_person(acting: Acting) -> None:
        try:
            check_person(acting)
        except DomainError as e:
            raise refusal(e) from None

    @workflow.query
    def status(self) -> CampaignStatus:
        return CampaignStatus(
            brief=self.brief,
            waiting=self.waiting,
            now=workflow.now(),
            runs=self.inp.runs,
            resumed=self.inp.resumed,
            rounds=self.inp.rounds,
            reminded=self.inp.reminded,
            escalated=self.inp.escalated,
            last_round=self.last_round,
            final=self.inp.final,
            refused=self.refused,
            history_length=workflow.info().get_current_history_length(),
        )

    # -- plumbing ---------------------------------------------------------------------------

    def _ref(self) -> CampaignRef:
        return CampaignRef(campaign_key=self.inp.campaign_key)

    def _today(self) -> date:
        return workflow.now().astimezone(CHINA_TZ).date()

    def _brief(self) -> CampaignBrief:
        assert self.brief is not None
        return self.brief

    def _phase(self) -> Phase:
        return Phase(self._brief().phase)

    def _over(self) -> bool:
        return self._phase() in (Phase.FINAL_REPORTED, Phase.CLOSED)

    async def _step(self, activity: Any, arg: Any) -> Any:
        return await run_step(activity, arg, self.inp.activity_timeout_seconds)
