"""Activities of the campaign workflow: where the campaign stands, its periods opened, its
reminder rounds in pages, the final report and the close.

Units' reports, reviews and membership never pass through here: they go to the ledger
through ``application.campaigns`` (high fan-in input). Results are small (``CampaignBrief``,
``RemindPageResult``, ``FinalReportResult``): they are written into the workflow's history,
which therefore grows with pages of reminders, never with units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import activity

from activities.errors import domain_errors_not_retried
from activities.log import log_step
from contracts.campaign import (
    CampaignBrief,
    CampaignRef,
    CloseRequest,
    FinalReportRequest,
    FinalReportResult,
    OpenPeriodRequest,
    PeriodBrief,
    RecordRemindersRequest,
    RemindPageRequest,
    RemindPageResult,
)
from domain.actors import CommandMeta, system_acting
from domain.campaign.values import CampaignView

if TYPE_CHECKING:  # injected by the composition root (workflows import this module)
    from application.campaigns import CampaignLedger

PAGE = 500  # the most units one reminder page scans


def campaign_brief(view: CampaignView) -> CampaignBrief:
    timeline = view.definition.timeline
    return CampaignBrief(
        campaign_key=view.key,
        organiser_org=view.organiser_org,
        phase=view.phase.value,
        periods=[PeriodBrief(key=p.key, starts=p.starts, due=p.due) for p in timeline.periods],
        remind_every_days=timeline.remind_every_days,
        escalate_after=timeline.escalate_after,
        final_report=timeline.final_report,
        title=view.title,
        periods_opened=list(view.periods_opened),
        reminder_rounds=dict(view.reminder_rounds),
    )


def remind_meta(req: RemindPageRequest) -> CommandMeta:
    """The engine's stamp of one reminder round: the same for every page and every retry of
    the round, so a unit is reminded once per round (the ledger also skips a unit whose
    count for the period already reached the round)."""
    return CommandMeta(
        command_id=f"campaign-{req.campaign_key}:remind:{req.period}:{req.round}",
        acting=system_acting(),
        occurred_at=req.now,
    )


class CampaignActivities:
    """The campaign's ledger steps, with the campaign ledger injected."""

    def __init__(self, campaigns: CampaignLedger) -> None:
        self.campaigns = campaigns

    @activity.defn(name="campaign.brief")
    @domain_errors_not_retried
    def brief(self, ref: CampaignRef) -> CampaignBrief:
        return campaign_brief(self.campaigns.view(ref.campaign_key))

    @activity.defn(name="campaign.open_period")
    @domain_errors_not_retried
    def open_period(self, req: OpenPeriodRequest) -> CampaignBrief:
        self.campaigns.open_period(req)
        log_step("open_period", req.campaign_key, req.meta.acting.actor_id, True)
        return campaign_brief(self.campaigns.view(req.campaign_key))

    @activity.defn(name="campaign.remind_page")
    @domain_errors_not_retried
    def remind_page(self, req: RemindPageRequest) -> RemindPageResult:
        """One page (at most 500 units) of a reminder round: laggards reminded, and
        escalated to their district union once reminded ``escalate_after`` times."""
        req = req.model_copy(update={"limit": max(1, min(req.limit, PAGE))})
        return self.campaigns.remind_page(req, remind_meta(req))

    @activity.defn(name="campaign.record_reminders")
    @domain_errors_not_retried
    def record_reminders(self, req: RecordRemindersRequest) -> CampaignBrief:
        """The round's counts on the campaign (once per round: its command id names it)."""
        self.campaigns.record_reminders(req)
        return campaign_brief(self.campaigns.view(req.campaign_key))

    @activity.defn(name="campaign.final_report")
    @domain_errors_not_retried
    def final_report(self, req: FinalReportRequest) -> FinalReportResult:
        result = self.campaigns.final_report(req)
        log_step("final_report", req.campaign_key, req.meta.acting.actor_id, True)
        return result

    @activity.defn(name="campaign.close")
    @domain_errors_not_retried
    def close(self, req: CloseRequest) -> CampaignBrief:
        self.campaigns.close(req)
        log_step("close", req.campaign_key, req.meta.acting.actor_id, True)
        return campaign_brief(self.campaigns.view(req.campaign_key))
