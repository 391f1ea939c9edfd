"""The wage-contract workflow: one per contract, from the offer to the renewal notice.

The workflow owns time and order: it waits for people (Temporal updates, validated
before they reach history), fires deadlines, reminders and escalations, and runs every
fact as a ledger command in an activity. The ledger's view of the case is its state,
so each loop turn re-reads where the case stands and what it waits for.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows.clock import Clock, Wait, end_of, run_step, start_of, step_meta, update_id

with workflow.unsafe.imports_passed_through():
    from activities.audit import AuditActivities
    from activities.errors import refusal
    from activities.wage_contract import WageContractActivities
    from contracts.audit import SealRequest
    from contracts.session import PollRef
    from contracts.wage_contract import CaseRef, OpenCaseRequest, WageCommandRequest
    from domain.actors import Acting, CommandMeta, check_person, system_acting
    from domain.errors import DomainError, InvalidState
    from domain.wage_contract import (
        CorrectDeadlines,
        EscalateReplyOverdue,
        EscalateReview,
        FlagFilingOverdue,
        FlagHigherUnionReportOverdue,
        FlagPublicationOverdue,
        FlagTalksStartOverdue,
        HumanCommand,
        OpenCase,
        OpenRenewal,
        RecordAdoptionFromPoll,
        RemindFiling,
        RemindReviewer,
        RemindTalksStart,
        ResumeTalks,
        Stage,
        TakeEffect,
        WageContractView,
        precheck_command,
    )


class WageContractInput(BaseModel):
    """Start (or continue) the process of one contract."""

    offer: OpenCase
    opened_by: Acting
    profile: str
    comment: str = ""
    activity_timeout_seconds: float = 30.0
    resumed: bool = False


class ActRequest(BaseModel):
    """A person's decision on the case: who, in which role, what, and why."""

    command: HumanCommand
    acting: Acting
    comment: str = ""


class WageContractStatus(BaseModel):
    """The status query's answer."""

    view: WageContractView | None
    waiting: Wait | None = None
    now: datetime
    history_length: int = Field(default=0)


# Patches (``workflow.patched``): behaviour added after histories were recorded. Each id is
# stored in the histories that took the new branch, so it is never renamed.
TALKS_START_DEADLINE = "wage-talks-start-deadline"
HIGHER_UNION_REPORT_DEADLINE = "wage-higher-union-report-deadline"
# The adoption-poll signal is checked against the ledger before it acts.
SIGNAL_CHECKED = "wage-adoption-signal-checked-in-ledger"


def workflow_id_for(case_id: str) -> str:
    """The workflow id of a case."""
    return f"wage-contract-{case_id}"


@workflow.defn(name="WageContract")
class WageContractWorkflow:
    """Wage special collective contract (工资专项集体合同) lifecycle."""

    @workflow.init
    def __init__(self, inp: WageContractInput) -> None:
        self.inp = inp
        self.view: WageContractView | None = None
        self.clock = Clock(self._current, self._system_step)
        self.tallied_polls: set[str] = set()

    # -- the process ----------------------------------------------------------------

    @workflow.run
    async def run(self, inp: WageContractInput) -> WageContractView:
        if inp.resumed:
            self.view = await self._activity(
                WageContractActivities.view, CaseRef(case_id=inp.offer.case_id)
            )
        else:
            meta = step_meta(inp.opened_by, "open", inp.comment)
            self.view = await self._activity(
                WageContractActivities.open_case,
                OpenCaseRequest(command=inp.offer, meta=meta, profile=inp.profile),
            )
        while not self._current().terminal:
            await self._next_turn()
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(inp.model_copy(update={"resumed": True}))
        self.clock.waiting = None
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._seal("completed")
        return self._current()

    async def _review_turn(self, v: WageContractView) -> None:
        review = v.reviews[-1]
        if review.overdue_at_top:
            await self.clock.change("pre_review_overdue")
        elif review.reminder_on is not None and not review.reminded:
            await self.clock.deadline(
                "pre_review_reminder", start_of(review.reminder_on), RemindReviewer()
            )
        else:
            await self.clock.deadline("pre_review", end_of(review.due), EscalateReview())

    async def _filing_turn(self, v: WageContractView) -> None:
        assert v.filing_due is not None
        if v.filing_overdue:
            await self.clock.change("filing_overdue")
        elif v.filing_reminder_on is not None and not v.filing_reminded:
            await self.clock.deadline(
                "filing_reminder", start_of(v.filing_reminder_on), RemindFiling()
            )
        else:
            await self.clock.deadline("filing", end_of(v.filing_due), FlagFilingOverdue())

    async def _talks_start_turn(self, v: WageContractView) -> None:
        assert v.talks_start_due is not None
        if v.talks_start_reminder_on is not None and not v.talks_start_reminded:
            await self.clock.deadline(
                "talks_start_reminder", start_of(v.talks_start_reminder_on), RemindTalksStart()
            )
        else:
            await self.clock.deadline(
                "talks_start", end_of(v.talks_start_due), FlagTalksStartOverdue()
            )

    async def _in_force_turn(self, v: WageContractView) -> None:
        """Effective or published: publication, the report to the higher union, renewal."""
        assert v.renewal_on is not None
        renewal = start_of(v.renewal_on)
        publication = end_of(v.publication_due) if v.publication_due else renewal
        report_pending = (
            v.higher_union_report_due is not None
            and v.higher_union_reported_on is None
            and not v.higher_union_report_overdue
        )
        if report_pending and workflow.patched(HIGHER_UNION_REPORT_DEADLINE):
            assert v.higher_union_report_due is not None
            steps: list[tuple[datetime, str, Any]] = []
            if v.stage is Stage.EFFECTIVE and not v.publication_overdue:
                steps.append((publication, "publication", FlagPublicationOverdue()))
            report = end_of(v.higher_union_report_due)
            steps.append((report, "higher_union_report", FlagHigherUnionReportOverdue()))
            steps.append((renewal, "renewal", OpenRenewal()))
            at, kind, command = min(steps, key=lambda step: step[0])  # the first of equals
            await self.clock.deadline(kind, at, command)
        elif v.stage is Stage.EFFECTIVE and not v.publication_overdue and publication < renewal:
            await self.clock.deadline("publication", publication, FlagPublicationOverdue())
        else:
            await self.clock.deadline("renewal", renewal, OpenRenewal())

    async def _next_turn(self) -> None:
        """Wait for the next thing the current stage waits for, or for any change."""
        v = self._current()
        stage = v.stage
        if (
            v.talks_not_started
            and not v.talks_start_overdue
            and workflow.patched(TALKS_START_DEADLINE)
        ):
            await self._talks_start_turn(v)
        elif stage is Stage.OFFERED and not v.reply_overdue:
            await self.clock.deadline("reply", end_of(v.reply_due), EscalateReplyOverdue())
        elif stage is Stage.SUSPENDED and v.suspended_until is not None:
            await self.clock.deadline(
                "suspension", start_of(v.suspended_until), ResumeTalks(), "suspension ended"
            )
        elif stage is Stage.UNDER_REVIEW:
            await self._review_turn(v)
        elif stage is Stage.SIGNED and v.filing_due is not None:
            await self._filing_turn(v)
        elif stage is Stage.FILED and v.review_window_until is not None:
            await self.clock.deadline("review_window", end_of(v.review_window_until), TakeEffect())
        elif stage in (Stage.EFFECTIVE, Stage.PUBLISHED) and v.renewal_on is not None:
            await self._in_force_turn(v)
        elif stage is Stage.APPROVED and v.adoption_poll is not None:
            await self._adoption_poll(v.adoption_poll)
        else:
            await self.clock.change(f"people:{stage.value}")

    async def _adoption_poll(self, poll_key: str) -> None:
        """Wait for the congress to vote on the draft; its tally is the adoption vote."""
        version = self._current().version
        self.clock.waiting = Wait(kind=f"congress_poll:{poll_key}")
        while True:
            await workflow.wait_condition(
                lambda: poll_key in self.tallied_polls or self._current().version != version
            )
            if self._current().version != version or not workflow.patched(SIGNAL_CHECKED):
                break
            # The signal is only a hint: the ledger says whether the poll is tallied (a
            # signal arriving while it is read is kept for the next turn).
            self.tallied_polls.discard(poll_key)
            facts = await run_step(
                WageContractActivities.poll_facts,
                PollRef(poll_key=poll_key),
                self.inp.activity_timeout_seconds,
            )
            if facts.tallied:
                break
        async with self.clock.lock:
            if self._current().version != version:
                return
            meta = step_meta(
                system_acting(),
                f"adoption-from-poll:v{version}",
                f"congress poll {poll_key} tallied",
            )
            self.view = await self._activity(
                WageContractActivities.run_command,
                WageCommandRequest(
                    case_id=self.inp.offer.case_id,
                    command=RecordAdoptionFromPoll(poll_key=poll_key),
                    meta=meta,
                ),
            )

    @workflow.signal
    def adoption_poll_tallied(self, poll_key: str) -> None:
        """The congress session tallied the poll on this draft."""
        self.tallied_polls.add(poll_key)

    async def _system_step(self, command: Any, meta: CommandMeta) -> None:
        self.view = await self._activity(
            WageContractActivities.run_command,
            WageCommandRequest(case_id=self.inp.offer.case_id, command=command, meta=meta),
        )
        if self.view.stage is Stage.EFFECTIVE and command.kind == "take_effect":
            await self._seal("effective")

    # -- people ---------------------------------------------------------------------

    @workflow.update
    async def act(self, req: ActRequest) -> WageContractView:
        """A person's decision; refused ones never reach the ledger."""
        async with self.clock.lock:
            # The case may have moved on since validation (another update, a deadline).
            self._check(req)
            meta = step_meta(req.acting, update_id(), req.comment)
            self.view = await self._activity(
                WageContractActivities.run_command,
                WageCommandRequest(case_id=self.inp.offer.case_id, command=req.command, meta=meta),
            )
            return self.view

    @workflow.update
    async def correct_deadlines(self) -> WageContractView:
        """A year's schedule was loaded: recompute this case's provisional deadlines."""
        async with self.clock.lock:
            meta = step_meta(system_acting(), update_id(), "year schedule loaded")
            self.view = await self._activity(
                WageContractActivities.run_command,
                WageCommandRequest(
                    case_id=self.inp.offer.case_id, command=CorrectDeadlines(), meta=meta
                ),
            )
            return self.view

    @correct_deadlines.validator
    def validate_correct_deadlines(self) -> None:
        """Only a case that is open can have its deadlines corrected."""
        if self.view is None or self.view.terminal:
            raise refusal(InvalidState("案件不在进行中", "the case is not running"))

    @act.validator
    def validate_act(self, req: ActRequest) -> None:
        """Refuse before history: wrong stage, wrong actor, conflict of interest."""
        self._check(req)

    def _check(self, req: ActRequest) -> None:
        try:
            if self.view is None:
                raise InvalidState("案件尚未建立", "the case is not open yet")
            check_person(req.acting)
            precheck_command(req.command, req.acting, self.view)
        except DomainError as e:
            raise refusal(e) from None

    @workflow.query
    def status(self) -> WageContractStatus:
        """Where the case stands and what the workflow waits for."""
        return WageContractStatus(
            view=self.view,
            waiting=self.clock.waiting,
            now=workflow.now(),
            history_length=workflow.info().get_current_history_length(),
        )

    # -- plumbing -------------------------------------------------------------------

    async def _seal(self, milestone: str) -> None:
        """Seal the ledger at a milestone, so the case's history so far is signed."""
        await workflow.execute_activity_method(
            AuditActivities.seal,
            SealRequest(case_id=self.inp.offer.case_id, milestone=milestone),
            start_to_close_timeout=timedelta(seconds=self.inp.activity_timeout_seconds * 4),
            retry_policy=RetryPolicy(maximum_interval=timedelta(seconds=30)),
        )

    def _current(self) -> WageContractView:
        assert self.view is not None
        return self.view

    async def _activity(
        self, activity: Callable[[Any, Any], WageContractView], arg: Any
    ) -> WageContractView:
        return await run_step(activity, arg, self.inp.activity_timeout_seconds)
