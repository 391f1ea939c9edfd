"""Record what the guards check: the demo's workflow histories and a ledger fixture.

Later code must replay the histories (``tests/replay/test_demo_histories.py``) and load and
verify every ledger fixture (``tests/guards/test_stored_forever.py``). Record new histories
after an intended, versioned change (``workflow.patched``), so its new branch is replayed
too; the old recordings are kept, never rewritten::

    .venv/bin/python -m tests.guards.record

A ledger fixture is written by the code of its day and never rewritten: ``--ledger`` adds
the next one (``ledger-v2.db``, …) beside the old ones, which stay.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import sys
import tempfile
import uuid
from pathlib import Path

from rich.console import Console
from temporalio.api.workflowservice.v1 import (
    ListClosedWorkflowExecutionsRequest,
    ListOpenWorkflowExecutionsRequest,
)
from temporalio.testing import WorkflowEnvironment

from bootstrap import build_app, build_worker, start_time_skipping
from demo import EXAMPLE_DIRECTORY, Demo
from logs import configure_logging
from settings import Settings

HERE = Path(__file__).resolve().parent
HISTORIES = HERE.parent / "replay" / "demo"
RECORDED_TYPES = {"CongressSession", "Motion", "WageContract"}


async def executions(env: WorkflowEnvironment) -> list[tuple[str, str]]:
    """(workflow id, type) of every execution, open or closed (the test server has no list)."""
    service = env.client.workflow_service
    ns = env.client.namespace
    found: dict[str, str] = {}
    for response in (
        await service.list_open_workflow_executions(
            ListOpenWorkflowExecutionsRequest(namespace=ns, maximum_page_size=1000)
        ),
        await service.list_closed_workflow_executions(
            ListClosedWorkflowExecutionsRequest(namespace=ns, maximum_page_size=1000)
        ),
    ):
        for info in response.executions:
            found[info.execution.workflow_id] = info.type.name
    return sorted(found.items())


async def record(new_ledger: bool) -> int:
    configure_logging("console", "WARNING")
    with tempfile.TemporaryDirectory() as tmp:
        # Recorded in clear, whatever the environment says: the replay tests and any
        # checkout replay them without a payload key.
        settings = Settings(
            data_dir=Path(tmp) / "var", rule_profile="liaoning", payload_key_file=None
        )
        app = build_app(settings)
        app.directory.load(
            app.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin", source="examples"
        )
        env = await start_time_skipping(settings)
        task_queue = f"record-{uuid.uuid4()}"
        try:
            async with build_worker(env.client, app, task_queue):
                code = await Demo(app, env, Console(quiet=True), task_queue).run()
                # Added beside the old recordings, which stay: they hold the branches
                # from before each patch, which running processes may still be on.
                HISTORIES.mkdir(parents=True, exist_ok=True)
                for wf_id, wf_type in await executions(env):
                    if wf_type not in RECORDED_TYPES:
                        continue
                    history = await env.client.get_workflow_handle(wf_id).fetch_history()
                    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in wf_id) + ".json"
                    (HISTORIES / name).write_text(history.to_json(), "utf-8")
                    print(f"{wf_type:16} {wf_id} -> {name} ({len(history.events)} events)")
        finally:
            await env.shutdown()
        app.close()
        # A compact single-file copy: sqlite's backup folds the WAL into the file.
        if new_ledger:
            fixture = HERE / f"ledger-v{len(list(HERE.glob('ledger-v*.db'))) + 1}.db"
            # A compact single-file copy: sqlite's backup folds the WAL into the file.
            with (
                sqlite3.connect(app.settings.sqlite_path) as src,
                sqlite3.connect(fixture) as dst,
            ):
                src.backup(dst)
            print(f"ledger -> {fixture} ({fixture.stat().st_size} bytes)")
        print(f"demo exit {code}")
        shutil.rmtree(tmp, ignore_errors=True)
        return code


if __name__ == "__main__":
    raise SystemExit(asyncio.run(record(new_ledger="--ledger" in sys.argv[1:])))
