"""Campaigns' ledger-side use cases: open a campaign, import its units, the units' reports
and their review, and the paged steps the campaign's workflow drives (open a period, a
reminder round page by page, the final report, close).

A campaign's units are high fan-in (10,000 units of a city, each reporting and being
reviewed): people's acts on a unit go straight to the ledger here, never through the
campaign's workflow, whose history therefore grows with pages of reminders, not with units.

Population imports: a unit already in the campaign with the same data is left as it is (so
re-importing a file is a no-op and a second file may add late joiners); a unit already in
the campaign with *other* data (name, district, industry, ownership, employees, unionised,
reviewing union) is refused, naming its line and the fields that differ. The domain records
no change of a unit's data (``CampaignUnit`` has no such event, and the campaign's figures
rest on that record), so the import neither rewrites it nor silently keeps the old data.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, astuple
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError
from pydantic import BaseModel

from application.campaign_book import CampaignBook
from application.campaign_definitions import CampaignDefinitions
from application.campaign_population import UnitRow as PopulationRow
from application.campaign_population import (
    changed_unit,
    directory_population,
    read_population,
    refuse,
)
from application.campaign_reminders import remind_units
from application.directory import DirectoryService
from contracts.campaign import (
    CloseRequest,
    FinalReportRequest,
    FinalReportResult,
    OpenPeriodRequest,
    RecordRemindersRequest,
    RemindPageRequest,
    RemindPageResult,
)
from domain.actors import CommandMeta, Role, china_date
from domain.base import canonical_bytes
from domain.campaign.aggregate import Campaign, CampaignUnit, check_organiser
from domain.campaign.definition import CampaignDefinition, Label
from domain.campaign.progress import UnitRow, progress
from domain.campaign.values import (
    CampaignView,
    Phase,
    ReportStatus,
    UnitView,
    campaign_ledger_id,
    unit_ledger_id,
)
from domain.congress import RowError
from domain.errors import InvalidInput, InvalidState, NotFound
from ledger.app import Ledger
from settings import Settings


class ProgressRows(Protocol):
    """What the campaign's progress read model gives (``application.campaign_progress``):
    every unit's row on a date, sorted by code."""

    def rows(self, key: str, on: date) -> list[UnitRow]: ...


class PopulationImport(BaseModel):
    """What a population import did."""

    campaign_key: str
    source: str
    rows: int  # units the file lists
    joined: int  # units new to the campaign (on the import's date)
    unchanged: int  # units already in the campaign with the same data
    outside_population: int  # units the campaign's population filter leaves out
    total: int  # units in the campaign afterwards
    digest: str  # sha256 of the units read


class PendingReview(BaseModel):
    """A unit's report waiting for its district union's review."""

    campaign_key: str
    campaign_title: Label
    code: str
    name: str
    district: str
    district_org: str
    indicator: str
    indicator_label: Label
    period: str
    value: int
    evidence: str
    note: str
    submitted_by: str


class CampaignLedger:
    """Campaigns and their units in the ledger."""

    def __init__(
        self,
        ledger: Ledger,
        directory: DirectoryService,
        definitions: CampaignDefinitions,
        progress: ProgressRows | None,
        settings: Settings,
    ) -> None:
        self.ledger = ledger
        self.directory = directory
        self.definitions = definitions
        self.progress = progress
        self.settings = settings
        self.book = CampaignBook(ledger)

    # -- reading -----------------------------------------------------------------------

    def view(self, key: str) -> CampaignView:
        """The campaign (shared: read it, do not change it)."""
        found = self.book.campaign(key)
        if found is None:
            raise NotFound(f"集中行动 {key} 不存在", f"no campaign {key}")
        return found

    def campaigns(self) -> list[CampaignView]:
        return self.book.campaigns()

    def unit(self, key: str, code: str) -> UnitView:
        """One unit of the campaign (a copy)."""
        found = self.book.unit(key, code)
        if found is None:
            raise NotFound(f"集中行动 {key} 中没有单位 {code}", f"no unit {code} in campaign {key}")
        return found.model_copy(deep=True)

    def units(
        self,
        key: str,
        *,
        district: str | None = None,
        industry: str | None = None,
        after: str = "",
        limit: int | None = None,
    ) -> list[UnitView]:
        """The campaign's units by code (after ``after``, at most ``limit``; shared views:
        read them, do not change them)."""
        self.view(key)
        found = [
            u
            for u in self.book.units(key, after)
            if (district is None or u.district == district)
            and (industry is None or u.industry == industry)
        ]
        return found if limit is None else found[:limit]

    def pending_reviews(
        self, district_org: str, campaign_key: str | None = None
    ) -> list[PendingReview]:
        """The reports waiting for ``district_org``'s review, by campaign, unit, period."""
        found: list[PendingReview] = []
        titles: dict[str, CampaignView] = {}
        for u in self.book.pending(district_org):
            if u.district_org != district_org or (
                campaign_key is not None and u.campaign_key != campaign_key
            ):
                continue
            c = titles.get(u.campaign_key) or self.view(u.campaign_key)
            titles[u.campaign_key] = c
            for r in u.reports.values():
                if r.status is not ReportStatus.PENDING:
                    continue
                found.append(
                    PendingReview(
                        campaign_key=u.campaign_key,
                        campaign_title=c.title,
                        code=u.code,
                        name=u.name,
                        district=u.district,
                        district_org=u.district_org,
                        indicator=r.indicator,
                        indicator_label=c.definition.indicator(r.indicator).label,
                        period=r.period,
                        value=r.value,
                        evidence=r.evidence,
                        note=r.note,
                        submitted_by=r.submitted_by,
                    )
                )
        return sorted(found, key=lambda p: (p.campaign_key, p.code, p.period, p.indicator))

    # -- the organiser's acts ----------------------------------------------------------

    def open(self, definition_key: str, organiser_org: str, meta: CommandMeta) -> CampaignView:
        """The organiser's cadre opens a campaign of a shipped definition (once: the same
        command again gets the campaign it opened; another open of it is refused)."""
        definition = self.definitions.get(definition_key)
        cid = campaign_ledger_id(definition.key)
        existing = self.ledger.find(cid)
        if existing is not None and not existing.has_applied(meta.command_id):
            raise InvalidState(
                f"集中行动 {definition.key} 已启动", f"campaign {definition.key} is already open"
            )
        result = self.ledger.execute(
            cid,
            meta,
            create=lambda: Campaign.open(
                definition=definition, organiser_org=organiser_org, meta=meta
            ),
        )
        view: CampaignView = result.aggregate.view()
        return view

    def import_units(self, key: str, path: Path, meta: CommandMeta) -> PopulationImport:
        """The organiser's cadre imports units from a CSV or XLSX file: every bad row is
        refused at once by line and nothing is written; units already in the campaign with
        the same data are left as they are (see the module's docstring); new units join on
        the import's date, in one transaction."""
        c = self.view(key)
        check_organiser(meta.acting, c)
        self._not_over(c)
        rows, errors = read_population(path, self.settings.import_limits)
        return self._import(c, rows, errors, path.name, meta)

    def import_directory(self, key: str, meta: CommandMeta) -> PopulationImport:
        """The organiser's cadre takes the population from the directory: every grassroots
        union under the organiser (see ``directory_population``), with the same rules as a
        file — any bad row refuses the whole import, a unit already in is left as it is."""
        c = self.view(key)
        check_organiser(meta.acting, c)
        self._not_over(c)
        orgs = self.directory.organisations()
        rows, errors = directory_population(orgs, c.organiser_org)
        return self._import(c, rows, errors, "名录 directory", meta)

    def _import(
        self,
        c: CampaignView,
        rows: list[PopulationRow],
        errors: list[RowError],
        source: str,
        meta: CommandMeta,
    ) -> PopulationImport:
        key = c.key
        limits = self.settings.import_limits
        digest = hashlib.sha256(canonical_bytes([list(astuple(r)) for r in rows])).hexdigest()
        errors.extend(self._district_errors(c, rows))
        for _ in range(3):  # a concurrent import of the same units: read them again
            existing = {u.code: u for u in self.book.units(key)}
            new: list[UnitView] = []
            unchanged = 0
            problems = list(errors)
            today = china_date(meta.occurred_at)
            for r in rows:
                unit = UnitView(
                    campaign_key=key,
                    code=r.code,
                    name=r.name,
                    district=r.district,
                    industry=r.industry,
                    ownership=r.ownership,
                    employees=r.employees,
                    unionised=r.unionised,
                    district_org=r.district_org or c.organiser_org,
                    joined_on=today,
                )
                old = existing.get(r.code)
                if old is None:
                    new.append(unit)
                    continue
                differs = changed_unit(r.line, old, unit)
                if differs is None:
                    unchanged += 1
                else:
                    problems.append(differs)
            if problems:
                refuse(problems, limits)
            aggregates = [
                CampaignUnit.join(
                    u,
                    CommandMeta(
                        command_id=f"{meta.command_id}:{u.code}",
                        acting=meta.acting,
                        occurred_at=meta.occurred_at,
                        comment=meta.comment or f"import {source}",
                    ),
                )
                for u in new
            ]
            try:
                if aggregates:
                    self.ledger.save(*aggregates)
            except IntegrityError:
                continue
            pop = c.definition.population.filter
            outside = sum(
                1
                for r in rows
                if not pop.admits(
                    unionised=r.unionised,
                    ownership=r.ownership,
                    district=r.district,
                    industry=r.industry,
                )
            )
            return PopulationImport(
                campaign_key=key,
                source=source,
                rows=len(rows),
                joined=len(new),
                unchanged=unchanged,
                outside_population=outside,
                total=len(existing) + len(new),
                digest=digest,
            )
        raise RuntimeError(f"too many concurrent imports into campaign {key}")

    def leave(self, key: str, code: str, on: date, reason: str, meta: CommandMeta) -> UnitView:
        """A unit leaves the campaign from ``on`` (the organiser decides; reason recorded)."""
        c = self.view(key)
        self._not_over(c)
        if not reason.strip():
            raise InvalidInput("退出须说明理由", "leaving needs a reason")
        return self._unit_act(key, code, meta, lambda u: u.leave(on, reason, c.organiser_org, meta))

    def rejoin(self, key: str, code: str, on: date, meta: CommandMeta) -> UnitView:
        """A unit that left comes back from ``on``."""
        c = self.view(key)
        self._not_over(c)
        return self._unit_act(key, code, meta, lambda u: u.rejoin(on, c.organiser_org, meta))

    # -- the unit's and the reviewer's acts --------------------------------------------

    def submit(
        self,
        key: str,
        code: str,
        *,
        indicator: str,
        period: str,
        value: int,
        evidence: str,
        note: str,
        meta: CommandMeta,
    ) -> UnitView:
        """A cadre of the unit reports an indicator for an open period."""
        c = self.view(key)
        self._not_over(c)
        if period in {p.key for p in c.definition.timeline.periods} and (
            period not in c.periods_opened
        ):
            raise InvalidState(f"填报期 {period} 尚未开始", f"period {period} is not open yet")
        return self._unit_act(
            key,
            code,
            meta,
            lambda u: u.submit(
                c.definition,
                indicator=indicator,
                period=period,
                value=value,
                evidence=evidence,
                note=note,
                meta=meta,
            ),
        )

    def approve(
        self, key: str, code: str, *, indicator: str, period: str, meta: CommandMeta
    ) -> UnitView:
        """The unit's district union approves its pending report."""
        self._not_over(self.view(key))
        return self._unit_act(
            key, code, meta, lambda u: u.approve(indicator=indicator, period=period, meta=meta)
        )

    def return_report(
        self, key: str, code: str, *, indicator: str, period: str, reasons: str, meta: CommandMeta
    ) -> UnitView:
        """The unit's district union returns its pending report, with reasons."""
        self._not_over(self.view(key))
        return self._unit_act(
            key,
            code,
            meta,
            lambda u: u.return_report(
                indicator=indicator, period=period, reasons=reasons, meta=meta
            ),
        )

    def withdraw(
        self, key: str, code: str, *, indicator: str, period: str, reason: str, meta: CommandMeta
    ) -> UnitView:
        """A cadre of the unit withdraws its pending or approved report."""
        self._not_over(self.view(key))
        return self._unit_act(
            key,
            code,
            meta,
            lambda u: u.withdraw(indicator=indicator, period=period, reason=reason, meta=meta),
        )

    # -- the workflow's steps ----------------------------------------------------------

    def open_period(self, req: OpenPeriodRequest) -> CampaignView:
        """A period starts (the workflow at its date, or the organiser). Already open: the
        engine's retry is answered with the campaign as it is; a person is refused."""
        c = self.view(req.campaign_key)
        if req.period in c.periods_opened and req.meta.acting.role is Role.SYSTEM:
            return c
        result = self.ledger.execute(
            campaign_ledger_id(req.campaign_key),
            req.meta,
            lambda agg: agg.open_period(req.period, req.meta),
        )
        view: CampaignView = result.aggregate.view()
        return view

    def remind_page(self, req: RemindPageRequest, meta: CommandMeta) -> RemindPageResult:
        """One page of a reminder round (``application.campaign_reminders``): the units
        with codes after ``req.after``, at most ``req.limit`` of them scanned; each member
        unit lagging in the period and reminded fewer than ``req.round`` times for it is
        reminded once, and escalated once reminded ``escalate_after`` times. Idempotent by
        (period, round): a retried page reminds nobody twice and reports the same counts."""
        c = self.view(req.campaign_key)
        if req.period not in c.periods_opened:
            raise InvalidState(f"填报期 {req.period} 尚未开始", f"period {req.period} is not open")
        if req.round < 1 or req.limit < 1:
            raise InvalidInput("提醒轮次和每页数量须为正数", "round and limit must be positive")
        following = self.book.units(req.campaign_key, req.after)
        page = following[: req.limit]
        rows = self._rows(req.campaign_key, china_date(req.now)) if page else {}
        reminded, escalated = remind_units(self.ledger, self.book, c, page, rows, req, meta)
        return RemindPageResult(
            reminded=reminded,
            escalated=escalated,
            last=page[-1].code if page else req.after,
            more=len(following) > len(page),
        )

    def record_reminders(self, req: RecordRemindersRequest) -> int:
        """Record a reminder round's counts on the campaign, once per (period, round);
        returns the round recorded."""
        c = self.view(req.campaign_key)
        recorded = c.reminder_rounds.get(req.period, 0)
        if req.round <= recorded:
            return req.round
        if req.round != recorded + 1:
            raise InvalidInput(
                f"提醒轮次应为 {recorded + 1}，不是 {req.round}",
                f"the next reminder round is {recorded + 1}, not {req.round}",
            )
        result = self.ledger.execute(
            campaign_ledger_id(req.campaign_key),
            req.meta,
            lambda agg: agg.reminders_sent(
                req.period, req.reminded, req.escalated, req.on, req.meta
            ),
        )
        rounds: int = result.aggregate.view().reminder_rounds[req.period]
        return rounds

    def final_report(self, req: FinalReportRequest) -> FinalReportResult:
        """The campaign's final report on ``req.at``: every target's figures and the sha256
        of what they were computed from (the definition, the date, every unit's row), made
        once; asked again, the recorded one is answered."""
        c = self.view(req.campaign_key)
        if c.final_report is not None:
            return self._final_result(c.final_report)
        if self.progress is None:
            raise InvalidState(
                "进度读模型未配置，无法出总结报告", "no progress read model: no final report"
            )
        report = self.report_on(c.definition, self.progress.rows(c.key, req.at), req.at)
        result = self.ledger.execute(
            campaign_ledger_id(req.campaign_key),
            req.meta,
            lambda agg: agg.final_reported(report, req.meta.occurred_at, req.meta),
        )
        recorded = result.aggregate.view().final_report
        return self._final_result(recorded)

    @staticmethod
    def report_on(definition: CampaignDefinition, rows: list[UnitRow], on: date) -> dict[str, Any]:
        """The final report's body from the units' rows on ``on`` (pure, deterministic)."""
        ordered = sorted(rows, key=lambda r: r.code)
        inputs = {
            "definition": definition.model_dump(mode="json"),
            "on": on.isoformat(),
            "rows": [asdict(r) for r in ordered],
        }
        digest = hashlib.sha256(canonical_bytes(inputs)).hexdigest()
        targets = progress(definition, ordered)
        return {
            "on": on.isoformat(),
            "units": len(ordered),
            "inputs_hash": digest,
            "targets": [
                {
                    "target": t.target,
                    "kind": t.kind.value,
                    "at_least": t.at_least,
                    "numerator": t.total.numerator,
                    "denominator": t.total.denominator,
                    "rate": t.total.rate,
                    "gap": t.total.gap,
                    "met": t.total.met,
                }
                for t in targets
            ],
        }

    def close(self, req: CloseRequest) -> CampaignView:
        """The campaign ends (after its final report)."""
        result = self.ledger.execute(
            campaign_ledger_id(req.campaign_key), req.meta, lambda agg: agg.close(req.meta)
        )
        view: CampaignView = result.aggregate.view()
        return view

    # -- inside --------------------------------------------------------------------------

    @staticmethod
    def _final_result(report: dict[str, Any]) -> FinalReportResult:
        targets = report.get("targets", [])
        return FinalReportResult(
            targets=len(targets),
            met=sum(1 for t in targets if t.get("met")),
            inputs_hash=str(report.get("inputs_hash", "")),
        )

    @staticmethod
    def _not_over(c: CampaignView) -> None:
        if c.phase in (Phase.FINAL_REPORTED, Phase.CLOSED):
            raise InvalidState(f"集中行动“{c.title[0]}”已结束", f"campaign '{c.title[1]}' is over")

    def _unit_act(self, key: str, code: str, meta: CommandMeta, command: Any) -> UnitView:
        self.unit(key, code)  # a clear refusal for a unit not in the campaign
        result = self.ledger.execute(unit_ledger_id(key, code), meta, command)
        view: UnitView = result.aggregate.view()
        return view

    def _district_errors(self, c: CampaignView, rows: list[Any]) -> list[RowError]:
        """Rows whose reviewing union is not in the directory, or is the unit itself."""
        known: dict[str, bool] = {}
        errors: list[RowError] = []
        for r in rows:
            org = r.district_org or c.organiser_org
            if org == r.code:
                errors.append(
                    RowError(
                        r.line,
                        "district_org",
                        "审核单位不能是单位本身",
                        "a unit does not review its own reports",
                    )
                )
                continue
            if org not in known:
                try:
                    self.directory.organisation(org)
                    known[org] = True
                except NotFound:
                    known[org] = False
            if not known[org]:
                errors.append(
                    RowError(
                        r.line,
                        "district_org",
                        f"审核单位 {org} 不在组织名录中",
                        f"reviewing union {org} is not in the directory",
                    )
                )
        return errors

    def _rows(self, key: str, on: date) -> dict[str, UnitRow]:
        if self.progress is None:
            return {}
        return {r.code: r for r in self.progress.rows(key, on)}
