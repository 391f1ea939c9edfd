"""Shared workflow plumbing: the engine's clock for one case, and running a ledger step.

Every workflow whose state is a ledger view with a ``version`` holds a ``Clock``
(composition, not a mixin): each loop turn it awaits ``clock.deadline`` (or
``clock.change``) for what the current stage waits for; when a deadline passes with no
change, the clock runs the engine's own command through the step the workflow gave it.
Activities are called by method reference (``run_step(Activities.method, …)``), so a
renamed activity is a type error, not a runtime one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.actors import CHINA_TZ, Acting, CommandMeta, system_acting


class Wait(BaseModel):
    """What the workflow waits for now (shown by the status query)."""

    kind: str
    until: datetime | None = None


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day``, China time."""
    return datetime.combine(day, time.min, tzinfo=CHINA_TZ)


def end_of(day: date) -> datetime:
    """The end of ``day`` (a deadline "within N days" runs through its last day)."""
    return start_of(day + timedelta(days=1))


def step_meta(acting: Acting, step_id: str, comment: str = "") -> CommandMeta:
    """A command of this workflow: its id is the workflow id and a step id fixed by the
    workflow (an update's id, or a step name with the view version), so retries, replays
    and continue-as-new never apply it twice."""
    return CommandMeta(
        command_id=f"{workflow.info().workflow_id}:{step_id}",
        acting=acting,
        occurred_at=workflow.now(),
        comment=comment,
    )


def update_id() -> str:
    """The id of the update being handled (the caller's command id)."""
    info = workflow.current_update_info()
    assert info is not None
    return info.id


R = TypeVar("R")


async def run_step(
    activity: Callable[[Any, Any], R],
    arg: Any,
    timeout_seconds: float,
    heartbeat_seconds: float | None = None,
) -> R:
    """Run one ledger step as an activity; a domain refusal fails the step, not the workflow.

    A step that heartbeats (``heartbeat_seconds``) is retried that soon after its worker
    dies, not only when ``timeout_seconds`` has passed."""
    try:
        return await workflow.execute_activity_method(
            activity,
            arg,
            start_to_close_timeout=timedelta(seconds=timeout_seconds),
            heartbeat_timeout=(
                timedelta(seconds=heartbeat_seconds) if heartbeat_seconds is not None else None
            ),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
            ),
        )
    except ActivityError as e:
        if isinstance(e.cause, ApplicationError):
            raise ApplicationError(
                e.cause.message, *e.cause.details, type=e.cause.type, non_retryable=True
            ) from None
        raise


class Clock:
    """Deadlines, reminders and escalations of one case, fired as system commands.

    ``current`` returns the case's view (it has a ``version``); ``system_step`` runs the
    engine's command on the case and updates the workflow's view. People's steps take
    ``clock.lock`` too, so a deadline and a decision never both act on one version.
    """

    def __init__(
        self,
        current: Callable[[], Any],
        system_step: Callable[[Any, CommandMeta], Awaitable[None]],
    ) -> None:
        self._current = current
        self._system_step = system_step
        self.waiting: Wait | None = None
        self.lock = asyncio.Lock()

    async def change(self, kind: str) -> None:
        """Wait for people: any new fact on the case."""
        version = self._current().version
        self.waiting = Wait(kind=kind)
        await workflow.wait_condition(lambda: self._current().version != version)

    async def deadline(
        self, kind: str, at: datetime, command: Any, comment: str | None = None
    ) -> None:
        """Wait until ``at`` for a change; if none came, the engine runs ``command``."""
        version = self._current().version
        self.waiting = Wait(kind=kind, until=at)
        remaining = (at - workflow.now()).total_seconds()
        if remaining > 0:
            try:
                await workflow.wait_condition(
                    lambda: self._current().version != version, timeout=remaining
                )
                return
            except TimeoutError:
                pass
        async with self.lock:
            if self._current().version != version:
                return
            # The version the decision was taken at makes the id unique and stable.
            meta = step_meta(
                system_acting(), f"{command.kind}:v{version}", comment or f"deadline {kind} passed"
            )
            try:
                await self._system_step(command, meta)
            except ApplicationError as e:
                # The engine's own step was refused: a bug, not a business outcome. Fail
                # the workflow task (retried, visible to operators), not the process.
                raise RuntimeError(f"system step {command.kind} refused: {e}") from e
