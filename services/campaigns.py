"""The campaign facade (集中行动): the one entry point of the CLI, web, demo and tests.

Opening a campaign records it in the ledger and starts its workflow, once per campaign;
the organiser's reminder round now and the close are updates of that workflow, with the
caller's command id as the update id. Units' imports, reports, reviews and membership go
straight to the ledger through ``application.campaigns``, never as one signal per unit: a
campaign has 10,000 of them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from temporalio.client import Client, WorkflowHandle

from application.campaigns import CampaignLedger, PendingReview, PopulationImport
from application.command_meta import command_meta
from application.directory import DirectoryService
from domain.actors import CHINA_TZ, Acting, CommandMeta, Role
from domain.campaign.aggregate import check_organiser
from domain.campaign.definition import Filter, Source
from domain.campaign.values import CampaignView, Phase, ReportStatus, UnitView
from domain.errors import InvalidState, NotFound
from services.errors import raise_domain_error
from services.workflows import Clock, start_once, wall_clock
from settings import Settings
from workflows.campaign import (
    CampaignInput,
    CampaignStatus,
    CampaignWorkflow,
    CloseCampaignRequest,
    RemindNowRequest,
    RoundResult,
    campaign_workflow_id,
)

PREFIX = "campaign"


@runtime_checkable
class ProgressSource(Protocol):
    """The campaign's progress read model (``application.campaign_progress``)."""

    def report(self, key: str, on: date | None = None, at: datetime | None = None) -> Any: ...


@dataclass(frozen=True)
class CampaignTask:
    """One thing waiting for a person in a campaign: what, on which unit and period, by when.

    kinds: ``report`` (a lagging unit's cadre: its report is due), ``review`` (the unit's
    district union: a report waits for review), ``close`` (the organiser, after the final
    report)."""

    campaign: CampaignView
    kind: str
    code: str = ""
    name: str = ""
    period: str = ""
    indicator: str = ""
    due: date | None = None
    review: PendingReview | None = None


def _admits(f: Filter, u: UnitView) -> bool:
    return f.admits(
        unionised=u.unionised, ownership=u.ownership, district=u.district, industry=u.industry
    )


class CampaignFacade:
    """Campaigns for every role that touches them."""

    def __init__(
        self,
        client: Client | None,
        campaigns: CampaignLedger,
        directory: DirectoryService,
        settings: Settings,
        task_queue: str | None = None,
        clock: Clock | None = None,
        progress: ProgressSource | None = None,
        rounds_per_run: int | None = None,
        page_size: int | None = None,
    ) -> None:
        self.client = client
        self.ledger = campaigns
        self.directory = directory
        self.settings = settings
        self.task_queue = task_queue or settings.task_queue
        self.clock = clock or wall_clock
        # The campaign ledger's progress read model, unless another is given.
        if progress is None and isinstance(campaigns.progress, ProgressSource):
            progress = campaigns.progress
        self.progress_source = progress
        self.rounds_per_run = rounds_per_run
        self.page_size = page_size

    # -- the organiser -----------------------------------------------------------------

    async def open(
        self,
        definition_key: str,
        organiser_org: str,
        acting: str | Acting,
        command_id: str | None = None,
        *,
        comment: str = "",
    ) -> CampaignView:
        """Record the campaign, then start its workflow: the same command again meets both
        (one campaign, one workflow); another opening of the campaign is refused."""
        meta = await self._meta(acting, Role.CADRE, ["open", definition_key, organiser_org],
                                comment, command_id)  # fmt: skip
        view = self.ledger.open(definition_key, organiser_org, meta)
        await self._start(view.key)
        return view

    async def start(self, actor: str, key: str) -> bool:
        """Start the workflow of a campaign recorded without one (``campaign open`` on the
        CLI writes only to the ledger); False when it runs already. The organiser's cadre
        only, while the campaign is not over."""
        c = self.ledger.view(key)
        check_organiser(self.directory.acting(actor, Role.CADRE), c)
        if c.phase is Phase.CLOSED:
            raise InvalidState(f"集中行动 {key} 已结束", f"campaign {key} is closed")
        if self.client is None:
            raise InvalidState("没有连接 Temporal", "not connected to Temporal")
        return await self._start(key)

    async def _start(self, key: str) -> bool:
        """Start the campaign's workflow once: False when it runs already (a retry)."""
        if self.client is None:
            return False
        inp = CampaignInput(
            campaign_key=key, activity_timeout_seconds=self.settings.activity_timeout_seconds
        )
        if self.rounds_per_run is not None:
            inp.rounds_per_run = self.rounds_per_run
        if self.page_size is not None:
            inp.page_size = self.page_size
        try:
            await start_once(
                self.client,
                CampaignWorkflow.run,
                inp,
                workflow_id=campaign_workflow_id(key),
                task_queue=self.task_queue,
                exists=(f"集中行动 {key} 已在进行", f"campaign {key} is running"),
            )
        except InvalidState:
            return False
        return True

    async def import_units(
        self, actor: str, key: str, path: Path, *, comment: str = "",
        command_id: str | None = None,
    ) -> PopulationImport:  # fmt: skip
        meta = await self._meta(actor, Role.CADRE, ["import", key, path.name], comment, command_id)
        return self.ledger.import_units(key, path, meta)

    async def remind_now(
        self, actor: str, key: str, period: str = "", *, comment: str = "",
        command_id: str | None = None,
    ) -> RoundResult:  # fmt: skip
        """A reminder round now, over every lagging unit of the period (default: the period
        open now); the next scheduled round comes a full interval after it."""
        acting = self.directory.acting(actor, Role.CADRE)
        req = RemindNowRequest(acting=acting, period=period, comment=comment)
        result: RoundResult = await self._update(key, CampaignWorkflow.remind_now, req, command_id)
        return result

    async def close(
        self, actor: str, key: str, *, comment: str = "", command_id: str | None = None
    ) -> CampaignView:
        """The organiser closes the campaign, after its final report."""
        acting = self.directory.acting(actor, Role.CADRE)
        req = CloseCampaignRequest(acting=acting, comment=comment)
        await self._update(key, CampaignWorkflow.close, req, command_id)
        return self.ledger.view(key)

    async def leave(
        self, actor: str, key: str, code: str, on: date, reason: str, *,
        command_id: str | None = None,
    ) -> UnitView:  # fmt: skip
        meta = await self._meta(actor, Role.CADRE, ["leave", key, code, on], reason, command_id)
        return self.ledger.leave(key, code, on, reason, meta)

    async def rejoin(
        self, actor: str, key: str, code: str, on: date, *, comment: str = "",
        command_id: str | None = None,
    ) -> UnitView:  # fmt: skip
        meta = await self._meta(actor, Role.CADRE, ["rejoin", key, code, on], comment, command_id)
        return self.ledger.rejoin(key, code, on, meta)

    # -- the unit's cadre and the district union: straight to the ledger ----------------

    async def submit(
        self, actor: str, key: str, code: str, *, indicator: str, period: str, value: int,
        evidence: str = "", note: str = "", command_id: str | None = None,
    ) -> UnitView:  # fmt: skip
        op = ["submit", key, code, indicator, period, value, evidence]
        meta = await self._meta(actor, Role.CADRE, op, note, command_id)
        return self.ledger.submit(key, code, indicator=indicator, period=period, value=value,
                                     evidence=evidence, note=note, meta=meta)  # fmt: skip

    async def approve(
        self, actor: str, key: str, code: str, *, indicator: str, period: str,
        comment: str = "", command_id: str | None = None,
    ) -> UnitView:  # fmt: skip
        op = ["approve", key, code, indicator, period]
        meta = await self._meta(actor, self._review_role(actor), op, comment, command_id)
        return self.ledger.approve(key, code, indicator=indicator, period=period, meta=meta)

    async def return_report(
        self, actor: str, key: str, code: str, *, indicator: str, period: str, reasons: str,
        command_id: str | None = None,
    ) -> UnitView:  # fmt: skip
        op = ["return", key, code, indicator, period]
        meta = await self._meta(actor, self._review_role(actor), op, reasons, command_id)
        return self.ledger.return_report(key, code, indicator=indicator, period=period,
                                            reasons=reasons, meta=meta)  # fmt: skip

    async def withdraw(
        self, actor: str, key: str, code: str, *, indicator: str, period: str, reason: str,
        command_id: str | None = None,
    ) -> UnitView:  # fmt: skip
        op = ["withdraw", key, code, indicator, period]
        meta = await self._meta(actor, Role.CADRE, op, reason, command_id)
        return self.ledger.withdraw(key, code, indicator=indicator, period=period,
                                       reason=reason, meta=meta)  # fmt: skip

    # -- reading ---------------------------------------------------------------------------

    def campaigns(self) -> list[CampaignView]:
        return self.ledger.campaigns()

    def campaign(self, key: str) -> CampaignView:
        return self.ledger.view(key)

    def unit(self, key: str, code: str) -> UnitView:
        return self.ledger.unit(key, code)

    def units(self, key: str, **filters: Any) -> list[UnitView]:
        return self.ledger.units(key, **filters)

    def progress(self, key: str, on: date | None = None, at: datetime | None = None) -> Any:
        """The campaign's progress on ``on``, live or as the ledger stood at ``at``."""
        if self.progress_source is None:
            raise InvalidState("进度读模型未配置", "no progress read model is configured")
        self.ledger.view(key)  # a clear refusal for an unknown campaign
        return self.progress_source.report(key, on=on, at=at)

    async def status(self, key: str) -> CampaignStatus | None:
        """The campaign workflow's status query (None when no client or no workflow)."""
        if self.client is None:
            return None
        try:
            status: CampaignStatus = await self._handle(key).query(CampaignWorkflow.status)
        except Exception:  # noqa: BLE001 - no workflow (yet, or any more): the ledger answers
            return None
        return status

    def tasks(self, actor: str, today: date | None = None) -> list[CampaignTask]:
        """What waits for ``actor``: reports to review for their district union, their
        unit's due reports while it lags, and the organiser's close after the final report."""
        record = self.directory.actor(actor)
        roles, org = record.spec.roles, record.spec.org
        today = today or datetime.now(CHINA_TZ).date()
        found: list[CampaignTask] = []
        reviews: dict[str, CampaignView] = {}
        if Role.REVIEWER in roles or Role.CADRE in roles:
            for p in self.ledger.pending_reviews(org):
                c = reviews.get(p.campaign_key) or self.ledger.view(p.campaign_key)
                reviews[p.campaign_key] = c
                found.append(CampaignTask(c, "review", p.code, p.name, p.period, p.indicator,
                                          review=p))  # fmt: skip
        if Role.CADRE in roles:
            for c in self.ledger.campaigns():
                if c.phase is Phase.FINAL_REPORTED and org == c.organiser_org:
                    found.append(CampaignTask(c, "close"))
                if c.phase is Phase.REPORTING:
                    found.extend(self._due_reports(c, org, today))
        return found

    def _due_reports(self, c: CampaignView, code: str, today: date) -> list[CampaignTask]:
        """The unit's reports due in the campaign's open periods while it is not counted."""
        try:
            u = self.ledger.unit(c.key, code)
        except NotFound:
            return []
        if not u.member_on(today):
            return []
        d = c.definition
        if not _admits(d.population.filter, u):
            return []
        counted = self._counted(c.key, code, today)
        indicators = {t.indicator for t in d.targets if _admits(t.among, u)}
        tasks = []
        for period in d.timeline.periods:
            if period.key not in c.periods_opened:
                continue
            for ind in d.indicators:
                if ind.key not in indicators or ind.source is Source.FACT or ind.key in counted:
                    continue
                r = u.report(period.key, ind.key)
                if r is not None and r.status in (ReportStatus.PENDING, ReportStatus.APPROVED):
                    continue
                tasks.append(CampaignTask(c, "report", u.code, u.name, period.key, ind.key,
                                          period.due))  # fmt: skip
        return tasks

    def _counted(self, key: str, code: str, on: date) -> set[str]:
        """The indicators the unit already counts on (a fact, or an approved report)."""
        if self.ledger.progress is None:
            return set()
        for row in self.ledger.progress.rows(key, on):
            if row.code == code:
                return {k for k, v in row.values.items() if v > 0}
        return set()

    # -- plumbing --------------------------------------------------------------------------

    def _review_role(self, actor: str) -> Role:
        roles = self.directory.actor(actor).spec.roles
        return Role.REVIEWER if Role.REVIEWER in roles else Role.CADRE

    async def _meta(
        self, acting: str | Acting, role: Role, operation: object, comment: str,
        command_id: str | None,
    ) -> CommandMeta:  # fmt: skip
        """A person's stamp, with who acts read from the directory (never as claimed)."""
        actor = acting.actor_id if isinstance(acting, Acting) else acting
        if isinstance(acting, Acting):
            role = acting.role
        resolved = self.directory.acting(actor, role)
        return command_meta(PREFIX, resolved, operation, comment, command_id, await self.clock())

    def _handle(self, key: str) -> WorkflowHandle[CampaignWorkflow, Any]:
        if self.client is None:
            raise InvalidState("没有连接 Temporal", "not connected to Temporal")
        return self.client.get_workflow_handle_for(CampaignWorkflow.run, campaign_workflow_id(key))

    async def _update(self, key: str, update: Any, req: Any, command_id: str | None) -> Any:
        self.ledger.view(key)  # a clear refusal for an unknown campaign
        try:
            return await self._handle(key).execute_update(
                update, req, id=command_id or str(uuid.uuid4())
            )
        except Exception as e:
            raise_domain_error(e)
            raise
