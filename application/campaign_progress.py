"""A campaign's progress (集中行动进度): per unit its row on a date, per target the rate,
the gap in units (还差 N 家) and the break-down by district, industry and ownership, and the
weekly trend from the campaign's opening.

The rows rule: an indicator read from a fact counts when the unit's fact holds on the date
(``application.unit_facts``); a reported one counts the latest APPROVED report among the
periods started by the date (a withdrawn or returned one no longer counts); "either" takes
the fact, else an approved report. A unit counts while it is in the campaign on the date
(``UnitView.member_on``): one that joined late, from its joining.

Live, the campaign and unit records are folded from the notification log as it grows, and
only the units whose record or facts changed since the last report are computed again
(their row on the report's date and their part in each weekly trend point); ``at=`` an
earlier instant rebuilds everything from the log up to that instant, so it says what the
live report said then.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from application.unit_facts import AggregateFold, UnitFactsIndex
from domain.actors import china_date
from domain.award.checks import FactRef
from domain.campaign.aggregate import Campaign, CampaignUnit
from domain.campaign.definition import (
    CampaignDefinition,
    Filter,
    Indicator,
    Label,
    Source,
    Target,
    TargetKind,
)
from domain.campaign.progress import Tally, TargetProgress, UnitRow, progress
from domain.campaign.values import CampaignView, ReportStatus, UnitView
from domain.errors import NotFound
from ledger.app import Ledger
from projections.counters import LogTail
from projections.views import event_topics
from settings import Settings

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class ProgressReport:
    """A campaign's progress on ``on`` as the ledger stood at ``at``."""

    campaign_key: str
    title: Label
    on: date
    at: datetime
    targets: list[TargetProgress]
    names: dict[str, str]  # unit code -> unit name (for laggards)
    districts: dict[str, str]  # district -> the org of its union
    trend: list[tuple[date, str, float]]  # (day, target key, rate or share of a count)
    units: int  # units recorded in the campaign, members on ``on`` or not
    labels: dict[str, Label] = field(default_factory=dict)  # target key -> label
    members: int = 0  # units in the campaign on ``on`` (in its population)

    def target(self, key: str) -> TargetProgress:
        for t in self.targets:
            if t.target == key:
                return t
        raise KeyError(key)


def gap_label(tally: Tally, kind: TargetKind) -> Label:
    """How far a tally is from its target, in words: 还差 N 家 / N units short."""
    if tally.met:
        return ("已达标", "target met")
    if kind is TargetKind.RATE:
        return (f"还差 {tally.gap} 家", f"{tally.gap} unit{'s' if tally.gap != 1 else ''} short")
    return (f"还差 {tally.gap}", f"{tally.gap} short")


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


Part = tuple[tuple[int, ...], tuple[int, ...]]  # per trend point: counted?, amount


@dataclass
class _Cache:
    """One campaign's computed rows (on ``on``) and trend sums, kept between reports."""

    definition: CampaignDefinition
    grid: list[date]
    indicators: list[Indicator]  # those a target counts
    on: date | None = None
    rows: dict[str, UnitRow] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)  # sorted
    parts: dict[str, list[Part]] = field(default_factory=dict)  # code -> per target
    den: list[list[int]] = field(default_factory=list)  # per target, per grid day
    num: list[list[int]] = field(default_factory=list)
    dirty: set[str] = field(default_factory=set)
    fresh: bool = True  # every unit still to compute


class _Book:
    """Campaign and unit records folded from the log (live, or up to ``at``), with each
    campaign's cache."""

    def __init__(self, ledger: Ledger, facts: UnitFactsIndex, at: datetime | None) -> None:
        self.facts = facts
        self.at = at
        self.tail = LogTail(ledger)
        self.fold = AggregateFold(at)
        self.campaigns: dict[str, uuid.UUID] = {}
        self.units: defaultdict[str, dict[str, uuid.UUID]] = defaultdict(dict)
        self.keys_of_org: defaultdict[str, set[str]] = defaultdict(set)
        self.caches: dict[str, _Cache] = {}
        # Noted while the logs are read (no lock taken there), applied before a report.
        self._changed_units: deque[tuple[str, str]] = deque()
        self._changed_orgs: deque[str] = deque()
        self.tail.follow(event_topics(Campaign), self._campaign)
        self.tail.follow(event_topics(CampaignUnit), self._unit)
        facts.subscribe(self._changed_orgs.append)
        if at is not None:
            self.tail.catch_up()

    def _campaign(self, event: Any) -> None:
        found = self.fold.apply(event)
        if found is not None:
            self.campaigns[found.s.key] = found.id

    def _unit(self, event: Any) -> None:
        found = self.fold.apply(event)
        if found is not None:
            key, code = found.s.campaign_key, found.s.code
            self.units[key][code] = found.id
            self.keys_of_org[code].add(key)
            self._changed_units.append((key, code))

    def catch_up(self) -> None:
        if self.at is None:
            self.facts.catch_up()
            self.tail.catch_up()

    def campaign(self, key: str) -> CampaignView:
        found = self.campaigns.get(key)
        if found is None:
            raise NotFound(f"没有集中行动 {key}", f"no campaign {key}")
        view: CampaignView = self.fold.aggregates[found].s
        return view

    def unit(self, key: str, code: str) -> UnitView:
        view: UnitView = self.fold.aggregates[self.units[key][code]].s
        return view

    # -- the cache ------------------------------------------------------------------------

    def _note_changes(self) -> None:
        while self._changed_units:
            key, code = self._changed_units.popleft()
            if key in self.caches:
                self.caches[key].dirty.add(code)
        while self._changed_orgs:
            org = self._changed_orgs.popleft()
            for key in self.keys_of_org.get(org, ()):
                if key in self.caches and org in self.units[key]:
                    self.caches[key].dirty.add(org)

    def cache(self, key: str, on: date) -> _Cache:
        """The campaign's cache brought up to date for a report on ``on`` (under the lock)."""
        view = self.campaign(key)
        self._note_changes()
        c = self.caches.get(key)
        if c is None:
            d = view.definition
            end = max([d.timeline.final_report, *(t.by for t in d.targets)])
            used = {t.indicator for t in d.targets}
            c = _Cache(
                definition=d,
                grid=weekly(view.created_on, end),
                indicators=[i for i in d.indicators if i.key in used],
            )
            c.den = [[0] * len(c.grid) for _ in d.targets]
            c.num = [[0] * len(c.grid) for _ in d.targets]
            self.caches[key] = c
        if c.fresh:
            todo = set(self.units[key])
            c.fresh = False
        else:
            todo, c.dirty = c.dirty, set()
        if c.on != on:
            c.on, c.rows = on, {}
            rows_for = set(self.units[key])
        else:
            rows_for = todo
        if todo - set(c.parts):
            c.codes = sorted(self.units[key])
        for code in todo:
            self._part(key, c, code)
        for code in rows_for:
            u = self.unit(key, code)
            c.rows[code] = unit_row(c.definition, u, self.facts.facts_unlocked(code, on), on)
        return c

    def _part(self, key: str, c: _Cache, code: str) -> None:
        """The unit's part in each trend point, replacing what it was."""
        old = c.parts.get(code)
        new = unit_parts(c.definition, self.unit(key, code), self.facts, c.grid, c.indicators)
        for i in range(len(c.definition.targets)):
            den, num = c.den[i], c.num[i]
            if old is not None:
                for k, (a, b) in enumerate(zip(*old[i], strict=True)):
                    den[k] -= a
                    num[k] -= b
            for k, (a, b) in enumerate(zip(*new[i], strict=True)):
                den[k] += a
                num[k] += b
        c.parts[code] = new


def unit_parts(
    d: CampaignDefinition,
    u: UnitView,
    facts: UnitFactsIndex,
    days: list[date],
    indicators: list[Indicator],
) -> list[Part]:
    """Per target, per day: whether the unit is counted in its denominator, and its amount
    (1 for a counted flag of a rate target; the value for a count target)."""

    def admits(f: Filter) -> bool:
        return f.admits(
            unionised=u.unionised, ownership=u.ownership, district=u.district, industry=u.industry
        )

    in_population = admits(d.population.filter)
    among = [in_population and admits(t.among) for t in d.targets]
    counted: list[list[int]] = [[0] * len(days) for _ in d.targets]
    amount: list[list[int]] = [[0] * len(days) for _ in d.targets]
    if any(among):
        for k, day in enumerate(days):
            if not u.member_on(day):
                continue
            values, _ = unit_values(d, u, facts.facts_unlocked(u.code, day), day, indicators)
            for i, t in enumerate(d.targets):
                if not among[i]:
                    continue
                counted[i][k] = 1
                v = values.get(t.indicator, 0)
                amount[i][k] = (1 if v > 0 else 0) if t.kind is TargetKind.RATE else max(0, v)
    return [(tuple(counted[i]), tuple(amount[i])) for i in range(len(d.targets))]


class CampaignProgress:
    """Campaign progress from the ledger: live (kept up to date by tailing the log) or as
    the ledger stood at an earlier instant."""

    def __init__(
        self,
        ledger: Ledger,
        facts: UnitFactsIndex,
        settings: Settings | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.ledger = ledger
        self.facts = facts
        self.settings = settings
        self.clock = clock or (lambda: datetime.now(UTC))
        self._book = _Book(ledger, facts, None)
        self._lock = threading.Lock()

    def rows(self, key: str, on: date) -> list[UnitRow]:
        """Every unit of the campaign on ``on`` (members or not), by unit code."""
        with self._lock:
            self._book.catch_up()
            with self._book.tail.lock, self.facts.tail.lock:
                c = self._book.cache(key, on)
                return [c.rows[code] for code in c.codes]

    def report(
        self, key: str, on: date | None = None, at: datetime | None = None
    ) -> ProgressReport:
        """The progress on ``on`` (default: the day of ``at``), live or as of ``at``."""
        if at is not None:
            facts = UnitFactsIndex.as_of(self.ledger, at, self.settings)
            book = _Book(self.ledger, facts, at)
            day = on or china_date(at)
            with book.tail.lock, facts.tail.lock:
                return _report(book, key, day, at)
        with self._lock:
            now = self.clock()
            self._book.catch_up()
            with self._book.tail.lock, self.facts.tail.lock:
                return _report(self._book, key, on or china_date(now), now)


def _report(book: _Book, key: str, on: date, at: datetime) -> ProgressReport:
    view = book.campaign(key)
    c = book.cache(key, on)
    d = c.definition
    rows = [c.rows[code] for code in c.codes]
    targets = progress(d, rows)
    trend: list[tuple[date, str, float]] = []
    for k, day in enumerate(c.grid):
        if day >= on:
            break
        for i, t in enumerate(d.targets):
            trend.append((day, t.key, trend_value(t, c.num[i][k], c.den[i][k])))
    if c.grid and c.grid[-1] < on:  # past the campaign's end: the extra weeks computed here
        for day in weekly(c.grid[-1] + WEEK, on - timedelta(days=1)):
            sums = [[0, 0] for _ in d.targets]
            for code in c.codes:
                parts = unit_parts(d, book.unit(key, code), book.facts, [day], c.indicators)
                for i, (counted, amount) in enumerate(parts):
                    sums[i][0] += counted[0]
                    sums[i][1] += amount[0]
            for i, t in enumerate(d.targets):
                trend.append((day, t.key, trend_value(t, sums[i][1], sums[i][0])))
    for t, p in zip(d.targets, targets, strict=True):
        trend.append((on, t.key, trend_value(t, p.total.numerator, p.total.denominator)))
    pop = d.population.filter
    return ProgressReport(
        campaign_key=key,
        title=view.title,
        on=on,
        at=at,
        targets=targets,
        names={r.code: r.name for r in rows},
        districts={u.district: u.district_org for u in (book.unit(key, code) for code in c.codes)},
        trend=trend,
        units=len(rows),
        labels={t.key: t.label for t in d.targets},
        members=sum(
            1
            for r in rows
            if r.member
            and pop.admits(
                unionised=r.unionised,
                ownership=r.ownership,
                district=r.district,
                industry=r.industry,
            )
        ),
    )
