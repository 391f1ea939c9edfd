"""The motion workflow: one per motion (提案), from filing to closing, lapse or rejection.

It owns the motion's clock (the end of the seconding window, the answer's reminder, due
date and escalation) and takes people's steps as validated updates; every fact is a ledger
command run in an activity. Its history grows with the motion's steps and seconders only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.clock import Clock, Wait, end_of, run_step, start_of, step_meta, update_id

with workflow.unsafe.imports_passed_through():
    from activities.errors import refusal, refusal_parts
    from activities.motion import MotionActivities
    from contracts.motion import FileMotionRequest, MotionCommandRequest, MotionRef
    from domain.actors import CHINA_TZ, Acting, CommandMeta, check_person
    from domain.errors import DomainError, InvalidState
    from domain.motion import (
        CloseSeconding,
        FileMotion,
        FlagAnswerOverdue,
        HumanCommand,
        MotionView,
        RemindAnswer,
        Stage,
        check_command,
        precheck,
    )


class MotionInput(BaseModel):
    """File a motion (or continue its process after continue-as-new)."""

    motion_id: str
    call_key: str
    command: FileMotion
    meta: CommandMeta  # the filing as the service decided it, so its dry run matches
    activity_timeout_seconds: float = 30.0
    resumed: bool = False


class MotionActRequest(BaseModel):
    """A person's step on the motion: who, in which role, what, and why."""

    command: HumanCommand
    acting: Acting
    comment: str = ""


class Refusal(BaseModel):
    """Why the filing was refused (the workflow then ends without a motion)."""

    code: str
    message_zh: str
    message_en: str


class MotionStatus(BaseModel):
    """The status query's answer."""

    view: MotionView | None
    refusal: Refusal | None = None
    waiting: Wait | None = None
    now: datetime
    history_length: int = 0


def motion_workflow_id(motion_id: str) -> str:
    """The workflow id of a motion."""
    return f"motion-{motion_id}"


@workflow.defn(name="Motion")
class MotionWorkflow:
    """A motion (提案) of a delegate to the workers' congress."""

    @workflow.init
    def __init__(self, inp: MotionInput) -> None:
        self.inp = inp
        self.view: MotionView | None = None
        self.refusal: Refusal | None = None
        self.clock = Clock(self._current, self._system_step)

    # -- the process ----------------------------------------------------------------

    @workflow.run
    async def run(self, inp: MotionInput) -> MotionView | None:
        if inp.resumed:
            self.view = await self._activity(
                MotionActivities.view, MotionRef(motion_id=inp.motion_id)
            )
        else:
            try:
                self.view = await self._activity(
                    MotionActivities.file,
                    FileMotionRequest(
                        motion_id=inp.motion_id,
                        call_key=inp.call_key,
                        command=inp.command,
                        meta=inp.meta,
                    ),
                )
            except ApplicationError as e:
                parts = refusal_parts(e)
                if parts is None:
                    raise
                # A refused filing is an answer, not a failure: the service reads it from
                # the status query (a failed workflow's result must not be awaited in tests).
                code, zh, en = parts
                self.refusal = Refusal(code=code, message_zh=zh, message_en=en)
                return None
        while not self._current().terminal:
            await self._next_turn()
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(inp.model_copy(update={"resumed": True}))
        self.clock.waiting = None
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._current()

    async def _next_turn(self) -> None:
        """Wait for the next date the current stage waits for, or for any change."""
        v = self._current()
        if v.stage is Stage.SECONDING:
            await self.clock.deadline("seconding", start_of(v.closes_on), CloseSeconding())
        elif v.stage is Stage.IN_HANDLING and v.due is not None:
            if v.overdue:
                await self.clock.change("answer_overdue")
            elif v.reminder_on is not None and not v.reminded:
                await self.clock.deadline(
                    "answer_reminder", start_of(v.reminder_on), RemindAnswer()
                )
            else:
                await self.clock.deadline("answer", end_of(v.due), FlagAnswerOverdue())
        else:
            await self.clock.change(f"people:{v.stage.value}")

    async def _system_step(self, command: Any, meta: CommandMeta) -> None:
        self.view = await self._activity(
            MotionActivities.command,
            MotionCommandRequest(motion_id=self.inp.motion_id, command=command, meta=meta),
        )

    # -- people ---------------------------------------------------------------------

    @workflow.update
    async def act(self, req: MotionActRequest) -> MotionView:
        """A person's step; refused ones never reach the ledger."""
        async with self.clock.lock:
            # The motion may have moved on since validation (another update, a deadline).
            self._check(req)
            meta = step_meta(req.acting, update_id(), req.comment)
            self.view = await self._activity(
                MotionActivities.command,
                MotionCommandRequest(motion_id=self.inp.motion_id, command=req.command, meta=meta),
            )
            return self.view

    @act.validator
    def validate_act(self, req: MotionActRequest) -> None:
        """Refuse before history: wrong stage, wrong actor, window closed, missing reasons."""
        self._check(req)

    def _check(self, req: MotionActRequest) -> None:
        try:
            if self.view is None:
                raise InvalidState("提案尚未建立", "the motion is not filed yet")
            check_person(req.acting)
            precheck(req.command.kind, req.acting, self.view, today=self._today())
            check_command(req.command, self.view)
        except DomainError as e:
            raise refusal(e) from None

    @workflow.query
    def status(self) -> MotionStatus:
        """Where the motion stands and what the workflow waits for."""
        return MotionStatus(
            view=self.view,
            refusal=self.refusal,
            waiting=self.clock.waiting,
            now=workflow.now(),
            history_length=workflow.info().get_current_history_length(),
        )

    # -- plumbing -------------------------------------------------------------------

    def _today(self) -> date:
        return workflow.now().astimezone(CHINA_TZ).date()

    def _current(self) -> MotionView:
        assert self.view is not None
        return self.view

    async def _activity(self, activity: Callable[[Any, Any], MotionView], arg: Any) -> MotionView:
        return await run_step(activity, arg, self.inp.activity_timeout_seconds)
