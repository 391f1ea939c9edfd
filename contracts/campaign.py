"""Requests and results of the campaign workflow's activities (pure models).

Small results only: counts and keys, never unit views, so the workflow's history
grows with pages of reminders, not with units.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from domain.actors import CommandMeta


class CampaignRef(BaseModel):
    campaign_key: str


class PeriodBrief(BaseModel):
    key: str
    starts: date
    due: date


class CampaignBrief(BaseModel):
    """Where a campaign stands: what its workflow needs from the recorded definition."""

    campaign_key: str
    organiser_org: str
    phase: str
    periods: list[PeriodBrief]
    remind_every_days: int = 7
    escalate_after: int = 3
    final_report: date
    # Where the campaign stands, so a workflow continued as new neither re-opens a period
    # nor repeats a reminder round (added for the campaign workflow; defaults keep old data).
    title: tuple[str, str] = ("", "")
    periods_opened: list[str] = Field(default_factory=list)
    reminder_rounds: dict[str, int] = Field(default_factory=dict)  # period -> rounds sent


class OpenPeriodRequest(BaseModel):
    campaign_key: str
    period: str
    meta: CommandMeta


class RemindPageRequest(BaseModel):
    """One page (at most ``limit`` units with codes after ``after``) of a reminder round."""

    campaign_key: str
    period: str
    round: int
    now: datetime
    after: str = ""
    limit: int = 500


class RemindPageResult(BaseModel):
    reminded: int
    escalated: int
    last: str
    more: bool


class RecordRemindersRequest(BaseModel):
    campaign_key: str
    period: str
    round: int
    reminded: int
    escalated: int
    on: date
    meta: CommandMeta


class FinalReportRequest(BaseModel):
    campaign_key: str
    at: date
    meta: CommandMeta


class FinalReportResult(BaseModel):
    targets: int
    met: int
    inputs_hash: str


class CloseRequest(BaseModel):
    campaign_key: str
    meta: CommandMeta
