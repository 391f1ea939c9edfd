"""The aggregates of a campaign: the campaign itself (nothing in it grows with units) and
one record per campaign and unit (its membership, reports, reminders and escalations)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.actors import Acting, CommandMeta, Role, china_date
from domain.base import ChangesView, CreatesView, LedgerAggregate, ViewState
from domain.campaign.definition import CampaignDefinition, Evidence, Source, ValueKind
from domain.campaign.values import (
    CampaignView,
    Phase,
    ReportStatus,
    UnitReport,
    UnitView,
    campaign_ledger_id,
    report_key,
    unit_ledger_id,
)
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.policies import check_engine, check_unit_cadre

ORGANISE: tuple[str, str] = ("组织集中行动", "run the campaign")
REPORT: tuple[str, str] = ("填报集中行动指标", "report a campaign indicator")
REVIEW: tuple[str, str] = ("审核集中行动填报", "review a campaign report")


def check_organiser(acting: Acting, c: CampaignView) -> None:
    check_unit_cadre(acting, c.organiser_org, ORGANISE)


def check_reviewer(acting: Acting, u: UnitView) -> None:
    """A cadre or reviewer of the unit's district union, never the unit itself."""
    if (
        acting.org_id == u.code
        or acting.org_id != u.district_org
        or acting.role
        not in (
            Role.CADRE,
            Role.REVIEWER,
        )
    ):
        raise NotAuthorised(
            f"只有{u.district_org}的工会干部或审核人可以{REVIEW[0]}",
            f"only a cadre or reviewer of {u.district_org} may {REVIEW[1]}",
        )


class Campaign(ViewState[CampaignView], LedgerAggregate):
    KIND = "campaign"
    VIEW = CampaignView

    class Created(CreatesView, LedgerAggregate.Created):
        """The organiser's cadre opened the campaign (its definition recorded whole)."""

        state: dict[str, Any]

    class Changed(ChangesView, LedgerAggregate.Event):
        """Base of the events below."""

    class PeriodOpened(Changed):
        period: str

        def evolve(self, s: CampaignView) -> None:
            s.periods_opened.append(self.period)
            s.phase = Phase.REPORTING

    class RemindersSent(Changed):
        """A count summary of one reminder round (the units' records hold each reminder)."""

        period: str
        round: int
        reminded: int
        escalated: int
        on: date

        def evolve(self, s: CampaignView) -> None:
            s.reminder_rounds[self.period] = self.round

    class FinalReported(Changed):
        report: dict[str, Any]
        at: datetime

        def evolve(self, s: CampaignView) -> None:
            s.final_report, s.final_reported_at = self.report, self.at
            s.phase = Phase.FINAL_REPORTED

    class Closed(Changed):
        def evolve(self, s: CampaignView) -> None:
            s.phase = Phase.CLOSED

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()
        self.s = CampaignView.model_validate(state)

    @classmethod
    def open(
        cls, *, definition: CampaignDefinition, organiser_org: str, meta: CommandMeta
    ) -> Campaign:
        acting = meta.acting
        if acting.role is not Role.CADRE or acting.org_id != organiser_org:
            raise NotAuthorised(
                f"只有组织单位（{organiser_org}）工会干部可以启动集中行动",
                f"only a cadre of the organising union {organiser_org} may open a campaign",
            )
        view = CampaignView(
            key=definition.key,
            title=definition.title,
            definition=definition,
            organiser_org=organiser_org,
            opened_by=acting.actor_id,
            created_on=china_date(meta.occurred_at),
        )
        return cls._new(
            campaign_ledger_id(definition.key), meta, state=view.model_dump(mode="json")
        )

    def _not_closed(self) -> None:
        if self.s.phase in (Phase.FINAL_REPORTED, Phase.CLOSED):
            raise InvalidState(
                f"集中行动“{self.s.title[0]}”已结束填报", f"campaign '{self.s.title[1]}' is over"
            )

    def open_period(self, period: str, meta: CommandMeta) -> None:
        if meta.acting.role is not Role.SYSTEM:
            check_organiser(meta.acting, self.s)
        self._not_closed()
        try:
            self.s.definition.timeline.period(period)
        except KeyError:
            raise InvalidInput(f"没有填报期 {period}", f"no period {period}") from None
        if period in self.s.periods_opened:
            raise InvalidState(f"填报期 {period} 已开始", f"period {period} is already open")
        self._emit(self.PeriodOpened, meta, period=period)

    def reminders_sent(
        self, period: str, reminded: int, escalated: int, on: date, meta: CommandMeta
    ) -> int:
        """Record a reminder round's counts; returns the round number."""
        check_engine(meta.acting)
        n = self.s.reminder_rounds.get(period, 0) + 1
        self._emit(
            self.RemindersSent,
            meta,
            period=period,
            round=n,
            reminded=reminded,
            escalated=escalated,
            on=on,
        )
        return n

    def final_reported(self, report: dict[str, Any], at: datetime, meta: CommandMeta) -> None:
        if meta.acting.role is not Role.SYSTEM:
            check_organiser(meta.acting, self.s)
        self._not_closed()
        self._emit(self.FinalReported, meta, report=report, at=at)

    def close(self, meta: CommandMeta) -> None:
        if meta.acting.role is not Role.SYSTEM:
            check_organiser(meta.acting, self.s)
        if self.s.phase is not Phase.FINAL_REPORTED:
            raise InvalidState("总结报告之后才能结束", "close only after the final report")
        self._emit(self.Closed, meta)


class CampaignUnit(ViewState[UnitView], LedgerAggregate):
    KIND = "campaign_unit"
    VIEW = UnitView

    class Created(CreatesView, LedgerAggregate.Created):
        """The unit joined the campaign (imported from the population file)."""

        state: dict[str, Any]

    class Changed(ChangesView, LedgerAggregate.Event):
        """Base of the events below."""

    class Left(Changed):
        on: date
        reason: str

        def evolve(self, s: UnitView) -> None:
            s.left_on, s.left_reason = self.on, self.reason

    class Rejoined(Changed):
        on: date

        def evolve(self, s: UnitView) -> None:
            s.history.append((s.joined_on, s.left_on))
            s.joined_on, s.left_on, s.left_reason = self.on, None, ""

    class ReportSubmitted(Changed):
        indicator: str
        period: str
        value: int
        evidence: str
        note: str

        def evolve(self, s: UnitView) -> None:
            s.reports[report_key(self.period, self.indicator)] = UnitReport(
                indicator=self.indicator,
                period=self.period,
                value=self.value,
                evidence=self.evidence,
                note=self.note,
                submitted_by=self.actor["id"],
            )

    class ReportApproved(Changed):
        indicator: str
        period: str

        def evolve(self, s: UnitView) -> None:
            r = s.reports[report_key(self.period, self.indicator)]
            r.status, r.reviewed_by = ReportStatus.APPROVED, self.actor["id"]

    class ReportReturned(Changed):
        indicator: str
        period: str
        reasons: str

        def evolve(self, s: UnitView) -> None:
            r = s.reports[report_key(self.period, self.indicator)]
            r.status, r.reviewed_by, r.reasons = (
                ReportStatus.RETURNED,
                self.actor["id"],
                self.reasons,
            )

    class ReportWithdrawn(Changed):
        indicator: str
        period: str
        reason: str

        def evolve(self, s: UnitView) -> None:
            r = s.reports[report_key(self.period, self.indicator)]
            r.status, r.reasons = ReportStatus.WITHDRAWN, self.reason

    class Reminded(Changed):
        period: str
        count: int
        due: date

        def evolve(self, s: UnitView) -> None:
            s.reminders[self.period] = self.count

    class Escalated(Changed):
        period: str
        to_org: str

        def evolve(self, s: UnitView) -> None:
            s.escalated[self.period] = self.to_org

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()
        self.s = UnitView.model_validate(state)

    @classmethod
    def join(cls, unit: UnitView, meta: CommandMeta) -> CampaignUnit:
        return cls._new(
            unit_ledger_id(unit.campaign_key, unit.code), meta, state=unit.model_dump(mode="json")
        )

    def _organiser_or_engine(self, acting: Acting, organiser_org: str) -> None:
        if acting.role is not Role.SYSTEM:
            check_unit_cadre(acting, organiser_org, ORGANISE)

    def leave(self, on: date, reason: str, organiser_org: str, meta: CommandMeta) -> None:
        self._organiser_or_engine(meta.acting, organiser_org)
        if not self.s.member:
            raise InvalidState(f"{self.s.name} 已退出集中行动", f"{self.s.name} already left")
        if on < self.s.joined_on:
            raise InvalidInput("退出日期早于加入日期", "left before it joined")
        self._emit(self.Left, meta, on=on, reason=reason)

    def rejoin(self, on: date, organiser_org: str, meta: CommandMeta) -> None:
        self._organiser_or_engine(meta.acting, organiser_org)
        if self.s.member or self.s.left_on is None:
            raise InvalidState(f"{self.s.name} 仍在集中行动中", f"{self.s.name} has not left")
        if on < self.s.left_on:
            raise InvalidInput("重新加入日期早于退出日期", "rejoined before it left")
        self._emit(self.Rejoined, meta, on=on)

    def submit(
        self,
        definition: CampaignDefinition,
        *,
        indicator: str,
        period: str,
        value: int,
        evidence: str,
        note: str,
        meta: CommandMeta,
    ) -> None:
        check_unit_cadre(meta.acting, self.s.code, REPORT)
        if not self.s.member:
            raise InvalidState(
                f"{self.s.name} 已退出集中行动，不能填报", "a unit that left cannot report"
            )
        try:
            ind = definition.indicator(indicator)
            definition.timeline.period(period)
        except KeyError as e:
            raise InvalidInput(
                f"没有指标或填报期 {e.args[0]}", f"no indicator or period {e.args[0]}"
            ) from None
        if ind.source is Source.FACT:
            raise InvalidInput(
                f"指标 {indicator} 由台账事实计算，不需填报",
                f"indicator {indicator} comes from the ledger, not from reports",
            )
        if ind.value is ValueKind.FLAG and value not in (0, 1):
            raise InvalidInput("是否类指标只能填 0 或 1", "a yes/no indicator takes 0 or 1")
        if value < 0:
            raise InvalidInput("数值不能为负", "a count is never negative")
        if ind.evidence is Evidence.REQUIRED and not evidence.strip():
            raise InvalidInput(
                f"指标 {indicator} 需要佐证材料", f"indicator {indicator} needs evidence"
            )
        prior = self.s.report(period, indicator)
        if prior is not None and prior.status is ReportStatus.PENDING:
            raise InvalidState("已有待审核的填报", "a report of this indicator is pending review")
        self._emit(
            self.ReportSubmitted,
            meta,
            indicator=indicator,
            period=period,
            value=value,
            evidence=evidence,
            note=note,
        )

    def _pending(self, period: str, indicator: str) -> UnitReport:
        r = self.s.report(period, indicator)
        if r is None or r.status is not ReportStatus.PENDING:
            raise InvalidState("没有待审核的填报", "no report of this indicator is pending")
        return r

    def approve(self, *, indicator: str, period: str, meta: CommandMeta) -> None:
        check_reviewer(meta.acting, self.s)
        self._pending(period, indicator)
        self._emit(self.ReportApproved, meta, indicator=indicator, period=period)

    def return_report(
        self, *, indicator: str, period: str, reasons: str, meta: CommandMeta
    ) -> None:
        check_reviewer(meta.acting, self.s)
        self._pending(period, indicator)
        if not reasons.strip():
            raise InvalidInput("退回须说明理由", "a return needs its reasons")
        self._emit(self.ReportReturned, meta, indicator=indicator, period=period, reasons=reasons)

    def withdraw(self, *, indicator: str, period: str, reason: str, meta: CommandMeta) -> None:
        check_unit_cadre(meta.acting, self.s.code, ("撤回填报", "withdraw a report"))
        r = self.s.report(period, indicator)
        if r is None or r.status not in (ReportStatus.PENDING, ReportStatus.APPROVED):
            raise InvalidState("没有可撤回的填报", "no report of this indicator to withdraw")
        self._emit(self.ReportWithdrawn, meta, indicator=indicator, period=period, reason=reason)

    def remind(self, *, period: str, due: date, meta: CommandMeta) -> int:
        check_engine(meta.acting)
        n = self.s.reminders.get(period, 0) + 1
        self._emit(self.Reminded, meta, period=period, count=n, due=due)
        return n

    def escalate(self, *, period: str, meta: CommandMeta) -> None:
        check_engine(meta.acting)
        if period in self.s.escalated:
            raise InvalidState("已上报区县工会", "already escalated")
        self._emit(self.Escalated, meta, period=period, to_org=self.s.district_org)
