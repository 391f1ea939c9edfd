"""The state of a campaign and of each unit in it; ledger ids; labels."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from domain.base import deterministic_id
from domain.campaign.definition import CampaignDefinition, Label, Ownership

CAMPAIGN_KIND = "campaign"
UNIT_KIND = "campaign_unit"


def campaign_ledger_id(key: str) -> uuid.UUID:
    return deterministic_id(CAMPAIGN_KIND, key)


def unit_ledger_id(campaign_key: str, unit_code: str) -> uuid.UUID:
    return deterministic_id(UNIT_KIND, f"{campaign_key}:{unit_code}")


class Phase(StrEnum):
    OPEN = "open"
    REPORTING = "reporting"
    FINAL_REPORTED = "final_reported"
    CLOSED = "closed"


PHASE_LABELS: dict[Phase, Label] = {
    Phase.OPEN: ("已启动", "open"),
    Phase.REPORTING: ("填报中", "reporting"),
    Phase.FINAL_REPORTED: ("已出总结报告", "final report made"),
    Phase.CLOSED: ("已结束", "closed"),
}


class ReportStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


REPORT_LABELS: dict[ReportStatus, Label] = {
    ReportStatus.PENDING: ("待审核", "pending review"),
    ReportStatus.APPROVED: ("已通过", "approved"),
    ReportStatus.RETURNED: ("已退回", "returned"),
    ReportStatus.WITHDRAWN: ("已撤回", "withdrawn"),
}


class UnitReport(BaseModel):
    """A unit's latest report of one indicator for one period."""

    indicator: str
    period: str
    value: int
    evidence: str = ""
    note: str = ""
    status: ReportStatus = ReportStatus.PENDING
    submitted_by: str = ""
    reviewed_by: str = ""
    reasons: str = ""


class CampaignView(BaseModel):
    key: str
    title: Label
    definition: CampaignDefinition
    organiser_org: str
    opened_by: str
    phase: Phase = Phase.OPEN
    created_on: date
    periods_opened: list[str] = Field(default_factory=list)
    reminder_rounds: dict[str, int] = Field(default_factory=dict)  # period -> rounds sent
    final_report: dict[str, Any] | None = None
    final_reported_at: datetime | None = None
    version: int = 1


class UnitView(BaseModel):
    campaign_key: str
    code: str
    name: str
    district: str = ""
    industry: str = ""
    ownership: Ownership
    employees: int = 0
    unionised: bool
    district_org: str
    joined_on: date
    left_on: date | None = None
    left_reason: str = ""
    history: list[tuple[date, date | None]] = Field(default_factory=list)  # (joined, left)
    reports: dict[str, UnitReport] = Field(default_factory=dict)  # "period:indicator"
    reminders: dict[str, int] = Field(default_factory=dict)  # period -> reminders sent
    escalated: dict[str, str] = Field(default_factory=dict)  # period -> district org
    version: int = 1

    @property
    def member(self) -> bool:
        return self.left_on is None

    def member_on(self, day: date) -> bool:
        """Was the unit in the campaign on ``day`` (joined on or before, not left by then)."""
        spans = [*self.history, (self.joined_on, self.left_on)]
        return any(j <= day and (lft is None or day < lft) for j, lft in spans)

    def report(self, period: str, indicator: str) -> UnitReport | None:
        return self.reports.get(report_key(period, indicator))


def report_key(period: str, indicator: str) -> str:
    return f"{period}:{indicator}"
