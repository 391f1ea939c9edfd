"""One page of a campaign's reminder round (催报): which units lag in a period, and
reminding each of them once per round, escalating to its district union once it has been
reminded ``escalate_after`` times.

A page is saved in one transaction. When a unit changed after the page was read (its cadre
reported meanwhile), the save fails whole and the page is done again unit by unit on fresh
records, each checked again, so the unit that just reported is not reminded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import IntegrityError

from application.campaign_book import CampaignBook
from contracts.campaign import RemindPageRequest
from domain.actors import CommandMeta, china_date
from domain.campaign.definition import CampaignDefinition, Filter, Indicator, Source
from domain.campaign.progress import UnitRow
from domain.campaign.values import CampaignView, ReportStatus, UnitView, unit_ledger_id
from ledger.app import Ledger


def admits(f: Filter, u: UnitView) -> bool:
    return f.admits(
        unionised=u.unionised, ownership=u.ownership, district=u.district, industry=u.industry
    )


def done(u: UnitView, ind: Indicator, period: str, row: UnitRow | None) -> bool:
    """Counted on the indicator (the fact holds, or an approved report: the progress row),
    or its report for the period is in (pending review or approved)."""
    if row is not None and row.values.get(ind.key, 0) > 0:
        return True
    if ind.source is Source.FACT:
        return False
    r = u.report(period, ind.key)
    return r is not None and r.status in (ReportStatus.PENDING, ReportStatus.APPROVED)


def lagging(
    d: CampaignDefinition, u: UnitView, period: str, today: date, row: UnitRow | None
) -> bool:
    """A member unit of the population not yet done on an indicator of a target it falls
    under."""
    if not u.member_on(today) or not admits(d.population.filter, u):
        return False
    return any(
        admits(t.among, u) and not done(u, d.indicator(t.indicator), period, row) for t in d.targets
    )


def _step(meta: CommandMeta, command_id: str, req: RemindPageRequest) -> CommandMeta:
    return CommandMeta(command_id=command_id, acting=meta.acting, occurred_at=req.now)


def _ids(req: RemindPageRequest, code: str) -> tuple[str, str]:
    prefix = f"campaign:{req.campaign_key}:{req.period}"
    return f"{prefix}:remind:{req.round}:{code}", f"{prefix}:escalate:{req.round}:{code}"


def _apply(
    agg: Any, c: CampaignView, req: RemindPageRequest, meta: CommandMeta, row: UnitRow | None
) -> bool:
    """Remind and escalate one unit's aggregate as the round requires; whether it changed."""
    timeline = c.definition.timeline
    remind_id, escalate_id = _ids(req, agg.s.code)
    touched = False
    if (
        not agg.has_applied(remind_id)
        and agg.s.reminders.get(req.period, 0) < req.round
        and lagging(c.definition, agg.s, req.period, china_date(req.now), row)
    ):
        due = timeline.period(req.period).due
        agg.remind(period=req.period, due=due, meta=_step(meta, remind_id, req))
        touched = True
    if (
        agg.s.reminders.get(req.period, 0) >= timeline.escalate_after
        and req.period not in agg.s.escalated
        and agg.has_applied(remind_id)
    ):
        agg.escalate(period=req.period, meta=_step(meta, escalate_id, req))
        touched = True
    return touched


def remind_units(
    ledger: Ledger,
    book: CampaignBook,
    c: CampaignView,
    page: list[UnitView],
    rows: dict[str, UnitRow],
    req: RemindPageRequest,
    meta: CommandMeta,
) -> tuple[int, int]:
    """Remind the laggards of ``page``; the units reminded and escalated in this round
    (those of an earlier try of the same page included)."""
    today = china_date(req.now)
    laggards = [u for u in page if lagging(c.definition, u, req.period, today, rows.get(u.code))]
    changed: list[Any] = []
    counted: list[Any] = []
    for u in laggards:
        agg = book.aggregate(u.campaign_key, u.code)
        if agg is None:
            continue
        if _apply(agg, c, req, meta, rows.get(u.code)):
            changed.append(agg)
        counted.append(agg)
    if changed:
        try:
            ledger.save(*changed)  # one transaction for the page
        except IntegrityError:
            counted = _one_by_one(ledger, c, laggards, rows, req, meta)
    return _counts(counted, req)


def _counts(aggregates: list[Any], req: RemindPageRequest) -> tuple[int, int]:
    reminded = escalated = 0
    for agg in aggregates:
        remind_id, escalate_id = _ids(req, agg.s.code)
        reminded += agg.has_applied(remind_id)
        escalated += agg.has_applied(escalate_id)
    return reminded, escalated


def _one_by_one(
    ledger: Ledger,
    c: CampaignView,
    laggards: list[UnitView],
    rows: dict[str, UnitRow],
    req: RemindPageRequest,
    meta: CommandMeta,
) -> list[Any]:
    found = []
    for u in laggards:
        row = rows.get(u.code)
        remind_id, _ = _ids(req, u.code)

        def command(agg: Any, row: UnitRow | None = row) -> None:
            _apply(agg, c, req, meta, row)

        uid = unit_ledger_id(u.campaign_key, u.code)
        result = ledger.execute(uid, _step(meta, remind_id, req), command)
        # Counted on the record as it is now (a retry is answered as of its first try).
        found.append(ledger.find(uid) or result.aggregate)
    return found
