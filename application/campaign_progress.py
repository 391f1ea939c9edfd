"""A campaign's progress (集中行动进度): per unit its row on a date, per target the rate,
the gap in units (还差 N 家) and the break-down by district, industry and ownership, and the
weekly trend from the campaign's opening.

The rows rule: an indicator read from a fact counts when the unit's fact holds on the date
(``application.unit_facts``); a reported one counts the latest APPROVED report among the
periods started by the date (a withdrawn or returned one no longer counts); "either" takes
the fact, else an approved report. A unit counts while it is in the campaign on the date
(``UnitView.member_on``): one that joined late, from its joining (``application.campaign_rows``).

Live, the campaign and unit records are folded from the notification log as it grows, and
only the units whose record or facts changed since the last report are computed again
(their row on the report's date and their part in each weekly trend point); ``at=`` an
earlier instant rebuilds everything from the log up to that instant, so it says what the
live report said then.
"""

from __future__ import annotations

import bisect
import threading
import uuid
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from application.campaign_rows import (
    WEEK,
    Segment,
    admits,
    amount_of,
    row_changes,
    tally_of,
    trend_value,
    unit_row,
    unit_segments,
    weekly,
)
from application.unit_facts import AggregateFold, UnitFactsIndex
from domain.actors import china_date
from domain.campaign.aggregate import Campaign, CampaignUnit
from domain.campaign.definition import (
    CampaignDefinition,
    Label,
    Target,
    TargetKind,
)
from domain.campaign.progress import Tally, TargetProgress, UnitRow
from domain.campaign.values import CampaignView, UnitView
from domain.errors import NotFound
from ledger.app import Ledger
from projections.counters import LogTail
from projections.views import event_topics
from settings import Settings


@dataclass(frozen=True)
class ProgressReport:
    """A campaign's progress on ``on`` as the ledger stood at ``at``.

    Live reports share their ``TargetProgress`` values while nothing changed: read them,
    never change them."""

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
    indicators: dict[str, Label] = field(default_factory=dict)  # indicator key -> label

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


GROUPS = ("district", "industry", "ownership")


@dataclass
class _Counts:
    """One target's counts over the rows on one day: in all and per group, the laggards."""

    total: list[int] = field(default_factory=lambda: [0, 0])  # numerator, denominator
    groups: dict[str, dict[str, list[int]]] = field(default_factory=lambda: {g: {} for g in GROUPS})
    laggards: list[str] = field(default_factory=list)  # sorted
    built: TargetProgress | None = None  # until the counts change

    def add(self, r: UnitRow, amount: int, lagging: bool, sign: int) -> None:
        self.built = None
        self.total[0] += sign * amount
        self.total[1] += sign
        for g in GROUPS:
            name = getattr(r, g)
            groups = self.groups[g]
            counts = groups.get(name)
            if counts is None:
                counts = groups[name] = [0, 0]
            counts[0] += sign * amount
            counts[1] += sign
            if counts[1] == 0:
                del groups[name]
        if lagging:
            k = bisect.bisect_left(self.laggards, r.code)
            if sign > 0:
                self.laggards.insert(k, r.code)
            elif k < len(self.laggards) and self.laggards[k] == r.code:
                del self.laggards[k]

    def copy(self) -> _Counts:
        return _Counts(
            total=list(self.total),
            groups={g: {k: list(v) for k, v in kv.items()} for g, kv in self.groups.items()},
            laggards=list(self.laggards),
        )

    def progress(self, t: Target) -> TargetProgress:
        if self.built is not None:
            return self.built

        def by(g: str) -> dict[str, Tally]:
            return {k: tally_of(t, n, d) for k, (n, d) in sorted(self.groups[g].items())}

        self.built = TargetProgress(
            target=t.key,
            kind=t.kind,
            at_least=t.at_least,
            total=tally_of(t, *self.total),
            by_district=by("district"),
            by_industry=by("industry"),
            by_ownership=by("ownership"),
            laggards=list(self.laggards),
        )
        return self.built


RowPart = tuple[bool, list[tuple[bool, int, bool]]]  # in the population?, per target


@dataclass
class _Day:
    """The rows on one day and the counts over them."""

    rows: dict[str, UnitRow] = field(default_factory=dict)
    parts: dict[str, RowPart] = field(default_factory=dict)
    counts: list[_Counts] = field(default_factory=list)
    members: int = 0  # in the population on the day
    dirty: set[str] = field(default_factory=set)
    fresh: bool = True

    def moved_to(self, day: date, changes: dict[str, list[date]], was: date) -> _Day:
        """The rows on ``day`` from these on ``was``: a copy, with the units whose row may
        differ in between (a change day of theirs between the two) left to compute."""
        lo, hi = min(was, day), max(was, day)
        dirty = set(self.dirty)
        for code, days in changes.items():
            k = bisect.bisect_right(days, lo)
            if k < len(days) and days[k] <= hi:
                dirty.add(code)
        return _Day(
            rows=dict(self.rows),
            parts=dict(self.parts),
            counts=[c.copy() for c in self.counts],
            members=self.members,
            dirty=dirty,
            fresh=False,
        )


@dataclass
class _Trend:
    """Per target the units counted and their amounts at each weekly point, kept as
    difference arrays of each unit's spans of points (so a unit's change costs its spans)."""

    grid: list[date]
    segments: dict[str, list[list[Segment]]] = field(default_factory=dict)
    den: list[list[int]] = field(default_factory=list)  # per target, differences
    num: list[list[int]] = field(default_factory=list)
    dirty: set[str] = field(default_factory=set)
    fresh: bool = True


@dataclass
class _Cache:
    """One campaign's reports kept between calls: a few days' rows, the trend."""

    definition: CampaignDefinition
    end: date  # the trend's last week at the latest (the campaign's end, or a later day)
    codes: list[str] = field(default_factory=list)  # sorted
    days: OrderedDict[date, _Day] = field(default_factory=OrderedDict)
    trend: _Trend | None = None
    districts: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    changes: dict[str, list[date]] = field(default_factory=dict)  # days a row may change


DAYS_KEPT = 4


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

    # -- the cache (callers hold the locks) --------------------------------------------------

    def _note_changes(self) -> None:
        marked: list[tuple[str, str]] = []
        while self._changed_units:
            marked.append(self._changed_units.popleft())
        while self._changed_orgs:
            org = self._changed_orgs.popleft()
            marked.extend((key, org) for key in self.keys_of_org.get(org, ()))
        for key, code in marked:
            c = self.caches.get(key)
            if c is None or code not in self.units[key]:
                continue
            for day in c.days.values():
                day.dirty.add(code)
            if c.trend is not None:
                c.trend.dirty.add(code)

    def cache(self, key: str) -> _Cache:
        view = self.campaign(key)
        self._note_changes()
        c = self.caches.get(key)
        if c is None:
            d = view.definition
            c = _Cache(definition=d, end=max([d.timeline.final_report, *(t.by for t in d.targets)]))
            self.caches[key] = c
        if len(c.codes) != len(self.units[key]):
            c.codes = sorted(self.units[key])
            c.districts, c.names = {}, {}
            for code in c.codes:
                u = self.unit(key, code)
                c.districts.setdefault(u.district, u.district_org)
                c.names[code] = u.name
        return c

    def day(self, key: str, on: date) -> tuple[_Cache, _Day]:
        """The campaign's rows and counts on ``on``, computed again for what changed."""
        c = self.cache(key)
        found = c.days.get(on)
        if found is None:
            # From the day computed last (a report the next morning): a copy, and again
            # only the units with a change day in between.
            was = next((x for x in reversed(c.days) if not c.days[x].fresh), None)
            if was is None:
                found = _Day(counts=[_Counts() for _ in c.definition.targets])
            else:
                found = c.days[was].moved_to(on, c.changes, was)
            c.days[on] = found
            while len(c.days) > DAYS_KEPT:
                c.days.popitem(last=False)
        c.days.move_to_end(on)
        if found.fresh:
            todo, found.fresh, found.dirty = set(c.codes), False, set()
        else:
            todo, found.dirty = found.dirty, set()
        for code in todo:
            self._row(key, c.definition, found, code, on)
        return c, found

    def _row(self, key: str, d: CampaignDefinition, day: _Day, code: str, on: date) -> None:
        old_row, old = day.rows.get(code), day.parts.get(code)
        if old_row is not None and old is not None:
            self._count(d, day, old_row, old, -1)
        u = self.unit(key, code)
        r = unit_row(d, u, self.facts.facts_unlocked(code, on), on)
        c = self.caches[key]
        c.changes[code] = row_changes(d, u, self.facts)
        in_population = r.member and admits(d.population.filter, r)
        part: RowPart = (
            in_population,
            [
                (
                    in_population and admits(t.among, r),
                    amount_of(t, r.values.get(t.indicator, 0)),
                    r.values.get(t.indicator, 0) <= 0,
                )
                for t in d.targets
            ],
        )
        self._count(d, day, r, part, +1)
        day.rows[code], day.parts[code] = r, part

    @staticmethod
    def _count(d: CampaignDefinition, day: _Day, r: UnitRow, part: RowPart, sign: int) -> None:
        in_population, per_target = part
        day.members += sign if in_population else 0
        for counts, (among, amount, lagging) in zip(day.counts, per_target, strict=True):
            if among:
                counts.add(r, amount, lagging, sign)

    def trend(self, key: str, on: date) -> tuple[_Cache, _Trend]:
        """The campaign's weekly trend sums, computed again for what changed."""
        c = self.cache(key)
        view = self.campaign(key)
        if c.trend is not None and on > c.trend.grid[-1] + WEEK:
            c.trend = None  # past the campaign's end: weeks to add
        if c.trend is None:
            grid = weekly(view.created_on, max(c.end, on))
            n = len(c.definition.targets)
            c.trend = _Trend(
                grid=grid,
                den=[[0] * (len(grid) + 1) for _ in range(n)],
                num=[[0] * (len(grid) + 1) for _ in range(n)],
            )
        tr = c.trend
        if tr.fresh:
            todo, tr.fresh, tr.dirty = set(c.codes), False, set()
        else:
            todo, tr.dirty = tr.dirty, set()
        for code in todo:
            old = tr.segments.get(code)
            if old is not None:
                self._spread(tr, old, -1)
            new = unit_segments(c.definition, self.unit(key, code), self.facts, tr.grid)
            self._spread(tr, new, +1)
            tr.segments[code] = new
        return c, tr

    @staticmethod
    def _spread(tr: _Trend, segments: list[list[Segment]], sign: int) -> None:
        for den, num, mine in zip(tr.den, tr.num, segments, strict=True):
            for first, past, counted, amount in mine:
                den[first] += sign * counted
                den[past] -= sign * counted
                num[first] += sign * amount
                num[past] -= sign * amount


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
        # The ledger as of the instant asked last: asked again (its export after its
        # report, the next page), it reads only what came since instead of the whole log.
        self._past: _Book | None = None
        self._past_lock = threading.Lock()

    def rows(self, key: str, on: date, at: datetime | None = None) -> list[UnitRow]:
        """Every unit of the campaign on ``on`` (members or not), by unit code; live, or
        as the ledger stood at ``at``."""
        return self.snapshot(key, on, at, rows_only=True)[1]

    def report(
        self, key: str, on: date | None = None, at: datetime | None = None
    ) -> ProgressReport:
        """The progress on ``on`` (default: the day of ``at``), live or as of ``at``."""
        found = self.snapshot(key, on, at)[0]
        assert found is not None
        return found

    def snapshot(
        self,
        key: str,
        on: date | None = None,
        at: datetime | None = None,
        *,
        rows_only: bool = False,
    ) -> tuple[ProgressReport | None, list[UnitRow]]:
        """The report and its rows from one read of the ledger (the exports print both)."""
        if at is not None:
            with self._past_lock:
                if self._past is None or self._past.at != at:
                    self._past = None  # one past instant kept: let the last one go first
                    self._past = _Book(
                        self.ledger, UnitFactsIndex.as_of(self.ledger, at, self.settings), at
                    )
                book = self._past
                book.catch_up()  # what came since, by the same rule as a rebuild
                with book.tail.lock, book.facts.tail.lock:
                    return _snapshot(book, key, on or china_date(at), at, rows_only)
        with self._lock:
            now = self.clock()
            self._book.catch_up()
            with self._book.tail.lock, self.facts.tail.lock:
                return _snapshot(self._book, key, on or china_date(now), now, rows_only)


def _snapshot(
    book: _Book, key: str, on: date, at: datetime, rows_only: bool
) -> tuple[ProgressReport | None, list[UnitRow]]:
    c, day = book.day(key, on)
    rows = [day.rows[code] for code in c.codes]
    return (None if rows_only else _report(book, key, on, at)), rows


def _report(book: _Book, key: str, on: date, at: datetime) -> ProgressReport:
    view = book.campaign(key)
    c, day = book.day(key, on)
    _, tr = book.trend(key, on)
    d = c.definition
    targets = [counts.progress(t) for t, counts in zip(d.targets, day.counts, strict=True)]
    trend: list[tuple[date, str, float]] = []
    sums = [[0, 0] for _ in d.targets]
    for k, point in enumerate(tr.grid):
        if point >= on:
            break
        for i, t in enumerate(d.targets):
            sums[i][0] += tr.num[i][k]
            sums[i][1] += tr.den[i][k]
            trend.append((point, t.key, trend_value(t, *sums[i])))
    for t, p in zip(d.targets, targets, strict=True):
        trend.append((on, t.key, trend_value(t, p.total.numerator, p.total.denominator)))
    return ProgressReport(
        campaign_key=key,
        title=view.title,
        on=on,
        at=at,
        targets=targets,
        names=dict(c.names),
        districts=dict(sorted(c.districts.items())),
        trend=trend,
        units=len(c.codes),
        labels={t.key: t.label for t in d.targets},
        members=day.members,
        indicators={i.key: i.label for i in d.indicators},
    )
