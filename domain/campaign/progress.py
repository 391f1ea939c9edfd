"""Progress of a campaign's targets (pure): from unit rows on a date, each target's numerator,
denominator, rate, gap in units (还差 N 家) and whether it is met, the same broken down by
district, industry and ownership, and the laggards."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from domain.campaign.definition import CampaignDefinition, Filter, Target, TargetKind


@dataclass(frozen=True)
class UnitRow:
    """One unit on the date: attributes, membership, and per indicator its value (flag 0/1 or
    count) with what it rests on (a FactRef's text or a report), absent when not counted."""

    code: str
    name: str
    district: str
    industry: str
    ownership: str
    unionised: bool
    member: bool
    values: dict[str, int] = field(default_factory=dict)
    basis: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Tally:
    numerator: int
    denominator: int
    rate: float  # share of units with the indicator (rate targets); 0 when no units
    gap: int  # units (rate) or amount (count) still missing, never negative
    met: bool


@dataclass(frozen=True)
class TargetProgress:
    target: str
    kind: TargetKind
    at_least: float
    total: Tally
    by_district: dict[str, Tally]
    by_industry: dict[str, Tally]
    by_ownership: dict[str, Tally]
    laggards: list[str]  # unit codes in the sub-population not yet counted


def _in(f: Filter, r: UnitRow) -> bool:
    return f.admits(
        unionised=r.unionised, ownership=r.ownership, district=r.district, industry=r.industry
    )


def tally(t: Target, rows: list[UnitRow]) -> Tally:
    den = len(rows)
    if t.kind is TargetKind.RATE:
        num = sum(1 for r in rows if r.values.get(t.indicator, 0) > 0)
        rate = num / den if den else 0.0
        # 1e-9: the product of a decimal fraction and an integer may land just above it
        need = math.ceil(t.at_least * den - 1e-9)
        gap = max(0, need - num)
        return Tally(num, den, rate, gap, met=den > 0 and gap == 0)
    num = sum(max(0, r.values.get(t.indicator, 0)) for r in rows)
    gap = max(0, int(t.at_least) - num)
    return Tally(num, den, num / den if den else 0.0, gap, met=gap == 0)


def _by(t: Target, rows: list[UnitRow], attr: str) -> dict[str, Tally]:
    groups: dict[str, list[UnitRow]] = {}
    for r in rows:
        groups.setdefault(getattr(r, attr), []).append(r)
    return {k: tally(t, g) for k, g in sorted(groups.items())}


def target_progress(t: Target, rows: list[UnitRow]) -> TargetProgress:
    among = [r for r in rows if r.member and _in(t.among, r)]
    return TargetProgress(
        target=t.key,
        kind=t.kind,
        at_least=t.at_least,
        total=tally(t, among),
        by_district=_by(t, among, "district"),
        by_industry=_by(t, among, "industry"),
        by_ownership=_by(t, among, "ownership"),
        laggards=[r.code for r in among if r.values.get(t.indicator, 0) <= 0],
    )


def progress(definition: CampaignDefinition, rows: list[UnitRow]) -> list[TargetProgress]:
    """Every target's progress over the units in the campaign's population."""
    pop = [r for r in rows if _in(definition.population.filter, r)]
    return [target_progress(t, pop) for t in definition.targets]
