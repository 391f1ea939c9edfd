"""The rows rule of campaign progress and its arithmetic over time, pure of any read model:
a unit's value of each indicator on a day (the fact, else the latest approved report
among the periods started by then), its row, a tally from counts, and the unit's part in
each weekly trend point as spans of points (it only changes where the unit joins or
leaves, a fact starts or ends, or a period starts)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from application.unit_facts import UnitFactsIndex
from domain.award.checks import FactRef
from domain.campaign.definition import (
    CampaignDefinition,
    Filter,
    Indicator,
    Source,
    Target,
    TargetKind,
)
from domain.campaign.progress import Tally, UnitRow
from domain.campaign.values import ReportStatus, UnitView

WEEK = timedelta(days=7)


def trend_value(t: Target, numerator: int, denominator: int) -> float:
    """A trend point: the rate (rate targets) or the share of the count reached."""
    if t.kind is TargetKind.RATE:
        return numerator / denominator if denominator else 0.0
    return numerator / t.at_least


def _basis(ref: FactRef) -> str:
    return f"{ref.record} · {ref.event}" + (f" · {ref.on}" if ref.on else "")


def _approved(
    d: CampaignDefinition, u: UnitView, ind: Indicator, on: date
) -> tuple[int, str] | None:
    for p in reversed(d.timeline.periods):
        if p.starts > on:
            continue
        r = u.report(p.key, ind.key)
        if r is not None and r.status is ReportStatus.APPROVED:
            return r.value, f"填报 {p.key} · 已通过 · {r.reviewed_by}"
    return None


def unit_values(
    d: CampaignDefinition,
    u: UnitView,
    facts: dict[str, FactRef],
    on: date,
    indicators: list[Indicator] | None = None,
) -> tuple[dict[str, int], dict[str, str]]:
    """Per indicator the unit's value on ``on`` and what it rests on (absent: not counted)."""
    values: dict[str, int] = {}
    basis: dict[str, str] = {}
    for ind in d.indicators if indicators is None else indicators:
        if ind.source is not Source.REPORT:
            ref = facts.get(ind.fact or "")
            if ref is not None:
                values[ind.key], basis[ind.key] = 1, _basis(ref)
                continue
            if ind.source is Source.FACT:
                continue
        found = _approved(d, u, ind, on)
        if found is not None:
            values[ind.key], basis[ind.key] = found
    return values, basis


def unit_row(d: CampaignDefinition, u: UnitView, facts: dict[str, FactRef], on: date) -> UnitRow:
    values, basis = unit_values(d, u, facts, on)
    return UnitRow(
        code=u.code,
        name=u.name,
        district=u.district,
        industry=u.industry,
        ownership=u.ownership.value,
        unionised=u.unionised,
        member=u.member_on(on),
        values=values,
        basis=basis,
    )


def weekly(start: date, end: date) -> list[date]:
    """Every seventh day from ``start`` up to ``end``."""
    days, day = [], start
    while day <= end:
        days.append(day)
        day += WEEK
    return days


def tally_of(t: Target, numerator: int, denominator: int) -> Tally:
    """The tally of a target over units with these counts: the arithmetic of
    ``domain.campaign.progress.tally``, from counts kept up to date instead of rows."""
    if t.kind is TargetKind.RATE:
        rate = numerator / denominator if denominator else 0.0
        need = math.ceil(t.at_least * denominator - 1e-9)
        gap = max(0, need - numerator)
        return Tally(numerator, denominator, rate, gap, met=denominator > 0 and gap == 0)
    gap = max(0, int(t.at_least) - numerator)
    return Tally(
        numerator, denominator, numerator / denominator if denominator else 0.0, gap, gap == 0
    )


def admits(f: Filter, u: UnitView | UnitRow) -> bool:
    return f.admits(
        unionised=u.unionised, ownership=u.ownership, district=u.district, industry=u.industry
    )


def amount_of(t: Target, value: int) -> int:
    if t.kind is TargetKind.RATE:
        return 1 if value > 0 else 0
    return max(0, value)


Segment = tuple[int, int, int, int]  # first and past-last trend point, counted, amount


def _holds(spans: list[tuple[date, date | None]], day: date) -> bool:
    return any(a <= day and (b is None or day <= b) for a, b in spans)


@dataclass
class _Course:
    """What a unit's value of one indicator rests on over time: the spans of its fact, the
    starts of the periods with an approved report and their values."""

    spans: list[tuple[date, date | None]]
    reports: list[tuple[date, int]]

    def value(self, day: date) -> int:
        if _holds(self.spans, day):
            return 1
        found = 0
        for starts, v in self.reports:
            if starts <= day:
                found = v
        return found

    def changes(self) -> set[date]:
        days = {starts for starts, _ in self.reports}
        for a, b in self.spans:
            days.add(a)
            if b is not None:
                days.add(b + timedelta(days=1))
        return days


def _course(d: CampaignDefinition, u: UnitView, ind: Indicator, facts: UnitFactsIndex) -> _Course:
    spans = []
    if ind.source is not Source.REPORT and ind.fact is not None:
        spans = facts.spans_unlocked(u.code, ind.fact)
    reports = []
    if ind.source is not Source.FACT:
        for p in d.timeline.periods:
            r = u.report(p.key, ind.key)
            if r is not None and r.status is ReportStatus.APPROVED:
                reports.append((p.starts, r.value))
    return _Course(spans, reports)


def unit_segments(
    d: CampaignDefinition, u: UnitView, facts: UnitFactsIndex, grid: list[date]
) -> list[list[Segment]]:
    """Per target, the unit's spans of trend points with the same part: counted in the
    denominator (in the campaign that day and among the target's units) and its amount.
    The part only changes where the unit joins or leaves, a fact starts or ends, or a
    period starts, so it is worked out on those days only."""
    among = [admits(d.population.filter, u) and admits(t.among, u) for t in d.targets]
    out: list[list[Segment]] = [[] for _ in d.targets]
    if not grid or not any(among):
        return out
    used = {t.indicator for t, a in zip(d.targets, among, strict=True) if a}
    courses = {i.key: _course(d, u, i, facts) for i in d.indicators if i.key in used}
    changes = {grid[0]}.union(*(c.changes() for c in courses.values()))
    for joined, left in [*u.history, (u.joined_on, u.left_on)]:
        changes.update([joined] if left is None else [joined, left])
    start = grid[0]
    days = sorted(x for x in changes if start <= x <= grid[-1])

    def point(x: date) -> int:  # the first trend point on or after x
        return -(-(x - start).days // 7)

    for j, x in enumerate(days):
        first = point(x)
        past = point(days[j + 1]) if j + 1 < len(days) else len(grid)
        if first >= past or not u.member_on(x):
            continue
        for i, t in enumerate(d.targets):
            if among[i]:
                out[i].append((first, past, 1, amount_of(t, courses[t.indicator].value(x))))
    return out


def row_changes(d: CampaignDefinition, u: UnitView, facts: UnitFactsIndex) -> list[date]:
    """The days on which the unit's row may differ from the day before (its joining or
    leaving, a fact of any indicator starting or ending, a period with an approved report
    starting), sorted: between two days without one of these, its row is the same."""
    days: set[date] = set()
    for ind in d.indicators:
        days |= _course(d, u, ind, facts).changes()
    for joined, left in [*u.history, (u.joined_on, u.left_on)]:
        days.update([joined] if left is None else [joined, left])
    return sorted(days)
