"""What every facade shares: the business clock, starting a case's workflow once, and
waiting until it has recorded its case."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.errors import InvalidState
from services.errors import raise_domain_error

Clock = Callable[[], Awaitable[datetime]]


async def wall_clock() -> datetime:
    """Real time; tests and the demo pass the time-skipping server's clock instead."""
    return datetime.now(UTC)


async def start_once(
    client: Client,
    run: Any,
    arg: Any,
    *,
    workflow_id: str,
    task_queue: str,
    exists: tuple[str, str],
) -> WorkflowHandle[Any, Any]:
    """Start the workflow of one case; a second start for the same case is refused."""
    try:
        return await client.start_workflow(
            run,
            arg,
            id=workflow_id,
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError as e:
        raise InvalidState(*exists) from e


async def first_view(handle: WorkflowHandle[Any, Any], status_query: Any, what: str) -> Any:
    """The case's view once the workflow's first activity recorded it.

    Services refuse bad input before starting a workflow; if the ledger still refused
    the first step, the failed workflow's error is raised as the domain error it was.
    """
    for _ in range(600):
        status = await handle.query(status_query)
        if status.view is not None:
            return status.view
        try:
            desc = await handle.describe()
            if desc.status is not None and desc.status.name in ("FAILED", "TERMINATED"):
                await handle.result()
        except Exception as e:  # noqa: BLE001 - mapped in one place
            raise_domain_error(e)
        await asyncio.sleep(0.1)
    raise TimeoutError(f"the {what} was not recorded in time (is a worker running?)")
