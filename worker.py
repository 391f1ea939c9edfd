"""Starts a UnionFlow worker from settings: ``unionflow worker`` or ``python worker.py``."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import structlog
from temporalio.client import Client

from bootstrap import App, build_app, build_worker, connect
from logs import configure_logging
from settings import Settings

log = structlog.get_logger(__name__)


async def run_worker(
    app: App, address: str | None = None, stop: asyncio.Event | None = None
) -> None:
    """Poll the task queue until ``stop`` is set (or SIGINT/SIGTERM)."""
    app.use_io_threads()
    client = await connect(app.settings, address)
    worker = build_worker(client, app)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    log.info(
        "worker_started",
        address=client.service_client.config.target_host,
        namespace=app.settings.temporal_namespace,
        task_queue=app.settings.task_queue,
        ledger=app.settings.ledger_backend.value,
        payloads_encrypted=app.settings.payload_key_file is not None,
    )
    async with worker:
        sealing = asyncio.create_task(seal_periodically(app, stop))
        rolls = asyncio.create_task(wake_complete_rolls(app, client, stop))
        await stop.wait()
        await sealing
        await rolls
    log.info("worker_stopped")


async def wake_complete_rolls(app: App, client: Client, stop: asyncio.Event) -> None:
    """Every ``roll_check_seconds``, tell the sessions whose open poll's roll is complete:
    ballots and check-ins need no Temporal server, so the last ballot may have been cast
    while it was down."""
    sessions = app.facades(client).sessions
    told: dict[str, float] = {}
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=app.settings.roll_check_seconds)
            return
        except TimeoutError:
            pass
        try:
            for key in await sessions.wake_complete_rolls(told):
                log.info("roll_complete_told", poll_key=key)
        except Exception as e:  # noqa: BLE001 - tried again next period
            log.warning("roll_watch_failed", error=str(e))


async def seal_periodically(app: App, stop: asyncio.Event) -> None:
    """Seal the ledger every ``seal_interval_seconds`` while its log advanced, until ``stop``
    is set: events are covered by a witnessed seal within that interval of being written."""
    interval = app.settings.seal_interval_seconds
    if interval <= 0:
        return
    audit = app.audit()
    sealed_at = -1
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
            return
        except TimeoutError:
            pass
        try:
            head = await asyncio.to_thread(app.ledger.max_notification_id)
            if head == sealed_at:
                continue  # nothing written since the last look
            seal = await asyncio.to_thread(audit.seal, "periodic seal")
            # The seal's own events are no news; an event written meanwhile is (None).
            settled = await asyncio.to_thread(audit.settled_head)
            sealed_at = settled if settled is not None else -1
            if seal is not None:
                log.info("ledger_sealed", upto=seal.to_notification_id, reason="periodic")
        except Exception as e:  # noqa: BLE001 - a failed seal is retried next period
            log.warning("seal_failed", error=str(e))


def main() -> None:
    """Entry point for ``python worker.py``."""
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    app = build_app(settings, migrate=True)  # the ledger's tables, on PostgreSQL
    try:
        asyncio.run(run_worker(app))
    finally:
        app.close()


if __name__ == "__main__":
    main()
