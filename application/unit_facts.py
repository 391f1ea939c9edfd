"""The facts the ledger knows of each unit, indexed by its org: one read model that tails
the notification log, live or as it stood at an instant.

A campaign's fact indicators (``domain.campaign.definition.KNOWN_FACTS``) read it: a wage
contract in force (工资专项集体合同生效), a workers' congress session held this year
(召开职代会), a call for motions run this year (开展提案征集), a title held (获得荣誉).
Each fact names the record and event it rests on (``FactRef``), as the award rules' do.

Live, each read first reads what the log recorded since the last read (one query for the
topics followed). ``as_of(ledger, at)`` rebuilds the index from the log with only the events
stamped up to ``at`` (per record, up to its first later event, as ``Ledger.get(at=...)``
reads a record), so a report made then can be made again later and say the same.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from eventsourcing.utils import get_topic

from domain.award.aggregate import Honours
from domain.award.checks import FactRef, HonourHeld
from domain.campaign.definition import KNOWN_FACTS
from domain.congress import Body, Congress
from domain.motion.call import MotionCall
from domain.session import Session, SessionStatus, SessionView
from domain.wage_contract import Stage, WageContract, WageContractView
from ledger.app import Ledger
from projections.counters import LogTail
from projections.views import event_topics
from settings import Settings

IN_FORCE = frozenset({Stage.EFFECTIVE, Stage.PUBLISHED, Stage.RENEWAL_DUE})
HELD = frozenset({SessionStatus.CLOSED, SessionStatus.PUBLISHED, SessionStatus.REPORTED})

WAGE_CONTRACT_IN_FORCE = "wage_contract_in_force"
CONGRESS_HELD_THIS_YEAR = "congress_held_this_year"
MOTION_RUN_THIS_YEAR = "motion_run_this_year"
HONOUR_HELD = "honour_held"

FACT_LABELS: dict[str, tuple[str, str]] = {
    WAGE_CONTRACT_IN_FORCE: ("工资专项集体合同在有效期内", "a wage contract in force"),
    CONGRESS_HELD_THIS_YEAR: ("本年度召开职代会", "a workers' congress held this year"),
    MOTION_RUN_THIS_YEAR: ("本年度开展提案征集", "a call for motions run this year"),
    HONOUR_HELD: ("获得荣誉称号", "a title held"),
}
assert frozenset(FACT_LABELS) == KNOWN_FACTS, "every known fact is looked up here"


class AggregateFold:
    """Aggregates rebuilt in memory from the events a :class:`LogTail` hands over.

    ``apply`` folds one event into its aggregate and returns it (None when the event is
    past ``at``: that record stops there, like ``Ledger.version_at``).
    """

    def __init__(self, at: datetime | None = None) -> None:
        self.at = at
        self.aggregates: dict[uuid.UUID, Any] = {}
        self._stopped: set[uuid.UUID] = set()

    def apply(self, event: Any) -> Any | None:
        aggregate_id = event.originator_id
        if self.at is not None and (aggregate_id in self._stopped or event.timestamp > self.at):
            self._stopped.add(aggregate_id)
            return None
        aggregate = event.mutate(self.aggregates.get(aggregate_id))
        self.aggregates[aggregate_id] = aggregate
        return aggregate


class UnitFactsIndex:
    """What the ledger knows of each unit on a date, by org code.

    ``subscribe(handler)`` hands ``handler`` the org of every fact that changed (for read
    models built on this one, e.g. campaign progress); it runs while the log is read, so
    it only takes note.
    """

    def __init__(
        self, ledger: Ledger, settings: Settings | None = None, *, at: datetime | None = None
    ) -> None:
        self.ledger = ledger
        self.settings = settings
        self.at = at
        self.tail = LogTail(ledger)
        self._fold = AggregateFold(at)
        self._contracts: defaultdict[str, list[uuid.UUID]] = defaultdict(list)
        self._sessions: defaultdict[str, list[uuid.UUID]] = defaultdict(list)
        self._bodies: dict[str, Body] = {}  # congress key -> its body
        self._calls: defaultdict[str, list[uuid.UUID]] = defaultdict(list)
        self._honours: dict[str, uuid.UUID] = {}  # holder -> register
        self._listeners: list[Callable[[str], None]] = []
        self.tail.follow(event_topics(WageContract), self._contract)
        self.tail.follow(event_topics(Session), self._session)
        self.tail.follow([get_topic(Congress.Created)], self._congress)
        self.tail.follow([get_topic(MotionCall.Created)], self._call)
        self.tail.follow(event_topics(Honours), self._honour)
        if at is not None:
            self.tail.catch_up()

    @classmethod
    def as_of(
        cls, ledger: Ledger, at: datetime, settings: Settings | None = None
    ) -> UnitFactsIndex:
        """The index as the ledger stood at ``at`` (events stamped after it left out)."""
        return cls(ledger, settings, at=at)

    # -- following the log ----------------------------------------------------------------

    def subscribe(self, handler: Callable[[str], None]) -> None:
        """``handler(org)`` for every change of a unit's facts from now on (and from the
        start of the log when subscribed before the first read)."""
        self._listeners.append(handler)

    def _changed(self, org: str) -> None:
        for handle in self._listeners:
            handle(org)

    def _track(self, index: defaultdict[str, list[uuid.UUID]], org: str, event: Any) -> None:
        if event.originator_version == 1:
            index[org].append(event.originator_id)
        self._changed(org)

    def _contract(self, event: Any) -> None:
        found = self._fold.apply(event)
        if found is not None:
            if event.originator_version == 1:
                # Read here, never commanded: the profile the case records is for its
                # commands, and 10,000 copies of it would only weigh on memory.
                found.profile_data = {}
            self._track(self._contracts, found.s.unit_org, event)

    def _session(self, event: Any) -> None:
        found = self._fold.apply(event)
        if found is not None:
            self._track(self._sessions, found.s.unit_org, event)

    def _congress(self, event: Any) -> None:
        if self.at is not None and event.timestamp > self.at:
            return
        state = event.state
        self._bodies[state["key"]] = Body(state.get("body", Body.CONGRESS.value))
        self._changed(state["unit_org"])

    def _call(self, event: Any) -> None:
        found = self._fold.apply(event)
        if found is not None:
            self._track(self._calls, found.s.unit_org, event)

    def _honour(self, event: Any) -> None:
        found = self._fold.apply(event)
        if found is not None:
            self._honours[found.person] = found.id
            self._changed(found.person)

    def catch_up(self) -> None:
        """Read what the log recorded since the last read. As of an instant too: an event
        recorded since but stamped up to it (a late entry of a past date) counts, as in an
        index rebuilt now; one stamped after it is left out."""
        self.tail.catch_up()

    # -- reading ----------------------------------------------------------------------------

    def facts(self, unit_org: str, on: date) -> dict[str, FactRef]:
        """The facts that hold for ``unit_org`` on ``on`` (keys among ``KNOWN_FACTS``)."""
        self.catch_up()
        with self.tail.lock:
            return self._facts(unit_org, on)

    def facts_many(self, orgs: Iterable[str], on: date) -> dict[str, dict[str, FactRef]]:
        """``facts`` of many units, from one read of the log."""
        self.catch_up()
        with self.tail.lock:
            return {org: self._facts(org, on) for org in orgs}

    def facts_unlocked(self, unit_org: str, on: date) -> dict[str, FactRef]:
        """``facts`` without reading the log, for a caller holding :attr:`tail`'s lock
        (a read model that caught up just before)."""
        return self._facts(unit_org, on)

    def _facts(self, org: str, on: date) -> dict[str, FactRef]:
        found: dict[str, FactRef] = {}
        contract = self._contract_in_force(org, on)
        if contract is not None:
            found[WAGE_CONTRACT_IN_FORCE] = contract
        held = self._congress_held(org, on)
        if held is not None:
            found[CONGRESS_HELD_THIS_YEAR] = held
        call = self._motion_call(org, on)
        if call is not None:
            found[MOTION_RUN_THIS_YEAR] = call
        honour = self._honour_held(org, on)
        if honour is not None:
            found[HONOUR_HELD] = honour
        return found

    def spans_unlocked(self, unit_org: str, fact: str) -> list[tuple[date, date | None]]:
        """The days on which ``fact`` holds for the unit, as (first, last) spans (last None:
        from then on): the same rule as :meth:`facts`, without building references (a trend
        over many days asks this). For a caller holding :attr:`tail`'s lock."""
        org = unit_org
        if fact == WAGE_CONTRACT_IN_FORCE:
            return [
                (c.effective_on, c.expires_on)
                for c in self._views(self._contracts, org)
                if c.stage in IN_FORCE and c.effective_on is not None
            ]
        if fact == CONGRESS_HELD_THIS_YEAR:
            return [
                (s.closed_on, date(s.closed_on.year, 12, 31))
                for s in self._views(self._sessions, org)
                if self._bodies.get(s.congress_key, Body.CONGRESS) is Body.CONGRESS
                and s.status in HELD
                and s.closed_on is not None
            ]
        if fact == MOTION_RUN_THIS_YEAR:
            return [
                (c.opened_on, date(c.opened_on.year, 12, 31)) for c in self._views(self._calls, org)
            ]
        if fact == HONOUR_HELD:
            register_id = self._honours.get(org)
            if register_id is None:
                return []
            return [(h.granted_on, None) for h in self._fold.aggregates[register_id].held]
        raise KeyError(fact)

    def contracts_unlocked(self, unit_org: str) -> list[WageContractView]:
        """The unit's wage contract cases, oldest first (shared views: read, never change;
        for a caller holding :attr:`tail`'s lock)."""
        return self._views(self._contracts, unit_org)

    def sessions_unlocked(self, unit_org: str) -> list[SessionView]:
        """The unit's sessions of any body, oldest first (as :meth:`contracts_unlocked`)."""
        return self._views(self._sessions, unit_org)

    def _views(self, index: dict[str, list[uuid.UUID]], org: str) -> list[Any]:
        aggregates = self._fold.aggregates
        return [aggregates[i].s for i in index.get(org, ())]

    def _contract_in_force(self, org: str, on: date) -> FactRef | None:
        for c in reversed(self._views(self._contracts, org)):
            if (
                c.stage in IN_FORCE
                and c.effective_on is not None
                and c.effective_on <= on
                and (c.expires_on is None or on <= c.expires_on)
            ):
                return FactRef(
                    record=c.case_id,
                    event="WageContract.TookEffect",
                    on=c.effective_on,
                    detail=f"{c.effective_on} 至 {c.expires_on or '—'}",
                )
        return None

    def _congress_held(self, org: str, on: date) -> FactRef | None:
        for s in reversed(self._views(self._sessions, org)):
            if (
                self._bodies.get(s.congress_key, Body.CONGRESS) is Body.CONGRESS
                and s.status in HELD
                and s.closed_on is not None
                and s.closed_on.year == on.year
                and s.closed_on <= on
            ):
                return FactRef(
                    record=s.session_id,
                    event="Session.Closed",
                    on=s.closed_on,
                    detail=s.congress_key,
                )
        return None

    def _motion_call(self, org: str, on: date) -> FactRef | None:
        for c in reversed(self._views(self._calls, org)):
            if c.opened_on.year == on.year and c.opened_on <= on:
                return FactRef(
                    record=c.call_key,
                    event="MotionCall.Created",
                    on=c.opened_on,
                    detail=f"会议 {c.session_on}",
                )
        return None

    def _honour_held(self, org: str, on: date) -> FactRef | None:
        register_id = self._honours.get(org)
        if register_id is None:
            return None
        held: list[HonourHeld] = [
            h for h in self._fold.aggregates[register_id].held if h.granted_on <= on
        ]
        if not held:
            return None
        h = held[-1]
        return FactRef(
            record=h.round_key, event="Honours.Granted", on=h.granted_on, detail=h.title_zh
        )
