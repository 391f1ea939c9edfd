"""The award round's workflow: one per selection round, from nominations to the published list.

It owns the round's time: the nominations' close, a daily sweep over the nominations
(notices closed on the statutory calendar, clearances reminded and escalated, in pages),
the close of the federation's notice, and the federation cadre's steps as validated
updates (start the notice, record the committee's poll, publish). Nothing here grows with
the number of nominees: people's acts on nominations go to the ledger through the
service layer, and each bulk step is a page of 500 in one activity.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.clock import Wait, run_step, start_of, step_meta, update_id

with workflow.unsafe.imports_passed_through():
    from activities.award import AwardActivities
    from activities.errors import refusal
    from contracts.award import (
        CommitteeRequest,
        PageRequest,
        PageResult,
        RoundBrief,
        RoundRef,
        RoundStepRequest,
    )
    from domain.actors import CHINA_TZ, Acting, check_person, system_acting
    from domain.award.commands import (
        CloseNominations,
        CloseRoundNotice,
        PublishList,
        StartRoundNotice,
    )
    from domain.award.permissions import check_round_command
    from domain.award.values import RoundStage
    from domain.errors import DomainError, InvalidState

SWEEP_MINUTES = 5  # each day's sweep runs five minutes after midnight, China time
DAYS_PER_RUN = 60  # continue-as-new at least this often (a round runs for months)


class AwardRoundInput(BaseModel):
    """Drive a round the service has recorded (or continue it after continue-as-new)."""

    round_key: str
    activity_timeout_seconds: float = 60.0
    resumed: bool = False


class RoundActRequest(BaseModel):
    """A federation cadre's step on the round: start the notice, or publish."""

    command: StartRoundNotice | PublishList
    acting: Acting
    comment: str = ""


class CommitteeActRequest(BaseModel):
    """The committee's election poll (candidates: the nominations' keys) was tallied."""

    poll_key: str
    acting: Acting
    comment: str = ""


class RoundStatus(BaseModel):
    brief: RoundBrief | None
    waiting: Wait | None = None
    now: datetime
    sweeps: int = 0
    history_length: int = 0


def award_round_workflow_id(round_key: str) -> str:
    return f"award-round-{round_key}"


@workflow.defn(name="AwardRound")
class AwardRoundWorkflow:
    """A selection round (两审三公示) of one award definition."""

    @workflow.init
    def __init__(self, inp: AwardRoundInput) -> None:
        self.inp = inp
        self.brief: RoundBrief | None = None
        self.waiting: Wait | None = None
        self.lock = asyncio.Lock()
        self.poked = False
        self.sweeps = 0

    @workflow.run
    async def run(self, inp: AwardRoundInput) -> RoundBrief:
        self.brief = await self._step(AwardActivities.round, RoundRef(round_key=inp.round_key))
        days = 0
        while self._stage() is not RoundStage.PUBLISHED:
            async with self.lock:
                await self._daily()
            days += 1
            if days >= DAYS_PER_RUN or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(inp.model_copy(update={"resumed": True}))
            await self._until_tomorrow()
        self.waiting = None
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._brief()

    async def _daily(self) -> None:
        """Today's engine steps: close nominations, sweep, close the round's notice."""
        today = self._today()
        brief = self._brief()
        if self._stage() is RoundStage.NOMINATING and today > brief.nominations_close:
            await self._system_round(CloseNominations(), f"close-nominations:v{brief.version}")
        await self._pages(AwardActivities.sweep)
        self.sweeps += 1
        brief = self._brief()
        if (
            self._stage() is RoundStage.FEDERATION_NOTICE
            and brief.notice_ends is not None
            and today > brief.notice_ends
        ):
            # Refused while an objection is open: the notice closes on a later day.
            with contextlib.suppress(ApplicationError):
                await self._system_round(CloseRoundNotice(), f"close-notice:{today}")

    async def _until_tomorrow(self) -> None:
        """Sleep until the next day's sweep, or until a cadre's step wakes the round."""
        tomorrow = start_of(self._today() + timedelta(days=1)) + timedelta(minutes=SWEEP_MINUTES)
        self.waiting = Wait(kind=f"daily:{self._stage().value}", until=tomorrow)
        self.poked = False
        seconds = (tomorrow - workflow.now()).total_seconds()
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: self.poked, timeout=max(seconds, 1))

    # -- a federation cadre's steps -------------------------------------------------------

    @workflow.update
    async def act(self, req: RoundActRequest) -> RoundBrief:
        async with self.lock:
            self._check(req.command.kind, req.acting)
            meta = step_meta(req.acting, update_id(), req.comment)
            self.brief = await self._step(
                AwardActivities.round_step,
                RoundStepRequest(round_key=self.inp.round_key, command=req.command, meta=meta),
            )
            if req.command.kind == "start_notice":
                await self._pages(AwardActivities.enter_notice)
            self.poked = True
            return self._brief()

    @act.validator
    def validate_act(self, req: RoundActRequest) -> None:
        self._check(req.command.kind, req.acting)

    @workflow.update
    async def record_committee(self, req: CommitteeActRequest) -> RoundBrief:
        async with self.lock:
            self._check("record_committee", req.acting)
            meta = step_meta(req.acting, update_id(), req.comment)
            self.brief = await self._step(
                AwardActivities.committee,
                CommitteeRequest(round_key=self.inp.round_key, poll_key=req.poll_key, meta=meta),
            )
            self.poked = True
            return self._brief()

    @record_committee.validator
    def validate_committee(self, req: CommitteeActRequest) -> None:
        self._check("record_committee", req.acting)

    def _check(self, kind: str, acting: Acting) -> None:
        try:
            if self.brief is None:
                raise InvalidState("评选尚未就绪", "the round is not ready yet")
            check_person(acting)
            b = self.brief
            check_round_command(kind, acting, b.federation_org, RoundStage(b.stage), b.title)
        except DomainError as e:
            raise refusal(e) from None

    @workflow.query
    def status(self) -> RoundStatus:
        return RoundStatus(
            brief=self.brief,
            waiting=self.waiting,
            now=workflow.now(),
            sweeps=self.sweeps,
            history_length=workflow.info().get_current_history_length(),
        )

    # -- plumbing ---------------------------------------------------------------------------

    async def _system_round(self, command: Any, step: str) -> None:
        meta = step_meta(system_acting(), step)
        self.brief = await self._step(
            AwardActivities.round_step,
            RoundStepRequest(round_key=self.inp.round_key, command=command, meta=meta),
        )

    async def _pages(self, activity: Callable[[Any, PageRequest], PageResult]) -> None:
        after = ""
        while True:
            page = await self._step(
                activity, PageRequest(round_key=self.inp.round_key, now=workflow.now(), after=after)
            )
            if not page.more:
                break
            after = page.last
        self.brief = await self._step(AwardActivities.round, RoundRef(round_key=self.inp.round_key))

    def _today(self) -> date:
        return workflow.now().astimezone(CHINA_TZ).date()

    def _brief(self) -> RoundBrief:
        assert self.brief is not None
        return self.brief

    def _stage(self) -> RoundStage:
        return RoundStage(self._brief().stage)

    async def _step(self, activity: Callable[[Any, Any], Any], arg: Any) -> Any:
        return await run_step(activity, arg, self.inp.activity_timeout_seconds)
