"""Every campaign and campaign unit, folded in memory from the notification log (the read
side of ``application.campaigns``): a list of 10,000 units or a page of reminders costs one
query for what was recorded since the last read, not one aggregate read per unit."""

from __future__ import annotations

import copy
import uuid
from bisect import bisect_right
from collections import defaultdict
from typing import Any

from domain.campaign.aggregate import Campaign, CampaignUnit
from domain.campaign.values import CampaignView, ReportStatus, UnitView
from ledger.app import Ledger
from projections.counters import LogTail
from projections.views import event_topics


class CampaignBook:
    """Every campaign and campaign unit folded in memory from the notification log: each
    read first folds what was recorded since (one query), so a reminder page or a list of
    10,000 units reads no aggregate back from the database one by one.

    The views it hands out are shared: read them, never change them (a command runs on a
    copy, ``aggregate``). An event folds into a copy of its record, so a view once handed
    out never changes under its reader.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.tail = LogTail(ledger)
        self._aggregates: dict[uuid.UUID, Any] = {}
        self._campaigns: dict[str, uuid.UUID] = {}
        self._codes: defaultdict[str, dict[str, uuid.UUID]] = defaultdict(dict)
        self._sorted: dict[str, list[str]] = {}  # campaign -> its codes, sorted (a cache)
        self._pending: defaultdict[str, set[uuid.UUID]] = defaultdict(set)  # district org
        self.tail.follow(event_topics(Campaign), self._campaign)
        self.tail.follow(event_topics(CampaignUnit), self._unit)

    def _fold(self, event: Any) -> Any:
        current = self._aggregates.get(event.originator_id)
        if current is not None:
            # Copy on write: a reader may be going through the view this event replaces.
            current = copy.copy(current)
            current.s = current.s.model_copy(deep=True)
            current.commands = dict(current.commands)
        aggregate = event.mutate(current)
        self._aggregates[event.originator_id] = aggregate
        return aggregate

    def _campaign(self, event: Any) -> None:
        aggregate = self._fold(event)
        self._campaigns[aggregate.s.key] = aggregate.id

    def _unit(self, event: Any) -> None:
        aggregate = self._fold(event)
        u: UnitView = aggregate.s
        codes = self._codes[u.campaign_key]
        if u.code not in codes:
            codes[u.code] = aggregate.id
            self._sorted.pop(u.campaign_key, None)
        if any(r.status is ReportStatus.PENDING for r in u.reports.values()):
            self._pending[u.district_org].add(aggregate.id)
        else:
            self._pending[u.district_org].discard(aggregate.id)

    def campaign(self, key: str) -> CampaignView | None:
        self.tail.catch_up()
        with self.tail.lock:
            found = self._campaigns.get(key)
            return None if found is None else self._aggregates[found].s

    def campaigns(self) -> list[CampaignView]:
        self.tail.catch_up()
        with self.tail.lock:
            return [self._aggregates[i].s for _, i in sorted(self._campaigns.items())]

    def unit(self, key: str, code: str) -> UnitView | None:
        self.tail.catch_up()
        with self.tail.lock:
            found = self._codes.get(key, {}).get(code)
            return None if found is None else self._aggregates[found].s

    def units(self, key: str, after: str = "") -> list[UnitView]:
        """The campaign's units with codes after ``after``, by code."""
        self.tail.catch_up()
        with self.tail.lock:
            codes = self._codes.get(key, {})
            ordered = self._sorted.get(key)
            if ordered is None:
                ordered = self._sorted[key] = sorted(codes)
            start = bisect_right(ordered, after) if after else 0
            return [self._aggregates[codes[c]].s for c in ordered[start:]]

    def pending(self, district_org: str) -> list[UnitView]:
        self.tail.catch_up()
        with self.tail.lock:
            return [self._aggregates[i].s for i in self._pending.get(district_org, ())]

    def aggregate(self, key: str, code: str) -> Any | None:
        """A copy of the unit's aggregate as last folded (to run a command on; a save
        that meets a newer version fails, and the caller reads it from the ledger)."""
        with self.tail.lock:
            found = self._codes.get(key, {}).get(code)
            return None if found is None else copy.deepcopy(self._aggregates[found])
