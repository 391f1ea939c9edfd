"""On PostgreSQL the ledger's tables are created once, by ``unionflow migrate`` (and the
start of ``up`` and ``worker``), never by every process (issue 8, point 20).

Before: each CLI process ran eventsourcing's DDL as it opened the ledger, and of 21
commands started together 1 to 3 crashed with "tuple concurrently updated" (3, 1 and 1
in three runs of ``directory show`` on a fresh schema). Every command here is a process
of its own, as people and scripts run them.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from bootstrap import build_app, build_worker
from domain.poll import ItemKind
from domain.session import AgendaItem
from services.sessions import SessionService
from settings import LedgerBackend, Settings
from tests.accounts_support import cli_login
from tests.conftest import EXAMPLE_DIRECTORY
from tests.congress.workflow.test_session_workflow import (
    CHAIR,
    congress_with_roster,
    roster_ids,
    today,
)

pytestmark = pytest.mark.postgres

UNIONFLOW = str(Path(sys.executable).parent / "unionflow")
PG_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
CONCURRENT = 21


@pytest.fixture
def schema() -> Iterator[str]:
    """A schema of the test's own, empty: a database nobody has migrated."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


@pytest.fixture
def settings(schema: str, tmp_path: Path, task_queue: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        ledger_backend=LedgerBackend.POSTGRES,
        postgres_db="test",
        postgres_schema=schema,
        task_queue=task_queue,
    )


def cli_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "UNIONFLOW_DATA_DIR": str(settings.data_dir),
        "UNIONFLOW_LEDGER_BACKEND": "postgres",
        "UNIONFLOW_POSTGRES_DB": settings.postgres_db,
        "UNIONFLOW_POSTGRES_SCHEMA": settings.postgres_schema,
        "UNIONFLOW_TEMPORAL_ADDRESS": "127.0.0.1:1",  # nothing here needs Temporal
    }


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [UNIONFLOW, *args], env=cli_env(settings), capture_output=True, text=True, timeout=120
    )


def at_once(settings: Settings, commands: list[list[str]]) -> list[tuple[int, str]]:
    """Start every command before waiting for any; their exit statuses and stderr."""
    children = [
        subprocess.Popen(
            [UNIONFLOW, *args],
            env=cli_env(settings),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in commands
    ]
    errors = [child.communicate(timeout=120)[1] for child in children]
    return [(child.returncode, err) for child, err in zip(children, errors, strict=True)]


def tables(schema: str) -> set[str]:
    with psycopg.connect(PG_DSN) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = %s", (schema,)
        ).fetchall()
    return {r[0] for r in rows}


def test_a_command_on_a_database_without_tables_is_refused_naming_migrate(
    settings: Settings, schema: str
):
    for lang, words in (("zh", "先运行 unionflow migrate"), ("en", "run unionflow migrate")):
        for command in (["directory", "show"], ["congress", "check-in", "c:s", "--as", "d1"]):
            result = cli(settings, "--lang", lang, *command)
            assert result.returncode == 2, result.stderr
            assert words in " ".join(result.stderr.split()), result.stderr
            assert "Traceback" not in result.stderr and schema in result.stderr
    assert tables(schema) == set()  # and nothing was created on the way


def test_migrate_is_safe_to_run_again_and_many_at_once(settings: Settings, schema: str):
    together = at_once(settings, [["migrate"]] * 8)
    assert [code for code, _ in together] == [0] * 8, together
    again = cli(settings, "migrate")
    assert again.returncode == 0 and schema in again.stdout, again.stderr
    # The ledger's one table, and the web's sign-in and check-in code stores (shared by
    # every web process).
    assert tables(schema) == {
        "unionflow_events",
        "web_sessions",
        "web_failures",
        "web_source_failures",
        "web_totp_used",
        "web_checkin_codes",
        "web_checkin_wrong",
    }
    loaded = cli(settings, "directory", "load", str(EXAMPLE_DIRECTORY), "--as", "ops.admin")
    assert loaded.returncode == 0, loaded.stderr


async def test_21_check_ins_started_together_after_migrate_none_crashes(
    time_skipping_env, settings: Settings
):
    assert cli(settings, "migrate").returncode == 0
    app = build_app(settings)  # an ordinary process: it opens, it creates nothing
    try:
        app.directory.load(app.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
        env = time_skipping_env
        async with build_worker(env.client, app, settings.task_queue):
            key = await congress_with_roster(app, env)
            svc = SessionService(
                env.client, app.congresses, app.polls, settings, settings.task_queue
            )
            day = await today(env)
            agenda = [AgendaItem(no=1, title="审议", kind=ItemKind.ADVICE)]
            sid = (
                await svc.convene(
                    CHAIR, key, "s", agenda, papers_sent_on=day - timedelta(days=7), opens_on=day
                )
            ).session_id
            await svc.open_session(sid, CHAIR)
        delegates = roster_ids()[:CONCURRENT]
        cli_login(app, *delegates)
        commands = [["congress", "check-in", sid, "--as", d] for d in delegates]
        results = await asyncio.to_thread(at_once, settings, commands)
        crashed = [err.strip().splitlines()[-1:] for code, err in results if code != 0]
        assert crashed == [], crashed
        assert app.polls.present(sid) == CONCURRENT
    finally:
        app.close()
