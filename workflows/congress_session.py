"""A session of the workers' congress: convene, open, item-by-item polls, close, publish,
report to the higher union within N working days.

Ballots never pass through this workflow (they go to the ledger through the service
layer); it owns the clock and the transitions: opening and closing each poll (by the
chair, at its deadline, or when every checked-in delegate has voted), tallying, and the
report deadline. Its history grows with the number of items, not of delegates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, Field
from temporalio import workflow

from workflows.clock import Clock, end_of, run_step, start_of, step_meta, update_id

with workflow.unsafe.imports_passed_through():
    from activities.congress import CongressActivities
    from activities.errors import refusal
    from contracts.session import (
        ConveneRequest,
        DecideRequest,
        OpenPollRequest,
        PollFacts,
        PollRef,
        PollStep,
        SessionCommand,
        SessionStep,
        SessionStepKind,
        SetAsideRequest,
    )
    from domain.actors import CHINA_TZ, Acting, CommandMeta, check_person, system_acting
    from domain.errors import DomainError, InvalidInput, InvalidState
    from domain.poll import OPTION_LABELS, PollView
    from domain.session import (
        ItemOutcome,
        SessionStatus,
        SessionView,
        check_set_aside,
        precheck,
    )
    from domain.text import MAX_MINUTES, Minutes

R = TypeVar("R")
HEARTBEAT_SECONDS = 5.0

# Roll-complete and paper-count signals are checked against the ledger before they act.
SIGNALS_CHECKED = "session-signals-checked-in-ledger"


class SessionInput(BaseModel):
    """Convene a session."""

    state: SessionView
    convened_by: Acting
    activity_timeout_seconds: float = 30.0


class ChairRequest(BaseModel):
    """A step taken by the chair (a cadre of the unit)."""

    acting: Acting
    comment: str = ""


class OpenPollCommand(BaseModel):
    """Put an agenda item to the vote."""

    acting: Acting
    item_no: int
    minutes: Minutes | None = Field(default=None, description="Close automatically after.")
    paper: bool = False
    tellers: list[str] = Field(default_factory=list)


class ClosePollCommand(BaseModel):
    """The chair ends voting on an item."""

    acting: Acting
    item_no: int


class SetAsideCommand(BaseModel):
    """The chair sets an item aside (搁置), with a reason."""

    acting: Acting
    item_no: int
    reason: str


class PollProgress(BaseModel):
    """Where one item's poll stands in the workflow."""

    poll_key: str
    item_no: int
    stage: str  # open, counting, tallied, set_aside
    closes_at: datetime | None = None


class SessionStatusView(BaseModel):
    """The status query's answer."""

    view: SessionView | None
    polls: list[PollProgress]
    now: datetime
    history_length: int


def session_workflow_id(session_id: str) -> str:
    """The workflow id of a session."""
    return f"congress-session-{session_id}"


@workflow.defn(name="CongressSession")
class CongressSessionWorkflow:
    """A session of the workers' congress (职工代表大会)."""

    @workflow.init
    def __init__(self, inp: SessionInput) -> None:
        self.inp = inp
        self.view: SessionView | None = None
        self.polls: dict[str, PollProgress] = {}
        self.close_requested: set[str] = set()
        self.roll_complete: set[str] = set()
        self.paper_counted: set[str] = set()
        self.set_aside: set[str] = set()
        self.clock = Clock(self._v, self._system_step)
        self.tasks: list[asyncio.Task[None]] = []

    @workflow.run
    async def run(self, inp: SessionInput) -> SessionView:
        meta = step_meta(inp.convened_by, "convene")
        self.view = await self._activity(
            CongressActivities.convene, ConveneRequest(state=inp.state, meta=meta)
        )
        await workflow.wait_condition(lambda: self._v().status is not SessionStatus.CONVENED)
        await workflow.wait_condition(
            lambda: self._v().status is not SessionStatus.OPEN and not self._polls_running()
        )
        while self._v().status is SessionStatus.CLOSED:
            v = self._v()
            if (
                v.publication_due is not None
                and not v.publication_overdue
                and workflow.patched("session-publication-deadline")
            ):
                step = SessionStep(kind="flag_publication_overdue")
                await self.clock.deadline("publication", end_of(v.publication_due), step)
            else:
                await workflow.wait_condition(lambda: self._v().status is not SessionStatus.CLOSED)
        while self._v().status is SessionStatus.PUBLISHED:
            await self._report_deadline()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._v()

    async def _report_deadline(self) -> None:
        v = self._v()
        if v.report_overdue or v.report_due is None:
            await self.clock.change("report_overdue")
        elif v.report_reminder_on is not None and not v.report_reminded:
            step = SessionStep(kind="remind_report")
            await self.clock.deadline("report_reminder", start_of(v.report_reminder_on), step)
        else:
            step = SessionStep(kind="flag_report_overdue")
            await self.clock.deadline("report", end_of(v.report_due), step)

    async def _system_step(self, step: SessionStep, meta: CommandMeta) -> None:
        await self._session_step(step.kind, meta)

    # -- the chair ---------------------------------------------------------------------

    @workflow.update
    async def open_session(self, req: ChairRequest) -> SessionView:
        """Open the session (开幕)."""
        async with self.clock.lock:
            return await self._session_step("open", self._meta(req))

    @open_session.validator
    def _validate_open_session(self, req: ChairRequest) -> None:
        self._precheck("open", req.acting)

    @workflow.update
    async def open_poll(self, req: OpenPollCommand) -> PollView:
        """Put an item to the vote; the quorum is checked when it opens."""
        async with self.clock.lock:
            view = self._v()
            item = view.item(req.item_no)
            key = view.poll_key(req.item_no)
            spec = view.poll_spec(req.item_no, paper=req.paper, tellers=req.tellers)
            # The deadline is computed before the poll opens in the ledger, so nothing
            # after the open can fail and leave an open poll without its timer.
            closes_at = workflow.now() + timedelta(minutes=req.minutes) if req.minutes else None
            poll = await self._activity(
                CongressActivities.open_poll,
                OpenPollRequest(spec=spec, meta=step_meta(req.acting, update_id())),
            )
            self.polls[key] = PollProgress(
                poll_key=key, item_no=item.no, stage="open", closes_at=closes_at
            )
            self.tasks.append(asyncio.create_task(self._run_poll(key, req.paper)))
            return poll

    @open_poll.validator
    def _validate_open_poll(self, req: OpenPollCommand) -> None:
        self._precheck("open_poll", req.acting)
        if req.minutes is not None and not 0 < req.minutes <= MAX_MINUTES:
            # Minutes bounds it when the update is decoded; this holds for any caller.
            raise refusal(
                InvalidInput(
                    f"限时须为 0 到 {MAX_MINUTES:g} 分钟", f"minutes between 0 and {MAX_MINUTES:g}"
                )
            )
        view = self._v()
        try:
            view.poll_spec(req.item_no, paper=req.paper, tellers=req.tellers)
        except DomainError as e:
            raise refusal(e) from None
        if view.poll_key(req.item_no) in self.polls:
            raise refusal(InvalidState("该议题已经表决", "this item has been put to the vote"))

    @workflow.update
    async def close_poll(self, req: ClosePollCommand) -> PollProgress:
        """The chair ends voting on an item."""
        key = self._v().poll_key(req.item_no)
        self.close_requested.add(key)
        await workflow.wait_condition(lambda: self.polls[key].stage != "open")
        return self.polls[key]

    @close_poll.validator
    def _validate_close_poll(self, req: ClosePollCommand) -> None:
        self._precheck("close_poll", req.acting)
        key = self._v().poll_key(req.item_no)
        if key not in self.polls or self.polls[key].stage != "open":
            raise refusal(InvalidState("该议题不在表决中", "this item is not being voted on"))

    @workflow.update
    async def set_aside_item(self, req: SetAsideCommand) -> SessionView:
        """Set an item aside with a reason: its poll, if any, closes and is never tallied,
        so an item stuck in counting never keeps the session from closing."""
        async with self.clock.lock:
            view = self._v()
            key = view.poll_key(req.item_no)
            self.view = await self._activity(
                CongressActivities.set_aside,
                SetAsideRequest(
                    session_id=view.session_id,
                    item_no=req.item_no,
                    reason=req.reason,
                    meta=step_meta(req.acting, update_id(), req.reason),
                ),
            )
            self.set_aside.add(key)
        if key in self.polls:
            await workflow.wait_condition(lambda: self.polls[key].stage == "set_aside")
        return self._v()

    @set_aside_item.validator
    def _validate_set_aside(self, req: SetAsideCommand) -> None:
        self._precheck("set_aside", req.acting)
        try:
            check_set_aside(self._v(), req.item_no, req.reason)  # refuses a decided item
        except DomainError as e:
            raise refusal(e) from None

    @workflow.signal
    def roll_completed(self, poll_key: str) -> None:
        """Every checked-in delegate may have voted (a hint from the ballot service or the
        workers' roll watcher, naming only the poll): checked against the ledger before
        the poll closes."""
        self.roll_complete.add(poll_key)

    @workflow.signal
    def paper_count_agreed(self, poll_key: str) -> None:
        """Both tellers entered matching counts (sent by the ballot service)."""
        self.paper_counted.add(poll_key)

    @workflow.update
    async def close_session(self, req: ChairRequest) -> SessionView:
        """Close the session (闭幕): every poll must be tallied."""
        async with self.clock.lock:
            return await self._session_step("close", self._meta(req))

    @close_session.validator
    def _validate_close_session(self, req: ChairRequest) -> None:
        self._precheck("close", req.acting)
        if self._polls_running():
            raise refusal(
                InvalidState("仍有议题在表决或计票中", "a poll is still open or being counted")
            )

    @workflow.update
    async def publish_results(self, req: ChairRequest) -> SessionView:
        """Publish the results to employees; the report to the higher union falls due."""
        async with self.clock.lock:
            return await self._session_step("publish", self._meta(req))

    @publish_results.validator
    def _validate_publish(self, req: ChairRequest) -> None:
        self._precheck("publish", req.acting)

    @workflow.update
    async def report(self, req: ChairRequest) -> SessionView:
        """Report the session to the higher union (报上级工会备案)."""
        async with self.clock.lock:
            return await self._session_step("report", self._meta(req))

    @report.validator
    def _validate_report(self, req: ChairRequest) -> None:
        self._precheck("report", req.acting)

    @workflow.query
    def status(self) -> SessionStatusView:
        """The session, its polls, and the workflow's clock."""
        return SessionStatusView(
            view=self.view,
            polls=list(self.polls.values()),
            now=workflow.now(),
            history_length=workflow.info().get_current_history_length(),
        )

    # -- polls ---------------------------------------------------------------------------

    async def _run_poll(self, key: str, paper: bool) -> None:
        progress = self.polls[key]
        reason = await self._wait_for_close(progress)
        system = system_acting(self._v().unit_org)
        await self._activity(
            CongressActivities.close_poll,
            PollStep(poll_key=key, reason=reason, meta=step_meta(system, f"close:{key}")),
            heartbeat=True,
        )
        progress.stage = "counting"
        if paper:
            await self._wait_for_paper_count(key)
        if key in self.set_aside:
            progress.stage = "set_aside"
            return
        poll = await self._activity(
            CongressActivities.tally_poll,
            PollStep(poll_key=key, meta=step_meta(system, f"tally:{key}")),
            heartbeat=True,
        )
        async with self.clock.lock:
            if key in self.set_aside:  # set aside while it was being counted
                progress.stage = "set_aside"
                return
            self.view = await self._activity(
                CongressActivities.decide,
                DecideRequest(
                    session_id=self._v().session_id,
                    outcome=outcome_of(poll),
                    meta=step_meta(system, f"decide:{key}"),
                ),
            )
        progress.stage = "tallied"
        item = self._v().item(progress.item_no)
        if item.wage_case_id:
            # The wage contract's adoption step waits for this poll.
            try:
                await workflow.get_external_workflow_handle(
                    f"wage-contract-{item.wage_case_id}"
                ).signal("adoption_poll_tallied", key)
            except Exception as e:  # noqa: BLE001 - the contract may be gone; the vote stands
                workflow.logger.warning("adoption signal not delivered: %s", e)

    async def _wait_for_close(self, progress: PollProgress) -> str:
        """Why the poll closes: the chair, set aside, a complete roll, or its deadline.

        A roll-complete signal is only a hint: the ledger says whether the roll is complete
        (a signal arriving while it is read is kept for the next turn).
        """
        key = progress.poll_key
        while True:
            timeout = None
            if progress.closes_at is not None:
                timeout = max((progress.closes_at - workflow.now()).total_seconds(), 0.001)
            try:
                await workflow.wait_condition(
                    lambda: (
                        key in self.close_requested
                        or key in self.roll_complete
                        or key in self.set_aside
                    ),
                    timeout=timeout,
                )
            except TimeoutError:
                return "deadline"
            if key in self.set_aside:
                return "set_aside"
            if key in self.close_requested:
                return "chair"
            if not workflow.patched(SIGNALS_CHECKED):
                return "roll_complete"
            self.roll_complete.discard(key)
            if (await self._poll_facts(key)).roll_complete:
                return "roll_complete"

    async def _wait_for_paper_count(self, key: str) -> None:
        """Until the tellers' counts agree in the ledger (the signal is only a hint)."""
        while True:
            await workflow.wait_condition(
                lambda: key in self.paper_counted or key in self.set_aside
            )
            if key in self.set_aside or not workflow.patched(SIGNALS_CHECKED):
                return
            self.paper_counted.discard(key)
            if (await self._poll_facts(key)).paper_count_agreed:
                return

    async def _poll_facts(self, key: str) -> PollFacts:
        return await self._activity(CongressActivities.poll_facts, PollRef(poll_key=key))

    def _polls_running(self) -> bool:
        return any(p.stage not in ("tallied", "set_aside") for p in self.polls.values())

    # -- plumbing -------------------------------------------------------------------------

    async def _session_step(self, kind: SessionStepKind, meta: CommandMeta) -> SessionView:
        cmd = SessionCommand(session_id=self._v().session_id, kind=kind, meta=meta)
        self.view = await self._activity(CongressActivities.command, cmd)
        return self.view

    def _meta(self, req: ChairRequest) -> CommandMeta:
        return step_meta(req.acting, update_id(), req.comment)

    def _v(self) -> SessionView:
        assert self.view is not None
        return self.view

    def _precheck(self, kind: str, acting: Acting) -> None:
        """The domain's rules for the chair's steps, refused before history."""
        try:
            if self.view is None:
                raise InvalidState("会议尚未建立", "the session is not convened yet")
            check_person(acting)
            today = workflow.now().astimezone(CHINA_TZ).date()
            precheck(kind, acting, self.view, today=today)
        except DomainError as e:
            raise refusal(e) from None

    async def _activity(
        self, activity: Callable[[Any, Any], R], arg: Any, *, heartbeat: bool = False
    ) -> R:
        # Closing and tallying heartbeat: after a worker dies between a poll's close and
        # its tally, the step is retried within seconds, not after the whole timeout.
        beat = HEARTBEAT_SECONDS if heartbeat else None
        return await run_step(activity, arg, self.inp.activity_timeout_seconds * 4, beat)


def outcome_of(poll: PollView) -> ItemOutcome:
    """A one-line summary of a tallied poll for the session record."""
    result = poll.result
    assert result is not None
    counts = ", ".join(f"{OPTION_LABELS.get(k, (k, k))[0]} {v}" for k, v in result.counts.items())
    if result.elected:
        summary = f"当选 elected: {'、'.join(result.elected)} ({counts})"
    elif result.satisfaction_rate is not None:
        summary = f"满意率 satisfaction {result.satisfaction_rate} ({counts})"
    else:
        verdict = "通过 passed" if result.passed else "未通过 not passed"
        summary = f"{verdict} ({counts}; {result.rule})"
    if not result.quorum_met:
        summary = f"不足法定人数 no quorum at close; {summary}"
    return ItemOutcome(
        item_no=poll.spec.item_no,
        poll_key=poll.spec.poll_key,
        summary=summary,
        passed=result.passed,
    )
