"""A thin stand-in for ``application.campaigns.CampaignLedger`` (until it lands): the real
ledger and aggregates, the spec's signatures, nothing else."""

from __future__ import annotations

import hashlib
from datetime import date

from contracts.campaign import (
    CloseRequest,
    FinalReportRequest,
    FinalReportResult,
    OpenPeriodRequest,
    RecordRemindersRequest,
    RemindPageRequest,
    RemindPageResult,
)
from domain.actors import CommandMeta
from domain.campaign import Campaign, CampaignDefinition, CampaignUnit, CampaignView, UnitView
from domain.campaign.definition import Ownership
from domain.campaign.values import campaign_ledger_id, unit_ledger_id
from ledger.app import Ledger


class FakeCampaignLedger:
    def __init__(self, ledger: Ledger, definitions: dict[str, CampaignDefinition]) -> None:
        self.ledger = ledger
        self.definitions = definitions
        self.codes: dict[str, list[str]] = {}

    def open(self, definition_key: str, organiser_org: str, meta: CommandMeta) -> CampaignView:
        d = self.definitions[definition_key]
        r = self.ledger.execute(
            campaign_ledger_id(d.key),
            meta,
            create=lambda: Campaign.open(definition=d, organiser_org=organiser_org, meta=meta),
        )
        return r.aggregate.view()

    def view(self, key: str) -> CampaignView:
        return self.ledger.find(campaign_ledger_id(key)).view()

    def add_units(self, key: str, n: int, meta: CommandMeta, joined: date) -> None:
        v = self.view(key)
        for i in range(n):
            code = f"u{i:05d}"
            u = UnitView(campaign_key=key, code=code, name=f"单位{i}", ownership=Ownership.PUBLIC,
                         unionised=True, district_org="dl-ganjingzi", joined_on=joined)  # fmt: skip
            m = meta.model_copy(update={"command_id": f"{meta.command_id}:{code}"})
            self.ledger.execute(
                unit_ledger_id(key, code), m, create=lambda u=u, m=m: CampaignUnit.join(u, m)
            )
            self.codes.setdefault(key, []).append(code)
        self.codes[key].sort()
        del v

    def unit(self, key: str, code: str) -> UnitView:
        return self.ledger.find(unit_ledger_id(key, code)).view()

    def open_period(self, req: OpenPeriodRequest) -> CampaignView:
        r = self.ledger.execute(
            campaign_ledger_id(req.campaign_key),
            req.meta,
            lambda c: c.open_period(req.period, req.meta),
        )
        return r.aggregate.view()

    def remind_page(self, req: RemindPageRequest, meta: CommandMeta) -> RemindPageResult:
        v = self.view(req.campaign_key)
        period = v.definition.timeline.period(req.period)
        codes = [c for c in self.codes.get(req.campaign_key, []) if c > req.after]
        page, more = codes[: req.limit], len(codes) > req.limit
        reminded = escalated = 0
        for code in page:
            u = self.unit(req.campaign_key, code)
            if not u.member or u.reminders.get(req.period, 0) >= req.round or u.reports:
                continue
            m = meta.model_copy(update={"command_id": f"{meta.command_id}:{code}"})
            r = self.ledger.execute(
                unit_ledger_id(req.campaign_key, code),
                m,
                lambda a, m=m: a.remind(period=req.period, due=period.due, meta=m),
            )
            reminded += 1
            if (
                r.aggregate.s.reminders[req.period] >= v.definition.timeline.escalate_after
                and req.period not in r.aggregate.s.escalated
            ):
                em = m.model_copy(update={"command_id": f"{m.command_id}:escalate"})
                self.ledger.execute(
                    unit_ledger_id(req.campaign_key, code),
                    em,
                    lambda a, em=em: a.escalate(period=req.period, meta=em),
                )
                escalated += 1
        return RemindPageResult(
            reminded=reminded, escalated=escalated, last=page[-1] if page else req.after, more=more
        )

    def record_reminders(self, req: RecordRemindersRequest) -> None:
        self.ledger.execute(
            campaign_ledger_id(req.campaign_key),
            req.meta,
            lambda c: c.reminders_sent(req.period, req.reminded, req.escalated, req.on, req.meta),
        )

    def final_report(self, req: FinalReportRequest) -> FinalReportResult:
        v = self.view(req.campaign_key)
        h = hashlib.sha256(f"{v.key}:{req.at}".encode()).hexdigest()
        report = {
            "at": str(req.at),
            "targets": len(v.definition.targets),
            "met": 0,
            "inputs_hash": h,
        }
        self.ledger.execute(
            campaign_ledger_id(req.campaign_key),
            req.meta,
            lambda c: c.final_reported(report, req.meta.occurred_at, req.meta),
        )
        return FinalReportResult(targets=len(v.definition.targets), met=0, inputs_hash=h)

    def close(self, req: CloseRequest) -> CampaignView:
        r = self.ledger.execute(
            campaign_ledger_id(req.campaign_key), req.meta, lambda c: c.close(req.meta)
        )
        return r.aggregate.view()
