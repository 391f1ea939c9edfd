"""The contest round's workflow: one per round, from registration to the ranking.

It owns the round's time, in China time: registration closes the day after its deadline;
during the activity period the units that have not self-assessed are reminded (every
``remind_every_days`` of the definition, a week by default; a paged activity, one ledger
event per unit); judging starts the day after the self-assessment deadline; where the
definition commits sheets first, the round's reveal phase begins once every assigned
sheet is committed; the engine ranks the round on its ranking day (a ranking the domain
refuses, e.g. sheets still missing, is tried again the next day). After the ranking it
posts the ranking's public notice (公示) at once, closes it on the first day after its last
(a day later while an objection is open) and then grants the closed round's titles, each
once however often the step is retried. The organiser's steps (close registration early,
start judging, rank) are validated updates, checked by the same domain rule as the
ledger's (``check_round_step``).

Nothing here grows with the number of entries: entries, self-assessments and score sheets
go to the ledger through the service layer, and each bulk step is a page of 500 in one
activity. A long round continues as new, carrying what it has done.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.clock import Wait, run_step, start_of, step_meta, update_id

with workflow.unsafe.imports_passed_through():
    from activities.contest import ContestActivities
    from activities.errors import refusal
    from contracts.contest import (
        ContestBrief,
        ContestRoundRef,
        ContestStepRequest,
        NoticeStepKind,
        NoticeStepRequest,
        RemindRequest,
        RoundStepKind,
        TallyResult,
        TitlesRequest,
        TitlesResult,
    )
    from domain.actors import CHINA_TZ, Acting, check_person, system_acting
    from domain.contest.aggregate import check_round_step
    from domain.contest.values import RANKED_OR_LATER, Phase
    from domain.errors import DomainError, InvalidState

SWEEP_MINUTES = 5  # each day's steps run five minutes after midnight, China time
DAYS_PER_RUN = 60  # continue-as-new at least this often (a round runs for months)

# Patches (``workflow.patched``): behaviour added after histories were recorded. Each id is
# stored in the histories that took the new branch, so it is never renamed.
# The workflow runs the ranking's notice and grants the titles (before, it ended ranked).
NOTICE_IN_WORKFLOW = "notice-in-workflow"
# Each day's steps start from the round as the ledger holds it: the organiser may have taken
# a step straight in the ledger (the CLI without --workflow, the pages).
FOLLOWS_LEDGER = "contest-follows-ledger"


class ContestRoundInput(BaseModel):
    """Drive a round the service has recorded (or continue it after continue-as-new)."""

    round_key: str
    activity_timeout_seconds: float = 60.0
    days_per_run: int = DAYS_PER_RUN
    # Carried over continue-as-new:
    resumed: bool = False
    runs: int = 1
    remind_from: date | None = None  # the day the activity period began, or last reminder
    reminder_rounds: int = 0
    reminded: int = 0  # reminder events written, over all rounds


class ContestActRequest(BaseModel):
    """The organiser's step on the round."""

    kind: RoundStepKind
    acting: Acting
    comment: str = ""


class ContestRoundStatus(BaseModel):
    brief: ContestBrief | None
    step: str  # the phase, or judging:commit / judging:reveal where sheets commit first
    waiting: Wait | None = None
    now: datetime
    runs: int = 1
    reminder_rounds: int = 0
    reminded: int = 0
    tally: TallyResult | None = None
    rank_refused: str = ""  # why the engine's ranking on the ranking day was refused
    close_refused: str = ""  # why the engine's close of the notice was refused (e.g. objections)
    titles: TitlesResult | None = None  # the closed round's titles, once granted
    history_length: int = 0


def contest_round_workflow_id(round_key: str) -> str:
    return f"contest-round-{round_key}"


@workflow.defn(name="ContestRound")
class ContestRoundWorkflow:
    """A round (初赛, 决赛) of one contest definition."""

    @workflow.init
    def __init__(self, inp: ContestRoundInput) -> None:
        self.inp = inp
        self.brief: ContestBrief | None = None
        self.waiting: Wait | None = None
        self.lock = asyncio.Lock()
        self.poked = False
        self.tally: TallyResult | None = None
        self.rank_refused = ""
        self.close_refused = ""
        self.titles: TitlesResult | None = None

    @workflow.run
    async def run(self, inp: ContestRoundInput) -> ContestBrief:
        self.brief = await self._step(ContestActivities.round, self._ref())
        turns = 0
        while self._phase() not in RANKED_OR_LATER:
            async with self.lock:
                await self._daily()
            if self._phase() in RANKED_OR_LATER:
                break
            turns += 1
            await self._maybe_continue_as_new(turns)
            await self._until_tomorrow()
        if workflow.patched(NOTICE_IN_WORKFLOW):
            await self._notice(turns)
        self.waiting = None
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._brief()

    async def _daily(self) -> None:
        """Today's engine steps, in the order of the round's phases."""
        if workflow.patched(FOLLOWS_LEDGER):
            self.brief = await self._step(ContestActivities.round, self._ref())
            if self._phase() in RANKED_OR_LATER:
                return
        today = self._today()
        b = self._brief()
        if self._phase() is Phase.REGISTRATION and today > b.registration_closes:
            await self._system("close_registration", f"close-registration:v{b.version}")
        if self._phase() is Phase.SELF_ASSESSMENT:
            b = self._brief()
            if b.self_assessment_closes is not None and today > b.self_assessment_closes:
                await self._system("start_judging", f"start-judging:v{b.version}")
            elif self.inp.remind_from is None:
                self.inp.remind_from = today  # the activity period began
            elif (today - self.inp.remind_from).days >= b.remind_every_days:
                await self._remind(today)
        if self._phase() is Phase.JUDGING:
            b = self._brief()
            if b.commit_reveal:
                self.tally = await self._step(ContestActivities.tally, self._ref())
            if b.ranks_on is not None and today >= b.ranks_on:
                try:
                    await self._system("rank", f"rank:{today}")
                    self.rank_refused = ""
                except ApplicationError as e:  # refused (sheets missing): again tomorrow
                    self.rank_refused = str(e.details[0]) if e.details else e.message

    async def _notice(self, turns: int) -> None:
        """The ranking's public notice, day by day, until the closed round's titles are
        granted."""
        while True:
            async with self.lock:
                await self._notice_daily()
            if self.titles is not None:
                return
            turns += 1
            await self._maybe_continue_as_new(turns)
            await self._until_tomorrow()

    async def _notice_daily(self) -> None:
        """Today's notice steps. The round is read first: the organiser may have posted or
        closed the notice straight in the ledger (the CLI, the pages)."""
        self.brief = await self._step(ContestActivities.round, self._ref())
        if self._phase() is Phase.RANKED:
            # Refused only when the ledger moved meanwhile: tomorrow's read follows it.
            with contextlib.suppress(ApplicationError):
                await self._notice_step("post_notice", f"post-notice:v{self._brief().version}")
        b, today = self._brief(), self._today()
        if self._phase() is Phase.NOTICE and b.notice_ends is not None and today > b.notice_ends:
            try:
                await self._notice_step("close_notice", f"close-notice:{today}")
                self.close_refused = ""
            except ApplicationError as e:  # an objection open: again tomorrow
                self.close_refused = str(e.details[0]) if e.details else e.message
        if self._phase() is Phase.CLOSED:
            self.titles = await self._step(
                ContestActivities.grant_titles,
                TitlesRequest(round_key=self.inp.round_key, now=workflow.now()),
            )

    async def _notice_step(self, kind: NoticeStepKind, step: str) -> None:
        meta = step_meta(system_acting(self._brief().organiser_org), step)
        self.brief = await self._step(
            ContestActivities.notice_step,
            NoticeStepRequest(round_key=self.inp.round_key, kind=kind, meta=meta),
        )

    async def _maybe_continue_as_new(self, turns: int) -> None:
        if turns >= self.inp.days_per_run or workflow.info().is_continue_as_new_suggested():
            await workflow.wait_condition(workflow.all_handlers_finished)
            workflow.continue_as_new(
                self.inp.model_copy(update={"resumed": True, "runs": self.inp.runs + 1})
            )

    async def _remind(self, today: date) -> None:
        after = ""
        while True:
            page = await self._step(
                ContestActivities.remind,
                RemindRequest(
                    round_key=self.inp.round_key,
                    step=f"{workflow.info().workflow_id}:remind:{today}",
                    now=workflow.now(),
                    after=after,
                ),
            )
            self.inp.reminded += page.reminded
            if not page.more:
                break
            after = page.last
        self.inp.remind_from = today
        self.inp.reminder_rounds += 1

    async def _until_tomorrow(self) -> None:
        """Sleep until the next day's steps, or until the organiser's step wakes the round."""
        tomorrow = start_of(self._today() + timedelta(days=1)) + timedelta(minutes=SWEEP_MINUTES)
        self.waiting = Wait(kind=f"daily:{self._step_name()}", until=tomorrow)
        self.poked = False
        seconds = (tomorrow - workflow.now()).total_seconds()
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: self.poked, timeout=max(seconds, 1))

    # -- the organiser's steps --------------------------------------------------------------

    @workflow.update
    async def act(self, req: ContestActRequest) -> ContestBrief:
        async with self.lock:
            self._check(req)
            meta = step_meta(req.acting, update_id(), req.comment)
            self.brief = await self._step(
                ContestActivities.round_step,
                ContestStepRequest(round_key=self.inp.round_key, kind=req.kind, meta=meta),
            )
            self.poked = True
            return self._brief()

    @act.validator
    def validate_act(self, req: ContestActRequest) -> None:
        self._check(req)

    def _check(self, req: ContestActRequest) -> None:
        try:
            if self.brief is None:
                raise InvalidState("竞赛轮次尚未就绪", "the round is not ready yet")
            check_person(req.acting)
            b = self.brief
            check_round_step(req.kind, req.acting, b.organiser_org, Phase(b.phase), b.title)
        except DomainError as e:
            raise refusal(e) from None

    @workflow.query
    def status(self) -> ContestRoundStatus:
        return ContestRoundStatus(
            brief=self.brief,
            step=self._step_name() if self.brief else "",
            waiting=self.waiting,
            now=workflow.now(),
            runs=self.inp.runs,
            reminder_rounds=self.inp.reminder_rounds,
            reminded=self.inp.reminded,
            tally=self.tally,
            rank_refused=self.rank_refused,
            close_refused=self.close_refused,
            titles=self.titles,
            history_length=workflow.info().get_current_history_length(),
        )

    # -- plumbing ---------------------------------------------------------------------------

    def _step_name(self) -> str:
        phase = self._phase()
        if phase is Phase.JUDGING and self._brief().commit_reveal and self.tally is not None:
            t = self.tally
            if t.owed and t.submitted >= t.owed:
                return "judging:scored"
            return (
                "judging:reveal"
                if t.owed and t.committed + t.submitted >= t.owed
                else ("judging:commit")
            )
        return phase.value

    async def _system(self, kind: RoundStepKind, step: str) -> None:
        meta = step_meta(system_acting(self._brief().organiser_org), step)
        self.brief = await self._step(
            ContestActivities.round_step,
            ContestStepRequest(round_key=self.inp.round_key, kind=kind, meta=meta),
        )

    def _ref(self) -> ContestRoundRef:
        return ContestRoundRef(round_key=self.inp.round_key)

    def _today(self) -> date:
        return workflow.now().astimezone(CHINA_TZ).date()

    def _brief(self) -> ContestBrief:
        assert self.brief is not None
        return self.brief

    def _phase(self) -> Phase:
        return Phase(self._brief().phase)

    async def _step(self, activity: Any, arg: Any) -> Any:
        return await run_step(activity, arg, self.inp.activity_timeout_seconds)
